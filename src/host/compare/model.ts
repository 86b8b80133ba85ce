/**
 * What the Compare Traces view shows, computed on the host from the two runs it holds and their
 * alignment (made in the trace worker): pages of aligned pairs, one pair's field diffs with the
 * changed words marked, each side's failures and tags, and where the differences are. No vscode
 * here, so the webview tests answer with this very model.
 */
import { diffWordsWithSpace } from 'diff';
import { diffStepFields, stepLabel } from '../../core/compare';
import type { CompareResult } from '../../core/engine/worker/jobs';
import type { Step, Trace } from '../../core/model/schema';
import { ErrorCode, rpcError } from '../../protocol';
import type {
  CompareField, ComparePageParams, ComparePageResult, ComparePairKind, CompareReadyResult, DiffSpan, FieldDiffInfo, FieldDiffLine,
  PairDetails, PairRow, PairSideDetails, PairSideRow, SideFailure,
} from '../../protocol/compare';
import type { TraceFile } from '../editor/trace-file';

/** One side of a comparison as the host holds it. */
export interface CompareSource {
  file: TraceFile;
  /** The run's position in `file.traces`. */
  position: number;
  /** The steps compared: the run itself, or its corrected trajectory (same step indexes, maybe fewer). */
  trace: Trace;
  /** The file as the header shows it (relative to the workspace). */
  displayFile: string;
  /** Ids of the steps a correction replaced (corrected side only). */
  corrected?: ReadonlySet<string>;
}

const MAX_PAGE = 500;
/** A field diff shows at most this many lines; the rest are counted. */
const MAX_FIELD_LINES = 600;
/** Longer lines are cut (a one-line 10 MB result would stall the page). */
const MAX_LINE_CHARS = 4000;
/** Words are diffed within a changed line pair only below this length. */
const MAX_WORD_DIFF_CHARS = 2000;

export class CompareModel {
  /** Positions in `pairs` of the pairs that are not `same`. */
  readonly differences: number[];

  constructor(readonly sides: [CompareSource, CompareSource], readonly result: CompareResult) {
    this.differences = [];
    result.pairs.forEach((p, i) => { if (p.kind !== 'same') this.differences.push(i); });
  }

  get pairs(): CompareResult['pairs'] {
    return this.result.pairs;
  }

  ready(): CompareReadyResult {
    const side = (s: CompareSource): CompareReadyResult['sides'][0] => ({ title: s.trace.title, file: s.displayFile, stepCount: s.trace.steps.length, corrected: s.corrected !== undefined });
    const landing = this.result.firstActionDivergence ?? this.result.firstDivergence;
    return {
      sides: [side(this.sides[0]), side(this.sides[1])],
      total: this.pairs.length,
      counts: { ...this.result.counts },
      differences: this.differences.length,
      landing: landing?.pair ?? null,
      firstDivergence: this.result.firstDivergence?.pair ?? null,
      approximate: this.result.approximate,
    };
  }

  /** Rows in the list shown: every pair, or only the differences. */
  total(onlyDifferences: boolean): number {
    return onlyDifferences ? this.differences.length : this.pairs.length;
  }

  page(p: ComparePageParams): ComparePageResult {
    const { start, count } = p;
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0) throw rpcError(ErrorCode.InvalidParams, `invalid page: start ${start}, count ${count}`);
    const total = this.total(p.onlyDifferences);
    const end = Math.min(total, start + Math.min(count, MAX_PAGE));
    const rows: PairRow[] = [];
    for (let row = start; row < end; row++) rows.push(this.row(row, p.onlyDifferences ? this.differences[row] : row));
    return { total, start, rows };
  }

  locate(pair: number, onlyDifferences: boolean): number | null {
    this.checkPair(pair);
    if (!onlyDifferences) return pair;
    const k = lowerBound(this.differences, pair);
    return this.differences[k] === pair ? k : null;
  }

  /** The next difference after `from` (or before it), wrapping; with its ordinal (from 1) among the differences. */
  findDifference(from: number, direction: 1 | -1): { pair: number | null; ordinal: number } {
    const d = this.differences;
    if (d.length === 0) return { pair: null, ordinal: 0 };
    let k: number;
    if (direction === 1) {
      k = lowerBound(d, from + 1);
      if (k >= d.length) k = 0;
    } else {
      k = lowerBound(d, from) - 1;
      if (k < 0) k = d.length - 1;
    }
    return { pair: d[k], ordinal: k + 1 };
  }

  /** The step of one side of a pair, to open it in the trace editor. */
  stepOf(pair: number, side: 'a' | 'b'): { source: CompareSource; step: Step } | undefined {
    this.checkPair(pair);
    const s = side === 'a' ? 0 : 1;
    const index = this.pairs[pair][side];
    const step = index === null ? undefined : this.sides[s].trace.steps[index];
    return step ? { source: this.sides[s], step } : undefined;
  }

  details(pair: number): PairDetails {
    this.checkPair(pair);
    const p = this.pairs[pair];
    const a = p.a === null ? undefined : this.sides[0].trace.steps[p.a];
    const b = p.b === null ? undefined : this.sides[1].trace.steps[p.b];
    const fields: FieldDiffInfo[] = p.kind === 'same' ? [] : diffStepFields(a, b).map((f) => fieldInfo(f.field, f.lines));
    return { pair, kind: p.kind, fields, a: this.sideDetails(0, p.a), b: this.sideDetails(1, p.b) };
  }

  private checkPair(pair: number): void {
    if (!Number.isInteger(pair) || pair < 0 || pair >= this.pairs.length) throw rpcError(ErrorCode.InvalidParams, `no pair ${pair} (the comparison has ${this.pairs.length})`);
  }

  private row(row: number, pair: number): PairRow {
    const p = this.pairs[pair];
    return { row, pair, kind: p.kind as ComparePairKind, fields: (p.fields ?? []) as CompareField[], a: this.sideRow(0, p.a), b: this.sideRow(1, p.b) };
  }

  private sideRow(s: 0 | 1, index: number | null): PairSideRow | null {
    if (index === null) return null;
    const src = this.sides[s];
    const step = src.trace.steps[index];
    if (!step) return null;
    // The trace editor's own row: its failure rule, category and tag count.
    const session = src.file.session(src.position);
    const summary = session.rows({ traceIndex: src.position, collapsed: [], failuresOnly: false, categories: [] }, index, 1).rows[0];
    return {
      index, id: step.id, label: stepLabel(step), ...(summary?.detail !== undefined ? { detail: summary.detail } : {}), kind: step.kind, status: step.status,
      failing: summary?.failing ?? step.status === 'error',
      category: summary?.category ?? null,
      color: summary?.category ? session.colorOf(summary.category) : null,
      tagCount: summary?.tagCount ?? 0,
      corrected: src.corrected?.has(step.id) ?? false,
    };
  }

  private sideDetails(s: 0 | 1, index: number | null): PairSideDetails | null {
    const row = this.sideRow(s, index);
    if (!row || index === null) return null;
    const src = this.sides[s];
    const session = src.file.session(src.position);
    const failures: SideFailure[] = [];
    const step = src.trace.steps[index];
    if (step.error) failures.push({ source: 'error', category: step.error.type ?? 'error', color: null, text: step.error.message, rejected: false });
    for (const f of session.details(index, false).findings) {
      failures.push({ source: 'finding', category: f.categoryName, color: f.color, text: `${f.rule}: ${f.evidence}`, rejected: f.review === 'rejected' });
    }
    for (const t of session.tagsOf(index)) {
      if (t.source !== 'human') continue;
      const category = session.shownCategory(t);
      failures.push({ source: 'tag', category, color: session.colorOf(category), text: t.description ?? t.evidence ?? '', rejected: t.status === 'rejected' });
    }
    for (const label of session.rows({ traceIndex: src.position, collapsed: [], failuresOnly: false, categories: [] }, index, 1).rows[0]?.labels ?? []) {
      failures.push({ source: 'label', category: label, color: null, text: '', rejected: false });
    }
    return { row, failures };
  }
}

/** A field's line diff for the page: long fields and lines cut, the words of changed line pairs marked. */
function fieldInfo(field: CompareField, all: { op: 'equal' | 'add' | 'remove'; text: string }[]): FieldDiffInfo {
  const shown = all.slice(0, MAX_FIELD_LINES).map((l): FieldDiffLine => ({ op: l.op, text: cut(l.text) }));
  // A run of removed lines followed by as many added ones: the same lines edited, so mark their words.
  for (let i = 0; i < shown.length;) {
    if (shown[i].op !== 'remove') { i++; continue; }
    let r = i;
    while (r < shown.length && shown[r].op === 'remove') r++;
    let e = r;
    while (e < shown.length && shown[e].op === 'add') e++;
    if (e - r === r - i) {
      for (let k = 0; k < r - i; k++) {
        const before = shown[i + k];
        const after = shown[r + k];
        if (before.text.length > MAX_WORD_DIFF_CHARS || after.text.length > MAX_WORD_DIFF_CHARS) continue;
        const parts = diffWordsWithSpace(before.text, after.text);
        before.spans = parts.filter((c) => !c.added).map((c): DiffSpan => ({ op: c.removed ? 'remove' : 'equal', text: c.value }));
        after.spans = parts.filter((c) => !c.removed).map((c): DiffSpan => ({ op: c.added ? 'add' : 'equal', text: c.value }));
      }
    }
    i = Math.max(e, i + 1);
  }
  return { field, lines: shown, omitted: all.length - shown.length };
}

function cut(s: string): string {
  return s.length > MAX_LINE_CHARS ? `${s.slice(0, MAX_LINE_CHARS)}… (${s.length - MAX_LINE_CHARS} more characters)` : s;
}

function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (xs[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}
