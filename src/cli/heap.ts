/**
 * Room for large traces. Node's default heap limit (about 4 GB on a 64-bit machine, whatever its
 * memory) is less than the CLI needs to hold the steps of a trace file of a gigabyte or more: a
 * 1.9 GB OTLP file of 10^6 spans takes 5 GB, and at the default limit the process died with V8's
 * "JavaScript heap out of memory" and its native stack. So when a file named on the command line,
 * or one under a folder named, is large, the CLI runs itself again with a heap limit of most of
 * the machine's memory, and says plainly when even that is not enough.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { collectTraceFiles } from '../core/corpus';
import { debugWorkerHeapMb } from '../core/engine/worker/spawn';
import { PROGRESS_COLUMNS_ENV, PROGRESS_FD_ENV } from './progress';

/** Files at least this large may need more than the default heap (a whole import holds about 3 times the file). */
export const LARGE_TRACE_BYTES = 256 * 1024 * 1024;
/**
 * Commands not sized by the files they name: the receiver and the debug adapter run until stopped
 * and speak on stdio as they go (this relaunch would hold back what they write to stderr until
 * they end), and the receiver's `--out` folder is where it writes traces, not one it reads. The
 * debug adapter, which holds the trace a launch names, is relaunched its own way
 * (`relaunchDebugAdapter`).
 */
const HOLDS_NO_TRACE = new Set(['receive', 'dap', 'taxonomy', 'formats', 'help', '--help', '-h', '--version']);
/** Set in the relaunched process, so that it never relaunches again. */
const RELAUNCHED = 'AGENT_TRACE_RELAUNCHED_WITH_HEAP';
/** The share of the machine's memory the relaunched process may use for its heap. */
const HEAP_SHARE = 0.75;

export interface HeapPlan {
  /** The heap limit to relaunch with, in MB. */
  heapMb: number;
  /** The largest file named, and its size in bytes (for the message when memory runs out anyway). */
  file: string;
  bytes: number;
}

/**
 * Whether to relaunch command `argv[0]`, and with what heap: when one of its arguments names a
 * file (or a folder holding one) of at least `largeBytes` and most of the machine's memory is more
 * than the heap limit now (`heapMb`, from tests, is the heap to relaunch with whatever the limit).
 * Pure but for `largestOf`.
 */
export function heapPlan(
  argv: readonly string[],
  largestOf: (arg: string) => LargestFile | undefined,
  limits: { heapLimitBytes: number; totalMemoryBytes: number; largeBytes?: number; heapMb?: number },
): HeapPlan | undefined {
  if (argv.length === 0 || HOLDS_NO_TRACE.has(argv[0])) return undefined;
  // Nothing to gain when the heap is already about that large: the files are not even looked at
  // (a folder is walked, every file's size read).
  const heapMb = limits.heapMb ?? Math.floor((limits.totalMemoryBytes * HEAP_SHARE) / 2 ** 20);
  if (limits.heapMb === undefined && !isMuchLarger(heapMb, limits.heapLimitBytes)) return undefined;
  let largest: LargestFile | undefined;
  for (const arg of argv.slice(1)) {
    if (arg.startsWith('-')) continue;
    const found = largestOf(arg);
    if (found && found.bytes >= (limits.largeBytes ?? LARGE_TRACE_BYTES) && found.bytes > (largest?.bytes ?? -1)) largest = found;
  }
  return largest && { heapMb, ...largest };
}

/** A file and its size in bytes. */
export interface LargestFile { file: string; bytes: number }

/**
 * The largest trace file an argument names: the file itself, or the largest trace file under a
 * folder, as `report` and the other corpus commands find them; undefined for anything else
 * (options' values, missing paths).
 */
function largestTraceFile(arg: string): LargestFile | undefined {
  let largest: LargestFile | undefined;
  for (const { path } of collectTraceFiles([arg])) {
    try {
      const s = statSync(path);
      if (s.isFile() && s.size > (largest?.bytes ?? -1)) largest = { file: path, bytes: s.size };
    } catch {
      // Missing: the command says so.
    }
  }
  return largest;
}

/**
 * Run this CLI again with room for the large file `argv` names, and return its exit code; or
 * undefined when there is no need (no large file, or the heap is already large, or this is the
 * relaunched process). Tests set what is large and the heap to relaunch with in the environment
 * (AGENT_TRACE_TEST_LARGE_TRACE_BYTES, AGENT_TRACE_TEST_HEAP_MB).
 */
export function relaunchForLargeFiles(script: string, argv: readonly string[]): number | undefined {
  if (process.env[RELAUNCHED]) return undefined;
  const largeBytes = Number(process.env.AGENT_TRACE_TEST_LARGE_TRACE_BYTES) || undefined;
  const heapMb = Number(process.env.AGENT_TRACE_TEST_HEAP_MB) || undefined;
  const plan = heapPlan(argv, largestTraceFile, { heapLimitBytes: getHeapStatistics().heap_size_limit, totalMemoryBytes: totalmem(), largeBytes, heapMb });
  if (!plan) return undefined;
  // The child's stderr is read here when it ends (to tell a heap run out); a terminal's progress
  // line goes to the terminal itself, as its fd 3.
  const terminal = process.stderr.isTTY === true;
  const r = spawnSync(process.execPath, relaunchArgs(script, argv, plan.heapMb), {
    stdio: terminal ? ['inherit', 'inherit', 'pipe', 2] : ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, [RELAUNCHED]: '1', ...(terminal ? { [PROGRESS_FD_ENV]: '3', [PROGRESS_COLUMNS_ENV]: String(process.stderr.columns ?? 80) } : {}) },
    maxBuffer: 256 * 1024 * 1024,
  });
  const stderr = r.stderr?.toString('utf8') ?? '';
  if (ranOutOfMemory(r.signal, stderr)) {
    process.stderr.write(`agent-trace: ran out of memory reading ${plan.file} (${Math.round(plan.bytes / 2 ** 20)} MB) with a heap limit of ${plan.heapMb} MB; split the file, or run it where more memory is free\n`);
    return 2;
  }
  process.stderr.write(stderr);
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/**
 * `agent-trace dap`: run it again with the heap the editor's debugger thread has (half the
 * machine's memory, spawn.ts), and return its exit code; undefined when this heap is already about
 * that large, or this is the relaunched process. The trace comes later, in a launch request, so
 * it cannot be sized first; the adapter refuses a trace too large for its heap at launch
 * (src/core/debug/runtime.ts). The streams pass straight through: stdin and stdout carry the
 * protocol, stderr the adapter's console, as it writes them. Tests set the heap in the
 * environment (AGENT_TRACE_TEST_HEAP_MB).
 */
export function relaunchDebugAdapter(script: string, argv: readonly string[]): number | undefined {
  if (argv[0] !== 'dap' || process.env[RELAUNCHED]) return undefined;
  const testHeapMb = Number(process.env.AGENT_TRACE_TEST_HEAP_MB) || undefined;
  const heapMb = testHeapMb ?? debugWorkerHeapMb();
  if (testHeapMb === undefined && !isMuchLarger(heapMb, getHeapStatistics().heap_size_limit)) return undefined;
  const r = spawnSync(process.execPath, relaunchArgs(script, argv, heapMb), { stdio: 'inherit', env: { ...process.env, [RELAUNCHED]: '1' } });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** Is a heap of `heapMb` worth a relaunch over this one's limit (more than a tenth larger)? */
function isMuchLarger(heapMb: number, heapLimitBytes: number): boolean {
  return heapMb * 2 ** 20 > heapLimitBytes * 1.1;
}

/** This CLI's command line again, with a heap limit of `heapMb`. */
function relaunchArgs(script: string, argv: readonly string[], heapMb: number): string[] {
  return [...process.execArgv, `--max-old-space-size=${heapMb}`, script, ...argv];
}

/** V8 aborts when its heap is full: the child dies of SIGABRT after writing "heap out of memory". */
function ranOutOfMemory(signal: NodeJS.Signals | null, stderr: string): boolean {
  return signal === 'SIGABRT' && /heap out of memory|Reached heap limit/.test(stderr);
}
