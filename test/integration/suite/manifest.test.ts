/**
 * What package.json promises, checked in real VS Code: the test-only commands exist because this
 * run is in Test mode (and only then: package.json contributes none of them), and the JSON Schemas
 * contributed with jsonValidation report errors in sidecars and taxonomy files as users type.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension, closeAllEditors, waitFor } from './helpers';

export function registerManifestTests(): void {
  suite('package.json contributions in VS Code', () => {
    let dir: string;
    suiteSetup(async () => {
      await activatedExtension();
      dir = mkdtempSync(join(tmpdir(), 'atd-json-validation-'));
    });
    suiteTeardown(async () => {
      await closeAllEditors();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the test-only commands are registered in Test mode, and not contributed', async () => {
      const { extension } = await activatedExtension();
      const registered = await vscode.commands.getCommands(true);
      for (const id of ['agentTraceDebugger.test.getWebviewState', 'agentTraceDebugger.test.getAnnotations']) {
        assert.ok(registered.includes(id), `${id} is registered`);
      }
      const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
      assert.deepEqual(contributed.filter((id) => id.includes('.test.')), []);
    });

    const schemaErrors = async (name: string, content: string): Promise<string[]> => {
      const path = join(dir, name);
      writeFileSync(path, content);
      const uri = vscode.Uri.file(path);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      return waitFor(`JSON Schema diagnostics in ${name}`, () => {
        const messages = vscode.languages.getDiagnostics(uri).map((d) => d.message);
        return messages.length > 0 ? messages : undefined;
      }, 60_000); // the JSON language server starts on first use: slow on a busy machine
    };

    test('a sidecar with an impact outside HIGH/MEDIUM/LOW gets an error from annotations.schema.json', async () => {
      const messages = await schemaErrors('run.trace.json.annotations.json', '{\n  "version": 1,\n  "errors": [{"location": "s1", "category": "TOOL.RUNTIME", "impact": "SEVERE"}]\n}\n');
      assert.ok(messages.some((m) => m.includes('"HIGH"')), `an enum error naming the allowed impacts, got ${JSON.stringify(messages)}`);
    });

    test('a taxonomy file with a misspelt field gets an error from taxonomy.schema.json', async () => {
      const messages = await schemaErrors('acme.taxonomy.json', '{\n  "id": "acme",\n  "name": "ACME",\n  "categories": [{"id": "A", "name": "A", "definition": "d", "colour": "red"}]\n}\n');
      assert.ok(messages.some((m) => m.includes('colour')), `an error naming "colour", got ${JSON.stringify(messages)}`);
    });
  });
}
