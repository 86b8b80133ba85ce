import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { alignSteps, diffStepFields, maskText, stepKeys, type Alignment } from '../../../src/core/compare';
import type { Step, StepKind } from '../../../src/core/model/schema';

/** Small steps built by hand: a model call that calls a tool, the tool run, a plain answer, a user message. */
let n = 0;
function step(kind: StepKind, name: string, extra: Partial<Step> = {}): Step {
  return { id: `s${n++}`, parentId: null, index: 0, depth: 0, kind, name, startTime: null, endTime: null, status: 'ok', attributes: {}, ...extra };
}
const call = (tool: string, args: unknown, callId = `call_${n}`): Step[] => [
  step('llm', 'model', { output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: callId, name: tool, arguments: args }] }] } }),
  step('tool', tool, { toolCall: { id: callId, name: tool, arguments: args }, output: { value: `result of ${tool}` } }),
];
const answer = (text: string): Step => step('llm', 'model', { output: { messages: [{ role: 'assistant', content: text }] } });
const user = (text: string): Step => step('message', 'user', { input: { messages: [{ role: 'user', content: text }] } });
const indexed = (steps: Step[]): Step[] => steps.map((s, index) => ({ ...s, index }));

function run(...parts: (Step | Step[])[]): Step[] {
  return indexed(parts.flat());
}

const kinds = (al: Alignment): string => al.pairs.map((p) => `${p.kind}:${p.a ?? '-'}/${p.b ?? '-'}`).join(' ');

describe('compare: aligning two runs', () => {
  it('identical runs: every pair same, no divergence', () => {
    const mk = (): Step[] => run(user('weather in Paris?'), call('get_weather', { city: 'Paris' }), answer('18C in Paris'));
    const al = alignSteps(mk(), mk());
    assert.equal(kinds(al), 'same:0/0 same:1/1 same:2/2 same:3/3');
    assert.equal(al.firstDivergence, null);
    assert.equal(al.firstActionDivergence, null);
    assert.deepEqual(al.counts, { same: 4, changed: 0, inserted: 0, deleted: 0 });
    assert.equal(al.approximate, false);
  });

  it('tool-call ids and key order do not make steps differ', () => {
    const a = run(call('search', { q: 'x', limit: 3 }, 'call_AAA'));
    const b = run(call('search', { limit: 3, q: 'x' }, 'call_BBB'));
    assert.equal(kinds(alignSteps(a, b)), 'same:0/0 same:1/1');
  });

  it('an inserted step: the runs align around it and it is the first divergence', () => {
    const a = run(user('hi'), call('lookup', { id: 7 }), answer('done'));
    const b = run(user('hi'), call('lookup', { id: 7 }), call('verify', { id: 7 }), answer('done'));
    const al = alignSteps(a, b);
    assert.equal(kinds(al), 'same:0/0 same:1/1 same:2/2 inserted:-/3 inserted:-/4 same:3/5');
    assert.deepEqual(al.firstDivergence, { a: null, b: 3, pair: 3 });
    assert.deepEqual(al.firstActionDivergence, al.firstDivergence);
  });

  it('a deleted step', () => {
    const a = run(user('hi'), call('lookup', { id: 7 }), call('verify', { id: 7 }), answer('done'));
    const b = run(user('hi'), call('lookup', { id: 7 }), answer('done'));
    const al = alignSteps(a, b);
    assert.equal(kinds(al), 'same:0/0 same:1/1 same:2/2 deleted:3/- deleted:4/- same:5/3');
    assert.deepEqual(al.firstDivergence, { a: 3, b: null, pair: 3 });
    assert.deepEqual(al.counts, { same: 4, changed: 0, inserted: 0, deleted: 2 });
  });

  it('a changed argument is paired as changed, not a deletion and an insertion, and is the first divergence', () => {
    const a = run(user('book it'), call('search', { from: 'JFK', date: '2024-05-20' }), call('book', { flight: 'HAT136' }), answer('booked'));
    const b = run(user('book it'), call('search', { from: 'JFK', date: '2024-05-20' }), call('book', { flight: 'HAT039' }), answer('booked'));
    const al = alignSteps(a, b);
    assert.equal(kinds(al), 'same:0/0 same:1/1 same:2/2 changed:3/3 changed:4/4 same:5/5');
    assert.deepEqual(al.pairs[3].fields, ['arguments']);
    assert.deepEqual(al.pairs[4].fields, ['arguments']);
    assert.deepEqual(al.firstDivergence, { a: 3, b: 3, pair: 3 });
    assert.deepEqual(al.firstActionDivergence, { a: 3, b: 3, pair: 3 });
  });

  it('a changed argument is told from a dropped call: the call with equal arguments keeps its partner', () => {
    const a = run(call('search', { q: 'paris' }), call('search', { q: 'lyon' }));
    const b = run(call('search', { q: 'lyon' }));
    assert.equal(kinds(alignSteps(a, b)), 'deleted:0/- deleted:1/- same:2/0 same:3/1');
  });

  it('a call to another tool is inserted; the same tool with other arguments is paired as changed', () => {
    // b added `fetch(7)` and called `get` with 8 instead of 7.
    const a = run(call('get', { id: 7 }));
    const b = run(call('fetch', { id: 7 }), call('get', { id: 8 }));
    const al = alignSteps(a, b);
    assert.equal(kinds(al), 'inserted:-/0 inserted:-/1 changed:0/2 changed:1/3');
    assert.deepEqual(al.pairs[2].fields, ['arguments']);
    assert.deepEqual(al.pairs[3].fields, ['arguments']);
  });

  it('the loose key (numbers, dates, ids masked) decides which of two calls changed', () => {
    const a = run(call('get', { id: 'abc' }), call('get', { id: 7 }));
    const b = run(call('get', { id: 8 }));
    assert.equal(kinds(alignSteps(a, b)), 'deleted:0/- deleted:1/- changed:2/0 changed:3/1');
  });

  it('a different result, message or error with the same action is changed, but not a different action', () => {
    const a = run(user('hi'), call('get', { id: 1 }), answer('it is 18C'));
    const b = run(user('hello'), call('get', { id: 1 }), answer('it is 18C'));
    b[2] = { ...b[2], status: 'error', error: { type: 'Timeout', message: 'timed out' }, output: { value: 'timed out' } };
    const al = alignSteps(a, b);
    assert.equal(kinds(al), 'changed:0/0 same:1/1 changed:2/2 same:3/3');
    assert.deepEqual(al.pairs[0].fields, ['messages']);
    assert.deepEqual(al.pairs[2].fields, ['result', 'error', 'status']);
    assert.deepEqual(al.firstDivergence, { a: 0, b: 0, pair: 0 });
    assert.equal(al.firstActionDivergence, null);
  });

  it('empty traces: nothing to pair, or everything inserted or deleted', () => {
    const none = alignSteps([], []);
    assert.deepEqual(none.pairs, []);
    assert.equal(none.firstDivergence, null);
    const b = run(user('hi'), answer('hello'));
    assert.equal(kinds(alignSteps([], b)), 'inserted:-/0 inserted:-/1');
    assert.deepEqual(alignSteps([], b).firstDivergence, { a: null, b: 0, pair: 0 });
    assert.equal(kinds(alignSteps(b, [])), 'deleted:0/- deleted:1/-');
  });

  it('long runs (cut at their unique common steps first) align as short ones do', () => {
    const calls = (k: number, changedAt = -1): Step[][] => Array.from({ length: k }, (_, i) => call(`t${i % 5}`, { i: i === changedAt ? 'other' : i }));
    const base = calls(520);
    const a = run(...base);
    const withExtra = [...calls(520, 400)];
    withExtra.splice(300, 0, call('extra', { x: 1 }));
    const b = run(...withExtra);
    const al = alignSteps(a, b);
    assert.equal(al.approximate, false);
    assert.deepEqual(al.counts, { same: 1038, changed: 2, inserted: 2, deleted: 0 });
    assert.deepEqual(al.firstDivergence, { a: null, b: 600, pair: 600 });
    assert.deepEqual(al.pairs.filter((p) => p.kind === 'changed').map((p) => [p.a, p.b]), [[800, 802], [801, 803]]);
  });

  it('past maxEditLength it pairs by position, says so, and still pairs every step once', () => {
    const a = run(...Array.from({ length: 30 }, (_, i) => call(`t${i % 7}`, { i })));
    const b = run(...Array.from({ length: 30 }, (_, i) => call(`t${(i * 3) % 11}`, { i: i + 100 })));
    const al = alignSteps(a, b, { maxEditLength: 3 });
    assert.equal(al.approximate, true);
    assert.deepEqual(al.pairs.filter((p) => p.a !== null).map((p) => p.a), a.map((_, i) => i));
    assert.deepEqual(al.pairs.filter((p) => p.b !== null).map((p) => p.b), b.map((_, i) => i));
  });

  it('property: pairs cover both runs once, in order; same pairs have equal keys; changed pairs share kind and tool', () => {
    const tools = ['a', 'b', 'c'];
    const arbStep = fc.record({ tool: fc.constantFrom(...tools), arg: fc.integer({ min: 0, max: 2 }), text: fc.constantFrom('x', 'y') })
      .map(({ tool, arg, text }) => (tool === 'c' ? [answer(text)] : call(tool, { arg })));
    fc.assert(fc.property(fc.array(arbStep, { maxLength: 8 }), fc.array(arbStep, { maxLength: 8 }), (pa, pb) => {
      const a = run(...pa);
      const b = run(...pb);
      const al = alignSteps(a, b);
      assert.deepEqual(al.pairs.filter((p) => p.a !== null).map((p) => p.a), a.map((_, i) => i));
      assert.deepEqual(al.pairs.filter((p) => p.b !== null).map((p) => p.b), b.map((_, i) => i));
      for (const p of al.pairs) {
        if (p.kind === 'same') assert.equal(stepKeys(a[p.a!]).strict, stepKeys(b[p.b!]).strict);
        if (p.kind === 'changed') assert.equal(stepKeys(a[p.a!]).slot, stepKeys(b[p.b!]).slot);
        if (p.kind === 'changed') assert.ok(p.fields && p.fields.length > 0);
      }
      const first = al.pairs.findIndex((p) => p.kind !== 'same');
      assert.equal(al.firstDivergence?.pair ?? -1, first);
    }), { numRuns: 100 });
  });
});

describe('compare: masks and field diffs', () => {
  it('the loose key masks numbers, ids, timestamps and paths', () => {
    const same = (x: string, y: string): void => assert.equal(maskText(x), maskText(y), `${x} / ${y}`);
    same('at 2024-05-20T10:00:00Z read /home/ann/x.py for user 42', 'at 2024-06-01T23:59:59Z read /tmp/y/z.ts for user 7');
    same('id 3f2b8c1e-0000-4000-8000-00000000abcd', 'id 00000000-1111-4222-8333-444444444444');
    same('flight HAT136 on 2024-05-20', 'flight HAT039 on 2024-05-21');
    assert.notEqual(maskText('search flights'), maskText('book flights'));
    const [a] = call('get', { when: '2024-05-20', n: 3 });
    const [b] = call('get', { when: '2024-05-21', n: 4 });
    assert.notEqual(stepKeys(a).strict, stepKeys(b).strict);
    assert.equal(stepKeys(a).loose, stepKeys(b).loose);
  });

  it('field diffs name the fields that differ with a line diff of each', () => {
    const [, a] = call('book', { flight: 'HAT136', seats: 1 });
    const [, b] = call('book', { flight: 'HAT039', seats: 1 });
    const d = diffStepFields(a, b);
    assert.deepEqual(d.map((f) => f.field), ['arguments']);
    assert.deepEqual(d[0].lines, [
      { op: 'equal', text: '{' },
      { op: 'remove', text: '  "flight": "HAT136",' },
      { op: 'add', text: '  "flight": "HAT039",' },
      { op: 'equal', text: '  "seats": 1' },
      { op: 'equal', text: '}' },
    ]);
    // A step only one run has: every field it has, all added.
    const only = diffStepFields(undefined, user('hi'));
    assert.deepEqual(only.map((f) => f.field), ['name', 'messages', 'status']);
    assert.deepEqual(only[1].lines, [{ op: 'add', text: '[user]' }, { op: 'add', text: 'hi' }]);
  });
});
