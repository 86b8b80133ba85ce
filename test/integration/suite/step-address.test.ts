/**
 * "Open at step" is exact in a file with several runs: tau-bench's few-shot file holds 19 runs
 * whose derived step ids repeat, and a CodeLens of run 18 must select run 18's step (it selected
 * run 0's while the lens passed the step id alone). Three runs with the same own id are told apart
 * by their keys (weather, weather#2, weather#3): a query names the third by its key, and opening
 * at that key selects the step in the third run.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedExtension, closeAllEditors, sharedTrace, toolStepLine as step, traceHeaderLine as header, waitFor, webviewState, workspaceTraceFolder } from './helpers';
import type { QueryTracesResult } from '../../../src/host/query';

export function registerStepAddressTests(): void {
  suite('step addresses in a file with several runs', () => {
    suiteTeardown(closeAllEditors);

    test('a CodeLens of the last run opens that run at its step', async () => {
      const { extension } = await activatedExtension();
      const uri = sharedTrace(extension.extensionPath, ['tau-bench', 'MockAirlineDomainEnv-few_shot.jsonl']);
      await closeAllEditors();
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      // The extension's own signal that it analysed the text: its CodeLenses.
      const lenses = await waitFor('Agent Trace CodeLenses', async () => {
        const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
        const ours = all.filter((l) => l.command?.command === 'agentTraceDebugger.openInTraceDebugger');
        return ours.length ? ours : undefined;
      });
      const args = (l: vscode.CodeLens) => l.command!.arguments as [vscode.Uri, string, number];
      const runs = lenses.map((l) => args(l)[2]);
      assert.ok(runs.every((r) => Number.isInteger(r)), `every CodeLens names its run: ${JSON.stringify(runs)}`);
      const last = Math.max(...runs);
      assert.ok(last > 0, 'a run after the first has a failure');
      const lens = lenses.find((l) => args(l)[2] === last)!;
      const [argUri, stepId, traceIndex] = args(lens);
      assert.equal(await vscode.commands.executeCommand<boolean>(lens.command!.command, argUri, stepId, traceIndex), true, 'the step was selected');
      const state = await waitFor(`run ${traceIndex + 1}'s step ${stepId} selected`, async () => {
        const s = await webviewState();
        return s?.selectedId === stepId ? s : undefined;
      });
      assert.equal(state.traceIndex, traceIndex, `the editor shows run ${traceIndex + 1}, not run ${state.traceIndex + 1}`);
    });

    test("three runs with one own id: a query names run 3 weather#3, and opening at that key selects run 3's step", async () => {
      const call = { toolCall: { name: 'search', arguments: { q: 'weather' } } };
      const run = (title: string, failing: boolean): string[] => [
        header('weather', title),
        step('s1', failing ? { ...call, status: 'error', error: { message: 'HTTP 429 Too Many Requests' } } : call),
        step('s2'),
      ];
      const folder = await workspaceTraceFolder('step-key-traces', { 'runs.trace.jsonl': [...run('weather 1', false), ...run('weather 2', false), ...run('weather 3', true)] });
      try {
        const result = await vscode.commands.executeCommand<QueryTracesResult>('agentTraceDebugger.queryTraces', { query: 'title:weather' });
        const ours = result.matches.filter((m) => m.file.includes('step-key-traces'));
        assert.deepEqual(ours.map((m) => [m.traceKey, m.title]), [['weather', 'weather 1'], ['weather#2', 'weather 2'], ['weather#3', 'weather 3']]);
        await closeAllEditors();
        const uri = vscode.Uri.file(ours[2].file);
        assert.equal(await vscode.commands.executeCommand<boolean>('agentTraceDebugger.openInTraceDebugger', uri, 's1', 'weather#3'), true, 'the step was selected');
        const state = await waitFor('s1 selected', async () => {
          const s = await webviewState();
          return s?.selectedId === 's1' ? s : undefined;
        });
        assert.equal(state.traceIndex, 2, `the editor shows run 3, not run ${state.traceIndex + 1}`);
      } finally {
        await folder.remove();
      }
    });
  });
}
