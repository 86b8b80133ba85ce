/**
 * A synthetic trace of any size for the webview tests: it answers the host's questions (rows,
 * locate, failures, details, timeline) by arithmetic instead of holding steps, so a list of
 * millions of rows opens at once. Handed to the real handlers (bindTraceEditorHandlers) in place
 * of a TraceFile: only what those handlers ask of a file and its session is here, and anything
 * else (collapsing, editing annotations) fails with a message saying so.
 *
 * Shape: turns of TURN steps, each an `agent` step at depth 0 with TURN - 1 children at depth 1
 * (`llm`, then `tool`s). Step i is named `step <i + 1>`; every FAIL_EVERY-th step (i % FAIL_EVERY
 * === FAIL_EVERY - 1) is a tool call that failed with a TOOL.TIMEOUT finding. Without timestamps:
 * step i spans [i, i + 1] on the axis (a turn spans its children).
 */
import type { Step } from '../../src/core/model/schema';
import type { TraceFile } from '../../src/host/editor/trace-file';
import type {
  AnnotationStatus, Direction, ReadyResult, RowsResult, RowSummary, SearchResult, StepAnnotations, StepDetails, TimelineBar, TimelineResult,
  TraceSummary, ViewSpec,
} from '../../src/protocol';

export const TURN = 10;
export const FAIL_EVERY = 1000;
const CATEGORY = 'TOOL.TIMEOUT';

/** What the synthetic source cannot do, named, so a test that strays says why it failed. */
function unsupported(what: string): never {
  throw new Error(`synthetic trace (test/support/synthetic-trace.ts): ${what} is not supported`);
}

class SyntheticSession {
  constructor(readonly total: number) {}

  readonly verdict = undefined;

  private failing(i: number): boolean {
    return i % FAIL_EVERY === FAIL_EVERY - 1;
  }

  private get failureCount(): number {
    return Math.floor(this.total / FAIL_EVERY);
  }

  /** The rows of a view: every step, or (failures only, or filtered to its one category) the failing ones. */
  private filtered(view: ViewSpec): boolean {
    if (view.traceIndex !== 0) unsupported(`trace ${view.traceIndex}`);
    if (view.collapsed.length) unsupported('collapsing');
    if (view.categories.some((c) => c !== CATEGORY)) return true;
    return view.failuresOnly || view.categories.length > 0;
  }

  private rowCount(view: ViewSpec): number {
    if (!this.filtered(view)) return this.total;
    return view.categories.some((c) => c !== CATEGORY) ? 0 : this.failureCount;
  }

  private indexOfRow(view: ViewSpec, row: number): number {
    return this.filtered(view) ? row * FAIL_EVERY + FAIL_EVERY - 1 : row;
  }

  checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.total) throw new Error(`step ${index} is out of range (0..${this.total - 1})`);
  }

  summary(): TraceSummary {
    const failures = [];
    for (let i = FAIL_EVERY - 1; i < this.total && failures.length < 5000; i += FAIL_EVERY) failures.push({ index: i, start: i, end: i + 1, category: CATEGORY });
    return {
      traceIndex: 0, title: `Synthetic run (${this.total} steps)`, stepCount: this.total, failureCount: this.failureCount, maxDepth: 1,
      categories: [{ id: CATEGORY, name: 'Tool timeout', color: '--vscode-charts-orange', definition: 'A tool call timed out.', count: this.failureCount }],
      taxonomyName: 'default', timeRange: { start: 0, end: Math.max(1, this.total), hasTimestamps: false },
      failures, failuresTruncated: failures.length < this.failureCount, labelCount: 0,
    };
  }

  private row(row: number, index: number): RowSummary {
    const agent = index % TURN === 0;
    const failed = this.failing(index);
    const turnEnd = Math.min(this.total, index + TURN);
    return {
      row, index, id: `s${index}`, depth: agent ? 0 : 1,
      kind: agent ? 'agent' : index % TURN === 1 ? 'llm' : 'tool',
      name: `step ${index + 1}`,
      start: index, end: agent ? turnEnd : index + 1,
      status: failed ? 'error' : 'ok', category: failed ? CATEGORY : null, findingCount: failed ? 1 : 0, tagCount: 0,
      hasChildren: agent && index + 1 < this.total, parentIndex: agent ? null : index - (index % TURN), failing: failed,
    };
  }

  rows(view: ViewSpec, start: number, count: number): RowsResult {
    const total = this.rowCount(view);
    const rows: RowSummary[] = [];
    for (let r = Math.max(0, start); r < Math.min(total, start + count); r++) rows.push(this.row(r, this.indexOfRow(view, r)));
    return { total, start, rows };
  }

  /** As the editor's handler asks (TraceSession.rowsInSlices): no step is held, so the same rows at once. */
  async rowsInSlices(view: ViewSpec, start: number, count: number): Promise<RowsResult> {
    return this.rows(view, start, count);
  }

  locate(view: ViewSpec, index: number): { row: number | null; hiddenBy: number[] } {
    this.checkIndex(index);
    if (!this.filtered(view)) return { row: index, hiddenBy: [] };
    return { row: this.rowCount(view) > 0 && this.failing(index) ? (index - FAIL_EVERY + 1) / FAIL_EVERY : null, hiddenBy: [] };
  }

  findFailure(view: ViewSpec, from: number, direction: Direction): number | null {
    this.filtered(view);
    // The failing steps are k * FAIL_EVERY + FAIL_EVERY - 1.
    const k = direction === 'next' ? Math.floor((from + 1) / FAIL_EVERY) : Math.ceil((from + 1) / FAIL_EVERY) - 2;
    const index = k * FAIL_EVERY + FAIL_EVERY - 1;
    return k >= 0 && index < this.total ? index : null;
  }

  get steps(): Step[] {
    return unsupported('reading steps as an array');
  }

  step(index: number): Step {
    this.checkIndex(index);
    const r = this.row(index, index);
    return {
      id: r.id, parentId: r.parentIndex === null ? null : `s${r.parentIndex}`, index, depth: r.depth, kind: r.kind, name: r.name,
      startTime: null, endTime: null, status: r.status, attributes: {},
      ...(r.failing ? { error: { type: 'TimeoutError', message: 'the tool timed out after 30 s' } } : {}),
    };
  }

  details(index: number): StepDetails {
    const step = this.step(index);
    const failed = this.failing(index);
    return {
      step, labels: [], childCount: index % TURN === 0 ? Math.min(TURN, this.total - index) - 1 : 0,
      parentIndex: step.depth === 0 ? null : index - (index % TURN), durationMs: null, canRevealInFile: false, failing: failed,
      findings: failed ? [{
        category: CATEGORY, defaultCategory: CATEGORY, review: 'proposed', categoryName: 'Tool timeout', color: '--vscode-charts-orange',
        rule: 'tool-error', evidence: 'the tool timed out after 30 s',
      }] : [],
    };
  }

  search(): SearchResult {
    return { index: null, matchCount: 0, matches: [] };
  }

  /** Bars overlapping [start, end]: when more than `limit`, an even sample of them. */
  timeline(start: number, end: number, limit: number): TimelineResult {
    const first = Math.max(0, Math.floor(start) - TURN);
    const last = Math.min(this.total - 1, Math.ceil(end));
    const count = Math.max(0, last - first + 1);
    const stride = Math.max(1, Math.ceil(count / limit));
    const bars: TimelineBar[] = [];
    for (let i = first; i <= last; i += stride) {
      const r = this.row(i, i);
      bars.push({ index: i, name: r.name, depth: r.depth, start: r.start, end: r.end, status: r.status, kind: r.kind, category: r.category });
    }
    return { bars, truncated: stride > 1 };
  }
}

/** A file holding one synthetic trace of `steps` steps, for `WebviewHarness.open`. */
export function syntheticTraceFile(steps: number): TraceFile {
  const session = new SyntheticSession(steps);
  const annotations: StepAnnotations = { tags: [], reviewed: false, correction: null, correctable: false, original: null, tools: [] };
  const status: AnnotationStatus = { traceChanged: false, orphanCount: 0, dirty: false, sidecarName: 'synthetic.trace.json.annotations.json' };
  const file = {
    isZip: false,
    // One run (fileInfo counts them; its session stands in for it).
    traces: [session.summary()],
    ready: (): ReadyResult => ({
      fileName: 'synthetic.trace.json', format: 'agent-trace', warnings: [], canRevealInFile: false,
      traces: [{ traceIndex: 0, title: session.summary().title, stepCount: steps, failureCount: Math.floor(steps / FAIL_EVERY) }],
    }),
    session: (traceIndex: number): SyntheticSession => (traceIndex === 0 ? session : unsupported(`trace ${traceIndex}`)),
    stepAnnotations: (_traceIndex: number, index: number): StepAnnotations => { session.checkIndex(index); return annotations; },
    annotationStatus: (): AnnotationStatus => status,
    tagCategories: () => ({ groups: [] }),
    editAnnotations: () => unsupported('editing annotations'),
    previewCorrection: () => unsupported('previewing a correction'),
  };
  return file as unknown as TraceFile;
}
