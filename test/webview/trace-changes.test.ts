/**
 * The trace file changes on disk while the editor shows it (the host reads it again and sends
 * TraceChanged): appended steps show up, a rewrite is shown as it is now, and the selection stays
 * on the same step, found by its stable id, even when its position moved.
 */
import { strict as assert } from 'node:assert';
import { GetWebviewState, SelectStepNotification, TraceChanged } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TraceFile } from '../../src/host/editor/trace-file';
import { WebviewHarness, until, type OpenedEditor } from './harness';

const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'live', title: 'live run' });
const step = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'step', id, kind: 'tool', name: `call ${id}`, ...extra });
const bytes = (...lines: string[]): Uint8Array => new TextEncoder().encode([header, ...lines].join('\n') + '\n');

describe('a trace that changes on disk, in the editor (headless Chromium)', function () {
  // A guard against a hang, not a time budget: each wait has its own deadline (WAIT_MS).
  this.timeout(180_000);
  const harness = new WebviewHarness();
  let ed: OpenedEditor | undefined;
  before(async () => { await harness.start(); });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  const state = () => ed!.host.sendRequest(GetWebviewState, {});

  it('shows appended steps and keeps the selection', async () => {
    const file = TraceFile.fromBytes('/t/live.trace.jsonl', bytes(step('s1'), step('s2')), { taxonomy: DEFAULT_TAXONOMY });
    ed = await harness.open(file);
    await ed.page.waitForSelector('[role=tree] [role=treeitem]');
    ed.host.sendNotification(SelectStepNotification, { traceIndex: 0, index: 1 });
    await until('s2 selected', async () => (await state()).selectedId === 's2');
    const r = file.reload(bytes(step('s1'), step('s2'), step('s3', { status: 'error', error: { message: 'boom' } })));
    assert.equal(r.kind, 'appended');
    ed.host.sendNotification(TraceChanged, { kind: 'appended', stepCounts: [3] });
    await until('3 rows', async () => (await state()).totalRows === 3);
    const now = await state();
    assert.equal(now.selectedId, 's2');
    assert.equal(now.selectedIndex, 1);
    await ed.page.getByText('The trace grew: 3 steps.').waitFor();
    await ed.page.locator('[role=treeitem]', { hasText: 'call s3' }).waitFor();
  });

  it('after a rewrite selects the same step at its new position', async () => {
    const file = TraceFile.fromBytes('/t/live.trace.jsonl', bytes(step('s1'), step('s2'), step('s3')), { taxonomy: DEFAULT_TAXONOMY });
    ed = await harness.open(file);
    await ed.page.waitForSelector('[role=tree] [role=treeitem]');
    ed.host.sendNotification(SelectStepNotification, { traceIndex: 0, index: 2 });
    await until('s3 selected', async () => (await state()).selectedId === 's3');
    await ed.page.locator('[role=tree]').focus();
    const r = file.reload(bytes(step('a'), step('b'), step('s1'), step('s3')));
    assert.equal(r.kind, 'rewritten');
    ed.host.sendNotification(TraceChanged, { kind: 'rewritten', stepCounts: [4] });
    await until('4 rows', async () => (await state()).totalRows === 4);
    const now = await state();
    assert.equal(now.selectedId, 's3');
    assert.equal(now.selectedIndex, 3);
    assert.match(now.detailsTitle ?? '', /call s3/);
    assert.equal(await ed.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('role')), 'tree', 'the step list keeps the keyboard focus');
  });
});
