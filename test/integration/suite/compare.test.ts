/**
 * "Agent Trace: Compare Traces…" in real VS Code: two runs aligned in the trace worker, shown in
 * the Compare Traces view (the default) landing on the first different action, or opened side by
 * side in two Trace Debugger editors that land there; Next/Previous Difference move the view's
 * selection, or both editors.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension, closeAllEditors, sharedTrace, waitFor } from './helpers';
import type { CompareTracesResult } from '../../../src/host/compare';
import { workerJobs, type CompareResult } from '../../../src/core/engine/worker/jobs';
import type { CompareViewState } from '../../../src/protocol/compare';

const header = (id: string): string => JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id, title: `run ${id}` });
const call = (id: string, tool: string, args: Record<string, unknown>): string => JSON.stringify({ type: 'step', id, kind: 'tool', name: tool, toolCall: { name: tool, arguments: args } });

export function registerCompareTests(): void {
  suite('Compare Traces', () => {
    let dir: string;
    suiteSetup(() => { dir = mkdtempSync(join(tmpdir(), 'atd-compare-')); });
    suiteTeardown(async () => {
      await closeAllEditors();
      rmSync(dir, { recursive: true, force: true });
    });

    test('two runs of one file open side by side at their first different action; next and previous difference move both', async () => {
      const { api } = await activatedExtension();
      const file = join(dir, 'two-runs.trace.jsonl');
      writeFileSync(file, [
        header('a'), call('s1', 'search', { q: 'flights' }), call('s2', 'book', { seat: '12A' }), call('s3', 'pay', { amount: 10 }),
        header('b'), call('s1', 'search', { q: 'flights' }), call('s2', 'book', { seat: '14C' }), call('s4', 'email', { to: 'x' }), call('s3', 'pay', { amount: 10 }),
      ].join('\n') + '\n');
      await closeAllEditors();
      const uri = vscode.Uri.file(file);
      const result = await vscode.commands.executeCommand<CompareTracesResult>('agentTraceDebugger.compareTraces', { uri, traceIndex: 0 }, { uri, traceIndex: 1 }, 'editors');
      assert.deepEqual(result, { firstDivergence: { a: 1, b: 1 }, differences: 2 }, 'book changed its seat; email only in run b');
      const editors = () => api.traceEditor()?.editorsFor(uri) ?? [];
      const states = async () => Promise.all(editors().map((e) => e.getState()));
      const selected = async (): Promise<string[]> => (await states()).map((s) => `${s.traceIndex}:${s.selectedId}`).sort();
      await waitFor('both editors on s2', async () => ((await selected()).join(' ') === '0:s2 1:s2' ? true : undefined));
      assert.equal(editors().length, 2, 'two editors of the file, side by side');

      await vscode.commands.executeCommand('agentTraceDebugger.nextDifference');
      await waitFor('run b on s4 (only in b); run a stays', async () => ((await selected()).join(' ') === '0:s2 1:s4' ? true : undefined));
      await vscode.commands.executeCommand('agentTraceDebugger.previousDifference');
      await waitFor('back on s2', async () => ((await selected()).join(' ') === '0:s2 1:s2' ? true : undefined));

      const missing = await vscode.commands.executeCommand<CompareTracesResult>('agentTraceDebugger.compareTraces', { uri, traceIndex: 0 }, { uri, traceIndex: 5 });
      assert.match(missing.error ?? '', /has no run #5/);
    });

    test('Compare with Corrected Trajectory opens the view on the run and its sidecar\'s corrections, at the corrected call', async () => {
      await activatedExtension();
      await closeAllEditors();
      const file = join(dir, 'fix.trace.jsonl');
      writeFileSync(file, [
        header('f'),
        JSON.stringify({ type: 'step', id: 'f-llm0', kind: 'llm', name: 'model', output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c0', name: 'get_weather', arguments: { city: 'Pariss' } }] }] } }),
        JSON.stringify({ type: 'step', id: 'f-tool0', kind: 'tool', name: 'get_weather', toolCall: { id: 'c0', name: 'get_weather', arguments: { city: 'Pariss' } }, status: 'error', error: { message: 'unknown city' } }),
      ].join('\n') + '\n');
      writeFileSync(`${file}.annotations.json`, JSON.stringify({ version: 1, errors: [], reviewed: [], corrections: [
        { location: 'f-llm0', output: { role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] } },
      ] }));
      const result = await vscode.commands.executeCommand<CompareTracesResult>('agentTraceDebugger.compareWithCorrected', vscode.Uri.file(file), 0);
      assert.deepEqual(result, { firstDivergence: { a: 0, b: 0 }, differences: 2 }, 'the call changed its city; the failed call is only in the original');
      const shown = await waitFor('the view on the corrected call', async () => {
        const s = await vscode.commands.executeCommand<CompareViewState | undefined>('agentTraceDebugger.test.getCompareViewState');
        return s?.selectedPair === 0 && s.rendered.length === 2 ? s : undefined;
      });
      assert.deepEqual(shown.rendered, ['changed f-llm0 f-llm0', 'deleted f-tool0 -']);
      await closeAllEditors();
    });

    test('two tau-bench runs of one task open in the Compare Traces view on their first different action; Next/Previous Difference move its selection; Open Side by Side opens both runs there', async () => {
      const { extension, api } = await activatedExtension();
      await closeAllEditors();
      // Two runs of one airline task (README: gpt-4o-airline.json#43 and #93).
      const uri = sharedTrace(extension.extensionPath, ['tau-bench', 'gpt-4o-airline.json']);
      const expected = workerJobs.compareTraces({ a: { path: uri.fsPath, traceIndex: 43 }, b: { path: uri.fsPath, traceIndex: 93 } }) as CompareResult;
      assert.ok(!('refused' in expected), JSON.stringify(expected));
      const landing = (expected.firstActionDivergence ?? expected.firstDivergence)?.pair;
      assert.equal(typeof landing, 'number', 'the two runs differ');
      const result = await vscode.commands.executeCommand<CompareTracesResult>('agentTraceDebugger.compareTraces', { uri, traceIndex: 43 }, { uri, traceIndex: 93 });
      assert.deepEqual(result.firstDivergence, { a: expected.firstDivergence?.a, b: expected.firstDivergence?.b });
      const state = (): Thenable<CompareViewState | undefined> => vscode.commands.executeCommand<CompareViewState | undefined>('agentTraceDebugger.test.getCompareViewState').then((s) => s, () => undefined);
      const shown = await waitFor('the view on the first different action', async () => {
        const s = await state();
        return s && s.selectedPair === landing && s.rendered.length > 0 ? s : undefined;
      });
      const pair = expected.pairs[landing as number];
      assert.ok(shown.rendered.includes(`${pair.kind} ${pair.aStepId ?? '-'} ${pair.bStepId ?? '-'}`), `the landing pair is in view: ${shown.rendered.join(' | ')}`);
      assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputWebview, true, 'the view is a webview panel, not two editors');

      const next = expected.pairs.findIndex((p, i) => i > (landing as number) && p.kind !== 'same');
      await vscode.commands.executeCommand('agentTraceDebugger.nextDifference');
      await waitFor(`Next Difference selects pair ${next}`, async () => ((await state())?.selectedPair === next ? true : undefined));
      await vscode.commands.executeCommand('agentTraceDebugger.previousDifference');
      await waitFor('Previous Difference goes back', async () => ((await state())?.selectedPair === landing ? true : undefined));

      // "Open Side by Side in Trace Editors": both runs (not another run of the file), on the pair selected.
      await vscode.commands.executeCommand('agentTraceDebugger.compareOpenSideBySide');
      const editors = () => api.traceEditor()?.editorsFor(uri) ?? [];
      const near = (key: 'aStepId' | 'bStepId'): string | null => {
        for (let k = landing as number; k >= 0; k--) if (expected.pairs[k][key]) return expected.pairs[k][key];
        return null;
      };
      const want = `43:${near('aStepId')} 93:${near('bStepId')}`;
      await waitFor(`two trace editors on ${want}`, async () => {
        const states = await Promise.all(editors().map((e) => e.getState().catch(() => undefined)));
        return states.map((x) => `${x?.traceIndex}:${x?.selectedId}`).sort().join(' ') === want ? true : undefined;
      });
      await closeAllEditors();
    });
  });
}
