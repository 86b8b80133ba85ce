/**
 * The messages between the trace editor's host (src/host/editor) and its webview (webview/).
 * The host owns the trace; the webview asks for what it shows: a summary, pages of rows, one
 * step's details, timeline bars for a time window. Row indexes are positions in the *visible*
 * list (after collapsing and filtering); step indexes are `Step.index` (decision order).
 */
import type { ChatMessage, Step, ImportedLabel } from '../core/model/schema';
import { notificationType, requestType } from './rpc';
import type { StepAnnotations } from './annotations';

/** Host-provided file-level facts. */
export interface ReadyResult {
  fileName: string;
  /** Importer id (`otel`, `agent-trace`...) or null when the file could not be read. */
  format: string | null;
  traces: TraceListItem[];
  /** Importer warnings, already formatted `file:line:col: message`. */
  warnings: string[];
  /** Set when the file could not be opened; the webview shows it with "Open as Text". */
  loadError?: LoadErrorInfo;
  /** Whether the file has positions for "Reveal in file" (false for `.eval` zips). */
  canRevealInFile: boolean;
  /** Set while the file is still being read: the steps shown so far grow; the webview offers Cancel. */
  loading?: { bytesRead: number; totalBytes: number };
  /** Why reading stopped before the end of the file (cancelled): what is shown is only the start. */
  stoppedReading?: string;
}

export interface LoadErrorInfo {
  title: string;
  problems: { message: string; line?: number; column?: number; where?: string }[];
}

export interface TraceListItem {
  traceIndex: number;
  title: string;
  stepCount: number;
  failureCount: number;
  /** How the run ended, from its imported labels (reward, score, pass/fail), when the source says. */
  verdict?: RunVerdict;
}

/** How a run ended, as its source said (a reward, a score, pass/fail) or as its steps show (it ended in an error). */
export interface RunVerdict {
  outcome: 'pass' | 'fail' | 'partial' | 'unknown';
  /** One line for the header and the trace picker. */
  summary: string;
  /** Every reason, one short phrase each. */
  reasons: string[];
}

export interface CategoryInfo {
  id: string;
  name: string;
  /** A CSS custom property name such as `--vscode-charts-red` (validated by the host). */
  color: string;
  definition: string;
  count: number;
  /** Set on the legend's "labelled by <scheme>" entries (id `label:<scheme>`): steps with an imported error label. */
  labelScheme?: string;
}

export interface TraceSummary {
  traceIndex: number;
  title: string;
  stepCount: number;
  failureCount: number;
  maxDepth: number;
  /** Categories of the active taxonomy, those with findings first. */
  categories: CategoryInfo[];
  taxonomyName: string;
  /**
   * The x axis. With timestamps: epoch ms. Without: decision order, where step i spans
   * [i, i + subtree size] so parents still enclose their children.
   */
  timeRange: { start: number; end: number; hasTimestamps: boolean };
  /** Every failing step for the minimap (capped; `failuresTruncated` says when). */
  failures: FailureMarker[];
  failuresTruncated: boolean;
  labelCount: number;
  /** Steps with an imported error label (they are failing steps too). */
  labelledStepCount?: number;
  /** How the run ended, from its imported labels, when the source says. */
  verdict?: RunVerdict;
  /**
   * Steps whose call arguments or output are a redaction placeholder ("[REDACTED]"): the detectors
   * could not check them, so "no failures" does not mean they are fine. Absent when none.
   */
  redactedStepCount?: number;
}

export interface FailureMarker {
  index: number;
  start: number;
  end: number;
  /** Category id of the first finding, or null for an error status without a finding. */
  category: string | null;
  /** The step carries an imported error label (drawn with its own mark). */
  labelled?: boolean;
}

/** Which rows are visible: the webview keeps this in its state and sends it with each page request. */
export interface ViewSpec {
  traceIndex: number;
  /** Step indexes whose descendants are hidden. */
  collapsed: number[];
  failuresOnly: boolean;
  /** Category ids; empty = all. A step matches when any finding has one of them. */
  categories: string[];
}

export interface RowSummary {
  row: number;
  index: number;
  id: string;
  depth: number;
  kind: Step['kind'];
  name: string;
  /** The step's gist, shown beside its name: a tool call's command, path, query..., a model reply's first line (src/core/analysis/step-gist.ts); absent for other steps. */
  detail?: string;
  /** Position on the timeline axis (epoch ms, or decision order without timestamps: see TraceSummary.timeRange). */
  start: number;
  end: number;
  status: Step['status'];
  /** Category id of the first finding. */
  category: string | null;
  findingCount: number;
  tagCount: number;
  hasChildren: boolean;
  parentIndex: number | null;
  /** Counts as a failure (error status, a finding, a human tag or an imported label): the host's one rule. */
  failing?: boolean;
  /** Imported error labels on the step, one line each (`TRAIL: Formatting Errors (HIGH)`). */
  labels?: string[];
  /** Its output or call is a redaction placeholder: the detectors could not check it (its status is the producer's). */
  redacted?: true;
  /** It has no start or no end time of its own (an instant, a step still running, one placed after the step before): no duration to show. */
  untimed?: true;
}

export interface RowsResult {
  total: number;
  start: number;
  rows: RowSummary[];
}

export interface FindingInfo {
  category: string;
  /** The detector's category (default taxonomy): with `rule`, what identifies the finding on its step; send it back to confirm or reject it. */
  defaultCategory: string;
  /** The review the host decided from the sidecar (the same rule promotion uses); the webview does not recompute it. */
  review: 'proposed' | 'confirmed' | 'rejected';
  categoryName: string;
  color: string;
  rule: string;
  evidence: string;
  impact?: 'HIGH' | 'MEDIUM' | 'LOW';
  symptomStepIndex?: number;
}

export interface StepDetails {
  step: Step;
  findings: FindingInfo[];
  labels: ImportedLabel[];
  childCount: number;
  parentIndex: number | null;
  /** Duration in ms when both times are known. */
  durationMs: number | null;
  canRevealInFile: boolean;
  /** Counts as a failure (the same rule as RowSummary.failing). */
  failing?: boolean;
  /** Its output or call is a redaction placeholder (the same as RowSummary.redacted). */
  redacted?: true;
  /** Tags, review state and correction of this step (issue 5). */
  annotations?: StepAnnotations;
  /**
   * The step's long texts that crossed shortened (src/host/editor/details-page.ts): absent when
   * none did. Ask for the whole of one with GetStepText. Correction editing uses `annotations`,
   * which is not shortened.
   */
  truncated?: TruncatedText[];
  /**
   * Messages of the input or output left out to keep them within DETAILS_MESSAGES_BUDGET (at most
   * one run each): absent when none were. Ask for them with GetStepMessages. Paths (here and in
   * `truncated`) keep the step's own message indexes.
   */
  elided?: ElidedMessages[];
}

/**
 * A run of messages left out of a step's input or output: the step's list there lacks them, so its
 * messages from `start` on are the step's own `start + count` on.
 */
export interface ElidedMessages {
  at: 'input' | 'output';
  /** The step's own index of the first message left out. */
  start: number;
  count: number;
  /** What they weigh as they would cross: UTF-16 code units of their compact JSON, each text cut to DETAILS_TEXT_LIMIT. */
  size: number;
}

/** Where a value is inside a Step: property names and array indexes from the step down (`['input', 'messages', 0, 'content']`; `[]` is the step). */
export type StepPath = (string | number)[];

/**
 * A long text of a step that crossed to the webview shortened: at most the first
 * `DETAILS_TEXT_LIMIT` UTF-16 code units of it (one fewer when a surrogate pair straddles the cut).
 */
export interface TruncatedText {
  path: StepPath;
  /**
   * `string`: the step holds the text's beginning at `path`.
   * `json`: the value at `path` (tool arguments, an input or output value, attributes, or a structure
   * inside one) was too long as a whole; the step holds null there (attributes: `{}`) and `text` holds
   * the beginning of its JSON, indented by 2 as in Raw JSON.
   */
  kind: 'string' | 'json';
  /** The full text's length in UTF-16 code units (for `json`, of the indented JSON). */
  length: number;
  /** The beginning of the JSON text (`json` only). */
  text?: string;
}

/** The most UTF-16 code units of one text that cross with a step's details (64 Ki). */
export const DETAILS_TEXT_LIMIT = 65_536;

/**
 * The most UTF-16 code units of messages (compact JSON, each text already cut) that cross with a
 * step's details per input and per output (64 Ki, so 128 Ki in all), besides the leading system
 * messages and the latest message, which always cross.
 */
export const DETAILS_MESSAGES_BUDGET = 65_536;

export interface TimelineBar {
  index: number;
  /** The step's name, at most BAR_NAME_CHARS characters: the bar's tooltip. */
  name: string;
  depth: number;
  start: number;
  end: number;
  status: Step['status'];
  kind: Step['kind'];
  category: string | null;
  labelled?: boolean;
  /** Whether the step is failing (the host's judgement: an error status the user caused is not). */
  failing?: boolean;
}

/** How much of a step's name a timeline bar carries (up to 20,000 bars a request). */
export const BAR_NAME_CHARS = 120;

export interface TimelineResult {
  bars: TimelineBar[];
  /** True when more bars overlapped the window than `limit`; the longest were kept. */
  truncated: boolean;
}

export type Direction = 'next' | 'previous';

export interface SearchResult {
  /** The match found from `from` in `direction` (wrapping), or null when nothing matches. */
  index: number | null;
  matchCount: number;
  /** 1-based position of `index` among all matches in step order ("k of n"). */
  ordinal?: number;
  /** Step indexes of the matches, in order, for highlighting; the first `SEARCH_MATCH_CAP` only. */
  matches?: number[];
  /**
   * Still counting (a large trace held on disk is searched in the file): `index` is the match from
   * `from`, `matchCount` and `matches` are those found so far, and there is no `ordinal`. Ask again
   * with `complete` for the count.
   */
  partial?: boolean;
}

/** How many match indexes a search reply carries. */
export const SEARCH_MATCH_CAP = 10_000;

export interface WebviewStateSnapshot {
  traceIndex: number;
  selectedIndex: number | null;
  selectedId: string | null;
  /** Visible row count (after collapsing/filters). */
  totalRows: number;
  /** Step indexes of the rows currently in the DOM. */
  renderedIndexes: number[];
  failuresOnly: boolean;
  categories: string[];
  collapsed: number[];
  searchQuery: string;
  /** The heading of the details pane (the selected step's name), or null. */
  detailsTitle: string | null;
  /** The error text shown in the details pane, or null. */
  detailsError?: string | null;
  /** The details pane's text, whitespace collapsed, at most 20,000 characters (tests read what it shows). */
  detailsText?: string;
  /** Categories of the selected step's confirmed tags (human and rule), in order. */
  selectedTags?: string[];
  /** The file is still being read (the reading bar shows). */
  reading?: boolean;
  /** The file is growing (live), and whether the list follows its newest step. */
  live?: boolean;
  follow?: boolean;
  /** Whether the last row is in the list's viewport. */
  lastRowInView?: boolean;
}

// ---- webview → host requests ----
export const Ready = requestType<Record<string, never>, ReadyResult>('ready');
export const GetSummary = requestType<{ traceIndex: number }, TraceSummary>('getSummary');
export const GetRows = requestType<{ view: ViewSpec; start: number; count: number }, RowsResult>('getRows');
/** Where a step is in a view; `hiddenBy` lists collapsed ancestors when it is hidden by them. */
export const LocateStep = requestType<{ view: ViewSpec; index: number }, { row: number | null; hiddenBy: number[] }>('locateStep');
export const GetStep = requestType<{ traceIndex: number; index: number }, StepDetails>('getStep');
/** The whole of one text of a step (a string as it is; any other value as JSON indented by 2). `path: []` is the step's Raw JSON. */
export const GetStepText = requestType<{ traceIndex: number; index: number; path: StepPath }, { text: string }>('getStepText');
/** Messages of a step's input or output left out of its details (`ElidedMessages`), each text cut as in the details; `truncated` paths are in the step. */
export const GetStepMessages = requestType<
  { traceIndex: number; index: number; at: 'input' | 'output'; start: number; count: number },
  { messages: ChatMessage[]; truncated: TruncatedText[] }
>('getStepMessages');
export const FindFailure = requestType<{ view: ViewSpec; from: number; direction: Direction }, { index: number | null }>('findFailure');
/** The next (previous) step like the one at `from` (the same tool's next call), in the view: `]` and `[`. */
export const FindPeer = requestType<{ view: ViewSpec; from: number; direction: Direction }, { index: number | null }>('findPeer');
export const Search = requestType<{ traceIndex: number; query: string; from: number; direction: Direction; complete?: boolean }, SearchResult>('search');
export const GetTimeline = requestType<{ traceIndex: number; start: number; end: number; limit: number }, TimelineResult>('getTimeline');
export const RevealInFile = requestType<{ traceIndex: number; index: number }, { revealed: boolean; reason?: string }>('revealInFile');
export const OpenAsText = requestType<Record<string, never>, null>('openAsText');

// ---- host → webview notifications ----
export const SelectStepNotification = notificationType<{ index: number; traceIndex?: number }>('selectStep');
export type NavigateAction = 'nextFailure' | 'previousFailure' | 'nextPeer' | 'previousPeer';
export const NavigateNotification = notificationType<{ action: NavigateAction }>('navigate');

// ---- webview → host notifications ----
/** The user selected a step (debounced; not sent for selections the host asked for or a restored tab): a debugger on the file follows. */
export const StepSelectedNotification = notificationType<{ traceIndex: number; index: number; stepId: string }>('stepSelected');

// ---- host → webview requests ----
export const GetWebviewState = requestType<Record<string, never>, WebviewStateSnapshot>('getWebviewState');

/** The webview's persisted state (`vscode.setState`), restored when the tab is shown again. */
export interface PersistedState {
  traceIndex: number;
  selectedIndex: number | null;
  collapsed: number[];
  failuresOnly: boolean;
  categories: string[];
  searchQuery: string;
  scrollRow: number;
  timeline: { start: number; end: number } | null;
  /** Width of the step column in px when the user resized it. */
  stepColumnWidth?: number | null;
}

/** CSS custom property names are all a colour may be; anything else is dropped (hostile taxonomy files). */
export function isCssVariableName(s: string): boolean {
  return /^--[A-Za-z0-9-]{1,80}$/.test(s);
}
