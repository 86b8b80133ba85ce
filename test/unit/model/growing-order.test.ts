/**
 * A run's decision order kept as its drafts grow (src/core/model/growing-order.ts): after any
 * growth it gives what `decisionOrder` gives for all the drafts, or says it cannot (and then the
 * build orders them whole); it never gives a different order.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decisionOrder, type DecisionOrder } from '../../../src/core/model/build';
import { inputOf, type Draft } from '../../support/order-drafts';
import { GrowingOrder } from '../../../src/core/model/growing-order';
import { StepIdAllocator } from '../../../src/core/engine/step-ids';


/** The whole order of `drafts`, as plain values, and whether it warned. */
function whole(drafts: readonly Draft[]): { order: ReturnType<typeof plain>; warned: boolean; ordered: DecisionOrder; allocator: StepIdAllocator } {
  const warnings: unknown[] = [];
  const allocator = new StepIdAllocator();
  const ordered = decisionOrder(inputOf(drafts), 'run.jsonl', warnings as never, allocator);
  return { order: plain(ordered), warned: warnings.length > 0, ordered, allocator };
}

/** A growth's answer checked against the whole order: true when it grew (then it is that order), false when it refused. */
function grewAsWhole(got: DecisionOrder | undefined, expected: ReturnType<typeof whole>): boolean {
  if (!got) return false;
  assert.ok(!expected.warned, 'grew over drafts whose order warns');
  assert.deepEqual(plain(got), expected.order);
  return true;
}

function plain(o: DecisionOrder): { order: number[]; ids: string[]; parentOf: number[]; depth: number[]; idBySource: [string, number][] } {
  return { order: [...o.order], ids: [...o.ids], parentOf: [...o.parentOf], depth: [...o.depth], idBySource: [...o.idBySource].sort((a, b) => a[0].localeCompare(b[0])) };
}

/**
 * Drafts as a live session writes them: each names an earlier draft as parent now and then
 * (sometimes a source id used twice, or none: a derived id), with start times mostly rising,
 * sometimes earlier than a sibling's (parallel calls), sometimes equal.
 */
const draftsArb = fc.array(fc.record({
  parent: fc.option(fc.nat(), { freq: 3 }),
  source: fc.oneof(fc.nat({ max: 3 }).map((k) => (k === 0 ? undefined : k === 1 ? 'dup' : undefined)), fc.constant('own')),
  step: fc.integer({ min: -3, max: 5 }),
  kind: fc.constantFrom('llm', 'tool'),
}), { minLength: 1, maxLength: 40 }).map((specs) => {
  let t = 1000;
  return specs.map((s, i): Draft => {
    t += s.step;
    const sourceId = s.source === 'own' ? `s${i}` : s.source;
    const parentSourceId = s.parent !== null && i > 0 ? `s${s.parent % i}` : undefined;
    return { ...(sourceId ? { sourceId } : {}), ...(parentSourceId ? { parentSourceId } : {}), startTime: t, kind: s.kind, name: `n${i % 3}` };
  });
});

describe('a decision order that grows with its drafts', () => {
  it('gives what ordering all the drafts gives after each growth, or says it cannot', () => {
    let grown = 0;
    let refused = 0;
    fc.assert(fc.property(draftsArb, fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 3 }), (written, cuts, renames) => {
      const drafts = [...written];
      const ends = [...new Set(cuts.map((c) => 1 + (c % drafts.length)))].sort((a, b) => a - b);
      let count = ends.shift() ?? drafts.length;
      const start = whole(drafts.slice(0, count));
      let growing = GrowingOrder.seed(inputOf(drafts.slice(0, count)), start.ordered, start.allocator, start.warned);
      for (const end of [...ends, drafts.length]) {
        // Some drafts already there change what does not place them (a call's output came), which
        // changes the id of one without a source id.
        const changed = new Set(renames.map((r) => r % count));
        for (const i of changed) drafts[i] = { ...drafts[i], name: `${drafts[i].name}!` };
        const upTo = drafts.slice(0, end);
        const expected = whole(upTo);
        if (grewAsWhole(growing?.grow(inputOf(upTo), changed), expected)) grown++;
        else {
          refused++;
          growing = GrowingOrder.seed(inputOf(upTo), expected.ordered, expected.allocator, expected.warned);
        }
        count = end;
      }
    }), { numRuns: 400 });
    // Both ways are taken, or the property says little.
    assert.ok(grown > 100 && refused > 20, `grown ${grown}, refused ${refused}`);
  });

  it('gives what ordering all the drafts gives when new drafts come among the old ones (moved), or says it cannot', () => {
    let grown = 0;
    let refused = 0;
    fc.assert(fc.property(draftsArb, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 3 }), (all, isNew, renames) => {
      // The drafts as they are now; those not new were there before, in the same order.
      const fresh = all.map((_, i) => isNew[i] && i > 0);
      const oldAt = all.flatMap((_, i) => (fresh[i] ? [] : [i]));
      const before = oldAt.map((i) => all[i]);
      const start = whole(before);
      const growing = GrowingOrder.seed(inputOf(before), start.ordered, start.allocator, start.warned);
      if (!growing) return;
      const now = [...all];
      // Some old drafts change what does not place them.
      const changed = new Set(all.flatMap((_, i) => (fresh[i] ? [i] : [])));
      for (const r of renames) {
        const i = oldAt[r % oldAt.length];
        now[i] = { ...now[i], name: `${now[i].name}!` };
        changed.add(i);
      }
      const expected = whole(now);
      if (grewAsWhole(growing.grow(inputOf(now), changed, Int32Array.from(oldAt)), expected)) grown++;
      else refused++;
    }), { numRuns: 600 });
    assert.ok(grown > 100 && refused > 20, `grown ${grown}, refused ${refused}`);
  });

  it('takes a session\'s new step that goes before its sub-agent\'s steps, and refuses one whose id a moved step had', () => {
    const drafts: Draft[] = [
      { sourceId: 'user', startTime: 1, kind: 'message', name: 'ask' },
      { sourceId: 'call', startTime: 2, kind: 'llm', name: 'model' },
      { sourceId: 'agent:a1', parentSourceId: 'call', startTime: 3, kind: 'agent', name: 'subagent' },
      { sourceId: 'a1-llm', parentSourceId: 'agent:a1', startTime: 4, kind: 'llm', name: 'model' },
    ];
    const seeded = (): GrowingOrder => {
      const start = whole(drafts);
      return GrowingOrder.seed(inputOf(drafts), start.ordered, start.allocator, false)!;
    };
    // The session's next message, among its own steps: before the agent's in file order.
    const now: Draft[] = [drafts[0], drafts[1], { sourceId: 'next', startTime: 9, kind: 'message', name: 'go on' }, drafts[2], drafts[3]];
    const got = seeded().grow(inputOf(now), new Set([2]), Int32Array.from([0, 1, 3, 4]))!;
    assert.deepEqual(plain(got), whole(now).order);
    assert.deepEqual(got.order.map((i) => got.ids[i]), ['user', 'call', 'agent:a1', 'a1-llm', 'next']);
    // A new step with the source id of a step after it: the whole order numbers that one '#2' now.
    const clash: Draft[] = [drafts[0], drafts[1], { sourceId: 'a1-llm', startTime: 9, kind: 'message', name: 'go on' }, drafts[2], drafts[3]];
    assert.equal(seeded().grow(inputOf(clash), new Set([2]), Int32Array.from([0, 1, 3, 4])), undefined);
    assert.equal(whole(clash).ordered.ids[4], 'a1-llm#2');
    // Moves that are not a list of old places in order.
    assert.equal(seeded().grow(inputOf(now), new Set([2]), Int32Array.from([0, 3, 1, 4])), undefined);
    assert.equal(seeded().grow(inputOf(now), new Set([2]), Int32Array.from([0, 1, 3])), undefined);
  });

  it('puts a step that started before its siblings in its place, moving the later ones', () => {
    const drafts: Draft[] = [
      { sourceId: 'user', startTime: 1, kind: 'message', name: 'ask' },
      { sourceId: 'glob', startTime: 5, kind: 'tool', name: 'Glob' },
      { sourceId: 'read', startTime: 7, kind: 'tool', name: 'Read' },
      { sourceId: 'search', startTime: 4, kind: 'tool', name: 'WebSearch' },
    ];
    const start = whole(drafts.slice(0, 3));
    const growing = GrowingOrder.seed(inputOf(drafts.slice(0, 3)), start.ordered, start.allocator, false)!;
    const got = growing.grow(inputOf(drafts), new Set())!;
    assert.deepEqual(got.order.map((i) => got.ids[i]), ['user', 'search', 'glob', 'read']);
    assert.deepEqual(plain(got), whole(drafts).order);
  });

  it('seeds from a run of 300,000 steps and grows it (a live session near the follow limit)', () => {
    const n = 300_000;
    const drafts: Draft[] = Array.from({ length: n + 2 }, (_, i) => ({ sourceId: `s${i}`, startTime: i, kind: 'llm', name: 'x' }));
    const start = whole(drafts.slice(0, n));
    const growing = GrowingOrder.seed(inputOf(drafts.slice(0, n)), start.ordered, start.allocator, false)!;
    const got = growing.grow(inputOf(drafts), new Set())!;
    assert.equal(got.order.length, n + 2);
    assert.deepEqual([got.ids[n], got.ids[n + 1]], [`s${n}`, `s${n + 1}`]);
  });

  it('refuses what only ordering all the drafts can answer', () => {
    const base: Draft[] = [
      { sourceId: 'a', startTime: 1, kind: 'llm', name: 'x' },
      { sourceId: 'b', parentSourceId: 'a', startTime: 2, kind: 'tool', name: 'y' },
    ];
    const seeded = (): GrowingOrder => {
      const start = whole(base);
      return GrowingOrder.seed(inputOf(base), start.ordered, start.allocator, false)!;
    };
    // A parent not (yet) in the run: the whole order warns, and a later draft could become it.
    assert.equal(seeded().grow(inputOf([...base, { sourceId: 'c', parentSourceId: 'later', startTime: 3, kind: 'tool', name: 'z' }]), new Set()), undefined);
    // A parent that comes after its child.
    assert.equal(seeded().grow(inputOf([...base, { sourceId: 'c', parentSourceId: 'd', startTime: 3, kind: 'tool', name: 'z' }, { sourceId: 'd', startTime: 3, kind: 'llm', name: 'x' }]), new Set()), undefined);
    // A step without a start time.
    assert.equal(seeded().grow(inputOf([...base, { sourceId: 'c', startTime: null, kind: 'llm', name: 'x' }]), new Set()), undefined);
    // A changed step that moved: a new start, a new parent.
    assert.equal(seeded().grow(inputOf([base[0], { ...base[1], startTime: 0 }]), new Set([1])), undefined);
    assert.equal(seeded().grow(inputOf([base[0], { ...base[1], parentSourceId: undefined }]), new Set([1])), undefined);
    // Fewer drafts than before.
    assert.equal(seeded().grow(inputOf(base.slice(0, 1)), new Set()), undefined);
    // A changed step that did not move is taken.
    assert.deepEqual(plain(seeded().grow(inputOf([base[0], { ...base[1], name: 'renamed' }]), new Set([1]))!), whole(base).order);
    // Runs that never grow: a warning, or a step without a start time.
    const missing: Draft[] = [{ sourceId: 'a', parentSourceId: 'nowhere', startTime: 1, kind: 'llm', name: 'x' }];
    const warned = whole(missing);
    assert.ok(warned.warned);
    assert.equal(GrowingOrder.seed(inputOf(missing), warned.ordered, warned.allocator, warned.warned), undefined);
    const timeless: Draft[] = [{ sourceId: 'a', startTime: null, kind: 'llm', name: 'x' }];
    const t = whole(timeless);
    assert.equal(GrowingOrder.seed(inputOf(timeless), t.ordered, t.allocator, false), undefined);
  });
});
