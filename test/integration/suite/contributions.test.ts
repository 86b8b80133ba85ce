/**
 * Every command package.json contributes is registered once the extension is active, checked
 * against VS Code's own list (a contribution nothing registers fails with "command not found"
 * when a user picks it). Replaces a unit test that only looked for the id as a string in src/host.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedExtension } from './helpers';

export function registerContributionTests(): void {
  suite('contributed commands', () => {
    test('every contributed command is registered after activation', async () => {
      const { extension } = await activatedExtension();
      const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
      assert.ok(contributed.length > 10, `${contributed.length} contributed commands`);
      const registered = new Set(await vscode.commands.getCommands(true));
      assert.deepEqual(contributed.filter((id) => !registered.has(id)), [], 'contributed but not registered');
    });
  });
}
