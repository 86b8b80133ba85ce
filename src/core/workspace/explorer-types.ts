/**
 * The Trace Explorer's row, sort and facet shapes and its query-term helpers, without imports:
 * the webview uses them too, and it compiles without Node's types.
 */
export const EXPLORER_COLUMNS = ['title', 'file', 'outcome', 'steps', 'failures', 'category', 'tools', 'model', 'tokens', 'cost', 'duration', 'start'] as const;
export type ExplorerColumn = (typeof EXPLORER_COLUMNS)[number];

export interface ExplorerSort {
  column: ExplorerColumn;
  descending: boolean;
}

/** What one table row shows: text and numbers only, never markup. */
export interface ExplorerRow {
  /** Position in the sorted result. */
  index: number;
  title: string;
  file: string;
  /** 1-based run number within a file of several runs, else null. */
  run: number | null;
  outcome: 'success' | 'failure' | 'partial' | 'unknown';
  steps: number;
  failingSteps: number;
  /** Up to three categories, largest first, with counts. */
  categories: { category: string; count: number }[];
  tools: string[];
  /** Tools with at least one failed call. */
  failingTools: string[];
  models: string[];
  tokens: number;
  cost: number | null;
  durationMs: number | null;
  startTime: number | null;
  tags: number;
  corrections: number;
  /** Opening the row goes to this step. */
  stepId: string | null;
}

export const FACET_FIELDS = ['outcome', 'category', 'tool', 'model', 'format'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

export interface FacetValue {
  value: string;
  /** Matching traces with this value. */
  count: number;
}

export interface Facet {
  field: FacetField;
  values: FacetValue[];
  /** Distinct values left out after the first `limit`. */
  more: number;
}

/**
 * `field:value` as the query language reads it back: quoted (with `\"` and `\\` escaped) when the
 * value has spaces, quotes, parentheses or is empty. Globs are left as the value spells them.
 */
export function queryTerm(field: string, value: string): string {
  const plain = value !== '' && !/[\s"()\\]/.test(value);
  return `${field}:${plain ? value : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`}`;
}

/**
 * The query with `term` added (as `-term` when `negate`), unless the query already has it as a
 * whole term; an empty query becomes the term alone. Top-level OR is kept whole by bracketing it.
 */
export function addQueryTerm(query: string, term: string, negate = false): string {
  const wanted = negate ? `-${term}` : term;
  const trimmed = query.trim();
  if (!trimmed) return wanted;
  if (splitTerms(trimmed).includes(wanted)) return trimmed;
  const needsBrackets = /(^|\s)OR(\s|$)/.test(trimmed) && !(trimmed.startsWith('(') && trimmed.endsWith(')'));
  return `${needsBrackets ? `(${trimmed})` : trimmed} ${wanted}`;
}

/** Whitespace-separated terms, keeping quoted text (with escapes) whole. */
function splitTerms(query: string): string[] {
  const terms: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (quoted && c === '\\' && i + 1 < query.length) { current += c + query[++i]; continue; }
    if (c === '"') quoted = !quoted;
    if (!quoted && /\s/.test(c)) {
      if (current) terms.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (current) terms.push(current);
  return terms;
}
