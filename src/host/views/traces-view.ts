/**
 * The "Agent Traces" view (§4): the workspace's trace files with their failure counts by
 * category. Scanning starts only when the view is first shown; files are analysed in the
 * background through the shared queue, with results cached by mtime+size (and persisted), so a
 * workspace of thousands of traces stays responsive.
 */
import * as vscode from 'vscode';
import { traceGlob } from '../settings';
import { posix } from 'node:path';
import { stat as fsStat } from 'node:fs/promises';
import type { AnalysisService } from '../analysis/service';
import { COMMANDS, TRACES_VIEW_ID } from '../ids';
import { DEFAULT_TRACE_GLOB, looksLikeTraceFileName, TRACE_FILE_SUFFIXES } from '../trace-files';
import { FAILURE_WORDS } from './failure-words';
import { failuresText, isOutdated, summarize, themeColorId, type CachedSummary, type CategoryCount } from './summary';
import { listTraceFiles } from './trace-listing';
import { readSummaries, writeSummaries } from './summary-store';

const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.vscode-test/**,**/out/**,**/dist/**}';
/** Concurrent stat/read calls; parsing itself is limited by the analysis queue. */
const PARALLEL_READS = 16;
const REFRESH_THROTTLE_MS = 300;

interface FileEntry {
  uri: vscode.Uri;
  /** Matched the trace glob by name; otherwise a .json/.jsonl candidate shown only if it sniffs as a trace. */
  byName: boolean;
  cached?: CachedSummary;
  pending: boolean;
}

export type TraceTreeNode =
  | { type: 'folder'; path: string; files: FileEntry[] }
  | { type: 'file'; entry: FileEntry }
  | { type: 'category'; entry: FileEntry; count: CategoryCount };

export class TracesTreeProvider implements vscode.TreeDataProvider<TraceTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TraceTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly entries = new Map<string, FileEntry>();
  private scanned?: Promise<void>;
  private generation = 0;
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private messageTimer?: ReturnType<typeof setTimeout>;
  private view?: vscode.TreeView<TraceTreeNode>;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** The summaries kept from earlier sessions and scans: read when first needed (the view may never be shown). */
  private kept?: Map<string, CachedSummary>;
  /** What workspace state holds, as last read or written: a listing that changed nothing writes nothing. */
  private written?: ReadonlyMap<string, CachedSummary>;
  /** The current scan's listing; cancelled when the view refreshes again. */
  private listing?: vscode.CancellationTokenSource;
  /** Set when the listing stopped at `maxFiles` with more files left: the view says so. */
  private capped?: { maxFiles: number };
  private progress?: string;
  /**
   * Each file's folder in the tree, by URI, kept across refreshes (a refresh makes every entry
   * anew): `asRelativePath` for 5,000 files was a 20-50 ms turn of the extension host at each listing.
   */
  private readonly folders = new Map<string, string>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly analysis: AnalysisService) {
    this.disposables.push(
      analysis.onDidChangeTaxonomy(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (['traceGlob', 'detectJsonTraces', 'maxFiles', 'maxFileSizeMB'].some((k) => e.affectsConfiguration(`agentTraceDebugger.${k}`))) this.refresh();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.folders.clear();
        this.refresh();
      }),
    );
  }

  attach(view: vscode.TreeView<TraceTreeNode>): void {
    this.view = view;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    clearTimeout(this.messageTimer);
    this.listing?.cancel();
    this.listing?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  /** Forget the file list and scan again (the refresh command, setting changes). */
  refresh(): void {
    // Keep what is known: a rescan only re-reads files whose mtime or size changed.
    for (const [key, e] of this.entries) if (e.cached) this.persisted.set(key, e.cached);
    this.generation++;
    this.listing?.cancel();
    this.listing?.dispose();
    this.listing = undefined;
    this.scanned = undefined;
    this.entries.clear();
    this.capped = undefined;
    this.progress = undefined;
    this.updateMessage();
    this.changed.fire(undefined);
  }

  /** The view's message: how far the analysis is, and that the list stopped at maxFiles. */
  get message(): string | undefined {
    const parts: string[] = [];
    if (this.progress) parts.push(this.progress);
    if (this.capped) {
      const shown = [...this.entries.values()].filter(isVisible).length;
      parts.push(vscode.l10n.t('{0} traces shown: this workspace has more files than the {1} the view looks at. The setting agentTraceDebugger.maxFiles raises the limit.', shown, this.capped.maxFiles));
    }
    return parts.length ? parts.join(' ') : undefined;
  }

  private updateMessage(): void {
    clearTimeout(this.messageTimer);
    this.messageTimer = undefined;
    if (this.view) this.view.message = this.message;
  }

  /** Progress changes with every file: update the message at most every REFRESH_THROTTLE_MS. */
  private scheduleMessage(): void {
    if (!this.messageTimer) this.messageTimer = setTimeout(() => this.updateMessage(), REFRESH_THROTTLE_MS);
  }

  /** The files the view lists (trace files, and JSON files that may be traces), once they are listed. */
  async files(): Promise<vscode.Uri[]> {
    void this.ensureScanned();
    await this.listed_;
    return [...this.entries.values()].map((e) => e.uri);
  }

  /** Resolves when the current scan and its analyses are done (tests and the refresh command await it). */
  whenIdle(): Promise<void> {
    return this.ensureScanned();
  }

  /** Re-check one file after it changed on disk. */
  fileChanged(uri: vscode.Uri, deleted: boolean): void {
    const key = uri.toString();
    if (deleted) {
      this.folders.delete(key);
      if (this.entries.delete(key)) this.scheduleRefresh();
      return;
    }
    let entry = this.entries.get(key);
    if (!entry && this.scanned && this.listed) {
      // A new file: listed while there is room under maxFiles, else the view says it stopped.
      if (this.entries.size < maxFilesSetting()) entry = this.addEntry(uri);
      else if (!this.capped) {
        this.capped = { maxFiles: maxFilesSetting() };
        this.updateMessage();
      }
    }
    if (entry) void this.analyse([entry], this.generation).then(() => this.scheduleRefresh());
  }

  getTreeItem(node: TraceTreeNode): vscode.TreeItem {
    if (node.type === 'folder') {
      const item = new vscode.TreeItem(node.path || '(workspace root)', vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = vscode.ThemeIcon.Folder;
      const failures = node.files.reduce((n, f) => n + (f.cached?.summary.kind === 'ok' ? f.cached.summary.failures : 0), 0);
      item.description = `${plural(node.files.length, 'trace')}${failures ? ` · ${plural(failures, 'failure')}` : ''}`;
      item.id = `folder:${node.path}`;
      return item;
    }
    if (node.type === 'category') {
      const c = node.count;
      const item = new vscode.TreeItem(c.category, vscode.TreeItemCollapsibleState.None);
      item.description = c.category === c.categoryName ? String(c.count) : `${c.categoryName} · ${c.count}`;
      item.iconPath = new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor(themeColorId(c.color)));
      item.tooltip = `${c.count} × ${c.category} (${c.categoryName}). Click to open the first one.`;
      item.command = { command: COMMANDS.openInTraceDebugger, title: vscode.l10n.t('Open in Trace Debugger'), arguments: [node.entry.uri, c.firstStepId, c.firstTraceIndex] };
      item.contextValue = 'traceCategory';
      return item;
    }
    const { entry } = node;
    const s = entry.cached?.summary;
    const hasChildren = s?.kind === 'ok' && s.categories.length > 0;
    const item = new vscode.TreeItem(posix.basename(entry.uri.path), hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.resourceUri = entry.uri;
    item.id = entry.uri.toString();
    item.contextValue = 'traceFile';
    item.command = { command: COMMANDS.openTraceItem, title: vscode.l10n.t('Open in Trace Debugger'), arguments: [entry.uri] };
    if (!s) {
      item.description = entry.pending ? 'analysing…' : '';
    } else if (s.kind === 'ok') {
      item.description = failuresText(s, FAILURE_WORDS);
      // A file with no failure found is passed only when every step could be checked.
      item.iconPath = s.failures > 0 ? ERROR_ICON : (s.redactedSteps ?? 0) > 0 ? UNCHECKED_ICON : PASS_ICON;
    } else if (s.kind === 'tooLarge') {
      item.description = `not analysed (over ${Math.round(s.limitBytes / 1048576)} MB)`;
      item.iconPath = TOO_LARGE_ICON;
    } else {
      item.description = 'cannot be read as a trace';
      item.iconPath = WARNING_ICON;
    }
    return item;
  }

  /**
   * A file's tooltip, when the pointer rests on it: built for every row in getTreeItem, the
   * tooltips (a relative path and a MarkdownString each) made 5,000 rows a 60-120 ms turn of the
   * extension host.
   */
  resolveTreeItem(item: vscode.TreeItem, node: TraceTreeNode): vscode.TreeItem {
    if (node.type !== 'file') return item;
    const { entry } = node;
    const s = entry.cached?.summary;
    const rel = vscode.workspace.asRelativePath(entry.uri);
    if (!s) item.tooltip = rel;
    // The path as text: a file name may hold Markdown (links, images), which must not render.
    else if (s.kind === 'ok') item.tooltip = new vscode.MarkdownString().appendMarkdown('**').appendText(rel).appendMarkdown(`**\n\n${s.format} · ${plural(s.traceCount, 'trace')} · ${plural(s.stepCount, 'step')} · ${plural(s.failures, 'failure')}${(s.redactedSteps ?? 0) > 0 ? ` · ${plural(s.redactedSteps ?? 0, 'step')} redacted (their call arguments or output are placeholders), not checked` : ''}`);
    else if (s.kind === 'tooLarge') item.tooltip = `${rel} is ${Math.round(s.sizeBytes / 1048576)} MB; failure counts are skipped above agentTraceDebugger.maxFileSizeMB. It still opens in the Trace Debugger.`;
    else item.tooltip = `${rel}: ${s.message}`;
    return item;
  }

  async getChildren(node?: TraceTreeNode): Promise<TraceTreeNode[]> {
    if (node?.type === 'file') {
      const s = node.entry.cached?.summary;
      return s?.kind === 'ok' ? s.categories.map((count) => ({ type: 'category', entry: node.entry, count })) : [];
    }
    if (node?.type === 'folder') return node.files.map((entry) => ({ type: 'file', entry }));
    if (node) return [];
    // Root: list what is known now; analysis continues in the background and refreshes the tree.
    void this.ensureScanned();
    if (!this.listed) await this.listed_;
    return this.rootNodes();
  }

  private listed = false;
  private listed_: Promise<void> = Promise.resolve();

  /** The file's folder in the tree, computed once per file (the tree asks again every 300 ms while analysing). */
  private folderOf(uri: vscode.Uri, multiRoot: boolean): string {
    const key = uri.toString();
    let dir = this.folders.get(key);
    if (dir === undefined) {
      dir = posix.dirname(vscode.workspace.asRelativePath(uri, multiRoot));
      if (dir === '.') dir = '';
      this.folders.set(key, dir);
    }
    return dir;
  }

  private rootNodes(): TraceTreeNode[] {
    const visible = [...this.entries.values()].filter(isVisible);
    const byFolder = new Map<string, FileEntry[]>();
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    for (const e of visible) {
      const dir = this.folderOf(e.uri, multiRoot);
      const list = byFolder.get(dir) ?? [];
      list.push(e);
      byFolder.set(dir, list);
    }
    const sortFiles = (l: FileEntry[]): FileEntry[] => l.sort((a, b) => COLLATOR.compare(a.uri.path, b.uri.path));
    if (byFolder.size <= 1) return sortFiles(visible).map((entry) => ({ type: 'file', entry }));
    return [...byFolder.entries()].sort(([a], [b]) => COLLATOR.compare(a, b)).map(([path, files]) => ({ type: 'folder', path, files: sortFiles(files) }));
  }

  private ensureScanned(): Promise<void> {
    if (!this.scanned) {
      const generation = this.generation;
      let markListed!: () => void;
      this.listed = false;
      this.listed_ = new Promise<void>((r) => { markListed = r; });
      this.scanned = this.scan(generation, () => { this.listed = true; markListed(); });
    }
    return this.scanned;
  }

  private async scan(generation: number, listed: () => void): Promise<void> {
    const config = vscode.workspace.getConfiguration('agentTraceDebugger');
    const maxFiles = maxFilesSetting();
    const glob = traceGlob();
    const cancel = new vscode.CancellationTokenSource();
    this.listing = cancel;
    try {
      // Yields between chunks of results; a refresh cancels it (and the searches) at once.
      const result = await listTraceFiles({
        findFiles: (include, exclude, maxResults, token) => vscode.workspace.findFiles(include, exclude, maxResults, token as vscode.CancellationToken | undefined),
        traceGlob: glob,
        // The default glob names the files with these suffixes: one search finds them and the JSON files.
        namedSuffixes: glob === DEFAULT_TRACE_GLOB ? TRACE_FILE_SUFFIXES : undefined,
        exclude: EXCLUDE,
        maxFiles,
        detectJsonTraces: config.get<boolean>('detectJsonTraces', true),
        pathOf: (uri) => uri.path,
        keyOf: (uri) => uri.toString(),
        token: cancel.token,
      });
      if (result.cancelled || generation !== this.generation) return;
      for (const f of result.files) this.addEntry(f.uri, f.byName);
      this.capped = result.capped ? { maxFiles } : undefined;
    } finally {
      if (this.listing === cancel) this.listing = undefined;
      cancel.dispose();
      listed();
    }
    this.updateMessage();
    this.changed.fire(undefined);
    await vscode.window.withProgress({ location: { viewId: TRACES_VIEW_ID } }, () => this.analyse([...this.entries.values()], generation));
    if (generation !== this.generation) return;
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.tracesScanned', true);
    await this.persist();
    this.scheduleRefresh();
  }

  private addEntry(uri: vscode.Uri, byName = looksLikeTraceFileName(uri.path)): FileEntry {
    const entry: FileEntry = { uri, byName, pending: false, cached: this.persisted.get(uri.toString()) };
    this.entries.set(uri.toString(), entry);
    return entry;
  }

  /** Stat every entry, re-analyse what changed, a few at a time; refresh the tree as results arrive. */
  private async analyse(entries: FileEntry[], generation: number): Promise<void> {
    const total = entries.length;
    let done = 0;
    let next = 0;
    const taxonomyId = this.analysis.taxonomy.id;
    const worker = async (): Promise<void> => {
      while (next < entries.length && generation === this.generation) {
        const entry = entries[next++];
        try {
          const stat = await statOf(entry.uri);
          const c = entry.cached;
          if (!c || c.mtime !== stat.mtime || c.size !== stat.size || c.taxonomyId !== taxonomyId || isOutdated(c)) {
            entry.pending = true;
            const outcome = await this.analysis.analyzeFile(entry.uri, stat);
            entry.cached = { mtime: stat.mtime, size: stat.size, taxonomyId, summary: summarize(outcome) };
            entry.pending = false;
            this.scheduleRefresh();
          }
        } catch {
          // Vanished between listing and stat.
          this.entries.delete(entry.uri.toString());
          this.folders.delete(entry.uri.toString());
        }
        done++;
        if (total > 20 && generation === this.generation) {
          this.progress = done < total ? vscode.l10n.t('Analysing traces: {0} of {1}…', done, total) : undefined;
          this.scheduleMessage();
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_READS }, worker));
    if (generation === this.generation) {
      this.progress = undefined;
      this.updateMessage();
    }
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
      // The number of traces shown changes as candidates sniff as traces.
      if (this.capped) this.updateMessage();
      if (this.view) {
        const total = [...this.entries.values()].reduce((n, e) => n + (e.cached?.summary.kind === 'ok' ? e.cached.summary.failures : 0), 0);
        this.view.description = total ? plural(total, 'failure') : undefined;
      }
    }, REFRESH_THROTTLE_MS);
  }

  private get persisted(): Map<string, CachedSummary> {
    if (!this.kept) {
      this.kept = readSummaries(this.context.workspaceState);
      this.written = new Map(this.kept);
    }
    return this.kept;
  }

  private async persist(): Promise<void> {
    const kept = new Map<string, CachedSummary>();
    for (const [key, e] of this.entries) if (e.cached && (e.byName || e.cached.summary.kind === 'ok')) kept.set(key, e.cached);
    // A summary that did not change is the object read or written before (a file analysed again gets a new one).
    const written = this.written;
    if (written && kept.size === written.size && [...kept].every(([key, c]) => written.get(key) === c)) return;
    this.written = kept;
    await writeSummaries(this.context.workspaceState, kept);
  }
}

const COLLATOR = new Intl.Collator();
const PASS_ICON = new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
const ERROR_ICON = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
const TOO_LARGE_ICON = new vscode.ThemeIcon('circle-slash');
const UNCHECKED_ICON = new vscode.ThemeIcon('eye-closed');
const WARNING_ICON = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));

function isVisible(e: FileEntry): boolean {
  return e.byName || e.cached?.summary.kind === 'ok';
}

/**
 * A file's modification time (ms, as VS Code's own file system gives it) and size. A `file:` URI
 * is asked of Node's fs in this process, where the files are (the trace worker reads them by path
 * too): through vscode.workspace.fs each stat is a round trip to the workbench, and 5,000 of them
 * took 2.0 s of a warm listing in code-server, against 63 ms.
 */
async function statOf(uri: vscode.Uri): Promise<{ mtime: number; size: number }> {
  if (uri.scheme === 'file') {
    const s = await fsStat(uri.fsPath);
    return { mtime: s.mtime.getTime(), size: s.size };
  }
  return vscode.workspace.fs.stat(uri);
}

function maxFilesSetting(): number {
  return Math.max(1, vscode.workspace.getConfiguration('agentTraceDebugger').get<number>('maxFiles', 5000));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Wires the view, its watcher and refresh command. */
export function activateTracesView(context: vscode.ExtensionContext, analysis: AnalysisService): TracesTreeProvider {
  const provider = new TracesTreeProvider(context, analysis);
  const view = vscode.window.createTreeView(TRACES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  provider.attach(view);
  const glob = traceGlob();
  const watcher = vscode.workspace.createFileSystemWatcher(glob);
  context.subscriptions.push(
    provider,
    view,
    watcher,
    watcher.onDidCreate((u) => provider.fileChanged(u, false)),
    watcher.onDidChange((u) => provider.fileChanged(u, false)),
    watcher.onDidDelete((u) => provider.fileChanged(u, true)),
    vscode.commands.registerCommand(COMMANDS.refreshTraces, async () => {
      provider.refresh();
      await provider.whenIdle();
    }),
  );
  return provider;
}
