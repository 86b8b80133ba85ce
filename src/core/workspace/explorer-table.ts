/**
 * The Trace Explorer's table over query results (issue 14, section 2): one row per matching trace,
 * sortable columns, facet counts that add a term to the query. Plain data in, plain data out, so
 * the host's handlers, the CLI and the tests share it. No vscode, no DOM.
 */
import type { TraceRecord } from './trace-record';
import { FACET_FIELDS, type ExplorerColumn, type ExplorerRow, type ExplorerSort, type Facet, type FacetField } from './explorer-types';

export * from './explorer-types';

/** A query result as the table sees it: the record, where the file is shown from, the step to open. */
export interface ExplorerMatch {
  record: TraceRecord;
  /** The file as shown (relative to the workspace folder). */
  file: string;
  /** The first matching step, or null when the match names none (the trace opens at its start). */
  stepId: string | null;
  /** Traces in the record's file (rows of a file with several runs show the run's number). */
  runs: number;
}

const OUTCOME_ORDER: Record<TraceRecord['outcome'], number> = { failure: 0, partial: 1, unknown: 2, success: 3 };

/** The value a column sorts by; null sorts last in either direction. */
function sortKey(m: ExplorerMatch, column: ExplorerColumn): string | number | null {
  const r = m.record;
  switch (column) {
    case 'title': return r.title.toLowerCase();
    case 'file': return `${m.file}\u0000${String(r.traceIndex).padStart(8, '0')}`;
    case 'outcome': return OUTCOME_ORDER[r.outcome];
    case 'steps': return r.steps;
    case 'failures': return r.failingSteps;
    case 'category': return r.categories[0]?.category ?? null;
    case 'tools': return r.tools.length;
    case 'model': return r.models[0]?.toLowerCase() ?? null;
    case 'tokens': return r.tokens;
    case 'cost': return r.cost;
    case 'duration': return r.durationMs;
    case 'start': return r.startTime;
  }
}

/**
 * The matches in the order of `sort`. Stable: equal keys keep the file order (file, then run), so
 * a re-sort never shuffles rows the reader was looking at.
 */
export function sortMatches(matches: readonly ExplorerMatch[], sort: ExplorerSort): ExplorerMatch[] {
  const keyed = matches.map((m, i) => ({ m, i, k: sortKey(m, sort.column) }));
  const sign = sort.descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.k === null || b.k === null) return a.k === b.k ? a.i - b.i : a.k === null ? 1 : -1;
    const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k));
    return c !== 0 ? sign * c : a.i - b.i;
  });
  return keyed.map((k) => k.m);
}

export function explorerRow(m: ExplorerMatch, index: number): ExplorerRow {
  const r = m.record;
  return {
    index,
    title: r.title,
    file: m.file,
    run: m.runs > 1 ? r.traceIndex + 1 : null,
    outcome: r.outcome,
    steps: r.steps,
    failingSteps: r.failingSteps,
    categories: r.categories.slice(0, 3).map((c) => ({ category: c.category, count: c.count })),
    tools: r.tools.map((t) => t.name),
    failingTools: r.tools.filter((t) => t.failures > 0).map((t) => t.name),
    models: r.models,
    tokens: r.tokens,
    cost: r.cost,
    durationMs: r.durationMs,
    startTime: r.startTime,
    tags: r.tags,
    corrections: r.corrections,
    stepId: m.stepId,
  };
}

/**
 * For each facet field, how many of the matching traces have each value (a trace counts once per
 * value), largest first, ties by value. Categories are counted as recorded (leaf ids).
 */
export function facetCounts(records: Iterable<TraceRecord>, limit = 12): Facet[] {
  const counts = new Map<FacetField, Map<string, number>>(FACET_FIELDS.map((f) => [f, new Map()]));
  const add = (field: FacetField, values: Iterable<string>): void => {
    const m = counts.get(field) as Map<string, number>;
    for (const v of new Set(values)) if (v) m.set(v, (m.get(v) ?? 0) + 1);
  };
  for (const r of records) {
    add('outcome', [r.outcome]);
    add('category', r.categories.map((c) => c.category));
    add('tool', r.tools.map((t) => t.name));
    add('model', r.models);
    add('format', [r.format]);
  }
  return FACET_FIELDS.map((field) => {
    const all = [...(counts.get(field) as Map<string, number>)].map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    return { field, values: all.slice(0, limit), more: Math.max(0, all.length - limit) };
  });
}
