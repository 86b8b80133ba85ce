/**
 * Streaming import of OTLP JSON (src/core/engine/stream/otlp-stream.ts): for every real span tree
 * and span list of ../shared/traces (TRAIL, any-agent, OpenInference, OpenAI Agents, Langfuse,
 * LangSmith), written as OTLP JSON by `agent-trace convert --to otlp` (the corpus holds no OTLP JSON
 * file of its own), compact and pretty-printed with a BOM and CRLF, the streamed import equals the
 * whole-file import: traces, steps, ids, locations, warnings and the detectors' findings. So do a
 * generated run and hand-written documents that use OTLP's other spellings and orders. Through
 * `loadTraceFile`, a file over the (injected) size threshold takes the streaming path and opens.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeLoaded } from '../../../src/core/analyze';
import { convertTraces } from '../../../src/core/convert';
import { loadOtlpJsonStream, looksLikeOtlpJsonDocument } from '../../../src/core/engine/stream/otlp-stream';
import { loadTraceFile, type LoadResult } from '../../../src/core/load';
import { benchTraceText } from '../../support/bench-traces';
import { otlpLines } from '../../support/otlp-lines';
import { sharedPath } from '../../support/shared';
import { refusal } from '../../support/refusal';

const dir = mkdtempSync(join(tmpdir(), 'atd-otlp-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function writeTemp(content: string, name = 'trace.otlp.json'): string {
  const p = join(dir, `${fileNo++}-${name}`);
  writeFileSync(p, content);
  return p;
}

/** The streamed import equals the whole one, findings included; returns the streamed result. `lines`: the file is OTLP JSON lines. */
function assertStreamEqualsWhole(path: string, chunkSize?: number, lines = false): LoadResult {
  const whole = loadTraceFile(path);
  assert.equal(whole.format, 'otlp-json');
  const streamed = loadOtlpJsonStream(path, { chunkSize, lines });
  assert.ok(streamed);
  assert.deepEqual(streamed, whole);
  assert.deepEqual(analyzeLoaded(streamed).analyses.map((a) => a.findings), analyzeLoaded(whole).analyses.map((a) => a.findings));
  return streamed;
}

/** The span trees and span lists of the corpus (label files and the capture summary are not traces). */
function corpusFiles(): string[] {
  const root = sharedPath('traces');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { if (name !== 'annotations') walk(p); } else if (name.endsWith('.json') && name !== 'capture-results.json') out.push(p);
    }
  };
  for (const folder of ['trail', 'any-agent-genai-spans', 'openinference', 'openai-agents-sdk-traces', 'langfuse', 'langsmith']) walk(join(root, folder));
  return out;
}

describe('streaming OTLP JSON import', () => {
  describe('every span tree and span list of ../shared/traces, written as OTLP JSON', () => {
    const files = corpusFiles();
    it('finds the corpus files', () => assert.ok(files.length >= 40, `${files.length} files`));
    for (const p of files) {
      it(p.slice(sharedPath('traces').length + 1), () => {
        const otlp = convertTraces(loadTraceFile(p).traces, 'otlp');
        const compact = writeTemp(otlp);
        assert.equal(looksLikeOtlpJsonDocument(compact), true);
        assertStreamEqualsWhole(compact);
        const pretty = writeTemp(`\uFEFF${JSON.stringify(JSON.parse(otlp), null, 2).replace(/\n/g, '\r\n')}\r\n`);
        const r = assertStreamEqualsWhole(pretty, 4093);
        assert.ok(r.traces.flatMap((t) => t.steps).every((s) => s.location && s.location.line > 1));
        // As the collector's file exporter writes them: a request of a few spans per line.
        const doc = JSON.parse(otlp) as { resourceSpans: { scopeSpans: unknown[] }[] };
        if (doc.resourceSpans.length === 1 && doc.resourceSpans[0].scopeSpans.length === 1) {
          const lines = assertStreamEqualsWhole(writeTemp(otlpLines(otlp, 3), 'trace.otlp.jsonl'), 4093, true);
          assert.equal(lines.traces.flatMap((t) => t.steps).length, r.traces.flatMap((t) => t.steps).length);
        }
      });
    }
  });

  it('a generated run (GenAI attributes, failures, multi-byte text)', () => {
    const r = assertStreamEqualsWhole(writeTemp(benchTraceText('otlp', 300)), 65536);
    assert.equal(r.traces[0].steps.length, 300);
    assert.ok(r.traces[0].steps.some((s) => s.status === 'error'));
  });

  it("OTLP's other spellings and orders: resource and scope after the spans, snake_case, instrumentationLibrarySpans, two traces, a span that is not an object", () => {
    const span = (id: string, parent?: string, trace = 't1'): Record<string, unknown> => ({
      traceId: trace, spanId: id, ...(parent ? { parentSpanId: parent } : {}), name: `op ${id}`, kind: 1,
      startTimeUnixNano: `17000000000000${id.length}0000`, attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }], status: { code: id === 'b' ? 2 : 1 },
    });
    const docs = [
      { resourceSpans: [{ scopeSpans: [{ spans: [span('b', 'a'), span('a')], scope: { name: 'late-scope' } }], resource: { attributes: [{ key: 'service.name', value: { stringValue: 'late-service' } }] } }] },
      { resource_spans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scope_spans: [{ scope: { name: 'x' }, spans: [{ trace_id: 't', span_id: 'a1', name: 'snake' }, { trace_id: 't', span_id: 'a2', parent_span_id: 'a1', name: 'child', status: { code: 'STATUS_CODE_ERROR' } }] }] }] },
      { resourceSpans: [{ instrumentationLibrarySpans: [{ instrumentationLibrary: { name: 'old' }, spans: [span('a'), span('c', 'a')] }] }] },
      { resourceSpans: [{ scopeSpans: [{ spans: [span('a')] }], instrumentationLibrarySpans: [{ spans: [span('z')] }] }, { scopeSpans: [{ scope: { name: 'two' }, spans: [span('q', undefined, 't2'), 7, span('r', 'q', 't2')] }] }] },
    ];
    for (const d of docs) {
      assertStreamEqualsWhole(writeTemp(JSON.stringify(d)), 37);
      assertStreamEqualsWhole(writeTemp(JSON.stringify(d, null, 1)), 37);
    }
    // The same requests as OTLP JSON lines, a request per line (CRLF line ends too).
    for (const eol of ['\n', '\r\n']) {
      const lines = assertStreamEqualsWhole(writeTemp(docs.map((d) => JSON.stringify(d)).join(eol) + eol, 'requests.jsonl'), 37, true);
      assert.deepEqual(lines.warnings.map((w) => w.message), ['span at 3.resourceSpans.1.scopeSpans.0.spans.1 is not an object; skipped']);
    }
    const late = loadOtlpJsonStream(writeTemp(JSON.stringify(docs[0])))!;
    assert.deepEqual(late.traces[0].steps.map((s) => [s.attributes['otel.scope'], s.attributes['otel.service']]), [['late-scope', 'late-service'], ['late-scope', 'late-service']]);
    const warned = loadOtlpJsonStream(writeTemp(JSON.stringify(docs[3])))!;
    assert.deepEqual(warned.warnings.map((w) => w.message), ['span at resourceSpans.1.scopeSpans.0.spans.1 is not an object; skipped']);
  });

  it('refuses a document without spans as the whole import does, and malformed JSON with its line and column', () => {
    const empty = writeTemp('{"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]}');
    assert.deepEqual(refusal(() => loadOtlpJsonStream(empty)), refusal(() => loadTraceFile(empty)));
    const bad = writeTemp('{"resourceSpans":[{"scopeSpans":[{"spans":[\n{"spanId":"a","name":"x"},\n{"spanId":"b" "name":"y"}]}]}]}');
    assert.deepEqual(refusal(() => loadOtlpJsonStream(bad)), [{ file: bad, line: 3, column: 15, message: 'invalid JSON: comma expected' }]);
    // The whole-file import says the same, in the same place.
    assert.deepEqual(refusal(() => loadOtlpJsonStream(bad)), refusal(() => loadTraceFile(bad)));
  });

  it('stops when the progress callback says so', () => {
    const p = writeTemp(benchTraceText('otlp', 200));
    const seen: number[] = [];
    assert.equal(loadOtlpJsonStream(p, { chunkSize: 4096, onProgress: (byte) => { seen.push(byte); return seen.length < 3; } }), undefined);
    assert.deepEqual(seen, [4096, 8192, 12288]);
  });

  describe('loadTraceFile over the size threshold', () => {
    it('streams an OTLP JSON document larger than the threshold, with progress, and it opens as the whole import does', () => {
      const p = writeTemp(benchTraceText('otlp', 120));
      const size = statSync(p).size;
      const progress: number[] = [];
      const streamed = loadTraceFile(p, { streamAbove: 10_000, onStreamProgress: (byte, total) => { assert.equal(total, size); progress.push(byte); } });
      assert.ok(progress.length >= 1);
      assert.equal(progress[progress.length - 1], size);
      assert.deepEqual(streamed, loadTraceFile(p));
      // At or under the threshold the file is read whole.
      const quiet: number[] = [];
      loadTraceFile(p, { streamAbove: size, onStreamProgress: (byte) => quiet.push(byte) });
      assert.deepEqual(quiet, []);
    });

    it('a malformed OTLP JSON document over the threshold is refused with its line and column', () => {
      const p = writeTemp(`${benchTraceText('otlp', 20).trimEnd().slice(0, -3)}]}]}]}\n`);
      const problems = refusal(() => loadTraceFile(p, { streamAbove: 1000 }));
      assert.equal(problems.length, 1);
      assert.equal(problems[0].file, p);
      assert.equal(typeof problems[0].line, 'number');
      assert.equal(typeof problems[0].column, 'number');
      assert.match(problems[0].message, /^invalid JSON: /);
    });

    it('streams OTLP JSON lines over the threshold, and they open as the whole import does, whatever the length of their first line, whatever order their spans come in', () => {
      for (const [perLine, ended] of [[10, false], [60, false], [10, true], [60, true]] as const) {
        const p = writeTemp(otlpLines(benchTraceText('otlp', 120), perLine, ended), `requests-${perLine}.jsonl`);
        const whole = loadTraceFile(p);
        assert.equal(whole.format, 'otlp-json', 'read whole under the threshold');
        const progress: number[] = [];
        const streamed = loadTraceFile(p, { streamAbove: 1000, onStreamProgress: (byte) => progress.push(byte) });
        assert.ok(progress.length > 0, 'streamed');
        assert.equal(progress[progress.length - 1], statSync(p).size);
        assert.deepEqual(streamed, whole);
        assert.equal(streamed.traces[0].steps.length, 120);
      }
    });

    it('OTLP JSON lines over the threshold with a line that is not a request on one line are refused naming that line', () => {
      const good = otlpLines(benchTraceText('otlp', 30), 10).split('\n');
      const cases: [string, string][] = [
        [[good[0], '{"note":"not spans"}', good[1]].join('\n'), 'line 2 starts with another key than resourceSpans or resource_spans'],
        [[good[0], good[1], '[1,2]', good[2]].join('\n'), 'line 3 is not a JSON object'],
        [[good[0], `${good[1]} ${good[2]}`].join('\n'), 'line 2 holds more than one value'],
      ];
      for (const [text, reason] of cases) {
        const p = writeTemp(`${text}\n`, 'bad-requests.jsonl');
        const problems = refusal(() => loadTraceFile(p, { streamAbove: 1000 }));
        assert.deepEqual(problems.map((x) => [x.file, x.message]), [[p, `${reason}: OTLP JSON lines this large are read a line at a time, each line one OTLP request (fix that line, or split the file, e.g. with \`split -l\`, and open the parts)`]]);
      }
      // Malformed JSON on a line: its line and column.
      const torn = writeTemp([good[0], good[1].slice(0, 200), good[2]].join('\n') + '\n', 'torn.jsonl');
      const [problem] = refusal(() => loadTraceFile(torn, { streamAbove: 1000 }));
      assert.equal(problem.file, torn);
      assert.equal(problem.line, 2);
      assert.equal(typeof problem.column, 'number');
      assert.match(problem.message, /^invalid JSON: /);
    });

    it('agent-trace/v1 JSONL is not taken for OTLP (its own stream reads it, the same as whole), and a forced other format is read whole', () => {
      const jsonlRun = writeTemp(benchTraceText('jsonl', 30), 'run.trace.jsonl');
      assert.equal(looksLikeOtlpJsonDocument(jsonlRun), false);
      const read: number[] = [];
      const r = loadTraceFile(jsonlRun, { streamAbove: 100, onStreamProgress: (b) => read.push(b) });
      assert.deepEqual(read, [statSync(jsonlRun).size], 'read as agent-trace/v1 lines, to the end');
      assert.equal(r.format, 'agent-trace-jsonl');
      assert.deepEqual(r, loadTraceFile(jsonlRun));
      const doc = writeTemp(benchTraceText('otlp', 30));
      const calls: number[] = [];
      const forced = refusal(() => loadTraceFile(doc, { streamAbove: 100, format: 'trail', onStreamProgress: (b) => calls.push(b) }));
      assert.deepEqual(forced, refusal(() => loadTraceFile(doc, { format: 'trail' })));
      assert.deepEqual(calls, []);
    });
  });
});
