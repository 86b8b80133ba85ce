#!/usr/bin/env node
// `npm test`: the build, both type-checks, ESLint, the unit and webview tests (mocha), then the
// integration tests in real VS Code (and the hot-exit scenario), in that order, stopping at the
// first step that fails. It ends with one plain line that counts every test that ran,
//
//   tests: 1435 passed, 0 failed
//
// so a person (and CI, which reads a run's closing line) sees at a glance what ran. Each step's
// output streams through unchanged. The counts come from mocha's own summary lines for the unit
// run and from a tally file that the integration suite and the hot-exit scenario append to
// (AGENT_TRACE_TEST_TALLY), since their mocha runs inside VS Code's extension host.
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

function runStep(step, env) {
  return new Promise((resolve) => {
    const child = spawn(npm, step.args, { cwd: root, env, stdio: ['inherit', 'pipe', 'inherit'], shell: process.platform === 'win32' });
    // Keep only the tail: mocha's summary is at the end, and a full log can be tens of MB.
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-200_000);
    });
    child.on('error', (e) => resolve({ code: 127, tail: `${tail}\ncannot run npm: ${e.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), tail }));
  });
}

async function main() {
  const tallyDir = mkdtempSync(join(tmpdir(), 'atd-test-tally-'));
  const tallyFile = join(tallyDir, 'tally.jsonl');
  // Colours survive the pipe when the terminal would have shown them.
  const env = { ...process.env, AGENT_TRACE_TEST_TALLY: tallyFile, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) };
  const total = { passed: 0, failed: 0, skipped: 0 };
  let failedStep;
  try {
    for (const step of steps) {
      const { code, tail } = await runStep(step, env);
      if (step.counts) {
        let counts;
        if (step.counts === 'mocha') counts = mochaCounts(tail);
        else {
          try {
            counts = tallyCounts(readFileSync(tallyFile, 'utf8'));
          } catch {
            counts = { passed: 0, failed: 0, skipped: 0 };
          }
        }
        total.passed += counts.passed;
        total.failed += counts.failed;
        total.skipped += counts.skipped;
      }
      if (code !== 0) {
        failedStep = { name: step.name, code };
        break;
      }
    }
  } finally {
    rmSync(tallyDir, { recursive: true, force: true });
  }
  if (failedStep) console.log(`\nnpm test stopped: ${failedStep.name} failed (exit ${failedStep.code})`);
  // A step that fails without failing a test (a type error, a crashed harness) still fails the run.
  const failed = total.failed || (failedStep ? 1 : 0);
  console.log(`\ntests: ${total.passed} passed, ${failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
  return failedStep ? failedStep.code || 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
