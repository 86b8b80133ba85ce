/**
 * The engine's TraceIndex and TraceCursor (src/core/engine): an index built by appends equals one
 * built from all the steps at once, whatever the sequence of appends; cursor moves follow the tree.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Finding } from '../../../src/core/detect';
import { findPeer, TraceCursor, TraceIndex } from '../../../src/core/engine';
import type { Step } from '../../../src/core/model/schema';

/** Steps in decision order from parent choices: each step's parent is on the open path, or none. */
function stepsFrom(choices: readonly { up: number; error: boolean; name: string }[]): Step[] {
  const steps: Step[] = [];
  const path: number[] = [];
  choices.forEach((c, i) => {
    // `up` climbs that many levels from the last step: 0 = child of the last step; past the top = top level.
    const keep = Math.max(0, path.length - c.up);
    path.length = keep;
    const parent = path.length ? path[path.length - 1] : -1;
    steps.push({
      id: `s${i}`, parentId: parent >= 0 ? `s${parent}` : null, index: i, depth: path.length, kind: 'tool', name: c.name,
      startTime: null, endTime: null, status: c.error ? 'error' : 'ok', attributes: {},
    });
    path.push(i);
  });
  return steps;
}

function snapshot(index: TraceIndex): unknown {
  const n = index.length;
  return {
    ids: index.steps.map((s) => s.id),
    // The steps are held in chunks: read one at a time and in slices, they are the same.
    byPosition: Array.from({ length: n }, (_, i) => index.step(i).id),
    sliced: index.slice(1, n - 1).map((s) => s.id),
    parents: Array.from({ length: n }, (_, i) => index.parentOf(i)),
    ends: Array.from({ length: n }, (_, i) => index.subtreeEndOf(i)),
    children: Array.from({ length: n }, (_, i) => index.childCountOf(i)),
    failing: [...index.failing()],
    findings: Array.from({ length: n }, (_, i) => index.findingsOf(i).map((f) => f.rule)),
    search: index.search('alpha'),
    axisEnd: Array.from({ length: index.axis().end.length }, (_, i) => index.axis().end.get(i)),
    axisStart: Array.from({ length: index.axis().start.length }, (_, i) => index.axis().start.get(i)),
    siblings: Array.from({ length: n }, (_, i) => [index.nextSiblingOf(i), index.previousSiblingOf(i), index.firstChildOf(i)]),
    topLevel: index.topLevel(3).map((s) => s.id),
  };
}

const choice = fc.record({ up: fc.nat(4), error: fc.boolean(), name: fc.constantFrom('alpha', 'beta') });

describe('engine: TraceIndex', () => {
  it('built by any sequence of appends, equals the index built from all steps at once', () => {
    fc.assert(fc.property(fc.array(choice, { maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 6 }), fc.boolean(), (choices, cuts, timed) => {
      // Timed: every third step has no end of its own (its bar reaches its steps' latest end).
      const steps = stepsFrom(choices).map((st, i) => (timed ? { ...st, startTime: 1_000 + 10 * i, endTime: i % 3 === 0 ? null : 1_004 + 10 * i } : st));
      const findings: Finding[] = steps.filter((_, i) => i % 7 === 3).map((s) => ({ stepId: s.id, category: 'TOOL.RUNTIME', rule: `r-${s.id}`, evidence: '', impact: 'LOW' }) as Finding);
      const full = new TraceIndex(steps, findings);
      const bounds = [...new Set([0, ...cuts.map((c) => Math.min(c, steps.length)), steps.length])].sort((a, b) => a - b);
      const grown = new TraceIndex(steps.slice(0, bounds[1] ?? 0));
      const appended: { from: number; count: number }[] = [];
      grown.on('appended', (e) => appended.push(e));
      grown.search('alpha'); // builds the search text now, so appends must extend it
      grown.axis();
      for (let k = 1; k + 1 < bounds.length; k++) {
        // `steps` is a copy made once per change: one made before an append must not be handed out after it.
        assert.equal(grown.steps.length, bounds[k]);
        assert.equal(grown.append(steps.slice(bounds[k], bounds[k + 1])), true);
      }
      grown.setFindings(findings);
      assert.deepEqual(snapshot(grown), snapshot(full));
      assert.equal(appended.reduce((c, e) => c + e.count, 0), steps.length - (bounds[1] ?? 0), 'appended events cover the new steps');
    }), { seed: 7, numRuns: 300 });
  });

  it("draws a step with no end of its own as far as its steps reach (a turn still running)", () => {
    const turn: Step = { id: 'turn', parentId: null, index: 0, depth: 0, kind: 'agent', name: 'turn 1', startTime: 1_000, endTime: null, status: 'unset', attributes: {} };
    const reply: Step = { ...turn, id: 'reply', parentId: 'turn', index: 1, depth: 1, kind: 'llm', name: 'reply', startTime: 1_100, endTime: 4_000, status: 'ok' };
    const call: Step = { ...reply, id: 'call', index: 2, kind: 'tool', name: 'bash', startTime: 4_000, endTime: null, status: 'unset' };
    const index = new TraceIndex([turn, reply]);
    assert.deepEqual([index.axis().start.get(0), index.axis().end.get(0)], [1_000, 4_000]);
    index.append([{ ...call, startTime: 9_000 }]);
    assert.equal(index.axis().end.get(0), 9_000, 'the call started later: the turn reaches it');
    // The call read again with an earlier start (a live trace's line rewritten): no longer reached.
    index.replaceFrom([turn, reply, call], 2);
    assert.equal(index.axis().end.get(0), 4_000);
    // A step with an end of its own keeps it, whatever its steps do.
    const closed = new TraceIndex([{ ...turn, endTime: 2_000 }, reply]);
    assert.equal(closed.axis().end.get(0), 2_000);
  });

  it('finds the first steps without a parent id walking the top of the tree, steps whose parent is not in the trace among them', () => {
    fc.assert(fc.property(fc.array(choice, { maxLength: 60 }), fc.array(fc.boolean(), { maxLength: 60 }), fc.nat(4), (choices, orphaned, limit) => {
      // A top-level step may name a parent the trace does not have: a root of the index, not top level.
      const steps = stepsFrom(choices).map((s, i) => (s.parentId === null && orphaned[i] ? { ...s, parentId: `gone-${i}` } : s));
      const index = new TraceIndex(steps);
      assert.deepEqual(index.topLevel(limit).map((s) => s.id), steps.filter((s) => s.parentId === null).slice(0, limit).map((s) => s.id));
    }), { seed: 11, numRuns: 300 });
  });

  it('steps replaced from a position on (the ones before kept) give the index built from all steps at once', () => {
    // Every third step has no end of its own in 'open ends' (its axis end is its steps' latest).
    const timedAs = (times: string) => (st: Step, i: number): Step => ({ ...st, startTime: 1_000 + 10 * i, endTime: times === 'open ends' && i % 3 === 0 ? null : 1_005 + 10 * i });
    fc.assert(fc.property(fc.array(choice, { maxLength: 50 }), fc.array(choice, { maxLength: 50 }), fc.nat(50), fc.nat(60), fc.constantFrom('none', 'all', 'cut only', 'open ends'), (first, second, at, repeats, times) => {
      const from = Math.min(at, first.length);
      const timed = timedAs(times);
      const everyStep = times === 'all' || times === 'open ends';
      // Timestamps on every step, or on none, or only on the steps cut (the axis is computed again then).
      const before = stepsFrom(first).map((st, i) => (everyStep || (times === 'cut only' && i >= from) ? timed(st, i) : st));
      // The same first steps (the same objects), then others in decision order after them: the ids
      // after `from` come back, under other parents.
      const after = [...before.slice(0, from), ...stepsFrom([...first.slice(0, from), ...second]).slice(from).map((st, i) => (everyStep ? timed(st, from + i) : st))];
      const findings = after.filter((_, i) => i % 5 === 1).map((st) => ({ stepId: st.id, category: 'TOOL.RUNTIME', rule: `r-${st.id}`, evidence: '', impact: 'LOW' }) as Finding);
      const index = new TraceIndex(before, []);
      index.search('alpha');
      index.axis();
      const events: string[] = [];
      index.on('reset', (e) => events.push(`reset ${e.count}`));
      // Repeated, as a live trace's lines come: the id map's deleted entries are dropped on the way (past 1,024).
      for (let k = 0; k <= repeats; k++) {
        assert.equal(index.steps.length, k === 0 ? before.length : after.length);
        index.replaceFrom(after, from, findings);
      }
      assert.deepEqual(snapshot(index), snapshot(new TraceIndex(after, findings)));
      assert.deepEqual(after.map((st) => index.indexOf(st.id)), after.map((_, i) => i));
      assert.deepEqual(events, Array(repeats + 1).fill(`reset ${after.length}`));
    }), { seed: 13, numRuns: 300 });
    // Many times over (the id map made again once its deleted entries outnumber the live ones).
    const steps = stepsFrom(Array.from({ length: 100 }, (_, i) => ({ up: i % 3, error: i % 11 === 0, name: 'alpha' })));
    const index = new TraceIndex(steps);
    for (let k = 0; k < 30; k++) index.replaceFrom(steps, 10);
    assert.deepEqual(snapshot(index), snapshot(new TraceIndex(steps)));
    assert.deepEqual(steps.map((st) => index.indexOf(st.id)), steps.map((_, i) => i));
  });

  it('steps changed where they were (more after them), the findings kept: the index built from all steps at once', () => {
    fc.assert(fc.property(fc.array(choice, { minLength: 1, maxLength: 50 }), fc.array(choice, { maxLength: 10 }), fc.nat(50), fc.boolean(), fc.boolean(), (choices, more, at, flip, orphan) => {
      const all = stepsFrom([...choices, ...more]);
      const before = all.slice(0, choices.length);
      const from = Math.min(at, before.length);
      // From `from` on: copies, with their statuses turned over or their names changed, then the steps that follow.
      const after = [...before.slice(0, from), ...before.slice(from).map((st): Step => (flip ? { ...st, status: st.status === 'error' ? 'ok' : 'error' } : { ...st, name: `${st.name}!` })), ...all.slice(before.length)];
      const findings: Finding[] = before.filter((_, i) => i % 4 === 1).map((st) => ({ stepId: st.id, category: 'TOOL.RUNTIME', rule: `r-${st.id}`, evidence: '', impact: 'LOW' }) as Finding);
      // A finding of a step not there yet: placed only when the findings are placed again.
      if (orphan && more.length > 0) findings.push({ stepId: all[all.length - 1].id, category: 'RSN.PLAN', rule: 'late', evidence: '', impact: 'LOW' } as Finding);
      const index = new TraceIndex(before, findings);
      index.search('alpha');
      index.replaceFrom(after, from, findings, true);
      assert.deepEqual(snapshot(index), snapshot(new TraceIndex(after, findings)));
    }), { seed: 17, numRuns: 300 });
  });

  it('findings added in parts give what setting them all at once gives, and say how many there are', () => {
    fc.assert(fc.property(fc.array(choice, { minLength: 1, maxLength: 40 }), fc.array(fc.tuple(fc.nat(39), fc.constantFrom('TOOL.RUNTIME', 'RSN.PLAN')), { maxLength: 30 }), fc.array(fc.nat(30), { maxLength: 4 }), (choices, picks, cuts) => {
      const steps = stepsFrom(choices);
      const findings = picks.map(([at, category], k) => ({ stepId: at < steps.length ? steps[at].id : 'not-a-step', category, rule: `r${k}`, evidence: '', impact: 'LOW' }) as Finding);
      const bounds = [...new Set([0, ...cuts.map((c) => Math.min(c, findings.length)), findings.length])].sort((a, b) => a - b);
      const parts = new TraceIndex(steps);
      const counts: number[] = [];
      parts.on('findingsChanged', (e) => counts.push(e.count));
      parts.setFindings(findings.slice(0, bounds[1] ?? 0));
      for (let k = 1; k + 1 < bounds.length; k++) parts.addFindings(findings.slice(bounds[k], bounds[k + 1]));
      const whole = new TraceIndex(steps, findings);
      assert.deepEqual(snapshot(parts), snapshot(whole));
      assert.deepEqual([...parts.withFindings()], [...whole.withFindings()]);
      assert.equal(counts[counts.length - 1], findings.length);
    }), { seed: 11, numRuns: 300 });
  });

  it('refuses an append that does not continue the decision order, and changes nothing', () => {
    const steps = stepsFrom([{ up: 0, error: false, name: 'a' }, { up: 0, error: false, name: 'b' }, { up: 1, error: false, name: 'c' }]);
    // s0 > s1, s0 > s2: a new child of s1 would belong before s2, not at the end.
    const index = new TraceIndex(steps);
    const before = snapshot(index);
    const lateChild: Step = { ...steps[2], id: 'late', parentId: 's1', index: 3, depth: 2 };
    assert.equal(index.append([lateChild]), false);
    assert.equal(index.append([{ ...steps[2], id: 'gap', parentId: null, index: 5 }]), false, 'an index that is not the next position');
    assert.equal(index.append([{ ...steps[2], index: 3 }]), false, 'an id the index has');
    // A taken id after steps that were fine: those are taken back too.
    const fresh = (id: string, at: number, parentId: string | null): Step => ({ ...steps[2], id, parentId, index: at, depth: parentId ? 1 : 0 });
    assert.equal(index.append([fresh('n1', 3, 's0'), fresh('n2', 4, 'n1'), fresh('s1', 5, null)]), false, 'an id the index has, after new steps');
    assert.equal(index.append([fresh('n1', 3, null), fresh('n1', 4, null)]), false, 'the same id twice in one append');
    assert.deepEqual(snapshot(index), before);
    assert.equal(index.append([fresh('n1', 3, 's0')]), true, 'the ids taken back are free again');
  });

  it('an appended step with an error status joins the failing set without new findings', () => {
    const index = new TraceIndex(stepsFrom([{ up: 0, error: false, name: 'a' }]));
    index.append(stepsFrom([{ up: 0, error: false, name: 'a' }, { up: 0, error: true, name: 'b' }]).slice(1));
    assert.deepEqual([...index.failing()], [1]);
  });

  it('replace resets the steps and tells its listeners', () => {
    const index = new TraceIndex(stepsFrom([{ up: 0, error: false, name: 'a' }]));
    const events: string[] = [];
    index.on('reset', (e) => events.push(`reset ${e.count}`));
    index.on('findingsChanged', () => events.push('findings'));
    index.replace(stepsFrom([{ up: 0, error: true, name: 'x' }, { up: 0, error: false, name: 'y' }]));
    assert.deepEqual(events, ['reset 2']);
    assert.deepEqual([...index.failing()], [0]);
    index.setFindings([]);
    assert.deepEqual(events, ['reset 2', 'findings']);
  });
});

describe('engine: TraceCursor', () => {
  // s0 (a) > s1 (b, error) > s2 (c); s0 > s3 (d); s4 (e, error) top level
  const steps = stepsFrom([
    { up: 0, error: false, name: 'a' }, { up: 0, error: true, name: 'b' }, { up: 0, error: false, name: 'c' },
    { up: 2, error: false, name: 'd' }, { up: 9, error: true, name: 'e' },
  ]);
  const findings = [{ stepId: 's3', category: 'RSN.PLAN', rule: 'x', evidence: '', impact: 'LOW' } as Finding];

  it('moves through the tree like a debugger', () => {
    const index = new TraceIndex(steps, findings);
    const c = new TraceCursor(index);
    const trail: (string | boolean)[] = [];
    const move = (name: string, ok: boolean): void => { trail.push(`${name}:${ok ? index.step(c.position).name : '-'}`); };
    move('firstChild', c.firstChild());
    move('firstChild', c.firstChild());
    move('firstChild', c.firstChild());
    move('parent', c.parent());
    move('nextSibling', c.nextSibling());
    move('nextSibling', c.nextSibling());
    move('previousSibling', c.previousSibling());
    move('parent', c.parent());
    move('nextSibling', c.nextSibling());
    move('previousSibling', c.previousSibling());
    move('previous', c.previous());
    move('next', c.next());
    assert.deepEqual(trail, [
      'firstChild:b', 'firstChild:c', 'firstChild:-', 'parent:b', 'nextSibling:d', 'nextSibling:-',
      'previousSibling:b', 'parent:a', 'nextSibling:e', 'previousSibling:a', 'previous:-', 'next:b',
    ]);
  });

  it('goes to failures, of a category when asked, and to steps by id', () => {
    const index = new TraceIndex(steps, findings);
    const c = new TraceCursor(index);
    const at = (): string => index.step(c.position).name;
    assert.ok(c.nextFailure()); assert.equal(at(), 'b');
    assert.ok(c.nextFailure()); assert.equal(at(), 'd');
    assert.ok(c.nextFailure()); assert.equal(at(), 'e');
    assert.equal(c.nextFailure(), false); assert.equal(at(), 'e');
    assert.ok(c.previousFailure(['RSN.PLAN'])); assert.equal(at(), 'd');
    assert.equal(c.previousFailure(['RSN.PLAN']), false);
    assert.ok(c.goto('s2')); assert.equal(at(), 'c');
    assert.equal(c.goto('nope'), false); assert.equal(at(), 'c');
    assert.equal(c.goto(99), false);
  });

  it('goes to peers: the next and previous step of the same kind and name, a tool call by its tool', () => {
    const tool = (id: number, name: string, toolName?: string): Step => ({
      id: `p${id}`, parentId: null, index: id, depth: 0, kind: 'tool', name, startTime: null, endTime: null, status: 'ok', attributes: {},
      ...(toolName ? { toolCall: { name: toolName, arguments: {} } } : {}),
    });
    const model = (id: number, name: string): Step => ({ ...tool(id, name), kind: 'llm' });
    // bash by span name at 0, by tool name at 3 (named `execute_tool bash`), a model step named bash at 2.
    const index = new TraceIndex([tool(0, 'bash'), tool(1, 'grep'), model(2, 'bash'), tool(3, 'execute_tool bash', 'bash'), tool(4, 'grep'), tool(5, 'bash')]);
    const c = new TraceCursor(index);
    const trail: number[] = [];
    while (c.nextPeer()) trail.push(c.position);
    assert.deepEqual(trail, [3, 5], 'tool calls of bash, not the model step named bash');
    assert.ok(c.previousPeer()); assert.equal(c.position, 3);
    assert.equal(findPeer(index, 2, 'next'), undefined, 'a model step has no other model step for a peer');
    assert.equal(findPeer(index, 1, 'previous'), undefined);
    assert.equal(findPeer(index, 1, 'next'), 4);
    assert.equal(findPeer(index, 0, 'next', (i) => i !== 3), 5, 'only the positions the view accepts');
    assert.equal(findPeer(index, 99, 'next'), undefined);
  });

  it('keeps its step by id when the index is replaced, or the nearest position when the step is gone', () => {
    const index = new TraceIndex(steps);
    const c = new TraceCursor(index, 2);
    index.replace([{ ...steps[0], id: 'new', index: 0 }, ...steps.map((s) => ({ ...s, index: s.index + 1 }))]);
    assert.equal(index.step(c.position).id, 's2');
    index.replace(steps.slice(0, 2));
    assert.equal(c.position, 1);
    c.dispose();
  });
});
