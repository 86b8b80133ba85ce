/**
 * Durations as the trace editor shows them (webview/duration.ts): in the step list's time column,
 * on the timeline's axis and in the details. Long runs (a 10^6-step trace spans months) read in
 * hours and days, not "166666 min 40 s", and no value shows a unit at its limit ("1 min 60 s").
 */
import { strict as assert } from 'node:assert';
import { formatDuration } from '../../../webview/duration';

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
