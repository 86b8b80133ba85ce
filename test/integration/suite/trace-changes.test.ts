/**
 * A trace that changes on disk while the trace editor shows it: a line appended by the agent shows
 * up without reopening, and a rewrite is read again with the selection kept on its step (by its
 * stable id) and the tags still on it.
 */
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension, closeAllEditors, VIEW_TYPE, waitFor, webviewState } from './helpers';

const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'live', title: 'a live run' });
const step = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'step', id, kind: 'tool', name: `call ${id}`, ...extra });
const lines = (...l: string[]): string => [header, ...l].join('\n') + '\n';

export function registerTraceChangesTests(): void {
  suite('a trace that changes on disk', () => {
    let dir: string;
    suiteSetup(() => { dir = mkdtempSync(join(tmpdir(), 'atd-live-')); });
    suiteTeardown(async () => {
      await closeAllEditors();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a line appended to the file appears without reopening it', async () => {
      await activatedExtension();
      const file = join(dir, 'appended.trace.jsonl');
      writeFileSync(file, lines(step('s1'), step('s2'), step('s3')));
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      await waitFor('3 rows', async () => ((await webviewState())?.totalRows === 3 ? true : undefined));
      appendFileSync(file, step('s4', { status: 'error', error: { message: 'tool crashed' } }) + '\n');
      await waitFor('the appended step as a 4th row', async () => ((await webviewState())?.totalRows === 4 ? true : undefined));
    });

    test('a rewrite is read again: the selected step stays selected at its new place, with its tag', async () => {
      const { api } = await activatedExtension();
      const file = join(dir, 'rewritten.trace.jsonl');
      writeFileSync(file, lines(step('s1'), step('s2'), step('s3')));
      writeFileSync(`${file}.annotations.json`, JSON.stringify({ version: 1, errors: [{ location: 's2', category: 'TOOL.RUNTIME', impact: 'LOW', source: 'human' }] }));
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      await waitFor('3 rows', async () => ((await webviewState())?.totalRows === 3 ? true : undefined));
      assert.equal(api.traceEditor()?.activeEditor?.selectStep('s2'), true);
      const before = await waitFor('s2 selected', async () => { const s = await webviewState(); return s?.selectedId === 's2' ? s : undefined; });
      assert.equal(before.selectedIndex, 1);
      assert.deepEqual(before.selectedTags, ['TOOL.RUNTIME']);
      writeFileSync(file, lines(step('s0'), step('a'), step('s1'), step('s2'), step('s3')));
      const after = await waitFor('the rewrite read again', async () => { const s = await webviewState(); return s?.totalRows === 5 && s.selectedId === 's2' ? s : undefined; });
      assert.equal(after.selectedIndex, 3, 's2 moved from row 2 to row 4');
      assert.deepEqual(after.selectedTags, ['TOOL.RUNTIME'], 'the tag is still on s2');
    });
  });
}
