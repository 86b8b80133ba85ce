/**
 * "Agent Trace: Build Training Set from Workspace…" (issue 14, section 6): ask for a query
 * (prefilled with the last one; a query that does not parse says at which column), pick a set
 * (an existing one or a new folder, as "Promote to Training Set" does), find the matching runs
 * with the workspace query service (its cached index), preview what curation would write (per
 * data file, category, tool and source, near-duplicates removed) in a modal, then write it in
 * one batch with a cancellable progress notification, and end with the set's name and count and
 * a "Reveal Set" action. The heavy work (src/core/curate, file by file) runs in the trace workers
 * (workers.ts), so the extension host never parses a trace; a cancel leaves the set as it was.
 *
 * Settings: `agentTraceDebugger.curate.maxExamples` (0: no cap) and
 * `agentTraceDebugger.curate.balance` (none | category | tool).
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { CurationCancelled, type CurateBalance, type CurateOptions, type CurationPlan, type CurationResult } from '../../core/curate';
import type { ExportFormat } from '../../core/export/encode';
import { DATA_FILES } from '../../core/training-set/store';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import { parseQuery, QuerySyntaxError } from '../../core/workspace/query';
import type { TraceQueryService } from '../query/service';
import { configuredTaxonomySpec, maskPrivateData, refusedByTemplate, trainingLength } from '../settings';
import { planInWorkers, writeInWorkers } from './workers';
import { withoutIcons } from '../plain-text';
import { askForSet, fromChoice, outputChannel, type PickedSet } from '../training-sets/promote-command';
import { setsRootFor, type TrainingSetsTreeProvider } from '../training-sets/view';

export const CURATE_COMMAND = 'agentTraceDebugger.buildTrainingSetFromWorkspace';
const LAST_QUERY_KEY = 'agentTraceDebugger.curate.lastQuery';

/** Answers to the prompts, for scripted use (the integration tests): nothing is asked. */
export interface CurateChoice {
  query: string;
  /** A set name (a folder under the sets folder) or an absolute folder path. */
  set: string;
  format?: ExportFormat;
  /** Overrides the settings. */
  max?: number;
  balance?: 'none' | CurateBalance;
  includeFailed?: boolean;
  /** Write without the preview's confirmation (true), or only preview (false). */
  confirm?: boolean;
  /** Cancel the write after this many runs were prepared (tests of cancel). */
  cancelAfterRuns?: number;
}

export interface CurateUiResult {
  setDir?: string;
  error?: { message: string; column?: number };
  preview?: Pick<CurationPlan, 'examples' | 'traces' | 'matched' | 'duplicatesRemoved' | 'cappedOut' | 'byFile' | 'byCategory' | 'byTool' | 'bySource' | 'byRank'> & { skipped: number };
  written?: number;
  unchanged?: number;
  cancelled?: boolean;
}

export function activateCurate(context: vscode.ExtensionContext, queries: TraceQueryService, view: TrainingSetsTreeProvider): void {
  context.subscriptions.push(vscode.commands.registerCommand(CURATE_COMMAND, (args?: CurateChoice) => (
    curateWithUi(context, queries, view, args && typeof args.query === 'string' && typeof args.set === 'string' ? args : undefined)
  )));
}

/** `agentTraceDebugger.curate.maxExamples` (0 or less: no cap) and `.balance`. */
function curateSettings(resource: vscode.Uri): { max?: number; balance?: CurateBalance } {
  const config = vscode.workspace.getConfiguration('agentTraceDebugger', resource);
  const max = config.get<number>('curate.maxExamples', 0);
  const balance = config.get<string>('curate.balance', 'none');
  return { max: Number.isInteger(max) && max > 0 ? max : undefined, balance: balance === 'category' || balance === 'tool' ? balance : undefined };
}

async function askQuery(context: vscode.ExtensionContext): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Build Training Set from Workspace (1/2): which runs?'),
    prompt: vscode.l10n.t('A query over the workspace\'s traces, as in Query Traces: e.g. outcome:success tool:search, corrected:yes, category:TOOL.TIMEOUT. Empty: every run.'),
    value: context.workspaceState.get<string>(LAST_QUERY_KEY, ''),
    ignoreFocusOut: true,
    validateInput: (text) => {
      try {
        parseQuery(text);
        return undefined;
      } catch (e) {
        if (!(e instanceof QuerySyntaxError)) throw e;
        return vscode.l10n.t('Column {0}: {1}', e.column, e.message);
      }
    },
  });
}

async function curateWithUi(context: vscode.ExtensionContext, queries: TraceQueryService, view: TrainingSetsTreeProvider, choice: CurateChoice | undefined): Promise<CurateUiResult | undefined> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: open a folder first; training sets are stored in it (setting agentTraceDebugger.trainingSetsFolder).'));
    return undefined;
  }
  const queryText = choice ? choice.query : await askQuery(context);
  if (queryText === undefined) return undefined;
  let query;
  try {
    query = parseQuery(queryText);
  } catch (e) {
    if (!(e instanceof QuerySyntaxError)) throw e;
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: the query does not parse at column {0}: {1}', e.column, e.message));
    return { error: { message: e.message, column: e.column } };
  }
  await context.workspaceState.update(LAST_QUERY_KEY, queryText);
  const root = setsRootFor(folder);
  const picked: PickedSet | undefined = choice ? fromChoice(root, choice) : await askForSet(root, { title: vscode.l10n.t('Build Training Set from Workspace (2/2): which set?'), placeHolder: vscode.l10n.t('Write the curated examples into which training set?') });
  if (!picked) return undefined;
  const settings = curateSettings(folder.uri);
  const balance = choice?.balance === undefined ? settings.balance : choice.balance === 'none' ? undefined : choice.balance;
  const options: CurateOptions = {
    paths: [], query: queryText, set: picked.dir, format: picked.format, sharegpt: picked.sharegpt,
    max: choice?.max ?? settings.max, balance, includeFailed: choice?.includeFailed,
    // The taxonomy (by its setting) and each file's sidecar are the workers' to resolve (workers.ts).
    maskPrivate: maskPrivateData(folder.uri), refusedByTemplate: refusedByTemplate(folder.uri), ...trainingLength(folder.uri),
  };
  const setName = basename(picked.dir);

  // 1. Which files hold matching runs (the query service's cached index), then the plan over them.
  let plan: CurationPlan;
  try {
    const planned = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Curating "{0}"', setName), cancellable: true },
      async (progress, token) => {
        progress.report({ message: vscode.l10n.t('finding the matching runs…') });
        const run = await queries.run(query, token, (message) => progress.report({ message }));
        if (token.isCancellationRequested) throw new CurationCancelled();
        const files = [...new Set(run.matches.map((m) => m.uri.fsPath))].sort();
        if (!files.length) return undefined;
        let last = 0;
        return planInWorkers(queries.workers, options, configuredTaxonomySpec(), files, token, (done, total) => {
          const pct = total ? Math.floor((100 * done) / total) : 0;
          progress.report({ message: vscode.l10n.t('reading {0} of {1} files', done, total), increment: pct - last });
          last = pct;
        });
      },
    );
    if (!planned) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: no trace matches {0}; nothing to curate.', queryText || vscode.l10n.t('the empty query')));
      return { setDir: picked.dir, preview: undefined };
    }
    plan = planned;
  } catch (e) {
    return failed(e, picked.dir);
  }
  const preview: CurateUiResult['preview'] = {
    examples: plan.examples, traces: plan.traces, matched: plan.matched, duplicatesRemoved: plan.duplicatesRemoved, cappedOut: plan.cappedOut,
    byFile: plan.byFile, byCategory: plan.byCategory, byTool: plan.byTool, bySource: plan.bySource, byRank: plan.byRank, skipped: plan.skipped.length,
  };
  logPlan(plan);
  if (plan.examples === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: {0} runs match, but none gives an example to write ({1} left out: see the "Agent Trace" output).', plan.matched, plan.skipped.length));
    return { setDir: picked.dir, preview };
  }
  // 2. The preview, confirmed.
  if (choice?.confirm === false) return { setDir: picked.dir, preview };
  if (choice?.confirm !== true) {
    const build = vscode.l10n.t('Build Set');
    const answer = await vscode.window.showInformationMessage(
      vscode.l10n.t('Write {0} examples from {1} runs into "{2}"?', plan.examples, plan.traces, setName),
      { modal: true, detail: previewDetail(plan) },
      build,
    );
    if (answer !== build) return { setDir: picked.dir, preview, cancelled: true };
  }
  // 3. The write, cancellable until the commit.
  let out: CurationResult;
  try {
    out = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Writing training set "{0}"', setName), cancellable: true },
      async (progress, token) => {
        // The user's Cancel, or the test hook's cancel after some runs: either stops before the commit.
        const cancel = new vscode.CancellationTokenSource();
        const stop = token.onCancellationRequested(() => cancel.cancel());
        let last = 0;
        try {
          return await writeInWorkers(queries.workers, plan, options, configuredTaxonomySpec(), cancel.token, (done, total) => {
            if (choice?.cancelAfterRuns !== undefined && done >= choice.cancelAfterRuns) cancel.cancel();
            const pct = total ? Math.floor((100 * done) / total) : 0;
            progress.report({ message: vscode.l10n.t('{0} of {1} runs', done, total), increment: pct - last });
            last = pct;
          });
        } finally {
          stop.dispose();
          cancel.dispose();
        }
      },
    );
  } catch (e) {
    return { ...failed(e, picked.dir), preview };
  }
  view.refresh();
  const name = out.plan.config.name;
  const message = out.result
    ? vscode.l10n.t('Agent Trace: training set "{0}" now holds {1} curated examples from {2} runs ({3} written, {4} already there unchanged).', name, plan.examples, plan.traces, out.written, out.unchanged)
    : vscode.l10n.t('Agent Trace: training set "{0}" already holds these {1} examples from {2} runs; nothing changed.', name, plan.examples, plan.traces);
  const reveal = vscode.l10n.t('Reveal Set');
  void vscode.window.showInformationMessage(message, reveal).then((a) => { if (a === reveal) void view.revealSet(picked.dir); });
  return { setDir: picked.dir, preview, written: out.written, unchanged: out.unchanged };
}

function failed(e: unknown, setDir: string): CurateUiResult {
  if (e instanceof CurationCancelled) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: curation cancelled; the training set was not changed.'));
    return { setDir, cancelled: true };
  }
  if (isUserInputError(e)) {
    const lines = e.problems.map(formatProblem);
    for (const l of lines) outputChannel().appendLine(`[curate] ${l}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: nothing curated: {0}', lines[0] ?? e.message));
    return { setDir, error: { message: lines.join('\n') } };
  }
  throw e;
}

/** Counts as lines, largest first, trace text without icon markup. */
function top(m: Record<string, number>, limit = 8): string {
  const rows = Object.entries(m);
  const shown = rows.slice(0, limit).map(([k, n]) => `${withoutIcons(k)} ${n}`).join(', ');
  return rows.length > limit ? vscode.l10n.t('{0}, and {1} more', shown, rows.length - limit) : shown;
}

function previewDetail(plan: CurationPlan): string {
  const files = DATA_FILES.filter((f) => plan.byFile[f]).map((f) => `${f} ${plan.byFile[f]}`).join(', ');
  const ranks = Object.entries(plan.byRank).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  return [
    vscode.l10n.t('{0} of {1} runs match; {2} near-duplicates removed; {3} over the cap; {4} without a valid example.', plan.matched, plan.runs, plan.duplicatesRemoved, plan.cappedOut, plan.skipped.length),
    vscode.l10n.t('Files: {0}', files),
    vscode.l10n.t('Rank: {0}', ranks),
    vscode.l10n.t('Categories: {0}', top(plan.byCategory)),
    vscode.l10n.t('Tools: {0}', top(plan.byTool)),
    vscode.l10n.t('Sources: {0}', top(plan.bySource)),
  ].join('\n');
}

/** The whole preview, and why runs were left out, in the "Agent Trace" output channel. */
function logPlan(plan: CurationPlan): void {
  const out = outputChannel();
  out.appendLine(`[curate] query ${JSON.stringify(plan.query)} into ${plan.set}: ${plan.examples} example(s) from ${plan.traces} run(s); ${plan.matched} of ${plan.runs} run(s) match; ${plan.duplicatesRemoved} near-duplicate(s) removed; ${plan.cappedOut} over the cap`);
  for (const [k, v] of Object.entries({ byFile: plan.byFile, byCategory: plan.byCategory, byTool: plan.byTool, bySource: plan.bySource, byRank: plan.byRank })) out.appendLine(`[curate]   ${k}: ${JSON.stringify(v)}`);
  for (const d of plan.duplicates) out.appendLine(`[curate]   near-duplicate ${d.removed} of ${d.keptAs}: left out`);
  for (const s of plan.skipped) out.appendLine(`[curate]   skipped ${s.run}: ${s.reason}`);
  for (const p of plan.problems) out.appendLine(`[curate]   ${p}`);
}
