import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clustersCommand } from '../../../src/cli/commands/clusters';
import { evalDetectorsCommand } from '../../../src/cli/commands/eval-detectors';
import { main } from '../../../src/cli/main';

/** A run whose fetch times out (findings: tool-error TOOL.TIMEOUT and ends-on-error ORCH.PREMATURE_STOP on tool-1). */
function run(id: string, seconds: number): string {
  return [
    { type: 'trace', format: 'agent-trace/v1', id, title: id },
    { type: 'step', id: 'root', kind: 'agent', name: 'agent' },
    { type: 'step', id: 'llm-1', parentId: 'root', kind: 'llm', name: 'plan', output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'fetch', arguments: { url: 'x' } }] }] } },
    { type: 'step', id: 'tool-1', parentId: 'root', kind: 'tool', name: 'fetch', toolCall: { id: 'call_1', name: 'fetch', arguments: { url: 'x' } }, status: 'error', error: { type: 'TimeoutError', message: `request timed out after ${seconds}s` } },
  ].map((l) => JSON.stringify(l)).join('\n');
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-trace-clusters-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'run1.trace.jsonl'), run('run-1', 30));
  writeFileSync(join(dir, 'sub', 'run2.trace.jsonl'), run('run-2', 45));
  writeFileSync(join(dir, 'sub', 'run2.trace.jsonl.annotations.json'), JSON.stringify({
    version: 1,
    errors: [
      { location: 'tool-1', category: 'ORCH.PREMATURE_STOP', source: 'rule', rule: 'ends-on-error', status: 'rejected' },
      { location: 'tool-1', category: 'TOOL.TIMEOUT', source: 'rule', rule: 'tool-error', status: 'confirmed' },
    ],
  }));
  writeFileSync(join(dir, 'settings.json'), '{"editor": true}');
  writeFileSync(join(dir, 'notes.txt'), 'not a trace');
  return dir;
}

describe('agent-trace clusters and eval-detectors', () => {
  it('clusters: one cluster per category, tool and signature over a folder; rejected findings left out', () => {
    const dir = folder();
    const r = clustersCommand({ paths: [dir], json: true });
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const out = JSON.parse(r.stdout.join('\n'));
    assert.deepEqual([out.files, out.traces, out.failures, out.rejectedFindings], [2, 2, 3, 1]);
    assert.deepEqual(out.clusters.map((c: { signature: string; category: string; tool: string; count: number }) => [c.count, c.category, c.tool, c.signature]), [
      [2, 'TOOL.TIMEOUT', 'fetch', 'TimeoutError: request timed out after <num>s'],
      [1, 'ORCH.PREMATURE_STOP', 'fetch', 'TimeoutError: request timed out after <num>s'],
    ]);
    // Each trace also carries its file's sha256 and the findings behind the cluster (for tagging it).
    assert.deepEqual(out.clusters[0].traces.map(({ file, traceIndex, title, stepIds }: { file: string; traceIndex: number; title: string; stepIds: string[] }) => ({ file, traceIndex, title, stepIds })), [
      { file: join(dir, 'run1.trace.jsonl'), traceIndex: 0, title: 'run-1', stepIds: ['tool-1'] },
      { file: join(dir, 'sub', 'run2.trace.jsonl'), traceIndex: 0, title: 'run-2', stepIds: ['tool-1'] },
    ]);
    assert.match(out.clusters[0].traces[0].sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(out.clusters[0].traces[0].findings.map((f: { rule: string; stepId: string; category: string }) => [f.rule, f.stepId, f.category]), [['tool-error', 'tool-1', 'TOOL.TIMEOUT']]);
    assert.deepEqual(out.skipped.map((s: { file: string }) => s.file), [join(dir, 'settings.json')]);
    const min = JSON.parse(clustersCommand({ paths: [dir], json: true, min: 2 }).stdout.join('\n'));
    assert.deepEqual(min.clusters.map((c: { count: number }) => c.count), [2]);
    const text = clustersCommand({ paths: [dir], json: false }).stdout.join('\n');
    assert.match(text, /2 files, 2 traces, 3 failures in 2 clusters .*; 1 rejected findings left out/);
    assert.match(text, /#1 2 x TOOL\.TIMEOUT in fetch: TimeoutError: request timed out after <num>s/);
  });

  it('eval-detectors: confirmed and rejected findings are the judgements; unjudged findings count in neither figure', () => {
    const dir = folder();
    const r = evalDetectorsCommand({ paths: [dir], json: true });
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const out = JSON.parse(r.stdout.join('\n'));
    const row = (rule: string, category: string) => out.rules.find((x: { rule: string; category: string }) => x.rule === rule && x.category === category);
    const timeout = row('tool-error', 'TOOL.TIMEOUT');
    assert.deepEqual([timeout.precision, timeout.recall, timeout.support, timeout.tp, timeout.unjudged], [1, 1, 1, 1, 1]);
    assert.deepEqual(timeout.examples.tp, [{ file: join(dir, 'sub', 'run2.trace.jsonl'), traceIndex: 0, stepId: 'tool-1' }]);
    const stop = row('ends-on-error', 'ORCH.PREMATURE_STOP');
    assert.deepEqual([stop.precision, stop.recall, stop.support, stop.fp, stop.unjudged], [0, null, 1, 1, 1]);
    assert.deepEqual(out.judgements, { traces: 2, judgedTraces: 1, labels: 0, tags: 0, confirmed: 1, rejected: 1, unmapped: 0 });
    const text = evalDetectorsCommand({ paths: [dir], json: false }).stdout.join('\n');
    assert.match(text, /2 files, 2 traces, 1 with human judgements/);
    assert.match(text, /tool-error +TOOL\.TIMEOUT +100\.0% +100\.0% +1 +0 +1 +0 +1/);
  });

  it('a sidecar that cannot be read is named with its line and column, the rest is still measured, and the exit code says so', () => {
    const dir = folder();
    writeFileSync(join(dir, 'run1.trace.jsonl.annotations.json'), '{"version": 1, "errors": [}');
    for (const r of [evalDetectorsCommand({ paths: [dir], json: true }), clustersCommand({ paths: [dir], json: true })]) {
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr.join('\n'), /run1\.trace\.jsonl\.annotations\.json:1:\d+: .*\(its tags are left out\)/);
      assert.equal(JSON.parse(r.stdout.join('\n')).traces, 2);
    }
  });

  it('says so when there are no traces, and names a missing file', () => {
    const empty = mkdtempSync(join(tmpdir(), 'agent-trace-empty-'));
    const r = clustersCommand({ paths: [empty], json: false });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr.join('\n'), /no trace files found/);
    const missing = evalDetectorsCommand({ paths: [join(empty, 'nope.json')], json: false });
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr.join('\n'), /nope\.json: no such file/);
  });

  it('are agent-trace commands, with --min checked', async () => {
    const dir = folder();
    const c = await main(['clusters', dir, '--json', '--min', '2']);
    assert.equal(c.exitCode, 0, c.stderr.join('\n'));
    assert.deepEqual(JSON.parse(c.stdout.join('\n')).clusters.map((x: { count: number }) => x.count), [2]);
    const e = await main(['eval-detectors', dir, '--json', '--taxonomy', 'trail']);
    assert.equal(e.exitCode, 0, e.stderr.join('\n'));
    assert.equal(JSON.parse(e.stdout.join('\n')).taxonomy, 'trail');
    const bad = await main(['clusters', dir, '--min', '0']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr[0], /--min must be a whole number of failures, at least 1 \(got "0"\)/);
    assert.match((await main(['eval-detectors'])).stderr[0], /eval-detectors needs at least one file or folder/);
  });
});
