/**
 * The trace debugger's runtime (src/core/debug/runtime.ts) in plain Node: every move in both
 * directions on a real nested TRAIL trace and on a generated run, breakpoints met on the way
 * (exception filters by category, function and line breakpoints, hit counts, logpoints), the
 * stack, exception info, goto and restart frame, and the cost of a continue (checks per step).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detect } from '../../../src/core/detect';
import { TraceDebugRuntime, LaunchError, launchHeapNeeded, type StoppedInfo } from '../../../src/core/debug/runtime';
import { stepScopes, VariableStore } from '../../../src/core/debug/variables';
import { DEFAULT_TAXONOMY, TRAIL_TAXONOMY } from '../../../src/core/taxonomy';
import { generateTrace, generateTraceModel } from '../../support/generate-traces';
import { sharedPath } from '../../support/shared';
import { stepGist } from '../../../src/core/analysis/step-gist';

/** A GAIA run from TRAIL: main > answer_single_question > CodeAgent.run > Step 1 > ToolCallingAgent.run > Step n > llm, tool (46 steps, depth 6), with TRAIL labels. */
const TRAIL_FILE = sharedPath('traces', 'trail', 'GAIA', 'traces', '2cb6924caac94b32d2bf4b40bdf4ab51.json');

interface Recorded {
  stops: StoppedInfo[];
  logs: string[];
  terminated: number;
}

function record(rt: TraceDebugRuntime): Recorded {
  const r: Recorded = { stops: [], logs: [], terminated: 0 };
  rt.on('stopped', (s) => r.stops.push(s));
  rt.on('output', (o) => r.logs.push(o.text));
  rt.on('terminated', () => r.terminated++);
  return r;
}

/** The step a runtime is at, as `<kind> <name>` and position, to read assertions against the tree. */
function at(rt: TraceDebugRuntime): string {
  return `${rt.position} ${rt.step.kind} ${rt.step.name}`;
}

function launchTrail(): { rt: TraceDebugRuntime; rec: Recorded } {
  const { runtime: rt } = TraceDebugRuntime.launch({ trace: TRAIL_FILE, taxonomy: 'trail' });
  return { rt, rec: record(rt) };
}

/** The position of the n-th step (0-based) named `name` whose parent is named `parent`, read from the trace itself. */
function find(rt: TraceDebugRuntime, pred: (i: number) => boolean, nth = 0): number {
  let seen = 0;
  for (let i = 0; i < rt.length; i++) if (pred(i) && seen++ === nth) return i;
  throw new Error('no such step in the trace');
}

describe('debug runtime: a real TRAIL trace', () => {
  it('loads the trace, its findings under TRAIL and its imported labels as tags', () => {
    const { rt } = launchTrail();
    assert.equal(rt.length, 46);
    assert.equal(rt.taxonomy.id, 'trail');
    const labelled = rt.index.steps.filter((s) => rt.source.tagsAt(s.index).length > 0).map((s) => s.index);
    assert.ok(labelled.length >= 5, `TRAIL labels bind to steps (got ${labelled.length})`);
    const toolErrors = rt.index.steps.filter((s) => s.kind === 'tool' && s.status === 'error');
    assert.ok(toolErrors.length >= 3, 'the PageDown failures are in the trace');
    for (const s of toolErrors) assert.ok(rt.findingsAt(s.index).some((f) => f.rule === 'tool-error'), `tool-error finding on ${s.index}`);
  });

  it('stepIn and stepInBack walk decision order one step at a time, both ways', () => {
    const { rt, rec } = launchTrail();
    rt.start(true);
    assert.deepEqual(rec.stops.map((s) => [s.reason, s.position]), [['entry', 0]]);
    for (let i = 1; i < 10; i++) {
      rt.stepIn();
      assert.equal(rt.position, i);
      assert.equal(rec.stops.at(-1)?.reason, 'step');
    }
    for (let i = 8; i >= 0; i--) {
      rt.stepInBack();
      assert.equal(rt.position, i);
    }
    assert.equal(rec.stops.at(-1)?.reason, 'step');
    rt.stepInBack();
    assert.equal(rt.position, 0);
    assert.equal(rec.stops.at(-1)?.reason, 'entry', 'nowhere further back: the entry');
  });

  it('stepOver goes to the next decision at the same depth, else the parent\'s next; stepBack reverses it', () => {
    const { rt, rec } = launchTrail();
    rt.start(true);
    // The inner agent's turns: Step 1..Step 9 under ToolCallingAgent.run.
    const inner = find(rt, (i) => rt.index.step(i).name === 'ToolCallingAgent.run');
    const turns = rt.index.steps.filter((s) => rt.index.parentOf(s.index) === inner).map((s) => s.index);
    assert.ok(turns.length >= 10, 'the inner agent has llm calls and turns as children');
    rt.goto(turns[0]);
    for (const next of turns.slice(1)) {
      rt.stepOver();
      assert.equal(rt.position, next, `stepOver from a child of the inner agent reaches its next sibling (${at(rt)})`);
      assert.equal(rec.stops.at(-1)?.reason, 'step');
    }
    // The last child has no next sibling: stepOver continues at the parent's next decision.
    rt.stepOver();
    assert.equal(rt.position, rt.index.subtreeEndOf(inner), 'after the last child: the parent\'s next decision');
    assert.equal(rt.index.parentOf(rt.position), rt.index.parentOf(rt.index.parentOf(inner)), 'one level up (the outer agent\'s next turn)');
    // Back: stepBack from a sibling goes to the previous sibling, from a first child to the parent.
    rt.goto(turns.at(-1)!);
    for (const prev of turns.slice(0, -1).reverse()) {
      rt.stepBack();
      assert.equal(rt.position, prev, `stepBack reaches the previous sibling (${at(rt)})`);
    }
    rt.stepBack();
    assert.equal(rt.position, inner, 'stepBack from the first child reaches the parent');
    rt.goto(0);
    rt.stepBack();
    assert.equal(rt.position, 0);
    assert.equal(rec.stops.at(-1)?.reason, 'entry');
  });

  it('stepOut goes to the parent\'s next decision; stepOutBack to the parent', () => {
    const { rt } = launchTrail();
    rt.start(true);
    const tool = find(rt, (i) => rt.index.step(i).kind === 'tool' && rt.index.step(i).status === 'error');
    const turn = rt.index.parentOf(tool);
    const llm = tool - 1;
    assert.equal(rt.index.parentOf(llm), turn, 'an llm call then its tool call inside one turn');
    rt.goto(llm);
    rt.stepOut();
    assert.equal(rt.position, rt.index.subtreeEndOf(turn), 'out of the turn: the turn\'s next sibling');
    rt.goto(tool);
    rt.stepOutBack();
    assert.equal(rt.position, turn, 'stepOutBack: the parent');
    rt.stepOutBack();
    assert.equal(rt.position, rt.index.parentOf(turn));
  });

  it('stepIn from a step with children enters its first child (the model call inside an agent turn)', () => {
    const { rt } = launchTrail();
    rt.start(true);
    const turn = find(rt, (i) => rt.index.step(i).kind === 'agent' && rt.index.step(i).name === 'Step 6');
    rt.goto(turn);
    rt.stepIn();
    assert.equal(rt.position, turn + 1);
    assert.equal(rt.index.parentOf(rt.position), turn);
    assert.equal(rt.step.kind, 'llm');
  });

  it('continue and reverseContinue stop at each step of a TRAIL category filter, then terminate / stop on entry', () => {
    const { rt, rec } = launchTrail();
    rt.start(true);
    assert.deepEqual(rt.setExceptionFilters([{ filterId: 'Tool-related' }]).map((r) => r.verified), [true]);
    const expected = rt.index.steps.filter((s) => rt.source.tagsAt(s.index).some((t) => t.category === 'Tool-related') || rt.findingsAt(s.index).some((f) => f.category === 'Tool-related')).map((s) => s.index);
    assert.ok(expected.length >= 3);
    for (const i of expected) {
      rt.continue();
      assert.equal(rt.position, i);
      const stop = rec.stops.at(-1)!;
      assert.equal(stop.reason, 'exception');
      assert.equal(stop.filterId, 'Tool-related');
      assert.match(stop.description ?? '', /Tool-related/);
    }
    for (const i of expected.slice(0, -1).reverse()) {
      rt.reverseContinue();
      assert.equal(rt.position, i, 'reverseContinue meets the same stops backwards');
      assert.equal(rec.stops.at(-1)?.reason, 'exception');
    }
    rt.reverseContinue();
    assert.equal(rt.position, 0);
    assert.equal(rec.stops.at(-1)?.reason, 'entry');
    rt.goto(expected.at(-1)!);
    rt.continue();
    assert.equal(rec.terminated, 1, 'no stop after the last one: the replay ends');
    assert.equal(rt.terminated, true);
    const stops = rec.stops.length;
    rt.stepIn();
    assert.equal(rec.stops.length, stops, 'nothing moves after the end');
  });

  it('a step move stops early at a breakpoint it passes over, as a debugger stepping over a call does', () => {
    const { rt, rec } = launchTrail();
    rt.start(true);
    rt.setExceptionFilters([{ filterId: 'all' }]);
    const firstFailure = rt.soFar(rt.length - 1).failures.list[0];
    rt.stepOver(); // over the whole run (main): stops at the first failure inside it
    assert.equal(rt.position, firstFailure);
    assert.equal(rec.stops.at(-1)?.reason, 'exception');
  });

  it('a session the user stopped has no failure to break at: the calls the user declined are passed over', () => {
    // Claude Code: the user declined the first two calls (error status, no finding: user-stop.ts).
    const { runtime: rt } = TraceDebugRuntime.launch({ trace: sharedPath('traces', 'claude-code', 'short.jsonl') });
    const rec = record(rt);
    assert.deepEqual(rt.index.steps.filter((s) => s.status === 'error').map((s) => s.name), ['Bash', 'Glob']);
    rt.start(true);
    rt.setExceptionFilters([{ filterId: 'all' }]);
    assert.deepEqual(rt.soFar(rt.length - 1).failures.list, []);
    rt.continue();
    assert.deepEqual(rec.stops.filter((s) => s.reason === 'exception'), []);
    assert.equal(rec.terminated, 1);
  });

  it('exception info at a failing tool call: category, rule, evidence, error type and message', () => {
    const { rt } = launchTrail();
    rt.start(true);
    rt.setExceptionFilters([{ filterId: 'Formatting Errors' }]);
    rt.continue();
    const info = rt.exceptionInfo();
    assert.ok(info, `a failure at ${at(rt)}`);
    assert.equal(info.exceptionId, 'Formatting Errors');
    assert.match(info.description, /Formatting Errors \(rule [\w-]+\)/);
    const tool = find(rt, (i) => rt.index.step(i).kind === 'tool' && rt.index.step(i).status === 'error');
    rt.goto(tool);
    const toolInfo = rt.exceptionInfo()!;
    assert.equal(toolInfo.errorMessage, rt.step.error?.message);
    assert.match(toolInfo.description, /rule tool-error/);
    rt.goto(0);
    assert.equal(rt.exceptionInfo(), undefined, 'the root has no failure');
  });

  it('function breakpoints with a hit count, line breakpoints and logpoints', () => {
    const { rt, rec } = launchTrail();
    rt.start(true);
    const pageDowns = rt.index.steps.filter((s) => s.kind === 'tool' && s.name === 'PageDownTool').map((s) => s.index);
    assert.ok(pageDowns.length >= 3);
    const [fb] = rt.setFunctionBreakpoints([{ name: 'PageDownTool', hitCondition: '2' }]);
    assert.equal(fb.verified, true);
    rt.continue();
    assert.equal(rt.position, pageDowns[1], 'the hit condition skips the first call');
    assert.equal(rec.stops.at(-1)?.reason, 'breakpoint');
    assert.deepEqual(rec.stops.at(-1)?.hitBreakpointIds, [fb.id]);
    assert.deepEqual(rt.setFunctionBreakpoints([{ name: 'NoSuchTool' }]).map((r) => r.verified), [false], 'a tool the trace never calls is unverified');

    rt.setFunctionBreakpoints([]);
    const target = find(rt, (i) => rt.index.step(i).name === 'Step 8');
    const loc = rt.index.step(target).location!;
    const [lb, nowhere] = rt.setLineBreakpoints([{ line: loc.line + 1 }, { line: 1 }]);
    assert.equal(lb.verified, true);
    assert.equal(lb.line, loc.line, 'moved to the first line of the step that covers it');
    assert.equal(nowhere.verified, false);
    rt.goto(0);
    rt.continue();
    assert.equal(rt.position, target);
    assert.equal(rec.stops.at(-1)?.reason, 'breakpoint');

    rt.setLineBreakpoints([]);
    rt.setFunctionBreakpoints([{ name: 'PageDownTool', logMessage: '{name} failed: {status}' }]);
    rt.goto(0);
    const before = rec.logs.length;
    rt.continue();
    assert.deepEqual(rec.logs.slice(before), pageDowns.map(() => 'PageDownTool failed: error\n'), 'a logpoint writes at every call and never stops');
    assert.equal(rec.terminated, 1);
  });

  it('goto by position and stable id, restartFrame to an enclosing frame, and the call stack innermost first', () => {
    const { rt, rec } = launchTrail();
    rt.start(true);
    const tool = find(rt, (i) => rt.index.step(i).kind === 'tool' && rt.index.step(i).status === 'error');
    rt.goto(rt.index.step(tool).id);
    assert.equal(rt.position, tool);
    assert.equal(rec.stops.at(-1)?.reason, 'goto');
    const { frames, total } = rt.stack();
    assert.equal(total, rt.step.depth + 1);
    assert.equal(frames[0].position, tool);
    assert.equal(stepGist(rt.wholeStep(tool)), undefined, 'the failing call passed an empty argument: nothing to tell');
    assert.equal(frames[0].name, `tool ${rt.step.name}`);
    const search = find(rt, (i) => rt.index.step(i).name === 'SearchInformationTool');
    assert.equal(rt.stack(search).frames[0].name, "tool SearchInformationTool · James's channel season 4 Cheater Cheater Beater CFM test details", "a call's frame has its gist");
    assert.equal(frames.at(-1)?.name, 'other main');
    for (let k = 1; k < frames.length; k++) assert.equal(frames[k].position, rt.index.parentOf(frames[k - 1].position));
    assert.deepEqual(rt.stack(tool, 1, 2).frames.map((f) => f.position), frames.slice(1, 3).map((f) => f.position), 'paged');
    rt.restartFrame(frames[2].position);
    assert.equal(rt.position, frames[2].position);
    assert.equal(rec.stops.at(-1)?.reason, 'restart');
    assert.throws(() => rt.restartFrame(tool), /not a frame/);
    assert.throws(() => rt.goto('no-such-step'), /no step with id "no-such-step"/);
    assert.throws(() => rt.goto(10_000), /no step at position 10000/);
  });

  it('goto targets for a line of the raw file, innermost first; evaluate at a step', () => {
    const { rt } = launchTrail();
    const tool = find(rt, (i) => rt.index.step(i).kind === 'tool' && rt.index.step(i).status === 'error');
    const loc = rt.index.step(tool).location!;
    const targets = rt.gotoTargets(loc.line + 1);
    assert.equal(targets[0].position, tool);
    assert.deepEqual(targets.slice(1).map((t) => t.position), rt.stack(tool).frames.slice(1).filter((f) => f.location).map((f) => f.position));
    rt.start(true);
    assert.equal(rt.evaluate('name', tool), rt.index.step(tool).name);
    assert.equal(rt.evaluate('status == "error"', tool), true);
  });

  it('variables: the scopes of a failing tool call, lazily expanded and paged', () => {
    const { rt } = launchTrail();
    const tool = find(rt, (i) => rt.index.step(i).kind === 'tool' && rt.index.step(i).status === 'error');
    const store = new VariableStore();
    const scopes = stepScopes(rt, tool);
    const names = scopes.map((s) => s.name);
    for (const n of ['Step', 'Error', 'Findings', 'Tags and corrections', 'So far']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    const stepVars = store.variables(store.ref(scopes[0].group));
    assert.equal(stepVars.find((v) => v.name === 'status')?.value, '"error"');
    assert.equal(stepVars.find((v) => v.name === 'kind')?.evaluateName, 'kind');
    const soFar = store.variables(store.ref(scopes.find((s) => s.name === 'So far')!.group));
    const failures = soFar.find((v) => v.name === 'failures')!;
    assert.ok(failures.indexedVariables! >= 1);
    const page = store.variables(failures.variablesReference, 'indexed', 0, 1);
    assert.equal(page.length, 1);
    assert.match(page[0].name, /^#\d+ /);
    store.reset();
    assert.throws(() => store.variables(failures.variablesReference), /not valid now/);
  });

  it('launch errors name the argument at fault', () => {
    assert.throws(() => TraceDebugRuntime.launch({ trace: '/no/such/trace.json' }), (e: unknown) => e instanceof LaunchError && e.argument === 'trace' && /no such file/.test(e.message));
    assert.throws(() => TraceDebugRuntime.launch({ trace: TRAIL_FILE, traceIndex: 3 }), (e: unknown) => e instanceof LaunchError && e.argument === 'traceIndex' && /no trace 3/.test(e.message));
    assert.throws(() => TraceDebugRuntime.launch({ trace: TRAIL_FILE, taxonomy: 'nonsense' }), (e: unknown) => e instanceof LaunchError && e.argument === 'taxonomy');
    assert.throws(() => TraceDebugRuntime.launch({ trace: TRAIL_FILE, traceKey: 'no-such-run' }), (e: unknown) => e instanceof LaunchError && e.argument === 'traceKey' && /has no run with the key "no-such-run"/.test(e.message));
  });

  it('a launch is refused when the heap left is under what its file is taken to need, and goes ahead at that', () => {
    const size = statSync(TRAIL_FILE).size;
    const needed = launchHeapNeeded(size);
    assert.throws(
      () => TraceDebugRuntime.launch({ trace: TRAIL_FILE, taxonomy: 'trail', heapAvailableBytes: needed - 1 }),
      (e: unknown) => e instanceof LaunchError && e.argument === 'trace' && /is too large to debug: loading this file \(\d+ MB\) takes about \d+ MB of memory, and the debugger has \d+ MB/.test(e.message),
    );
    assert.equal(TraceDebugRuntime.launch({ trace: TRAIL_FILE, taxonomy: 'trail', heapAvailableBytes: needed }).runtime.index.steps.length, 46);
  });

  it('takes a 10^6-step file to need what was measured, with a margin, not more than a debug worker has on a 16 GB machine', () => {
    const MB = 2 ** 20;
    // Measured (runtime.ts), held without payloads: 1.4 GB of agent-trace/v1 lines load in a 600 MB heap, 1.9 GB of OTLP in 700 MB.
    assert.ok(launchHeapNeeded(1_426 * MB) >= 600 * MB && launchHeapNeeded(1_426 * MB) <= 2 * 1024 * MB);
    assert.ok(launchHeapNeeded(1_824 * MB) >= 700 * MB && launchHeapNeeded(1_824 * MB) <= 2 * 1024 * MB);
    // At 10^5 steps: 560 MB for 136 MB of lines, 900 MB for a 182 MB OTLP document (smallest heaps that loaded them).
    assert.ok(launchHeapNeeded(136 * MB) >= 560 * MB && launchHeapNeeded(182 * MB) >= 900 * MB);
  });

  it('traceKey picks a run of a file of several by its own id, #k for a repeat', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-debug-key-'));
    try {
      const file = join(dir, 'runs.trace.jsonl');
      const run = (title: string, tool: string): string => [
        { type: 'trace', format: 'agent-trace/v1', id: 'same', title },
        { type: 'step', id: 's1', kind: 'tool', name: tool, toolCall: { id: 'c', name: tool, arguments: {} } },
      ].map((l) => JSON.stringify(l)).join('\n');
      writeFileSync(file, `${run('first', 'search')}\n${run('second', 'fetch')}\n`);
      const { runtime } = TraceDebugRuntime.launch({ trace: file, traceKey: 'same#2' });
      assert.equal(runtime.trace.title, 'second');
      assert.equal(runtime.trace.source.traceKey, 'same#2');
      assert.equal(TraceDebugRuntime.launch({ trace: file, traceKey: 'same' }).runtime.trace.title, 'first');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('debug runtime: a generated run', () => {
  function generated(steps: number, failEvery: number): TraceDebugRuntime {
    const trace = generateTraceModel({ steps, fanout: 5, failEvery });
    return new TraceDebugRuntime(trace, detect(trace), DEFAULT_TAXONOMY, '/generated.jsonl');
  }

  it('every move, both directions, over flat turns (agent > llm, tools)', () => {
    const rt = generated(50, 3);
    const rec = record(rt);
    rt.start(true);
    assert.equal(at(rt), '0 agent turn 1');
    rt.stepOver();
    assert.equal(at(rt), '5 agent turn 2', 'over a turn: the next turn');
    rt.stepIn();
    assert.equal(rt.position, 6);
    rt.stepOver();
    assert.equal(rt.position, 7, 'between siblings');
    rt.stepOut();
    assert.equal(at(rt), '10 agent turn 3');
    rt.stepBack();
    assert.equal(rt.position, 5);
    rt.stepIn();
    rt.stepIn();
    rt.stepOutBack();
    assert.equal(rt.position, 5);
    rt.stepInBack();
    assert.equal(rt.position, 4);
    rt.setExceptionFilters([{ filterId: 'all', condition: 'kind == "tool"' }]);
    const failing = rt.index.steps.filter((s) => s.status === 'error').map((s) => s.index);
    rt.goto(0);
    for (const i of failing) {
      rt.continue();
      assert.equal(rt.position, i);
      assert.equal(rec.stops.at(-1)?.reason, 'exception');
    }
    for (const i of failing.slice(0, -1).reverse()) {
      rt.reverseContinue();
      assert.equal(rt.position, i);
    }
    rt.goto(rt.length - 1);
    rt.stepOver();
    assert.equal(rec.terminated, 1, 'stepping past the last step ends the replay');
  });

  it('a continue checks each step it passes once (linear in the steps, whatever the trace size); its CPU is printed', async () => {
    // Counting checks needs no large trace (10^5 steps took 3.8 s of the unit suite); slices of
    // 5,000 make the continue run in four, as 10^5 does at the default size.
    const rt = generated(20_000, 0);
    rt.sliceSize = 5_000;
    let checks = 0;
    const check = rt.breakpoints.check.bind(rt.breakpoints);
    rt.breakpoints.check = (source, index) => { checks++; return check(source, index); };
    rt.setExceptionFilters([{ filterId: 'all' }]);
    rt.setFunctionBreakpoints([{ name: 'web_search', condition: 'name == "never"' }]);
    rt.start(true);
    const terminated = new Promise((resolve) => rt.on('terminated', resolve));
    const cpu = process.cpuUsage();
    rt.continue();
    assert.equal(rt.running, true, 'a long continue runs in slices');
    await terminated;
    const used = process.cpuUsage(cpu);
    assert.equal(checks, rt.length - 1, 'one check per step passed');
    rt.goto(rt.length - 1);
    checks = 0;
    const entry = new Promise<StoppedInfo>((resolve) => rt.on('stopped', (s) => { if (s.reason === 'entry') resolve(s); }));
    rt.reverseContinue();
    assert.equal((await entry).position, 0);
    assert.equal(checks, rt.length - 1);
    console.log(`      continue over ${rt.length} steps with a filter and a conditional function breakpoint: ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
  });

  it('a long move yields between slices and pause stops it where it is; moves wait until it stops', async () => {
    const rt = generated(1000, 0);
    rt.sliceSize = 10;
    rt.start(true);
    const stopped = new Promise<StoppedInfo>((resolve) => rt.on('stopped', resolve));
    rt.continue();
    assert.equal(rt.running, true);
    rt.stepIn(); // ignored while running
    assert.throws(() => rt.goto(3), /running/);
    rt.pause();
    const stop = await stopped;
    assert.equal(stop.reason, 'pause');
    assert.equal(stop.position, 10, 'the first slice checked steps 1-10');
    assert.equal(rt.running, false);
    rt.stepIn();
    assert.equal(rt.position, 11);
  });

  it('launches a generated JSONL file with a sidecar: human tags and corrections count, a rejected finding does not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-debug-'));
    try {
      const file = join(dir, 'run.trace.jsonl');
      writeFileSync(file, generateTrace({ steps: 20, fanout: 4, failEvery: 2 }));
      const { runtime: probe } = TraceDebugRuntime.launch({ trace: file });
      const failing = probe.index.steps.filter((s) => probe.findingsAt(s.index).length > 0);
      assert.ok(failing.length >= 2);
      const [rejectedStep, keptStep] = failing;
      const rejected = probe.findingsAt(rejectedStep.index)[0];
      const tagged = probe.index.steps.find((s) => s.kind === 'llm')!;
      writeFileSync(`${file}.annotations.json`, JSON.stringify({
        version: 1,
        errors: [
          { location: tagged.id, category: 'RSN.HALLUCINATION', source: 'human', status: 'confirmed', description: 'made up a city' },
          ...probe.findingsAt(rejectedStep.index).map((f) => ({ location: rejectedStep.id, category: f.category, rule: f.rule, source: 'rule', status: 'rejected' })),
        ],
        corrections: [{ location: tagged.id, output: { role: 'assistant', content: 'I will search first.' } }],
        reviewed: [],
      }));
      const { runtime: rt, warnings } = TraceDebugRuntime.launch({ trace: file });
      assert.deepEqual(warnings, []);
      assert.deepEqual(rt.source.tagsAt(tagged.index).map((t) => [t.category, t.note]), [['RSN.HALLUCINATION', 'made up a city']]);
      assert.equal(rt.findingsAt(rejectedStep.index).some((f) => f.rule === rejected.rule), false, 'a rejected finding does not count');
      assert.ok(rt.findingsAt(keptStep.index).length > 0);
      assert.equal(rt.correctionAt(tagged.index)?.output.content, 'I will search first.');
      const rec = record(rt);
      rt.start(true);
      rt.setExceptionFilters([{ filterId: 'tagged' }]);
      rt.continue();
      assert.equal(rt.position, tagged.index);
      assert.equal(rec.stops.at(-1)?.filterId, 'tagged');
      const scope = stepScopes(rt, tagged.index).find((x) => x.name === 'Tags and corrections');
      assert.ok(scope, 'the tagged step shows its tags and correction');
      const store = new VariableStore();
      assert.deepEqual(store.variables(store.ref(scope.group)).map((v) => v.name), ['tags', 'sidecar entries', 'correction']);
      // A sidecar the host points at that does not exist yet: the one beside the trace is read (the host's read fallback), no error.
      const { runtime: relocated, warnings: none } = TraceDebugRuntime.launch({ trace: file, sidecarPath: join(dir, 'elsewhere.annotations.json') });
      assert.deepEqual(none, []);
      assert.equal(relocated.source.tagsAt(tagged.index).length, 1);
      // A broken sidecar: debug without its tags, and say why.
      writeFileSync(`${file}.annotations.json`, '{ "errors": [ }');
      const broken = TraceDebugRuntime.launch({ trace: file });
      assert.match(broken.warnings.join('\n'), /annotations\.json.*debugging without its tags/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('findings under another taxonomy are shown in its names (TRAIL)', () => {
    const trace = generateTraceModel({ steps: 30, fanout: 4, failEvery: 2 });
    const rt = new TraceDebugRuntime(trace, detect(trace), TRAIL_TAXONOMY, '/generated.jsonl');
    const failing = rt.index.steps.find((s) => rt.findingsAt(s.index).length > 0)!;
    const f = rt.findingsAt(failing.index)[0];
    assert.notEqual(f.category, f.defaultCategory);
    assert.ok(TRAIL_TAXONOMY.get(f.category), `${f.category} is a TRAIL category`);
  });
});
