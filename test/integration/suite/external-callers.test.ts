/**
 * Commands that write files (promote with a set choice, tag with category and impact, decide a
 * finding) honour prompt-skipping arguments without asking only when this extension built them.
 * The rule runs here against real `vscode` (its ExtensionMode values), in the extension host.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { needsConfirmation, trustArgs } from '../../../src/host/trusted-args';

export function registerExternalCallerTests(): void {
  suite('commands called by other extensions', () => {
    test('a prompt-skipping argument from another caller needs the user\'s confirmation', () => {
      assert.equal(needsConfirmation({ set: 'main', format: 'openai' }, vscode.ExtensionMode.Production), true);
      assert.equal(needsConfirmation({ uri: 'file:///t.json', stepId: 's', category: 'TOOL.RUNTIME', impact: 'HIGH' }, vscode.ExtensionMode.Development), true);
    });

    test('arguments this extension built, and calls without arguments, do not ask', () => {
      assert.equal(needsConfirmation(trustArgs({ decision: 'reject' }), vscode.ExtensionMode.Production), false);
      assert.equal(needsConfirmation(undefined, vscode.ExtensionMode.Production), false);
    });

    test('the integration tests (Test mode) answer no modal dialogs, so they are not asked', () => {
      assert.equal(needsConfirmation({ set: 'main' }, vscode.ExtensionMode.Test), false);
    });
  });
}
