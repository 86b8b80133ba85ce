/**
 * "Agent Trace: Promote to Training Set": pick (or create) a set, save unsaved annotations if
 * the user agrees, run the core promotion with progress, and report: counts with a "Reveal"
 * action, or the first validation problems with "Show All" (the full list goes to the
 * "Agent Trace" output channel). Nothing is written when any example fails validation.
 */
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { SIDECAR_SUFFIX } from '../../core/annotations/sidecar';
import type { ExportFormat } from '../../core/export/encode';
import { promote, type PromoteOutcome } from '../../core/training-set/promote';
import { DATA_FILES } from '../../core/training-set/store';
import { summariseWarnings } from '../../core/training-set/warning-summary';
import { formatProblem, isUserInputError, type Problem } from '../../core/util/problems';
import { TRACE_EDITOR_ANY_JSON_VIEW_TYPE, TRACE_EDITOR_VIEW_TYPE } from '../ids';
import { countsDescription, formatLabel, listSets, setNameProblem } from './sets-on-disk';
import { setsRootFor, type TrainingSetsTreeProvider } from './view';
import { existingSidecarFor, sidecarLocationFor } from '../sidecar-storage';
import { configuredTaxonomy, trainingLength, maskPrivateData, refusedByTemplate } from '../settings';

/** The action that promotes again with failed runs as demonstrations too. */
const INCLUDE_FAILED = 'Include Failed Runs';

/** How many problems the error notification names before "Show All". */
const PROBLEMS_IN_MESSAGE = 3;

/**
 * Answers to the prompts, for callers that already know them (tests, other host code).
 * `set` is a set name (a folder under the sets folder) or an absolute folder path.
 */
export interface PromoteChoice {
  set: string;
  /** For a new set; an existing set keeps its own format. */
  format?: ExportFormat;
  sharegpt?: boolean;
  /** Save unsaved annotation changes without asking (true) or promote what is on disk (false). */
  saveDirty?: boolean;
  /** Train on failed runs as demonstrations too (otherwise offered after the promotion when some were left out). */
  includeFailed?: boolean;
  /** Promote although the annotations were written for another version of the trace (otherwise the user is asked). */
  acceptChangedTrace?: boolean;
}

export interface PromoteUiResult extends PromoteOutcome {
  setDir: string;
  trace: string;
}

let output: vscode.OutputChannel | undefined;
export function outputChannel(): vscode.OutputChannel {
  return (output ??= vscode.window.createOutputChannel('Agent Trace'));
}

let viewProvider: TrainingSetsTreeProvider | undefined;
export function setPromoteView(view: TrainingSetsTreeProvider | undefined): void {
  viewProvider = view;
}

/**
 * Promote the trace in `uri` (or the active trace editor's / text editor's file). `traceIndex`
 * limits it to one trace of a multi-trace file. Returns undefined when the user cancelled or
 * there was no trace to promote; otherwise the outcome (check `errors`).
 */
export async function promoteWithUi(uri?: vscode.Uri, traceIndex?: number, choice?: PromoteChoice): Promise<PromoteUiResult | undefined> {
  const target = traceUriFrom(uri);
  if (!target) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: open a trace (or pick one in the Explorer) to promote it to a training set.'));
    return undefined;
  }
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: {0} is not a file on disk; only files on disk can be promoted.', target.toString(true)));
    return undefined;
  }
  const folder = vscode.workspace.getWorkspaceFolder(target) ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: open a folder first; training sets are stored in it (setting agentTraceDebugger.trainingSetsFolder).'));
    return undefined;
  }
  const tracePath = target.fsPath;
  if (!(await saveUnsavedAnnotations(target, choice?.saveDirty))) return undefined;

  const root = setsRootFor(folder);
  const picked = choice ? fromChoice(root, choice) : await askForSet(root);
  if (!picked) return undefined;

  const newSet = !existsSync(join(picked.dir, 'set.json'));
  let outcome: PromoteOutcome;
  try {
    outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Promoting {0} to training set "{1}"…', basename(tracePath), basename(picked.dir)) },
      async () => {
        // The promotion is synchronous work: let the notification render first.
        await new Promise((r) => setTimeout(r, 0));
        return promote({ trace: tracePath, annotations: existingSidecarFor(target), set: picked.dir, format: picked.format, sharegpt: picked.sharegpt, traceIndex: typeof traceIndex === 'number' ? traceIndex : undefined, includeFailed: choice?.includeFailed, taxonomy: configuredTaxonomy(), acceptChangedTrace: choice?.acceptChangedTrace, ...trainingLength(target), maskPrivate: maskPrivateData(target), refusedByTemplate: refusedByTemplate(target) });
      },
    );
  } catch (e) {
    if (newSet) removeEmptyNewSet(picked.dir);
    const problems: Problem[] = isUserInputError(e) ? e.problems : [{ file: tracePath, message: e instanceof Error ? e.message : String(e) }];
    if (!isUserInputError(e)) outputChannel().appendLine(`[promote] unexpected failure: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    reportErrors(`could not promote ${basename(tracePath)}`, problems);
    return { setDir: picked.dir, trace: tracePath, errors: problems, warnings: [] };
  }
  if (outcome.changedTrace) {
    // Refused before anything was written: ask, and promote again only if the user confirms.
    if (!(await confirmChangedTrace(tracePath))) return { ...outcome, setDir: picked.dir, trace: tracePath };
    return promoteWithUi(target, traceIndex, { set: picked.dir, format: picked.format, sharegpt: picked.sharegpt, saveDirty: false, includeFailed: choice?.includeFailed, acceptChangedTrace: true });
  }
  viewProvider?.refresh();
  const result: PromoteUiResult = { ...outcome, setDir: picked.dir, trace: tracePath };
  if (outcome.errors.length) {
    if (newSet) removeEmptyNewSet(picked.dir);
    const retry = outcome.failedRuns?.length && !choice?.includeFailed ? () => void promoteWithUi(target, traceIndex, { set: picked.dir, format: picked.format, sharegpt: picked.sharegpt, saveDirty: false, includeFailed: true }) : undefined;
    reportErrors(`nothing promoted from ${basename(tracePath)}: ${plural(outcome.errors.length, 'problem')} in the examples`, outcome.errors, outcome.warnings, retry);
    return result;
  }
  if (outcome.warnings.length) reportWarnings(basename(tracePath), outcome.warnings);
  if (outcome.result) {
    const added = DATA_FILES.filter((f) => outcome.result!.added[f] > 0).map((f) => `${f} +${outcome.result!.added[f]}`).join(', ') || 'no examples';
    const replaced = outcome.result.replaced ? ` (replacing ${plural(outcome.result.replaced, 'earlier example')} of this trace)` : '';
    const name = outcome.config?.name ?? basename(picked.dir);
    const failed = outcome.failedRuns?.length ?? 0;
    const leftOut = failed ? ` ${plural(failed, 'failed run')} left out of the demonstrations.` : '';
    const reveal = vscode.l10n.t('Reveal');
    const actions = failed ? [reveal, INCLUDE_FAILED] : [reveal];
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: promoted {0} into "{1}": {2}{3}.{4}', basename(tracePath), name, added, replaced, leftOut), ...actions).then((action) => {
      if (action === reveal) void viewProvider?.revealSet(picked.dir);
      // Re-promoting replaces this trace's examples, so this adds the failed runs' demonstrations without duplicates.
      if (action === INCLUDE_FAILED) void promoteWithUi(target, traceIndex, { set: picked.dir, saveDirty: false, includeFailed: true });
    });
  }
  return result;
}

const PROMOTE_ANYWAY = 'Promote Anyway';

/** The sidecar was written for other trace bytes: its tags and corrections may sit on other steps. */
async function confirmChangedTrace(tracePath: string): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('The annotations of {0} were written for a different version of it.', basename(tracePath)),
    { modal: true, detail: vscode.l10n.t('Their tags and corrections may point at other steps than the ones you reviewed. Open the trace in the Trace Debugger to check them and save, or promote anyway.') },
    PROMOTE_ANYWAY,
  );
  return answer === PROMOTE_ANYWAY;
}

/**
 * Opening a set creates its set.json before the examples are validated. When a promotion into
 * a set that did not exist fails, take back exactly that (only if nothing else is in the
 * folder), so a failed attempt does not leave an empty set in the view.
 */
function removeEmptyNewSet(dir: string): void {
  try {
    if (readdirSync(dir).every((f) => f === 'set.json')) {
      rmSync(join(dir, 'set.json'), { force: true });
      rmdirSync(dir);
    }
  } catch { /* best effort: an empty set is harmless */ }
}

/** The trace to promote: the argument, else the active trace editor's tab, else the active text document. */
function traceUriFrom(uri: unknown): vscode.Uri | undefined {
  let target: vscode.Uri | undefined;
  if (uri instanceof vscode.Uri) target = uri;
  else {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputCustom && (input.viewType === TRACE_EDITOR_VIEW_TYPE || input.viewType === TRACE_EDITOR_ANY_JSON_VIEW_TYPE)) target = input.uri;
    else target = vscode.window.activeTextEditor?.document.uri;
  }
  // Promoting from the sidecar itself means its trace.
  if (target?.scheme === 'file' && target.path.endsWith(SIDECAR_SUFFIX)) {
    const tracePath = target.fsPath.slice(0, -SIDECAR_SUFFIX.length);
    if (existsSync(tracePath)) return vscode.Uri.file(tracePath);
  }
  return target;
}

/**
 * The trace's annotations may be unsaved: in the trace editor (its tab is dirty) or in a text
 * editor on the sidecar. Offer to save them; promotion reads from disk. False = cancelled.
 */
async function saveUnsavedAnnotations(trace: vscode.Uri, saveDirty: boolean | undefined): Promise<boolean> {
  const sidecar = vscode.Uri.file(sidecarLocationFor(trace).path);
  const same = (a: vscode.Uri, b: vscode.Uri): boolean => a.toString() === b.toString();
  const concerns = (u: vscode.Uri): boolean => same(u, trace) || same(u, sidecar);
  // Text documents save themselves (open or not in an editor); a custom editor (the trace
  // editor's annotation edits) is saved through its tab's resource.
  const dirtyTexts = vscode.workspace.textDocuments.filter((d) => d.isDirty && concerns(d.uri));
  const dirtyEditors = new Map<string, vscode.Uri>();
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.isDirty && tab.input instanceof vscode.TabInputCustom && concerns(tab.input.uri)) dirtyEditors.set(tab.input.uri.toString(), tab.input.uri);
    }
  }
  if (dirtyTexts.length === 0 && dirtyEditors.size === 0) return true;
  let save = saveDirty;
  if (save === undefined) {
    const saveAndPromote = vscode.l10n.t('Save and Promote');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} has unsaved annotation changes. Promotion reads the saved annotations.', basename(trace.fsPath)),
      { modal: true, detail: vscode.l10n.t('Save them and promote, or cancel.') },
      saveAndPromote,
    );
    if (answer !== saveAndPromote) return false;
    save = true;
  }
  if (!save) return true;
  const failed: string[] = [];
  for (const doc of dirtyTexts) if (!(await doc.save())) failed.push(vscode.workspace.asRelativePath(doc.uri));
  for (const u of dirtyEditors.values()) if (!(await vscode.workspace.save(u))) failed.push(vscode.workspace.asRelativePath(u));
  if (failed.length) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: could not save {0}; nothing promoted.', failed.join(', ')));
    return false;
  }
  return true;
}

export interface PickedSet {
  dir: string;
  format?: ExportFormat;
  sharegpt?: boolean;
}

export function fromChoice(root: string, choice: Pick<PromoteChoice, 'set' | 'format' | 'sharegpt'>): PickedSet {
  const dir = choice.set.startsWith('/') || /^[A-Za-z]:[\\/]/.test(choice.set) ? choice.set : join(root, choice.set);
  return { dir, format: choice.format, sharegpt: choice.sharegpt };
}

const NEW_SET = 'new';

/** Pick an existing set under `root` or name a new one (format, ShareGPT); `texts` titles the first pick (default: promotion's). */
export async function askForSet(root: string, texts?: { title: string; placeHolder: string }): Promise<PickedSet | undefined> {
  const sets = listSets(root);
  type Item = vscode.QuickPickItem & { dir?: string };
  const items: Item[] = [
    ...sets.map((s): Item => ({ label: s.name, description: formatLabel(s.config), detail: countsDescription(s.files), dir: s.dir })),
    ...(sets.length ? [{ label: '', kind: vscode.QuickPickItemKind.Separator } as Item] : []),
    { label: `$(add) ${vscode.l10n.t('New training set…')}`, description: vscode.l10n.t('in {0}', vscode.workspace.asRelativePath(root)), dir: NEW_SET },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: texts?.title ?? vscode.l10n.t('Promote to Training Set'), placeHolder: texts?.placeHolder ?? vscode.l10n.t('Add the corrected trajectory to which training set?'), ignoreFocusOut: true });
  if (!pick?.dir) return undefined;
  if (pick.dir !== NEW_SET) return { dir: pick.dir };

  const taken = new Set(sets.map((s) => basename(s.dir)));
  const name = await vscode.window.showInputBox({
    title: vscode.l10n.t('New Training Set (1/3): name'),
    prompt: vscode.l10n.t('A folder of this name is created in {0}.', vscode.workspace.asRelativePath(root)),
    placeHolder: vscode.l10n.t('e.g. gaia-tool-errors'),
    ignoreFocusOut: true,
    validateInput: (v) => setNameProblem(v) ?? (taken.has(v.trim()) ? `A set named "${v.trim()}" exists; pick it from the list instead.` : existsSync(join(root, v.trim())) ? `${v.trim()} exists in the sets folder and is not a training set; choose another name.` : undefined),
  });
  if (name === undefined) return undefined;
  const format = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('OpenAI chat'), description: 'openai', detail: vscode.l10n.t('messages with tools; arguments as JSON strings; weight 0 on faulty turns'), format: 'openai' as const },
      { label: vscode.l10n.t('Hugging Face TRL'), description: 'trl', detail: vscode.l10n.t('conversational prompt-completion, DPO pairs and stepwise supervision; arguments as objects'), format: 'trl' as const },
    ],
    { title: vscode.l10n.t('New Training Set (2/3): format'), placeHolder: vscode.l10n.t('Export format of the set'), ignoreFocusOut: true },
  );
  if (!format) return undefined;
  const sharegpt = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('No'), detail: vscode.l10n.t('Only the chosen format'), value: false },
      { label: vscode.l10n.t('Yes, also write LLaMA-Factory ShareGPT'), detail: vscode.l10n.t('sharegpt.jsonl and dataset_info.json'), value: true },
    ],
    { title: vscode.l10n.t('New Training Set (3/3): LLaMA-Factory'), placeHolder: vscode.l10n.t('Also write LLaMA-Factory ShareGPT?'), ignoreFocusOut: true },
  );
  if (!sharegpt) return undefined;
  return { dir: join(root, name.trim()), format: format.format, sharegpt: sharegpt.value };
}

function reportErrors(summary: string, problems: Problem[], warnings: Problem[] = [], includeFailed?: () => void): void {
  const channel = outputChannel();
  channel.appendLine(`[promote] ${summary}:`);
  for (const p of problems) channel.appendLine(`  error: ${formatProblem(p)}`);
  for (const p of warnings) channel.appendLine(`  warning: ${formatProblem(p)}`);
  const first = problems.slice(0, PROBLEMS_IN_MESSAGE).map(formatProblem).join(' | ');
  const more = problems.length > PROBLEMS_IN_MESSAGE ? ` (and ${problems.length - PROBLEMS_IN_MESSAGE} more)` : '';
  const showAll = vscode.l10n.t('Show All');
  void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: {0}. {1}{2}', summary, first, more), showAll, ...(includeFailed ? [INCLUDE_FAILED] : [])).then((a) => {
    if (a === showAll) channel.show(true);
    if (a === INCLUDE_FAILED) includeFailed?.();
  });
}

/**
 * The notification summarises the warnings by kind (a benchmark file can warn thousands of
 * times about a few things); "Show All" opens the output channel, which lists every one.
 */
function reportWarnings(trace: string, warnings: Problem[]): void {
  const channel = outputChannel();
  const kinds = summariseWarnings(warnings);
  channel.appendLine(`[promote] ${trace}: promoted with ${plural(warnings.length, 'warning')} of ${plural(kinds.length, 'kind')}:`);
  for (const k of kinds) channel.appendLine(`  ${k.count} × ${k.kind}`);
  for (const p of warnings) channel.appendLine(`  warning: ${formatProblem(p)}`);
  const top = kinds.slice(0, PROBLEMS_IN_MESSAGE).map((k) => `${k.count} × ${k.kind}`).join(' | ');
  const more = kinds.length > PROBLEMS_IN_MESSAGE ? ` (and ${plural(kinds.length - PROBLEMS_IN_MESSAGE, 'more kind')})` : '';
  const showAll = vscode.l10n.t('Show All');
  void vscode.window.showWarningMessage(vscode.l10n.t('Agent Trace: {0} promoted with {1}: {2}{3}', trace, plural(warnings.length, 'warning'), top, more), showAll).then((a) => {
    if (a === showAll) channel.show(true);
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
