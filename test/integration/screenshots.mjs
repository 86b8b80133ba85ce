#!/usr/bin/env node
/* global window, document, requestAnimationFrame */
// Screenshots of the extension in real VS Code (code-server 4.100.3 + headless Chromium), in the
// Default Light Modern and Default Dark Modern themes, from ONE code-server: the theme is switched
// in the user settings between the two passes. For each theme it opens a TRAIL trace with tool
// failures the way a user would (Quick Open → text editor with diagnostics and CodeLenses, then
// "Agent Trace: Open in Trace Debugger"), shows the Agent Traces view, presses `n` inside the
// webview and checks the details pane shows the failing step's error. PNGs go to
// test-results/screenshots/ (gitignored). Exits non-zero when a check fails.
//
// Opt-in, not part of `npm test` (no baseline to compare with): `npm run screenshots`, or
// `node scripts/test-integration.mjs --screenshots`. Every wait is for a signal (the theme's class
// on the workbench, the extension's status-bar message, rows in the webview), never a fixed sleep;
// the time to rows is reported, not asserted (timing goals live in `npm run bench`).
//
//   node test/integration/screenshots.mjs   (after node scripts/build.mjs)
import { mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServerInstalled, openVsCodePage, startCodeServer, writeUserSettings } from '../../scripts/code-server/launch.mjs';
import { poll, runCommand, webviewFrame } from './workbench-driver.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'test-results', 'screenshots');
const workspace = resolve(root, '..', 'shared', 'traces', 'trail', 'GAIA');
const TRACE = 'e491d73ca2fd8a2a6f8984feb1c408a3.json';
const THEMES = [
  { id: 'light', name: 'Default Light Modern', bodyClass: 'vs' },
  { id: 'dark', name: 'Default Dark Modern', bodyClass: 'vs-dark' },
];
/** Deadlines for waits under load: generous, since each ends as soon as its signal arrives. */
const WAIT_MS = 60_000;

if (!existsSync(join(workspace, 'traces', TRACE))) {
  console.error(`[screenshots] missing ${join(workspace, 'traces', TRACE)}: check out ../shared beside the project`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
ensureCodeServerInstalled();

/** Two animation frames in `target` (a page or a frame): what was laid out has been painted. */
const painted = (target) => target.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined)))));

async function applyTheme(page, server, theme) {
  await writeUserSettings(server.userDataDir, { 'workbench.colorTheme': theme.name });
  await poll(`the ${theme.name} theme to apply`, async () => (await page.$eval('.monaco-workbench', (el) => el.className)).split(/\s+/).includes(theme.bodyClass) || undefined, WAIT_MS);
}

async function shoot(page, theme) {
  const results = {};
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Close All Editors');

  // 1. The trace as text: diagnostics and CodeLenses.
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: WAIT_MS });
  await page.keyboard.type(`traces/${TRACE}`);
  await poll('the trace in Quick Open', async () => (await page.$eval('.quick-input-list .monaco-list-row', (r) => r.textContent).catch(() => '')).includes(TRACE) || undefined, WAIT_MS);
  await page.keyboard.press('Enter');
  await poll('the trace in the active tab', async () => (await page.$eval('.tab.active', (t) => t.textContent).catch(() => '')).includes(TRACE) || undefined, WAIT_MS);
  // The extension's own signal that it analysed the file: "Go to Next Failure" (which waits for the
  // analysis) says "failure k of n" and centres the failing step, so its CodeLens is in view.
  await runCommand(page, 'Agent Trace: Go to Next Failure');
  await poll('"Agent Trace: failure 1 of n" in the status bar', async () => (await page.$eval('.statusbar', (s) => s.textContent).catch(() => '')).match(/Agent Trace: failure 1 of \d+/) || undefined, WAIT_MS);
  await poll('a CodeLens at the failing step', () => page.$('.codelens-decoration a'), WAIT_MS);
  await page.keyboard.press('Control+Shift+M'); // Problems panel
  results.problems = await poll('rows in the Problems panel', async () => (await page.$$('.markers-panel .monaco-list-row')).length || undefined, WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-text.png`) });
  await page.keyboard.press('Control+Shift+M');

  // 2. The Agent Traces view in the activity bar.
  const viewIcon = await poll('"Agent Traces" in the activity bar', () => page.$('.activitybar [aria-label^="Agent Traces"]'), WAIT_MS);
  await viewIcon.click();
  await poll('trace files in the Agent Traces view', async () => (await page.$$('[id="workbench.view.extension.agentTraceDebugger"] .monaco-list-row, .pane-body .monaco-list-row')).length >= 2 || undefined, WAIT_MS);

  // 3. Open in the Trace Debugger through the command palette, as a user would.
  await page.keyboard.press('Control+1'); // back to the text editor, the command's target
  const started = await runCommand(page, 'Agent Trace: Open in Trace Debugger');
  const frame = await poll('rows in the trace editor webview', () => webviewFrame(page), WAIT_MS);
  results.timeToRowsMs = Date.now() - started;
  results.rows = await frame.$$eval('.step-row:not(.placeholder)', (r) => r.length);
  results.badges = await frame.$$eval('.step-row .category-badge', (b) => b.map((x) => [x.textContent, window.getComputedStyle(x).backgroundColor]));

  // 4. `n` inside the webview: the next failure is selected and its error is in the details.
  await frame.click('.step-row:not(.placeholder) .step-name');
  await poll('the clicked row to be selected', () => frame.$('.step-row[aria-selected="true"]'), WAIT_MS);
  await page.keyboard.press('n');
  const details = await poll('the details pane to show an error or finding', async () => {
    const text = await frame.$eval('.details', (d) => {
      const err = d.querySelector('.error-message, .finding-evidence');
      return err ? `${d.querySelector('.details-title')?.textContent ?? ''} :: ${err.textContent}` : '';
    }).catch(() => '');
    return text || undefined;
  }, WAIT_MS);
  results.details = details.slice(0, 160);
  results.selected = await frame.$eval('.step-row.selected .step-name, .step-row[aria-selected="true"] .step-name', (e) => e.textContent).catch(() => null);
  await frame.evaluate(() => document.fonts.ready.then(() => undefined));
  await painted(frame);
  await page.screenshot({ path: join(outDir, `${theme.id}-editor.png`) });
  return results;
}

const server = await startCodeServer({ workspace, settings: { 'workbench.colorTheme': THEMES[0].name, 'window.commandCenter': false } });
let vscode;
let failed = false;
try {
  vscode = await openVsCodePage({ serverUrl: server.url, workspace, extensionDevelopmentPath: root, colorTheme: THEMES[0].name, viewport: { width: 1440, height: 900 } });
  const { page } = vscode;
  for (const theme of THEMES) {
    try {
      await applyTheme(page, server, theme);
      const r = await shoot(page, theme);
      console.log(`[screenshots] ${theme.name}: ${JSON.stringify(r)}`);
    } catch (e) {
      failed = true;
      console.error(`[screenshots] ${theme.name}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
      await page.screenshot({ path: join(outDir, `${theme.id}-failure.png`) }).catch(() => {});
    }
  }
} catch (e) {
  failed = true;
  console.error(`[screenshots] could not open VS Code: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await vscode?.close();
  await server.stop();
}
console.log(`[screenshots] PNGs in ${outDir}`);
process.exit(failed ? 1 : 0);
