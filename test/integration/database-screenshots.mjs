#!/usr/bin/env node
// Screenshots of the trace database features in real VS Code (code-server 4.100.3 + headless
// Chromium), in Default Light Modern and Default Dark Modern, over a copy of TRAIL's GAIA traces:
// "Agent Trace: Query Traces…" with results, the Failure Clusters view, "Compare Traces…" on two
// tau-bench runs of one task (copied in) in the Compare Traces view, and the same runs side by
// side in two trace editors. PNGs go to
// test-results/screenshots/<theme>-{query,clusters,compare-view,compare}.png. Every wait is for a signal.
//
//   node test/integration/database-screenshots.mjs   (after node scripts/build.mjs)
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { focusWorkbench, painted, poll, runCommand, WAIT_MS, prepareScreenshots, runScreenshotScenes } from './workbench-driver.mjs';

const { root, outDir, workspace } = prepareScreenshots('database-screenshots');
// Two runs of one task to compare: tau-bench's airline results (many runs in one file).
mkdirSync(join(workspace, 'tau-bench'), { recursive: true });
copyFileSync(join(root, '..', 'shared', 'traces', 'tau-bench', 'gpt-4o-airline.json'), join(workspace, 'tau-bench', 'gpt-4o-airline.json'));

const quickRows = (page) => page.$$eval('.quick-input-list .monaco-list-row', (rows) => rows.map((r) => r.textContent ?? '')).catch(() => []);
const rowFrames = async (page) => {
  const frames = [];
  for (const f of page.frames()) if (await f.$('.step-row:not(.placeholder)').catch(() => null)) frames.push(f);
  return frames;
};

async function closeEverything(page) {
  await page.keyboard.press('Escape');
  await focusWorkbench(page);
  await runCommand(page, 'View: Close All Editors');
  await poll('no editor open', async () => ((await page.$$('.tabs-container .tab')).length === 0 ? true : undefined), WAIT_MS);
}

async function shoot(page, theme) {
  await closeEverything(page);
  // 1. Query Traces: results as you type.
  await runCommand(page, 'Agent Trace: Query Traces');
  await page.waitForSelector('.quick-input-widget input', { timeout: WAIT_MS });
  await page.keyboard.type('category:TOOL steps:>10');
  const results = await poll('query results', async () => { const rows = await quickRows(page); return rows.length > 1 ? rows : undefined; }, WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-query.png`) });
  await page.keyboard.press('Escape');

  // 2. The Failure Clusters view, its largest cluster expanded.
  await runCommand(page, 'Focus on Failure Clusters View');
  const clusters = await poll('the clusters counted in the view', async () => {
    const text = await page.$$eval('.pane-body', (panes) => panes.map((p) => p.textContent ?? '').join('\n')).catch(() => '');
    return /\d+ clusters of failures in \d+ traces/.exec(text)?.[0];
  }, WAIT_MS);
  await page.keyboard.press('Enter');
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-clusters.png`) });

  // 3. Compare Traces: two tau-bench runs of one airline task (#43 and #93, shown as #44 and #94)
  // in the Compare Traces view, on their first different action.
  await focusWorkbench(page);
  await runCommand(page, 'Agent Trace: Compare Traces');
  for (const [step, run] of [['(1/2)', '#44'], ['(2/2)', '#94']]) {
    await poll(`the run picker ${step}`, async () => {
      const title = await page.$eval('.quick-input-title', (t) => t.textContent ?? '').catch(() => '');
      return title.includes(step) && (await quickRows(page)).length > 1 ? true : undefined;
    }, WAIT_MS);
    await page.keyboard.type(`gpt-4o-airline.json ${run}`);
    await poll(`run ${run} first in the picker`, async () => ((await quickRows(page))[0]?.includes(`gpt-4o-airline.json ${run}`) ? true : undefined), WAIT_MS);
    await page.keyboard.press('Enter');
  }
  const compareFrame = async () => {
    for (const f of page.frames()) if (await f.$('.pair-row.selected[data-pair]').catch(() => null)) return f;
    return undefined;
  };
  const view = await poll('the Compare Traces view with its selected pair and details', async () => {
    const f = await compareFrame();
    return f && (await f.$('.pair-details .pair-side').catch(() => null)) ? f : undefined;
  }, WAIT_MS);
  const position = await view.$eval('.compare-position', (e) => e.textContent ?? '');
  await painted(view);
  await page.screenshot({ path: join(outDir, `${theme.id}-compare-view.png`) });

  // 4. The same runs side by side in two trace editors ("Open Side by Side in Trace Editors").
  await focusWorkbench(page);
  await runCommand(page, 'Agent Trace: Open Side by Side in Trace Editors');
  await poll('two trace editors with rows', async () => ((await rowFrames(page)).length >= 2 ? true : undefined), WAIT_MS);
  const status = await poll('the difference in the status bar', async () => {
    const text = await page.$eval('#agent-trace-debugger\\.agent-trace-debugger\\.agentTraceDebugger\\.compare', (e) => e.textContent).catch(() => '');
    return text && text.includes('Difference') ? text : undefined;
  }, WAIT_MS);
  await painted(page);
  await page.screenshot({ path: join(outDir, `${theme.id}-compare.png`) });
  // The next theme is picked from the workbench, not from a trace editor's webview.
  await closeEverything(page);
  return { results: results.length, clusters, position, status };
}

await runScreenshotScenes({ tag: 'database-screenshots', root, outDir, workspace, shoot });
