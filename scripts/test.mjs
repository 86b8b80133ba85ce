#!/usr/bin/env node
// `npm test`: the build, both type-checks, ESLint, the unit and webview tests (mocha), then the
// integration tests in real VS Code (and the reload scenarios), in that order, stopping at the
// first step that fails. It ends with each step's result and time, and one plain line that counts
// every test that ran,
//
//   tests: 1435 passed, 0 failed
//
// so a person (and CI, which reads a run's closing line) sees at a glance what ran. Each step's
// output streams through unchanged. The counts come from mocha's own summary lines for the unit
// run and from a tally file that the integration suite and the scenarios append to
// (AGENT_TRACE_TEST_TALLY), since their mocha runs inside VS Code's extension host.
//
// One after another, not at once: run together, the unit and the integration tests took as long as
// in turn (540 s against 560 on the 2-core test machine), each slowed by the other. (`time` shows
// them using two thirds and a third of the machine, but it misses the Chromium processes they drive.)
//
//   node scripts/test.mjs [--no-integration]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const withIntegration = !process.argv.includes('--no-integration');

const steps = [
  { name: 'build', args: ['run', 'build'] },
  { name: 'type-check', args: ['run', 'typecheck'] },
  { name: 'lint', args: ['run', 'lint'] },
  { name: 'unit and webview tests', args: ['run', 'test:unit'], counts: 'mocha' },
  ...(withIntegration ? [{ name: 'integration tests (VS Code)', args: ['run', 'test:integration', '--', '--no-build'], counts: 'tally' }] : []),
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

/** Run one npm step, its output streaming through. */
function runStep(step, env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const done = (code, tail) => resolve({ code, tail, seconds: (Date.now() - started) / 1000 });
    const child = spawn(npm, step.args, { cwd: root, env, stdio: ['inherit', 'pipe', 'inherit'], shell: process.platform === 'win32' });
    // Keep only the tail: mocha's summary is at the end, and a full log can be tens of MB.
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-200_000);
    });
    child.on('error', (e) => done(127, `${tail}\ncannot run npm: ${e.message}`));
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1), tail));
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

/** Run steps in order, up to the first that fails; what each gave. */
async function runSteps(env, tallyFile) {
  const results = [];
  for (const step of steps) {
    const { code, tail, seconds } = await runStep(step, env);
    results.push({ step, code, seconds, counts: countsOf(step, tail, tallyFile) });
    if (code !== 0) break;
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
    results = await runSteps(env, tallyFile);
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
