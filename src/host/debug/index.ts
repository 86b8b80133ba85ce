/**
 * The trace debugger in VS Code (issue 12): the `agent-trace` debug type runs the adapter of
 * src/core/debug in a worker thread, relayed inline (adapter-in-worker.ts: a launch loads the run
 * whole, which must not hold the extension host's thread), a configuration provider makes F5 on
 * an open trace work without a launch.json, and the trace editor and the debugger follow each
 * other: a stop selects the step in the trace editors of that file (the adapter's `agentTraceStep`
 * event), and a step the user selects in one moves the debugger there (`gotoStep`). "Tag This
 * Step As…" on a frame of the call stack goes through the tag command, so it is the same undoable
 * edit as in the trace editor.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { GOTO_STEP_REQUEST, STEP_AT_REQUEST, STEP_EVENT, type StepAtBody } from '../../core/debug/adapter';
import { DebugAdapterInWorker } from '../../core/debug/adapter-in-worker';
import { startTraceWorker } from '../../core/engine/worker/spawn';
import { traceIndexOf } from '../../core/annotations/bind';
import type { Impact } from '../../protocol';
import { getActiveTraceEditor, getTraceEditorsFor, onDidSelectTraceStep, type TraceEditorHandle } from '../editor';
import { COMMANDS } from '../ids';
import { configuredTaxonomySpec } from '../settings';
import { sidecarLocationFor } from '../sidecar-storage';
import { sniffsAsTrace, sniffText } from '../text/sniff-memo';
import { sniffable } from '../text';
import { DEBUG_TYPE, isStepEventBody, resolveTraceConfiguration, type StepEventBody } from './configuration';

export { DEBUG_TYPE } from './configuration';

/** Arguments of "Tag This Step As…" when called with a tag (tests, other extensions); the call stack passes none. */
interface TagFromDebuggerArgs { category?: string; impact?: Impact; description?: string }

export function activateDebugger(context: vscode.ExtensionContext): void {
  const adapters = new Map<string, DebugAdapterInWorker>();
  const workerPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'trace-worker.js').fsPath;
  /** Where each session last stopped (its `agentTraceStep` event). */
  const stops = new Map<string, { session: vscode.DebugSession; stop: StepEventBody }>();
  /** Files the debugger just stopped in (uri → when, and the groups whose active tab was its trace editor), whose source VS Code is about to show. */
  const justStopped = new Map<string, { at: number; traceEditorGroups: Set<vscode.ViewColumn> }>();

  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor(session) {
        const taxonomy = typeof session.configuration.taxonomy === 'string' ? session.configuration.taxonomy : configuredTaxonomySpec();
        const adapter = new DebugAdapterInWorker(() => startTraceWorker(workerPath, 'debug', { taxonomy }), {
          // Where the sidecar is depends on the host's settings and workspace: the worker is told.
          completeLaunch: (args) => {
            if (args.sidecarPath !== undefined || typeof args.trace !== 'string') return args;
            const sidecarPath = sidecarLocationFor(vscode.Uri.file(args.trace)).path;
            return sidecarPath === undefined ? args : { ...args, sidecarPath };
          },
        });
        adapters.set(session.id, adapter);
        return new vscode.DebugAdapterInlineImplementation(adapter);
      },
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new TraceConfigurationProvider()),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE || e.event !== STEP_EVENT || !isStepEventBody(e.body)) return;
      stops.set(e.session.id, { session: e.session, stop: e.body });
      const file = vscode.Uri.file(e.body.file).toString();
      const traceEditorGroups = new Set(vscode.window.tabGroups.all.filter((g) => isTraceEditorTab(g.activeTab, file)).map((g) => g.viewColumn));
      justStopped.set(file, { at: Date.now(), traceEditorGroups });
      for (const editor of getTraceEditorsFor(vscode.Uri.file(e.body.file))) editor.selectStep(e.body.stepId, positionInEditor(editor, e.body.traceIndex));
    }),
    // A stop shown over the trace editor (its group was used last) moves beside it, so the trace editor stays in view.
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      for (const tab of [...e.opened, ...e.changed]) {
        if (!(tab.input instanceof vscode.TabInputText) || !tab.isActive) continue;
        const uri = tab.input.uri;
        // Only what a stop shows: a text tab the user picks in that group stays where it is.
        const stopped = justStopped.get(uri.toString());
        if (!stopped || Date.now() - stopped.at > STOP_SHOWN_MS || !stopped.traceEditorGroups.has(tab.group.viewColumn)) continue;
        justStopped.delete(uri.toString());
        const session = [...stops.values()].find(({ stop }) => vscode.Uri.file(stop.file).toString() === uri.toString())?.session;
        if (session) void moveBeside(tab, uri, session);
      }
    }),
    vscode.debug.onDidTerminateDebugSession((session) => {
      // VS Code disposes an inline adapter itself; ending the worker here too costs nothing if it did.
      adapters.get(session.id)?.dispose();
      adapters.delete(session.id);
      stops.delete(session.id);
    }),
    onDidSelectTraceStep(({ editor, traceIndex, index, stepId }) => {
      for (const { session, stop } of stops.values()) {
        if (vscode.Uri.file(stop.file).toString() !== editor.uri.toString() || positionInEditor(editor, stop.traceIndex) !== traceIndex) continue;
        if (stop.stepId === stepId || adapters.get(session.id)?.running) continue;
        void gotoStep(session, stepId, index);
      }
    }),
    vscode.commands.registerCommand(COMMANDS.debugTrace, (uri?: unknown) => debugTrace(uri)),
    vscode.commands.registerCommand(COMMANDS.tagStepFromDebugger, (arg?: unknown) => tagFromDebugger(stops, arg)),
  );
}

/** How long after a stop a text tab of its file that becomes active is taken as VS Code showing the stop. */
const STOP_SHOWN_MS = 5000;

/** Is `tab` a trace editor (any custom editor) of the file `uri`? */
function isTraceEditorTab(tab: vscode.Tab | undefined, uri: string): boolean {
  return tab?.input instanceof vscode.TabInputCustom && tab.input.uri.toString() === uri;
}

/** A step of the debugged run (default where it stopped), asked of the adapter; undefined when it has none there. */
async function stepAt(session: vscode.DebugSession, position?: number): Promise<StepAtBody | undefined> {
  try {
    return (await session.customRequest(STEP_AT_REQUEST, position === undefined ? {} : { position })) as StepAtBody;
  } catch {
    return undefined;
  }
}

/** Close the raw text over the trace editor (which shows again) and show it in another group at the step `session` stopped at. */
async function moveBeside(tab: vscode.Tab, uri: vscode.Uri, session: vscode.DebugSession): Promise<void> {
  // Asked now, answered while the tab closes: the layout is decided before anything else runs.
  const step = stepAt(session);
  const other = vscode.window.tabGroups.all.find((g) => g !== tab.group && g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString()));
  try {
    await vscode.window.tabGroups.close(tab, true);
    const location = (await step)?.location;
    const selection = location ? new vscode.Range(location.line - 1, location.column - 1, location.line - 1, location.column - 1) : undefined;
    await vscode.window.showTextDocument(uri, { viewColumn: other?.viewColumn ?? vscode.ViewColumn.Beside, preserveFocus: true, preview: true, ...(selection ? { selection } : {}) });
  } catch {
    // The user closed or moved it meanwhile: leave the layout as it is.
  }
}

/** Move the debugger to a step the user selected: by its id, else by its position (the same importer orders steps alike). */
async function gotoStep(session: vscode.DebugSession, stepId: string, index: number): Promise<void> {
  try {
    await session.customRequest(GOTO_STEP_REQUEST, { stepId });
  } catch {
    try {
      await session.customRequest(GOTO_STEP_REQUEST, { position: index });
    } catch (e) {
      // The replay is running or the step is not in the debugged run: the selection only shows in the editor.
      vscode.window.setStatusBarMessage(vscode.l10n.t('Agent Trace: the debugger stays where it is ({0}).', e instanceof Error ? e.message : String(e)), 5000);
    }
  }
}

/** A run's number in the file (the adapter's `traceIndex`) as a position in the editor's list of runs. */
function positionInEditor(editor: TraceEditorHandle, traceIndex: number): number {
  return editor.document.file.positionOfTrace(traceIndex) ?? traceIndex;
}

/** The trace the user is looking at, on disk: the trace editor's file (with the run it shows), else the text editor's. */
async function activeTrace(): Promise<{ path: string; traceIndex?: number } | undefined> {
  const editor = getActiveTraceEditor();
  if (editor && editor.uri.scheme === 'file') return { path: editor.uri.fsPath, traceIndex: await runShown(editor) };
  const doc = vscode.window.activeTextEditor?.document;
  // A text document counts only when it reads as a trace: F5 in package.json is not a trace launch.
  if (doc?.uri.scheme !== 'file' || !sniffsAsTrace(doc.uri.fsPath, sniffText(sniffable(doc)))) return undefined;
  return { path: doc.uri.fsPath };
}

/** The run the trace editor shows, by its number in the file; undefined for a file of one run or a page that does not answer soon. */
async function runShown(editor: TraceEditorHandle): Promise<number | undefined> {
  const traces = editor.document.file.traces;
  if (traces.length <= 1) return undefined;
  try {
    const { traceIndex } = await editor.getState(5000);
    const trace = traces[traceIndex];
    return trace ? traceIndexOf(trace) : undefined;
  } catch {
    return undefined;
  }
}

class TraceConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** F5 with no launch.json, or a configuration without its trace: debug the trace in the active editor. */
  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    const result = resolveTraceConfiguration(config, {
      activeTrace: await activeTrace(),
      taxonomy: configuredTaxonomySpec(),
      folder: (folder ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath,
    });
    if ('problem' in result) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: cannot start debugging: {0}.', result.problem));
      // undefined stops the launch without VS Code's own "could not resolve" message.
      return undefined;
    }
    return result.config as vscode.DebugConfiguration;
  }

  /** Just before the launch: keep the trace editor in view (see showRawTraceBeside). */
  async resolveDebugConfigurationWithSubstitutedVariables(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration> {
    if (typeof config.trace === 'string' && config.trace) await showRawTraceBeside(vscode.Uri.file(config.trace));
    return config;
  }
}

/**
 * At each stop VS Code shows the frame's source, the raw trace, in the active editor group; when
 * that group shows the trace editor, the raw text would cover it (and its selection). So when a
 * trace editor shows the file and no text editor does, the raw text opens beside it first: VS Code
 * then reveals the stops there (the current-line arrow on the step's JSON), and the trace editor
 * stays in view, following the debugger.
 */
async function showRawTraceBeside(uri: vscode.Uri): Promise<void> {
  if (uri.fsPath.toLowerCase().endsWith('.eval')) return; // a zip: no text to show
  const traceEditorShown = vscode.window.tabGroups.all.some((g) => g.activeTab?.input instanceof vscode.TabInputCustom && g.activeTab.input.uri.toString() === uri.toString());
  if (!traceEditorShown || vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === uri.toString())) return;
  try {
    // With focus: VS Code shows each stop in the editor group used last that holds the file.
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false, preview: true });
  } catch {
    // Not readable as text (too large, binary): VS Code says so itself when it shows the stop.
  }
}

/** "Debug This Trace": the Explorer's file, else the trace editor's or text editor's. */
async function debugTrace(arg: unknown): Promise<boolean> {
  const editor = getActiveTraceEditor();
  const uri = arg instanceof vscode.Uri ? arg : editor?.uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: open a trace, or pick one in the Explorer, to debug it.'));
    return false;
  }
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: only trace files on disk can be debugged ({0} is not).', uri.toString(true)));
    return false;
  }
  const shown = editor && editor.uri.toString() === uri.toString() ? await runShown(editor) : undefined;
  return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), {
    type: DEBUG_TYPE, request: 'launch', name: `Debug ${basename(uri.fsPath)}`, trace: uri.fsPath, stopOnEntry: true, ...(shown !== undefined ? { traceIndex: shown } : {}),
  });
}

/**
 * "Tag This Step As…" on the call stack: the selected frame's step (the top one when no frame is
 * selected) of the agent-trace session, tagged through the tag command (the trace editor's edit
 * when it has the file open, else the sidecar with Undo).
 */
async function tagFromDebugger(stops: Map<string, { stop: StepEventBody }>, arg: unknown): Promise<unknown> {
  const item = vscode.debug.activeStackItem;
  const session = item?.session.type === DEBUG_TYPE ? item.session : vscode.debug.activeDebugSession;
  const frame = session && item instanceof vscode.DebugStackFrame && item.session.id === session.id ? item.frameId - 1 : undefined;
  const step = session?.type === DEBUG_TYPE ? await stepAt(session, frame) : undefined;
  if (!session || !step) {
    // A frame the run does not have is not tagged; no session, or one not launched yet, is told what to do.
    if (frame === undefined) void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: pause the trace debugger on a step, then tag it.'));
    return undefined;
  }
  const uri = vscode.Uri.file(step.file);
  const launched = stops.get(session.id)?.stop.traceIndex ?? (typeof session.configuration.traceIndex === 'number' ? session.configuration.traceIndex : 0);
  const open = getTraceEditorsFor(uri)[0];
  const tag = typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? arg as TagFromDebuggerArgs : {};
  return vscode.commands.executeCommand(COMMANDS.tagStep, {
    uri, stepId: step.stepId, traceIndex: open ? positionInEditor(open, launched) : launched,
    ...(tag.category ? { category: tag.category } : {}), ...(tag.impact ? { impact: tag.impact } : {}), ...(tag.description !== undefined ? { description: tag.description } : {}),
  });
}
