/**
 * A key named `__proto__` in a trace is data like any other (JSON.parse makes it an own key). The
 * records the importers build from a trace's keys keep it as an own key (util/own-keys.ts): an
 * assignment would have set the record's prototype, dropping the key and making an object value's
 * keys inherited ones.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyValues } from '../../../src/core/formats/otel/otlp';
import { flattenAttributes } from '../../../src/core/formats/otel/values';
import { readSemantics } from '../../../src/core/formats/otel/semconv';
import { rest } from '../../../src/core/formats/chat/common';
import { makeResolver } from '../../../src/core/formats/chat/inspect-events';
import { parseXmlToolCalls } from '../../../src/core/formats/chat/cline-text';
import { splitByTrace } from '../../../src/core/receiver/split';
import { loadTraceFile } from '../../../src/core/load';
import { DocumentLoader, type DocumentEvent } from '../../../src/core/engine/worker/document-load';
import type { Step } from '../../../src/core/model/schema';
import { SHARED_TRACES as SHARED } from '../../support/shared';

/** `record` keeps `__proto__` as its own key with `value`, and its prototype is still Object's. */
function assertOwnProto(record: unknown, value: unknown, what: string): void {
  assert.ok(record !== null && typeof record === 'object', `${what}: a record`);
  assert.equal(Object.getPrototypeOf(record), Object.prototype, `${what}: the prototype is untouched`);
  assert.ok(Object.prototype.hasOwnProperty.call(record, '__proto__'), `${what}: __proto__ is an own key`);
  assert.deepEqual(Object.getOwnPropertyDescriptor(record, '__proto__')?.value, value, `${what}: its value`);
  assert.ok(JSON.stringify(record).includes('"__proto__"'), `${what}: written out with the rest`);
  if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) assert.ok(!(k in (record as object)), `${what}: "${k}" is not inherited`);
  }
}

const polluting = { polluted: 'yes' };
const otlpKv = [
  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
  { key: '__proto__', value: { kvlistValue: { values: [{ key: 'polluted', value: { stringValue: 'yes' } }] } } },
];

describe('formats: a trace key named __proto__ stays a key', () => {
  it('OTLP key-value lists', () => {
    assertOwnProto(keyValues(otlpKv), polluting, 'keyValues');
  });

  it('nested span attributes made flat', () => {
    const flat = flattenAttributes(JSON.parse('{"__proto__":"kept","llm":{"model_name":"m"}}') as Record<string, unknown>);
    assertOwnProto(flat, 'kept', 'flattenAttributes');
    assert.equal(flat['llm.model_name'], 'm');
  });

  it('the attributes a span keeps once its semantic fields are read', () => {
    const attrs = JSON.parse('{"gen_ai.operation.name":"chat","__proto__":{"polluted":"yes"}}') as Record<string, unknown>;
    const semantics = readSemantics(attrs);
    assert.equal(semantics.kind, 'llm');
    assertOwnProto(semantics.rest, polluting, 'readSemantics rest');
  });

  it('a record\'s other keys (chat importers), values resolved deeply (Inspect), XML tool parameters (Cline)', () => {
    assertOwnProto(rest(JSON.parse('{"id":"1","__proto__":{"polluted":"yes"}}') as Record<string, unknown>, ['id']), polluting, 'rest');
    assertOwnProto(makeResolver({})(JSON.parse('{"__proto__":{"polluted":"yes"}}')), polluting, 'Inspect resolver');
    const { calls } = parseXmlToolCalls('<write_to_file>\n<__proto__>text</__proto__>\n<path>a.txt</path>\n</write_to_file>');
    assert.equal(calls.length, 1);
    assertOwnProto(calls[0].params, 'text', 'Cline parameters');
    assert.equal(calls[0].params.path, 'a.txt');
  });

  it('spans the OTLP receiver splits by trace', () => {
    const [chunk] = splitByTrace({ resourceSpans: [{ resource: {}, scopeSpans: [{ scope: { name: 's' }, spans: [JSON.parse('{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"x","__proto__":{"polluted":"yes"}}')] }] }] });
    assert.ok(chunk);
    const span = (chunk.request.resourceSpans[0] as { scopeSpans: { spans: unknown[] }[] }).scopeSpans[0].spans[0];
    assertOwnProto(span, polluting, 'the receiver\'s span');
  });

  const dir = mkdtempSync(join(tmpdir(), 'atd-own-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a LangSmith update merged into its run lends it no fields', () => {
    const path = join(dir, 'runs.langsmith.json');
    writeFileSync(path, '{"post":[{"id":"r1","name":"chat","run_type":"llm","start_time":"2025-01-01T00:00:00Z","inputs":{"messages":[{"role":"user","content":"hi"}]}}],'
      + '"patch":[{"id":"r1","end_time":"2025-01-01T00:00:01Z","outputs":{"content":"hello"},"__proto__":{"error":"injected by the trace"}}]}');
    const { format, traces } = loadTraceFile(path);
    assert.equal(format, 'langsmith');
    const [step] = traces[0].steps;
    assert.equal(step.status, 'ok', 'no error inherited from the update\'s __proto__ key');
    assert.equal(step.error, undefined);
  });

  it('counts of what a Codex rollout does not show: a line type named __proto__ or constructor counts as itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-own-count-'));
    try {
      const name = readdirSync(join(SHARED, 'codex-cli')).filter((f) => f.endsWith('.jsonl')).sort()[0];
      const lines = readFileSync(join(SHARED, 'codex-cli', name), 'utf8').split('\n').filter((l) => l.trim() !== '');
      const odd = (type: string): string => JSON.stringify({ timestamp: '2026-02-23T12:41:00.000Z', type, payload: { note: type } });
      const path = join(dir, name);
      writeFileSync(path, [...lines, odd('constructor'), odd('__proto__'), odd('constructor')].join('\n') + '\n');
      const counts = loadTraceFile(path).traces[0].metadata.linesNotShownAsSteps as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(counts), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(counts, 'constructor')?.value, 2);
      assert.equal(Object.getOwnPropertyDescriptor(counts, '__proto__')?.value, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('an OTLP document with such an attribute, loaded whole and streamed', () => {
    const path = join(dir, 'proto.otlp.json');
    writeFileSync(path, JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [] },
        scopeSpans: [{ scope: { name: 's' }, spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'chat gpt-4o', startTimeUnixNano: '1000000', endTimeUnixNano: '2000000', attributes: otlpKv }] }],
      }],
    }));

    it('loaded whole', () => {
      const { traces } = loadTraceFile(path);
      assert.equal(traces[0].steps.length, 1);
      assertOwnProto(traces[0].steps[0].attributes, polluting, 'the step\'s attributes');
    });

    it('streamed by the document worker', () => {
      const steps: Step[] = [];
      new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0 }, (e: DocumentEvent) => {
        if (e.kind === 'steps') steps.push(...e.steps);
        if (e.kind === 'failed') assert.fail(e.problems.map((p) => p.message).join('; '));
      }).open();
      assert.equal(steps.length, 1);
      assertOwnProto(steps[0].attributes, polluting, 'the streamed step\'s attributes');
    });
  });
});
