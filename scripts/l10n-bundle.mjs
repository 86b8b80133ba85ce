#!/usr/bin/env node
// The English message bundle of the extension host (l10n/bundle.l10n.json): every message passed to
// vscode.l10n.t() in src/host, keyed by itself, as @vscode/l10n-dev would export it. Translators add
// l10n/bundle.l10n.<locale>.json beside it. `npm run l10n` rewrites it; a unit test fails when stale.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** vscode.l10n.t('…' — the message must be a single-quoted literal, so it can be extracted. */
const CALL = /vscode\.l10n\.t\(\s*('(?:[^'\\\n]|\\.)*')?/g;

/** Messages of every vscode.l10n.t call under `dir`, and the calls whose message is not a literal. */
export function hostMessages(dir) {
  const messages = new Set();
  const nonLiteral = [];
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).sort()) {
    const text = readFileSync(join(dir, rel), 'utf8');
    for (const m of text.matchAll(CALL)) {
      if (!m[1]) {
        nonLiteral.push(`${rel}:${text.slice(0, m.index).split('\n').length}`);
        continue;
      }
      // A single-quoted JS literal: unescape \' \\ \n and friends through JSON.
      const body = m[1].slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"');
      messages.add(JSON.parse(`"${body}"`));
    }
  }
  return { messages: [...messages].sort(), nonLiteral };
}

export function bundleFor(messages) {
  return Object.fromEntries(messages.map((m) => [m, m]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { messages, nonLiteral } = hostMessages(join(root, 'src', 'host'));
  if (nonLiteral.length) {
    console.error(`vscode.l10n.t needs a single-quoted message literal at: ${nonLiteral.join(', ')}`);
    process.exit(1);
  }
  writeFileSync(join(root, 'l10n', 'bundle.l10n.json'), JSON.stringify(bundleFor(messages), null, 2) + '\n');
  console.log(`wrote l10n/bundle.l10n.json (${messages.length} messages)`);
}
