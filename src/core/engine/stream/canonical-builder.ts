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
 * the caller replaces them all. The order itself is decision-order.ts's, shared with the OTLP builder.
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
import { RunOrder } from './decision-order';
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

export interface StreamRun {
  /** The run's header (title, tools, labels...) and, unless the builder was told not to keep them, its draft steps. */
  draft: DraftTrace;
  /** Location of each draft step (parallel to draft.steps). */
  locations: SourceLocation[];
  /** Step lines read (every one, emitted or not, kept as a draft or not). */
  stepLines: number;
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
  order: RunOrder;
}

export class CanonicalStreamBuilder {
  readonly warnings: Problem[] = [];
  readonly format = canonicalImporter.id;
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
    return this.states[run]?.order.firstIdOf(sourceId);
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
    run.stepLines++;
    const location: SourceLocation = { line: l.line + 1, column: 1, endLine: l.line + 1, endColumn: l.text.length + 1, offset: l.offset, length: l.text.length };
    if (this.keepDrafts) {
      run.draft.steps.push(d);
      run.locations.push(location);
    }
    const placed = run.order.place(d, this.broken !== undefined);
    if (!placed) return;
    if ('reason' in placed) return this.breakOrder(l, placed.reason);
    out.push({ run: this.states.length - 1, step: stepFromDraft(d, placed.id, placed.parentId, placed.index, placed.depth, location), byteStart: l.byteStart, byteEnd: l.byteEnd });
  }

  private breakOrder(l: JsonlLine, reason: string): void {
    this.broken ??= { line: l.line + 1, reason };
  }

  private newRun(draft: DraftTrace): RunState {
    const s: RunState = { draft, locations: [], stepLines: 0, order: new RunOrder() };
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
