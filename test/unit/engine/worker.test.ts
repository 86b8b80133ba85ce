/**
 * The trace worker (src/core/engine/worker): jobs give the same answers as in process, a job that
 * throws is an error reply, a crash is reported (never a hang) and the next job gets a new worker,
 * and cancelling a queued or a running job works.
 */
import { strict as assert } from 'node:assert';
import { Worker } from 'node:worker_threads';
import { JobCancelledError, TraceWorkerClient, WorkerStoppedError } from '../../../src/core/engine/worker/client';
import { workerJobs } from '../../../src/core/engine/worker/jobs';
import { sharedPath } from '../../support/shared';
import { traceWorkerScript } from '../../support/bundled';

/** The real worker, bundled from source as the build does. */
const realWorker = (): Worker => new Worker(traceWorkerScript());

/** A stand-in that crashes or spins on request, to test the client's handling. */
const standIn = (): Worker => new Worker(`
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', (m) => {
    const text = m.params.text;
    if (text === 'crash') process.exit(3);
    if (text === 'spin') for (;;) {}
    parentPort.postMessage({ id: m.id, result: { kind: 'invalid', problems: [{ file: text, message: 'echo' }] } });
  });`, { eval: true });

function cancelSource(): { token: { isCancellationRequested: boolean; onCancellationRequested(l: () => void): void }; cancel(): void } {
  const listeners: (() => void)[] = [];
  const token = { isCancellationRequested: false, onCancellationRequested: (l: () => void) => { listeners.push(l); } };
  return { token, cancel: () => { token.isCancellationRequested = true; for (const l of listeners) l(); } };
}

const text = (t: string) => ({ path: '/x.json', taxonomy: 'default', withSteps: false, text: t });

describe('engine: the trace worker', function () {
  // Starting a worker compiles TypeScript in it: slow on a busy machine, a guard not a budget.
  this.timeout(120_000);

  it('answers analyzeFile as the same job does in process, and keeps serving after a job throws', async () => {
    const client = new TraceWorkerClient(realWorker);
    try {
      const path = sharedPath('traces', 'tau-bench', 'MockAirlineDomainEnv-few_shot.jsonl');
      const params = { path, taxonomy: 'trail', withSteps: false, maxBytes: 50 * 1024 * 1024 };
      const viaWorker = await client.run('analyzeFile', params);
      assert.equal(viaWorker.kind, 'ok');
      assert.deepEqual(viaWorker, workerJobs.analyzeFile(params));
      await assert.rejects(client.run('nope' as 'analyzeFile', params), /no job "nope"/);
      const small = await client.run('analyzeFile', { ...params, maxBytes: 10 });
      assert.equal(small.kind, 'tooLarge');
      const missing = await client.run('analyzeFile', { ...params, path: '/no/such/file.jsonl' });
      assert.equal(missing.kind, 'invalid');
      assert.match(JSON.stringify(missing), /\/no\/such\/file\.jsonl.*cannot be read \(ENOENT\)/);
      assert.equal(client.started, 1, 'one worker served every job');
    } finally {
      client.dispose();
    }
  });

  it('reports a crash of the worker to the job it was running, and the next job gets a new worker', async () => {
    const client = new TraceWorkerClient(standIn);
    try {
      const crashed = client.run('analyzeText', text('crash'));
      const after = client.run('analyzeText', text('after'));
      await assert.rejects(crashed, (e: unknown) => e instanceof WorkerStoppedError && /analyzeText.*exit code 3/.test(e.message));
      assert.deepEqual(await after, { kind: 'invalid', problems: [{ file: 'after', message: 'echo' }] });
      assert.equal(client.started, 2);
    } finally {
      client.dispose();
    }
  });

  it('cancels a queued job without running it, and a running one by ending its worker', async () => {
    const client = new TraceWorkerClient(standIn);
    try {
      const spin = cancelSource();
      const queued = cancelSource();
      const spinning = client.run('analyzeText', text('spin'), spin.token);
      const waiting = client.run('analyzeText', text('queued'), queued.token);
      const last = client.run('analyzeText', text('last'));
      queued.cancel();
      await assert.rejects(waiting, JobCancelledError);
      spin.cancel();
      await assert.rejects(spinning, JobCancelledError);
      assert.deepEqual(await last, { kind: 'invalid', problems: [{ file: 'last', message: 'echo' }] });
      assert.equal(client.started, 2, 'the spinning worker was ended and a new one answered');
    } finally {
      client.dispose();
    }
  });

  it('lets go of its listener on a token when the job ends: one token can serve many jobs', async () => {
    const client = new TraceWorkerClient(standIn);
    try {
      let listening = 0;
      const token = {
        isCancellationRequested: false,
        onCancellationRequested: () => { listening++; return { dispose: () => { listening--; } }; },
      };
      const jobs = Array.from({ length: 20 }, (_, i) => client.run('analyzeText', text(`job ${i}`), token));
      assert.equal(listening, 20, 'each queued job listens');
      await Promise.all(jobs);
      assert.equal(listening, 0, 'every listener was disposed when its job answered');
      const cancelled = cancelSource();
      const spinning = client.run('analyzeText', text('spin'), cancelled.token);
      cancelled.cancel();
      await assert.rejects(spinning, JobCancelledError);
    } finally {
      client.dispose();
    }
  });
});
