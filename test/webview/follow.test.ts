/**
 * Follow, in the trace editor (headless Chromium): when the host says the file is growing, Follow
 * comes on and keeps the newest step selected and in view as steps are appended; scrolling up or
 * selecting an older step turns it off (the reader is looking at something); End and `f` turn it
 * back on; the button shows only while the file is live.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetWebviewState, LiveStateChanged, SelectStepNotification, SetFollow, TraceChanged } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TraceFile } from '../../src/host/editor/trace-file';
import { PROJECT_ROOT } from '../support/shared';
import { WebviewHarness, until, type OpenedEditor } from './harness';

const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'live', title: 'live run' });
const steps = (n: number): string[] => Array.from({ length: n }, (_, i) => JSON.stringify({ type: 'step', id: `s${i + 1}`, kind: 'tool', name: `call ${i + 1}` }));
const bytes = (n: number): Uint8Array => new TextEncoder().encode([header, ...steps(n)].join('\n') + '\n');

describe('Follow a growing trace (headless Chromium)', function () {
  // A guard against a hang, not a time budget: each wait has its own deadline.
  this.timeout(180_000);
  const harness = new WebviewHarness();
  let ed: OpenedEditor | undefined;
  before(async () => { await harness.start(); });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  const state = () => ed!.host.sendRequest(GetWebviewState, {});

  /** Append up to `n` steps in the file and tell the page, as the host does after a read. */
  async function growTo(file: TraceFile, n: number): Promise<void> {
    assert.equal(file.reload(bytes(n)).kind, 'appended');
    ed!.host.sendNotification(TraceChanged, { kind: 'appended', stepCounts: [n] });
    await until(`${n} rows`, async () => (await state()).totalRows === n);
  }

  it('follows the newest step while the file grows; scrolling up stops it, End resumes it', async () => {
    const file = TraceFile.fromBytes('/t/live.trace.jsonl', bytes(80), { taxonomy: DEFAULT_TAXONOMY });
    ed = await harness.open(file);
    await ed.page.waitForSelector('[role=tree] [role=treeitem]');
    const follow = ed.page.locator('.follow-button');
    assert.equal(await follow.isVisible(), false, 'no Follow button for a file that is not growing');
    assert.equal((await state()).live, false);

    ed.host.sendNotification(LiveStateChanged, { live: true });
    await until('Follow on, the newest step selected', async () => { const s = await state(); return s.follow === true && s.selectedId === 's80'; });
    await ed.page.getByText('The trace file is growing: following its newest step').waitFor();
    assert.equal(await follow.getAttribute('aria-pressed'), 'true');

    await growTo(file, 120);
    await until('s120 selected', async () => (await state()).selectedId === 's120');
    const followed = await state();
    assert.equal(followed.follow, true);
    assert.equal(followed.lastRowInView, true, 'the newest row is in view');
    assert.equal(await ed.page.getByText('The trace grew').count(), 0, 'a live file does not announce each growth');

    // The reader scrolls up to look at something: Follow goes off, and growth no longer moves the list.
    await ed.page.locator('[role=tree]').evaluate((list) => { list.scrollTop = 0; });
    await until('Follow off after scrolling up', async () => (await state()).follow === false);
    assert.equal(await follow.getAttribute('aria-pressed'), 'false');
    await growTo(file, 130);
    const stayed = await state();
    assert.equal(stayed.selectedId, 's120', 'the selection stays where the reader left it');
    assert.equal(stayed.lastRowInView, false);

    // End follows again.
    await ed.page.locator('[role=tree]').focus();
    await ed.page.keyboard.press('End');
    await until('Follow on again at s130', async () => { const s = await state(); return s.follow === true && s.selectedId === 's130' && s.lastRowInView === true; });
  });

  it('selecting an older step turns Follow off; f and the host (status bar) toggle it; it hides when the file stops growing', async () => {
    const file = TraceFile.fromBytes('/t/live.trace.jsonl', bytes(20), { taxonomy: DEFAULT_TAXONOMY });
    ed = await harness.open(file);
    await ed.page.waitForSelector('[role=tree] [role=treeitem]');
    ed.host.sendNotification(LiveStateChanged, { live: true });
    await until('following', async () => (await state()).follow === true);

    ed.host.sendNotification(SelectStepNotification, { traceIndex: 0, index: 4 });
    await until('Follow off after selecting s5', async () => { const s = await state(); return s.selectedId === 's5' && s.follow === false; });
    await growTo(file, 25);
    assert.equal((await state()).selectedId, 's5');

    await ed.page.locator('[role=tree]').focus();
    await ed.page.keyboard.press('f');
    await until('f follows: s25', async () => { const s = await state(); return s.follow === true && s.selectedId === 's25'; });
    ed.host.sendNotification(SetFollow, {});
    await until('the host toggles it off', async () => (await state()).follow === false);
    ed.host.sendNotification(SetFollow, { follow: true });
    await until('and on', async () => (await state()).follow === true);

    ed.host.sendNotification(LiveStateChanged, { live: false });
    await until('not live', async () => (await state()).live === false);
    assert.equal(await ed.page.locator('.follow-button').isVisible(), false, 'the button hides when the file stops growing');
    await ed.page.getByText('The trace file stopped growing.').waitFor();
    await ed.page.keyboard.press('f');
    await ed.page.getByText('The trace file is not growing: there is nothing to follow.').waitFor();
  });

  it('looks right following, in light and dark (screenshots)', async () => {
    const dir = join(PROJECT_ROOT, 'test-results', 'screenshots');
    mkdirSync(dir, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      const file = TraceFile.fromBytes('/t/live.trace.jsonl', bytes(40), { taxonomy: DEFAULT_TAXONOMY });
      ed = await harness.open(file, { theme, width: 1100, height: 520 });
      await ed.page.waitForSelector('[role=tree] [role=treeitem]');
      ed.host.sendNotification(LiveStateChanged, { live: true });
      await until('following s40', async () => { const s = await state(); return s.follow === true && s.selectedId === 's40'; });
      assert.equal(await ed.page.locator('.follow-button').isVisible(), true);
      await ed.page.screenshot({ path: join(dir, `follow-${theme}.png`) });
      await ed.close();
      ed = undefined;
    }
  });

  it('does not take over when the reader has an older step selected as the file starts growing', async () => {
    const file = TraceFile.fromBytes('/t/live.trace.jsonl', bytes(10), { taxonomy: DEFAULT_TAXONOMY });
    ed = await harness.open(file);
    await ed.page.waitForSelector('[role=tree] [role=treeitem]');
    ed.host.sendNotification(SelectStepNotification, { traceIndex: 0, index: 2 });
    await until('s3 selected', async () => (await state()).selectedId === 's3');
    await growTo(file, 12);
    ed.host.sendNotification(LiveStateChanged, { live: true });
    await until('live', async () => (await state()).live === true);
    const now = await state();
    assert.equal(now.follow, false);
    assert.equal(now.selectedId, 's3', 'the reader keeps the step they were looking at');
    assert.equal(await ed.page.locator('.follow-button').getAttribute('aria-pressed'), 'false');
    await ed.page.getByText('The trace file is growing (f follows its newest step).').waitFor();
  });
});
