#!/usr/bin/env node
// Run an extension's integration tests inside real VS Code 1.100.3 (code-server
// 4.100.3) with headless Chromium, and exit with the test run's exit code.
//
//   node scripts/code-server/run-integration.mjs --extension <abs dir> --tests <abs index.js> \
//        --workspace <abs dir> [--timeout 300] [--keep] [--verbose]
//
// The tests file exports run(): Promise<void> (reject = failure). It runs in the
// remote extension host (loaded through a generated shim, see writeTestShim in
// launch.mjs); when it settles the workbench calls window.codeAutomationExit(code)
// (0 = passed), which is where the exit code comes from. The shim's result file
// must agree: the workbench also calls codeAutomationExit (with 0!) when the
// extension host crashes. code-server's own "Extension Host Process exited with
// code: N" line always says 0 in the normal flow (the browser terminates the
// extension host after receiving the result), so it is only used to detect crashes.
//
// Exit codes: the test run's code (0 pass, 1 fail); 124 timeout; 2 usage or
// harness error; 3 extension host died / run() never settled; 130/143 interrupted.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureCodeServerInstalled, openVsCodePage, startCodeServer, writeTestShim } from './launch.mjs';

const USAGE = `usage: node scripts/code-server/run-integration.mjs --extension <abs dir> --tests <abs path to compiled index.js> --workspace <abs dir> [--timeout 300] [--keep] [--verbose]
  --timeout  seconds for the whole run (install excluded), default 300
  --keep     keep the run folder (user-data-dir with all logs) even when tests pass
  --verbose  print every code-server and browser console line`;

// renderer log lines that are never test output (hidden unless --verbose)
const RENDERER_NOISE = [
  /^Resolving connection token/,
  /^Resolved connection token/,
  /^Creating a socket \(renderer-/,
  /^\[Service Worker\]/,
  /^Updating additional builtin extensions cache/,
  /^ChatSessionStore: /,
  /^Ignoring fetching additional builtin extensions from gallery/,
  /open-vsx\.org|ENOTFOUND|ERR_NAME_NOT_RESOLVED/,
];
// code-server lines worth showing
const SERVER_RELEVANT = /ExtensionHostConnection|development extension|HTTP server listening|code-server \d|\b(error|ERR|warn)\b|Error:|exited|terminat/i;
const SERVER_NOISE = /open-vsx\.org|ENOTFOUND/;

function fail(message, code = 2) {
  process.stderr.write(`[harness] ${message}\n`);
  process.exit(code);
}

function parseCli() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        extension: { type: 'string' },
        tests: { type: 'string' },
        workspace: { type: 'string' },
        timeout: { type: 'string', default: '300' },
        keep: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${err.message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  for (const k of ['extension', 'tests', 'workspace']) {
    if (!values[k]) fail(`--${k} is required\n${USAGE}`);
    values[k] = path.resolve(values[k]);
  }
  if (!fs.existsSync(path.join(values.extension, 'package.json'))) fail(`--extension ${values.extension}: no package.json there`);
  if (!fs.statSync(values.tests, { throwIfNoEntry: false })?.isFile()) fail(`--tests ${values.tests}: file not found (compile the tests first?)`);
  if (!fs.statSync(values.workspace, { throwIfNoEntry: false })?.isDirectory()) fail(`--workspace ${values.workspace}: not a directory`);
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) fail(`--timeout must be a positive number of seconds`);
  return { ...values, timeoutMs: timeout * 1000 };
}

async function findFiles(dir, re) {
  const out = [];
  async function walk(d) {
    let entries;
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (re.test(e.name)) out.push(p);
    }
  }
  await walk(dir);
  return out.sort();
}

function section(title) {
  // Plain brackets: a line of equals signs reads as a pytest summary to CI log readers.
  process.stdout.write(`\n[${title}]\n`);
}

async function main() {
  const opts = parseCli();
  const t0 = Date.now();
  const secs = () => ((Date.now() - t0) / 1000).toFixed(1);

  ensureCodeServerInstalled();
  const tInstalled = Date.now();

  const runDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'agent-trace-it-'));
  const userDataDir = path.join(runDir, 'user-data');
  const consoleLogPath = path.join(runDir, 'browser-console.log');
  const shim = await writeTestShim({ testsPath: opts.tests, dir: runDir });
  process.stderr.write(`[harness] run folder (logs): ${runDir}\n`);

  let server = null;
  let view = null;
  let cleaningUp = null;
  const cleanup = () => {
    cleaningUp ??= (async () => {
      if (view) await view.close().catch(() => {});
      if (server) await server.stop().catch(() => {});
    })();
    return cleaningUp;
  };
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.once(sig, () => {
      process.stderr.write(`\n[harness] ${sig}: stopping code-server and chromium (logs kept in ${runDir})\n`);
      cleanup().finally(() => process.exit(code));
    });
  }

  let result; // { code, reason }
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ code: 124, reason: `TIMEOUT: the extension host did not exit within ${opts.timeoutMs / 1000}s` }), opts.timeoutMs);
  });

  try {
    const run = (async () => {
      server = await startCodeServer({ workspace: opts.workspace, userDataDir });
      process.stderr.write(`[harness] code-server ${server.url} (pid ${server.pid}) up after ${secs()}s\n`);

      // Crash detection: the extension host died without the workbench reporting a result.
      const hostExit = server.waitForLog(/Extension Host Process exited with code: (\S+), signal: (\S+)\./, opts.timeoutMs + 60_000)
        .then((m) => ({ exitCode: m[1], signal: m[2] }), () => null);
      const serverDied = server.exited.then((info) => ({ code: 3, reason: `code-server exited unexpectedly (${JSON.stringify(info)})` }));

      view = await openVsCodePage({
        serverUrl: server.url,
        workspace: opts.workspace,
        extensionDevelopmentPath: opts.extension,
        extensionTestsPath: shim.shimPath,
        consoleLogPath,
      });
      process.stderr.write(`[harness] workbench loaded after ${secs()}s; waiting for the tests\n`);
      const pageGone = new Promise((resolve) => {
        view.page.on('crash', () => resolve({ code: 3, reason: 'the browser page crashed' }));
        view.page.on('close', () => resolve({ code: 3, reason: 'the browser page closed' }));
      });
      const reported = view.extensionHostExit.then(async ({ code, logs }) => {
        const outcome = await shim.readResult();
        const raw = JSON.stringify(code);
        const base = { logs, rawCode: raw, outcome };
        if (outcome?.status === 'passed' && code === 0) return { ...base, code: 0, reason: 'reported' };
        if (outcome?.status === 'failed') return { ...base, code: Number.isInteger(code) && code > 0 ? code : 1, reason: 'reported' };
        if (outcome?.status === 'passed') return { ...base, code: Number.isInteger(code) && code > 0 ? code : 3, reason: `run() resolved but the workbench reported exit code ${raw}` };
        return { ...base, code: 3, reason: `the extension host went away before run() settled (workbench exit code ${raw}; shim status: ${outcome?.status ?? 'never started'}): crash, process.exit() or the test entry was never loaded` };
      });
      const crashed = hostExit.then(async (info) => {
        if (!info) return new Promise(() => {});
        // normal flow: codeAutomationExit arrives first or right after; give it a moment
        await new Promise((r) => setTimeout(r, 10_000));
        const n = Number(info.exitCode);
        return { code: n > 0 ? n : 3, reason: `the extension host exited (code ${info.exitCode}, signal ${info.signal}) without reporting a test result` };
      });
      return Promise.race([reported, crashed, serverDied, pageGone]);
    })();
    result = await Promise.race([run, timeout]);
  } catch (err) {
    result = { code: 2, reason: `harness error: ${err.stack || err.message}` };
  } finally {
    clearTimeout(timer);
  }

  // ---- report ---------------------------------------------------------------
  const failed = result.code !== 0;
  if (view) await view.flushConsole().catch(() => {});
  if (view && result.logs?.length) {
    const dir = path.join(runDir, 'browser-logs');
    for (const { relativePath, contents } of result.logs) {
      if (typeof relativePath !== 'string' || relativePath.includes('..')) continue;
      const file = path.join(dir, relativePath);
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(file, String(contents ?? ''));
    }
  }
  await cleanup();

  if (server) {
    section(`code-server log (${opts.verbose ? 'all' : 'relevant'} lines; full: ${server.logPath})`);
    for (const line of server.lines) {
      if (opts.verbose || (SERVER_RELEVANT.test(line) && !SERVER_NOISE.test(line))) process.stdout.write(line + '\n');
    }
    const exthostLogs = await findFiles(server.logsDir, /^(remoteexthost|exthost)\.log$/);
    for (const file of exthostLogs) {
      section(`remote extension host log (${file})`);
      process.stdout.write((await fsp.readFile(file, 'utf8')).trimEnd() + '\n');
    }
  }
  if (view) {
    section('test output (extension host console, forwarded to the workbench)');
    for (const e of view.consoleLines) {
      if (e.source === 'logService') {
        if (!opts.verbose && RENDERER_NOISE.some((re) => re.test(e.text))) continue;
        const prefix = e.level === 'INFO' ? '' : `[${e.level}] `;
        process.stdout.write(prefix + e.text + '\n');
      } else if (opts.verbose || e.source === 'pageerror') {
        process.stdout.write(`[browser ${e.source}:${e.level}] ${e.text}\n`);
      }
    }
  }

  section('result');
  const timing = `total ${secs()}s (install check ${((tInstalled - t0) / 1000).toFixed(1)}s)`;
  if (result.reason === 'reported') {
    process.stdout.write(`integration ${failed ? 'failed' : 'finished'}: the extension host reported exit code ${result.code} (${timing})\n`);
  } else {
    process.stdout.write(`integration failed: ${result.reason} (${timing})\n`);
  }
  if (failed || opts.keep) {
    process.stdout.write(`logs kept in ${runDir}:\n`
      + `  code-server stdout/stderr: ${path.join(userDataDir, 'code-server.log')}\n`
      + `  VS Code server logs:       ${path.join(userDataDir, 'logs')}/<time>/remoteagent.log, exthost*/remoteexthost.log\n`
      + `  browser console:           ${consoleLogPath}\n`
      + `  workbench (browser) logs:  ${path.join(runDir, 'browser-logs')}/\n`);
  } else {
    await fsp.rm(runDir, { recursive: true, force: true }).catch(() => {});
  }
  return result.code;
}

main().then(
  (code) => process.exit(code),
  (err) => fail(`harness error: ${err.stack || err.message}`),
);
