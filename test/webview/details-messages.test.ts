/**
 * Long conversations cross without their middle (issue 11, TRAIL): the largest LLM step of a real
 * TRAIL SWE Bench trace (read from ../shared/traces, never copied) has dozens of medium messages
 * and no text over 64 Ki, so paging texts alone still sent all of them on every `j`. Its details
 * reply must stay under 150,000 characters; the pane shows the system message and the task, a
 * "Show N earlier messages (M KB)" button (keyboard reachable) where the run left out was, and the
 * latest messages; the button fetches the run (getStepMessages) and puts it in place, so all the
 * messages are there in order. A failed fetch shows inline with Retry; the correction editor still
 * starts from the whole answer. Screenshots of the elided conversation in light and dark go to
 * test-results/screenshots/details-elided-*.png.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SelectStepNotification } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { elideMessages, messageSize, pageStepDetails } from '../../src/host/editor/details-page';
import { TraceFile } from '../../src/host/editor/trace-file';
import { PROJECT_ROOT, sharedPath } from '../support/shared';
import { painted, until, WebviewHarness, type OpenedEditor, type Theme } from './harness';

// Page-side globals for page.evaluate callbacks (the host tsconfig has no DOM lib on purpose).
interface PageElement { textContent: string | null; classList: { contains(c: string): boolean }; querySelector(s: string): PageElement | null }
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement>; activeElement: PageElement | null };
declare const CSS: { highlights: { get(name: string): { size: number } | undefined } };
declare const window: { addEventListener(type: string, fn: (e: { data: unknown }) => void): void } & Record<string, unknown>;

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');
const DETAILS = '[role=region][aria-label="Step details"]';
const INPUT = `${DETAILS} .section-input`;
const EARLIER = `${INPUT} .elided-messages button.show-earlier`;
const TRACE = sharedPath('traces', 'trail', 'SWE Bench', 'traces', '3e65ac7e09b0edd2a5f6b0b18df20f65.json');

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

/** Role and content of each message shown in the input section, in order. */
async function shownMessages(page: Page): Promise<[string, string][]> {
  return page.evaluate((sel) => Array.from(document.querySelectorAll(`${sel} .message`), (m) => [
    m.querySelector('.message-role > span')?.textContent ?? '', m.querySelector('.message-content')?.textContent ?? '',
  ] as [string, string]), INPUT);
}

describe('trace editor webview: a long conversation crosses without its middle', function () {
  // A guard against a hang, not a time budget: each wait has its own deadline (WAIT_MS).
  this.timeout(240_000);
  const harness = new WebviewHarness();
  let ed: OpenedEditor | undefined;
  const file = TraceFile.fromBytes(TRACE, readFileSync(TRACE), { taxonomy: DEFAULT_TAXONOMY });
  const steps = file.traces[0].steps;
  const weight = (i: number): number => (steps[i].input?.messages ?? []).reduce((a, m) => a + messageSize(m), 0);
  // The largest LLM step: the most message text in its input.
  const largest = steps.filter((s) => s.kind === 'llm').reduce((a, b) => (weight(b.index) > weight(a.index) ? b : a)).index;
  const own = steps[largest].input?.messages ?? [];
  const expected: [string, string][] = own.map((m) => [m.role, m.content ?? '']);
  const gap = elideMessages(pageStepDetails(file.session(0).details(largest, true))).elided?.find((e) => e.at === 'input');

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await harness.start();
  });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  async function openAtLargest(theme: Theme = 'dark'): Promise<OpenedEditor> {
    ed = await harness.open(file, { theme });
    await ed.page.waitForSelector('[role=tree] [role=treeitem]');
    await measureReplies(ed.page);
    ed.host.sendNotification(SelectStepNotification, { index: largest, traceIndex: 0 });
    await ed.page.waitForSelector(`${INPUT} .message`);
    return ed;
  }

  it('the getStep reply is under 150 KB; the button says how many messages are left out; clicked, all are there in order', async () => {
    assert.ok(weight(largest) > 100_000, `the largest step has ${weight(largest)} of messages`);
    assert.ok(own.every((m) => (m.content ?? '').length <= 65_536), 'no single text is over 64 Ki: paging texts alone does not help');
    assert.ok(gap, 'the host leaves a run out');
    const { page, requests } = await openAtLargest();

    const replies = await page.evaluate(() => window.__stepReplies as { index: number; chars: number }[]);
    const mine = replies.filter((r) => r.index === largest);
    assert.equal(mine.length, 1);
    assert.ok(mine[0].chars < 150_000, `the details reply was ${mine[0].chars} characters`);

    // Before: the system message and the task, the bar, then the latest messages, each the step's own.
    const before = await shownMessages(page);
    const button = page.locator(EARLIER);
    assert.equal(await button.count(), 1);
    const left = own.length - before.length;
    assert.equal(left, gap.count);
    assert.equal((await button.textContent())?.trim(), `Show ${left} earlier messages (${kb(gap.size)})`);
    assert.equal(await button.evaluate((b) => (b as unknown as { tagName: string }).tagName), 'BUTTON', 'a real button');
    assert.equal(await page.locator(`${INPUT} .elided-messages .shortened-note`).textContent(),
      `Messages ${gap.start + 1}–${gap.start + left} of ${own.length} are not loaded.`);
    assert.deepEqual(before, [...expected.slice(0, gap.start), ...expected.slice(gap.start + left)]);
    assert.equal(before[0][0], 'system');
    // The bar sits where the run was: after the scene, before the latest messages.
    const order = await page.evaluate((sel) => Array.from(document.querySelectorAll(`${sel} .section-body > *`), (e) => (e.classList.contains('elided-messages') ? 'gap' : 'message')), INPUT);
    assert.equal(order.indexOf('gap'), gap.start);

    // Keyboard: Tab reaches the button from the details pane; Enter loads the run.
    await page.locator(DETAILS).focus();
    for (let i = 0; i < 60; i++) {
      if (await page.evaluate(() => document.activeElement?.classList.contains('show-earlier') ?? false)) break;
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('show-earlier') ?? false), true, 'the button is reachable with Tab');
    await page.keyboard.press('Enter');
    await until('every message in place', async () => (await page.locator(`${INPUT} .message`).count()) === own.length);
    assert.deepEqual(await shownMessages(page), expected, 'all the messages, in order');
    assert.equal(await page.locator(`${INPUT} .elided-messages`).count(), 0);
    assert.deepEqual(requests.filter((r) => r.method === 'getStepMessages').map((r) => r.params),
      [{ traceIndex: 0, index: largest, at: 'input', start: gap.start, count: left }]);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('message') ?? false), true, 'focus moves to the first message put in');

    // Redrawn after an edit, the same step keeps the messages put in, without asking again.
    await page.locator(`${DETAILS} .details-actions button`, { hasText: 'Mark Reviewed' }).click();
    await page.locator(`${DETAILS} .reviewed-pill`).waitFor();
    assert.deepEqual(await shownMessages(page), expected);
    assert.equal(requests.filter((r) => r.method === 'getStepMessages').length, 1);
  });

  it('a failed fetch shows inline with Retry, and Retry loads the messages; the correction editor starts from the whole answer', async () => {
    assert.ok(gap);
    const { page, failNext } = await openAtLargest();
    failNext('getStepMessages');
    await page.locator(EARLIER).click();
    const error = page.locator(`${INPUT} .elided-messages .shortened-error[role=alert]`);
    await error.waitFor();
    assert.equal((await error.locator('span:not(.codicon)').first().textContent())?.trim(), "Couldn't load the earlier messages: simulated host failure");
    assert.equal(await page.locator(`${INPUT} .message`).count(), own.length - gap.count, 'the shown messages stay');
    await error.locator('button', { hasText: 'Retry' }).click();
    await until('every message after Retry', async () => (await page.locator(`${INPUT} .message`).count()) === own.length);
    assert.deepEqual(await shownMessages(page), expected);

    await page.keyboard.press('e');
    const editor = page.locator('dialog.correction-editor[open]');
    await editor.waitFor();
    const answer = steps[largest].output?.messages?.[0].content;
    assert.ok(answer);
    assert.equal(await editor.locator('textarea.correction-content').evaluate((t) => (t as unknown as { value: string }).value), answer);
    await page.keyboard.press('Escape');
  });

  it('search marks reach the messages put in', async () => {
    assert.ok(gap);
    // A word of the run left out: every word of it is also in the rest of the reply (the raw input
    // value repeats the early messages), so the marks must grow by its count in the run.
    const run = own.slice(gap.start, gap.start + gap.count).map((m) => (m.content ?? '').toLowerCase()).join('\n');
    const occurrences = (text: string, w: string): number => text.split(w).length - 1;
    const word = (run.match(/[a-z_]{10,}/g) ?? []).find((w) => occurrences(run, w) >= 3);
    assert.ok(word, 'the run has a long word, thrice');
    const { page } = await openAtLargest();
    await page.locator('vscode-textfield[aria-label="Search step content"]').click();
    await page.keyboard.type(word);
    await until('the search ran', async () => /\d+ of \d+/.test((await page.locator('.match-label').textContent()) ?? ''));
    assert.equal(await page.locator('.details-title').textContent(), steps[largest].name);
    assert.equal(await page.evaluate(() => document.querySelectorAll('.details-meta > span')[0]?.textContent ?? ''), `Step ${largest + 1}`, 'the selection stays on the step');
    const marks = (): Promise<number> => page.evaluate(() => CSS.highlights.get('atd-search')?.size ?? 0);
    await until('the marks of the shown text', async () => (await marks()) > 0);
    const before = await marks();
    assert.ok(before + occurrences(run, word) < 2000, 'under the cap of marks');
    await page.locator(EARLIER).click();
    await until('every message in place', async () => (await page.locator(`${INPUT} .message`).count()) === own.length);
    await until('the marks of the messages put in', async () => (await marks()) === before + occurrences(run, word));
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`looks right in ${theme} (screenshot of the elided conversation)`, async () => {
      const { page } = await openAtLargest(theme);
      // The bar with the message before it (the task) and after it (the oldest kept).
      await page.locator(`${INPUT} .elided-messages`).evaluate((b) => (b as unknown as { scrollIntoView(o: { block: string }): void }).scrollIntoView({ block: 'center' }));
      await painted(page);
      await page.locator(DETAILS).screenshot({ path: join(SCREENSHOTS, `details-elided-${theme}.png`) });
      ed?.failNext('getStepMessages');
      await page.locator(EARLIER).click();
      await page.locator(`${INPUT} .shortened-error`).waitFor();
      await painted(page);
      await page.locator(DETAILS).screenshot({ path: join(SCREENSHOTS, `details-elided-error-${theme}.png`) });
    });
  }
});
