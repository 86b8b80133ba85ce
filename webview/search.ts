/**
 * The highlighting of the search query's occurrences in the details pane (CSS Custom Highlight
 * API: no DOM changes to hostile text). The search's state is in search-state.ts.
 */

const HIGHLIGHT = 'atd-search';
const MAX_RANGES = 2000;

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
