/**
 * A large file opens while it is still being read (src/host/editor/trace-file-reader.ts): the
 * first rows show with a reading bar (how far, how many steps so far, Cancel); the rows grow as
 * steps arrive; at the end the bar goes and the end is announced; Cancel keeps what was read and
 * says that only the start is shown. The events are the document worker's own (DocumentLoader,
 * run in process), handed over in two halves by a scripted client.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetWebviewState, TraceChanged } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TraceFile } from '../../src/host/editor/trace-file';
import { TraceFileReader, type HeapProbe } from '../../src/host/editor/trace-file-reader';
import { DocumentLoader, type DocumentEvent } from '../../src/core/engine/worker/document-load';
import type { DocumentWorkerClient, LoadEnd } from '../../src/core/engine/worker/document-client';
import { benchTraceText } from '../support/bench-traces';
import { loadTraceFile } from '../../src/core/load';
import { rejectedCallTrace } from '../support/rejected-call-trace';
import { PROJECT_ROOT, sharedPath } from '../support/shared';
import { browserEvalLog } from '../support/inspect-log';

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');
import { painted, WebviewHarness, until, type OpenedEditor, type Theme } from './harness';

/** Stands in for the worker: the test decides when each event arrives. */
class ScriptedClient {
  isLoading = false;
  private onEvent: ((e: DocumentEvent) => void) | undefined;
  private settle: ((end: LoadEnd) => void) | undefined;
  open(onEvent: (e: DocumentEvent) => void): Promise<LoadEnd> {
    this.isLoading = true;
    this.onEvent = onEvent;
    return new Promise((resolve) => { this.settle = resolve; });
  }
  reload(): Promise<LoadEnd> { return Promise.resolve('unchanged'); }
  send(events: readonly DocumentEvent[]): void {
    for (const e of events) {
      // As the worker client: after a cancel nothing more arrives.
      if (!this.isLoading) return;
      this.onEvent?.(e);
      if (e.kind === 'done' || e.kind === 'failed' || e.kind === 'unchanged') this.end(e.kind);
    }
  }
  cancel(): void { this.end('cancelled'); }
  dispose(): void { this.end('cancelled'); }
  private end(end: LoadEnd): void {
    if (!this.isLoading) return;
    this.isLoading = false;
    this.settle?.(end);
  }
}

describe('a large file read while it opens (headless Chromium)', function () {
  // A guard against a hang, not a time budget: each wait has its own deadline.
  this.timeout(180_000);
  const harness = new WebviewHarness();
  const dir = mkdtempSync(join(tmpdir(), 'atd-reading-'));
  let ed: OpenedEditor | undefined;
  let reader: TraceFileReader | undefined;
  before(async () => { mkdirSync(SCREENSHOTS, { recursive: true }); await harness.start(); });
  after(async () => { await harness.stop(); rmSync(dir, { recursive: true, force: true }); });
  afterEach(async () => { reader?.dispose(); await ed?.close(); ed = undefined; });

  /** The worker's events for a file (default: a generated 600-step one), split where half the steps have been sent. */
  function eventsOf(text: string | Uint8Array = benchTraceText('jsonl', 600), chunkSize = 16 * 1024, name = 'big.trace.jsonl', beforeSteps = false): { first: DocumentEvent[]; rest: DocumentEvent[]; steps: number; path: string } {
    const path = join(dir, name);
    writeFileSync(path, text);
    const events: DocumentEvent[] = [];
    // As the editor reads a file: its steps cross without their payloads, which the host reads back.
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize, findingsEverySteps: 20, payloadsOnDemand: true }, (e) => events.push(e)).open();
    let sent = 0;
    const total = events.reduce((n, e) => n + (e.kind === 'steps' ? e.steps.length : 0), 0);
    const cut = beforeSteps ? events.findIndex((e) => e.kind === 'steps') : events.findIndex((e) => e.kind === 'steps' && (sent += e.steps.length) >= total / 2) + 1;
    return { first: events.slice(0, cut), rest: events.slice(cut), steps: total, path };
  }

  async function openReading(text?: string | Uint8Array, chunkSize?: number, heap?: HeapProbe, theme?: Theme, otlpBeforeSteps = false, name?: string): Promise<{ client: ScriptedClient; rest: DocumentEvent[]; steps: number; path: string }> {
    const { first, rest, steps, path } = otlpBeforeSteps ? eventsOf(text, chunkSize, 'spans.json', true) : eventsOf(text, chunkSize, name);
    const file = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
    const client = new ScriptedClient();
    let notify: (c: { kind: 'appended' | 'rewritten'; stepCounts: number[] }) => void = () => undefined;
    reader = new TraceFileReader(file, client as unknown as DocumentWorkerClient, (c) => {
      if (c.kind === 'appended' || c.kind === 'rewritten') notify(c);
    }, undefined, heap);
    const { shown } = reader.open();
    client.send(first);
    await shown;
    const r = reader;
    ed = await harness.open(file, { cancelLoad: () => r.cancel(), theme });
    notify = (c) => ed?.host.sendNotification(TraceChanged, c);
    return { client, rest, steps, path };
  }

  const state = () => ed!.host.sendRequest(GetWebviewState, {});
  const bar = () => ed!.page.locator('.reading');

  it('shows the first rows with how far the read is, then every row, and says when it is done', async () => {
    const { client, rest, steps } = await openReading();
    await ed!.page.waitForSelector('[role=tree] [role=treeitem]');
    const text = await bar().innerText();
    assert.match(text, /Reading the file… \d+% · [\d,]+ steps so far/);
    const shownSteps = Number(/([\d,]+) steps so far/.exec(text)![1].replace(/,/g, ''));
    assert.ok(shownSteps > 0 && shownSteps < steps, `${shownSteps} of ${steps} steps while reading`);
    assert.equal(await bar().getByRole('button', { name: 'Cancel' }).count(), 1);
    assert.ok((await state()).totalRows < steps);

    client.send(rest);
    await until('every row', async () => (await state()).totalRows === steps);
    await ed!.page.getByText(`Read the whole file: ${steps.toLocaleString('en-US')} steps.`).waitFor();
    assert.equal(await bar().isVisible(), false, 'the bar is gone once the file is read');
  });

  it('a run without failures is not called clean while the file is read (an Inspect log, sample by sample), and is once it is read', async () => {
    const { client, rest } = await openReading(readFileSync(sharedPath('traces', 'inspect-ai', '2025-05-12T20-27-36-04-00_browser.json')), undefined, undefined, undefined, false, 'browser.json');
    await ed!.page.waitForSelector('[role=tree] [role=treeitem]');
    const legend = ed!.page.locator('.legend-empty');
    await until('the legend while reading', async () => /^No failures found so far in \d+ steps?\.$/.test((await legend.textContent()) ?? ''));
    assert.equal(await legend.locator('.codicon-pass').count(), 0, 'no green tick before the checks ran');
    await painted(ed!.page);
    await ed!.page.screenshot({ path: join(SCREENSHOTS, 'reading-no-failures-so-far.png') });
    client.send(rest);
    await until('the legend once read', async () => /^No failures found in \d+ steps?\.$/.test((await legend.textContent()) ?? ''));
    assert.equal(await legend.locator('.codicon-pass').count(), 1);
  });

  it('runs that come while the file is read join the trace picker; the run shown keeps its rows, selection and focus', async () => {
    // An Inspect log of 6 samples, sample by sample: half of them come after the page is up.
    const { client, rest } = await openReading(browserEvalLog(6), undefined, undefined, undefined, false, 'six.json');
    const page = ed!.page;
    await page.waitForSelector('[role=tree] [role=treeitem]');
    const runsAtFirst = await page.locator('vscode-single-select vscode-option').count();
    assert.ok(runsAtFirst < 6, `${runsAtFirst} runs in the picker at first`);
    await page.locator('[role=tree]').focus();
    for (let k = 0; k < 3; k++) await page.keyboard.press('j');
    await until('the third step selected', async () => (await state()).selectedIndex === 2);
    // The page as it is: refreshed in place, it keeps its elements; shown again, it makes them anew (and its rows show "Loading…" meanwhile).
    const legendRow = await page.locator('.legend-row').elementHandle();
    // The other runs come one event at a time, each a change the page is told of.
    for (const e of rest) {
      client.send([e]);
      await new Promise((r) => setTimeout(r, 0));
    }
    await until('every run in the picker', async () => (await page.locator('vscode-single-select vscode-option').count()) === 6);
    assert.equal(await page.locator('.picker-label').textContent(), '6 traces');
    assert.equal((await state()).selectedIndex, 2, 'the selection stays');
    assert.equal(await legendRow!.evaluate((e) => (e as unknown as { isConnected: boolean }).isConnected), true, 'the page was refreshed in place, not shown again');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("role") ?? null'), 'tree', 'the focus stays in the rows');
    assert.equal(await page.getByText(/The trace grew/).count(), 0, 'the run shown did not grow');
    // The picker opens the runs that came.
    await page.locator('vscode-single-select').evaluate((e) => { (e as unknown as { value: string }).value = '5'; e.dispatchEvent(new Event('change')); });
    await until('the last run shown', async () => (await state()).traceIndex === 5);
  });

  it('a run picked while the file is read stays picked as more runs come', async () => {
    const { client, rest } = await openReading(browserEvalLog(6), undefined, undefined, undefined, false, 'six-picked.json');
    const page = ed!.page;
    await page.waitForSelector('[role=tree] [role=treeitem]');
    const picker = page.locator('vscode-single-select');
    assert.ok((await picker.locator('vscode-option').count()) >= 2, 'two runs or more at first');
    await picker.evaluate((e) => { (e as unknown as { value: string }).value = '1'; e.dispatchEvent(new Event('change')); });
    await until('the second run shown', async () => (await state()).traceIndex === 1);
    for (const e of rest) {
      client.send([e]);
      await new Promise((r) => setTimeout(r, 0));
    }
    await until('every run in the picker', async () => (await picker.locator('vscode-option').count()) === 6);
    await until('read to the end', async () => !(await state()).reading);
    assert.equal((await state()).traceIndex, 1);
    assert.equal(await picker.evaluate((e) => (e as unknown as { value: string }).value), '1', 'the picker still says the run shown');
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`a file whose steps need the whole file first shows its tab at once, reading, with Cancel; then its rows (screenshot, ${theme})`, async () => {
      // An OTLP document written children first (as batch exporters write spans): a first pass
      // orders the spans before any step can be sent, and says how far it got meanwhile.
      const doc = JSON.parse(benchTraceText('otlp', 400, 6)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
      doc.resourceSpans[0].scopeSpans[0].spans.reverse();
      const { client, rest, steps } = await openReading(JSON.stringify(doc), 32 * 1024, undefined, theme, true);
      await until('the reading bar', async () => /Reading the file… \d+% · the steps show once they can be put in order/.test(await bar().innerText()));
      assert.equal(await bar().getByRole('button', { name: 'Cancel' }).count(), 1);
      assert.equal(await ed!.page.locator('[role=tree]').count(), 0, 'no rows yet');
      await painted(ed!.page);
      await ed!.page.screenshot({ path: join(SCREENSHOTS, `reading-before-steps-${theme}.png`) });
      client.send(rest);
      await until('every row', async () => (await state()).totalRows === steps);
      await ed!.page.getByText(`Read the whole file: ${steps.toLocaleString('en-US')} steps.`).waitFor();
      assert.equal(await bar().isVisible(), false);
    });
  }

  it("a step's messages, which the host holds only in the file, show in its details and are found by search while the file is read", async () => {
    const { steps, path } = await openReading();
    const whole = loadTraceFile(path).traces[0].steps;
    const at = whole.findIndex((s) => s.kind === 'llm' && s.input?.messages?.length);
    const model = whole[at];
    const said = model.input!.messages![0].content!;
    await ed!.page.waitForSelector('[role=tree] [role=treeitem]');
    await ed!.page.locator('[role=tree]').focus();
    for (let k = 0; k <= at; k++) await ed!.page.keyboard.press('j');
    await until('the model step is selected', async () => (await state()).selectedId === model.id);
    const details = ed!.page.locator('[role=region][aria-label="Step details"]');
    await details.getByText(said.slice(0, 60), { exact: false }).first().waitFor();
    // A phrase from a tool's output further on, in no name or id.
    const tool = whole.find((s, i) => i > 2 && s.kind === 'tool' && typeof s.output?.value === 'string')!;
    const phrase = (tool.output!.value as string).split('\n').find((l) => l.length > 40)!.slice(0, 40);
    const first = whole.findIndex((s) => JSON.stringify(s.output ?? '').includes(JSON.stringify(phrase).slice(1, -1)));
    await ed!.page.keyboard.press('/');
    await ed!.page.keyboard.type(phrase);
    await ed!.page.keyboard.press('Enter');
    await until('search selects the first step whose output says it', async () => (await state()).selectedId === whole[first].id);
    assert.equal((await state()).reading, true, 'the file is still being read');
    assert.ok((await state()).totalRows < steps);
  });

  it('a search of held steps moves to the match at once, then says "k of n" once the host has counted', async () => {
    const text = benchTraceText('jsonl', 2_600);
    const { client, rest, steps, path } = await openReading(text, 64 * 1024);
    client.send(rest);
    await until('every row', async () => (await state()).totalRows === steps);
    // A word in most model steps: the host checks a few hundred lines before it answers, then counts the rest.
    const whole = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);
    const expected = whole.search('façade', -1, 'next');
    assert.ok(expected.matchCount > 300, `${expected.matchCount} matches`);
    await ed!.page.locator('[role=tree]').focus();
    await ed!.page.keyboard.press('/');
    await ed!.page.keyboard.type('façade');
    await until('the search as typed', async () => (await state()).selectedId === whole.steps[expected.index!].id);
    await ed!.page.keyboard.press('Enter');
    let label: string | null = null;
    await until('the count', async () => (label = await ed!.page.locator('.match-label').textContent()) === `${expected.ordinal! + 1} of ${expected.matchCount.toLocaleString('en-US')}`).catch((e) => { throw new Error(`${e} (label: ${label}, ${expected.matchCount})`); });
    assert.equal((await state()).selectedId, whole.steps[expected.matches![1]].id, 'Enter moved from the first match to the second');
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`says how many matches so far while the host counts, then "k of n" (screenshot, ${theme})`, async () => {
      const text = benchTraceText('jsonl', 2_600);
      const { client, rest, steps, path } = await openReading(text, 64 * 1024, undefined, theme);
      client.send(rest);
      await until('every row', async () => (await state()).totalRows === steps);
      const whole = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);
      const expected = whole.search('façade', -1, 'next');
      // The count the webview asks for after the first answer waits, as on a host still counting.
      const count = ed!.holdNext('search', (p) => (p as { complete?: boolean }).complete === true);
      await ed!.page.locator('[role=tree]').focus();
      await ed!.page.keyboard.press('/');
      await ed!.page.keyboard.type('façade');
      await count.held;
      const label = ed!.page.locator('.match-label');
      assert.match((await label.textContent()) ?? '', /^[\d,]+ matches so far, counting…$/);
      assert.equal((await state()).selectedId, whole.steps[expected.index!].id, 'the first match is selected before the count');
      await painted(ed!.page);
      await ed!.page.locator('.toolbar').screenshot({ path: join(SCREENSHOTS, `search-counting-${theme}.png`) });
      count.release();
      await until('the count', async () => (await label.textContent()) === `1 of ${expected.matchCount.toLocaleString('en-US')}`);
    });
  }

  it('a model step the detectors flag is a failure while the file is still read: n selects it', async () => {
    // Pairs of a model call and its tool call; the 21st call is rejected for its arguments, which the
    // detectors put on the model step that made it (its own status is ok).
    const { steps } = await openReading(rejectedCallTrace(), 2048);
    await ed!.page.waitForSelector('[role=tree] [role=treeitem]');
    await ed!.page.locator('[role=tree]').focus();
    await ed!.page.keyboard.press('n');
    await until('n selects the flagged model step', async () => (await state()).selectedId === 'llm-20');
    const reached = await state();
    assert.equal(reached.reading, true, 'the file is still being read');
    assert.ok(reached.totalRows < steps);
    // The legend counts it and its tool call (the rest of the file is still unread).
    assert.match(await ed!.page.locator('.legend').innerText(), /^2 failing[^]*Invalid arguments\n2$/);
  });

  it("a read stops by itself, saying why, when the extension host's heap is nearly full; the rows read stay", async () => {
    // The heap fills up at the third event of steps.
    let probes = 0;
    const heap: HeapProbe = () => ({ used: ++probes >= 3 ? 3.5 * 2 ** 30 : 2 ** 30, limit: 4 * 2 ** 30 });
    const { steps } = await openReading(undefined, undefined, heap);
    await ed!.page.waitForSelector('[role=tree] [role=treeitem]');
    await until('the note', async () => /Reading stopped at \d+%: the extension host's memory is nearly full \(3\.5 of 4\.0 GB in use\)/.test(await bar().innerText()));
    assert.match(await bar().innerText(), /split the file to read the rest/);
    const rows = (await state()).totalRows;
    assert.ok(rows > 0 && rows < steps, `${rows} rows kept of ${steps}`);
    assert.equal(await bar().getByRole('button', { name: 'Cancel' }).count(), 0, 'nothing is being read any more');
  });

  it('Cancel keeps the rows read so far and says only the start is shown', async () => {
    const { steps } = await openReading();
    await ed!.page.waitForSelector('[role=tree] [role=treeitem]');
    await bar().getByRole('button', { name: 'Cancel' }).click();
    await until('the note', async () => /Reading was cancelled at \d+%:/.test(await bar().innerText()));
    const rows = (await state()).totalRows;
    assert.ok(rows > 0 && rows < steps, `${rows} rows kept of ${steps}`);
    assert.equal(await bar().getByRole('button', { name: 'Cancel' }).count(), 0);
  });
});
