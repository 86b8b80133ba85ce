/**
 * The step list past Chromium's element-height cap (about 33.5 million px, 1.5 million rows of
 * 22 px): 2,000,000 rows from a synthetic source (test/support/synthetic-trace.ts) behind the real
 * host handlers. Keys, a host "select step", the scrollbar and the wheel must each land on the
 * exact row, with its row number visible inside the list's viewport.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { GetWebviewState, SelectStepNotification } from '../../src/protocol';
import { FAIL_EVERY, syntheticTraceFile } from '../support/synthetic-trace';
import { PROJECT_ROOT } from '../support/shared';
import { painted, until, WebviewHarness, type OpenedEditor, type Theme } from './harness';

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');
const ROW = '[role=tree] [role=treeitem]';
const SELECTED = '[role=treeitem][aria-selected="true"]';
const ROW_HEIGHT = 22;
const TOTAL = 2_000_000;

interface ShownRow { index: number; number: string; top: number; bottom: number }
interface ListView {
  /** Rendered treeitems, top to bottom, positions relative to the list's viewport top. */
  rows: ShownRow[];
  /** The rows wholly inside the viewport. */
  visible: ShownRow[];
  clientHeight: number;
  scrollTop: number;
  scrollHeight: number;
  box: { x: number; y: number };
}

// A string: this file is compiled without the DOM lib.
const READ_VIEW = `(() => {
  const list = document.querySelector('[role=tree]');
  const box = list.getBoundingClientRect();
  const top = box.top + list.clientTop;
  const rows = Array.from(list.querySelectorAll('[role=treeitem]')).map((r) => {
    const b = r.getBoundingClientRect();
    return { index: Number(r.dataset.index), number: r.querySelector('.col-index').textContent, top: b.top - top, bottom: b.bottom - top };
  }).sort((a, b) => a.top - b.top);
  return {
    rows, visible: rows.filter((r) => r.top >= -0.5 && r.bottom <= list.clientHeight + 0.5),
    clientHeight: list.clientHeight, scrollTop: list.scrollTop, scrollHeight: list.scrollHeight,
    box: { x: box.x, y: box.y },
  };
})()`;

async function readView(page: Page): Promise<ListView> {
  return await page.evaluate(READ_VIEW) as ListView;
}

/**
 * The list pixel at the viewport's top, from where the rows are drawn (row i of the unfiltered
 * list is step i). Every rendered row must agree on it: rows exactly ROW_HEIGHT apart.
 */
function offsetOf(v: ListView): number {
  assert.ok(v.rows.length > 0, 'rows are rendered');
  const offsets = v.rows.map((r) => r.index * ROW_HEIGHT - r.top);
  for (const o of offsets) assert.ok(Math.abs(o - offsets[0]) < 0.01, `rows sit ${ROW_HEIGHT} px apart (offsets ${offsets.slice(0, 5).join(', ')}...)`);
  return Math.round(offsets[0]);
}

/** Step `index` is selected and wholly visible, showing its row number. */
async function assertShown(page: Page, index: number, what: string): Promise<ListView> {
  await page.waitForSelector(`${SELECTED}[data-index="${index}"]`);
  const v = await readView(page);
  const row = v.visible.find((r) => r.index === index);
  assert.ok(row, `${what}: step ${index} is inside the viewport (visible: ${v.visible.map((r) => r.index).join(', ')})`);
  assert.equal(row.number, String(index + 1), `${what}: its row number shows`);
  offsetOf(v);
  return v;
}

/** Wait until the rows drawn sit at list offset `offset` (rendering follows a scroll within a frame or two). */
async function viewAt(page: Page, what: string, offset: number): Promise<ListView> {
  let v = await readView(page);
  try {
    await until(what, async () => { v = await readView(page); return v.rows.length > 0 && offsetOf(v) === offset; });
  } catch (e) {
    throw new Error(`${what}: expected the list at offset ${offset} px, it shows offset ${v.rows.length ? offsetOf(v) : 'none (no rows)'}`, { cause: e });
  }
  return v;
}

describe('step list past the browser height cap: 2,000,000 rows (headless Chromium)', function () {
  // A guard against a hang, not a time budget: each wait has its own deadline (WAIT_MS).
  this.timeout(180_000);
  const harness = new WebviewHarness();
  const file = syntheticTraceFile(TOTAL);
  let ed: OpenedEditor | undefined;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await harness.start();
  });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  it('End, Home, a host "select step", PageDown/PageUp, the scrollbar and the wheel land on the exact row', async () => {
    ed = await harness.open(file, { height: 700 });
    const { page, host } = ed;
    await page.waitForSelector(ROW);
    const state = await host.sendRequest(GetWebviewState, {});
    assert.equal(state.totalRows, TOTAL);
    const start = await readView(page);
    assert.equal(offsetOf(start), 0, 'the list opens at its top');
    assert.equal(start.visible[0].number, '1');
    assert.ok(start.scrollHeight < 33_000_000, `the scrollable height stays under Chromium's cap (${start.scrollHeight} px)`);

    await page.keyboard.press('End');
    let v = await assertShown(page, TOTAL - 1, 'End');
    assert.equal(v.visible[v.visible.length - 1].index, TOTAL - 1, 'the last row is the last one shown');
    assert.ok(Math.abs(v.visible[v.visible.length - 1].bottom - v.clientHeight) < 0.5, 'the last row sits at the bottom of the list');
    assert.equal(offsetOf(v), TOTAL * ROW_HEIGHT - v.clientHeight);

    await page.keyboard.press('Home');
    v = await assertShown(page, 0, 'Home');
    assert.equal(offsetOf(v), 0);

    // The host's "go to step" (a diagnostic, a CodeLens, a timeline or minimap click all select by index).
    host.sendNotification(SelectStepNotification, { index: 1_234_567, traceIndex: 0 });
    v = await assertShown(page, 1_234_567, 'select step 1,234,567');
    const row = v.visible.find((r) => r.index === 1_234_567) as ShownRow;
    assert.ok(Math.abs(row.bottom - v.clientHeight) < 0.5, 'revealed from above: the least scroll puts it at the bottom edge');
    await page.waitForFunction(`document.querySelector('.details-title')?.textContent === 'step 1234568'`);
    // j/k move one row, keeping it in view.
    await page.keyboard.press('j');
    v = await assertShown(page, 1_234_568, 'j');
    assert.equal(offsetOf(v), 1_234_569 * ROW_HEIGHT - v.clientHeight, 'j at the bottom edge scrolls by exactly one row');
    await page.keyboard.press('k');
    await page.keyboard.press('k');
    await assertShown(page, 1_234_566, 'k twice');
    // n/p: failing steps are every FAIL_EVERY-th.
    await page.keyboard.press('n');
    await assertShown(page, Math.ceil(1_234_567 / FAIL_EVERY) * FAIL_EVERY - 1, 'n');
    await page.keyboard.press('p');
    v = await assertShown(page, Math.floor(1_234_566 / FAIL_EVERY) * FAIL_EVERY - 1, 'p');

    // Page Down / Up scroll the list by the browser's page (87.5% of the viewport) and back.
    const before = offsetOf(v);
    const pageStep = Math.floor(v.clientHeight * 0.875);
    await page.keyboard.press('PageDown');
    v = await viewAt(page, 'PageDown moves by a page', before + pageStep);
    assert.equal(v.visible[0].index, Math.ceil((before + pageStep) / ROW_HEIGHT));
    await page.keyboard.press('PageUp');
    v = await viewAt(page, 'PageUp moves back by the same page', before);

    // The wheel moves by the pixels it asks for, not by the scrollbar's coarser pixels.
    await page.mouse.move(v.box.x + 200, v.box.y + 100);
    await page.mouse.wheel(0, 10 * ROW_HEIGHT);
    v = await viewAt(page, 'a wheel of 220 px scrolls 10 rows', before + 10 * ROW_HEIGHT);

    // Drag the scrollbar to the bottom. Headless Chromium hides scrollbars, so play what a drag
    // does: a run of scroll offsets, ending at the end. Halfway, the list is halfway.
    const list = page.locator('[role=tree]');
    const scrollMax = v.scrollHeight - v.clientHeight;
    for (const f of [0.25, 0.5]) {
      const st = Math.round(scrollMax * f);
      await list.evaluate((e, top) => { (e as unknown as { scrollTop: number }).scrollTop = top; }, st);
      const expected = Math.round((st / scrollMax) * (TOTAL * ROW_HEIGHT - v.clientHeight));
      v = await viewAt(page, `the scrollbar at ${f * 100}% shows the list at ${f * 100}%`, expected);
    }
    await list.evaluate((e) => { const l = e as unknown as { scrollTop: number; scrollHeight: number }; l.scrollTop = l.scrollHeight; });
    v = await viewAt(page, 'the scrollbar at the bottom shows the end', TOTAL * ROW_HEIGHT - v.clientHeight);
    const last = v.visible[v.visible.length - 1];
    assert.equal(last.index, TOTAL - 1);
    assert.equal(last.number, String(TOTAL));
    assert.ok(Math.abs(last.bottom - v.clientHeight) < 0.5, 'the last row sits at the bottom');
    assert.equal(v.scrollTop, v.scrollHeight - v.clientHeight, 'the scrollbar is at its end');

    // Scrollbar at the top again (as a drag or Ctrl+Home leaves it): the first row.
    await list.evaluate((e) => { (e as unknown as { scrollTop: number }).scrollTop = 0; });
    v = await viewAt(page, 'the scrollbar at the top shows the start', 0);
    assert.equal(v.visible[0].number, '1');
    // The selection (still far down) is revealed again by the next key.
    await page.keyboard.press('j');
    await assertShown(page, Math.floor(1_234_566 / FAIL_EVERY) * FAIL_EVERY, 'j after scrolling away');
  });

  it('keeps the selected row in view when a filter makes the list short (native scrolling) and long again', async () => {
    ed = await harness.open(file, { height: 700 });
    const { page, host } = ed;
    await page.waitForSelector(ROW);
    // Past the 1.5 million rows a native spacer could reach.
    const target = 1_900 * FAIL_EVERY - 1;
    host.sendNotification(SelectStepNotification, { index: target, traceIndex: 0 });
    await assertShown(page, target, 'select step');
    await page.locator('vscode-checkbox').click();
    await until('the failures-only view', async () => (await host.sendRequest(GetWebviewState, {})).totalRows === TOTAL / FAIL_EVERY);
    await page.waitForSelector(`${SELECTED}[data-index="${target}"]`);
    let v = await readView(page);
    const shown = v.visible.find((r) => r.index === target);
    assert.ok(shown, `the failing step stays in view among ${TOTAL / FAIL_EVERY} rows`);
    assert.equal(v.scrollHeight, (TOTAL / FAIL_EVERY) * ROW_HEIGHT, 'a short list scrolls natively, one spacer pixel per list pixel');
    await page.locator('vscode-checkbox').click();
    await until('the whole list again', async () => (await host.sendRequest(GetWebviewState, {})).totalRows === TOTAL);
    v = await assertShown(page, target, 'filter cleared');
    assert.ok(v.scrollHeight < 33_000_000);
  });

  for (const theme of ['light', 'dark'] as Theme[]) {
    it(`screenshot: the middle of 2,000,000 rows (${theme})`, async () => {
      ed = await harness.open(file, { theme, height: 700 });
      const { page, host } = ed;
      await page.waitForSelector(ROW);
      host.sendNotification(SelectStepNotification, { index: 999_999, traceIndex: 0 });
      await assertShown(page, 999_999, 'select step 999,999');
      await page.keyboard.press('k');
      await page.keyboard.press('k');
      await assertShown(page, 999_997, 'k twice');
      await page.waitForSelector('.step-row.placeholder', { state: 'detached' });
      await painted(page);
      await page.locator('.list-pane').screenshot({ path: join(SCREENSHOTS, `virtual-scroll-middle-${theme}.png`) });
    });
  }
});
