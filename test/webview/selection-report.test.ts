/**
 * The trace editor tells the host which step the user selected (StepSelectedNotification), so a
 * debugger on the file follows (src/host/debug): once per pause in the user's moves, and never for
 * a selection the host asked for (SelectStepNotification, a debugger stop) or a tab restoring its
 * saved selection, which would move the debugger back to where the tab was.
 */
import { strict as assert } from 'node:assert';
import { SelectStepNotification, StepSelectedNotification } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TraceFile } from '../../src/host/editor/trace-file';
import { generateTrace } from '../support/generate-traces';
import { until, WebviewHarness, type OpenedEditor } from './harness';

const SELECTED = '[role=treeitem][aria-selected="true"]';

describe('trace editor webview: the user\'s selection reaches the host (headless Chromium)', function () {
  this.timeout(180_000);
  const harness = new WebviewHarness();
  const file = TraceFile.fromBytes('/traces/run.jsonl', new TextEncoder().encode(generateTrace({ steps: 60, timestamps: true, failEvery: 5 })), { taxonomy: DEFAULT_TAXONOMY });
  let ed: OpenedEditor | undefined;
  before(async () => { await harness.start(); });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  async function open(opts: { savedState?: unknown; fakeClock?: boolean } = {}): Promise<{ ed: OpenedEditor; reported: { traceIndex: number; index: number; stepId: string }[] }> {
    ed = await harness.open(file, opts);
    const reported: { traceIndex: number; index: number; stepId: string }[] = [];
    ed.host.onNotification(StepSelectedNotification, (p) => reported.push(p));
    return { ed, reported };
  }

  it('reports the step the user settles on, with its id, once per pause', async () => {
    const { ed: { page }, reported } = await open();
    await page.waitForSelector('[role=tree] [role=treeitem]');
    for (let i = 0; i < 4; i++) await page.keyboard.press('j');
    await page.waitForSelector(`${SELECTED}[data-index="3"]`);
    await until('the host to hear of step 3', () => reported.at(-1)?.index === 3);
    assert.deepEqual(reported.at(-1), { traceIndex: 0, index: 3, stepId: file.session(0).steps[3].id });
    assert.ok(reported.length <= 4, `at most one report per key (${reported.length})`);
  });

  it('does not report a selection the host asked for, nor a restored one', async () => {
    // The page's timers on Playwright's clock: a report the page meant to send is sent when the clock runs past its debounce.
    const { ed: { page, host }, reported } = await open({ fakeClock: true, savedState: { traceIndex: 0, selectedIndex: 7, collapsed: [], failuresOnly: false, categories: [], searchQuery: '', scrollRow: 0, timeline: null } });
    await page.waitForSelector(`${SELECTED}[data-index="7"]`);
    await page.clock.runFor(2000);
    host.sendNotification(SelectStepNotification, { index: 20 });
    await page.waitForSelector(`${SELECTED}[data-index="20"]`);
    await page.clock.runFor(2000);
    // The user's next move is reported, after any report of 7 or 20 would have been sent.
    await page.keyboard.press('j');
    await page.waitForSelector(`${SELECTED}[data-index="21"]`);
    await page.clock.runFor(2000);
    await until('the host to hear of step 21', () => reported.some((r) => r.index === 21));
    assert.deepEqual(reported.map((r) => r.index), [21]);
  });
});
