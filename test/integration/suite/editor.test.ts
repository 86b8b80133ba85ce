/** The custom editor in real VS Code: opening a TRAIL trace, rows, failure navigation, deep links. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedExtension, activeCustomTab, closeAllEditors, sharedTrace, TRAIL_TRACE, VIEW_TYPE, detailsShow, waitFor, webviewState } from './helpers';
import { expectedFor, type Expected } from './expected';

export function registerEditorTests(): void {
  suite('trace editor (custom editor)', () => {
    let uri: vscode.Uri;
    let expected: Expected;

    suiteSetup(async () => {
      const { extension } = await activatedExtension();
      uri = sharedTrace(extension.extensionPath, TRAIL_TRACE);
      expected = expectedFor(uri);
      assert.ok(expected.failing.length >= 2, `the TRAIL fixture should have at least 2 failing steps, found ${expected.failing.length}`);
      await closeAllEditors();
    });

    suiteTeardown(closeAllEditors);

    // The time to rows is printed, not asserted: timing goals live in `npm run bench`.
    test('opens a TRAIL trace in the custom editor and renders its rows', async () => {
      const started = Date.now();
      await vscode.commands.executeCommand('agentTraceDebugger.openInTraceDebugger', uri);
      const tab = await waitFor('the trace editor tab', () => activeCustomTab());
      assert.equal(tab.viewType, VIEW_TYPE);
      assert.equal(tab.uri.fsPath, uri.fsPath);
      const state = await waitFor('rows in the webview', async () => {
        const s = await webviewState();
        return s && s.renderedIndexes.length > 0 ? s : undefined;
      }, 30_000, 25);
      const elapsed = Date.now() - started;
      console.log(`      time to rows: ${elapsed} ms (${state.renderedIndexes.length} rows rendered of ${state.totalRows})`);
      assert.ok(state.totalRows > 0 && state.totalRows <= expected.steps.length, `totalRows ${state.totalRows} should be in 1..${expected.steps.length}`);
      assert.equal(state.traceIndex, 0);
    });

    test('"Go to Next Failure" selects a failing step and shows it in the details', async () => {
      const failingIds = new Set(expected.failing.map((s) => s.id));
      const before = await webviewState();
      assert.ok(before, 'the trace editor should be active');
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      const after = await waitFor('a selected failing step', async () => {
        const s = await webviewState();
        return s && s.selectedId && s.selectedId !== before.selectedId ? s : undefined;
      });
      assert.ok(failingIds.has(after.selectedId!), `selected ${after.selectedId}, which is not a failing step`);
      const step = expected.steps.find((s) => s.id === after.selectedId)!;
      assert.equal(after.selectedIndex, step.index);
      await detailsShow(step.name);

      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      const second = await waitFor('the next failing step', async () => {
        const s = await webviewState();
        return s && s.selectedId !== after.selectedId ? s : undefined;
      });
      assert.ok(failingIds.has(second.selectedId!), `second selection ${second.selectedId} is not a failing step`);
      assert.ok(second.selectedIndex! > after.selectedIndex!, 'next failure should move forward in the trace');

      await vscode.commands.executeCommand('agentTraceDebugger.previousFailure');
      const back = await waitFor('the previous failing step', async () => {
        const s = await webviewState();
        return s && s.selectedId === after.selectedId ? s : undefined;
      });
      assert.equal(back.selectedId, after.selectedId);
    });

    test('"Open in Trace Debugger" with a step id selects that step', async () => {
      const target = expected.failing[expected.failing.length - 1];
      const selected = await vscode.commands.executeCommand<boolean>('agentTraceDebugger.openInTraceDebugger', uri, target.id);
      assert.equal(selected, true);
      await waitFor(`step ${target.id} selected`, async () => {
        const s = await webviewState();
        return s?.selectedId === target.id ? s : undefined;
      });
      await detailsShow(target.name);
    });

    test('the "any JSON" editor option hands the file to the trace editor', async () => {
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', uri, `${VIEW_TYPE}.anyJson`);
      const tab = await waitFor('the trace editor after the hand-over', () => {
        const t = activeCustomTab();
        return t?.viewType === VIEW_TYPE ? t : undefined;
      });
      assert.equal(tab.uri.fsPath, uri.fsPath);
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputCustom);
      assert.equal(tabs.length, 1, `expected only the trace editor tab, found ${tabs.map((t) => (t.input as vscode.TabInputCustom).viewType).join(', ')}`);
    });

    test('"Reveal Selected Step in File" opens the trace as text with the step\'s range selected', async () => {
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, { preview: false });
      await waitFor('rows in the webview', async () => ((await webviewState())?.renderedIndexes.length ? true : undefined));
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      const failingIds = new Set(expected.failing.map((f) => f.id));
      const selected = await waitFor('a failing step selected', async () => {
        const s = await webviewState();
        return s?.selectedId && failingIds.has(s.selectedId) ? s : undefined;
      });
      const step = expected.steps.find((x) => x.id === selected.selectedId)!;
      assert.ok(step.location, 'the importer records where the step is');
      await vscode.commands.executeCommand('agentTraceDebugger.revealSelectedInFile');
      const editor = await waitFor('the trace as text', () => {
        const e = vscode.window.activeTextEditor;
        return e && e.document.uri.fsPath === uri.fsPath ? e : undefined;
      });
      const loc = step.location!;
      assert.deepEqual(
        [editor.selection.start.line, editor.selection.start.character, editor.selection.end.line, editor.selection.end.character],
        [loc.line - 1, loc.column - 1, loc.endLine - 1, loc.endColumn - 1],
      );
      assert.match(editor.document.getText(editor.selection), new RegExp(`"span_id":\\s*"${step.sourceId}"`), 'the selected text is that span');
      await closeAllEditors();
    });

    test('the selection survives hiding the tab and showing it again (webview state, not retainContextWhenHidden)', async () => {
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, { preview: false });
      await waitFor('rows in the webview', async () => ((await webviewState())?.renderedIndexes.length ? true : undefined));
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      const failingIds = new Set(expected.failing.map((f) => f.id));
      const chosen = await waitFor('a failing step selected', async () => {
        const s = await webviewState();
        return s?.selectedId && failingIds.has(s.selectedId) ? s : undefined;
      });
      const chosenStep = expected.steps.find((x) => x.id === chosen.selectedId)!;
      // Another editor in the same group hides the trace editor: its webview is torn down.
      const other = await vscode.workspace.openTextDocument({ content: 'another editor', language: 'plaintext' });
      await vscode.window.showTextDocument(other, { viewColumn: vscode.ViewColumn.Active, preview: false });
      await waitFor('the trace editor to be hidden', () => (activeCustomTab() ? undefined : true));
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, { preview: false });
      const restored = await waitFor('the restored webview', async () => {
        const s = await webviewState();
        return s?.renderedIndexes.length ? s : undefined;
      });
      assert.equal(restored.selectedId, chosen.selectedId, 'the same step is selected after the tab is shown again');
      await detailsShow(chosenStep.name);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await closeAllEditors();
    });
  });
}
