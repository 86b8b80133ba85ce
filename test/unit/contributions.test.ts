/**
 * package.json and the host code name the same commands, views and settings in two places;
 * this catches a menu naming a command that does not exist, a view nothing names, or a setting
 * read but not declared. That each contributed command is registered is checked in real VS Code
 * (test/integration/suite/contributions.test.ts, against vscode.commands.getCommands).
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/shared';

interface Contributes {
  commands: { command: string }[];
  menus: Record<string, { command?: string; submenu?: string }[]>;
  keybindings?: { command: string }[];
  views: Record<string, { id: string }[]>;
  configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[];
  customEditors: { viewType: string }[];
}

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { contributes: Contributes; main: string };
const c = pkg.contributes;

function hostSource(): string {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(PROJECT_ROOT, 'src', 'host'));
  return out.join('\n');
}
const source = hostSource();
const literal = (id: string): boolean => source.includes(`'${id}'`) || source.includes(`"${id}"`) || source.includes(`\`${id}\``);

describe('package.json contributions', () => {
  it('menus and keybindings name only declared commands', () => {
    const declared = new Set(c.commands.map((x) => x.command));
    const used = [...Object.values(c.menus).flat().map((m) => m.command), ...(c.keybindings ?? []).map((k) => k.command)].filter((x): x is string => !!x);
    assert.deepEqual(used.filter((id) => !declared.has(id)), []);
  });

  it('every view and custom editor id is named in the host code', () => {
    const ids = [...Object.values(c.views).flat().map((v) => v.id), ...c.customEditors.map((e) => e.viewType)];
    assert.deepEqual(ids.filter((id) => !literal(id)), []);
  });

  it('every setting the host reads is declared', () => {
    const props = Array.isArray(c.configuration) ? Object.assign({}, ...c.configuration.map((x) => x.properties)) : c.configuration.properties;
    const declared = new Set(Object.keys(props));
    const read = [...source.matchAll(/['"`](agentTraceDebugger\.[A-Za-z]+)['"`]/g)].map((m) => m[1])
      .filter((id) => !c.commands.some((x) => x.command === id) && !Object.values(c.views).flat().some((v) => v.id === id) && !c.customEditors.some((e) => e.viewType === id));
    const contextKeys = new Set([...source.matchAll(/'setContext',\s*['"`](agentTraceDebugger\.[A-Za-z]+)/g)].map((m) => m[1]));
    // Status bar items have ids of their own (the user hides them by id), not settings.
    const statusItems = new Set([...source.matchAll(/createStatusBarItem\(\s*['"`](agentTraceDebugger\.[A-Za-z]+)/g)].map((m) => m[1]));
    // Webview panels' view types (VS Code restores panels by them) are not settings either.
    const panelTypes = new Set([...source.matchAll(/VIEW_TYPE\s*=\s*['"`](agentTraceDebugger\.[A-Za-z]+)/g)].map((m) => m[1]));
    const undeclared = [...new Set(read)].filter((id) => !declared.has(id) && !contextKeys.has(id) && !statusItems.has(id) && !panelTypes.has(id));
    assert.deepEqual(undeclared, [], 'settings (or ids) read in src/host but not declared in package.json');
  });
});
