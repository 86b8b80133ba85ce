// The Agent Traces view's counts across "Developer: Reload Window", for window-reload.mjs (which
// reloads the window anyway: one code-server start for all it checks).
//
// How the test tells counts kept from counts recomputed: the workspace holds a trace whose count
// the view shows; then the file's text is replaced by another of the same size that counts
// differently, with the file's old modification time (written beside it and renamed over it, so
// the view's watcher never sees a new time). After the reload, a view that kept its counts shows
// the old count, which only the kept summary can give; one that read the file again shows the
// new. A refresh after the file's time changes then shows the new count: the view does read this
// file when its time says so.
import { renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { poll, runCommand, WAIT_MS } from './workbench-driver.mjs';

const NAME = 'reload-count.trace.jsonl';
const HEADER = '{"type":"trace","format":"agent-trace/v1","id":"reload-count","title":"Counts kept across a reload"}';
/**
 * A model call that failed: the view counts a failure on it (SYS.LLM_API, so that the scenario's
 * Trace Explorer query, category:TOOL, matches the same traces as without it).
 */
const FAILED_STEP = '{"type":"step","id":"call","parentId":null,"kind":"llm","name":"plan","status":"error","startTime":1742402400000,"endTime":1742402401000}';
/** The same step, succeeded, padded with spaces to the same byte length (JSON allows them). */
const OK_STEP = FAILED_STEP.replace('"status":"error"', '"status":"ok"   ');
const FAILED_TEXT = `${HEADER}\n${FAILED_STEP}\n`;
const OK_TEXT = `${HEADER}\n${OK_STEP}\n`;
if (Buffer.byteLength(FAILED_TEXT) !== Buffer.byteLength(OK_TEXT)) throw new Error('traces-view-counts: the two texts must have the same size');

/** Writes the trace that fails into the workspace, before VS Code opens it. */
export function writeCountedTrace(workspace) {
  writeFileSync(join(workspace, NAME), FAILED_TEXT);
}

/** Shows the Agent Traces view (clicking its icon when another view holds the side bar). */
async function showTracesView(page) {
  const icon = await poll('"Agent Traces" in the activity bar', () => page.$('.activitybar [aria-label^="Agent Traces"]'), WAIT_MS);
  const shown = await icon.evaluate((el) => el.closest('.action-item')?.classList.contains('checked') ?? false);
  if (!shown) await icon.click();
}

/** The file's description in the view ("2 failures", "no failures"), once it is a count. */
async function countShown(page, what, accept = () => true) {
  let last;
  try {
    return await poll(what, async () => {
      const row = page.locator('.pane-body .monaco-list-row', { hasText: NAME }).first();
      last = (await row.locator('.label-description').textContent({ timeout: 1_000 }))?.trim();
      // Empty, or "analysing…": no count yet.
      return last && /failure/.test(last) && accept(last) ? last : undefined;
    }, WAIT_MS);
  } catch (e) {
    throw new Error(`${e.message}; the view's row for ${NAME} last showed ${JSON.stringify(last ?? null)}`, { cause: e });
  }
}

/** Before the reload: the count shown, then the file's text swapped under its old time and size. */
export async function countBeforeReload(page, workspace) {
  await showTracesView(page);
  const before = await countShown(page, `the Agent Traces view counting ${NAME}`);
  const path = join(workspace, NAME);
  const { atime, mtime } = statSync(path);
  // Beside it, under a name no trace glob matches, then renamed over it: one change, with the old time.
  const swap = join(workspace, `.${NAME}.swap`);
  writeFileSync(swap, OK_TEXT);
  utimesSync(swap, atime, mtime);
  renameSync(swap, path);
  // The side bar back on the Explorer, as the rest of the scenario had it before this check was
  // added: the window reloads with the layout it was written for.
  await page.keyboard.press('Control+Shift+E');
  await poll('the Explorer in the side bar', async () => (await page.$eval('.activitybar [aria-label^="Explorer"]', (el) => el.closest('.action-item')?.classList.contains('checked') ?? false).catch(() => false)) || undefined, WAIT_MS);
  return before;
}

/** After the reload: the kept count, then (the file's time changed, the view refreshed) the file's own. */
export async function countsAfterReload(page, workspace, before) {
  await showTracesView(page);
  const kept = await countShown(page, `the Agent Traces view counting ${NAME} after the reload`);
  if (kept !== before) throw new Error(`after the reload the Agent Traces view shows "${kept}" for ${NAME}, not "${before}" kept from before it: it read the file again instead of keeping its counts`);
  const now = new Date();
  utimesSync(join(workspace, NAME), now, now);
  await runCommand(page, 'Agent Trace: Refresh Agent Traces');
  const reread = await countShown(page, `"no failures" for ${NAME} once its time changed and the view refreshed`, (d) => d === 'no failures');
  return { before, kept, reread };
}
