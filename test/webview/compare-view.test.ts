/**
 * The Compare Traces view in headless Chromium, driven by keys and clicks against the real host
 * handlers over a CompareModel built from the trace worker's own compareTraces job
 * (compare-harness.ts). Screenshots go to test-results/screenshots/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { correctedTrajectory } from '../../src/core/compare';
import { workerJobs, type CompareResult } from '../../src/core/engine/worker/jobs';
import { CompareModel } from '../../src/host/compare/model';
import { TraceFile } from '../../src/host/editor/trace-file';
import { GetCompareState, type CompareRestoreSpec, type CompareViewState } from '../../src/protocol/compare';
import { PROJECT_ROOT } from '../support/shared';
import { CompareHarness, type OpenedCompare } from './compare-harness';
import { painted, until } from './harness';

// The page's getComputedStyle, for a function run in the page (this file is compiled without the DOM lib).
declare function getComputedStyle(e: unknown): { backgroundColor: string; color: string };

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

const header = (id: string): string => JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id, title: `run ${id}` });
const call = (id: string, tool: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ type: 'step', id, kind: 'tool', name: tool, toolCall: { name: tool, arguments: args }, ...extra });

describe('Compare Traces view (webview)', function () {
  this.timeout(120_000);
  const harness = new CompareHarness();
  let dir: string;
  let opened: OpenedCompare | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atd-compare-view-'));
    await harness.start();
  });
  after(async () => {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  /** Two runs written to disk, aligned by the worker's job, held as the panel holds them. */
  function model(a: string[], b: string[]): CompareModel {
    const write = (name: string, lines: string[]): string => {
      const path = join(dir, name);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    };
    const pa = write(`a-${Math.random().toString(36).slice(2)}.trace.jsonl`, a);
    const pb = write(`b-${Math.random().toString(36).slice(2)}.trace.jsonl`, b);
    const result = workerJobs.compareTraces({ a: { path: pa, traceIndex: 0 }, b: { path: pb, traceIndex: 0 } });
    assert.ok(!('refused' in result), JSON.stringify(result));
    const side = (path: string) => {
      const file = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
      return { file, position: 0, trace: file.traces[0], displayFile: path.slice(dir.length + 1) };
    };
    return new CompareModel([side(pa), side(pb)], result as CompareResult);
  }

  /** Run a books seat 12A; run b books 14C and sends an email run a never sent. */
  const twoRuns = (): CompareModel => model(
    [header('a'), call('s1', 'search', { q: 'flights' }), call('s2', 'book', { seat: '12A', name: 'Ada' }), call('s3', 'pay', { amount: 10 })],
    [header('b'), call('s1', 'search', { q: 'flights' }), call('s2', 'book', { seat: '14C', name: 'Ada' }), call('s4', 'email', { to: 'x' }), call('s3', 'pay', { amount: 10 })],
  );

  const state = (o: OpenedCompare): Promise<CompareViewState> => o.host.sendRequest(GetCompareState, {});
  async function waitForState(o: OpenedCompare, what: string, check: (s: CompareViewState) => boolean): Promise<CompareViewState> {
    let last: CompareViewState | undefined;
    try {
      await until(what, async () => check((last = await state(o).catch(() => undefined) ?? last) ?? ({} as CompareViewState)));
    } catch (e) {
      throw new Error(`${(e as Error).message}; the view shows ${JSON.stringify(last)}`, { cause: e });
    }
    return last as CompareViewState;
  }
  const selectedPair = (page: Page) => page.locator('.pair-row[aria-selected="true"]').getAttribute('data-pair');

  it('shows the aligned pairs with their kinds (a changed argument, an inserted step) and lands on the first divergence', async () => {
    const m = twoRuns();
    opened = await harness.open(m);
    const s = await waitForState(opened, 'the first divergence selected', (x) => x.selectedPair === 1 && x.rendered?.length === 4);
    assert.deepEqual(s.rendered, ['same s1 s1', 'changed s2 s2', 'inserted - s4', 'same s3 s3']);
    const { page } = opened;
    assert.equal(await selectedPair(page), '1');
    assert.equal(await page.locator('.pair-row.first-divergence').getAttribute('data-pair'), '1', 'the first divergence is marked');
    assert.equal(await page.locator('.pair-row[data-kind="inserted"] .pair-cell-a').getAttribute('class'), 'pair-cell pair-cell-a pair-cell-empty', 'an inserted step has no left side');
    assert.equal(await page.locator('.pair-row[data-kind="changed"] .pair-gutter-b').textContent(), '~');
    // Steps are numbered from 1 on both sides, as the trace editor numbers them.
    assert.deepEqual(await page.locator('.pair-cell-a .pair-index').allTextContents(), ['1', '2', '3']);
    assert.deepEqual(await page.locator('.pair-cell-b .pair-index').allTextContents(), ['1', '2', '3', '4']);
    assert.deepEqual(await page.locator('.pair-side-label').allTextContents(), ['#2 tool book', '#2 tool book']);
    // Each call's gist beside its label: the changed pair reads apart in the list.
    assert.deepEqual(await page.locator('.pair-row[data-kind="changed"] .pair-detail').allTextContents(), ['seat: 12A, name: Ada', 'seat: 14C, name: Ada']);
    // Dimmed, as the trace editor's gists are (one rule for both, in trace-editor.css).
    const [detailColor, labelColor] = await page.locator('.pair-row:not(.selected) .pair-detail').first().evaluate((e: { parentElement: { querySelector(s: string): unknown } }) => [getComputedStyle(e).color, getComputedStyle(e.parentElement.querySelector('.pair-label')).color]);
    assert.notEqual(detailColor, labelColor);
    // The details: the arguments differ, with the changed words marked on both sides.
    await page.locator('.field-diff').first().waitFor();
    assert.deepEqual(await page.locator('.field-name').allTextContents(), ['arguments']);
    assert.deepEqual(await page.locator('.field-diff del').allTextContents(), ['12A']);
    assert.deepEqual(await page.locator('.field-diff ins').allTextContents(), ['14C']);
    assert.match(await page.locator('.compare-position').textContent() ?? '', /Difference 1 of 2/);
    // The diff editor's colours come from the theme.
    const bg = await page.locator('.pair-row[data-kind="inserted"] .pair-cell-b').evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgba(155, 185, 85, 0.2)', 'inserted: --vscode-diffEditor-insertedLineBackground');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await painted(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-view-dark.png') });
  });

  it('n and p move between differences; arrows move the selection; Enter opens the selected step', async () => {
    opened = await harness.open(twoRuns(), { theme: 'light' });
    const { page } = opened;
    await waitForState(opened, 'landed', (x) => x.selectedPair === 1);
    await page.keyboard.press('n');
    await waitForState(opened, 'n: the inserted email', (x) => x.selectedPair === 2);
    await page.keyboard.press('n');
    await waitForState(opened, 'n wraps to the first difference', (x) => x.selectedPair === 1);
    await page.keyboard.press('p');
    await waitForState(opened, 'p wraps back to the last difference', (x) => x.selectedPair === 2);
    await page.keyboard.press('ArrowDown');
    await waitForState(opened, 'down: the same pay', (x) => x.selectedPair === 3);
    assert.match(await page.locator('.field-same').textContent() ?? '', /same/);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await waitForState(opened, 'up twice: the changed book', (x) => x.selectedPair === 1);
    await page.keyboard.press('Enter');
    await until('Enter opened step s2 of run a', () => opened?.opened.join(' ') === 'a:s2');
    await page.keyboard.press('Shift+Enter');
    await until('Shift+Enter opened step s2 of run b', () => opened?.opened.join(' ') === 'a:s2 b:s2');
    await page.keyboard.press('n');
    await waitForState(opened, 'on the inserted email', (x) => x.selectedPair === 2);
    await page.keyboard.press('Enter');
    await until('Enter on a step only run b has opens run b', () => opened?.opened.at(-1) === 'b:s4');
    await page.locator('.pair-row[data-pair="1"]').dblclick();
    await until('a double click opens the pair\'s step of run a', () => opened?.opened.at(-1) === 'a:s2');
    await page.keyboard.press('n');
    await waitForState(opened, 'back on the inserted email', (x) => x.selectedPair === 2);
    await page.getByText('Open Side by Side in Trace Editors').click();
    await until('side by side at the selected pair', () => opened?.sideBySide.join() === '2');
    await painted(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-view-light.png') });
  });

  it('"Only differences" shows only the pairs that differ and keeps the selection', async () => {
    opened = await harness.open(twoRuns(), { theme: 'high-contrast' });
    const { page } = opened;
    await waitForState(opened, 'landed', (x) => x.selectedPair === 1);
    await page.locator('vscode-checkbox').click();
    const only = await waitForState(opened, 'two rows', (x) => x.onlyDifferences && x.rendered.length === 2);
    assert.deepEqual(only.rendered, ['changed s2 s2', 'inserted - s4']);
    assert.equal(only.selectedPair, 1);
    await page.keyboard.press('ArrowDown');
    await waitForState(opened, 'down: the next row shown is the inserted step', (x) => x.selectedPair === 2);
    await page.keyboard.press('d');
    const all = await waitForState(opened, 'all rows again', (x) => !x.onlyDifferences && x.rendered.length === 4);
    assert.equal(all.selectedPair, 2, 'the selection stays on its pair');
    // A same pair selected, then only differences: the selection moves to the next difference.
    await page.keyboard.press('ArrowDown');
    await waitForState(opened, 'the same pay', (x) => x.selectedPair === 3);
    await page.keyboard.press('d');
    await waitForState(opened, 'wrapped to the first difference', (x) => x.onlyDifferences && x.selectedPair === 1);
    await painted(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-view-only-differences-hc.png') });
  });

  it('keeps the comparison, the selected pair and "Only differences" in its state, and a reloaded page goes back to them', async () => {
    const restore: CompareRestoreSpec = { sides: [{ uri: 'file:///w/a.jsonl', traceIndex: 0, corrected: false }, { uri: 'file:///w/b.jsonl', traceIndex: 2, corrected: false }] };
    opened = await harness.open(twoRuns(), { restore });
    await waitForState(opened, 'landed', (x) => x.selectedPair === 1);
    await opened.page.keyboard.press('n');
    await waitForState(opened, 'n: the inserted email', (x) => x.selectedPair === 2);
    await opened.page.keyboard.press('d');
    await waitForState(opened, 'only differences', (x) => x.onlyDifferences && x.selectedPair === 2);
    const saved = await opened.page.evaluate(() => (globalThis as unknown as { __atdSavedState: unknown }).__atdSavedState);
    assert.deepEqual(saved, { restore, selectedPair: 2, onlyDifferences: true });
    await opened.close();

    // The page VS Code brings back after a window reload starts from that state, not at the landing pair.
    opened = await harness.open(twoRuns(), { restore, savedState: saved });
    const back = await waitForState(opened, 'back on the email, only differences', (x) => x.onlyDifferences && x.selectedPair === 2 && x.rendered.length === 2);
    assert.deepEqual(back.rendered, ['changed s2 s2', 'inserted - s4']);
    await opened.close();
    // A kept pair the comparison no longer has falls back to the landing pair.
    opened = await harness.open(twoRuns(), { restore, savedState: { restore, selectedPair: 99, onlyDifferences: false } });
    await waitForState(opened, 'the landing pair', (x) => !x.onlyDifferences && x.selectedPair === 1);
  });

  it('trace text stays text: markup in names, arguments and results is shown, never parsed', async () => {
    opened = await harness.open(model(
      [header('a'), call('h1', HOSTILE, { q: HOSTILE }, { output: { value: HOSTILE } })],
      [header('b'), call('h1', HOSTILE, { q: `${HOSTILE}!` }, { output: { value: 'ok' } })],
    ));
    const { page } = opened;
    await waitForState(opened, 'the changed pair selected', (x) => x.selectedPair === 0);
    await page.locator('.field-diff').first().waitFor();
    assert.equal(await page.locator('img').count(), 0, 'no <img> was created from trace text');
    assert.equal(await page.locator('#app script').count(), 0, 'no <script> was created from trace text');
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.ok((await page.locator('.pair-row .pair-label').first().textContent())?.includes('<img src=x'), 'the markup is shown as text');
    assert.ok((await page.locator('.field-diff').allTextContents()).join('\n').includes('<script>window.__pwned=2</script>'));
  });

  it("shows a name or argument written for a terminal without its escape sequences, as the trace editor does", async () => {
    const bold = (t: string) => `\u001b[1m${t}\u001b[22m`;
    opened = await harness.open(model(
      [header('a'), call('r1', bold('read'), { path: bold('a.py') })],
      [header('b'), call('r1', bold('read'), { path: bold('b.py') })],
    ));
    const { page } = opened;
    await waitForState(opened, 'the changed pair selected', (x) => x.selectedPair === 0);
    assert.deepEqual(await page.locator('.pair-row .pair-label').allTextContents(), ['tool read', 'tool read']);
    assert.deepEqual(await page.locator('.pair-row .pair-detail').allTextContents(), ['a.py', 'b.py']);
  });

  it('the corrected trajectory: the changed call with its tag on run A, the corrected mark on run B, the steps after it only in A', async () => {
    const path = join(dir, 'fix.trace.jsonl');
    const callId = 'c0';
    writeFileSync(path, [
      header('f'),
      JSON.stringify({ type: 'step', id: 'f-llm0', kind: 'llm', name: 'model', output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: callId, name: 'get_weather', arguments: { city: 'Pariss' } }] }] } }),
      JSON.stringify({ type: 'step', id: 'f-tool0', kind: 'tool', name: 'get_weather', toolCall: { id: callId, name: 'get_weather', arguments: { city: 'Pariss' } }, status: 'error', error: { message: 'unknown city Pariss' } }),
      JSON.stringify({ type: 'step', id: 'f-answer', kind: 'llm', name: 'model', output: { messages: [{ role: 'assistant', content: 'done' }] } }),
    ].join('\n') + '\n');
    const sidecar = `${path}.annotations.json`;
    writeFileSync(sidecar, JSON.stringify({ version: 1, reviewed: [],
      errors: [{ location: 'f-llm0', category: 'RSN', description: 'misspelt the city' }],
      corrections: [{ location: 'f-llm0', output: { role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] } }],
    }));
    const result = workerJobs.compareTraces({ a: { path, traceIndex: 0 }, b: { path, traceIndex: 0, corrected: true } });
    assert.ok(!('refused' in result), JSON.stringify(result));
    const file = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY, readSidecar: () => readFileSync(sidecar, 'utf8') });
    const corrected = correctedTrajectory(path, file.traces[0]);
    const m = new CompareModel([
      { file, position: 0, trace: file.traces[0], displayFile: 'fix.trace.jsonl' },
      { file, position: 0, trace: corrected.trace, displayFile: 'fix.trace.jsonl', corrected: new Set(corrected.corrected) },
    ], result as CompareResult);
    opened = await harness.open(m);
    const { page } = opened;
    const s = await waitForState(opened, 'the corrected call selected', (x) => x.selectedPair === 0 && x.rendered.length === 3);
    assert.deepEqual(s.rendered, ['changed f-llm0 f-llm0', 'deleted f-tool0 -', 'deleted f-answer -']);
    await page.locator('.pair-side-b .corrected-badge').waitFor();
    assert.ok(await page.getByText('corrected trajectory').isVisible(), 'the header says which side is the corrected trajectory');
    assert.equal(await page.getByText('Open Side by Side in Trace Editors').isVisible(), false, 'a corrected trajectory is no file to open beside');
    const failuresA = await page.locator('.pair-side-a .side-failure').allTextContents();
    assert.ok(failuresA.some((t) => t.includes('tag') && t.includes('misspelt the city')), failuresA.join(' | '));
    assert.deepEqual(await page.locator('.field-diff del').allTextContents(), ['Pariss']);
    assert.deepEqual(await page.locator('.field-diff ins').allTextContents(), ['Paris']);
    await page.keyboard.press('n');
    await waitForState(opened, 'the failed call, only in A', (x) => x.selectedPair === 1);
    // The pair's details arrive after the selection (a request of their own): wait for them.
    let failures: string[] = [];
    await until('the failed call\'s error in the details', async () => {
      failures = await page.locator('.pair-side-a .side-failure').allTextContents();
      return failures.some((t) => t.includes('error') && t.includes('unknown city Pariss'));
    }).catch((e: unknown) => { throw new Error(`${(e as Error).message}; the details show ${failures.join(' | ')}`, { cause: e }); });
    await painted(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-view-corrected-dark.png') });
  });

  it('asks for pages of pairs, never the whole comparison', async () => {
    const steps = (n: number, changeAt: number, tag: string): string[] => [header(tag), ...Array.from({ length: n }, (_, i) => call(`s${i}`, `tool${i % 7}`, { i, v: i === changeAt ? tag : 'same' }))];
    opened = await harness.open(model(steps(3000, 2500, 'a'), steps(3000, 2500, 'b')), { height: 600 });
    const s = await waitForState(opened, 'landed far down', (x) => x.selectedPair === 2500 && x.rendered.includes('changed s2500 s2500'));
    assert.ok(s.rendered.length < 100, `only the rows in view are in the page (${s.rendered.length})`);
    assert.ok(s.rendered.includes('changed s2500 s2500'));
    const pages = opened.requests.filter((r) => r.method === 'compare/getPairs').map((r) => r.params as { count: number; start: number });
    assert.ok(pages.length > 0 && pages.length <= 3, `a few pages (${pages.length})`);
    for (const p of pages) assert.ok(p.count <= 100, `a page of at most 100 pairs (${p.count})`);
    assert.ok(pages.every((p) => p.start >= 2300), `pages around the landing only (${pages.map((p) => p.start).join(', ')})`);
  });
});
