#!/usr/bin/env node
// Screenshots of the Trace Explorer in real VS Code (code-server 4.100.3 + headless Chromium), in
// Default Light Modern and Default Dark Modern, over a copy of TRAIL's GAIA traces: the table for
// `category:TOOL` (typed in Query Traces, opened with its table button), sorted by steps, with its
// facets. PNGs go to test-results/screenshots/<theme>-explorer.png. Every wait is for a signal.
//
//   node test/integration/explorer-screenshots.mjs   (after node scripts/build.mjs)
import { join } from 'node:path';
import { focusWorkbench, painted, poll, runCommand, WAIT_MS, prepareScreenshots, runScreenshotScenes } from './workbench-driver.mjs';

const { root, outDir, workspace } = prepareScreenshots('explorer-screenshots');

/** The frame of the Trace Explorer's page, once it shows rows. */
async function explorerFrame(page) {
  return poll('the Trace Explorer with rows', async () => {
    for (const f of page.frames()) if (await f.$('.table-body .row:not(.placeholder)').catch(() => null)) return f;
    return undefined;
  }, WAIT_MS);
}

async function shoot(page, theme) {
  await focusWorkbench(page);
  await runCommand(page, 'View: Close All Editors');
  // From Query Traces: its table button opens the Trace Explorer on the query typed there.
  await runCommand(page, 'Agent Trace: Query Traces');
  await page.waitForSelector('.quick-input-widget input', { timeout: WAIT_MS });
  await page.keyboard.type('category:TOOL');
  await page.click('.quick-input-widget .quick-input-titlebar .codicon-table');
  let frame = await explorerFrame(page);
  if ((await frame.inputValue('.query-input')) !== 'category:TOOL') throw new Error('the Trace Explorer did not take the query typed in Query Traces');
  await poll('the failures', async () => /^\d+ of \d+ traces match/.test(await frame.$eval('.status-line', (s) => s.textContent ?? '')) ? true : undefined, WAIT_MS);
  const sorted = await frame.$eval('.column-head[data-column="steps"]', (b) => b.getAttribute('aria-sort'));
  if (sorted !== 'descending') await frame.click('.column-head[data-column="steps"]');
  frame = await explorerFrame(page);
  await frame.focus('.table-body');
  await frame.press('.table-body', 'ArrowDown');
  await painted(frame);
  await page.screenshot({ path: join(outDir, `${theme.id}-explorer.png`) });
  const status = await frame.$eval('.status-line', (s) => s.textContent ?? '');
  await runCommand(page, 'View: Close All Editors');
  return { status };
}

await runScreenshotScenes({ tag: 'explorer-screenshots', root, outDir, workspace, shoot });
