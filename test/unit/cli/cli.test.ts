import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { PROJECT_ROOT, sharedFiles } from '../../support/shared';

const tmp = mkdtempSync(join(tmpdir(), 'agent-trace-cli-'));
function write(name: string, text: string | Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const failingTrace = [
  { type: 'trace', format: 'agent-trace/v1', id: 'run-1', title: 'demo' },
  { type: 'step', id: 'root', kind: 'agent', name: 'agent' },
  { type: 'step', id: 'llm-1', parentId: 'root', kind: 'llm', name: 'plan', output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'fetch', arguments: { url: 'x' } }] }] } },
  { type: 'step', id: 'tool-1', parentId: 'root', kind: 'tool', name: 'fetch', toolCall: { id: 'call_1', name: 'fetch', arguments: { url: 'x' } }, status: 'error', error: { type: 'TimeoutError', message: 'request timed out after 30s' } },
].map((l) => JSON.stringify(l)).join('\n');

describe('agent-trace CLI', () => {
  it('inspect --json prints the documented shape with findings on the right steps', async () => {
    const file = write('fail.trace.jsonl', failingTrace);
    const r = await main(['inspect', file, '--json']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const out = JSON.parse(r.stdout.join('\n'));
    assert.deepEqual(Object.keys(out), ['file', 'format', 'traces', 'steps', 'redactedSteps', 'usage', 'findings', 'labels', 'warnings']);
    assert.equal(out.redactedSteps, 0);
    assert.equal(out.format, 'agent-trace-jsonl');
    assert.equal(out.traces, 1);
    assert.equal(out.steps, 3);
    const timeout = out.findings.find((f: { category: string; stepId: string }) => f.category === 'TOOL.TIMEOUT' && f.stepId === 'tool-1');
    assert.ok(timeout, `expected TOOL.TIMEOUT on tool-1, got ${JSON.stringify(out.findings)}`);
    assert.equal(timeout.sourceId, 'tool-1');
    assert.equal(timeout.traceId, 'run-1');
    assert.match(timeout.evidence, /timed out/);
  });

  it('inspect --taxonomy trail names categories with TRAIL leaf names', async () => {
    const file = write('fail2.trace.jsonl', failingTrace);
    const out = JSON.parse((await main(['inspect', file, '--json', '--taxonomy', 'trail'])).stdout.join('\n'));
    assert.ok(out.findings.some((f: { category: string }) => f.category === 'Timeout Issues'), JSON.stringify(out.findings));
    assert.ok(!out.findings.some((f: { category: string }) => f.category === 'TOOL.TIMEOUT'));
  });

  it('inspect without --json prints a readable summary', async () => {
    const r = await main(['inspect', write('fail3.trace.jsonl', failingTrace)]);
    const text = r.stdout.join('\n');
    assert.match(text, /format: +agent-trace-jsonl/);
    assert.match(text, /steps: +3/);
    assert.match(text, /TOOL\.TIMEOUT/);
  });

  it('exits 2 with one located line per problem for malformed JSON', async () => {
    const r = await main(['inspect', write('broken.json', '{"spans": [\n  {"span_id": "a",\n')]);
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr.length, 1);
    assert.match(r.stderr[0], /broken\.json:3:1: invalid JSON/);
  });

  it('exits 2 for a missing file and for a file that is not a trace', async () => {
    const missing = await main(['inspect', join(tmp, 'nope.json')]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr[0], /nope\.json: no such file/);
    const notTrace = await main(['inspect', write('conf.json', '{"compilerOptions":{}}')]);
    assert.equal(notTrace.exitCode, 2);
    assert.match(notTrace.stderr[0], /not a trace/);
  });

  it('exits 2 on usage errors and unknown options', async () => {
    assert.equal((await main(['inspect'])).exitCode, 2);
    const r = await main(['inspect', 'x.json', '--jsno']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr[0], /unknown option --jsno/);
    assert.equal((await main(['frobnicate'])).exitCode, 2);
  });

  it('taxonomy --json lists categories and marks the automatically detected ones', async () => {
    const out = JSON.parse((await main(['taxonomy', '--json'])).stdout.join('\n'));
    const timeout = out.categories.find((c: { id: string }) => c.id === 'TOOL.TIMEOUT');
    assert.equal(timeout.automatic, true);
    assert.ok(timeout.rules.length >= 1);
    const goal = out.categories.find((c: { id: string }) => c.id === 'ORCH.GOAL_DEVIATION');
    assert.equal(goal.automatic, false);
  });

  it('taxonomy with a bad user file names the file and the problem', async () => {
    const r = await main(['taxonomy', '--taxonomy', write('tax.json', '{"id": 3}')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr.join('\n'), /tax\.json/);
  });

  it('report aggregates by category and tool over a folder, skipping files that are not traces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-trace-report-'));
    writeFileSync(join(dir, 'a.trace.jsonl'), failingTrace);
    writeFileSync(join(dir, 'b.trace.jsonl'), failingTrace);
    writeFileSync(join(dir, 'settings.json'), '{"editor.fontSize": 14}');
    const r = await main(['report', dir, '--json']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const out = JSON.parse(r.stdout.join('\n'));
    assert.equal(out.files, 2);
    assert.equal(out.byCategory['TOOL.TIMEOUT'], 2);
    assert.ok(out.byTool.fetch >= 2);
    assert.equal(out.skipped.length, 1);
    assert.match(out.skipped[0].file, /settings\.json$/);
  });

  it('formats lists every importer with a unique id', async () => {
    const list = JSON.parse((await main(['formats', '--json'])).stdout.join('\n')) as { id: string }[];
    assert.ok(list.length >= 10, `only ${list.length} formats`);
    assert.equal(new Set(list.map((f) => f.id)).size, list.length);
  });

  it('the built CLI prints no stack trace for user errors (needs npm run build)', function () {
    const cli = join(PROJECT_ROOT, 'dist', 'cli.js');
    assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
    const r = spawnSync(process.execPath, [cli, 'inspect', write('bad.json', '{"a": [1,,2]}')], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
  });
});

/** Files in ../shared/traces that hold labels or verdicts, not steps: refused with one line. */
const NOT_TRACES = [
  /trail\/[^/]+\/annotations\/[^/]+\.json$/, // TRAIL label files (loaded with their trace)
  /\/report\.json$/, /results_summary\.json$/, // SWE-bench verdicts (loaded with the trajectory)
  /all_preds\.jsonl$/, // SWE-bench predictions
  /exit_statuses_[^/]+\.yaml$/, /_analysis\.md$/, // mini-swe-agent run summaries
  /capture-results\.json$/, // Vercel AI SDK capture summary
];

describe('every shared trace file opens or is refused in one line', function () {
  this.timeout(300000);
  it('opens every trace file of ../shared/traces, and refuses only the label and verdict files', async () => {
    const files = sharedFiles('.', (n) => !/^(README\.md|SOURCES\.tsv)$/.test(n));
    assert.ok(files.length > 250, `expected the whole shared corpus, found ${files.length} files`);
    const wrong: string[] = [];
    for (const f of files) {
      const expectRefusal = NOT_TRACES.some((re) => re.test(f.replace(/\\/g, '/')));
      let r;
      try {
        r = await main(['inspect', f, '--json']);
      } catch (e) {
        wrong.push(`${f}: crashed: ${e instanceof Error ? e.stack : e}`);
        continue;
      }
      if (expectRefusal) {
        if (r.exitCode !== 2 || r.stderr.length !== 1 || !r.stderr[0].startsWith(f)) wrong.push(`${f}: expected a one-line refusal naming the file, got exit ${r.exitCode}: ${r.stderr.join(' | ')}`);
      } else if (r.exitCode !== 0) {
        wrong.push(`${f}: expected it to open, got exit ${r.exitCode}: ${r.stderr.join(' | ')}`);
      } else {
        const out = JSON.parse(r.stdout.join('\n'));
        if (out.traces < 1 || out.steps < 1) wrong.push(`${f}: opened with ${out.traces} traces and ${out.steps} steps`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
