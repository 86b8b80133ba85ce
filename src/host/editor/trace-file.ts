/**
 * The host-side model of one opened trace file: the load result (or the located reason it could
 * not be loaded), one indexed TraceSession per trace, built on first use, and the file's
 * annotation document (tags, reviews, corrections; see annotation-state.ts). No vscode here.
 */
import { basename } from 'node:path';
import { bindAnnotations, sidecarPathFor, stepResolver, traceIndexOf, type BoundAnnotations } from '../../core/annotations';
import { loadTraceFromBytes } from '../../core/load';
import type { Step, Trace } from '../../core/model/schema';
import { FilePayloads, HELD_ATTRIBUTES, HeldContexts, type HeldPayloads, type LineChecker } from '../../core/engine/stream/step-payloads';
import { TextPayloads } from '../../core/engine/stream/text-payloads';
import { findTraceByKey } from '../../core/model/trace-key';
import { redactedPlaces } from '../../core/model/redaction';
import { formatProblem, isUserInputError, UserInputError, type Problem } from '../../core/util/problems';
import {
  ErrorCode, rpcError,
  type AnnotationOp, type AnnotationStatus, type CategoryGroup, type CorrectionOutput, type DiffLine, type LoadErrorInfo, type ReadyResult, type StepAnnotations,
} from '../../protocol';
import { assistantOutput } from '../../core/export/conversation';
import { AnnotationState, type SidecarReader } from './annotation-state';
import type { Finding, Taxonomy } from '../analysis/core-api';
import { findingsFor } from '../../core/review';
import { TraceSession } from './session';
import { completeLines } from '../../core/engine/stream/complete-lines';
import { unchangedStepPrefix } from '../../core/engine/step-prints';
import { makeRoomSoon } from '../../core/util/array-room';
import type { DocumentEvent } from '../../core/engine/worker/document-load';

export { completeLines };
import { cleanCorrection, correctionDiff, correctionProblems, editFor, stepAnnotations, stepRef, tagCategories } from './step-annotations';

/**
 * Steps indexed per turn of the event loop while the sessions catch up with the steps received
 * (flushGrowth, from the reader), and those a run's session is first built over while the file is
 * still read: 10-25 ms at 10^6 steps (5,000 took 30-77 ms, with the young generation's
 * collections that fall in them).
 */
export const STEPS_PER_SLICE = 2_000;

export interface TraceFileOptions {
  taxonomy: Taxonomy;
  detect?: (trace: Trace) => Finding[];
  /**
   * Reads the sidecar (`<trace>.annotations.json`): its text, or undefined when there is none.
   * Without one the annotations start empty and live in memory only (the webview tests).
   */
  readSidecar?: SidecarReader;
  /** Cap on the bytes inflated from an archive (`.eval`): the maxUnzippedMB setting. */
  maxUnzippedBytes?: number;
  /** Where the sidecar is read and saved (src/core/annotations/sidecar-location.ts); default beside the trace. */
  sidecarPath?: string;
}

/** How far the worker has read a file being opened (the webview shows it, with Cancel). */
export interface LoadProgress {
  bytesRead: number;
  totalBytes: number;
}

export class TraceFile {
  private readonly sessions = new Map<number, TraceSession>();
  /** Set while the document worker reads the file (see `applyLoadEvent`). */
  loading: LoadProgress | undefined;
  /** Why reading stopped before the end (cancelled, or the worker failed after sending steps). */
  stoppedReading: string | undefined;
  /** Findings the worker found, per run (it runs the detectors; the host does not). */
  private readonly workerFindings = new WeakMap<Trace, Finding[]>();
  /** Per run, its steps whose output is a redaction placeholder: as the worker counted them, or counted here. */
  private readonly redactedAt = new WeakMap<Trace, readonly number[]>();
  /** After a `reset`, the runs being read again; they replace the shown ones when the load is done. */
  private staged: Trace[] | undefined;
  /** Runs that received steps since the sessions were last brought up to date. */
  private grown = false;
  private readonly detectFn: (trace: Trace) => Finding[];
  readonly annotations: AnnotationState;
  private boundCache = new Map<number, BoundAnnotations>();
  /**
   * The payloads of runs whose steps came without them (a streamed file), by the run's steps
   * array: it stays the same array from the first steps through the end of the read.
   */
  private readonly payloads = new WeakMap<Step[], HeldPayloads>();
  /** The held span steps' contexts, shared (see HeldContexts). */
  private readonly heldContexts = new HeldContexts();
  /** Checks held lines in the document worker that read the file: half of each search (held-search.ts). */
  lineChecker: LineChecker | undefined;
  /** A held step read back is no longer in the file as read (set by the reader: it reads the file again). */
  onChangedOnDisk: (() => void) | undefined;

  private constructor(
    readonly path: string,
    /** These four change when the file changes on disk (see reload). */
    public format: string | null,
    public traces: Trace[],
    public warnings: Problem[],
    public loadError: LoadErrorInfo | undefined,
    readonly taxonomy: Taxonomy,
    detectFn: ((trace: Trace) => Finding[]) | undefined,
    readSidecar: SidecarReader | undefined,
    sidecarPath = sidecarPathFor(path),
  ) {
    // Findings are placed by the taxonomy's own location rule, as in `agent-trace inspect`.
    this.detectFn = detectFn ?? ((trace) => findingsFor(trace, taxonomy));
    const first = traces[0];
    this.annotations = new AnnotationState(sidecarPath, first ? { path: basename(path), sha256: first.source.sha256 } : undefined, readSidecar);
    // Registered before anyone else listens, so sessions are current when the others hear of a change.
    this.annotations.onDidChange(() => this.rebind());
  }

  private rebind(): void {
    this.boundCache.clear();
    for (const [i, s] of this.sessions) s.rebindAnnotations(this.bound(i));
  }

  /** The annotation document resolved against one trace (cached until the document changes). */
  bound(traceIndex: number): BoundAnnotations {
    let b = this.boundCache.get(traceIndex);
    if (!b) {
      const trace = this.traces[traceIndex];
      if (!trace) throw rpcError(ErrorCode.NotFound, `no trace ${traceIndex} in this file (it has ${this.traces.length})`);
      b = bindAnnotations(this.annotations.doc, trace, this.annotations.sidecarPath);
      this.boundCache.set(traceIndex, b);
    }
    return b;
  }

  /** Never throws for bad input: a file that cannot be read becomes a `loadError` the webview shows. */
  static fromBytes(path: string, bytes: Uint8Array, options: TraceFileOptions, readSibling?: (rel: string) => Uint8Array | undefined, listSibling?: (relDir: string) => string[] | undefined): TraceFile {
    try {
      const r = loadTraceFromBytes(path, bytes, { readSibling, listSibling, maxUnzippedBytes: options.maxUnzippedBytes });
      return new TraceFile(path, r.format, r.traces, r.warnings, undefined, options.taxonomy, options.detect, options.readSidecar, options.sidecarPath);
    } catch (e) {
      return TraceFile.failed(path, e, options);
    }
  }

  /**
   * The trace file changed on disk: read it again. Sessions already built are updated in place
   * (steps added at the end keep the rows before them; a rewrite rebuilds), the tags bind again by
   * stable step id, and the sidecar's next save is stamped with the new sha256. A version that
   * cannot be read (a write still in progress, a broken rewrite) leaves the trace as it was and
   * says why; the next change tries again.
   */
  reload(bytes: Uint8Array, options: Pick<TraceFileOptions, 'maxUnzippedBytes'> = {}, readSibling?: (rel: string) => Uint8Array | undefined, listSibling?: (relDir: string) => string[] | undefined): TraceReload {
    const complete = completeLines(bytes);
    let loaded;
    try {
      loaded = loadTraceFromBytes(this.path, complete, { readSibling, listSibling, maxUnzippedBytes: options.maxUnzippedBytes });
    } catch (e) {
      if (this.traces.length === 0) {
        this.loadError = describeLoadError(this.path, e);
        return { kind: 'unreadable', problem: this.loadError.problems.map((p) => p.message).join('; ') };
      }
      return { kind: 'unreadable', problem: isUserInputError(e) ? e.problems.map(formatProblem).join('; ') : String(e) };
    }
    if (this.traces.length && loaded.traces[0]?.source.sha256 === this.traces[0].source.sha256) return { kind: 'unchanged' };
    return this.replaceTraces(loaded, loaded.traces.map((t, i) => unchangedStepPrefix(this.traces[i]?.steps ?? [], t.steps)));
  }

  /**
   * Show `loaded` instead of the runs shown: sessions of runs still at their place are updated in
   * place. `unchangedSteps[run]`: how many of the run's leading steps are exactly as before (a run
   * read as a stream, whose steps array only grew, needs none).
   */
  private replaceTraces(loaded: { format: string; traces: Trace[]; warnings: Problem[] }, unchangedSteps: readonly number[] = []): TraceReload {
    // A session the editor built is kept, and updated, when its run (its number in the file) is
    // still at the same position; any other is dropped and rebuilt on demand.
    const old = new Map(this.sessions);
    this.sessions.clear();
    const previous = this.traces;
    // Sessions whose rows kept their places (steps appended, or changed where they were).
    let kept = 0;
    for (const [position, session] of old) {
      const trace = loaded.traces[position];
      if (!trace || traceIndexOf(trace) !== traceIndexOf(this.traces[position])) continue;
      session.usePayloads(this.payloads.get(trace.steps));
      if (!('reset' in session.update(trace, this.detectFn(trace), unchangedSteps[position] ?? 0))) kept++;
      session.markRedacted(this.redactedPlacesOf(trace));
      this.sessions.set(position, session);
    }
    const runsChanged = loaded.traces.length !== this.traces.length;
    this.format = loaded.format;
    this.traces = loaded.traces;
    this.warnings = loaded.warnings;
    this.loadError = undefined;
    const first = loaded.traces[0];
    this.annotations.rebindTrace(first ? { path: basename(this.path), sha256: first.source.sha256 } : undefined);
    this.rebind();
    // Rows keep their places when every run shown kept its rows and no run came or went.
    const onlyAppended = !runsChanged && this.sessions.size === old.size && kept === old.size;
    const stepCounts = this.traces.map((t) => t.steps.length);
    if (onlyAppended) return { kind: 'appended', stepCounts };
    if (runsChanged) return { kind: 'rewritten', stepCounts };
    return { kind: 'rewritten', stepCounts, placesKept: loaded.traces.map((t, position) => leadingPlacesKept(previous[position]?.steps ?? [], t.steps)) };
  }

  /**
   * A file the document worker reads (src/core/engine/worker/document-load.ts): it starts empty
   * and grows with each event given to `applyLoadEvent`; findings come from the worker too.
   */
  static opening(path: string, options: TraceFileOptions): TraceFile {
    const holder: { file?: TraceFile } = {};
    const file = new TraceFile(path, null, [], [], undefined, options.taxonomy, (trace) => holder.file?.workerFindings.get(trace) ?? [], options.readSidecar, options.sidecarPath);
    holder.file = file;
    file.loading = { bytesRead: 0, totalBytes: 0 };
    return file;
  }

  /**
   * One event of the document worker. Steps are added to their runs at once; the sessions (rows,
   * counts, search) catch up in `flushGrowth`, which the caller runs at its pace. A `done` gives
   * the final headers (ids and sha256 need the whole file) and the findings; after a `reset` the
   * runs read again replace the shown ones then, as a reload does.
   */
  applyLoadEvent(e: DocumentEvent): TraceReload | undefined {
    switch (e.kind) {
      case 'reset': {
        // The runs read again, staged until the `done`; each begins with the steps it keeps.
        const staged: Trace[] = [];
        (e.keep ?? []).forEach((kept, run) => {
          const shown = this.traces[run];
          if (!(kept > 0 && shown)) return;
          const steps = shown.steps.slice(0, kept);
          // Steps held without their payloads keep their byte ranges.
          const payloads = this.payloads.get(shown.steps);
          if (payloads) this.payloads.set(steps, payloads.keptTo(kept));
          staged[run] = { ...shown, steps };
        });
        this.staged = staged;
        return undefined;
      }
      case 'steps': {
        const runs = this.staged ?? this.traces;
        if (e.header && !runs[e.run]) runs[e.run] = { ...e.header, steps: [] };
        const steps = runs[e.run].steps;
        for (const step of e.steps) steps.push(step);
        // The next growth of a run's steps (25-40 ms at 10^6) on a turn of its own, not in the next
        // event's (array-room.ts).
        makeRoomSoon(steps, e.steps.length);
        if (e.payloadRanges || e.payloadTexts) {
          // Each decoded `{}` replaced by one shared empty object, and each held span's context
          // (its service and scope) by one object per context: 10^6 fewer objects to hold.
          for (const step of e.steps) step.attributes = isEmpty(step.attributes) ? HELD_ATTRIBUTES : this.heldContexts.intern(step.attributes);
          const payloads = this.payloads.get(steps) ?? this.newPayloads(steps, e);
          payloads.addNext(e);
          if (e.callableTools) payloads.callableTools = e.callableTools;
        }
        // The run's findings so far (no end-of-run rules yet): the sessions take them as they catch up.
        if (e.findings) this.workerFindings.set(runs[e.run], e.findings);
        this.loading = { bytesRead: e.bytesRead, totalBytes: e.totalBytes };
        if (!this.staged) this.grown = true;
        return undefined;
      }
      case 'done': {
        const runs = this.staged ?? this.traces;
        const traces = e.runs.map((header, i) => ({ ...header, steps: runs[i]?.steps ?? [] }));
        e.callableTools?.forEach((tools, i) => { const p = this.payloads.get(traces[i].steps); if (p) p.callableTools = tools; });
        traces.forEach((t, i) => {
          this.workerFindings.set(t, e.findings[i] ?? []);
          this.redactedAt.set(t, e.redactedAt?.[i] ?? []);
        });
        this.loading = undefined;
        this.stoppedReading = undefined;
        this.staged = undefined;
        this.grown = false;
        return this.replaceTraces({ format: e.format, traces, warnings: e.warnings }, e.unchangedSteps);
      }
      case 'progress':
        // No step yet: the tab shows how far the read got (the runs are unchanged).
        this.loading = { bytesRead: e.bytesRead, totalBytes: e.totalBytes };
        return { kind: 'appended', stepCounts: this.traces.map((t) => t.steps.length) };
      case 'unchanged':
        this.loading = undefined;
        return { kind: 'unchanged' };
      case 'failed': {
        this.loading = undefined;
        this.staged = undefined;
        const problem = e.problems.map(formatProblem).join('; ');
        if (this.traces.length === 0) {
          this.loadError = describeLoadError(this.path, e.userError ? new UserInputError(e.problems) : new Error(problem));
          return { kind: 'rewritten', stepCounts: [] };
        }
        return { kind: 'unreadable', problem };
      }
    }
  }

  /** Where the held steps of a run (`steps`) will be made whole: their ranges in the file, or their texts. */
  private newPayloads(steps: Step[], e: Extract<DocumentEvent, { kind: 'steps' }>): HeldPayloads {
    let payloads: HeldPayloads;
    if (e.payloadTexts) payloads = new TextPayloads();
    else {
      const inFile = new FilePayloads(this.path, () => this.lineChecker, e.payloadFormat);
      inFile.onChangedOnDisk = () => this.onChangedOnDisk?.();
      payloads = inFile;
    }
    this.payloads.set(steps, payloads);
    return payloads;
  }

  /**
   * Bring the built sessions up to the steps received (rows before stay valid: only appended), at
   * most `maxSteps` more per session: the caller runs it again while `growthPending`, giving the
   * thread back in between. In such slices, one that indexed steps leaves the findings to the next
   * one: each costs tens of milliseconds at 10^6 steps, and together they held the host's thread
   * over 50 ms. Undefined when nothing grew.
   */
  flushGrowth(maxSteps = Infinity): TraceReload | undefined {
    if (!this.grown) return undefined;
    const inSlices = maxSteps !== Infinity;
    let pending = false;
    for (const [position, session] of this.sessions) {
      const trace = this.traces[position];
      if (!trace) continue;
      let grew = false;
      if (trace.steps.length > session.stepCount) {
        session.usePayloads(this.payloads.get(trace.steps));
        const upTo = Math.min(trace.steps.length, session.stepCount + maxSteps);
        if (!session.grow(trace, upTo)) session.update(trace, this.detectFn(trace), 0);
        pending ||= session.stepCount < trace.steps.length;
        grew = true;
      }
      // Findings sent while the file is read, once the session has every step they name.
      const findings = this.workerFindings.get(trace);
      if (!findings || session.stepCount !== trace.steps.length || session.shows(findings)) continue;
      if (grew && inSlices) pending = true;
      else session.showFindings(findings);
    }
    this.grown = pending;
    return { kind: 'appended', stepCounts: this.traces.map((t) => t.steps.length) };
  }

  /** Steps received that a built session has not indexed yet (see flushGrowth). */
  get growthPending(): boolean {
    return this.grown;
  }

  /** The reader stopped before the end of the file: keep what was read, and say so. */
  stopReading(why: string): void {
    this.loading = undefined;
    this.staged = undefined;
    this.stoppedReading = why;
  }

  static fromTraces(path: string, format: string, traces: Trace[], options: TraceFileOptions): TraceFile {
    return new TraceFile(path, format, traces, [], undefined, options.taxonomy, options.detect, options.readSidecar, options.sidecarPath);
  }

  static failed(path: string, e: unknown, options: TraceFileOptions): TraceFile {
    return new TraceFile(path, null, [], [], describeLoadError(path, e), options.taxonomy, options.detect, undefined);
  }

  /**
   * Where the run's steps hold a redaction placeholder where the detectors would judge (their
   * places). A run the worker read has them from the worker (the steps here may lack their
   * payloads, and until the read ends there are none); a run loaded here is looked through once.
   */
  private redactedPlacesOf(trace: Trace): readonly number[] {
    const known = this.redactedAt.get(trace);
    if (known !== undefined || this.loading) return known ?? [];
    const places = redactedPlaces(trace.steps);
    this.redactedAt.set(trace, places);
    return places;
  }

  get isZip(): boolean {
    return this.format === 'inspect-eval' || /\.eval$/i.test(this.path);
  }

  session(traceIndex: number): TraceSession {
    const trace = this.traces[traceIndex];
    if (!trace) throw rpcError(ErrorCode.NotFound, `no trace ${traceIndex} in this file (it has ${this.traces.length})`);
    let s = this.sessions.get(traceIndex);
    if (!s) {
      // While the file is read, a run with many steps received is indexed a slice first and grows
      // in slices (flushGrowth): indexing them all at once held the host's thread 93 ms for a run
      // opened once 10^5 of its steps had come (9 ms now, then slices of at most 9 ms).
      const first = this.loading && trace.steps.length > STEPS_PER_SLICE ? { ...trace, steps: trace.steps.slice(0, STEPS_PER_SLICE) } : trace;
      // The findings so far name steps past the slice: they come once the session has every step (flushGrowth).
      s = new TraceSession(first, first === trace ? this.detectFn(trace) : [], this.taxonomy, traceIndex, this.payloads.get(trace.steps));
      s.markRedacted(this.redactedPlacesOf(trace));
      s.applyAnnotations(this.bound(traceIndex));
      this.sessions.set(traceIndex, s);
      if (first !== trace) this.grown = true;
    }
    return s;
  }

  get sidecarName(): string {
    return basename(this.annotations.sidecarPath);
  }

  stepAnnotations(traceIndex: number, index: number): StepAnnotations {
    const session = this.session(traceIndex);
    session.checkIndex(index);
    return stepAnnotations(session, index, this.annotations.doc, this.sidecarName);
  }

  /** Apply one operation to a step (reported to the document's listeners as an undoable edit) and return the step's new state. */
  editAnnotations(traceIndex: number, index: number, op: AnnotationOp, origin?: unknown): StepAnnotations {
    const session = this.session(traceIndex);
    session.checkIndex(index);
    this.annotations.perform(editFor(session, index, op), origin);
    return this.stepAnnotations(traceIndex, index);
  }

  /** Edit a step by its id (the palette command and the text editor's code actions). */
  editStepById(stepId: string, op: AnnotationOp, traceIndex?: number, origin?: unknown): { traceIndex: number; index: number; annotations: StepAnnotations } {
    const found = this.findStep(stepId, traceIndex);
    if (!found) {
      const runs = traceIndex === undefined ? this.runsWithStep(stepId).length : 0;
      if (runs > 1) throw rpcError(ErrorCode.NotFound, `step "${stepId}" is in ${runs} runs of ${basename(this.path)}: say which run`);
      throw rpcError(ErrorCode.NotFound, `no step "${stepId}" in ${traceIndex === undefined ? '' : `run ${traceIndex + 1} of `}${basename(this.path)}`);
    }
    return { ...found, annotations: this.editAnnotations(found.traceIndex, found.index, op, origin) };
  }

  /**
   * A step by its address: the run (`traceIndex`, the position in `traces`) and the step's id
   * (derived, or as written in the trace). Derived ids are position-based, so the runs of one
   * file share them: without a run, only an id that exactly one run has resolves.
   */
  findStep(stepId: string, traceIndex?: number): { traceIndex: number; index: number } | undefined {
    if (traceIndex !== undefined) {
      const index = this.indexInRun(stepId, traceIndex);
      return index === undefined ? undefined : { traceIndex, index };
    }
    const runs = this.runsWithStep(stepId);
    return runs.length === 1 ? runs[0] : undefined;
  }

  /** The run numbered `indexInFile` in sidecars and training-set manifests (Trace.source.indexInFile), as a position in `traces`. */
  positionOfTrace(indexInFile: number): number | undefined {
    const i = this.traces.findIndex((t) => traceIndexOf(t) === indexInFile);
    return i >= 0 ? i : undefined;
  }

  /** The run whose key is `traceKey` (src/core/model/trace-key.ts), as a position in `traces`. */
  positionOfTraceKey(traceKey: string): number | undefined {
    const trace = findTraceByKey(this.traces, traceKey);
    return trace ? this.traces.indexOf(trace) : undefined;
  }

  private indexInRun(stepId: string, traceIndex: number): number | undefined {
    if (!this.traces[traceIndex]) return undefined;
    // Stable ids, and ids of the earlier position-based scheme still in old manifests and sidecars.
    return stepResolver(this.traces[traceIndex])(stepId)?.index;
  }

  private runsWithStep(stepId: string): { traceIndex: number; index: number }[] {
    const out: { traceIndex: number; index: number }[] = [];
    this.traces.forEach((_, t) => {
      const index = this.indexInRun(stepId, t);
      if (index !== undefined) out.push({ traceIndex: t, index });
    });
    return out;
  }

  previewCorrection(traceIndex: number, index: number, output: CorrectionOutput): { diff: DiffLine[]; problems: string[] } {
    const session = this.session(traceIndex);
    session.checkIndex(index);
    const original = assistantOutput(session.wholeStep(index));
    let cleaned;
    try {
      cleaned = cleanCorrection(output);
    } catch (e) {
      return { diff: [], problems: [e instanceof Error ? e.message : String(e)] };
    }
    return { diff: correctionDiff(original, cleaned), problems: correctionProblems(session, { location: stepRef(session, index).location, output: cleaned }, this.sidecarName) };
  }

  tagCategories(): { groups: CategoryGroup[] } {
    return { groups: tagCategories(this.taxonomy) };
  }

  annotationStatus(): AnnotationStatus {
    let traceChanged = false;
    let orphanCount = 0;
    const known = new Set<number>();
    this.traces.forEach((t, i) => {
      const b = this.bound(i);
      traceChanged ||= b.shaMismatch !== undefined;
      orphanCount += b.orphans.length;
      known.add(traceIndexOf(t));
    });
    // Entries for a trace the file no longer has are orphans too (kept, never dropped).
    const doc = this.annotations.doc;
    if (this.traces.length) {
      for (const list of [doc.errors, doc.corrections, doc.reviewed]) for (const e of list) if (!known.has(e.traceIndex ?? 0)) orphanCount++;
    }
    return { traceChanged, orphanCount, dirty: this.annotations.dirty, sidecarName: this.sidecarName };
  }

  ready(): ReadyResult {
    return {
      fileName: basename(this.path),
      format: this.format,
      traces: this.traces.map((t, i) => {
        const s = this.session(i);
        return { traceIndex: i, title: t.title, stepCount: t.steps.length, failureCount: s.failureCount };
      }),
      warnings: this.warnings.map(formatProblem),
      loadError: this.loadError,
      canRevealInFile: !this.isZip,
      ...(this.loading ? { loading: { ...this.loading } } : {}),
      ...(this.stoppedReading ? { stoppedReading: this.stoppedReading } : {}),
    };
  }
}

function describeLoadError(path: string, e: unknown): LoadErrorInfo {
  if (isUserInputError(e)) {
    return {
      title: `${basename(path)} could not be opened as a trace`,
      problems: e.problems.map((p) => ({ message: p.message, line: p.line, column: p.column, where: p.path })),
    };
  }
  // Not a user error: an importer bug. Say so plainly, still without a stack.
  const message = e instanceof Error ? e.message : String(e);
  return { title: `${basename(path)} could not be opened: the importer failed`, problems: [{ message: `internal error: ${message}` }] };
}

export type TraceReload =
  | { kind: 'unchanged' }
  /**
   * Every step shown before kept its id, parent and place: steps were added at the end of runs,
   * or changed where they were (a model reply's next block); rows keep their places, and the
   * webview fetches the rows and details it shows again.
   */
  | { kind: 'appended'; stepCounts: number[] }
  /**
   * Anything else: runs came or went, or steps shown moved, went or changed their ids.
   * `placesKept` (the same runs): per run, how many leading steps kept their ids and parents, so
   * their rows their places (a live OTLP trace's parent span, written after its children, moves
   * only the steps from its place on).
   */
  | { kind: 'rewritten'; stepCounts: number[]; placesKept?: number[] }
  | { kind: 'unreadable'; problem: string };

/** How many leading steps of `after` have the ids and parents of `before`'s. */
function leadingPlacesKept(before: readonly Step[], after: readonly Step[]): number {
  // A run read as a stream keeps its steps array, which only grew.
  if (before === after) return after.length;
  const n = Math.min(before.length, after.length);
  let i = 0;
  while (i < n && before[i].id === after[i].id && before[i].parentId === after[i].parentId) i++;
  return i;
}

/** Whether a step's attributes are empty (a held agent-trace/v1 step's; an OTLP span's keep theirs). */
function isEmpty(attributes: Record<string, unknown>): boolean {
  for (const _ in attributes) return false;
  return true;
}
