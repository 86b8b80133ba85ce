/** The Agent Traces view over the examples/ workspace. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TraceTreeNode } from '../../../src/host/views/traces-view';
import { activatedExtension, waitFor } from './helpers';

export function registerTracesViewTests(): void {
  suite('Agent Traces view', () => {
    test('lists the example traces with failure counts by category', async () => {
      const { api } = await activatedExtension();
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder && folder.uri.path.endsWith('/examples'), `the tests run with examples/ as the workspace, got ${folder?.uri.fsPath}`);
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
      const roots = await api.traces.getChildren();
      const items = roots.map((n) => api.traces.getTreeItem(n));
      const labels = items.map((i) => String(i.label));
      for (const name of ['research-agent.trace.jsonl', 'support-chat.trace.json', 'travel-planner.otlp.trace.json']) {
        assert.ok(labels.includes(name), `${name} missing from the view: ${labels.join(', ')}`);
      }
      const research: TraceTreeNode = roots[labels.indexOf('research-agent.trace.jsonl')];
      const item = items[labels.indexOf('research-agent.trace.jsonl')];
      assert.match(String(item.description), /^\d+ failures?$/);
      assert.equal(item.command?.command, 'agentTraceDebugger.openTraceItem');
      // The tooltip comes when the pointer rests on the row (resolveTreeItem), not with every row.
      assert.equal(item.tooltip, undefined);
      const tooltip = api.traces.resolveTreeItem(item, research).tooltip;
      assert.ok(tooltip instanceof vscode.MarkdownString, 'a Markdown tooltip');
      // The path as text (a file name's Markdown is escaped), then the counts.
      assert.match(tooltip.value, /^\*\*research\\-agent\.trace\.jsonl\*\*\n\n.+ · 1 trace · \d+ steps · \d+ failures?$/);
      const categories = (await api.traces.getChildren(research)).map((n) => api.traces.getTreeItem(n));
      assert.ok(categories.length > 0, 'a trace with failures has category children');
      const total = categories.reduce((n, c) => n + Number(/(\d+)$/.exec(String(c.description))?.[1] ?? NaN), 0);
      assert.equal(`${total} failure${total === 1 ? '' : 's'}`, String(item.description), 'category counts add up to the file total');
      assert.ok(categories.some((c) => String(c.label) === 'TOOL.TIMEOUT'), `expected a TOOL.TIMEOUT category, got ${categories.map((c) => c.label).join(', ')}`);
    });

    test('stops at agentTraceDebugger.maxFiles, lists each file once and says how many are shown', async () => {
      const { api } = await activatedExtension();
      const config = vscode.workspace.getConfiguration('agentTraceDebugger');
      const fileLabels = async (): Promise<string[]> => (await api.traces.getChildren()).map((n) => String(api.traces.getTreeItem(n).label));
      try {
        await config.update('maxFiles', 2, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
        await api.traces.whenIdle();
        const labels = await waitFor('the view to list 2 files', async () => { const l = await fileLabels(); return l.length === 2 ? l : undefined; });
        assert.equal(new Set(labels).size, 2, `no file twice: ${labels.join(', ')}`);
        assert.equal(api.traces.message, '2 traces shown: this workspace has more files than the 2 the view looks at. The setting agentTraceDebugger.maxFiles raises the limit.');
      } finally {
        await config.update('maxFiles', undefined, vscode.ConfigurationTarget.Global);
      }
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
      const all = await waitFor('the view to list the 3 examples again', async () => { const l = await fileLabels(); return l.length === 3 ? l : undefined; });
      assert.deepEqual([...all].sort(), ['research-agent.trace.jsonl', 'support-chat.trace.json', 'travel-planner.otlp.trace.json']);
      assert.equal(api.traces.message, undefined, 'no message once every file is listed');
    });
  });
}
