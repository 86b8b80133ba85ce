#!/usr/bin/env node
// Screenshots of the trace debugger (issue 12) in real VS Code (code-server 4.100.3 + headless
// Chromium), in Default Light Modern and Default Dark Modern: a TRAIL trace opened in the Trace
// Debugger, "Agent Trace: Debug This Trace" (paused on entry), then Continue with the default
// "All failures" exception filter: the Run and Debug view stopped on the first failure, the raw
// trace beside the trace editor. PNGs go to test-results/screenshots/<theme>-debug.png. Every wait
// is for a signal (the Call Stack's rows, the webview's rows), never a fixed sleep.
//
//   node test/integration/debug-screenshots.mjs   (after node scripts/build.mjs)
import { join } from 'node:path';
import { painted, poll, runCommand, SCREENSHOT_TRACE as TRACE, WAIT_MS, webviewFrame, prepareScreenshots, runScreenshotScenes } from './workbench-driver.mjs';

const { root, outDir, workspace } = prepareScreenshots('debug-screenshots');

const callStackRows = (page) => page.$$eval('.debug-call-stack .monaco-list-row', (rows) => rows.map((r) => r.textContent ?? '')).catch(() => []);

async function shoot(page, theme) {
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Close All Editors');
  await poll('no editor open', async () => ((await page.$$('.tabs-container .tab')).length === 0 ? true : undefined), WAIT_MS);
  // The trace as text (Quick Open), then in the Trace Debugger.
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: WAIT_MS });
  await page.keyboard.type(`traces/${TRACE}`);
  await poll('the trace in Quick Open', async () => (await page.$eval('.quick-input-list .monaco-list-row', (r) => r.textContent).catch(() => '')).includes(TRACE) || undefined, WAIT_MS);
  await page.keyboard.press('Enter');
  await poll('the trace in the active tab', async () => (await page.$eval('.tab.active', (t) => t.textContent).catch(() => '')).includes(TRACE) || undefined, WAIT_MS);
  await runCommand(page, 'Agent Trace: Open in Trace Debugger');
  await poll('rows in the trace editor webview', () => webviewFrame(page), WAIT_MS);
  // Keys back to the workbench (the webview's iframe keeps F1): click the trace editor's tab.
  await (await page.$('.tabs-container .tab.active'))?.click();
  await runCommand(page, 'Agent Trace: Debug This Trace');
  const entry = await poll('the Call Stack paused on entry', async () => { const rows = await callStackRows(page); return rows.length ? rows : undefined; }, WAIT_MS);
  await page.keyboard.press('F5');
  const stopped = await poll('the Call Stack at the first failure', async () => {
    const rows = await callStackRows(page);
    return rows.length && rows[0] !== entry[0] ? rows : undefined;
  }, WAIT_MS);
  await poll('the Variables view', () => page.$('.debug-variables .monaco-list-row'), WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-debug.png`) });
  await page.keyboard.press('Shift+F5');
  await poll('the session to end', async () => ((await callStackRows(page)).length === 0 ? true : undefined), WAIT_MS);
  return { entry: entry[0], stopped: stopped.slice(0, 4) };
}

await runScreenshotScenes({ tag: 'debug-screenshots', root, outDir, workspace, shoot });
