/**
 * "Agent Trace: Build Training Set from Workspace…" in real VS Code: the command runs with its
 * answers given (query, set, confirmed), finds the runs through the workspace query service,
 * writes the set on disk, leaves it byte-identical on a re-run, says where a query does not
 * parse, and leaves no set behind when the write is cancelled.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension } from './helpers';
import type { CurateChoice, CurateUiResult } from '../../../src/host/curate';
import { CORRECTION_SIDECAR, runJsonl } from '../../unit/curate/fixture';

const COMMAND = 'agentTraceDebugger.buildTrainingSetFromWorkspace';

export function registerCurateTests(): void {
  suite('Build Training Set from Workspace', () => {
    let folder: string | undefined;
    let sets: string | undefined;
    const built = (choice: CurateChoice) => vscode.commands.executeCommand<CurateUiResult | undefined>(COMMAND, choice);
    const snapshot = (dir: string): Map<string, string> => new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

    suiteSetup(async () => {
      const { api } = await activatedExtension();
      const root = vscode.workspace.workspaceFolders?.[0];
      assert.ok(root, 'the integration tests run with a workspace folder');
      folder = join(root.uri.fsPath, 'curate-test-traces');
      sets = join(root.uri.fsPath, 'curate-test-sets');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'a-other.trace.jsonl'), runJsonl({ id: 'a', city: 'Berlin' }));
      writeFileSync(join(folder, 'b-success.trace.jsonl'), runJsonl({ id: 'b', city: 'Paris', reward: 1, answer: 'Paris is 18C (checked 2024-05-01T10:00:00Z).' }));
      writeFileSync(join(folder, 'd-corrected.trace.jsonl'), runJsonl({ id: 'd', city: 'Rome', reward: 1 }));
      writeFileSync(join(folder, 'd-corrected.trace.jsonl.annotations.json'), CORRECTION_SIDECAR);
      writeFileSync(join(folder, 'e-dup.trace.jsonl'), runJsonl({ id: 'e', city: 'Paris', reward: 1, answer: 'paris is 18C (checked 2024-05-02T11:30:00Z).' }));
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
    });

    suiteTeardown(async () => {
      for (const d of [folder, sets]) if (d) rmSync(d, { recursive: true, force: true });
      const { api } = await activatedExtension();
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
    });

    test('writes the ranked, deduplicated runs into the set, and a re-run changes no byte', async () => {
      const set = join(sets!, 'weather');
      const r = await built({ query: 'file:curate-test-traces outcome:success', set, confirm: true, balance: 'none' });
      assert.ok(r?.preview, JSON.stringify(r));
      // b, d, e succeed; e is b's near-duplicate. d: sft, preference, stepwise; b: sft, stepwise.
      assert.deepEqual([r.preview.matched, r.preview.traces, r.preview.examples, r.preview.duplicatesRemoved], [3, 2, 5, 1]);
      assert.deepEqual(r.preview.byFile, { 'sft.jsonl': 2, 'preference.jsonl': 1, 'stepwise.jsonl': 2 });
      assert.equal(r.written, 2);
      const manifest = readFileSync(join(set, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; curated: { rank: string } });
      assert.deepEqual(manifest.map((m) => [m.key.replace(/^.*\//, ''), m.curated.rank]), [
        ['d-corrected.trace.jsonl#0', 'corrected'], ['d-corrected.trace.jsonl#0', 'corrected'], ['d-corrected.trace.jsonl#0', 'corrected'],
        ['b-success.trace.jsonl#0', 'success'], ['b-success.trace.jsonl#0', 'success'],
      ]);
      assert.match(readFileSync(join(set, 'README.md'), 'utf8'), /## Curated runs/);
      const before = snapshot(set);
      const again = await built({ query: 'file:curate-test-traces outcome:success', set, confirm: true, balance: 'none' });
      assert.deepEqual([again?.written, again?.unchanged], [0, 2]);
      assert.deepEqual(snapshot(set), before);
    });

    test('a query that does not parse is refused with its column', async () => {
      const r = await built({ query: 'steps:>>3', set: join(sets!, 'never'), confirm: true });
      assert.ok(r?.error && typeof r.error.column === 'number' && r.error.column > 0, JSON.stringify(r));
      assert.equal(existsSync(join(sets!, 'never')), false);
    });

    test('a cancelled write leaves no set behind', async () => {
      const set = join(sets!, 'cancelled');
      const r = await built({ query: 'file:curate-test-traces', set, confirm: true, cancelAfterRuns: 1 });
      assert.equal(r?.cancelled, true, JSON.stringify(r));
      assert.equal(existsSync(join(set, 'set.json')), false);
    });
  });
}
