/**
 * Messages between the Trace Explorer panel and its host (issue 14, section 2). The same typed
 * request/response channel as the trace editor (./rpc): the webview asks for a query run, then for
 * pages of rows of that run, never for the whole result.
 */
import type { ExplorerColumn, ExplorerRow, ExplorerSort, Facet } from '../core/workspace/explorer-types';
import { notificationType, requestType } from './rpc';

export type { ExplorerColumn, ExplorerRow, ExplorerSort, Facet };

export interface ExplorerRunParams {
  query: string;
  sort: ExplorerSort;
}

export type ExplorerRunResult =
  | {
    /** Names this result: rows and opens refer to it, so a late page of an older run is not shown. */
    runId: number;
    /** Matching traces (rows). */
    total: number;
    /** Traces looked at. */
    traces: number;
    /** Files listed as traces that could not be read as one. */
    refusedFiles: number;
    facets: Facet[];
    /** The taxonomy's colour (a theme variable) of each category the matches name that has one. */
    categoryColors: Record<string, string>;
  }
  | { runId: number; error: { message: string; column: number } }
  /** A newer run started before this one ended. */
  | { runId: number; superseded: true };

export interface ExplorerState {
  query: string;
  sort: ExplorerSort;
  selected: number;
}

/** `state`: what the panel showed when it was last closed; `query`: a query a command asked to run now. */
export const ExplorerInit = requestType<Record<string, never>, { state: ExplorerState | null; query: string | null }>('explorer/init');
export const ExplorerRun = requestType<ExplorerRunParams, ExplorerRunResult>('explorer/run');
/** Re-sort the current run without running the query again. */
export const ExplorerSortRows = requestType<{ runId: number; sort: ExplorerSort }, { runId: number }>('explorer/sort');
export const ExplorerRows = requestType<{ runId: number; start: number; count: number }, { rows: ExplorerRow[] }>('explorer/rows');
export const ExplorerOpen = requestType<{ runId: number; index: number; toSide?: boolean }, { opened: boolean }>('explorer/open');
/** The page's query, sort and selection, kept for the next time the panel opens. */
export const ExplorerSaveState = notificationType<ExplorerState>('explorer/saveState');
/** Indexing and searching progress of the running query. */
export const ExplorerProgress = notificationType<{ message: string }>('explorer/progress');
/** Trace files changed: the webview runs its query again. */
export const ExplorerStale = notificationType<Record<string, never>>('explorer/stale');
/** The host asks the webview to put this query in the box and run it (a command's argument). */
export const ExplorerSetQuery = notificationType<{ query: string }>('explorer/setQuery');
