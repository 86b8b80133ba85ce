// Start code-server 4.100.3 (VS Code 1.100.3) headlessly and open its workbench
// in headless Chromium (playwright-core), for extension integration tests.
//
// Public API:
//   startCodeServer({ workspace, userDataDir?, extensionsDir?, port?, settings?, env?, startTimeoutMs? })
//     -> { url, port, pid, userDataDir, extensionsDir, logPath, logsDir, lines,
//          waitForLog(regex, timeoutMs), onLine(cb), exited, stop({ graceMs?, removeUserDataDir? }) }
//   openVsCodePage({ serverUrl, workspace, extensionDevelopmentPath, extensionTestsPath?, colorTheme?,
//                    userDataDir?, consoleLogPath?, viewport?, timeoutMs?, waitForWorkbench? })
//     -> { browser, page, url, extensionHostExit, consoleLines, flushConsole(), close() }
//   writeTestShim({ testsPath, dir }) -> { shimPath, resultPath, readResult() }
//   ensureCodeServerInstalled(), isCodeServerInstalled(), codeServerDir(), findFreePort(),
//   buildWorkbenchUrl(), DEFAULT_SETTINGS, CHROMIUM_ARGS
//
// See run-integration.mjs for the CLI that ties these together.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import util from 'node:util';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
const require = createRequire(path.join(REPO_ROOT, 'package.json'));

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** User settings written before code-server starts (caller's `settings` win). */
export const DEFAULT_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  // VS Code for the web (code-server) saves after a 1 s delay by default; the tests decide when a
  // document is saved (a busy machine let auto-save write a sidecar the hot-exit test forbids).
  'files.autoSave': 'off',
};

// ---------------------------------------------------------------------------
// install location

export function codeServerDir() {
  if (process.env.CODE_SERVER_DIR) return path.resolve(process.env.CODE_SERVER_DIR);
  const cache = process.env.AGENT_TRACE_CACHE || path.join(os.homedir(), '.cache', 'agent-trace-debugger');
  return path.join(path.resolve(cache), `code-server-${CODE_SERVER_VERSION}`);
}

function entryJs(dir) {
  return path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

export function isCodeServerInstalled(dir = codeServerDir()) {
  return fs.existsSync(path.join(dir, '.install-complete')) && fs.existsSync(entryJs(dir));
}

/** Runs install.sh unless already installed (its progress goes to stderr). Returns the install dir. */
export function ensureCodeServerInstalled({ quiet = false } = {}) {
  const dir = codeServerDir();
  if (isCodeServerInstalled(dir)) return dir;
  if (!quiet) process.stderr.write(`[harness] installing code-server ${CODE_SERVER_VERSION} into ${dir} (about a minute)\n`);
  const res = spawnSync('bash', [path.join(HERE, 'install.sh')], {
    stdio: ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, CODE_SERVER_DIR: dir },
  });
  if (res.status !== 0 || !isCodeServerInstalled(dir)) {
    const detail = quiet && res.stderr ? `\n${res.stderr.slice(-4000)}` : '';
    throw new Error(`scripts/code-server/install.sh failed (exit ${res.status ?? res.signal})${detail}`);
  }
  return dir;
}

// ---------------------------------------------------------------------------
// helpers

export function findFreePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function stripJsonComments(text) {
  // good enough for settings.json written by humans: drop // and /* */ comments outside strings
  return text.replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m, str) => str ?? '')
    .replace(/,(\s*[}\]])/g, '$1');
}

/** Merge `settings` into <userDataDir>/User/settings.json. */
export async function writeUserSettings(userDataDir, settings) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  await fsp.mkdir(path.dirname(file), { recursive: true });
  let current = {};
  try {
    current = JSON.parse(stripJsonComments(await fsp.readFile(file, 'utf8')) || '{}');
  } catch (err) {
    if (err.code !== 'ENOENT') throw new Error(`cannot parse ${file}: ${err.message}`, { cause: err });
  }
  await fsp.writeFile(file, JSON.stringify({ ...current, ...settings }, null, 2) + '\n');
  return file;
}

/** Environment for code-server: drop variables that would make it reuse another instance or change its port/auth. */
function serverEnv(extra) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(VSCODE_|CODE_SERVER_|CS_DISABLE_)/.test(key)) delete env[key];
  }
  for (const key of ['PORT', 'PASSWORD', 'HASHED_PASSWORD', 'GITHUB_TOKEN', 'ELECTRON_RUN_AS_NODE',
    'EXTENSIONS_GALLERY', 'NODE_OPTIONS', 'LOG_LEVEL']) delete env[key];
  // no extension gallery (default: open-vsx.org): keeps runs offline-clean and hermetic
  env.EXTENSIONS_GALLERY = '{}';
  return { ...env, ...extra };
}

// Supervisor: group leader that runs code-server and kills the whole process
// group if the harness process dies without calling stop() (e.g. SIGKILL).
const SUPERVISOR = `
const { spawn } = require('child_process');
const [ownerPid, ...cmd] = process.argv.slice(1);
const owner = Number(ownerPid);
const killGroup = (sig) => { try { process.kill(-process.pid, sig); } catch {} };
process.on('SIGTERM', () => {}); process.on('SIGINT', () => {}); process.on('SIGHUP', () => {});
const child = spawn(process.execPath, cmd, { stdio: 'inherit' });
const timer = setInterval(() => {
  let alive = process.ppid === owner;
  if (alive) { try { process.kill(owner, 0); } catch { alive = false; } }
  if (!alive) {
    clearInterval(timer);
    process.stderr.write('[supervisor] harness process ' + owner + ' is gone: killing code-server\\n');
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 3000);
  }
}, 1000);
child.on('exit', (code, signal) => {
  clearInterval(timer);
  process.stderr.write('[supervisor] code-server exited (code ' + code + ', signal ' + signal + ')\\n');
  process.exit(code ?? 1);
});
`;

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

const liveGroups = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // last resort: never leave code-server behind when this process exits
  process.on('exit', () => {
    for (const pgid of liveGroups) {
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
    }
  });
}

/** serverUrl origin -> userDataDir, so openVsCodePage can apply colorTheme. */
const serversByOrigin = new Map();

// ---------------------------------------------------------------------------
// code-server

/**
 * Start code-server on 127.0.0.1 with auth disabled.
 * @param {object} o
 * @param {string} o.workspace folder to open (must exist)
 * @param {string} [o.userDataDir] default: a fresh temp dir (kept after stop(); logs live there)
 * @param {string} [o.extensionsDir] default: <userDataDir>/extensions
 * @param {number} [o.port] default: a free port
 * @param {object} [o.settings] merged into <userDataDir>/User/settings.json over DEFAULT_SETTINGS
 * @param {object} [o.env] extra environment for code-server and its extension host
 * @param {number} [o.startTimeoutMs] default 60000
 */
export async function startCodeServer({
  workspace,
  userDataDir,
  extensionsDir,
  port,
  settings = {},
  env = {},
  startTimeoutMs = 60_000,
} = {}) {
  if (!workspace) throw new Error('startCodeServer: workspace is required');
  workspace = path.resolve(workspace);
  if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`startCodeServer: workspace ${workspace} is not a directory`);
  }
  const installDir = codeServerDir();
  if (!isCodeServerInstalled(installDir)) {
    throw new Error(`code-server is not installed in ${installDir}; run scripts/code-server/install.sh (or call ensureCodeServerInstalled())`);
  }
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor !== 20) throw new Error(`code-server ${CODE_SERVER_VERSION} needs Node 20, this is ${process.version}`);

  userDataDir = path.resolve(userDataDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'agent-trace-cs-'))));
  extensionsDir = path.resolve(extensionsDir ?? path.join(userDataDir, 'extensions'));
  await fsp.mkdir(userDataDir, { recursive: true });
  await fsp.mkdir(extensionsDir, { recursive: true });
  await writeUserSettings(userDataDir, { ...DEFAULT_SETTINGS, ...settings });
  // our own config file, so code-server never creates ~/.config/code-server/config.yaml
  const configPath = path.join(userDataDir, 'code-server-config.yaml');
  await fsp.writeFile(configPath, 'auth: none\ncert: false\n');

  port = port ?? (await findFreePort());
  const url = `http://127.0.0.1:${port}`;
  const logPath = path.join(userDataDir, 'code-server.log');
  const logStream = fs.createWriteStream(logPath, { flags: 'a' });

  const args = [
    entryJs(installDir),
    '--config', configPath,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    workspace,
  ];
  installExitHook();
  const child = spawn(process.execPath, ['-e', SUPERVISOR, String(process.pid), ...args], {
    cwd: workspace,
    detached: true, // own process group, so stop() can kill code-server, its extension host, pty host, ...
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnv(env),
  });
  const pgid = child.pid;
  liveGroups.add(pgid);

  const lines = [];
  const lineListeners = new Set();
  const handleLine = (line) => {
    lines.push(line);
    for (const cb of lineListeners) cb(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      logStream.write(chunk);
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        handleLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => { if (buf) handleLine(buf); buf = ''; });
  }

  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
      for (const cb of lineListeners) cb(null); // wake waiters
    });
  });

  function onLine(cb) {
    lineListeners.add(cb);
    return () => lineListeners.delete(cb);
  }

  function waitForLog(regex, timeoutMs = 30_000) {
    const re = typeof regex === 'string' ? new RegExp(regex) : regex;
    for (const l of lines) {
      const m = l.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const fail = (why) => {
        dispose();
        clearTimeout(timer);
        reject(new Error(`${why} waiting for ${re} in code-server output (log: ${logPath})`));
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      const dispose = onLine((line) => {
        if (line === null) return fail(`code-server exited (${JSON.stringify(exitInfo)})`);
        const m = line.match(re);
        if (m) {
          dispose();
          clearTimeout(timer);
          resolve(m);
        }
      });
      if (exitInfo) fail(`code-server exited (${JSON.stringify(exitInfo)})`);
    });
  }

  let stopping = null;
  /** SIGTERM the whole process group, SIGKILL after graceMs. Idempotent. Keeps userDataDir (logs) unless asked. */
  function stop({ graceMs = 5000, removeUserDataDir = false } = {}) {
    stopping ??= (async () => {
      if (groupAlive(pgid)) {
        try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone */ }
        const deadline = Date.now() + graceMs;
        while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (groupAlive(pgid)) {
          try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
          const hard = Date.now() + 3000;
          while (groupAlive(pgid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
        }
      }
      liveGroups.delete(pgid);
      serversByOrigin.delete(url);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
      await new Promise((r) => logStream.end(r));
      if (removeUserDataDir) await fsp.rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    })();
    return stopping;
  }

  try {
    await waitForLog(/HTTP server listening on/, startTimeoutMs);
  } catch (err) {
    await stop();
    const tail = lines.slice(-30).join('\n');
    throw new Error(`code-server did not start: ${err.message}\n--- last lines of ${logPath} ---\n${tail}`, { cause: err });
  }
  serversByOrigin.set(url, userDataDir);

  return {
    url,
    port,
    pid: child.pid,
    workspace,
    userDataDir,
    extensionsDir,
    logPath,
    /** VS Code's own logs: <logsDir>/<timestamp>/remoteagent.log, .../exthost1/remoteexthost.log */
    logsDir: path.join(userDataDir, 'logs'),
    lines,
    onLine,
    waitForLog,
    exited,
    stop,
  };
}

// ---------------------------------------------------------------------------
// test entry shim

/**
 * Write a CommonJS wrapper around a test entry point (module exporting run()).
 * Use the returned shimPath as extensionTestsPath: it calls the real run() and
 * records in resultPath whether it settled ({status:'started'|'passed'|'failed'}).
 *
 * Why: VS Code web calls window.codeAutomationExit(code) both when run() settles
 * AND when the extension host dies; in the latter case code can be 0 (a crashed
 * extension host looks like a pass). The result file tells the two apart.
 */
export async function writeTestShim({ testsPath, dir }) {
  testsPath = path.resolve(testsPath);
  await fsp.mkdir(dir, { recursive: true });
  const shimPath = path.join(dir, 'harness-tests-entry.js');
  const resultPath = path.join(dir, 'harness-tests-result.json');
  await fsp.rm(resultPath, { force: true });
  const source = `'use strict';
// Generated by scripts/code-server/launch.mjs (writeTestShim). Wraps ${testsPath}
const fs = require('fs');
const TARGET = ${JSON.stringify(testsPath)};
const RESULT = ${JSON.stringify(resultPath)};
function record(status, extra) {
  try { fs.writeFileSync(RESULT, JSON.stringify({ status, pid: process.pid, time: new Date().toISOString(), ...extra })); } catch (e) { console.error('harness shim: cannot write ' + RESULT, e); }
}
async function load() {
  try { return require(TARGET); } catch (err) {
    if (err && (err.code === 'ERR_REQUIRE_ESM' || err.code === 'ERR_REQUIRE_ASYNC_MODULE')) return import(require('url').pathToFileURL(TARGET).href);
    throw err;
  }
}
exports.run = async function run() {
  record('started');
  try {
    const mod = await load();
    const runFn = mod && (typeof mod.run === 'function' ? mod.run : mod.default && mod.default.run);
    if (typeof runFn !== 'function') throw new Error(TARGET + ' does not export run()');
    await new Promise((resolve, reject) => {
      // old-style run(testsRoot, cb(error, failures)) or new-style run(): Promise<void>
      const cb = (error, failures) => error ? reject(error)
        : (typeof failures === 'number' && failures > 0 ? reject(new Error(failures + ' test(s) failed')) : resolve());
      const ret = runFn(TARGET, cb);
      if (ret && typeof ret.then === 'function') ret.then(resolve, reject);
      else if (runFn.length < 2) resolve();
    });
  } catch (err) {
    record('failed', { error: String((err && err.stack) || err) });
    throw err;
  }
  record('passed');
};
`;
  await fsp.writeFile(shimPath, source);
  const readResult = async () => {
    try {
      return JSON.parse(await fsp.readFile(resultPath, 'utf8'));
    } catch {
      return null;
    }
  };
  return { shimPath, resultPath, readResult };
}

// ---------------------------------------------------------------------------
// browser

function encodePath(p) {
  return p.split('/').map(encodeURIComponent).join('/');
}

/** The workbench URL code-server understands (folder + payload with the dev extension / tests). */
export function buildWorkbenchUrl({ serverUrl, workspace, extensionDevelopmentPath, extensionTestsPath }) {
  const base = new URL(serverUrl);
  const remote = (p) => `vscode-remote://${base.host}${encodePath(path.resolve(p))}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const u = new URL('/', base);
  if (workspace) u.searchParams.set('folder', path.resolve(workspace));
  let s = u.toString();
  if (payload.length) s += `${workspace ? '&' : '?'}payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return s;
}

/** Turn one browser console message into text; logService lines come as ('%c INFO', 'color: ...', fmt, ...args). */
async function formatConsoleMessage(msg) {
  let values;
  try {
    values = await Promise.all(msg.args().map((h) => h.jsonValue()));
  } catch {
    values = null;
  }
  if (values && values.length >= 2 && typeof values[0] === 'string' && values[0].startsWith('%c')
      && typeof values[1] === 'string' && values[1].startsWith('color:')) {
    const level = values[0].slice(2).trim();
    return { source: 'logService', level, text: util.format(...values.slice(2)) };
  }
  const text = values && values.length ? util.format(...values) : msg.text();
  return { source: 'console', level: msg.type(), text };
}

/**
 * Launch headless Chromium and open the workbench.
 * @param {object} o
 * @param {string} o.serverUrl from startCodeServer().url
 * @param {string} o.workspace folder to open
 * @param {string} [o.extensionDevelopmentPath] absolute path of the extension under development
 * @param {string} [o.extensionTestsPath] absolute path of the compiled test index.js (exports run())
 * @param {string} [o.colorTheme] written as workbench.colorTheme into the server's User/settings.json
 * @param {string} [o.userDataDir] the server's user-data-dir (only needed for colorTheme with a server not started here)
 * @param {string} [o.consoleLogPath] append every browser console message to this file
 * @param {{width:number,height:number}} [o.viewport] default 1400x900
 * @param {number} [o.timeoutMs] for the workbench to appear, default 60000
 * @param {boolean} [o.waitForWorkbench] default true: wait for `.monaco-workbench`
 */
export async function openVsCodePage({
  serverUrl,
  workspace,
  extensionDevelopmentPath,
  extensionTestsPath,
  colorTheme,
  userDataDir,
  consoleLogPath,
  viewport = { width: 1400, height: 900 },
  timeoutMs = 60_000,
  waitForWorkbench = true,
} = {}) {
  if (!serverUrl) throw new Error('openVsCodePage: serverUrl is required');
  const origin = new URL(serverUrl).origin;
  if (colorTheme) {
    const udd = userDataDir ?? serversByOrigin.get(origin);
    if (!udd) throw new Error('openVsCodePage: colorTheme needs the server\'s userDataDir (pass userDataDir, or use a server from startCodeServer)');
    await writeUserSettings(udd, { 'workbench.colorTheme': colorTheme });
  }
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    // Playwright gives every launch a fresh temporary --user-data-dir and deletes it on close.
  });
  let consoleFile = null;
  try {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();

    // VS Code web calls window.codeAutomationExit(code, logs) when the extension
    // host reports that the extensionTestsPath run() settled (code 0 = passed).
    let resolveExit;
    const extensionHostExit = new Promise((r) => { resolveExit = r; });
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      resolveExit({ code, logs: Array.isArray(logs) ? logs : [] });
    });

    const consoleLines = [];
    if (consoleLogPath) consoleFile = fs.createWriteStream(consoleLogPath, { flags: 'a' });
    let queue = Promise.resolve();
    const record = (entry) => {
      consoleLines.push(entry);
      consoleFile?.write(`[${entry.source}:${entry.level}] ${entry.text}\n`);
    };
    page.on('console', (msg) => {
      // keep order: formatting is async
      queue = queue.then(() => formatConsoleMessage(msg).then(record, () => {}));
    });
    page.on('pageerror', (err) => record({ source: 'pageerror', level: 'error', text: err.stack || String(err) }));
    page.on('crash', () => record({ source: 'page', level: 'error', text: 'page crashed' }));

    const url = buildWorkbenchUrl({ serverUrl, workspace, extensionDevelopmentPath, extensionTestsPath });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    if (waitForWorkbench) await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });

    const flushConsole = async () => { await queue; };
    const close = async () => {
      await flushConsole().catch(() => {});
      await browser.close().catch(() => {});
      if (consoleFile) await new Promise((r) => consoleFile.end(r));
      consoleFile = null;
    };
    return { browser, page, url, extensionHostExit, consoleLines, flushConsole, close };
  } catch (err) {
    await browser.close().catch(() => {});
    consoleFile?.end();
    throw err;
  }
}
