/**
 * Commands only the integration tests call, registered only when VS Code runs the extension in
 * Test mode (`--extensionTestsPath`), so they never exist in a user's command list and no other
 * extension can call them. package.json does not contribute them.
 */
import * as vscode from 'vscode';
import { annotationsSnapshot } from './annotations';
import { getActiveTraceEditor } from './editor';
import { COMMANDS } from './ids';
import { holdTraceReads } from './editor/trace-file-reader';
import { setHashOnAThreadFrom } from './editor/provider';

export function activateTestHooks(context: vscode.ExtensionContext, compare: { viewState(): Promise<unknown> }): void {
  if (context.extensionMode !== vscode.ExtensionMode.Test) return;
  context.subscriptions.push(
    // The trace editor webview's state; undefined when no trace editor is active.
    // Tests poll this: a short wait per probe, so a poll loop notices a new page quickly.
    vscode.commands.registerCommand(COMMANDS.testGetWebviewState, async () => getActiveTraceEditor()?.getState(5000)),
    // The annotations of a trace as the extension holds them (open document first, else the sidecar).
    vscode.commands.registerCommand(COMMANDS.testGetAnnotations, (uri?: vscode.Uri | string) => annotationsSnapshot(uri)),
    // Hold what a trace read brings after its first steps until released (a file "still being read").
    vscode.commands.registerCommand(COMMANDS.testHoldTraceReads, (hold: unknown) => holdTraceReads(hold === true)),
    // Hash streamed files from this many bytes on a thread of their own (undefined: the default size).
    vscode.commands.registerCommand(COMMANDS.testHashOnAThreadFrom, (bytes: unknown) => setHashOnAThreadFrom(typeof bytes === 'number' ? bytes : undefined)),
    // What the active Compare Traces view shows.
    vscode.commands.registerCommand(COMMANDS.testGetCompareViewState, () => compare.viewState()),
  );
}
