/**
 * Entry point. Activation only wires features (each in its own folder with an activateX); none
 * of them reads the workspace here. The extension activates through its contributions (opening a
 * trace editor, a view, a command), never on every JSON document. The Agent Traces view scans when
 * it is first shown, and text documents are analysed in the background after a debounce.
 */
import * as vscode from 'vscode';
import { setExtensionMode } from './trusted-args';
import { activateAnnotations } from './annotations';
import { startTraceWorker } from '../core/engine/worker/spawn';
import { AnalysisService } from './analysis/service';
import { TraceWorkerClient } from '../core/engine/worker/client';
import { activateCommands } from './commands';
import { activateDebugger } from './debug';
import { getTraceEditorProvider, registerTraceEditor } from './editor';
import { activateAnyJsonEditor } from './editor-any-json';
import { initSessionFolders } from './session-folders';
import { initSidecarStorage } from './sidecar-storage';
import { activateReceiver, type ReceiverApi } from './receiver';
import { activateQuery } from './query';
import { activateCurate } from './curate';
import { activateTraceExplorer } from './explorer';
import { activateCompare } from './compare';
import { activateClustersView, type ClustersTreeProvider } from './clusters';
import { activateDetectorReport } from './detector-report';
import { activateTestHooks } from './test-hooks';
import { activateTextEditorFeatures } from './text';
import { activateTrainingSets, type TrainingSetsApi } from './training-sets';
import { activateSessionsView, type SessionsTreeProvider } from './views/sessions-view';
import { activateTracesView, type TracesTreeProvider } from './views/traces-view';

/** What activate() returns in Test mode only, for the integration tests (`extension.exports`). */
export interface ExtensionApi {
  traces: TracesTreeProvider;
  sessions: SessionsTreeProvider;
  trainingSets: TrainingSetsApi;
  /** The trace editor's provider (tests drive hot exit through its backupCustomDocument/openCustomDocument). */
  traceEditor: () => ReturnType<typeof getTraceEditorProvider>;
  /** The OTLP receiver's state (port, status bar text, refused requests). */
  receiver: ReceiverApi;
  /** The Failure Clusters view. */
  clusters: ClustersTreeProvider;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi | undefined {
  // Arguments from other extensions are confirmed with the user, except in the integration tests.
  setExtensionMode(context.extensionMode);
  initSidecarStorage(context);
  initSessionFolders(context);
  context.subscriptions.push(...registerTraceEditor(context));
  activateAnyJsonEditor(context);
  // One worker for the views' and the diagnostics' analyses; the trace editor reads each file in a
  // document worker of its own, and hands its analysis over (no second parse for the view).
  const worker = new TraceWorkerClient(() => startTraceWorker(vscode.Uri.joinPath(context.extensionUri, 'dist', 'trace-worker.js').fsPath));
  context.subscriptions.push({ dispose: () => worker.dispose() });
  const analysis = new AnalysisService(worker);
  context.subscriptions.push(analysis);
  const editorProvider = getTraceEditorProvider();
  if (editorProvider) context.subscriptions.push(editorProvider.onDidReadFile((r) => analysis.rememberFile(r.uri, r.stat, r.outcome, r.taxonomy)));
  const text = activateTextEditorFeatures(context, analysis);
  activateCommands(context, text);
  activateAnnotations(context, (editor) => text.stepAt(editor));
  const traces = activateTracesView(context, analysis);
  const sessions = activateSessionsView(context, analysis);
  const trainingSets = activateTrainingSets(context);
  activateDebugger(context);
  const receiver = activateReceiver(context, traces);
  // A second worker, started on first use, indexes the workspace's records beside the first (a
  // cold index of thousands of files is CPU-bound; the machine has at least two cores).
  const indexWorker = new TraceWorkerClient(() => startTraceWorker(vscode.Uri.joinPath(context.extensionUri, 'dist', 'trace-worker.js').fsPath));
  context.subscriptions.push({ dispose: () => indexWorker.dispose() });
  const queries = activateQuery(context, { files: () => traces.files(), worker, indexWorkers: [worker, indexWorker] });
  activateCurate(context, queries, trainingSets.view);
  const compare = activateCompare(context, worker, queries);
  activateTraceExplorer(context, queries);
  const clusters = activateClustersView(context, () => traces.files(), worker);
  activateDetectorReport(context, () => traces.files(), worker);
  activateTestHooks(context, compare);
  // Other extensions get no handle on our internals: the API exists for the integration tests only.
  return context.extensionMode === vscode.ExtensionMode.Test ? { traces, sessions, trainingSets, traceEditor: getTraceEditorProvider, receiver, clusters } : undefined;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
