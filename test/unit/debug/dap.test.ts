/**
 * The trace debugger over the Debug Adapter Protocol, end to end: `node dist/cli.js dap` (build
 * first: `npm run build`) driven by @vscode/debugadapter-testsupport's DebugClient. A TRAIL trace
 * is launched, a TRAIL category exception filter set, continue stops at the failure with the
 * right stack, variables and exception info, step back moves back; bad launch arguments, bad
 * conditions and bad expressions get error responses that say what is wrong, and the adapter
 * keeps running. Every wait is for an event or a response, never a fixed delay.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { benchTraceText } from '../../support/bench-traces';
import { PROJECT_ROOT, sharedPath } from '../../support/shared';

const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');
const TRAIL_FILE = sharedPath('traces', 'trail', 'GAIA', 'traces', '2cb6924caac94b32d2bf4b40bdf4ab51.json');
/** Generous: the machine is busy. A timeout only turns a hang into a failure; nothing waits for it. */
const EVENT_TIMEOUT = 60_000;

/** A DebugClient over an adapter process we start ourselves (`dap` is an argument DebugClient cannot pass). */
class CliDebugClient extends DebugClient {
  readonly process: ChildProcessWithoutNullStreams;
  readonly stderr: string[] = [];
  /** The first bytes the adapter wrote to stdout: the protocol, and nothing before it. */
  firstStdout = '';

  constructor(env: Record<string, string> = {}) {
    super('node', CLI, 'agent-trace');
    this.defaultTimeout = EVENT_TIMEOUT;
    this.process = spawn(process.execPath, [CLI, 'dap'], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
    this.process.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.process.stdout.once('data', (d: Buffer) => { this.firstStdout = d.toString('utf8', 0, 40); });
    this.connect(this.process.stdout, this.process.stdin);
  }

  async close(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    try {
      await this.disconnectRequest({});
    } catch {
      this.process.kill();
    }
    await exited;
  }
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected an error response');
}

describe('debug adapter over DAP: agent-trace dap', function () {
  this.timeout(180_000);
  let dc: CliDebugClient;

  before(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (the DAP tests drive the built CLI)`);
  });

  beforeEach(() => {
    dc = new CliDebugClient();
  });

  afterEach(async () => {
    await dc.close();
  });

  /** initialize + launch + one exception filter + configurationDone; resolves at the entry stop. */
  async function launch(args: Record<string, unknown>, filterOptions: DebugProtocol.ExceptionFilterOptions[] = []): Promise<{ init: DebugProtocol.InitializeResponse; capabilities: DebugProtocol.CapabilitiesEvent; entry: DebugProtocol.StoppedEvent }> {
    const init = await dc.initializeRequest();
    const capabilities = dc.waitForEvent('capabilities') as Promise<DebugProtocol.CapabilitiesEvent>;
    const initialized = dc.waitForEvent('initialized');
    const entry = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const launched = dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
    await initialized;
    const set = await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions });
    assert.deepEqual(set.body?.breakpoints?.map((b) => b.verified), filterOptions.map(() => true));
    await dc.configurationDoneRequest();
    await launched;
    return { init, capabilities: await capabilities, entry: await entry };
  }

  /** Send a move and wait for the stop it causes (the listener is in place before the request goes). */
  async function move(send: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await send();
    return stopped;
  }

  async function topFrame(): Promise<{ frame: DebugProtocol.StackFrame; frames: DebugProtocol.StackFrame[]; total?: number }> {
    const st = await dc.stackTraceRequest({ threadId: 1 });
    return { frame: st.body.stackFrames[0], frames: st.body.stackFrames, total: st.body.totalFrames };
  }

  async function variables(ref: number, args: Partial<DebugProtocol.VariablesArguments> = {}): Promise<Map<string, DebugProtocol.Variable>> {
    const r = await dc.variablesRequest({ variablesReference: ref, ...args });
    return new Map(r.body.variables.map((v) => [v.name, v]));
  }

  it('launches a TRAIL trace, breaks on a TRAIL category, shows stack, variables and exception info, and steps back', async () => {
    const { init, capabilities, entry } = await launch({ type: 'agent-trace', request: 'launch', trace: TRAIL_FILE, taxonomy: 'trail', stopOnEntry: true, traceIndex: 0 }, [{ filterId: 'Tool-related' }]);
    assert.ok(dc.firstStdout.startsWith('Content-Length:'), `stdout carries the protocol only (began with ${JSON.stringify(dc.firstStdout)})`);
    const caps = init.body!;
    for (const c of ['supportsStepBack', 'supportsConfigurationDoneRequest', 'supportsConditionalBreakpoints', 'supportsHitConditionalBreakpoints', 'supportsLogPoints',
      'supportsFunctionBreakpoints', 'supportsExceptionInfoRequest', 'supportsGotoTargetsRequest', 'supportsRestartFrame', 'supportsEvaluateForHovers', 'supportsTerminateRequest'] as const) {
      assert.equal(caps[c], true, c);
    }
    assert.equal(caps.exceptionBreakpointFilters?.[0].filter, 'all');
    assert.ok(caps.exceptionBreakpointFilters?.every((f) => f.supportsCondition), 'every filter takes a condition');
    const trailFilters = capabilities.body.capabilities.exceptionBreakpointFilters ?? [];
    assert.ok(trailFilters.some((f) => f.filter === 'Tool-related' && /Tool-related/.test(f.label)), 'launching under TRAIL announces TRAIL categories');
    assert.equal(entry.body.reason, 'entry');
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads.length, 1);

    const stop = await move(() => dc.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.description ?? '', /Tool-related/);
    const { frame, frames, total } = await topFrame();
    assert.match(frame.name, /^tool PageDownTool$/);
    assert.equal(frame.source?.path, TRAIL_FILE);
    assert.ok(frame.line > 1 && (frame.endLine ?? 0) > frame.line, `a line range in the raw file (${frame.line}-${frame.endLine})`);
    assert.equal(frames.at(-1)?.name, 'other main', 'the root last');
    assert.equal(total, frames.length);
    assert.deepEqual(frames.slice(1, 3).map((f) => f.name.split(' ')[0]), ['agent', 'agent'], 'the turn, then the agent that ran it');

    const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
    const byName = new Map(scopes.map((s) => [s.name, s]));
    for (const n of ['Step', 'Tool call', 'Error', 'Findings', 'Tags and corrections', 'So far']) assert.ok(byName.has(n), `scope ${n} (got ${scopes.map((s) => s.name).join(', ')})`);
    const step = await variables(byName.get('Step')!.variablesReference);
    assert.equal(step.get('kind')?.value, '"tool"');
    assert.equal(step.get('status')?.value, '"error"');
    const error = await variables(byName.get('Error')!.variablesReference);
    assert.ok((error.get('message')?.value.length ?? 0) > 2);
    const tags = await variables(byName.get('Tags and corrections')!.variablesReference);
    const tagList = tags.get('tags')!;
    assert.ok(tagList.indexedVariables! >= 1);
    const firstTag = await variables((await variables(tagList.variablesReference, { filter: 'indexed', start: 0, count: 1 })).get('0')!.variablesReference);
    assert.equal(firstTag.get('category')?.value, '"Tool-related"');
    const soFar = await variables(byName.get('So far')!.variablesReference);
    assert.ok(Number(soFar.get('inputTokens')?.value) > 0, 'tokens so far');
    const failuresSoFar = soFar.get('failures')!;
    const page = await dc.variablesRequest({ variablesReference: failuresSoFar.variablesReference, filter: 'indexed', start: 0, count: 2 });
    assert.equal(page.body.variables.length, Math.min(2, failuresSoFar.indexedVariables!), 'paged');

    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'Tool-related');
    assert.equal(info.body.breakMode, 'always');
    assert.match(info.body.description ?? '', /Tool-related/);
    const shown = JSON.parse(error.get('message')!.value) as string;
    assert.ok(shown.length > 0 && (info.body.details?.message ?? '').startsWith(shown.slice(0, 100)), 'the step\'s error message as the details');

    const watch = await dc.evaluateRequest({ expression: 'status == "error" && kind == "tool"', frameId: frame.id, context: 'watch' });
    assert.equal(watch.body.result, 'true');
    const hover = await dc.evaluateRequest({ expression: '"name"', frameId: frame.id, context: 'hover' });
    assert.equal(hover.body.result, '"PageDownTool"', 'a hover on a JSON key evaluates the key');
    const bad = await rejection(dc.evaluateRequest({ expression: 'status ==', frameId: frame.id, context: 'repl' }));
    assert.ok(bad.length > 5 && !/stack|at Object\./.test(bad), `a bad expression answers its problem: ${bad}`);

    const back = await move(() => dc.stepBackRequest({ threadId: 1 }));
    assert.equal(back.body.reason, 'step');
    const after = await topFrame();
    assert.match(after.frame.name, /^llm /, 'step back: the model call that decided the failing tool call');
    const fwd = await move(() => dc.nextRequest({ threadId: 1 }));
    assert.equal(fwd.body.reason, 'exception', 'step over onto the failing call reports the failure');
    assert.equal((await topFrame()).frame.id, frame.id);

    const out = await move(() => dc.stepOutRequest({ threadId: 1 }));
    assert.equal(out.body.reason, 'step');
    const outer = await topFrame();
    assert.match(outer.frame.name, /^agent /, 'out of the turn: the next turn');
    assert.equal(outer.frames[1].id, frames[2].id, 'a sibling of the turn stepped out of');
    assert.ok(outer.frame.id > frames[1].id);
    const targets = await dc.gotoTargetsRequest({ source: { path: TRAIL_FILE }, line: frame.line + 1 });
    assert.equal(targets.body.targets[0].label, 'tool PageDownTool');
    const gone = await move(() => dc.gotoRequest({ threadId: 1, targetId: targets.body.targets[0].id }));
    assert.equal(gone.body.reason, 'goto');
    assert.equal((await topFrame()).frame.id, frame.id);
    const restarted = await move(() => dc.restartFrameRequest({ frameId: frames[1].id }));
    assert.equal(restarted.body.reason, 'restart');
    assert.equal((await topFrame()).frame.id, frames[1].id);
    const rev = await move(() => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(rev.body.reason, 'entry', 'no Tool-related failure before: back to the first step');
  });

  it('a goto or a restart that cannot be made is refused in its answer, and the replay stays where it is', async () => {
    const { entry } = await launch({ type: 'agent-trace', request: 'launch', trace: TRAIL_FILE, taxonomy: 'trail', stopOnEntry: true });
    assert.equal(entry.body.reason, 'entry');
    const before = (await topFrame()).frame.id;
    // The host asks by step id first and falls back to the position only when the id is refused.
    await assert.rejects(dc.customRequest('gotoStep', { stepId: 'no-such-step' }), /no step with id "no-such-step"/);
    await assert.rejects(dc.gotoRequest({ threadId: 1, targetId: 1_000_000 }), /no step at position 999999/);
    await assert.rejects(dc.restartFrameRequest({ frameId: before + 2 }), /is not a frame of the current stack/);
    assert.equal((await topFrame()).frame.id, before);
    const moved = await move(() => dc.customRequest('gotoStep', { position: 2 }));
    assert.equal(moved.body.reason, 'goto');
    assert.equal((await topFrame()).frame.id, 3);
  });

  it('bad launch arguments get error responses naming the argument; the adapter keeps running', async () => {
    await dc.initializeRequest();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /launch argument "trace" is missing/],
      [{ trace: 42 }, /launch argument "trace" must be .*not 42/],
      [{ trace: TRAIL_FILE, traceIndex: -1 }, /launch argument "traceIndex" must be a whole number, 0 or more .*, not -1/],
      [{ trace: TRAIL_FILE, stopOnEntry: 'yes' }, /launch argument "stopOnEntry" must be true or false/],
      [{ trace: '/no/such/trace.json' }, /launch argument "trace": .*no such file/],
      [{ trace: TRAIL_FILE, traceIndex: 5 }, /launch argument "traceIndex": .*no trace 5/],
      [{ trace: TRAIL_FILE, taxonomy: '/no/such/taxonomy.json' }, /launch argument "taxonomy": .*no such file/],
    ];
    for (const [args, expected] of cases) assert.match(await rejection(dc.launchRequest(args as DebugProtocol.LaunchRequestArguments)), expected);
    assert.match(await rejection(dc.stackTraceRequest({ threadId: 1 })), /no trace is loaded yet/);
    assert.equal(dc.process.exitCode, null, 'still running');
  });

  it("runs in a process with the editor's debugger thread's heap (here set to 256 MB): a trace that needs more is refused at launch, saying so", async () => {
    await dc.close();
    dc = new CliDebugClient({ AGENT_TRACE_TEST_HEAP_MB: '256' });
    await dc.initializeRequest();
    // A launch that is not refused is answered after configurationDone: send it too, so that case fails at once.
    const launched = rejection(dc.launchRequest({ trace: TRAIL_FILE } as DebugProtocol.LaunchRequestArguments));
    await dc.configurationDoneRequest().catch(() => undefined);
    const refused = await launched;
    const [, memoryMb] = /launch argument "trace": .* is too large to debug: .* takes about \d+ MB of memory, and the debugger has (\d+) MB/.exec(refused) ?? [];
    assert.ok(memoryMb !== undefined, refused);
    // Run without the relaunch, the adapter would have this process's default heap (about 4 GB) and launch the trace.
    // (The heap's limit adds the young generation to the old one set, less what is in use.)
    assert.ok(Number(memoryMb) <= 512, `the adapter has ${memoryMb} MB: not the relaunched heap`);
    assert.equal(dc.process.exitCode, null, 'still running');
  });

  it('a large run stops on entry once its first steps are read, and a step waits for the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-dap-large-'));
    try {
      // 18 MB of agent-trace/v1 lines: past the size from which the run is read after its entry stop.
      const file = join(dir, 'large.trace.jsonl');
      writeFileSync(file, benchTraceText('jsonl', 13_000));
      // Every output event as it comes (a listener per wait could miss one sent in the same chunk).
      const outputs: string[] = [];
      const waiters: { pattern: RegExp; resolve: () => void }[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => {
        outputs.push(e.body.output);
        for (const w of waiters) if (w.pattern.test(e.body.output)) w.resolve();
      });
      const said = (pattern: RegExp): Promise<void> => new Promise((resolve) => {
        if (outputs.some((o) => pattern.test(o))) resolve();
        else waiters.push({ pattern, resolve });
      });
      const early = said(/stopped on entry after the first [\d,]+ steps; the rest of the run is read meanwhile/);
      const whole = said(/read all 13,000 steps of the run/);
      await dc.initializeRequest();
      const initialized = dc.waitForEvent('initialized');
      const entry = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
      const launched = dc.launchRequest({ trace: file, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
      await initialized;
      await dc.configurationDoneRequest();
      await launched;
      assert.equal((await entry).body.reason, 'entry');
      await early;
      // A step asked now is made once the run is whole: the stop comes after the read.
      const stopped = move(() => dc.stepInRequest({ threadId: 1 }));
      await whole;
      assert.equal((await stopped).body.reason, 'step');
      assert.equal((await topFrame()).frame.name, 'agent Step 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad condition gets an error response that quotes it; a breakpoint elsewhere than the trace is unverified', async () => {
    await launch({ trace: TRAIL_FILE, taxonomy: 'trail' });
    const msg = await rejection(dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'all', condition: 'tool == ' }] }));
    assert.match(msg, /exception filter "all": condition "tool == " is not a valid expression/);
    const fmsg = await rejection(dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'PageDownTool', condition: 'name =~ ' }] }));
    assert.match(fmsg, /function breakpoint "PageDownTool": condition/);
    const unknownFilter = await dc.setExceptionBreakpointsRequest({ filters: ['No Such Category'] });
    assert.equal(unknownFilter.body?.breakpoints?.[0].verified, false);
    const elsewhere = await dc.setBreakpointsRequest({ source: { path: '/tmp/other.json' }, breakpoints: [{ line: 3 }] });
    assert.equal(elsewhere.body.breakpoints[0].verified, false);
    assert.match(elsewhere.body.breakpoints[0].message ?? '', /not the trace being debugged/);
    const hitBad = await dc.setBreakpointsRequest({ source: { path: TRAIL_FILE }, breakpoints: [{ line: 1700, hitCondition: 'often' }] });
    assert.equal(hitBad.body.breakpoints[0].verified, false);
    assert.match(hitBad.body.breakpoints[0].message ?? '', /hit condition "often"/i);
    // Line 1700 lies in an agent turn (Step 7); line 1650 in the failing PageDown call before it (Step 6's tool call).
    const good = await dc.setBreakpointsRequest({ source: { path: TRAIL_FILE }, breakpoints: [{ line: 1700, condition: 'kind == "agent"' }, { line: 1650, logMessage: '{name} was {status}' }] });
    assert.deepEqual(good.body.breakpoints.map((b) => b.verified), [true, true]);
    const logs: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'console') logs.push(e.body.output); });
    const hit = await move(() => dc.continueRequest({ threadId: 1 }));
    assert.equal(hit.body.reason, 'breakpoint');
    assert.deepEqual(hit.body.hitBreakpointIds, [good.body.breakpoints[0].id]);
    assert.deepEqual(logs, ['PageDownTool was error\n'], 'the logpoint wrote its line on the way, before the stop');
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    await terminated;
  });
});
