#!/usr/bin/env node
/* global window, document */
// Screenshots of the extension in real VS Code (code-server 4.100.3 + headless Chromium), in the
// Default Light Modern and Default Dark Modern themes, from ONE code-server: the theme is switched
// with "Preferences: Color Theme" between the two passes. For each theme it shows the Agent Traces
// view, opens a TRAIL trace with tool failures the way a user would (Quick Open → text editor with
// diagnostics and CodeLenses, then "Agent Trace: Open in Trace Debugger"), presses `n` inside the
// webview and checks the details pane shows the failing step's error. PNGs go to
// test-results/screenshots/ (gitignored). Exits non-zero when a check fails.
//
// Opt-in, not part of `npm test` (no baseline to compare with): `npm run screenshots`, or
// `node scripts/test-integration.mjs --screenshots`. Every wait is for a signal (the theme's class
// on the workbench, the extension's status-bar message, rows in the webview), never a fixed sleep;
// the time to rows is reported, not asserted (timing goals live in `npm run bench`).
//
//   node test/integration/screenshots.mjs   (after node scripts/build.mjs)
import { join } from 'node:path';
import { focusWorkbench, painted, poll, runCommand, SCREENSHOT_TRACE as TRACE, WAIT_MS, webviewFrame, prepareScreenshots, runScreenshotScenes } from './workbench-driver.mjs';

const { root, outDir, workspace } = prepareScreenshots('screenshots');

/**
 * Run a palette command that shows only in some contexts (the extension sets them once it knows the
 * file is a trace): open the palette until the command is offered, then run it.
 */
async function runWhenOffered(page, title) {
  await poll(`"${title}" offered in the command palette`, async () => {
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { timeout: WAIT_MS });
    await page.keyboard.type(title);
    const offered = await poll('the palette to filter', async () => {
      const first = await page.$eval('.quick-input-list .monaco-list-row', (r) => r.textContent).catch(() => null);
      return first === null ? undefined : { text: first };
    }, WAIT_MS).catch(() => ({ text: '' }));
    if (offered.text.includes(title.replace(/^.*: /, ''))) return true;
    await page.keyboard.press('Escape');
    return undefined;
  }, WAIT_MS, 250);
  await page.keyboard.press('Enter');
}

async function shoot(page, theme) {
  const results = {};
  await focusWorkbench(page);
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Close All Editors');
  await poll('no editor open', async () => ((await page.$$('.tabs-container .tab')).length === 0 ? true : undefined), WAIT_MS);

  // 1. The Agent Traces view in the activity bar (showing it activates the extension).
  const viewIcon = await poll('"Agent Traces" in the activity bar', () => page.$('.activitybar [aria-label^="Agent Traces"]'), WAIT_MS);
  // Clicking the icon of the view already shown would hide the side bar (the second theme's pass).
  const shown = await viewIcon.evaluate((el) => el.closest('.action-item')?.classList.contains('checked') ?? false);
  if (!shown) await viewIcon.click();
  await poll('trace files in the Agent Traces view', async () => (await page.$$('[id="workbench.view.extension.agentTraceDebugger"] .monaco-list-row, .pane-body .monaco-list-row')).length >= 2 || undefined, WAIT_MS);

  // 2. The trace as text: diagnostics and CodeLenses.
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: WAIT_MS });
  await page.keyboard.type(`traces/${TRACE}`);
  await poll('the trace in Quick Open', async () => (await page.$eval('.quick-input-list .monaco-list-row', (r) => r.textContent).catch(() => '')).includes(TRACE) || undefined, WAIT_MS);
  await page.keyboard.press('Enter');
  await poll('the trace in the active tab', async () => (await page.$eval('.tab.active', (t) => t.textContent).catch(() => '')).includes(TRACE) || undefined, WAIT_MS);
  // The extension's own signal that it analysed the file: "Go to Next Failure" (which waits for the
  // analysis) says "failure k of n" and centres the failing step, so its CodeLens is in view (the
  // editor may reopen at the first failure, so k is not always 1).
  await runWhenOffered(page, 'Agent Trace: Go to Next Failure');
  await poll('"Agent Trace: failure k of n" in the status bar', async () => (await page.$eval('.statusbar', (s) => s.textContent).catch(() => '')).match(/Agent Trace: failure \d+ of \d+/) || undefined, WAIT_MS);
  await poll('a CodeLens at the failing step', () => page.$('.codelens-decoration a'), WAIT_MS);
  await page.keyboard.press('Control+Shift+M'); // Problems panel
  results.problems = await poll('rows in the Problems panel', async () => (await page.$$('.markers-panel .monaco-list-row')).length || undefined, WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-text.png`) });
  await page.keyboard.press('Control+Shift+M');

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

await runScreenshotScenes({ tag: 'screenshots', root, outDir, workspace, shoot });
