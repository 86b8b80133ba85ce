/**
 * "Agent Trace: Query Traces…" in real VS Code: the query language over the workspace's traces
 * (the Agent Traces view's files, records cached per file in the extension's storage), free text
 * searched in the trace worker, and a match opened in the Trace Debugger at its matching step.
 * The Failure Clusters view groups the same failures across traces.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension, closeAllEditors, waitFor, webviewState } from './helpers';
import type { QueryTracesResult } from '../../../src/host/query';

const header = (id: string, title: string): string => JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id, title });
const step = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'step', id, kind: 'tool', name: `call ${id}`, ...extra });

export function registerQueryTests(): void {
  suite('Query Traces', () => {
    let folder: string | undefined;

    suiteSetup(async () => {
      const { api } = await activatedExtension();
      const root = vscode.workspace.workspaceFolders?.[0];
      assert.ok(root, 'the integration tests run with a workspace folder');
      folder = join(root.uri.fsPath, 'query-test-traces');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'limited.trace.jsonl'), [
        header('limited', 'search hits a rate limit'),
        step('q1', { toolCall: { name: 'search', arguments: { q: 'weather' } } }),
        step('q2', { toolCall: { name: 'search', arguments: { q: 'weather' } }, status: 'error', error: { message: 'HTTP 429 Too Many Requests: rate limit exceeded for request 1234' } }),
        step('q3'),
      ].join('\n') + '\n');
      writeFileSync(join(folder, 'limited-again.trace.jsonl'), [
        header('limited-again', 'search hits a rate limit again'),
        step('r1', { toolCall: { name: 'search', arguments: { q: 'news' } }, status: 'error', error: { message: 'HTTP 429 Too Many Requests: rate limit exceeded for request 98765' } }),
        step('r2'),
      ].join('\n') + '\n');
      writeFileSync(join(folder, 'clean.trace.jsonl'), [header('clean', 'all fine'), step('c1'), step('c2')].join('\n') + '\n');
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
    });

    suiteTeardown(async () => {
      await closeAllEditors();
      if (folder) rmSync(folder, { recursive: true, force: true });
      const { api } = await activatedExtension();
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
    });

    const query = (q: string, open?: number) => vscode.commands.executeCommand<QueryTracesResult>('agentTraceDebugger.queryTraces', { query: q, open });

    test('a category query finds the failing trace, free text finds its step, and the match opens at that step', async () => {
      const byCategory = await query('category:TOOL.RATE_LIMIT');
      const ours = byCategory.matches.filter((m) => m.file.includes('query-test-traces'));
      assert.deepEqual(ours.map((m) => [m.title, m.stepId]), [['search hits a rate limit again', 'r1'], ['search hits a rate limit', 'q2']]);

      const clean = await query('title:"all fine" -outcome:failure');
      assert.deepEqual(clean.matches.map((m) => m.stepId), [null], 'the clean trace matches, with no failing step');

      // Free text: only the limited trace's steps say it; the match is placed on that step.
      const text = await query('"request 1234" tool:search', 0);
      assert.deepEqual(text.matches.map((m) => [m.title, m.stepId]), [['search hits a rate limit', 'q2']]);
      assert.equal(text.opened, true);
      await waitFor('the trace editor on q2', async () => ((await webviewState())?.selectedId === 'q2' ? true : undefined));

      const none = await query('"no such words anywhere in a trace"');
      assert.deepEqual(none.matches, []);
    });

    test('a query that does not parse says where', async () => {
      const bad = await query('catgory:TOOL');
      assert.equal(bad.error?.column, 1);
      assert.match(bad.error?.message ?? '', /unknown field "catgory".*did you mean "category"/);
      assert.deepEqual(bad.matches, []);
    });

    test('the Failure Clusters view groups the same failure across traces, and a step opens in the Trace Debugger', async () => {
      const { api } = await activatedExtension();
      api.clusters.refresh();
      const { clusters } = await api.clusters.clusters();
      // Other categories on the same steps (a reply that ignores the error) are clusters of their own.
      const ours = clusters.filter((c) => c.category === 'TOOL.RATE_LIMIT' && c.traces.some((t) => t.file.includes('query-test-traces')));
      assert.equal(ours.length, 1, JSON.stringify(clusters.map((c) => [c.category, c.tool, c.signature])));
      const [cluster] = ours;
      assert.equal(cluster.tool, 'search');
      assert.equal(cluster.count, 2);
      assert.match(cluster.signature, /HTTP 429 Too Many Requests: rate limit exceeded for request <(num|id)>/);
      assert.deepEqual(cluster.traces.map((t) => t.stepIds).sort(), [['q2'], ['r1']]);
      // The tree: cluster, then its traces, then their steps, which open where they failed.
      const roots = await api.clusters.getChildren();
      const node = roots.find((n) => n.type === 'cluster' && n.cluster.id === cluster.id);
      assert.ok(node);
      const traces = await api.clusters.getChildren(node);
      const steps = await api.clusters.getChildren(traces[0]);
      const item = api.clusters.getTreeItem(steps[0]);
      assert.ok(item.command);
      await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
      const expected = (cluster.traces[0].stepIds[0]);
      await waitFor(`the trace editor on ${expected}`, async () => ((await webviewState())?.selectedId === expected ? true : undefined));
    });
  });
}
