/**
 * The OTLP receiver inside VS Code: "Agent Trace: Start/Stop OTLP Receiver", a status bar item
 * while it runs (click: copy the endpoint or the export line, open the folder, stop), and the
 * "Agent Trace Receiver" output channel (one line per new trace and per refused request, so a
 * misconfigured exporter never turns into a storm of notifications). The server itself is
 * src/core/receiver (plain Node, shared with `agent-trace receive`).
 */
import { relative, sep } from 'node:path';
import * as vscode from 'vscode';
import {
  exportEndpointLine, OTLP_TRACES_ENDPOINT_ENV, OtlpReceiverError, startOtlpReceiver,
  type OtlpReceiver, type RequestRefusedEvent, type TraceWrittenEvent,
} from '../../core/receiver';
import { COMMANDS } from '../ids';
import { isLoopbackHost, maxBodyBytes, RECEIVER_SETTING, receiverSettings, resolveReceiverFolder } from './settings';

/** What the start command resolves to (the integration tests read it; nothing waits for a notification). */
export type StartResult =
  | { started: true; url: string; port: number; host: string; folder: string }
  | { started: false; message: string };
export type StopResult = { stopped: boolean; message: string };

/** Where a new trace file should be announced: the Agent Traces view. */
export interface TraceFileSink {
  fileChanged(uri: vscode.Uri, deleted: boolean): void;
}

/** The receiver's state, for the integration tests (ExtensionApi.receiver). */
export interface ReceiverApi {
  readonly running: { url: string; port: number; host: string; folder: string } | undefined;
  /** Requests refused since the receiver started. */
  readonly refused: number;
  /** The status bar item's text and tooltip while it shows. */
  readonly statusText: string | undefined;
  readonly statusTooltip: string | undefined;
}

interface Running {
  receiver: OtlpReceiver;
  subscriptions: vscode.Disposable[];
  traces: Set<string>;
  spans: number;
  refused: number;
  latest?: vscode.Uri;
}

/** The line that sets the exporter's variable in this machine's shell. */
export function exportLine(url: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? `$env:${OTLP_TRACES_ENDPOINT_ENV}="${url}"` : exportEndpointLine(url);
}

export class ReceiverController implements vscode.Disposable, ReceiverApi {
  private current?: Running;
  private starting?: Promise<StartResult>;
  private item?: vscode.StatusBarItem;
  private output?: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly sink?: TraceFileSink) {
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (this.current && Object.values(RECEIVER_SETTING).some((k) => e.affectsConfiguration(k))) void this.offerRestart();
    }));
  }

  get running(): ReceiverApi['running'] {
    const r = this.current?.receiver;
    return r && { url: r.url, port: r.port, host: r.host, folder: r.outDir };
  }

  get refused(): number {
    return this.current?.refused ?? 0;
  }

  get statusText(): string | undefined {
    return this.current ? this.item?.text : undefined;
  }

  get statusTooltip(): string | undefined {
    const t = this.current ? this.item?.tooltip : undefined;
    return typeof t === 'string' ? t : t?.value;
  }

  /** "Agent Trace: Start OTLP Receiver". */
  start(): Promise<StartResult> {
    // A second click while the first is still binding gets the same answer.
    this.starting ??= this.doStart().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  /** "Agent Trace: Stop OTLP Receiver". */
  async stop(): Promise<StopResult> {
    const running = this.current;
    if (!running) {
      const message = vscode.l10n.t('Agent Trace: the OTLP receiver is not running.');
      void vscode.window.showInformationMessage(message);
      return { stopped: false, message };
    }
    this.current = undefined;
    for (const s of running.subscriptions) s.dispose();
    this.item?.hide();
    // Context key: Stop and the actions show in the palette only while it runs.
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.receiverRunning', false);
    await running.receiver.close();
    const message = vscode.l10n.t('Agent Trace: the OTLP receiver at {0} stopped ({1} traces, {2} spans received).', running.receiver.url, running.traces.size, running.spans);
    this.log().info(message);
    void vscode.window.showInformationMessage(message);
    return { stopped: true, message };
  }

  /** The status bar item's menu (also "Agent Trace: Show OTLP Receiver Actions"). */
  async showActions(): Promise<void> {
    const running = this.current;
    if (!running) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: the OTLP receiver is not running.'));
      return;
    }
    const r = running.receiver;
    type Action = vscode.QuickPickItem & { run: () => unknown };
    const items: Action[] = [
      { label: `$(copy) ${vscode.l10n.t('Copy Endpoint')}`, description: r.url, run: () => this.copy(r.url) },
      { label: `$(terminal) ${vscode.l10n.t('Copy Export Line')}`, description: exportLine(r.url), run: () => this.copy(exportLine(r.url)) },
      { label: `$(folder-opened) ${vscode.l10n.t('Open Folder')}`, description: r.outDir, run: () => this.openFolder(r.outDir) },
      ...(running.latest ? [{ label: `$(open-preview) ${vscode.l10n.t('Open Latest Trace')}`, description: vscode.workspace.asRelativePath(running.latest), run: () => vscode.commands.executeCommand(COMMANDS.openTraceItem, running.latest) }] : []),
      { label: `$(output) ${vscode.l10n.t('Show Log')}`, description: vscode.l10n.t('requests refused and traces received'), run: () => this.log().show(true) },
      { label: `$(debug-stop) ${vscode.l10n.t('Stop Receiver')}`, run: () => this.stop() },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('OTLP receiver at {0}', r.url), placeHolder: vscode.l10n.t('{0} traces, {1} spans received, {2} requests refused', running.traces.size, running.spans, running.refused) });
    await pick?.run();
  }

  dispose(): void {
    const running = this.current;
    this.current = undefined;
    if (running) {
      for (const s of running.subscriptions) s.dispose();
      // Stops listening at once; requests in flight finish their writes.
      void running.receiver.close();
    }
    this.item?.dispose();
    this.output?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private async doStart(): Promise<StartResult> {
    if (this.current) {
      const r = this.current.receiver;
      const message = vscode.l10n.t('Agent Trace: the OTLP receiver is already running at {0}, writing traces to {1}.', r.url, r.outDir);
      void vscode.window.showInformationMessage(message, vscode.l10n.t('Copy Endpoint'), vscode.l10n.t('Stop')).then((b) => {
        if (b === vscode.l10n.t('Copy Endpoint')) void this.copy(r.url);
        else if (b === vscode.l10n.t('Stop')) void this.stop();
      });
      return { started: false, message };
    }
    if (!vscode.workspace.isTrusted) {
      const message = vscode.l10n.t('Agent Trace: the OTLP receiver does not start in Restricted Mode: it listens on a network port and writes the traces it receives into the workspace. Trust this workspace to use it.');
      const manage = vscode.l10n.t('Manage Workspace Trust');
      void vscode.window.showWarningMessage(message, manage).then((b) => { if (b === manage) void vscode.commands.executeCommand('workbench.trust.manage'); });
      return { started: false, message };
    }
    const settings = receiverSettings();
    const limit = maxBodyBytes(settings.maxBodyMB);
    if (limit === undefined) {
      return this.refuseToStart(vscode.l10n.t('Agent Trace: cannot start the OTLP receiver: the setting {0} must be a whole number of megabytes, at least 1 (it is {1}).', RECEIVER_SETTING.maxBodyMB, String(settings.maxBodyMB)), RECEIVER_SETTING.maxBodyMB);
    }
    let folder = resolveReceiverFolder(settings.folder);
    if (!folder) {
      // No folder open: say so, and let the user pick where this session's traces go.
      const choose = vscode.l10n.t('Choose Folder…');
      const message = vscode.l10n.t('Agent Trace: no folder is open, so the OTLP receiver has nowhere to put "{0}" (the setting {1}). Open a folder, set an absolute path, or choose a folder for this session.', settings.folder, RECEIVER_SETTING.folder);
      const answer = await vscode.window.showWarningMessage(message, choose);
      if (answer !== choose) return { started: false, message };
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Receive Traces Here') });
      if (!picked?.[0]) return { started: false, message };
      folder = picked[0].fsPath;
    }
    let receiver: OtlpReceiver;
    try {
      receiver = await startOtlpReceiver({ outDir: folder, port: settings.port, host: settings.host, maxBodyBytes: limit });
    } catch (e) {
      if (!(e instanceof OtlpReceiverError)) throw e;
      return this.startFailed(e, settings.port, settings.host);
    }
    return this.started(receiver);
  }

  private started(receiver: OtlpReceiver): StartResult {
    const running: Running = { receiver, subscriptions: [], traces: new Set(), spans: 0, refused: 0 };
    running.subscriptions.push(
      receiver.onTraceWritten((e) => this.traceWritten(running, e)),
      receiver.onRequestRefused((e) => this.requestRefused(running, e)),
    );
    this.current = running;
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.receiverRunning', true);
    this.render();
    const log = this.log();
    log.info(vscode.l10n.t('Listening at {0}; traces go to {1}.', receiver.url, receiver.outDir));
    log.info(vscode.l10n.t('Point an OpenTelemetry exporter at it: {0}', exportLine(receiver.url)));

    const copyEndpoint = vscode.l10n.t('Copy Endpoint');
    const copyExport = vscode.l10n.t('Copy Export Line');
    const where = vscode.workspace.asRelativePath(receiver.outDir);
    const shown = isLoopbackHost(receiver.host)
      ? vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: the OTLP receiver listens at {0} and writes each trace to {1}. Point an OpenTelemetry exporter at it: {2}', receiver.url, where, exportLine(receiver.url)), copyEndpoint, copyExport)
      : vscode.window.showWarningMessage(vscode.l10n.t('Agent Trace: the OTLP receiver listens at {0} and writes each trace to {1}. It listens on {2} (the setting {3}), so other machines can send traces to it. Point an OpenTelemetry exporter at it: {4}', receiver.url, where, receiver.host, RECEIVER_SETTING.host, exportLine(receiver.url)), copyEndpoint, copyExport);
    void shown.then((b) => {
      if (b === copyEndpoint) void this.copy(receiver.url);
      else if (b === copyExport) void this.copy(exportLine(receiver.url));
    });
    return { started: true, url: receiver.url, port: receiver.port, host: receiver.host, folder: receiver.outDir };
  }

  private startFailed(e: OtlpReceiverError, port: number, host: string): StartResult {
    switch (e.code) {
      case 'PORT_IN_USE':
        return this.refuseToStart(vscode.l10n.t('Agent Trace: cannot start the OTLP receiver: port {0} on {1} is already in use (another OTLP receiver or an OpenTelemetry Collector?). Stop that program, or choose another port in the setting {2}.', e.port ?? port, e.host ?? host, RECEIVER_SETTING.port), RECEIVER_SETTING.port);
      case 'PORT_NOT_ALLOWED':
      case 'BAD_OPTION':
        return this.refuseToStart(vscode.l10n.t('Agent Trace: cannot start the OTLP receiver: {0}. Check the settings {1} and {2}.', e.message, RECEIVER_SETTING.port, RECEIVER_SETTING.maxBodyMB), RECEIVER_SETTING.port);
      case 'HOST_UNAVAILABLE':
        return this.refuseToStart(vscode.l10n.t('Agent Trace: cannot start the OTLP receiver: {0}. Check the setting {1}.', e.message, RECEIVER_SETTING.host), RECEIVER_SETTING.host);
      case 'OUT_DIR':
      default:
        return this.refuseToStart(vscode.l10n.t('Agent Trace: cannot start the OTLP receiver: {0}. Check the setting {1}.', e.message, RECEIVER_SETTING.folder), RECEIVER_SETTING.folder);
    }
  }

  /** An error message with "Open Settings" on the setting to change. */
  private refuseToStart(message: string, setting: string): StartResult {
    const open = vscode.l10n.t('Open Settings');
    this.log().error(message);
    void vscode.window.showErrorMessage(message, open).then((b) => {
      if (b === open) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
    });
    return { started: false, message };
  }

  private traceWritten(running: Running, e: TraceWrittenEvent): void {
    if (this.current !== running) return;
    running.spans += e.spanCount;
    const uri = vscode.Uri.file(e.path);
    running.latest = uri;
    if (!running.traces.has(e.traceId)) {
      running.traces.add(e.traceId);
      this.log().info(vscode.l10n.t('New trace {0} ({1} spans): {2}', e.traceId, e.spanCount, e.path));
    }
    // The view's file watcher sees it too; telling it directly lists a new file without waiting on the watcher.
    if (e.created && vscode.workspace.getWorkspaceFolder(uri)) this.sink?.fileChanged(uri, false);
    this.render();
  }

  private requestRefused(running: Running, e: RequestRefusedEvent): void {
    if (this.current !== running) return;
    running.refused++;
    this.log().warn(vscode.l10n.t('Refused {0} {1}: {2} {3}', e.method, e.path, e.status, e.reason));
    this.render();
  }

  private render(): void {
    const running = this.current;
    if (!running) { this.item?.hide(); return; }
    const r = running.receiver;
    if (!this.item) {
      this.item = vscode.window.createStatusBarItem('agentTraceDebugger.receiver', vscode.StatusBarAlignment.Left, 99);
      this.item.name = vscode.l10n.t('Agent Trace: OTLP Receiver');
      this.item.command = COMMANDS.receiverActions;
    }
    this.item.text = `$(radio-tower) OTLP :${r.port}${running.refused ? ` $(warning) ${running.refused}` : ''}`;
    this.item.tooltip = [
      vscode.l10n.t('Agent Trace OTLP receiver at {0}', r.url),
      vscode.l10n.t('Traces go to {0}', r.outDir),
      vscode.l10n.t('{0} traces, {1} spans received', running.traces.size, running.spans),
      ...(running.refused ? [vscode.l10n.t('{0} requests refused (reasons in the "Agent Trace Receiver" output)', running.refused)] : []),
      vscode.l10n.t('Click to copy the endpoint or the export line, open the folder, or stop.'),
    ].join('\n');
    this.item.show();
  }

  private async offerRestart(): Promise<void> {
    const restart = vscode.l10n.t('Restart');
    const b = await vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: the OTLP receiver settings changed. Restart the receiver to use them.'), restart);
    if (b !== restart || !this.current) return;
    await this.stop();
    await this.start();
  }

  private async copy(text: string): Promise<void> {
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', text), 3000);
  }

  private async openFolder(folder: string): Promise<void> {
    const uri = vscode.Uri.file(folder);
    const root = vscode.workspace.getWorkspaceFolder(uri);
    const inside = root && !relative(root.uri.fsPath, folder).split(sep).includes('..');
    await vscode.commands.executeCommand(inside ? 'revealInExplorer' : 'revealFileInOS', uri);
  }

  private log(): vscode.LogOutputChannel {
    return (this.output ??= vscode.window.createOutputChannel(vscode.l10n.t('Agent Trace Receiver'), { log: true }));
  }
}
