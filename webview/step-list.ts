/**
 * The virtualized step tree. Fixed row height; only the rows in (and just around) the viewport
 * exist in the DOM; rows arrive from the host in pages that are cached in a small LRU. The list
 * is an ARIA tree with aria-activedescendant: focus stays on the tree, the selected treeitem
 * carries aria-selected="true".
 *
 * Scrolling: while `rows x ROW_HEIGHT` fits under MAX_SCROLL_HEIGHT the spacer is that tall and
 * the browser scrolls natively (pixel-exact). A longer list (Chromium caps an element's height
 * near 33.5 million px, about 1.5 million rows) gets a spacer of MAX_SCROLL_HEIGHT and a virtual
 * offset: `top`, in list pixels, is the truth; the scrollbar shows it proportionally, dragging
 * the scrollbar maps back to it, and the wheel and page keys move it by the pixels they ask for.
 * The rows then sit in a sticky layer at the viewport's top, placed relative to `top`.
 */
import { withoutTerminalEscapes } from './terminal-text';
import type { RowSummary, RowsResult } from '../src/protocol/messages';
import { ErrorCode, RpcError } from '../src/protocol/rpc';
import { codicon, cssVar, el, formatDuration, isStoppedByUser, KIND_ICONS, redactedIcon, stoppedByUserIcon } from './dom';

export const ROW_HEIGHT = 22;
export const PAGE_SIZE = 100;
/**
 * The tallest the scrollable spacer gets, in px. Longer lists scroll through a virtual offset
 * (see above). Well under Chromium's cap, where positions are still exact.
 */
export const MAX_SCROLL_HEIGHT = 4_000_000;
/** A page, as Chromium pages a scroller (ScrollableArea::PageStep): 87.5% of the viewport. */
const PAGE_FRACTION = 0.875;
const MAX_CACHED_PAGES = 40;
const OVERSCAN = 8;
/**
 * A page request that timed out is asked for again this many times before the list shows an
 * error row: a host busy for a while (a large trace loading, a loaded machine) is not something
 * the reader should have to press Retry for.
 */
const TIMEOUT_RETRIES = 3;

export interface StepListDeps {
  fetchRows(start: number, count: number): Promise<RowsResult>;
  onActivate(row: RowSummary): void;
  onToggle(row: RowSummary): void;
  colorOf(category: string): string;
  categoryName(category: string): string;
  axis(): { start: number; end: number; hasTimestamps: boolean };
  isCollapsed(index: number): boolean;
  /** The search: does this step match, and the query whose occurrences in names are marked. */
  search(): { query: string; isMatch(index: number): boolean; current: number | null } | null;
  /** The scroll position changed (by the reader or by a reveal). */
  onScroll?(): void;
}

/** Tooltips carry the whole name, but a hostile megabyte-long one is cut. */
const TOOLTIP_MAX = 1000;

type PageState = { rows: RowSummary[] } | { error: string } | 'loading';

export class StepList {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  /** The rows' parent: unpositioned in the spacer (native scrolling), or the sticky layer (virtual). */
  private readonly layer: HTMLElement;
  private readonly empty: HTMLElement;
  private total = 0;
  /** Virtual scrolling is on (the list is taller than MAX_SCROLL_HEIGHT). */
  private virtual = false;
  /** Virtual mode: the list pixel at the viewport's top edge (may be fractional after a touchpad). */
  private top = 0;
  /** Virtual mode: the scrollTop that `top` was last shown at; any other scrollTop is the reader's. */
  private syncedScrollTop = 0;
  /** The offset the last render placed rows against (0 when scrolling natively). */
  private renderTop = 0;
  private generation = 0;
  private readonly pages = new Map<number, PageState>();
  /** Timed-out requests per page since its last answer (see TIMEOUT_RETRIES). */
  private readonly timeouts = new Map<number, number>();
  /** Pages from before a refresh, shown until their fresh copies arrive (no "Loading…" flash after an edit). */
  private stale = new Map<number, RowSummary[]>();
  private selectedIndex: number | null = null;
  private renderQueued = false;

  constructor(private readonly deps: StepListDeps) {
    this.layer = el('div', { className: 'step-list-rows' });
    this.spacer = el('div', { className: 'step-list-spacer' }, [this.layer]);
    this.empty = el('div', { className: 'empty-state step-list-empty', attrs: { hidden: true } });
    this.element = el('div', {
      className: 'step-list',
      attrs: { role: 'tree', tabindex: 0, 'aria-label': 'Steps', 'aria-multiselectable': 'false' },
      on: { scroll: () => this.onScroll(), keydown: (e) => this.onKeyDown(e) },
    }, [this.spacer, this.empty]);
    new ResizeObserver(() => {
      // The scrollbar's scale depends on the viewport's height: show the same rows at the new scale.
      if (this.virtual) this.setTop(this.top);
      this.queueRender();
    }).observe(this.element);
  }

  /** A new view (trace, filters, collapsing): forget cached pages. */
  reset(total: number, emptyMessage = 'No steps match the filters.'): void {
    this.generation++;
    this.pages.clear();
    this.timeouts.clear();
    this.stale.clear();
    this.setTotal(total);
    this.empty.hidden = total > 0;
    this.empty.textContent = emptyMessage;
    this.layer.replaceChildren();
    this.queueRender();
  }

  /**
   * The same view with new data (an annotation edit changed badges, tag counts or the total):
   * refetch the visible pages but keep painting the old rows until the new ones arrive.
   */
  refresh(total: number, emptyMessage = 'No steps match the filters.'): void {
    this.generation++;
    const previous = this.stale;
    this.stale = new Map();
    for (const [k, v] of this.pages) {
      if (typeof v === 'object' && 'rows' in v) this.stale.set(k, v.rows);
      else if (v === 'loading' && previous.has(k)) this.stale.set(k, previous.get(k) as RowSummary[]);
    }
    this.pages.clear();
    this.setTotal(total);
    this.empty.hidden = total > 0;
    this.empty.textContent = emptyMessage;
    this.render();
  }

  get rowCount(): number {
    return this.total;
  }

  /** The first row at the viewport's top (saved with the view state). */
  get scrollRow(): number {
    return Math.floor(this.currentTop() / ROW_HEIGHT);
  }

  /** Whether the last row is (at least half) inside the viewport: Follow is on only there. */
  get lastRowInView(): boolean {
    if (this.total === 0) return true;
    return this.currentTop() + this.element.clientHeight >= (this.total - 0.5) * ROW_HEIGHT;
  }

  /** Scroll so that `row` is in view: at the top, or the least distance (`nearest`). */
  scrollToRow(row: number, mode: 'nearest' | 'top' = 'nearest'): void {
    const top = row * ROW_HEIGHT;
    const view = this.element.clientHeight;
    const current = this.currentTop();
    if (mode === 'top') this.setTop(top);
    else if (top < current) this.setTop(top);
    else if (top + ROW_HEIGHT > current + view) this.setTop(top + ROW_HEIGHT - view);
    this.render();
  }

  /** The list pixel at the viewport's top. */
  private currentTop(): number {
    return this.virtual ? this.top : this.element.scrollTop;
  }

  /** A new row count: size the spacer, switching between native and virtual scrolling, and keep the position. */
  private setTotal(total: number): void {
    const before = this.currentTop();
    const wasVirtual = this.virtual;
    this.total = total;
    this.virtual = total * ROW_HEIGHT > MAX_SCROLL_HEIGHT;
    this.spacer.style.height = `${this.virtual ? MAX_SCROLL_HEIGHT : total * ROW_HEIGHT}px`;
    if (this.virtual !== wasVirtual) {
      this.element.classList.toggle('virtual-scroll', this.virtual);
      // Only a virtual list takes over the wheel: a native one keeps the browser's threaded scrolling.
      if (this.virtual) this.element.addEventListener('wheel', this.onWheel, { passive: false });
      else this.element.removeEventListener('wheel', this.onWheel);
    }
    if (this.virtual || wasVirtual) this.setTop(before);
  }

  /** Move the viewport's top to list pixel `top` (clamped), and the scrollbar with it. */
  private setTop(top: number): void {
    if (!this.virtual) {
      // The browser clamps, and its scroll event tells onScroll.
      this.element.scrollTop = top;
      return;
    }
    const view = this.element.clientHeight;
    const max = Math.max(0, this.total * ROW_HEIGHT - view);
    this.top = Math.min(Math.max(0, top), max);
    const scrollMax = Math.max(0, MAX_SCROLL_HEIGHT - view);
    this.element.scrollTop = max > 0 ? (this.top / max) * scrollMax : 0;
    // Read back: the browser rounds scrollTop to its own precision.
    this.syncedScrollTop = this.element.scrollTop;
    // No scroll event comes when scrollTop did not change (a move smaller than a scrollbar pixel).
    this.deps.onScroll?.();
  }

  private onScroll(): void {
    if (this.virtual) {
      const scrollTop = this.element.scrollTop;
      if (scrollTop === this.syncedScrollTop) return;
      // The reader moved the scrollbar (or the browser scrolled): the same fraction of the list.
      this.syncedScrollTop = scrollTop;
      const view = this.element.clientHeight;
      const scrollMax = Math.max(0, MAX_SCROLL_HEIGHT - view);
      const max = Math.max(0, this.total * ROW_HEIGHT - view);
      // Within a pixel of the end is the end: at a fractional zoom the browser's end is not a whole pixel.
      const fraction = scrollMax <= 0 ? 0 : scrollTop >= scrollMax - 1 ? 1 : scrollTop / scrollMax;
      this.top = Math.round(fraction * max);
    }
    this.queueRender();
    this.deps.onScroll?.();
  }

  /** Virtual mode: the wheel moves the list by the pixels it asks for, not the scrollbar's (coarser) pixels. */
  private readonly onWheel = (e: WheelEvent): void => {
    if (e.ctrlKey || e.deltaY === 0) return;
    e.preventDefault();
    const unit = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? ROW_HEIGHT : e.deltaMode === WheelEvent.DOM_DELTA_PAGE ? this.pageStep() : 1;
    this.scrollByPixels(e.deltaY * unit);
  };

  /** Virtual mode: Page Up/Down and Space page the list as the browser pages a native one. */
  private onKeyDown(e: KeyboardEvent): void {
    if (!this.virtual || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const sign = e.key === 'PageDown' || (e.key === ' ' && !e.shiftKey) ? 1 : e.key === 'PageUp' || (e.key === ' ' && e.shiftKey) ? -1 : 0;
    if (sign === 0) return;
    e.preventDefault();
    this.scrollByPixels(sign * this.pageStep());
  }

  private pageStep(): number {
    return Math.max(1, Math.floor(this.element.clientHeight * PAGE_FRACTION));
  }

  private scrollByPixels(dy: number): void {
    this.setTop(this.top + dy);
    this.render();
  }

  select(index: number | null, row: number | null): void {
    this.selectedIndex = index;
    // scrollToRow renders.
    if (row !== null) this.scrollToRow(row);
    else this.render();
  }

  /** The step indexes rendered right now (for the test-only state snapshot). */
  renderedIndexes(): number[] {
    return [...this.layer.querySelectorAll<HTMLElement>('[data-index]')].map((e) => Number(e.dataset.index));
  }

  /** Paint the loaded rows again (the search's matches changed). */
  redraw(): void {
    this.render();
  }

  /** The cached row for a visible position, if its page is loaded. */
  rowAt(row: number): RowSummary | undefined {
    const p = this.pages.get(Math.floor(row / PAGE_SIZE));
    return p && typeof p === 'object' && 'rows' in p ? p.rows[row % PAGE_SIZE] : undefined;
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => { this.renderQueued = false; this.render(); });
  }

  private render(): void {
    const height = this.element.clientHeight || 400;
    // Native: rows sit at their own offset in the spacer. Virtual: relative to the viewport's top,
    // in whole pixels (a touchpad's fractional offsets would blur the text).
    const top = this.virtual ? Math.round(this.top) : this.element.scrollTop;
    this.renderTop = this.virtual ? top : 0;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.total - 1, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const nodes: Node[] = [];
    let activeId: string | null = null;
    for (let r = first; r <= last; r++) {
      const page = Math.floor(r / PAGE_SIZE);
      const state = this.touchPage(page);
      if (state === 'loading') {
        const old = this.stale.get(page)?.[r - page * PAGE_SIZE];
        if (old && old.row === r) {
          const node = this.rowElement(old);
          if (old.index === this.selectedIndex) activeId = node.id;
          nodes.push(node);
        } else nodes.push(this.placeholder(r, 'Loading…'));
        continue;
      }
      if ('error' in state) {
        // One error row per failed page, with a retry; the rest of the page stays blank.
        if (r === first || r % PAGE_SIZE === 0) nodes.push(this.errorRow(r, page, state.error));
        continue;
      }
      const data = state.rows[r - page * PAGE_SIZE];
      if (!data) continue;
      const node = this.rowElement(data);
      if (data.index === this.selectedIndex) activeId = node.id;
      nodes.push(node);
    }
    this.layer.replaceChildren(...nodes);
    if (activeId) this.element.setAttribute('aria-activedescendant', activeId);
    else this.element.removeAttribute('aria-activedescendant');
  }

  private touchPage(page: number): PageState {
    const hit = this.pages.get(page);
    if (hit !== undefined) {
      this.pages.delete(page);
      this.pages.set(page, hit);
      return hit;
    }
    this.pages.set(page, 'loading');
    const generation = this.generation;
    this.deps.fetchRows(page * PAGE_SIZE, PAGE_SIZE).then(
      (res) => {
        if (generation !== this.generation) return;
        this.timeouts.delete(page);
        this.pages.set(page, { rows: res.rows });
        this.stale.delete(page);
        this.evict();
        this.queueRender();
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        const timedOut = err instanceof RpcError && err.code === ErrorCode.Timeout;
        const attempts = (this.timeouts.get(page) ?? 0) + 1;
        if (timedOut && attempts <= TIMEOUT_RETRIES) {
          // Forget the page: the next render asks again if it is still in view.
          this.timeouts.set(page, attempts);
          this.pages.delete(page);
        } else {
          this.timeouts.delete(page);
          this.pages.set(page, { error: err instanceof Error ? err.message : String(err) });
          this.stale.delete(page);
        }
        this.queueRender();
      },
    );
    return 'loading';
  }

  private evict(): void {
    while (this.pages.size > MAX_CACHED_PAGES) this.pages.delete(this.pages.keys().next().value as number);
  }

  private position(node: HTMLElement, row: number): HTMLElement {
    node.style.transform = `translateY(${row * ROW_HEIGHT - this.renderTop}px)`;
    return node;
  }

  private placeholder(row: number, text: string): HTMLElement {
    return this.position(el('div', { className: 'step-row placeholder', text, attrs: { 'aria-hidden': 'true' } }), row);
  }

  private errorRow(row: number, page: number, message: string): HTMLElement {
    const retry = el('button', {
      className: 'link-button', text: 'Retry',
      on: { click: (e) => { e.stopPropagation(); this.pages.delete(page); this.render(); } },
    });
    return this.position(el('div', { className: 'step-row row-error', attrs: { role: 'alert' } }, [
      codicon('warning'), el('span', { text: `Couldn't load steps ${page * PAGE_SIZE + 1}–${(page + 1) * PAGE_SIZE}: ${message}` }), retry,
    ]), row);
  }

  private rowElement(d: RowSummary): HTMLElement {
    const selected = d.index === this.selectedIndex;
    const collapsed = d.hasChildren && this.deps.isCollapsed(d.index);
    const twistie = d.hasChildren
      ? el('span', {
        className: `twistie codicon codicon-chevron-${collapsed ? 'right' : 'down'}`,
        attrs: { 'aria-hidden': 'true' },
        on: { click: (e) => { e.stopPropagation(); this.deps.onToggle(d); } },
      })
      : el('span', { className: 'twistie' });
    // The host's one rule (error, finding, human tag, imported label); older hosts did not send it.
    const failed = d.failing ?? (d.status === 'error' || d.findingCount > 0);
    const labels = d.labels ?? [];
    const search = this.deps.search();
    const match = search !== null && search.isMatch(d.index);
    const query = match ? search?.query ?? '' : '';
    // What the call did (its command, path, query): to tell apart rows of the same tool.
    const detail = d.detail?.trim() || undefined;
    const badge = d.category
      ? el('span', { className: 'category-badge', text: d.category, attrs: { title: this.deps.categoryName(d.category) } })
      : null;
    if (badge && d.category) badge.style.setProperty('--badge-color', cssVar(this.deps.colorOf(d.category)));
    const status = failed
      ? codicon('error', 'failed')
      // A placeholder for its output: nothing to judge, so no green tick whatever its status says.
      : d.redacted ? redactedIcon()
      : d.status === 'ok' ? codicon('pass', 'ok')
        // An error status the host does not count as failing: the user stopped the step.
        : isStoppedByUser(d.status, failed) ? stoppedByUserIcon()
          : el('span', { className: 'status-none' });
    const node = el('div', {
      className: `step-row${selected ? ' selected' : ''}${failed ? ' failed' : ''}${labels.length ? ' labelled' : ''}${match ? ' search-match' : ''}${match && search?.current === d.index ? ' current-match' : ''}`,
      attrs: {
        id: `step-row-${d.index}`, role: 'treeitem', 'aria-level': d.depth + 1,
        'aria-selected': selected ? 'true' : 'false',
        'aria-expanded': d.hasChildren ? String(!collapsed) : undefined,
        'data-index': d.index,
      },
      on: { click: () => this.deps.onActivate(d), dblclick: () => { if (d.hasChildren) this.deps.onToggle(d); } },
    }, [
      el('span', { className: 'col-index', text: String(d.index + 1) }),
      el('span', { className: 'col-tree', attrs: { title: tooltip(withoutTerminalEscapes(detail === undefined ? d.name : `${d.name}\n${detail}`)) } }, [
        el('span', { className: 'indent' }),
        twistie,
        codicon(KIND_ICONS[d.kind] ?? 'circle-outline', d.kind),
        el('span', { className: 'step-name' }, markMatches(withoutTerminalEscapes(d.name), query)),
        detail === undefined ? null : el('span', { className: 'step-detail' }, markMatches(withoutTerminalEscapes(detail), query)),
      ]),
      el('span', { className: 'col-badge' }, [badge, d.findingCount > 1 ? el('span', { className: 'more-findings', text: `+${d.findingCount - 1}` }) : null]),
      this.marksCell(d, labels),
      el('span', { className: 'col-status' }, [status]),
      this.durationCell(d, failed),
    ]);
    (node.querySelector('.indent') as HTMLElement).style.width = `${indentWidth(d.depth)}px`;
    return this.position(node, d.row);
  }

  /** Tags the user added, and a bookmark for labels imported with the trace (their text in the tooltip). */
  private marksCell(d: RowSummary, labels: string[]): HTMLElement {
    const title = [
      d.tagCount ? `${d.tagCount} ${d.tagCount === 1 ? 'tag' : 'tags'}` : '',
      ...labels.map((l) => `Labelled ${l}`),
    ].filter(Boolean).join('\n');
    return el('span', { className: 'col-tags', attrs: { title: tooltip(title) } }, [
      labels.length ? codicon('bookmark', `${labels.length === 1 ? 'an imported label' : `${labels.length} imported labels`}: ${labels.join('; ')}`) : null,
      d.tagCount > 0 ? codicon('tag') : null,
      d.tagCount > 0 ? el('span', { className: 'tag-count', text: String(d.tagCount) }) : null,
    ]);
  }

  private durationCell(d: RowSummary, failed: boolean): HTMLElement {
    const axis = this.deps.axis();
    const barColor = d.category ? cssVar(this.deps.colorOf(d.category)) : 'var(--vscode-charts-red)';
    const span = Math.max(1e-9, axis.end - axis.start);
    const bar = el('span', { className: `duration-bar${failed ? ' failed' : ''}` });
    bar.style.left = `${((d.start - axis.start) / span) * 100}%`;
    bar.style.width = `max(2px, ${((d.end - d.start) / span) * 100}%)`;
    if (failed) bar.style.setProperty('--bar-color', barColor);
    const text = axis.hasTimestamps && !d.untimed ? formatDuration(d.end - d.start) : '';
    const title = text || (!axis.hasTimestamps ? 'no timestamps: position in decision order'
      // A step without an end of its own (a turn still running) is drawn as far as its steps reach.
      : d.end > d.start ? `no end recorded for this step; its steps run for ${formatDuration(d.end - d.start)}` : 'no duration recorded for this step');
    return el('span', { className: 'col-duration', attrs: { title } }, [
      el('span', { className: 'duration-track' }, [bar]),
      el('span', { className: 'duration-text', text }),
    ]);
  }
}

function tooltip(text: string): string {
  return text.length > TOOLTIP_MAX ? `${text.slice(0, TOOLTIP_MAX - 1)}…` : text;
}

/** The name as text nodes, with each case-insensitive occurrence of the query in a <mark>. */
export function markMatches(name: string, query: string): (string | HTMLElement)[] {
  const q = query.trim().toLowerCase();
  if (!q) return [name];
  const lower = name.toLowerCase();
  // Lowercasing can change lengths (rare Unicode); then mark nothing rather than the wrong text.
  if (lower.length !== name.length) return [name];
  const out: (string | HTMLElement)[] = [];
  let at = 0;
  for (let i = lower.indexOf(q); i >= 0 && out.length < 200; i = lower.indexOf(q, i + q.length)) {
    if (i > at) out.push(name.slice(at, i));
    out.push(el('mark', { className: 'search-hit', text: name.slice(i, i + q.length) }));
    at = i + q.length;
  }
  if (at < name.length) out.push(name.slice(at));
  return out;
}

/** Pixels a level of the tree indents its rows by, down to `FULL_INDENT_LEVELS`; deeper levels indent by `DEEP_INDENT` each. */
const INDENT = 12;
const FULL_INDENT_LEVELS = 8;
const DEEP_INDENT = 4;

/**
 * How far a row at `depth` is indented. A search tree (ToolBench's DFSDT) or a recursive agent
 * nests 20 levels and more: at 12 px a level, its names were cut to a few letters. Past the first
 * levels each adds less, so deep rows keep their names and the nesting still shows.
 */
export function indentWidth(depth: number): number {
  return Math.min(depth, FULL_INDENT_LEVELS) * INDENT + Math.max(0, depth - FULL_INDENT_LEVELS) * DEEP_INDENT;
}
