/**
 * A trace read again can change steps already shown while keeping their ids: Claude Code writes
 * each content block of one model reply (thinking, text, tool_use) as its own line, so the next
 * line of a growing session adds a tool call to the `llm` step shown last; Codex CLI writes a
 * call and its output on separate lines; an OTLP document rewritten with a span's end changes
 * that span. The editor once appended only what was new and kept showing the old step (a reply
 * without its tool call, until the file was reopened). Now the document worker says how many
 * leading steps are as it sent them before (step-prints.ts) and the session indexes the run
 * again from there, rows keeping their places: after every line of real sessions, every step,
 * row and summary is what a fresh open of the same bytes shows.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TraceFile } from '../../../src/host/editor/trace-file';
import { StepPrints, unchangedStepPrefix } from '../../../src/core/engine/step-prints';
import { benchTraceText } from '../../support/bench-traces';
import { otlpLines } from '../../support/otlp-lines';
import { Opened } from '../../support/opened-in-process';
import { sharedFiles } from '../../support/shared';

describe('trace editor: steps a reload changed in place', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-in-place-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const sessions = [...sharedFiles('claude-code', (n) => n.endsWith('.jsonl')), ...sharedFiles('codex-cli', (n) => n.endsWith('.jsonl'))];
  for (const source of sessions) {
    it(`${basename(source)}, grown a line (or a few) at a time: each reload shows what a fresh open shows`, () => {
      const lines = readFileSync(source, 'utf8').split('\n').filter((l) => l.trim() !== '');
      const path = join(dir, basename(source));
      const at = (n: number): void => writeFileSync(path, lines.slice(0, n).join('\n') + '\n');
      // From the first line that makes it a session of its format (the earliest lines may be bookkeeping).
      let n = 1;
      for (; n <= lines.length; n++) {
        at(n);
        if (new Opened(path, false).file.traces[0]?.steps.length) break;
      }
      assert.ok(n < lines.length, `${source} opens before its last line`);
      const live = new Opened(path, false);
      live.file.session(0);
      let changedInPlace = 0;
      // About 80 reloads a file: long sessions grow a few lines at a time (a prime stride, so
      // growth stops at every kind of line somewhere).
      const stride = lines.length > 100 ? 7 : 1;
      for (n++; n <= lines.length; n = n === lines.length ? n + 1 : Math.min(n + stride, lines.length)) {
        at(n);
        const place = (s: { id: string; parentId: string | null }): string => `${s.id}<${s.parentId ?? ''}`;
        const placesBefore = live.file.session(0).steps.map(place);
        live.reload();
        const fresh = new Opened(path, false);
        assert.deepEqual(live.shown(), fresh.shown(), `after line ${n}`);
        if (live.change?.kind === 'unchanged') continue;
        const unchanged = live.done?.unchangedSteps?.[0];
        assert.ok(unchanged !== undefined, `line ${n}: the worker says which steps are as before`);
        // Rows keep their places (the webview refreshes them in place) when every step shown
        // kept its id, parent and place; otherwise the page is rebuilt around the selection.
        const placesKept = placesBefore.every((p, i) => fresh.file.traces[0].steps[i] && place(fresh.file.traces[0].steps[i]) === p);
        assert.equal(live.change?.kind, placesKept ? 'appended' : 'rewritten', `line ${n}`);
        if (placesKept && unchanged < placesBefore.length) changedInPlace++;
      }
      // Both formats write one step over several lines (a reply's blocks; a call, then its output).
      assert.ok(changedInPlace > 0, 'some line changed a step already shown');
    });
  }

  it('a file of three runs read whole: a step added to the last run leaves the other sessions as they were', () => {
    const path = join(dir, 'three.trace.jsonl');
    writeFileSync(path, [1, 2, 3].map((seed) => benchTraceText('jsonl', 30, seed)).join(''));
    const live = new Opened(path, false);
    const sessions = [0, 1, 2].map((run) => live.file.session(run));
    appendFileSync(path, JSON.stringify({ type: 'step', id: 'late', kind: 'tool', name: 'late call', status: 'error', error: { message: 'HTTP 503' } }) + '\n');
    live.reload();
    assert.equal(live.change?.kind, 'appended');
    const fresh = new Opened(path, false);
    for (const run of [0, 1, 2]) {
      assert.equal(live.file.session(run), sessions[run], `run ${run}: the same session`);
      assert.deepEqual(live.shown(run), fresh.shown(run), `run ${run}`);
    }
    assert.equal(live.file.session(2).steps.at(-1)?.id, 'late');
  });

  it('a streamed agent-trace/v1 file whose next step fails: the run\'s verdict turns to failed', () => {
    const path = join(dir, 'streamed.trace.jsonl');
    writeFileSync(path, benchTraceText('jsonl', 60, 8));
    const live = new Opened(path, true);
    assert.notEqual((live.file.session(0).summary() as { verdict?: { outcome: string } }).verdict?.outcome, 'fail');
    appendFileSync(path, JSON.stringify({ type: 'step', id: 'last', kind: 'tool', name: 'deploy', status: 'error', error: { message: 'HTTP 503 from the registry' } }) + '\n');
    live.reload();
    assert.equal(live.change?.kind, 'appended');
    const fresh = new Opened(path, true);
    assert.deepEqual(live.shown(), fresh.shown());
    assert.equal((live.file.session(0).summary() as { verdict?: { outcome: string } }).verdict?.outcome, 'fail');
  });

  for (const ended of [false, true]) it(`OTLP JSON lines read again (${ended ? 'children first: two passes' : 'parents first'}): the steps shown that are unchanged are not sent again, and what comes shows as a fresh open shows it`, () => {
    const path = join(dir, `collector-${ended}.jsonl`);
    const first = otlpLines(benchTraceText('otlp', 60, 4), 10, ended);
    // A second trace (another trace id), as a collector writes the next traces' batches.
    const second = otlpLines(benchTraceText('otlp', 30, 6), 10, ended).replaceAll('4bf92f3577b34da6a3ce929d0e0e4736', '0000000000000000000000000000abcd');
    writeFileSync(path, first);
    const live = new Opened(path, true);
    assert.equal(live.file.traces.length, 1);
    const session = live.file.session(0);
    appendFileSync(path, second);
    live.reload();
    // Read on from where the last read stopped: the first trace is kept whole, with no reset.
    assert.equal(live.loader.linesReadOnReads, 1);
    assert.deepEqual(live.resets, [], 'the first trace is kept whole');
    assert.deepEqual(live.sentPerRun, { 1: 30 }, 'only the new trace\'s spans are sent');
    // Its steps came as steps of a run, as an agent-trace/v1 file's new run comes: the page sees the new run in the file's runs.
    assert.equal(live.change?.kind, 'appended');
    assert.equal(live.file.traces.length, 2, 'a run came');
    let fresh = new Opened(path, true);
    for (const run of [0, 1]) assert.deepEqual(live.shown(run), fresh.shown(run), `run ${run}`);
    assert.equal(live.file.session(0), session, 'the first trace\'s session is kept: its run held its place');

    // A request without spans changes the bytes, not the steps: both traces kept, nothing sent.
    appendFileSync(path, JSON.stringify({ resourceSpans: [] }) + '\n');
    const kept = live.file.session(1);
    live.reload();
    assert.equal(live.loader.linesReadOnReads, 2);
    assert.deepEqual(live.resets, []);
    assert.deepEqual(live.sentPerRun, {});
    assert.equal(live.change?.kind, 'appended');
    assert.equal(live.file.session(1), kept);

    // A span of the first trace rewritten failed: it keeps its first spans, the rest is sent again.
    const lines = readFileSync(path, 'utf8').split('\n');
    const doc = JSON.parse(lines[0]) as { resourceSpans: { scopeSpans: { spans: { status?: unknown }[] }[] }[] };
    doc.resourceSpans[0].scopeSpans[0].spans[5].status = { code: 2, message: 'the tool process was killed' };
    lines[0] = JSON.stringify(doc);
    writeFileSync(path, lines.join('\n'));
    live.reload();
    fresh = new Opened(path, true);
    const failed = fresh.file.session(0).steps.findIndex((st) => st.error?.message === 'the tool process was killed');
    assert.ok(failed >= 0);
    // Kept: the leading steps (decision order) whose spans end before the changed one starts;
    // the second trace's locations moved. Written children first, the root is after the change.
    const steps = fresh.file.session(0).steps;
    const changedAt = steps[failed].location!.offset!;
    let before = 0;
    while (before < steps.length && steps[before].location!.offset! + steps[before].location!.length! <= changedAt) before++;
    assert.equal(before, ended ? 0 : failed);
    assert.deepEqual(live.resets, [before > 0 ? [before, 0] : undefined]);
    for (const run of [0, 1]) assert.deepEqual(live.shown(run), fresh.shown(run), `run ${run} after the rewrite`);
  });

  it('an OTLP document rewritten with one span failed: that span shows failed, from its place on', () => {
    const doc = JSON.parse(benchTraceText('otlp', 120, 5)) as { resourceSpans: { scopeSpans: { spans: { status?: unknown }[] }[] }[] };
    const path = join(dir, 'spans.json');
    writeFileSync(path, JSON.stringify(doc));
    const live = new Opened(path, true);
    assert.equal(live.file.session(0).steps.length, 120);
    const spans = doc.resourceSpans[0].scopeSpans[0].spans;
    spans[60].status = { code: 2, message: 'upstream closed the connection' };
    writeFileSync(path, JSON.stringify(doc));
    live.reload();
    const fresh = new Opened(path, true);
    assert.deepEqual(live.shown(), fresh.shown());
    const index = fresh.file.session(0).steps.findIndex((s) => s.error?.message === 'upstream closed the connection');
    assert.ok(index > 0, 'the failed span is a step');
    assert.equal(live.file.session(0).steps[index].status, 'error');
    assert.equal(live.done?.unchangedSteps?.[0], index, 'the steps before it are as they were');
    assert.equal(live.change?.kind, 'appended', 'ids and places held');
  });

  it('prints tell equal steps from changed ones, and the prefix stops at the first change', () => {
    const trace = JSON.parse(JSON.stringify(new Opened(writeTrace(dir), false).file.traces[0])) as TraceFile['traces'][number];
    const steps = trace.steps;
    const changed = steps.map((s) => ({ ...s }));
    changed[7] = { ...changed[7], status: 'error' };
    const a = new StepPrints();
    const b = new StepPrints();
    a.add(steps);
    b.add(changed);
    assert.equal(a.commonPrefix(b), 7);
    assert.equal(unchangedStepPrefix(steps, changed), 7);
    const same = new StepPrints();
    same.add(steps.slice(0, 20));
    assert.equal(a.commonPrefix(same), 20, 'a shorter run: all of it');
  });
});

function writeTrace(dir: string): string {
  const path = join(dir, 'run.trace.jsonl');
  writeFileSync(path, benchTraceText('jsonl', 40, 3));
  return path;
}
