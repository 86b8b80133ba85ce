/**
 * Loaded by mocha before any test file (.mocharc.json `require`): the environment every unit and
 * webview test runs in. fsync proves nothing a unit test checks and makes the corpus promotions
 * take minutes on a busy machine, so tests turn it off (see core/annotations/atomic-write.ts).
 *
 * Temp folders: every test's `mkdtempSync(join(tmpdir(), ...))` lands in one folder made for this
 * run (os.tmpdir() reads TMPDIR on each call; child processes and Chromium inherit it), removed
 * after the last test by the global teardown below, also when a test failed half-way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.AGENT_TRACE_NO_FSYNC = '1';

// Mocha's parallel workers load this file too: they share the folder that the main process made
// (its environment is theirs), and only the main process removes it, once, at the very end.
const inherited = process.env.AGENT_TRACE_TEST_RUN_TEMP;
const runTemp = inherited ?? mkdtempSync(join(tmpdir(), 'atd-test-run-'));
process.env.AGENT_TRACE_TEST_RUN_TEMP = runTemp;
process.env.TMPDIR = runTemp;

/** A global fixture (not a root hook): it runs once per run, in serial and in parallel mode alike. */
export function mochaGlobalTeardown(): void {
  if (!inherited) rmSync(runTemp, { recursive: true, force: true });
}
