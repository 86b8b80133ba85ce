/**
 * The Compare Traces view's webview: two runs aligned pair by pair in two columns, like VS Code's
 * diff editor (rows same / changed / inserted / deleted with the theme's diff colours), and the
 * selected pair's field diffs, failures and tags below. The list is virtual: it asks the host for
 * pages of pairs, never the whole comparison. Trace text goes in as text only (dom.ts).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import {
  CompareNavigate, CompareReady, FindDifference, GetCompareState, GetPairDetails, GetPairs, LocatePair, OpenPairStep, OpenSideBySide, PairSelected,
  type CompareReadyResult, type CompareViewPersisted, type FieldDiffInfo, type FieldDiffLine, type PairDetails, type PairRow, type PairSideDetails, type PairSideRow,
} from '../../src/protocol/compare';
import { ErrorCode, RpcError, type RpcEndpoint } from '../../src/protocol/rpc';
import { codicon, cssVar, el, KIND_ICONS } from '../dom';
import { withoutTerminalEscapes } from '../terminal-text';
import { connectToHost, type HostConnection } from '../host';
import { counted } from '../plural';

/** Must match --pair-row-height in media/compare-view.css. */
const ROW_HEIGHT = 22;
const PAGE_SIZE = 100;
const MAX_CACHED_PAGES = 40;
const OVERSCAN = 8;
/** A page that timed out is asked for again this many times before its rows say so. */
const TIMEOUT_RETRIES = 3;

interface CheckboxElement extends HTMLElement { checked: boolean }

type PageState = { rows: PairRow[] } | { error: string } | 'loading';

const MARKERS: Record<PairRow['kind'], string> = { same: ' ', changed: '~', inserted: '+', deleted: '-' };
const KIND_NAMES: Record<PairRow['kind'], string> = { same: 'same', changed: 'changed', inserted: 'only in the second run', deleted: 'only in the first run' };

class CompareApp {
  private readonly rpc: RpcEndpoint;
  private readonly host: HostConnection<CompareViewPersisted>;
  private readonly kept: Partial<CompareViewPersisted> | undefined;
  private info: CompareReadyResult | undefined;
  private onlyDifferences = false;
  private total = 0;
  private generation = 0;
  private readonly pages = new Map<number, PageState>();
  private readonly timeouts = new Map<number, number>();
  private selectedPair: number | null = null;
  private selectedRow: number | null = null;
  private detailsSeq = 0;
  private renderQueued = false;
  /** The row nodes of the last render, by row, with the data they show. */
  private shown = new Map<number, { node: HTMLElement; row: PairRow }>();
  private readonly root: HTMLElement;
  private readonly list: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly details: HTMLElement;
  private readonly position: HTMLElement;
  private readonly toggle: CheckboxElement;
  private readonly headerA: HTMLElement;
  private readonly headerB: HTMLElement;
  private readonly summary: HTMLElement;
  private sideBySide: HTMLElement | undefined;

  constructor() {
    this.host = connectToHost<CompareViewPersisted>();
    this.rpc = this.host.rpc;
    // What the page showed before a window reload (VS Code keeps a page's state with its panel).
    this.kept = this.host.getState();
    this.root = document.getElementById('app') ?? document.body;
    this.summary = el('span', { className: 'compare-summary' });
    this.position = el('span', { className: 'compare-position', attrs: { 'aria-live': 'polite' } });
    this.toggle = el('vscode-checkbox', { attrs: { label: 'Only differences', title: 'Show only the pairs that differ (d)' } }) as CheckboxElement;
    // Focus goes back to the list, so the arrows and n/p keep working after a click on the toggle.
    this.toggle.addEventListener('change', () => { void this.setOnlyDifferences(this.toggle.checked).then(() => this.list.focus()); });
    const button = (icon: string, label: string, title: string, click: () => void): HTMLElement =>
      el('vscode-button', { attrs: { secondary: true, title }, on: { click } }, [codicon(icon), el('span', { text: label })]);
    const toolbar = el('div', { className: 'toolbar compare-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Compare' } }, [
      this.summary,
      this.position,
      el('span', { className: 'spacer' }),
      button('arrow-up', 'Previous', 'Previous difference (p, Shift+Alt+F5)', () => { void this.gotoDifference(-1); }),
      button('arrow-down', 'Next', 'Next difference (n, Alt+F5)', () => { void this.gotoDifference(1); }),
      this.toggle,
      this.sideBySide = button('split-horizontal', 'Open Side by Side in Trace Editors', 'Open both runs in two Trace Debugger editors at the selected pair', () => {
        void this.rpc.sendRequest(OpenSideBySide, { pair: this.selectedPair ?? 0 }).catch((e: unknown) => this.showError(e));
      }),
    ]);
    this.headerA = el('div', { className: 'compare-side-header' });
    this.headerB = el('div', { className: 'compare-side-header' });
    const columns = el('div', { className: 'pair-header', attrs: { 'aria-hidden': 'true' } }, [el('span', { className: 'pair-gutter' }), this.headerA, el('span', { className: 'pair-gutter' }), this.headerB]);
    this.spacer = el('div', { className: 'pair-spacer' });
    this.empty = el('div', { className: 'empty-state', attrs: { hidden: true } });
    this.list = el('div', {
      className: 'pair-list',
      attrs: { role: 'listbox', tabindex: 0, 'aria-label': 'Aligned steps of the two runs' },
      on: { scroll: () => this.queueRender(), keydown: (e) => this.onListKey(e) },
    }, [this.spacer, this.empty]);
    this.details = el('div', { className: 'pair-details', attrs: { role: 'region', 'aria-label': 'Selected pair', tabindex: -1 } });
    this.root.replaceChildren(toolbar, el('div', { className: 'compare-body' }, [el('div', { className: 'pair-pane' }, [columns, this.list]), this.details]));
    this.root.removeAttribute('aria-busy');
    new ResizeObserver(() => this.queueRender()).observe(this.list);
    document.addEventListener('keydown', (e) => this.onKey(e));

    this.rpc.onNotification(CompareNavigate, (p) => { void this.gotoDifference(p.direction); });
    this.rpc.onRequest(GetCompareState, () => ({
      selectedPair: this.selectedPair,
      onlyDifferences: this.onlyDifferences,
      rendered: [...this.spacer.querySelectorAll<HTMLElement>('.pair-row[data-pair]')].map((r) => r.dataset.summary ?? ''),
    }));
    void this.start();
  }

  private async start(): Promise<void> {
    let info: CompareReadyResult;
    try {
      info = await this.rpc.sendRequest(CompareReady, {});
    } catch (e) {
      this.details.replaceChildren(el('div', { className: 'error-state', text: `The comparison could not be loaded: ${errorText(e)}` }));
      return;
    }
    this.info = info;
    // A corrected trajectory is no file of its own: it cannot open in a trace editor.
    if (info.sides[1].corrected && this.sideBySide) this.sideBySide.hidden = true;
    this.headerA.replaceChildren(...sideHeader('A', info.sides[0]));
    this.headerB.replaceChildren(...sideHeader('B', info.sides[1]));
    const c = info.counts;
    this.summary.textContent = `${c.changed} changed · ${c.deleted} only in A · ${c.inserted} only in B · ${c.same} same${info.approximate ? ' (partly aligned by position: the runs differ in many steps)' : ''}`;
    this.reset();
    // After a reload: the view the user left (only differences, the pair selected), when it still fits.
    const kept = this.kept;
    if (kept?.onlyDifferences === true) await this.setOnlyDifferences(true);
    const keptPair = typeof kept?.selectedPair === 'number' && kept.selectedPair >= 0 && kept.selectedPair < info.total ? kept.selectedPair : null;
    if (keptPair !== null) await this.selectPair(keptPair, 'center');
    else if (info.landing !== null) await this.selectPair(info.landing, 'center');
    else {
      this.position.textContent = 'The runs did the same thing, step for step.';
      if (this.total > 0) await this.selectRow(0, 'nearest');
    }
    this.list.focus();
  }

  private reset(): void {
    this.generation++;
    this.pages.clear();
    this.timeouts.clear();
    this.total = this.info ? (this.onlyDifferences ? this.info.differences : this.info.total) : 0;
    this.spacer.style.height = `${this.total * ROW_HEIGHT}px`;
    this.spacer.replaceChildren();
    this.shown.clear();
    this.empty.hidden = this.total > 0;
    this.empty.textContent = this.onlyDifferences ? 'No differences: the runs did the same thing, step for step.' : 'Both runs are empty.';
    this.queueRender();
  }

  /** Keeps the comparison and the place in it in the page's state (for a window reload). */
  private persist(): void {
    if (this.info?.restore) this.host.setState({ restore: this.info.restore, selectedPair: this.selectedPair, onlyDifferences: this.onlyDifferences });
  }

  private async setOnlyDifferences(on: boolean): Promise<void> {
    if (on === this.onlyDifferences) return;
    this.onlyDifferences = on;
    this.toggle.checked = on;
    this.persist();
    const keep = this.selectedPair;
    this.selectedRow = null;
    this.reset();
    if (keep === null || !this.info) return;
    const { row } = await this.rpc.sendRequest(LocatePair, { pair: keep, onlyDifferences: on });
    if (row !== null) { await this.selectRow(row, 'center', keep); return; }
    // The selected pair is the same in both runs: go to the next difference.
    const next = await this.rpc.sendRequest(FindDifference, { from: keep, direction: 1 });
    if (next.pair !== null) await this.selectPair(next.pair, 'center');
    else { this.selectedPair = null; this.showDetails(); }
  }

  /** Select a pair by its position in the alignment. */
  private async selectPair(pair: number, scroll: ScrollLogicalPosition): Promise<void> {
    const row = this.onlyDifferences ? (await this.rpc.sendRequest(LocatePair, { pair, onlyDifferences: true })).row : pair;
    if (row === null) return;
    await this.selectRow(row, scroll, pair);
  }

  private async selectRow(row: number, scroll: ScrollLogicalPosition, knownPair?: number): Promise<void> {
    if (this.total === 0) return;
    row = Math.max(0, Math.min(this.total - 1, row));
    this.selectedRow = row;
    this.scrollToRow(row, scroll);
    const pair = knownPair ?? (this.onlyDifferences ? (await this.rowAt(row))?.pair : row);
    if (pair === undefined || this.selectedRow !== row) return;
    this.selectedPair = pair;
    this.rpc.sendNotification(PairSelected, { pair });
    this.persist();
    this.render();
    void this.updatePosition(pair);
    this.showDetails();
  }

  private async updatePosition(pair: number): Promise<void> {
    if (!this.info || this.info.differences === 0) return;
    const { row } = await this.rpc.sendRequest(LocatePair, { pair, onlyDifferences: true });
    if (this.selectedPair !== pair) return;
    this.position.textContent = row === null
      ? `${this.info.differences} difference${this.info.differences === 1 ? '' : 's'}; pair ${pair + 1} of ${this.info.total} is the same`
      : `Difference ${row + 1} of ${this.info.differences}`;
  }

  private async gotoDifference(direction: 1 | -1): Promise<void> {
    if (!this.info) return;
    const from = this.selectedPair ?? (direction === 1 ? -1 : this.info.total);
    try {
      const next = await this.rpc.sendRequest(FindDifference, { from, direction });
      if (next.pair !== null) await this.selectPair(next.pair, 'center');
    } catch (e) {
      this.showError(e);
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) return;
    if (e.key === 'n') { e.preventDefault(); void this.gotoDifference(1); }
    else if (e.key === 'p') { e.preventDefault(); void this.gotoDifference(-1); }
    else if (e.key === 'd') { e.preventDefault(); void this.setOnlyDifferences(!this.onlyDifferences); }
  }

  private onListKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const row = this.selectedRow ?? -1;
    const pageRows = Math.max(1, Math.floor(this.list.clientHeight / ROW_HEIGHT) - 1);
    const go = (r: number): void => { e.preventDefault(); void this.selectRow(r, 'nearest'); };
    switch (e.key) {
      case 'ArrowDown': case 'j': go(row + 1); break;
      case 'ArrowUp': case 'k': go(Math.max(0, row - 1)); break;
      case 'PageDown': go(row + pageRows); break;
      case 'PageUp': go(Math.max(0, row - pageRows)); break;
      case 'Home': go(0); break;
      case 'End': go(this.total - 1); break;
      case 'Enter':
        e.preventDefault();
        void this.openSelected(e.shiftKey ? 'b' : 'a');
        break;
      default:
    }
  }

  private async openSelected(preferred: 'a' | 'b'): Promise<void> {
    if (this.selectedPair === null) return;
    const row = this.selectedRow === null ? undefined : this.cachedRow(this.selectedRow);
    const side = row && !row[preferred] ? (preferred === 'a' ? 'b' : 'a') : preferred;
    try {
      const r = await this.rpc.sendRequest(OpenPairStep, { pair: this.selectedPair, side });
      if (!r.opened) this.position.textContent = r.reason ?? 'The step could not be opened.';
    } catch (e) {
      this.showError(e);
    }
  }

  private showError(e: unknown): void {
    this.position.textContent = errorText(e);
  }

  // ---- the virtual list ----

  private scrollToRow(row: number, how: ScrollLogicalPosition): void {
    const top = row * ROW_HEIGHT;
    const h = this.list.clientHeight;
    if (how === 'center') this.list.scrollTop = Math.max(0, top - (h - ROW_HEIGHT) / 2);
    else if (top < this.list.scrollTop) this.list.scrollTop = top;
    else if (top + ROW_HEIGHT > this.list.scrollTop + h) this.list.scrollTop = top + ROW_HEIGHT - h;
    this.render();
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => { this.renderQueued = false; this.render(); });
  }

  private cachedRow(row: number): PairRow | undefined {
    const page = this.pages.get(Math.floor(row / PAGE_SIZE));
    return page && typeof page === 'object' && 'rows' in page ? page.rows[row % PAGE_SIZE] : undefined;
  }

  private async rowAt(row: number): Promise<PairRow | undefined> {
    const cached = this.cachedRow(row);
    if (cached) return cached;
    await this.fetchPage(Math.floor(row / PAGE_SIZE));
    return this.cachedRow(row);
  }

  private fetchPage(page: number): Promise<void> {
    const generation = this.generation;
    this.pages.set(page, 'loading');
    return this.rpc.sendRequest(GetPairs, { onlyDifferences: this.onlyDifferences, start: page * PAGE_SIZE, count: PAGE_SIZE }).then((r) => {
      if (generation !== this.generation) return;
      this.timeouts.delete(page);
      this.pages.set(page, { rows: r.rows });
      if (this.pages.size > MAX_CACHED_PAGES) this.pages.delete(this.pages.keys().next().value as number);
      this.queueRender();
    }, (e: unknown) => {
      if (generation !== this.generation) return;
      const timedOut = e instanceof RpcError && e.code === ErrorCode.Timeout;
      const tries = (this.timeouts.get(page) ?? 0) + 1;
      this.timeouts.set(page, tries);
      if (timedOut && tries <= TIMEOUT_RETRIES) this.pages.delete(page);
      else this.pages.set(page, { error: errorText(e) });
      this.queueRender();
    });
  }

  private render(): void {
    const h = this.list.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.list.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.total, Math.ceil((this.list.scrollTop + h) / ROW_HEIGHT) + OVERSCAN);
    const nodes: HTMLElement[] = [];
    const shown = new Map<number, { node: HTMLElement; row: PairRow }>();
    for (let r = first; r < last; r++) {
      const pageNo = Math.floor(r / PAGE_SIZE);
      const page = this.pages.get(pageNo);
      if (page === undefined) void this.fetchPage(pageNo);
      let node: HTMLElement;
      const row = page && typeof page === 'object' && 'rows' in page ? page.rows[r % PAGE_SIZE] : undefined;
      const kept = this.shown.get(r);
      if (row && kept && kept.row === row) {
        // The same row as last time: keep its node (a double click needs both clicks on one node), update the selection.
        node = kept.node;
        const selected = this.selectedRow === r;
        node.classList.toggle('selected', selected);
        node.setAttribute('aria-selected', selected ? 'true' : 'false');
      } else if (row) node = this.rowNode(row, r);
      else node = el('div', { className: 'pair-row pair-loading', text: page && typeof page === 'object' && 'error' in page ? `Could not load these rows: ${page.error}` : 'Loading…' });
      if (row) shown.set(r, { node, row });
      node.style.top = `${r * ROW_HEIGHT}px`;
      nodes.push(node);
    }
    this.shown = shown;
    this.spacer.replaceChildren(...nodes);
    const selected = this.selectedRow === null ? null : this.spacer.querySelector<HTMLElement>(`[data-row="${this.selectedRow}"]`);
    if (selected) this.list.setAttribute('aria-activedescendant', selected.id);
    else this.list.removeAttribute('aria-activedescendant');
  }

  private rowNode(p: PairRow, r: number): HTMLElement {
    const first = this.info?.firstDivergence === p.pair;
    const selected = this.selectedRow === r;
    const what = p.kind === 'changed' ? `changed (${p.fields.join(', ')})` : KIND_NAMES[p.kind];
    const node = el('div', {
      className: `pair-row pair-${p.kind}${selected ? ' selected' : ''}${first ? ' first-divergence' : ''}`,
      attrs: {
        id: `pair-${p.pair}`, role: 'option', 'aria-selected': selected ? 'true' : 'false', 'data-row': r, 'data-pair': p.pair, 'data-kind': p.kind,
        title: `Pair ${p.pair + 1}: ${what}${first ? ' · first divergence' : this.info?.landing === p.pair ? ' · first different action' : ''}`,
      },
      on: { click: () => { void this.selectRow(r, 'nearest', p.pair); this.list.focus(); }, dblclick: () => { void this.openSelected(p.a ? 'a' : 'b'); } },
    }, [
      el('span', { className: 'pair-gutter pair-gutter-a', text: p.kind === 'deleted' || p.kind === 'changed' ? (p.kind === 'deleted' ? '-' : '~') : '' }),
      sideCell(p.a, 'a', p.kind),
      el('span', { className: 'pair-gutter pair-gutter-b', text: p.kind === 'inserted' || p.kind === 'changed' ? (p.kind === 'inserted' ? '+' : '~') : '' }),
      sideCell(p.b, 'b', p.kind),
    ]);
    node.dataset.summary = `${p.kind} ${p.a?.id ?? '-'} ${p.b?.id ?? '-'}`;
    node.setAttribute('aria-label', `${MARKERS[p.kind].trim() || '='} ${what}: ${p.a ? withoutTerminalEscapes(p.a.label) : 'nothing'} | ${p.b ? withoutTerminalEscapes(p.b.label) : 'nothing'}`);
    // Runs of one task often differ first in a message (a simulated user's words); the view lands
    // on the first different action, and says which is which.
    const landing = this.info?.landing === p.pair && !first;
    if (first || landing) node.append(el('span', { className: 'first-divergence-badge', text: first ? 'first divergence' : 'first different action', attrs: { 'aria-hidden': 'true' } }));
    return node;
  }

  // ---- the details ----

  private showDetails(): void {
    const pair = this.selectedPair;
    const seq = ++this.detailsSeq;
    if (pair === null) { this.details.replaceChildren(el('div', { className: 'empty-state', text: 'Select a pair to see how its steps differ.' })); return; }
    this.details.replaceChildren(el('div', { className: 'empty-state', text: 'Loading…' }));
    this.rpc.sendRequest(GetPairDetails, { pair }).then((d) => {
      if (seq === this.detailsSeq) this.details.replaceChildren(...this.detailsNodes(d));
    }, (e: unknown) => {
      if (seq !== this.detailsSeq) return;
      this.details.replaceChildren(el('div', { className: 'error-state' }, [
        el('span', { text: `The pair could not be loaded: ${errorText(e)} ` }),
        el('vscode-button', { text: 'Retry', attrs: { secondary: true }, on: { click: () => this.showDetails() } }),
      ]));
    });
  }

  private detailsNodes(d: PairDetails): HTMLElement[] {
    const what = d.kind === 'changed' ? `changed: ${d.fields.map((f) => f.field).join(', ')}` : KIND_NAMES[d.kind];
    const heading = el('h2', { className: 'pair-details-title', text: `Pair ${d.pair + 1} of ${this.info?.total ?? 0}: ${what}` });
    const sides = el('div', { className: 'pair-sides' }, [this.sideDetails(d.a, 'a'), this.sideDetails(d.b, 'b')]);
    const fields = d.fields.length
      ? el('div', { className: 'field-diffs' }, d.fields.map(fieldDiffNode))
      : el('div', { className: 'empty-state field-same', text: d.kind === 'same' ? 'Both steps did the same: no field differs.' : 'No field to compare.' });
    return [heading, sides, fields];
  }

  private sideDetails(s: PairSideDetails | null, side: 'a' | 'b'): HTMLElement {
    const name = side === 'a' ? 'A' : 'B';
    if (!s) return el('section', { className: `pair-side pair-side-${side} pair-side-missing`, attrs: { 'aria-label': `Run ${name}` } }, [el('span', { text: `Run ${name} has no step here.` })]);
    const r = s.row;
    const failures = s.failures.length
      ? el('ul', { className: 'side-failures' }, s.failures.map((f) => el('li', { className: `side-failure${f.rejected ? ' rejected' : ''}` }, [
        el('span', { className: 'category-dot', attrs: { 'aria-hidden': 'true' } }),
        el('span', { className: 'side-failure-source', text: f.source }),
        el('span', { className: 'side-failure-category', text: f.category }),
        f.text ? el('span', { className: 'side-failure-text', text: f.text }) : null,
        f.rejected ? el('span', { className: 'side-failure-rejected', text: '(rejected)' }) : null,
      ])))
      : el('div', { className: 'side-no-failures', text: 'No failures or tags.' });
    for (const [i, f] of s.failures.entries()) {
      const dot = failures.children[i]?.querySelector<HTMLElement>('.category-dot');
      if (dot && f.color) dot.style.background = cssVar(f.color);
    }
    return el('section', { className: `pair-side pair-side-${side}`, attrs: { 'aria-label': `Run ${name}` } }, [
      el('div', { className: 'pair-side-head' }, [
        el('span', { className: 'pair-side-name', text: name }),
        codicon(KIND_ICONS[r.kind] ?? 'circle-outline'),
        el('span', { className: 'pair-side-label', text: `#${r.index + 1} ${withoutTerminalEscapes(r.label)}` }),
        el('span', { className: `status status-${r.status}`, text: r.status }),
        r.corrected ? el('span', { className: 'corrected-badge', text: 'corrected' }) : null,
        el('vscode-button', {
          attrs: { secondary: true, title: `Open this step in the Trace Debugger (${side === 'a' ? 'Enter' : 'Shift+Enter'})` },
          on: { click: () => { void this.openSelected(side); } },
        }, [codicon('go-to-file'), el('span', { text: 'Open' })]),
      ]),
      failures,
    ]);
  }
}

function sideHeader(name: string, s: CompareReadyResult['sides'][0]): Node[] {
  return [
    el('span', { className: 'pair-side-name', text: name }),
    el('span', { className: 'compare-side-title', text: s.title }),
    el('span', { className: 'compare-side-file', text: `${s.file} · ${counted(s.stepCount, 'step')}` }),
    s.corrected ? el('span', { className: 'corrected-badge', text: 'corrected trajectory' }) : null,
  ].filter((n): n is HTMLElement => n !== null);
}

function sideCell(s: PairSideRow | null, side: 'a' | 'b', kind: PairRow['kind']): HTMLElement {
  if (!s) return el('span', { className: `pair-cell pair-cell-${side} pair-cell-empty` });
  const badge = s.failing ? el('span', { className: 'failure-badge', text: s.category ?? 'failure' }) : null;
  if (badge && s.color) badge.style.setProperty('--badge-color', cssVar(s.color));
  const detail = s.detail ? withoutTerminalEscapes(s.detail) : undefined;
  return el('span', { className: `pair-cell pair-cell-${side} pair-cell-${kind}` }, [
    el('span', { className: 'pair-index', text: String(s.index + 1) }),
    codicon(KIND_ICONS[s.kind] ?? 'circle-outline'),
    el('span', { className: 'pair-label', text: withoutTerminalEscapes(s.label) }),
    // What the call did (its arguments, a reply's first line): two runs' calls of one tool differ there.
    detail ? el('span', { className: 'pair-detail', text: detail, attrs: { title: detail } }) : null,
    s.status === 'error' ? codicon('error', 'error') : null,
    badge,
    s.tagCount ? el('span', { className: 'tag-count', text: `${s.tagCount} tag${s.tagCount === 1 ? '' : 's'}` }) : null,
    s.corrected ? el('span', { className: 'corrected-badge', text: 'corrected' }) : null,
  ]);
}

function fieldDiffNode(f: FieldDiffInfo): HTMLElement {
  const lines = f.lines.map(lineNode);
  if (f.omitted) lines.push(el('div', { className: 'diff-line diff-more', text: `… ${f.omitted} more lines` }));
  return el('section', { className: 'field-diff', attrs: { 'aria-label': `${f.field} differs` } }, [
    el('h3', { className: 'field-name', text: f.field }),
    el('div', { className: 'diff', attrs: { role: 'group', 'aria-label': `${f.field}: lines only in A marked -, only in B marked +` } }, lines),
  ]);
}

function lineNode(l: FieldDiffLine): HTMLElement {
  const kind = l.op === 'add' ? 'added' : l.op === 'remove' ? 'removed' : 'same';
  const text = el('span', { className: 'diff-text' });
  if (l.spans) {
    for (const s of l.spans) text.append(s.op === 'equal' ? document.createTextNode(s.text) : el(s.op === 'add' ? 'ins' : 'del', { className: `diff-span-${s.op}`, text: s.text }));
  } else text.textContent = l.text === '' ? ' ' : l.text;
  return el('div', { className: `diff-line diff-${kind}` }, [el('span', { className: 'diff-marker', text: l.op === 'add' ? '+' : l.op === 'remove' ? '-' : ' ' }), text]);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

new CompareApp();
