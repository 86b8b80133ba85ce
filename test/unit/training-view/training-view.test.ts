import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promote } from '../../../src/core/training-set/promote';
import { removeExample, readManifest } from '../../../src/core/training-set/remove';
import { validateFile } from '../../../src/core/validate';
import { fenced, inert, renderExample } from '../../../src/host/training-sets/render-example';
import { countsDescription, listSets, readExample, setNameProblem } from '../../../src/host/training-sets/sets-on-disk';

const SMALL = resolve(__dirname, '../../fixtures/export/small.jsonl');
/**
 * A human tag and a correction on small.jsonl's llm-3 (a sidecar's content, written beside the copy under test).
 * TRL sft.jsonl gets 3 lines: llm-1's failed call is a tool runtime error, which judges the tool, not llm-1.
 */
const SIDECAR = readFileSync(resolve(__dirname, '../../fixtures/export/small.sidecar.json'), 'utf8');
const lines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);

async function promotedSet(format: 'openai' | 'trl' = 'trl'): Promise<{ root: string; set: string; trace: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'atd-view-'));
  const trace = join(dir, 'run.jsonl');
  writeFileSync(trace, readFileSync(SMALL, 'utf8'));
  writeFileSync(`${trace}.annotations.json`, SIDECAR);
  const root = join(dir, 'training-sets');
  const set = join(root, 'weather');
  const r = await promote({ trace, set, format });
  assert.deepEqual(r.errors, []);
  return { root, set, trace };
}

describe('training sets view helpers', () => {
  it('lists sets with per-file counts from the manifest, and reads one example back', async () => {
    const { root, set } = await promotedSet('trl');
    mkdirSync(join(root, 'not-a-set')); // no set.json: ignored
    const sets = listSets(root);
    assert.deepEqual(sets.map((s) => s.name), ['weather']);
    const [s] = sets;
    assert.deepEqual(s.problems, []);
    assert.deepEqual(s.files.map((f) => [f.file, f.entries.length, f.lines]), [['sft.jsonl', 3, 3], ['preference.jsonl', 1, 1], ['stepwise.jsonl', 1, 1]]);
    assert.equal(countsDescription(s.files), 'sft 3 · preference 1 · stepwise 1');
    const pref = s.files[1].entries[0];
    const ex = readExample(set, pref.id);
    assert.equal(ex.line, 1);
    assert.deepEqual(ex.record, JSON.parse(lines(join(set, 'preference.jsonl'))[0]));
  });

  it('reports a data file that no longer matches the manifest instead of hiding it', async () => {
    const { root, set } = await promotedSet();
    writeFileSync(join(set, 'sft.jsonl'), lines(join(set, 'sft.jsonl'))[0] + '\n');
    const [s] = listSets(root);
    assert.equal(s.problems.length, 1);
    assert.match(s.problems[0], /sft\.jsonl: has 1 examples but manifest\.jsonl lists 3/);
  });

  it('validates set names as folder names', () => {
    assert.equal(setNameProblem('gaia-tool_errors.v2'), undefined);
    assert.match(setNameProblem('') ?? '', /Enter a name/);
    assert.match(setNameProblem('a/b') ?? '', /only letters/);
    assert.match(setNameProblem('..') ?? '', /cannot be/);
    assert.match(setNameProblem('.hidden') ?? '', /hidden/);
    assert.match(setNameProblem('x'.repeat(101)) ?? '', /under 100/);
  });
});

describe('removeExample', () => {
  it('removes exactly one example and its manifest entry; the rest stays line for line and valid', async () => {
    const { set, trace } = await promotedSet('trl');
    const before = readManifest(set).entries;
    const sftBefore = lines(join(set, 'sft.jsonl'));
    const target = before.find((e) => e.file === 'sft.jsonl')!;
    const r = await removeExample(set, { id: target.id, recordSha256: target.recordSha256 });
    assert.deepEqual(r, { file: 'sft.jsonl', line: 1, remaining: sftBefore.length - 1 });
    const after = readManifest(set).entries;
    assert.equal(after.length, before.length - 1);
    assert.deepEqual(after, before.filter((e) => e.id !== target.id));
    assert.deepEqual(lines(join(set, 'sft.jsonl')), sftBefore.slice(1));
    assert.equal(lines(join(set, 'preference.jsonl')).length, 1, 'other files untouched');
    assert.equal(existsSync(join(set, '.lock')), false);
    assert.match(readFileSync(join(set, 'README.md'), 'utf8'), new RegExp(`${after.length} example\\(s\\)`));
    assert.equal(sftBefore.length, 3);
    assert.deepEqual(validateFile(join(set, 'sft.jsonl'), { format: 'trl' }).problems.filter((p) => p.severity === 'error'), []);
    // The set is still consistent: promoting the trace again restores the removed example.
    const again = await promote({ trace, set });
    assert.deepEqual(again.errors, []);
    assert.deepEqual(lines(join(set, 'sft.jsonl')), sftBefore);
  });

  it('refuses when the example is gone or was re-promoted with other content, and removes nothing', async () => {
    const { set } = await promotedSet();
    const [first] = readManifest(set).entries;
    await assert.rejects(removeExample(set, { id: 'sft-nope-0', recordSha256: first.recordSha256 }), /has no example sft-nope-0 any more/);
    await assert.rejects(removeExample(set, { id: first.id, recordSha256: '0'.repeat(64) }), /re-promoted since it was shown/);
    assert.equal(readManifest(set).entries.length, 5);
  });

  it('refuses to remove from a data file edited by hand (it would remove the wrong line)', async () => {
    const { set } = await promotedSet();
    const entries = readManifest(set).entries;
    const sft = lines(join(set, 'sft.jsonl'));
    writeFileSync(join(set, 'sft.jsonl'), [sft[1], sft[0], ...sft.slice(2)].join('\n') + '\n');
    const target = entries.find((e) => e.file === 'sft.jsonl')!;
    await assert.rejects(removeExample(set, { id: target.id, recordSha256: target.recordSha256 }), /sft\.jsonl.*does not match its manifest entry/);
    assert.equal(readManifest(set).entries.length, entries.length);
  });
});

describe('renderExample', () => {
  it('renders an OpenAI SFT conversation: roles, weight-0 turns, pretty tool arguments, tool results', () => {
    const rec = {
      messages: [
        { role: 'user', content: 'Weather in SF?' },
        { role: 'assistant', content: 'Checking', weight: 0, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"SF"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '18C' },
        { role: 'assistant', content: 'SF is 18C.', weight: 1 },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }],
    };
    const md = renderExample(rec);
    assert.match(md, /### user\n\n```text\nWeather in SF\?\n```/);
    assert.match(md, /### assistant \(context only, not trained\)/);
    assert.match(md, /\*\*Tool call:\*\* get weather \(id c1\)\n\n```json\n\{\n {2}"city": "SF"\n\}\n```/);
    assert.match(md, /### tool result \(call c1\)\n\n```text\n18C\n```/);
    assert.equal((md.match(/context only/g) ?? []).length, 1, 'only the weight-0 turn is marked');
    assert.match(md, /## Tools offered\n\n- get weather/);
  });

  it('renders preference and stepwise records', () => {
    const pref = renderExample({ prompt: [{ role: 'user', content: 'q' }], chosen: [{ role: 'assistant', content: 'good' }], rejected: [{ role: 'assistant', content: 'bad' }] });
    assert.ok(pref.indexOf('## Chosen') < pref.indexOf('good') && pref.indexOf('## Rejected') < pref.indexOf('bad'));
    const step = renderExample({ prompt: 'task', completions: ['a', 'b'], labels: [true, false] });
    assert.match(step, /### Step 1: good\n\n```text\na\n```\n\n### Step 2: error\n\n```text\nb\n```/);
  });

  it('keeps hostile content inert: fences cannot be closed, headings carry no markup', () => {
    const evil = 'x\n````\n<script>alert(1)</script>\n# heading';
    const block = fenced(evil);
    assert.ok(block.startsWith('`````text\n') && block.endsWith('\n`````'), block);
    assert.equal(inert('<img src=x onerror=alert(1)>\n# h [l](javascript:x)'), 'img src=x onerror=alert 1 h l javascript:x');
    const md = renderExample({ messages: [{ role: '<b>assistant</b>\n# x', content: evil }] });
    assert.match(md, /### b assistant \/b x\n/);
    assert.ok(md.includes('`````text\n' + evil + '\n`````'));
  });
});
