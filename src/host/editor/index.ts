/**
 * Public API of the trace editor for activation (src/host/extension.ts):
 *   registerTraceEditor(context)  → disposables to push on context.subscriptions
 *   getActiveTraceEditor()        → the focused trace editor, for next/previous failure and tests
 *   getOpenTraceDocument(uri)     → an open document, so tag commands edit it (undoably) instead of the file
 *   onDidChangeTraceAnnotations() → annotation changes of open documents (diagnostics follow them)
 */
import * as vscode from 'vscode';
import { TraceEditorProvider, type TraceDocument, type TraceEditorHandle } from './provider';
import { TRACE_EDITOR_VIEW_TYPE } from '../ids';

export { TRACE_EDITOR_VIEW_TYPE, type TraceDocument, type TraceEditorHandle };
export { onDidSelectTraceStep, READY_TIMEOUT_MS } from './provider';
export { TraceFile } from './trace-file';
export { tagCategories } from './step-annotations';
export type { WebviewStateSnapshot } from '../../protocol';

let provider: TraceEditorProvider | undefined;

export function registerTraceEditor(context: vscode.ExtensionContext): vscode.Disposable[] {
  provider = new TraceEditorProvider(context);
  return [
    vscode.window.registerCustomEditorProvider(TRACE_EDITOR_VIEW_TYPE, provider, {
      // Deliberately not retainContextWhenHidden: the webview restores selection, scroll,
      // filters and trace from its saved state, and hidden editors cost no memory.
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    }),
    { dispose: () => { provider = undefined; } },
  ];
}

/** The registered provider itself, for the integration tests (hot exit drives its backup/restore directly). */
export function getTraceEditorProvider(): TraceEditorProvider | undefined {
  return provider;
}

export function getActiveTraceEditor(): TraceEditorHandle | undefined {
  return provider?.activeEditor;
}

/** The open trace editors of `uri`. */
export function getTraceEditorsFor(uri: vscode.Uri): TraceEditorHandle[] {
  return provider?.editorsFor(uri) ?? [];
}

/** The trace editor's open document for `uri` (its annotations are the unsaved truth), if any. */
export function getOpenTraceDocument(uri: vscode.Uri): TraceDocument | undefined {
  return provider?.documentFor(uri);
}

/** Fires when the annotations of an open trace document change (edit, undo, redo, save, revert, reload). */
export function onDidChangeTraceAnnotations(listener: (document: TraceDocument) => void): vscode.Disposable {
  return provider ? provider.onDidChangeAnnotations(listener) : { dispose: () => undefined };
}
