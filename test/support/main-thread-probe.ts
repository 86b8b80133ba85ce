/**
 * Watches this thread's event loop while a measured piece of work runs (`npm run bench`, and
 * `npm run bench:view` inside VS Code's extension host): a 5 ms interval's lateness (a stall), the
 * event loop's delay histogram, and how busy the loop was. Call the returned function to stop and
 * read the figures.
 */
import { monitorEventLoopDelay, performance, PerformanceObserver, constants } from 'node:perf_hooks';

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
  const collections = logStalls ? watchCollections() : undefined;
  const stalls: { from: number; to: number }[] = [];
  const tick = (): void => {
    const now = performance.now();
    const stall = now - last - 5;
    if (stall > 50) longStalls++;
    // BENCH_STALL_LOG=1: each stall over 30 ms and when, on stderr at the end, with the collections in it, to find what made it.
    if (logStalls && stall > 30) stalls.push({ from: last, to: now });
    if (stall > maxStall) { maxStall = stall; maxStallAt = now - start; }
    last = now;
  };
  const probe = setInterval(tick, 5);
  const elu0 = performance.eventLoopUtilization();
  histogram.enable();
  return () => {
    histogram.disable();
    clearInterval(probe);
    // The turn that stops the probe is measured too: work that ends in a promise the caller awaits
    // (the end of a read) runs in the same turn as the stop, and no interval came after it.
    tick();
    // Collections are reported a little after they happen: matched to the stalls once all are in.
    for (const { from, to } of stalls) console.error(`stall ${(to - from - 5).toFixed(0)} ms at ${(to - start).toFixed(0)} ms${collections!.during(from, to)}`);
    collections?.stop();
    const elu = performance.eventLoopUtilization(elu0);
    return { busyMs: elu.active, maxStallMs: maxStall, maxStallAtMs: maxStallAt, longStalls, maxDelayMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6 };
  };
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** This thread's garbage collections, to name those that fell inside a stall. */
function watchCollections(): { during(from: number, to: number): string; stop(): void } {
  const seen: { start: number; duration: number; kind: string }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) seen.push({ start: e.startTime, duration: e.duration, kind: GC_KINDS[(e as unknown as { detail?: { kind: number } }).detail?.kind ?? -1] ?? 'collection' });
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    during(from, to) {
      const inside = seen.filter((g) => g.start + g.duration > from && g.start < to);
      return inside.length ? `; collections in it: ${inside.map((g) => `${g.kind} ${g.duration.toFixed(0)} ms`).join(', ')}` : '';
    },
    stop: () => observer.disconnect(),
  };
}
