/** Shared helpers for the integration tests: the extension, real traces from ../shared, polling. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/host/extension';
import type { WebviewStateSnapshot } from '../../../src/protocol';

export const EXTENSION_ID = 'agent-trace-debugger.agent-trace-debugger';
export const VIEW_TYPE = 'agentTraceDebugger.traceEditor';
/** A TRAIL (GAIA) trace whose tools fail (TextInspectorTool errors), with human annotations beside it. */
export const TRAIL_TRACE = ['trail', 'GAIA', 'traces', 'e491d73ca2fd8a2a6f8984feb1c408a3.json'];

export async function activatedExtension(): Promise<{ extension: vscode.Extension<ExtensionApi>; api: ExtensionApi }> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded: run the tests with --extensionDevelopmentPath pointing at the project`);
  const api = await extension.activate();
  // activate() returns its API (and registers the test commands) only in ExtensionMode.Test.
  if (!api) throw new Error(`extension ${EXTENSION_ID} returned no test API: run the integration tests with --extensionTestsPath (Test mode)`);
  return { extension, api };
}

/** A real trace from ../shared/traces beside the project; fails with instructions when missing. */
export function sharedTrace(extensionPath: string, parts: string[]): vscode.Uri {
  const root = resolve(extensionPath, '..', 'shared', 'traces');
  if (!existsSync(root)) throw new Error(`the shared test traces are missing: expected ${root} (check out ../shared beside the project)`);
  const p = resolve(root, ...parts);
  if (!existsSync(p)) throw new Error(`expected shared trace ${p} to exist`);
  return vscode.Uri.file(p);
}

/** Poll `probe` until it returns a value that is not undefined, or fail with `what`. */
/** Deadlines are generous: each wait ends as soon as its signal arrives (a busy machine is slow, not wrong). */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ''}`);
}

export async function webviewState(): Promise<WebviewStateSnapshot | undefined> {
  return vscode.commands.executeCommand<WebviewStateSnapshot | undefined>('agentTraceDebugger.test.getWebviewState');
}

export function activeCustomTab(): vscode.TabInputCustom | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input : undefined;
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The details pane loads the step asynchronously after a selection: wait until it shows `title`. */
export async function detailsShow(title: string): Promise<void> {
  let last: string | null | undefined;
  try {
    await waitFor(`the details pane to show "${title}"`, async () => {
      last = (await webviewState())?.detailsTitle;
      return last === title ? true : undefined;
    });
  } catch {
    throw new Error(`the details pane shows ${JSON.stringify(last)}, expected ${JSON.stringify(title)}`);
  }
}

/** The tab showing `uri` in a custom editor (the trace editor), if any. */
export function traceTab(uri: vscode.Uri): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString());
}

/** Close without a save prompt: revert whatever is dirty first (the tests leave nothing unsaved behind). */
export async function closeClean(): Promise<void> {
  for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
    if (!tab.isDirty || !(tab.input instanceof vscode.TabInputCustom)) continue;
    await vscode.commands.executeCommand('vscode.openWith', tab.input.uri, tab.input.viewType);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await closeAllEditors();
}

/** The trace line of an agent-trace/v1 file. */
export const traceHeaderLine = (id: string, title: string): string => JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id, title });
/** A tool step line of an agent-trace/v1 file (`extra`: its call, status, error...). */
export const toolStepLine = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'step', id, kind: 'tool', name: `call ${id}`, ...extra });

/**
 * A folder `name` in the workspace holding `files` (file name -> lines), listed in the Agent
 * Traces view when this returns; `remove()` deletes it and refreshes the view again.
 */
export async function workspaceTraceFolder(name: string, files: Record<string, string[]>): Promise<{ path: string; remove(): Promise<void> }> {
  const { api } = await activatedExtension();
  const root = vscode.workspace.workspaceFolders?.[0];
  if (!root) throw new Error('the integration tests run with a workspace folder');
  const path = join(root.uri.fsPath, name);
  mkdirSync(path, { recursive: true });
  for (const [file, lines] of Object.entries(files)) writeFileSync(join(path, file), lines.join('\n') + '\n');
  await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
  await api.traces.whenIdle();
  return {
    path,
    remove: async () => {
      await closeAllEditors();
      rmSync(path, { recursive: true, force: true });
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
    },
  };
}
