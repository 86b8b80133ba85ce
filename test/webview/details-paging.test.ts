/**
 * Step details are paged (issue 11): a step whose input message is over 1 MB crosses to the
 * webview as its first 64 Ki UTF-16 code units with its full length; the details pane shows that
 * beginning with "Show more (N KB more)", and the button (keyboard reachable) fetches the whole text
 * (getStepText) and puts it in place. A failed fetch shows inline with Retry; Raw JSON and the
 * correction editor still get the whole text. Screenshots of the shortened pane in light and dark
 * (and of a shortened JSON value in dark) go to test-results/screenshots/details-shortened-*.png.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DETAILS_TEXT_LIMIT } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { cutText } from '../../src/host/editor/details-page';
import { TraceFile } from '../../src/host/editor/trace-file';
import { PROJECT_ROOT } from '../support/shared';
import { painted, until, WebviewHarness, type OpenedEditor, type Theme } from './harness';

// Page-side globals for page.evaluate callbacks (the host tsconfig has no DOM lib on purpose).
interface PageElement { textContent: string | null; value: string; getAttribute(name: string): string | null; classList: { contains(c: string): boolean } }
declare const document: { querySelector(selector: string): PageElement | null; activeElement: PageElement | null };
declare const window: { addEventListener(type: string, fn: (e: { data: unknown }) => void): void } & Record<string, unknown>;

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');
const ROW = '[role=tree] [role=treeitem]';
const DETAILS = '[role=region][aria-label="Step details"]';
const INPUT_TEXT = `${DETAILS} .section-input .message-content`;
const SHOW_MORE = `${DETAILS} .section-input .shortened button.show-more`;

const HUGE = 1_200_000;
const FILLER = 'the quick brown fox jumps over the lazy dog. ';
// A surrogate pair straddles the cut, so the beginning is one code unit short of the limit. Only
// one: this machine has no emoji font, and laying out thousands of them takes Chromium minutes.
const huge = `${`BEGIN ${FILLER.repeat(2000)}`.slice(0, DETAILS_TEXT_LIMIT - 1)}😀${FILLER.repeat(Math.ceil(HUGE / FILLER.length)).slice(0, HUGE)} END`;
const ids = Array.from({ length: 20_000 }, (_, i) => 100_000 + i);
const answer = `FINAL ${'The weather in SF is 18C and foggy. '.repeat(6000)} DONE`;

/** weather-tools.json with a user message over 1 MB and a final answer over 64 Ki code units. */
function hugeFile(): TraceFile {
  const fixture = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures/openai-chat/weather-tools.json'), 'utf8')) as { messages: { role: string; content: string | null }[] };
  fixture.messages[1].content = huge;
  fixture.messages[5].content = answer;
  // Tool arguments with many small entries: too long as a whole, with no long string in them.
  (fixture.messages[2] as unknown as { tool_calls: { function: { arguments: string } }[] }).tool_calls[0].function.arguments = JSON.stringify({ city: 'SF', ids });
  return TraceFile.fromBytes('/traces/huge-message.json', new TextEncoder().encode(JSON.stringify(fixture)), { taxonomy: DEFAULT_TAXONOMY });
}

/** The webview's own formula: KB of 1,024 code units, whole above 10. */
function kb(units: number): string {
  const k = units / 1024;
  return `${(k >= 10 ? Math.round(k) : Math.round(k * 10) / 10).toLocaleString('en-US')} KB`;
}

/** Record the size of every getStep reply as it arrives in the page (what crossed postMessage). */
async function measureReplies(page: Page): Promise<void> {
  await page.evaluate(() => {
    const sizes: { index: number; chars: number }[] = [];
    window.__stepReplies = sizes;
    window.addEventListener('message', (e) => {
      const m = e.data as { replyTo?: number; result?: { step?: { index: number } } };
      if (typeof m?.replyTo === 'number' && m.result?.step) sizes.push({ index: m.result.step.index, chars: JSON.stringify(m).length });
    });
  });
}

async function stepReplies(page: Page): Promise<{ index: number; chars: number }[]> {
  return page.evaluate(() => window.__stepReplies as { index: number; chars: number }[]);
}

async function select(page: Page, index: number, name: string): Promise<void> {
  await page.locator(`${ROW}[data-index="${index}"]`).click();
  await page.waitForFunction((n) => document.querySelector('.details-title')?.textContent === n, name);
}

async function textLength(page: Page, selector: string): Promise<number> {
  return page.evaluate((s) => document.querySelector(s)?.textContent?.length ?? -1, selector);
}

describe('trace editor webview: long texts in the details are paged', function () {
  // A guard against a hang, not a time budget: each wait has its own deadline (WAIT_MS).
  this.timeout(240_000);
  const harness = new WebviewHarness();
  let ed: OpenedEditor | undefined;
  const file = hugeFile();
  const steps = file.traces[0].steps;
  const userStep = steps.findIndex((s) => s.input?.messages?.some((m) => m.content === huge));
  const answerStep = steps.findIndex((s) => s.output?.messages?.some((m) => m.content === answer));
  const shown = cutText(huge, DETAILS_TEXT_LIMIT);

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await harness.start();
  });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  async function open(theme: Theme = 'dark'): Promise<OpenedEditor> {
    ed = await harness.open(file, { theme });
    await ed.page.waitForSelector(ROW);
    await measureReplies(ed.page);
    return ed;
  }

  it('sends the beginning of a 1 MB message (under 100 KB cross), shows "Show more", and the button puts the whole text in place', async () => {
    assert.ok(userStep >= 0 && answerStep >= 0, 'the fixture has both long texts');
    const { page, requests } = await open();
    await select(page, userStep, steps[userStep].name);

    const replies = (await stepReplies(page)).filter((r) => r.index === userStep);
    assert.equal(replies.length, 1);
    assert.ok(replies[0].chars < 100_000, `the details reply was ${replies[0].chars} characters`);

    assert.equal(shown.length, DETAILS_TEXT_LIMIT - 1, 'the pair is not split');
    assert.equal(await textLength(page, INPUT_TEXT), shown.length, 'the beginning is shown');
    const button = page.locator(SHOW_MORE);
    assert.equal(await button.count(), 1);
    assert.equal((await button.textContent())?.trim(), `Show more (${kb(huge.length - shown.length)} more)`);
    assert.equal(await page.locator(`${DETAILS} .section-input .shortened-note`).textContent(), `Showing the first ${kb(shown.length)} of ${kb(huge.length)}.`);
    assert.equal(await button.evaluate((b) => (b as unknown as { tagName: string }).tagName), 'BUTTON', 'a real button');

    // Keyboard: Tab reaches it from the details pane; Enter loads the rest.
    await page.locator(DETAILS).focus();
    for (let i = 0; i < 40; i++) {
      if (await page.evaluate(() => document.activeElement?.classList.contains('show-more') ?? false)) break;
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('show-more') ?? false), true, 'Show more is reachable with Tab');
    await page.keyboard.press('Enter');
    await until('the whole message in place', async () => (await textLength(page, INPUT_TEXT)) === huge.length);
    assert.equal(await page.evaluate((s) => document.querySelector(s)?.textContent?.endsWith(' END') ?? false, INPUT_TEXT), true);
    assert.equal(await page.locator(`${DETAILS} .section-input .shortened`).count(), 0, 'no "Show more" once the whole text is there');
    const asked = requests.filter((r) => r.method === 'getStepText').map((r) => r.params);
    assert.deepEqual(asked, [{ traceIndex: 0, index: userStep, path: ['input', 'messages', 0, 'content'] }]);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('message-content') ?? false), true, 'focus moves to the text, not to the page');
  });

  it('a failed fetch shows inline with Retry, and Retry loads the text', async () => {
    const { page, failNext } = await open();
    await select(page, userStep, steps[userStep].name);
    failNext('getStepText');
    await page.locator(SHOW_MORE).click();
    const error = page.locator(`${DETAILS} .section-input .shortened-error[role=alert]`);
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /Couldn't load the rest of this text: simulated host failure/);
    assert.equal(await textLength(page, INPUT_TEXT), shown.length, 'the beginning stays');
    await error.locator('button', { hasText: 'Retry' }).click();
    await until('the whole message after Retry', async () => (await textLength(page, INPUT_TEXT)) === huge.length);
    assert.equal(await error.count(), 0);
  });

  it('Raw JSON loads the whole step, and the correction editor starts from the whole answer', async () => {
    const { page } = await open();
    await select(page, userStep, steps[userStep].name);
    await page.locator(`${DETAILS} details.section-raw > summary`).click();
    const full = page.locator(`${DETAILS} .section-raw button.show-more`);
    assert.equal((await full.textContent())?.trim(), 'Show Full Raw JSON');
    await full.click();
    const raw = JSON.stringify(steps[userStep], null, 2);
    await until('the whole Raw JSON', async () => (await textLength(page, `${DETAILS} .section-raw pre.raw-json`)) === raw.length);

    await select(page, answerStep, steps[answerStep].name);
    const out = `${DETAILS} .section-output .message-content`;
    assert.equal(await textLength(page, out), DETAILS_TEXT_LIMIT, 'the answer arrived shortened');
    await page.keyboard.press('e');
    const editor = page.locator('dialog.correction-editor[open]');
    await editor.waitFor();
    assert.equal(await editor.locator('textarea.correction-content').evaluate((t) => (t as unknown as { value: string }).value), answer, 'the correction starts from the whole answer');
    await page.keyboard.press('Escape');
  });

  it('a value too long as a whole shows the beginning of its JSON, and Show more turns it into the tree', async () => {
    const toolStep = steps.findIndex((s) => s.kind === 'tool' && (s.input?.value as { ids?: unknown } | undefined)?.ids !== undefined);
    assert.ok(toolStep >= 0);
    const { page, requests } = await open();
    await select(page, toolStep, steps[toolStep].name);
    const replies = (await stepReplies(page)).filter((r) => r.index === toolStep);
    assert.ok(replies[0].chars < 200_000, `the details reply was ${replies[0].chars} characters (two shortened values: input and tool call)`);
    // The input is the call's arguments again: shown once, under the tool call.
    assert.equal(await page.locator(`${DETAILS} .section-input`).count(), 0);
    const args = page.locator(`${DETAILS} .section-tool-call`);
    const begin = await args.locator('.shortened pre.json-text').textContent();
    const json = JSON.stringify(ids, null, 2);
    assert.equal(begin, json.slice(0, DETAILS_TEXT_LIMIT), 'the beginning of the indented JSON');
    assert.equal((await args.locator('button.show-more').textContent())?.trim(), `Show more (${kb(json.length - DETAILS_TEXT_LIMIT)} more)`);
    // The shortened structure sits inside the tree of its value, under its key.
    assert.equal(await args.locator('.json-tree .json-key', { hasText: 'city' }).count(), 1);
    await args.locator('button.show-more').scrollIntoViewIfNeeded();
    await painted(page);
    await page.locator(DETAILS).screenshot({ path: join(SCREENSHOTS, 'details-shortened-json-dark.png') });
    await args.locator('button.show-more').click();
    await args.locator('.json-tree .json-punct', { hasText: 'Array(20000)' }).waitFor();
    assert.equal(await args.locator('.shortened').count(), 0);
    assert.deepEqual(requests.filter((r) => r.method === 'getStepText').map((r) => r.params), [{ traceIndex: 0, index: toolStep, path: ['toolCall', 'arguments', 'ids'] }]);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`looks right in ${theme} (screenshot of the shortened message)`, async () => {
      const { page } = await open(theme);
      await select(page, userStep, steps[userStep].name);
      await page.locator(SHOW_MORE).scrollIntoViewIfNeeded();
      await painted(page);
      await page.locator(DETAILS).screenshot({ path: join(SCREENSHOTS, `details-shortened-${theme}.png`) });
      // The error state too, for the look of the inline message and Retry.
      ed?.failNext('getStepText');
      await page.locator(SHOW_MORE).click();
      await page.locator(`${DETAILS} .shortened-error`).waitFor();
      await painted(page);
      await page.locator(DETAILS).screenshot({ path: join(SCREENSHOTS, `details-shortened-error-${theme}.png`) });
    });
  }
});
