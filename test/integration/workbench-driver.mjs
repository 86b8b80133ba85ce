// Driving the real VS Code workbench (code-server in headless Chromium) with Playwright: the
// small steps the screenshot and hot-exit scenarios share.

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
