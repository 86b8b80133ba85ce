/**
 * The trace worker's jobs for the workspace trace database (src/core/engine/worker/jobs.ts), run
 * in process: a file's records, its records decided by a query with free text searched in its steps, and a
 * file that is not a trace refused in one line instead of throwing.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerJobs } from '../../../src/core/engine/worker/jobs';

describe('engine: the trace worker\'s database jobs', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-query-jobs-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const base = { taxonomy: 'default', maxBytes: 1 << 20 };

  function twoRuns(): string {
    const path = join(dir, 'two.trace.jsonl');
    const header = (id: string) => JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id, title: `run ${id}` });
    const step = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'step', id, kind: 'tool', name: id, ...extra });
    writeFileSync(path, [
      header('a'), step('a1'), step('a2', { status: 'error', error: { message: 'Request timed out after 30s' } }),
      header('b'), step('b1', { output: { messages: [{ role: 'assistant', content: 'the quick brown fox' }] } }),
    ].join('\n') + '\n');
    return path;
  }

  it('traceRecords: one record per run, with its failures', () => {
    const records = workerJobs.traceRecords({ ...base, path: twoRuns() });
    assert.ok(Array.isArray(records));
    // The runs' own ids are their keys; the run numbers stay for the editor and sidecars.
    assert.deepEqual(records.map((r) => [r.traceKey, r.traceIndex, r.title, r.steps, r.failingSteps, r.categories.map((c) => c.category).sort()]), [
      ['a', 0, 'run a', 2, 1, ['ORCH.PREMATURE_STOP', 'TOOL.TIMEOUT']],
      ['b', 1, 'run b', 1, 0, []],
    ]);
  });

  it('queryFile: the given records decided with the file\'s steps (record terms and free text), each with the step to open', () => {
    const path = twoRuns();
    const records = workerJobs.traceRecords({ ...base, path });
    assert.ok(Array.isArray(records));
    const query = (q: string, given = records) => workerJobs.queryFile({ ...base, path, query: q, records: given });
    assert.deepEqual(query('category:TOOL.TIMEOUT'), [{ traceKey: 'a', stepId: 'a2' }]);
    assert.deepEqual(query('"BROWN FOX"'), [{ traceKey: 'b', stepId: 'b1' }]);
    assert.deepEqual(query('"brown fox" category:TOOL'), []);
    // Only the records given are decided: run b alone, and run a alone.
    assert.deepEqual(query('"brown fox" OR timed', [records[1]]), [{ traceKey: 'b', stepId: 'b1' }]);
    assert.deepEqual(query('"brown fox" OR timed', [records[0]]), [{ traceKey: 'a', stepId: 'a2' }]);
  });

  it('a file that is not a trace, or too large, is refused in one line', () => {
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"hello": "world"}');
    const refused = workerJobs.traceRecords({ ...base, path: junk });
    assert.ok('refused' in refused && !refused.refused.includes('\n'), JSON.stringify(refused));
    const big = workerJobs.traceRecords({ ...base, path: twoRuns(), maxBytes: 10 });
    assert.ok('refused' in big && /larger than/.test(big.refused));
    const gone = workerJobs.queryFile({ ...base, path: join(dir, 'missing.jsonl'), query: 'x', records: [] });
    assert.deepEqual(gone, { refused: 'cannot be read (ENOENT)' });
  });

  it('failureClusters: the same error in two files is one cluster; a file that is not a trace is skipped', () => {
    const write = (name: string, n: number): string => {
      const path = join(dir, name);
      writeFileSync(path, [
        JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: name, title: name }),
        JSON.stringify({ type: 'step', id: 'x1', kind: 'tool', name: 'fetch', toolCall: { name: 'fetch', arguments: {} }, status: 'error', error: { message: `Request timed out after ${n}s` } }),
        JSON.stringify({ type: 'step', id: 'x2', kind: 'tool', name: 'done' }),
      ].join('\n') + '\n');
      return path;
    };
    const junk = join(dir, 'junk2.json');
    writeFileSync(junk, '[1, 2, 3]');
    const r = workerJobs.failureClusters({ ...base, paths: [write('t1.trace.jsonl', 30), write('t2.trace.jsonl', 45), junk] });
    assert.equal(r.traces, 2);
    assert.equal(r.skipped, 1);
    const timeout = r.clusters.filter((c) => c.category === 'TOOL.TIMEOUT');
    assert.deepEqual(timeout.map((c) => [c.tool, c.count, c.signature, c.traces.map((t) => t.stepIds)]), [
      ['fetch', 2, 'Request timed out after <num>s', [['x1'], ['x1']]],
    ]);
  });
});
