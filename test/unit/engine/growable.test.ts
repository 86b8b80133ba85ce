/** ChunkedInt32 (src/core/engine/growable.ts): per-step numbers in chunks behave as one growing array. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ChunkedInt32 } from '../../../src/core/engine/growable';

describe('engine: per-step numbers in chunks', () => {
  it('answers as a plain array for any sequence of pushes, sets, truncations and clears, across chunk boundaries', () => {
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('push' as const), count: fc.integer({ min: 1, max: 40_000 }), value: fc.integer() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), to: fc.integer({ min: -5, max: 100_000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
      const chunked = new ChunkedInt32();
      let ref: number[] = [];
      for (const o of ops) {
        if (o.kind === 'push') for (let k = 0; k < o.count; k++) { chunked.push(o.value + k); ref.push((o.value + k) | 0); }
        if (o.kind === 'set' && ref.length > 0) { const i = o.at % ref.length; chunked.set(i, o.value); ref[i] = o.value; }
        if (o.kind === 'truncate') { chunked.truncate(o.to); ref = ref.slice(0, Math.max(0, Math.min(ref.length, o.to))); }
        if (o.kind === 'clear') { chunked.clear(); ref = []; }
        assert.equal(chunked.length, ref.length);
      }
      // Every value, including those written over after a truncation.
      for (let i = 0; i < ref.length; i++) assert.equal(chunked.get(i), ref[i], `value ${i}`);
    }), { seed: 3, numRuns: 80 });
  });
});
