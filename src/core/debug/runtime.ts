/**
 * The trace debugger's engine: a recorded agent run replayed as a program. It holds a position in
 * the engine's TraceIndex (a TraceCursor) and makes the moves a debugger makes over the agent's
 * decisions (step over, into, out of, back, continue both ways, restart frame, goto), asking the
 * BreakpointSet at every step it passes whether to stop. It emits `stopped`, `output` (logpoints,
 * load warnings) and `terminated`. No VS Code and no DAP here: src/core/debug/adapter.ts is the
 * thin Debug Adapter Protocol layer over it, and the extension host can drive it directly.
 *
 * Moves in decision order (pre-order: a subtree is contiguous):
 * - stepIn: the next step (the first child, or the next decision when there is none);
 * - stepOver: one past the step's subtree (the next decision at the same depth, else the parent's);
 * - stepOut: one past the parent's subtree (a top-level step: like stepOver);
 * - stepBack: the previous decision at the same depth, else the parent (stepInBack: the previous
 *   step; stepOutBack: the parent);
 * - continue / reverseContinue: to the next / previous step where a breakpoint stops, else the end
 *   (terminated) / the first step (reason `entry`).
 * Like a debugger stepping over a call that hits a breakpoint, every step a move passes over is
 * checked in order (hit counts, logpoints), and the move stops early where one says stop. A move
 * checks each step it passes once: a continue over n steps costs n checks, never more. A move
 * over more than `sliceSize` steps yields to the event loop between slices (the extension host
 * stays responsive; `pause` stops it): short moves stop before the call returns, long ones by event.
 */
import { existsSync, statSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { resolve } from 'node:path';
import { bindAnnotations, categoryIn, loadAnnotationsFor, reviewOf, shownFindingCategory, traceIndexOf, type BoundAnnotations, type Correction, type ErrorTag } from '../annotations';
import type { Finding } from '../detect';
import { TraceCursor, TraceIndex, upperBound } from '../engine';
import { readHeldRuns, type HeldRuns, type HeldRunsOptions } from '../engine/held-runs';
import type { PayloadSource } from '../engine/stream/step-payloads';
import { Emitter, type Listener } from '../engine/emitter';
import { isStepErrorLabel } from '../model/labels';
import type { ImportedLabel, Step, Trace } from '../model/schema';
import { pickTrace } from '../model/trace-key';
import { loadTaxonomy, type Taxonomy } from '../taxonomy';
import { formatProblem, quoteTraceText, type Problem, UserInputError } from '../util/problems';
import { BreakpointSet, exceptionFilters, type BreakpointResult, type ExceptionFilter, type StopHit } from './breakpoints';
import { compileExpression } from './expression';
import { stepScope, type StepScopeSource } from './step-scope';
import { failedByStatus } from '../detect/user-stop';
import { mayHaveGist, stepGist } from '../analysis/step-gist';

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'exception' | 'goto' | 'restart' | 'pause';

export interface StoppedInfo {
  reason: StopReason;
  position: number;
  stepId: string;
  /** Why, for people: the breakpoint or failure category that stopped here. */
  description?: string;
  hitBreakpointIds: number[];
  /** The exception filter that stopped here (reason `exception`). */
  filterId?: string;
}

export interface RuntimeEvents {
  stopped: StoppedInfo;
  /** A logpoint's message (`position` set) or a load warning. */
  output: { text: string; category: 'console' | 'stderr'; position?: number };
  /** The replay ran past the last step. */
  terminated: { position: number };
}

/** A step shown as a stack frame: innermost first. */
export interface RuntimeFrame {
  position: number;
  stepId: string;
  /** `<kind> <name>`: `tool search`, `llm decide`, `agent planner`. */
  name: string;
  kind: Step['kind'];
  location?: Step['location'];
}

/** A detector finding as the user's taxonomy names it (`defaultCategory`: as the detector said it). */
export type ShownFinding = Finding & { defaultCategory: string };

/** One tag on a step, for breakpoints and the Variables view: a sidecar tag or an imported label. */
export interface StepTag {
  category: string;
  note?: string;
  origin: 'human' | 'rule' | 'imported';
  status: 'confirmed' | 'rejected';
  impact?: string;
  evidence?: string;
  description?: string;
}

export interface ExceptionDetails {
  /** The category that stopped here (the filter's, else the step's first failure category). */
  exceptionId: string;
  /** Category name, rule and evidence, one line each. */
  description: string;
  errorType?: string;
  errorMessage?: string;
  stack?: string;
}

export interface GotoTarget {
  position: number;
  label: string;
  line: number;
  endLine: number;
  column?: number;
  endColumn?: number;
}

/**
 * The run the launch names, and how it named it (for a refusal): by `traceKey`, else by
 * `traceIndex` (default 0). A run the file does not have is a LaunchError naming the argument.
 */
function launchedRun(options: LaunchOptions, traces: Trace[]): { trace: Trace; argument: 'traceKey' | 'traceIndex'; name: string } {
  if (options.traceKey !== undefined) {
    try {
      return { trace: pickTrace(options.trace, traces, { traceKey: options.traceKey }), argument: 'traceKey', name: quoteTraceText(options.traceKey) };
    } catch (e) {
      throw new LaunchError('traceKey', problemText(e));
    }
  }
  const wanted = options.traceIndex ?? 0;
  const trace = traces.find((t) => traceIndexOf(t) === wanted) ?? (traces.length > 1 ? traces[wanted] : undefined);
  if (!trace) {
    const ids = traces.map((t, i) => (traces.length > 1 ? i : traceIndexOf(t)));
    const valid = traces.length === 1 ? `${ids[0]} (the file holds one trace)` : `0 to ${traces.length - 1} (the file holds ${traces.length} traces)`;
    throw new LaunchError('traceIndex', `${options.trace}: there is no trace ${wanted} in this file; use ${valid}`);
  }
  return { trace, argument: 'traceIndex', name: String(wanted) };
}

export interface LaunchOptions {
  /** The trace file. */
  trace: string;
  /** Which trace of a file that holds several (its `indexInFile`); default 0. */
  traceIndex?: number;
  /** Which trace by its key (its own id, else its number: src/core/model/trace-key.ts); wins over traceIndex. */
  traceKey?: string;
  /** `default`, `trail`, `mast` or a taxonomy file's path; default `default`. */
  taxonomy?: string;
  /** Where the annotation sidecar is (the host knows its configured location); default beside the trace. */
  sidecarPath?: string;
  /** The heap the load may use, in bytes (tests); default what this thread's heap has left. */
  heapAvailableBytes?: number;
  /** Told the file's size once it is known to fit, before it is loaded (the adapter says so when it is large). */
  onLoading?: (bytes: number) => void;
  /** Told what the launch does after `onLoading`, as it goes (the adapter shows it as the client's progress). */
  onProgress?: (progress: LaunchProgress) => void;
}

/** What `prepareLaunch` settled: the taxonomy, the file's absolute path and its size (undefined: missing, for the read to report). */
export interface PreparedLaunch {
  taxonomy: Taxonomy;
  taxonomySpec: string;
  file: string;
  size: number | undefined;
}

/**
 * What a launch is doing: reading the file and finding its failures as it goes (`fraction` read,
 * for a file the loader streams; a file read whole is one step), then indexing the run.
 */
export type LaunchProgress = { phase: 'reading'; fraction?: number } | { phase: 'indexing'; steps: number };

/**
 * The heap a launch may take. A file the loader reads whole (a document up to V8's string limit)
 * is parsed, built and detected at once: measured as the smallest --max-old-space-size that loaded
 * a file of 10^5 steps whole, 560 MB for 136 MB of agent-trace/v1 lines, 900 MB for a 182 MB OTLP
 * document; so a part that does not grow with the file and about 2.6 bytes a byte, with a margin
 * (a launch that runs out of heap aborts the process). Above the string limit every format the
 * loader reads streams, and the steps are held without their payloads: at 10^6 steps 1.4 GB of
 * agent-trace/v1 lines loaded in a 600 MB heap and a 1.9 GB OTLP document in 700 MB (where loading
 * them whole took 2.5 GB and over 4 GB); half a byte a byte leaves twice that.
 */
const LAUNCH_HEAP_FIXED_BYTES = 512 * 2 ** 20;
const LAUNCH_HEAP_PER_FILE_BYTE = 2.75;
const LAUNCH_HEAP_PER_STREAMED_BYTE = 0.5;
/** V8's string limit: larger files stream, whatever their format (agent-trace/v1 lines already from 4 MB). */
const STREAMED_ABOVE_BYTES = 0x1fffffe8;

/** The heap a launch of a file of `bytes` is taken to need (see above). */
export function launchHeapNeeded(bytes: number): number {
  return LAUNCH_HEAP_FIXED_BYTES + bytes * (bytes > STREAMED_ABOVE_BYTES ? LAUNCH_HEAP_PER_STREAMED_BYTE : LAUNCH_HEAP_PER_FILE_BYTE);
}

/**
 * Refuse a trace whose whole load would not fit in the heap, before loading it: running out of
 * heap is not a clean failure in Node (in a worker thread it can abort the whole process, the
 * extension host included).
 */
function checkFitsInHeap(file: string, trace: string, available: number): number | undefined {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return undefined; // a missing file is the load's to report
  }
  const needed = launchHeapNeeded(size);
  if (needed <= available) return size;
  const mb = (n: number): string => `${Math.round(n / 2 ** 20)} MB`;
  throw new LaunchError('trace', `${trace} is too large to debug: loading this file (${mb(size)}) takes about ${mb(needed)} of memory, and the debugger has ${mb(Math.max(0, available))}. Open it in the trace editor, which reads it in pages`);
}

function heapAvailable(): number {
  const heap = getHeapStatistics();
  return heap.heap_size_limit - heap.used_heap_size;
}

/** A launch that cannot start: `argument` names the launch argument at fault. */
export class LaunchError extends Error {
  constructor(readonly argument: 'trace' | 'traceIndex' | 'traceKey' | 'taxonomy', message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}

/** A sorted list of positions of which the first `count` are at or before the step asked about. */
export interface PositionsSoFar {
  list: readonly number[];
  count: number;
}

export interface SoFar {
  inputTokens: number;
  outputTokens: number;
  cost: number;
  /** The last model call at or before the step: the conversation the model had seen. */
  lastModelCall?: number;
  toolSteps: PositionsSoFar;
  failures: PositionsSoFar;
}

interface Prefix {
  input: Float64Array;
  output: Float64Array;
  cost: Float64Array;
  llm: number[];
  tools: number[];
  failing: number[];
}

const NO_TAGS: readonly StepTag[] = Object.freeze([]);
const NO_FINDINGS: readonly ShownFinding[] = Object.freeze([]);

export class TraceDebugRuntime {
  readonly index: TraceIndex;
  readonly breakpoints: BreakpointSet;
  /** What conditions, logpoints and the Debug Console see. */
  readonly source: StepScopeSource;
  private readonly cursor: TraceCursor;
  private readonly emitter = new Emitter<RuntimeEvents>();
  private readonly findings = new Map<number, ShownFinding[]>();
  private readonly tags = new Map<number, StepTag[]>();
  private readonly countingTags = new Map<number, StepTag[]>();
  private readonly sidecarEntries = new Map<number, ErrorTag[]>();
  private readonly corrections = new Map<number, Correction>();
  private prefix: Prefix | undefined;
  /** The run in progress when a move spans more than one slice. */
  private run: { paused: boolean } | undefined;
  /** Steps checked before a long move yields to the event loop. */
  sliceSize = 50_000;
  private ranges: ({ line: number; endLine: number } | undefined)[] | undefined;
  private lastStop: StoppedInfo | undefined;
  private ended = false;

  /**
   * Loads a trace the way the CLI does (format detection, import), its findings as the editor
   * computes them (`findingsFor`), and its tags from the sidecar when there is one. Throws
   * LaunchError naming the argument at fault.
   */
  static launch(options: LaunchOptions): { runtime: TraceDebugRuntime; warnings: string[] } {
    return TraceDebugRuntime.launchPrepared(options, TraceDebugRuntime.prepareLaunch(options));
  }

  /** `launch` once `prepareLaunch` has settled: the file read in this thread. */
  static launchPrepared(options: LaunchOptions, prepared: PreparedLaunch): { runtime: TraceDebugRuntime; warnings: string[] } {
    let held: HeldRuns;
    const progress = options.onProgress;
    try {
      // The engine's document loader, in this thread: a large file streams, its failures found as
      // it is read, and its steps are held without their payloads (read back from the file where a
      // step is shown whole: Variables, conditions and the Debug Console on messages or results).
      progress?.({ phase: 'reading' });
      held = readHeldRuns(prepared.file, TraceDebugRuntime.readOptions(prepared, progress));
    } catch (e) {
      throw TraceDebugRuntime.readFailed(e);
    }
    return TraceDebugRuntime.fromHeldRuns(options, prepared, held);
  }

  /** The LaunchError of a file that could not be read as a trace (its problems, file and place, said plainly). */
  static readFailed(e: unknown): LaunchError {
    return e instanceof LaunchError ? e : new LaunchError('trace', problemText(e));
  }

  /**
   * What a launch settles before it reads the file: its taxonomy (LaunchError 'taxonomy') and that
   * the file's load fits in the heap (LaunchError 'trace'; `onLoading` is told the size first).
   */
  static prepareLaunch(options: LaunchOptions): PreparedLaunch {
    let taxonomy: Taxonomy;
    const taxonomySpec = options.taxonomy ?? 'default';
    try {
      taxonomy = loadTaxonomy(taxonomySpec);
    } catch (e) {
      throw new LaunchError('taxonomy', problemText(e));
    }
    const file = resolve(options.trace);
    const size = checkFitsInHeap(file, options.trace, options.heapAvailableBytes ?? heapAvailable());
    if (size !== undefined) options.onLoading?.(size);
    return { taxonomy, taxonomySpec, file, size };
  }

  /** How a launch reads its file (readHeldRuns, or readHeldRunsInWorker): usage kept, progress as a fraction read. */
  static readOptions(prepared: PreparedLaunch, progress: LaunchOptions['onProgress']): HeldRunsOptions {
    return {
      taxonomy: prepared.taxonomySpec, keepUsage: true,
      ...(progress ? { onProgress: (byte: number, total: number) => progress({ phase: 'reading', fraction: total > 0 ? byte / total : 1 }) } : {}),
    };
  }

  /** The runtime of the run a launch names, once its file is read: its findings, and its tags bound from the sidecar. */
  static fromHeldRuns(options: LaunchOptions, prepared: PreparedLaunch, held: HeldRuns): { runtime: TraceDebugRuntime; warnings: string[] } {
    const warnings = held.warnings.map(formatProblem);
    const { trace, argument, name } = launchedRun(options, held.runs.map((r) => r.trace));
    const run = held.runs.find((r) => r.trace === trace)!;
    if (trace.steps.length === 0) throw new LaunchError(argument, `${options.trace}: trace ${name} has no steps (nothing to debug)`);
    const sidecar = TraceDebugRuntime.sidecarOf(options, prepared.file, trace);
    warnings.push(...sidecar.warnings);
    options.onProgress?.({ phase: 'indexing', steps: trace.steps.length });
    return { runtime: new TraceDebugRuntime(trace, run.findings, prepared.taxonomy, prepared.file, sidecar.bound, run.payloads), warnings };
  }

  /**
   * The annotation sidecar's tags and corrections bound to `trace` (the run a launch names, or
   * its first steps while the rest is read), and what to warn about it: a broken sidecar must not
   * stop the debugger, so it gives none and says why.
   */
  static sidecarOf(options: Pick<LaunchOptions, 'sidecarPath'>, file: string, trace: Trace): { bound: BoundAnnotations | undefined; warnings: string[] } {
    const warnings: string[] = [];
    try {
      // A sidecar the host points at may not exist yet (nobody tagged there): read the one beside the trace, if any.
      const explicit = options.sidecarPath !== undefined && existsSync(options.sidecarPath) ? options.sidecarPath : undefined;
      const sidecar = loadAnnotationsFor(file, trace.source, explicit);
      warnings.push(...sidecar.warnings.map(formatProblem));
      const bound = bindAnnotations(sidecar.doc, trace, options.sidecarPath ?? `${file}.annotations.json`);
      if (bound.shaMismatch) warnings.push(formatProblem(bound.shaMismatch));
      return { bound, warnings };
    } catch (e) {
      warnings.push(`${problemText(e)} (debugging without its tags)`);
      return { bound: undefined, warnings };
    }
  }

  /**
   * `payloads`: where the steps held without their payloads are in the file (readHeldRuns); absent
   * when `trace.steps` are whole.
   */
  constructor(readonly trace: Trace, findings: readonly Finding[], readonly taxonomy: Taxonomy, readonly file: string, bound?: Pick<BoundAnnotations, 'tagsByStep' | 'correctionByStep'>, private readonly payloads?: PayloadSource) {
    const counting: ShownFinding[] = [];
    for (const f of findings) {
      const tags = bound?.tagsByStep.get(f.stepId);
      if (tags && reviewOf(tags, f) === 'rejected') continue;
      counting.push({ ...f, category: shownFindingCategory(f.category, taxonomy), defaultCategory: f.category });
    }
    this.index = new TraceIndex(trace.steps, counting);
    for (const f of counting) pushAt(this.findings, this.index.indexOf(f.stepId), f);
    this.bindTags(bound);
    this.cursor = new TraceCursor(this.index, 0);
    this.breakpoints = new BreakpointSet(taxonomy);
    this.source = {
      steps: this.index.steps,
      ...(payloads ? { whole: (i: number) => this.wholeStep(i) } : {}),
      findingsAt: (i) => this.findings.get(i) ?? NO_FINDINGS,
      tagsAt: (i) => this.countingTags.get(i) ?? NO_TAGS,
    };
  }

  on<K extends keyof RuntimeEvents>(event: K, listener: Listener<RuntimeEvents[K]>): () => void {
    return this.emitter.on(event, listener);
  }

  get position(): number {
    return this.cursor.position;
  }

  get step(): Step {
    return this.index.step(this.cursor.position);
  }

  /** The step at position i with its payloads: read back from the file when it is held without them. */
  wholeStep(i: number): Step {
    const step = this.index.step(i);
    return this.payloads ? this.payloads.whole(step) : step;
  }

  get length(): number {
    return this.index.length;
  }

  /** The last stop, or undefined before the start and after the end. */
  get stopped(): StoppedInfo | undefined {
    return this.ended ? undefined : this.lastStop;
  }

  get terminated(): boolean {
    return this.ended;
  }

  /** True while a long move is running (between its slices); moves are ignored until it stops. */
  get running(): boolean {
    return this.run !== undefined;
  }

  /** Stop a running move where it is (reason `pause`); nothing when none runs. */
  pause(): void {
    if (this.run) this.run.paused = true;
  }

  /**
   * Take over a stop another runtime of the same run made (the adapter's first runtime, over the
   * run's first steps, stops on entry while the rest is read): stopped there, without telling
   * anyone again. Throws when this run has no such step.
   */
  adoptStop(stop: StoppedInfo): void {
    const i = this.index.indexOf(stop.stepId);
    if (i === undefined) throw new Error(`step ${JSON.stringify(stop.stepId)} is no longer in the trace`);
    this.cursor.goto(i);
    this.ended = false;
    this.lastStop = { ...stop, position: i };
  }

  /** Begin the replay: stop on the first step, or run to the first breakpoint (or the end). */
  start(stopOnEntry: boolean): void {
    if (stopOnEntry) return this.stopAt(0, 'entry');
    this.runForward(0, this.length - 1, undefined);
  }

  stepIn(): void {
    const i = this.position;
    this.runForward(i + 1, i + 1, 'step');
  }

  stepOver(): void {
    const i = this.position;
    this.runForward(i + 1, this.index.subtreeEndOf(i), 'step');
  }

  stepOut(): void {
    const i = this.position;
    const p = this.index.parentOf(i);
    this.runForward(i + 1, this.index.subtreeEndOf(p >= 0 ? p : i), 'step');
  }

  continue(): void {
    this.runForward(this.position + 1, this.length - 1, undefined);
  }

  /** The previous decision at the same depth, else the parent: Step Over backwards. */
  stepBack(): void {
    const i = this.position;
    const p = this.index.parentOf(i);
    this.runBackward(i - 1, this.index.previousSiblingOf(i) ?? (p >= 0 ? p : 0));
  }

  /** The previous step in decision order: Step Into backwards. */
  stepInBack(): void {
    this.runBackward(this.position - 1, Math.max(0, this.position - 1));
  }

  /** The parent (the first step for a top-level one): Step Out backwards. */
  stepOutBack(): void {
    const p = this.index.parentOf(this.position);
    this.runBackward(this.position - 1, p >= 0 ? p : 0);
  }

  reverseContinue(): void {
    this.runBackward(this.position - 1, 0, true);
  }

  /** Back to the start of a frame: the current step or one of its ancestors. */
  restartFrame(position: number): void {
    if (this.ended || this.run) return;
    this.checkFrame(position);
    this.stopAt(position, 'restart');
  }

  /** Throws, saying why, unless `position` is the current step or one of its ancestors. */
  checkFrame(position: number): void {
    if (!this.ancestry(this.position).includes(position)) throw new Error(`step ${position} is not a frame of the current stack`);
  }

  /** Jump to a step by position or stable id (Run to Cursor, a row selected in the trace editor). */
  goto(target: number | string): void {
    const i = this.positionOf(target);
    if (this.run) throw new Error('the replay is running: pause it first');
    this.ended = false;
    this.stopAt(i, 'goto');
  }

  /** The position of a goto's target (a position or a stable id); throws, saying why, when there is none. */
  positionOf(target: number | string): number {
    const i = typeof target === 'string' ? this.index.indexOf(target) : target;
    if (i === undefined || !Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new Error(typeof target === 'string' ? `no step with id ${JSON.stringify(target)} in this trace` : `no step at position ${target} (the trace has ${this.length} steps)`);
    }
    return i;
  }

  /** The nesting of a step, innermost first. `start`/`levels` page it; `total` is the whole depth. */
  stack(position = this.position, start = 0, levels?: number): { frames: RuntimeFrame[]; total: number } {
    const chain = this.ancestry(position);
    const end = levels === undefined || levels <= 0 ? chain.length : Math.min(chain.length, start + levels);
    return { frames: chain.slice(start, end).map((i) => this.frameOf(i)), total: chain.length };
  }

  /** Step i as a frame of the call stack: its kind and name, and its gist (a call's command, a reply's first line: stepGist). */
  frameOf(i: number): RuntimeFrame {
    const s = this.index.step(i);
    const gist = this.gistOf(i);
    return { position: i, stepId: s.id, name: `${s.kind} ${s.name}${gist === undefined ? '' : ` · ${gist}`}`, kind: s.kind, ...(s.location ? { location: s.location } : {}) };
  }

  /** Step i's gist, read back from the file for a held step (up to GIST_READ_BYTES); none when the file cannot be read back (it changed since the launch). */
  private gistOf(i: number): string | undefined {
    if (!mayHaveGist(this.index.step(i), this.payloads)) return undefined;
    try {
      return stepGist(this.wholeStep(i));
    } catch {
      return undefined;
    }
  }

  findingsAt(i: number): readonly ShownFinding[] {
    return this.findings.get(i) ?? NO_FINDINGS;
  }

  /** Every tag on a step, rejected ones included (`source.tagsAt` has the ones that count). */
  tagsAt(i: number): readonly StepTag[] {
    return this.tags.get(i) ?? NO_TAGS;
  }

  /** The sidecar's entries on a step (tags, confirmations and rejections of findings), as written. */
  sidecarEntriesAt(i: number): readonly ErrorTag[] {
    return this.sidecarEntries.get(i) ?? [];
  }

  correctionAt(i: number): Correction | undefined {
    return this.corrections.get(i);
  }

  exceptionFilters(): ExceptionFilter[] {
    return exceptionFilters(this.taxonomy);
  }

  setExceptionFilters(filters: { filterId: string; condition?: string }[]): BreakpointResult[] {
    return this.breakpoints.setExceptionFilters(filters);
  }

  /** Tool names (`search`) and agents (`agent:planner`); a name no step of the trace has is unverified. */
  setFunctionBreakpoints(bps: { name: string; condition?: string; hitCondition?: string; logMessage?: string }[]): BreakpointResult[] {
    return this.breakpoints.setFunctionBreakpoints(bps, this.source);
  }

  /** Line breakpoints in the trace file: each stops at the step whose range covers its line. */
  setLineBreakpoints(bps: { line: number; condition?: string; hitCondition?: string; logMessage?: string }[]): BreakpointResult[] {
    this.ranges ??= this.index.steps.map((s) => (s.location ? { line: s.location.line, endLine: s.location.endLine } : undefined));
    return this.breakpoints.setLineBreakpoints(bps, this.ranges);
  }

  /** Is `path` the trace file being debugged? */
  isTraceFile(path: string): boolean {
    return resolve(path) === this.file;
  }

  /** Evaluate a Debug Console, watch or hover expression at a step. Throws ExpressionError for a bad one. */
  evaluate(expression: string, position = this.position): unknown {
    return compileExpression(expression).evaluate(stepScope(this.source, position));
  }

  /** Steps whose lines in the trace file cover `line`, innermost (narrowest) first. */
  gotoTargets(line: number): GotoTarget[] {
    const out: GotoTarget[] = [];
    for (let i = 0; i < this.index.length; i++) {
      const s = this.index.step(i);
      const l = s.location;
      if (l && l.line <= line && line <= l.endLine) out.push({ position: s.index, label: `${s.kind} ${s.name}`, line: l.line, endLine: l.endLine, column: l.column, endColumn: l.endColumn });
    }
    return out.sort((a, b) => a.endLine - a.line - (b.endLine - b.line) || b.position - a.position);
  }

  /** What the Exception widget shows at a failing step: category, rule and evidence; error type, message and stack. */
  exceptionInfo(position = this.position): ExceptionDetails | undefined {
    const s = this.index.step(position);
    const findings = this.findingsAt(position);
    const tags = this.countingTags.get(position) ?? NO_TAGS;
    if (s.status !== 'error' && findings.length === 0 && tags.length === 0) return undefined;
    const stop = this.lastStop?.position === position ? this.lastStop : undefined;
    const lines: string[] = [];
    for (const f of findings) lines.push(`${this.categoryName(f.category)} (rule ${f.rule})${f.evidence ? `: ${f.evidence}` : ''}`);
    for (const t of tags) lines.push(`${this.categoryName(t.category)} (${t.origin === 'imported' ? 'imported label' : `${t.origin} tag`})${t.evidence ? `: ${t.evidence}` : t.note ? `: ${t.note}` : ''}`);
    if (s.error) lines.push(`${s.error.type ?? 'Error'}: ${s.error.message}`);
    const exceptionId = stop?.filterId && stop.filterId !== 'all' ? stop.filterId : findings[0]?.category ?? tags[0]?.category ?? s.error?.type ?? 'error';
    return {
      exceptionId,
      description: lines.join('\n') || 'the step has an error status',
      ...(s.error?.type ? { errorType: s.error.type } : {}),
      ...(s.error ? { errorMessage: s.error.message } : {}),
      ...(s.error?.stack ? { stack: s.error.stack } : {}),
    };
  }

  /**
   * What had happened by step i (inclusive): tokens and cost summed over the steps so far, the last
   * model call (what the model had seen), tool steps and failing steps so far. Prefix sums and
   * sorted positions are built once, so asking at any step costs a binary search.
   */
  soFar(i: number): SoFar {
    const p = (this.prefix ??= this.buildPrefix());
    const llmCount = upperBound(p.llm, i);
    return {
      inputTokens: p.input[i + 1], outputTokens: p.output[i + 1], cost: p.cost[i + 1],
      ...(llmCount > 0 ? { lastModelCall: p.llm[llmCount - 1] } : {}),
      toolSteps: { list: p.tools, count: upperBound(p.tools, i) },
      failures: { list: p.failing, count: upperBound(p.failing, i) },
    };
  }

  /** A category id as the taxonomy names it (`Tool-related` for TRAIL's id); unknown ids as written. */
  categoryName(id: string): string {
    return this.taxonomy.get(id)?.name ?? id;
  }

  dispose(): void {
    this.cursor.dispose();
  }

  private buildPrefix(): Prefix {
    const n = this.length;
    const input = new Float64Array(n + 1);
    const output = new Float64Array(n + 1);
    const cost = new Float64Array(n + 1);
    const llm: number[] = [];
    const tools: number[] = [];
    const failing: number[] = [];
    for (let k = 0; k < n; k++) {
      const s = this.index.step(k);
      input[k + 1] = input[k] + (s.usage?.inputTokens ?? 0);
      output[k + 1] = output[k] + (s.usage?.outputTokens ?? 0);
      cost[k + 1] = cost[k] + (s.usage?.cost ?? 0);
      if (s.kind === 'llm') llm.push(k);
      if (s.kind === 'tool' || s.toolCall) tools.push(k);
      if (failedByStatus(s) || this.findings.has(k) || this.countingTags.has(k)) failing.push(k);
    }
    return { input, output, cost, llm, tools, failing };
  }

  private ancestry(position: number): number[] {
    const chain: number[] = [];
    for (let i = position; i >= 0; i = this.index.parentOf(i)) chain.push(i);
    return chain;
  }

  /**
   * Check steps from..to (inclusive; from > to checks nothing) in order and stop at the first that
   * says stop; else stop at `to` with `reason`, or, with no reason (continue), end the replay.
   */
  private runForward(from: number, to: number, reason: 'step' | undefined): void {
    if (this.ended || this.run) return;
    this.scan(from, Math.min(to, this.length - 1), 1, () => {
      if (reason && to < this.length) return this.stopAt(to, reason);
      this.ended = true;
      this.lastStop = undefined;
      this.emitter.emit('terminated', { position: this.position });
    });
  }

  /** Backwards: check from..to (from >= to) in reverse order; else stop at `to` (`entry` at the first step when continuing). */
  private runBackward(from: number, to: number, continuing = false): void {
    if (this.ended || this.run) return;
    this.scan(from, to, -1, () => this.stopAt(to, continuing || (to === 0 && from < 0) ? 'entry' : 'step'));
  }

  /**
   * Check steps from `from` to `to` in `direction`, `sliceSize` at a time: a long run yields to the
   * event loop between slices (the extension host stays responsive, and `pause` is heard), so a
   * move over a short range finishes before the call returns and a long one ends with an event.
   */
  private scan(from: number, to: number, direction: 1 | -1, done: () => void): void {
    const run = { paused: false };
    let k = from;
    const slice = (): void => {
      if (run.paused) {
        this.run = undefined;
        return this.stopAt(k - direction, 'pause');
      }
      const until = direction > 0 ? Math.min(to, k + this.sliceSize - 1) : Math.max(to, k - this.sliceSize + 1);
      for (; direction > 0 ? k <= until : k >= until; k += direction) {
        const hit = this.checkAt(k);
        if (hit) {
          this.run = undefined;
          return this.stopAt(k, hit.reason, hit);
        }
      }
      if (direction > 0 ? k > to : k < to) {
        this.run = undefined;
        return done();
      }
      this.run = run;
      setImmediate(slice);
    };
    slice();
  }

  /** Asks the BreakpointSet about step k; writes its logpoint lines. */
  private checkAt(k: number): StopHit | undefined {
    const r = this.breakpoints.check(this.source, k);
    for (const text of r.logs) this.emitter.emit('output', { text: text.endsWith('\n') ? text : `${text}\n`, category: 'console', position: k });
    return r.stop;
  }

  private stopAt(i: number, reason: StopReason, hit?: { description: string; hitBreakpointIds: number[]; filterId?: string }): void {
    this.cursor.goto(i);
    this.ended = false;
    const info: StoppedInfo = {
      reason, position: i, stepId: this.index.step(i).id, hitBreakpointIds: hit?.hitBreakpointIds ?? [],
      ...(hit?.description ? { description: hit.description } : {}), ...(hit?.filterId ? { filterId: hit.filterId } : {}),
    };
    this.lastStop = info;
    this.emitter.emit('stopped', info);
  }

  private bindTags(bound: Pick<BoundAnnotations, 'tagsByStep' | 'correctionByStep'> | undefined): void {
    for (const [stepId, list] of bound?.tagsByStep ?? []) {
      const i = this.index.indexOf(stepId);
      if (i === undefined) continue;
      this.sidecarEntries.set(i, list);
      for (const t of list) {
        if (t.source !== 'human') continue;
        pushAt(this.tags, i, {
          category: categoryIn(t, this.taxonomy), origin: 'human', status: t.status,
          ...(t.description ?? t.evidence ? { note: t.description ?? t.evidence } : {}),
          ...(t.impact ? { impact: t.impact } : {}), ...(t.evidence ? { evidence: t.evidence } : {}), ...(t.description ? { description: t.description } : {}),
        });
      }
    }
    for (const [stepId, c] of bound?.correctionByStep ?? []) {
      const i = this.index.indexOf(stepId);
      if (i !== undefined) this.corrections.set(i, c);
    }
    // Labels the trace came with (TRAIL, Who&When, MAST) are people's verdicts on steps: tags too,
    // unless the sidecar rejects that category on that step (what the editor does).
    for (const l of this.trace.labels) {
      if (!isStepErrorLabel(l)) continue;
      const i = this.index.indexOf(l.stepId);
      if (i === undefined) continue;
      const category = this.taxonomy.get(l.category)?.id ?? l.category;
      const rejected = (this.sidecarEntries.get(i) ?? []).some((t) => t.status === 'rejected' && (t.category === l.category || t.category === category));
      pushAt(this.tags, i, labelTag(l, category, rejected));
    }
    // Rejected ones never count (breakpoints, conditions): the Variables view still lists them.
    for (const [i, list] of this.tags) {
      const confirmed = list.filter((t) => t.status === 'confirmed');
      if (confirmed.length) this.countingTags.set(i, confirmed);
    }
  }
}

function labelTag(l: ImportedLabel, category: string, rejected: boolean): StepTag {
  return {
    category, origin: 'imported', status: rejected ? 'rejected' : 'confirmed',
    note: `${l.scheme} label${l.evidence ? `: ${l.evidence}` : ''}`,
    ...(l.impact ? { impact: l.impact } : {}), ...(l.evidence ? { evidence: l.evidence } : {}), ...(l.description ? { description: l.description } : {}),
  };
}

function pushAt<T>(map: Map<number, T[]>, i: number | undefined, value: T): void {
  if (i === undefined) return;
  const list = map.get(i);
  if (list) list.push(value); else map.set(i, [value]);
}

function problemText(e: unknown): string {
  if (e instanceof UserInputError) return e.problems.map((p: Problem) => formatProblem(p)).join('; ');
  return e instanceof Error ? e.message : String(e);
}
