/** ChunkedInt32, ChunkedFloat64, ChunkedList (src/core/engine/growable.ts): per-step values in chunks behave as one growing array. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ChunkedFloat64, ChunkedInt32, ChunkedList } from '../../../src/core/engine/growable';

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

  it('gives any range of its values as one typed array: a view within a chunk, a copy across chunks, clamped to its length', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 70_000 }), fc.array(fc.tuple(fc.integer({ min: -10, max: 75_000 }), fc.integer({ min: -10, max: 75_000 })), { maxLength: 20 }), (n, ranges) => {
      const chunked = new ChunkedFloat64();
      // Byte offsets beyond 2^31, as the held lines' ranges are.
      const value = (i: number): number => 2 ** 31 + i * 1.5;
      for (let i = 0; i < n; i++) chunked.push(value(i));
      for (const [from, to] of [...ranges, [16_380, 16_390], [0, 16_384], [16_384, 32_768]]) {
        const got = Array.from(chunked.view(from, to));
        const start = Math.max(0, from);
        const want: number[] = [];
        for (let i = start; i < Math.min(to, n); i++) want.push(value(i));
        assert.deepEqual(got, want, `[${from}, ${to}) of ${n}`);
      }
    }), { seed: 5, numRuns: 60 });
    // Within a chunk nothing is allocated: two ranges of one chunk share its memory.
    const chunked = new ChunkedFloat64();
    for (let i = 0; i < 20_000; i++) chunked.push(i);
    assert.equal(chunked.view(0, 100).buffer, chunked.view(100, 2_100).buffer);
    assert.notEqual(chunked.view(16_000, 17_000).buffer, chunked.view(0, 100).buffer);
  });

  it('holds a few values in little memory: its first chunk grows with them (a file of 1,000 short runs has a few of these per run)', () => {
    const bytesHeld = (c: ChunkedFloat64, n: number): number => c.view(0, n).buffer.byteLength;
    const chunked = new ChunkedFloat64();
    for (let i = 0; i < 100; i++) chunked.push(i);
    assert.equal(bytesHeld(chunked, 100), 128 * 8);
    for (let i = 100; i < 16_384; i++) chunked.push(i);
    assert.equal(bytesHeld(chunked, 16_384), 16_384 * 8);
    assert.deepEqual(Array.from(chunked.view(0, 5)), [0, 1, 2, 3, 4]);
  });

  it('keeps strings as a plain array does for any sequence of pushes and truncations, across chunk boundaries', () => {
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('push' as const), count: fc.integer({ min: 1, max: 10_000 }), tag: fc.string({ maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), to: fc.integer({ min: -5, max: 30_000 }) }) },
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
      const chunked = new ChunkedList<string>();
      let ref: string[] = [];
      for (const o of ops) {
        if (o.kind === 'push') for (let k = 0; k < o.count; k++) { chunked.push(`${o.tag}${k}`); ref.push(`${o.tag}${k}`); }
        if (o.kind === 'truncate') { chunked.truncate(o.to); ref = ref.slice(0, Math.max(0, Math.min(ref.length, o.to))); }
        assert.equal(chunked.length, ref.length);
      }
      // Every value, those written over after a truncation too, and none past the end.
      for (let i = 0; i < ref.length; i++) assert.equal(chunked.get(i), ref[i], `value ${i}`);
      assert.equal(chunked.get(ref.length), undefined);
      assert.equal(chunked.get(-1), undefined);
    }), { seed: 7, numRuns: 80 });
  });
});
