// The Trace Explorer and the Compare Traces view in real VS Code (code-server 4.100.3 + headless
// Chromium), the steps that window-reload.mjs runs around its one reload: run a query, click a facet value (its term is added and run), open a row to the side
// with Alt+Enter (the trace editor selects a step of that category), sort by a column, open
// Compare Traces from the palette and select another pair than its landing one; after the reload
// both panels come back (their serializers): the Explorer with the same query, sort and rows, the
// comparison on the same pair. Clicks in the pages and a reload need the workbench page, which the
// extension-host test suite cannot drive. Every wait is for a signal.
import { poll, runCommand, showPanel, tabWithText, WAIT_MS, webviewFrame } from './workbench-driver.mjs';

/**
 * Run a command from the palette once the palette lists it: right after the page opens, the
 * palette may be built before the extensions' commands are known (it lists what it had when
 * opened), so it is closed and opened again until the command shows.
 */
async function runCommandOnceListed(page, title) {
  const name = title.replace(/^.*: /, '');
  await poll(`"${title}" listed in the command palette`, async () => {
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { timeout: WAIT_MS });
    await page.keyboard.type(title);
    const listed = await poll('the palette to filter', async () => (await page.$eval('.quick-input-list .monaco-list-row', (r) => r.textContent).catch(() => null)) ?? undefined, 5_000).catch(() => '');
    await page.keyboard.press('Escape');
    return listed.includes(name) || undefined;
  }, WAIT_MS, 500);
  await runCommand(page, title);
}

const QUERY = 'category:TOOL';
/**
 * A facet value of the workspace's traces under QUERY, and how many traces have it: three of
 * GAIA's, and the copy of one of them that window-reload.mjs adds for the hot-exit steps.
 */
const FACET_TERM = 'category:TOOL.NOT_FOUND';
const FACET_TRACES = 4;

/**
 * What the Trace Explorer's page shows, read in one pass over the page's frames: the first frame
 * with rows whose state can be read (a frame that is being replaced by the reload throws and is
 * passed over, not waited on), or undefined while none shows rows.
 */
/** Whether the page draws a row for every trace its status line counts ("4 of 8 traces match"). */
function allRowsDrawn(state) {
  const counted = /^(\d+) of \d+ traces match/.exec(state.status);
  return counted !== null && state.rows.length === Number(counted[1]);
}

async function explorerState(page) {
  for (const frame of page.frames()) {
    try {
      if (!(await frame.$('.table-body .row:not(.placeholder)'))) continue;
      return {
        frame,
        // inputValue waits for its element (30 s by default): a short wait keeps one frame from
        // holding the whole pass.
        query: await frame.inputValue('.query-input', { timeout: 1_000 }),
        sort: await frame.$eval('.column-head.sorted', (b) => `${b.getAttribute('data-column')} ${b.getAttribute('aria-sort')}`).catch(() => 'none'),
        rows: await frame.$$eval('.row:not(.placeholder) .cell-title', (cells) => cells.map((c) => c.textContent)),
        status: await frame.$eval('.status-line', (s) => s.textContent ?? ''),
      };
    } catch {
      // a frame detached or navigating: the next pass sees its successor
    }
  }
  return undefined;
}

/** The Compare Traces view's frame, its selected pair and its header, or undefined while none shows a selection. */
async function compareState(page) {
  for (const frame of page.frames()) {
    try {
      const selected = await frame.$eval('.pair-row[aria-selected="true"]', (r) => r.getAttribute('data-pair'));
      const title = await frame.$eval('.compare-summary', (t) => t.textContent ?? '');
      return { frame, selected, title };
    } catch {
      // not the compare view, or not ready
    }
  }
  return undefined;
}

/** How long one Compare Traces pick may take to show before the command is run again. */
const PICK_AGAIN_AFTER_MS = 20_000;

/** The quick pick's title while the quick input shows, else undefined. */
async function shownQuickPickTitle(page) {
  if (!(await page.locator('.quick-input-widget').isVisible())) return undefined;
  return (await page.$eval('.quick-input-title', (t) => t.textContent ?? '').catch(() => '')) || undefined;
}

/**
 * Runs Compare Traces and accepts the first run each of its two picks lists. A row is clicked,
 * not Enter pressed: the palette, closing, gives focus back to the trace editor's webview, and
 * that focus can arrive after the first pick opened (one CI run in about four): the keypress then
 * goes to the webview, or the pick closes as it loses focus. When no pick shows, the command is
 * run again, as a user would, and the log says so.
 */
async function compareFirstTwoRuns(page) {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, 'Agent Trace: Compare Traces…');
    try {
      for (const step of ['1/2', '2/2']) {
        const wait = attempt < 3 ? PICK_AGAIN_AFTER_MS : WAIT_MS;
        await poll(`the Compare Traces pick ${step}`, async () => (await shownQuickPickTitle(page))?.includes(`Compare Traces (${step})`), wait);
        const row = page.locator('.quick-input-list .monaco-list-row').first();
        await row.waitFor({ timeout: wait });
        await row.click({ timeout: wait });
      }
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      const title = await shownQuickPickTitle(page).catch(() => undefined);
      console.error(`[explorer-reload] ${e.message} (the quick input shows ${title ? `"${title}"` : 'nothing'}); running Compare Traces again`);
      if (title) await page.keyboard.press('Escape');
    }
  }
}

/** Polls the Explorer's state until `accept` takes it; a timeout says what was last seen. */
async function explorerUntil(page, what, accept) {
  let last;
  try {
    return await poll(what, async () => {
      last = await explorerState(page);
      return last && accept(last) ? last : undefined;
    }, WAIT_MS);
  } catch (e) {
    const seen = last ? JSON.stringify({ query: last.query, sort: last.sort, rows: last.rows.length, status: last.status }) : 'no Trace Explorer rows in any frame';
    throw new Error(`${e.message}; last seen: ${seen}`, { cause: e });
  }
}

/**
 * Before the reload: the Explorer's query, a facet click, a row opened to the side at a step of
 * the facet's category, a sort; then Compare Traces on another pair than its landing one. Returns
 * what the panels showed, for `explorerAfterReload`.
 */
export async function explorerBeforeReload(page) {
  await runCommandOnceListed(page, 'Agent Trace: Open Trace Explorer');
  const shown = await explorerUntil(page, 'the Trace Explorer with rows', () => true);
  await shown.frame.fill('.query-input', QUERY);
  await shown.frame.press('.query-input', 'Enter');
  await poll('the query run', async () => (/^\d+ of \d+ traces match/.test(await shown.frame.$eval('.status-line', (s) => s.textContent ?? '')) && (await shown.frame.inputValue('.query-input', { timeout: 1_000 })) === QUERY ? true : undefined), WAIT_MS);
  // A facet value adds its term to the query (the page runs it), and a row opens at its step.
  await shown.frame.click(`.facet[data-field="category"] .facet-value[data-term="${FACET_TERM}"]`);
  const faceted = await explorerUntil(page, 'the facet term added and run', (s) => s.query === `${QUERY} ${FACET_TERM}` && s.status.startsWith(`${FACET_TRACES} of `));
  await faceted.frame.click('.row:not(.placeholder) .cell-title');
  await faceted.frame.press('.table-body', 'Alt+Enter');
  const opened = await poll('the trace open to the side at a step of the facet\'s category', async () => {
    const frame = await webviewFrame(page);
    const badge = await frame?.$eval('.step-row[aria-selected="true"]', (r) => r.querySelector('.category-badge')?.textContent ?? '').catch(() => undefined);
    return badge === undefined ? undefined : { badge };
  }, WAIT_MS);
  if (opened.badge !== FACET_TERM.replace('category:', '')) throw new Error(`the opened step shows category "${opened.badge}", not ${FACET_TERM}`);
  await shown.frame.click('.column-head[data-column="steps"]');
  // Sorted, with every matching trace's row drawn: the sort header turns before the rows are
  // drawn again, and rows taken in between never came back the same (one CI run in many).
  const before = await explorerUntil(page, 'sorted by steps, every row drawn', (s) => s.sort === 'steps descending' && allRowsDrawn(s));

  // The Compare Traces view on the first two traces the picks offer, moved off its landing pair.
  // It opens in the active group: the trace editor's, focused first, so that the Explorer stays
  // in view. (Opened over the Explorer, a reload left the Explorer behind it blank in two CI
  // runs of five, even once its tab was clicked: noted in the issue, not solved here.)
  await (await webviewFrame(page)).click('.step-row:not(.placeholder) .step-name');
  await compareFirstTwoRuns(page);
  const landed = await poll('the Compare Traces view on its landing pair', () => compareState(page), WAIT_MS);
  const other = await landed.frame.$eval(`.pair-row[data-pair]:not([data-pair="${landed.selected}"])`, (r) => r.getAttribute('data-pair'));
  await landed.frame.click(`.pair-row[data-pair="${other}"]`);
  const compared = await poll('another pair selected', async () => { const c = await compareState(page); return c?.selected === other ? c : undefined; }, WAIT_MS);
  return { before, opened, landed, compared };
}

/** After the reload: both panels back as they were (`seen`, from `explorerBeforeReload`). */
export async function explorerAfterReload(page, seen) {
  const { before, opened, landed, compared } = seen;
  const sameRows = (a, b) => [...a].sort().join('\n') === [...b].sort().join('\n');
  // Each panel is looked at in its tab: a webview behind another tab of its group is not drawn
  // (the Explorer keeps no hidden page; VS Code revives a panel when it shows).
  let last;
  const after = await showPanel(page, tabWithText(page, 'Trace Explorer'), 'the Trace Explorer back with its query and sort', async () => {
    last = await explorerState(page);
    return last && last.query === before.query && last.sort === before.sort && sameRows(last.rows, before.rows) ? last : undefined;
  }).catch((e) => {
    const lastSeen = last ? JSON.stringify({ query: last.query, sort: last.sort, rows: last.rows, status: last.status }) : 'no Trace Explorer rows in any frame';
    throw new Error(`${e.message}; last seen: ${lastSeen}; before the reload: ${JSON.stringify({ query: before.query, sort: before.sort, rows: before.rows })}`, { cause: e });
  });
  const compareBack = await showPanel(page, tabWithText(page, '↔'), 'the Compare Traces view back on the pair selected before', async () => {
    const c = await compareState(page);
    return c?.selected === compared.selected && c.title === compared.title ? c : undefined;
  });
  return { query: after.query, sort: after.sort, rows: after.rows.length, status: after.status, openedAt: opened.badge, comparePair: compareBack.selected, landing: landed.selected };
}

/**
 * For a failure's report: every frame with how much it shows (a blank panel says which: a page
 * that loaded but waits for its host shows its query box and status line without rows; a script
 * that did not load leaves it blank).
 */
export async function describeFrames(page) {
  return Promise.all((page?.frames() ?? []).map(async (f) => `${f.url().slice(0, 120)} (${await f.evaluate(() => {
    const d = globalThis.document;
    const status = d.querySelector('.status-line')?.textContent;
    const scripts = [...d.scripts].map((x) => (x.src ? x.src.replace(/^.*\//, '') : 'inline')).join(',');
    const resources = globalThis.performance.getEntriesByType('resource').map((r) => `${r.name.replace(/^.*\//, '')}=${r.responseStatus ?? '?'}`).join(',');
    return `${d.body?.innerText.length ?? -1} characters${d.querySelector('.query-input') ? `; query box "${d.querySelector('.query-input').value}", status "${status ?? ''}", rows ${d.querySelectorAll('.table-body .row').length}` : ''}; #app ${d.getElementById('app') ? 'yes' : 'no'}; scripts [${scripts}]; resources [${resources}]; readyState ${d.readyState}`;
  }).catch(() => 'detached')})`));
}
