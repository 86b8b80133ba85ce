#!/usr/bin/env node
// `npm test`: the build, both type-checks, ESLint, the unit and webview tests (mocha), then the
// integration tests in real VS Code (and the reload scenario), stopping after the first stage in
// which a step fails. It ends with each step's result and time, and one plain line that counts
// every test that ran,
//
//   tests: 1435 passed, 0 failed
//
// so a person (and CI, which reads a run's closing line) sees at a glance what ran. The counts come
// from mocha's own summary lines for the mocha runs and from a tally file that the integration
// suite and the scenarios append to (AGENT_TRACE_TEST_TALLY), since their mocha runs inside VS
// Code's extension host.
//
// The test run is CPU-bound on the 2-core test machine. A stage's lanes run at once, the steps of
// a lane one after another; the first lane streams its output, the others' output is printed whole
// when the stage ends, so no two logs interleave.
//   - the webview tests, in two mocha jobs each driving Chromium, fill both cores alone (195 s of
//     CPU in 100 s). Their three longest files (30-40 s each) are named first in package.json's
//     test:webview and the rest follow by a pattern that leaves them out: the jobs take files in
//     the order given, and in name order the longest started near the end, with one job idle while
//     the other finished it (116 s against 101 s, one run each, on the test machine);
//   - the integration tests in VS Code keep about two thirds of two cores busy (320 s of CPU in
//     236 s alone): they wait on the workbench's rendering and their own timers. The type-check,
//     ESLint and the unit tests (in two jobs) fill the rest, at the lowest priority (`nice`), so
//     they take only what the workbench leaves: at the same priority the unit tests (one job) and
//     the integration tests each slowed the other by a quarter (293 and 299 s, against 145-160 s and
//     236 s alone), and a suite test once waited over 15 s for its page.
// Before, in turn: all of it 550-606 s; in stages 484-497 s; 450 s once the two reload scenarios
// became one (test/integration/window-reload.mjs: one workbench, one reload); 419-488 s once the
// webview tests shared one browser per process and reused their pages (test/webview/harness.ts),
// with the build, type-check and ESLint first (48 s), then the webview tests, then the unit tests
// in one job beside the integration tests.
// Tried and dropped:
//   - the unit and webview tests in two jobs beside the integration tests, at the same priority:
//     540 s, each slowed by the other;
//   - three webview files beside the integration tests instead of before them: 502 s;
//   - also the reload scenarios beside the integration suite: 476 and 545 s, and one failure of a
//     suite test whose page took over 15 s to answer.
//
//   node scripts/test.mjs [--no-integration]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const withIntegration = !process.argv.includes('--no-integration');
/** `nice` lowers a step's priority where there is one (not on Windows). */
const canNice = process.platform !== 'win32';
/**
 * Runs "$@" at the lowest priority. Linux schedules each session as a group (autogroup) before it
 * looks at the nice values inside it, and Chromium and code-server start sessions of their own, so
 * `nice` alone lowered the background lane only against its own session: the lane also lowers its
 * session's group (/proc/self/autogroup; quietly nothing where there is none).
 */
const LOWEST_PRIORITY = 'echo 19 > /proc/self/autogroup 2>/dev/null; exec nice -n 19 "$@"';
/** The steps running now: a detached one would outlive an interrupted npm test. */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    }
    process.exit(128 + constants.signals[signal]);
  });
}

/** The checks that wait on no one: they fill what the integration tests leave of the CPU. */
const backgroundLane = [
  { name: 'type-check', args: ['run', 'typecheck'], background: true },
  { name: 'lint', args: ['run', 'lint'], background: true },
  { name: 'unit tests', args: ['run', 'test:node', '--', '--parallel', '--jobs', '2'], counts: 'mocha', background: true },
];

/**
 * The stages, in order: the lanes of a stage run at once, the steps of a lane in turn. A step with
 * `background` runs at the lowest CPU priority.
 */
const stages = [
  [[{ name: 'build', args: ['run', 'build'] }]],
  [[{ name: 'webview tests', args: ['run', 'test:webview'], counts: 'mocha' }]],
  withIntegration
    ? [[{ name: 'integration tests (VS Code)', args: ['run', 'test:integration', '--', '--no-build'], counts: 'tally' }], backgroundLane]
    : [backgroundLane],
];

/** Mocha's spec reporter ends with "  N passing (4m)", "  N failing", "  N pending" lines. */
export function mochaCounts(text) {
  // Colour codes, when mocha prints them, would hide the numbers from the pattern.
  const plain = text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  const count = (word) => {
    const m = new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm').exec(plain);
    return m ? Number(m[1]) : 0;
  };
  return { passed: count('passing'), failed: count('failing'), skipped: count('pending') };
}

/** The tally file holds one JSON object a line: {"suite", "passed", "failed"}. */
export function tallyCounts(text) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line);
    total.passed += entry.passed ?? 0;
    total.failed += entry.failed ?? 0;
  }
  return total;
}

/**
 * Run one npm step. With `stream`, its output goes through as it comes; without, it is kept and
 * handed back whole (`output`), for a step that runs beside a streaming one.
 */
function runStep(step, env, stream) {
  return new Promise((resolve) => {
    const started = Date.now();
    const kept = [];
    // Keep only the tail for the counts: mocha's summary is at the end, and a log can be tens of MB.
    let tail = '';
    const done = (code, note = '') => resolve({ code, tail: tail + note, output: Buffer.concat(kept).toString('utf8') + note, seconds: (Date.now() - started) / 1000 });
    const background = step.background && canNice;
    const [command, args] = background ? ['sh', ['-c', LOWEST_PRIORITY, 'sh', npm, ...step.args]] : [npm, step.args];
    // In a session of its own (detached), for a scheduling group of its own: see LOWEST_PRIORITY.
    const child = spawn(command, args, { cwd: root, env, detached: background, stdio: ['ignore', 'pipe', stream ? 'inherit' : 'pipe'], shell: process.platform === 'win32' });
    running.add(child);
    child.on('close', () => running.delete(child));
    child.stdout.on('data', (chunk) => {
      if (stream) process.stdout.write(chunk);
      else kept.push(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-200_000);
    });
    child.stderr?.on('data', (chunk) => kept.push(chunk));
    child.on('error', (e) => done(127, `\ncannot run npm: ${e.message}`));
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

/** The counts of a finished step (none for steps that run no tests). */
function countsOf(step, tail, tallyFile) {
  if (step.counts === 'mocha') return mochaCounts(tail);
  if (step.counts !== 'tally') return { passed: 0, failed: 0, skipped: 0 };
  try {
    return tallyCounts(readFileSync(tallyFile, 'utf8'));
  } catch {
    return { passed: 0, failed: 0, skipped: 0 };
  }
}

/** Run a lane's steps in turn, up to the first that fails; what each gave. */
async function runLane(lane, env, tallyFile, stream) {
  const results = [];
  for (const step of lane) {
    const { code, tail, output, seconds } = await runStep(step, env, stream);
    results.push({ step, code, seconds, output, counts: countsOf(step, tail, tallyFile) });
    if (code !== 0) break;
  }
  return results;
}

/** Run the stages in order, up to the first in which a step fails; what each step gave. */
async function runStages(env, tallyFile) {
  const results = [];
  for (const stage of stages) {
    const lanes = await Promise.all(stage.map((lane, i) => runLane(lane, env, tallyFile, i === 0)));
    lanes.forEach((lane, i) => {
      for (const r of lane) {
        if (i > 0) process.stdout.write(`\n[npm test] output of ${r.step.name}:\n${r.output}`);
        results.push(r);
      }
    });
    if (results.some((r) => r.code !== 0)) break;
  }
  return results;
}

async function main() {
  const tallyDir = mkdtempSync(join(tmpdir(), 'atd-test-tally-'));
  const tallyFile = join(tallyDir, 'tally.jsonl');
  // Colours survive the pipe when the terminal would have shown them.
  const env = { ...process.env, AGENT_TRACE_TEST_TALLY: tallyFile, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) };
  let results;
  try {
    results = await runStages(env, tallyFile);
  } finally {
    rmSync(tallyDir, { recursive: true, force: true });
  }
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    total.passed += r.counts.passed;
    total.failed += r.counts.failed;
    total.skipped += r.counts.skipped;
  }
  const failedSteps = results.filter((r) => r.code !== 0);
  console.log(`\n${results.map((r) => `${r.step.name}: ${r.code === 0 ? 'ok' : `failed (exit ${r.code})`} in ${Math.round(r.seconds)} s`).join('; ')}`);
  for (const f of failedSteps) console.log(`npm test stopped: ${f.step.name} failed (exit ${f.code})`);
  // A step that fails without failing a test (a type error, a crashed harness) still fails the run.
  const failed = total.failed || failedSteps.length;
  console.log(`\ntests: ${total.passed} passed, ${failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
  return failedSteps.length ? failedSteps[0].code || 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
