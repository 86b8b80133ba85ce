/**
 * The trace editor webview in headless Chromium, driven like a user would (keys, clicks) against
 * the real host handlers (see harness.ts). Screenshots go to test-results/screenshots/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ErrorCode, GetWebviewState, NavigateNotification, SelectStepNotification, type WebviewStateSnapshot } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TraceFile } from '../../src/host/editor/trace-file';
import { generateTrace, generateTraceModel, hostileTrace, HOSTILE_PAYLOADS } from '../support/generate-traces';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadTaxonomy } from '../../src/host/analysis/core-api';
import { PROJECT_ROOT, sharedPath } from '../support/shared';
import { painted, until, WAIT_MS, WebviewHarness, type OpenedEditor, type Theme } from './harness';

// Page-side globals used inside page.evaluate callbacks. Declared here, module-scoped, because the
// host tsconfig deliberately has no DOM lib (browser globals must not type-check in host code).
interface PageElement { dispatchEvent(e: unknown): boolean; textContent: string | null; dataset: Record<string, string>; open: boolean; getAttribute(name: string): string | null; scrollTop: number }
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
  activeElement: PageElement | null;
};
declare const window: Record<string, unknown>;
declare class Event { constructor(type: string) }
declare function getComputedStyle(e: unknown): { backgroundColor: string; borderTopColor: string };
type HTMLElement = PageElement;
type HTMLDetailsElement = PageElement;

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');
const ROW = '[role=tree] [role=treeitem]';
const SELECTED = '[role=treeitem][aria-selected="true"]';
const DETAILS = '[role=region][aria-label="Step details"]';

function fileFromText(name: string, text: string): TraceFile {
  return TraceFile.fromBytes(`/traces/${name}`, new TextEncoder().encode(text), { taxonomy: DEFAULT_TAXONOMY });
}

async function selectedIndex(page: Page): Promise<number> {
  await page.waitForSelector(SELECTED);
  const all = await page.locator(SELECTED).all();
  assert.equal(all.length, 1, 'exactly one selected treeitem');
  return Number(await all[0].getAttribute('data-index'));
}

async function waitForSelected(page: Page, index: number): Promise<void> {
  try {
    await page.waitForSelector(`${SELECTED}[data-index="${index}"]`);
  } catch (e) {
    // Say what the list shows instead: the selection elsewhere, placeholders, or a page's error row.
    // A string: this file is compiled without the DOM lib.
    const shown = await page.evaluate(`({
      selected: document.querySelector('[role=treeitem][aria-selected="true"]')?.getAttribute('data-index') ?? null,
      scrollTop: document.querySelector('[role=tree]')?.scrollTop ?? null,
      rows: Array.from(document.querySelectorAll('.step-row')).slice(0, 3).map((r) => (r.getAttribute('data-index') ?? '-') + ':' + (r.textContent ?? '').slice(0, 60)),
      status: document.querySelector('.status-line')?.textContent ?? null,
    })`).catch(() => undefined);
    throw new Error(`step ${index} was not selected: ${JSON.stringify(shown)}`, { cause: e });
  }
}

async function detailsTitle(page: Page): Promise<string> {
  return (await page.locator(`${DETAILS} .details-title`).textContent()) ?? '';
}

/** Every failing step (error status or a detector finding), in order, as the host sees them. */
function failingSteps(file: TraceFile): number[] {
  const view = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
  const out: number[] = [];
  for (let i = file.session(0).findFailure(view, -1, 'next'); i !== null; i = file.session(0).findFailure(view, i, 'next')) out.push(i);
  return out;
}

function rgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

describe('trace editor webview (headless Chromium)', function () {
  // A guard against a hang, not a time budget: each wait below has its own deadline (WAIT_MS).
  this.timeout(180_000);
  const harness = new WebviewHarness();
  const small = fileFromText('run.jsonl', generateTrace({ steps: 300, timestamps: true, failEvery: 5 }));
  const failureIndexes = failingSteps(small);
  let ed: OpenedEditor | undefined;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await harness.start();
  });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  async function open(file: TraceFile, opts: { theme?: Theme; savedState?: unknown; fakeClock?: boolean } = {}): Promise<OpenedEditor> {
    ed = await harness.open(file, opts);
    return ed;
  }

  it('renders the steps as a tree of treeitems and moves the selection with j/k and the arrows', async () => {
    const { page } = await open(small);
    await page.waitForSelector(ROW);
    assert.equal(await page.locator('[role=tree]').count(), 1);
    const first = page.locator(`${ROW}[data-index="0"]`);
    assert.match((await first.textContent()) ?? '', /^1\s*turn 1/);
    assert.equal(await first.getAttribute('aria-level'), '1');
    assert.equal(await first.getAttribute('aria-expanded'), 'true');
    assert.equal(await page.locator(`${ROW}[data-index="1"]`).getAttribute('aria-level'), '2');
    assert.equal(await page.locator(SELECTED).count(), 0, 'nothing selected before the first key');
    const rendered = await page.locator(ROW).count();
    assert.ok(rendered > 10 && rendered < 80, `only the rows near the viewport are in the DOM (${rendered} of 300)`);

    await page.keyboard.press('j');
    await waitForSelected(page, 0);
    await page.keyboard.press('j');
    await waitForSelected(page, 1);
    await page.keyboard.press('ArrowDown');
    await waitForSelected(page, 2);
    await page.keyboard.press('k');
    await waitForSelected(page, 1);
    await page.keyboard.press('ArrowUp');
    await waitForSelected(page, 0);
    assert.equal(await selectedIndex(page), 0);
    assert.equal(await page.locator('[role=tree]').getAttribute('aria-activedescendant'), 'step-row-0');
    await page.waitForFunction(() => document.querySelector('.details-title')?.textContent === 'turn 1');
    await page.keyboard.press('End');
    await waitForSelected(page, 299);
    await page.keyboard.press('Home');
    await waitForSelected(page, 0);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Step details');
  });

  it('indents a deep tree less past its first levels, so a row 24 levels down keeps its name', async () => {
    // A search tree's attempts nest one in another (ToolBench's DFSDT): 25 levels of "attempt".
    const lines = ['{"type":"trace","format":"agent-trace/v1","id":"deep","title":"Deep"}'];
    for (let d = 0; d < 25; d++) lines.push(JSON.stringify({ type: 'step', id: `a${d}`, parentId: d ? `a${d - 1}` : null, kind: 'agent', name: `attempt 1 of 2 at level ${d + 1}`, status: 'ok' }));
    const { page } = await open(fileFromText('deep.jsonl', lines.join('\n')));
    await page.waitForSelector(`${ROW}[data-index="24"]`);
    // A string: this file is compiled without the DOM lib.
    const widths = await page.evaluate(`Array.from(document.querySelectorAll('[role=treeitem]')).sort((a, b) => a.dataset.index - b.dataset.index)
      .map((r) => ({ indent: r.querySelector('.indent').getBoundingClientRect().width, name: r.querySelector('.step-name').getBoundingClientRect().width }))`) as { indent: number; name: number }[];
    assert.equal(widths.length, 25);
    assert.deepEqual(widths.slice(0, 9).map((w) => w.indent), [0, 12, 24, 36, 48, 60, 72, 84, 96], 'the first levels as before');
    assert.deepEqual(widths.slice(9, 12).map((w) => w.indent), [100, 104, 108], 'then less a level');
    assert.ok(widths.every((w, i) => i === 0 || w.indent > widths[i - 1].indent), 'every level still indents further');
    // At 12 px a level the 25th row's indent (288 px) took the column; its name shows now.
    assert.ok(widths[24].name >= 60, `the deepest name is ${widths[24].name} px wide`);
  });

  it('n/p jump between failures and the details region shows the error and findings', async () => {
    const { page } = await open(small);
    await page.waitForSelector(ROW);
    const session = small.session(0);
    const details = page.locator(DETAILS);
    for (let k = 0; k < 4; k++) {
      await page.keyboard.press('n');
      const index = failureIndexes[k];
      await waitForSelected(page, index);
      await page.waitForFunction((name) => document.querySelector('.details-title')?.textContent === name, session.steps[index].name);
      const expected = session.details(index, true);
      const findingsText = expected.findings.length ? (await details.locator('.section-findings').textContent()) ?? '' : '';
      for (const f of expected.findings) assert.ok(findingsText.includes(f.category) && findingsText.includes(f.rule), `finding ${f.category} ${f.rule} shown`);
      if (expected.step.error) {
        assert.equal(await details.locator('.error-message').textContent(), expected.step.error.message);
      }
    }
    assert.ok(failureIndexes.slice(0, 4).some((i) => session.steps[i].error), 'at least one of them had an error to show');
    await page.keyboard.press('p');
    await waitForSelected(page, failureIndexes[2]);
    assert.equal(await detailsTitle(page), session.steps[failureIndexes[2]].name);
  });

  it('] / [ move to the next and previous step like the selected one (the same tool), among the failures when only they are shown', async () => {
    const { page, host } = await open(small);
    await page.waitForSelector(ROW);
    const steps = small.session(0).steps;
    // Peers found here by the tool's name alone, independently of the host's findPeer.
    const calls = (tool: string): number[] => steps.flatMap((s, i) => (s.kind === 'tool' && s.toolCall?.name === tool ? [i] : []));
    const runPython = calls('run_python');
    assert.ok(runPython.length > 3, 'the generated run calls run_python several times');
    await page.keyboard.press('j');
    await waitForSelected(page, 0);
    for (let i = 0; i < runPython[0]; i++) await page.keyboard.press('j');
    await waitForSelected(page, runPython[0]);
    await page.keyboard.press(']');
    await waitForSelected(page, runPython[1]);
    await page.keyboard.press(']');
    await waitForSelected(page, runPython[2]);
    await page.keyboard.press('[');
    await waitForSelected(page, runPython[1]);
    // The last call of a tool has no later peer: it says so and stays.
    await page.keyboard.press('End');
    await waitForSelected(page, steps.length - 1);
    const last = steps[steps.length - 1];
    const lastPeers = steps.flatMap((s, i) => (s.kind === last.kind && (s.toolCall?.name ?? s.name) === (last.toolCall?.name ?? last.name) ? [i] : []));
    await page.keyboard.press(']');
    await page.waitForFunction((name) => document.querySelector('.status-line')?.textContent === `No later step like "${name}".`, last.name);
    assert.equal(await selectedIndex(page), steps.length - 1);
    await page.keyboard.press('[');
    await waitForSelected(page, lastPeers[lastPeers.length - 2]);
    // Failures only: the next failing call of the same tool, past the ones that went fine.
    const failing = new Set(failureIndexes);
    const failingRuns = runPython.filter((i) => failing.has(i));
    assert.ok(failingRuns.length >= 2 && runPython.some((i) => !failing.has(i) && i > failingRuns[0] && i < failingRuns[1]), 'a run_python call that went fine lies between two that failed');
    await page.keyboard.press('Home');
    await waitForSelected(page, 0);
    for (const i of failureIndexes.slice(0, failureIndexes.indexOf(failingRuns[0]) + 1)) {
      await page.keyboard.press('n');
      await waitForSelected(page, i);
    }
    await page.locator('vscode-checkbox').click();
    await until('the failures-only rows', async () => (await host.sendRequest(GetWebviewState, {})).totalRows === failureIndexes.length);
    await page.keyboard.press(']');
    await waitForSelected(page, failingRuns[1]);
  });

  it('Enter on a toolbar button presses it, and the keys work again after the "Failures only" box is clicked', async () => {
    const { page, host } = await open(small);
    await page.waitForSelector(ROW);
    await page.locator('button[aria-label="Next failure (n)"]').focus();
    await page.keyboard.press('Enter');
    await waitForSelected(page, failureIndexes[0]);
    await page.keyboard.press('Enter');
    await waitForSelected(page, failureIndexes[1]);
    await page.locator('vscode-checkbox').click();
    await until('the failures-only rows', async () => (await host.sendRequest(GetWebviewState, {})).totalRows === failureIndexes.length);
    await page.keyboard.press('n');
    await waitForSelected(page, failureIndexes[2]);
    await page.keyboard.press('k');
    await waitForSelected(page, failureIndexes[1]);
  });

  it('paints failure badges, legend chips and the row status in the category colour of the theme', async () => {
    for (const [theme, red] of [['dark', '#f14c4c'], ['light', '#e51400']] as const) {
      const { page } = await open(small, { theme });
      const runtime = failureIndexes.find((i) => small.session(0).details(i, true).findings[0]?.category === 'TOOL.RUNTIME') as number;
      assert.ok(runtime !== undefined && runtime < 27, 'a TOOL.RUNTIME failure on the first screen');
      const badge = page.locator(`${ROW}[data-index="${runtime}"] .category-badge`);
      await badge.waitFor();
      assert.equal(await badge.textContent(), 'TOOL.RUNTIME');
      assert.equal(await badge.evaluate((e) => getComputedStyle(e).backgroundColor), rgb(red), `${theme} badge colour`);
      const swatch = page.locator('.legend .chip[data-category="TOOL.RUNTIME"] .swatch');
      assert.equal(await swatch.evaluate((e) => getComputedStyle(e).backgroundColor), rgb(red));
      const count = small.session(0).summary().categories.find((c) => c.id === 'TOOL.RUNTIME')?.count;
      assert.match((await page.locator('.legend .chip[data-category="TOOL.RUNTIME"]').textContent()) ?? '', new RegExp(`Tool runtime error\\s*${count}$`));
      // Rows without a finding have no badge.
      assert.equal(await page.locator(`${ROW}[data-index="0"] .category-badge`).count(), 0);
      await ed?.close();
      ed = undefined;
    }
  });

  it('filters with the category chips and "failures only"', async () => {
    const { page, host } = await open(small);
    await page.locator('.legend .chip[data-category="TOOL.RUNTIME"]').click();
    await page.waitForFunction(() => document.querySelector('.chip')?.getAttribute('aria-pressed') === 'true');
    const runtime = failureIndexes.filter((i) => small.session(0).details(i, true).findings.some((f) => f.category === 'TOOL.RUNTIME'));
    await page.waitForFunction((n) => document.querySelectorAll('[role=treeitem]').length === n, runtime.length);
    const shown = await page.locator(ROW).evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.index)));
    assert.deepEqual(shown, runtime);
    await page.locator('.legend .chip[data-category="TOOL.RUNTIME"]').click();
    await page.locator('vscode-checkbox').click();
    // More failures than fit on screen: check the visible-row count the webview reports.
    await until('the failures-only row count', async () => (await host.sendRequest(GetWebviewState, {})).totalRows === failureIndexes.length);
    const state = await host.sendRequest(GetWebviewState, {});
    assert.equal(state.totalRows, failureIndexes.length);
    assert.equal(state.failuresOnly, true);
    assert.ok(state.renderedIndexes.every((i) => failureIndexes.includes(i)), 'only failures rendered');
    await page.locator('vscode-checkbox').click();
    await page.waitForFunction(() => document.querySelectorAll('[role=treeitem]').length > 30);
  });

  it('searches step content on the host and moves to the next match', async () => {
    const { page, requests } = await open(small, { fakeClock: true });
    await page.waitForSelector(ROW);
    await page.keyboard.press('/');
    // Search runs as you type, after a pause: with the page's clock paused, a busy machine typing
    // slowly makes no pause, so Enter is the one search.
    await page.clock.pauseAt(await page.evaluate(() => Date.now()) + 1000);
    await page.keyboard.type('turn-12-tool-2');
    await page.keyboard.press('Enter');
    await page.clock.resume();
    const target = small.session(0).indexOfId('turn-12-tool-2') as number;
    await waitForSelected(page, target);
    await page.waitForFunction(() => document.querySelector('.match-label')?.textContent === '1 of 1');
    const search = requests.filter((r) => r.method === 'search');
    assert.equal(search.length, 1);
    assert.equal((search[0].params as { query: string }).query, 'turn-12-tool-2');
    // A query in message content; Shift+Enter goes backwards and wraps.
    await page.locator('vscode-textfield').evaluate((e) => { (e as unknown as { value: string }).value = 'population of city 3 is'; });
    await page.locator('vscode-textfield input').press('Enter');
    await waitForSelected(page, small.session(0).indexOfId('turn-3-tool-1') as number);
    await page.locator('vscode-textfield').evaluate((e) => { (e as unknown as { value: string }).value = 'no such text anywhere'; });
    await page.locator('vscode-textfield input').press('Enter');
    await page.waitForFunction(() => document.querySelector('.match-label')?.textContent === 'No matches');
  });

  it('asks only for the pages near the viewport of a 10^5-step trace', async () => {
    const big = TraceFile.fromTraces('/traces/big.jsonl', 'agent-trace-jsonl', [generateTraceModel({ steps: 100_000, timestamps: true, failEvery: 50 })], { taxonomy: DEFAULT_TAXONOMY });
    const { page, requests } = await open(big);
    await page.waitForSelector(ROW);
    const pages = (): number[] => requests.filter((r) => r.method === 'getRows' && (r.params as { count: number }).count > 1).map((r) => (r.params as { start: number }).start);
    assert.deepEqual(pages(), [0], 'one page for the first screen');
    assert.ok((await page.locator(ROW).count()) < 80);

    await page.locator('[role=tree]').evaluate((e) => { e.scrollTop = 50_000 * 22; });
    await page.waitForSelector(`${ROW}[data-index="50000"]`);
    const after = pages().slice(1);
    assert.ok(after.length >= 1 && after.length <= 2, `one or two pages for the new viewport, got ${JSON.stringify(after)}`);
    for (const start of after) assert.ok(start >= 49_900 && start <= 50_100, `page ${start} is near row 50000`);
    assert.ok((await page.locator(ROW).count()) < 80, 'still only visible rows in the DOM');

    const before = pages().length;
    await page.keyboard.press('End');
    await waitForSelected(page, 99_999);
    const endPages = pages().slice(before);
    assert.ok(endPages.every((s) => s >= 99_800), `only pages at the end: ${JSON.stringify(endPages)}`);
    assert.ok(pages().length <= 6, `few page requests in all (${pages().length})`);
    // p moves to the failure before the selected step. The last step is itself a failure here (the
    // run ends without a final answer), so "the last failure" would be 99,999 and the wait passed
    // only when it looked before p had moved the selection: the flake of issue 8.
    await page.keyboard.press('p');
    const previousFailure = big.session(0).findFailure({ traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] }, 99_999, 'previous') as number;
    assert.ok(previousFailure < 99_999);
    await waitForSelected(page, previousFailure);
  });

  it('shows the shortcut sheet with ? and closes it with Escape', async () => {
    const { page } = await open(small);
    await page.waitForSelector(ROW);
    await page.keyboard.press('?');
    const sheet = page.locator('dialog.shortcut-sheet');
    await sheet.waitFor({ state: 'visible' });
    assert.match((await sheet.textContent()) ?? '', /Keyboard shortcuts.*Next failure/s);
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden' });
    // Keys work again once it is closed.
    await page.keyboard.press('j');
    await waitForSelected(page, 0);
  });

  it('renders HTML and script payloads from a trace as inert, literal text', async () => {
    const hostile = fileFromText('hostile.jsonl', hostileTrace());
    const { page } = await open(hostile);
    await page.waitForSelector(ROW);
    for (let i = 0; i < HOSTILE_PAYLOADS.length; i++) {
      await page.keyboard.press('j');
      await waitForSelected(page, i);
      await page.waitForFunction((n) => document.querySelector('.details-title')?.textContent === n, HOSTILE_PAYLOADS[i]);
      // Open every collapsed section and JSON node so all the content is in the DOM.
      await page.locator(`${DETAILS} details:not([open])`).evaluateAll((ds) => ds.forEach((d) => { (d as HTMLDetailsElement).open = true; }));
      await page.locator(`${DETAILS} details:not([open])`).evaluateAll((ds) => ds.forEach((d) => { (d as HTMLDetailsElement).open = true; }));
      const rowText = (await page.locator(`${ROW}[data-index="${i}"] .step-name`).textContent()) ?? '';
      assert.equal(rowText, HOSTILE_PAYLOADS[i], 'the row shows the payload literally');
      assert.ok(((await page.locator(DETAILS).textContent()) ?? '').includes(HOSTILE_PAYLOADS[i]));
    }
    await painted(page);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
    const injected = await page.evaluate(() => ({
      img: document.querySelectorAll('img').length,
      // The page's own two (the shell's loader and the script it loads) sit outside #app, where trace text goes.
      script: document.querySelectorAll('#app script').length,
      ours: document.querySelectorAll('body > script').length,
      iframe: document.querySelectorAll('iframe').length,
      svg: document.querySelectorAll('svg').length,
      links: document.querySelectorAll('a[href]').length,
    }));
    assert.deepEqual(injected, { img: 0, script: 0, ours: 2, iframe: 0, svg: 0, links: 0 }, 'only our own script elements (the shell\'s loader and the page script); no elements from trace text');
    await page.screenshot({ path: join(SCREENSHOTS, 'hostile-dark.png') });
  });

  it('opens an unreadable file to a located message with "Open as Text"', async () => {
    const bad = fileFromText('broken.json', '{\n  "spans": [\n    {"a": 1,,}\n  ]\n}\n');
    assert.ok(bad.loadError, 'the load failed');
    const { page, actions } = await open(bad, { theme: 'light' });
    const alert = page.locator('.fatal[role=alert]');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.match(text, /broken\.json could not be opened as a trace/);
    assert.match(text, /Line 3, column \d+/);
    await page.screenshot({ path: join(SCREENSHOTS, 'load-error-light.png') });
    await page.locator('vscode-button', { hasText: 'Open as Text' }).click();
    await until('the "Open as Text" request', () => actions.openedAsText > 0);
    assert.equal(actions.openedAsText, 1);
  });

  it('shows a retry when a page request fails, and recovers', async () => {
    const { page, failNext } = await harness.open(small).then((e) => { ed = e; return e; });
    // Too late for the first page? The page request follows `ready`; arm before it is answered.
    failNext('getRows', 1, (p) => (p as { count: number }).count > 1);
    await page.reload();
    const retry = page.locator('.row-error[role=alert]');
    await retry.waitFor();
    assert.match((await retry.textContent()) ?? '', /Couldn't load steps 1–100: simulated host failure/);
    await retry.locator('button', { hasText: 'Retry' }).click();
    await page.waitForSelector(`${ROW}[data-index="0"]`);
    assert.equal(await page.locator('.row-error').count(), 0);
  });

  it('asks again, without a Retry click, when a page request times out on a busy host', async () => {
    const { page, failNext, requests } = await harness.open(small).then((e) => { ed = e; return e; });
    failNext('getRows', 2, (p) => (p as { count: number }).count > 1, ErrorCode.Timeout);
    await page.reload();
    await page.waitForSelector(`${ROW}[data-index="0"]`);
    assert.equal(await page.locator('.row-error').count(), 0, 'no error row for a timeout that a second request cured');
    const firstPage = requests.filter((r) => r.method === 'getRows' && (r.params as { start: number; count: number }).count > 1 && (r.params as { start: number }).start === 0);
    assert.ok(firstPage.length >= 3, `the first page was asked for again after each timeout (${firstPage.length} requests)`);

    // A host that keeps timing out gets the error row with Retry after a few attempts, not forever.
    failNext('getRows', 100, (p) => (p as { count: number }).count > 1, ErrorCode.Timeout);
    await page.reload();
    const retry = page.locator('.row-error[role=alert]');
    await retry.waitFor();
    assert.match((await retry.textContent()) ?? '', /timed out/);
  });

  it('collapses and expands with Left/Right, hiding descendants', async () => {
    const { page } = await open(small);
    await page.waitForSelector(ROW);
    await page.keyboard.press('j');
    await waitForSelected(page, 0);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('[data-index="0"]')?.getAttribute('aria-expanded') === 'false');
    assert.equal(await page.locator(`${ROW}[data-index="1"]`).count(), 0, 'children hidden');
    const second = await page.locator(ROW).nth(1).getAttribute('data-index');
    assert.equal(second, '4', 'the next visible row is the next turn');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`${ROW}[data-index="1"]`);
    await page.keyboard.press('ArrowRight');
    await waitForSelected(page, 1);
    await page.keyboard.press('ArrowLeft');
    await waitForSelected(page, 0);
  });

  it('saves its state and restores selection and filters from it', async () => {
    const { page } = await open(small);
    await page.waitForSelector(ROW);
    await page.keyboard.press('n');
    await waitForSelected(page, failureIndexes[0]);
    await page.waitForFunction((i) => (window as unknown as { __atdSavedState?: { selectedIndex: number } }).__atdSavedState?.selectedIndex === i, failureIndexes[0]);
    await ed?.close();
    const saved = { traceIndex: 0, selectedIndex: failureIndexes[3], collapsed: [], failuresOnly: true, categories: [], searchQuery: 'http_get', scrollRow: 0, timeline: null };
    const { page: p2, host } = await open(small, { savedState: saved });
    await waitForSelected(p2, failureIndexes[3]);
    assert.equal(await p2.locator('vscode-checkbox').evaluate((e) => (e as unknown as { checked: boolean }).checked), true);
    const state: WebviewStateSnapshot = await host.sendRequest(GetWebviewState, {}, { timeoutMs: WAIT_MS });
    assert.equal(state.selectedIndex, failureIndexes[3]);
    assert.equal(state.selectedId, small.session(0).steps[failureIndexes[3]].id);
    assert.equal(state.failuresOnly, true);
    assert.equal(state.totalRows, failureIndexes.length);
    assert.equal(state.searchQuery, 'http_get');
    assert.equal(state.detailsTitle, small.session(0).steps[failureIndexes[3]].name);
  });

  it('follows host notifications (select a step, next failure, next and previous step like this)', async () => {
    const { page, host } = await open(small);
    await page.waitForSelector(ROW);
    host.sendNotification(SelectStepNotification, { index: 42, traceIndex: 0 });
    await waitForSelected(page, 42);
    host.sendNotification(NavigateNotification, { action: 'nextFailure' });
    const failure = failureIndexes.find((i) => i > 42) as number;
    await waitForSelected(page, failure);
    // The commands "Go to Next/Previous Step Like This": the same tool's next and previous call.
    const steps = small.session(0).steps;
    const tool = steps[failure].toolCall?.name;
    assert.ok(tool, `step ${failure} is a tool call`);
    const calls = steps.flatMap((s, i) => (s.kind === 'tool' && s.toolCall?.name === tool ? [i] : []));
    host.sendNotification(NavigateNotification, { action: 'nextPeer' });
    await waitForSelected(page, calls[calls.indexOf(failure) + 1]);
    host.sendNotification(NavigateNotification, { action: 'previousPeer' });
    await waitForSelected(page, failure);
  });

  it('selects the step under a clicked timeline bar', async () => {
    const { page } = await open(small);
    await page.waitForSelector(ROW);
    const canvas = page.locator('.timeline-canvas');
    const box = await canvas.boundingBox();
    assert.ok(box);
    // The bars arrive after the first draw: click until the one under the pointer selects its step.
    await until('a timeline bar to select its step', async () => {
      await page.mouse.click(box.x + box.width * 0.5, box.y + 18 + 5);
      return (await page.locator(SELECTED).count()) > 0;
    });
    const index = await selectedIndex(page);
    assert.equal(small.session(0).steps[index].depth, 0, 'the top lane holds the agent turns');
    // The bar under the pointer names its step in the canvas's tooltip; off the bars, none.
    const step = small.session(0).steps[index];
    const seconds = (step.endTime! - step.startTime!) / 1000;
    await page.mouse.move(box.x + box.width * 0.5 + 1, box.y + 18 + 5);
    const title = await canvas.getAttribute('title');
    assert.ok(title?.startsWith(`${step.name}\nstep ${index + 1} · agent · `), String(title));
    assert.match(title ?? '', new RegExp(`${seconds < 1 ? `${Math.round(seconds * 1000)} ms` : seconds.toFixed(2)}`));
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height + 40);
    assert.equal(await canvas.getAttribute('title'), null);
  });

  it('draws a step with one time as a dot that a click a few pixels off still selects (OpenHands-style events)', async () => {
    const lines = ['{"type":"trace","format":"agent-trace/v1","id":"events","title":"Events"}'];
    ['09:00:00', '09:00:10', '09:00:20'].forEach((time, i) => lines.push(JSON.stringify({
      type: 'step', id: `e${i}`, parentId: null, kind: 'llm', name: `event ${i + 1}`, startTime: `2025-06-03T${time}.000Z`, endTime: `2025-06-03T${time}.000Z`, status: 'ok',
    })));
    const { page } = await open(fileFromText('events.jsonl', lines.join('\n')));
    await page.waitForSelector(ROW);
    const canvas = page.locator('.timeline-canvas');
    const box = await canvas.boundingBox();
    assert.ok(box);
    // The middle event's dot sits at the middle of the axis, in the first lane (18 px of axis, 14 px lanes).
    const dotY = box.y + 18 + 1 + 6;
    // Painted 3 px right of its time, which a 2 px bar (as such a step was drawn) does not reach.
    await until('the dot drawn', async () => {
      const alpha = await page.evaluate(`document.querySelector('.timeline-canvas').getContext('2d').getImageData(Math.round(${box.width / 2 + 3} * devicePixelRatio), Math.round(25 * devicePixelRatio), 1, 1).data[3]`) as number;
      return alpha > 0;
    });
    await until('the dot under a click 4 px off to select its step', async () => {
      await page.mouse.click(box.x + box.width / 2 + 4, dotY);
      return (await page.locator(SELECTED).count()) > 0;
    });
    assert.equal(await selectedIndex(page), 1);
    await page.mouse.move(box.x + box.width / 2 - 3, dotY);
    assert.equal(await canvas.getAttribute('title'), 'event 2\nstep 2 · llm');
    // The first and last events sit at the window's ends: their dots are whole, not cut in half by
    // the canvas's edge (a few pixels are kept clear there), painted 7 px in from each edge.
    const painted = (x: number): Promise<number> => page.evaluate(`document.querySelector('.timeline-canvas').getContext('2d').getImageData(Math.round(${x} * devicePixelRatio), Math.round(25 * devicePixelRatio), 1, 1).data[3]`) as Promise<number>;
    assert.ok(await painted(7) > 0, 'the first dot reaches 7 px in');
    assert.ok(await painted(box.width - 8) > 0, 'the last dot reaches 7 px in from the right');
    await page.mouse.move(box.x + box.width - 8, dotY);
    assert.equal(await canvas.getAttribute('title'), 'event 3\nstep 3 · llm');
  });

  it('says so when a trace has no timestamps or no failures', async () => {
    const plain = fileFromText('plain.jsonl', generateTrace({ steps: 40, timestamps: false, failEvery: 0 }));
    const { page } = await open(plain, { theme: 'light' });
    await page.waitForSelector(ROW);
    assert.match((await page.locator('.timeline-note').textContent()) ?? '', /No timestamps in this trace: bars follow decision order/);
    assert.match((await page.locator('.legend').textContent()) ?? '', /No failures found in 40 steps/);
    await page.keyboard.press('n');
    await page.waitForFunction(() => document.querySelector('.status-line')?.textContent === 'This trace has no failures.');
    await page.screenshot({ path: join(SCREENSHOTS, 'no-timestamps-light.png') });
  });

  it('shows a real TRAIL (OpenTelemetry) trace with its findings in TRAIL categories', async () => {
    const path = sharedPath('traces', 'trail', 'GAIA', 'traces', '2cb6924caac94b32d2bf4b40bdf4ab51.json');
    const trail = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: loadTaxonomy('trail') }, (rel) => {
      try { return readFileSync(resolve(dirname(path), rel)); } catch { return undefined; }
    });
    assert.equal(trail.loadError, undefined);
    const session = trail.session(0);
    const summary = session.summary();
    assert.ok(summary.failureCount > 0, 'the detectors find failures in this trace');
    for (const theme of ['dark', 'light'] as const) {
      const { page, host } = await open(trail, { theme });
      await page.waitForSelector(ROW);
      const state = await host.sendRequest(GetWebviewState, {}, { timeoutMs: WAIT_MS });
      assert.equal(state.totalRows, trail.traces[0].steps.length);
      const chips = await page.locator('.legend .chip .chip-name').allTextContents();
      // The imported TRAIL labels' chip leads, then the categories by count.
      const used = summary.categories.filter((c) => c.count > 0);
      const expected = [...used.filter((c) => c.labelScheme), ...used.filter((c) => !c.labelScheme)].map((c) => c.name);
      assert.equal(expected[0], 'TRAIL labels');
      assert.deepEqual(chips, expected, 'legend chips name the TRAIL categories with findings or labels');
      const failing = failingSteps(trail);
      const k = failing.findIndex((i) => session.details(i, true).findings.length > 0);
      for (let j = 0; j <= k; j++) await page.keyboard.press('n');
      await waitForSelected(page, failing[k]);
      await page.locator(`${DETAILS} .section-findings .finding`).first().waitFor();
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `trail-${theme}.png`) });
      await ed?.close();
      ed = undefined;
    }
  });

  it('offers a trace picker for a file with several runs', async () => {
    const two = fileFromText('two.jsonl', generateTrace({ steps: 12, timestamps: true, title: 'first run' }) + generateTrace({ steps: 30, timestamps: true, failEvery: 2, title: 'second run' }));
    assert.equal(two.traces.length, 2);
    const { page, host } = await open(two);
    await page.waitForSelector(ROW);
    const picker = page.locator('vscode-single-select');
    assert.equal(await picker.locator('vscode-option').count(), 2);
    assert.match((await picker.locator('vscode-option').nth(1).textContent()) ?? '', /^2\. second run \(30 steps, \d+ failing\)$/);
    await picker.evaluate((e) => { (e as unknown as { value: string }).value = '1'; e.dispatchEvent(new Event('change')); });
    await until('the second run to show', async () => (await host.sendRequest(GetWebviewState, {})).traceIndex === 1);
    const state = await host.sendRequest(GetWebviewState, {});
    assert.equal(state.traceIndex, 1);
    assert.equal(state.totalRows, 30);
  });

  it('draws borders and a visible selection outline in a high-contrast theme', async () => {
    const { page } = await open(small, { theme: 'high-contrast' });
    await page.waitForSelector(ROW);
    await page.keyboard.press('n');
    await waitForSelected(page, failureIndexes[0]);
    await page.locator(`${DETAILS} .error-message`).waitFor();
    // High-contrast themes have no selection background: the selected row must be outlined
    // in the theme's active contrast border, and badges must carry the contrast border.
    const selectedBorder = await page.locator(`${ROW}[aria-selected="true"]`).evaluate((e) => getComputedStyle(e).borderTopColor);
    assert.equal(selectedBorder, 'rgb(243, 133, 24)', 'selected row outlined with --vscode-contrastActiveBorder');
    const badgeBorder = await page.locator(`${ROW} .category-badge`).first().evaluate((e) => getComputedStyle(e).borderTopColor);
    assert.equal(badgeBorder, 'rgb(111, 195, 223)', 'category badge bordered with --vscode-contrastBorder');
    await painted(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'trace-editor-high-contrast.png') });
    await ed?.close();
    ed = undefined;
  });

  it('looks right in light and dark (screenshots)', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const { page } = await open(small, { theme });
      await page.waitForSelector(ROW);
      await page.keyboard.press('n');
      await page.keyboard.press('n');
      await waitForSelected(page, failureIndexes[1]);
      await page.locator(`${DETAILS} .error-message`).waitFor();
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `trace-editor-${theme}.png`) });
      await page.keyboard.press('?');
      await page.locator('dialog.shortcut-sheet').waitFor({ state: 'visible' });
      await page.screenshot({ path: join(SCREENSHOTS, `shortcuts-${theme}.png`) });
      await ed?.close();
      ed = undefined;
    }
  });
});
