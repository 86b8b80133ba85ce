/**
 * CollectedSpans: what the first pass of a two-pass OTLP read keeps of each span, in typed
 * columns. Byte ranges and columns past 2^31 (a one-line document over 2 GB) come back exact, a
 * span without a start time orders as one, and what ordered the spans is let go once they are
 * ordered (the second pass never reads it).
 */
import { strict as assert } from 'node:assert';
import { CollectedSpans } from '../../../src/core/engine/stream/otlp-two-pass';

describe('engine: the spans a two-pass read collects', () => {
  const location = (line: number, column: number) => ({ line, column, endLine: line, endColumn: column + 10, offset: column - 1, length: 10 });

  it('gives back each span\'s ids, start, byte range, place and context, past 2^31 too', () => {
    const spans = new CollectedSpans();
    const far = 3_000_000_001;
    for (let i = 0; i < 20_000; i++) {
      const start = i % 3 === 0 ? null : 1_700_000_000_000 + i;
      spans.add({ sourceId: `s${i}`, parentSourceId: i === 0 ? null : `s${i >> 1}`, startTime: start, kind: 'llm', name: 'n' }, location(i + 1, far + i), far + 100 * i, far + 100 * i + 90, i % 4);
    }
    assert.equal(spans.count, 20_000);
    const input = spans.orderInput();
    assert.equal(input.count, 20_000);
    assert.deepEqual([input.sourceId(17_000), input.parentSourceId(17_000), input.parentSourceId(0)], ['s17000', 's8500', null]);
    assert.deepEqual([input.startTime(3), input.startTime(16_385)], [null, 1_700_000_016_385]);
    assert.deepEqual([spans.byteStart(19_999), spans.byteEnd(19_999)], [far + 1_999_900, far + 1_999_990]);
    assert.deepEqual(spans.locationOf(16_384), location(16_385, far + 16_384));
    assert.equal(spans.contextOf(16_387), 3);
    assert.equal(spans.earliest, 1_700_000_000_001);
    spans.ordered();
    assert.throws(() => spans.orderInput(), /ordered already/);
    assert.deepEqual(spans.locationOf(5), location(6, far + 5));
  });

  it('a span without an id is ordered by what its derived id hashes', () => {
    const spans = new CollectedSpans();
    spans.add({ kind: 'tool', name: 'search', startTime: 5, toolCall: { name: 'search' } }, location(1, 1), 0, 10, 0);
    assert.deepEqual(spans.orderInput().fingerprint(0), { kind: 'tool', name: 'search', startTime: 5, toolCall: { name: 'search' } });
    assert.equal(spans.orderInput().sourceId(0), undefined);
  });
});
