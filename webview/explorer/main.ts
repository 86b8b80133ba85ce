/**
 * The Trace Explorer page: a query box, facet counts and a virtualized table of the traces that
 * match. Rows arrive in pages from the host (never the whole result); only the rows in and just
 * around the viewport exist in the DOM. Trace text goes in through textContent only.
 *
 * Keyboard: the table is one focus stop (role=grid with aria-activedescendant). Up/Down, Page
 * Up/Down, Home/End move the selection; Enter opens the trace at its first matching step;
 * Ctrl/Cmd+Enter or Alt+Enter opens it to the side; `/` or Ctrl/Cmd+F goes to the query box, and
 * Down or Escape in the box comes back to the table. Facets and column headers are buttons.
 */
import {
  ExplorerInit, ExplorerOpen, ExplorerProgress, ExplorerRows, ExplorerRun, ExplorerSaveState, ExplorerSetQuery, ExplorerSortRows, ExplorerStale,
  type ExplorerColumn, type ExplorerRow, type ExplorerSort, type ExplorerState, type Facet,
} from '../../src/protocol/explorer';
import { RpcError } from '../../src/protocol/rpc';
import { codicon, cssVar, el, formatDuration } from '../dom';
import { formatCost } from '../cost';
import { withoutTerminalEscapes } from '../terminal-text';
import { connectToHost } from '../host';
import { addQueryTerm, queryTerm } from '../../src/core/workspace/explorer-types';

const ROW_HEIGHT = 24;
const PAGE_SIZE = 100;
const OVERSCAN = 10;
const TYPING_PAUSE_MS = 300;
const DEFAULT_SORT: ExplorerSort = { column: 'file', descending: false };

interface ColumnSpec { id: ExplorerColumn; label: string; width: string; numeric?: boolean; firstDescending?: boolean }

const COLUMNS: ColumnSpec[] = [
  { id: 'title', label: 'Trace', width: 'minmax(200px, 3fr)' },
  { id: 'file', label: 'File', width: 'minmax(140px, 2fr)' },
  { id: 'outcome', label: 'Outcome', width: '104px' },
  { id: 'steps', label: 'Steps', width: '68px', numeric: true, firstDescending: true },
  { id: 'failures', label: 'Failing', width: '72px', numeric: true, firstDescending: true },
  { id: 'category', label: 'Categories', width: 'minmax(150px, 2fr)' },
  { id: 'tools', label: 'Tools', width: 'minmax(110px, 1.5fr)', firstDescending: true },
  { id: 'model', label: 'Model', width: 'minmax(90px, 1fr)' },
  { id: 'tokens', label: 'Tokens', width: '72px', numeric: true, firstDescending: true },
  { id: 'cost', label: 'Cost', width: '68px', numeric: true, firstDescending: true },
  { id: 'duration', label: 'Duration', width: '84px', numeric: true, firstDescending: true },
  { id: 'start', label: 'Started', width: '128px', firstDescending: true },
];
const GRID_COLUMNS = COLUMNS.map((c) => c.width).join(' ');

const FACET_TITLES: Record<Facet['field'], string> = { outcome: 'Outcome', category: 'Category', tool: 'Tool', model: 'Model', format: 'Format' };
const OUTCOME_ICONS: Record<ExplorerRow['outcome'], string> = { failure: 'error', success: 'pass', partial: 'warning', unknown: 'circle-outline' };

type PageState = { rows: ExplorerRow[] } | { error: string } | 'loading';

const host = connectToHost<ExplorerState>();
const rpc = host.rpc;

// ---- state ----
let query = '';
let sort: ExplorerSort = DEFAULT_SORT;
let selected = 0;
let runId = 0;
let total = 0;
let pages = new Map<number, PageState>();
let typingTimer: ReturnType<typeof setTimeout> | undefined;
/** Set while a run is under way; a stale notice during it runs again afterwards. */
let running = false;
let staleWhileRunning = false;

// ---- layout ----
const app = document.getElementById('app') as HTMLElement;
const input = el('input', {
  className: 'query-input',
  attrs: { type: 'text', spellcheck: 'false', 'aria-label': 'Query', placeholder: 'category:TOOL outcome:failure tool:search steps:>20 "rate limit"  (empty: every trace)' },
});
const runButton = el('button', { className: 'icon-button', attrs: { type: 'button', title: 'Run the query again (F5)', 'aria-label': 'Refresh' } }, [codicon('refresh')]);
const statusLine = el('div', { className: 'status-line', attrs: { role: 'status', 'aria-live': 'polite' } });
const errorLine = el('div', { className: 'query-error', attrs: { role: 'alert' } });
const facetsPane = el('nav', { className: 'facets', attrs: { 'aria-label': 'Facets' } });
const header = el('div', { className: 'table-header', attrs: { role: 'row', 'aria-rowindex': 1 } });
const spacer = el('div', { className: 'table-spacer' });
const table = el('div', { className: 'table-body', attrs: { role: 'grid', tabindex: 0, 'aria-label': 'Traces', 'aria-rowcount': 1, 'aria-multiselectable': 'false' } }, [spacer]);
const emptyNote = el('div', { className: 'empty-note' });

app.replaceChildren(
  el('div', { className: 'query-bar' }, [input, runButton]),
  errorLine,
  statusLine,
  el('div', { className: 'explorer-body' }, [
    facetsPane,
    el('div', { className: 'table-wrap' }, [el('div', { className: 'table-scroll' }, [header, table, emptyNote])]),
  ]),
);
app.removeAttribute('aria-busy');
document.documentElement.style.setProperty('--explorer-columns', GRID_COLUMNS);

for (const c of COLUMNS) {
  const button = el('button', { className: `column-head${c.numeric ? ' numeric' : ''}`, attrs: { type: 'button', role: 'columnheader', 'data-column': c.id } }, [
    el('span', { text: c.label }),
    codicon('arrow-up'),
  ]);
  button.addEventListener('click', () => void setSort(c));
  header.append(button);
}

// ---- running the query ----
async function run(opts: { keepSelection?: boolean } = {}): Promise<void> {
  clearTimeout(typingTimer);
  running = true;
  staleWhileRunning = false;
  statusLine.textContent = 'Running…';
  table.setAttribute('aria-busy', 'true');
  let result;
  try {
    result = await rpc.sendRequest(ExplorerRun, { query, sort }, { timeoutMs: 0 });
  } catch (e) {
    running = false;
    table.removeAttribute('aria-busy');
    statusLine.textContent = `The query could not run: ${e instanceof Error ? e.message : String(e)}`;
    return;
  }
  if ('superseded' in result) return;
  running = false;
  table.removeAttribute('aria-busy');
  if ('error' in result) {
    // The table keeps showing the last run's rows (the host keeps that run too).
    showError(result.error.message, result.error.column);
    return;
  }
  runId = result.runId;
  pages = new Map();
  errorLine.replaceChildren();
  errorLine.hidden = true;
  input.removeAttribute('aria-invalid');
  total = result.total;
  selected = opts.keepSelection ? Math.min(selected, Math.max(0, total - 1)) : 0;
  statusLine.textContent = `${total} of ${result.traces} trace${result.traces === 1 ? '' : 's'} match${result.refusedFiles ? ` · ${result.refusedFiles} file${result.refusedFiles === 1 ? ' is' : 's are'} not a trace` : ''}`;
  categoryColors = new Map(Object.entries(result.categoryColors));
  renderFacets(result.facets);
  table.setAttribute('aria-rowcount', String(total + 1));
  spacer.style.height = `${total * ROW_HEIGHT}px`;
  emptyNote.textContent = total ? '' : result.traces ? 'No trace matches the query.' : 'No trace files in this workspace. The Agent Traces view lists what it finds (setting agentTraceDebugger.traceGlob).';
  emptyNote.hidden = total > 0;
  if (!opts.keepSelection) table.scrollTop = 0;
  render();
  if (opts.keepSelection) scrollIntoView(selected);
  saveState();
  if (staleWhileRunning) void run({ keepSelection: true });
}

function showError(message: string, column: number): void {
  input.setAttribute('aria-invalid', 'true');
  const at = Math.max(0, column - 1);
  errorLine.replaceChildren(
    codicon('error'),
    el('span', { text: ` ${message} ` }),
    el('code', { className: 'query-excerpt' }, [query.slice(0, at), el('mark', { text: query.slice(at, at + 1) || ' ' }), query.slice(at + 1)]),
  );
  errorLine.hidden = false;
  statusLine.textContent = 'The table still shows the last result.';
}

function scheduleRun(): void {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => void run(), TYPING_PAUSE_MS);
}

async function setSort(c: ColumnSpec): Promise<void> {
  sort = sort.column === c.id ? { column: c.id, descending: !sort.descending } : { column: c.id, descending: c.firstDescending === true };
  renderHeader();
  if (!runId || total === 0) { saveState(); return; }
  try {
    await rpc.sendRequest(ExplorerSortRows, { runId, sort });
  } catch (e) {
    if (e instanceof RpcError) { void run(); return; }
    throw e;
  }
  pages = new Map();
  selected = 0;
  table.scrollTop = 0;
  render();
  saveState();
}

/** The taxonomy's colour of each category the last run named (theme variables), as the trace editor colours them. */
let categoryColors = new Map<string, string>();

/** A category in the table: its colour's dot (where the taxonomy gives one), its id, its count. */
function categoryChip(category: string, count: number): HTMLElement {
  return el('span', { className: 'chip' }, [categorySwatch(category), count > 1 ? `${category} ×${count}` : category]);
}

/** A dot in the category's colour, or nothing for a category the taxonomy does not colour. */
function categorySwatch(category: string): HTMLElement | null {
  const color = categoryColors.get(category);
  if (!color) return null;
  const dot = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
  dot.style.setProperty('--chip-color', cssVar(color));
  return dot;
}

// ---- facets ----
function renderFacets(facets: Facet[]): void {
  facetsPane.replaceChildren();
  for (const f of facets) {
    if (!f.values.length) continue;
    const list = el('ul', { className: 'facet-values' });
    for (const v of f.values) {
      const term = queryTerm(f.field, v.value);
      const button = el('button', {
        className: 'facet-value',
        attrs: { type: 'button', title: `Add ${term} to the query (Alt+click: leave these out)`, 'data-term': term },
      }, [f.field === 'category' ? categorySwatch(v.value) : null, el('span', { className: 'facet-label', text: v.value }), el('span', { className: 'facet-count', text: String(v.count) })]);
      button.addEventListener('click', (e) => {
        query = addQueryTerm(query, term, e.altKey);
        input.value = query;
        void run();
      });
      list.append(el('li', {}, [button]));
    }
    if (f.more) list.append(el('li', { className: 'facet-more', text: `${f.more} more` }));
    facetsPane.append(el('section', { className: 'facet', attrs: { 'data-field': f.field } }, [el('h2', { text: FACET_TITLES[f.field] }), list]));
  }
}

// ---- the table ----
function renderHeader(): void {
  for (const b of header.querySelectorAll<HTMLElement>('.column-head')) {
    const active = b.dataset.column === sort.column;
    b.classList.toggle('sorted', active);
    b.classList.toggle('descending', active && sort.descending);
    b.setAttribute('aria-sort', active ? (sort.descending ? 'descending' : 'ascending') : 'none');
  }
}

function visibleRange(): { first: number; last: number } {
  const first = Math.max(0, Math.floor(table.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total - 1, Math.ceil((table.scrollTop + table.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  return { first, last };
}

function render(): void {
  const { first, last } = visibleRange();
  const rows: HTMLElement[] = [];
  for (let i = first; i <= last; i++) {
    const page = pages.get(Math.floor(i / PAGE_SIZE));
    if (page === undefined) void fetchPage(Math.floor(i / PAGE_SIZE));
    if (page && page !== 'loading' && 'error' in page) rows.push(placeholderRow(i, page.error));
    else if (page && page !== 'loading') rows.push(rowElement(page.rows[i % PAGE_SIZE], i));
    else rows.push(placeholderRow(i, ''));
  }
  spacer.replaceChildren(...rows);
  if (total) table.setAttribute('aria-activedescendant', `row-${selected}`);
  else table.removeAttribute('aria-activedescendant');
}

async function fetchPage(page: number): Promise<void> {
  const forRun = runId;
  pages.set(page, 'loading');
  try {
    const { rows } = await rpc.sendRequest(ExplorerRows, { runId: forRun, start: page * PAGE_SIZE, count: PAGE_SIZE });
    if (forRun !== runId) return;
    pages.set(page, { rows });
  } catch (e) {
    if (forRun !== runId) return;
    pages.set(page, { error: e instanceof Error ? e.message : String(e) });
  }
  render();
}

function placeholderRow(i: number, error: string): HTMLElement {
  return el('div', { className: `row placeholder${error ? ' error' : ''}`, text: error || ' ', attrs: { role: 'row', id: `row-${i}`, 'aria-rowindex': i + 2 } }, []);
}

function rowElement(r: ExplorerRow | undefined, i: number): HTMLElement {
  if (!r) return placeholderRow(i, '');
  const title = withoutTerminalEscapes(r.title);
  const row = el('div', {
    className: `row${i === selected ? ' selected' : ''}`,
    attrs: { role: 'row', id: `row-${i}`, 'aria-rowindex': i + 2, 'aria-selected': i === selected ? 'true' : 'false', 'data-index': i },
  }, [
    cell('title', [title]),
    cell('file', [r.run === null ? r.file : `${r.file} #${r.run}`]),
    cell('outcome', [codicon(OUTCOME_ICONS[r.outcome]), ` ${r.outcome}`], `outcome-${r.outcome}`),
    cell('steps', [String(r.steps)], 'numeric'),
    cell('failures', [r.failingSteps ? String(r.failingSteps) : ''], `numeric${r.failingSteps ? ' failing' : ''}`),
    cell('category', r.categories.map((c) => categoryChip(c.category, c.count))),
    cell('tools', r.tools.slice(0, 6).map((t, k) => el('span', { className: r.failingTools.includes(t) ? 'tool failing' : 'tool', text: `${k ? ', ' : ''}${t}` })).concat(r.tools.length > 6 ? [el('span', { text: ` +${r.tools.length - 6}` })] : [])),
    cell('model', [r.models.join(', ')]),
    cell('tokens', [r.tokens ? compactNumber(r.tokens) : ''], 'numeric'),
    cell('cost', [r.cost === null ? '' : formatCost(r.cost)], 'numeric'),
    cell('duration', [formatDuration(r.durationMs)], 'numeric'),
    cell('start', [r.startTime === null ? '' : formatStart(r.startTime)]),
  ]);
  row.style.top = `${i * ROW_HEIGHT}px`;
  const tips = [title, `${r.file}${r.run === null ? '' : ` #${r.run}`}`];
  if (r.tags || r.corrections) tips.push(`${r.tags} tag(s), ${r.corrections} correction(s)`);
  row.title = tips.join('\n').slice(0, 1000);
  return row;
}

function cell(column: ExplorerColumn, children: (Node | string)[], extra = ''): HTMLElement {
  return el('div', { className: `cell cell-${column}${extra ? ` ${extra}` : ''}`, attrs: { role: 'gridcell' } }, children);
}

function compactNumber(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function formatStart(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function select(index: number): void {
  if (!total) return;
  selected = Math.max(0, Math.min(total - 1, index));
  scrollIntoView(selected);
  render();
  saveState();
}

function scrollIntoView(index: number): void {
  const top = index * ROW_HEIGHT;
  if (top < table.scrollTop) table.scrollTop = top;
  else if (top + ROW_HEIGHT > table.scrollTop + table.clientHeight) table.scrollTop = top + ROW_HEIGHT - table.clientHeight;
}

async function openSelected(toSide: boolean): Promise<void> {
  if (!total) return;
  try {
    await rpc.sendRequest(ExplorerOpen, { runId, index: selected, toSide }, { timeoutMs: 0 });
  } catch (e) {
    statusLine.textContent = `Could not open the trace: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function pageRows(): number {
  return Math.max(1, Math.floor(table.clientHeight / ROW_HEIGHT) - 1);
}

// ---- events ----
table.addEventListener('scroll', () => render());
new ResizeObserver(() => render()).observe(table);
table.addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('.row[data-index]');
  if (!row) return;
  select(Number(row.dataset.index));
  table.focus();
});
table.addEventListener('dblclick', (e) => {
  if ((e.target as HTMLElement).closest('.row[data-index]')) void openSelected(false);
});
table.addEventListener('keydown', (e) => {
  const moves: Record<string, () => number> = {
    ArrowDown: () => selected + 1, ArrowUp: () => selected - 1,
    PageDown: () => selected + pageRows(), PageUp: () => selected - pageRows(),
    Home: () => 0, End: () => total - 1,
  };
  const move = moves[e.key];
  if (move) {
    e.preventDefault();
    select(move());
  } else if (e.key === 'Enter') {
    e.preventDefault();
    void openSelected(e.ctrlKey || e.metaKey || e.altKey);
  }
});
input.addEventListener('input', () => {
  query = input.value;
  scheduleRun();
});
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    query = input.value;
    void run();
  } else if (e.key === 'ArrowDown' || e.key === 'Escape') {
    e.preventDefault();
    table.focus();
  }
});
runButton.addEventListener('click', () => void run({ keepSelection: true }));
document.addEventListener('keydown', (e) => {
  const inInput = e.target === input;
  if ((e.key === '/' && !inInput && !(e.target instanceof HTMLInputElement)) || (e.key.toLowerCase() === 'f' && (e.ctrlKey || e.metaKey))) {
    e.preventDefault();
    input.focus();
    input.select();
  } else if (e.key === 'F5') {
    e.preventDefault();
    void run({ keepSelection: true });
  }
});

function saveState(): void {
  const state: ExplorerState = { query, sort, selected };
  host.setState(state);
  rpc.sendNotification(ExplorerSaveState, state);
}

rpc.onNotification(ExplorerProgress, ({ message }) => {
  if (running) statusLine.textContent = message;
});
rpc.onNotification(ExplorerStale, () => {
  if (running) staleWhileRunning = true;
  else if (document.activeElement !== input) void run({ keepSelection: true });
});
rpc.onNotification(ExplorerSetQuery, ({ query: q }) => {
  query = q;
  input.value = q;
  void run();
});

// ---- start ----
void (async () => {
  const kept = host.getState();
  const init = await rpc.sendRequest(ExplorerInit, {});
  const state = kept && typeof kept.query === 'string' ? kept : init.state;
  if (state) {
    query = typeof state.query === 'string' ? state.query : '';
    if (state.sort && COLUMNS.some((c) => c.id === state.sort?.column)) sort = { column: state.sort.column, descending: state.sort.descending === true };
    selected = typeof state.selected === 'number' ? state.selected : 0;
  }
  if (init.query !== null) { query = init.query; selected = 0; }
  input.value = query;
  renderHeader();
  await run({ keepSelection: true });
  table.focus();
})();
