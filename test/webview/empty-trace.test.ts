/**
 * A trace without steps (kept among the other runs of its file, so trace numbers stay as written)
 * shows an empty state; keys that move the selection do nothing, instead of the host's
 * "no step 0 in this trace (it has 0)".
 */
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { GetWebviewState } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TraceFile } from '../../src/host/editor/trace-file';
import { WebviewHarness, until, type OpenedEditor } from './harness';

declare class Event { constructor(type: string) }

const DETAILS = '[role=region][aria-label="Step details"]';
const header = (id: string): string => `{"type":"trace","format":"agent-trace/v1","id":"${id}","title":"run ${id}"}`;
const step = (id: string): string => `{"type":"step","id":"${id}","kind":"agent","name":"root ${id}"}`;

async function statusText(page: Page): Promise<string> {
  return page.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText);
}

describe('an empty trace in the editor (headless Chromium)', function () {
  // A guard against a hang, not a time budget: each wait has its own deadline (WAIT_MS).
  this.timeout(180_000);
  const harness = new WebviewHarness();
  let ed: OpenedEditor | undefined;
  before(async () => { await harness.start(); });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  it('shows that the trace has no steps, and j, n and End select nothing without an error', async () => {
    const file = TraceFile.fromBytes('/traces/runs.trace.jsonl', new TextEncoder().encode([header('a'), step('x'), header('b')].join('\n')), { taxonomy: DEFAULT_TAXONOMY });
    assert.deepEqual(file.traces.map((t) => t.steps.length), [1, 0]);
    ed = await harness.open(file);
    const { page, host } = ed;
    await page.waitForSelector('[role=tree] [role=treeitem]');
    const picker = page.locator('vscode-single-select');
    await picker.evaluate((e) => { (e as unknown as { value: string }).value = '1'; e.dispatchEvent(new Event('change')); });
    await until('the empty trace is shown', async () => (await host.sendRequest(GetWebviewState, {})).traceIndex === 1);
    await page.locator(DETAILS).getByText('This trace has no steps').waitFor();
    for (const key of ['j', 'k', 'n', 'End', 'Home']) await page.keyboard.press(key);
    // The requests the keys made have all been answered once the state request is.
    const state = await host.sendRequest(GetWebviewState, {});
    assert.equal(state.selectedIndex, null);
    const text = await statusText(page);
    assert.doesNotMatch(text, /no step 0|Something went wrong/);
  });
});
