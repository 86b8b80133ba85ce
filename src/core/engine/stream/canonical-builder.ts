/**
 * Builds the steps of an agent-trace/v1 file (src/core/formats/canonical.ts) incrementally, from
 * the lines `readJsonlLines` hands over batch by batch, giving the very `Step`s `buildTrace` gives
 * for the whole file (ids, parents, index, depth, location) as long as the file is in decision
 * order: every step's parent is on the open path (the last step or one of its ancestors) and no
 * step starts before an earlier sibling (buildTrace orders siblings by start time). A line that
 * breaks this (a child of a closed step, a parent not seen yet, an earlier start time) stops the
 * emitting: `orderBreak` says where and why, and the builder keeps reading lines into drafts so
 * the caller can build the whole file instead (`buildTraces`, or buildTrace itself). The steps
 * emitted before the break are then not final (the whole build may place later steps among them):
 * the caller replaces them all.
 *
 * Runs are separated by `trace` lines, as in the whole-file import; each run numbers its steps
 * from 0. Bad lines are warned about with the whole-file import's words, file, line and column.
 */
import { buildTrace, stepFromDraft } from '../../model/build';
import type { DraftTrace } from '../../model/draft';
import { assignTraceKeys } from '../../model/trace-key';
import type { SourceLocation, Step, Trace } from '../../model/schema';
import { excessiveNestingOffset, tooDeepMessage } from '../../json/depth';
import { SourceFile } from '../../json/source-file';
import { canonicalDefaultTrace, canonicalImporter, canonicalRecord } from '../../formats/canonical';
import { cleanProblem, type Problem } from '../../util/problems';
import { StepIdAllocator } from '../step-ids';
import { IdMap } from '../id-map';
import type { JsonlLine } from './jsonl-lines';

export interface StreamedStep {
  /** The run the step belongs to: its index among the file's runs (`trace` lines). */
  run: number;
  step: Step;
  /** Where the step's line is in the file: bytes [byteStart, byteEnd), line break excluded. */
  byteStart: number;
  byteEnd: number;
}

export interface OrderBreak {
  /** 1-based line of the first step line out of decision order. */
  line: number;
  reason: string;
}

interface OpenStep {
  draft: number;
  id: string;
  depth: number;
  /** Latest start time among the children emitted so far (null: none with a time). */
  maxChildStart: number | null;
}

export interface StreamRun {
  /** The run's header (title, tools, labels...) and, unless the builder was told not to keep them, its draft steps. */
  draft: DraftTrace;
  /** Location of each draft step (parallel to draft.steps). */
  locations: SourceLocation[];
  /** Step lines read (every one, emitted or not, kept as a draft or not). */
  stepLines: number;
  /** Steps emitted so far (the next step's index). */
  emitted: number;
}

export interface StreamBuilderOptions {
  /**
   * Keep every step line as a draft for a whole build when the file leaves decision order
   * (default true). Without them the builder holds only ids and the open path, so memory follows
   * the number of steps, not their content; after an order break the caller reads the file again.
   */
  keepDrafts?: boolean;
}

interface RunState extends StreamRun {
  ids: StepIdAllocator;
  /**
   * First draft of each source id (parents resolve to it, as in buildTrace). Its step id is the
   * source id, unless that id was taken (`renamed`): a number per step, not an object, for 10^6 steps.
   */
  firstBySource: IdMap;
  renamed: Map<string, string>;
  /** The last step emitted and its ancestors, root first. */
  path: OpenStep[];
  maxRootStart: number | null;
}

export class CanonicalStreamBuilder {
  readonly warnings: Problem[] = [];
  private readonly states: RunState[] = [];
  private current: RunState | undefined;
  private broken: OrderBreak | undefined;
  private locator: SourceFile | undefined;

  private readonly keepDrafts: boolean;

  constructor(readonly path: string, opts: StreamBuilderOptions = {}) {
    this.keepDrafts = opts.keepDrafts ?? true;
  }

  /** Where and why the file left decision order, once it has (then no more steps are emitted). */
  get orderBreak(): OrderBreak | undefined {
    return this.broken;
  }

  /** The runs read so far, their drafts (every step line, emitted or not) and step locations. */
  get runs(): readonly StreamRun[] {
    return this.states;
  }

  /** The stable id of the first step of run `run` with source id `sourceId` (what a parent or a label naming it means). */
  firstIdOf(run: number, sourceId: string): string | undefined {
    const state = this.states[run];
    return state?.firstBySource.has(sourceId) ? state.renamed.get(sourceId) ?? sourceId : undefined;
  }

  /** Read a batch of lines (in file order, continuing the previous batch); the steps they finish. */
  add(lines: readonly JsonlLine[]): StreamedStep[] {
    const out: StreamedStep[] = [];
    for (const l of lines) this.addLine(l, out);
    return out;
  }

  /**
   * The whole-file build of what was read (for a file out of decision order): the traces and
   * warnings loadTraceFromBytes gives for the same file. `sha256` is the file's, for the ids of
   * runs without one. Returns the warnings of the lines read followed by those of the build.
   */
  buildTraces(sha256: string): { traces: Trace[]; warnings: Problem[] } {
    if (!this.keepDrafts) throw new Error('CanonicalStreamBuilder.buildTraces: this builder keeps no drafts (keepDrafts: false); build from the file instead');
    const warnings: Problem[] = [];
    const drafts = this.states.map((s) => s.draft);
    const locations = new Map<string, SourceLocation>();
    for (const s of this.states) s.draft.steps.forEach((d, i) => locations.set(`#${String(d.sourcePath?.[0])}`, s.locations[i]));
    // buildTrace reads only the path and digest of the file it is given.
    const file = { path: this.path, sha256 } as unknown as SourceFile;
    const traces = drafts.map((d, i) => buildTrace({ indexInFile: drafts.length > 1 ? i : d.indexInFile, ...d }, file, canonicalImporter.id, warnings, locations));
    assignTraceKeys(traces, drafts.map((d) => d.id));
    return { traces, warnings: [...this.warnings, ...warnings.map(cleanProblem)] };
  }

  private warn(p: Omit<Problem, 'file'>): void {
    this.warnings.push(cleanProblem({ file: this.path, ...p }));
  }

  private addLine(l: JsonlLine, out: StreamedStep[]): void {
    const value = this.parse(l);
    if (value === undefined) return;
    const r = canonicalRecord(value.v, l.line, (p) => this.warn(p));
    if (!r) return;
    if ('trace' in r) {
      this.current = this.newRun(r.trace);
      return;
    }
    const run = (this.current ??= this.newRun(canonicalDefaultTrace(this.path)));
    const d = r.step;
    const index = run.stepLines++;
    const location: SourceLocation = { line: l.line + 1, column: 1, endLine: l.line + 1, endColumn: l.text.length + 1, offset: l.offset, length: l.text.length };
    if (this.keepDrafts) {
      run.draft.steps.push(d);
      run.locations.push(location);
    }
    const id = run.ids.next(d.sourceId, d);
    let parent: { draft: number; id: string } | undefined;
    if (d.parentSourceId) {
      const draft = run.firstBySource.get(d.parentSourceId);
      parent = draft === undefined ? undefined : { draft, id: run.renamed.get(d.parentSourceId) ?? d.parentSourceId };
      // A step naming itself as parent, at its id's first occurrence, is a root (as in buildTrace).
      if (!parent && d.parentSourceId !== d.sourceId) this.breakOrder(l, `step ${JSON.stringify(id)} names parent ${JSON.stringify(d.parentSourceId)}, which is not before it in the file`);
    }
    if (d.sourceId && !run.firstBySource.has(d.sourceId)) {
      run.firstBySource.set(d.sourceId, index);
      if (id !== d.sourceId) run.renamed.set(d.sourceId, id);
    }
    if (this.broken) return;
    const start = d.startTime ?? null;
    let depth = 0;
    if (parent) {
      let k = run.path.length - 1;
      while (k >= 0 && run.path[k].draft !== parent.draft) k--;
      if (k < 0) return this.breakOrder(l, `step ${JSON.stringify(id)} is a child of ${JSON.stringify(parent.id)}, whose subtree ended earlier in the file`);
      const p = run.path[k];
      if (start !== null && p.maxChildStart !== null && start < p.maxChildStart) return this.breakOrder(l, `step ${JSON.stringify(id)} starts before an earlier child of ${JSON.stringify(p.id)}`);
      if (start !== null && (p.maxChildStart === null || start > p.maxChildStart)) p.maxChildStart = start;
      run.path.length = k + 1;
      depth = p.depth + 1;
    } else {
      if (start !== null && run.maxRootStart !== null && start < run.maxRootStart) return this.breakOrder(l, `step ${JSON.stringify(id)} starts before an earlier top-level step`);
      if (start !== null && (run.maxRootStart === null || start > run.maxRootStart)) run.maxRootStart = start;
      run.path.length = 0;
    }
    run.path.push({ draft: index, id, depth, maxChildStart: null });
    out.push({ run: this.states.length - 1, step: stepFromDraft(d, id, parent ? parent.id : null, run.emitted++, depth, location), byteStart: l.byteStart, byteEnd: l.byteEnd });
  }

  private breakOrder(l: JsonlLine, reason: string): void {
    this.broken ??= { line: l.line + 1, reason };
  }

  private newRun(draft: DraftTrace): RunState {
    const s: RunState = { draft, locations: [], stepLines: 0, emitted: 0, ids: new StepIdAllocator(), firstBySource: new IdMap(), renamed: new Map(), path: [], maxRootStart: null };
    this.states.push(s);
    return s;
  }

  /**
   * The line's JSON value, as SourceFile.jsonl reads it; a line nested too deep or not JSON is
   * warned about (line skipped) with the whole-file reader's words and column.
   */
  private parse(l: JsonlLine): { v: unknown } | undefined {
    const deep = excessiveNestingOffset(l.text);
    if (deep !== -1) {
      this.warn({ line: l.line + 1, column: deep + 1, message: `${tooDeepMessage()} (line skipped)` });
      return undefined;
    }
    try {
      return { v: JSON.parse(l.text) as unknown };
    } catch {
      // The whole-file reader's locator, on a file of one line: its column is the offset in the line.
      const p = (this.locator ??= SourceFile.fromText(this.path, '')).locateJsonError(l.text, 0);
      this.warn({ line: l.line + 1, column: p.column, message: `${p.message} (line skipped)` });
      return undefined;
    }
  }
}
