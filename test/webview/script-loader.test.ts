/**
 * The pages' HTML shell (src/host/editor/html.ts) loads its script through a small loader that
 * tries again when the load fails: in VS Code for the web a webview's script could fail to load
 * right after a window reload (through the service worker) and leave the panel blank. The script's
 * URL is intercepted here: it fails a given number of times, then answers.
 */
import { strict as assert } from 'node:assert';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderShell } from '../../src/host/editor/html';
import { CHROMIUM } from './harness';

const SCRIPT = 'https://webview.test/dist/page.js';

describe("the pages' shell loads its script again when a load fails (headless Chromium)", function () {
  this.timeout(60_000);
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  });
  after(async () => { await browser?.close(); });

  /** The shell in a page whose script fails `failures` times before it loads; how many requests were made. */
  async function open(failures: number): Promise<{ page: Page; requests: () => number }> {
    const page = await browser.newPage();
    let requests = 0;
    await page.route(SCRIPT, (route) => {
      requests++;
      if (requests <= failures) return route.abort('failed');
      return route.fulfill({ contentType: 'text/javascript', body: "document.getElementById('app').textContent = 'the page ran';" });
    });
    await page.route('https://webview.test/page.html', (route) => route.fulfill({
      contentType: 'text/html',
      body: renderShell({ cspSource: 'https://webview.test', scriptUri: SCRIPT, styleUris: [] }),
    }));
    await page.goto('https://webview.test/page.html');
    return { page, requests: () => requests };
  }

  it('a script that fails twice runs at the third attempt', async () => {
    const { page, requests } = await open(2);
    await page.getByText('the page ran').waitFor();
    assert.equal(requests(), 3);
    await page.close();
  });

  it('a script that never loads: the page says so after four attempts instead of staying blank', async () => {
    const { page, requests } = await open(Infinity);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /could not load its script after 4 attempts\. Close it and open it again, or run Developer: Reload Window\./);
    assert.equal(requests(), 4);
    await page.close();
  });
});
