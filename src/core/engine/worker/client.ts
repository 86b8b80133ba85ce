/**
 * The extension host's side of the trace worker. Jobs queue here and go to the worker one at a
 * time, so a cancelled job that has not started costs nothing, and one that has started is stopped
 * by ending the worker (a synchronous parse cannot be interrupted otherwise); the next job starts
 * a new one. A worker that crashes or exits fails the job it was running with a clear error, never
 * a hang, and the queue goes on with a new worker.
 */
import type { Worker } from 'node:worker_threads';
import type { WorkerJobs } from './jobs';
import type { JobReply, JobRequest } from './messages';
import { onWorkerStopped } from './stopped';

/** Each job's parameters and result, from the worker's own functions (jobs.ts). */
export type JobMethods = { [K in keyof WorkerJobs]: [Parameters<WorkerJobs[K]>[0], ReturnType<WorkerJobs[K]>] };

/** What a job's caller can cancel with (a vscode.CancellationToken has this shape). */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void } | unknown;
}

export class JobCancelledError extends Error {
  constructor(method: string) {
    super(`${method} was cancelled`);
    this.name = 'JobCancelledError';
  }
}

export class WorkerStoppedError extends Error {
  constructor(method: string, why: string) {
    super(`the trace worker stopped while running ${method} (${why})`);
    this.name = 'WorkerStoppedError';
  }
}

interface Pending {
  request: JobRequest;
  resolve(value: unknown): void;
  reject(error: Error): void;
  cancelled: boolean;
}

export class TraceWorkerClient {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private running: Pending | undefined;
  private nextId = 1;
  private disposed = false;
  /** How many workers were started (a test reads it: a crash or a cancel starts a new one). */
  started = 0;

  /** `spawn` starts a worker running trace-worker.ts (or a test's stand-in). */
  constructor(private readonly spawn: () => Worker) {}

  run<M extends keyof JobMethods>(method: M, params: JobMethods[M][0], token?: CancelToken): Promise<JobMethods[M][1]> {
    if (this.disposed) return Promise.reject(new Error('the trace worker was shut down'));
    return new Promise<JobMethods[M][1]>((resolve, reject) => {
      // The token's listener is let go when the job ends: one token often serves many jobs.
      const held: { subscription?: unknown } = {};
      const release = (): void => { (held.subscription as { dispose?: () => void } | undefined)?.dispose?.(); };
      const pending: Pending = {
        request: { id: this.nextId++, method, params },
        resolve: (v) => { release(); resolve(v as JobMethods[M][1]); },
        reject: (e) => { release(); reject(e); },
        cancelled: false,
      };
      if (token?.isCancellationRequested) { reject(new JobCancelledError(method)); return; }
      held.subscription = token?.onCancellationRequested(() => this.cancel(pending));
      this.queue.push(pending);
      this.pump();
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('the trace worker was shut down'));
    const running = this.running;
    this.running = undefined;
    running?.reject(new Error('the trace worker was shut down'));
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private cancel(p: Pending): void {
    if (p.cancelled) return;
    p.cancelled = true;
    const queued = this.queue.indexOf(p);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      p.reject(new JobCancelledError(p.request.method));
    } else if (this.running === p) {
      // A synchronous job cannot be interrupted: end the worker; the next job starts another.
      this.running = undefined;
      p.reject(new JobCancelledError(p.request.method));
      this.stopWorker();
      this.pump();
    }
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = next;
    const worker = this.ensureWorker();
    // Busy: keep the process alive until the answer comes (idle, it must not: see ensureWorker).
    worker.ref();
    worker.postMessage(next.request);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    this.started++;
    this.worker = worker;
    worker.on('message', (reply: JobReply) => {
      const p = this.running;
      if (worker !== this.worker || !p || p.request.id !== reply.id) return;
      this.running = undefined;
      if ('error' in reply) p.reject(new Error(`${p.request.method} failed in the trace worker: ${reply.error}`));
      else p.resolve(reply.result);
      if (this.queue.length === 0) worker.unref();
      this.pump();
    });
    const stopped = (why: string): void => {
      if (worker !== this.worker) return;
      this.worker = undefined;
      const p = this.running;
      this.running = undefined;
      p?.reject(new WorkerStoppedError(p.request.method, why));
      this.pump();
    };
    onWorkerStopped(worker, stopped);
    // An idle worker must not keep a CLI or a test process alive.
    worker.unref();
    return worker;
  }

  private stopWorker(): void {
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
  }
}
