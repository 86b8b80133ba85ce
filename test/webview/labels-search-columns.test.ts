/**
 * Issue 8 in the trace editor webview (headless Chromium, real host handlers, real shared traces):
 * imported human and benchmark labels are failures (row, details, legend, timeline, minimap, n/p,
 * Failures only) and the run's verdict shows in the header and the trace picker; the step column
 * is resizable with the keyboard and the pointer (kept in the webview state) and long names get a
 * tooltip; search is incremental, says "k of n" and highlights its matches.
 * Screenshots (light and dark) go to test-results/screenshots/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { GetWebviewState } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TraceFile } from '../../src/host/editor/trace-file';
import { generateTrace } from '../support/generate-traces';
import { PROJECT_ROOT, sharedPath } from '../support/shared';
import { painted, WAIT_MS, WebviewHarness, type OpenedEditor, type Theme } from './harness';

// Page-side globals (the host tsconfig has no DOM lib on purpose).
interface PageElement { textContent: string | null; getAttribute(name: string): string | null; getBoundingClientRect(): { width: number; left: number; right: number }; scrollWidth: number; clientWidth: number }
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): { length: number }; activeElement: PageElement | null };
declare const window: Record<string, unknown>;
declare const CSS: { highlights: { get(name: string): { size: number } | undefined } };
declare function getComputedStyle(e: unknown): { color: string };

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');
const ROW = '[role=tree] [role=treeitem]';
const SELECTED = '[role=treeitem][aria-selected="true"]';
const DETAILS = '[role=region][aria-label="Step details"]';

function openShared(rel: string): TraceFile {
  const path = sharedPath('traces', rel);
  return TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }, (r) => {
    try { return readFileSync(resolve(dirname(path), r)); } catch { return undefined; }
  });
}

async function waitForSelected(page: Page, index: number): Promise<void> {
  await page.waitForSelector(`${SELECTED}[data-index="${index}"]`, { timeout: WAIT_MS });
}

async function savedState(page: Page): Promise<Record<string, unknown> | undefined> {
  return page.evaluate(() => window.__atdSavedState as Record<string, unknown> | undefined);
}

describe('trace editor webview: imported labels, run verdict, column resizing, incremental search', function () {
  // A guard against a hang, not a time budget: each wait has its own deadline (WAIT_MS).
  this.timeout(180_000);
  const harness = new WebviewHarness();
  let ed: OpenedEditor | undefined;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await harness.start();
  });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await closeEditor(); });

  async function closeEditor(): Promise<void> {
    const current = ed;
    ed = undefined;
    await current?.close();
  }

  async function open(file: TraceFile, opts: { theme?: Theme; savedState?: unknown; width?: number } = {}): Promise<OpenedEditor> {
    ed = await harness.open(file, opts);
    return ed;
  }

  // Who&When Hand-Crafted/1.json: 29 steps, the mistake at history[12] (step 13), no detector finding.
  const whoAndWhen = openShared('who-and-when/Hand-Crafted/1.json');
  const MISTAKE = 12;

  it('shows a Who&When mistake step as failing and labelled, reachable with n and kept by Failures only', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const { page } = await open(whoAndWhen, { theme });
      await page.waitForSelector(ROW);
      const legend = (await page.locator('.legend').textContent()) ?? '';
      assert.doesNotMatch(legend, /No failures found/, 'the header does not call the run clean');
      assert.match(legend, /1 failing \(1 labelled\)/);
      assert.match(legend, /Who&When labels\s*1/, 'a legend chip for the labels');
      const verdict = page.locator('.verdict');
      assert.equal(await verdict.getAttribute('data-outcome'), 'fail');
      assert.match((await verdict.textContent()) ?? '', /^Run failed.*is_correct: false/);

      const row = page.locator(`${ROW}[data-index="${MISTAKE}"]`);
      await row.waitFor();
      assert.match((await row.getAttribute('class')) ?? '', /\bfailed\b/);
      assert.match((await row.getAttribute('class')) ?? '', /\blabelled\b/);
      assert.equal(await row.locator('.col-status .codicon-pass').count(), 0, 'no green "ok" on the labelled step');
      assert.equal(await row.locator('.col-tags .codicon-bookmark').getAttribute('aria-label'), 'an imported label: Who&When: mistake');
      assert.match((await row.locator('.col-tags').getAttribute('title')) ?? '', /Labelled Who&When: mistake/);

      const canvas = page.locator('.timeline-canvas');
      assert.match((await canvas.getAttribute('aria-label')) ?? '', /1 labelled by the source marked with diamonds/);

      await page.keyboard.press('n');
      await waitForSelected(page, MISTAKE);
      await page.locator(`${DETAILS} .labelled-pill`).waitFor();
      assert.equal(await page.locator(`${DETAILS} .status-pill.failed`).textContent(), 'failed');
      assert.match((await page.locator(`${DETAILS} .section-labels`).textContent()) ?? '', /mistake/);
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `labels-who-and-when-${theme}.png`) });
      await closeEditor();
    }

    const { page, host } = await open(whoAndWhen);
    await page.waitForSelector(ROW);
    await page.locator('vscode-checkbox').click();
    await page.waitForFunction(() => document.querySelectorAll('[role=treeitem]').length === 1);
    const state = await host.sendRequest(GetWebviewState, {}, { timeoutMs: 5000 });
    assert.deepEqual(state.renderedIndexes, [MISTAKE], '"Failures only" keeps the labelled step');
    await page.locator('vscode-checkbox').click();
    await page.waitForFunction(() => document.querySelectorAll('[role=treeitem]').length === 29);
    await page.locator('.legend .chip[data-category="label:who-and-when"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[role=treeitem]').length === 1);
  });

  it('shows the calls the user declined in a Claude Code session as stopped by the user, not as failures', async () => {
    // claude-code/short.jsonl: the user declined steps 3 (Bash) and 4 (Glob); error status, no finding.
    const { page } = await open(openShared('claude-code/short.jsonl'));
    await page.waitForSelector(ROW);
    assert.match((await page.locator('.legend').textContent()) ?? '', /No failures found in 7 steps/);
    for (const index of [2, 3]) {
      const row = page.locator(`${ROW}[data-index="${index}"]`);
      assert.doesNotMatch((await row.getAttribute('class')) ?? '', /\bfailed\b/);
      const icon = row.locator('.col-status .codicon-circle-slash');
      assert.equal(await icon.getAttribute('aria-label'), 'stopped by the user');
      assert.match((await icon.getAttribute('title')) ?? '', /declined or interrupted/);
    }
    await page.locator(`${ROW}[data-index="2"]`).click();
    await waitForSelected(page, 2);
    await page.locator(`${DETAILS} .status-pill.error`).waitFor();
    assert.equal(await page.locator(`${DETAILS} .status-pill.error`).textContent(), 'stopped by the user');
    assert.equal(await page.locator(`${DETAILS} .details-header .status-pill.failed`).count(), 0, 'the header does not say failed');
  });

  it('draws a turn still running (no end of its own) as far as its steps reach, and says so', async () => {
    // A Codex CLI rollout cut during its first turn (no task_complete): the turn started at
    // 12:19:42.562, its model replied until 12:19:52.620 and its command had not returned.
    const { page } = await open(openShared('codex-cli/rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl'));
    await page.waitForSelector(ROW);
    const turn = page.locator(`${ROW}[data-index="7"]`);
    assert.match((await turn.textContent()) ?? '', /turn 1/);
    assert.equal(await turn.locator('.duration-text').textContent(), '', 'no duration of its own (it read "<1 ms")');
    assert.equal(await turn.locator('.col-duration').getAttribute('title'), 'no end recorded for this step; its steps run for 10.1 s');
  });

  it("shows a terminal's output without its escape sequences (Claude Code's /model output)", async () => {
    // The session's last line is the command's stdout with bold on and off: "\u001b[1mDefault (recommended)\u001b[22m".
    const { page } = await open(openShared('claude-code/short.jsonl'));
    await page.waitForSelector(ROW);
    const row = page.locator(`${ROW}[data-index="6"]`);
    assert.match((await row.locator('.step-name').textContent()) ?? '', /^command output: Kept model as Default \(recommended\)/);
    await row.click();
    await waitForSelected(page, 6);
    await page.locator(`${DETAILS} .message-content`).first().waitFor();
    const shown = await page.locator(DETAILS).evaluate((d) => [d.querySelector('.details-title')?.textContent ?? '', d.querySelector('.message-content')?.textContent ?? '']);
    assert.match(shown[0], /^command output: Kept model as Default \(recommended\)/);
    assert.equal(shown[1], '<local-command-stdout>Kept model as Default (recommended)</local-command-stdout>');
    assert.ok(!shown.join('').includes('\u001b'), 'no escape character shown');
  });

  it("shows each call's and reply's gist after its name, dimmed, and cuts it before the name", async () => {
    // Claude Code: step 2 is the model's reply, step 3 runs Bash with `mix phx.server 2>&1 | head -80`.
    const { page } = await open(openShared('claude-code/short.jsonl'));
    await page.waitForSelector(ROW);
    const bash = page.locator(`${ROW}[data-index="2"]`);
    assert.equal(await bash.locator('.step-name').textContent(), 'Bash');
    assert.equal(await bash.locator('.step-detail').textContent(), 'mix phx.server 2>&1 | head -80');
    assert.equal(await bash.locator('.col-tree').getAttribute('title'), 'Bash\nmix phx.server 2>&1 | head -80', 'the tooltip has both');
    assert.equal(await page.locator(`${ROW}[data-index="1"] .step-detail`).textContent(), 'Let me check the project structure and try running the server to see the error.', "a model reply's first line");
    assert.equal(await page.locator(`${ROW}[data-index="0"] .step-detail`).count(), 0, 'a user message has none: its name is its text');
    const colors = await bash.evaluate((r) => ['.step-name', '.step-detail'].map((c) => getComputedStyle((r as unknown as { querySelector(s: string): unknown }).querySelector(c)).color));
    assert.notEqual(colors[0], colors[1], 'the gist is dimmed');
    // The narrowest step column: the name is whole, the gist cut (or gone).
    await page.locator('[role=separator][aria-label="Resize the step column"]').focus();
    await page.keyboard.press('Home');
    await painted(page);
    const [name, detail] = await bash.evaluate((r) => ['.step-name', '.step-detail'].map((c) => {
      const e = (r as unknown as { querySelector(s: string): PageElement }).querySelector(c);
      return { cut: e.scrollWidth > e.clientWidth, width: e.clientWidth };
    }));
    assert.equal(name.cut, false, 'the name is whole');
    assert.ok(detail.cut, `the gist is cut (${detail.width} px shown)`);
    // A search matching the gist marks it there.
    await page.keyboard.press('/');
    await page.keyboard.type('phx.server');
    await page.locator(`${ROW}[data-index="2"] .step-detail mark.search-hit`).waitFor({ timeout: WAIT_MS });
  });

  it('shows no duration for a step without times of its own (a hosted web search), and its query once', async () => {
    // The OpenAI Agents SDK export: the response's web search (step 3) has no span, so no times.
    const { page } = await open(openShared('openai-agents-sdk-traces/traces_2025-06-29_00-23-37.json'));
    await page.waitForSelector(ROW);
    const search = page.locator(`${ROW}[data-index="2"]`);
    assert.match((await search.textContent()) ?? '', /web_search/);
    assert.equal(await search.locator('.duration-text').textContent(), '', 'not "<1 ms"');
    assert.match((await search.locator('.col-duration').getAttribute('title')) ?? '', /no duration recorded for this step/);
    assert.equal(await page.locator(`${ROW}[data-index="1"] .duration-text`).textContent(), '9.61 s');
    // Its details show the query once, as the call's arguments (its input is the same value).
    await search.click();
    await waitForSelected(page, 2);
    await page.locator(`${DETAILS} .section-tool-call`).waitFor();
    assert.match((await page.locator(`${DETAILS} .section-tool-call`).textContent()) ?? '', /success criteria for a workshop/);
    assert.equal(await page.locator(`${DETAILS} .section-input`).count(), 0, 'no Input section repeating the arguments');
  });

  it('shows a tool\'s JSON answer as a tree, and a string of many lines as its lines', async () => {
    // Inspect AI's browser run: step 16's output is the JSON-RPC reply of the sandbox, as text.
    const inspect = openShared('inspect-ai/2025-05-12T20-27-36-04-00_browser.json');
    for (const theme of ['light', 'dark'] as const) {
      const { page } = await open(inspect, { theme });
      await page.waitForSelector(ROW);
      await page.locator(`${ROW}[data-index="15"]`).click();
      await waitForSelected(page, 15);
      const output = page.locator(`${DETAILS} .section-output`);
      await output.locator('.json-in-text').waitFor();
      assert.deepEqual(await output.locator('.json-key').allTextContents(), ['jsonrpc: ', 'result: ', 'web_url: ', 'main_content: ', 'web_at: ', 'error: ', 'id: ']);
      const lines = output.locator('.json-lines');
      assert.equal(await lines.count(), 1);
      const text = (await lines.textContent()) ?? '';
      assert.ok(text.startsWith('[793] link "We are now the AI Security Institute"'), text.slice(0, 80));
      assert.ok(text.includes('\n[513] StaticText "A"'), 'real line breaks, no escapes');
      assert.equal(await output.locator('.value-text').count(), 0, 'not the JSON text');
      await painted(page);
      await page.locator(DETAILS).screenshot({ path: join(SCREENSHOTS, `details-json-in-text-${theme}.png`) });
      await closeEditor();
    }
  });

  it('colours a submitted patch as a diff, line by line, its text unchanged', async () => {
    // SWE-agent: the run ends with its submission, the patch as the exit step's output.
    const file = openShared('swe-agent/6e44b9__sweagenttestrepo-1c2844.traj');
    const exit = file.traces[0].steps.length - 1;
    const { page } = await open(file);
    await page.waitForSelector(ROW);
    await page.locator(`${ROW}[data-index="${exit}"]`).click();
    await waitForSelected(page, exit);
    const patch = page.locator(`${DETAILS} .section-output .patch-text`);
    await patch.waitFor();
    // The patch's lines end in CR LF: each line keeps its CR (the text is as it was).
    const texts = async (kind: string): Promise<string[]> => (await patch.locator(`.patch-${kind}`).allTextContents()).map((t) => t.replace(/\r$/, ''));
    assert.deepEqual(await texts('removed'), ['-def division(a: float, b: float) -> float']);
    assert.deepEqual(await texts('added'), ['+def division(a: float, b: float) -> float:']);
    assert.deepEqual(await texts('hunk'), ['@@ -1,7 +1,7 @@']);
    const lines = await patch.locator('.patch-line').allTextContents();
    assert.equal(lines.join('\n'), String(file.traces[0].steps[exit].output?.value), 'the text as it was, a line each');
  });

  it('counts one step in the singular (a one-call LangSmith run)', async () => {
    const { page } = await open(openShared('langsmith/langsmith_py_wrap_openai_reasoning.json'));
    await page.waitForSelector(ROW);
    assert.equal((await page.locator('.legend').textContent())?.trim(), 'No failures found in 1 step.');
    assert.match((await page.locator('.timeline-canvas').getAttribute('aria-label')) ?? '', /^Timeline of 1 step\. /);
  });

  it('keeps the toolbar of a file of many runs on one row at 1,060 px (picker, search, Failures only, Promote)', async () => {
    // MAST: 19 runs, so the toolbar has the run picker too; 1,060 px is the editor beside VS Code's side bar on a 1,440 px screen.
    const { page } = await open(openShared('mast/MAD_human_labelled_dataset.json'), { width: 1060 });
    await page.waitForSelector(ROW);
    const boxes = await page.evaluate(() => {
      type Box = { top: number; bottom: number; width: number; height: number };
      const bar = document.querySelector('.toolbar') as unknown as { children: ArrayLike<{ getBoundingClientRect(): Box }> };
      return Array.from(bar.children).map((c) => c.getBoundingClientRect()).filter((b) => b.width > 0 && b.height > 0).map((b) => ({ top: b.top, bottom: b.bottom }));
    });
    assert.ok(boxes.length >= 4, `${boxes.length} toolbar items`);
    // One row: every item starts above where every other ends.
    const lowestTop = Math.max(...boxes.map((b) => b.top));
    const highestBottom = Math.min(...boxes.map((b) => b.bottom));
    assert.ok(lowestTop < highestBottom, `toolbar items from ${boxes.map((b) => `${Math.round(b.top)}-${Math.round(b.bottom)}`).join(', ')} px: wrapped`);
  });

  it('marks a labelled step on the minimap with a diamond in the label colour', async () => {
    const { page } = await open(whoAndWhen, { theme: 'dark' });
    await page.waitForSelector(ROW);
    const summary = whoAndWhen.session(0).summary();
    const marker = summary.failures.find((f) => f.labelled);
    assert.ok(marker);
    const { start, end } = summary.timeRange;
    // The minimap is the canvas's bottom strip (16px), 2px under the diamond's centre row.
    const pixel = await page.locator('.timeline-canvas').evaluate((c, f) => {
      const canvas = c as unknown as { clientWidth: number; clientHeight: number; width: number; getContext(k: string): { getImageData(x: number, y: number, w: number, h: number): { data: number[] } } };
      const dpr = canvas.width / canvas.clientWidth;
      const x = Math.floor(((f.start - f.axisStart) / (f.axisEnd - f.axisStart)) * canvas.clientWidth) + 1;
      const y = canvas.clientHeight - 8;
      return Array.from(canvas.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data).slice(0, 3);
    }, { start: marker.start, axisStart: start, axisEnd: end });
    assert.deepEqual(pixel, [0xbc, 0x3f, 0xbc], 'dark theme --vscode-terminal-ansiMagenta');
  });

  it('shows the run verdict in the header and the trace picker (τ-bench reward 0, Inspect "I" and "C")', async () => {
    // τ-bench run 2 (task 1): reward 0 and no failing step; the header must not say all is fine.
    const tau = openShared('tau-bench/gpt-4o-airline.json');
    assert.equal(tau.session(1).failureCount, 0);
    const { page } = await open(tau, { theme: 'light', savedState: { traceIndex: 1 } });
    await page.waitForSelector(ROW);
    const option = page.locator('vscode-single-select vscode-option').first();
    assert.match((await option.textContent()) ?? '', /^1\. task 0 trial 0 \(32 steps.*\) · Run failed: tau-bench reward 0/);
    // The picker shows the run that was restored, not the first one.
    const picked = await page.locator('vscode-single-select').evaluate((e) => {
      const select = e as unknown as { value: string; selectedIndex: number; shadowRoot: { textContent: string | null } | null };
      return { value: select.value, selectedIndex: select.selectedIndex, face: select.shadowRoot?.textContent ?? '' };
    });
    assert.equal(picked.value, '1');
    assert.equal(picked.selectedIndex, 1);
    assert.match(picked.face, /2\. task 1 trial 0/);
    assert.match((await page.locator('.verdict').textContent()) ?? '', /Run failed\s*tau-bench reward 0/);
    assert.equal(await page.locator('.legend-empty').textContent(), 'No failing step found in 12 steps.');
    assert.equal(await page.locator('.legend-empty .codicon-pass').count(), 0, 'no green tick for a failed run');
    await page.keyboard.press('n');
    await page.waitForFunction(() => /^No step is marked as failing, but the run failed: tau-bench reward 0/.test(document.querySelector('.status-line')?.textContent ?? ''));
    await painted(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'verdict-tau-bench-light.png') });
    await closeEditor();

    // Inspect scored this sample "I": the verdict in the header, and its score step is failing, not a green "ok".
    const incorrect = openShared('inspect-ai/log_formats.json');
    const score = incorrect.session(0).steps.findIndex((st) => st.name === 'score: I');
    const { page: p1 } = await open(incorrect, { theme: 'dark' });
    await p1.waitForSelector(ROW);
    assert.equal(await p1.locator('.verdict').getAttribute('data-outcome'), 'fail');
    assert.match((await p1.locator('.verdict').textContent()) ?? '', /Run failed\s*inspect match "I"/);
    assert.match((await p1.locator('.legend').textContent()) ?? '', /1 failing \(1 labelled\)/);
    await p1.keyboard.press('n');
    await waitForSelected(p1, score);
    assert.equal(await p1.locator(`${ROW}[data-index="${score}"] .col-status .codicon-pass`).count(), 0);
    assert.equal(await p1.locator(`${DETAILS} .status-pill.failed`).textContent(), 'failed');
    await painted(p1);
    await p1.screenshot({ path: join(SCREENSHOTS, 'verdict-inspect-incorrect-dark.png') });
    await closeEditor();

    const inspect = openShared('inspect-ai/2025-05-12T20-27-36-04-00_browser.json');
    const { page: p2 } = await open(inspect, { theme: 'dark' });
    await p2.waitForSelector(ROW);
    assert.equal(await p2.locator('.verdict').getAttribute('data-outcome'), 'pass');
    assert.match((await p2.locator('.verdict').textContent()) ?? '', /Run passed\s*Inspect includes: C \(correct\)/);
    // A state change holds only its patch (in its attributes): they are open; a model call's stay closed.
    const state = inspect.session(0).steps.findIndex((st) => st.name === 'state');
    await p2.locator(`${ROW}[data-index="${state}"]`).click();
    await waitForSelected(p2, state);
    assert.equal(await p2.locator(`${DETAILS} details.section-attributes`).getAttribute('open'), '', 'open');
    assert.match((await p2.locator(`${DETAILS} details.section-attributes`).textContent()) ?? '', /changes/);
    const model = inspect.session(0).steps.findIndex((st) => st.kind === 'llm');
    await p2.locator(`${ROW}[data-index="${model}"]`).click();
    await waitForSelected(p2, model);
    await p2.locator(`${DETAILS} .section-output`).waitFor();
    assert.equal(await p2.locator(`${DETAILS} details.section-attributes`).getAttribute('open'), null, 'closed');
  });

  it('does not call a redacted run clean: it says how many steps were not checked, with or without failures', async () => {
    // A shared Codex CLI rollout published with every argument, message and output a placeholder.
    const rollout = openShared('codex-cli/rollout-2026-02-23T12-40-23-019c8a4c-ed82-79a1-aa28-7738fc5ab61a.jsonl');
    const { page } = await open(rollout, { theme: 'dark' });
    await page.waitForSelector(ROW);
    assert.equal(await page.locator('.legend-empty').textContent(), 'No failures found in 212 steps.');
    assert.equal(await page.locator('.legend-empty .codicon-pass').count(), 0, 'no green tick');
    assert.equal(await page.locator('.legend-empty .codicon-eye-closed').count(), 1);
    assert.equal(await page.locator('.legend-redacted').textContent(), '185 steps redacted, not checked');
    assert.match((await page.locator('.legend-redacted').getAttribute('title')) ?? '', /^185 steps hold a redaction placeholder \(such as "\[REDACTED\]"\) where call arguments or output were/);
    // In the list, each such step's status is "not checked" (an eye closed), not the producer's green tick.
    const redactedIds = new Set(rollout.session(0).rows({ traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] }, 0, 300).rows.filter((r) => r.redacted).map((r) => r.index));
    assert.equal(redactedIds.size, 185);
    const shownRows = await page.locator(ROW).evaluateAll((rows) => rows.map((r) => ({
      index: Number(r.getAttribute('data-index')),
      status: r.querySelector('.col-status .codicon')?.className.replace(/^codicon codicon-/, '') ?? '',
      label: r.querySelector('.col-status .codicon')?.getAttribute('aria-label') ?? '',
    })));
    assert.ok(shownRows.length > 10, `${shownRows.length} rows shown`);
    for (const r of shownRows) {
      const want = redactedIds.has(r.index) ? ['eye-closed', 'redacted: not checked'] : ['pass', 'ok'];
      assert.deepEqual([r.status, r.label], want, `row ${r.index}`);
    }
    assert.ok(shownRows.some((r) => r.status === 'eye-closed') && shownRows.some((r) => r.status === 'pass'), 'both kinds among the rows shown');
    // Its details say so beside its status.
    const firstRedacted = Math.min(...redactedIds);
    await page.locator(`${ROW}[data-index="${firstRedacted}"]`).click();
    await page.waitForSelector('.details-title-row .redacted-pill');
    assert.equal(await page.locator('.details-title-row .redacted-pill').textContent(), 'redacted: not checked');
    const notRedacted = shownRows.find((r) => !redactedIds.has(r.index))!.index;
    await page.locator(`${ROW}[data-index="${notRedacted}"]`).click();
    await page.waitForSelector(`${ROW}[data-index="${notRedacted}"][aria-selected="true"]`);
    await page.waitForFunction(() => !document.querySelector('.details-title-row .redacted-pill'));
    await closeEditor();

    // The small weather run (one failed call) with its last reply redacted: the failure, and the note beside it.
    const small = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'export', 'small.jsonl'), 'utf8');
    const redacted = TraceFile.fromBytes('/traces/redacted.jsonl', new TextEncoder().encode(
      small.replaceAll('"content":"SF is 18C. NYC is sunny."', '"content":"[REDACTED]"'),
    ), { taxonomy: DEFAULT_TAXONOMY });
    const { page: p2 } = await open(redacted, { theme: 'light' });
    await p2.waitForSelector(ROW);
    assert.match((await p2.locator('.legend-title').textContent()) ?? '', /^1 failing/);
    assert.equal(await p2.locator('.legend-redacted').textContent(), '1 step redacted, not checked');
    assert.match((await p2.locator('.legend-redacted').getAttribute('title')) ?? '', /^A step holds a redaction placeholder/);
  });

  const longName = `a_tool_with_a_really_long_name_${'x'.repeat(120)}`;
  const resizable = TraceFile.fromBytes('/traces/long.jsonl', new TextEncoder().encode(
    generateTrace({ steps: 40, timestamps: true, failEvery: 4 }).replace(/"name":"turn 2"/, `"name":"${longName}"`),
  ), { taxonomy: DEFAULT_TAXONOMY });

  async function stepColumnWidth(page: Page): Promise<number> {
    return page.locator('.list-header .col-tree').evaluate((e) => Math.round((e as unknown as PageElement).getBoundingClientRect().width));
  }

  it('resizes the step column with the keyboard on its splitter, keeps rows aligned and saves the width', async () => {
    const { page } = await open(resizable, { theme: 'light' });
    await page.waitForSelector(ROW);
    const long = resizable.session(0).steps.findIndex((s) => s.name === longName);
    assert.ok(long >= 0);
    const name = page.locator(`${ROW}[data-index="${long}"] .col-tree`);
    assert.equal(await name.getAttribute('title'), longName, 'the full name is the tooltip');
    assert.ok(await name.locator('.step-name').evaluate((e) => (e as unknown as PageElement).scrollWidth > (e as unknown as PageElement).clientWidth), 'the name is cut with an ellipsis');

    await page.keyboard.press('j');
    await waitForSelected(page, 0);
    const splitter = page.locator('[role=separator][aria-label="Resize the step column"]');
    await splitter.focus();
    const before = await stepColumnWidth(page);
    assert.equal(Number(await splitter.getAttribute('aria-valuenow')), before);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await stepColumnWidth(page), before + 32, '→ widens by 16 px');
    await page.keyboard.press('Shift+ArrowLeft');
    assert.equal(await stepColumnWidth(page), before - 32, 'Shift+← narrows by 64 px');
    assert.equal(Number(await splitter.getAttribute('aria-valuenow')), before - 32);
    await page.keyboard.press('End');
    const widest = Number(await splitter.getAttribute('aria-valuemax'));
    assert.ok(widest > before + 32);
    assert.equal(await stepColumnWidth(page), widest, 'End: the widest the pane allows, and the layout honours it');
    await page.keyboard.press('Home');
    assert.equal(await stepColumnWidth(page), 120, 'Home: the narrowest');
    // The tree's own keys did not run: the selection and the expansion are unchanged.
    assert.equal(await page.locator(SELECTED).getAttribute('data-index'), '0');
    assert.equal(await page.locator(`${ROW}[data-index="0"]`).getAttribute('aria-expanded'), 'true');
    const rowCell = await page.locator(`${ROW}[data-index="${long}"] .col-tree`).evaluate((e) => Math.round((e as unknown as PageElement).getBoundingClientRect().width));
    assert.equal(rowCell, 120, 'rows follow the header');
    await page.waitForFunction(() => (window.__atdSavedState as { stepColumnWidth?: number } | undefined)?.stepColumnWidth === 120);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window.__atdSavedState as { stepColumnWidth?: number | null } | undefined)?.stepColumnWidth === null);
    assert.equal(await stepColumnWidth(page), before, 'Enter: back to the automatic width');
  });

  it('resizes the step column by dragging, and restores the saved width', async () => {
    const { page } = await open(resizable, { theme: 'dark' });
    await page.waitForSelector(ROW);
    const splitter = page.locator('.column-splitter');
    const box = await splitter.boundingBox();
    assert.ok(box);
    const before = await stepColumnWidth(page);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    assert.equal(await stepColumnWidth(page), before - 60);
    await page.waitForFunction((w) => (window.__atdSavedState as { stepColumnWidth?: number } | undefined)?.stepColumnWidth === w, before - 60);
    const saved = await savedState(page);
    await painted(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'step-column-resized-dark.png') });
    await closeEditor();

    const { page: p2 } = await open(resizable, { theme: 'dark', savedState: saved });
    await p2.waitForSelector(ROW);
    assert.equal(await stepColumnWidth(p2), before - 60, 'the width comes back with the tab');
    await closeEditor();
    // A nonsense saved width is ignored.
    const { page: p3 } = await open(resizable, { theme: 'dark', savedState: { ...saved, stepColumnWidth: 'wide' } });
    await p3.waitForSelector(ROW);
    assert.equal(await stepColumnWidth(p3), before);
  });

  const searchable = TraceFile.fromBytes('/traces/run.jsonl', new TextEncoder().encode(generateTrace({ steps: 120, timestamps: true, failEvery: 5 })), { taxonomy: DEFAULT_TAXONOMY });
  const resets = searchable.session(0).steps.flatMap((s, i) => (/connection reset/.test(s.error?.message ?? '') ? [i] : []));

  it('searches as you type, says "k of n", and marks the matching rows and text', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const { page, requests } = await open(searchable, { theme });
      await page.waitForSelector(ROW);
      await page.keyboard.press('/');
      await page.keyboard.type('connection reset');
      // No Enter: the pause after typing searches.
      await waitForSelected(page, resets[0]);
      await page.waitForFunction((n) => document.querySelector('.match-label')?.textContent === `1 of ${n}`, resets.length);
      assert.ok(requests.filter((r) => r.method === 'search').length >= 1);
      // Rows of every match on screen carry the mark; the others do not.
      const marked = await page.locator(`${ROW}.search-match`).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))));
      const rendered = await page.locator(ROW).evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))));
      assert.deepEqual(marked, resets.filter((i) => rendered.includes(i)));
      assert.equal(await page.locator(`${ROW}.current-match`).getAttribute('data-index'), String(resets[0]));
      // The query is highlighted in the details pane (CSS Custom Highlight API).
      await page.locator(`${DETAILS} .error-message`).waitFor();
      await page.waitForFunction(() => (CSS.highlights.get('atd-search')?.size ?? 0) > 0);
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `search-${theme}.png`) });

      await page.keyboard.press('Enter');
      await waitForSelected(page, resets[1]);
      await page.waitForFunction((n) => document.querySelector('.match-label')?.textContent === `2 of ${n}`, resets.length);
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.press('Shift+Enter');
      await waitForSelected(page, resets[resets.length - 1]);
      await page.waitForFunction((n) => document.querySelector('.match-label')?.textContent === `${n} of ${n}`, resets.length);
      await closeEditor();
    }
  });

  it('refining the query keeps the current match, names show the query marked, and clearing removes the marks', async () => {
    const { page } = await open(searchable);
    await page.waitForSelector(ROW);
    const session = searchable.session(0);
    const target = session.indexOfId('turn-7-tool-2') as number;
    await page.keyboard.press('/');
    await page.keyboard.type('turn-7-tool');
    await page.waitForFunction(() => /^1 of \d+$/.test(document.querySelector('.match-label')?.textContent ?? ''));
    const first = Number(await page.locator(SELECTED).getAttribute('data-index'));
    assert.equal(session.steps[first].id, 'turn-7-tool-1');
    await page.keyboard.type('-2');
    await waitForSelected(page, target);
    await page.waitForFunction(() => document.querySelector('.match-label')?.textContent === '1 of 1');
    // Ids are not shown, so no name mark there; search a name instead.
    const plans = session.search('plan step 1', -1, 'next').matchCount;
    await page.locator('vscode-textfield input').fill('plan step 1');
    await page.waitForFunction((n) => document.querySelector('.match-label')?.textContent?.endsWith(` of ${n}`) ?? false, plans);
    const hit = page.locator(`${ROW}.current-match mark.search-hit`).first();
    assert.equal((await hit.textContent())?.toLowerCase(), 'plan step 1');
    await page.locator('vscode-textfield input').fill('');
    await page.waitForFunction(() => document.querySelectorAll('.search-match').length === 0 && document.querySelector('.match-label')?.textContent === '');
    assert.equal(await page.evaluate(() => CSS.highlights.get('atd-search')?.size ?? 0), 0);
  });
});
