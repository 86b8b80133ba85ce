/**
 * The bench's probe of the main thread (test/support/main-thread-probe.ts): a turn still running
 * when the probe is stopped is measured too. The end of a read resolves the promise the bench
 * awaits in the same turn, which also stops the probe; before, no interval came after that turn and
 * its length went unseen.
 */
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { watchMainThread } from '../support/main-thread-probe';

/** Keeps this thread busy for at least `ms` (a turn that long). */
function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the turn goes on */ }
}

describe('bench: the main-thread probe', () => {
  it('measures the turn in which it is stopped', async () => {
    const stop = watchMainThread();
    // A few ticks first, so the probe has a last tick to measure from.
    await new Promise((resolve) => setTimeout(resolve, 30));
    busyFor(80);
    const figures = stop();
    // At least the busy turn (less the 5 ms interval); a busy machine can only make it longer.
    assert.ok(figures.maxStallMs >= 75, `longest stall ${figures.maxStallMs.toFixed(1)} ms`);
    assert.ok(figures.longStalls >= 1, `${figures.longStalls} stalls over 50 ms`);
  });
});
