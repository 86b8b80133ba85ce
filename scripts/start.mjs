#!/usr/bin/env node
// `npm start`: install the dependencies if node_modules is missing or stale (npm ci), build, then
// open VS Code on examples/ (or --workspace <folder>) with this extension loaded from source
// (--extensionDevelopmentPath). Uses the desktop `code` when it is on PATH, otherwise a local
// code-server 4.100.3 (= VS Code 1.100.3) on 127.0.0.1 whose URL carries the
// extensionDevelopmentPath payload. Runs until Ctrl+C (or until the desktop window closes).
//
//   npm start [-- --workspace <folder>] [-- --port 8080] [-- --no-build] [-- --code-server]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDependencies } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm start [-- --workspace <folder>] [-- --port <port>] [-- --no-build] [-- --code-server]';
let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      port: { type: 'string' },
      workspace: { type: 'string', default: join(root, 'examples') },
      'no-build': { type: 'boolean', default: false },
      'code-server': { type: 'boolean', default: false },
    },
  }));
} catch (e) {
  console.error(`[start] ${e.message}\n${USAGE}`);
  process.exit(2);
}
// A relative --workspace is taken from where `npm start` was typed (npm runs scripts from the
// project root, and says where it was called from in INIT_CWD).
const workspace = resolve(process.env.INIT_CWD ?? process.cwd(), opts.workspace);
if (!existsSync(workspace) || !statSync(workspace).isDirectory()) {
  console.error(`[start] --workspace ${workspace}: no such folder`);
  process.exit(2);
}

// The code-server launcher needs playwright-core, the build needs esbuild: install first.
ensureDependencies(root, (m) => console.log(`[start] ${m}`));
if (!opts['no-build']) {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) {
    const lastBuild = existsSync(join(root, 'dist', 'extension.js'))
      ? ' or rerun with --no-build to use the last build' : '';
    console.error(`[start] the build failed (see above); fix it${lastBuild}`);
    process.exit(built.status ?? 1);
  }
}

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;

if (!opts['code-server'] && onPath('code')) {
  console.log(`[start] opening VS Code on ${workspace} with the extension from ${root}`);
  // --wait keeps this process (and npm start) alive until the window is closed.
  const child = spawn('code', ['--new-window', '--wait', `--extensionDevelopmentPath=${root}`, workspace], { stdio: 'inherit' });
  process.on('SIGINT', () => child.kill('SIGTERM'));
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const { ensureCodeServerInstalled, startCodeServer, buildWorkbenchUrl } = await import('./code-server/launch.mjs');
  console.log('[start] no desktop `code` on PATH: using code-server (installed on first use into ~/.cache/agent-trace-debugger)');
  ensureCodeServerInstalled();
  // A stable user-data folder, so settings and UI state survive restarts of npm start.
  const userDataDir = join(process.env.AGENT_TRACE_CACHE || join(os.homedir(), '.cache', 'agent-trace-debugger'), 'start-user-data');
  mkdirSync(userDataDir, { recursive: true });
  const server = await startCodeServer({ workspace, userDataDir, ...(opts.port ? { port: Number(opts.port) } : {}) });
  const url = buildWorkbenchUrl({ serverUrl: server.url, workspace, extensionDevelopmentPath: root });
  console.log('');
  console.log(`  VS Code (code-server) with Agent Trace Debugger from source:`);
  console.log(`  ${url}`);
  console.log('');
  console.log(`  Open that URL in a browser on this machine (it listens on 127.0.0.1 only).`);
  console.log(`  Rebuild with \`npm run build\` and reload the page (Developer: Reload Window) to pick up changes.`);
  console.log(`  Logs: ${server.logPath}. Ctrl+C to stop.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\n[start] stopping code-server');
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const exit = await server.exited;
  if (!stopping) {
    console.error(`[start] code-server exited unexpectedly (${JSON.stringify(exit)}); see ${server.logPath}`);
    process.exit(1);
  }
}
