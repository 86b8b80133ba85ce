/**
 * "Agent Trace: Show Detector Report" (the workspace) and "Agent Trace: Detector Report for Folder"
 * (the Explorer's folder context menu): precision and recall of every detector rule and category
 * against the human judgements in the traces (src/core/detector-eval, the figures of
 * `agent-trace eval-detectors`), as Markdown in VS Code's Markdown preview.
 *
 * The files are evaluated in the trace worker in chunks (one job each), so the host's thread stays
 * free, a notification shows how far it is, and Cancel stops it (the running job's worker is
 * ended). The chunks are added up with mergeEvaluations. The report is a file in the extension's
 * storage, written again on Refresh (the preview follows it); its step links are relative paths to
 * the trace files with `#L<line>`, which the preview opens at the step's line.
 */
import { dirname, relative } from 'node:path';
import * as vscode from 'vscode';
import { type DetectorEvaluation, type StepAddress } from '../../core/detector-eval';
import { mergeEvaluations } from '../../core/detector-eval/merge';
import { detectorReportMarkdown, type StepTarget } from '../../core/detector-eval/report-markdown';
import { JobCancelledError, type TraceWorkerClient } from '../../core/engine/worker/client';
import { stepLineKey, taxonomyFor, type DetectorEvalResult } from '../../core/engine/worker/jobs';
import { COMMANDS } from '../ids';
import { configuredTaxonomySpec, maxFileBytes, maxUnzippedBytes } from '../settings';

/** Files per worker job: small enough for steady progress and a quick cancel. */
const CHUNK_FILES = 16;
/** Step links listed per count. */
const MAX_EXAMPLES = 20;
export const REPORT_FILE_NAME = 'detector-report.md';

export type ReportScope = { kind: 'workspace' } | { kind: 'folder'; uri: vscode.Uri };

/** What the command returns (the integration tests read it). */
export interface DetectorReportResult {
  /** The report's file (shown in the Markdown preview). */
  uri: vscode.Uri;
  markdown: string;
  evaluation: DetectorEvaluation;
  /** The trace files evaluated. */
  paths: string[];
}

export class DetectorReport {
  private lastScope: ReportScope = { kind: 'workspace' };

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly files: () => Promise<vscode.Uri[]>,
    private readonly worker: TraceWorkerClient,
  ) {}

  get reportUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.storageUri ?? this.context.globalStorageUri, REPORT_FILE_NAME);
  }

  /** Compute the report for the scope and show it; undefined when cancelled. */
  async show(scope: ReportScope, options: { preview?: boolean } = {}): Promise<DetectorReportResult | undefined> {
    this.lastScope = scope;
    let result: DetectorReportResult | undefined;
    try {
      result = await vscode.window.withProgress({
        location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Detector Report'), cancellable: true,
      }, (progress, token) => this.compute(scope, progress, token));
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: the Detector Report could not be computed: {0}', e instanceof Error ? e.message : String(e)));
      return undefined;
    }
    if (!result) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: the Detector Report was cancelled.'));
      return undefined;
    }
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(this.reportUri, '..'));
    await vscode.workspace.fs.writeFile(this.reportUri, new TextEncoder().encode(result.markdown));
    if (options.preview !== false) await vscode.commands.executeCommand('markdown.showPreview', this.reportUri);
    return result;
  }

  /** The last scope again (the Refresh button and command). */
  refresh(): Promise<DetectorReportResult | undefined> {
    return this.show(this.lastScope);
  }

  private async compute(scope: ReportScope, progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<DetectorReportResult | undefined> {
    const spec = configuredTaxonomySpec();
    const taxonomy = taxonomyFor(spec);
    try {
      progress.report({ message: vscode.l10n.t('Finding trace files…') });
      let paths: string[];
      const listProblems: string[] = [];
      if (scope.kind === 'folder') {
        const listed = await this.worker.run('traceFilesUnder', { folders: [scope.uri.fsPath] }, token);
        paths = listed.files;
        listProblems.push(...listed.problems);
      } else {
        paths = (await this.files()).filter((u) => u.scheme === 'file').map((u) => u.fsPath);
      }
      if (token.isCancellationRequested) return undefined;
      const parts: DetectorEvalResult[] = [];
      for (let i = 0; i < paths.length; i += CHUNK_FILES) {
        progress.report({ message: vscode.l10n.t('{0} of {1} files', Math.min(paths.length, i + CHUNK_FILES), paths.length) });
        parts.push(await this.worker.run('evaluateDetectors', {
          paths: paths.slice(i, i + CHUNK_FILES), taxonomy: spec, maxBytes: maxFileBytes(), maxUnzippedBytes: maxUnzippedBytes(), maxExamples: MAX_EXAMPLES,
        }, token));
        progress.report({ increment: (100 * Math.min(CHUNK_FILES, paths.length - i)) / paths.length });
      }
      const evaluation = parts.length
        ? mergeEvaluations(parts.map((p) => p.evaluation), { maxExamples: MAX_EXAMPLES })
        // No files: the figures of nothing (every rule's row, all zero).
        : (await this.worker.run('evaluateDetectors', { paths: [], taxonomy: spec, maxBytes: maxFileBytes(), maxExamples: MAX_EXAMPLES }, token)).evaluation;
      const steps = Object.assign({}, ...parts.map((p) => p.steps)) as DetectorEvalResult['steps'];
      const reportDir = dirname(this.reportUri.fsPath);
      const target = (a: StepAddress): StepTarget => {
        const step = steps[stepLineKey(a.file, a.traceIndex, a.stepId)];
        return { path: relative(reportDir, a.file), line: step?.line, label: vscode.workspace.asRelativePath(a.file), name: step?.name };
      };
      const markdown = detectorReportMarkdown({
        evaluation,
        scope: scope.kind === 'folder' ? vscode.workspace.asRelativePath(scope.uri) : vscode.l10n.t('the workspace ({0})', vscode.workspace.name ?? ''),
        taxonomyName: taxonomy.name,
        attribution: taxonomy.id === 'trail' ? 'observation' : 'cause',
        files: parts.reduce((n, p) => n + p.files, 0),
        skipped: parts.flatMap((p) => p.skipped).map((s) => ({ ...s, file: vscode.workspace.asRelativePath(s.file) })),
        problems: [...listProblems, ...parts.flatMap((p) => p.problems)],
        target,
        maxExamples: MAX_EXAMPLES,
        computedAt: new Date().toLocaleString(),
        refreshHint: 'Agent Trace: Refresh Detector Report',
      });
      return { uri: this.reportUri, markdown, evaluation, paths };
    } catch (e) {
      if (e instanceof JobCancelledError || token.isCancellationRequested) return undefined;
      throw e;
    }
  }
}

function isReportTab(tab: vscode.Tab | undefined): boolean {
  // The Markdown preview is a webview tab labelled "Preview <file name>".
  return tab?.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('markdown.preview') && tab.label.endsWith(REPORT_FILE_NAME);
}

export function activateDetectorReport(context: vscode.ExtensionContext, files: () => Promise<vscode.Uri[]>, worker: TraceWorkerClient): DetectorReport {
  const report = new DetectorReport(context, files, worker);
  const setActive = (): void => {
    // While the report's preview is the active tab, its title bar has Refresh.
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.detectorReportActive', isReportTab(vscode.window.tabGroups.activeTabGroup.activeTab));
  };
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.showDetectorReport, () => report.show({ kind: 'workspace' })),
    vscode.commands.registerCommand(COMMANDS.detectorReportForFolder, async (uri?: vscode.Uri) => {
      const folder = uri instanceof vscode.Uri ? uri : (await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Detector Report'),
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      }))?.[0];
      if (!folder) return undefined;
      if (folder.scheme !== 'file') {
        void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: {0} is not a folder on disk; the Detector Report reads folders on disk.', folder.toString()));
        return undefined;
      }
      return report.show({ kind: 'folder', uri: folder });
    }),
    vscode.commands.registerCommand(COMMANDS.refreshDetectorReport, () => report.refresh()),
    vscode.window.tabGroups.onDidChangeTabs(setActive),
    vscode.window.tabGroups.onDidChangeTabGroups(setActive),
  );
  return report;
}
