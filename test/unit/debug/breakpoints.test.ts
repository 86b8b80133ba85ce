/**
 * Breakpoint matching for the trace debugger (src/core/debug/breakpoints.ts), in plain Node:
 * exception filters by taxonomy category (nesting, TRAIL names, conditions), function and line
 * breakpoints, hit conditions, logpoints, conditions that fail at run time; then a real TRAIL
 * trace from ../shared/traces, where each category filter must stop at the steps humans and
 * detectors put in that category, and line breakpoints resolve to the innermost span.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { analyzeFile, detectOptionsFor } from '../../../src/core/analyze';
import { shownFindingCategory } from '../../../src/core/annotations/finding-review';
import { compileExpression } from '../../../src/core/debug/expression';
import { ALL_FAILURES_FILTER, BreakpointSet, exceptionFilters, parseHitCondition, TAGGED_FILTER } from '../../../src/core/debug/breakpoints';
import type { StepScopeSource } from '../../../src/core/debug/step-scope';
import type { Finding } from '../../../src/core/detect';
import { isStepErrorLabel } from '../../../src/core/model/labels';
import type { Step, Trace } from '../../../src/core/model/schema';
import { DEFAULT_TAXONOMY, MAST_TAXONOMY, TRAIL_TAXONOMY, type Taxonomy } from '../../../src/core/taxonomy';
import { sharedPath } from '../../support/shared';

function step(i: number, over: Partial<Step> = {}): Step {
  return { id: `s${i}`, parentId: null, index: i, depth: 0, kind: 'llm', name: `step${i}`, startTime: null, endTime: null, status: 'ok', attributes: {}, ...over };
}

/**
 * 0 agent planner; 1 llm decide; 2 tool search (ok); 3 tool fetch_url (error, TOOL.TIMEOUT);
 * 4 llm decide (OUT.FORMAT finding); 5 tool search (human tag TOOL.EMPTY_RESULT); 6 agent writer;
 * 7 tool search (error, no finding); 8 llm final.
 */
function synthetic(): StepScopeSource {
  const steps: Step[] = [
    step(0, { kind: 'agent', name: 'planner' }),
    step(1, { parentId: 's0', depth: 1, name: 'decide', usage: { outputTokens: 1200 } }),
    step(2, { parentId: 's0', depth: 1, kind: 'tool', name: 'search', toolCall: { name: 'search', arguments: { q: 'a' } }, startTime: 0, endTime: 40 }),
    step(3, { parentId: 's0', depth: 1, kind: 'tool', name: 'fetch_url', status: 'error', toolCall: { name: 'fetch_url', arguments: {} }, error: { type: 'TimeoutError', message: 'timed out\nafter 30s' } }),
    step(4, { parentId: 's0', depth: 1, name: 'decide', usage: { outputTokens: 50 } }),
    step(5, { parentId: 's0', depth: 1, kind: 'tool', name: 'search', toolCall: { name: 'search', arguments: { q: 'b' } }, startTime: 100, endTime: 350 }),
    step(6, { kind: 'agent', name: 'writer' }),
    step(7, { parentId: 's6', depth: 1, kind: 'tool', name: 'search', status: 'error', toolCall: { name: 'search', arguments: { q: 'c' } }, error: { message: 'HTTP 500' } }),
    step(8, { parentId: 's6', depth: 1, name: 'final' }),
  ];
  const findings: Record<number, Finding[]> = {
    3: [{ stepId: 's3', category: 'TOOL.TIMEOUT', rule: 'tool-error', evidence: 'TimeoutError: timed out' }],
    4: [{ stepId: 's4', category: 'OUT.FORMAT', rule: 'format-rejected', evidence: 'could not parse' }],
  };
  const tags: Record<number, { category: string; note?: string }[]> = { 5: [{ category: 'TOOL.EMPTY_RESULT', note: 'nothing came back' }] };
  return { steps, findingsAt: (i) => findings[i] ?? [], tagsAt: (i) => tags[i] ?? [] };
}

/** Continue from `from` to the end (or back to the start), as the runtime does: every stop, and every log line. */
function run(set: BreakpointSet, source: StepScopeSource, direction: 'forward' | 'backward' = 'forward'): { stops: number[]; reasons: string[]; descriptions: string[]; ids: number[][]; logs: string[] } {
  const out = { stops: [] as number[], reasons: [] as string[], descriptions: [] as string[], ids: [] as number[][], logs: [] as string[] };
  const n = source.steps.length;
  for (let k = 0; k < n; k++) {
    const i = direction === 'forward' ? k : n - 1 - k;
    const r = set.check(source, i);
    out.logs.push(...r.logs.map((l) => `${i}: ${l}`));
    if (r.stop) {
      out.stops.push(i);
      out.reasons.push(r.stop.reason);
      out.descriptions.push(r.stop.description);
      out.ids.push(r.stop.hitBreakpointIds);
    }
  }
  return out;
}

describe('debugger breakpoints: exception filters by failure category', () => {
  it('lists All failures, Human-tagged steps, then every category with its children after it', () => {
    const filters = exceptionFilters(DEFAULT_TAXONOMY);
    assert.deepEqual(filters.slice(0, 2).map((f) => [f.filterId, f.label]), [[ALL_FAILURES_FILTER, 'All failures'], [TAGGED_FILTER, 'Human-tagged steps']]);
    const ids = filters.map((f) => f.filterId);
    assert.equal(ids.length, 2 + DEFAULT_TAXONOMY.categories.length);
    assert.ok(ids.indexOf('TOOL') < ids.indexOf('TOOL.TIMEOUT') && ids.indexOf('TOOL.TIMEOUT') < ids.indexOf('ORCH'));
    const timeout = filters.find((f) => f.filterId === 'TOOL.TIMEOUT')!;
    assert.equal(timeout.label, 'Tool invocation and execution › Tool timeout (TOOL.TIMEOUT)');
    assert.ok(filters.every((f) => f.supportsCondition === true && f.conditionDescription.length > 0));
    assert.deepEqual(filters.filter((f) => f.default).map((f) => f.filterId), [ALL_FAILURES_FILTER]);
  });

  it('uses TRAIL and MAST names and codes when that taxonomy is active', () => {
    const trail = exceptionFilters(TRAIL_TAXONOMY);
    assert.ok(trail.some((f) => f.filterId === 'System Execution' && f.label === 'System Execution'));
    assert.ok(trail.some((f) => f.filterId === 'Timeout Issues' && f.label === 'Resource Management › Timeout Issues'));
    assert.equal(trail.length, 2 + TRAIL_TAXONOMY.categories.length);
    const mast = exceptionFilters(MAST_TAXONOMY);
    const leaf = MAST_TAXONOMY.categories.find((c) => c.parent !== undefined)!;
    const shown = mast.find((f) => f.filterId === leaf.id)!;
    assert.ok(shown.label.includes(leaf.name) && shown.label.includes(`(${leaf.id})`), shown.label);
  });

  it('All failures stops at error status, findings and tags; Human-tagged only at tags; a top-level category at its leaves', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    const results = set.setExceptionFilters([{ filterId: 'all' }]);
    assert.equal(results.length, 1);
    assert.equal(results[0].verified, true);
    let r = run(set, src);
    assert.deepEqual(r.stops, [3, 4, 5, 7]);
    assert.ok(r.reasons.every((x) => x === 'exception'));
    assert.equal(r.descriptions[0], 'Failure: Tool timeout (TOOL.TIMEOUT), rule tool-error: TimeoutError: timed out');
    assert.equal(r.descriptions[2], 'Tagged: Empty result (TOOL.EMPTY_RESULT): nothing came back');
    assert.equal(r.descriptions[3], 'Failure: HTTP 500', 'an error status without a finding says the error');
    assert.deepEqual(r.ids, [[results[0].id], [results[0].id], [results[0].id], [results[0].id]]);
    set.setExceptionFilters([{ filterId: 'tagged' }]);
    assert.deepEqual(run(set, src).stops, [5]);
    set.setExceptionFilters([{ filterId: 'TOOL' }]);
    assert.deepEqual(run(set, src).stops, [3, 5], 'TOOL matches TOOL.TIMEOUT and the tag TOOL.EMPTY_RESULT, not OUT.FORMAT');
    set.setExceptionFilters([{ filterId: 'OUT.FORMAT' }, { filterId: 'TOOL.TIMEOUT' }]);
    r = run(set, src);
    assert.deepEqual(r.stops, [3, 4]);
    set.setExceptionFilters([{ filterId: 'SYS' }]);
    assert.deepEqual(run(set, src).stops, []);
    set.setExceptionFilters([]);
    assert.deepEqual(run(set, src).stops, []);
  });

  it('a filter condition narrows it; a bad one is unverified with its message; an unknown filter id is unverified', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    const results = set.setExceptionFilters([
      { filterId: 'all', condition: 'tool == "search"' },
      { filterId: 'TOOL', condition: 'status == "error" &&' },
      { filterId: 'NOPE' },
    ]);
    assert.deepEqual(results.map((x) => x.verified), [true, false, false]);
    assert.equal(results[1].message, 'Condition "status == "error" &&": column 21: expected an operand after "&&"');
    assert.equal(results[2].message, 'no failure category "NOPE" in the taxonomy "Agent Trace Debugger (default)" (use all, tagged or a category id)');
    assert.deepEqual(run(set, src).stops, [5, 7]);
    assert.notEqual(results[0].id, results[1].id);
  });
});

describe('debugger breakpoints: function and line breakpoints', () => {
  it('function breakpoints stop on tool steps by tool name and on agent steps with agent:<name>', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    const results = set.setFunctionBreakpoints([{ name: 'search' }, { name: 'agent:writer' }], src);
    assert.ok(results.every((x) => x.verified));
    const r = run(set, src);
    assert.deepEqual(r.stops, [2, 5, 6, 7]);
    assert.ok(r.reasons.every((x) => x === 'breakpoint'));
    assert.deepEqual(r.ids, [[results[0].id], [results[0].id], [results[1].id], [results[0].id]]);
    assert.equal(r.descriptions[2], 'Breakpoint on agent writer');
    assert.equal(r.descriptions[0], 'Breakpoint on tool search');
  });

  it('a function breakpoint on a name no step has is unverified, saying so', () => {
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    const [tool, agent, empty] = set.setFunctionBreakpoints([{ name: 'nope' }, { name: 'agent:nobody' }, { name: '  ' }], synthetic());
    assert.equal(tool.verified, false);
    assert.match(tool.message!, /no call of a tool named "nope" in this trace/);
    assert.equal(agent.message, 'no agent step named "nobody" in this trace');
    assert.match(empty.message!, /needs a tool name/);
  });

  it('breakpoints take precedence over exception filters at the same step, and report every id that hit', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    set.setExceptionFilters([{ filterId: 'all' }]);
    const [a, b] = set.setFunctionBreakpoints([{ name: 'fetch_url' }, { name: 'fetch_url', condition: 'status == "error"' }]);
    const r = set.check(src, 3);
    assert.equal(r.stop?.reason, 'breakpoint');
    assert.deepEqual(r.stop?.hitBreakpointIds, [a.id, b.id]);
    assert.equal(set.check(src, 4).stop?.reason, 'exception');
  });

  it('a line breakpoint stops at the step covering it, moved to that step\'s first line; a line no step covers is unverified', () => {
    const src = synthetic();
    const ranges = src.steps.map((_, i) => (i === 8 ? undefined : { line: i * 10 + 1, endLine: i * 10 + 9 }));
    ranges[0] = { line: 1, endLine: 59 };
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    const results = set.setLineBreakpoints([{ line: 24 }, { line: 5 }, { line: 10 }, { line: 500 }, { line: 61 }], ranges);
    assert.deepEqual(results.map((x) => [x.verified, x.line]), [[true, 21], [true, 1], [true, 1], [false, undefined], [true, 61]]);
    assert.equal(results[3].message, 'no step of the trace covers line 500');
    const r = run(set, src);
    assert.deepEqual(r.stops, [0, 2, 6]);
    assert.deepEqual(r.ids[0], [results[1].id, results[2].id], 'two breakpoints inside the same step');
    assert.equal(r.descriptions[1], 'Breakpoint at line 24');
  });
});

describe('debugger breakpoints: conditions, hit counts and logpoints', () => {
  it('parses hit conditions as VS Code does', () => {
    const hits = (text: string): number[] => {
      const f = parseHitCondition(text);
      assert.equal(typeof f, 'function', String(f));
      return [1, 2, 3, 4, 5, 6].filter((h) => (f as (h: number) => boolean)(h));
    };
    assert.deepEqual(hits('3'), [3, 4, 5, 6]);
    assert.deepEqual(hits('>= 3'), [3, 4, 5, 6]);
    assert.deepEqual(hits('> 3'), [4, 5, 6]);
    assert.deepEqual(hits('== 3'), [3]);
    assert.deepEqual(hits('= 3'), [3]);
    assert.deepEqual(hits('=== 3'), [3]);
    assert.deepEqual(hits('< 3'), [1, 2]);
    assert.deepEqual(hits('<=3'), [1, 2, 3]);
    assert.deepEqual(hits(' % 2 '), [2, 4, 6]);
    for (const badText of ['x', '>= -1', '3 times', '% 0', '']) assert.equal(typeof parseHitCondition(badText), 'string', badText);
  });

  it('a condition on a function breakpoint; hit counts count only the hits whose condition holds', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    set.setFunctionBreakpoints([{ name: 'search', condition: 'durationMs > 100 || status == "error"' }]);
    assert.deepEqual(run(set, src).stops, [5, 7]);
    set.setFunctionBreakpoints([{ name: 'search', hitCondition: '2' }]);
    assert.deepEqual(run(set, src).stops, [5, 7], 'from the 2nd hit on');
    set.setFunctionBreakpoints([{ name: 'search', hitCondition: '== 2' }]);
    assert.deepEqual(run(set, src).stops, [5]);
    set.setFunctionBreakpoints([{ name: 'search', hitCondition: '% 2' }]);
    assert.deepEqual(run(set, src).stops, [5]);
    set.setFunctionBreakpoints([{ name: 'search', condition: 'status == "ok"', hitCondition: '== 2' }]);
    assert.deepEqual(run(set, src).stops, [5], 'the 2nd hit among the steps where the condition holds');
  });

  it('hit counts go on across continues and both directions, and survive VS Code sending the same breakpoint again', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    const [first] = set.setFunctionBreakpoints([{ name: 'search', hitCondition: '== 4' }]);
    assert.deepEqual(run(set, src).stops, [], '3 hits going forward');
    const [again] = set.setFunctionBreakpoints([{ name: 'search', hitCondition: '== 4' }, { name: 'fetch_url' }]);
    assert.equal(again.id, first.id, 'the same breakpoint keeps its id');
    assert.deepEqual(run(set, src, 'backward').stops, [7, 3], 'hit 4 is step 7 going back; fetch_url is new');
    const [changed] = set.setFunctionBreakpoints([{ name: 'search', hitCondition: '== 1' }]);
    assert.notEqual(changed.id, first.id);
    assert.deepEqual(run(set, src).stops, [2], 'a changed breakpoint counts from zero');
  });

  it('logpoints write lines and never stop; a failing part or condition shows in the line', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    const results = set.setFunctionBreakpoints([
      { name: 'search', logMessage: '{name} took {durationMs} ms', condition: 'durationMs != undefined' },
      { name: 'fetch_url', logMessage: 'x={name * 2}' },
      { name: 'agent:planner', logMessage: 'never', condition: 'name - 1' },
    ]);
    assert.ok(results.every((x) => x.verified));
    const lines = set.setLineBreakpoints([{ line: 85, logMessage: 'final: {kind} {{{index}}}' }], src.steps.map((_, i) => ({ line: i * 10 + 1, endLine: i * 10 + 9 })));
    assert.equal(lines[0].verified, true);
    const r = run(set, src);
    assert.deepEqual(r.stops, []);
    assert.deepEqual(r.logs, [
      '0: The condition "name - 1" could not be evaluated: column 6: "-" needs numbers, got a string and a number',
      '2: search took 40 ms',
      '3: x=<error: "*" needs numbers, got a string and a number>',
      '5: search took 250 ms',
      '8: final: llm {8}',
    ]);
  });

  it('a logpoint and a breakpoint at the same step: the line is written and the step stops', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    set.setFunctionBreakpoints([{ name: 'fetch_url', logMessage: 'at {index}' }, { name: 'fetch_url' }]);
    const r = set.check(src, 3);
    assert.deepEqual(r.logs, ['at 3']);
    assert.equal(r.stop?.reason, 'breakpoint');
  });

  it('bad conditions, hit conditions and log messages make the breakpoint unverified with a located message', () => {
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    const r = set.setFunctionBreakpoints([
      { name: 'search', condition: 'nmae == "x"' },
      { name: 'search', hitCondition: 'twice' },
      { name: 'search', logMessage: 'took {durationMs ms' },
      { name: 'search', condition: 'count(count(true))' },
    ]);
    assert.deepEqual(r.map((x) => x.verified), [false, false, false, false]);
    assert.match(r[0].message!, /^Condition "nmae == "x"": column 1: unknown name "nmae"/);
    assert.match(r[1].message!, /^Hit condition "twice" is not valid: use a number \(5\), ">= 3"/);
    assert.equal(r[2].message, 'Log message "took {durationMs ms": column 6: missing "}" after "{" (write "{{" for a brace)');
    assert.match(r[3].message!, /count\(\) cannot be used inside count\(\)/);
    assert.deepEqual(run(set, synthetic()).stops, [], 'unverified breakpoints never stop');
  });

  it('a condition that fails at run time stops, saying it failed and why, and does not throw', () => {
    const src = synthetic();
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    set.setFunctionBreakpoints([{ name: 'search', condition: 'arguments.q * 2 > 1' }]);
    const r = run(set, src);
    assert.deepEqual(r.stops, [2, 5, 7]);
    assert.equal(r.descriptions[0], 'The condition "arguments.q * 2 > 1" could not be evaluated: column 13: "*" needs numbers, got a string and a number');
    set.setFunctionBreakpoints([]);
    set.setExceptionFilters([{ filterId: 'all', condition: 'usage.outputTokens - "x"' }]);
    const e = run(set, src);
    assert.deepEqual(e.stops, [3, 4, 5, 7]);
    assert.ok(e.reasons.every((x) => x === 'exception'));
    assert.match(e.descriptions[0], /^The condition "usage.outputTokens - "x"" could not be evaluated: column 20: "-" needs numbers/);
  });

  it('conditions can use count() at every step without reading the trace again each time', () => {
    const base = synthetic();
    let reads = 0;
    const src: StepScopeSource = { ...base, steps: base.steps, findingsAt: (i) => { reads++; return base.findingsAt(i); }, tagsAt: base.tagsAt };
    const set = new BreakpointSet(DEFAULT_TAXONOMY);
    set.setFunctionBreakpoints([{ name: 'search', condition: 'count(len(findings) > 0) == 2' }]);
    assert.deepEqual(run(set, src).stops, [2, 5, 7]);
    assert.equal(reads, src.steps.length, 'one pass for the whole continue');
  });
});

describe('debugger breakpoints: property', () => {
  it('any condition, hit condition and log message: setting never throws, a breakpoint whose condition does not compile is unverified, and check never throws', () => {
    const src = synthetic();
    const pieces = ['kind', 'status', '==', '"error"', '&&', '||', '!', '(', ')', 'durationMs', '>', '100', '*', 'name', '=~', '/sea/', 'count(failing)', 'tags[0].note', ' '];
    const condition = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 20 }), fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((p) => p.join(' ')));
    const hit = fc.oneof(fc.constant(undefined), fc.constantFrom('1', '>= 2', '% 2', '== 3', 'x', '<1'));
    const log = fc.oneof(fc.constant(undefined), fc.constantFrom('{name}', '{durationMs * 2}', 'plain', '{', '{{}}'));
    fc.assert(fc.property(fc.array(fc.record({ name: fc.constantFrom('search', 'fetch_url', 'agent:writer'), condition, hitCondition: hit, logMessage: log }), { maxLength: 4 }), condition, (bps, filterCondition) => {
      const set = new BreakpointSet(DEFAULT_TAXONOMY);
      const specs = bps.map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as { name: string; condition?: string });
      const results = set.setFunctionBreakpoints(specs, src);
      results.forEach((r, k) => {
        const c = specs[k].condition;
        let compiles = true;
        try { if (c !== undefined && c.trim() !== '') compileExpression(c); } catch { compiles = false; }
        if (!compiles) assert.equal(r.verified, false, `${c} compiled as a breakpoint`);
      });
      set.setExceptionFilters([{ filterId: 'all', ...(filterCondition === undefined ? {} : { condition: filterCondition }) }]);
      for (let i = 0; i < src.steps.length; i++) {
        const r = set.check(src, i);
        assert.ok(Array.isArray(r.logs));
        if (r.stop) assert.ok(r.stop.description.length > 0 && r.stop.hitBreakpointIds.length > 0);
      }
    }), { numRuns: 500, seed: 3 });
  });
});

describe('debugger breakpoints on a real TRAIL trace (../shared/traces/trail)', function () {
  this.timeout(60_000);
  // 14 spans: 7 (agent "Step 1") and 9 (TextInspectorTool) failed; the detectors report Resource
  // Not Found on 9 and 11; the TRAIL annotators labelled 6, 11 and 13.
  const file = sharedPath('traces', 'trail', 'GAIA', 'traces', 'a96c6811716c0473b86a23321db79c34.json');
  let trace: Trace;
  let source: StepScopeSource;

  before(() => {
    const analysis = analyzeFile(file, detectOptionsFor(TRAIL_TAXONOMY)).analyses[0];
    trace = analysis.trace;
    source = runtimeSource(trace, analysis.findings, TRAIL_TAXONOMY);
  });

  /** The source as the debug runtime builds it: findings as the taxonomy shows them, imported labels as tags. */
  function runtimeSource(t: Trace, findings: readonly Finding[], taxonomy: Taxonomy): StepScopeSource {
    const position = new Map(t.steps.map((s, i) => [s.id, i]));
    const byStep = new Map<number, Finding[]>();
    for (const f of findings) {
      const i = position.get(f.stepId)!;
      byStep.set(i, [...(byStep.get(i) ?? []), { ...f, category: shownFindingCategory(f.category, taxonomy), defaultCategory: f.category } as Finding]);
    }
    const tags = new Map<number, { category: string; note: string }[]>();
    for (const l of t.labels) {
      if (!isStepErrorLabel(l)) continue;
      const i = position.get(l.stepId)!;
      tags.set(i, [...(tags.get(i) ?? []), { category: taxonomy.get(l.category)?.id ?? l.category, note: `${l.scheme} label` }]);
    }
    return { steps: t.steps, findingsAt: (i) => byStep.get(i) ?? [], tagsAt: (i) => tags.get(i) ?? [] };
  }

  function stopsFor(filterId: string, condition?: string): number[] {
    const set = new BreakpointSet(TRAIL_TAXONOMY);
    const [r] = set.setExceptionFilters([{ filterId, ...(condition ? { condition } : {}) }]);
    assert.equal(r.verified, true, `${filterId}: ${r.message}`);
    return run(set, source).stops;
  }

  it('the trace is the one these expectations were read from', () => {
    assert.equal(trace.steps.length, 14);
    assert.deepEqual(trace.steps.flatMap((s, i) => (s.status === 'error' ? [i] : [])), [7, 9]);
    assert.equal(trace.steps[9].name, 'TextInspectorTool');
  });

  it('each TRAIL category filter stops at the steps under it, a root at all its leaves', () => {
    const expected: Record<string, number[]> = {
      all: [6, 7, 9, 11, 13],
      tagged: [6, 11, 13],
      'System Execution': [9, 11], // Resource Not Found findings (9, 11) and an Environment Setup label (11)
      'API Issues': [9, 11],
      'Resource Not Found': [9, 11],
      Configuration: [11],
      'Environment Setup Errors': [11],
      Reasoning: [6, 11], // Instruction Non-compliance (6); Language-only, Poor Information Retrieval (11)
      'Output Generation': [6],
      'Information Processing': [11],
      'Planning & Coordination': [13], // Goal Deviation
      'Goal Deviation': [13],
      'Timeout Issues': [],
      'Resource Management': [],
    };
    for (const [filterId, stops] of Object.entries(expected)) assert.deepEqual(stopsFor(filterId), stops, filterId);
  });

  it('a condition narrows a category filter; the stop says which failure it is', () => {
    assert.deepEqual(stopsFor('System Execution', 'kind == "tool"'), [9]);
    assert.deepEqual(stopsFor('all', 'kind == "llm"'), [6, 11, 13]);
    const set = new BreakpointSet(TRAIL_TAXONOMY);
    set.setExceptionFilters([{ filterId: 'API Issues' }]);
    const stop = set.check(source, 9).stop!;
    assert.equal(stop.reason, 'exception');
    assert.equal(stop.filterId, 'API Issues');
    assert.match(stop.description, /^Failure: Resource Not Found, rule /);
  });

  it('function breakpoints on its tools and agents', () => {
    const set = new BreakpointSet(TRAIL_TAXONOMY);
    const results = set.setFunctionBreakpoints([{ name: 'inspect_file_as_text' }, { name: 'agent:Step 2' }, { name: 'final_answer', condition: 'status == "ok"' }], source);
    assert.ok(results.every((x) => x.verified), JSON.stringify(results));
    assert.deepEqual(run(set, source).stops, [9, 10, 12]);
  });

  it('line breakpoints resolve to the innermost span covering the line, in the file as it is', () => {
    const ranges = trace.steps.map((s) => (s.location ? { line: s.location.line, endLine: s.location.endLine } : undefined));
    const inside = (i: number): number => ranges[i]!.line + 1;
    const set = new BreakpointSet(TRAIL_TAXONOMY);
    const results = set.setLineBreakpoints([{ line: inside(9) }, { line: inside(8) }, { line: ranges[0]!.endLine + 10 }, { line: 1 }], ranges);
    assert.deepEqual(results.map((x) => [x.verified, x.line]), [[true, ranges[9]!.line], [true, ranges[8]!.line], [false, undefined], [false, undefined]]);
    // Every span's own first line resolves to that span or to a child starting on the same line.
    for (let i = 0; i < ranges.length; i++) {
      const [r] = new BreakpointSet(TRAIL_TAXONOMY).setLineBreakpoints([{ line: ranges[i]!.line }], ranges);
      assert.equal(r.line, ranges[i]!.line, `step ${i}`);
    }
    assert.deepEqual(run(set, source).stops, [8, 9]);
  });
});
