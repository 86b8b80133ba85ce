/**
 * Watches this thread's event loop while a measured piece of work runs (`npm run bench`, and
 * `npm run bench:view` inside VS Code's extension host): a 5 ms interval's lateness (a stall), the
 * event loop's delay histogram, and how busy the loop was. Call the returned function to stop and
 * read the figures.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface MainThreadFigures {
  busyMs: number;
  /** The longest lateness of the 5 ms interval, and when (ms after the start). */
  maxStallMs: number;
  maxStallAtMs: number;
  /** How many times it was over 50 ms late. */
  longStalls: number;
  maxDelayMs: number;
  p99DelayMs: number;
}

export function watchMainThread(): () => MainThreadFigures {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  const start = performance.now();
  let last = start;
  let maxStall = 0;
  let maxStallAt = 0;
  let longStalls = 0;
  const logStalls = process.env.BENCH_STALL_LOG === '1';
  const probe = setInterval(() => {
    const now = performance.now();
    const stall = now - last - 5;
    if (stall > 50) longStalls++;
    // BENCH_STALL_LOG=1: each stall over 30 ms and when, on stderr, to find what made it.
    if (logStalls && stall > 30) console.error(`stall ${stall.toFixed(0)} ms at ${(now - start).toFixed(0)} ms`);
    if (stall > maxStall) { maxStall = stall; maxStallAt = now - start; }
    last = now;
  }, 5);
  const elu0 = performance.eventLoopUtilization();
  histogram.enable();
  return () => {
    histogram.disable();
    clearInterval(probe);
    const elu = performance.eventLoopUtilization(elu0);
    return { busyMs: elu.active, maxStallMs: maxStall, maxStallAtMs: maxStallAt, longStalls, maxDelayMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6 };
  };
}
