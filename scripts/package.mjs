#!/usr/bin/env node
// `npm run package`: production build, then `vsce package --no-dependencies` (offline; everything
// is bundled into dist/), then list the VSIX (a zip) and fail if sources, tests, source maps or
// node_modules slipped in. Prints the VSIX path and size.
//
//   node scripts/package.mjs [--no-build] [--out <file.vsix>]
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { unzipSync } from 'fflate';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { values: opts } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, `${pkg.name}-${pkg.version}.vsix`) },
  },
});
const out = resolve(opts.out);

function step(what, cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`[package] ${what} failed (exit ${res.status ?? res.signal})`);
    process.exit(res.status ?? 1);
  }
}

if (!opts['no-build']) step('the production build', process.execPath, ['scripts/build.mjs', '--production']);
step('vsce package', process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', out]);

const entries = unzipSync(readFileSync(out));
const files = Object.keys(entries).filter((f) => !f.endsWith('/'));
// The loggers ship as source (loggers/README.md): their .ts file is meant to be copied.
const forbidden = files.filter((f) => /^extension\/(src|test|webview|out|node_modules|scripts|examples)\//.test(f) || /\.(ts|map)$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('extension/loggers/'));
for (const required of ['extension/loggers/README.md', 'extension/loggers/typescript/agent-trace-logger.ts', 'extension/loggers/python/agent_trace_logger.py', 'extension/package.json', 'extension/package.nls.json', 'extension/l10n/bundle.l10n.json', 'extension/schema/annotations.schema.json', 'extension/dist/extension.js', 'extension/dist/trace-worker.js', 'extension/dist/webview.js', 'extension/media/activity-bar.svg']) {
  if (!files.includes(required)) forbidden.push(`(missing) ${required}`);
}
console.log(`[package] ${out}: ${(statSync(out).size / 1024).toFixed(0)} KB, ${files.length} files`);
for (const f of files.sort()) console.log(`  ${f}  ${(entries[f].length / 1024).toFixed(1)} KB`);
if (forbidden.length > 0) {
  console.error(`[package] the VSIX must not contain (or is missing): ${forbidden.join(', ')}; fix .vscodeignore`);
  process.exit(1);
}
