/** IdMap (src/core/engine/id-map.ts): a hash table of step ids that grows a few entries at a time behaves as one Map. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { IdMap } from '../../../src/core/engine/id-map';

describe('engine: the id map', () => {
  it('answers as one Map for any sequence of sets, deletes and clears', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.string({ maxLength: 4 }), position: fc.nat(100) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.string({ maxLength: 4 }) }),
      fc.record({ kind: fc.constant('clear' as const) }),
      fc.record({ kind: fc.constant('addIfAbsent' as const), id: fc.string({ maxLength: 4 }), position: fc.nat(100) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const map = new IdMap();
      const ref = new Map<string, number>();
      for (const o of ops) {
        if (o.kind === 'set') assert.equal(map.set(o.id, o.position), !ref.has(o.id), 'set says whether the id was new');
        if (o.kind === 'set') ref.set(o.id, o.position);
        if (o.kind === 'delete') { map.delete(o.id); ref.delete(o.id); }
        if (o.kind === 'clear') { map.clear(); ref.clear(); }
        if (o.kind === 'addIfAbsent') {
          assert.equal(map.addIfAbsent(o.id, o.position), ref.get(o.id), 'addIfAbsent gives the value the id had');
          if (!ref.has(o.id)) ref.set(o.id, o.position);
        }
        assert.equal(map.size, ref.size);
      }
      for (const o of ops) if (o.kind !== 'clear') assert.equal(map.get(o.id), ref.get(o.id));
    }), { seed: 5, numRuns: 300 });
  });

  it('answers as one Map while its table grows, with deletes before and during the move into a larger table', () => {
    // Many more ops than the first table holds: each run replaces tables several times, and
    // deletes and re-adds ids whose entries are still waiting to move.
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), id: fc.nat(3_000).map((n) => `s${n}`), position: fc.nat(1_000_000) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.nat(3_000).map((n) => `s${n}`) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('addIfAbsent' as const), id: fc.nat(3_000).map((n) => `s${n}`), position: fc.nat(1_000_000) }) },
    );
    fc.assert(fc.property(fc.array(op, { minLength: 500, maxLength: 4_000 }), (ops) => {
      const map = new IdMap();
      const ref = new Map<string, number>();
      ops.forEach((o, k) => {
        if (o.kind === 'set') assert.equal(map.set(o.id, o.position), !ref.has(o.id), `op ${k}: set says whether the id was new`);
        if (o.kind === 'set') ref.set(o.id, o.position);
        else if (o.kind === 'addIfAbsent') {
          assert.equal(map.addIfAbsent(o.id, o.position), ref.get(o.id), `op ${k}: addIfAbsent gives the value the id had`);
          if (!ref.has(o.id)) ref.set(o.id, o.position);
        } else { map.delete(o.id); ref.delete(o.id); }
        // Every id asked about, at every step: an entry not yet moved must still be found.
        if (k % 97 === 0) for (const id of ref.keys()) assert.equal(map.get(id), ref.get(id), `op ${k}: ${id}`);
      });
      assert.equal(map.size, ref.size);
      for (const o of ops) assert.equal(map.get(o.id), ref.get(o.id), o.id);
    }), { seed: 11, numRuns: 60 });
  });

  it('copies at any point (a table taking over too), and the copy and the map go on apart', () => {
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), id: fc.nat(3_000).map((n) => `c${n}`), position: fc.nat(1_000_000) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.nat(3_000).map((n) => `c${n}`) }) },
    );
    const apply = (map: IdMap, ref: Map<string, number>, o: { kind: 'set' | 'delete'; id: string; position?: number }): void => {
      if (o.kind === 'set') { map.set(o.id, o.position!); ref.set(o.id, o.position!); } else { map.delete(o.id); ref.delete(o.id); }
    };
    fc.assert(fc.property(fc.array(op, { minLength: 100, maxLength: 3_000 }), fc.array(op, { maxLength: 1_500 }), fc.array(op, { maxLength: 1_500 }), fc.nat(), (before, mine, theirs, cut) => {
      const map = new IdMap();
      const ref = new Map<string, number>();
      const at = cut % before.length;
      before.slice(0, at).forEach((o) => apply(map, ref, o));
      const copy = map.copy();
      const copyRef = new Map(ref);
      // Interleaved, so that either one's table moves while the other's does not.
      for (let k = 0; k < Math.max(mine.length, theirs.length); k++) {
        if (k < mine.length) apply(map, ref, mine[k]);
        if (k < theirs.length) apply(copy, copyRef, theirs[k]);
      }
      for (const [m, r] of [[map, ref], [copy, copyRef]] as const) {
        assert.equal(m.size, r.size);
        for (const o of [...before, ...mine, ...theirs]) assert.equal(m.get(o.id), r.get(o.id), o.id);
      }
    }), { seed: 17, numRuns: 60 });
  });

  it('holds 200,000 ids of one shape, each at its position', () => {
    const map = new IdMap();
    for (let i = 0; i < 200_000; i++) map.set(`llm-${i}`, i);
    assert.equal(map.size, 200_000);
    for (let i = 0; i < 200_000; i += 997) assert.equal(map.get(`llm-${i}`), i);
    assert.equal(map.get('llm-200000'), undefined);
  });
});
