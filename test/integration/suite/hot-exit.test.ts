/**
 * Hot exit in real VS Code, through the registered trace editor provider (ExtensionApi.traceEditor):
 * exactly the calls VS Code makes when it backs up a dirty custom editor before a window closes
 * (`backupCustomDocument` to a destination it chooses) and when it reopens the editor afterwards
 * (`openCustomDocument` with that backup's id). The unsaved tag must come back as an unsaved
 * edit (nothing written beside the trace), a corrupt or foreign backup must be refused with a
 * warning while the saved sidecar is shown and the backup file kept, and a cancelled backup must
 * leave no file behind. Works on a copy of a TRAIL trace in a temp folder (../shared is never
 * written). The reload itself (VS Code choosing the backupId) is test/integration/hot-exit.mjs
 * (run by window-reload.mjs).
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TraceDocument } from '../../../src/host/editor';
import { activatedExtension, closeClean, sharedTrace, TRAIL_TRACE, traceTab, VIEW_TYPE, waitFor, webviewState } from './helpers';

type Provider = vscode.CustomEditorProvider<TraceDocument> & { documentFor(uri: vscode.Uri): TraceDocument | undefined };

interface AnnotationsSnapshot {
  open: boolean;
  dirty: boolean;
  sidecar: { errors: { location: string; category: string; impact?: string; description?: string }[] } | null;
}

const annotations = (uri: vscode.Uri): Thenable<AnnotationsSnapshot> => vscode.commands.executeCommand<AnnotationsSnapshot>('agentTraceDebugger.test.getAnnotations', uri);

const never = new vscode.CancellationTokenSource().token;

/** Record the warnings the extension shows (it shares this `vscode` API object with the tests). */
function recordWarnings(): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const window = vscode.window as { showWarningMessage: (...args: unknown[]) => Thenable<unknown> };
  const original = window.showWarningMessage;
  window.showWarningMessage = (message: unknown) => { messages.push(String(message)); return Promise.resolve(undefined); };
  return { messages, restore: () => { window.showWarningMessage = original; } };
}

export function registerHotExitTests(): void {
  suite('hot exit (backup and restore through the trace editor provider)', () => {
    let tmp: string;
    let backups: string;
    let tracePath: string;
    let sidecarPath: string;
    let uri: vscode.Uri;
    let provider: Provider;
    let stepId: string;
    /** Documents opened here directly (VS Code does not own them): disposed after each test. */
    const opened: TraceDocument[] = [];
    const panels: vscode.WebviewPanel[] = [];

    suiteSetup(async function () {
      const { extension, api } = await activatedExtension();
      const p = api.traceEditor();
      assert.ok(p, 'the extension exposes its trace editor provider');
      provider = p as unknown as Provider;
      tmp = mkdtempSync(join(tmpdir(), 'atd-hot-exit-'));
      backups = join(tmp, 'backups');
      mkdirSync(backups);
      tracePath = join(tmp, TRAIL_TRACE[TRAIL_TRACE.length - 1]);
      copyFileSync(sharedTrace(extension.extensionPath, TRAIL_TRACE).fsPath, tracePath);
      sidecarPath = `${tracePath}.annotations.json`;
      uri = vscode.Uri.file(tracePath);
      await closeClean();
    });

    teardown(async () => {
      for (const panel of panels.splice(0)) panel.dispose();
      for (const document of opened.splice(0)) document.dispose();
      await closeClean();
    });

    suiteTeardown(async () => {
      await closeClean();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    /** Open the copy in the trace editor and tag its first failing step: the tab is dirty, nothing on disk. */
    async function tagInEditor(description: string): Promise<TraceDocument> {
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, { preview: false });
      await waitFor('the trace editor webview to answer', async () => ((await webviewState())?.totalRows ? true : undefined));
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      stepId = await waitFor('a failing step to be selected', async () => (await webviewState())?.selectedId ?? undefined);
      await vscode.commands.executeCommand('agentTraceDebugger.tagStep', { uri, stepId, category: 'TOOL.RUNTIME', impact: 'HIGH', description });
      await waitFor('the tab to be dirty', () => (traceTab(uri)?.isDirty ? true : undefined));
      const document = provider.documentFor(uri);
      assert.ok(document, 'the provider holds the open document');
      return document;
    }

    /** The saved state the refused backups fall back to: the first test's save, else tag and save one here. */
    async function ensureSavedSidecar(): Promise<void> {
      if (existsSync(sidecarPath)) return;
      await tagInEditor('survives hot exit');
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('the tab to be clean after Save', () => (traceTab(uri)?.isDirty === false ? true : undefined));
      await closeClean();
    }

    /** What VS Code does when it reopens an editor after a hot exit. */
    async function reopen(backupId: string): Promise<TraceDocument> {
      const document = await provider.openCustomDocument(uri, { backupId, untitledDocumentData: undefined }, never);
      opened.push(document);
      return document;
    }

    test('the backup holds the unsaved tag; reopening from it restores the tag as an unsaved edit, nothing written', async function () {
      const tagged = await tagInEditor('survives hot exit');
      const destination = vscode.Uri.file(join(backups, 'restored'));
      const backup = await provider.backupCustomDocument(tagged, { destination }, never);
      assert.equal(backup.id, destination.toString(), 'the backup id is the destination VS Code gave');
      assert.match(readFileSync(destination.fsPath, 'utf8'), /survives hot exit/);
      assert.deepEqual(readdirSync(backups), ['restored'], 'no temp file is left beside the backup');
      // The window goes away without saving: the editor and its document are gone.
      await closeClean();
      assert.equal(provider.documentFor(uri), undefined, 'the original document was disposed');
      assert.equal(existsSync(sidecarPath), false, 'hot exit never writes the sidecar');

      const restored = await reopen(backup.id);
      assert.deepEqual(restored.file.annotations.doc.errors.map((e) => [e.location, e.category, e.impact, e.description, e.source]), [[stepId, 'TOOL.RUNTIME', 'HIGH', 'survives hot exit', 'human']]);
      // Unsaved, as VS Code shows it (a document opened from a backup is dirty until saved or
      // reverted): the extension's own state agrees, and that is what its status reports.
      assert.equal(restored.file.annotations.dirty, true, 'the restored tag is an unsaved edit');
      assert.equal(restored.file.annotationStatus().dirty, true);
      const held = await annotations(uri);
      assert.equal(held.open, true);
      assert.equal(held.dirty, true);
      assert.deepEqual(held.sidecar?.errors.map((e) => e.description), ['survives hot exit']);
      assert.equal(existsSync(sidecarPath), false, 'restoring writes nothing beside the trace');

      // A real editor on the restored document shows the tag on its step.
      const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'restored', vscode.ViewColumn.Active, {});
      panels.push(panel);
      void provider.resolveCustomEditor(restored, panel, never);
      await waitFor('the restored editor to answer', async () => ((await webviewState())?.totalRows ? true : undefined));
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      const shown = await waitFor('the restored tag on the (first failing) tagged step', async () => {
        const s = await webviewState();
        return s?.selectedId === stepId && s.selectedTags?.length ? s.selectedTags : undefined;
      });
      assert.deepEqual(shown, ['TOOL.RUNTIME']);

      // Nothing lost: saving the restored document writes the tag, and it is clean again.
      await provider.saveCustomDocument(restored, never);
      assert.equal(restored.file.annotations.dirty, false);
      const written = JSON.parse(readFileSync(sidecarPath, 'utf8')) as { errors: { location: string; description?: string }[] };
      assert.deepEqual(written.errors.map((e) => [e.location, e.description]), [[stepId, 'survives hot exit']]);
    });

    for (const [what, body] of [
      ['that is not JSON (corrupt)', '{"kind":"agent-trace-annotations-backup","vers'],
      ['of another kind (foreign)', JSON.stringify({ kind: 'something-else', version: 1, sidecar: '{}' })],
      ['of a newer version', JSON.stringify({ kind: 'agent-trace-annotations-backup', version: 2, sidecar: '{}' })],
      ['holding an unreadable sidecar', JSON.stringify({ kind: 'agent-trace-annotations-backup', version: 1, sidecar: '{"version":1,"errors":[{"nope":' })],
    ] as const) {
      test(`a backup ${what} is refused with a warning: the saved sidecar is shown, the backup file kept`, async function () {
        await ensureSavedSidecar();
        const savedText = readFileSync(sidecarPath, 'utf8');
        const file = join(backups, `bad-${what.replace(/\W+/g, '-')}`);
        writeFileSync(file, body);
        const warnings = recordWarnings();
        let restored: TraceDocument;
        try {
          restored = await reopen(vscode.Uri.file(file).toString());
        } finally {
          warnings.restore();
        }
        assert.equal(warnings.messages.length, 1, `one warning, got ${JSON.stringify(warnings.messages)}`);
        assert.match(warnings.messages[0], /could not be restored from the backup/);
        assert.equal(restored.file.annotations.loadError, undefined);
        assert.equal(restored.file.annotations.dirty, false, 'the saved state, not an unsaved one');
        assert.deepEqual(restored.file.annotations.doc.errors.map((e) => e.description), ['survives hot exit']);
        assert.equal(readFileSync(file, 'utf8'), body, 'the backup file is left in place, unchanged');
        assert.equal(readFileSync(sidecarPath, 'utf8'), savedText, 'the sidecar is not touched');
      });
    }

    test('a backup whose cancellation was requested before or while writing leaves no file', async function () {
      const tagged = await tagInEditor('cancelled backup');
      const before = readdirSync(backups).sort();

      const cancelled = new vscode.CancellationTokenSource();
      cancelled.cancel();
      const early = vscode.Uri.file(join(backups, 'cancelled-before'));
      await assert.rejects(Promise.resolve(provider.backupCustomDocument(tagged, { destination: early }, cancelled.token)), (e: unknown) => e instanceof vscode.CancellationError);
      assert.equal(existsSync(early.fsPath), false, 'nothing is written when already cancelled');

      const midway = new vscode.CancellationTokenSource();
      const late = vscode.Uri.file(join(backups, 'cancelled-while-writing'));
      const pending = Promise.resolve(provider.backupCustomDocument(tagged, { destination: late }, midway.token));
      midway.cancel();
      await assert.rejects(pending, (e: unknown) => e instanceof vscode.CancellationError);
      assert.equal(existsSync(late.fsPath), false, 'a backup cancelled while writing is not renamed into place');
      assert.deepEqual(readdirSync(backups).sort(), before, 'no half-written or temp file is left');

      // Still the same document: a later backup that is not cancelled is complete.
      const ok = vscode.Uri.file(join(backups, 'after-cancel'));
      await provider.backupCustomDocument(tagged, { destination: ok }, never);
      const parsed = JSON.parse(readFileSync(ok.fsPath, 'utf8')) as { kind: string; version: number; sidecar: string };
      assert.equal(parsed.kind, 'agent-trace-annotations-backup');
      assert.match(parsed.sidecar, /cancelled backup/);
    });
  });
}
