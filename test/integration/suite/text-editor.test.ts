/** A trace opened as text: diagnostics at the failing steps, CodeLenses, next/previous failure. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { activatedExtension, activeCustomTab, closeAllEditors, sharedTrace, TRAIL_TRACE, VIEW_TYPE, detailsShow, waitFor, webviewState } from './helpers';
import { expectedFor, type Expected } from './expected';

export function registerTextEditorTests(): void {
  suite('trace opened as text', () => {
    let uri: vscode.Uri;
    let expected: Expected;
    let editor: vscode.TextEditor;
    let diagnostics: vscode.Diagnostic[];

    suiteSetup(async () => {
      const { extension } = await activatedExtension();
      uri = sharedTrace(extension.extensionPath, TRAIL_TRACE);
      expected = expectedFor(uri);
      assert.ok(expected.withFindings.length >= 2, `the TRAIL fixture should have findings on at least 2 steps, found ${expected.withFindings.length}`);
      await closeAllEditors();
      const doc = await vscode.workspace.openTextDocument(uri);
      editor = await vscode.window.showTextDocument(doc);
      diagnostics = await waitFor('Agent Trace diagnostics', () => {
        const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Agent Trace');
        return d.length > 0 ? d : undefined;
      });
    });

    suiteTeardown(closeAllEditors);

    test('findings appear in the Problems panel at their step, with a known category', () => {
      const lines = new Set(expected.withFindings.map((s) => s.location!.line - 1));
      assert.ok(diagnostics.length >= expected.withFindings.length, `${diagnostics.length} diagnostics for ${expected.withFindings.length} steps with findings`);
      for (const d of diagnostics) {
        const category = String(d.code);
        assert.ok(DEFAULT_TAXONOMY.get(category), `diagnostic code ${category} is not a category of the default taxonomy`);
        assert.ok(d.message.startsWith(`${category} (`), `message should start with the category: ${d.message}`);
        assert.ok(lines.has(d.range.start.line), `diagnostic at line ${d.range.start.line + 1} is not at a failing step (${[...lines].map((l) => l + 1).join(', ')})`);
        assert.ok([vscode.DiagnosticSeverity.Error, vscode.DiagnosticSeverity.Warning, vscode.DiagnosticSeverity.Information].includes(d.severity));
      }
      const step = expected.withFindings[0];
      const atStep = diagnostics.find((d) => d.range.start.line === step.location!.line - 1);
      assert.ok(atStep, `no diagnostic at step ${step.name} (line ${step.location!.line})`);
      assert.equal(atStep.range.start.character, step.location!.column - 1);
    });

    test('a CodeLens above each failing step opens it in the Trace Debugger', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const ours = lenses.filter((l) => l.command?.command === 'agentTraceDebugger.openInTraceDebugger');
      assert.equal(ours.length, expected.withFindings.length, 'one CodeLens per step with findings');
      for (const lens of ours) {
        assert.match(lens.command!.title, /^[A-Z]+\.[A-Z_]+(, [A-Z]+\.[A-Z_]+)*: open in Trace Debugger$/);
        const [argUri, stepId] = lens.command!.arguments as [vscode.Uri, string];
        assert.equal(argUri.toString(), uri.toString());
        const step = expected.withFindings.find((s) => s.id === stepId);
        assert.ok(step, `CodeLens names step ${stepId}, which has no finding`);
        assert.equal(lens.range.start.line, step.location!.line - 1);
      }
    });

    test('"Go to Next/Previous Failure" moves the cursor between failing steps', async () => {
      await vscode.window.showTextDocument(editor.document);
      const active = vscode.window.activeTextEditor!;
      active.selection = new vscode.Selection(0, 0, 0, 0);
      const sorted = [...expected.withFindings].sort((a, b) => a.location!.line - b.location!.line);
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      assert.equal(active.selection.active.line, sorted[0].location!.line - 1, 'first next-failure goes to the first failing step');
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      assert.equal(active.selection.active.line, sorted[1].location!.line - 1, 'second next-failure goes to the second failing step');
      await vscode.commands.executeCommand('agentTraceDebugger.previousFailure');
      assert.equal(active.selection.active.line, sorted[0].location!.line - 1, 'previous-failure goes back');
    });

    test('running a CodeLens command opens the trace editor with that step selected', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const lens = lenses.find((l) => l.command?.command === 'agentTraceDebugger.openInTraceDebugger')!;
      const [, stepId] = lens.command!.arguments as [vscode.Uri, string, number];
      await vscode.commands.executeCommand(lens.command!.command, ...lens.command!.arguments!);
      assert.equal(activeCustomTab()?.viewType, VIEW_TYPE);
      await waitFor(`step ${stepId} selected in the webview`, async () => {
        const s = await webviewState();
        return s?.selectedId === stepId ? s : undefined;
      });
      await detailsShow(expected.steps.find((s) => s.id === stepId)!.name);
    });
  });
}
