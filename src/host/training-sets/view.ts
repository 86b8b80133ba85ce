/**
 * The "Training Sets" view: the sets under the configured folder of each workspace folder, their
 * data files with example counts, and each file's examples in line order (from the manifest).
 * The folder is watched; changes refresh the tree after a short debounce.
 */
import { existsSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { ManifestEntry } from '../../core/training-set/store';
import { DEFAULT_SETS_FOLDER, recoverSet } from '../../core/training-set/store';
import { COMMIT_JOURNAL } from '../../core/util/temp-files';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import { CONTEXT_VALUES, TRAINING_COMMANDS, TRAINING_SETS_FOLDER_SETTING } from './ids';
import { countsDescription, formatLabel, listSets, type DataFileSummary, type SetSummary } from './sets-on-disk';

const REFRESH_DEBOUNCE_MS = 300;

export type TrainingSetNode =
  | { type: 'set'; set: SetSummary }
  | { type: 'file'; set: SetSummary; file: DataFileSummary }
  | { type: 'example'; set: SetSummary; file: DataFileSummary; entry: ManifestEntry; line: number }
  | { type: 'problem'; set: SetSummary; message: string };

/** The sets folder of one workspace folder (the setting is resource-scoped). */
export function setsRootFor(folder: vscode.WorkspaceFolder): string {
  const configured = vscode.workspace.getConfiguration('', folder.uri).get<string>(TRAINING_SETS_FOLDER_SETTING)?.trim();
  return resolve(folder.uri.fsPath, configured || DEFAULT_SETS_FOLDER);
}

export function setsRoots(): string[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return [...new Set(folders.filter((f) => f.uri.scheme === 'file').map(setsRootFor))];
}

export class TrainingSetsTreeProvider implements vscode.TreeDataProvider<TrainingSetNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TrainingSetNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Fired after every refresh, so open example documents re-render. */
  private readonly refreshed = new vscode.EventEmitter<void>();
  readonly onDidRefresh = this.refreshed.event;
  private snapshot?: SetSummary[];
  private watchers: vscode.Disposable[] = [];
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private view?: vscode.TreeView<TrainingSetNode>;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.refreshed];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(TRAINING_SETS_FOLDER_SETTING)) this.rewatchAndRefresh();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rewatchAndRefresh()),
    );
    this.watch();
  }

  attach(view: vscode.TreeView<TrainingSetNode>): void {
    this.view = view;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const d of [...this.watchers, ...this.disposables]) d.dispose();
  }

  /** Re-read the sets now. */
  refresh(): void {
    clearTimeout(this.refreshTimer);
    this.snapshot = undefined;
    this.changed.fire(undefined);
    this.refreshed.fire();
  }

  /** The sets as currently on disk (read on first use after a refresh). */
  sets(): SetSummary[] {
    if (!this.snapshot) {
      this.snapshot = setsRoots().flatMap(listSets);
      this.recoverInterrupted(this.snapshot);
    }
    return this.snapshot;
  }

  private readonly recovering = new Set<string>();

  /**
   * A set whose last write was interrupted (crash, kill) still holds its commit journal: finish or
   * undo that write under the set's lock, as the next promotion would, then show it again. Until
   * then the view shows the set as it is, with the mismatch it reads.
   */
  private recoverInterrupted(sets: readonly SetSummary[]): void {
    for (const set of sets) {
      if (this.recovering.has(set.dir) || !existsSync(join(set.dir, COMMIT_JOURNAL))) continue;
      this.recovering.add(set.dir);
      recoverSet(set.dir).then(
        () => this.refresh(),
        (e: unknown) => void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: training set {0} could not be recovered: {1}', set.dir, isUserInputError(e) ? e.problems.map(formatProblem).join('; ') : String(e))),
      ).finally(() => this.recovering.delete(set.dir));
    }
  }

  /** Focus the view and select the set in `dir` (the "Reveal" action after a promotion). */
  async revealSet(dir: string): Promise<boolean> {
    this.refresh();
    const set = this.sets().find((s) => resolve(s.dir) === resolve(dir));
    if (!set || !this.view) return false;
    await this.view.reveal({ type: 'set', set }, { select: true, focus: true, expand: 1 });
    return true;
  }

  getTreeItem(node: TrainingSetNode): vscode.TreeItem {
    switch (node.type) {
      case 'set': {
        const { set } = node;
        const item = new vscode.TreeItem(set.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `set:${set.dir}`;
        item.contextValue = CONTEXT_VALUES.set;
        item.resourceUri = vscode.Uri.file(set.dir);
        item.description = `${formatLabel(set.config)} · ${countsDescription(set.files)}`;
        item.iconPath = set.problems.length ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('database');
        const tip = new vscode.MarkdownString();
        tip.appendText(`${vscode.workspace.asRelativePath(set.dir)}\n${formatLabel(set.config)}${set.config ? `, created ${set.config.created}` : ''}\n`);
        for (const p of set.problems) tip.appendText(`\n⚠ ${p}`);
        item.tooltip = tip;
        return item;
      }
      case 'file': {
        const { set, file } = node;
        const item = new vscode.TreeItem(`${file.file} (${file.entries.length})`, file.entries.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `file:${set.dir}/${file.file}`;
        item.contextValue = CONTEXT_VALUES.file;
        item.resourceUri = vscode.Uri.file(join(set.dir, file.file));
        item.iconPath = vscode.ThemeIcon.File;
        item.command = { command: 'vscode.open', title: vscode.l10n.t('Open File'), arguments: [item.resourceUri] };
        item.tooltip = file.lines === file.entries.length
          ? `${file.entries.length} example(s)`
          : `The file has ${file.lines} lines but manifest.jsonl lists ${file.entries.length} examples: it was edited by hand or a write was interrupted.`;
        if (file.lines !== file.entries.length) item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        return item;
      }
      case 'example': {
        const { set, entry, line } = node;
        const item = new vscode.TreeItem(exampleLabel(entry), vscode.TreeItemCollapsibleState.None);
        item.id = `example:${set.dir}/${entry.id}`;
        item.contextValue = CONTEXT_VALUES.example;
        item.description = exampleDescription(entry, line);
        item.iconPath = new vscode.ThemeIcon(entry.corrections.length ? 'edit' : 'comment-discussion');
        const tip = new vscode.MarkdownString();
        tip.appendCodeblock(JSON.stringify(entry, null, 2), 'json');
        item.tooltip = tip;
        item.command = { command: TRAINING_COMMANDS.openExample, title: vscode.l10n.t('Open Example'), arguments: [node] };
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        item.contextValue = CONTEXT_VALUES.problem;
        item.tooltip = node.message;
        return item;
      }
    }
  }

  getChildren(node?: TrainingSetNode): TrainingSetNode[] {
    if (!node) return this.sets().map((set) => ({ type: 'set', set }));
    if (node.type === 'set') {
      return [
        ...node.set.problems.map((message): TrainingSetNode => ({ type: 'problem', set: node.set, message })),
        ...node.set.files.map((file): TrainingSetNode => ({ type: 'file', set: node.set, file })),
      ];
    }
    if (node.type === 'file') return node.file.entries.map((entry, i) => ({ type: 'example', set: node.set, file: node.file, entry, line: i + 1 }));
    return [];
  }

  getParent(node: TrainingSetNode): TrainingSetNode | undefined {
    if (node.type === 'set') return undefined;
    if (node.type === 'example') return { type: 'file', set: node.set, file: node.file };
    return { type: 'set', set: node.set };
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  private rewatchAndRefresh(): void {
    this.watch();
    this.refresh();
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = setsRoots().map((root) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**'));
      // The lock and the atomic writes' temp files come and go during every write; the
      // renames that follow them are what matter.
      const onChange = (uri: vscode.Uri): void => {
        if (!/(^|\/)\.[^/]*\.tmp$|\.lock$|\.stale$/.test(uri.path)) this.scheduleRefresh();
      };
      return vscode.Disposable.from(watcher, watcher.onDidCreate(onChange), watcher.onDidChange(onChange), watcher.onDidDelete(onChange));
    });
  }
}

/** "trace.json #0 · llm-3" : the source file name, its trace index and the example's step(s). */
export function exampleLabel(entry: ManifestEntry): string {
  const name = posix.basename(entry.trace.path);
  const steps = entry.steps.length === 0 ? '' : entry.steps.length <= 2 ? ` · ${entry.steps.join(', ')}` : ` · ${entry.steps.length} steps`;
  return `${name} #${entry.trace.traceIndex}${steps}`;
}

function exampleDescription(entry: ManifestEntry, line: number): string {
  const bits = [`line ${line}`];
  if (entry.corrections.length) bits.push(`corrected ${entry.corrections.join(', ')}`);
  return bits.join(' · ');
}
