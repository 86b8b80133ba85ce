/**
 * Starts a trace worker thread (dist/trace-worker.js). Its young generation may grow to 192 MB
 * (V8's default for a thread is about 48 MB): a worker parses hundreds of MB of JSON in batches
 * whose values live just long enough to survive a small young generation's collections, and so
 * were promoted and collected again by full collections of the old one. Measured on a 10^6-step
 * file (1.43 GB) read for the editor: 31 s and 2.3 GB peak RSS with the default, 19 s and 1.6 GB
 * with this. The limit caps growth; a worker with little to do stays small.
 */
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from './exec-argv';

export const TRACE_WORKER_YOUNG_GENERATION_MB = 192;

/**
 * The share of the machine's memory a debug worker's heap may grow to. Its launch loads a run
 * whole (src/core/debug/runtime.ts: about 2.6 times the file), and a thread's default limit
 * (about 4 GB, whatever the machine) refused every trace over about 1.4 GB: a 1.4 GB file of 10^6
 * agent-trace/v1 lines loads in a 2.5 GB heap, a 1.9 GB OTLP document of 10^6 spans needs about
 * 5 GB. Half, not the CLI's three quarters (src/cli/heap.ts): the thread shares its process with
 * the extension host, the editor's document worker and every other extension. A limit only caps
 * growth: a debug worker takes what its run needs.
 */
export const DEBUG_HEAP_SHARE = 0.5;

/** The debug worker's heap limit in MB: half the machine's memory, never less than a thread gets by default. */
export function debugWorkerHeapMb(totalMemoryBytes = totalmem(), defaultLimitBytes = getHeapStatistics().heap_size_limit): number {
  return Math.floor(Math.max(totalMemoryBytes * DEBUG_HEAP_SHARE, defaultLimitBytes) / 2 ** 20);
}

function withoutPreloads(): { execArgv?: string[] } {
  const execArgv = workerExecArgv(process.execArgv);
  return execArgv ? { execArgv } : {};
}

/**
 * `script`: the worker's path, or (tests, `eval: true`) its code. `debug`: the trace debugger's
 * adapter (src/core/debug/adapter-in-worker.ts), with `taxonomy` the one it announces before launch,
 * and a heap of `debugWorkerHeapMb()`; `maxOldGenerationSizeMb` (tests) caps any worker's heap.
 */
export function startTraceWorker(
  script: string,
  mode: 'jobs' | 'document' | 'debug' = 'jobs',
  options: { eval?: boolean; taxonomy?: string; maxOldGenerationSizeMb?: number } = {},
): Worker {
  // A job worker has no workerData; the others say what they are (and a debug worker its taxonomy).
  const taxonomy = mode === 'debug' && options.taxonomy !== undefined ? { taxonomy: options.taxonomy } : {};
  const maxOldGenerationSizeMb = options.maxOldGenerationSizeMb ?? (mode === 'debug' ? debugWorkerHeapMb() : undefined);
  return new Worker(script, {
    // Code given as text (tests) may need the parent's loaders; a built worker never does.
    ...(options.eval ? { eval: true } : withoutPreloads()),
    ...(mode === 'jobs' ? {} : { workerData: { mode, ...taxonomy } }),
    resourceLimits: {
      maxYoungGenerationSizeMb: TRACE_WORKER_YOUNG_GENERATION_MB,
      ...(maxOldGenerationSizeMb !== undefined ? { maxOldGenerationSizeMb } : {}),
    },
  });
}
