/**
 * "Agent Trace: Query Traces…" in real VS Code: the query language over the workspace's traces
 * (the Agent Traces view's files, records cached per file in the extension's storage), free text
 * searched in the trace worker, and a match opened in the Trace Debugger at its matching step.
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
        step('q2', { toolCall: { name: 'search', arguments: { q: 'weather' } }, status: 'error', error: { message: 'HTTP 429 Too Many Requests: rate limit exceeded' } }),
        step('q3'),
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
      assert.deepEqual(ours.map((m) => [m.title, m.stepId]), [['search hits a rate limit', 'q2']]);

      const clean = await query('title:"all fine" -outcome:failure');
      assert.deepEqual(clean.matches.map((m) => m.stepId), [null], 'the clean trace matches, with no failing step');

      // Free text: only the limited trace's steps say it; the match is placed on that step.
      const text = await query('"too many requests" tool:search', 0);
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
  });
}
