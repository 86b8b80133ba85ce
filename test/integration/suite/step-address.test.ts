/**
 * "Open at step" is exact in a file with several runs: tau-bench's few-shot file holds 19 runs
 * whose derived step ids repeat, and a CodeLens of run 18 must select run 18's step (it selected
 * run 0's while the lens passed the step id alone).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedExtension, closeAllEditors, sharedTrace, waitFor, webviewState } from './helpers';

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
  });
}
