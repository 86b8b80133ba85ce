import type { Worker } from 'node:worker_threads';

/** Call `stopped` with why, once the worker crashes (an error) or exits (its code). */
export function onWorkerStopped(worker: Worker, stopped: (why: string) => void): void {
  worker.on('error', (e) => stopped(e instanceof Error ? e.message : String(e)));
  worker.on('exit', (code) => stopped(`exit code ${code}`));
}
