/**
 * The trace editor's webview: wires the host connection, the step list, the timeline, the details
 * pane, the legend/filters and the keyboard. One selection (a step index) drives every pane.
 */
// Register only the @vscode-elements components we use.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import {
  FindFailure, FindPeer, GetRows, GetStep, GetStepMessages, GetStepText, GetSummary, GetTimeline, GetWebviewState, LocateStep, NavigateNotification, OpenAsText,
  Ready, RevealInFile, Search, SelectStepNotification, StepSelectedNotification,
  type CategoryInfo, type Direction, type PersistedState, type ReadyResult, type RowSummary, type RunVerdict, type TraceSummary, type ViewSpec,
} from '../src/protocol/messages';
import { counted } from './plural';
import { AnnotationsChanged } from '../src/protocol/annotations';
import { CancelLoad, GetFileInfo, LiveStateChanged, LocateStepById, SetFollow, TraceChanged, type TraceChangedParams } from '../src/protocol/trace-changes';
import type { RpcEndpoint } from '../src/protocol/rpc';
import { Annotator } from './annotate';
import { DetailsPane } from './details';
import { ColumnResizer } from './column-resizer';
import { codicon, cssVar, el, toolbarButton } from './dom';
import { highlightMatches } from './search';
import { SearchState } from './search-state';
import { connectToHost, type HostConnection } from './host';
import { createShortcutSheet } from './shortcuts';
import { Follow } from './follow';
import { StepList } from './step-list';
import { Timeline } from './timeline';

interface TextFieldElement extends HTMLElement { value: string }
interface CheckboxElement extends HTMLElement { checked: boolean }

/** A first search of a 10^6-step file, its steps read back from disk, takes seconds: more than other requests may. */
const SEARCH_TIMEOUT_MS = 120_000;

class App {
  private readonly rpc: RpcEndpoint;
  private ready: ReadyResult | undefined;
  private summary: TraceSummary | undefined;
  private view: ViewSpec = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
  private categories = new Map<string, CategoryInfo>();
  private selectedIndex: number | null = null;
  private selectedRow: number | null = null;
  /** Kept with the selection: the row's page may not be loaded (a restored selection far down). */
  private selectedId: string | null = null;
  private detailsSeq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly list: StepList;
  private readonly timeline: Timeline;
  private readonly details: DetailsPane;
  private readonly annotate: Annotator;
  /** Settles when the selected step's details have loaded (or failed): annotation keys wait for it. */
  private detailsLoading: Promise<void> = Promise.resolve();
  private readonly root: HTMLElement;
  private readonly searchField: TextFieldElement;
  private readonly matchLabel: HTMLElement;
  private readonly failuresToggle: CheckboxElement;
  private readonly legend: HTMLElement;
  private readonly pickerSlot: HTMLElement;
  private readonly status: HTMLElement;
  /** While the file is still being read: how far, with Cancel; after a cancel: that only the start is shown. */
  private readonly readingSlot: HTMLElement;
  private readonly sheet: HTMLDialogElement;
  private readonly verdictSlot: HTMLElement;
  /** The trace picker, for files with several runs. */
  private picker: (HTMLElement & { value: string }) | undefined;
  private readonly listPane: HTMLElement;
  private readonly resizer: ColumnResizer;
  private readonly searchState = new SearchState();
  /** A trace change waiting in the queue (later ones join it). */
  private pendingChange: 'appended' | 'rewritten' | undefined;
  /**
   * With it: per run, the fewest leading steps its changes kept in place (`placesKept`); undefined
   * when none was a rewrite, null when a rewrite did not say (runs came or went).
   */
  private pendingPlacesKept: number[] | null | undefined;
  /** The import warnings under the legend (updated in place when the file changes: its open state stays). */
  private readonly warnings: HTMLDetailsElement;
  /** Follow a growing trace file's newest step. */
  private readonly follow: Follow;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private selectionTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: HostConnection) {
    this.rpc = host.rpc;
    this.root = document.getElementById('app') ?? document.body.appendChild(el('div', { attrs: { id: 'app' } }));
    this.list = new StepList({
      fetchRows: (start, count) => this.rpc.sendRequest(GetRows, { view: this.currentView(), start, count }),
      onActivate: (row) => this.enqueue(() => this.applySelection(row)),
      onToggle: (row) => this.enqueue(() => this.toggle(row)),
      colorOf: (c) => this.colorOf(c),
      categoryName: (c) => this.categories.get(c)?.name ?? c,
      axis: () => this.summary?.timeRange ?? { start: 0, end: 1, hasTimestamps: false },
      isCollapsed: (i) => this.view.collapsed.includes(i),
      search: () => this.searchState.forList(),
      onScroll: () => {
        this.persistSoon();
        this.follow.scrolled(this.list.lastRowInView);
      },
    });
    this.listPane = el('div', { className: 'list-pane' });
    this.resizer = new ColumnResizer({ pane: this.listPane, onChange: () => this.persistSoon() });
    this.timeline = new Timeline({
      fetchBars: (start, end, limit) => this.rpc.sendRequest(GetTimeline, { traceIndex: this.view.traceIndex, start, end, limit }),
      onSelect: (index) => this.enqueue(() => this.selectIndex(index)),
      colorOf: (c) => this.colorOf(c),
      onWindowChange: () => this.persistSoon(),
    });
    this.details = new DetailsPane({
      onRevealInFile: (index) => void this.revealInFile(index),
      onSelectIndex: (index) => this.enqueue(() => this.selectIndex(index)),
      onTag: () => void this.annotate.tag(),
      onRemoveTag: (t) => void this.annotate.removeTag(t),
      onReviewFinding: (f, verdict) => void this.annotate.reviewFinding(f, verdict),
      onToggleReviewed: () => void this.annotate.toggleReviewed(),
      onCorrect: () => void this.annotate.correct(),
      onClearCorrection: () => void this.annotate.clearCorrection(),
      fetchText: async (index, path) => (await this.rpc.sendRequest(GetStepText, { traceIndex: this.view.traceIndex, index, path })).text,
      fetchMessages: (index, at, start, count) => this.rpc.sendRequest(GetStepMessages, { traceIndex: this.view.traceIndex, index, at, start, count }),
      onTextExpanded: () => highlightMatches(this.details.element, this.searchState.text),
    });
    this.annotate = new Annotator({
      rpc: this.rpc,
      traceIndex: () => this.view.traceIndex,
      shown: () => {
        const d = this.details.shown;
        return d && d.step.index === this.selectedIndex ? d : null;
      },
      refresh: () => this.refreshAnnotations(),
      say: (m) => this.say(m),
      enqueue: async (fn) => { await this.enqueue(fn); },
    });
    this.searchField = el('vscode-textfield', { attrs: { placeholder: 'Search steps (/)', 'aria-label': 'Search step content', type: 'search' } }) as TextFieldElement;
    this.searchField.append(el('span', { attrs: { slot: 'content-before' } }, [codicon('search')]));
    this.searchField.addEventListener('keydown', (e) => this.onSearchKey(e));
    // Incremental: each pause in typing searches from the current match (or selection) onwards.
    this.searchField.addEventListener('input', () => { this.scheduleIncrementalSearch(); this.persistSoon(); });
    this.matchLabel = el('span', { className: 'match-label', attrs: { 'aria-live': 'polite' } });
    this.failuresToggle = el('vscode-checkbox', { attrs: { label: 'Failures only' } }) as CheckboxElement;
    this.failuresToggle.addEventListener('change', () => this.enqueue(() => this.setFilter({ failuresOnly: this.failuresToggle.checked })));
    this.legend = el('div', { className: 'legend', attrs: { role: 'group', 'aria-label': 'Failure categories' } });
    this.pickerSlot = el('div', { className: 'picker-slot' });
    this.status = el('div', { className: 'status-line', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.verdictSlot = el('div', { className: 'verdict-slot' });
    this.warnings = el('details', { className: 'warnings' }) as HTMLDetailsElement;
    this.readingSlot = el('div', { className: 'reading', attrs: { hidden: '' } });
    this.follow = new Follow({
      selectLast: () => this.selectRow(this.list.rowCount - 1, { quiet: true }),
      say: (m) => this.say(m),
    });
    this.sheet = createShortcutSheet();
    this.sheet.addEventListener('close', () => this.list.element.focus());
  }

  /** Settles when the first load finished (or failed), so state queries never see a half-built view. */
  private loaded: Promise<void> = Promise.resolve();

  start(): Promise<void> {
    this.bindHostMessages();
    document.addEventListener('keydown', (e) => this.onKey(e));
    // A pending debounced save must not be lost when the tab is hidden and this page torn down.
    const flush = (): void => { if (this.persistTimer !== undefined) this.persistNow(); };
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); });
    this.loaded = this.load();
    return this.loaded;
  }

  private async load(): Promise<void> {
    const saved = this.host.getState();
    try {
      this.ready = await this.rpc.sendRequest(Ready, {});
    } catch (e) {
      this.renderFatal('The trace could not be loaded', [String(e instanceof Error ? e.message : e)], () => void this.load());
      return;
    }
    if (this.ready.loadError) { this.renderLoadError(); return; }
    if (this.ready.traces.length === 0) {
      // Read whole, or a first pass over spans written children first: no step yet, the bar says how far.
      if (this.ready.loading) { this.renderReadingOnly(); return; }
      if (this.ready.stoppedReading) { this.renderFatal('Reading stopped before the first step', [this.ready.stoppedReading], undefined); return; }
      this.renderFatal('This file holds no trace', [], undefined);
      return;
    }
    this.renderShell();
    this.resizer.restore(saved?.stepColumnWidth);
    const traceIndex = saved?.traceIndex !== undefined && saved.traceIndex < this.ready.traces.length ? saved.traceIndex : 0;
    await this.enqueue(() => this.openTrace(traceIndex, saved));
  }

  // ---- layout ----

  private renderShell(): void {
    const prev = iconButton('arrow-up', 'Previous match (Shift+Enter)', () => this.enqueue(() => this.search('previous')));
    const next = iconButton('arrow-down', 'Next match (Enter)', () => this.enqueue(() => this.search('next')));
    const prevFail = iconButton('chevron-up', 'Previous failure (p)', () => this.enqueue(() => this.gotoFailure('previous')));
    const nextFail = iconButton('chevron-down', 'Next failure (n)', () => this.enqueue(() => this.gotoFailure('next')));
    const help = iconButton('keyboard', 'Keyboard shortcuts (?)', () => this.sheet.showModal());
    const promote = toolbarButton('beaker', 'Promote to Training Set', {
      attrs: { title: 'Add this trace, with its tags and corrections, to a training set' },
      on: { click: () => void this.annotate.promote() },
    });
    const header = el('header', { className: 'toolbar' }, [
      this.pickerSlot,
      el('div', { className: 'search-group' }, [this.searchField, prev, next, this.matchLabel]),
      el('div', { className: 'toolbar-group' }, [this.failuresToggle, el('span', { className: 'separator' }), prevFail, nextFail]),
      el('div', { className: 'spacer' }),
      this.follow.button,
      promote,
      help,
    ]);
    // Column titles are visual only (rows say what they hold); the splitter is a real control.
    const columns = el('div', { className: 'list-header' }, [
      el('span', { className: 'col-index', text: '#', attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'col-tree' }, [el('span', { text: 'Step', attrs: { 'aria-hidden': 'true' } }), this.resizer.element]),
      el('span', { className: 'col-badge', text: 'Category', attrs: { 'aria-hidden': 'true' } }), el('span', { className: 'col-tags', text: '', attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'col-status', text: '', attrs: { 'aria-hidden': 'true' } }), el('span', { className: 'col-duration', text: 'Time', attrs: { 'aria-hidden': 'true' } }),
    ]);
    this.listPane.replaceChildren(columns, this.list.element);
    this.root.replaceChildren(
      header,
      this.readingSlot,
      this.annotate.banner,
      el('div', { className: 'legend-row' }, [this.verdictSlot, this.legend, this.warnings]),
      this.timeline.element,
      el('div', { className: 'panes' }, [this.listPane, this.details.element]),
      this.status,
      this.sheet,
    );
    this.root.removeAttribute('aria-busy');
    this.showReading();
    this.showWarnings();
    this.picker = undefined;
    this.showPicker();
  }

  /**
   * The trace picker of a file of several runs: made when there are two, given an option for each
   * run that comes (a file still being read), its labels kept as the runs are now.
   */
  private showPicker(): void {
    const traces = this.ready?.traces ?? [];
    if (traces.length < 2) return;
    if (!this.picker) {
      const select = el('vscode-single-select', { attrs: { 'aria-label': 'Trace in this file', combobox: false } }) as HTMLElement & { value: string };
      this.picker = select;
      select.addEventListener('change', () => {
        const v = Number((select as unknown as { value: string }).value);
        if (Number.isInteger(v) && v !== this.view.traceIndex) void this.enqueue(() => this.openTrace(v, undefined));
      });
      this.pickerSlot.replaceChildren(el('span', { className: 'picker-label' }), select);
    }
    const options = [...this.picker.querySelectorAll('vscode-option')];
    for (const t of traces.slice(options.length)) {
      const option = el('vscode-option', { attrs: { value: String(t.traceIndex) } });
      this.picker.append(option);
      options.push(option);
    }
    // Given options, the select takes its choice from them again (the first, unless one says it is
    // selected): the run shown says so, or a run picked while the file is read would lose its place.
    options.forEach((o, i) => {
      if (traces[i]) o.textContent = pickerLabel(traces[i]);
      o.toggleAttribute('selected', i === this.view.traceIndex);
    });
    const label = this.pickerSlot.querySelector('.picker-label');
    if (label) label.textContent = `${traces.length} traces`;
  }

  /** What the file as last read changes outside the rows: the picker (its runs and labels), the reading bar, the warnings. */
  private showFileChanges(): void {
    this.showPicker();
    this.showReading();
    this.showWarnings();
  }

  /** The import warnings of the file as last read (hidden when there are none). */
  private showWarnings(): void {
    const warnings = this.ready?.warnings ?? [];
    this.warnings.toggleAttribute('hidden', warnings.length === 0);
    this.warnings.replaceChildren(
      el('summary', {}, [codicon('warning'), el('span', { text: `${warnings.length} import ${warnings.length === 1 ? 'warning' : 'warnings'}` })]),
      el('ul', {}, warnings.slice(0, 200).map((w) => el('li', { text: w }))),
    );
  }

  /** The reading bar: progress and Cancel while the host still reads the file; a note after a cancel. */
  private showReading(): void {
    const { loading, stoppedReading } = this.ready ?? {};
    if (!loading && !stoppedReading) {
      this.readingSlot.setAttribute('hidden', '');
      this.readingSlot.replaceChildren();
      return;
    }
    this.readingSlot.removeAttribute('hidden');
    if (stoppedReading) {
      this.readingSlot.replaceChildren(codicon('info'), el('span', { text: stoppedReading }));
      return;
    }
    const steps = (this.ready?.traces ?? []).reduce((n, t) => n + t.stepCount, 0);
    const percent = loading && loading.totalBytes > 0 ? Math.min(100, Math.floor((100 * loading.bytesRead) / loading.totalBytes)) : 0;
    const cancel = el('button', {
      className: 'button button-secondary',
      attrs: { type: 'button', title: 'Stop reading: keep the steps read so far' },
      on: { click: () => void this.rpc.sendRequest(CancelLoad, {}).catch((e) => this.say(`Couldn't cancel: ${String(e)}`)) },
    }, [el('span', { text: 'Cancel' })]);
    this.readingSlot.replaceChildren(
      spinning(codicon('loading')),
      el('span', { className: 'reading-text', text: steps === 0
        ? `Reading the file… ${percent > 0 ? `${percent}% · ` : ''}the steps show once they can be put in order`
        : `Reading the file… ${percent}% · ${counted(steps, 'step')} so far · findings once it is read` }),
      el('progress', { attrs: { max: '100', value: String(percent), 'aria-label': 'Reading the trace file' } }),
      cancel,
    );
  }

  private renderLoadError(): void {
    const err = this.ready?.loadError;
    if (!err) return;
    const problems = err.problems.map((p) => {
      const where = p.line !== undefined ? `Line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''}${p.where ? ` (${p.where})` : ''}: ` : p.where ? `${p.where}: ` : '';
      return `${where}${p.message}`;
    });
    const open = el('vscode-button', { text: 'Open as Text', on: { click: () => void this.rpc.sendRequest(OpenAsText, {}).catch((e) => this.say(`Couldn't reopen: ${String(e)}`)) } });
    this.root.replaceChildren(el('div', { className: 'fatal', attrs: { role: 'alert' } }, [
      codicon('error'),
      el('h1', { text: err.title }),
      el('ul', { className: 'problems' }, problems.map((p) => el('li', { text: p }))),
      el('div', { className: 'fatal-actions' }, [open]),
      this.status,
    ]));
    this.root.removeAttribute('aria-busy');
  }

  /** The file is read, and no step came yet: only the reading bar (progress and Cancel). */
  private renderReadingOnly(): void {
    this.root.replaceChildren(el('div', { className: 'reading-only' }, [this.readingSlot]));
    this.root.setAttribute('aria-busy', 'true');
    this.showReading();
  }

  private renderFatal(title: string, lines: string[], retry: (() => void) | undefined): void {
    this.root.replaceChildren(el('div', { className: 'fatal', attrs: { role: 'alert' } }, [
      codicon('warning'),
      el('h1', { text: title }),
      el('ul', { className: 'problems' }, lines.map((p) => el('li', { text: p }))),
      retry ? el('div', { className: 'fatal-actions' }, [el('vscode-button', { text: 'Retry', on: { click: retry } })]) : null,
    ]));
    this.root.removeAttribute('aria-busy');
  }

  private renderLegend(): void {
    const s = this.summary;
    if (!s) return;
    this.renderVerdict(s.verdict);
    const used = s.categories.filter((c) => c.count > 0);
    const unclassified = s.failureCount - s.failures.filter((f) => f.category !== null).length;
    const redacted = s.redactedStepCount ?? 0;
    if (s.failureCount === 0) {
      // A failed run with no failing step is not "all fine", nor is a run whose steps could not be
      // checked, nor one still being read (some checks need the run's end; a run loaded whole is
      // checked once the file is read): no green tick then.
      const runFailed = s.verdict?.outcome === 'fail';
      const unchecked = redacted > 0 && !runFailed;
      const reading = this.ready?.loading !== undefined && !runFailed;
      this.legend.replaceChildren(el('span', { className: `legend-empty${runFailed ? ' run-failed' : unchecked ? ' unchecked' : reading ? ' reading' : ''}` }, [
        codicon(runFailed ? 'info' : unchecked ? 'eye-closed' : reading ? 'info' : 'pass'),
        el('span', { text: `No ${runFailed ? 'failing step' : 'failures'} found ${reading ? 'so far ' : ''}in ${counted(s.stepCount, 'step')}.` }),
      ]));
      if (redacted > 0) this.legend.append(redactedNote(redacted));
      return;
    }
    const chip = (c: CategoryInfo): HTMLElement => {
      const pressed = this.view.categories.includes(c.id);
      const labelled = c.labelScheme !== undefined;
      const node = el('button', {
        className: `chip${pressed ? ' pressed' : ''}${labelled ? ' label-chip' : ''}`,
        attrs: { 'aria-pressed': String(pressed), title: c.definition ? `${c.name}: ${c.definition}` : c.name, 'data-category': c.id },
        on: { click: () => this.enqueue(() => this.toggleCategory(c.id)) },
      }, [
        labelled ? codicon('bookmark') : el('span', { className: 'swatch' }),
        el('span', { className: 'chip-name', text: c.name }), el('span', { className: 'chip-count', text: String(c.count) }),
      ]);
      node.style.setProperty('--chip-color', cssVar(c.color));
      return node;
    };
    // Imported labels first: what a person or a benchmark said about this run leads.
    const labelChips = used.filter((c) => c.labelScheme !== undefined).map(chip);
    const labelled = s.labelledStepCount ?? 0;
    this.legend.replaceChildren(
      el('span', { className: 'legend-title', text: `${s.failureCount.toLocaleString()} failing${labelled ? ` (${labelled.toLocaleString()} labelled)` : ''} · ${s.taxonomyName}` }),
      ...labelChips,
      ...used.filter((c) => c.labelScheme === undefined).map(chip),
    );
    if (unclassified > 0) this.legend.append(el('span', { className: 'legend-note', text: `${unclassified} without a category` }));
    if (redacted > 0) this.legend.append(redactedNote(redacted));
  }

  /** The run's verdict beside the legend: failed, passed or partly, with every reason in the tooltip. */
  private renderVerdict(v: RunVerdict | undefined): void {
    if (!v) { this.verdictSlot.replaceChildren(); return; }
    const icon = v.outcome === 'fail' ? 'error' : v.outcome === 'pass' ? 'pass' : v.outcome === 'partial' ? 'circle-large-outline' : 'question';
    this.verdictSlot.replaceChildren(el('span', {
      className: `verdict verdict-${v.outcome}`,
      attrs: { title: v.reasons.join('\n'), 'data-outcome': v.outcome },
    }, [codicon(icon), el('span', { className: 'verdict-word', text: verdictWord(v) }), el('span', { className: 'verdict-summary', text: v.summary })]));
  }

  // ---- trace and view ----

  private async openTrace(traceIndex: number, restore: Partial<PersistedState> | undefined): Promise<void> {
    this.summary = await this.rpc.sendRequest(GetSummary, { traceIndex });
    this.categories = new Map(this.summary.categories.map((c) => [c.id, c]));
    this.view = {
      traceIndex,
      collapsed: restore?.collapsed ?? [],
      failuresOnly: restore?.failuresOnly ?? false,
      categories: restore?.categories ?? [],
    };
    this.failuresToggle.checked = this.view.failuresOnly;
    // A restored tab or a host request may open another run than the first: the picker shows it.
    if (this.picker && this.picker.value !== String(traceIndex)) this.picker.value = String(traceIndex);
    this.searchField.value = restore?.searchQuery ?? '';
    this.clearSearch();
    this.selectedIndex = null;
    this.selectedRow = null;
    this.selectedId = null;
    this.renderLegend();
    this.timeline.setTrace(this.summary, restore?.timeline ?? null);
    void this.annotate.loadStatus();
    await this.refreshView();
    if (restore?.scrollRow) this.list.scrollToRow(restore.scrollRow, 'top');
    if (restore?.selectedIndex !== undefined && restore.selectedIndex !== null && restore.selectedIndex < this.summary.stepCount) {
      await this.selectIndex(restore.selectedIndex, { scroll: !restore.scrollRow, quiet: true });
    }
    // A restored query gets its marks back; the selection stays where it was.
    if (this.searchField.value.trim()) await this.search('next', 'marks');
    if (this.selectedIndex === null) {
      this.timeline.select(null);
      this.details.showEmpty(this.summary.stepCount === 0 ? 'This trace has no steps (nothing to show).'
        : this.summary.failureCount ? 'Select a step to see its details. Press n to jump to the first failure.'
        : 'Select a step to see its details.');
    }
  }

  private currentView(): ViewSpec {
    return { ...this.view, collapsed: [...this.view.collapsed], categories: [...this.view.categories] };
  }

  private async refreshView(): Promise<void> {
    const { total, emptyMessage } = await this.countRows();
    this.list.reset(total, emptyMessage);
    this.persistSoon();
  }

  /** The current view's row count, and what the list says when it is zero. */
  private async countRows(): Promise<{ total: number; emptyMessage: string }> {
    const { total } = await this.rpc.sendRequest(GetRows, { view: this.currentView(), start: 0, count: 0 });
    const filtered = this.view.failuresOnly || this.view.categories.length > 0;
    return { total, emptyMessage: filtered ? 'No steps match the filters. Clear them to see every step.' : 'This trace has no steps.' };
  }

  /**
   * After an annotation edit (ours, or undo/redo/revert in VS Code): rejected findings leave the
   * counts, badges and n/p, tags change row counts; the view (filters, collapsing, scroll) stays.
   */
  private async refreshAnnotations(keepSelection = true): Promise<void> {
    if (!this.summary) return;
    const traceIndex = this.view.traceIndex;
    this.summary = await this.rpc.sendRequest(GetSummary, { traceIndex });
    this.categories = new Map(this.summary.categories.map((c) => [c.id, c]));
    this.renderLegend();
    this.timeline.updateSummary(this.summary);
    const { total, emptyMessage } = await this.countRows();
    this.list.refresh(total, emptyMessage);
    if (keepSelection && this.selectedIndex !== null) {
      await this.relocateSelection();
      await this.loadDetails(this.selectedIndex, true);
    }
  }

  private async setFilter(change: Partial<Pick<ViewSpec, 'failuresOnly' | 'categories'>>): Promise<void> {
    Object.assign(this.view, change);
    this.failuresToggle.checked = this.view.failuresOnly;
    this.renderLegend();
    await this.refreshView();
    await this.relocateSelection();
  }

  private toggleCategory(id: string): Promise<void> {
    const has = this.view.categories.includes(id);
    return this.setFilter({ categories: has ? this.view.categories.filter((c) => c !== id) : [...this.view.categories, id] });
  }

  private async toggle(row: RowSummary, expand?: boolean): Promise<void> {
    const collapsed = this.view.collapsed.includes(row.index);
    const wantCollapsed = expand === undefined ? !collapsed : !expand;
    if (wantCollapsed === collapsed) return;
    this.view.collapsed = wantCollapsed ? [...this.view.collapsed, row.index] : this.view.collapsed.filter((i) => i !== row.index);
    await this.refreshView();
    // A selection inside the collapsed subtree moves to the collapsed step itself.
    if (wantCollapsed && this.selectedIndex !== null && this.selectedIndex > row.index) {
      const loc = await this.rpc.sendRequest(LocateStep, { view: this.currentView(), index: this.selectedIndex });
      if (loc.row === null) { await this.selectIndex(row.index); return; }
      await this.relocateSelection(loc);
      return;
    }
    await this.relocateSelection();
  }

  /**
   * After the view changed, find where the selected step now is (or drop the row highlight).
   * `located` is a LocateStep reply for the selected step in the current view, if the caller has one.
   */
  private async relocateSelection(located?: { row: number | null }): Promise<void> {
    if (this.selectedIndex === null) { this.list.select(null, null); return; }
    const loc = located ?? await this.rpc.sendRequest(LocateStep, { view: this.currentView(), index: this.selectedIndex });
    this.selectedRow = loc.row;
    this.list.select(this.selectedIndex, loc.row);
  }

  // ---- selection ----

  private enqueue<T>(fn: () => Promise<T>): Promise<T | undefined> {
    // Navigation is serialised: holding j must not let replies overtake each other.
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run.catch((e: unknown) => { this.say(`Something went wrong: ${e instanceof Error ? e.message : String(e)}`); return undefined; });
  }

  /** Select a step by index: expands collapsed ancestors and drops filters that hide it. */
  private async selectIndex(index: number, opts: { scroll?: boolean; quiet?: boolean } = {}): Promise<void> {
    // Nothing to select in an empty trace (or past its end): asking the host would only fail.
    if (!this.summary || index < 0 || index >= this.summary.stepCount) return;
    let loc = await this.rpc.sendRequest(LocateStep, { view: this.currentView(), index });
    if (loc.row === null && loc.hiddenBy.length) {
      this.view.collapsed = this.view.collapsed.filter((c) => !loc.hiddenBy.includes(c));
      await this.refreshView();
      loc = await this.rpc.sendRequest(LocateStep, { view: this.currentView(), index });
    }
    if (loc.row === null && (this.view.failuresOnly || this.view.categories.length)) {
      this.view.failuresOnly = false;
      this.view.categories = [];
      this.failuresToggle.checked = false;
      this.renderLegend();
      await this.refreshView();
      this.say('Filters cleared to show the selected step.');
      loc = await this.rpc.sendRequest(LocateStep, { view: this.currentView(), index });
    }
    if (loc.row === null) return;
    const row = this.list.rowAt(loc.row) ?? (await this.rpc.sendRequest(GetRows, { view: this.currentView(), start: loc.row, count: 1 })).rows[0];
    if (row) await this.applySelection(row, opts);
  }

  private async selectRow(rowNumber: number, opts: { quiet?: boolean } = {}): Promise<void> {
    const total = this.list.rowCount;
    if (total === 0) return;
    const r = Math.max(0, Math.min(total - 1, rowNumber));
    const row = this.list.rowAt(r) ?? (await this.rpc.sendRequest(GetRows, { view: this.currentView(), start: r, count: 1 })).rows[0];
    if (row) await this.applySelection(row, opts);
  }

  private async applySelection(row: RowSummary, opts: { scroll?: boolean; quiet?: boolean } = {}): Promise<void> {
    this.selectedIndex = row.index;
    this.selectedRow = row.row;
    this.selectedId = row.id;
    this.follow.selected(row.row === this.list.rowCount - 1);
    this.list.select(row.index, opts.scroll === false ? null : row.row);
    this.timeline.select({ index: row.index, start: row.start, end: row.end });
    // Now, not debounced: a tab hidden right after a selection destroys this page before a timer fires.
    this.persistNow();
    this.detailsLoading = this.loadDetails(row.index);
    this.reportSelection(row, opts.quiet === true);
  }

  /** Tell the host the user's selection once it settles (a debugger on this file follows); `quiet`: the host's own or a restored one. */
  private reportSelection(row: RowSummary, quiet: boolean): void {
    clearTimeout(this.selectionTimer);
    if (quiet) return;
    const traceIndex = this.view.traceIndex;
    this.selectionTimer = setTimeout(() => this.rpc.sendNotification(StepSelectedNotification, { traceIndex, index: row.index, stepId: row.id }), 150);
  }

  /** `keepScroll`: a refresh after an edit redraws the same step; the reader stays where they were. */
  private async loadDetails(index: number, keepScroll = false): Promise<void> {
    const seq = ++this.detailsSeq;
    this.details.showLoading();
    try {
      const d = await this.rpc.sendRequest(GetStep, { traceIndex: this.view.traceIndex, index });
      if (seq === this.detailsSeq) {
        this.details.show(d, keepScroll);
        highlightMatches(this.details.element, this.searchState.text);
      }
    } catch (e) {
      if (seq === this.detailsSeq) this.details.showError(e instanceof Error ? e.message : String(e), () => void this.loadDetails(index));
    }
  }

  /** Run an annotation key once the queued navigation and the selected step's details are done. */
  private afterSelection(fn: () => Promise<void>): void {
    void (async () => {
      await this.queue;
      await this.detailsLoading;
      await fn();
    })();
  }

  private async gotoFailure(direction: Direction): Promise<void> {
    if (!this.summary) return;
    const from = this.selectedIndex ?? (direction === 'next' ? -1 : this.summary.stepCount);
    const { index } = await this.rpc.sendRequest(FindFailure, { view: this.currentView(), from, direction });
    if (index === null) {
      const v = this.summary.verdict;
      const none = v?.outcome === 'fail' ? `No step is marked as failing, but the run failed: ${v.summary}.` : 'This trace has no failures.';
      this.say(this.summary.failureCount === 0 ? none : `No ${direction === 'next' ? 'later' : 'earlier'} failure.`);
      return;
    }
    await this.selectIndex(index);
  }

  /** To the next (previous) step like the selected one: the same tool's next call, the same model's next reply. */
  private async gotoPeer(direction: Direction): Promise<void> {
    if (!this.summary || this.selectedIndex === null) return;
    const { index } = await this.rpc.sendRequest(FindPeer, { view: this.currentView(), from: this.selectedIndex, direction });
    if (index === null) {
      const name = this.list.rowAt(this.selectedRow ?? -1)?.name;
      this.say(`No ${direction === 'next' ? 'later' : 'earlier'} step like ${name ? `"${name}"` : 'this one'}${this.view.failuresOnly || this.view.categories.length ? ' among the failures shown' : ''}.`);
      return;
    }
    await this.selectIndex(index);
  }

  /**
   * Search and move to a match. Incremental (typing): from the current match, or the selected
   * step, itself, so refining a query stays on a match that still matches. Enter / Shift+Enter:
   * the next / previous match after the selection. `move: false` only refreshes the marks.
   */
  private async search(direction: Direction, mode: 'step' | 'incremental' | 'marks' = 'step'): Promise<void> {
    const query = this.searchField.value.trim();
    if (!query) { this.clearSearch(); return; }
    const anchor = this.searchState.current ?? this.selectedIndex;
    const from = mode === 'step'
      ? this.selectedIndex ?? (direction === 'next' ? -1 : Number.MAX_SAFE_INTEGER)
      : (anchor ?? 0) - 1;
    const traceIndex = this.view.traceIndex;
    // A first search of a large file reads its steps back from the file (seconds at 10^6 steps).
    const slow = setTimeout(() => { if (query === this.searchField.value.trim()) this.matchLabel.textContent = 'Searching…'; }, 300);
    let r;
    try {
      r = await this.rpc.sendRequest(Search, { traceIndex, query, from, direction }, { timeoutMs: SEARCH_TIMEOUT_MS });
    } finally {
      clearTimeout(slow);
    }
    // Typed on, or switched trace, meanwhile: the newer search answers instead.
    if (query !== this.searchField.value.trim() || traceIndex !== this.view.traceIndex) return;
    this.searchState.set(query, mode === 'marks' ? { ...r, index: this.selectedIndex, ordinal: undefined } : r);
    this.matchLabel.textContent = this.searchState.label();
    this.showSearchMarks();
    this.persistSoon();
    if (r.partial) void this.countMatches(query, traceIndex);
    if (r.index !== null && mode !== 'marks') await this.selectIndex(r.index);
  }

  /** The query whose matches the host is counting for us. */
  private countingQuery: string | undefined;

  /**
   * A partial reply (a large trace is searched in its file) moved to its match at once; the count
   * comes after, outside the navigation queue so that j / k and Enter do not wait for it.
   */
  private async countMatches(query: string, traceIndex: number): Promise<void> {
    if (this.countingQuery === query) return;
    this.countingQuery = query;
    try {
      const r = await this.rpc.sendRequest(Search, { traceIndex, query, from: -1, direction: 'next', complete: true }, { timeoutMs: SEARCH_TIMEOUT_MS });
      if (traceIndex !== this.view.traceIndex || !this.searchState.setCount(query, r)) return;
      this.matchLabel.textContent = this.searchState.label();
      this.showSearchMarks();
    } catch (e) {
      // A file changed underneath, most likely: the next search reads it again.
      if (query === this.searchField.value.trim()) this.say(`Couldn't count the matches: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (this.countingQuery === query) this.countingQuery = undefined;
    }
  }

  private scheduleIncrementalSearch(): void {
    clearTimeout(this.searchTimer);
    this.searchTimer = undefined;
    if (!this.searchField.value.trim()) { this.clearSearch(); return; }
    this.searchTimer = setTimeout(() => {
      this.searchTimer = undefined;
      void this.enqueue(() => this.search('next', 'incremental'));
    }, 150);
  }

  private clearSearch(): void {
    clearTimeout(this.searchTimer);
    this.searchTimer = undefined;
    this.searchState.clear();
    this.matchLabel.textContent = '';
    this.showSearchMarks();
  }

  /** Mark the matching rows and the query in their names and in the details pane. */
  private showSearchMarks(): void {
    this.list.redraw();
    highlightMatches(this.details.element, this.searchState.text);
  }

  private async revealInFile(index: number): Promise<void> {
    try {
      const r = await this.rpc.sendRequest(RevealInFile, { traceIndex: this.view.traceIndex, index });
      if (!r.revealed) this.say(r.reason ?? 'This step has no position in the file.');
    } catch (e) {
      this.say(`Couldn't reveal the step: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // ---- keyboard ----

  private onKey(e: KeyboardEvent): void {
    if (this.sheet.open || this.annotate.dialogOpen || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTextInput(e)) return;
    // Enter on a button or a toggle presses it (a keyboard user's Next failure), not "focus the details".
    if (e.key === 'Enter' && onControl(e)) return;
    if (!this.summary) return;
    const inDetails = this.details.element.contains(document.activeElement) && document.activeElement !== this.details.element;
    const current = this.selectedRow;
    const actions: Record<string, () => void> = {
      j: () => this.enqueue(() => this.selectRow(current === null ? 0 : current + 1)),
      ArrowDown: () => this.enqueue(() => this.selectRow(current === null ? 0 : current + 1)),
      k: () => this.enqueue(() => this.selectRow(current === null ? 0 : current - 1)),
      ArrowUp: () => this.enqueue(() => this.selectRow(current === null ? 0 : current - 1)),
      n: () => this.enqueue(() => this.gotoFailure('next')),
      p: () => this.enqueue(() => this.gotoFailure('previous')),
      ']': () => this.enqueue(() => this.gotoPeer('next')),
      '[': () => this.enqueue(() => this.gotoPeer('previous')),
      Home: () => this.enqueue(() => this.selectRow(0)),
      // At the end of a growing file, End follows its newest step again.
      End: () => this.enqueue(() => (this.follow.isLive ? this.follow.set(true, true) : this.selectRow(this.list.rowCount - 1))),
      f: () => this.enqueue(() => (this.follow.isLive ? this.follow.toggle() : Promise.resolve(this.say('The trace file is not growing: there is nothing to follow.')))),
      ArrowLeft: () => this.enqueue(() => this.collapseOrParent()),
      ArrowRight: () => this.enqueue(() => this.expandOrChild()),
      Enter: () => this.details.element.focus(),
      '/': () => this.searchField.focus(),
      '?': () => this.sheet.showModal(),
      Escape: () => this.list.element.focus(),
      t: () => this.afterSelection(() => this.annotate.tag()),
      c: () => this.afterSelection(() => this.annotate.reviewFirst('confirm')),
      x: () => this.afterSelection(() => this.annotate.reviewFirst('reject')),
      r: () => this.afterSelection(() => this.annotate.toggleReviewed()),
      e: () => this.afterSelection(() => this.annotate.correct()),
    };
    const annotationKey = ['t', 'c', 'x', 'r', 'e'].includes(e.key);
    // Inside the details pane, arrows and Enter keep their usual meaning (scrolling, toggling sections).
    if (inDetails && ['ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'Enter'].includes(e.key)) return;
    if (document.activeElement === this.details.element && ['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const fn = actions[e.key];
    if (!fn) return;
    e.preventDefault();
    // Annotation keys keep focus where it is (a details button, say); dialogs restore it on close.
    if (e.key !== 'Enter' && e.key !== '/' && e.key !== '?' && !annotationKey && !this.list.element.contains(document.activeElement) && document.activeElement !== this.timeline.element.querySelector('canvas')) {
      this.list.element.focus({ preventScroll: true });
    }
    fn();
  }

  private onSearchKey(e: KeyboardEvent): void {
    if (e.key === 'Enter') {
      e.preventDefault();
      // Enter before the typing pause: find the first match now instead of skipping past it.
      const pending = this.searchTimer !== undefined;
      clearTimeout(this.searchTimer);
      this.searchTimer = undefined;
      void this.enqueue(() => this.search(e.shiftKey ? 'previous' : 'next', pending ? 'incremental' : 'step'));
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.list.element.focus();
    }
  }

  private async currentRow(): Promise<RowSummary | undefined> {
    if (this.selectedRow === null) return undefined;
    return this.list.rowAt(this.selectedRow) ?? (await this.rpc.sendRequest(GetRows, { view: this.currentView(), start: this.selectedRow, count: 1 })).rows[0];
  }

  private async collapseOrParent(): Promise<void> {
    const row = await this.currentRow();
    if (!row) return;
    if (row.hasChildren && !this.view.collapsed.includes(row.index)) await this.toggle(row, false);
    else if (row.parentIndex !== null) await this.selectIndex(row.parentIndex);
  }

  private async expandOrChild(): Promise<void> {
    const row = await this.currentRow();
    if (!row || !row.hasChildren) return;
    if (this.view.collapsed.includes(row.index)) await this.toggle(row, true);
    else await this.selectIndex(row.index + 1);
  }

  /**
   * The trace file changed on disk and the host read it again: show it as it is now, keeping the
   * selected step (by its stable id), the filters, the search and the scroll position. After an
   * append the collapsed rows stay collapsed; after a rewrite that kept the runs, those before the
   * first step moved (`placesKept`); after any other rewrite positions mean other steps, so none.
   */
  private async traceChanged(kind: 'appended' | 'rewritten', placesKept?: number[]): Promise<void> {
    if (!this.ready || this.ready.loadError || this.ready.traces.length === 0) {
      // A file that showed only its reading bar: once read, say so, as for a file shown while read.
      const wasReading = this.ready?.loading !== undefined && this.ready.traces.length === 0;
      this.loaded = this.load().then(() => {
        if (wasReading && this.ready && !this.ready.loading && !this.ready.loadError && this.summary) this.say(`Read the whole file: ${counted(this.summary.stepCount, 'step')}.`);
      });
      return;
    }
    const before = this.ready;
    const ready = await this.rpc.sendRequest(GetFileInfo, {});
    this.ready = ready;
    if (ready.loadError) { this.renderLoadError(); return; }
    if (kind === 'rewritten' && placesKept && ready.traces.length === before.traces.length && this.view.traceIndex < ready.traces.length) {
      await this.reshowInPlace(placesKept[this.view.traceIndex] ?? 0);
      return;
    }
    if (kind === 'appended' && ready.traces.length >= before.traces.length) {
      // Rows only grew at the end, and runs may have come after the shown one (a file of many runs
      // still being read): refresh the picker, counts, legend, timeline and rows in place (the
      // selection, scroll and collapsed rows keep their positions), as after a tag.
      this.showFileChanges();
      // Rows refreshed after growth move the list; that is not the reader scrolling away.
      // Following, the newest step is selected next: the old selection's details are not fetched again.
      await this.follow.moveWithoutReader(() => this.refreshAnnotations(!this.follow.following));
      await this.follow.grew();
      // While the file is read, the bar says how far; the end of the read is said once, and
      // growth only when there is more (the end of a read may come after its last steps).
      const steps = (r: ReadyResult): number => r.traces.reduce((n, t) => n + t.stepCount, 0);
      const count = this.summary ? counted(this.summary.stepCount, 'step') : 'more steps';
      if (ready.loading) return;
      if (before.loading) this.say(`Read the whole file: ${count}.`);
      // A live file grows all the time: the status bar counts its steps, the page stays quiet.
      else if (steps(ready) > steps(before) && !this.follow.isLive) this.say(`The trace grew: ${count}.`);
      return;
    }
    const traceIndex = this.view.traceIndex < ready.traces.length ? this.view.traceIndex : 0;
    const selected = this.selectedId === null || traceIndex !== this.view.traceIndex ? null
      : (await this.rpc.sendRequest(LocateStepById, { traceIndex, stepId: this.selectedId })).index;
    const restore: Partial<PersistedState> = {
      collapsed: kind === 'appended' && traceIndex === this.view.traceIndex ? this.view.collapsed : [],
      failuresOnly: this.view.failuresOnly,
      categories: this.view.categories,
      searchQuery: this.searchField.value,
      scrollRow: this.list.scrollRow,
      timeline: this.summary ? this.timeline.window : null,
      selectedIndex: selected,
    };
    // Rebuilding the shell moves the list out of the page and back, which drops the focus.
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.renderShell();
    await this.follow.moveWithoutReader(() => this.openTrace(traceIndex, restore));
    // A truncated or rotated live file is read again from the start; Follow goes on to its end.
    await this.follow.grew();
    if (focused?.isConnected && document.activeElement !== focused) focused.focus();
    this.say(kind === 'appended' ? `The trace grew: ${this.summary ? counted(this.summary.stepCount, 'step') : 'more steps'}.` : 'The trace changed on disk and was read again.');
  }

  /**
   * A rewrite of the same runs in which the run shown kept its first `kept` steps in their places
   * (a live OTLP trace: a parent span written after its children takes its place before them).
   * Refreshed in place, as after an append, not rebuilt: no blank page between, the focus and the
   * scroll stay, rows collapsed before `kept` stay collapsed, the selected step is found by its id.
   */
  private async reshowInPlace(kept: number): Promise<void> {
    const ready = this.ready as ReadyResult;
    this.view.collapsed = this.view.collapsed.filter((i) => i < kept);
    if (this.selectedId !== null && this.selectedIndex !== null && this.selectedIndex >= kept) {
      const { index } = await this.rpc.sendRequest(LocateStepById, { traceIndex: this.view.traceIndex, stepId: this.selectedId });
      this.selectedIndex = index;
      if (index === null) {
        this.selectedId = null;
        this.selectedRow = null;
        this.timeline.select(null);
        this.details.showEmpty('The selected step is no longer in the trace.');
      }
    }
    this.showFileChanges();
    await this.follow.moveWithoutReader(() => this.refreshAnnotations(!this.follow.following));
    // The timeline marks the selected step where it is now.
    if (!this.follow.following && this.selectedRow !== null) {
      const row = this.list.rowAt(this.selectedRow) ?? (await this.rpc.sendRequest(GetRows, { view: this.currentView(), start: this.selectedRow, count: 1 })).rows[0];
      if (row) this.timeline.select({ index: row.index, start: row.start, end: row.end });
    }
    // Search marks sit on steps' positions: found again (the selection stays).
    if (this.searchField.value.trim()) await this.search('next', 'marks');
    await this.follow.grew();
    this.persistSoon();
    // A live file changes all the time: the status bar counts its steps, the page stays quiet.
    if (!ready.loading && !this.follow.isLive) this.say('The trace changed on disk and was read again.');
  }

  // ---- host messages, state ----

  private bindHostMessages(): void {
    this.rpc.onNotification(SelectStepNotification, (p) => {
      void this.enqueue(async () => {
        if (p.traceIndex !== undefined && p.traceIndex !== this.view.traceIndex) await this.openTrace(p.traceIndex, undefined);
        await this.selectIndex(p.index, { quiet: true });
      });
    });
    this.rpc.onNotification(NavigateNotification, (p) => {
      const direction = p.action === 'nextFailure' || p.action === 'nextPeer' ? 'next' : 'previous';
      void this.enqueue(() => (p.action === 'nextPeer' || p.action === 'previousPeer' ? this.gotoPeer(direction) : this.gotoFailure(direction)));
    });
    this.rpc.onNotification(TraceChanged, (p) => {
      // Changes that arrive while one is waiting its turn are handled as one (a file written to
      // many times a second must not queue a refresh per write); a rewrite among them wins.
      const waiting = this.pendingChange !== undefined;
      this.pendingChange = this.pendingChange === 'rewritten' || p.kind === 'rewritten' ? 'rewritten' : 'appended';
      this.pendingPlacesKept = placesKeptAcross(waiting ? this.pendingPlacesKept : undefined, p);
      if (waiting) return;
      // A change that comes while the first answer is on its way (a file still being read sends
      // many) is handled after it: asking for `ready` again would look like a reloaded page.
      void this.loaded.then(() => this.enqueue(() => {
        const kind = this.pendingChange ?? 'appended';
        const placesKept = this.pendingPlacesKept ?? undefined;
        this.pendingChange = undefined;
        this.pendingPlacesKept = undefined;
        return this.traceChanged(kind, placesKept);
      }));
    });
    this.rpc.onNotification(LiveStateChanged, (p) => {
      void this.loaded.then(() => this.enqueue(() => this.follow.setLive(p.live)));
    });
    this.rpc.onNotification(SetFollow, (p) => {
      void this.loaded.then(() => this.enqueue(() => (p.follow === undefined ? this.follow.toggle() : this.follow.set(p.follow, true))));
    });
    this.rpc.onNotification(AnnotationsChanged, (p) => {
      this.annotate.showStatus(p.status);
      if (p.traceIndex !== null && p.traceIndex !== this.view.traceIndex) return;
      void this.enqueue(() => this.refreshAnnotations());
    });
    this.rpc.onRequest(GetWebviewState, async () => {
      await this.loaded;
      await this.queue;
      await this.detailsLoading;
      const shown = this.details.shown;
      return {
        traceIndex: this.view.traceIndex,
        selectedIndex: this.selectedIndex,
        selectedId: this.selectedId,
        totalRows: this.list.rowCount,
        renderedIndexes: this.list.renderedIndexes(),
        failuresOnly: this.view.failuresOnly,
        categories: [...this.view.categories],
        collapsed: [...this.view.collapsed],
        searchQuery: this.searchField.value,
        detailsTitle: this.details.title,
        detailsError: this.details.errorText,
        detailsText: (this.details.element.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 20_000),
        selectedTags: (shown?.annotations?.tags ?? []).filter((t) => t.status === 'confirmed').map((t) => t.category),
        reading: this.ready?.loading !== undefined,
        live: this.follow.isLive,
        follow: this.follow.following,
        lastRowInView: this.list.lastRowInView,
      };
    });
  }

  /** Debounced save for changes that come in bursts (scrolling, typing, panning the timeline). */
  private persistSoon(): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => this.persistNow(), 100);
  }

  /**
   * Save the view state (`setState`) so it survives the tab being hidden: without
   * retainContextWhenHidden VS Code destroys this page then, and restores it from this state.
   */
  private persistNow(): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    this.host.setState({
      traceIndex: this.view.traceIndex,
      selectedIndex: this.selectedIndex,
      collapsed: this.view.collapsed,
      failuresOnly: this.view.failuresOnly,
      categories: this.view.categories,
      searchQuery: this.searchField.value,
      scrollRow: this.list.scrollRow,
      // Read from the timeline itself: setTrace replaces the window without reporting a change.
      timeline: this.summary ? this.timeline.window : null,
      stepColumnWidth: this.resizer.value,
    });
  }

  private say(message: string): void {
    this.status.textContent = message;
  }

  private colorOf(category: string): string {
    return this.categories.get(category)?.color ?? '--vscode-charts-red';
  }
}

/** How many steps the failure checks could not judge: the trace holds placeholders where their content was. */
function redactedNote(count: number): HTMLElement {
  const steps = counted(count, 'step');
  return el('span', {
    className: 'legend-note legend-redacted',
    text: `${steps} redacted, not checked`,
    attrs: { title: `${count === 1 ? 'A step holds' : `${steps} hold`} a redaction placeholder (such as "[REDACTED]") where call arguments or output were, so the failure checks could not judge ${count === 1 ? 'it' : 'them'}. Promotion does not learn a redacted turn until you correct it.` },
  });
}

function iconButton(icon: string, label: string, onClick: () => void): HTMLElement {
  return el('button', { className: 'icon-button', attrs: { 'aria-label': label, title: label }, on: { click: onClick } }, [codicon(icon)]);
}

/** Inputs that take typed text; a checkbox (the "Failures only" toggle, whose shadow DOM holds one) does not. */
const TEXT_INPUT_TYPES = new Set(['', 'text', 'search', 'email', 'number', 'password', 'tel', 'url']);

/** Controls that Enter activates: buttons (native and VS Code elements), toggles, links, disclosure summaries. */
const CONTROL_TAGS = new Set(['BUTTON', 'VSCODE-BUTTON', 'VSCODE-CHECKBOX', 'SUMMARY', 'A', 'SELECT']);

function onControl(e: KeyboardEvent): boolean {
  return e.composedPath().some((t) => t instanceof HTMLElement && (CONTROL_TAGS.has(t.tagName) || t.getAttribute('role') === 'button'));
}

function isTextInput(e: KeyboardEvent): boolean {
  return e.composedPath().some((t) => t instanceof HTMLElement && (
    (t instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(t.type)) || t.tagName === 'TEXTAREA' || t.tagName === 'VSCODE-TEXTFIELD' || t.tagName === 'VSCODE-SINGLE-SELECT' || t.isContentEditable));
}

void new App(connectToHost()).start();

/** A run in the picker: number, title, size, failures and verdict. */
function pickerLabel(t: ReadyResult['traces'][number]): string {
  return `${t.traceIndex + 1}. ${t.title} (${counted(t.stepCount, 'step')}${t.failureCount ? `, ${t.failureCount} failing` : ''})${t.verdict ? ` · ${verdictWord(t.verdict)}: ${t.verdict.summary}` : ''}`;
}

function spinning(icon: HTMLElement): HTMLElement {
  icon.classList.add('codicon-modifier-spin');
  return icon;
}

/** The verdict in one word, for the header and the picker. */
function verdictWord(v: RunVerdict): string {
  return v.outcome === 'fail' ? 'Run failed' : v.outcome === 'pass' ? 'Run passed' : v.outcome === 'partial' ? 'Run partly passed' : 'Run verdict';
}

/**
 * What changes waiting as one kept in place, per run (see `pendingPlacesKept`): the fewest each
 * run's rewrites kept; an append keeps everything, a rewrite without `placesKept` nothing known.
 */
function placesKeptAcross(before: number[] | null | undefined, change: TraceChangedParams): number[] | null | undefined {
  if (change.kind === 'appended' || before === null) return before;
  if (!change.placesKept) return null;
  if (before === undefined) return change.placesKept;
  if (before.length !== change.placesKept.length) return null;
  return before.map((k, run) => Math.min(k, change.placesKept![run]));
}
