/**
 * Starts a trace worker thread (dist/trace-worker.js). Its young generation may grow to 192 MB
 * (V8's default for a thread is about 48 MB): a worker parses hundreds of MB of JSON in batches
 * whose values live just long enough to survive a small young generation's collections, and so
 * were promoted and collected again by full collections of the old one. Measured on a 10^6-step
 * file (1.43 GB) read for the editor: 31 s and 2.3 GB peak RSS with the default, 19 s and 1.6 GB
 * with this. The limit caps growth; a worker with little to do stays small.
 */
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from './exec-argv';

export const TRACE_WORKER_YOUNG_GENERATION_MB = 192;

function withoutPreloads(): { execArgv?: string[] } {
  const execArgv = workerExecArgv(process.execArgv);
  return execArgv ? { execArgv } : {};
}

/**
 * `script`: the worker's path, or (tests, `eval: true`) its code. `debug`: the trace debugger's
 * adapter (src/core/debug/adapter-in-worker.ts), with `taxonomy` the one it announces before launch;
 * `maxOldGenerationSizeMb` (tests) caps its heap.
 */
export function startTraceWorker(
  script: string,
  mode: 'jobs' | 'document' | 'debug' = 'jobs',
  options: { eval?: boolean; taxonomy?: string; maxOldGenerationSizeMb?: number } = {},
): Worker {
  // A job worker has no workerData; the others say what they are (and a debug worker its taxonomy).
  const taxonomy = mode === 'debug' && options.taxonomy !== undefined ? { taxonomy: options.taxonomy } : {};
  return new Worker(script, {
    // Code given as text (tests) may need the parent's loaders; a built worker never does.
    ...(options.eval ? { eval: true } : withoutPreloads()),
    ...(mode === 'jobs' ? {} : { workerData: { mode, ...taxonomy } }),
    resourceLimits: {
      maxYoungGenerationSizeMb: TRACE_WORKER_YOUNG_GENERATION_MB,
      ...(options.maxOldGenerationSizeMb !== undefined ? { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } : {}),
    },
  });
}
