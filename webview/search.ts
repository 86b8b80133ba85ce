/**
 * The search's state in the webview: the query the last reply answered, which steps match (for
 * the row marks), which match is current ("k of n"), and the highlighting of the query's
 * occurrences in the details pane (CSS Custom Highlight API: no DOM changes to hostile text).
 */
import type { SearchResult } from '../src/protocol/messages';

const HIGHLIGHT = 'atd-search';
const MAX_RANGES = 2000;

export class SearchState {
  private query = '';
  private matches = new Set<number>();
  private total = 0;
  private ordinal: number | null = null;
  /** The step the last search moved to. */
  current: number | null = null;

  /** The reply to a search for `query`. */
  set(query: string, r: SearchResult): void {
    this.query = query;
    this.matches = new Set(r.matches ?? (r.index !== null ? [r.index] : []));
    this.total = r.matchCount;
    this.current = r.index;
    this.ordinal = r.ordinal ?? null;
  }

  clear(): void {
    this.query = '';
    this.matches = new Set();
    this.total = 0;
    this.current = null;
    this.ordinal = null;
  }

  get active(): boolean {
    return this.query !== '';
  }

  get text(): string {
    return this.query;
  }

  /** What the match label says: "3 of 17", "No matches", or nothing before the first search. */
  label(): string {
    if (!this.query) return '';
    if (this.total === 0) return 'No matches';
    if (this.ordinal !== null) return `${this.ordinal.toLocaleString()} of ${this.total.toLocaleString()}`;
    return `${this.total.toLocaleString()} ${this.total === 1 ? 'match' : 'matches'}`;
  }

  /** What the step list needs to mark rows, or null when no search is active. */
  forList(): { query: string; isMatch(index: number): boolean; current: number | null } | null {
    if (!this.query) return null;
    return { query: this.query, isMatch: (i) => this.matches.has(i), current: this.current };
  }
}

/** Highlight every case-insensitive occurrence of `query` in the text under `root` (or clear with ''). */
export function highlightMatches(root: HTMLElement, query: string): number {
  const registry = typeof CSS !== 'undefined' ? CSS.highlights : undefined;
  if (!registry || typeof Highlight === 'undefined') return 0;
  const q = query.trim().toLowerCase();
  if (!q) { registry.delete(HIGHLIGHT); return 0; }
  const ranges: Range[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node && ranges.length < MAX_RANGES; node = walker.nextNode()) {
    const text = (node.nodeValue ?? '').toLowerCase();
    if (text.length !== (node.nodeValue ?? '').length) continue; // lowercasing changed offsets: skip rather than mis-mark
    for (let i = text.indexOf(q); i >= 0 && ranges.length < MAX_RANGES; i = text.indexOf(q, i + q.length)) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + q.length);
      ranges.push(range);
    }
  }
  registry.set(HIGHLIGHT, new Highlight(...ranges));
  return ranges.length;
}
