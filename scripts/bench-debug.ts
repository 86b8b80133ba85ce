/**
 * `npm run bench`'s trace debugger part: a launch to its entry stop, and on to the whole run,
 * through the adapter in a worker thread (src/core/debug/adapter-in-worker.ts), as VS Code runs it,
 * while the main thread (the extension host's, in VS Code) is watched. A large run is read in a
 * document worker of the debug worker's, the entry stop made once its first steps are read (adapter.ts,
 * launchReading); the host's thread only relays DAP messages. A file too large for the worker's
 * heap is refused before it is loaded (the table says so). The table and the goal line are printed
 * by bench.ts.
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DebugAdapterInWorker, type DapMessage } from '../src/core/debug/adapter-in-worker';
import { startTraceWorker } from '../src/core/engine/worker/spawn';
import type { BenchFormat } from '../test/support/bench-traces';
import { watchMainThread } from '../test/support/main-thread-probe';

export interface DebugLaunchResult {
  format: BenchFormat;
  steps: number;
  bytes: number;
  /** Why the case failed to run (the measuring process died). */
  notOpened?: string;
  /** The launch's refusal (a file too large for the worker's heap). */
  refused?: string;
  /** Wall ms from the launch request to the entry stop. */
  entryMs?: number;
  /** Wall ms from the launch request to the whole run read and indexed (the entry stop, for a run read before it). */
  wholeMs?: number;
  mainBusyMs?: number;
  maxStallMs?: number;
  longStalls?: number;
  /** The main thread's heap used after the stop (MB): what the host holds of the debugged run. */
  mainHeapMb?: number;
  peakRssMb?: number;
}

export async function runDebugLaunch(format: BenchFormat, path: string, steps: number, workerPath: string): Promise<DebugLaunchResult> {
  const result: DebugLaunchResult = { format, steps, bytes: statSync(path).size };
  const adapter = new DebugAdapterInWorker(() => startTraceWorker(workerPath, 'debug', { taxonomy: 'default' }));
  let seq = 1;
  const waiting = new Map<number, (r: DebugProtocol.Response) => void>();
  let onStop: (() => void) | undefined;
  let onWhole: (() => void) | undefined;
  /** The entry stop came before the whole run was read: the adapter says so in the Debug Console. */
  let readOnAfterEntry = false;
  adapter.onDidSendMessage((m: DapMessage) => {
    if (m.type === 'response') return waiting.get((m as DebugProtocol.Response).request_seq)?.(m as DebugProtocol.Response);
    const e = m as DebugProtocol.Event;
    if (e.event === 'stopped') onStop?.();
    else if (e.event === 'output' && /the rest of the run is read meanwhile/.test(String((e.body as { output?: string }).output))) readOnAfterEntry = true;
    // The whole run replaces the first steps' runtime: the Variables shown are made again.
    else if (e.event === 'invalidated' || e.event === 'terminated') onWhole?.();
  });
  const request = (command: string, args?: unknown): Promise<DebugProtocol.Response> => new Promise((resolve) => {
    const s = seq++;
    waiting.set(s, resolve);
    adapter.handleMessage({ seq: s, type: 'request', command, arguments: args } as DebugProtocol.Request);
  });
  try {
    // As VS Code says it: it reads the Variables again on an `invalidated` event (the whole run's, here).
    await request('initialize', { adapterID: 'agent-trace', pathFormat: 'path', supportsInvalidatedEvent: true });
    const stop = watchMainThread();
    const t0 = performance.now();
    const stopped = new Promise<void>((resolve) => { onStop = resolve; });
    const whole = new Promise<void>((resolve) => { onWhole = resolve; });
    const launched = request('launch', { trace: path, stopOnEntry: true });
    // The adapter answers the launch only after configurationDone (as VS Code sends it).
    await request('configurationDone');
    const launch = await launched;
    if (launch.success) {
      await stopped;
      result.entryMs = performance.now() - t0;
      if (readOnAfterEntry) await whole;
      result.wholeMs = performance.now() - t0;
    }
    const watched = stop();
    if (!launch.success) result.refused = launch.message ?? 'refused';
    result.mainBusyMs = watched.busyMs;
    result.maxStallMs = watched.maxStallMs;
    result.longStalls = watched.longStalls;
    global.gc?.();
    result.mainHeapMb = process.memoryUsage().heapUsed / 2 ** 20;
    result.peakRssMb = process.resourceUsage().maxRSS / 1024;
  } finally {
    adapter.dispose();
  }
  return result;
}
