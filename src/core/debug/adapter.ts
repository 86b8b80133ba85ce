/**
 * The trace debugger over the Debug Adapter Protocol: a thin DebugSession over TraceDebugRuntime
 * (src/core/debug/runtime.ts), which holds every move, breakpoint and evaluation. It runs inline in
 * the extension host (`new vscode.DebugAdapterInlineImplementation(new TraceDebugAdapter(...))`)
 * and standalone over stdio (`agent-trace dap`), so any DAP client can drive it. No vscode import.
 *
 * Launch: `{ trace, traceIndex? | traceKey?, stopOnEntry?, taxonomy?, sidecarPath? }`. The trace is loaded when
 * launch arrives; the adapter then sends `initialized` (after a `capabilities` event when the
 * launch's taxonomy has other exception filters than the ones announced), waits for
 * `configurationDone`, answers the launch and starts the replay. Bad arguments, an unreadable
 * trace, a bad condition or expression get error responses that say what is wrong; nothing throws
 * out of a request. On every stop it also sends the custom event `agentTraceStep`
 * `{ file, traceIndex, stepId, position, reason }` so the host can select the step in the trace
 * editor; the host moves the debugger with the custom request `gotoStep { stepId } | { position }`.
 */
import { basename } from 'node:path';
import type { Worker } from 'node:worker_threads';
import {
  BreakpointEvent, CapabilitiesEvent, DebugSession, Event, InitializedEvent, InvalidatedEvent, OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { z } from 'zod';
import { traceIndexOf } from '../annotations/bind';
import { loadTaxonomy } from '../taxonomy';
import { exceptionFilters, type BreakpointResult, type ExceptionFilter } from './breakpoints';
import { compileExpression, ExpressionError, formatValue } from './expression';
import { LaunchProgressEvents } from './launch-progress';
import { readHeldRunsInWorker, type HeldRuns } from '../engine/held-runs';
import { LaunchError, TraceDebugRuntime, type LaunchOptions, type PreparedLaunch, type RuntimeFrame, type StoppedInfo } from './runtime';
import { stepScopes, VariableStore } from './variables';

export const THREAD_ID = 1;
/** The custom event sent on every stop, and the custom request that moves the debugger to a step. */
export const STEP_EVENT = 'agentTraceStep';
export const GOTO_STEP_REQUEST = 'gotoStep';
/**
 * Custom request: a step of the debugged run by its position (`position`; default where the
 * replay is), answered with its frame (`RuntimeFrame`: stable id, name, source location), the
 * trace file and the run's length. The host asks it where it used to read the runtime, which lives
 * in a worker thread (adapter-in-worker.ts).
 */
export const STEP_AT_REQUEST = 'stepAt';
/** Files at least this large are announced in the Debug Console before they load (about a second). */
const LOADING_MESSAGE_BYTES = 16 * 2 ** 20;

/** What `stepAt` answers. */
export interface StepAtBody extends RuntimeFrame {
  file: string;
  length: number;
}

/** Error response ids (DAP `Message.id`). */
const ERR = { launch: 3001, notLaunched: 3002, breakpoint: 3003, evaluate: 3004, frame: 3005, request: 3006 } as const;

const describe: Record<string, string> = {
  trace: 'the path of the trace file to debug (a string, e.g. "${file}")',
  traceIndex: 'a whole number, 0 or more (which trace of the file to debug)',
  traceKey: "a trace's key, a non-empty string (its id, as agent-trace query --json prints it)",
  stopOnEntry: 'true or false',
  taxonomy: 'a taxonomy: "default", "trail", "mast" or the path of a taxonomy JSON file',
  sidecarPath: "the path of the trace's annotation sidecar (a string)",
};

export const LaunchArguments = z.looseObject({
  trace: z.string().min(1),
  traceIndex: z.number().int().nonnegative().optional(),
  traceKey: z.string().min(1).optional(),
  stopOnEntry: z.boolean().optional(),
  taxonomy: z.string().min(1).optional(),
  sidecarPath: z.string().min(1).optional(),
});
export type LaunchArguments = z.infer<typeof LaunchArguments>;

/** What is wrong with launch arguments, one sentence per argument; undefined when they are fine. */
export function launchArgumentProblems(args: unknown): string | undefined {
  const r = LaunchArguments.safeParse(args ?? {});
  if (r.success) return undefined;
  const given = (args ?? {}) as Record<string, unknown>;
  const lines = new Set<string>();
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? '');
    if (!key) { lines.add('launch arguments must be an object'); continue; }
    const what = describe[key] ?? 'a valid value';
    lines.add(given[key] === undefined ? `launch argument "${key}" is missing: it must be ${what}` : `launch argument "${key}" must be ${what}, not ${preview(given[key])}`);
  }
  return [...lines].join('; ');
}

function preview(v: unknown): string {
  try {
    return formatValue(v, 80);
  } catch {
    return typeof v;
  }
}

export interface TraceDebugAdapterOptions {
  /** The taxonomy to announce exception filters for before launch (the user's setting); launch may pick another. */
  taxonomy?: string;
  /** Where a trace's sidecar is (the host's configured annotations folder); default beside the trace. */
  sidecarPathFor?: (tracePath: string) => string | undefined;
  /**
   * The launch's load can be cancelled from its progress (a Cancel on VS Code's notification): the
   * adapter runs in a worker whose relay stops it (adapter-in-worker.ts). A load is synchronous, so
   * the adapter alone could not answer a `cancel` before it ends.
   */
  loadCancellable?: boolean;
  /**
   * Starts a document worker (trace-worker.ts in document mode). With it, a launch of a large run
   * (`earlyEntryBytes`) that stops on entry reads the file there and stops once the run's first
   * steps are read (see launchReading); without it (tests, the CLI run from source) every launch
   * reads the file in this thread before it stops.
   */
  spawnDocumentWorker?: () => Worker;
  /** The size from which a launch stops on entry before the whole run is read; default EARLY_ENTRY_BYTES. */
  earlyEntryBytes?: number;
}

/**
 * From this size a run's read takes a second or more (about 0.1 s a 10 MB of agent-trace/v1 lines
 * at 10^5 steps, in the debug worker): smaller files are read whole before the entry stop, as one
 * simple launch.
 */
export const EARLY_ENTRY_BYTES = LOADING_MESSAGE_BYTES;

/** A launch reading its run in a document worker after its entry stop (launchReading). */
interface ReadingRun {
  cancel(): void;
  /** The move asked for meanwhile, made on the whole run. */
  deferred: ((rt: TraceDebugRuntime) => void) | undefined;
  /** Each breakpoint request meanwhile, to make again on the whole run: it gives what each breakpoint says there. */
  setBreakpoints: ((rt: TraceDebugRuntime) => DebugProtocol.Breakpoint[])[];
}

export class TraceDebugAdapter extends DebugSession {
  /** The runtime once a launch has loaded a trace. The host may read it (the stopped step, its tags). */
  runtime: TraceDebugRuntime | undefined;
  private readonly variables = new VariableStore();
  private announcedFilters: ExceptionFilter[] = [];
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => { this.configurationDone = resolve; });
  private traceIndex = 0;
  /** The client shows DAP progress events (its initialize said so). */
  private clientShowsProgress = false;
  /** The client reads what an `invalidated` event names again (its initialize said so; VS Code does). */
  private clientTakesInvalidated = false;
  /** A launch is under way (its file read, or its configuration awaited). */
  private launching = false;
  private launchedTrace: string | undefined;
  private progress: LaunchProgressEvents | undefined;
  /** The run is still being read after the entry stop (launchReading). */
  private reading: ReadingRun | undefined;
  /** Disconnected: a read that ends now changes nothing. */
  private closed = false;

  constructor(private readonly options: TraceDebugAdapterOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientShowsProgress = args?.supportsProgressReporting === true;
    this.clientTakesInvalidated = args?.supportsInvalidatedEvent === true;
    this.announcedFilters = filtersFor(this.options.taxonomy);
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      exceptionBreakpointFilters: this.announcedFilters.map(toDapFilter),
      supportsExceptionFilterOptions: true,
      supportsExceptionInfoRequest: true,
      supportsGotoTargetsRequest: true,
      supportsRestartFrame: true,
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
      // Only the load's progress is cancellable, and only where a relay can stop it (see loadCancellable).
      ...(this.options.loadCancellable ? { supportsCancelRequest: true } : {}),
      // Paging is a client capability in DAP; the issue lists it, and clients that page get pages (variablesRequest honours start/count).
      ...{ supportsVariablePaging: true },
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, raw: DebugProtocol.LaunchRequestArguments): Promise<void> {
    const problem = launchArgumentProblems(raw);
    if (problem) return this.fail(response, ERR.launch, problem);
    const args = LaunchArguments.parse(raw);
    if (this.runtime || this.launching) return this.fail(response, ERR.launch, 'this session is already debugging a trace: start another session');
    this.launching = true;
    this.launchedTrace = args.trace;
    const progress = new LaunchProgressEvents((e) => this.sendEvent(e), `launch-${response.request_seq}`, this.options.loadCancellable === true || this.options.spawnDocumentWorker !== undefined);
    this.progress = progress;
    const options: LaunchOptions = {
      trace: args.trace, traceIndex: args.traceIndex, traceKey: args.traceKey, taxonomy: args.taxonomy ?? this.options.taxonomy,
      sidecarPath: args.sidecarPath ?? this.options.sidecarPathFor?.(args.trace),
      onLoading: (bytes) => {
        // A run is loaded whole (seconds for a large file): the Debug Console says so first. A run
        // read after its entry stop always does (its progress says how far the read is, with a Cancel).
        if (bytes < Math.min(LOADING_MESSAGE_BYTES, this.options.earlyEntryBytes ?? EARLY_ENTRY_BYTES)) return;
        this.sendEvent(new OutputEvent(`agent-trace: loading ${args.trace} (${Math.round(bytes / 2 ** 20)} MB)…\n`, 'console'));
        if (this.clientShowsProgress) progress.start(args.trace, bytes);
      },
      onProgress: (p) => progress.update(p),
    };
    let prepared: PreparedLaunch;
    try {
      prepared = TraceDebugRuntime.prepareLaunch(options);
    } catch (e) {
      return this.launchFailed(response, e);
    }
    // A large run stops on entry once its first steps are read, the rest read in a document worker.
    const spawn = this.options.spawnDocumentWorker;
    if (spawn && (args.stopOnEntry ?? true) && args.traceKey === undefined && (prepared.size ?? 0) >= (this.options.earlyEntryBytes ?? EARLY_ENTRY_BYTES)) {
      return this.launchReading(response, args, options, prepared, spawn);
    }
    await this.launchWhole(response, args, () => TraceDebugRuntime.launchPrepared(options, prepared));
  }

  /** A launch whose run is read before its first stop (by `load`): answered, or refused saying why. */
  private async launchWhole(response: DebugProtocol.LaunchResponse, args: LaunchArguments, load: () => { runtime: TraceDebugRuntime; warnings: string[] }): Promise<void> {
    let launched: { runtime: TraceDebugRuntime; warnings: string[] };
    try {
      launched = load();
    } catch (e) {
      return this.launchFailed(response, e);
    }
    this.progress?.end();
    await this.begin(response, launched.runtime, launched.warnings, args.stopOnEntry ?? true);
  }

  /** Answer a launch that could not load its trace (the progress ends saying so). */
  private launchFailed(response: DebugProtocol.LaunchResponse, e: unknown): void {
    this.launching = false;
    this.progress?.end('not loaded');
    if (e instanceof LaunchError) return this.fail(response, ERR.launch, `launch argument "${e.argument}": ${e.message}`);
    return this.fail(response, ERR.launch, `cannot debug ${this.launchedTrace ?? 'the trace'}: ${messageOf(e)}`);
  }

  /**
   * Send `initialized`, wait for the client's configuration (its breakpoints), answer the launch
   * and start the replay on `runtime`.
   */
  private async begin(response: DebugProtocol.LaunchResponse, runtime: TraceDebugRuntime, warnings: string[], stopOnEntry: boolean): Promise<void> {
    this.install(runtime);
    this.launching = false;
    const filters = runtime.exceptionFilters();
    if (JSON.stringify(filters) !== JSON.stringify(this.announcedFilters)) {
      this.announcedFilters = filters;
      this.sendEvent(new CapabilitiesEvent({ exceptionBreakpointFilters: filters.map(toDapFilter) }));
    }
    this.sendEvent(new InitializedEvent());
    await this.configured;
    this.sendResponse(response);
    for (const w of warnings) this.sendEvent(new OutputEvent(`${w}\n`, 'stderr'));
    // Nothing may escape an async handler (it would be an unhandled rejection): report and end instead.
    try {
      runtime.start(stopOnEntry);
    } catch (e) {
      this.sendEvent(new OutputEvent(`agent-trace: the replay could not start: ${messageOf(e)}\n`, 'stderr'));
      this.sendEvent(new TerminatedEvent());
    }
  }

  /** Make `runtime` the one requests go to, its events the session's. */
  private install(runtime: TraceDebugRuntime): void {
    this.runtime = runtime;
    this.traceIndex = traceIndexOf(runtime.trace);
    runtime.on('stopped', (s: StoppedInfo) => this.onStopped(s));
    runtime.on('output', (o: { text: string; category: string }) => this.sendEvent(new OutputEvent(o.text, o.category)));
    runtime.on('terminated', () => this.sendEvent(new TerminatedEvent()));
  }

  /**
   * A large run, read in a document worker: the replay stops on entry as soon as the run's first
   * steps are read, over a first runtime of those steps (their findings so far, their tags), and
   * the client can look at them while the rest is read. Moves wait for the read (each is answered,
   * then made when the run is whole); breakpoints are set on the first runtime and again, in the
   * same order, on the whole one, which the session then goes on with, stopped where the first one
   * was. Measured at 10^6 steps (the bench's launch, 2026-12-07): the entry stop 0.43 s for 1.4 GB
   * of agent-trace/v1 lines, 0.44 s for a 1.9 GB OTLP document and 0.62 s for a 2.2 GB TRAIL span
   * tree, where it came after the whole read (16.6-20.8, 28-33 and 32-45 s); the whole run takes
   * longer to come (24.8, 39.8 and 51.1 s: its steps cross from the document worker as events,
   * encoded and decoded).
   */
  private async launchReading(response: DebugProtocol.LaunchResponse, args: LaunchArguments, options: LaunchOptions, prepared: PreparedLaunch, spawn: () => Worker): Promise<void> {
    const run = args.traceIndex ?? 0;
    let firstSteps!: () => void;
    const first = new Promise<'first'>((resolve) => { firstSteps = () => resolve('first'); });
    options.onProgress?.({ phase: 'reading' });
    const reading = readHeldRunsInWorker(prepared.file, TraceDebugRuntime.readOptions(prepared, options.onProgress), spawn, (e) => {
      if (e.kind === 'steps' && e.run === run && e.header && e.steps.length > 0) firstSteps();
    });
    this.reading = { cancel: () => reading.cancel(), deferred: undefined, setBreakpoints: [] };
    const read = reading.done.then((held) => ({ held }), (error: unknown) => ({ error }));
    const firstOrAll = await Promise.race([first, read]);
    if (firstOrAll !== 'first') {
      // Read before its first steps came (a file the loader parses whole sends them after), or not at all.
      this.reading = undefined;
      return this.launchRead(response, args, options, prepared, firstOrAll);
    }
    const header = reading.collector.headerOf(run)!;
    const steps = [...reading.collector.stepsOf(run)];
    const ids = new Set(steps.map((s) => s.id));
    const findings = reading.collector.findingsOf(run).filter((f) => ids.has(f.stepId));
    const firstTrace = { ...header, steps };
    // The sidecar's tags on these steps count at once; what it warns about is said once, with the whole run.
    const { bound } = TraceDebugRuntime.sidecarOf(options, prepared.file, firstTrace);
    const firstRuntime = new TraceDebugRuntime(firstTrace, findings, prepared.taxonomy, prepared.file, bound, reading.collector.payloadsOf(run));
    this.sendEvent(new OutputEvent(`agent-trace: stopped on entry after the first ${steps.length.toLocaleString('en-US')} steps; the rest of the run is read meanwhile (a step, a continue or a goto waits for it)\n`, 'console'));
    await this.begin(response, firstRuntime, [], true);
    const end = await read;
    const waiting = this.reading;
    this.reading = undefined;
    if (this.closed || !waiting) return;
    let whole: { runtime: TraceDebugRuntime; warnings: string[] };
    try {
      if ('error' in end) throw TraceDebugRuntime.readFailed(end.error);
      whole = TraceDebugRuntime.fromHeldRuns(options, prepared, end.held);
      const stop = firstRuntime.stopped;
      if (stop) whole.runtime.adoptStop(stop);
    } catch (e) {
      this.progress?.end('not loaded');
      this.sendEvent(new OutputEvent(`agent-trace: cannot debug ${args.trace}: ${messageOf(e)}\n`, 'stderr'));
      this.sendEvent(new TerminatedEvent());
      return;
    }
    this.progress?.end();
    firstRuntime.dispose();
    this.install(whole.runtime);
    for (const w of whole.warnings) this.sendEvent(new OutputEvent(`${w}\n`, 'stderr'));
    this.sendEvent(new OutputEvent(`agent-trace: read all ${whole.runtime.length.toLocaleString('en-US')} steps of the run\n`, 'console'));
    // The breakpoints again, in the order they were set (the same ids), and what they now say (one
    // in another file is not set again: it was answered unverified and never recorded).
    for (const set of waiting.setBreakpoints) {
      for (const bp of set(whole.runtime)) this.sendEvent(new BreakpointEvent('changed', bp));
    }
    // The step shown may have findings and tags now.
    if (this.clientTakesInvalidated) this.sendEvent(new InvalidatedEvent(['variables']));
    waiting.deferred?.(whole.runtime);
  }

  /** A launch whose file was read (or failed) before its first steps came: as a launch in this thread ends. */
  private async launchRead(response: DebugProtocol.LaunchResponse, args: LaunchArguments, options: LaunchOptions, prepared: PreparedLaunch, end: { held: HeldRuns } | { error: unknown }): Promise<void> {
    await this.launchWhole(response, args, () => {
      if ('error' in end) throw TraceDebugRuntime.readFailed(end.error);
      return TraceDebugRuntime.fromHeldRuns(options, prepared, end.held);
    });
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configurationDone();
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.withRuntime(response, (rt) => {
      const filters: { filterId: string; condition?: string }[] = [...(args.filters ?? []).map((filterId) => ({ filterId })), ...(args.filterOptions ?? []).map((o) => ({ filterId: o.filterId, condition: o.condition }))];
      const set = (target: TraceDebugRuntime): DebugProtocol.Breakpoint[] => target.setExceptionFilters(filters).map(toBreakpoint);
      const breakpoints = set(rt);
      const bad = badConditions(filters.map((f) => ({ what: `exception filter "${f.filterId}"`, condition: f.condition })));
      if (bad) return this.fail(response, ERR.breakpoint, bad);
      this.reading?.setBreakpoints.push(set);
      response.body = { breakpoints };
      this.sendResponse(response);
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.withRuntime(response, (rt) => {
      const bps = args.breakpoints ?? [];
      const set = (target: TraceDebugRuntime): DebugProtocol.Breakpoint[] => target.setFunctionBreakpoints(bps.map((b) => ({ name: b.name, condition: b.condition, hitCondition: b.hitCondition }))).map(toBreakpoint);
      const breakpoints = set(rt);
      const bad = badConditions(bps.map((b) => ({ what: `function breakpoint "${b.name}"`, condition: b.condition })));
      if (bad) return this.fail(response, ERR.breakpoint, bad);
      this.reading?.setBreakpoints.push(set);
      response.body = { breakpoints };
      this.sendResponse(response);
    });
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.withRuntime(response, (rt) => {
      const bps: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      const path = args.source.path;
      if (!path || !rt.isTraceFile(this.convertClientPathToDebugger(path))) {
        response.body = { breakpoints: bps.map(() => ({ verified: false, message: `not the trace being debugged (${basename(rt.file)})` })) };
        return this.sendResponse(response);
      }
      const lines = bps.map((b) => ({ line: this.convertClientLineToDebugger(b.line), condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage }));
      const set = (target: TraceDebugRuntime): DebugProtocol.Breakpoint[] => target.setLineBreakpoints(lines)
        .map((r) => ({ ...toBreakpoint(r), ...(r.line !== undefined ? { line: this.convertDebuggerLineToClient(r.line) } : {}), source: this.sourceOf(target) }));
      const breakpoints = set(rt);
      const bad = badConditions(bps.map((b) => ({ what: `breakpoint on line ${b.line}`, condition: b.condition })));
      if (bad) return this.fail(response, ERR.breakpoint, bad);
      this.reading?.setBreakpoints.push(set);
      response.body = { breakpoints };
      this.sendResponse(response);
    });
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, this.runtime ? this.runtime.trace.title || basename(this.runtime.file) : 'agent trace')] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.withRuntime(response, (rt) => {
      const { frames, total } = rt.stack(rt.position, args.startFrame ?? 0, args.levels);
      const source = this.sourceOf(rt);
      response.body = {
        totalFrames: total,
        stackFrames: frames.map((f) => {
          const l = f.location;
          const frame: DebugProtocol.StackFrame = new StackFrame(f.position + 1, f.name, l ? source : undefined, l ? this.convertDebuggerLineToClient(l.line) : 0, l ? this.convertDebuggerColumnToClient(l.column) : 0);
          if (l) { frame.endLine = this.convertDebuggerLineToClient(l.endLine); frame.endColumn = this.convertDebuggerColumnToClient(l.endColumn); }
          frame.canRestart = true;
          return frame;
        }),
      };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.withFrame(response, args.frameId, (rt, position) => {
      response.body = {
        scopes: stepScopes(rt, position).map((s) => {
          const scope: DebugProtocol.Scope = new Scope(s.name, this.variables.ref(s.group), s.expensive ?? false);
          if (s.group.indexed) scope.indexedVariables = s.group.indexed.length;
          return scope;
        }),
      };
      this.sendResponse(response);
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.guard(response, ERR.request, () => {
      // A reference of an earlier stop: VS Code may still ask for it right after the next stop.
      // Nothing to show there, and nothing to tell the user (it showed as an error toast).
      const current = this.variables.has(args.variablesReference);
      response.body = { variables: current ? this.variables.variables(args.variablesReference, args.filter, args.start, args.count) : [] };
      this.sendResponse(response);
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.withRuntime(response, (rt) => {
      const position = args.frameId === undefined ? rt.position : args.frameId - 1;
      if (!Number.isInteger(position) || position < 0 || position >= rt.length) return this.fail(response, ERR.frame, `no stack frame ${args.frameId}`);
      // A hover in the raw JSON gives the key under the cursor, quotes and all: `"name"` means name.
      const text = args.context === 'hover' ? args.expression.replace(/^"([A-Za-z_$][\w$]*)"\s*:?$/, '$1') : args.expression;
      let value: unknown;
      try {
        value = rt.evaluate(text, position);
      } catch (e) {
        const where = e instanceof ExpressionError && e.column > 0 ? ` (column ${e.column})` : '';
        return this.fail(response, ERR.evaluate, `${messageOf(e)}${where}`);
      }
      const v = this.variables.variable({ name: text, value });
      response.body = { result: v.value, type: v.type, variablesReference: v.variablesReference, ...(v.indexedVariables ? { indexedVariables: v.indexedVariables } : {}) };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    this.withRuntime(response, (rt) => {
      const info = rt.exceptionInfo();
      if (!info) return this.fail(response, ERR.request, `the current step (${rt.step.kind} ${rt.step.name}) has no failure`);
      response.body = {
        exceptionId: info.exceptionId,
        description: info.description,
        breakMode: 'always',
        details: {
          message: info.errorMessage ?? info.description,
          typeName: info.errorType ?? rt.categoryName(info.exceptionId),
          ...(info.stack ? { stackTrace: info.stack } : {}),
        },
      };
      this.sendResponse(response);
    });
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    this.withRuntime(response, (rt) => {
      const path = args.source.path;
      const targets = path && rt.isTraceFile(this.convertClientPathToDebugger(path)) ? rt.gotoTargets(this.convertClientLineToDebugger(args.line)) : [];
      response.body = {
        targets: targets.map((t) => ({
          id: t.position + 1, label: t.label, line: this.convertDebuggerLineToClient(t.line), endLine: this.convertDebuggerLineToClient(t.endLine),
          ...(t.column ? { column: this.convertDebuggerColumnToClient(t.column) } : {}), ...(t.endColumn ? { endColumn: this.convertDebuggerColumnToClient(t.endColumn) } : {}),
        })),
      };
      this.sendResponse(response);
    });
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.move(response, (rt) => rt.goto(args.targetId - 1), true, (rt) => rt.positionOf(args.targetId - 1));
  }

  protected override restartFrameRequest(response: DebugProtocol.RestartFrameResponse, args: DebugProtocol.RestartFrameArguments): void {
    this.move(response, (rt) => rt.restartFrame(args.frameId - 1), false, (rt) => rt.checkFrame(args.frameId - 1));
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.move(response, (rt) => rt.continue());
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.move(response, (rt) => rt.stepOver());
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.move(response, (rt) => rt.stepIn());
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.move(response, (rt) => rt.stepOut());
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.move(response, (rt) => rt.stepBack());
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.move(response, (rt) => rt.reverseContinue());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.withRuntime(response, (rt) => {
      this.sendResponse(response);
      // A move waiting for the read: it is not made; the replay stays where it is.
      if (this.reading?.deferred) {
        this.reading.deferred = undefined;
        this.stoppedWhereItIs(rt, 'Paused');
      }
      rt.pause();
    });
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.stopReading();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments, request?: DebugProtocol.Request): void {
    this.stopReading();
    this.runtime?.dispose();
    super.disconnectRequest(response, args, request);
  }

  /** Cancel on the launch's progress while the run is read after its entry stop: the read stops and the session ends. */
  protected override cancelRequest(response: DebugProtocol.CancelResponse, args: DebugProtocol.CancelArguments): void {
    this.sendResponse(response);
    if (!this.reading || args?.progressId === undefined || args.progressId !== this.progress?.progressId) return;
    this.stopReading();
    this.sendEvent(new OutputEvent(`agent-trace: stopped while ${this.launchedTrace ?? 'the trace'} was loading\n`, 'console'));
    this.sendEvent(new TerminatedEvent());
  }

  /** The session ends: a read under way stops (its progress ends), and what it would have brought is dropped. */
  private stopReading(): void {
    this.closed = true;
    if (!this.reading) return;
    this.reading.cancel();
    this.reading = undefined;
    this.progress?.end('cancelled');
  }

  /** Tell the client the replay is stopped where it is (a move that waited was not made), saying why. */
  private stoppedWhereItIs(rt: TraceDebugRuntime, why: string): void {
    const position = rt.position;
    const step = rt.index.step(position);
    this.onStopped({ reason: 'pause', position, stepId: step.id, hitBreakpointIds: [], description: `${why}: ${step.kind} ${step.name}` });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === STEP_AT_REQUEST) return this.stepAt(response, args);
    if (command !== GOTO_STEP_REQUEST) return this.fail(response, ERR.request, `unknown request "${command}"`);
    const a = (args ?? {}) as { stepId?: unknown; position?: unknown };
    const target = typeof a.stepId === 'string' ? a.stepId : typeof a.position === 'number' ? a.position : undefined;
    if (target === undefined) return this.fail(response, ERR.request, `${GOTO_STEP_REQUEST} needs "stepId" (a string) or "position" (a number)`);
    this.move(response, (rt) => rt.goto(target), true, (rt) => rt.positionOf(target));
  }

  private stepAt(response: DebugProtocol.Response, args: unknown): void {
    this.withRuntime(response, (rt) => {
      const asked = (args ?? {}) as { position?: unknown };
      const position = asked.position === undefined ? rt.position : asked.position;
      if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position >= rt.length) {
        return this.fail(response, ERR.request, `${STEP_AT_REQUEST}: no step at position ${JSON.stringify(position)} (the run has ${rt.length})`);
      }
      const body: StepAtBody = { ...rt.frameOf(position), file: rt.file, length: rt.length };
      response.body = body;
      this.sendResponse(response);
    });
  }

  private onStopped(s: StoppedInfo): void {
    this.variables.reset();
    const event: DebugProtocol.StoppedEvent = new StoppedEvent(s.reason, THREAD_ID);
    event.body.description = s.description ?? describeStop(s, this.runtime);
    if (s.hitBreakpointIds.length) event.body.hitBreakpointIds = s.hitBreakpointIds;
    if (s.reason === 'exception' && s.description) event.body.text = s.description;
    event.body.allThreadsStopped = true;
    this.sendEvent(event);
    this.sendEvent(new Event(STEP_EVENT, { file: this.runtime?.file, traceIndex: this.traceIndex, stepId: s.stepId, position: s.position, reason: s.reason }));
  }

  private sourceOf(rt: TraceDebugRuntime): Source {
    return new Source(basename(rt.file), this.convertDebuggerPathToClient(rt.file));
  }

  /** Answer, then move: DAP wants the response before the stopped event the move sends. */
  private move(response: DebugProtocol.Response, action: (rt: TraceDebugRuntime) => void, afterEnd = false, check?: (rt: TraceDebugRuntime) => void): void {
    const reading = this.reading;
    if (reading) {
      // The run is still being read: answered now, made on the whole run (launchReading), where a
      // move that cannot be made says why and leaves the replay stopped where it is.
      if (reading.deferred) return this.fail(response, ERR.request, 'the run is still being read: the move asked before waits for it');
      return this.withRuntime(response, () => {
        this.sendResponse(response);
        reading.deferred = (rt) => {
          try {
            const refused = refusal(rt, afterEnd);
            if (refused) throw new Error(refused);
            check?.(rt);
            action(rt);
          } catch (e) {
            this.sendEvent(new OutputEvent(`${messageOf(e)}\n`, 'stderr'));
            this.stoppedWhereItIs(rt, `Not moved (${messageOf(e)})`);
          }
        };
      });
    }
    this.withRuntime(response, (rt) => {
      const refused = refusal(rt, afterEnd);
      if (refused) return this.fail(response, ERR.request, refused);
      // A move that cannot be made is refused in its answer (the host then tries otherwise), not
      // answered and then written to the Debug Console: `check` throws why, before the answer.
      check?.(rt);
      this.sendResponse(response);
      try {
        action(rt);
      } catch (e) {
        this.sendEvent(new OutputEvent(`${messageOf(e)}\n`, 'stderr'));
      }
    });
  }

  private withFrame(response: DebugProtocol.Response, frameId: number, action: (rt: TraceDebugRuntime, position: number) => void): void {
    this.withRuntime(response, (rt) => {
      const position = frameId - 1;
      if (!Number.isInteger(position) || position < 0 || position >= rt.length) return this.fail(response, ERR.frame, `no stack frame ${frameId}`);
      action(rt, position);
    });
  }

  private withRuntime(response: DebugProtocol.Response, action: (rt: TraceDebugRuntime) => void): void {
    const rt = this.runtime;
    if (!rt) return this.fail(response, ERR.notLaunched, `no trace is loaded yet: send "launch" with the trace file first (${response.command})`);
    this.guard(response, ERR.request, () => action(rt));
  }

  private guard(response: DebugProtocol.Response, id: number, action: () => void): void {
    try {
      action();
    } catch (e) {
      this.fail(response, id, `${response.command}: ${messageOf(e)}`);
    }
  }

  /** An error response that shows `message` as it is (never read as a format with {placeholders}). */
  private fail(response: DebugProtocol.Response, id: number, message: string): void {
    this.sendErrorResponse(response, { id, format: '{_message}', variables: { _message: message }, showUser: true });
  }
}

function filtersFor(taxonomy: string | undefined): ExceptionFilter[] {
  try {
    return exceptionFilters(loadTaxonomy(taxonomy ?? 'default'));
  } catch {
    // A bad taxonomy name is reported by launch, which names the argument; announce the default's filters meanwhile.
    return exceptionFilters(loadTaxonomy('default'));
  }
}

/** DAP names the filter id `filter`. */
function toDapFilter(f: ExceptionFilter): DebugProtocol.ExceptionBreakpointsFilter {
  return {
    filter: f.filterId, label: f.label, supportsCondition: f.supportsCondition, conditionDescription: f.conditionDescription,
    ...(f.description ? { description: f.description } : {}), ...(f.default !== undefined ? { default: f.default } : {}),
  };
}

function toBreakpoint(r: BreakpointResult): DebugProtocol.Breakpoint {
  return { verified: r.verified, ...(r.message ? { message: r.message } : {}), ...(r.id !== undefined ? { id: r.id } : {}), ...(r.line !== undefined ? { line: r.line } : {}) };
}

/** The first bad condition, said plainly (the evaluator's message and column), or undefined. */
function badConditions(items: { what: string; condition?: string }[]): string | undefined {
  const problems: string[] = [];
  for (const { what, condition } of items) {
    if (!condition?.trim()) continue;
    try {
      compileExpression(condition);
    } catch (e) {
      const col = e instanceof ExpressionError && e.column > 0 ? ` at column ${e.column}` : '';
      problems.push(`${what}: condition ${JSON.stringify(condition)} is not a valid expression${col}: ${messageOf(e)}`);
    }
  }
  return problems.length ? problems.join('; ') : undefined;
}

function describeStop(s: StoppedInfo, rt: TraceDebugRuntime | undefined): string {
  const step = rt?.index.step(s.position);
  const name = step ? `${step.kind} ${step.name}` : `step ${s.position}`;
  switch (s.reason) {
    case 'entry': return `Paused on entry: ${name}`;
    case 'goto': return `Moved to ${name}`;
    case 'restart': return `Restarted frame ${name}`;
    default: return `Paused on ${name}`;
  }
}

/** Why no move can be made on `rt` now (the replay ended, or runs), or undefined. */
function refusal(rt: TraceDebugRuntime, afterEnd: boolean): string | undefined {
  if (rt.terminated && !afterEnd) return 'the replay has ended: restart the session, or use goto';
  if (rt.running) return 'the replay is running: pause it first';
  return undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
