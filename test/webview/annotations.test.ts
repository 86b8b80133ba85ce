/**
 * Tagging, finding review, "reviewed" marks, corrections and promotion in the trace editor
 * webview, driven by keys and clicks in headless Chromium against the REAL host handlers (the
 * annotation document lives in memory in the TraceFile; see harness.ts). Screenshots of the tag
 * picker, the details with tags and the correction editor go to test-results/screenshots/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { AnnotationsChanged, GetWebviewState, SelectStepNotification, type AnnotationOp } from '../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TRAIL_TAXONOMY } from '../../src/core/taxonomy';
import type { AnnotationChange } from '../../src/host/editor/annotation-state';
import { TraceFile, type TraceFileOptions } from '../../src/host/editor/trace-file';
import { generateTrace, hostileTrace, HOSTILE_PAYLOADS } from '../support/generate-traces';
import { PROJECT_ROOT } from '../support/shared';
import { painted, until, WAIT_MS, WebviewHarness, type Logged, type OpenedEditor, type Theme } from './harness';

// Page-side globals for page.evaluate callbacks (the host tsconfig has no DOM lib on purpose).
interface PageElement { textContent: string | null; open: boolean; value: string; getAttribute(name: string): string | null; hidden: boolean }
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
  activeElement: PageElement | null;
};
declare const window: Record<string, unknown>;
type HTMLDetailsElement = PageElement;

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');
const ROW = '[role=tree] [role=treeitem]';
const SELECTED = '[role=treeitem][aria-selected="true"]';
const DETAILS = '[role=region][aria-label="Step details"]';
const PICKER = 'dialog.tag-picker';
const EDITOR = 'dialog.correction-editor';

function fileFromText(name: string, text: string, options: Partial<TraceFileOptions> = {}): TraceFile {
  return TraceFile.fromBytes(`/traces/${name}`, new TextEncoder().encode(text), { taxonomy: DEFAULT_TAXONOMY, ...options });
}

function failingSteps(file: TraceFile): number[] {
  const view = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
  const out: number[] = [];
  for (let i = file.session(0).findFailure(view, -1, 'next'); i !== null; i = file.session(0).findFailure(view, i, 'next')) out.push(i);
  return out;
}

async function waitForSelected(page: Page, index: number): Promise<void> {
  await page.waitForSelector(`${SELECTED}[data-index="${index}"]`);
}

async function waitForDetails(page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => document.querySelector('.details-title')?.textContent === n, name);
}

function edits(requests: Logged[]): { traceIndex: number; index: number; op: AnnotationOp }[] {
  return requests.filter((r) => r.method === 'editAnnotations').map((r) => r.params as { traceIndex: number; index: number; op: AnnotationOp });
}

async function visibleOptions(page: Page): Promise<string[]> {
  return page.locator(`${PICKER} .picker-option:not([hidden])`).evaluateAll((ns) => ns.map((n) => (n as unknown as PageElement).getAttribute('data-category') ?? ''));
}

/** Radio groups move with the arrow keys: from the checked impact to `target`. */
async function chooseImpact(page: Page, from: string, target: string): Promise<void> {
  const order = ['HIGH', 'MEDIUM', 'LOW'];
  const delta = order.indexOf(target) - order.indexOf(from);
  for (let i = 0; i < Math.abs(delta); i++) await page.keyboard.press(delta > 0 ? 'ArrowRight' : 'ArrowLeft');
}

describe('trace editor webview: tagging, review and corrections', function () {
  // A guard against a hang, not a time budget: each wait below has its own deadline (WAIT_MS).
  this.timeout(180_000);
  const harness = new WebviewHarness();
  let ed: OpenedEditor | undefined;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await harness.start();
  });
  after(async () => { await harness.stop(); });
  afterEach(async () => { await ed?.close(); ed = undefined; });

  async function open(file: TraceFile, opts: { theme?: Theme; width?: number; height?: number; fakeClock?: boolean } = {}): Promise<OpenedEditor> {
    ed = await harness.open(file, opts);
    await ed.page.waitForSelector(ROW);
    return ed;
  }

  it('tags a step with the picker: t, type to filter, arrows, Enter, impact, note, Enter', async () => {
    const file = fileFromText('run.jsonl', generateTrace({ steps: 120, timestamps: true, failEvery: 5 }));
    const { page, requests, host } = await open(file);
    await page.keyboard.press('j');
    await waitForSelected(page, 0);
    await waitForDetails(page, 'turn 1');
    await page.keyboard.press('t');
    const picker = page.locator(`${PICKER}[open]`);
    await picker.waitFor();
    assert.equal(await picker.getAttribute('role'), 'dialog');
    const titleId = (await picker.getAttribute('aria-labelledby')) ?? '';
    assert.equal(await page.locator(`#${titleId}`).textContent(), 'Tag step 1: turn 1', 'the dialog is labelled by its title');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'combobox', 'focus starts in the filter');

    const groups = file.tagCategories().groups;
    const all = groups.flatMap((g) => g.categories);
    assert.deepEqual(await visibleOptions(page), all.map((c) => c.id), 'every category, in taxonomy order');
    assert.deepEqual(await page.locator(`${PICKER} .picker-group-name`).allTextContents(), groups.map((g) => g.name), 'one header per top-level category');

    await page.keyboard.type('tool error');
    const expected = all.filter((c) => ['tool', 'error'].every((t) => `${c.id} ${c.name} ${c.definition}`.toLowerCase().includes(t)));
    assert.ok(expected.length >= 2 && expected.length < all.length / 2, `the filter narrows (${expected.length} of ${all.length})`);
    await until('the filter to apply', async () => JSON.stringify(await visibleOptions(page)) === JSON.stringify(expected.map((c) => c.id)));
    assert.match((await page.locator(`${PICKER} .picker-count`).textContent()) ?? '', new RegExp(`^${expected.length} of ${all.length} categories$`));
    // Groups with no match are hidden with their header.
    const shownGroups = await page.locator(`${PICKER} .picker-group:not([hidden]) .picker-group-name`).allTextContents();
    assert.deepEqual(shownGroups, groups.filter((g) => g.categories.some((c) => expected.includes(c))).map((g) => g.name));

    await page.keyboard.press('ArrowDown');
    const chosen = expected[1];
    assert.equal(await page.locator(`${PICKER} .picker-option.active`).getAttribute('data-category'), chosen.id);
    assert.equal(await page.locator(`${PICKER} [role=combobox]`).getAttribute('aria-activedescendant'), await page.locator(`${PICKER} .picker-option.active`).getAttribute('id'));
    await page.keyboard.press('Enter');
    const defaultImpact = chosen.impact ?? 'MEDIUM';
    await page.waitForSelector(`${PICKER} input[name=tag-impact][value=${defaultImpact}]:checked`);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('value')), defaultImpact, 'focus on the default impact');
    const impact = defaultImpact === 'LOW' ? 'HIGH' : 'LOW';
    await chooseImpact(page, defaultImpact, impact);
    await page.keyboard.press('Tab');
    const note = 'Retried the same <b>failing</b> call';
    await page.keyboard.type(note);
    if (!ed) throw new Error('no editor');
    await page.screenshot({ path: join(SCREENSHOTS, 'tag-picker-impact-dark.png') });
    await page.keyboard.press('Enter');
    await picker.waitFor({ state: 'hidden' });

    await until('the edit', () => edits(requests).length === 1);
    assert.deepEqual(edits(requests), [{ traceIndex: 0, index: 0, op: { kind: 'addTag', category: chosen.id, impact, description: note } }]);
    await page.waitForFunction(() => document.querySelector('[data-index="0"] .tag-count')?.textContent === '1');
    const tag = page.locator(`${DETAILS} .section-tags .tag[data-category="${chosen.id}"]`);
    await tag.waitFor();
    const tagText = (await tag.textContent()) ?? '';
    for (const part of [chosen.id, chosen.name, impact, note, 'your tag']) assert.ok(tagText.includes(part), `the tag shows ${part}: ${tagText}`);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tree', 'focus is back on the step list');
    const state = await host.sendRequest(GetWebviewState, {}, { timeoutMs: WAIT_MS });
    assert.deepEqual(state.selectedTags, [chosen.id]);
    assert.equal(state.detailsError, null, 'turn 1 has no error');

    // Escape cancels without an edit and gives focus back.
    await page.keyboard.press('t');
    await picker.waitFor();
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tree');
    assert.equal(edits(requests).length, 1);

    // The remove button takes the tag off again.
    await page.locator(`${DETAILS} button[aria-label="Remove tag ${chosen.id}"]`).click();
    await until('the remove', () => edits(requests).length === 2);
    const removeOp = edits(requests)[1].op as { kind: string; key: string };
    assert.equal(removeOp.kind, 'removeTag');
    await page.waitForFunction(() => !document.querySelector('[data-index="0"] .tag-count'));
    await page.locator(`${DETAILS} .section-tags`).waitFor({ state: 'detached' });
    assert.deepEqual((await host.sendRequest(GetWebviewState, {})).selectedTags, []);
  });

  it('confirms (c) and rejects (x) findings: a rejected finding leaves the badge, the chip count and n/p', async () => {
    const file = fileFromText('run.jsonl', generateTrace({ steps: 120, timestamps: true, failEvery: 5 }));
    const failing = failingSteps(file);
    const session = file.session(0);
    // The first step whose only failure is a finding (no error status): rejecting it makes it not fail.
    const k = failing.findIndex((i) => session.steps[i].status !== 'error' && session.details(i, true).findings.length === 1);
    assert.ok(k >= 2 && failing[k + 1] !== undefined, 'a finding-only failure with failures before and after it');
    const target = failing[k];
    const finding = session.details(target, true).findings[0];
    const { page, requests, host } = await open(file);

    // c on the first failure confirms its finding.
    await page.keyboard.press('n');
    await waitForSelected(page, failing[0]);
    const first = session.details(failing[0], true).findings[0];
    await waitForDetails(page, session.steps[failing[0]].name);
    await page.keyboard.press('c');
    await until('the confirm', () => edits(requests).length === 1);
    assert.deepEqual(edits(requests)[0], { traceIndex: 0, index: failing[0], op: { kind: 'confirmFinding', rule: first.rule, category: first.category } });
    await page.locator(`${DETAILS} .section-findings .review-state.confirmed`).waitFor();
    await page.waitForFunction((i) => document.querySelector(`[data-index="${i}"] .tag-count`)?.textContent === '1', failing[0]);
    assert.deepEqual((await host.sendRequest(GetWebviewState, {})).selectedTags, [first.category]);

    for (let j = 1; j <= k; j++) await page.keyboard.press('n');
    await waitForSelected(page, target);
    await waitForDetails(page, session.steps[target].name);
    const chip = page.locator(`.legend .chip[data-category="${finding.category}"] .chip-count`);
    const before = Number(await chip.textContent());
    assert.equal(await page.locator(`${ROW}[data-index="${target}"] .category-badge`).textContent(), finding.category);
    await page.keyboard.press('x');
    await until('the reject', () => edits(requests).length === 2);
    assert.deepEqual(edits(requests)[1], { traceIndex: 0, index: target, op: { kind: 'rejectFinding', rule: finding.rule, category: finding.category } });
    await page.waitForFunction((i) => document.querySelector(`[data-index="${i}"]`) !== null && !document.querySelector(`[data-index="${i}"] .category-badge`), target);
    assert.equal(await page.locator(`${ROW}[data-index="${target}"] .col-status [aria-label=ok]`).count(), 1, 'the row no longer shows a failure');
    await until('the chip count to drop', async () => (before === 1 ? (await chip.count()) === 0 : Number(await chip.textContent()) === before - 1));
    // Gone from the findings, listed (collapsed) as rejected with an undo.
    await page.locator(`${DETAILS} .section-findings`).waitFor({ state: 'detached' });
    const reviewed = page.locator(`${DETAILS} details.section-reviewed-findings`);
    assert.equal(await reviewed.evaluate((d) => (d as unknown as HTMLDetailsElement).open), false, 'collapsed');
    assert.match((await reviewed.textContent()) ?? '', new RegExp(`${finding.category.replace('.', '\\.')}.*rule ${finding.rule}.*rejected.*Undo reject`));

    // n/p skip it now.
    await page.keyboard.press('p');
    await waitForSelected(page, failing[k - 1]);
    await page.keyboard.press('n');
    await waitForSelected(page, failing[k + 1]);

    // Undo reject restores it (as confirmed).
    host.sendNotification(SelectStepNotification, { index: target, traceIndex: 0 });
    await waitForSelected(page, target);
    await waitForDetails(page, session.steps[target].name);
    await page.locator(`${DETAILS} details.section-reviewed-findings > summary`).click();
    await page.locator(`${DETAILS} .section-reviewed-findings button`, { hasText: 'Undo reject' }).click();
    await until('the undo', () => edits(requests).length === 3);
    assert.deepEqual(edits(requests)[2].op, { kind: 'confirmFinding', rule: finding.rule, category: finding.category });
    await page.locator(`${ROW}[data-index="${target}"] .category-badge`).waitFor();
    await until('the chip count back', async () => Number(await chip.textContent()) === before);
  });

  it('two findings of one rule on a step (one TRAIL category): rejecting one leaves the other shown and open for review', async () => {
    const file = fileFromText('run.jsonl', generateTrace({ steps: 12, timestamps: true }), {
      taxonomy: TRAIL_TAXONOMY,
      detect: (trace) => [
        { stepId: trace.steps[2].id, category: 'TOOL.ARGS_INVALID', rule: 'decision-caused-failure', evidence: 'its call had bad arguments' },
        { stepId: trace.steps[2].id, category: 'OUT.FORMAT', rule: 'decision-caused-failure', evidence: 'its output did not parse' },
      ],
    });
    const step = file.session(0).steps[2];
    const { page, requests, host } = await open(file);
    host.sendNotification(SelectStepNotification, { index: 2, traceIndex: 0 });
    await waitForSelected(page, 2);
    await waitForDetails(page, step.name);
    const findings = page.locator(`${DETAILS} .section-findings .finding`);
    assert.deepEqual(await findings.evaluateAll((ns) => ns.map((n) => (n as unknown as PageElement).getAttribute('data-category'))), ['Formatting Errors', 'Formatting Errors']);
    await findings.nth(1).locator('button', { hasText: 'Reject' }).click();
    await until('the reject', () => edits(requests).length === 1);
    assert.deepEqual(edits(requests)[0].op, { kind: 'rejectFinding', rule: 'decision-caused-failure', category: 'OUT.FORMAT' }, 'the finding is named by its detector category');
    await until('one finding left', async () => (await findings.count()) === 1);
    // The other one is still to review: shown with Confirm, and c confirms it (it used to count as reviewed).
    assert.equal(await findings.nth(0).locator('button', { hasText: 'Confirm' }).count(), 1);
    await page.keyboard.press('c');
    await until('the confirm', () => edits(requests).length === 2);
    assert.deepEqual(edits(requests)[1].op, { kind: 'confirmFinding', rule: 'decision-caused-failure', category: 'TOOL.ARGS_INVALID' });
    await page.locator(`${DETAILS} .section-findings .review-state.confirmed`).waitFor();
    // Undo reject restores exactly the rejected one.
    await page.locator(`${DETAILS} details.section-reviewed-findings > summary`).click();
    await page.locator(`${DETAILS} .section-reviewed-findings button`, { hasText: 'Undo reject' }).click();
    await until('the undo', () => edits(requests).length === 3);
    assert.deepEqual(edits(requests)[2].op, { kind: 'confirmFinding', rule: 'decision-caused-failure', category: 'OUT.FORMAT' });
    await until('both findings shown', async () => (await findings.count()) === 2);
  });

  it('marks a step reviewed with r and shows it in the details', async () => {
    const file = fileFromText('run.jsonl', generateTrace({ steps: 40, timestamps: true, failEvery: 5 }));
    const { page, requests } = await open(file);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await waitForSelected(page, 1);
    await waitForDetails(page, file.session(0).steps[1].name);
    assert.equal(await page.locator(`${DETAILS} .reviewed-toggle`).getAttribute('aria-pressed'), 'false');
    await page.keyboard.press('r');
    await page.locator(`${DETAILS} .reviewed-pill`).waitFor();
    assert.equal(await page.locator(`${DETAILS} .reviewed-toggle`).getAttribute('aria-pressed'), 'true');
    await page.keyboard.press('r');
    await page.locator(`${DETAILS} .reviewed-pill`).waitFor({ state: 'detached' });
    assert.deepEqual(edits(requests).map((e) => e.op), [{ kind: 'setReviewed', reviewed: true }, { kind: 'setReviewed', reviewed: false }]);
  });

  it('corrects a model turn: prefill, located JSON errors, schema problems, live diff, save and remove', async () => {
    const file = fileFromText('agent.jsonl', generateTrace({ steps: 40, timestamps: true, failEvery: 0, toolCalls: true }));
    const step = file.session(0).steps[1];
    assert.equal(step.kind, 'llm');
    // The page's timers run on Playwright's clock, so the debounce below is tested without timing.
    const { page, requests } = await open(file, { fakeClock: true });
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await waitForSelected(page, 1);
    await waitForDetails(page, step.name);
    await page.keyboard.press('e');
    const editor = page.locator(`${EDITOR}[open]`);
    await editor.waitFor();
    assert.equal(await editor.getAttribute('role'), 'dialog');
    assert.match((await editor.locator('.modal-title').textContent()) ?? '', /^Correct step 2: plan step 1$/);
    const content = editor.locator('#correction-content');
    assert.equal(await content.inputValue(), 'I will call web_search next.', 'prefilled from the original message');
    const cards = editor.locator('.call-card');
    assert.equal(await cards.count(), 1);
    assert.equal(await cards.first().locator('.call-name').inputValue(), 'read_file');
    assert.equal(await cards.first().locator('.call-args').inputValue(), JSON.stringify({ query: 'city 0', page: 1 }, null, 2));
    // Unchanged: the diff says so.
    await editor.locator('.correction-diff .diff-empty', { hasText: 'No changes from the original.' }).waitFor();

    // Invalid JSON: a located error and no Save.
    const args = cards.first().locator('.call-args');
    await args.fill('{\n  "query": "city 0",\n  "page": 1,\n}');
    const error = cards.first().locator('.call-args + .field-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /^Line 4, column 1: \S/);
    assert.equal(await args.getAttribute('aria-invalid'), 'true');
    const save = editor.locator('button', { hasText: 'Save Correction' });
    assert.equal(await save.isDisabled(), true);
    assert.match((await editor.locator('.correction-validity').textContent()) ?? '', /Fix the JSON errors to save/);
    await page.keyboard.press('Control+Enter');
    assert.equal(edits(requests).length, 0, 'Ctrl+Enter does not save invalid JSON');

    // Valid JSON that breaks the tool's schema: the host's problem shows under that call.
    await args.fill('{"query": 42, "page": 1}');
    await error.waitFor({ state: 'hidden' });
    const problem = cards.first().locator('.field-problems li');
    await problem.first().waitFor();
    assert.match((await problem.first().textContent()) ?? '', /tool_calls\[0\].*query.*must be string/);
    assert.equal(await save.isDisabled(), false, 'schema problems are shown, not blocking');

    // A real correction: the diff shows removed and added lines.
    await args.fill('{"query": "capital of city 0", "page": 2}');
    await content.fill('Let me read the file about city 0 instead.');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.correction-diff .diff-added') as unknown as PageElement[]).some((e) => (e.textContent ?? '').includes('capital of city 0')));
    const added = await editor.locator('.correction-diff .diff-added .diff-text').allTextContents();
    const removed = await editor.locator('.correction-diff .diff-removed .diff-text').allTextContents();
    assert.ok(added.includes('Let me read the file about city 0 instead.'), `added: ${JSON.stringify(added)}`);
    assert.ok(removed.includes('I will call web_search next.'), `removed: ${JSON.stringify(removed)}`);
    assert.ok(added.some((l) => l.includes('"query": "capital of city 0"')) && removed.some((l) => l.includes('"query": "city 0"')), 'argument lines diffed');
    assert.equal(await editor.locator('.correction-diff .diff-added .diff-marker').first().textContent(), '+');
    assert.equal(await cards.first().locator('.field-problems li').count(), 0, 'the schema problem is gone');

    // Previews are debounced: typing a sentence asks the host once, when the typing stops. The clock
    // is paused while the keys arrive, so a busy machine typing slowly changes nothing.
    const previewCount = (): number => requests.filter((r) => r.method === 'previewCorrection').length;
    await content.press('End');
    await page.clock.pauseAt(await page.evaluate(() => Date.now()) + 1000);
    const previewsBefore = previewCount();
    await page.keyboard.type(' Then answer.');
    assert.equal(previewCount(), previewsBefore, 'no preview while typing');
    await page.clock.runFor(1000);
    await page.clock.resume();
    await until('the preview after typing', () => previewCount() > previewsBefore);
    await editor.locator('.correction-diff .diff-added .diff-text', { hasText: 'Then answer.' }).first().waitFor();
    assert.equal(previewCount() - previewsBefore, 1, 'one preview for 13 keys');

    // A tool call without a name cannot be saved; removing it again re-enables Save.
    await editor.locator('button', { hasText: 'Add Tool Call' }).click();
    assert.equal(await cards.count(), 2);
    assert.equal(await save.isDisabled(), true);
    assert.match((await editor.locator('.correction-validity').textContent()) ?? '', /Every tool call needs a name/);
    await cards.nth(1).locator('button[aria-label="Remove this tool call"]').click();
    assert.equal(await cards.count(), 1);
    assert.equal(await save.isDisabled(), false);

    await page.screenshot({ path: join(SCREENSHOTS, 'correction-editor-dark.png') });
    await save.click();
    await editor.waitFor({ state: 'hidden' });
    await until('the save', () => edits(requests).length === 1);
    assert.deepEqual(edits(requests)[0], {
      traceIndex: 0, index: 1,
      op: {
        kind: 'setCorrection',
        output: {
          role: 'assistant', content: 'Let me read the file about city 0 instead. Then answer.',
          tool_calls: [{ id: 'call_0_1', type: 'function', function: { name: 'read_file', arguments: { query: 'capital of city 0', page: 2 } } }],
        },
      },
    });
    // The details show the correction with its diff.
    const section = page.locator(`${DETAILS} .section-correction`);
    await section.waitFor();
    assert.ok((await section.locator('.diff-added .diff-text').allTextContents()).includes('Let me read the file about city 0 instead. Then answer.'));
    await page.locator(`${DETAILS} .corrected-pill`).waitFor();

    // e again edits the saved correction; "Remove Correction" clears it.
    await page.keyboard.press('e');
    await editor.waitFor();
    assert.match((await editor.locator('.modal-title').textContent()) ?? '', /^Edit correction of step 2/);
    assert.equal(await content.inputValue(), 'Let me read the file about city 0 instead. Then answer.');
    await editor.locator('button', { hasText: 'Remove Correction' }).click();
    await editor.waitFor({ state: 'hidden' });
    await until('the clear', () => edits(requests).length === 2);
    assert.deepEqual(edits(requests)[1].op, { kind: 'clearCorrection' });
    await section.waitFor({ state: 'detached' });
  });

  it('refuses a correction that calls a tool the trace does not declare, inline under the name, with the declared ones offered', async () => {
    const file = fileFromText('agent.jsonl', generateTrace({ steps: 40, timestamps: true, failEvery: 0, toolCalls: true }));
    const { page, requests } = await open(file);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await waitForSelected(page, 1);
    await waitForDetails(page, file.session(0).steps[1].name);
    await page.keyboard.press('e');
    const editor = page.locator(`${EDITOR}[open]`);
    await editor.waitFor();
    const card = editor.locator('.call-card').first();
    const name = card.locator('.call-name');
    const save = editor.locator('button', { hasText: 'Save Correction' });
    // The declared tools are offered as the name's suggestions (keyboard: type, arrows).
    const listId = (await name.getAttribute('list')) ?? '';
    assert.deepEqual(await page.locator(`datalist#${listId} option`).evaluateAll((os) => os.map((o) => (o as unknown as PageElement).value)), ['web_search', 'read_file', 'run_python', 'http_get']);

    // A misspelt tool: the message names it and the declared ones, the field is invalid, Save is off.
    await name.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('web_serch');
    const nameError = card.locator('.call-name-error');
    await nameError.waitFor();
    assert.equal(await nameError.textContent(), '"web_serch" is not a tool of this trace. Declared: web_search, read_file, run_python, http_get.');
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.ok(((await name.getAttribute('aria-describedby')) ?? '').split(' ').includes((await nameError.getAttribute('id')) ?? '-'), 'the message is the field\'s description');
    assert.equal(await save.isDisabled(), true);
    assert.match((await editor.locator('.correction-validity').textContent()) ?? '', /A tool call names a tool this trace does not declare/);
    await page.keyboard.press('Control+Enter');
    assert.equal(edits(requests).length, 0, 'Ctrl+Enter does not save it either');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('class')), 'text-input call-name', 'focus stays in the name field');
    // Once the host's preview is in (its diff names the new tool), its own report of the name is not repeated.
    await editor.locator('.correction-diff .diff-added .diff-text', { hasText: 'tool call 1: web_serch' }).waitFor();
    assert.equal(await card.locator('.field-problems li').count(), 0);

    // Fixed from the keyboard: the message goes, Save comes back, and the save carries the declared name.
    await page.keyboard.press('Control+A');
    await page.keyboard.type('web_search');
    await nameError.waitFor({ state: 'hidden' });
    assert.equal(await name.getAttribute('aria-invalid'), null);
    assert.equal(await save.isDisabled(), false);
    await page.keyboard.press('Control+Enter');
    await editor.waitFor({ state: 'hidden' });
    await until('the save', () => edits(requests).length === 1);
    const op = edits(requests)[0].op as { kind: 'setCorrection'; output: { tool_calls: { function: { name: string } }[] } };
    assert.equal(op.output.tool_calls[0].function.name, 'web_search');
  });

  it('sends PromoteTrace from the toolbar button', async () => {
    const file = fileFromText('run.jsonl', generateTrace({ steps: 20, timestamps: true }));
    const { page, requests, actions } = await open(file);
    const button = page.locator('.toolbar button', { hasText: 'Promote to Training Set' });
    await button.click();
    await until('the promote request', () => actions.promoted.length === 1);
    assert.deepEqual(requests.filter((r) => r.method === 'promoteTrace').map((r) => r.params), [{ traceIndex: 0 }]);
    assert.deepEqual(actions.promoted, [0]);
  });

  it('keeps the toolbar on one row in a narrow editor, its buttons named, and gives the list the larger share', async () => {
    const file = fileFromText('run.jsonl', generateTrace({ steps: 20, timestamps: true }));
    const { page } = await open(file, { width: 640 });
    const promote = page.getByRole('button', { name: 'Promote to Training Set' });
    await promote.waitFor();
    const oneRow = async (): Promise<void> => {
      const tops = await page.locator('.toolbar > :is(.search-group, .toolbar-group, button:not([hidden]))').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
      assert.ok(tops.length >= 4, `the toolbar's parts (${tops.length})`);
      assert.ok(Math.max(...tops) - Math.min(...tops) <= 4, `one row: tops ${JSON.stringify(tops)}`);
    };
    // 640 px: the button shows its icon only, and keeps its name (aria-label) and tooltip.
    await oneRow();
    assert.equal(await promote.locator('.toolbar-button-label').isVisible(), false);
    assert.match((await promote.getAttribute('title')) ?? '', /training set/);
    // 900 px: the label is back; list and details side by side, the list wider.
    await page.setViewportSize({ width: 900, height: 800 });
    await until('the label shown', () => promote.locator('.toolbar-button-label').isVisible());
    await oneRow();
    const list = await page.locator('.list-pane').boundingBox();
    const details = await page.locator('.details').boundingBox();
    assert.ok(list && details);
    assert.ok(Math.abs(list.y - details.y) < 2, 'side by side');
    assert.ok(list.width > details.width * 1.3, `the list ${list.width} px, the details ${details.width} px`);
  });

  it('keeps the toolbar of a file of many runs on one row at 900 px, and wraps a long call id in the details', async () => {
    const callId = `call_${'To6jjkKrBKVnDV0OhCSBvoMz'.repeat(3)}`;
    const run = (id: string): string[] => [
      JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id, title: `run ${id}` }),
      JSON.stringify({ type: 'step', id: 'a', kind: 'agent', name: 'agent' }),
      JSON.stringify({ type: 'step', id: 't', parentId: 'a', kind: 'tool', name: 'book_reservation', toolCall: { id: callId, name: 'book_reservation', arguments: { user_id: 'mia_li_3668' } } }),
    ];
    const file = fileFromText('runs.jsonl', [...run('r1'), ...run('r2'), ...run('r3')].join('\n'));
    const { page } = await open(file, { width: 900 });
    await page.locator('.picker-slot vscode-single-select').waitFor();
    const tops = await page.locator('.toolbar > :is(.picker-slot, .search-group, .toolbar-group, button:not([hidden]))').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    assert.ok(tops.length >= 5 && Math.max(...tops) - Math.min(...tops) <= 4, `one row with the picker: tops ${JSON.stringify(tops)}`);
    assert.equal(await page.getByRole('button', { name: 'Promote to Training Set' }).locator('.toolbar-button-label').isVisible(), false);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await waitForSelected(page, 1);
    const code = page.locator(`${DETAILS} .kv code`, { hasText: 'call_' });
    await code.waitFor();
    const pane = await page.locator('.details').boundingBox();
    const box = await code.boundingBox();
    assert.ok(pane && box);
    assert.ok(box.x + box.width <= pane.x + pane.width + 1, `the call id ends inside the details (${box.x + box.width} > ${pane.x + pane.width})`);
    assert.equal(await code.textContent(), callId, 'the whole id, wrapped');
  });

  it('shows the sidecar banner when the trace changed since it was tagged, and refetches on AnnotationsChanged (undo)', async () => {
    const text = generateTrace({ steps: 40, timestamps: true, failEvery: 5 });
    let sidecar = JSON.stringify({
      version: 1,
      trace: { path: 'run.jsonl', sha256: '0'.repeat(64) },
      errors: [
        { location: 'turn-0', category: 'TOOL.RUNTIME', impact: 'LOW', description: 'kept' },
        { location: 'gone-1', category: 'TOOL.RUNTIME' },
        { location: 'gone-2', category: 'TOOL.RUNTIME' },
      ],
    });
    const file = fileFromText('run.jsonl', text, { readSidecar: () => sidecar });
    const changes: AnnotationChange[] = [];
    file.annotations.onDidChange((c) => changes.push(c));
    const { page, host } = await open(file, { theme: 'light' });
    const banner = page.locator('.annotation-banner');
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /The trace changed since it was tagged \(sha256 differs\): tags on existing steps are kept, 2 are on steps that no longer exist\. They stay in run\.jsonl\.annotations\.json/);
    assert.equal(await page.locator(`${ROW}[data-index="0"] .tag-count`).textContent(), '1', 'the kept tag counts on its row');

    // An edit, then "undo" in VS Code: the host replays the inverse and notifies.
    await page.keyboard.press('j');
    await waitForSelected(page, 0);
    await waitForDetails(page, 'turn 1');
    await page.keyboard.press('r');
    await page.locator(`${DETAILS} .reviewed-pill`).waitFor();
    const edit = changes.find((c) => c.kind === 'edit');
    assert.ok(edit?.inverse);
    file.annotations.replay(edit.inverse, 'undo');
    host.sendNotification(AnnotationsChanged, { traceIndex: 0, status: file.annotationStatus() });
    await page.locator(`${DETAILS} .reviewed-pill`).waitFor({ state: 'detached' });

    // Revert to a sidecar without tags: the row's count and the banner follow the notification.
    sidecar = JSON.stringify({ version: 1, trace: { path: 'run.jsonl', sha256: file.traces[0].source.sha256 }, errors: [] });
    file.annotations.reload();
    host.sendNotification(AnnotationsChanged, { traceIndex: 0, status: file.annotationStatus() });
    await page.waitForFunction(() => !document.querySelector('[data-index="0"] .tag-count'));
    await banner.waitFor({ state: 'hidden' });
  });

  it('keeps hostile text in tags, notes and corrections inert', async () => {
    // The trace also declares a tool named with a payload, so a correction may call it.
    const [header, ...steps] = hostileTrace().split('\n');
    const withTool = [JSON.stringify({ ...JSON.parse(header), tools: [{ name: HOSTILE_PAYLOADS[1], description: HOSTILE_PAYLOADS[2], parameters: { type: 'object', properties: {} } }] }), ...steps].join('\n');
    const hostile = fileFromText('hostile.jsonl', withTool);
    const llm = hostile.session(0).steps.findIndex((s) => s.kind === 'llm');
    assert.ok(llm > 0);
    const { page, requests } = await open(hostile);
    for (let i = 0; i <= llm; i++) await page.keyboard.press('j');
    await waitForSelected(page, llm);
    await waitForDetails(page, HOSTILE_PAYLOADS[llm]);
    // A tag whose note is every payload.
    const note = HOSTILE_PAYLOADS.join(' ');
    await page.keyboard.press('t');
    await page.locator(`${PICKER}[open]`).waitFor();
    await page.keyboard.type('TOOL.RUNTIME');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.locator('#tag-note').fill(note);
    await page.keyboard.press('Enter');
    await until('the tag', () => edits(requests).length === 1);
    await page.locator(`${DETAILS} .tag-note`).waitFor();
    assert.equal(await page.locator(`${DETAILS} .tag-note`).textContent(), note);
    // A correction made of payloads, arguments with payload keys.
    await page.keyboard.press('e');
    const editor = page.locator(`${EDITOR}[open]`);
    await editor.waitFor();
    await editor.locator('#correction-content').fill(`${note}\n[x](javascript:window.__pwned=9)`);
    await editor.locator('button', { hasText: 'Add Tool Call' }).click();
    // A payload-named tool the trace does not declare: refused, the names shown as text.
    await editor.locator('.call-name').last().fill(HOSTILE_PAYLOADS[3]);
    assert.equal(await editor.locator('.call-name-error').last().textContent(), `"${HOSTILE_PAYLOADS[3]}" is not a tool of this trace. Declared: ${HOSTILE_PAYLOADS[1]}.`);
    await editor.locator('.call-name').last().fill(HOSTILE_PAYLOADS[1]);
    await editor.locator('.call-args').last().fill(JSON.stringify({ [HOSTILE_PAYLOADS[0]]: HOSTILE_PAYLOADS[3] }));
    await page.waitForFunction((p) => Array.from(document.querySelectorAll('.correction-diff .diff-added') as unknown as PageElement[]).some((e) => (e.textContent ?? '').includes(p)), HOSTILE_PAYLOADS[3]);
    await editor.locator('button', { hasText: 'Save Correction' }).click();
    await until('the correction', () => edits(requests).length === 2);
    await page.locator(`${DETAILS} .section-correction`).waitFor();
    const sectionText = (await page.locator(`${DETAILS} .section-correction`).textContent()) ?? '';
    assert.ok(sectionText.includes(HOSTILE_PAYLOADS[1]) && sectionText.includes(HOSTILE_PAYLOADS[4]), 'payloads shown as text');
    await painted(page);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
    const injected = await page.evaluate(() => ({
      img: document.querySelectorAll('img').length,
      // The page's own two (the shell's loader and the script it loads) sit outside #app, where trace text goes.
      script: document.querySelectorAll('#app script').length,
      ours: document.querySelectorAll('body > script').length,
      iframe: document.querySelectorAll('iframe').length,
      svg: document.querySelectorAll('svg').length,
      b: document.querySelectorAll('b').length,
      links: document.querySelectorAll('a[href]').length,
    }));
    assert.deepEqual(injected, { img: 0, script: 0, ours: 2, iframe: 0, svg: 0, b: 0, links: 0 });
  });

  it('puts a long dotted error type on its own line above the message', async () => {
    const type = 'smolagents.utils.AgentExecutionError';
    const message = 'Code execution failed at line \'final_answer(result)\' due to: InterpreterError: The variable `result` is not defined, and the agent tried three different tools before giving up on the task entirely.';
    const text = [
      JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'e', title: 'error type' }),
      JSON.stringify({ type: 'step', id: 's0', parentId: null, kind: 'agent', name: 'run', status: 'ok' }),
      JSON.stringify({ type: 'step', id: 's1', parentId: 's0', kind: 'tool', name: 'python_interpreter', status: 'error', error: { type, message } }),
    ].join('\n');
    const file = fileFromText('err.jsonl', text);
    // Narrow: the details pane is about 300 px wide, as in a split editor.
    const { page, host } = await open(file, { width: 760 });
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await waitForSelected(page, 1);
    const typeEl = page.locator(`${DETAILS} .error-type`);
    await typeEl.waitFor();
    assert.equal(await typeEl.textContent(), type);
    assert.equal(await page.locator(`${DETAILS} .error-message`).textContent(), message);
    const t = await typeEl.boundingBox();
    const m = await page.locator(`${DETAILS} .error-message`).boundingBox();
    assert.ok(t && m);
    assert.ok(t.y + t.height <= m.y + 1, 'the type is above the message');
    assert.ok(t.height < 60, `the type takes at most a few lines (${t.height}px)`);
    assert.ok(t.width > 120, `the type is not squeezed (${t.width}px)`);
    const state = await host.sendRequest(GetWebviewState, {}, { timeoutMs: WAIT_MS });
    assert.equal(state.detailsError, `${type}: ${message}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'error-type-narrow-dark.png') });
  });

  it('lists the annotation keys in the shortcut sheet', async () => {
    const file = fileFromText('run.jsonl', generateTrace({ steps: 10, timestamps: true }));
    const { page } = await open(file);
    await page.keyboard.press('?');
    const sheet = page.locator('dialog.shortcut-sheet');
    await sheet.waitFor({ state: 'visible' });
    const keys = await sheet.locator('kbd').allTextContents();
    for (const k of ['t', 'c', 'x', 'r', 'e']) assert.ok(keys.includes(k), `${k} listed`);
    assert.match((await sheet.textContent()) ?? '', /Tag the selected step.*Confirm.*Reject.*reviewed.*Correct/s);
  });

  it('looks right in light and dark (screenshots: tag picker, details with tags, correction editor)', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const file = fileFromText('agent.jsonl', generateTrace({ steps: 120, timestamps: true, failEvery: 5, toolCalls: true }));
      const failing = failingSteps(file);
      const { page } = await open(file, { theme });
      await page.keyboard.press('n');
      await waitForSelected(page, failing[0]);
      await waitForDetails(page, file.session(0).steps[failing[0]].name);
      await page.keyboard.press('c');
      await page.locator(`${DETAILS} .section-findings .review-state.confirmed`).waitFor();
      await page.keyboard.press('t');
      await page.locator(`${PICKER}[open]`).waitFor();
      await page.keyboard.type('tool');
      await page.keyboard.press('ArrowDown');
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `tag-picker-${theme}.png`) });
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await page.keyboard.type('The agent retried the same call with the same arguments.');
      await page.keyboard.press('Enter');
      await page.locator(`${DETAILS} .section-tags .tag[data-source=human]`).waitFor();
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `details-tags-${theme}.png`) });

      // The model turn before the failure: correct it.
      const llm = file.session(0).steps.findIndex((s, i) => i < failing[0] && s.kind === 'llm');
      ed?.host.sendNotification(SelectStepNotification, { index: llm, traceIndex: 0 });
      await waitForSelected(page, llm);
      await waitForDetails(page, file.session(0).steps[llm].name);
      await page.keyboard.press('e');
      const editor = page.locator(`${EDITOR}[open]`);
      await editor.waitFor();
      await editor.locator('#correction-content').fill('The last search failed; I will retry with a narrower query.');
      await editor.locator('.call-args').first().fill('{\n  "query": "population of city 2 in 2020",\n  "page": 1\n}');
      await editor.locator('.correction-diff .diff-added').first().waitFor();
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `correction-editor-${theme}.png`) });
      await editor.locator('.call-args').first().fill('{\n  "query": "population of city 2",\n  "page": 1,\n}');
      await editor.locator('.call-args + .field-error').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, `correction-editor-error-${theme}.png`) });
      await editor.locator('.call-args').first().fill('{\n  "query": "population of city 2 in 2020",\n  "page": 1\n}');
      // A tool the trace does not declare, then the declared one back.
      const name = editor.locator('.call-name').first();
      const declared = await name.inputValue();
      await name.fill('web_lookup');
      await editor.locator('.call-name-error').first().waitFor();
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `correction-editor-undeclared-tool-${theme}.png`) });
      await name.fill(declared);
      await editor.locator('.call-name-error').first().waitFor({ state: 'hidden' });
      await page.keyboard.press('Control+Enter');
      await editor.waitFor({ state: 'hidden' });
      await page.locator(`${DETAILS} .section-correction .diff-added`).first().waitFor();
      await painted(page);
      await page.screenshot({ path: join(SCREENSHOTS, `details-correction-${theme}.png`) });
      await ed?.close();
      ed = undefined;
    }
  });
});
