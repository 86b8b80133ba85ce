/**
 * The palette/menu commands: open in the Trace Debugger (optionally at a step), next/previous
 * failure (text editor or trace editor, whichever is active). Test-only commands: ../test-hooks.ts.
 */
import * as vscode from 'vscode';
import { getActiveTraceEditor, getOpenTraceDocument, READY_TIMEOUT_MS, type TraceEditorHandle } from '../editor';
import { COMMANDS, TRACE_EDITOR_VIEW_TYPE } from '../ids';
import type { TextTraceFeatures } from '../text';
import { convertTrace, type ConvertTraceArgs } from './convert-trace';

export function activateCommands(context: vscode.ExtensionContext, text: TextTraceFeatures): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.openInTraceDebugger, (uri?: vscode.Uri, stepId?: string, run?: number | string) => openInTraceDebugger(uri, stepId, run)),
    vscode.commands.registerCommand(COMMANDS.openTraceItem, (uri: vscode.Uri) => openInTraceDebugger(uri)),
    vscode.commands.registerCommand(COMMANDS.nextFailure, () => gotoFailure(text, 1)),
    vscode.commands.registerCommand(COMMANDS.previousFailure, () => gotoFailure(text, -1)),
    vscode.commands.registerCommand(COMMANDS.nextPeer, () => getActiveTraceEditor()?.navigate('nextPeer')),
    vscode.commands.registerCommand(COMMANDS.previousPeer, () => getActiveTraceEditor()?.navigate('previousPeer')),
    vscode.commands.registerCommand(COMMANDS.revealSelectedInFile, () => revealSelectedInFile()),
    vscode.commands.registerCommand(COMMANDS.toggleFollow, () => toggleFollow()),
    vscode.commands.registerCommand(COMMANDS.convertTrace, (uri?: vscode.Uri, args?: ConvertTraceArgs) => convertTrace(uri, activeResource, args)),
  );
}

/** Follow on or off in the active trace editor (the live status bar item, the palette). */
function toggleFollow(): void {
  const editor = getActiveTraceEditor();
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: open a growing trace in the Trace Debugger to follow it.'));
    return;
  }
  editor.setFollow();
}

/** The trace editor's "Reveal in File" for keyboard and palette users: the selected step, as text. */
async function revealSelectedInFile(): Promise<void> {
  const editor = getActiveTraceEditor();
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: open a trace in the Trace Debugger and select a step first.'));
    return;
  }
  const result = await editor.revealSelectedInFile();
  if (!result.revealed) void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: {0}', result.reason ?? vscode.l10n.t('the step has no position in the file.')));
}

/**
 * Open `uri` (or the active editor's file) in the Trace Debugger; with `stepId`, select that step
 * of `run` once the webview answers: the run's position in the file's runs (a number), or its key
 * (a string: its own id, else its number; src/core/model/trace-key.ts), as `agent-trace query
 * --json` prints it. Every caller passes the run: derived step ids repeat across the runs of one
 * file, and without a run only an id that one run alone has is selected. Returns whether the step
 * was selected.
 */
export async function openInTraceDebugger(uri?: vscode.Uri, stepId?: string, run?: number | string, options?: { viewColumn?: vscode.ViewColumn }): Promise<boolean> {
  const target = uri instanceof vscode.Uri ? uri : activeResource();
  if (!target) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: open a trace file first, or pick one in the Explorer or the Agent Traces view.'));
    return false;
  }
  await vscode.commands.executeCommand('vscode.openWith', target, TRACE_EDITOR_VIEW_TYPE, { preview: false, ...(options?.viewColumn ? { viewColumn: options.viewColumn } : {}) });
  if (!stepId) return false;
  const editor = await waitForTraceEditor(target);
  if (!editor) return false;
  const traceIndex = typeof run === 'string' ? getOpenTraceDocument(target)?.file?.positionOfTraceKey(run) : run;
  return editor.selectStep(stepId, typeof traceIndex === 'number' ? traceIndex : undefined);
}

/**
 * The trace editor showing `uri`, once its webview has answered a request (so it is listening). A
 * command that opens a trace at a step (a CodeLens, a training example's source, a comparison's
 * side) waits for the editor's page as long as the editor itself does. At 15 s, a page slowed by a
 * busy machine opened without its step selected (an integration run beside the unit tests).
 */
export async function waitForTraceEditor(uri: vscode.Uri, timeoutMs = READY_TIMEOUT_MS): Promise<TraceEditorHandle | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let left = timeoutMs; left > 0; left = deadline - Date.now()) {
    const editor = getActiveTraceEditor();
    if (editor && editor.uri.toString() === uri.toString()) {
      try {
        // Bounded by what is left: a webview that never loads rejects at the deadline.
        await editor.getState(left);
        return editor;
      } catch {
        // Not ready yet, or the page was replaced or closed: look again while time is left.
      }
    }
    // The tab is still opening: the active editor changes without an event we can await here.
    await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))));
  }
  return undefined;
}

async function gotoFailure(text: TextTraceFeatures, direction: 1 | -1): Promise<void> {
  const traceEditor = getActiveTraceEditor();
  if (traceEditor) {
    if (direction === 1) traceEditor.nextFailure();
    else traceEditor.previousFailure();
    return;
  }
  const editor = vscode.window.activeTextEditor;
  if (editor) await text.gotoFailure(editor, direction);
}

function activeResource(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc) return doc.uri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri;
  return undefined;
}
