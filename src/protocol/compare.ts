/**
 * The messages between the Compare Traces view's host (src/host/compare) and its webview
 * (webview/compare). The host owns both runs and their alignment; the webview asks for what it
 * shows: pages of aligned pairs (all pairs, or only the differences), one pair's field diffs, and
 * where the next difference is. A "row" is a position in the list shown (all pairs, or only the
 * differences); a "pair" is a position in the whole alignment.
 */
import { notificationType, requestType } from './rpc';

export type ComparePairKind = 'same' | 'changed' | 'inserted' | 'deleted';
export type CompareField = 'name' | 'messages' | 'arguments' | 'result' | 'error' | 'status';

export interface CompareSideInfo {
  /** The run's title (trace text: shown as text). */
  title: string;
  /** The file, relative to the workspace where it is in one. */
  file: string;
  stepCount: number;
  /** This side is the corrected trajectory of its file's run (its sidecar's corrections applied). */
  corrected: boolean;
}

/** What the host needs to open the same comparison again (after a window reload): the page keeps it in its state. */
export interface CompareRestoreSpec {
  sides: [{ uri: string; traceIndex: number; corrected: boolean }, { uri: string; traceIndex: number; corrected: boolean }];
}

/** The page's webview state: the comparison and where the user was in it. */
export interface CompareViewPersisted {
  restore: CompareRestoreSpec;
  selectedPair: number | null;
  onlyDifferences: boolean;
}

export interface CompareReadyResult {
  sides: [CompareSideInfo, CompareSideInfo];
  /** For the page's state, so that a window reload brings the view back; absent in tests without VS Code. */
  restore?: CompareRestoreSpec;
  /** Pairs in the alignment. */
  total: number;
  counts: Record<ComparePairKind, number>;
  /** Pairs that are not `same`. */
  differences: number;
  /** The pair selected on open: the first different action, else the first divergence; null when the runs are the same. */
  landing: number | null;
  /** The first pair that is not `same`. */
  firstDivergence: number | null;
  /** Part of the alignment was made position by position (the runs differ in too many steps). */
  approximate: boolean;
}

/** One side of a pair as a row shows it. */
export interface PairSideRow {
  /** The step's index in its run (from 0; shown from 1, as the trace editor numbers steps). */
  index: number;
  id: string;
  /** `tool search`, `llm reply`... (trace text). */
  label: string;
  /** The step's gist as the trace editor's row shows it: a call's command or arguments, a reply's first line (trace text). */
  detail?: string;
  kind: string;
  status: string;
  failing: boolean;
  /** Category id of the step's first failure, and its colour as a CSS variable name (host-validated). */
  category: string | null;
  color: string | null;
  tagCount: number;
  /** The step's output was replaced by a correction (corrected side only). */
  corrected: boolean;
}

export interface PairRow {
  /** Position in the list shown. */
  row: number;
  /** Position in the alignment. */
  pair: number;
  kind: ComparePairKind;
  /** For `changed`: the fields that differ. */
  fields: CompareField[];
  a: PairSideRow | null;
  b: PairSideRow | null;
}

export interface ComparePageParams {
  onlyDifferences: boolean;
  start: number;
  count: number;
}

export interface ComparePageResult {
  /** Rows in the list shown. */
  total: number;
  start: number;
  rows: PairRow[];
}

/** A span of a changed line: `equal` text, or text only in a (`remove`) or only in b (`add`). */
export interface DiffSpan {
  op: 'equal' | 'add' | 'remove';
  text: string;
}

export interface FieldDiffLine {
  op: 'equal' | 'add' | 'remove';
  text: string;
  /** For a changed line paired with its counterpart: the words that differ, marked. */
  spans?: DiffSpan[];
}

export interface FieldDiffInfo {
  field: CompareField;
  lines: FieldDiffLine[];
  /** Lines left out of `lines` (a very long field). */
  omitted: number;
}

export interface SideFailure {
  /** `finding`, `tag`, `label` or `error`. */
  source: string;
  category: string;
  color: string | null;
  /** Rule, note or message (trace text). */
  text: string;
  rejected: boolean;
}

export interface PairSideDetails {
  row: PairSideRow;
  failures: SideFailure[];
}

export interface PairDetails {
  pair: number;
  kind: ComparePairKind;
  /** Field by field, the fields that differ; empty for `same`. */
  fields: FieldDiffInfo[];
  a: PairSideDetails | null;
  b: PairSideDetails | null;
}

export const CompareReady = requestType<Record<string, never>, CompareReadyResult>('compare/ready');
export const GetPairs = requestType<ComparePageParams, ComparePageResult>('compare/getPairs');
export const GetPairDetails = requestType<{ pair: number }, PairDetails>('compare/getPairDetails');
/** The row of a pair in the list shown (null: the pair is hidden by "Only differences"). */
export const LocatePair = requestType<{ pair: number; onlyDifferences: boolean }, { row: number | null }>('compare/locatePair');
/** The next (or previous) difference after pair `from`, wrapping around; null when the runs are the same. */
export const FindDifference = requestType<{ from: number; direction: 1 | -1 }, { pair: number | null; ordinal: number }>('compare/findDifference');
/** Open a side's step in the trace editor. */
export const OpenPairStep = requestType<{ pair: number; side: 'a' | 'b' }, { opened: boolean; reason?: string }>('compare/openPairStep');
/** Open both runs in two trace editors side by side, at this pair. */
export const OpenSideBySide = requestType<{ pair: number }, null>('compare/openSideBySide');

/** Host → webview: Alt+F5 / Shift+Alt+F5 in the workbench. */
export const CompareNavigate = notificationType<{ direction: 1 | -1 }>('compare/navigate');
/** Webview → host: the selected pair (for the status bar and the tests). */
export const PairSelected = notificationType<{ pair: number }>('compare/pairSelected');
/** Host (tests) → webview: what is shown. */
export const GetCompareState = requestType<Record<string, never>, CompareViewState>('compare/getState');

export interface CompareViewState {
  selectedPair: number | null;
  onlyDifferences: boolean;
  /** Rows in the DOM, in order, as `kind a b` (a/b: step ids or `-`). */
  rendered: string[];
}
