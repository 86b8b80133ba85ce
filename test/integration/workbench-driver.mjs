/* global requestAnimationFrame */
// Driving the real VS Code workbench (code-server in headless Chromium) with Playwright: the
// small steps the screenshot and hot-exit scenarios share.

import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServerInstalled, openVsCodePage, startCodeServer } from '../../scripts/code-server/launch.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * How long any one wait may take before it fails. A deadline, not a budget: every wait returns as
 * soon as what it waits for shows up, and a cold workbench on a busy 2-core machine can take tens
 * of seconds to open a quick pick or a webview.
 */
export const WAIT_MS = 60_000;

/** Calls probe until it returns something truthy; throws naming what it waited for. */
export async function poll(what, probe, timeoutMs = WAIT_MS, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The trace editor's webview document: VS Code nests it in two iframes. */
export async function webviewFrame(page) {
  for (const f of page.frames()) {
    if (await f.$('.step-row:not(.placeholder)').catch(() => null)) return f;
  }
  return undefined;
}

/**
 * The trace editor's webview document shown in the editor group `group` (a locator), when several
 * groups show one: the one whose frame lies in the group's box.
 */
export async function webviewFrameIn(page, group) {
  const area = await group.boundingBox();
  if (!area) return undefined;
  for (const f of page.frames()) {
    if (!(await f.$('.step-row:not(.placeholder)').catch(() => null))) continue;
    const box = await (await f.frameElement().catch(() => null))?.boundingBox().catch(() => null);
    if (!box) continue;
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    if (x >= area.x && x <= area.x + area.width && y >= area.y && y <= area.y + area.height) return f;
  }
  return undefined;
}

/** The first editor tab whose label has `text`. */
export function tabWithText(page, text) {
  return page.locator('.tabs-container .tab', { hasText: text }).first();
}

/**
 * How long a restored panel may take to show its page before it is hidden and shown again. Not
 * shorter: beside the unit tests (npm test runs them at once) a panel that did show took over
 * 10 s to, in one run of four.
 */
const SHOW_AGAIN_AFTER_MS = 20_000;

/**
 * Shows the editor tab `tab` (a locator) and waits for `probe` to see its panel. Right after a
 * reload on a busy machine, VS Code for the web sometimes never loads a webview's frame (its
 * service-worker check, fake.html, is not even requested): the panel stays blank with a progress
 * bar however long one waits, whatever the extension does. A user would switch tabs; so does
 * this, once or twice (a panel that is not kept while hidden gets a new frame when shown again),
 * and says so in the log. Our own part of a blank page (a page script that failed to load) is
 * retried by the page shell.
 */
export async function showPanel(page, tab, what, probe) {
  for (let attempt = 1; ; attempt++) {
    await tab.waitFor({ timeout: WAIT_MS });
    await tab.click();
    try {
      return await poll(what, probe, attempt < 3 ? SHOW_AGAIN_AFTER_MS : WAIT_MS);
    } catch (e) {
      if (attempt >= 3) throw e;
      // The tab just clicked is its group's active one; any other tab of the group hides it.
      const group = page.locator('.editor-group-container', { has: tab }).first();
      const otherTab = group.locator('.tabs-container .tab:not(.active)').first();
      // Alone in its group, the panel cannot be hidden by another tab: it is only slow, so wait on.
      if ((await otherTab.count()) === 0) {
        console.error(`[window-reload] ${what}: nothing after ${SHOW_AGAIN_AFTER_MS / 1000} s; it is alone in its group, so waiting on`);
        continue;
      }
      console.error(`[window-reload] ${what}: nothing after ${SHOW_AGAIN_AFTER_MS / 1000} s; showing another tab of its group, then it again`);
      await otherTab.click();
    }
  }
}

/** Runs a palette command; returns when Enter was pressed (the user's "go"). */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { timeout: WAIT_MS });
  await page.keyboard.type(title);
  await poll(`"${title}" in the command palette`, async () => {
    const first = await page.$eval('.quick-input-list .monaco-list-row', (r) => r.textContent).catch(() => '');
    return first.includes(title.replace(/^.*: /, '')) || undefined;
  });
  await page.keyboard.press('Enter');
  return Date.now();
}

/** The two themes the screenshots are taken in, and the class the workbench wears in each. */
export const THEMES = [
  { id: 'light', name: 'Default Light Modern', bodyClass: 'vs' },
  { id: 'dark', name: 'Default Dark Modern', bodyClass: 'vs-dark' },
];

/** The TRAIL trace the screenshots open (with tool failures and TRAIL labels). */
export const SCREENSHOT_TRACE = 'e491d73ca2fd8a2a6f8984feb1c408a3.json';

/**
 * A temp copy of ../shared/traces/trail/GAIA to open in VS Code (never ../shared itself: a key that
 * lands in an editor, or a save before debugging, must not change the shared corpus). Exits with
 * code 2, saying what is missing, when ../shared is not beside the project.
 */
export function screenshotWorkspace(root, tag) {
  const source = resolve(root, '..', 'shared', 'traces', 'trail', 'GAIA');
  if (!existsSync(join(source, 'traces', SCREENSHOT_TRACE))) {
    console.error(`[${tag}] missing ${join(source, 'traces', SCREENSHOT_TRACE)}: check out ../shared beside the project`);
    process.exit(2);
  }
  const workspace = mkdtempSync(join(tmpdir(), `atd-${tag}-`));
  cpSync(source, workspace, { recursive: true });
  return workspace;
}

/** Two animation frames in `target` (a page or a frame): what was laid out has been painted. */
export const painted = (target) => target.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined)))));

/** Take the keyboard back from the trace editor's webview (its iframe keeps keys such as F1): click the first editor tab. */
export async function focusWorkbench(page) {
  const tab = await page.$('.tabs-container .tab');
  if (tab) await tab.click();
}

const hasThemeClass = async (page, theme) => (await page.$eval('.monaco-workbench', (el) => el.className)).split(/\s+/).includes(theme.bodyClass);

/** Switch the color theme as a user does ("Preferences: Color Theme"), and wait for the workbench to wear it. */
export async function applyTheme(page, theme) {
  await focusWorkbench(page);
  if (!(await hasThemeClass(page, theme))) {
    // Ctrl+K Ctrl+T (workbench.action.selectTheme): the palette also offers "Browse Color Themes…".
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+T');
    await poll('the theme picker', async () => (await page.$eval('.quick-input-list', (l) => l.textContent).catch(() => '')).includes('Default Light Modern') || undefined, WAIT_MS);
    await page.keyboard.type(theme.name);
    await poll(`"${theme.name}" in the theme picker`, async () => (await page.$eval('.quick-input-list .monaco-list-row.focused', (r) => r.textContent).catch(() => '')).includes(theme.name) || undefined, WAIT_MS);
    await page.keyboard.press('Enter');
  }
  await poll(`the ${theme.name} theme to apply`, async () => (await hasThemeClass(page, theme)) || undefined, WAIT_MS);
}

/**
 * What every screenshot script starts with: the project root, test-results/screenshots (made),
 * a temp copy of the TRAIL traces to open, and code-server installed.
 */
export function prepareScreenshots(tag) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const outDir = join(root, 'test-results', 'screenshots');
  mkdirSync(outDir, { recursive: true });
  ensureCodeServerInstalled();
  return { root, outDir, workspace: screenshotWorkspace(root, tag) };
}

/**
 * Open VS Code (code-server) on `workspace` with the extension, run `shoot(page, theme)` in each
 * theme, log what it returns, keep a failure screenshot, clean up, and exit 1 if a theme failed.
 */
export async function runScreenshotScenes({ tag, root, outDir, workspace, shoot }) {
  const server = await startCodeServer({ workspace, settings: { 'workbench.colorTheme': THEMES[0].name, 'window.commandCenter': false, 'files.autoSave': 'off' } });
  let vscode;
  let failed = false;
  try {
    vscode = await openVsCodePage({ serverUrl: server.url, workspace, extensionDevelopmentPath: root, colorTheme: THEMES[0].name, viewport: { width: 1440, height: 900 } });
    const { page } = vscode;
    for (const theme of THEMES) {
      try {
        await applyTheme(page, theme);
        console.log(`[${tag}] ${theme.name}: ${JSON.stringify(await shoot(page, theme))}`);
      } catch (e) {
        failed = true;
        console.error(`[${tag}] ${theme.name}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
        await page.screenshot({ path: join(outDir, `${theme.id}-${tag}-failure.png`) }).catch(() => {});
      }
    }
  } catch (e) {
    failed = true;
    console.error(`[${tag}] could not open VS Code: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await vscode?.close();
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
  console.log(`[${tag}] PNGs in ${outDir}`);
  process.exit(failed ? 1 : 0);
}

/**
 * A scenario's cleanup: close the page and the server and remove the workspace; code-server's
 * logs are worth keeping only when something went wrong (their folder is named then).
 */
export async function endScenario(name, { vscode, server, workspace, failed }) {
  await vscode?.close();
  await server.stop();
  rmSync(workspace, { recursive: true, force: true });
  if (failed) console.error(`[${name}] code-server logs kept in ${server.userDataDir}`);
  else rmSync(server.userDataDir, { recursive: true, force: true });
}

/**
 * Run a scenario script's `main`, count it in npm test's closing line (the tally file of
 * scripts/test.mjs, AGENT_TRACE_TEST_TALLY), print what it returned or why it failed, and exit 0
 * or 1.
 */
export async function runScenario(name, main) {
  const started = Date.now();
  const tally = (passed) => {
    const file = process.env.AGENT_TRACE_TEST_TALLY;
    if (file) appendFileSync(file, JSON.stringify({ suite: name, passed: passed ? 1 : 0, failed: passed ? 0 : 1 }) + '\n');
  };
  try {
    const r = await main();
    tally(true);
    console.log(`[${name}] passed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(r)}`);
    process.exit(0);
  } catch (e) {
    tally(false);
    console.error(`[${name}] FAILED: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
