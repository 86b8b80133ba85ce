/**
 * "Agent Trace: Query Traces…" in real VS Code: the query language over the workspace's traces
 * (the Agent Traces view's files, records cached per file in the extension's storage), free text
 * searched in the trace worker, and a match opened in the Trace Debugger at its matching step.
 * The Failure Clusters view groups the same failures across traces; a cluster is tagged as a
 * whole (sidecars on disk, or the open trace editor's document) and undone byte for byte, and
 * stepped through across traces.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension, closeAllEditors, toolStepLine as step, traceHeaderLine as header, waitFor, webviewState, workspaceTraceFolder } from './helpers';
import type { QueryTracesResult } from '../../../src/host/query';
import type { ClusterBatchOutcome, ClusterUndoOutcome } from '../../../src/host/clusters/actions';

export function registerQueryTests(): void {
  suite('Query Traces', () => {
    let traces: Awaited<ReturnType<typeof workspaceTraceFolder>> | undefined;
    let folder: string | undefined;

    suiteSetup(async () => {
      traces = await workspaceTraceFolder('query-test-traces', {
        'limited.trace.jsonl': [
          header('limited', 'search hits a rate limit'),
          step('q1', { toolCall: { name: 'search', arguments: { q: 'weather' } } }),
          step('q2', { toolCall: { name: 'search', arguments: { q: 'weather' } }, status: 'error', error: { message: 'HTTP 429 Too Many Requests: rate limit exceeded for request 1234' } }),
          step('q3'),
        ],
        'limited-again.trace.jsonl': [
          header('limited-again', 'search hits a rate limit again'),
          step('r1', { toolCall: { name: 'search', arguments: { q: 'news' } }, status: 'error', error: { message: 'HTTP 429 Too Many Requests: rate limit exceeded for request 98765' } }),
          step('r2'),
        ],
        'clean.trace.jsonl': [header('clean', 'all fine'), step('c1'), step('c2')],
      });
      folder = traces.path;
    });

    suiteTeardown(() => traces?.remove());

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

    test('a whole cluster is tagged in one operation (sidecars on disk and the view\'s counts) and undone byte for byte', async () => {
      const { api } = await activatedExtension();
      assert.ok(folder);
      const limitedSidecar = join(folder, 'limited.trace.jsonl.annotations.json');
      const againSidecar = join(folder, 'limited-again.trace.jsonl.annotations.json');
      // A sidecar as a user wrote it by hand: its own layout, a tag on another step, a key of its own.
      const handWritten = '{"version": 1, "errors": [{"location": "q1", "category": "TOOL.RUNTIME", "note": "mine"}],\n "reviewed": ["q1"], "team": "evals"}\n';
      writeFileSync(limitedSidecar, handWritten);
      rmSync(againSidecar, { force: true });
      // No trace open in a trace editor: every sidecar is written on disk.
      await closeAllEditors();
      try {
        api.clusters.refresh();
        const cluster = (await api.clusters.clusters()).clusters.find((c) => c.category === 'TOOL.RATE_LIMIT' && c.traces.some((t) => t.file.includes('query-test-traces')));
        assert.ok(cluster);
        assert.equal(cluster.tagged, 0);
        const tag = await vscode.commands.executeCommand<ClusterBatchOutcome>('agentTraceDebugger.tagCluster', { clusterId: cluster.id, category: 'TOOL.RATE_LIMIT', notify: false });
        assert.deepEqual([tag.changed, tag.traces, tag.already, tag.refused], [2, 2, 0, []], tag.message);
        assert.match(tag.message, /^Tagged 2 steps in 2 traces as TOOL\.RATE_LIMIT\.$/);
        const onDisk = (p: string): { errors: { location: string; category: string; source: string }[]; team?: string } => JSON.parse(readFileSync(p, 'utf8'));
        assert.deepEqual(onDisk(limitedSidecar).errors.map((e) => [e.location, e.category, e.source]), [['q1', 'TOOL.RUNTIME', 'human'], ['q2', 'TOOL.RATE_LIMIT', 'human']]);
        assert.equal(onDisk(limitedSidecar).team, 'evals', 'the user\'s own key is kept');
        assert.deepEqual(onDisk(againSidecar).errors.map((e) => [e.location, e.category]), [['r1', 'TOOL.RATE_LIMIT']]);

        // The view counts the tagged failures (the action refreshed it).
        const tagged = (await api.clusters.clusters()).clusters.find((c) => c.id === cluster.id);
        assert.equal(tagged?.tagged, 2);
        const node = (await api.clusters.getChildren()).find((n) => n.type === 'cluster' && n.cluster.id === cluster.id);
        assert.ok(node);
        const item = api.clusters.getTreeItem(node);
        assert.match(String(item.description), /2 traces · 2 tagged/);
        assert.equal(item.contextValue, 'failureCluster withFindings', 'the tag and reject actions show on it');

        // Again: both steps already have it; nothing is written, and Undo still undoes the first tagging.
        const again = await vscode.commands.executeCommand<ClusterBatchOutcome>('agentTraceDebugger.tagCluster', { clusterId: cluster.id, category: 'TOOL.RATE_LIMIT', notify: false });
        assert.deepEqual([again.changed, again.already, again.written], [0, 2, []]);
        assert.match(again.message, /2 already tagged/);

        const undo = await vscode.commands.executeCommand<ClusterUndoOutcome>('agentTraceDebugger.undoClusterTagging', { notify: false });
        assert.deepEqual([undo.restored, undo.removed, undo.refused], [[limitedSidecar], [againSidecar], []], undo.message);
        assert.equal(readFileSync(limitedSidecar, 'utf8'), handWritten, 'the hand-written bytes are back');
        assert.equal(existsSync(againSidecar), false, 'the sidecar the tagging created is removed');
        assert.equal((await api.clusters.clusters()).clusters.find((c) => c.id === cluster.id)?.tagged, 0);
        assert.equal(await vscode.commands.executeCommand('agentTraceDebugger.undoClusterTagging', { notify: false }), undefined, 'nothing left to undo');
      } finally {
        rmSync(limitedSidecar, { force: true });
        rmSync(againSidecar, { force: true });
      }
    });

    test('a trace open in the Trace Debugger gets the cluster\'s tags as an edit of its tab, and a sidecar changed meanwhile is not clobbered by undo', async () => {
      const { api } = await activatedExtension();
      assert.ok(folder);
      const limited = join(folder, 'limited.trace.jsonl');
      const limitedSidecar = `${limited}.annotations.json`;
      const againSidecar = join(folder, 'limited-again.trace.jsonl.annotations.json');
      await closeAllEditors();
      try {
        api.clusters.refresh();
        const cluster = (await api.clusters.clusters()).clusters.find((c) => c.category === 'TOOL.RATE_LIMIT' && c.traces.some((t) => t.file.includes('query-test-traces')));
        assert.ok(cluster);
        // Open limited at its failing step, then reject the finding for the whole cluster.
        await vscode.commands.executeCommand('agentTraceDebugger.openInTraceDebugger', vscode.Uri.file(limited), 'q2');
        await waitFor('the trace editor on q2', async () => ((await webviewState())?.selectedId === 'q2' ? true : undefined));
        const reject = await vscode.commands.executeCommand<ClusterBatchOutcome>('agentTraceDebugger.rejectClusterFindings', { clusterId: cluster.id, notify: false });
        assert.equal(reject.changed, 2, reject.message);
        assert.deepEqual(reject.inEditor, [limited]);
        assert.deepEqual(reject.written, [againSidecar]);
        assert.match(reject.message, /1 trace open in the Trace Debugger changed in its tab/);
        assert.equal(existsSync(limitedSidecar), false, 'the open trace\'s sidecar is not written behind its tab');
        const snap = await vscode.commands.executeCommand<{ open: boolean; dirty: boolean; sidecar: { errors: { location: string; status: string; rule?: string }[] } }>('agentTraceDebugger.test.getAnnotations', vscode.Uri.file(limited));
        assert.equal(snap.open, true);
        assert.equal(snap.dirty, true);
        assert.ok(snap.sidecar.errors.some((e) => e.location === 'q2' && e.status === 'rejected'), JSON.stringify(snap.sidecar));
        // The view reads sidecars on disk: limited-again's failure is gone, limited's stays until its tab is saved.
        assert.equal((await api.clusters.clusters()).clusters.find((c) => c.id === cluster.id)?.count, 1);

        // Someone changes the written sidecar before the undo: undo refuses it and keeps that change.
        const changed = readFileSync(againSidecar, 'utf8').replace('"reviewed": []', '"reviewed": ["r2"]');
        writeFileSync(againSidecar, changed);
        const undo = await vscode.commands.executeCommand<ClusterUndoOutcome>('agentTraceDebugger.undoClusterTagging', { notify: false });
        assert.deepEqual(undo.inEditor, [limited], undo.message);
        assert.deepEqual(undo.refused.map((r) => r.trace), [join(folder, 'limited-again.trace.jsonl')]);
        assert.match(undo.message, /limited-again\.trace\.jsonl\.annotations\.json changed after the cluster was tagged; not restored/);
        assert.equal(readFileSync(againSidecar, 'utf8'), changed);
        const after = await vscode.commands.executeCommand<{ dirty: boolean; sidecar: { errors: unknown[] } }>('agentTraceDebugger.test.getAnnotations', vscode.Uri.file(limited));
        assert.deepEqual(after.sidecar.errors, [], 'the open document is back to no entries');
        await vscode.commands.executeCommand('workbench.action.files.revert');
      } finally {
        await closeAllEditors();
        rmSync(limitedSidecar, { force: true });
        rmSync(againSidecar, { force: true });
      }
    });

    test('Next/Previous Step in Cluster open the cluster\'s steps one after another across traces', async () => {
      const { api } = await activatedExtension();
      api.clusters.refresh();
      const cluster = (await api.clusters.clusters()).clusters.find((c) => c.category === 'TOOL.RATE_LIMIT' && c.traces.some((t) => t.file.includes('query-test-traces')));
      assert.ok(cluster);
      const order = cluster.traces.flatMap((t) => t.stepIds);
      assert.equal(order.length, 2);
      const trace = (await api.clusters.getChildren((await api.clusters.getChildren()).find((n) => n.type === 'cluster' && n.cluster.id === cluster.id)))[0];
      const first = api.clusters.getTreeItem((await api.clusters.getChildren(trace))[0]);
      assert.ok(first.command);
      await vscode.commands.executeCommand(first.command.command, ...(first.command.arguments ?? []));
      await waitFor(`the trace editor on ${order[0]}`, async () => ((await webviewState())?.selectedId === order[0] ? true : undefined));
      assert.deepEqual([api.clusters.position?.index, api.clusters.position?.total], [0, 2]);
      await vscode.commands.executeCommand('agentTraceDebugger.nextStepInCluster');
      await waitFor(`the trace editor on ${order[1]}`, async () => ((await webviewState())?.selectedId === order[1] ? true : undefined));
      assert.equal(api.clusters.position?.index, 1);
      await vscode.commands.executeCommand('agentTraceDebugger.previousStepInCluster');
      await waitFor(`the trace editor back on ${order[0]}`, async () => ((await webviewState())?.selectedId === order[0] ? true : undefined));
      assert.equal(api.clusters.position?.index, 0);
      await vscode.commands.executeCommand('agentTraceDebugger.previousStepInCluster');
      await waitFor(`the trace editor wrapped to ${order[1]}`, async () => ((await webviewState())?.selectedId === order[1] ? true : undefined));
      await closeAllEditors();
    });
  });
}
