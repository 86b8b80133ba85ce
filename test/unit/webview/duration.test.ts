/**
 * Durations as the trace editor shows them (webview/duration.ts): in the step list's time column,
 * on the timeline's axis and in the details. Long runs (a 10^6-step trace spans months) read in
 * hours and days, not "166666 min 40 s", and no value shows a unit at its limit ("1 min 60 s").
 */
import { strict as assert } from 'node:assert';
import { axisOffset, formatDuration, timeAxisSpacing } from '../../../webview/duration';

describe('webview: formatDuration', () => {
  it('gives milliseconds, then seconds, then two units', () => {
    const cases: [number | null, string][] = [
      [null, ''], [Number.NaN, ''], [0.4, '<1 ms'], [12.4, '12 ms'], [999.4, '999 ms'],
      [999.6, '1.00 s'], [1_234, '1.23 s'], [12_345, '12.3 s'], [59_940, '59.9 s'],
      [90_000, '1 min 30 s'], [3_599_000, '59 min 59 s'],
      [3_600_000, '1 h 0 min'], [5_400_000, '1 h 30 min'], [86_340_000, '23 h 59 min'],
      [86_400_000, '1 d 0 h'], [11_666_655_000, '135 d 1 h'], [1_000 * 86_400_000, '1,000 d 0 h'],
    ];
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
  });

  it('never shows a unit at its limit just under a boundary', () => {
    assert.equal(formatDuration(59_960), '1 min 0 s');
    assert.equal(formatDuration(119_999), '2 min 0 s');
    assert.equal(formatDuration(3_599_600), '1 h 0 min');
    assert.equal(formatDuration(86_399_000), '1 d 0 h');
    for (let ms = 1; ms < 3 * 86_400_000; ms = Math.ceil(ms * 1.0007)) {
      assert.doesNotMatch(formatDuration(ms), /(^|\s)(60 s|60 min|24 h|1000 ms|60\.0 s)$/, `${ms} ms: ${formatDuration(ms)}`);
    }
  });
});

describe('webview: axisOffset (the timeline axis labels)', () => {
  it('is as precise as the ticks are apart, whole units shown whole', () => {
    const cases: [number, number, string][] = [
      [0, 1, '0'], [0.3, 1, '0'], [1, 1, '+1 ms'], [200, 200, '+200 ms'], [1_200, 200, '+1.2 s'],
      [2_000, 2_000, '+2 s'], [2_500, 500, '+2.5 s'], [3_201, 1, '+3.201 s'], [3_210, 10, '+3.21 s'],
      [125_500, 500, '+2 min 5.5 s'], [3_725_500, 500, '+1 h 2 min 5.5 s'], [3_600_000, 600_000, '+1 h'], [60_000, 15_000, '+1 min'], [75_000, 15_000, '+1 min 15 s'], [60_000, 100, '+1 min'],
      [86_400_000, 3_600_000, '+1 d'], [90_000_000, 600_000, '+1 d 1 h'],
      [7_200_000, 3_600_000, '+2 h'], [90_000_000, 3_600_000, '+1 d 1 h'],
    ];
    for (const [ms, step, text] of cases) assert.equal(axisOffset(ms, step), text, `${ms} ms every ${step} ms`);
  });

  it('spaces ticks by round durations', () => {
    const cases: [number, number][] = [[0.2, 1], [3, 5], [700, 1_000], [11_000, 15_000], [100_000, 120_000], [50 * 60_000, 3_600_000], [4 * 3_600_000, 6 * 3_600_000], [10 * 86_400_000, 14 * 86_400_000]];
    for (const [raw, step] of cases) assert.equal(timeAxisSpacing(raw), step, `${raw} ms`);
  });

  it('never gives two neighbouring ticks one label, at any offset and spacing', () => {
    // The axis's spacings, from 1 ms to weeks, at offsets from 0 to 40 days.
    const steps = new Set<number>();
    for (let raw = 0.5; raw < 30 * 86_400_000; raw *= 1.3) steps.add(timeAxisSpacing(raw));
    for (const step of steps) {
      for (let start = 0; start < 40 * 86_400_000; start = start * 3 + step * 7) {
        const first = Math.ceil(start / step) * step;
        for (let k = 0; k < 3; k++) {
          const a = axisOffset(first + k * step, step);
          const b = axisOffset(first + (k + 1) * step, step);
          assert.notEqual(a, b, `ticks ${first + k * step} and ${first + (k + 1) * step} ms (every ${step} ms) both read ${a}`);
        }
      }
    }
  });
});
