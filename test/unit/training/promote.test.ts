import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promote } from '../../../src/core/training-set/promote';
import { promoteCommand } from '../../../src/cli/commands/promote';
import { validateCommand } from '../../../src/cli/commands/validate';
import { PROJECT_ROOT, sharedPath } from '../../support/shared';
import { loadTraceFile } from '../../../src/core/load';
import { readSidecar, setCorrection, saveSidecar, sidecarPathFor } from '../../../src/core/annotations';
import { modelSteps } from '../../../src/core/export/conversation';
import { bundled } from '../../support/bundled';

const SMALL = resolve(__dirname, '../../fixtures/export/small.jsonl');
/** A human tag and a correction on small.jsonl's llm-3 (a sidecar's content, written beside the copy under test). */
const SIDECAR = readFileSync(resolve(__dirname, '../../fixtures/export/small.sidecar.json'), 'utf8');

function workspace(n = 1): { dir: string; traces: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'atd-promote-'));
  const traces: string[] = [];
  for (let i = 0; i < n; i++) {
    // Distinct traces: same steps, different trace id (so different bytes and sha256).
    const t = join(dir, `run-${i}.jsonl`);
    writeFileSync(t, readFileSync(SMALL, 'utf8').replace('"id":"weather-1"', `"id":"weather-${i}"`));
    writeFileSync(`${t}.annotations.json`, SIDECAR);
    traces.push(t);
  }
  return { dir, traces };
}

const lines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);

describe('promote', () => {
  it('writes sft/preference/stepwise/manifest/README/set.json that validate, with a TRL set', async () => {
    const { dir, traces } = workspace();
    const set = join(dir, 'training-sets', 'weather');
    const r = await promoteCommand({ trace: traces[0], set, format: 'trl', sharegpt: true });
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    // llm-1's call failed at the tool (TOOL.RUNTIME): that judges the environment, so llm-1 is still learned.
    assert.match(r.stdout[0], /sft\.jsonl \+3, preference\.jsonl \+1, stepwise\.jsonl \+1, sharegpt\.jsonl \+3/);
    const config = JSON.parse(readFileSync(join(set, 'set.json'), 'utf8'));
    assert.deepEqual([config.name, config.format, config.sharegpt], ['weather', 'trl', true]);
    for (const f of ['sft', 'preference', 'stepwise', 'sharegpt']) {
      const v = await validateCommand({ file: join(set, `${f}.jsonl`) });
      assert.equal(v.exitCode, 0, v.stderr.join('\n'));
    }
    const info = JSON.parse(readFileSync(join(set, 'dataset_info.json'), 'utf8'));
    assert.deepEqual(info.weather, { file_name: 'sharegpt.jsonl', formatting: 'sharegpt', columns: { messages: 'conversations', system: 'system', tools: 'tools' } });
    const manifest = lines(join(set, 'manifest.jsonl')).map((l) => JSON.parse(l));
    assert.equal(manifest.length, 8);
    const pref = manifest.find((m) => m.file === 'preference.jsonl');
    assert.deepEqual(pref.steps, ['llm-3']);
    assert.deepEqual(pref.corrections, ['llm-3']);
    assert.deepEqual(pref.tags, [{ location: 'llm-3', category: 'RSN.FABRICATED_ACTION', origin: 'human', status: 'confirmed' }]);
    assert.equal(pref.trace.path, '../../run-0.jsonl');
    assert.equal(pref.version, JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
    const readme = readFileSync(join(set, 'README.md'), 'utf8');
    assert.match(readme, /\| RSN\.FABRICATED_ACTION \| \d+ \|/);
    assert.match(readme, /load_dataset\("json", data_files="sft\.jsonl"/);
  });

  it('re-promoting the same trace replaces its examples (no duplicates) and keeps the others', async () => {
    const { dir, traces } = workspace(2);
    const set = join(dir, 'set');
    await promote({ trace: traces[0], set, format: 'openai', templates: [] });
    await promote({ trace: traces[1], set, templates: [] });
    const before = readFileSync(join(set, 'sft.jsonl'), 'utf8');
    const again = await promote({ trace: traces[0], set, templates: [] });
    assert.equal(again.result!.replaced, 3);
    assert.equal(lines(join(set, 'sft.jsonl')).length, 2);
    assert.equal(lines(join(set, 'manifest.jsonl')).length, 6);
    // Same content, and trace 1's example kept verbatim.
    assert.deepEqual(lines(join(set, 'sft.jsonl')).sort(), before.split('\n').filter(Boolean).sort());
  });

  it('refuses a set whose data files no longer match the manifest, instead of losing lines', async () => {
    const { dir, traces } = workspace();
    const set = join(dir, 'set');
    await promote({ trace: traces[0], set, templates: [] });
    writeFileSync(join(set, 'sft.jsonl'), readFileSync(join(set, 'sft.jsonl'), 'utf8') + '{"messages":[]}\n');
    const r = await promoteCommand({ trace: traces[0], set });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr.join('\n'), /sft\.jsonl: has 2 examples but manifest\.jsonl lists 1/);
  });

  it('refuses to write a likely secret, naming the example and field', async () => {
    const { dir, traces } = workspace();
    writeFileSync(traces[0], readFileSync(traces[0], 'utf8').replaceAll('Weather in SF and NYC?', 'Weather? my key is sk-abcdefghijklmnopqrstuvwxyz0123'));
    const set = join(dir, 'set');
    const r = await promoteCommand({ trace: traces[0], set });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr[0], /^sft\.jsonl \(trace 0, example 1\) \(\$\.messages\[1\]\.content\): looks like a secret \(OpenAI\/Anthropic-style API key: sk-abc…23\); not written/);
    assert.equal(existsSync(set), false, 'a refused promotion into a new set creates no folder, not even set.json');
  });

  it('rejects a correction that calls an undeclared tool, located in the sidecar', async () => {
    const { dir, traces } = workspace();
    writeFileSync(`${traces[0]}.annotations.json`, JSON.stringify({ version: 1, errors: [], corrections: [{ location: 'llm-1', output: { role: 'assistant', tool_calls: [{ function: { name: 'get_wether', arguments: '{"city":"San Francisco"}' } }] } }], reviewed: [] }));
    const r = await promoteCommand({ trace: traces[0], set: join(dir, 'set') });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr[0], /run-0\.jsonl\.annotations\.json \(\$\.corrections\[0\]\.output\.tool_calls\[0\]\.function\.name\): calls "get_wether", which the trace does not declare \(declared: get_weather\)/);
  });

  it('two or more processes promoting at once lose and duplicate nothing', async function () {
    this.timeout(120_000);
    const { dir, traces } = workspace(6);
    const set = join(dir, 'set');
    const worker = bundled('test/support/promote-worker.ts');
    const run = (trace: string): Promise<{ code: number | null; err: string }> => new Promise((res) => {
      const child = spawn(process.execPath, [worker, trace, set, 'openai'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => { err += String(d); });
      child.on('exit', (code) => res({ code, err }));
    });
    // Six traces plus two re-promotions of the first, all at once.
    const results = await Promise.all([...traces, traces[0], traces[0]].map(run));
    for (const r of results) assert.equal(r.code, 0, r.err);
    const sft = lines(join(set, 'sft.jsonl'));
    const manifest = lines(join(set, 'manifest.jsonl')).map((l) => JSON.parse(l));
    assert.equal(sft.length, 6);
    assert.equal(lines(join(set, 'preference.jsonl')).length, 6);
    assert.equal(lines(join(set, 'stepwise.jsonl')).length, 6);
    assert.equal(manifest.length, 18);
    assert.equal(new Set(manifest.map((m) => m.id)).size, 18);
    assert.deepEqual([...new Set(manifest.map((m) => m.trace.path))].sort(), traces.map((t) => `../${t.split('/').pop()}`).sort());
    assert.equal(existsSync(join(set, '.lock')), false);
  });

  it('promotes a real TRAIL trace with its label file and a correction; the files validate and render', async function () {
    this.timeout(120_000);
    const src = sharedPath('traces', 'trail', 'GAIA', 'traces', '0ebe673d64647ec44c370638b82d3c78.json');
    const dir = mkdtempSync(join(tmpdir(), 'atd-trail-'));
    const trace = join(dir, 'gaia.json');
    copyFileSync(src, trace);
    const t = loadTraceFile(trace).traces[0];
    const turns = modelSteps(t);
    assert.ok(turns.length > 0, 'the TRAIL importer yields model turns');
    const labels = readSidecar(sharedPath('traces', 'trail', 'GAIA', 'annotations', '0ebe673d64647ec44c370638b82d3c78.json')).doc;
    const last = turns[turns.length - 1];
    const doc = setCorrection(labels, { location: last.sourceId ?? last.id }, { role: 'assistant', content: 'Final answer: right' }).doc;
    saveSidecar(sidecarPathFor(trace), doc);
    const set = join(dir, 'set');
    const r = await promoteCommand({ trace, set, format: 'trl' });
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    for (const f of ['sft', 'preference', 'stepwise']) {
      const v = await validateCommand({ file: join(set, `${f}.jsonl`) });
      assert.equal(v.exitCode, 0, v.stderr.join('\n'));
    }
    assert.equal(lines(join(set, 'preference.jsonl')).length, 1);
  });
});
