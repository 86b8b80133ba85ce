/**
 * Localisation as vscode-hexeditor does it: contributed strings in package.nls.json (checked in
 * manifest.test.ts), host messages through vscode.l10n.t with the English bundle in
 * l10n/bundle.l10n.json (`npm run l10n` rewrites it).
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../support/shared';

type HostMessages = (dir: string) => { messages: string[]; nonLiteral: string[] };
const HOST = join(PROJECT_ROOT, 'src', 'host');

/** Files whose messages are not localised yet (none now; a file may be listed while it is converted). */
const NOT_YET_LOCALISED = new Set<string>([]);

describe('host messages are localised', () => {
  let hostMessages: HostMessages;
  before(async () => {
    ({ hostMessages } = await import(pathToFileURL(join(PROJECT_ROOT, 'scripts', 'l10n-bundle.mjs')).href) as { hostMessages: HostMessages });
  });

  it('package.json names the l10n folder', () => {
    assert.equal((JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { l10n?: string }).l10n, './l10n');
  });

  it('l10n/bundle.l10n.json holds exactly the messages of vscode.l10n.t calls (run npm run l10n)', () => {
    const { messages, nonLiteral } = hostMessages(HOST);
    assert.deepEqual(nonLiteral, [], 'vscode.l10n.t calls whose message is not a single-quoted literal');
    const bundle = JSON.parse(readFileSync(join(PROJECT_ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(bundle).sort(), messages);
    for (const [k, v] of Object.entries(bundle)) assert.equal(v, k);
  });

  it('notifications and status bar messages pass their text through vscode.l10n.t', () => {
    const literal = /window\.(?:showInformationMessage|showWarningMessage|showErrorMessage|setStatusBarMessage)\(\s*['"`]/g;
    const offenders: string[] = [];
    for (const rel of readdirSync(HOST, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const file = rel.split('\\').join('/');
      if (NOT_YET_LOCALISED.has(file)) continue;
      const text = readFileSync(join(HOST, rel), 'utf8');
      for (const m of text.matchAll(literal)) offenders.push(`${file}:${text.slice(0, m.index).split('\n').length}`);
    }
    assert.deepEqual(offenders, []);
  });
});
