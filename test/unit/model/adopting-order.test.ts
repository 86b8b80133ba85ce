/**
 * A run's decision order kept as spans come at the end of the file, parents possibly after their
 * children (src/core/model/adopting-order.ts): after any extension it gives what `decisionOrder`
 * gives for all the drafts, warnings included, or says it cannot; never a different order.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decisionOrder, type DecisionOrder } from '../../../src/core/model/build';
import { inputOf, type Draft } from '../../support/order-drafts';
import { AdoptingOrder } from '../../../src/core/model/adopting-order';
import { StepIdAllocator } from '../../../src/core/engine/step-ids';
import type { Problem } from '../../../src/core/util/problems';


interface Whole { order: ReturnType<typeof plain>; warnings: string[]; ordered: DecisionOrder; allocator: StepIdAllocator }

function whole(drafts: readonly Draft[]): Whole {
  const warnings: Problem[] = [];
  const allocator = new StepIdAllocator();
  const ordered = decisionOrder(inputOf(drafts), 'spans.jsonl', warnings, allocator);
  return { order: plain(ordered), warnings: warnings.map((w) => `${w.file}: ${w.message}`), ordered, allocator };
}

function plain(o: DecisionOrder): { order: number[]; ids: string[]; parentOf: number[]; depth: number[]; idBySource: [string, number][] } {
  const n = o.order.length;
  return { order: [...o.order], ids: o.ids.slice(0, n), parentOf: [...o.parentOf].slice(0, n), depth: [...o.depth].slice(0, n), idBySource: [...o.idBySource].sort((a, b) => a[0].localeCompare(b[0])) };
}

function seeded(drafts: readonly Draft[]): AdoptingOrder | undefined {
  const start = whole(drafts);
  return AdoptingOrder.seed(inputOf(drafts), start.ordered, start.allocator, 'spans.jsonl');
}

/** An extension checked against the whole order: true when it extended (then it is that order, warnings too). */
function extendedAsWhole(order: AdoptingOrder, drafts: readonly Draft[]): boolean {
  const warnings: Problem[] = [];
  const got = order.extend(inputOf(drafts), warnings);
  if (!got) return false;
  const expected = whole(drafts);
  assert.deepEqual(plain(got), expected.order);
  assert.deepEqual(warnings.map((w) => `${w.file}: ${w.message}`), expected.warnings);
  return true;
}

/**
 * Spans as exporters write them: each names another span as parent (earlier or later in the file,
 * or one never written), some ids twice or none (a derived id), start times rising with ties and
 * some earlier than a sibling's, now and then none.
 */
const draftsArb = fc.array(fc.record({
  parent: fc.option(fc.integer({ min: 0, max: 45 }), { freq: 4 }),
  source: fc.oneof({ weight: 6, arbitrary: fc.constant('own') }, { weight: 1, arbitrary: fc.constant('dup') }, { weight: 1, arbitrary: fc.constant(undefined) }),
  step: fc.integer({ min: -3, max: 5 }),
  timeless: fc.integer({ min: 0, max: 60 }),
  kind: fc.constantFrom('llm', 'tool'),
}), { minLength: 1, maxLength: 40 }).map((specs) => {
  let t = 1000;
  return specs.map((s, i): Draft => {
    t += s.step;
    const sourceId = s.source === 'own' ? `s${i}` : s.source;
    // A parent number past the end names a span never written.
    const parentSourceId = s.parent === null ? undefined : `s${s.parent}`;
    return { ...(sourceId ? { sourceId } : {}), ...(parentSourceId ? { parentSourceId } : {}), startTime: s.timeless === 0 ? null : t, kind: s.kind, name: `n${i % 3}` };
  });
});

describe('a decision order that takes in parents written after their children', () => {
  it('gives what ordering all the drafts gives after each extension, warnings included, or says it cannot', () => {
    let extended = 0;
    let refused = 0;
    fc.assert(fc.property(draftsArb, fc.array(fc.nat(), { maxLength: 6 }), (drafts, cuts) => {
      const ends = [...new Set(cuts.map((c) => 1 + (c % drafts.length)))].sort((a, b) => a - b);
      let order = seeded(drafts.slice(0, ends.shift() ?? drafts.length));
      for (const end of [...ends, drafts.length]) {
        if (order && extendedAsWhole(order, drafts.slice(0, end))) {
          extended++;
          continue;
        }
        if (order) {
          refused++;
          // It refuses only what it says it refuses: a span without a start time, or a cycle.
          const upTo = drafts.slice(0, end);
          assert.ok(upTo.some((d) => d.startTime === null) || whole(upTo).warnings.some((w) => w.includes('parent cycle')), 'refused a run it could extend');
        }
        order = seeded(drafts.slice(0, end));
      }
    }), { numRuns: 500 });
    // Both ways are taken, or the property says little.
    assert.ok(extended > 200 && refused > 10, `extended ${extended}, refused ${refused}`);
  });

  it('takes in children written before their parent, which leave top level and lose their warning', () => {
    const children: Draft[] = [
      { sourceId: 'tool', parentSourceId: 'turn', startTime: 3, kind: 'tool', name: 'search' },
      { sourceId: 'llm', parentSourceId: 'turn', startTime: 2, kind: 'llm', name: 'chat' },
      { sourceId: 'other', parentSourceId: 'elsewhere', startTime: 1, kind: 'llm', name: 'chat' },
    ];
    const order = seeded(children)!;
    assert.ok(order);
    const withParent: Draft[] = [...children, { sourceId: 'turn', parentSourceId: 'root', startTime: 1, kind: 'agent', name: 'turn' }];
    const warnings: Problem[] = [];
    const got = order.extend(inputOf(withParent), warnings)!;
    assert.deepEqual(got.order.map((i) => got.ids[i]), ['other', 'turn', 'llm', 'tool']);
    assert.deepEqual([...got.depth], [1, 1, 0, 0]);
    assert.deepEqual(warnings.map((w) => w.message), [
      'step "other" names parent "elsewhere", which is not in the trace; shown at top level',
      'step "turn" names parent "root", which is not in the trace; shown at top level',
    ]);
    // The root comes last, and takes the turn in.
    const all: Draft[] = [...withParent, { sourceId: 'root', startTime: 0, kind: 'agent', name: 'run' }];
    assert.ok(extendedAsWhole(order, all));
  });

  it('puts the children a parent takes in by their start, not by the order they were written in', () => {
    const first: Draft[] = [{ sourceId: 'root', startTime: 0, kind: 'agent', name: 'run' }];
    const order = seeded(first)!;
    // Two calls of one turn written before it, the later-starting one first (parallel calls).
    const calls: Draft[] = [...first,
      { sourceId: 'search', parentSourceId: 'turn', startTime: 5, kind: 'tool', name: 'search' },
      { sourceId: 'read', parentSourceId: 'turn', startTime: 3, kind: 'tool', name: 'read' },
    ];
    assert.ok(extendedAsWhole(order, calls));
    const withTurn: Draft[] = [...calls, { sourceId: 'turn', parentSourceId: 'root', startTime: 2, kind: 'agent', name: 'turn' }];
    const got = order.extend(inputOf(withTurn), [])!;
    assert.deepEqual(got.order.map((i) => got.ids[i]), ['root', 'turn', 'read', 'search']);
    // And a call of that turn written after it goes among them by its start.
    assert.ok(extendedAsWhole(order, [...withTurn, { sourceId: 'write', parentSourceId: 'turn', startTime: 4, kind: 'tool', name: 'write' }]));
  });

  it('refuses a parent that makes a cycle, and a span without a start time', () => {
    const base: Draft[] = [{ sourceId: 'a', parentSourceId: 'b', startTime: 1, kind: 'llm', name: 'x' }];
    const cycle: Draft[] = [...base, { sourceId: 'b', parentSourceId: 'a', startTime: 2, kind: 'llm', name: 'y' }];
    assert.equal(seeded(base)!.extend(inputOf(cycle), []), undefined);
    assert.ok(whole(cycle).warnings.some((w) => w.includes('parent cycle')));
    // A cycle of new spans only, and one through a span taken in.
    assert.equal(seeded([{ sourceId: 'z', startTime: 1, kind: 'llm', name: 'x' }])!.extend(inputOf([
      { sourceId: 'z', startTime: 1, kind: 'llm', name: 'x' },
      { sourceId: 'c', parentSourceId: 'd', startTime: 2, kind: 'llm', name: 'x' },
      { sourceId: 'd', parentSourceId: 'c', startTime: 3, kind: 'llm', name: 'x' },
    ]), []), undefined);
    assert.equal(seeded(base)!.extend(inputOf([...base, { sourceId: 'b', parentSourceId: 'c', startTime: 2, kind: 'llm', name: 'y' }, { sourceId: 'c', parentSourceId: 'a', startTime: 3, kind: 'llm', name: 'y' }]), []), undefined);
    assert.equal(seeded(base)!.extend(inputOf([...base, { sourceId: 'b', startTime: null, kind: 'llm', name: 'y' }]), []), undefined);
    assert.equal(seeded([{ sourceId: 'a', startTime: null, kind: 'llm', name: 'x' }]), undefined);
    // A run whose whole order broke a cycle is not kept.
    assert.equal(seeded(cycle), undefined);
  });

  it('extends a trace of 100,000 spans by a turn written children first', () => {
    const n = 100_000;
    const drafts: Draft[] = [{ sourceId: 'root', startTime: 0, kind: 'agent', name: 'run' }];
    for (let i = 1; i < n; i++) drafts.push({ sourceId: `s${i}`, parentSourceId: `t${Math.floor(i / 10)}`, startTime: i, kind: 'llm', name: 'x' });
    for (let t = 0; t < n / 10; t++) drafts.push({ sourceId: `t${t}`, parentSourceId: 'root', startTime: 10 * t, kind: 'agent', name: 'turn' });
    const order = seeded(drafts)!;
    const turn: Draft[] = [
      { sourceId: 'new-llm', parentSourceId: 'new-turn', startTime: 1e6 + 1, kind: 'llm', name: 'x' },
      { sourceId: 'new-turn', parentSourceId: 'root', startTime: 1e6, kind: 'agent', name: 'turn' },
    ];
    assert.ok(extendedAsWhole(order, [...drafts, ...turn]));
  });
});
