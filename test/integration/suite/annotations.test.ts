/**
 * Tagging in real VS Code: a tag is an undoable edit of the trace editor's document (dirty tab,
 * undo/redo), Save writes the sidecar atomically beside the trace (never the trace), reopening
 * shows the tags again, Revert re-reads the sidecar, a changed trace is reported without losing
 * tags, and in the text editor the code actions tag a step / reject a finding with matching
 * diagnostics. Works on a copy of a TRAIL trace in a temp folder (../shared is never written).
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension, closeClean, sharedTrace, TRAIL_TRACE, traceTab, VIEW_TYPE, waitFor, webviewState } from './helpers';

interface SidecarJson {
  version: number;
  trace?: { path: string; sha256: string };
  errors: { location: string; category: string; impact?: string; description?: string; source: string; status: string; rule?: string }[];
  corrections: unknown[];
  reviewed: unknown[];
}

interface AnnotationsSnapshot {
  open: boolean;
  dirty: boolean;
  status?: { traceChanged: boolean; orphanCount: number; dirty: boolean; sidecarName: string };
  sidecar: SidecarJson | null;
}

interface EditOutcome { via: 'document' | 'file'; traceIndex: number; index: number; stepName: string }

const annotations = (uri: vscode.Uri): Thenable<AnnotationsSnapshot> => vscode.commands.executeCommand<AnnotationsSnapshot>('agentTraceDebugger.test.getAnnotations', uri);

async function openInTraceEditor(uri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, { preview: false });
  await waitFor('the trace editor webview to answer', async () => ((await webviewState())?.totalRows ? true : undefined));
}

async function dirtyIs(uri: vscode.Uri, dirty: boolean): Promise<void> {
  await waitFor(`the tab to be ${dirty ? 'dirty' : 'clean'}`, () => (traceTab(uri)?.isDirty === dirty ? true : undefined));
}

export function registerAnnotationTests(): void {
  suite('tagging and correcting (annotations)', () => {
    let tmp: string;
    let tracePath: string;
    let sidecarPath: string;
    let uri: vscode.Uri;
    let failedStepId: string;

    suiteSetup(async function () {
      const { extension } = await activatedExtension();
      tmp = mkdtempSync(join(tmpdir(), 'atd-annotations-'));
      const source = sharedTrace(extension.extensionPath, TRAIL_TRACE).fsPath;
      tracePath = join(tmp, TRAIL_TRACE[TRAIL_TRACE.length - 1]);
      copyFileSync(source, tracePath);
      sidecarPath = `${tracePath}.annotations.json`;
      uri = vscode.Uri.file(tracePath);
      await closeClean();
    });

    suiteTeardown(async () => {
      await closeClean();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    test('a tag is an undoable edit: dirty tab, undo, redo', async () => {
      await openInTraceEditor(uri);
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      failedStepId = await waitFor('a failing step to be selected', async () => (await webviewState())?.selectedId ?? undefined);
      const bytesBefore = readFileSync(tracePath);

      const outcome = await vscode.commands.executeCommand<EditOutcome>('agentTraceDebugger.tagStep', { stepId: failedStepId, category: 'TOOL.RUNTIME', impact: 'HIGH', description: 'integration tag' });
      assert.equal(outcome?.via, 'document', 'with the trace editor open, the tag is an edit of its document');
      await dirtyIs(uri, true);
      let a = await annotations(uri);
      assert.deepEqual(a.sidecar?.errors.map((e) => [e.location, e.category, e.impact, e.description, e.source]), [[failedStepId, 'TOOL.RUNTIME', 'HIGH', 'integration tag', 'human']]);
      assert.equal(existsSync(sidecarPath), false, 'nothing is written before Save');

      await vscode.commands.executeCommand('undo');
      await dirtyIs(uri, false);
      a = await annotations(uri);
      assert.deepEqual(a.sidecar?.errors, []);

      await vscode.commands.executeCommand('redo');
      await dirtyIs(uri, true);
      a = await annotations(uri);
      assert.equal(a.sidecar?.errors.length, 1);
      assert.deepEqual(readFileSync(tracePath), bytesBefore, 'the trace file is never changed');
    });

    test('Save writes the sidecar beside the trace (tag at the span id, trace sha256); reopening shows it again', async () => {
      await vscode.commands.executeCommand('workbench.action.files.save');
      await dirtyIs(uri, false);
      const written = JSON.parse(readFileSync(sidecarPath, 'utf8')) as SidecarJson;
      assert.equal(written.version, 1);
      assert.equal(written.trace?.path, TRAIL_TRACE[TRAIL_TRACE.length - 1]);
      assert.equal(written.trace?.sha256, createHash('sha256').update(readFileSync(tracePath)).digest('hex'));
      assert.deepEqual(written.errors.map((e) => [e.location, e.category, e.status]), [[failedStepId, 'TOOL.RUNTIME', 'confirmed']]);
      // TRAIL steps are addressed by their span id as written in the file.
      assert.ok(readFileSync(tracePath, 'utf8').includes(`"${failedStepId}"`), `${failedStepId} should be a span id of the trace`);

      await closeClean();
      await openInTraceEditor(uri);
      const a = await annotations(uri);
      assert.equal(a.open, true);
      assert.equal(a.dirty, false);
      assert.deepEqual(a.sidecar?.errors.map((e) => e.location), [failedStepId]);
      assert.equal(a.status?.traceChanged, false);
      const tab = traceTab(uri);
      assert.equal(tab?.isDirty, false);
    });

    test('Revert drops unsaved tags and re-reads the sidecar', async () => {
      await vscode.commands.executeCommand('agentTraceDebugger.tagStep', { stepId: failedStepId, category: 'ORCH.BLIND_RETRY', impact: 'LOW', description: 'to be reverted' });
      await dirtyIs(uri, true);
      assert.equal((await annotations(uri)).sidecar?.errors.length, 2);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await dirtyIs(uri, false);
      assert.deepEqual((await annotations(uri)).sidecar?.errors.map((e) => e.category), ['TOOL.RUNTIME']);
    });

    test('a sidecar changed on disk is reloaded when there are no unsaved edits', async () => {
      const doc = JSON.parse(readFileSync(sidecarPath, 'utf8')) as SidecarJson;
      doc.errors.push({ location: failedStepId, category: 'OUT.FORMAT', impact: 'LOW', source: 'human', status: 'confirmed' });
      const { writeFileSync } = await import('node:fs');
      writeFileSync(sidecarPath, JSON.stringify(doc, null, 2));
      await waitFor('the edited sidecar to be reloaded', async () => ((await annotations(uri)).sidecar?.errors.length === 2 ? true : undefined));
      assert.equal(traceTab(uri)?.isDirty, false);
    });

    test('in the text editor: "Tag this step as…" and "Reject finding" code actions, with diagnostics', async function () {
      await closeClean();
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const findings = await waitFor('finding diagnostics', () => {
        const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Agent Trace');
        return d.length > 0 ? d : undefined;
      });
      // The saved human tags show beside the findings.
      const tags = await waitFor('tag diagnostics', () => {
        const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Agent Trace (tag)');
        return d.length === 2 ? d : undefined;
      });
      assert.ok(tags.some((d) => d.message === 'TAG TOOL.RUNTIME: integration tag' && d.severity === vscode.DiagnosticSeverity.Error), tags.map((d) => d.message).join('\n'));

      // Reject the first finding through its code action: saved at once (the trace editor is closed), the diagnostic goes.
      const target = findings[0];
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, target.range);
      const reject = actions.find((a) => a.title.startsWith(`Reject finding ${String(target.code)} (`));
      assert.ok(reject?.command, `no "Reject finding" action; got ${actions.map((a) => a.title).join(', ')}`);
      const tagAction = actions.find((a) => a.title === 'Tag this step as…');
      assert.ok(tagAction?.command, 'no "Tag this step as…" action on a step');
      const countBefore = findings.filter((d) => d.message === target.message && d.range.isEqual(target.range)).length;
      const outcome = await vscode.commands.executeCommand<EditOutcome>(reject.command.command, ...(reject.command.arguments ?? []));
      assert.equal(outcome?.via, 'file');
      const saved = JSON.parse(readFileSync(sidecarPath, 'utf8')) as SidecarJson;
      const rejected = saved.errors.filter((e) => e.status === 'rejected');
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0].source, 'rule');
      assert.ok(rejected[0].rule);
      await waitFor('the rejected finding to leave the diagnostics', () => {
        const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Agent Trace' && x.message === target.message && x.range.isEqual(target.range));
        return d.length < countBefore ? true : undefined;
      });

      // Tag a step through the "Tag this step as…" action, answering the prompts through its arguments.
      const [args] = tagAction.command.arguments as [{ uri: vscode.Uri; stepId: string }];
      const tagged = await vscode.commands.executeCommand<EditOutcome>(tagAction.command.command, { ...args, category: 'RSN.FACTUAL', impact: 'MEDIUM', description: 'from the code action' });
      assert.equal(tagged?.via, 'file');
      await waitFor('the new tag diagnostic', () => (vscode.languages.getDiagnostics(uri).some((x) => x.source === 'Agent Trace (tag)' && x.message === 'TAG RSN.FACTUAL: from the code action' && x.severity === vscode.DiagnosticSeverity.Warning) ? true : undefined));
      const after = JSON.parse(readFileSync(sidecarPath, 'utf8')) as SidecarJson;
      assert.ok(after.errors.some((e) => e.category === 'RSN.FACTUAL' && e.location === args.stepId));
      assert.equal(after.errors.filter((e) => e.source === 'human').length, 3, 'earlier tags are kept');
    });

    test('a trace changed since it was tagged is reported, and every tag is kept', async function () {
      await closeClean();
      appendFileSync(tracePath, '\n'); // same steps, different bytes
      await openInTraceEditor(uri);
      const a = await annotations(uri);
      assert.equal(a.status?.traceChanged, true);
      assert.equal(a.status?.orphanCount, 0);
      assert.equal(a.sidecar?.errors.length, 4);
      await closeClean();
    });

    test('without a sidecar the trace editor starts clean, and a deleted sidecar does not make it dirty', async () => {
      unlinkSync(sidecarPath);
      await openInTraceEditor(uri);
      const a = await annotations(uri);
      assert.deepEqual([a.dirty, a.sidecar?.errors.length], [false, 0]);
      assert.equal(traceTab(uri)?.isDirty, false);
      await closeClean();
    });
  });
}
