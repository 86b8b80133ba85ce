#!/usr/bin/env node
// Screenshots of the Detector Report in real VS Code (code-server 4.100.3 + headless Chromium), in
// Default Light Modern and Default Dark Modern, over a copy of TRAIL's GAIA traces: the report in
// the Markdown preview, its category table, the steps behind a count (after clicking it), and the trace file opened by
// a step link at the step's line. PNGs go to
// test-results/screenshots/<theme>-detector-report{,-categories,-steps,-open}.png. Every wait is for a signal.
//
//   node test/integration/detector-report-screenshots.mjs   (after node scripts/build.mjs)
/* global document, window -- used only inside page.evaluate callbacks, which run in the page */
import { join } from 'node:path';
import { focusWorkbench, painted, poll, runCommand, WAIT_MS, prepareScreenshots, runScreenshotScenes } from './workbench-driver.mjs';

const { root, outDir, workspace } = prepareScreenshots('detector-report-screenshots');

/** The Markdown preview's content frame, once it shows the report's tables. */
async function reportFrame(page) {
  return poll('the Detector Report in the Markdown preview', async () => {
    for (const f of page.frames()) {
      const ok = await f.evaluate(() => document.querySelector('h1')?.textContent === 'Detector Report' && document.querySelectorAll('table').length >= 1).catch(() => false);
      if (ok) return f;
    }
    return undefined;
  }, WAIT_MS);
}

async function closeEverything(page) {
  await page.keyboard.press('Escape');
  // The first tab may be the preview, whose webview keeps F1: take the keyboard from the side bar instead.
  await page.click('.part.sidebar .composite.title').catch(() => focusWorkbench(page));
  await runCommand(page, 'View: Close All Editors');
  await poll('no editor open', async () => ((await page.$$('.tabs-container .tab')).length === 0 ? true : undefined), WAIT_MS);
}

async function shoot(page, theme) {
  await closeEverything(page);
  await runCommand(page, 'Agent Trace: Show Detector Report');
  const frame = await reportFrame(page);
  // The progress notification is gone once the report is written; wait for it so it is not in the picture.
  await poll('the progress notification closed', async () => ((await page.$('.notifications-toasts .notification-toast')) ? undefined : true), WAIT_MS);
  await painted(frame);
  await page.screenshot({ path: join(outDir, `${theme.id}-detector-report.png`) });
  const rows = await frame.$$eval('table tbody tr', (trs) => trs.length);

  // The category table and the location figures below it.
  await frame.evaluate(() => document.getElementById('by-category')?.scrollIntoView());
  await poll('scrolled to the categories', async () => ((await frame.evaluate(() => window.scrollY)) > 0 ? true : undefined), WAIT_MS);
  await painted(frame);
  await page.screenshot({ path: join(outDir, `${theme.id}-detector-report-categories.png`) });
  await frame.evaluate(() => window.scrollTo(0, 0));
  await poll('back at the top', async () => ((await frame.evaluate(() => window.scrollY)) === 0 ? true : undefined), WAIT_MS);

  // A count (the first FP with a link) scrolls to the steps behind it.
  const countTarget = await frame.evaluate(() => {
    const links = [...document.querySelectorAll('table tbody td a[href^="#"]')].filter((a) => /^\d+$/.test(a.textContent ?? ''));
    const a = links[0];
    if (!a) return undefined;
    a.click();
    return a.getAttribute('href');
  });
  await poll('scrolled to the steps', async () => ((await frame.evaluate(() => window.scrollY)) > 0 ? true : undefined), WAIT_MS);
  await painted(frame);
  await page.screenshot({ path: join(outDir, `${theme.id}-detector-report-steps.png`) });

  // A step link opens the trace file at the step's line.
  const stepHref = await frame.evaluate((target) => {
    const heading = document.getElementById(decodeURIComponent((target ?? '#').slice(1)));
    let el = heading?.nextElementSibling;
    while (el && !el.querySelector('a[href*="#L"]')) el = el.nextElementSibling;
    const a = el?.querySelector('a[href*="#L"]');
    if (!a) return undefined;
    a.click();
    return a.getAttribute('href');
  }, countTarget);
  const tab = await poll('the trace file open in an editor', async () => {
    const labels = await page.$$eval('.tabs-container .tab', (tabs) => tabs.map((t) => t.getAttribute('aria-label') ?? t.textContent ?? ''));
    return labels.find((l) => /\.json/.test(l));
  }, WAIT_MS);
  const wanted = /#L(\d+)$/.exec(stepHref ?? '')?.[1];
  const line = await poll(`the cursor on line ${wanted} in the status bar`, async () => {
    const text = await page.$eval('#status\\.editor\\.selection', (e) => e.textContent ?? '').catch(() => '');
    return /Ln (\d+)/.exec(text)?.[1] === wanted ? text : undefined;
  }, WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-detector-report-open.png`) });
  await closeEverything(page);
  return { rows, countTarget, stepHref, tab, line };
}

await runScreenshotScenes({ tag: 'detector-report-screenshots', root, outDir, workspace, shoot });
