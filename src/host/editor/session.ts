/**
 * One trace, indexed for the webview's questions: pages of visible rows, step details, failure
 * navigation, search and timeline windows. No vscode here, so the webview tests' stub host runs
 * exactly this code. Everything is precomputed in O(n) once; per-request work is a binary search
 * or one linear scan, which stays well under a frame for 10^5 steps.
 */
import { categoryIn, reviewOf, shownFindingCategory, type BoundAnnotations, type CategoryChoice, type ErrorTag, type FindingReview } from '../../core/annotations';
import type { Step, Trace } from '../../core/model/schema';
import {
  isCssVariableName, rpcError, ErrorCode,
  type CategoryInfo, type Direction, type FailureMarker, type FindingInfo, type RowSummary, type RowsResult,
  SEARCH_MATCH_CAP, type RunVerdict, type SearchResult, type StepDetails, type TimelineResult, type TraceSummary, type ViewSpec,
} from '../../protocol';
import type { Finding, Taxonomy } from '../analysis/core-api';
import { explainedFailures } from '../../core/detect';
import { runVerdict } from './run-verdict';
import { StepLabels } from './step-labels';

const MAX_FAILURE_MARKERS = 20_000;
const MAX_PAGE = 1000;
const SEARCH_TEXT_CAP = 20_000;
const FALLBACK_COLOR = '--vscode-charts-red';

/** A detector finding as shown: `category` in the user's taxonomy, `defaultCategory` as the detector said it (what the sidecar stores). */
export type ShownFinding = Finding & { defaultCategory: string };

export class TraceSession {
  readonly steps: Step[];
  private readonly parentIndex: Int32Array;
  /** Index one past the step's last descendant (steps are in pre-order). */
  private readonly subtreeEnd: Int32Array;
  private readonly childCount: Int32Array;
  /** Every finding per step, including rejected ones (the review list still shows those). */
  private readonly allFindings: ShownFinding[][];
  /** Findings that count: not rejected in the annotations. */
  private findings: ShownFinding[][];
  /** Sidecar entries bound to each step (human tags and decided findings), in file order. */
  private tags: ErrorTag[][];
  /** Imported error labels per step (Who&When, TRAIL, MAST): labelled steps are failures too. */
  private readonly labels: StepLabels;
  /** Sorted indexes of steps that failed (error status, a finding that is not rejected, a human tag, or an imported label). */
  private failing: number[] = [];
  private readonly axisStart: Float64Array;
  private readonly axisEnd: Float64Array;
  readonly hasTimestamps: boolean;
  private readonly viewCache = new Map<string, Int32Array>();
  private readonly position: Map<string, number>;
  private searchText: string[] | undefined;
  /** Failing steps without a finding of their own → the step inside that explains the failure. */
  private readonly explainedBy: Map<string, string>;

  constructor(readonly trace: Trace, findings: Finding[], readonly taxonomy: Taxonomy, readonly traceIndex: number) {
    this.steps = [...trace.steps].sort((a, b) => a.index - b.index);
    const n = this.steps.length;
    const position = new Map<string, number>();
    this.steps.forEach((s, i) => position.set(s.id, i));
    this.parentIndex = new Int32Array(n).fill(-1);
    this.childCount = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = this.steps[i].parentId;
      const pi = p == null ? undefined : position.get(p);
      if (pi !== undefined && pi < i) {
        this.parentIndex[i] = pi;
        this.childCount[pi]++;
      }
    }
    // Pre-order: a subtree is contiguous, so it ends one past its last descendant. One reverse pass.
    this.subtreeEnd = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) {
      this.subtreeEnd[i] = Math.max(this.subtreeEnd[i], i + 1);
      const p = this.parentIndex[i];
      if (p >= 0) this.subtreeEnd[p] = Math.max(this.subtreeEnd[p], this.subtreeEnd[i]);
    }

    this.allFindings = Array.from({ length: n }, () => [] as ShownFinding[]);
    for (const f of findings) {
      const i = position.get(f.stepId);
      // Detectors speak the default taxonomy; show each finding in the taxonomy the user picked.
      const category = shownFindingCategory(f.category, taxonomy);
      if (i !== undefined) this.allFindings[i].push({ ...f, category, defaultCategory: f.category });
    }
    this.findings = this.allFindings;
    this.explainedBy = explainedFailures(trace, findings);
    this.tags = Array.from({ length: n }, () => [] as ErrorTag[]);
    this.position = position;
    this.labels = new StepLabels(trace, position, n, taxonomy);
    this.recomputeFailing();

    this.hasTimestamps = this.steps.some((s) => s.startTime !== null);
    this.axisStart = new Float64Array(n);
    this.axisEnd = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = this.steps[i];
      if (this.hasTimestamps) {
        const start = s.startTime ?? s.endTime ?? (i > 0 ? this.axisEnd[i - 1] : 0);
        this.axisStart[i] = start;
        this.axisEnd[i] = Math.max(start, s.endTime ?? start);
      } else {
        this.axisStart[i] = i;
        this.axisEnd[i] = this.subtreeEnd[i];
      }
    }
  }

  /**
   * Take the annotations into account: rejected findings stop counting (hidden from rows, filters,
   * navigation and counts; `findingsOf` still lists them for review), human tags make a step a
   * failure in their category. Called whenever the annotation document changes.
   */
  applyAnnotations(bound: Pick<BoundAnnotations, 'tagsByStep'> | undefined): void {
    const n = this.steps.length;
    this.tags = Array.from({ length: n }, () => [] as ErrorTag[]);
    for (const [stepId, list] of bound?.tagsByStep ?? []) {
      const i = this.position.get(stepId);
      if (i !== undefined) this.tags[i] = list.slice();
    }
    this.findings = this.allFindings.map((list, i) => (list.length === 0 || this.tags[i].length === 0 ? list : list.filter((f) => !this.isRejected(i, f))));
    this.labels.applyTags(this.tags);
    this.recomputeFailing();
    this.viewCache.clear();
  }

  /** How the sidecar reviewed a finding of step i: the core's one rule (what promotion and the diagnostics use too). */
  reviewOf(i: number, f: ShownFinding): FindingReview {
    return reviewOf(this.tags[i], { category: f.defaultCategory, rule: f.rule });
  }

  isRejected(i: number, f: ShownFinding): boolean {
    return this.reviewOf(i, f) === 'rejected';
  }

  /** Every finding of a step, rejected ones included. */
  findingsOf(i: number): readonly ShownFinding[] {
    return this.allFindings[i];
  }

  /** Sidecar entries bound to a step. */
  tagsOf(i: number): readonly ErrorTag[] {
    return this.tags[i];
  }

  /** Confirmed human tags + confirmed findings: what the row's tag badge counts. */
  tagCount(i: number): number {
    let c = 0;
    for (const t of this.tags[i]) if (t.status === 'confirmed') c++;
    return c;
  }

  /** A tag's category as the user's taxonomy names it (the tag keeps what was chosen, in whichever taxonomy). */
  shownCategory(tag: CategoryChoice): string {
    return categoryIn(tag, this.taxonomy);
  }

  private humanCategories(i: number): string[] {
    const out: string[] = [];
    for (const t of this.tags[i]) if (t.source === 'human' && t.status === 'confirmed') out.push(this.shownCategory(t));
    return out;
  }

  private recomputeFailing(): void {
    this.failing = [];
    for (let i = 0; i < this.steps.length; i++) if (this.isFailure(i)) this.failing.push(i);
  }

  private isFailure(i: number): boolean {
    return this.steps[i].status === 'error' || this.findings[i].length > 0 || this.humanCategories(i).length > 0 || this.labels.has(i);
  }

  private categoryOf(i: number): string | null {
    const label = this.labels.of(i)[0];
    return this.findings[i][0]?.category ?? this.humanCategories(i)[0] ?? (label ? this.labels.shownCategory(label) : null) ?? this.explainedCategory(i);
  }

  /**
   * A span that failed only because a step inside it failed has no finding of its own (the
   * detectors report one failure, where it happened): it shows that step's category instead of
   * counting as "without a category".
   */
  private explainedCategory(i: number): string | null {
    const inner = this.explainedBy.get(this.steps[i].id);
    const j = inner === undefined ? undefined : this.position.get(inner);
    return j === undefined ? null : this.findings[j][0]?.category ?? null;
  }

  /** Categories a step counts under for filters: its findings' and its human tags'. */
  private categoriesOf(i: number): string[] {
    const own = this.findings[i].map((f) => f.category);
    const withTags = this.tags[i].length ? [...own, ...this.humanCategories(i)] : own;
    return this.labels.has(i) ? [...withTags, ...this.labels.categories(i)] : withTags;
  }

  colorOf(categoryId: string): string {
    const c = this.taxonomy.get(categoryId)?.color;
    return c && isCssVariableName(c) ? c : FALLBACK_COLOR;
  }

  get failureCount(): number {
    return this.failing.length;
  }

  /** How the run ended (computed once: it depends on the trace only). */
  get verdict(): RunVerdict | undefined {
    if (this.verdictCache === null) this.verdictCache = runVerdict(this.trace);
    return this.verdictCache;
  }
  private verdictCache: RunVerdict | undefined | null = null;

  summary(): TraceSummary {
    const counts = new Map<string, number>();
    for (let i = 0; i < this.steps.length; i++) for (const c of this.categoriesOf(i)) counts.set(c, (counts.get(c) ?? 0) + 1);
    const categories: CategoryInfo[] = this.taxonomy.categories.map((c) => ({
      id: c.id, name: c.name, definition: c.definition, color: this.colorOf(c.id), count: counts.get(c.id) ?? 0,
    }));
    // Findings may name categories the taxonomy lacks (a custom taxonomy): show them anyway.
    // Imported labels add their schemes (a filter on labelled steps) and categories of their own.
    categories.push(...this.labels.legendCategories(counts));
    for (const [id, count] of counts) {
      if (this.taxonomy.get(id) || this.labels.isSchemeCategory(id)) continue;
      categories.push(this.labels.foreignCategory(id, count) ?? { id, name: id, definition: '', color: FALLBACK_COLOR, count });
    }
    categories.sort((a, b) => b.count - a.count);
    const n = this.steps.length;
    let start = Infinity;
    let end = -Infinity;
    let maxDepth = 0;
    for (let i = 0; i < n; i++) {
      start = Math.min(start, this.axisStart[i]);
      end = Math.max(end, this.axisEnd[i]);
      maxDepth = Math.max(maxDepth, this.steps[i].depth);
    }
    if (!Number.isFinite(start)) { start = 0; end = 1; }
    if (end <= start) end = start + 1;
    const failures: FailureMarker[] = this.failing.slice(0, MAX_FAILURE_MARKERS).map((i) => ({
      index: i, start: this.axisStart[i], end: this.axisEnd[i], category: this.categoryOf(i), labelled: this.labels.has(i),
    }));
    return {
      traceIndex: this.traceIndex,
      title: this.trace.title,
      stepCount: n,
      failureCount: this.failing.length,
      maxDepth,
      categories,
      taxonomyName: this.taxonomy.name,
      timeRange: { start, end, hasTimestamps: this.hasTimestamps },
      failures,
      failuresTruncated: this.failing.length > MAX_FAILURE_MARKERS,
      labelCount: this.trace.labels.length,
      labelledStepCount: this.failing.reduce((c, i) => c + (this.labels.has(i) ? 1 : 0), 0),
      verdict: this.verdict,
    };
  }

  /** Step indexes of the visible rows, in order. Cached per view (the webview asks page by page). */
  visibleRows(view: ViewSpec): Int32Array {
    const key = JSON.stringify([view.collapsed, view.failuresOnly, view.categories]);
    const hit = this.viewCache.get(key);
    if (hit) {
      this.viewCache.delete(key);
      this.viewCache.set(key, hit);
      return hit;
    }
    const collapsed = new Set(view.collapsed);
    const wanted = new Set(view.categories);
    const filtering = view.failuresOnly || wanted.size > 0;
    const out: number[] = [];
    const n = this.steps.length;
    for (let i = 0; i < n; i++) {
      if (!filtering || this.matchesFilter(i, view.failuresOnly, wanted)) out.push(i);
      if (collapsed.has(i)) i = this.subtreeEnd[i] - 1;
    }
    const rows = Int32Array.from(out);
    this.viewCache.set(key, rows);
    if (this.viewCache.size > 8) this.viewCache.delete(this.viewCache.keys().next().value as string);
    return rows;
  }

  private matchesFilter(i: number, failuresOnly: boolean, wanted: Set<string>): boolean {
    if (failuresOnly && !this.isFailure(i)) return false;
    if (wanted.size > 0 && !this.categoriesOf(i).some((c) => wanted.has(c))) return false;
    return true;
  }

  rows(view: ViewSpec, start: number, count: number): RowsResult {
    const visible = this.visibleRows(view);
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0) {
      throw rpcError(ErrorCode.InvalidParams, `invalid page: start ${start}, count ${count}`);
    }
    const end = Math.min(visible.length, start + Math.min(count, MAX_PAGE));
    const rows: RowSummary[] = [];
    for (let r = start; r < end; r++) rows.push(this.row(r, visible[r]));
    return { total: visible.length, start, rows };
  }

  private row(row: number, i: number): RowSummary {
    const s = this.steps[i];
    const p = this.parentIndex[i];
    return {
      row, index: i, id: s.id, depth: s.depth, kind: s.kind, name: s.name,
      start: this.axisStart[i],
      end: this.axisEnd[i],
      status: s.status, category: this.categoryOf(i), findingCount: this.findings[i].length,
      tagCount: this.tagCount(i), hasChildren: this.childCount[i] > 0, parentIndex: p >= 0 ? p : null,
      failing: this.isFailure(i), labels: this.labels.descriptions(i),
    };
  }

  locate(view: ViewSpec, index: number): { row: number | null; hiddenBy: number[] } {
    this.checkIndex(index);
    const collapsed = new Set(view.collapsed);
    const hiddenBy: number[] = [];
    for (let p = this.parentIndex[index]; p >= 0; p = this.parentIndex[p]) if (collapsed.has(p)) hiddenBy.push(p);
    const visible = this.visibleRows(view);
    const row = binarySearch(visible, index);
    return { row: row >= 0 ? row : null, hiddenBy };
  }

  indexOfId(id: string): number | undefined {
    const i = this.steps.findIndex((s) => s.id === id);
    return i >= 0 ? i : undefined;
  }

  details(index: number, canRevealInFile: boolean): StepDetails {
    this.checkIndex(index);
    const step = this.steps[index];
    const position = (id: string | undefined): number | undefined => (id === undefined ? undefined : this.indexOfId(id));
    const findings: FindingInfo[] = this.findings[index].map((f) => ({
      category: f.category,
      defaultCategory: f.defaultCategory,
      review: this.reviewOf(index, f),
      categoryName: this.taxonomy.get(f.category)?.name ?? f.category,
      color: this.colorOf(f.category),
      rule: f.rule,
      evidence: f.evidence,
      impact: f.impact,
      symptomStepIndex: position(f.symptomStepId),
    }));
    const p = this.parentIndex[index];
    return {
      step,
      findings,
      labels: this.labels.shownInDetails(this.trace, index, step.id),
      childCount: this.childCount[index],
      parentIndex: p >= 0 ? p : null,
      durationMs: step.startTime !== null && step.endTime !== null ? step.endTime - step.startTime : null,
      canRevealInFile: canRevealInFile && step.location !== undefined,
      failing: this.isFailure(index),
    };
  }

  findFailure(view: ViewSpec, from: number, direction: Direction): number | null {
    const wanted = new Set(view.categories);
    const ok = (i: number): boolean => wanted.size === 0 || this.categoriesOf(i).some((c) => wanted.has(c));
    const list = this.failing;
    if (direction === 'next') {
      for (let k = upperBound(list, from); k < list.length; k++) if (ok(list[k])) return list[k];
    } else {
      for (let k = lowerBound(list, from) - 1; k >= 0; k--) if (ok(list[k])) return list[k];
    }
    return null;
  }

  /**
   * Case-insensitive substring search over names, messages, tool calls, values and errors; wraps
   * around. Says which match it found ("k of n") and lists the matches (capped) for highlighting.
   */
  search(query: string, from: number, direction: Direction): SearchResult {
    const q = query.trim().toLowerCase();
    if (!q) return { index: null, matchCount: 0 };
    const text = this.searchIndex();
    const n = text.length;
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (text[i].includes(q)) all.push(i);
    if (all.length === 0) return { index: null, matchCount: 0 };
    // From `from` (exclusive) in the direction, wrapping: a binary search over the sorted matches.
    const origin = Number.isInteger(from) && from >= 0 && from < n ? from : direction === 'next' ? -1 : n;
    const k = direction === 'next' ? upperBound(all, origin) % all.length : (lowerBound(all, origin) - 1 + all.length) % all.length;
    return { index: all[k], matchCount: all.length, ordinal: k + 1, matches: all.length > SEARCH_MATCH_CAP ? all.slice(0, SEARCH_MATCH_CAP) : all };
  }

  private searchIndex(): string[] {
    this.searchText ??= this.steps.map((s) => searchableText(s).toLowerCase());
    return this.searchText;
  }

  timeline(start: number, end: number, limit: number): TimelineResult {
    const hits: number[] = [];
    const n = this.steps.length;
    for (let i = 0; i < n; i++) if (this.axisEnd[i] >= start && this.axisStart[i] <= end) hits.push(i);
    let chosen = hits;
    const truncated = hits.length > limit;
    if (truncated) {
      // Keep the longest bars (they carry the structure) and every failure (they carry the story).
      const failing = hits.filter((i) => this.isFailure(i));
      const rest = hits.filter((i) => !this.isFailure(i)).sort((a, b) => (this.axisEnd[b] - this.axisStart[b]) - (this.axisEnd[a] - this.axisStart[a]));
      chosen = [...failing.slice(0, limit), ...rest.slice(0, Math.max(0, limit - failing.length))].sort((a, b) => a - b);
    }
    return {
      truncated,
      bars: chosen.map((i) => ({
        index: i, depth: this.steps[i].depth, start: this.axisStart[i], end: this.axisEnd[i],
        status: this.steps[i].status, kind: this.steps[i].kind, category: this.categoryOf(i), labelled: this.labels.has(i),
      })),
    };
  }

  checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.steps.length) {
      throw rpcError(ErrorCode.NotFound, `no step ${index} in this trace (it has ${this.steps.length})`);
    }
  }
}

function searchableText(s: Step): string {
  const parts: string[] = [s.name, s.kind, s.id, s.model ?? ''];
  if (s.error) parts.push(s.error.type ?? '', s.error.message);
  if (s.toolCall) parts.push(s.toolCall.name, safeJson(s.toolCall.arguments));
  for (const p of [s.input, s.output]) {
    for (const m of p?.messages ?? []) parts.push(m.content ?? '', ...(m.toolCalls ?? []).map((c) => `${c.name} ${safeJson(c.arguments)}`));
    if (p?.value !== undefined) parts.push(safeJson(p.value));
  }
  return parts.join('\n').slice(0, SEARCH_TEXT_CAP);
}

function safeJson(v: unknown): string {
  if (typeof v === 'string') return v;
  try { return JSON.stringify(v) ?? ''; } catch { return ''; }
}

function binarySearch(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === x) return mid;
    if (a[mid] < x) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/** First position whose value is >= x. */
function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}

/** First position whose value is > x. */
function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] <= x) lo = mid + 1; else hi = mid; }
  return lo;
}
