/**
 * One document worker started before it is needed. A worker's thread and code take about 0.2 s to
 * start here (200-250 ms from `new Worker` to the first steps of an agent-trace/v1 file, 60-110 ms
 * with the worker started ahead); a tab opened while a spare is ready shows its first rows that
 * much sooner. The caller says when to start one: after a read has ended, so that it does not
 * compete with the read for the machine's cores. An idle spare holds about 40 MB.
 */
import type { Worker } from 'node:worker_threads';
import { DOCUMENT_WORKER_READY } from './messages';
import { onWorkerStopped } from './stopped';

export class SpareWorker {
  private spare: { worker: Worker; ready: Promise<boolean> } | undefined;
  private disposed = false;

  /** `start` starts a document worker (startTraceWorker(path, 'document'), or a test's stand-in). */
  constructor(private readonly start: () => Worker) {}

  /** Whether a spare is started and not yet taken (tests read it). */
  get hasSpare(): boolean {
    return this.spare !== undefined;
  }

  /**
   * Start a spare if there is none. Resolves true once its code is loaded (it posts
   * DOCUMENT_WORKER_READY), false if it stops first or after `dispose`.
   */
  prepare(): Promise<boolean> {
    if (this.disposed) return Promise.resolve(false);
    if (this.spare) return this.spare.ready;
    const worker = this.start();
    // An idle spare must not keep a process (a test, the bench) alive; the client refs it while it reads.
    worker.unref();
    const ready = new Promise<boolean>((resolve) => {
      const loaded = (m: unknown): void => {
        if (m !== DOCUMENT_WORKER_READY) return;
        worker.off('message', loaded);
        resolve(true);
      };
      worker.on('message', loaded);
      onWorkerStopped(worker, () => {
        if (this.spare?.worker === worker) this.spare = undefined;
        resolve(false);
      });
    });
    this.spare = { worker, ready };
    return ready;
  }

  /** The spare (loaded or still starting), else a worker started now. The next spare waits for `prepare`. */
  take(): Worker {
    const spare = this.spare;
    this.spare = undefined;
    return spare?.worker ?? this.start();
  }

  /** Stop the spare, if any (no trace is open any more); a later `prepare` starts another. */
  release(): void {
    const spare = this.spare;
    this.spare = undefined;
    void spare?.worker.terminate();
  }

  dispose(): void {
    this.disposed = true;
    this.release();
  }
}
