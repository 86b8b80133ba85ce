/** IdMap (src/core/engine/id-map.ts): a map of step ids split in parts behaves as one Map. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { IdMap } from '../../../src/core/engine/id-map';

describe('engine: the id map in parts', () => {
  it('answers as one Map for any sequence of sets, deletes and clears', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.string({ maxLength: 4 }), position: fc.nat(100) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.string({ maxLength: 4 }) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const map = new IdMap();
      const ref = new Map<string, number>();
      for (const o of ops) {
        if (o.kind === 'set') assert.equal(map.set(o.id, o.position), !ref.has(o.id), 'set says whether the id was new');
        if (o.kind === 'set') ref.set(o.id, o.position);
        if (o.kind === 'delete') { map.delete(o.id); ref.delete(o.id); }
        if (o.kind === 'clear') { map.clear(); ref.clear(); }
        assert.equal(map.size, ref.size);
      }
      for (const o of ops) if (o.kind !== 'clear') assert.equal(map.get(o.id), ref.get(o.id));
    }), { seed: 5, numRuns: 300 });
  });

  it('holds 200,000 ids of one shape, each at its position', () => {
    const map = new IdMap();
    for (let i = 0; i < 200_000; i++) map.set(`llm-${i}`, i);
    assert.equal(map.size, 200_000);
    for (let i = 0; i < 200_000; i += 997) assert.equal(map.get(`llm-${i}`), i);
    assert.equal(map.get('llm-200000'), undefined);
  });
});
