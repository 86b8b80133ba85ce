/**
 * The trace editor's host holds a streamed file's steps without their payloads (issue 11: memory
 * follows the number of steps, not their size) and reads them back where they are used: what the
 * webview is sent for a step (details, its whole texts, its elided messages, its annotations and
 * correction), search, and a correction's preview answer exactly as for the file loaded whole,
 * also after the file grew.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRows, GetStep, GetStepMessages, GetStepText, RpcEndpoint, Search, type CorrectionOutput } from '../../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { bindTraceEditorHandlers } from '../../../src/host/editor/handlers';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { DocumentLoader, type DocumentEvent } from '../../../src/core/engine/worker/document-load';
import { BENCH_TRACE_ID, benchTraceText } from '../../support/bench-traces';
import { otlpLines } from '../../support/otlp-lines';
import { jsonView } from '../../support/convert-compare';
import { GIST_READ_BYTES } from '../../../src/core/analysis/step-gist';
import { EventDecoder, EventEncoder } from '../../../src/core/engine/worker/event-codec';
import { browserEvalLog } from '../../support/inspect-log';

function connect(file: TraceFile): RpcEndpoint {
  const client: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => host.handle(m)), timeoutMs: 5000 });
  const host: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => client.handle(m)) });
  bindTraceEditorHandlers(host, file, { revealInFile: async () => ({ revealed: true }), openAsText: async () => undefined });
  return client;
}

describe('trace editor: a streamed file held without its payloads', function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  let paged: TraceFile;
  let loader: DocumentLoader;
  const all = benchTraceText('jsonl', 400, 11).split('\n').filter((l) => l.trim() !== '');
  const firstPart = all.slice(0, 300);

  /** The file as the editor gets it from its document worker (here in process). */
  function apply(e: DocumentEvent): void {
    paged.applyLoadEvent(e);
  }

  const whole = (): TraceFile => TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-paged-'));
    path = join(dir, 'run.trace.jsonl');
    writeFileSync(path, firstPart.join('\n') + '\n');
    paged = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
    loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 8192, payloadsOnDemand: true }, apply);
    loader.open();
    paged.session(0);
    paged.flushGrowth();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the steps without input and output', () => {
    const steps = paged.session(0).steps;
    assert.equal(steps.length, whole().session(0).steps.length);
    assert.ok(steps.every((s) => s.input === undefined && s.output === undefined));
    assert.ok(whole().session(0).steps.some((s) => s.input !== undefined), 'the file has payloads');
  });

  it("sends each step's details, texts, messages and annotations as for the file loaded whole", async () => {
    const a = connect(paged);
    const b = connect(whole());
    const n = paged.session(0).steps.length;
    for (let index = 0; index < n; index += 7) {
      assert.deepEqual(jsonView(await a.sendRequest(GetStep, { traceIndex: 0, index })), jsonView(await b.sendRequest(GetStep, { traceIndex: 0, index })), `step ${index}`);
      assert.deepEqual(await a.sendRequest(GetStepText, { traceIndex: 0, index, path: [] }), await b.sendRequest(GetStepText, { traceIndex: 0, index, path: [] }), `raw JSON of step ${index}`);
      for (const at of ['input', 'output'] as const) {
        const messages = paged.session(0).wholeStep(index)[at]?.messages;
        if (!messages?.length) continue;
        const ask = { traceIndex: 0, index, at, start: 0, count: messages.length };
        assert.deepEqual(jsonView(await a.sendRequest(GetStepMessages, ask)), jsonView(await b.sendRequest(GetStepMessages, ask)), `${at} messages of step ${index}`);
      }
    }
  });

  it('gives each call\'s and reply\'s row its gist, read back, as for the file loaded whole', () => {
    const view = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
    const held = paged.session(0).rows(view, 0, 1000).rows;
    assert.deepEqual(held, whole().session(0).rows(view, 0, 1000).rows);
    const told = held.filter((r) => r.kind === 'tool' || r.kind === 'llm');
    assert.ok(told.some((r) => r.kind === 'tool') && told.some((r) => r.kind === 'llm'));
    assert.ok(told.filter((r) => r.kind === 'tool').every((r) => r.detail), 'every call has a gist');
    assert.ok(told.some((r) => r.kind === 'llm' && r.detail), 'replies with text have one');
    assert.ok(held.every((r) => told.includes(r) || r.detail === undefined), 'no other step has one');
  });

  it('previews a correction of a model step against its own reply', () => {
    const index = paged.session(0).steps.findIndex((s) => s.kind === 'llm');
    const output: CorrectionOutput = { role: 'assistant', content: 'A better answer.' };
    const preview = paged.previewCorrection(0, index, output);
    assert.deepEqual(preview, whole().previewCorrection(0, index, output));
    assert.ok(preview.diff.some((l) => l.kind === 'removed'), 'the diff removes the original reply');
  });

  it("offers a correction the tools the run's calls imply when it declares none, as for the file loaded whole", () => {
    const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'undeclared', title: 'calls without a tool list' });
    const lines = [header];
    for (let k = 0; k < 40; k++) {
      lines.push(JSON.stringify({ type: 'step', id: `m${k}`, kind: 'llm', name: 'chat', output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: `c${k}`, name: k < 30 ? 'lookup' : 'fetch_page', arguments: k < 30 ? { q: `q${k}` } : { url: 'https://x', depth: k } }] }] } }));
      lines.push(JSON.stringify({ type: 'step', id: `t${k}`, kind: 'tool', name: k < 30 ? 'lookup' : 'fetch_page', toolCall: { id: `c${k}`, name: k < 30 ? 'lookup' : 'fetch_page', arguments: {} }, output: { value: 'ok' } }));
    }
    const file = join(dir, 'undeclared.trace.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const held = TraceFile.opening(file, { taxonomy: DEFAULT_TAXONOMY });
    // Small reads: the tools the calls imply come with the steps, as they change, not only at the end.
    const events: DocumentEvent[] = [];
    new DocumentLoader({ path: file, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 1024, payloadsOnDemand: true }, (e) => events.push(e)).open();
    const sent = events.filter((e) => e.kind === 'steps' && e.callableTools).map((e) => (e as { callableTools: { name: string }[] }).callableTools.map((t) => t.name));
    assert.deepEqual(sent, [['lookup'], ['lookup', 'fetch_page']], 'sent when a tool first appears');
    for (const e of events) held.applyLoadEvent(e);
    const loadedWhole = TraceFile.fromBytes(file, readFileSync(file), { taxonomy: DEFAULT_TAXONOMY });
    assert.deepEqual(jsonView(held.session(0).callableTools()), jsonView(loadedWhole.session(0).callableTools()));
    assert.deepEqual(held.stepAnnotations(0, 0).tools, ['lookup', 'fetch_page']);
    const output: CorrectionOutput = { role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'fetch_page', arguments: { url: 'https://y', depth: 'deep' } } }] };
    const preview = held.previewCorrection(0, 0, output);
    assert.deepEqual(preview, loadedWhole.previewCorrection(0, 0, output));
    assert.ok(preview.problems.some((p) => /depth/.test(p)), `the inferred schema types depth as an integer: ${preview.problems.join('; ')}`);
  });

  it('answers the editor\'s rows request with the same rows, the held steps\' gists read back a few per turn, and kept', async () => {
    const view = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
    const fresh = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 8192, payloadsOnDemand: true }, (e) => fresh.applyLoadEvent(e)).open();
    const session = fresh.session(0);
    fresh.flushGrowth();
    const expected = whole().session(0).rows(view, 0, 100).rows;
    const told = expected.filter((r) => r.kind === 'tool' || r.kind === 'llm').length;
    // A pace that always takes a turn: it is awaited before each few steps read back.
    let turns = 0;
    const everyTime = async (): Promise<void> => { turns++; await new Promise((resolve) => setImmediate(resolve)); };
    assert.deepEqual((await session.rowsInSlices(view, 0, 100, everyTime)).rows, expected);
    assert.ok(told >= 40, `the page has ${told} calls and replies`);
    assert.equal(turns, Math.ceil(told / 8), 'one turn per 8 steps read back');
    // Asked again (the webview after an append, or scrolling back), nothing is read back.
    turns = 0;
    assert.deepEqual((await session.rowsInSlices(view, 0, 100, everyTime)).rows, expected);
    assert.equal(turns, 0);
    // Through the protocol, as the webview asks.
    assert.deepEqual((await connect(fresh).sendRequest(GetRows, { view, start: 0, count: 100 })).rows, expected);
  });

  it('reads a held step\'s gist again when the file is rewritten with that step changed under the same id', async () => {
    const view = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
    const file = join(dir, 'rewritten.trace.jsonl');
    const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'rewritten', title: 'a call rewritten' });
    const call = (command: string) => JSON.stringify({ type: 'step', id: 'call-1', kind: 'tool', name: 'bash', toolCall: { id: 'c1', name: 'bash', arguments: { command } } });
    const other = JSON.stringify({ type: 'step', id: 'after', kind: 'tool', name: 'bash', toolCall: { id: 'c2', name: 'bash', arguments: { command: 'ls' } } });
    writeFileSync(file, [header, call('git status'), other].join('\n') + '\n');
    const held = TraceFile.opening(file, { taxonomy: DEFAULT_TAXONOMY });
    const reading = new DocumentLoader({ path: file, taxonomy: 'default', siblings: false, streamFromBytes: 0, payloadsOnDemand: true }, (e) => held.applyLoadEvent(e));
    reading.open();
    assert.deepEqual((await held.session(0).rowsInSlices(view, 0, 10)).rows.map((r) => r.detail), ['git status', 'ls']);
    writeFileSync(file, [header, call('git diff --stat'), other].join('\n') + '\n');
    reading.reload(true);
    assert.deepEqual((await held.session(0).rowsInSlices(view, 0, 10)).rows.map((r) => r.detail), ['git diff --stat', 'ls']);
  });

  it('reads back no step longer than GIST_READ_BYTES for its gist (a model span holding its whole conversation)', () => {
    const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'long-reply', title: 'a reply of 200 KB' });
    const reply = (id: string, text: string) => JSON.stringify({ type: 'step', id, kind: 'llm', name: 'chat', output: { messages: [{ role: 'assistant', content: text }] } });
    const file = join(dir, 'long-reply.trace.jsonl');
    writeFileSync(file, [header, reply('short', 'Checking the logs.'), reply('long', `Here is everything.\n${'x'.repeat(200_000)}`)].join('\n') + '\n');
    const held = TraceFile.opening(file, { taxonomy: DEFAULT_TAXONOMY });
    new DocumentLoader({ path: file, taxonomy: 'default', siblings: false, streamFromBytes: 0, payloadsOnDemand: true }, (e) => held.applyLoadEvent(e)).open();
    const view = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
    assert.deepEqual(held.session(0).rows(view, 0, 10).rows.map((r) => r.detail), ['Checking the logs.', undefined]);
    // Loaded whole, nothing is read back: both have their gist.
    const whole = TraceFile.fromBytes(file, readFileSync(file), { taxonomy: DEFAULT_TAXONOMY });
    assert.deepEqual(whole.session(0).rows(view, 0, 10).rows.map((r) => r.detail), ['Checking the logs.', 'Here is everything.']);
    assert.ok(GIST_READ_BYTES < 200_000);
  });

  it('searches held steps in the file a slice per turn of the event loop: answers with the match at once, then the count', async () => {
    const file = join(dir, 'long.trace.jsonl');
    writeFileSync(file, benchTraceText('jsonl', 2_500, 4));
    const held = TraceFile.opening(file, { taxonomy: DEFAULT_TAXONOMY });
    new DocumentLoader({ path: file, taxonomy: 'default', siblings: false, streamFromBytes: 0, payloadsOnDemand: true }, (e) => held.applyLoadEvent(e)).open();
    const whole = TraceFile.fromBytes(file, readFileSync(file), { taxonomy: DEFAULT_TAXONOMY }).session(0);
    const expected = whole.search('façade', -1, 'next');
    assert.ok(expected.matchCount > 1 && expected.index !== null);
    assert.ok(held.session(0).steps.length > 2_000, 'more than one slice of steps');

    const first = await held.session(0).searchAsync('façade', -1, 'next');
    assert.equal(first.partial, true, 'the first slice had a match: no need to wait for the rest');
    assert.equal(first.index, expected.index);
    assert.ok(first.matchCount >= 1 && first.matchCount <= expected.matchCount);
    assert.equal(first.ordinal, undefined);

    // It counted the rest meanwhile: the same query answers whole now.
    assert.deepEqual(await held.session(0).searchAsync('façade', -1, 'next', { complete: true }), expected);
    assert.deepEqual(await held.session(0).searchAsync('façade', expected.index, 'previous'), whole.search('façade', expected.index, 'previous'));

    // Asked for the count of a new query: the thread is free between its slices.
    const order: string[] = [];
    const counted = held.session(0).searchAsync('returned:', -1, 'next', { complete: true }).then((r) => { order.push('search answered'); return r; });
    setImmediate(() => order.push('another task ran'));
    assert.deepEqual(await counted, whole.search('returned:', -1, 'next'));
    assert.deepEqual(order, ['another task ran', 'search answered']);
  });

  it('searches the messages read back, then the appended steps too', async () => {
    const a = connect(paged);
    const b = connect(whole());
    // Words that occur only inside messages and tool output (not in names or ids).
    for (const query of ['façade', 'returned:', 'turn 7:', 'no such text anywhere']) {
      const ask = { traceIndex: 0, query, from: -1, direction: 'next' as const };
      const first = await a.sendRequest(Search, ask);
      const expected = await b.sendRequest(Search, ask);
      assert.equal(first.index, expected.index, `${query}: the match comes first`);
      assert.deepEqual(await a.sendRequest(Search, { ...ask, complete: true }), expected, `${query}: then the count`);
    }
    const appended = JSON.stringify({ type: 'step', id: 'late', kind: 'llm', name: 'chat', output: { messages: [{ role: 'assistant', content: 'a zebra crossing at the end' }] } });
    appendFileSync(path, all.slice(300).join('\n') + '\n' + appended + '\n');
    loader.reload();
    paged.flushGrowth();
    const found = await a.sendRequest(Search, { traceIndex: 0, query: 'zebra crossing', from: -1, direction: 'next' });
    assert.equal(found.index, paged.session(0).indexOfId('late'));
    const ask = { traceIndex: 0, query: 'façade', from: -1, direction: 'next' as const, complete: true };
    assert.deepEqual(await a.sendRequest(Search, ask), await connect(whole()).sendRequest(Search, ask), 'the appended steps are searched');
  });
});

for (const childrenFirst of [false, true]) describe(`trace editor: an OTLP document held as its spans' byte ranges, ${childrenFirst ? 'children first (read in two passes)' : 'parents first (streamed)'}`, function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  let paged: TraceFile;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-paged-otlp-'));
    path = join(dir, 'spans.json');
    const doc = JSON.parse(benchTraceText('otlp', 300, 12)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    if (childrenFirst) doc.resourceSpans[0].scopeSpans[0].spans.reverse();
    writeFileSync(path, JSON.stringify(doc));
    paged = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
    const events: DocumentEvent['kind'][] = [];
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 8192, payloadsOnDemand: true }, (e) => {
      events.push(e.kind);
      paged.applyLoadEvent(e);
    }).open();
    assert.ok(events.filter((k) => k === 'steps').length > (childrenFirst ? 0 : 5) && !events.includes('reset'), `streamed: ${events.join(',')}`);
    paged.session(0);
    paged.flushGrowth();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const whole = (): TraceFile => TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });

  it('holds the spans without their messages, and sends details, texts and messages as for the file loaded whole', async () => {
    const steps = paged.session(0).steps;
    assert.equal(steps.length, 300);
    assert.ok(steps.every((s) => s.input === undefined && s.output === undefined));
    const a = connect(paged);
    const b = connect(whole());
    for (let index = 0; index < steps.length; index += 11) {
      assert.deepEqual(jsonView(await a.sendRequest(GetStep, { traceIndex: 0, index })), jsonView(await b.sendRequest(GetStep, { traceIndex: 0, index })), `step ${index}`);
      assert.deepEqual(await a.sendRequest(GetStepText, { traceIndex: 0, index, path: [] }), await b.sendRequest(GetStepText, { traceIndex: 0, index, path: [] }), `raw JSON of step ${index}`);
      const messages = paged.session(0).wholeStep(index).input?.messages;
      if (!messages?.length) continue;
      const ask = { traceIndex: 0, index, at: 'input' as const, start: 0, count: messages.length };
      assert.deepEqual(jsonView(await a.sendRequest(GetStepMessages, ask)), jsonView(await b.sendRequest(GetStepMessages, ask)), `input messages of step ${index}`);
    }
  });

  it('searches the messages read back as the file loaded whole', async () => {
    const a = connect(paged);
    const b = connect(whole());
    for (const query of ['reconcile', 'résumé', 'timeout', 'no such text anywhere']) {
      const ask = { traceIndex: 0, query, from: -1, direction: 'next' as const, complete: true };
      const expected = await b.sendRequest(Search, ask);
      assert.equal(expected.matchCount > 0, query !== 'no such text anywhere', `${query}: found in the file loaded whole`);
      assert.deepEqual(await a.sendRequest(Search, ask), expected, query);
    }
  });
});

describe("trace editor: a collector's file of many traces written children first", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-paged-runs-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the first trace while the first pass reads, and ends as the file loaded whole, also when a trace shown got a span later', async () => {
    // One line per trace, its spans as they end; in the second file a span of the first trace comes after the second trace.
    const traces = [1, 2, 3].map((k) => JSON.parse(otlpLines(benchTraceText('otlp', 60, k).split(BENCH_TRACE_ID).join(`${k}`.repeat(32)), 1000, true)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] });
    const straggler = structuredClone(traces[0]);
    straggler.resourceSpans[0].scopeSpans[0].spans = structuredClone(traces[0]).resourceSpans[0].scopeSpans[0].spans.splice(5, 1);
    const moved = structuredClone(traces[0]);
    moved.resourceSpans[0].scopeSpans[0].spans.splice(5, 1);
    const files = {
      inOrder: traces.map((t) => JSON.stringify(t)),
      straggler: [moved, traces[1], straggler, traces[2]].map((t) => JSON.stringify(t)),
    };
    for (const [name, lines] of Object.entries(files)) {
      const path = join(dir, `${name}.jsonl`);
      writeFileSync(path, `${lines.join('\n')}\n`);
      const paged = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
      let shownWhileReading = 0;
      let findingsWhileReading: string[] | undefined;
      const events: string[] = [];
      const whole = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
      const findingsOf = (file: TraceFile, traceIndex: number): string[] => file.session(traceIndex).steps.flatMap((st, i) => file.session(traceIndex).findingsOf(i).map((f) => `${st.id} ${f.category}`));
      new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 8192, payloadsOnDemand: true }, (e) => {
        events.push(e.kind);
        paged.applyLoadEvent(e);
        // The editor builds the first run's session as soon as it has steps, and keeps it up to date.
        if (e.kind === 'steps' && e.run === 0 && paged.loading) {
          shownWhileReading = paged.session(0).steps.length;
          paged.flushGrowth();
        }
        // Once the next run comes, the first shows its failures, while the rest is read.
        if (e.kind === 'steps' && e.run === 1 && findingsWhileReading === undefined && paged.loading) {
          paged.flushGrowth();
          findingsWhileReading = findingsOf(paged, 0);
        }
      }).open();
      assert.ok(shownWhileReading > 0, `${name}: the first trace showed while the first pass read (${events.join(',')})`);
      const expectedFindings = findingsOf(whole, 0);
      assert.ok(expectedFindings.length > 0, `${name}: the first trace has failures`);
      if (name === 'inOrder') assert.deepEqual(findingsWhileReading, expectedFindings, `${name}: the first trace's failures show while the rest is read`);
      assert.equal(events.includes('reset'), name === 'straggler', `${name}: ${events.join(',')}`);
      paged.flushGrowth();
      assert.deepEqual(findingsOf(paged, 0), expectedFindings, `${name}: the first trace's failures at the end`);
      assert.deepEqual(paged.traces.map((t) => t.steps.length), whole.traces.map((t) => t.steps.length), name);
      const a = connect(paged);
      const b = connect(whole);
      for (let traceIndex = 0; traceIndex < 3; traceIndex++) {
        assert.deepEqual(paged.session(traceIndex).steps.map((s) => [s.id, s.parentId, s.depth]), whole.session(traceIndex).steps.map((s) => [s.id, s.parentId, s.depth]), `${name}: trace ${traceIndex}`);
        for (let index = 0; index < paged.session(traceIndex).steps.length; index += 7) {
          assert.deepEqual(jsonView(await a.sendRequest(GetStep, { traceIndex, index })), jsonView(await b.sendRequest(GetStep, { traceIndex, index })), `${name}: trace ${traceIndex} step ${index}`);
        }
      }
    }
  });
});

describe('trace editor: a run opened while many of its steps have come', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-paged-first-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is indexed over its first 2,000 steps, grows in slices of them, and ends as the file loaded whole', () => {
    const path = join(dir, 'run.trace.jsonl');
    writeFileSync(path, benchTraceText('jsonl', 7_000, 5));
    const paged = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
    let done: DocumentEvent | undefined;
    // Every step arrives before the editor asks for the first rows; the done is held back.
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 64 * 1024, payloadsOnDemand: true }, (e) => {
      if (e.kind === 'done') done = e;
      else paged.applyLoadEvent(e);
    }).open();
    assert.ok(paged.loading && done, 'the read is still going on for the editor');
    assert.equal(paged.traces[0].steps.length, 7_000);
    const session = paged.session(0);
    assert.equal(session.steps.length, 2_000, 'the first rows come from a first slice');
    assert.ok(paged.growthPending, 'the rest is left to the slices');
    let slices = 0;
    while (paged.growthPending) {
      paged.flushGrowth(2_000);
      slices++;
    }
    assert.equal(session.steps.length, 7_000);
    assert.ok(slices >= 3, `grew in ${slices} slices`);
    const whole = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
    const findings = (file: TraceFile): string[] => file.session(0).steps.flatMap((st, i) => file.session(0).findingsOf(i).map((f) => `${st.id} ${f.category}`));
    paged.applyLoadEvent(done!);
    paged.flushGrowth();
    assert.deepEqual(session.steps.map((s) => [s.id, s.parentId, s.depth]), whole.session(0).steps.map((s) => [s.id, s.parentId, s.depth]));
    assert.deepEqual(findings(paged), findings(whole));
    assert.ok(findings(whole).length > 0);
  });
});

describe('trace editor: a large Inspect log, its samples held with their steps\' texts', function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  let paged: TraceFile;
  let loader: DocumentLoader;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-paged-inspect-'));
    path = join(dir, 'browser.json');
    writeFileSync(path, browserEvalLog(3));
    paged = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
    // As the editor gets them: through the event codec, from a worker reading with payloads on demand.
    const encoder = new EventEncoder();
    const decoder = new EventDecoder();
    loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 16_384, payloadsOnDemand: true }, (e) => {
      for (const m of encoder.encode(e)) {
        const back = decoder.decode(m);
        if (back) paged.applyLoadEvent(back);
      }
    });
    loader.open();
    paged.flushGrowth();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const whole = (): TraceFile => TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });

  it('holds every sample\'s steps without their payloads, and sends details, texts and messages as for the log loaded whole', async () => {
    assert.equal(paged.traces.length, 3);
    const a = connect(paged);
    const b = connect(whole());
    for (let run = 0; run < 3; run++) {
      const steps = paged.session(run).steps;
      assert.equal(steps.length, whole().session(run).steps.length);
      assert.ok(steps.every((s) => s.input === undefined && s.output === undefined), `sample ${run} held`);
      for (let index = run; index < steps.length; index += 3) {
        assert.deepEqual(jsonView(await a.sendRequest(GetStep, { traceIndex: run, index })), jsonView(await b.sendRequest(GetStep, { traceIndex: run, index })), `sample ${run}, step ${index}`);
        assert.deepEqual(await a.sendRequest(GetStepText, { traceIndex: run, index, path: [] }), await b.sendRequest(GetStepText, { traceIndex: run, index, path: [] }), `raw JSON of sample ${run}, step ${index}`);
        for (const at of ['input', 'output'] as const) {
          const messages = paged.session(run).wholeStep(index)[at]?.messages;
          if (!messages?.length) continue;
          const ask = { traceIndex: run, index, at, start: 0, count: messages.length };
          assert.deepEqual(jsonView(await a.sendRequest(GetStepMessages, ask)), jsonView(await b.sendRequest(GetStepMessages, ask)), `${at} messages of sample ${run}, step ${index}`);
        }
      }
    }
    assert.ok(whole().session(0).steps.some((s) => s.input !== undefined), 'the log has payloads');
  });

  it('gives the rows their gists, and a correction the run\'s tools, as for the log loaded whole', () => {
    const view = { traceIndex: 2, collapsed: [], failuresOnly: false, categories: [] };
    const rows = paged.session(2).rows(view, 0, 1000).rows;
    assert.deepEqual(rows, whole().session(2).rows(view, 0, 1000).rows);
    assert.ok(rows.some((r) => r.kind === 'tool' && r.detail), 'calls have gists');
    assert.deepEqual(jsonView(paged.session(2).callableTools()), jsonView(whole().session(2).callableTools()));
    assert.ok(paged.session(2).callableTools().length > 0);
  });

  it('searches the steps\' texts as the log loaded whole', async () => {
    const a = connect(paged);
    const b = connect(whole());
    for (const query of ['browser', 'web_browser_go', 'hierarchical bayesian', 'no such text anywhere']) {
      const ask = { traceIndex: 1, query, from: -1, direction: 'next' as const, complete: true };
      const expected = await b.sendRequest(Search, ask);
      assert.equal(expected.matchCount > 0, query !== 'no such text anywhere', `${query}: found in the log loaded whole`);
      assert.deepEqual(await a.sendRequest(Search, ask), expected, query);
    }
  });

  it('read again after the log changed: the samples kept stay held, the changed one comes whole, each step as the log loaded whole', async () => {
    // The last sample's first tool call now returned something else.
    const log = JSON.parse(readFileSync(path, 'utf8')) as { samples: { events: { event: string; result?: unknown }[] }[] };
    const call = log.samples[2].events.find((e) => e.event === 'tool');
    assert.ok(call);
    call.result = 'A page written after the log was opened.';
    writeFileSync(path, JSON.stringify(log, null, 2));
    loader.reload();
    paged.flushGrowth();
    const a = connect(paged);
    const b = connect(whole());
    for (let run = 0; run < 3; run++) {
      const n = paged.session(run).steps.length;
      assert.equal(n, whole().session(run).steps.length);
      for (let index = 0; index < n; index += 2) {
        assert.deepEqual(jsonView(await a.sendRequest(GetStep, { traceIndex: run, index })), jsonView(await b.sendRequest(GetStep, { traceIndex: run, index })), `sample ${run}, step ${index}`);
      }
    }
    assert.ok(paged.session(0).steps.every((s) => s.input === undefined), 'the first sample, unchanged, stays held');
    const ask = { traceIndex: 2, query: 'written after the log was opened', from: -1, direction: 'next' as const, complete: true };
    const found = await a.sendRequest(Search, ask);
    assert.deepEqual(found, await b.sendRequest(Search, ask));
    assert.ok(found.matchCount > 0, 'the changed sample says what it says now');
  });

  it('a sample whose score says it failed shows its score step as failing, read from its text, as the log loaded whole', () => {
    const log = JSON.parse(readFileSync(path, 'utf8')) as { samples: { scores: Record<string, { value: unknown }>; events: { event: string; score?: { value: unknown } }[] }[] };
    const failed = log.samples[1];
    for (const score of Object.values(failed.scores)) score.value = 'I';
    for (const e of failed.events) if (e.event === 'score' && e.score) e.score.value = 'I';
    const failing = join(dir, 'failing.json');
    writeFileSync(failing, JSON.stringify(log, null, 2));
    const held = TraceFile.opening(failing, { taxonomy: DEFAULT_TAXONOMY });
    const encoder = new EventEncoder();
    const decoder = new EventDecoder();
    new DocumentLoader({ path: failing, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 16_384, payloadsOnDemand: true }, (e) => {
      for (const m of encoder.encode(e)) {
        const back = decoder.decode(m);
        if (back) held.applyLoadEvent(back);
      }
    }).open();
    held.flushGrowth();
    const loadedWhole = TraceFile.fromBytes(failing, readFileSync(failing), { taxonomy: DEFAULT_TAXONOMY });
    const view = { traceIndex: 1, collapsed: [], failuresOnly: false, categories: [] };
    const rows = held.session(1).rows(view, 0, 1000).rows;
    assert.deepEqual(rows, loadedWhole.session(1).rows(view, 0, 1000).rows);
    const score = rows.find((r) => r.name.startsWith('score: '));
    assert.ok(score?.failing, `the score step fails: ${JSON.stringify(score)}`);
    assert.ok(held.session(1).steps.every((st) => st.output === undefined), 'held');
  });
});
