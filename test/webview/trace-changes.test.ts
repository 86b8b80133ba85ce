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

  it('a rewrite that moved only later steps (a parent span written after its children) refreshes in place: the page is never blank, collapsed rows before it stay collapsed, the selection follows its step', async () => {
    const tree = [step('a', { kind: 'agent' }), step('a1', { parentId: 'a' }), step('a2', { parentId: 'a' }), step('b', { kind: 'agent' }), step('b1', { parentId: 'b' })];
    const file = TraceFile.fromBytes('/t/live.trace.jsonl', bytes(...tree, step('c1'), step('c2', { status: 'error', error: { message: 'boom' } })), { taxonomy: DEFAULT_TAXONOMY });
    ed = await harness.open(file);
    await ed.page.waitForSelector('[role=tree] [role=treeitem]');
    // Collapse `a`, then select c2.
    ed.host.sendNotification(SelectStepNotification, { traceIndex: 0, index: 0 });
    await until('a selected', async () => (await state()).selectedId === 'a');
    await ed.page.locator('[role=tree]').focus();
    await ed.page.keyboard.press('ArrowLeft');
    await until('a collapsed', async () => (await state()).totalRows === 5);
    ed.host.sendNotification(SelectStepNotification, { traceIndex: 0, index: 6 });
    await until('c2 selected', async () => (await state()).selectedId === 'c2');
    await ed.page.locator('[role=tree]').focus();
    // From here on: the fewest rows shown at any moment, and whether the toolbar was built again.
    await ed.page.evaluate(`(() => {
      const g = globalThis;
      g.fewestRows = Infinity;
      g.toolbar = document.querySelector('header.toolbar');
      new MutationObserver(() => { g.fewestRows = Math.min(g.fewestRows, document.querySelectorAll('[role=treeitem]').length); }).observe(document.body, { subtree: true, childList: true });
    })()`);
    // Their parent c came: it takes its place before them; the first 5 steps keep theirs.
    const r = file.reload(bytes(...tree, step('c', { kind: 'agent' }), step('c1', { parentId: 'c' }), step('c2', { parentId: 'c', status: 'error', error: { message: 'boom' } })));
    assert.deepEqual(r, { kind: 'rewritten', stepCounts: [8], placesKept: [5] });
    ed.host.sendNotification(TraceChanged, { kind: 'rewritten', stepCounts: [8], placesKept: [5] });
    await until('c as a row', async () => (await state()).totalRows === 6);
    const now = await state();
    assert.equal(now.selectedId, 'c2');
    assert.equal(now.selectedIndex, 7);
    assert.deepEqual(now.collapsed, [0], 'a stays collapsed');
    assert.match(now.detailsTitle ?? '', /call c2/);
    const probe = await ed.page.evaluate(`({ fewestRows: globalThis.fewestRows, sameToolbar: globalThis.toolbar === document.querySelector('header.toolbar') })`) as { fewestRows: number; sameToolbar: boolean };
    assert.ok(probe.fewestRows >= 5, `rows shown at the fewest: ${probe.fewestRows}`);
    assert.equal(probe.sameToolbar, true, 'the page was not built again');
    assert.equal(await ed.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('role')), 'tree', 'the step list keeps the keyboard focus');
    await ed.page.getByText('The trace changed on disk and was read again.').waitFor({ state: 'attached' });
    // The timeline showed the whole trace: it shows the whole of it as it is now.
    const range = file.session(0).summary().timeRange;
    await until('the timeline window over the whole trace', async () => {
      const saved = await ed!.page.evaluate('globalThis.__atdSavedState') as { timeline?: { start: number; end: number } } | null;
      return saved?.timeline?.start === range.start && saved.timeline.end === range.end;
    });
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
