/**
 * A large trace in real VS Code: the trace editor reads it in its document worker, so the first
 * rows show while the rest is still read, the tab answers meanwhile (select a step, go to the next
 * failure), and every step is shown once the read ends. 100,000 steps by default (19 MB);
 * AGENT_TRACE_LARGE_STEPS=1000000 runs the issue's 10^6 by hand (not in npm test: it needs minutes).
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { writeSmallTrace } from '../../support/small-trace';
import { writeBenchTrace } from '../../support/bench-traces';
import { otlpLines } from '../../support/otlp-lines';
import { strToU8, zipSync } from 'fflate';
import { loadTraceFile } from '../../../src/core/load';
import { searchableText } from '../../../src/core/engine/search-text';
import { findingsFor } from '../../../src/core/review';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { activatedExtension, closeAllEditors, sharedTrace, VIEW_TYPE, waitFor, webviewState } from './helpers';

const STEPS = Number(process.env.AGENT_TRACE_LARGE_STEPS ?? 100_000);

/**
 * Opens `path` in the trace editor with its read held after the first steps (the test hook), waits
 * for the first rows, checks they show while the `what` is still read, runs `check` then, and lets
 * the read go on.
 */
async function atFirstRowsHeld(path: string, what: string, check: () => void): Promise<void> {
  await closeAllEditors();
  await vscode.commands.executeCommand('agentTraceDebugger.test.holdTraceReads', true);
  try {
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(path), VIEW_TYPE);
    const first = await waitFor('the first rows', async () => { const s = await webviewState(); return s && s.totalRows > 0 ? s : undefined; }, 120_000);
    assert.equal(first.reading, true, `the first rows show while the ${what} is still being read`);
    check();
  } finally {
    await vscode.commands.executeCommand('agentTraceDebugger.test.holdTraceReads', false);
  }
}

export function registerLargeTraceTests(): void {
  suite('a large trace, read while it opens', () => {
    let dir: string;
    let file: string;
    suiteSetup(() => {
      dir = mkdtempSync(join(tmpdir(), 'atd-large-'));
      file = join(dir, 'many.trace.jsonl');
      writeSmallTrace(file, STEPS);
    });
    suiteTeardown(async () => {
      await closeAllEditors();
      rmSync(dir, { recursive: true, force: true });
    });

    test(`${STEPS.toLocaleString('en-US')} steps: the first rows show while the file is read, the tab answers meanwhile, then every step`, async () => {
      const { api } = await activatedExtension();
      await closeAllEditors();
      // What the read brings after its first steps waits until released: on a fast machine the
      // whole file could otherwise be read before the first look.
      await vscode.commands.executeCommand('agentTraceDebugger.test.holdTraceReads', true);
      // Hashed on a thread of its own as a large file is (from 64 MB), in the extension host's worker.
      await vscode.commands.executeCommand('agentTraceDebugger.test.hashOnAThreadFrom', 0);
      let failure;
      try {
        await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
        const first = await waitFor('the first rows', async () => { const s = await webviewState(); return s && s.totalRows > 0 ? s : undefined; }, 120_000);
        assert.equal(first.reading, true, 'the first rows show while the file is still being read');
        assert.ok(first.totalRows < STEPS, `${first.totalRows} rows of ${STEPS} at first`);

        // The tab answers while it reads: select a step by its id, then go to the next failure.
        const editor = api.traceEditor()?.activeEditor;
        assert.ok(editor, 'the trace editor is active');
        assert.equal(editor.selectStep('m1'), true);
        await waitFor('m1 selected', async () => ((await webviewState())?.selectedId === 'm1' ? true : undefined), 120_000);
        editor.nextFailure();
        failure = await waitFor('the next failure selected', async () => { const s = await webviewState(); return s && s.selectedId !== 'm1' ? s : undefined; }, 120_000);
        assert.ok((failure.selectedIndex ?? -1) > 4, `the next failure comes after m1 (row 5), at ${failure.selectedIndex}`);
        assert.equal(failure.reading, true, 'all this while the file is still being read');
      } finally {
        await vscode.commands.executeCommand('agentTraceDebugger.test.holdTraceReads', false);
        await vscode.commands.executeCommand('agentTraceDebugger.test.hashOnAThreadFrom', undefined);
      }

      const done = await waitFor('every step read', async () => { const s = await webviewState(); return s && !s.reading && s.totalRows === STEPS ? s : undefined; }, 600_000, 250);
      assert.equal(done.totalRows, STEPS);
      assert.equal(api.traceEditor()!.activeEditor!.document.file.traces[0].source.sha256, createHash('sha256').update(readFileSync(file)).digest('hex'), 'the run\'s sha256 is the file\'s, hashed on its own thread');
      assert.equal(done.selectedId, failure.selectedId, 'the selection stayed on its step while the rows grew');

      // The host holds the steps without their payloads and reads them back from the file where
      // they are used: the details and search.
      const session = api.traceEditor()!.activeEditor!.document.file.session(0);
      // The last turn with a model step (step 3k + 1 is turn k's): at 10^6 steps the last turn has only its agent step.
      const last = Math.floor((STEPS - 2) / 3);
      const m = session.indexOfId(`m${last}`)!;
      assert.equal(session.steps[m].output, undefined, 'held without its output');
      assert.deepEqual(session.details(m, true).step.output, { messages: [{ role: 'assistant', content: `step ${last}` }] }, 'its details read it back');
      assert.equal(session.search(`step ${last}`, -1, 'next').index, m, 'search reads the outputs back');

      // The webview's search: the document worker that read the file checks part of the steps.
      const traceFile = api.traceEditor()!.activeEditor!.document.file;
      const checker = traceFile.lineChecker;
      assert.ok(checker, 'the document worker checks lines for searches');
      let asked = 0;
      traceFile.lineChecker = (query, lines) => { asked++; return checker(query, lines); };
      const counted = await session.searchAsync('step 7', -1, 'next', { complete: true });
      traceFile.lineChecker = checker;
      const expected = loadTraceFile(file).traces[0].steps.filter((s) => searchableText(s).includes('step 7'));
      assert.equal(counted.matchCount, expected.length, 'every match counted');
      assert.equal(session.steps[counted.index!].id, expected[0].id, 'the first match');
      assert.ok(asked > 0, 'the worker was asked');
    });

    test('a collector\'s file of many runs written children first shows its first run during the first pass, then every run', async () => {
      // 5 runs of 1,000 spans, each its own trace, spans as they end (9 MB).
      const path = join(dir, 'runs.otlp.jsonl');
      await writeBenchTrace(path, 'otlp-runs', 5_000);
      const { api } = await activatedExtension();
      await atFirstRowsHeld(path, 'file', () => {
        // The first pass fills the reading bar's first half: the first run came a fifth of the way into it.
        const loading = api.traceEditor()!.activeEditor!.document.file.loading!;
        assert.ok(loading.bytesRead / loading.totalBytes < 0.2, `the first run showed at ${loading.bytesRead} of ${loading.totalBytes} bytes of the bar`);
      });
      const whole = loadTraceFile(path).traces;
      assert.equal(whole.length, 5);
      await waitFor('every span of the first run', async () => { const s = await webviewState(); return s && !s.reading && s.totalRows === whole[0].steps.length ? s : undefined; }, 300_000, 250);
      const file = api.traceEditor()!.activeEditor!.document.file;
      assert.deepEqual(file.traces.map((t) => [t.source.traceKey, t.steps.length]), whole.map((t) => [t.source.traceKey, t.steps.length]), 'every run, with its key');
      assert.deepEqual(file.session(4).steps.map((st) => st.id), whole[4].steps.map((st) => st.id), 'the last run, in decision order');
    });

    test('an Inspect .eval log shows its first sample while the rest is inflated, then every sample', async () => {
      // 130 samples of the corpus's browser eval, each its own id (about 4.5 MB compressed, above the 4 MB from which logs stream).
      const { api, extension } = await activatedExtension();
      const corpus = sharedTrace(extension.extensionPath, ['inspect-ai', '2025-05-12T20-27-36-04-00_browser.json']).fsPath;
      const log = JSON.parse(readFileSync(corpus, 'utf8')) as { samples: Record<string, unknown>[] } & Record<string, unknown>;
      const { samples: [sample], ...header } = log;
      const entries: Record<string, Uint8Array> = { 'header.json': strToU8(JSON.stringify(header)) };
      for (let i = 1; i <= 130; i++) entries[`samples/${i}_epoch_1.json`] = strToU8(JSON.stringify({ ...sample, id: i, epoch: 1 }));
      const path = join(dir, 'browser.eval');
      writeFileSync(path, zipSync(entries));
      await atFirstRowsHeld(path, 'log', () => {
        const file = api.traceEditor()!.activeEditor!.document.file;
        assert.ok(file.traces.length < 130, `${file.traces.length} samples shown at first`);
        const loading = file.loading!;
        assert.ok(loading.bytesRead / loading.totalBytes < 0.2, `the first sample showed at ${loading.bytesRead} of ${loading.totalBytes} bytes`);
      });
      const whole = loadTraceFile(path).traces;
      await waitFor('every sample', async () => { const s = await webviewState(); return s && !s.reading && api.traceEditor()!.activeEditor!.document.file.traces.length === whole.length ? s : undefined; }, 300_000, 250);
      const file = api.traceEditor()!.activeEditor!.document.file;
      assert.deepEqual(file.traces.map((t) => [t.source.traceKey, t.steps.length, t.source.sha256]), whole.map((t) => [t.source.traceKey, t.steps.length, t.source.sha256]), 'every sample, with its key and the file\'s sha256');
      assert.deepEqual(file.session(129).steps.map((st) => st.id), whole[129].steps.map((st) => st.id), 'the last sample, in decision order');
      // The samples are held without their payloads (each step's text kept instead) and made whole where shown.
      assert.ok(file.traces.every((t) => t.steps.every((st) => st.input === undefined && st.output === undefined)), 'steps held');
      const shown = whole[129].steps.findIndex((st) => st.kind === 'llm');
      assert.deepEqual(JSON.parse(JSON.stringify(file.session(129).wholeStep(shown))), JSON.parse(JSON.stringify(whole[129].steps[shown])), 'a model step made whole');
    });

    // 5,000 spans each (9-11 MB). An OTLP document whose spans come parents first streams, one
    // written children first is read in two passes (the tab shows, reading, before any step); a
    // TRAIL span tree streams span by span, each span without its children. Their spans are held
    // without their messages. A TRAIL tree whose spans come before its trace_id is read whole and
    // reaches the tab in about 20 slices, more than the worker lets wait on the host at once. OTLP
    // JSON lines (a batch of spans per line, each children first) are read in two passes.
    const reversed = (text: string): string => {
      const doc = JSON.parse(text) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
      doc.resourceSpans[0].scopeSpans[0].spans.reverse();
      return JSON.stringify(doc);
    };
    const spansFirst = (text: string): string => {
      const { trace_id: traceId, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return JSON.stringify({ ...rest, trace_id: traceId });
    };
    const collectorLines = (text: string): string => otlpLines(text, 20, true);
    const documents = [
      { name: 'a streamed OTLP document', format: 'otlp', held: true },
      { name: 'OTLP JSON lines written by a collector (a batch per line, children first)', format: 'otlp', held: true, change: collectorLines },
      { name: 'an OTLP document written children first, read in two passes', format: 'otlp', held: true, change: reversed },
      { name: 'a streamed TRAIL span tree', format: 'trail', held: true },
      { name: 'a TRAIL span tree read whole', format: 'trail', held: false, change: spansFirst },
    ] as const;
    for (const document of documents) {
      const { name, format, held } = document;
      const change = 'change' in document ? document.change : undefined;
      test(`${name} reaches the tab as the host takes it: every span and every finding`, async () => {
        const path = join(dir, `many.${format}${change ? `.${change.name}` : ''}.json`);
        await writeBenchTrace(path, format, 5_000);
        if (change) writeFileSync(path, change(readFileSync(path, 'utf8')));
        const { api } = await activatedExtension();
        await closeAllEditors();
        await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(path), VIEW_TYPE);
        const whole = loadTraceFile(path).traces[0];
        await waitFor('every span read', async () => { const s = await webviewState(); return s && !s.reading && s.totalRows === whole.steps.length ? s : undefined; }, 300_000, 250);
        const session = api.traceEditor()!.activeEditor!.document.file.session(0);
        assert.deepEqual(session.steps.map((st) => st.id), whole.steps.map((st) => st.id), 'the spans, in decision order');
        const model = whole.steps.findIndex((st) => st.kind === 'llm' && st.output !== undefined);
        assert.equal(session.steps[model].output === undefined, held, 'a streamed span is held without its messages');
        // A streamed TRAIL span's location covers its own members, not its children.
        const readBack = { ...session.wholeStep(model), location: whole.steps[model].location };
        assert.deepEqual(JSON.parse(JSON.stringify(readBack)), JSON.parse(JSON.stringify(whole.steps[model])), 'and read back whole');
        const expected = findingsFor(whole, DEFAULT_TAXONOMY);
        assert.ok(expected.length > 50, `${expected.length} findings expected`);
        const shown = session.steps.flatMap((st, i) => session.findingsOf(i).map((f) => `${st.id} ${f.category}`));
        assert.deepEqual(shown.sort(), expected.map((f) => `${f.stepId} ${f.category}`).sort(), 'every finding, on its span');
      });
    }
  });
}
