/**
 * Opening a trace for the editor in the worker (src/core/engine/worker/document-load.ts): the
 * events rebuild exactly what the whole-file load gives (steps, headers, warnings, findings),
 * streamed or not; a growing file sends only its new steps; a rewrite sends a reset and
 * everything again; a file that cannot be opened fails with the whole load's words. The client
 * (document-client.ts) runs the same in a real worker and reports a cancel and a crash.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { rejectedCallTrace } from '../../support/rejected-call-trace';
import { DocumentLoader, type DocumentEvent, type OpenDocumentParams } from '../../../src/core/engine/worker/document-load';
import { DocumentWorkerClient } from '../../../src/core/engine/worker/document-client';
import { startTraceWorker, TRACE_WORKER_YOUNG_GENERATION_MB } from '../../../src/core/engine/worker/spawn';
import { MAX_UNREAD_EVENTS } from '../../../src/core/engine/worker/event-flow';
import { DOCUMENT_WORKER_READY } from '../../../src/core/engine/worker/messages';
import { checkLinesInFile, LineVerdict, withoutPayloads, type LineCheck, type PayloadFormat } from '../../../src/core/engine/stream/step-payloads';
import { searchableText } from '../../../src/core/engine/search-text';
import { loadTraceFile } from '../../../src/core/load';
import { analysisOutcome } from '../../../src/core/analysis/outcome';
import { siblingsOf } from '../../../src/core/util/siblings';
import { findingsFor } from '../../../src/core/review';
import { inferMissingTools } from '../../../src/core/export/infer-tools';
import { browserEvalLog } from '../../support/inspect-log';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import type { Step, Trace } from '../../../src/core/model/schema';
import { BENCH_TRACE_ID, benchTraceText } from '../../support/bench-traces';
import { cutIntoRequests, otlpLines, spansAsTheyEnd, type OtlpSpan } from '../../support/otlp-lines';
import { claudeCodeSessionLines, claudeCodeSessionWithSubagent, writeSessionWrite, type SessionWrite } from '../../support/claude-code-session';
import { completeLines, parsesWhole } from '../../../src/core/engine/stream/complete-lines';
import { jsonView } from '../../support/convert-compare';
import { PROJECT_ROOT, sharedFiles, sharedPath } from '../../support/shared';
import { refusal } from '../../support/refusal';
import { traceWorkerScript } from '../../support/bundled';

/** What the host builds from the events: runs with their steps, as `loadTraceFromBytes` gives them. */
class Model {
  runs: Trace[] = [];
  warnings: string[] = [];
  findings: unknown[] = [];
  format: string | null = null;
  streamed = false;
  outcome: unknown;
  failed: string[] | undefined;
  events: DocumentEvent['kind'][] = [];
  /** Per event, how far the file was read when it came (steps and progress events say). */
  progress: ({ bytesRead: number; totalBytes: number } | undefined)[] = [];
  resets: Extract<DocumentEvent, { kind: 'reset' }>[] = [];
  /** Per run, the findings its steps events last brought (before the done's). */
  findingsWhileRead: unknown[] = [];
  stepEvents = 0;

  apply = (e: DocumentEvent): void => {
    this.events.push(e.kind);
    this.progress.push(e.kind === 'steps' || e.kind === 'progress' ? { bytesRead: e.bytesRead, totalBytes: e.totalBytes } : undefined);
    if (e.kind === 'reset') this.resets.push(e);
    if (e.kind === 'reset') {
      // Each run read again begins with the steps the reset keeps.
      this.runs = (e.keep ?? []).map((kept, i) => ({ ...this.runs[i], steps: this.runs[i].steps.slice(0, kept) }));
      this.failed = undefined;
    }
    if (e.kind === 'steps') {
      this.stepEvents++;
      if (e.findings) this.findingsWhileRead[e.run] = jsonView(e.findings);
      // As the host: a run kept by a reset keeps its steps (the header is final only at the done).
      if (e.header && !this.runs[e.run]) this.runs[e.run] = { ...e.header, steps: [] };
      for (const s of e.steps) this.runs[e.run].steps.push(s);
    }
    if (e.kind === 'done') {
      // As the host: a read to its end replaces what a failed one left (TraceFile.replaceTraces).
      this.failed = undefined;
      this.runs = e.runs.map((h, i) => ({ ...h, steps: this.runs[i]?.steps ?? [] }));
      this.warnings = e.warnings.map((w) => JSON.stringify(w));
      this.findings = jsonView(e.findings) as unknown[];
      this.format = e.format;
      this.streamed = e.streamed;
      this.outcome = e.outcome;
    }
    if (e.kind === 'failed') this.failed = e.problems.map((p) => p.message);
  };
}

const dir = mkdtempSync(join(tmpdir(), 'atd-docload-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;
function write(text: string, name = `t${++serial}.trace.jsonl`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function open(path: string, extra: Partial<OpenDocumentParams> = {}): { model: Model; loader: DocumentLoader } {
  const model = new Model();
  const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 4096, ...extra }, model.apply);
  loader.open();
  return { model, loader };
}

/**
 * A generated live Claude Code session with sub-agents (claudeCodeSessionWithSubagent), its file
 * named after `name`: its writes, where its first Task call and that call's result are, and
 * `openAfter(n)`: the first n writes made, then the session opened as the editor follows it (the
 * files beside it read too).
 */
function subagentSession(name: string, seed: number, turns: number, opts: Parameters<typeof claudeCodeSessionWithSubagent>[3] = {}) {
  const stem = `${name}${++serial}`;
  const path = join(dir, `${stem}.jsonl`);
  const writes = claudeCodeSessionWithSubagent(seed, turns, stem, opts);
  return {
    stem, path, writes,
    task: writes.findIndex((w) => w.line.includes('"name":"Task"')),
    result: writes.findIndex((w) => w.line.includes('task-result-')),
    openAfter(n: number, extra: Partial<OpenDocumentParams> = {}): { model: Model; loader: DocumentLoader } {
      for (const w of writes.slice(0, n)) writeSessionWrite(path, w);
      return open(path, { siblings: true, streamFromBytes: 1 << 30, ...extra });
    },
  };
}

/**
 * Makes `writes` of the session at `path`; after each of its own lines (the files beside it are
 * read with the session's next line), reads it on, checks it against a whole load, then runs
 * `each`. How many of its own lines were written.
 */
function followWrites(path: string, writes: readonly SessionWrite[], { model, loader }: { model: Model; loader: DocumentLoader }, each?: () => void): number {
  let lines = 0;
  for (const w of writes) {
    writeSessionWrite(path, w);
    if (w.file) continue;
    lines++;
    loader.reload();
    assertLikeWholeLoad(model, path);
    each?.();
  }
  return lines;
}

/**
 * What the whole load gives for the file, its steps' locations aside when `ownLocations`: a
 * streamed TRAIL span's location covers its own members (from its start up to its `child_spans`),
 * the whole load's the span with its children. Checked here, then set to the whole load's.
 */
function assertLikeWholeLoad(model: Model, path: string, ownLocations = false, held?: PayloadFormat): void {
  assertLikeWholeLoadOf(model, path, path, ownLocations, held);
}

/** As assertLikeWholeLoad, with the whole load of `wholePath` (the lines of `path` written so far) renamed to `path`. */
function assertLikeWholeLoadOf(model: Model, wholePath: string, path: string, ownLocations = false, held?: PayloadFormat): void {
  const whole = renamed(loadTraceFile(wholePath, siblingsOf(wholePath)), wholePath, path);
  const wholeFindings = jsonView(whole.traces.map((t) => findingsFor(t, DEFAULT_TAXONOMY)));
  // Steps sent held (payloadsOnDemand) are the whole load's without their payloads.
  if (held) whole.traces = whole.traces.map((t) => ({ ...t, steps: t.steps.map((st) => withoutPayloads(st, held)) }));
  if (ownLocations) {
    model.runs.forEach((run, r) => run.steps.forEach((s, i) => {
      const w = whole.traces[r]?.steps[i]?.location;
      assert.ok(s.location && w, `step ${s.id} has a location`);
      assert.deepEqual([s.location.line, s.location.column, s.location.offset], [w.line, w.column, w.offset], `step ${s.id} starts where its span does`);
      assert.ok((s.location.length ?? 0) <= (w.length ?? 0), `step ${s.id}'s location lies within its span`);
      s.location = w;
    }));
  }
  // What the Agent Traces view would get by analysing the file itself.
  const starts = ownLocations ? startsOnly : (v: unknown): unknown => v;
  assert.deepEqual(starts(jsonView(model.outcome)), starts(renamed(jsonView(analysisOutcome(wholePath, readFileSync(wholePath), DEFAULT_TAXONOMY, false, { ...siblingsOf(wholePath) })), wholePath, path)), 'the analysis outcome');
  assert.equal(model.failed, undefined, `${path}: ${model.failed?.join('; ')}`);
  assert.equal(model.format, whole.format);
  assert.deepEqual(jsonView(model.runs), jsonView(whole.traces), 'runs, headers and steps');
  assert.deepEqual(model.findings, wholeFindings, 'findings');
  assert.deepEqual([...model.warnings].sort(), whole.warnings.map((w) => JSON.stringify(w)).sort(), 'warnings');
}

/**
 * A copy of what a fresh open of `path` would read of `text` (its lines written so far: a last
 * line that parses whole counts), under the same name in another folder (a title may be the name).
 */
function writtenSoFar(path: string, written: string | Uint8Array): string {
  const copy = join(dir, 'written-so-far', basename(path));
  mkdirSync(dirname(copy), { recursive: true });
  writeFileSync(copy, completeLines(typeof written === 'string' ? Buffer.from(written) : written));
  return copy;
}

/**
 * Writes `line` in two halves (cut at `cut`), reading after each: the first half alone is
 * unchanged (it waits for the rest); after the rest, whether the read sent the run again from a
 * step it changed, or only the new steps (`stepsSent`: counted by the loader's listener).
 */
function writeInHalves(path: string, line: string, cut: number, loader: DocumentLoader, model: Model, stepsSent: { count: number }): 'appended' | 'sent again' {
  appendFileSync(path, line.slice(0, cut));
  model.events = [];
  loader.reload();
  assert.deepEqual(model.events, ['unchanged']);
  appendFileSync(path, line.slice(cut));
  model.events = [];
  stepsSent.count = 0;
  const before = model.runs[0].steps.length;
  loader.reload();
  if (model.events.includes('reset')) return 'sent again';
  assert.equal(stepsSent.count, model.runs[0].steps.length - before, 'only the new steps went');
  return 'appended';
}

/** `value` (JSON) with every mention of the file `from` made one of `to`. */
function renamed<T>(value: T, from: string, to: string): T {
  return from === to ? value : JSON.parse(JSON.stringify(value).split(JSON.stringify(from).slice(1, -1)).join(JSON.stringify(to).slice(1, -1))) as T;
}

/** `value` with every source location cut to where it starts. */
function startsOnly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(startsOnly);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const located = 'offset' in o && 'length' in o;
  return Object.fromEntries(Object.entries(o).filter(([k]) => !located || !['length', 'endLine', 'endColumn'].includes(k)).map(([k, v]) => [k, startsOnly(v)]));
}

/** A TRAIL tree with its root span changed (the bench's tree has one root). */
function trailVariant(text: string, change: (root: Record<string, unknown>) => Record<string, unknown>): string {
  const doc = JSON.parse(text) as { trace_id: string; spans: Record<string, unknown>[] };
  return JSON.stringify({ ...doc, spans: doc.spans.map(change) }, null, 1);
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

interface OtlpRequest { resourceSpans: { resource: unknown; scopeSpans: { scope: unknown; spans: OtlpSpan[] }[] }[] }

describe('engine: opening a trace in the document worker', function () {
  this.timeout(120_000);

  it('streams agent-trace/v1 in many events and rebuilds what the whole load gives', () => {
    const path = write(benchTraceText('jsonl', 400));
    const { model } = open(path);
    assert.equal(model.streamed, true);
    assert.ok(model.stepEvents > 5, `sent in ${model.stepEvents} events`);
    assertLikeWholeLoad(model, path);
  });

  it('loads other formats whole and sends them in slices', () => {
    for (const format of ['otlp', 'trail'] as const) {
      const path = write(benchTraceText(format, 300), `t${++serial}.json`);
      // An OTLP document this small is loaded whole, not streamed (see the next tests).
      const { model } = open(path, { batchSteps: 50, streamFromBytes: Infinity });
      assert.equal(model.streamed, false);
      assert.ok(model.stepEvents >= 6, `${format}: ${model.stepEvents} events`);
      assertLikeWholeLoad(model, path);
    }
  });

  it('parses a single JSON document too large for one string as a stream (OTLP, TRAIL), the same as the whole load', () => {
    for (const format of ['otlp', 'trail'] as const) {
      const path = write(benchTraceText(format, 200), `s${++serial}.json`);
      // The limit made small: above it the document is read as a stream, never as one string.
      const { model } = open(path, { streamJsonAbove: 1024, batchSteps: 64, streamFromBytes: Infinity });
      assert.equal(model.streamed, false);
      assertLikeWholeLoad(model, path);
    }
  });

  describe('an Inspect AI log, sample by sample', () => {
    /** A log of `samples` copies of the corpus's browser sample (each its own id), as Inspect writes it (indented). */
    const inspectLog = (samples: number, change?: (log: Record<string, unknown>) => void): string => write(browserEvalLog(samples, change), `inspect${++serial}.json`);

    it('sends each sample as soon as it is read, and rebuilds what the whole load gives', () => {
      const path = inspectLog(4);
      const { model, loader } = open(path, { chunkSize: 16_384, batchSteps: 10 });
      assert.equal(loader.inspectStreams, 1);
      assert.equal(loader.wholeLoads, 0);
      assert.equal(model.runs.length, 4);
      // The first run went while most of the file was still to be read, and the reading bar moved meanwhile.
      const first = model.progress[model.events.indexOf('steps')];
      assert.ok(first && first.bytesRead < first.totalBytes / 2, `first steps at ${JSON.stringify(first)}`);
      assert.ok(model.events.indexOf('progress') < model.events.indexOf('steps'), model.events.slice(0, 5).join(','));
      assert.ok(model.stepEvents >= 8, `${model.stepEvents} events`);
      assertLikeWholeLoad(model, path);
    });

    it('with payloads on demand: each sample\'s steps go held, each with its whole text, and with the tools its calls imply', () => {
      const path = inspectLog(3);
      const model = new Model();
      const stepsEvents: Extract<DocumentEvent, { kind: 'steps' }>[] = [];
      new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 16_384, batchSteps: 10, payloadsOnDemand: true }, (e) => {
        if (e.kind === 'steps') stepsEvents.push(e);
        model.apply(e);
      }).open();
      assertLikeWholeLoad(model, path, false, 'line');
      const whole = loadTraceFile(path).traces;
      assert.equal(stepsEvents.length, model.stepEvents);
      whole.forEach((trace, run) => {
        const own = stepsEvents.filter((e) => e.run === run);
        assert.ok(own.length > 1, `sample ${run} went in ${own.length} events`);
        assert.ok(own.every((e) => e.payloadTexts?.length === e.steps.length), 'a text per step');
        assert.deepEqual(own.flatMap((e) => e.payloadTexts!.map((t) => JSON.parse(t) as unknown)), jsonView(trace.steps), `sample ${run}'s steps whole, from their texts`);
        assert.deepEqual(own[0].callableTools, inferMissingTools(trace).tools, 'the tools its calls imply, with its first steps');
        assert.ok(own.slice(1).every((e) => e.callableTools === undefined));
      });
      assert.ok(whole.some((t) => inferMissingTools(t).inferred.length > 0 || t.tools.length > 0), 'the samples have tools');
    });

    it('hand-written logs (no samples; samples before the header, one not an object) as the whole load gives them', () => {
      const EVAL = { task: 'arith', model: 'openai/gpt-4o', run_id: 'r1' };
      const noSamples = write(JSON.stringify({ version: 2, status: 'cancelled', eval: EVAL, stats: { started_at: '2025-05-12T20:27:36Z' } }, null, 2), `inspect${++serial}.json`);
      const early = write(JSON.stringify({
        version: 2,
        samples: [{ id: 1, epoch: 1, input: 'one', messages: [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'no idea' }], error: { message: 'crashed', traceback: 'Traceback...' } }, 'broken'],
        status: 'error', eval: EVAL,
      }, null, 2), `inspect${++serial}.json`);
      for (const path of [noSamples, early]) {
        const { model, loader } = open(path);
        assert.equal(loader.inspectStreams, 1, path);
        assert.equal(loader.wholeLoads, 0, path);
        assertLikeWholeLoad(model, path);
      }
      // Each sample went with its findings, the run's final ones (the crashed sample has some), before the done.
      const { model } = open(early);
      assert.deepEqual(model.findingsWhileRead, model.findings);
      assert.ok((model.findings[0] as unknown[]).length > 0, JSON.stringify(model.findings));
    });

    it('an .eval archive: each sample as its entry is inflated; one still being written (no central directory) and the corpus\'s, as the whole load gives them', () => {
      const streaming = sharedPath('traces', 'inspect-ai', 'log_streaming.eval');
      const { model, loader } = open(streaming, { batchSteps: 5 });
      assert.equal(loader.inspectStreams, 1);
      assert.equal(loader.wholeLoads, 0);
      assert.equal(model.runs.length, 4);
      const first = model.progress[model.events.indexOf('steps')];
      assert.ok(first && first.bytesRead < first.totalBytes, `first steps at ${JSON.stringify(first)}`);
      assertLikeWholeLoad(model, streaming);
      // Cut before its central directory: the whole load reads the entries from their local headers, and warns.
      const bytes = readFileSync(streaming);
      const cut = join(dir, `cut${++serial}.eval`);
      writeFileSync(cut, bytes.subarray(0, bytes.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1'))));
      const partial = open(cut);
      assert.equal(partial.loader.inspectStreams, 1);
      assert.ok(partial.model.warnings.some((w) => w.includes('no central directory')), partial.model.warnings.join('\n'));
      assertLikeWholeLoad(partial.model, cut);
      for (const path of sharedFiles('inspect-ai', (n) => n.endsWith('.eval'))) assertLikeWholeLoad(open(path).model, path);
      // A zip that is not a log: the whole load's refusal.
      const other = join(dir, `other${++serial}.eval`);
      writeFileSync(other, zipSync({ 'notes.txt': new TextEncoder().encode('hello') }));
      const refused = open(other);
      assert.equal(refused.loader.inspectStreams, 0);
      assert.deepEqual(refused.model.failed, refusal(() => loadTraceFile(other)).map((p) => p.message));
    });

    it('read again, sends only the samples from the first that changed; a malformed log fails in the whole load\'s words', () => {
      const path = inspectLog(3);
      const { model, loader } = open(path, { chunkSize: 16_384 });
      loader.reload();
      assert.equal(model.events.at(-1), 'unchanged');
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace(/("id": "[^"]*-2")/, '$1, "rewritten": true'));
      loader.reload();
      const reset = model.resets.at(-1);
      assert.deepEqual(reset?.keep?.slice(0, 2), [model.runs[0].steps.length, model.runs[1].steps.length], 'the first two samples kept');
      assertLikeWholeLoad(model, path);
      // Cut off in its last sample: the first samples went, then the whole load's refusal.
      writeFileSync(path, text.slice(0, Math.floor(text.length * 0.9)));
      const cut = open(path, { chunkSize: 16_384 });
      assert.ok(cut.model.stepEvents > 0, 'the first samples went before the cut was found');
      assert.deepEqual(cut.model.failed, refusal(() => loadTraceFile(path)).map((p) => p.message));
      assert.equal(cut.model.runs.length, 0, 'what was sent is taken back');
    });
  });

  it('streams an OTLP document span by span, in decision order, and gives what the whole load gives', () => {
    const path = write(benchTraceText('otlp', 300), `o${++serial}.json`);
    const { model, loader } = open(path);
    assert.equal(model.streamed, false, 'a document is not read on from where it ended');
    assert.ok(model.stepEvents > 20, `sent in ${model.stepEvents} events, one per chunk read`);
    assert.ok(!model.events.includes('reset'), 'never loaded whole');
    assert.equal(loader.wholeRunDetections, 0, 'detected as it was read');
    assertLikeWholeLoad(model, path);
    for (const fixture of ['genai-otlp.json', 'vscode-agent-debug-log.json']) {
      assertLikeWholeLoad(open(join(PROJECT_ROOT, 'test', 'fixtures', 'otel', fixture)).model, join(PROJECT_ROOT, 'test', 'fixtures', 'otel', fixture));
    }
  });

  it('an OTLP document out of decision order is read in two passes, a resource after its spans or a chat session whole', () => {
    const doc = JSON.parse(benchTraceText('otlp', 200)) as { resourceSpans: { resource: unknown; scopeSpans: { spans: { spanId: string; traceId: string }[] }[] }[] };
    const spans = doc.resourceSpans[0].scopeSpans[0].spans;
    const variant = (change: (d: typeof doc) => unknown): string => write(JSON.stringify(change(structuredClone(doc)), null, 1), `v${++serial}.json`);
    const cases: [string, string, boolean, number][] = [
      // Children before parents, as batch span processors write them: nothing can be sent first.
      ['reversed', variant((d) => { d.resourceSpans[0].scopeSpans[0].spans.reverse(); return d; }), false, 1],
      // In order until a span moved to the end: its children came before it. What was sent is replaced.
      ['moved', variant((d) => { const list = d.resourceSpans[0].scopeSpans[0].spans; list.push(...list.splice(120, 1)); return d; }), true, 1],
      // A span's service must be known when it is read: loaded whole.
      ['resource last', variant((d) => ({ resourceSpans: d.resourceSpans.map(({ resource, ...rest }) => ({ ...rest, resource })) })), true, 0],
    ];
    for (const [name, path, resets, twoPass] of cases) {
      const { model, loader } = open(path, { batchSteps: 30 });
      assert.equal(model.events.includes('reset'), resets, `${name}: ${model.events.join(',')}`);
      assert.equal(loader.twoPassReads, twoPass, name);
      assert.equal(loader.wholeRunDetections, 0, `${name}: detected as the steps went`);
      if (twoPass) assert.ok(model.stepEvents >= 7, `${name}: sent in ${model.stepEvents} events`);
      assertLikeWholeLoad(model, path);
      if (name !== 'reversed') continue;
      // Before any step, the first pass says how far it got (the tab shows, reading); a reload does not.
      const before = model.events.slice(0, model.events.indexOf('steps'));
      assert.ok(before.length >= 20 && before.every((k) => k === 'progress'), before.join(','));
      model.events = [];
      loader.reload();
      assert.deepEqual(model.events, ['unchanged']);
      writeFileSync(path, readFileSync(path, 'utf8') + ' ');
      loader.reload();
      assert.ok(!model.events.includes('progress'), model.events.join(','));
      assertLikeWholeLoad(model, path);
    }
    // A large file parsed whole says it is being read before its first steps.
    const whole = open(cases[2][1], { streamFromBytes: 1024, batchSteps: 30 }).model;
    assert.equal(whole.events.filter((k) => k === 'progress').length, 0, 'it streamed first: its steps came before');
    // A TRAIL tree whose spans come before its trace_id is not streamed.
    const { trace_id: traceId, ...spansFirst } = JSON.parse(benchTraceText('trail', 50)) as Record<string, unknown>;
    const trail = write(JSON.stringify({ ...spansFirst, trace_id: traceId }), `t${++serial}.json`);
    assert.deepEqual(open(trail, { streamFromBytes: 1024 }).model.events.slice(0, 2), ['progress', 'steps']);
    // Two traces, their spans interleaved: each stays in decision order, so it streams as two runs.
    const other = spans.map((s) => ({ ...s, traceId: 'aaaabbbbccccddddeeeeffff00001111' }));
    const interleaved = write(JSON.stringify({ resourceSpans: [{ ...doc.resourceSpans[0], scopeSpans: [{ ...doc.resourceSpans[0].scopeSpans[0], spans: spans.flatMap((s, i) => [s, other[i]]) }] }] }), `i${++serial}.json`);
    const { model } = open(interleaved);
    assert.equal(model.runs.length, 2);
    assert.ok(!model.events.includes('reset'), model.events.join(','));
    assertLikeWholeLoad(model, interleaved);
  });

  it('an OTLP document read in two passes sends a small first batch, then batches that double up to the batch size', () => {
    const doc = JSON.parse(benchTraceText('otlp', 5000)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    doc.resourceSpans[0].scopeSpans[0].spans.reverse();
    const path = write(JSON.stringify(doc), `o${++serial}.json`);
    const sizes: number[] = [];
    const bar: string[] = [];
    const model = new Model();
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 65536 }, (e) => {
      if (e.kind === 'steps') sizes.push(e.steps.length);
      if (e.kind === 'steps' || e.kind === 'progress') bar.push(`${e.kind === 'steps' ? 's' : 'p'}${(e.bytesRead / e.totalBytes).toFixed(2)}`);
      model.apply(e);
    }).open();
    // The host takes a run's first batch, and draws its first rows, in code not yet compiled.
    assert.deepEqual(sizes, [125, 250, 500, 1000, 2000, 1125]);
    // The reading bar: the first pass fills its first half, the steps sent after it the second.
    assert.deepEqual(bar.filter((b) => b.startsWith('s')), ['s0.51', 's0.54', 's0.59', 's0.69', 's0.89', 's1.00']);
    assert.ok(bar.filter((b) => b.startsWith('p')).every((b) => Number(b.slice(1)) <= 0.5), bar.join(' '));
    assertLikeWholeLoad(model, path);
  });

  it('an OTLP document written children first with a span malformed deep inside is refused in the whole load\'s words', () => {
    const doc = JSON.parse(benchTraceText('otlp', 120)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    doc.resourceSpans[0].scopeSpans[0].spans.reverse();
    const text = JSON.stringify(doc, null, 1);
    // Break a value deep in a span's attributes.
    const at = text.indexOf('"attributes"', text.indexOf('"spanId"', text.length / 2));
    const broken = `${text.slice(0, at)}"attributes": [{"key": "x", "value": {"stringValue": tru}}], "was"${text.slice(at + '"attributes"'.length)}`;
    const path = write(broken, `m${++serial}.json`);
    let expected = '';
    try { loadTraceFile(path); } catch (e) { expected = (e as Error).message; }
    assert.match(expected, /invalid JSON/);
    const { model, loader } = open(path, { batchSteps: 20 });
    assert.equal(loader.twoPassReads, 1);
    assert.equal(loader.wholeLoads, 1, 'loaded whole, which says where');
    assert.ok(model.failed?.length === 1 && expected.includes(model.failed[0]), `${String(model.failed)} vs ${expected}`);
  });

  it('an OTLP document read in two passes keeps the whole load\'s ids, parents and warnings: spans without ids, a missing parent, two traces', () => {
    const kv = (key: string, v: string): unknown => ({ key, value: { stringValue: v } });
    const span = (traceId: string, spanId: string | undefined, parent: string | undefined, name: string, start: number): unknown => ({
      traceId, ...(spanId ? { spanId } : {}), ...(parent ? { parentSpanId: parent } : {}), name, startTimeUnixNano: String(start * 1e9), endTimeUnixNano: String((start + 1) * 1e9),
      attributes: [kv('gen_ai.operation.name', name.startsWith('chat') ? 'chat' : 'execute_tool'), kv('gen_ai.tool.name', 'search')],
    });
    // Children first; the unnamed spans get ids derived from their content, the same twice over.
    const spans = [
      span('t1', 'c', 'b', 'execute_tool search', 3), span('t2', 'y', 'x', 'chat gpt-4o', 2), span('t1', undefined, 'a', 'chat gpt-4o', 5),
      span('t1', undefined, 'a', 'chat gpt-4o', 5), span('t1', 'b', 'a', 'chat gpt-4o', 2), span('t1', 'd', 'gone', 'execute_tool search', 9),
      span('t2', 'x', undefined, 'invoke_agent other', 1), span('t1', 'a', undefined, 'invoke_agent main', 1),
    ];
    const path = write(JSON.stringify({ resourceSpans: [{ resource: { attributes: [kv('service.name', 'svc')] }, scopeSpans: [{ scope: { name: 'sc' }, spans }] }] }, null, 2), `o${++serial}.json`);
    const { model, loader } = open(path);
    assert.equal(loader.twoPassReads, 1);
    assert.equal(model.runs.length, 2);
    assert.ok(model.warnings.some((w) => w.includes('names parent') && w.includes('gone')), model.warnings.join('\n'));
    assert.ok(model.runs[0].steps.some((st) => st.id.startsWith('step-') && st.id.endsWith('#2')), model.runs[0].steps.map((st) => st.id).join(','));
    assertLikeWholeLoad(model, path);
  });

  it('streams a TRAIL span tree span by span, parents first, with its labels, as the whole load gives it', () => {
    const path = write(benchTraceText('trail', 300), `t${++serial}.json`);
    const { model, loader } = open(path);
    assert.equal(model.streamed, false, 'a document is not read on from where it ended');
    assert.ok(model.stepEvents > 20, `sent in ${model.stepEvents} events, one per chunk read`);
    assert.ok(!model.events.includes('reset') && !model.events.includes('progress'), model.events.join(','));
    // Its LLM spans declare tools as they come: detected again at the end with them all.
    assert.equal(loader.wholeRunDetections, 1);
    assertLikeWholeLoad(model, path, true);
    const real = sharedFiles('trail').filter((f) => f.endsWith('.json') && basename(dirname(f)) === 'traces');
    assert.ok(real.length >= 9, `${real.length} TRAIL traces`);
    let labels = 0;
    for (const file of real) {
      const { model: m } = open(file, { siblings: true });
      assert.ok(!m.events.includes('reset'), `${file}: streamed, ${m.events.join(',')}`);
      assert.equal(m.failed, undefined, `${file}: ${m.failed?.join('; ')}`);
      labels += m.runs[0].labels.length;
      assertLikeWholeLoad(m, file, true);
    }
    assert.ok(labels > 20, `${labels} labels bound to their steps`);
  });

  it('a TRAIL tree it cannot follow is loaded whole: a member after child_spans, children out of time order', () => {
    const base = benchTraceText('trail', 120);
    const cases: [string, string][] = [
      ['a member after child_spans', trailVariant(base, (root) => { const { child_spans, ...own } = root; return { ...own, child_spans, late: 'kept by JSON.parse' }; })],
      ['children out of time order', trailVariant(base, (root) => ({ ...root, child_spans: [...(root.child_spans as unknown[])].reverse() }))],
    ];
    for (const [name, text] of cases) {
      const path = write(text, `t${++serial}.json`);
      const { model } = open(path);
      // Steps went before the break was found: they are replaced by the whole load's.
      assert.ok(model.events.includes('reset'), `${name}: ${model.events.join(',')}`);
      assertLikeWholeLoad(model, path);
    }
  });

  it('streams OTLP JSON lines (a request per line, as the collector writes them) span by span, as the whole load gives them', () => {
    const parentsFirst = write(otlpLines(benchTraceText('otlp', 300), 10), `l${++serial}.jsonl`);
    const streamed = open(parentsFirst);
    assert.ok(!streamed.model.events.includes('reset') && !streamed.model.events.includes('progress'), streamed.model.events.join(','));
    assert.equal(streamed.loader.wholeLoads, 0);
    assert.ok(streamed.model.stepEvents >= 25, `sent in ${streamed.model.stepEvents} events`);
    assertLikeWholeLoad(streamed.model, parentsFirst);
    // Each request written children first (spans as they end): two passes.
    const childrenFirst = write(otlpLines(benchTraceText('otlp', 300, 4), 10, true), `l${++serial}.jsonl`);
    const twoPass = open(childrenFirst, { batchSteps: 50 });
    assert.equal(twoPass.loader.twoPassReads, 1);
    assert.equal(twoPass.loader.wholeLoads, 0);
    assert.ok(!twoPass.model.events.includes('reset'), twoPass.model.events.join(','));
    assertLikeWholeLoad(twoPass.model, childrenFirst);
    // A first line longer than the sniffer reads: read as a document until its second value.
    const longLines = write(otlpLines(benchTraceText('otlp', 300, 5), 150), `l${++serial}.jsonl`);
    assert.ok(readFileSync(longLines, 'utf8').indexOf('\n') > 64 * 1024);
    const long = open(longLines);
    const afterSwitch = long.model.events.slice(long.model.events.indexOf('reset') + 1);
    assert.ok(afterSwitch.length > 10 && afterSwitch.every((k, i) => (i === afterSwitch.length - 1 ? k === 'done' : k === 'steps')), `the first line's spans went, then the lines': ${afterSwitch.join(',')}`);
    assert.equal(long.loader.wholeLoads, 0);
    assertLikeWholeLoad(long.model, longLines);
    // The same written children first (as a collector writes its batches): two passes over the lines.
    const longEnded = write(otlpLines(benchTraceText('otlp', 300, 5), 150, true), `l${++serial}.jsonl`);
    const ended = open(longEnded);
    assert.equal(ended.loader.wholeLoads, 0, ended.model.events.join(','));
    assert.equal(ended.loader.twoPassReads, 2, 'tried as a document, then as lines');
    assertLikeWholeLoad(ended.model, longEnded);
    // A line that is no request, or is torn: loaded whole, warned as the whole load warns.
    const text = readFileSync(parentsFirst, 'utf8').split('\n');
    for (const [name, lines] of [['a line that is no request', [...text.slice(0, 3), '{"note": 1}', ...text.slice(3)]], ['a torn line', [...text.slice(0, 3), text[3].slice(0, 500), ...text.slice(4)]]] as const) {
      const path = write(lines.join('\n'), `l${++serial}.jsonl`);
      const { model } = open(path);
      assert.ok(model.events.includes('reset'), `${name}: ${model.events.join(',')}`);
      assert.ok(model.warnings.length > 0, name);
      assertLikeWholeLoad(model, path);
    }
  });

  it('a collector\'s file of many traces written children first shows its first trace before the first pass ends, and replaces a trace that got spans after it went', () => {
    // One line per trace, its spans as they end (its root last), as a collector writes runs that follow one another.
    const traceLines = (count: number): string[] => Array.from({ length: count }, (_, k) => {
      const id = `${String(k + 1).padStart(4, '0')}${'ab'.repeat(14)}`;
      return otlpLines(benchTraceText('otlp', 25, k + 1).split(BENCH_TRACE_ID).join(id), 1000, true).trimEnd();
    });
    const lines = traceLines(6);
    const path = write(`${lines.join('\n')}\n`, `c${++serial}.jsonl`);
    const firstSteps: { run: number; bytesRead: number; totalBytes: number }[] = [];
    const bar: number[] = [];
    const model = new Model();
    const dones: Extract<DocumentEvent, { kind: 'done' }>[] = [];
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 4096 }, (e) => {
      if (e.kind === 'done') dones.push(e);
      if (e.kind === 'steps' && !firstSteps.some((f) => f.run === e.run)) firstSteps.push({ run: e.run, bytesRead: e.bytesRead, totalBytes: e.totalBytes });
      if (e.kind === 'steps' || e.kind === 'progress') bar.push(e.bytesRead / e.totalBytes);
      model.apply(e);
    });
    loader.open();
    assert.equal(loader.twoPassReads, 1);
    assert.equal(loader.earlyRunsGrown, 0);
    assert.deepEqual(firstSteps.map((f) => f.run), [0, 1, 2, 3, 4, 5], 'in run order');
    // Each trace went once the next one's spans were being read (the first pass is the bar's first half).
    const lineEnds = lines.map((_, i) => Buffer.byteLength(lines.slice(0, i + 1).join('\n')));
    firstSteps.slice(0, 5).forEach((f, run) => {
      const byte = 2 * f.bytesRead;
      assert.ok(byte > lineEnds[run] && byte <= lineEnds[run] + 3 * 4096 + 1, `trace ${run} went at byte ${byte}, its line ends at ${lineEnds[run]}`);
    });
    assert.ok(firstSteps[0].bytesRead < firstSteps[0].totalBytes / 8, `the first trace went at ${firstSteps[0].bytesRead} of ${firstSteps[0].totalBytes}`);
    // The reading bar only moves forward, to its end.
    assert.ok(bar.every((x, i) => i === 0 || x >= bar[i - 1]) && bar[bar.length - 1] === 1, bar.map((x) => x.toFixed(2)).join(' '));
    assert.ok(!model.events.includes('reset'), model.events.join(','));
    assert.equal(loader.wholeRunDetections, 0);
    assertLikeWholeLoad(model, path);
    // A span of the first trace written after the second trace: the first went early, then is replaced.
    const late = traceLines(3);
    const first = JSON.parse(late[0]) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    const moved = first.resourceSpans[0].scopeSpans[0].spans.splice(3, 1);
    const straggler = structuredClone(first);
    straggler.resourceSpans[0].scopeSpans[0].spans = moved;
    const grownPath = write(`${[JSON.stringify(first), late[1], JSON.stringify(straggler), late[2]].join('\n')}\n`, `c${++serial}.jsonl`);
    const grown = open(grownPath);
    assert.equal(grown.loader.earlyRunsGrown, 1);
    assert.ok(grown.model.events.includes('reset'), grown.model.events.join(','));
    assertLikeWholeLoad(grown.model, grownPath);
    // A line of the last trace appended: read on, and only that trace is ordered again.
    const ordered = loader.runsOrdered;
    const last = JSON.parse(lines[5]) as OtlpRequest;
    const more = structuredClone(last);
    more.resourceSpans[0].scopeSpans[0].spans = [{ ...last.resourceSpans[0].scopeSpans[0].spans[0], spanId: 'ffff000000000009', startTimeUnixNano: '1999999999999999999', endTimeUnixNano: '1999999999999999999' }];
    appendFileSync(path, `${JSON.stringify(more)}\n`);
    model.events = [];
    loader.reload();
    assert.equal(loader.linesReadOnReads, 1);
    assert.equal(loader.runsOrdered - ordered, 1, 'one of six traces ordered again');
    // The traces that got no span keep their findings as they were (not asked of their detectors again).
    const [before, after] = dones.slice(-2);
    assert.ok(after.findings.slice(0, 5).every((list, run) => list === before.findings[run]), 'traces 0-4: the same lists');
    assert.notEqual(after.findings[5], before.findings[5]);
    assert.deepEqual(model.events, ['steps', 'done']);
    assertLikeWholeLoad(model, path);
    // Read again after a change: as a reload reads, the steps unchanged kept.
    writeFileSync(path, `${traceLines(7).join('\n')}\n`);
    model.events = [];
    loader.reload();
    assert.ok(!model.events.includes('progress'), model.events.join(','));
    assertLikeWholeLoad(model, path);
  });

  it('an OTLP run whose tools come after its first chunk is detected again at the end, as the whole load detects it', () => {
    const doc = JSON.parse(benchTraceText('otlp', 120)) as { resourceSpans: { scopeSpans: { spans: { name: string; attributes: unknown[] }[] }[] }[] };
    const spans = doc.resourceSpans[0].scopeSpans[0].spans;
    // A model span near the end declares the tools the run's calls use (bench traces declare none).
    const late = spans.map((s) => s.name).lastIndexOf(spans.find((s) => s.name.startsWith('chat'))!.name);
    const tool = { type: 'function', name: 'web_search', description: 'Search the web', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } };
    spans[late].attributes.push({ key: 'gen_ai.tool.definitions', value: { stringValue: JSON.stringify([tool]) } });
    const path = write(JSON.stringify(doc), `o${++serial}.json`);
    // Its first chunks were detected without them.
    const { model, loader } = open(path);
    assert.equal(loader.wholeRunDetections, 1);
    assert.deepEqual(model.runs[0].tools.map((t) => t.name), ['web_search']);
    assert.ok((model.findings[0] as unknown[]).length > 0, 'the run has findings to compare');
    assertLikeWholeLoad(model, path);
    // Children first, read in two passes: the first pass finds the tools (it imports only the spans that may define some).
    spans.reverse();
    const reversed = write(JSON.stringify(doc), `o${++serial}.json`);
    const two = open(reversed);
    assert.equal(two.loader.twoPassReads, 1);
    assert.equal(two.loader.wholeRunDetections, 0);
    assert.deepEqual(two.model.runs[0].tools.map((t) => t.name), ['web_search']);
    assertLikeWholeLoad(two.model, reversed);
  });

  for (const format of ['otlp', 'trail'] as const) {
    it(`a streamed ${format === 'otlp' ? 'OTLP document' : 'TRAIL span tree'} follows changes: the same bytes are unchanged, a rewrite is a reset and the file again, a torn one fails as the whole load does`, () => {
      const path = write(benchTraceText(format, 150), `o${++serial}.json`);
      const { model, loader } = open(path);
      assert.ok(!model.events.includes('reset'), 'streamed');
      model.events = [];
      loader.reload();
      assert.deepEqual(model.events, ['unchanged']);
      model.events = [];
      writeFileSync(path, benchTraceText(format, 90, 3));
      loader.reload();
      assert.equal(model.events[0], 'reset');
      assertLikeWholeLoad(model, path, format === 'trail');
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
      loader.reload();
      assert.equal(model.failed?.length, 1, 'a reload of a file torn while written fails (the host keeps what it shows)');
      let expected = '';
      try { loadTraceFile(path); } catch (e) { expected = (e as Error).message; }
      assert.ok(expected !== '', 'the whole load refuses the torn file');
      const fresh = open(path);
      assert.ok(fresh.model.failed?.length === 1 && expected.includes(fresh.model.failed[0]), `${String(fresh.model.failed)} vs ${expected}`);
      // Opened torn, its first steps streamed before the tear was found: taken back, the refusal shown alone.
      assert.ok(fresh.model.events.indexOf('steps') >= 0 && fresh.model.events.indexOf('steps') < fresh.model.events.lastIndexOf('reset'), fresh.model.events.join(','));
      assert.equal(fresh.model.runs.length, 0, 'what the first read sent is taken back');
      // Written whole at last: read afresh.
      writeFileSync(path, text);
      fresh.loader.reload();
      assertLikeWholeLoad(fresh.model, path, format === 'trail');
    });
  }

  it('OTLP JSON lines that grow are read on from where the last read stopped; a span out of order reads them from the start', () => {
    const all = lines(otlpLines(benchTraceText('otlp', 200, 7), 10));
    const path = write(all.slice(0, 12).join('\n') + '\n', `l${++serial}.jsonl`);
    const { model, loader } = open(path);
    assert.ok(!model.events.includes('reset'), 'streamed');
    appendFileSync(path, all.slice(12).join('\n') + '\n');
    model.events = [];
    const sentBefore = model.runs[0].steps.length;
    const shown = model.runs[0].steps;
    loader.reload();
    assert.equal(loader.linesReadOnReads, 1);
    assert.ok(!model.events.includes('reset') && model.events[model.events.length - 1] === 'done', model.events.join(','));
    assert.equal(model.runs[0].steps.length, 200);
    assert.ok(model.runs[0].steps.slice(0, sentBefore).every((st, i) => st === shown[i]), 'the steps shown before were not sent again');
    assertLikeWholeLoad(model, path);
    // A span under a step whose subtree was left: out of decision order, so the file is read from its start, in two passes.
    const doc = JSON.parse(all[0]) as OtlpRequest;
    const late = structuredClone(doc);
    const [child] = late.resourceSpans[0].scopeSpans[0].spans.filter((sp) => sp.parentSpanId);
    late.resourceSpans[0].scopeSpans[0].spans = [{ ...child, spanId: 'ffff000000000001', startTimeUnixNano: child.endTimeUnixNano }];
    appendFileSync(path, `${JSON.stringify(late)}\n`);
    model.events = [];
    loader.reload();
    assert.equal(loader.twoPassReads, 1);
    assert.equal(model.events[0], 'reset');
    assertLikeWholeLoad(model, path);
    // Read in two passes from then on, and on from there: the next line's span is appended.
    const next = structuredClone(doc);
    next.resourceSpans[0].scopeSpans[0].spans = [{ ...child, spanId: 'ffff000000000002', parentSpanId: undefined, startTimeUnixNano: '1999999999999999999', endTimeUnixNano: '1999999999999999999' }];
    appendFileSync(path, `${JSON.stringify(next)}\n`);
    model.events = [];
    loader.reload();
    assert.equal(loader.twoPassReads, 1, 'not read again');
    assert.equal(loader.linesReadOnReads, 3);
    assert.deepEqual(model.events, ['steps', 'done']);
    assertLikeWholeLoad(model, path);
  });

  it('a live trace written as its spans end is read on line by line: appended where the order holds, sent again from a parent that came after its children', () => {
    const spans = spansAsTheyEnd(benchTraceText('otlp', 90, 11));
    // Late in the trace, a model span declares the tools its calls use: the run is detected again with them.
    const tool = { type: 'function', name: 'web_search', description: 'Search the web', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } };
    const chat = spans.map((sp) => sp.name).lastIndexOf(spans.find((sp) => sp.name.startsWith('chat'))!.name);
    spans[chat] = { ...spans[chat], attributes: [...spans[chat].attributes, { key: 'gen_ai.tool.definitions', value: { stringValue: JSON.stringify([tool]) } }] };
    const requests = cutIntoRequests(spans, [3, 1, 4, 2]);
    // Two lines: one alone reads as an OTLP document (the whole load's reading too), until a second comes.
    const path = write(requests[0] + requests[1], `live${++serial}.jsonl`);
    const model = new Model();
    const stepsSent = { count: 0 };
    // What going back to the first step would read back: the steps each reset keeps.
    let keptByResets = 0;
    // Each run's checkpoint 6 steps before its end: a parent that came goes back to it, or to the start when it lies before it.
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 4096, payloadsOnDemand: true, checkpointLag: 6, orderKeptFrom: 0 }, (e) => {
      if (e.kind === 'steps') stepsSent.count += e.steps.length;
      if (e.kind === 'reset') keptByResets += e.keep?.[0] ?? 0;
      model.apply(e);
    });
    loader.open();
    let appendedOnly = 0;
    let sentAgain = 0;
    for (const request of requests.slice(2)) {
      if (writeInHalves(path, request, Math.floor(request.length / 2), loader, model, stepsSent) === 'sent again') sentAgain++;
      else appendedOnly++;
      assertLikeWholeLoad(model, path, false, 'otlp-span');
    }
    assert.equal(loader.wholeLoads, 0);
    assert.equal(loader.linesReadOnReads, 2 * (requests.length - 2), 'every change was read on from the last stop');
    // The run's order was extended as spans came (its first read on seeds it), never made whole again.
    assert.equal(loader.ordersExtended, loader.runsOrdered - 1);
    assert.ok(loader.ordersExtended > 3);
    assert.ok(appendedOnly > 3 && sentAgain > 3, `${appendedOnly} appends, ${sentAgain} sent again from a moved span`);
    // And once more without a reset: the line that declared the tools, whose run is detected again with them.
    assert.equal(loader.runsGoneBack, sentAgain + 1);
    // From its checkpoint, a run reads back the few steps between it and the moved span, not the
    // run (but for a sub-agent's span, which goes back further than 6 steps, and the new tools).
    assert.ok(loader.stepsReadBack < keptByResets / 3, `${loader.stepsReadBack} steps read back, ${keptByResets} kept by the resets`);
    assert.deepEqual(model.runs[0].tools.map((t) => t.name), ['web_search']);
    // A line that is not a request (a stray write), then a request again: the file is loaded whole
    // (its steps sent whole), warned about as a fresh open warns, from then on.
    const wholeBefore = loader.wholeLoads;
    for (const line of ['this is not JSON\n', requests[2]]) {
      appendFileSync(path, line);
      loader.reload();
      assertLikeWholeLoad(model, path);
      assert.ok(model.warnings.some((w) => w.includes('line')), model.warnings.join('\n'));
    }
    assert.equal(loader.wholeLoads, wholeBefore + 2);
    // Cut back (a new run of the exporter): read from the start.
    writeFileSync(path, requests[0]);
    model.events = [];
    loader.reload();
    assert.equal(model.events[0], 'reset');
    assertLikeWholeLoad(model, path, false, 'otlp-span');
  });

  it('a file with a trace over the spans kept to read on is read again whole at each change', () => {
    const requests = cutIntoRequests(spansAsTheyEnd(benchTraceText('otlp', 40, 3)), [4]);
    const path = write(requests.slice(0, 6).join(''), `live${++serial}.jsonl`);
    // 24 spans read, in one trace: over 20, so nothing is kept to read on.
    const { model, loader } = open(path, { spansReadOn: 20 });
    appendFileSync(path, requests[6]);
    loader.reload();
    assert.equal(loader.linesReadOnReads, 0);
    assert.equal(loader.twoPassReads, 2, 'read again in two passes');
    assertLikeWholeLoad(model, path);
    // At 20 or under, the next change reads on.
    const small = write(requests.slice(0, 5).join(''), `live${++serial}.jsonl`);
    const under = open(small, { spansReadOn: 20 });
    appendFileSync(small, requests[5]);
    under.loader.reload();
    assert.equal(under.loader.linesReadOnReads, 1);
    assertLikeWholeLoad(under.model, small);
  });

  it('a live trace read on gives what the whole load gives after every line, however its spans are cut into lines', () => {
    const spans = spansAsTheyEnd(benchTraceText('otlp', 40, 5));
    let extended = 0;
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }), fc.boolean(), fc.integer({ min: 0, max: 12 }), fc.boolean(), (sizes, held, checkpointLag, keepOrder) => {
      const requests = cutIntoRequests(spans, sizes);
      const path = write(requests[0] + requests[1], `live${++serial}.jsonl`);
      // With keepOrder, each run's order is extended as spans come, not made again (AdoptingOrder).
      const { model, loader } = open(path, { payloadsOnDemand: held, checkpointLag, orderKeptFrom: keepOrder ? 0 : 1e9 });
      for (const request of requests.slice(2)) {
        appendFileSync(path, request);
        loader.reload();
        assertLikeWholeLoad(model, path, false, held ? 'otlp-span' : undefined);
        if (!keepOrder) assert.equal(loader.ordersExtended, 0);
        extended += loader.ordersExtended;
      }
      assert.equal(loader.linesReadOnReads, requests.length - 2);
    }), { numRuns: 40 });
    assert.ok(extended > 20, `${extended} orders extended`);
  });

  it('opens real traces of other formats, and a file of three runs, the same as the whole load', () => {
    // TRAIL streams (see above) unless it is small: opened below the streaming size, it loads whole.
    for (const path of [sharedFiles('trail/GAIA/traces')[0], sharedFiles('claude-code')[0]]) {
      const { model } = open(path, { siblings: true, streamFromBytes: 4 * 1024 * 1024 });
      assertLikeWholeLoad(model, path);
    }
    const three = write([1, 2, 3].map((seed) => benchTraceText('jsonl', 50, seed)).join(''));
    const { model } = open(three);
    assert.equal(model.streamed, true);
    assert.equal(model.runs.length, 3);
    assertLikeWholeLoad(model, three);
  });

  it('a growing file sends only the new steps, then finishes with the new sha256 and findings', () => {
    const all = lines(benchTraceText('jsonl', 300));
    const path = write(all.slice(0, 200).join('\n') + '\n');
    const { model, loader } = open(path);
    const before = model.runs[0].steps.length;
    model.events = [];
    appendFileSync(path, all.slice(200).join('\n') + '\n');
    loader.reload();
    assert.ok(!model.events.includes('reset'), `events: ${model.events.join(',')}`);
    assert.ok(model.runs[0].steps.length > before);
    assertLikeWholeLoad(model, path);
    model.events = [];
    loader.reload();
    assert.deepEqual(model.events, ['unchanged']);
    assert.equal(loader.wholeRunDetections, 0, 'the findings came from the detectors fed as lines were read, not from detecting the whole run again');
  });

  it('a large file, hashed on a thread of its own, has the same sha256 as it grows, and an unchanged one says so', () => {
    const all = lines(benchTraceText('jsonl', 300));
    const path = write(all.slice(0, 200).join('\n') + '\n');
    const { model, loader } = open(path, { hashOnAThreadFromBytes: 0 });
    // Its headers (with the file's sha256) are the whole load's.
    assertLikeWholeLoad(model, path);
    appendFileSync(path, all.slice(200).join('\n') + '\n');
    loader.reload();
    assertLikeWholeLoad(model, path);
    model.events = [];
    loader.reload();
    assert.deepEqual(model.events, ['unchanged']);
  });

  it('OTLP documents, TRAIL span trees and OTLP JSON lines are hashed on a thread of their own when large: the same sha256, read on as they grow', () => {
    const onAThread = { hashOnAThreadFromBytes: 0 };
    for (const format of ['otlp', 'otlp-ended', 'trail'] as const) {
      const path = write(benchTraceText(format, 120, 4), `h${++serial}.json`);
      const { model, loader } = open(path, onAThread);
      assert.equal(loader.readsHashedOnAThread, 1, format);
      assert.equal(loader.twoPassReads, format === 'otlp-ended' ? 1 : 0, format);
      assertLikeWholeLoad(model, path, format === 'trail');
    }
    const all = lines(otlpLines(benchTraceText('otlp', 200, 7), 10));
    const path = write(all.slice(0, 12).join('\n') + '\n', `l${++serial}.jsonl`);
    const { model, loader } = open(path, onAThread);
    appendFileSync(path, all.slice(12, 16).join('\n') + '\n');
    loader.reload();
    appendFileSync(path, all.slice(16).join('\n') + '\n');
    loader.reload();
    assert.equal(loader.linesReadOnReads, 2);
    assert.equal(loader.readsHashedOnAThread, 3, 'the reads on went on with the thread of the first read');
    assertLikeWholeLoad(model, path);
    model.events = [];
    loader.reload();
    assert.deepEqual(model.events, ['unchanged']);
  });

  it('a file read whole and read again sends only the steps that changed or came: the reset says what each run keeps', () => {
    const runs = [1, 2, 3].map((seed) => lines(benchTraceText('jsonl', 40, seed)));
    const path = write(runs.map((r) => r.join('\n')).join('\n') + '\n');
    // Below the streaming size: read whole, as Claude Code sessions and other formats are.
    const model = new Model();
    const kept: (number[] | undefined)[] = [];
    const sent: { run: number; steps: number }[] = [];
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 1 << 30 }, (e) => {
      if (e.kind === 'reset') kept.push(e.keep);
      if (e.kind === 'steps') sent.push({ run: e.run, steps: e.steps.length });
      model.apply(e);
    });
    loader.open();
    assert.equal(model.streamed, false);
    const counts = model.runs.map((r) => r.steps.length);
    sent.length = 0;
    // The last run gains a step: runs 0 and 1 are kept whole, run 2 keeps what it had.
    appendFileSync(path, JSON.stringify({ type: 'step', id: 'late', kind: 'tool', name: 'late call', status: 'error', error: { message: 'HTTP 503' } }) + '\n');
    loader.reload();
    assert.deepEqual(kept, [counts]);
    assert.deepEqual(sent, [{ run: 2, steps: 1 }]);
    assertLikeWholeLoad(model, path);
    // A rewrite of the first run's second step: run 0 keeps one step, the others are sent again.
    const rewritten = readFileSync(path, 'utf8').split('\n');
    const second = JSON.parse(rewritten[2]) as { name: string };
    assert.equal(JSON.parse(rewritten[1]).type, 'step');
    rewritten[2] = JSON.stringify({ ...second, name: 'renamed' });
    writeFileSync(path, rewritten.join('\n'));
    kept.length = 0;
    sent.length = 0;
    loader.reload();
    assert.deepEqual(kept, [[1, 0, 0]]);
    assert.deepEqual(sent.map((x) => x.run), [0, 1, 2]);
    assertLikeWholeLoad(model, path);
  });

  it('a live Claude Code session is followed line by line: appended lines are imported alone, and a run goes again only from the step they changed', () => {
    const session = claudeCodeSessionLines(3, 7);
    const path = write(session.slice(0, 6).join('\n') + '\n', `session${++serial}.jsonl`);
    const model = new Model();
    const stepsSent = { count: 0 };
    let keptByResets = 0;
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: true, streamFromBytes: 1 << 30, checkpointLag: 4 }, (e) => {
      if (e.kind === 'steps') stepsSent.count += e.steps.length;
      if (e.kind === 'reset') keptByResets += e.keep?.[0] ?? 0;
      model.apply(e);
    });
    loader.open();
    assert.equal(model.format, 'claude-code');
    let appendedOnly = 0;
    let sentAgain = 0;
    for (const line of session.slice(6)) {
      if (writeInHalves(path, `${line}\n`, Math.min(9, line.length), loader, model, stepsSent) === 'sent again') sentAgain++;
      else appendedOnly++;
      assertLikeWholeLoad(model, path);
    }
    assert.equal(loader.wholeLoads, 1, 'loaded whole once, on opening');
    assert.equal(loader.followedReads, 2 * (session.length - 6));
    // A response's next block changes its step (sent again from it); a Task's result, after its
    // sub-agent's events, takes the agent under it.
    assert.ok(appendedOnly > 20 && sentAgain > 10, `${appendedOnly} appends, ${sentAgain} sent again`);
    const agent = model.runs[0].steps.find((st) => st.kind === 'agent' && st.attributes.inline === 'agent_progress');
    assert.equal(model.runs[0].steps.find((st) => st.id === agent?.parentId)?.name, 'Task');
    // The steps sent again are those from the first one changed: most resets keep all but a few.
    assert.ok(keptByResets > sentAgain * 5, `${keptByResets} steps kept by ${sentAgain} resets`);
    // Cut back (a session cleared): read from the start.
    writeFileSync(path, session.slice(0, 8).join('\n') + '\n');
    model.events = [];
    loader.reload();
    assert.equal(model.events[0], 'reset');
    assertLikeWholeLoad(model, path);
    assert.equal(loader.wholeLoads, 2);
  });

  it('a live Claude Code session gives what the whole load gives after every write, however its lines are cut', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.boolean(), (seed, cuts, checkpointLag, inlineAgent, tornOnOpening) => {
      // Cut as bytes (a write may end inside a character written in UTF-8 as several).
      const bytes = Buffer.from(claudeCodeSessionLines(seed, 5, { inlineAgent }).join('\n') + '\n');
      const NEWLINE = 0x0a;
      // Opened in the middle of a line (its first read is whole again), or at a line's end.
      let at = tornOnOpening ? 900 : bytes.indexOf(NEWLINE, 900) + 1;
      const path = join(dir, `session${++serial}.jsonl`);
      writeFileSync(path, bytes.subarray(0, at));
      const { model, loader } = open(path, { streamFromBytes: 1 << 30, checkpointLag });
      // Writes that end a line but for its line break: the whole load shows the line, so the file is loaded whole then, and at the next write.
      let unterminated = 0;
      for (const n of [...cuts, bytes.length]) {
        if (at >= bytes.length) break;
        appendFileSync(path, bytes.subarray(at, at + n));
        at = Math.min(bytes.length, at + n);
        if (bytes[at - 1] !== NEWLINE && parsesWhole(bytes.subarray(bytes.lastIndexOf(NEWLINE, at - 1) + 1, at).toString())) unterminated++;
        loader.reload();
        assertLikeWholeLoadOf(model, writtenSoFar(path, bytes.subarray(0, at)), path);
      }
      const opening = tornOnOpening ? 2 : 1;
      if (unterminated === 0) assert.equal(loader.wholeLoads, opening);
      else assert.ok(loader.wholeLoads <= opening + 2 * unterminated);
    }), { numRuns: 60 });
  });

  it('a live Claude Code session is followed up to a size, then loaded whole at each change', () => {
    const session = claudeCodeSessionLines(9, 3);
    const first = Buffer.byteLength(session.slice(0, 10).join('\n') + '\n');
    const next = Buffer.byteLength(`${session[10]}\n`);
    // [limit, reads of the new lines alone, whole loads] after two lines written.
    for (const [limit, followed, whole] of [[first - 1, 0, 3], [first + next, 1, 2], [1 << 30, 2, 1]]) {
      const path = write(session.slice(0, 10).join('\n') + '\n', `session${++serial}.jsonl`);
      const { model, loader } = open(path, { streamFromBytes: 1 << 30, followUpToBytes: limit });
      for (const line of session.slice(10, 12)) {
        appendFileSync(path, `${line}\n`);
        loader.reload();
        assertLikeWholeLoad(model, path);
      }
      assert.deepEqual([loader.followedReads, loader.wholeLoads], [followed, whole], `limit ${limit}`);
    }
  });

  it('a live Claude Code session follows its sub-agent as it runs: the agent\'s files read again at each line, the session never loaded whole again', () => {
    for (const seed of [3, 8]) {
      const { path, writes, openAfter } = subagentSession('subagents', seed, 6);
      const { model, loader } = openAfter(8, { checkpointLag: 2 });
      const sessionWrites = followWrites(path, writes.slice(8), { model, loader });
      // Loaded whole on opening; every line read alone, the one after the agent's files appeared too.
      assert.deepEqual([loader.wholeLoads, loader.followedReads], [1, sessionWrites], `seed ${seed}`);
      const agent = model.runs[0].steps.find((st) => st.kind === 'agent' && st.attributes.agentType === 'Explore');
      assert.equal(model.runs[0].steps.find((st) => st.id === agent?.parentId)?.name, 'Task', 'the agent is under its Task call');
      assert.ok(model.runs[0].steps.some((st) => st.parentId === agent?.id && st.status === 'error'), 'its failed call is shown');
      assert.ok(!model.runs[0].steps.some((st) => st.attributes.inline === 'agent_progress'), 'its inline copies are not shown again');
    }
  });

  it('a live Claude Code session\'s running sub-agent is under the model step that called it until its Task\'s result comes, then under the Task call', () => {
    const { path, writes, task, result, openAfter } = subagentSession('running-agent', 3, 4);
    const { model, loader } = openAfter(task + 1);
    const parentOfAgent = (): Step | undefined => {
      const steps = model.runs[0].steps;
      const agent = steps.find((st) => st.kind === 'agent' && st.attributes.agentId === 'a3f00d');
      return steps.find((st) => st.id === agent?.parentId);
    };
    followWrites(path, writes.slice(task + 1, result), { model, loader }, () => {
      // The response's first line (its text block) is the step's; its next line called Task.
      assert.deepEqual([parentOfAgent()?.kind, parentOfAgent()?.id], ['llm', 'task-text-3'], 'under the model step whose reply called Task');
      assert.deepEqual(model.warnings.filter((m) => m.includes('not in the trace')), [], 'no parent missing while it runs');
    });
    writeSessionWrite(path, writes[result]);
    loader.reload();
    assertLikeWholeLoad(model, path);
    assert.equal(parentOfAgent()?.name, 'Task', 'under the Task call once its result is read');
    assert.equal(loader.wholeLoads, 1);
  });

  it('a live Claude Code session\'s long sub-agent costs each line what it adds: the run is not detected again from its first step', () => {
    const { path, writes, task, result, openAfter } = subagentSession('long-agent', 9, 4, { agentMessages: 60 });
    const { model, loader } = openAfter(task + 1, { checkpointLag: 4 });
    let lines = 0;
    for (const w of writes.slice(task + 1, result)) {
      writeSessionWrite(path, w);
      if (w.file) continue;
      lines++;
      loader.reload();
      if (lines % 10 === 0) assertLikeWholeLoad(model, path);
    }
    assertLikeWholeLoad(model, path);
    assert.equal(lines, 60);
    // Each line the agent writes changes its last steps, within the checkpoint's 4 steps.
    assert.deepEqual([loader.wholeLoads, loader.followedRunsDetectedAgain], [1, 0]);
    // Its Task's result takes it under the Task call: back to its first step, once.
    for (const w of writes.slice(result, result + 3)) writeSessionWrite(path, w);
    loader.reload();
    assertLikeWholeLoad(model, path);
    assert.equal(loader.followedRunsDetectedAgain, 1);
  });

  it('a live Claude Code session goes on growing its run\'s order after a sub-agent ran, its new steps going before the agent\'s among the drafts', () => {
    const { path, writes, task, result, openAfter } = subagentSession('after-agent', 2, 8);
    const { model, loader } = openAfter(task + 1);
    for (const w of writes.slice(task + 1, result + 1)) {
      writeSessionWrite(path, w);
      if (!w.file) loader.reload();
    }
    // The result takes the agent under the Task call: its step moved, the order is made whole once.
    const atResult = loader.followedRunsOrderedWhole;
    // The same session opened now, its agent's files there from the start.
    const reopened = open(path, { siblings: true, streamFromBytes: 1 << 30 });
    let lines = 0;
    for (const w of writes.slice(result + 1)) {
      writeSessionWrite(path, w);
      lines++;
      loader.reload();
      reopened.loader.reload();
      assertLikeWholeLoad(model, path);
      assertLikeWholeLoad(reopened.model, path);
    }
    assert.ok(lines >= 10, `${lines} lines after the agent`);
    assert.equal(loader.followedRunsOrderedWhole, atResult, 'the session\'s lines after the agent grow the order');
    assert.equal(loader.wholeLoads, 1);
    // Opened with the agent: each line goes on from what the open read (its first line orders the
    // run whole once, to seed the growing order, as any followed session's does).
    assert.deepEqual([reopened.loader.wholeLoads, reopened.loader.followedRunsOrderedWhole, reopened.loader.followedRunsDetectedAgain], [1, 1, 0]);
  });

  it('a live Claude Code session follows a second sub-agent whose files sort before the first\'s, each under its Task call', () => {
    const { stem, path, writes, openAfter } = subagentSession('two-agents', 4, 9, { subagents: 2 });
    const { model, loader } = openAfter(8, { checkpointLag: 2 });
    const sessionWrites = followWrites(path, writes.slice(8), { model, loader });
    assert.deepEqual([loader.wholeLoads, loader.followedReads], [1, sessionWrites]);
    const steps = model.runs[0].steps;
    const agents = steps.filter((st) => st.kind === 'agent' && st.attributes.agentType === 'Explore');
    assert.deepEqual(agents.map((a) => a.attributes.agentId), ['a4f00d', '04be1f'], 'both agents, in the order they ran');
    for (const a of agents) assert.equal(steps.find((st) => st.id === a.parentId)?.name, 'Task', `${String(a.attributes.agentId)} is under its Task call`);
    assert.deepEqual(model.runs[0].metadata.subagentFiles, ['subagents/agent-04be1f.jsonl', 'subagents/agent-a4f00d.jsonl'].map((f) => `${stem}/${f}`));
  });

  it('a live Claude Code session whose sub-agent\'s messages were read inline before its file appeared is loaded whole then, as the whole load leaves them out', () => {
    const { path, writes, task, openAfter } = subagentSession('inline-first', 5, 4);
    const firstProgress = writes.findIndex((w, i) => i > task && !w.file);
    const { model, loader } = openAfter(task + 1);
    // The agent's first message logged in the session before its own files are there: read inline.
    writeSessionWrite(path, writes[firstProgress]);
    loader.reload();
    assertLikeWholeLoad(model, path);
    assert.ok(model.runs[0].steps.some((st) => st.attributes.inline === 'agent_progress'), 'the inline copy is shown while the agent has no file');
    assert.equal(loader.wholeLoads, 1);
    // Then its files, and its next message.
    for (const w of writes.slice(task + 1)) if (w !== writes[firstProgress] && (w.file || w.line.includes('progress'))) writeSessionWrite(path, w);
    loader.reload();
    assertLikeWholeLoad(model, path);
    assert.equal(loader.wholeLoads, 2, 'the inline copy read before is left out: loaded whole');
    assert.ok(!model.runs[0].steps.some((st) => st.attributes.inline === 'agent_progress'), 'no inline copy once the file is read');
  });

  it('a live Claude Code session whose sub-agent\'s file is written anew, not appended to, makes that agent\'s steps anew', () => {
    const { stem, path, writes, result, openAfter } = subagentSession('agent-rewritten', 7, 4);
    const own = writes.slice(0, result).filter((w) => !w.file);
    const lastOwn = writes.lastIndexOf(own[own.length - 1]);
    const { model, loader } = openAfter(lastOwn);
    // The agent's file as it will be, longer, with its first message changed.
    const agentFile = join(dir, stem, 'subagents', 'agent-a7f00d.jsonl');
    const lines = readFileSync(agentFile, 'utf8').split('\n').filter(Boolean);
    lines[0] = lines[0].replace('Find where the session is refreshed', 'Find where the token is refreshed');
    writeFileSync(agentFile, [...lines, lines[lines.length - 1].replace(/sub-7-(\d+)/g, 'sub-7-$1b')].map((l) => `${l}\n`).join(''));
    writeSessionWrite(path, writes[lastOwn]);
    loader.reload();
    assertLikeWholeLoad(model, path);
    assert.ok(model.runs[0].steps.some((st) => JSON.stringify(st.input ?? {}).includes('the token is refreshed')), 'the changed first message shows');
    assert.equal(loader.wholeLoads, 1);
  });

  it('a live Claude Code session whose running sub-agent writes a line that is not JSON warns as the whole load does, at that line of the agent\'s file', () => {
    const { path, writes, openAfter } = subagentSession('agent-bad-line', 8, 4, { agentMessages: 10 });
    const agentLine = writes.findIndex((w) => w.file.endsWith('.jsonl'));
    const after = writes.findIndex((w, i) => i > agentLine + 4 && w.file.endsWith('.jsonl'));
    const { model, loader } = openAfter(agentLine + 4);
    // A line cut short, then the agent goes on.
    writeSessionWrite(path, { file: writes[agentLine].file, line: '{"type": "assistant", "message": {oops' });
    followWrites(path, writes.slice(agentLine + 4), { model, loader });
    assert.ok(after > 0);
    assert.ok(model.warnings.some((m) => m.includes('agent-a8f00d.jsonl') && /"line":3\b/.test(m)), model.warnings.join('\n'));
    assert.equal(loader.wholeLoads, 1);
  });

  it('a live Claude Code session read while its sub-agent was halfway through writing a line shows that line once it is whole', () => {
    const { path, writes, openAfter } = subagentSession('agent-half-line', 4, 4, { agentMessages: 8 });
    const agentLines = writes.flatMap((w, i) => (w.file.endsWith('.jsonl') ? [i] : []));
    const [, second, third] = agentLines;
    const { model, loader } = openAfter(second);
    // The agent's next line, half written when the session's next line is read.
    const agentFile = join(dir, writes[second].file);
    const half = Math.floor(writes[second].line.length / 2);
    appendFileSync(agentFile, writes[second].line.slice(0, half));
    // Its copy logged in the session (the write after it).
    writeSessionWrite(path, writes[second + 1]);
    loader.reload();
    assertLikeWholeLoad(model, path);
    appendFileSync(agentFile, `${writes[second].line.slice(half)}\n`);
    followWrites(path, writes.slice(second + 2, third + 2), { model, loader });
    assert.ok(!model.warnings.some((m) => m.includes('agent-a4f00d.jsonl')), model.warnings.join('\n'));
  });

  it('a live Claude Code session whose first sub-agent\'s file is written anew shorter, before another agent\'s steps, gives the whole load', () => {
    const { stem, path, writes, openAfter } = subagentSession('agent-shorter', 4, 9, { subagents: 2 });
    const last = writes.length - 3;
    const { model, loader } = openAfter(last);
    // The agent whose steps come first among the drafts (its file sorts first) keeps two lines.
    const first = join(dir, stem, 'subagents', 'agent-04be1f.jsonl');
    writeFileSync(first, readFileSync(first, 'utf8').split('\n').slice(0, 2).map((l) => `${l}\n`).join(''));
    followWrites(path, writes.slice(last), { model, loader });
    assert.equal(loader.wholeLoads, 1);
  });

  it('a live Claude Code session whose sub-agent\'s file is taken away is loaded whole', () => {
    const { stem, path, writes, result, openAfter } = subagentSession('agent-gone', 6, 4);
    const { model, loader } = openAfter(result);
    assert.ok(model.runs[0].steps.some((st) => st.attributes.agentId === 'a6f00d'));
    rmSync(join(dir, stem), { recursive: true });
    writeSessionWrite(path, writes[result]);
    loader.reload();
    assertLikeWholeLoad(model, path);
    assert.equal(loader.wholeLoads, 2);
    assert.ok(!model.runs[0].steps.some((st) => st.kind === 'agent' && st.attributes.agentId === 'a6f00d' && st.attributes.sourceFile), 'its steps from the file are gone');
  });

  it('a live Claude Code session with a sub-agent gives what the whole load gives after every line, however its writes are grouped', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 500 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 5 }), (seed, groups, checkpointLag) => {
      const stem = `grouped${++serial}`;
      const path = join(dir, `${stem}.jsonl`);
      const writes = claudeCodeSessionWithSubagent(seed, 4, stem);
      writeFileSync(path, writes.slice(0, 4).map((w) => `${w.line}\n`).join(''));
      const { model, loader } = open(path, { siblings: true, streamFromBytes: 1 << 30, checkpointLag });
      let at = 4;
      for (let g = 0; at < writes.length; g++) {
        const group = writes.slice(at, at + groups[g % groups.length]);
        at += group.length;
        for (const w of group) writeSessionWrite(path, w);
        // The editor reads the session when it changes (its sub-agents' files with it).
        if (group[group.length - 1].file !== '') continue;
        loader.reload();
        assertLikeWholeLoad(model, path);
      }
    }), { numRuns: 25 });
  });

  it('a live Claude Code session that names a sub-agent whose file is missing is followed, warned about as the whole load warns', () => {
    const session = claudeCodeSessionLines(5, 4, { inlineAgent: false });
    const path = write(session.join('\n') + '\n', `session${++serial}.jsonl`);
    const { model, loader } = open(path, { siblings: true, streamFromBytes: 1 << 30 });
    const result = JSON.stringify({ type: 'user', uuid: 'r-a1b2', sessionId: 'sess-5', parentUuid: null, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'done\nagentId: a1b2 (for resuming)' }] } });
    for (const line of [result, session[3]]) {
      appendFileSync(path, `${line}\n`);
      loader.reload();
      assertLikeWholeLoad(model, path);
    }
    assert.deepEqual([loader.wholeLoads, loader.followedReads], [1, 2]);
    assert.ok(model.warnings.some((w) => w.includes('a1b2') && w.includes('was not found')), model.warnings.join('\n'));
  });

  const liveSessions = [
    ...sharedFiles('codex-cli'), ...['failing-exec.jsonl', 'legacy-rollout.jsonl'].map((name) => join(PROJECT_ROOT, 'test', 'fixtures', 'codex-cli', name)),
    ...sharedFiles('claude-code'),
  ];
  for (const path of liveSessions) {
    it(`a live ${path.includes('codex') ? 'Codex CLI rollout' : 'Claude Code session'} is followed as it is written: ${basename(path)} gives the whole load after every write`, () => {
      const rollout = lines(readFileSync(path, 'utf8'));
      // Opened at its first three lines, or up to its first message (a session's first lines may hold no step).
      const first = Math.max(3, rollout.findIndex((l) => /"type":"(user|assistant|response_item)"/.test(l)) + 1);
      const live = write(rollout.slice(0, first).map((l) => `${l}\n`).join(''), `live-${++serial}.jsonl`);
      const { model, loader } = open(live, { streamFromBytes: 1 << 30, checkpointLag: 3 });
      let writes = 0;
      // 1, 4 or 9 lines a write, in turn: a call and its output, a turn's end, in one write or apart.
      for (let at = first; at < rollout.length; writes++) {
        const next = at + [1, 4, 9][writes % 3];
        appendFileSync(live, rollout.slice(at, next).map((l) => `${l}\n`).join(''));
        at = next;
        loader.reload();
        assertLikeWholeLoad(model, live);
      }
      assert.deepEqual([loader.wholeLoads, loader.followedReads], [1, writes], 'loaded whole once, then only the lines written read');
    });
  }

  it('a live Codex CLI rollout gives what the whole load gives after every write, however its lines are cut', () => {
    const text = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'codex-cli', 'failing-exec.jsonl'), 'utf8');
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 2500 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 6 }), (cuts, checkpointLag) => {
      let at = text.indexOf('\n') + 1;
      const path = write(text.slice(0, at), `rollout-${++serial}.jsonl`);
      const { model, loader } = open(path, { streamFromBytes: 1 << 30, checkpointLag });
      for (const n of [...cuts, text.length]) {
        if (at >= text.length) break;
        appendFileSync(path, text.slice(at, at + n));
        at += n;
        loader.reload();
        assertLikeWholeLoadOf(model, writtenSoFar(path, text.slice(0, at)), path);
      }
    }), { numRuns: 40 });
  });

  it('a Codex CLI rollout whose command result comes after its output is loaded whole, as the whole load reads it', () => {
    const line = (type: string, payload: object): string => `${JSON.stringify({ timestamp: '2026-02-23T10:00:00.000Z', type, payload })}\n`;
    const path = write(line('session_meta', { id: 'late-end', cwd: '/repo', cli_version: '0.104.0' })
      + line('response_item', { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"make"}', call_id: 'call_1' })
      + line('response_item', { type: 'function_call_output', call_id: 'call_1', output: 'Wall time: 0.1 seconds\nOutput:\nok' }), `rollout-${++serial}.jsonl`);
    const { model, loader } = open(path, { streamFromBytes: 1 << 30 });
    assert.equal(model.runs[0].steps.find((st) => st.toolCall?.id === 'call_1')?.status, 'ok');
    // The whole load reads every result before any output: the call failed.
    appendFileSync(path, line('event_msg', { type: 'exec_command_end', call_id: 'call_1', exit_code: 2, aggregated_output: 'make: *** [all] Error 2' }));
    loader.reload();
    assert.deepEqual([loader.followedReads, loader.wholeLoads], [1, 2]);
    assertLikeWholeLoad(model, path);
    assert.equal(model.runs[0].steps.find((st) => st.toolCall?.id === 'call_1')?.status, 'error');
  });

  it('a streamed run its detector cannot answer for is read again for its findings (the loader keeps no steps)', () => {
    const all = lines(benchTraceText('jsonl', 300, 7));
    const path = write(all.slice(0, 200).join('\n') + '\n');
    const { model, loader } = open(path);
    // The detector was given other tools than the run ends with (a safety net: agent-trace/v1
    // gives a run's tools before its steps, so no file reaches it).
    (loader as unknown as { streamedRuns: { tools: string }[] }).streamedRuns[0].tools = '["other tools"]';
    appendFileSync(path, all.slice(200).join('\n') + '\n');
    loader.reload();
    assert.equal(loader.wholeRunDetections, 1);
    assert.ok((model.findings[0] as unknown[]).length > 0, 'the run has findings to compare');
    assertLikeWholeLoad(model, path);
  });

  it('findings that depend on the end of the run follow appends: ends-on-error comes and goes', () => {
    const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'grow', title: 'grows' });
    const step = (id: string, extra: Record<string, unknown>): string => JSON.stringify({ type: 'step', id, name: id, ...extra });
    const path = write([header, step('plan', { kind: 'llm', output: { messages: [{ role: 'assistant', content: 'look it up' }] } }),
      step('search', { kind: 'tool', toolCall: { name: 'search', arguments: { q: 'x' } }, status: 'error', error: { message: 'HTTP 503 Service Unavailable' } })].join('\n') + '\n');
    const { model, loader } = open(path);
    const endsOnError = (): string[] => (model.findings[0] as { rule: string; stepId: string }[]).filter((f) => f.rule === 'ends-on-error').map((f) => f.stepId);
    assert.deepEqual(endsOnError(), ['search'], 'the run ends on the failed call');
    appendFileSync(path, step('answer', { kind: 'llm', output: { messages: [{ role: 'assistant', content: 'The search service is down; I cannot answer.' }] } }) + '\n');
    loader.reload();
    assert.deepEqual(endsOnError(), [], 'a model step came after it');
    appendFileSync(path, step('retry', { kind: 'tool', toolCall: { name: 'search', arguments: { q: 'x' } }, status: 'error', error: { message: 'HTTP 503 Service Unavailable' } }) + '\n');
    loader.reload();
    assert.deepEqual(endsOnError(), ['retry']);
    assertLikeWholeLoad(model, path);
    assert.equal(loader.wholeRunDetections, 0);
  });

  it('sends the findings found so far with the steps while a run is read, without the end-of-run rules, then the final ones', () => {
    const path = write(rejectedCallTrace());
    const events: DocumentEvent[] = [];
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 2048, findingsEverySteps: 20 }, (e) => events.push(e)).open();
    const done = events.findIndex((e) => e.kind === 'done');
    const provisional = events.slice(0, done).filter((e) => e.kind === 'steps' && e.findings !== undefined) as Extract<DocumentEvent, { kind: 'steps' }>[];
    assert.ok(provisional.length >= 1, 'findings went with the steps before the end');
    const first = provisional[0].findings!;
    // The model step whose call was rejected is flagged while the rest is still unread.
    assert.deepEqual(first.map((f) => [f.stepId, f.category]), [['llm-20', 'TOOL.ARGS_INVALID'], ['tool-20', 'TOOL.ARGS_INVALID']]);
    const sentBefore = events.slice(0, events.indexOf(provisional[0]) + 1).reduce((n, e) => n + (e.kind === 'steps' ? e.steps.length : 0), 0);
    assert.ok(sentBefore < 300, `sent with ${sentBefore} of 300 steps`);
    assert.ok(provisional.every((e) => e.findings!.every((f) => f.rule !== 'ends-on-error')), 'no end-of-run finding while reading');
    const end = events[done] as Extract<DocumentEvent, { kind: 'done' }>;
    assert.deepEqual(end.findings[0].map((f) => `${f.stepId} ${f.rule}`), ['llm-20 decision-caused-failure', 'tool-20 tool-error', 'llm-149 ends-on-error']);
  });

  it('a torn last line waits for the rest; an unterminated whole line counts once', () => {
    const all = lines(benchTraceText('jsonl', 60));
    const path = write(all.slice(0, 40).join('\n') + '\n' + all[40].slice(0, 25));
    const { model, loader } = open(path);
    assert.equal(model.failed, undefined);
    const count = model.runs[0].steps.length;
    writeFileSync(path, all.slice(0, 41).join('\n'));
    loader.reload();
    assert.equal(model.runs[0].steps.length, count + 1, 'the line, now whole, is read');
    appendFileSync(path, '\n' + all.slice(41).join('\n') + '\n');
    loader.reload();
    assert.ok(!model.events.includes('reset'));
    assertLikeWholeLoad(model, path);
  });

  it('a rewrite or a truncation sends a reset and the file again', () => {
    const all = lines(benchTraceText('jsonl', 200));
    const path = write(all.join('\n') + '\n');
    const { model, loader } = open(path);
    for (const next of [all.slice(0, 80), [all[0], ...all.slice(1, 150).reverse()]]) {
      model.events = [];
      writeFileSync(path, next.join('\n') + '\n');
      loader.reload();
      assert.equal(model.events[0], 'reset', model.events.join(','));
      assertLikeWholeLoad(model, path);
    }
  });

  it('a streamed file written over in place with as many bytes is read again; touched, or told twice, it is unchanged; out of order, it is read whole until written in order again', () => {
    const all = lines(benchTraceText('jsonl', 40));
    const path = write(all.join('\n') + '\n');
    const { model, loader } = open(path);
    const rewrite = (next: string[]): void => {
      model.events = [];
      writeFileSync(path, next.join('\n') + '\n');
      loader.reload();
    };
    const unchanged = (): void => {
      // The same bytes again (a touch), and a second change event for one write: nothing to send.
      for (const touch of [true, false]) {
        model.events = [];
        if (touch) writeFileSync(path, readFileSync(path));
        loader.reload();
        assert.deepEqual(model.events, ['unchanged'], touch ? 'touched' : 'told twice');
      }
    };
    // A step's end edited to one as long: the same size, head and last line (it once read as "nothing added").
    const edited = all.map((l, i) => (i === 5 ? l.replace('"endTime":17424', '"endTime":17425') : l));
    assert.notEqual(edited[5], all[5]);
    rewrite(edited);
    assert.equal(model.events[0], 'reset', model.events.join(','));
    assertLikeWholeLoad(model, path);
    assert.equal(model.streamed, true, 'still in decision order: streamed');
    unchanged();
    // Lines 5 and 6 swapped: out of decision order, so read whole from now on.
    const swapped = [...edited];
    [swapped[4], swapped[5]] = [swapped[5], swapped[4]];
    rewrite(swapped);
    assert.equal(model.events[0], 'reset', model.events.join(','));
    assertLikeWholeLoad(model, path);
    assert.equal(model.streamed, false);
    unchanged();
    // Read again whole: one reset, keeping the steps before the change (not streamed to the break first).
    const wholeLoads = loader.wholeLoads;
    rewrite(swapped.map((l, i) => (i === 30 ? l.replace('"endTime":17424', '"endTime":17425') : l)));
    assert.equal(model.events.filter((e) => e === 'reset').length, 1, model.events.join(','));
    assert.equal(loader.wholeLoads, wholeLoads + 1);
    assertLikeWholeLoad(model, path);
    assert.equal(model.streamed, false);
    // Written again in order (sorted when its run ended): read whole once more, which finds it in
    // order, and streamed from the next change on (an append then costs only what it adds).
    rewrite(edited);
    assertLikeWholeLoad(model, path);
    assert.equal(loader.wholeLoads, wholeLoads + 2);
    appendFileSync(path, `${edited[edited.length - 1].replace(/"id":"[^"]+"/, '"id":"appended-step"')}\n`);
    model.events = [];
    loader.reload();
    assert.equal(model.streamed, true, model.events.join(','));
    assert.equal(loader.wholeLoads, wholeLoads + 2, 'streamed, not read whole');
    assertLikeWholeLoad(model, path);
  });

  it('a stream sends its first steps after 64 KB, then reads chunks twice as large up to 1 MB', () => {
    const path = write(benchTraceText('jsonl', 2_000));
    const read: number[] = [];
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0 }, (e) => {
      if (e.kind !== 'steps') return;
      read.push(e.bytesRead);
    });
    loader.open();
    assert.ok(read[0] <= 64 * 1024 && read[0] > 60 * 1024, `first event after ${read[0]} bytes`);
    // Reads of 64, 128, 256, 512 KB and 1 MB from then on: each event ends at the last whole line read.
    const KB = 1024;
    assert.ok(read[1] <= 192 * KB && read[1] > 180 * KB && read[2] <= 448 * KB && read[3] <= 960 * KB, `then ${read.slice(1, 4).join(', ')}`);
    assert.ok(read.slice(5).every((b, i) => b - read[i + 4] <= 1024 * KB + 8 * KB), 'about 1 MB a read from then on');
    assert.ok(read.length < 12, `${read.length} events for ${read[read.length - 1]} bytes`);
  });

  it('a file that cannot be opened fails with the whole load\'s words', () => {
    const path = write('{"not": "a trace"}\n');
    const { model } = open(path);
    assert.ok(model.failed?.some((m) => /not|trace/i.test(m)), String(model.failed));
    const missing = open(join(dir, 'missing.trace.jsonl')).model;
    assert.deepEqual(missing.failed, ['no such file']);
  });

  describe('the client, with a real worker', () => {
    // Started as the editor starts one: with the trace worker's young generation (spawn.ts).
    const started: Worker[] = [];
    const realWorker = (): Worker => {
      const w = startTraceWorker(traceWorkerScript(), 'document');
      started.push(w);
      return w;
    };

    it('opens, follows an append, and reports a cancel and a crash', async () => {
      const all = lines(benchTraceText('jsonl', 200));
      const path = write(all.slice(0, 100).join('\n') + '\n');
      const model = new Model();
      const client = new DocumentWorkerClient(realWorker, { path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 4096 });
      assert.equal(await client.open(model.apply), 'done');
      appendFileSync(path, all.slice(100).join('\n') + '\n');
      assert.equal(await client.reload(model.apply), 'done');
      assertLikeWholeLoad(model, path);
      assert.equal(client.started, 1);
      assert.equal(started[0].resourceLimits?.maxYoungGenerationSizeMb, TRACE_WORKER_YOUNG_GENERATION_MB);

      // Cancelled: settles at once, and the next reload starts over in a new worker.
      const pending = client.reload(model.apply);
      client.cancel();
      assert.equal(await pending, 'cancelled');
      model.events = [];
      assert.equal(await client.reload(model.apply), 'done');
      assert.equal(model.events[0], 'reset');
      assert.equal(client.started, 2);
      assertLikeWholeLoad(model, path);
      client.dispose();

      const crashing = new DocumentWorkerClient(() => new Worker('process.exit(7)', { eval: true }), { path, taxonomy: 'default' });
      const crashed = new Model();
      assert.equal(await crashing.open(crashed.apply), 'failed');
      assert.match(crashed.failed?.[0] ?? '', /trace worker stopped.*exit code 7/);
    });

    it('a whole load in many slices reaches the host no faster than it takes them, and ends like the whole load', async () => {
      const path = write(benchTraceText('jsonl', 600));
      const model = new Model();
      let received = 0;
      let mostWaiting = 0;
      const counted = (): Worker => {
        const w = realWorker();
        w.on('message', (m) => {
          // Its "loaded" message is not an event: the outbox does not count it.
          if (m === DOCUMENT_WORKER_READY) return;
          received++;
          mostWaiting = Math.max(mostWaiting, received - model.events.length);
        });
        return w;
      };
      // Loaded whole (below streamFromBytes), in slices of 5 steps: the worker has them all at once.
      const client = new DocumentWorkerClient(counted, { path, taxonomy: 'default', siblings: false, batchSteps: 5 });
      // A host slower than the worker (the editor's host does more with each event than the model).
      const slowly = (e: DocumentEvent): void => {
        for (let i = 0; i < 30; i++) JSON.stringify(e);
        model.apply(e);
      };
      assert.equal(await client.open(slowly), 'done');
      assert.equal(model.streamed, false);
      assert.ok(model.stepEvents >= 120, `${model.stepEvents} step events`);
      assert.ok(mostWaiting <= MAX_UNREAD_EVENTS, `${mostWaiting} events waited on the host at once`);
      assertLikeWholeLoad(model, path);
      client.dispose();
    });

    it('checks held lines for a search as the whole steps decide, not while it reads, and answers none once stopped', async () => {
      const text = benchTraceText('jsonl', 300);
      const path = write(text);
      const lineStarts = [0];
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lineStarts.push(Buffer.byteLength(text.slice(0, at + 1)));
      const steps = loadTraceFile(path).traces[0].steps;
      const lineOf = (s: Step): number => s.location!.line - 1;
      const check = (): LineCheck => ({
        starts: Float64Array.from(steps, (s) => lineStarts[lineOf(s)]),
        ends: Float64Array.from(steps, (s) => lineStarts[lineOf(s) + 1] - 1),
        sourceIds: steps.map((s) => s.sourceId), ids: steps.map((s) => (s.id === s.sourceId ? null : s.id)),
      });
      const expected = Uint8Array.from(steps, (s) => (searchableText(s).includes('timeout') ? LineVerdict.Match : LineVerdict.NoMatch));
      const some = expected.reduce((n, m) => n + m, 0);
      assert.ok(some > 0 && some < steps.length, `${some} of ${steps.length} steps match`);
      assert.deepEqual(checkLinesInFile(path, check(), 'timeout'), expected, 'in this thread');

      const client = new DocumentWorkerClient(realWorker, { path, taxonomy: 'default', siblings: false, streamFromBytes: 0 });
      assert.equal(await client.checkLines('timeout', check()), undefined, 'no worker yet');
      const opening = client.open(new Model().apply);
      assert.equal(await client.checkLines('timeout', check()), undefined, 'the worker is reading the file');
      assert.equal(await opening, 'done');
      // A line that is not its step's any more (the file changed underneath): left to the host.
      const moved = check();
      const m = steps.findIndex((s, k) => k > 0 && expected[k] === LineVerdict.Match);
      moved.sourceIds[m] = 'another-step';
      const handed = check();
      const [verdicts, again] = await Promise.all([client.checkLines('timeout', handed), client.checkLines('timeout', moved)]);
      assert.deepEqual(verdicts, expected);
      assert.equal(handed.starts.length + handed.ends.length, 0, 'the line ranges were moved to the worker, not copied');
      assert.deepEqual(again, expected.map((v, k) => (k === m ? LineVerdict.Unsure : v)), 'two in flight, each answered');
      const lost = client.checkLines('timeout', check());
      client.dispose();
      assert.equal(await lost, undefined, 'stopped before it answered');
    });
  });
});
