/**
 * A trace file changed on disk in any way, read again, shows what a fresh open of its bytes shows.
 *
 * The reload keeps what it can (steps appended to a streamed run, steps unchanged at the head of a
 * run read whole, spans held back while a document reads as before) and the host stages the runs a
 * reset keeps; each of those paths has its own tests. Here fast-check drives sequences of the
 * changes live files see (lines appended a few at a time, a last line written in two parts, a line
 * rewritten, the file cut back and grown again) over files of several runs with the same ids, in
 * the three ways the editor reads them: agent-trace/v1 lines streamed, the same read whole, and
 * OTLP JSON lines (parents first and children first; and a live trace's, each span when it ends,
 * read on line by line with checkpoints a few steps back). Documents too (an OTLP request, parents
 * first and children first, read as a document and whole; a TRAIL span tree), written again whole
 * after each change to their spans: spans added, one failed, two swapped, one repeated, the list
 * cut back. After every change: as many runs, and every run's details, rows and summary equal a
 * fresh open's. Tags (a sidecar beside the file, on steps of each run and on one no run has) bind
 * as a fresh open binds them, and none is lost: those whose step is gone count as orphans and stay
 * in the document. Seeded: the same sequences every run.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { benchTraceText } from '../../support/bench-traces';
import { claudeCodeSessionLines } from '../../support/claude-code-session';
import { cutIntoRequests, otlpLines, spansAsTheyEnd } from '../../support/otlp-lines';
import type { OpenDocumentParams } from '../../../src/core/engine/worker/document-load';
import { Opened } from '../../support/opened-in-process';
import { PROJECT_ROOT } from '../../support/shared';

type Edit =
  | { kind: 'append'; count: number }
  | { kind: 'torn'; cut: number }
  | { kind: 'rewrite'; at: number }
  | { kind: 'cut'; keep: number }
  | { kind: 'repeat'; at: number }
  | { kind: 'swap'; at: number }
  | { kind: 'broken'; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 12 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('torn' as const), cut: fc.double({ min: 0.05, max: 0.95, noNaN: true }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('rewrite' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('cut' as const), keep: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('broken' as const), at: fc.nat() }), weight: 1 },
);

/** How a file is opened: whether its steps are held without payloads, and the sidecar beside it. */
interface OpenedAs {
  name: string;
  payloadsOnDemand: boolean;
  /** Tags on steps of its runs (by step id and run), and on one that no run has. */
  sidecar: string;
}

/**
 * Read `live` again and check it against a fresh open of the same bytes: as many runs, each run's
 * details, rows and summary, its `tags` tags all kept, and bound or orphaned as the fresh open's.
 */
function readAgainAsFresh(live: Opened, as: OpenedAs, tags: number, history: readonly string[]): void {
  live.reload();
  const fresh = new Opened(live.path, as.payloadsOnDemand, as.sidecar);
  const where = `${as.name}, after ${history.join(', ')}`;
  assert.equal(fresh.file.loadError, undefined, `${where}: the fresh open failed`);
  assert.equal(live.file.traces.length, fresh.file.traces.length, `${where}: runs`);
  fresh.file.traces.forEach((_, run) => assert.deepEqual(live.shown(run), fresh.shown(run), `${where}: run ${run}`));
  assert.equal(live.file.annotations.doc.errors.length, tags, `${where}: every tag kept`);
  assert.deepEqual(live.file.annotationStatus(), fresh.file.annotationStatus(), `${where}: tags bound and orphaned as a fresh open's`);
}

interface Source extends OpenedAs {
  /** The lines a live file is written from, in order. */
  lines: string[];
  /** Lines a file needs before it opens as a trace (a header and a step). */
  least: number;
  /** The line with one step made to fail (another status and error message). */
  failed(line: string): string;
  /** The document loader's own settings (a live trace's checkpoints a few steps back). */
  loaderParams?: Partial<OpenDocumentParams>;
}

/** A sidecar tagging `ids` ([step id, run]) with a tool failure each. */
function sidecarOn(ids: [string, number][]): string {
  return JSON.stringify({ version: 1, errors: ids.map(([location, traceIndex]) => ({ location, traceIndex, category: 'TOOL.RUNTIME', impact: 'LOW', source: 'human' })) });
}

/** Three runs of 25 steps with the same ids (the second and third repeat the first's). */
function agentTraceLines(): string[] {
  return [1, 2, 3].flatMap((seed) => benchTraceText('jsonl', 25, seed).split('\n').filter((l) => l !== ''));
}

function failedStepLine(line: string): string {
  const v = JSON.parse(line) as Record<string, unknown>;
  if (v.type !== 'step') return JSON.stringify({ ...v, title: `${String(v.title)} (edited)` });
  return JSON.stringify({ ...v, status: 'error', error: { message: 'HTTP 503 (edited)' } });
}

/** Two traces of 40 spans, 5 spans a line. */
function collectorLines(childrenFirst: boolean): string[] {
  const first = otlpLines(benchTraceText('otlp', 40, 4), 5, childrenFirst);
  const second = otlpLines(benchTraceText('otlp', 40, 6), 5, childrenFirst).replaceAll('4bf92f3577b34da6a3ce929d0e0e4736', '0000000000000000000000000000abcd');
  return (first + second).split('\n').filter((l) => l !== '');
}

/** One trace of 60 spans as a live exporter writes them (each span when it ends: a parent after its children), 1 to 5 spans a line. */
function liveTraceLines(): string[] {
  return cutIntoRequests(spansAsTheyEnd(benchTraceText('otlp', 60, 8)), [3, 1, 5, 2, 4]).map((l) => l.trimEnd());
}

function failedSpanLine(line: string): string {
  const v = JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  const spans = v.resourceSpans[0].scopeSpans[0].spans;
  spans[spans.length >> 1].status = { code: 2, message: 'the tool process was killed (edited)' };
  return JSON.stringify(v);
}

/** A line of a Claude Code session with its call failed (a tool result), or its text edited. */
function failedSessionLine(line: string): string {
  const v = JSON.parse(line) as { message?: { content?: unknown }; summary?: string };
  const blocks = v.message?.content;
  if (Array.isArray(blocks)) return JSON.stringify({ ...v, message: { ...v.message, content: blocks.map((b: Record<string, unknown>) => (b.type === 'tool_result' ? { ...b, is_error: true, content: 'Exit code 1 (edited)' } : b.type === 'text' ? { ...b, text: 'edited' } : b)) } });
  return JSON.stringify(v.message ? { ...v, message: { ...v.message, content: 'edited' } } : { ...v, summary: 'edited' });
}

/** A Codex CLI rollout line with its call's output a failure, or its payload marked edited. */
function failedRolloutLine(line: string): string {
  const v = JSON.parse(line) as { payload?: Record<string, unknown> };
  if (v.payload?.type === 'function_call_output') return JSON.stringify({ ...v, payload: { ...v.payload, output: 'Exit code: 3\nWall time: 0.1 seconds\nOutput:\nedited failure' } });
  return JSON.stringify({ ...v, payload: { ...v.payload, edited: true } });
}

const AGENT_TRACE_TAGS = sidecarOn([['tool-1', 0], ['llm-3', 1], ['turn-6', 2], ['tool-1', 2], ['ghost', 0]]);
const SPAN_TAGS = sidecarOn([['0000000000000004', 0], ['0000000000000021', 1], ['0000000000000007', 1], ['ghost', 1]]);

const SOURCES: Source[] = [
  { name: 'agent-trace/v1 lines, streamed', lines: agentTraceLines(), least: 2, payloadsOnDemand: true, failed: failedStepLine, sidecar: AGENT_TRACE_TAGS },
  { name: 'agent-trace/v1 lines, read whole', lines: agentTraceLines(), least: 2, payloadsOnDemand: false, failed: failedStepLine, sidecar: AGENT_TRACE_TAGS },
  { name: 'OTLP JSON lines, parents first', lines: collectorLines(false), least: 1, payloadsOnDemand: true, failed: failedSpanLine, sidecar: SPAN_TAGS },
  { name: 'OTLP JSON lines, children first', lines: collectorLines(true), least: 1, payloadsOnDemand: true, failed: failedSpanLine, sidecar: SPAN_TAGS },
  // Read on line by line, its runs taken back to checkpoints 3 steps before their ends.
  { name: 'a live OTLP trace, spans as they end', lines: liveTraceLines(), least: 2, payloadsOnDemand: true, failed: failedSpanLine, sidecar: SPAN_TAGS, loaderParams: { checkpointLag: 3 } },
  // Loaded whole, then followed: the lines appended are imported alone, its run's detector going on from 3 steps back.
  { name: 'a live Codex CLI rollout', lines: readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'codex-cli', 'failing-exec.jsonl'), 'utf8').split('\n').filter((l) => l !== ''), least: 3, payloadsOnDemand: false, failed: failedRolloutLine, sidecar: sidecarOn([['call_test', 0], ['call_patch', 0], ['ghost', 0]]), loaderParams: { checkpointLag: 3 } },
  { name: 'a live Claude Code session', lines: claudeCodeSessionLines(11, 6), least: 3, payloadsOnDemand: false, failed: failedSessionLine, sidecar: sidecarOn([['u11-4', 0], ['toolu_11_2', 0], ['u11-30', 0], ['ghost', 0]]), loaderParams: { checkpointLag: 3 } },
];

describe('trace editor: a file changed in any way and read again shows what a fresh open shows', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-any-edits-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  SOURCES.forEach((source, n) => it(`${source.name}: lines appended, torn, rewritten and cut`, () => {
    const path = join(dir, `live-${n}.trace.jsonl`);
    // OTLP JSON lines that grew are read on from where the last read stopped: the runs must take that way too.
    let readOn = 0;
    let goneBack = 0;
    let followed = 0;
    fc.assert(fc.property(fc.integer({ min: source.least, max: 20 }), fc.array(edit, { minLength: 1, maxLength: 6 }), (start, edits) => {
      // The file as written so far (whole lines) and how far into the source it got.
      const written = source.lines.slice(0, start);
      let next = start;
      writeFileSync(path, written.join('\n') + '\n');
      const live = new Opened(path, source.payloadsOnDemand, source.sidecar, source.loaderParams);
      const tags = live.file.annotations.doc.errors.length;
      const history: string[] = [];
      const check = (): void => readAgainAsFresh(live, source, tags, history);
      for (const e of edits) {
        if (e.kind === 'append' || e.kind === 'torn') {
          if (next >= source.lines.length) continue;
          const added = e.kind === 'append' ? source.lines.slice(next, next + e.count) : [source.lines[next]];
          if (e.kind === 'torn') {
            // Half a line, read; then the rest: the read waits for it or reads the file again.
            const line = added[0];
            const cut = Math.max(1, Math.floor(line.length * e.cut));
            appendFileSync(path, line.slice(0, cut));
            live.reload();
            appendFileSync(path, line.slice(cut) + '\n');
          } else {
            appendFileSync(path, added.map((l) => l + '\n').join(''));
          }
          written.push(...added);
          next += added.length;
          history.push(`${e.kind === 'torn' ? 'a torn line' : `${added.length} lines`} (to ${next})`);
        } else if (e.kind === 'rewrite') {
          const at = e.at % written.length;
          written[at] = source.failed(written[at]);
          writeFileSync(path, written.join('\n') + '\n');
          history.push(`line ${at + 1} rewritten`);
        } else if (e.kind === 'repeat') {
          // A line written twice (a retried export): its steps again, under their next occurrence ids.
          const at = e.at % written.length;
          written.push(written[at]);
          appendFileSync(path, written[at] + '\n');
          history.push(`line ${at + 1} appended again`);
        } else if (e.kind === 'swap') {
          const at = e.at % written.length;
          if (at + 1 >= written.length) continue;
          [written[at], written[at + 1]] = [written[at + 1], written[at]];
          writeFileSync(path, written.join('\n') + '\n');
          history.push(`lines ${at + 1} and ${at + 2} swapped`);
        } else if (e.kind === 'broken') {
          // A line that is not JSON for a moment (an editor saving half a change), then as it was.
          const at = e.at % written.length;
          writeFileSync(path, written.map((l, i) => (i === at ? l.slice(0, l.length >> 1) : l)).join('\n') + '\n');
          live.reload();
          writeFileSync(path, written.join('\n') + '\n');
          history.push(`line ${at + 1} broken and mended`);
        } else {
          const keep = source.least + (e.keep % Math.max(1, written.length - source.least + 1));
          written.length = Math.min(written.length, keep);
          next = written.length;
          writeFileSync(path, written.join('\n') + '\n');
          history.push(`cut to ${written.length} lines`);
        }
        check();
      }
      readOn += live.loader.linesReadOnReads;
      followed += live.loader.followedReads;
      goneBack += live.loader.runsGoneBack;
    }), { seed: 20261204 + n, numRuns: 12 });
    if (source.name.includes('OTLP')) assert.ok(readOn > 10, `${source.name}: ${readOn} reads on from the last stop`);
    if (source.name.includes('Claude Code') || source.name.includes('Codex')) assert.ok(followed > 10, `${source.name}: ${followed} reads of the appended lines alone`);
    // A parent after its children: runs taken back to a checkpoint or their start, then sent again from it.
    if (source.loaderParams?.checkpointLag !== undefined) assert.ok(goneBack > 5, `${source.name}: ${goneBack} runs taken back`);
  }));
});

type SpanEdit =
  | { kind: 'grow'; count: number }
  | { kind: 'fail'; at: number }
  | { kind: 'swap'; at: number }
  | { kind: 'repeat'; at: number }
  | { kind: 'cut'; keep: number };

const spanEdit: fc.Arbitrary<SpanEdit> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('grow' as const), count: fc.integer({ min: 1, max: 25 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('fail' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('cut' as const), keep: fc.nat() }), weight: 1 },
);

type Span = Record<string, unknown>;

interface DocumentSource extends OpenedAs {
  /** The spans a document is written from, in the order it writes them. */
  spans: Span[];
  /** Swaps and repeats only where the format allows any order (a TRAIL tree is written parents first). */
  anyOrder: boolean;
  failed(span: Span): Span;
  text(spans: Span[]): string;
}

/** Two traces' spans in one OTLP request (two trace ids), in the order written. */
function otlpSpans(childrenFirst: boolean): { spans: Span[]; text: (spans: Span[]) => string } {
  const doc = (seed: number) => JSON.parse(benchTraceText('otlp', 45, seed)) as { resourceSpans: { resource: unknown; scopeSpans: { scope: unknown; spans: Span[] }[] }[] };
  const a = doc(4);
  const b = doc(6).resourceSpans[0].scopeSpans[0].spans.map((sp) => ({ ...sp, traceId: '0000000000000000000000000000abcd' }));
  const spans = [...a.resourceSpans[0].scopeSpans[0].spans, ...b];
  if (childrenFirst) spans.reverse();
  const rs = a.resourceSpans[0];
  return { spans, text: (list) => JSON.stringify({ resourceSpans: [{ resource: rs.resource, scopeSpans: [{ scope: rs.scopeSpans[0].scope, spans: list }] }] }) };
}

/** A TRAIL tree's spans parents first (each without its children), and the tree of any first ones of them. */
function trailSpans(): { spans: Span[]; text: (spans: Span[]) => string } {
  const doc = JSON.parse(benchTraceText('trail', 90, 7)) as { trace_id: string; spans: Span[] };
  const spans: Span[] = [];
  const flatten = (sp: Span): void => {
    const { child_spans: children, ...own } = sp;
    spans.push(own);
    for (const c of (children as Span[] | undefined) ?? []) flatten(c);
  };
  doc.spans.forEach(flatten);
  const text = (list: Span[]): string => {
    const nodes = new Map<unknown, Span>();
    const roots: Span[] = [];
    for (const own of list) {
      const node: Span = { ...own, child_spans: [] };
      nodes.set(own.span_id, node);
      const parent = nodes.get(own.parent_span_id);
      if (parent) (parent.child_spans as Span[]).push(node);
      else roots.push(node);
    }
    return JSON.stringify({ trace_id: doc.trace_id, spans: roots });
  };
  return { spans, text };
}

const otlpFailed = (span: Span): Span => ({ ...span, status: { code: 2, message: 'the tool process was killed (edited)' } });
const trailFailed = (span: Span): Span => ({ ...span, status_code: 'Error', status_message: 'the tool process was killed (edited)' });

const DOCUMENTS: DocumentSource[] = [
  { name: 'an OTLP document, parents first, read as a document', ...otlpSpans(false), payloadsOnDemand: true, anyOrder: true, failed: otlpFailed, sidecar: SPAN_TAGS },
  { name: 'an OTLP document, children first (two passes)', ...otlpSpans(true), payloadsOnDemand: true, anyOrder: true, failed: otlpFailed, sidecar: SPAN_TAGS },
  { name: 'an OTLP document read whole', ...otlpSpans(false), payloadsOnDemand: false, anyOrder: true, failed: otlpFailed, sidecar: SPAN_TAGS },
  { name: 'a TRAIL span tree, read as a document', ...trailSpans(), payloadsOnDemand: true, anyOrder: false, failed: trailFailed, sidecar: sidecarOn([['0000000000000004', 0], ['0000000000000030', 0], ['ghost', 0]]) },
];

describe('trace editor: a document changed in any way and read again shows what a fresh open shows', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-any-doc-edits-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  DOCUMENTS.forEach((source, n) => it(`${source.name}: spans added, failed, swapped, repeated and cut`, () => {
    const path = join(dir, `doc-${n}.json`);
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.array(spanEdit, { minLength: 1, maxLength: 6 }), (start, edits) => {
      const written = source.spans.slice(0, start);
      let next = start;
      writeFileSync(path, source.text(written));
      const live = new Opened(path, source.payloadsOnDemand, source.sidecar);
      const tags = live.file.annotations.doc.errors.length;
      const history: string[] = [];
      for (const e of edits) {
        if (e.kind === 'grow') {
          if (next >= source.spans.length) continue;
          const added = source.spans.slice(next, next + e.count);
          written.push(...added);
          next += added.length;
          history.push(`${added.length} spans added`);
        } else if (e.kind === 'fail') {
          const at = e.at % written.length;
          written[at] = source.failed(written[at]);
          history.push(`span ${at} failed`);
        } else if (e.kind === 'cut') {
          written.length = 1 + (e.keep % written.length);
          next = written.length;
          history.push(`cut to ${written.length} spans`);
        } else {
          if (!source.anyOrder) continue;
          const at = e.at % written.length;
          if (e.kind === 'repeat') written.push(written[at]);
          else if (at + 1 < written.length) [written[at], written[at + 1]] = [written[at + 1], written[at]];
          history.push(`span ${at} ${e.kind === 'repeat' ? 'repeated' : 'swapped with the next'}`);
        }
        writeFileSync(path, source.text(written));
        readAgainAsFresh(live, source, tags, history);
      }
    }), { seed: 20261205 + n, numRuns: 10 });
  }));
});
