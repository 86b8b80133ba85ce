/**
 * "Agent Trace: Open Trace Explorer": the workspace's traces as a table in a webview panel (issue
 * 14, section 2). The query box takes the language of `agent-trace query` and "Query Traces…";
 * columns sort; facet counts (outcomes, categories, tools, models, formats) add a term to the
 * query on click; Enter opens the trace at its first matching step. One panel per window: running
 * the command again reveals it (with the query given, when a caller passes one).
 */
import * as vscode from 'vscode';
import { RpcEndpoint } from '../../protocol/rpc';
import { ExplorerSetQuery, ExplorerStale, type ExplorerState } from '../../protocol/explorer';
import type { ExplorerMatch } from '../../core/workspace/explorer-table';
import { openInTraceDebugger } from '../commands';
import { renderShell } from '../editor/html';
import { COMMANDS } from '../ids';
import { configuredTaxonomy, traceGlob } from '../settings';
import { isCssVariableName } from '../../protocol/messages';
import type { TraceQueryService } from '../query/service';
import { bindExplorerHandlers, type ExplorerBackend, type ExplorerHandlers } from './handlers';

const VIEW_TYPE = 'agentTraceDebugger.traceExplorer';
const STATE_KEY = 'agentTraceDebugger.traceExplorer.state';
/** Requests the host sends the page (notifications only today) give up after this. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Trace files and sidecars that change within this pause are one refresh. */
const STALE_PAUSE_MS = 1_000;

/** What the integration tests get back from the command (Test mode only reads it). */
export interface TraceExplorerHandle {
  panel: vscode.WebviewPanel;
  current(): { runId: number; matches: readonly ExplorerMatch[] } | undefined;
  /** Open row `index` of the shown result, as Enter on it does. */
  open(index: number, toSide?: boolean): Promise<boolean>;
}

export function activateTraceExplorer(context: vscode.ExtensionContext, service: TraceQueryService): void {
  let open: ExplorerPanel | undefined;
  const adopt = (panel: ExplorerPanel): ExplorerPanel => {
    open = panel;
    panel.panel.onDidDispose(() => { if (open === panel) open = undefined; });
    return panel;
  };
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.openTraceExplorer, (query?: unknown): TraceExplorerHandle => {
      const wanted = typeof query === 'string' ? query : undefined;
      if (open) {
        open.panel.reveal();
        if (wanted !== undefined) open.setQuery(wanted);
      } else {
        adopt(new ExplorerPanel(context, service, wanted));
      }
      const shown = open as ExplorerPanel;
      return { panel: shown.panel, current: () => shown.handlers.current(), open: (index, toSide) => shown.handlers.open(index, toSide) };
    }),
    { dispose: () => open?.panel.dispose() },
    // A window reload brings the panel back (its page restores its query, sort and selection).
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        if (open) { panel.dispose(); return; }
        adopt(new ExplorerPanel(context, service, undefined, panel));
      },
    }),
  );
}

class ExplorerPanel {
  readonly panel: vscode.WebviewPanel;
  readonly handlers: ExplorerHandlers;
  private readonly rpc: RpcEndpoint;
  private readonly disposables: vscode.Disposable[] = [];
  private staleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The page asked for its initial state and has not been destroyed since (hidden panels are). */
  private pageLoaded = false;

  /** `restored`: the panel VS Code brings back after a window reload (else a new one is made). */
  constructor(private readonly context: vscode.ExtensionContext, service: TraceQueryService, private pendingQuery: string | undefined, restored?: vscode.WebviewPanel) {
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(context.extensionUri, 'media');
    const options = { enableScripts: true, localResourceRoots: [dist, media] };
    if (restored) restored.webview.options = options;
    this.panel = restored ?? vscode.window.createWebviewPanel(VIEW_TYPE, vscode.l10n.t('Trace Explorer'), vscode.ViewColumn.Active, {
      ...options,
      // Not retained when hidden: the page restores its query, sort and selection from its state.
      retainContextWhenHidden: false,
    });
    this.panel.iconPath = vscode.Uri.joinPath(media, 'activity-bar.svg');
    const uri = (base: vscode.Uri, ...p: string[]): string => this.panel.webview.asWebviewUri(vscode.Uri.joinPath(base, ...p)).toString();
    this.rpc = new RpcEndpoint({
      send: (m) => { void this.panel.webview.postMessage(m); },
      timeoutMs: REQUEST_TIMEOUT_MS,
      onHandlerError: (method, e) => console.error(`[agent-trace-debugger] ${method} failed:`, e),
    });
    this.handlers = bindExplorerHandlers(this.rpc, this.backend(service));
    this.disposables.push(this.panel.webview.onDidReceiveMessage((m) => this.rpc.handle(m)));
    this.panel.webview.html = renderShell({
      cspSource: this.panel.webview.cspSource,
      scriptUri: uri(dist, 'explorer.js'),
      styleUris: [uri(dist, 'codicons', 'codicon.css'), uri(media, 'trace-explorer.css')],
      title: vscode.l10n.t('Trace Explorer'),
    });
    this.watchForChanges();
    this.disposables.push(this.panel.onDidChangeViewState(() => { if (!this.panel.visible) this.pageLoaded = false; }));
    this.panel.onDidDispose(() => this.dispose());
  }

  /** Put `query` in the box and run it (the page asks for its initial state first, so a query given before it loaded waits there). */
  setQuery(query: string): void {
    if (this.pageLoaded) this.rpc.sendNotification(ExplorerSetQuery, { query });
    else this.pendingQuery = query;
  }

  private backend(service: TraceQueryService): ExplorerBackend {
    const byMatch = new WeakMap<ExplorerMatch, vscode.Uri>();
    return {
      run: async (query, signal, progress) => {
        const cancel = new vscode.CancellationTokenSource();
        const onAbort = (): void => cancel.cancel();
        signal.addEventListener('abort', onAbort);
        try {
          const run = await service.run(query, cancel.token, progress);
          const matches = run.matches.map((m) => {
            const match: ExplorerMatch = { record: m.record, file: vscode.workspace.asRelativePath(m.uri), stepId: m.stepId, runs: m.runs };
            byMatch.set(match, m.uri);
            return match;
          });
          return { matches, traces: run.traces, refusedFiles: run.refusedFiles };
        } finally {
          signal.removeEventListener('abort', onAbort);
          cancel.dispose();
        }
      },
      open: async (match, toSide) => {
        const uri = byMatch.get(match) ?? vscode.Uri.file(match.record.file);
        return openInTraceDebugger(uri, match.stepId ?? undefined, match.record.traceIndex, toSide ? { viewColumn: vscode.ViewColumn.Beside } : undefined);
      },
      initialState: () => this.context.workspaceState.get<ExplorerState>(STATE_KEY) ?? null,
      takeRequestedQuery: () => {
        this.pageLoaded = true;
        const query = this.pendingQuery ?? null;
        this.pendingQuery = undefined;
        return query;
      },
      saveState: (state) => { void this.context.workspaceState.update(STATE_KEY, state); },
      colorOf: (category) => {
        const color = configuredTaxonomy().get(category)?.color;
        return color && isCssVariableName(color) ? color : undefined;
      },
    };
  }

  /** Trace files and annotation sidecars that change make the shown result stale: the page runs its query again. */
  private watchForChanges(): void {
    const stale = (): void => {
      clearTimeout(this.staleTimer);
      this.staleTimer = setTimeout(() => this.rpc.sendNotification(ExplorerStale, {}), STALE_PAUSE_MS);
    };
    for (const glob of [traceGlob(), '**/*.annotations.json']) {
      const watcher = vscode.workspace.createFileSystemWatcher(glob);
      this.disposables.push(watcher, watcher.onDidCreate(stale), watcher.onDidChange(stale), watcher.onDidDelete(stale));
    }
  }

  private dispose(): void {
    clearTimeout(this.staleTimer);
    this.handlers.dispose();
    this.rpc.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
