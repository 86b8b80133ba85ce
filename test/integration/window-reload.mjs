#!/usr/bin/env node
// What must survive "Developer: Reload Window" in real VS Code (code-server 4.100.3 + headless
// Chromium), in one workbench and one reload:
//   - the Agent Traces view keeps its counts (traces-view-counts.mjs);
//   - the Trace Explorer and a Compare Traces view come back as they were (explorer-reload.mjs);
//   - an unsaved tag comes back from its hot-exit backup, still unsaved (hot-exit.mjs).
// One session for all three, because a workbench's start and a reload are most of each one's time:
// as two scenarios they took 39 and 67 s in CI, of which about 15 s each was starting and
// reloading. Run by scripts/test-integration.mjs after the suite. Exits non-zero on failure.
//
//   node test/integration/window-reload.mjs   (after node scripts/build.mjs)
//   HOT_EXIT_RELOAD=command|page   (page: the browser's reload, see hot-exit.mjs)
//   HOT_EXIT_CONSOLE=<file>        (the browser console's log)
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServerInstalled, openVsCodePage, startCodeServer } from '../../scripts/code-server/launch.mjs';
import { describeFrames, explorerAfterReload, explorerBeforeReload } from './explorer-reload.mjs';
import { addHotExitTrace, checkTagRestored, reloadWindow, tagAndWaitForBackup } from './hot-exit.mjs';
import { countBeforeReload, countsAfterReload, writeCountedTrace } from './traces-view-counts.mjs';
import { endScenario, runScenario, screenshotWorkspace, SCREENSHOT_TRACE } from './workbench-driver.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'test-results', 'screenshots');
const RELOAD = process.env.HOT_EXIT_RELOAD ?? 'command';
if (!['command', 'page'].includes(RELOAD)) {
  console.error(`[window-reload] HOT_EXIT_RELOAD must be command or page, not ${RELOAD}`);
  process.exit(2);
}

async function main() {
  ensureCodeServerInstalled();
  mkdirSync(outDir, { recursive: true });
  // A copy of TRAIL's GAIA folder; the trace to tag is one of its traces again, under a name that
  // opens in the trace editor and sorts last.
  const workspace = screenshotWorkspace(root, 'window-reload');
  writeCountedTrace(workspace);
  const hotExit = addHotExitTrace(workspace, join(workspace, 'traces', SCREENSHOT_TRACE));
  // VS Code for the web auto-saves after a delay by default, which would save the tag before the
  // reload; hot exit is about unsaved edits, so auto save is off, as desktop VS Code has it.
  const server = await startCodeServer({ workspace, settings: { 'window.commandCenter': false, 'files.autoSave': 'off' } });
  let vscode;
  let failed = false;
  const pageErrors = [];
  try {
    vscode = await openVsCodePage({ serverUrl: server.url, workspace, extensionDevelopmentPath: root, viewport: { width: 1440, height: 900 }, ...(process.env.HOT_EXIT_CONSOLE ? { consoleLogPath: process.env.HOT_EXIT_CONSOLE } : {}) });
    const { page } = vscode;
    // A reload with unsaved changes may ask "leave site?": leave (hot exit is what is tested).
    page.on('dialog', (d) => { void d.accept().catch(() => {}); });
    // For a failure's report: what the pages logged as errors.
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text().slice(0, 300)}`); });
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${String(e).slice(0, 300)}`));

    const countBefore = await countBeforeReload(page, workspace);
    // The tag first, in the fresh workbench's one editor group; the Trace Explorer then opens over
    // that trace, and its row and the comparison to the side.
    await tagAndWaitForBackup(page, server.userDataDir, hotExit);
    const explorer = await explorerBeforeReload(page);
    hotExit.results.reload = RELOAD;
    await reloadWindow(page, RELOAD);

    const hotExitResults = await checkTagRestored(page, hotExit);
    await page.screenshot({ path: join(outDir, 'hot-exit.png') });
    const explorerResults = await explorerAfterReload(page, explorer);
    const tracesViewCounts = await countsAfterReload(page, workspace, countBefore);
    return { hotExit: hotExitResults, explorer: explorerResults, tracesViewCounts };
  } catch (e) {
    failed = true;
    const frames = await describeFrames(vscode?.page);
    console.error(`[window-reload] frames:\n  ${frames.join('\n  ')}\n[window-reload] page errors:\n  ${pageErrors.slice(-20).join('\n  ') || 'none'}`);
    await vscode?.page.screenshot({ path: join(root, 'test-results', 'window-reload-failure.png') }).catch(() => {});
    throw e;
  } finally {
    await endScenario('window-reload', { vscode, server, workspace, failed });
  }
}

await runScenario('window-reload', main);
