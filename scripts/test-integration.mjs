#!/usr/bin/env node
// Integration tests inside real VS Code: builds, then runs out/test/integration/index.js in
//   - @vscode/test-electron, when VSCODE_EXECUTABLE_PATH names a desktop VS Code (or
//     VSCODE_TEST_ELECTRON=download asks it to download one), or else
//   - code-server 4.100.3 (= VS Code 1.100.3) in headless Chromium, via scripts/code-server
//     (the only option offline; installs it into ~/.cache on first use).
// In code-server mode it then runs the reload scenario (test/integration/window-reload.mjs, one
// workbench and one "Developer: Reload Window": an unsaved tag survives it (hot-exit.mjs); a facet
// click and a row opened in the Trace Explorer's page, then it and a Compare Traces view come back
// as they were (explorer-reload.mjs); and the Agent Traces view shows the counts it kept);
// --no-hot-exit skips it. With --screenshots it also takes the light/dark
// screenshots (test/integration/screenshots.mjs, also `npm run screenshots`): opt-in, because
// without a baseline to compare with they are pictures for a person, not a gate of `npm test`.
//
//   node scripts/test-integration.mjs [--no-build] [--no-hot-exit] [--screenshots] [--timeout <s>] [--keep] [--verbose]
// (--no-screenshots is still accepted, and is the default.)
//
// Exits non-zero when any test fails, with the harness's code (124 timeout, 3 host crash...).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    'no-hot-exit': { type: 'boolean', default: false },
    screenshots: { type: 'boolean', default: false },
    'no-screenshots': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '900' }, // a guard against a hang, not a time budget
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const testsPath = join(root, 'out/test/integration/index.js');
const workspace = join(root, 'examples');

function run(cmd, args, what) {
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  const code = res.status ?? (res.signal ? 128 : 1);
  console.log(`[test-integration] ${what}: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

if (!opts['no-build']) {
  const code = run(process.execPath, ['scripts/build.mjs'], 'build');
  if (code !== 0) process.exit(code);
}
for (const f of [testsPath, join(root, 'dist/extension.js'), join(root, 'dist/webview.js')]) {
  if (!existsSync(f)) {
    console.error(`[test-integration] ${f} is missing: the build did not produce it (run node scripts/build.mjs and check its errors)`);
    process.exit(2);
  }
}

const electronExe = process.env.VSCODE_EXECUTABLE_PATH;
if (electronExe || process.env.VSCODE_TEST_ELECTRON === 'download') {
  let testElectron;
  try {
    testElectron = createRequire(join(root, 'package.json'))('@vscode/test-electron');
  } catch {
    console.error('[test-integration] VSCODE_EXECUTABLE_PATH is set, but @vscode/test-electron is not installed: npm install --save-dev @vscode/test-electron (or unset it to use code-server)');
    process.exit(2);
  }
  try {
    await testElectron.runTests({
      ...(electronExe ? { vscodeExecutablePath: electronExe } : {}),
      extensionDevelopmentPath: root,
      extensionTestsPath: testsPath,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    });
    console.log('[test-integration] passed (test-electron)');
    process.exit(0);
  } catch (e) {
    console.error(`[test-integration] failed (test-electron): ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

const harnessArgs = ['scripts/code-server/run-integration.mjs', '--extension', root, '--tests', testsPath, '--workspace', workspace, '--timeout', opts.timeout];
if (opts.keep) harnessArgs.push('--keep');
if (opts.verbose) harnessArgs.push('--verbose');
const suiteCode = run(process.execPath, harnessArgs, 'integration suite (code-server)');
let hotExitCode = 0;
if (!opts['no-hot-exit']) {
  hotExitCode = run(process.execPath, ['test/integration/window-reload.mjs'], 'hot exit, the Trace Explorer and the Agent Traces view across a window reload (code-server)');
}
let shotsCode = 0;
if (opts.screenshots && !opts['no-screenshots']) shotsCode = run(process.execPath, ['test/integration/screenshots.mjs'], 'screenshots (light and dark)');
process.exit(suiteCode !== 0 ? suiteCode : hotExitCode !== 0 ? hotExitCode : shotsCode);
