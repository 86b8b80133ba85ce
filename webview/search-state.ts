/**
 * The search's state in the webview: the query the last reply answered, which steps match (for
 * the row marks), which match is current ("k of n"), and whether the host is still counting. No
 * DOM here: plain Node tests read its label.
 */
import type { SearchResult } from '../src/protocol/messages';

export class SearchState {
  private query = '';
  private matches = new Set<number>();
  private total = 0;
  private ordinal: number | null = null;
  /** The host is still counting the matches (a large trace searched in its file). */
  private counting = false;
  /** The step the last search moved to. */
  current: number | null = null;

  /** The reply to a search for `query`. */
  set(query: string, r: SearchResult): void {
    this.query = query;
    this.matches = new Set(r.matches ?? (r.index !== null ? [r.index] : []));
    this.total = r.matchCount;
    this.current = r.index;
    this.ordinal = r.ordinal ?? null;
    this.counting = r.partial === true;
  }

  /** The whole count for `query`, asked for after a partial reply; false when the search moved on to another query. */
  setCount(query: string, r: SearchResult): boolean {
    if (query !== this.query || r.partial) return false;
    const matches = r.matches ?? [];
    this.matches = new Set(matches);
    this.total = r.matchCount;
    this.counting = false;
    const k = this.current === null ? -1 : matches.indexOf(this.current);
    this.ordinal = k >= 0 ? k + 1 : null;
    return true;
  }

  clear(): void {
    this.counting = false;
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

  /** What the match label says: "3 of 17", "No matches", "40 matches so far, counting…", or nothing before the first search. */
  label(): string {
    if (!this.query) return '';
    if (this.counting) return `${this.total.toLocaleString()} ${this.total === 1 ? 'match' : 'matches'} so far, counting…`;
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
