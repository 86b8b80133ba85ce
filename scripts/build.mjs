// Bundles the extension host, the CLI, the webview and the integration tests with esbuild.
// Entries that do not exist yet are skipped, so the build works while features land.
// On a fresh clone (or after package-lock.json changed) it runs `npm ci` first, so `npm test`
// needs no separate install step.
import { existsSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDependencies(root);
// Imported only now: before the install there is no esbuild to import.
const { build } = await import('esbuild');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// mainFields: prefer packages' ES module builds. jsonc-parser's default UMD build loads its parts
// with dynamic require() calls that a bundle cannot resolve ("Cannot find module './impl/format'").
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', absWorkingDir: root, mainFields: ['module', 'main'] };
const targets = [
  { entry: 'src/host/extension.ts', outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'], target: 'node20' },
  // The trace worker: parsing and analysis off the extension host's thread (src/core/engine/worker).
  { entry: 'src/core/engine/worker/trace-worker.ts', outfile: 'dist/trace-worker.js', platform: 'node', format: 'cjs', target: 'node20' },
  { entry: 'src/cli/main.ts', outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } },
  { entry: 'webview/main.ts', outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022', tsconfig: 'webview/tsconfig.json' },
  // The Compare Traces view (src/host/compare/panel.ts).
  { entry: 'webview/compare/main.ts', outfile: 'dist/compare-webview.js', platform: 'browser', format: 'iife', target: 'es2022', tsconfig: 'webview/tsconfig.json' },
  { entry: 'webview/explorer/main.ts', outfile: 'dist/explorer.js', platform: 'browser', format: 'iife', target: 'es2022', tsconfig: 'webview/tsconfig.json' },
  { entry: 'test/integration/index.ts', outfile: 'out/test/integration/index.js', platform: 'node', format: 'cjs', external: ['vscode', 'mocha'], target: 'node20' },
];

for (const t of targets) {
  if (!existsSync(join(root, t.entry))) continue;
  const { entry, ...opts } = t;
  await build({ ...common, ...opts, entryPoints: [entry] });
}

// Codicons ship a font and CSS that the webview loads from dist/ (local resources only).
const codicons = join(root, 'node_modules/@vscode/codicons/dist');
if (existsSync(codicons)) {
  mkdirSync(join(root, 'dist/codicons'), { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(join(codicons, f), join(root, 'dist/codicons', f));
}
// The real tool-calling chat templates (Apache-2.0, from vLLM) that exported examples must render
// through. They live in ../shared; the bundle carries a copy so the packaged validator has them.
const templates = join(root, '..', 'shared', 'chat-templates');
if (existsSync(templates)) {
  mkdirSync(join(root, 'dist/chat-templates'), { recursive: true });
  for (const f of readdirSync(templates)) copyFileSync(join(templates, f), join(root, 'dist/chat-templates', f));
}
if (watch) console.log('watch mode is not implemented; rerun npm run build');
