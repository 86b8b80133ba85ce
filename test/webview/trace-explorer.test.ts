/**
 * The Trace Explorer page (webview/explorer/main.ts) in headless Chromium, against the real host
 * handlers (src/host/explorer/handlers.ts) over made-up records: the query box runs the real query
 * language, a facet click adds its term, a bad query says where, column headers sort, Enter opens
 * the selected trace at its matching step, only pages near the viewport are asked for, and trace
 * text stays text.
 */
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { bindExplorerHandlers, type ExplorerBackend } from '../../src/host/explorer/handlers';
import type { ExplorerMatch } from '../../src/core/workspace/explorer-table';
import { runQuery } from '../../src/core/workspace/query';
import { DEFAULT_TAXONOMY } from '../../src/core/taxonomy';
import type { TraceRecord } from '../../src/core/workspace/trace-record';
import { fakeCategory, fakeRecord, fakeTool } from '../support/trace-records';
import { painted, until, WebviewHarness, type OpenedPanel } from './harness';

const SCRIPT = 'dist/explorer.js';
const STYLES = ['media/trace-explorer.css'];

function sample(): TraceRecord[] {
  return [
    fakeRecord({ file: 'runs/a.jsonl', title: 'Book a flight', steps: 12, outcome: 'failure', failingSteps: 2, tools: [fakeTool('search', 3, 1), fakeTool('book', 1)], categories: [fakeCategory('TOOL.TIMEOUT', 1, 'a-search')], firstFailingStepId: 'a-search', models: ['gpt-4o'], cost: 0.4 }),
    fakeRecord({ file: 'runs/b.jsonl', title: 'Weather', steps: 4, outcome: 'success', tools: [fakeTool('fetch', 1)], models: ['claude'] }),
    fakeRecord({ file: 'runs/c.jsonl', title: '<img src=x onerror="window.__pwned=1">', steps: 60, outcome: 'failure', failingSteps: 1, tools: [fakeTool('search', 9)], categories: [fakeCategory('OUT.FORMAT', 1, 'c-9')], firstFailingStepId: 'c-9', models: ['gpt-4o'] }),
  ];
}

interface Fixture { panel: OpenedPanel; opened: { file: string; stepId: string | null; toSide: boolean }[] }

describe('Trace Explorer (webview)', function () {
  this.timeout(120_000);
  const harness = new WebviewHarness();
  before(() => harness.start());
  after(() => harness.stop());

  async function open(records: TraceRecord[], opts: { height?: number } = {}): Promise<Fixture> {
    const opened: Fixture['opened'] = [];
    const backend: ExplorerBackend = {
      run: async (query) => {
        const matches: ExplorerMatch[] = runQuery(query, records, { taxonomy: DEFAULT_TAXONOMY })
          .map((h) => ({ record: h.record, file: h.record.file, stepId: h.stepId, runs: 1 }));
        return { matches, traces: records.length, refusedFiles: 0 };
      },
      open: async (m, toSide) => { opened.push({ file: m.file, stepId: m.stepId, toSide }); return true; },
      initialState: () => null,
      takeRequestedQuery: () => null,
      saveState: () => undefined,
      colorOf: (category) => DEFAULT_TAXONOMY.get(category)?.color,
    };
    const panel = await harness.openPanel({ script: SCRIPT, styles: STYLES, bind: (host) => bindExplorerHandlers(host, backend), height: opts.height });
    return { panel, opened };
  }

  const titles = (page: Page): Promise<string[]> => page.$$eval('.row:not(.placeholder) .cell-title', (cells) => cells.map((c) => c.textContent ?? ''));
  const status = (page: Page): Promise<string> => page.$eval('.status-line', (s) => s.textContent ?? '');
  async function typeQuery(page: Page, q: string): Promise<void> {
    await page.fill('.query-input', q);
    await page.press('.query-input', 'Enter');
  }

  it('lists every trace for an empty query and narrows to a query as typed', async () => {
    const { panel } = await open(sample());
    const { page } = panel;
    await until('three rows', async () => (await titles(page)).length === 3);
    assert.match(await status(page), /^3 of 3 traces match/);
    await typeQuery(page, 'outcome:failure steps:>20');
    await until('one row', async () => (await titles(page)).length === 1);
    assert.deepEqual(await titles(page), ['<img src=x onerror="window.__pwned=1">']);
    assert.equal(await page.evaluate('window.__pwned'), undefined, 'a title is text, never markup');
    assert.equal(await page.$$eval('.row img', (imgs) => imgs.length), 0);
    await panel.close();
  });

  it("shows a title written for a terminal without its escape sequences (a session's first message, pasted from a shell)", async () => {
    const { panel } = await open([fakeRecord({ file: 'runs/d.jsonl', title: 'fix \u001b[31mFAILED\u001b[0m tests', steps: 3, outcome: 'success' })]);
    await until('the row', async () => (await titles(panel.page)).length === 1);
    assert.deepEqual(await titles(panel.page), ['fix FAILED tests']);
    assert.equal(await panel.page.$eval('.row:not(.placeholder)', (r) => r.getAttribute('title')?.split('\n')[0]), 'fix FAILED tests');
    await panel.close();
  });

  it("colours a row's categories as the trace editor does (the taxonomy's colour); one it does not define stays plain", async () => {
    const records = sample();
    records[1] = fakeRecord({ file: 'runs/b.jsonl', title: 'Weather', steps: 4, outcome: 'failure', failingSteps: 1, tools: [fakeTool('fetch', 1)], categories: [fakeCategory('acme.CUSTOM', 1, 'b-1')], firstFailingStepId: 'b-1' });
    const { panel } = await open(records);
    const { page } = panel;
    await until('three rows', async () => (await titles(page)).length === 3);
    // Strings: this file is compiled without the DOM lib.
    const chips = await page.evaluate(`Array.from(document.querySelectorAll('.row:not(.placeholder) .cell-category .chip')).map((e) => ({
      text: e.textContent, swatch: e.querySelector('.swatch') ? getComputedStyle(e.querySelector('.swatch')).backgroundColor : null,
    }))`) as { text: string; swatch: string | null }[];
    const timeout = chips.find((c) => c.text === 'TOOL.TIMEOUT');
    // The taxonomy's colour as the page's theme resolves it.
    const expected = await page.evaluate(`(() => { const probe = document.createElement('span'); probe.style.color = 'var(${DEFAULT_TAXONOMY.get('TOOL.TIMEOUT')!.color})'; document.body.append(probe); const c = getComputedStyle(probe).color; probe.remove(); return c; })()`) as string;
    assert.equal(timeout?.swatch, expected, JSON.stringify(chips));
    assert.notEqual(expected, 'rgba(0, 0, 0, 0)');
    assert.deepEqual(chips.find((c) => c.text === 'acme.CUSTOM'), { text: 'acme.CUSTOM', swatch: null });
    // The Category facet's values carry the same dots.
    const facetDot = await page.evaluate(`getComputedStyle(document.querySelector('.facet[data-field="category"] .facet-value[data-term="category:TOOL.TIMEOUT"] .swatch')).backgroundColor`);
    assert.equal(facetDot, expected);
    assert.deepEqual(await page.$eval('.facet[data-field="category"] .facet-value[data-term="category:acme.CUSTOM"]', (e) => [e.textContent, e.querySelectorAll('.swatch').length]), ['acme.CUSTOM1', 0]);
    await panel.close();
  });

  it('adds a facet value to the query on click, and leaves it out on Alt+click', async () => {
    const { panel } = await open(sample());
    const { page } = panel;
    await until('facets', async () => (await page.$$('.facet-value')).length > 0);
    const searchFacet = await page.$eval('.facet[data-field="tool"]', (f) => f.textContent ?? '');
    assert.match(searchFacet, /search\s*2/, 'two traces call search');
    await page.click('.facet[data-field="tool"] .facet-value[data-term="tool:search"]');
    await until('two rows', async () => (await titles(page)).length === 2);
    assert.equal(await page.inputValue('.query-input'), 'tool:search');
    await page.click('.facet[data-field="outcome"] .facet-value[data-term="outcome:failure"]', { modifiers: ['Alt'] });
    await until('no rows', async () => /^0 of 3/.test(await status(page)));
    assert.equal(await page.inputValue('.query-input'), 'tool:search -outcome:failure');
    assert.match(await page.$eval('.empty-note', (n) => n.textContent ?? ''), /No trace matches/);
    await panel.close();
  });

  it('says where a query does not parse, and keeps the last rows', async () => {
    const fx = await open(sample());
    const { panel } = fx;
    const { page } = panel;
    await until('three rows', async () => (await titles(page)).length === 3);
    await typeQuery(page, 'outcome:failure catgory:TOOL');
    await until('the error', async () => !(await page.$eval('.query-error', (e) => e.hasAttribute('hidden'))));
    const error = await page.$eval('.query-error', (e) => e.textContent ?? '');
    assert.match(error, /unknown field "catgory"/);
    assert.match(error, /did you mean "category"/);
    assert.equal(await page.$eval('.query-error mark', (m) => m.textContent), 'c', 'the mark sits at column 17');
    assert.equal(await page.getAttribute('.query-input', 'aria-invalid'), 'true');
    assert.equal((await titles(page)).length, 3, 'the last rows stay');
    await page.focus('.table-body');
    await page.keyboard.press('Enter');
    await until('the last run still opens', () => fx.opened.length === 1);
    await panel.close();
  });

  it('sorts on a column header click, descending first for numbers, and says so to assistive tech', async () => {
    const { panel } = await open(sample());
    const { page } = panel;
    await until('three rows', async () => (await titles(page)).length === 3);
    await page.click('.column-head[data-column="steps"]');
    await until('sorted by steps', async () => (await titles(page))[0] === '<img src=x onerror="window.__pwned=1">');
    assert.deepEqual(await titles(page), ['<img src=x onerror="window.__pwned=1">', 'Book a flight', 'Weather']);
    assert.equal(await page.getAttribute('.column-head[data-column="steps"]', 'aria-sort'), 'descending');
    await page.click('.column-head[data-column="steps"]');
    await until('ascending', async () => (await titles(page))[0] === 'Weather');
    assert.equal(await page.getAttribute('.column-head[data-column="steps"]', 'aria-sort'), 'ascending');
    await panel.close();
  });

  it('moves with the keyboard and opens the selected trace at its first matching step', async () => {
    const fx = await open(sample());
    const { page } = fx.panel;
    await typeQuery(page, 'outcome:failure');
    await until('two rows', async () => (await titles(page)).length === 2);
    await page.focus('.table-body');
    await page.keyboard.press('ArrowDown');
    await until('second row selected', async () => (await page.getAttribute('.table-body', 'aria-activedescendant')) === 'row-1');
    assert.equal(await page.$eval('#row-1', (r) => r.getAttribute('aria-selected')), 'true');
    await page.keyboard.press('Enter');
    await until('opened', () => fx.opened.length === 1);
    assert.deepEqual(fx.opened[0], { file: 'runs/c.jsonl', stepId: 'c-9', toSide: false });
    await page.keyboard.press('Home');
    await page.keyboard.press('Control+Enter');
    await until('opened to the side', () => fx.opened.length === 2);
    assert.deepEqual(fx.opened[1], { file: 'runs/a.jsonl', stepId: 'a-search', toSide: true });
    // `/` goes to the query box, Escape comes back.
    await page.keyboard.press('/');
    assert.equal(await page.evaluate('document.activeElement.className'), 'query-input');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate('document.activeElement.className'), 'table-body');
    await fx.panel.close();
  });

  it('asks only for the pages near the viewport of 5,000 traces, and End reaches the last', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => fakeRecord({ file: `many/${String(i).padStart(5, '0')}.jsonl`, title: `run ${i}`, steps: i }));
    const { panel } = await open(many, { height: 600 });
    const { page } = panel;
    await until('rows', async () => (await titles(page)).length > 0);
    const rowsInDom = await page.$$eval('.row', (r) => r.length);
    assert.ok(rowsInDom < 60, `only the rows near the viewport exist (${rowsInDom})`);
    const pageRequests = (): number[] => panel.requests.filter((r) => r.method === 'explorer/rows').map((r) => (r.params as { start: number }).start);
    assert.deepEqual(pageRequests(), [0]);
    await page.focus('.table-body');
    await page.keyboard.press('End');
    await until('the last row', async () => (await titles(page)).includes('run 4999'));
    assert.equal(await page.getAttribute('.table-body', 'aria-activedescendant'), 'row-4999');
    assert.ok(pageRequests().length <= 3, `pages asked for: ${pageRequests().join(', ')}`);
    assert.ok(pageRequests().includes(4900));
    await painted(page);
    await panel.close();
  });
});
