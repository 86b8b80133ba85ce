/**
 * WorkerPool (src/core/engine/worker/pool.ts): each job goes to the worker with the fewest jobs
 * in flight, so a long job on one worker does not hold up the jobs behind it.
 */
import { strict as assert } from 'node:assert';
import type { TraceWorkerClient } from '../../../src/core/engine/worker/client';
import { WorkerPool } from '../../../src/core/engine/worker/pool';

/** A stand-in client whose jobs end when the test says so. */
function fakeClient(name: string, log: string[]): { client: TraceWorkerClient; finish(): void } {
  const pending: (() => void)[] = [];
  const client = {
    run: (_method: string, params: { path: string }) => new Promise((resolve) => {
      log.push(`${name}:${params.path}`);
      pending.push(() => resolve([]));
    }),
  } as unknown as TraceWorkerClient;
  return { client, finish: () => pending.shift()?.() };
}

describe('trace worker pool', () => {
  it('sends each job to the worker with the fewest jobs in flight', async () => {
    const log: string[] = [];
    const a = fakeClient('a', log);
    const b = fakeClient('b', log);
    const pool = new WorkerPool([a.client, b.client]);
    const run = (path: string) => pool.run('traceRecords', { path, taxonomy: 'default', maxBytes: 1 });
    const first = run('1');
    const second = run('2');
    assert.deepEqual(log, ['a:1', 'b:2'], 'two jobs, one on each worker');
    b.finish();
    await second;
    const third = run('3');
    assert.deepEqual(log.at(-1), 'b:3', 'the free worker takes the next job, not the busy one');
    a.finish();
    b.finish();
    await Promise.all([first, third]);
    assert.equal(pool.size, 2);
    assert.throws(() => new WorkerPool([]), /at least one worker/);
  });
});
