/**
 * The Trace Explorer's request handlers, without vscode: the panel binds them to its webview, and
 * the webview tests bind the very same ones to a page in headless Chromium. The host keeps the
 * sorted result of the last run; the webview asks for pages of rows of it by run id, so a page of
 * an older run never lands in a newer table.
 */
import { ErrorCode, rpcError, type RpcEndpoint } from '../../protocol/rpc';
import {
  ExplorerInit, ExplorerOpen, ExplorerProgress, ExplorerRows, ExplorerRun, ExplorerSaveState, ExplorerSortRows,
  type ExplorerRunResult, type ExplorerState,
} from '../../protocol/explorer';
import { explorerRow, facetCounts, sortMatches, type ExplorerMatch, type ExplorerSort } from '../../core/workspace/explorer-table';
import { parseQuery, QuerySyntaxError, type Query } from '../../core/workspace/query';

export interface ExplorerQueryRun {
  matches: ExplorerMatch[];
  traces: number;
  refusedFiles: number;
}

export interface ExplorerBackend {
  /** Run the query over the workspace's traces; `signal` aborts it when a newer run starts. */
  run(query: Query, signal: AbortSignal, progress: (message: string) => void): Promise<ExplorerQueryRun>;
  /** Open the trace at the match's step (at its start when it names none). */
  open(match: ExplorerMatch, toSide: boolean): Promise<boolean>;
  /** What the panel showed last (query, sort, selection), or null for a first opening. */
  initialState(): ExplorerState | null;
  /** A query a command asked the panel to run, once (null when none). */
  takeRequestedQuery(): string | null;
  saveState(state: ExplorerState): void;
  /** A category's colour in the configured taxonomy (a theme variable), as the trace editor shows it; undefined for one it does not define. */
  colorOf(category: string): string | undefined;
}

/** The most rows one page request returns (the webview asks for 100). */
const MAX_PAGE = 500;

interface CurrentRun {
  runId: number;
  sorted: ExplorerMatch[];
}

export interface ExplorerHandlers {
  /** The run the table shows (for the panel's commands and the tests). */
  current(): { runId: number; matches: readonly ExplorerMatch[] } | undefined;
  /** Open row `index` of the current run, as Enter on it does. */
  open(index: number, toSide?: boolean): Promise<boolean>;
  dispose(): void;
}

export function bindExplorerHandlers(rpc: RpcEndpoint, backend: ExplorerBackend): ExplorerHandlers {
  let nextRunId = 1;
  let running: AbortController | undefined;
  let current: CurrentRun | undefined;

  const runOf = (runId: number): CurrentRun => {
    if (!current || current.runId !== runId) throw rpcError(ErrorCode.NotFound, `run ${runId} is no longer the current one`);
    return current;
  };

  rpc.onRequest(ExplorerInit, () => ({ state: backend.initialState(), query: backend.takeRequestedQuery() }));
  rpc.onNotification(ExplorerSaveState, (state) => backend.saveState(state));

  rpc.onRequest(ExplorerRun, async ({ query: text, sort }): Promise<ExplorerRunResult> => {
    const runId = nextRunId++;
    running?.abort();
    let query: Query;
    try {
      query = parseQuery(text);
    } catch (e) {
      if (e instanceof QuerySyntaxError) return { runId, error: { message: e.message, column: e.column } };
      throw e;
    }
    const abort = new AbortController();
    running = abort;
    const result = await backend.run(query, abort.signal, (message) => {
      if (!abort.signal.aborted) rpc.sendNotification(ExplorerProgress, { message });
    });
    if (abort.signal.aborted) return { runId, superseded: true };
    running = undefined;
    current = { runId, sorted: sortMatches(result.matches, sort) };
    const facets = facetCounts(result.matches.map((m) => m.record));
    // A Map: category names come from the traces ("constructor" is no key of a plain object's here).
    const categoryColors = new Map<string, string | undefined>();
    for (const m of result.matches) {
      for (const { category } of m.record.categories) if (!categoryColors.has(category)) categoryColors.set(category, backend.colorOf(category));
    }
    const colored = [...categoryColors].filter((entry): entry is [string, string] => entry[1] !== undefined);
    return { runId, total: result.matches.length, traces: result.traces, refusedFiles: result.refusedFiles, facets, categoryColors: Object.fromEntries(colored) };
  });

  rpc.onRequest(ExplorerSortRows, ({ runId, sort }: { runId: number; sort: ExplorerSort }) => {
    const run = runOf(runId);
    run.sorted = sortMatches(run.sorted, sort);
    return { runId };
  });

  rpc.onRequest(ExplorerRows, ({ runId, start, count }) => {
    const run = runOf(runId);
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0) {
      throw rpcError(ErrorCode.InvalidParams, `rows: start and count must be whole numbers >= 0 (got ${start}, ${count})`);
    }
    const slice = run.sorted.slice(start, start + Math.min(count, MAX_PAGE));
    return { rows: slice.map((m, i) => explorerRow(m, start + i)) };
  });

  const openRow = async (run: CurrentRun, index: number, toSide: boolean): Promise<boolean> => {
    const match = run.sorted[index];
    if (!match) throw rpcError(ErrorCode.InvalidParams, `open: no row ${index}`);
    return backend.open(match, toSide);
  };
  rpc.onRequest(ExplorerOpen, async ({ runId, index, toSide }) => ({ opened: await openRow(runOf(runId), index, toSide === true) }));

  return {
    current: () => (current ? { runId: current.runId, matches: current.sorted } : undefined),
    open: (index, toSide = false) => {
      if (!current) return Promise.reject(new Error('the Trace Explorer has not run a query yet'));
      return openRow(current, index, toSide);
    },
    dispose: () => running?.abort(),
  };
}
