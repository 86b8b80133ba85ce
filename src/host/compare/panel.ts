/**
 * The Compare Traces view: one webview panel showing two runs aligned pair by pair (like VS
 * Code's diff editor). Both runs are read by document workers, as the trace editor reads a file
 * (so their findings and tags come with them); the alignment comes from the trace worker. The
 * panel's HTML and CSP are the trace editor's (src/host/editor/html.ts); its page asks for pages
 * of pairs through the typed protocol in src/protocol/compare.ts.
 */
import { basename } from 'node:path';
import { startTraceWorker } from '../../core/engine/worker/spawn';
import * as vscode from 'vscode';
import { correctedTrajectory } from '../../core/compare';
import { sidecarPathFor } from '../../core/annotations';
import { DocumentWorkerClient } from '../../core/engine/worker/document-client';
import type { CompareResult } from '../../core/engine/worker/jobs';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import { RpcEndpoint } from '../../protocol';
import { CompareNavigate, CompareReady, GetCompareState, type CompareRestoreSpec, type CompareViewState } from '../../protocol/compare';
import { renderShell } from '../editor/html';
import { TraceFile } from '../editor/trace-file';
import { TraceFileReader } from '../editor/trace-file-reader';
import { COMPARE_VIEW_TYPE } from '../ids';
import { configuredTaxonomy, configuredTaxonomySpec, maxUnzippedBytes } from '../settings';
import { sidecarLocationFor, sidecarReaderFor } from '../sidecar-storage';
import { bindCompareHandlers, type CompareActions } from './handlers';
import { CompareModel, type CompareSource } from './model';

const REQUEST_TIMEOUT_MS = 10_000;

/** One side to compare: a file, the run in it, and whether to compare its corrected trajectory. */
export interface CompareSideSpec {
  uri: vscode.Uri;
  traceIndex: number;
  corrected?: boolean;
}

export class ComparePanel {
  private readonly rpc: RpcEndpoint;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** The pair the page has selected (for Open Side by Side from the palette). */
  selectedPair: number | null = null;

  constructor(readonly panel: vscode.WebviewPanel, readonly model: CompareModel, readonly sides: [CompareSideSpec, CompareSideSpec], actions: CompareActions, extensionUri: vscode.Uri, onDispose: () => void) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    const uri = (base: vscode.Uri, ...p: string[]): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(base, ...p)).toString();
    this.rpc = new RpcEndpoint({
      send: (m) => { void panel.webview.postMessage(m); },
      timeoutMs: REQUEST_TIMEOUT_MS,
      onHandlerError: (method, e) => console.error(`[agent-trace-debugger] ${method} failed:`, e),
    });
    bindCompareHandlers(this.rpc, model, {
      ...actions,
      pairSelected: (pair) => { this.selectedPair = pair; actions.pairSelected?.(pair); },
    }, restoreSpecOf(sides));
    this.disposables.push(panel.webview.onDidReceiveMessage((m) => {
      // The page's first request; a second one comes from a reloaded page that knows nothing of earlier requests.
      if (typeof m === 'object' && m !== null && (m as { method?: unknown }).method === CompareReady.method) {
        if (this.ready) this.rpc.cancelPending('the compare view was reloaded');
        this.ready = true;
      }
      this.rpc.handle(m);
    }));
    panel.webview.html = renderShell({
      cspSource: panel.webview.cspSource,
      scriptUri: uri(dist, 'compare-webview.js'),
      styleUris: [uri(dist, 'codicons', 'codicon.css'), uri(media, 'trace-editor.css'), uri(media, 'compare-view.css')],
      title: panel.title,
    });
    panel.onDidDispose(() => {
      this.dispose();
      onDispose();
    }, undefined, this.disposables);
  }

  /** Alt+F5 / Shift+Alt+F5 while the view is active. */
  navigate(direction: 1 | -1): void {
    if (this.ready) this.rpc.sendNotification(CompareNavigate, { direction });
  }

  /** What the page shows (the integration tests). */
  async getState(timeoutMs = 5000): Promise<CompareViewState> {
    if (!this.ready) throw new Error('the compare view has not loaded yet');
    return this.rpc.sendRequest(GetCompareState, {}, { timeoutMs });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rpc.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The sides as the page keeps them for a reload. */
function restoreSpecOf(sides: [CompareSideSpec, CompareSideSpec]): CompareRestoreSpec {
  const spec = (s: CompareSideSpec): CompareRestoreSpec['sides'][0] => ({ uri: s.uri.toString(), traceIndex: s.traceIndex, corrected: s.corrected === true });
  return { sides: [spec(sides[0]), spec(sides[1])] };
}

/**
 * The sides a restored page kept in its state (webview state is the page's: checked, not
 * trusted), or undefined when it holds none that can be opened.
 */
export function sidesOfRestoredState(state: unknown): [CompareSideSpec, CompareSideSpec] | undefined {
  const sides = (state as { restore?: { sides?: unknown } } | undefined)?.restore?.sides;
  if (!Array.isArray(sides) || sides.length !== 2) return undefined;
  const out: CompareSideSpec[] = [];
  for (const [i, s] of sides.entries()) {
    const { uri, traceIndex, corrected } = (s ?? {}) as { uri?: unknown; traceIndex?: unknown; corrected?: unknown };
    if (typeof uri !== 'string' || typeof traceIndex !== 'number' || !Number.isInteger(traceIndex) || traceIndex < 0) return undefined;
    let parsed: vscode.Uri;
    try { parsed = vscode.Uri.parse(uri, true); } catch { return undefined; }
    if (parsed.scheme !== 'file') return undefined;
    // Only the second side can be a corrected trajectory.
    out.push({ uri: parsed, traceIndex, ...(i === 1 && corrected === true ? { corrected: true } : {}) });
  }
  return [out[0], out[1]];
}

/** Open the view on two runs and their alignment; `restored`: the panel VS Code brings back after a reload. */
export async function openComparePanel(extensionUri: vscode.Uri, sides: [CompareSideSpec, CompareSideSpec], result: CompareResult, actions: CompareActions, onDispose: (p: ComparePanel) => void, restored?: vscode.WebviewPanel): Promise<ComparePanel | { error: string }> {
  // Two runs of one file (or a run and its corrected trajectory) share one read of the file.
  const files = new Map<string, Promise<TraceFile>>();
  const fileOf = (uri: vscode.Uri): Promise<TraceFile> => {
    let f = files.get(uri.toString());
    if (!f) files.set(uri.toString(), (f = readTraceFile(extensionUri, uri)));
    return f;
  };
  const sources = await Promise.all(sides.map(async (s) => sourceOf(await fileOf(s.uri), s)));
  const failed = sources.find((s): s is { error: string } => 'error' in s);
  if (failed) return failed;
  const model = new CompareModel(sources as [CompareSource, CompareSource], result);
  const title = sides[1].corrected
    ? vscode.l10n.t('{0} ↔ corrected', basename(sides[0].uri.fsPath))
    : sides[0].uri.toString() === sides[1].uri.toString()
      ? vscode.l10n.t('{0} #{1} ↔ #{2}', basename(sides[0].uri.fsPath), sides[0].traceIndex + 1, sides[1].traceIndex + 1)
      : `${basename(sides[0].uri.fsPath)} ↔ ${basename(sides[1].uri.fsPath)}`;
  const panel = restored ?? vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, title, vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
  panel.title = title;
  const view: ComparePanel = new ComparePanel(panel, model, sides, actions, extensionUri, () => onDispose(view));
  return view;
}

/** A trace file read by a document worker (off the host's thread, as the trace editor reads it), with its findings and its sidecar's tags. */
async function readTraceFile(extensionUri: vscode.Uri, uri: vscode.Uri): Promise<TraceFile> {
  const sidecar = sidecarLocationFor(uri);
  const file = TraceFile.opening(uri.fsPath, { taxonomy: configuredTaxonomy(), maxUnzippedBytes: maxUnzippedBytes(), readSidecar: sidecarReaderFor(sidecar), sidecarPath: sidecar.path });
  const workerPath = vscode.Uri.joinPath(extensionUri, 'dist', 'trace-worker.js').fsPath;
  const client = new DocumentWorkerClient(() => startTraceWorker(workerPath, 'document'), { path: uri.fsPath, taxonomy: configuredTaxonomySpec(), maxUnzippedBytes: maxUnzippedBytes() });
  const reader = new TraceFileReader(file, client, () => undefined);
  try {
    await reader.open().done;
  } finally {
    reader.dispose();
  }
  return file;
}

/**
 * One side: its run in the file read, or its corrected trajectory (the sidecar's corrections
 * applied by core/compare's correctedTrajectory, as the trace worker aligned it).
 */
function sourceOf(file: TraceFile, spec: CompareSideSpec): CompareSource | { error: string } {
  const path = spec.uri.fsPath;
  if (file.loadError) return { error: `${basename(path)}: ${file.loadError.problems.map((p) => p.message).join('; ')}` };
  const position = file.positionOfTrace(spec.traceIndex) ?? spec.traceIndex;
  const trace = file.traces[position];
  if (!trace) return { error: `${basename(path)} has no run #${spec.traceIndex}` };
  const displayFile = vscode.workspace.asRelativePath(spec.uri);
  if (!spec.corrected) return { file, position, trace, displayFile };
  const sidecar = file.annotations.sidecarPath;
  try {
    const c = correctedTrajectory(path, trace, sidecar === sidecarPathFor(path) ? undefined : sidecar);
    return { file, position, trace: c.trace, displayFile, corrected: new Set(c.corrected) };
  } catch (e) {
    if (isUserInputError(e)) return { error: e.problems.map(formatProblem).join('; ') };
    throw e;
  }
}
