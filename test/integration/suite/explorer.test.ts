/**
 * "Agent Trace: Open Trace Explorer" in real VS Code: the panel's page loads in a webview, asks its
 * host to run the query a command gave it over the workspace's traces (the same records and
 * service as "Query Traces…"), and a row opens the trace in the Trace Debugger at its first
 * matching step. The page's own keys, facets and sorting are tested in headless Chromium
 * (test/webview/trace-explorer.test.ts).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { toolStepLine as step, traceHeaderLine as header, waitFor, webviewState, workspaceTraceFolder } from './helpers';
import type { TraceExplorerHandle } from '../../../src/host/explorer';

export function registerExplorerTests(): void {
  suite('Trace Explorer', () => {
    let folder: Awaited<ReturnType<typeof workspaceTraceFolder>> | undefined;

    suiteSetup(async () => {
      folder = await workspaceTraceFolder('explorer-test-traces', {
        'timeout.trace.jsonl': [
          header('timeout', 'explorer: the search times out'),
          step('t1', { toolCall: { name: 'search', arguments: { q: 'flights' } } }),
          step('t2', { toolCall: { name: 'search', arguments: { q: 'flights' } }, status: 'error', error: { type: 'TimeoutError', message: 'request timed out after 30s' } }),
          step('t3'),
        ],
        'fine.trace.jsonl': [header('fine', 'explorer: all fine'), step('f1'), step('f2')],
      });
    });

    suiteTeardown(() => folder?.remove());

    test('the page runs the query it was opened with, and a row opens at its first matching step', async () => {
      const handle = await vscode.commands.executeCommand<TraceExplorerHandle>('agentTraceDebugger.openTraceExplorer', 'file:explorer-test-traces category:TOOL');
      assert.ok(handle?.panel, 'the command returns the panel');
      assert.equal(handle.panel.title, 'Trace Explorer');
      // Runs start only when the page asks: a result means the page loaded and spoke the protocol.
      const matches = await waitFor('the page to run its query', () => {
        const m = handle.current()?.matches;
        return m && m.length > 0 ? m : undefined;
      });
      assert.deepEqual(matches.map((m) => [m.record.title, m.stepId]), [['explorer: the search times out', 't2']]);

      // Running the command again reveals the same panel with the new query.
      const again = await vscode.commands.executeCommand<TraceExplorerHandle>('agentTraceDebugger.openTraceExplorer', 'file:explorer-test-traces');
      assert.equal(again.panel, handle.panel, 'one Trace Explorer per window');
      const both = await waitFor('the second query', () => {
        const m = handle.current()?.matches;
        return m && m.length === 2 ? m : undefined;
      });
      assert.deepEqual(both.map((m) => m.record.title).sort(), ['explorer: all fine', 'explorer: the search times out']);

      const timeoutRow = both.findIndex((m) => m.record.title.includes('times out'));
      assert.equal(await handle.open(timeoutRow), true);
      await waitFor('the trace editor on t2', async () => ((await webviewState())?.selectedId === 't2' ? true : undefined));
    });
  });
}
