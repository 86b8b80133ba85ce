#!/usr/bin/env node
// Screenshots of the Failure Clusters view's actions in real VS Code (code-server + headless
// Chromium), in Default Light Modern and Default Dark Modern, over a copy of TRAIL's GAIA traces:
// the view with a cluster's inline actions (Tag All, Reject Finding for All), its context menu,
// `n` opening the cluster's first step with "Step 1 of N in cluster …" in the status bar, the
// category picker of Tag All (the cluster's category preselected), the summary with Undo, and the
// summary of the Undo. PNGs go to test-results/screenshots/<theme>-cluster-*.png. Every wait is
// for a signal.
//
//   node test/integration/cluster-actions-screenshots.mjs   (after node scripts/build.mjs)
import { join } from 'node:path';
import { focusWorkbench, painted, poll, runCommand, WAIT_MS, prepareScreenshots, runScreenshotScenes } from './workbench-driver.mjs';

const { root, outDir, workspace } = prepareScreenshots('cluster-actions-screenshots');

const CLUSTERS_PANE = '.pane:has(.pane-header[aria-label*="Failure Clusters"])';
const STATUS = '#agent-trace-debugger\\.agent-trace-debugger\\.agentTraceDebugger\\.clusterStep';
const toasts = (page) => page.$$eval('.notification-toast', (ts) => ts.map((t) => t.textContent ?? '')).catch(() => []);

async function closeEverything(page) {
  await page.keyboard.press('Escape');
  await focusWorkbench(page);
  await runCommand(page, 'Notifications: Clear All Notifications');
  // A trace open while its cluster was tagged and undone has two edits on its tab: revert, so closing asks nothing.
  while (await page.$('.tabs-container .tab.dirty')) {
    await page.click('.tabs-container .tab.dirty');
    await runCommand(page, 'File: Revert File');
    await poll('the tab reverted', async () => ((await page.$('.tabs-container .tab.active.dirty')) ? undefined : true), WAIT_MS);
  }
  await runCommand(page, 'View: Close All Editors');
  await poll('no editor open', async () => ((await page.$$('.tabs-container .tab')).length === 0 ? true : undefined), WAIT_MS);
}

/** The first cluster row of the view, once the view has counted its clusters. */
async function firstClusterRow(page) {
  await runCommand(page, 'Focus on Failure Clusters View');
  await poll('the clusters counted in the view', async () => {
    const text = await page.$eval(CLUSTERS_PANE, (p) => p.textContent ?? '').catch(() => '');
    return /\d+ clusters of failures in \d+ traces/.test(text) ? true : undefined;
  }, WAIT_MS);
  return poll('a cluster row', () => page.$(`${CLUSTERS_PANE} .monaco-list-row[aria-level="1"]`), WAIT_MS);
}

async function shoot(page, theme) {
  await closeEverything(page);
  // 1. The view, the first cluster selected and hovered: its inline actions show.
  let row = await firstClusterRow(page);
  await row.click();
  await row.hover();
  await poll('the inline actions', () => page.$(`${CLUSTERS_PANE} .monaco-list-row[aria-level="1"] .action-label.codicon-tag`), WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-cluster-actions.png`) });

  // 2. Its context menu.
  await row.click({ button: 'right' });
  const menu = await poll('the context menu', async () => {
    const items = await page.$$eval('.context-view .action-label', (xs) => xs.map((x) => x.textContent ?? '')).catch(() => []);
    return items.some((t) => t.includes('Tag All Steps in Cluster')) ? items.filter(Boolean) : undefined;
  }, WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-cluster-menu.png`) });
  await page.keyboard.press('Escape');

  // 3. `n` in the view opens the next step of the cluster (its first, the first time); the status bar says where we are.
  row = await firstClusterRow(page);
  await row.click();
  await page.keyboard.press('n');
  const status = await poll('the step in the status bar', async () => {
    const text = await page.$eval(STATUS, (e) => e.textContent ?? '').catch(() => '');
    return /Step \d+ of \d+ in cluster/.test(text) ? text : undefined;
  }, WAIT_MS);
  await poll('the trace editor with its rows', async () => {
    for (const f of page.frames()) if (await f.$('.step-row:not(.placeholder)').catch(() => null)) return true;
    return undefined;
  }, WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-cluster-step.png`) });

  // 4. Tag All: the category picker, the cluster's own category preselected.
  row = await firstClusterRow(page);
  await row.click();
  await runCommand(page, 'Agent Trace: Tag All Steps in Cluster As');
  const active = await poll('the category picker', async () => {
    const title = await page.$eval('.quick-input-title', (t) => t.textContent ?? '').catch(() => '');
    if (!/Tag all \d+ steps of this cluster as/.test(title)) return undefined;
    return page.$eval('.quick-input-list .monaco-list-row.focused', (r) => r.textContent ?? '').catch(() => undefined);
  }, WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-cluster-picker.png`) });
  await page.keyboard.press('Enter');

  // 5. The summary, with Undo; then Undo and its summary.
  const summary = await poll('the summary', async () => (await toasts(page)).find((t) => /Tagged \d+ steps in \d+ traces/.test(t)), WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-cluster-tagged.png`) });
  await page.click('.notification-toast .monaco-button:has-text("Undo")');
  const undone = await poll('the undo summary', async () => (await toasts(page)).find((t) => t.includes('Undid')), WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-cluster-undone.png`) });
  await closeEverything(page);
  return { menu, status, active, summary, undone };
}

await runScreenshotScenes({ tag: 'cluster-actions-screenshots', root, outDir, workspace, shoot });
