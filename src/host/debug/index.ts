/**
 * The trace debugger in VS Code (issue 12): the `agent-trace` debug type runs the adapter of
 * src/core/debug inline in the extension host, a configuration provider makes F5 on an open trace
 * work without a launch.json, and the trace editor and the debugger follow each other: a stop
 * selects the step in the trace editors of that file (the adapter's `agentTraceStep` event), and a
 * step the user selects in one moves the debugger there (`gotoStep`). "Tag This Step As…" on a
 * frame of the call stack goes through the tag command, so it is the same undoable edit as in
 * the trace editor.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { GOTO_STEP_REQUEST, STEP_EVENT, TraceDebugAdapter } from '../../core/debug/adapter';
import { traceIndexOf } from '../../core/annotations/bind';
import type { Impact } from '../../protocol';
import { getActiveTraceEditor, getTraceEditorsFor, onDidSelectTraceStep, type TraceEditorHandle } from '../editor';
import { COMMANDS } from '../ids';
import { configuredTaxonomySpec } from '../settings';
import { sidecarLocationFor } from '../sidecar-storage';
import { DEBUG_TYPE, isStepEventBody, resolveTraceConfiguration, type StepEventBody } from './configuration';

export { DEBUG_TYPE } from './configuration';

/** Arguments of "Tag This Step As…" when called with a tag (tests, other extensions); the call stack passes none. */
interface TagFromDebuggerArgs { category?: string; impact?: Impact; description?: string }

export function activateDebugger(context: vscode.ExtensionContext): void {
  const adapters = new Map<string, TraceDebugAdapter>();
  /** Where each session last stopped (its `agentTraceStep` event). */
  const stops = new Map<string, { session: vscode.DebugSession; stop: StepEventBody }>();

  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor(session) {
        const adapter = new TraceDebugAdapter({
          taxonomy: typeof session.configuration.taxonomy === 'string' ? session.configuration.taxonomy : configuredTaxonomySpec(),
          sidecarPathFor: (path) => sidecarLocationFor(vscode.Uri.file(path)).path,
        });
        adapters.set(session.id, adapter);
        return new vscode.DebugAdapterInlineImplementation(adapter);
      },
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new TraceConfigurationProvider()),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE || e.event !== STEP_EVENT || !isStepEventBody(e.body)) return;
      stops.set(e.session.id, { session: e.session, stop: e.body });
      for (const editor of getTraceEditorsFor(vscode.Uri.file(e.body.file))) editor.selectStep(e.body.stepId, positionInEditor(editor, e.body.traceIndex));
    }),
    vscode.debug.onDidTerminateDebugSession((session) => {
      adapters.delete(session.id);
      stops.delete(session.id);
    }),
    onDidSelectTraceStep(({ editor, traceIndex, stepId }) => {
      for (const { session, stop } of stops.values()) {
        if (vscode.Uri.file(stop.file).toString() !== editor.uri.toString() || positionInEditor(editor, stop.traceIndex) !== traceIndex) continue;
        if (stop.stepId === stepId || adapters.get(session.id)?.runtime?.running) continue;
        // The adapter refuses when the replay runs or has ended; the selection then only shows in the editor.
        void Promise.resolve(session.customRequest(GOTO_STEP_REQUEST, { stepId })).catch(() => undefined);
      }
    }),
    vscode.commands.registerCommand(COMMANDS.debugTrace, (uri?: unknown) => debugTrace(uri)),
    vscode.commands.registerCommand(COMMANDS.tagStepFromDebugger, (arg?: unknown) => tagFromDebugger(adapters, stops, arg)),
  );
}

/** A run's number in the file (the adapter's `traceIndex`) as a position in the editor's list of runs. */
function positionInEditor(editor: TraceEditorHandle, traceIndex: number): number {
  return editor.document.file.positionOfTrace(traceIndex) ?? traceIndex;
}

/** The trace the user is looking at, on disk: the trace editor's file (with the run it shows), else the text editor's. */
async function activeTrace(): Promise<{ path: string; traceIndex?: number } | undefined> {
  const editor = getActiveTraceEditor();
  if (editor && editor.uri.scheme === 'file') return { path: editor.uri.fsPath, traceIndex: await runShown(editor) };
  const text = vscode.window.activeTextEditor?.document.uri;
  return text?.scheme === 'file' ? { path: text.fsPath } : undefined;
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
async function tagFromDebugger(adapters: Map<string, TraceDebugAdapter>, stops: Map<string, { stop: StepEventBody }>, arg: unknown): Promise<unknown> {
  const item = vscode.debug.activeStackItem;
  const session = item?.session.type === DEBUG_TYPE ? item.session : vscode.debug.activeDebugSession;
  const runtime = session?.type === DEBUG_TYPE ? adapters.get(session.id)?.runtime : undefined;
  if (!session || !runtime) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: pause the trace debugger on a step, then tag it.'));
    return undefined;
  }
  const position = item instanceof vscode.DebugStackFrame && item.session.id === session.id ? item.frameId - 1 : runtime.position;
  if (!Number.isInteger(position) || position < 0 || position >= runtime.length) return undefined;
  const uri = vscode.Uri.file(runtime.file);
  const launched = stops.get(session.id)?.stop.traceIndex ?? (typeof session.configuration.traceIndex === 'number' ? session.configuration.traceIndex : 0);
  const open = getTraceEditorsFor(uri)[0];
  const tag = typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? arg as TagFromDebuggerArgs : {};
  return vscode.commands.executeCommand(COMMANDS.tagStep, {
    uri, stepId: runtime.frameOf(position).stepId, traceIndex: open ? positionInEditor(open, launched) : launched,
    ...(tag.category ? { category: tag.category } : {}), ...(tag.impact ? { impact: tag.impact } : {}), ...(tag.description !== undefined ? { description: tag.description } : {}),
  });
}
