/**
 * Steps held without their payloads (src/core/engine/stream/step-payloads.ts): a streamed file's
 * steps cross from the document worker without `input` and `output`, with their lines' byte
 * ranges, and reading them back gives exactly the steps the whole import builds, whatever the
 * bytes (multi-byte text, CRLF line ends, a BOM, several runs). A line that is no longer the
 * step's (the file was rewritten) is refused, saying so, never shown as the step's content.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentLoader, type DocumentEvent } from '../../../src/core/engine/worker/document-load';
import { checkLinesInFile, HeldContexts, FilePayloads, LineVerdict, PAGED_FIELDS } from '../../../src/core/engine/stream/step-payloads';
import { stepsOf } from '../../support/indexed-steps';
import { searchableText } from '../../../src/core/engine/search-text';
import { loadTraceFile } from '../../../src/core/load';
import { isUserInputError } from '../../../src/core/util/problems';
import type { Step } from '../../../src/core/model/schema';
import { benchTraceText } from '../../support/bench-traces';
import { otlpLines } from '../../support/otlp-lines';
import { jsonView } from '../../support/convert-compare';
import { PROJECT_ROOT } from '../../support/shared';

const dir = mkdtempSync(join(tmpdir(), 'atd-payloads-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

/** The file's runs as the host holds them: light steps, and each run's payload source. */
function openPaged(text: string, name = `p${++serial}.trace.jsonl`): { path: string; runs: Step[][]; payloads: FilePayloads[]; events: DocumentEvent[] } {
  const path = join(dir, name);
  writeFileSync(path, text);
  const runs: Step[][] = [];
  const payloads: FilePayloads[] = [];
  const events: DocumentEvent[] = [];
  new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 4096, payloadsOnDemand: true }, (e) => {
    events.push(e);
    if (e.kind !== 'steps') return;
    (runs[e.run] ??= []).push(...e.steps);
    assert.ok(e.payloadRanges, 'the ranges come with the steps');
    assert.equal(e.payloadRanges.length, 2 * e.steps.length);
    (payloads[e.run] ??= new FilePayloads(path, undefined, e.payloadFormat)).addRanges(e.payloadRanges);
  }).open();
  return { path, runs, payloads, events };
}

/** An OTLP document of two requests (services) and three scopes, pretty-printed, with multi-byte and escaped text. */
function hostileOtlp(): string {
  const kv = (key: string, v: string): unknown => ({ key, value: { stringValue: v } });
  const span = (spanId: string, name: string, start: number, parent: string | undefined, attrs: unknown[]): unknown => ({
    traceId: 't1', spanId, ...(parent ? { parentSpanId: parent } : {}), name, startTimeUnixNano: String(start * 1e9), endTimeUnixNano: String((start + 1) * 1e9), attributes: attrs,
  });
  const messages = (role: string, content: string): string => JSON.stringify([{ role, parts: [{ type: 'text', content }] }]);
  const doc = { resourceSpans: [
    { resource: { attributes: [kv('service.name', 'research-agent')] }, scopeSpans: [
      { scope: { name: 'agents' }, spans: [span('a', 'invoke_agent café', 1, undefined, [kv('gen_ai.operation.name', 'invoke_agent')])] },
      { scope: { name: 'openai' }, spans: [span('b', 'chat gpt-4o', 2, 'a', [kv('gen_ai.operation.name', 'chat'), kv('gen_ai.request.model', 'gpt-4o'),
        kv('gen_ai.input.messages', messages('user', 'What is the weather in Paris? 日本語 🚀 "quoted" \\ back\nslash')),
        kv('gen_ai.output.messages', messages('assistant', 'Calling get_weather, café déjà'))])] },
    ] },
    { resource: { attributes: [kv('service.name', 'tools ß')] }, scopeSpans: [
      { scope: { name: 'tools' }, spans: [span('c', 'execute_tool get_weather', 3, 'a', [kv('gen_ai.operation.name', 'execute_tool'), kv('gen_ai.tool.name', 'get_weather'),
        kv('gen_ai.tool.call.arguments', '{"city":"Paris"}'), kv('gen_ai.tool.call.result', '18°C, <b>sunny</b>')])] },
    ] },
  ] };
  return JSON.stringify(doc, null, 2);
}

/** Generated runs with the text a real trace has: accents, CJK, emoji, escapes, HTML. */
function hostileText(): string {
  const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'hostile', title: 'Unicode' });
  const step = (id: string, content: string, extra: Record<string, unknown> = {}): string => JSON.stringify({
    type: 'step', id, kind: 'llm', name: 'chat', ...extra,
    input: { messages: [{ role: 'user', content }] }, output: { messages: [{ role: 'assistant', content: `re: ${content}` }] },
  });
  return [header, step('a', 'café déjà straße'), step('b', '日本語のテキスト 🚀🧪', { parentId: 'a' }), step('c', '<script>alert(1)</script>\n"quoted"\\ \u2028'),
    step('a', 'a repeated id', { parentId: 'c' })].join('\n') + '\n';
}

describe('engine: steps held without their payloads, read back from the file', () => {
  const cases: [string, () => string][] = [
    ['a generated run with failures', () => benchTraceText('jsonl', 300, 3)],
    ['three runs in one file', () => [1, 2, 3].map((seed) => benchTraceText('jsonl', 40, seed)).join('')],
    ['multi-byte text and a repeated id', hostileText],
    ['CRLF line ends and a BOM', () => `\uFEFF${hostileText().replace(/\n/g, '\r\n')}`],
    ['the example trace', () => readFileSync(join(PROJECT_ROOT, 'examples/research-agent.trace.jsonl'), 'utf8')],
    ['an OTLP document', () => benchTraceText('otlp', 200, 3)],
    ['an OTLP document written children first, read in two passes', () => {
      const doc = JSON.parse(benchTraceText('otlp', 200, 5)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
      doc.resourceSpans[0].scopeSpans[0].spans.reverse();
      return JSON.stringify(doc, null, 1);
    }],
    ['an OTLP document of two services and scopes, with multi-byte text', hostileOtlp],
    ['OTLP JSON lines, a request per line', () => otlpLines(benchTraceText('otlp', 200, 6), 10)],
    ['the GenAI OTLP fixture', () => readFileSync(join(PROJECT_ROOT, 'test/fixtures/otel/genai-otlp.json'), 'utf8')],
  ];
  for (const [name, text] of cases) {
    it(`${name}: the steps cross without input and output, and read back as the whole import builds them`, () => {
      const otlp = name.includes('OTLP');
      const { path, runs, payloads, events } = openPaged(text(), otlp ? `p${++serial}.json` : undefined);
      assert.ok(events.every((e) => e.kind !== 'steps' || e.payloadFormat === (otlp ? 'otlp-span' : undefined)), 'what the ranges hold');
      const whole = loadTraceFile(path).traces;
      assert.equal(runs.length, whole.length);
      runs.forEach((steps, r) => {
        assert.ok(steps.length > 0);
        for (const s of steps) {
          for (const f of PAGED_FIELDS) assert.equal(s[f], undefined, `${s.id} crossed with its ${f}`);
          // A span's service and scope are written outside the span: they cross, and only they.
          if (!otlp) assert.deepEqual(s.attributes, {}, `${s.id} crossed with its attributes`);
          else assert.ok(Object.keys(s.attributes).every((k) => k === 'otel.scope' || k === 'otel.service') && 'otel.scope' in s.attributes, `${s.id} crossed with ${JSON.stringify(s.attributes)}`);
          assert.equal(s.toolCall?.arguments, undefined, `${s.id} crossed with its call's arguments`);
        }
        assert.ok(whole[r].steps.some((s) => s.input || s.output), 'the run has payloads to read back');
        assert.deepEqual(jsonView(payloads[r].wholeAt(stepsOf(steps), steps.map((_, i) => i))), jsonView(whole[r].steps), `run ${r + 1}, read back together`);
        steps.forEach((s, i) => assert.deepEqual(jsonView(payloads[r].whole(s)), jsonView(whole[r].steps[i]), `run ${r + 1}, step ${s.id}`));
      });
    });
  }

  it('an OTLP span step is checked for a search in its file as its whole step decides', () => {
    const { path, runs, payloads } = openPaged(hostileOtlp(), `p${++serial}.json`);
    const whole = loadTraceFile(path).traces[0].steps;
    const { held, check } = payloads[0].linesOf!(stepsOf(runs[0]), 0, runs[0].length);
    assert.equal(held.length, whole.length);
    for (const query of ['café', '日本', 'weather in paris', '"quoted"', 'get_weather', 'nowhere at all', 'research-agent']) {
      const verdicts = checkLinesInFile(path, check, query);
      const expected = whole.map((s) => (searchableText(s).includes(query) ? LineVerdict.Match : LineVerdict.NoMatch));
      assert.deepEqual([...verdicts], expected, query);
    }
  });

  it('spans held in decision order against the file\'s (a document read in two passes) are checked and read back where they are', () => {
    const doc = JSON.parse(benchTraceText('otlp', 150, 8)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    doc.resourceSpans[0].scopeSpans[0].spans.reverse();
    const { path, runs, payloads } = openPaged(JSON.stringify(doc), `p${++serial}.json`);
    const whole = loadTraceFile(path).traces[0].steps;
    const { check } = payloads[0].linesOf!(stepsOf(runs[0]), 0, runs[0].length);
    assert.ok(check.starts[1] < check.starts[0], 'the ranges are not in file order');
    let matched = 0;
    for (const query of ['reconcile', 'résumé', 'timeout', 'nowhere at all']) {
      const expected = whole.map((s) => (searchableText(s).includes(query) ? LineVerdict.Match : LineVerdict.NoMatch));
      assert.deepEqual([...checkLinesInFile(path, check, query)], expected, query);
      matched += expected.filter((v) => v === LineVerdict.Match).length;
    }
    assert.ok(matched > 10, `${matched} matches`);
    const every = runs[0].map((_, i) => i);
    assert.deepEqual(jsonView(payloads[0].wholeAt(stepsOf(runs[0]), every)), jsonView(whole));
  });

  it('a TRAIL span step is read back from its own members, without its children, as the whole import builds it; and checked for a search', () => {
    const { path, runs, payloads, events } = openPaged(benchTraceText('trail', 200, 4), `p${++serial}.json`);
    assert.ok(events.every((e) => e.kind !== 'steps' || e.payloadFormat === 'trail-span'), 'what the ranges hold');
    const whole = loadTraceFile(path).traces[0].steps;
    const steps = runs[0];
    assert.equal(steps.length, whole.length);
    for (const s of steps) for (const f of PAGED_FIELDS) assert.equal(s[f], undefined, `${s.id} crossed with its ${f}`);
    // The whole import's location covers a span with its children; a streamed one, its own members.
    const located = (list: Step[]): Step[] => list.map((s, i) => ({ ...s, location: whole[i].location }));
    assert.deepEqual(jsonView(located(payloads[0].wholeAt(stepsOf(steps), steps.map((_, i) => i)))), jsonView(whole), 'read back together');
    steps.forEach((s, i) => assert.deepEqual(jsonView({ ...payloads[0].whole(s), location: whole[i].location }), jsonView(whole[i]), `step ${s.id}`));
    const root = payloads[0].whole(steps[0]);
    assert.ok((root.location?.length ?? 0) < 10_000 && (whole[0].location?.length ?? 0) > 100_000, 'the root span is read without its subtree');
    const { check } = payloads[0].linesOf!(stepsOf(steps), 0, steps.length);
    let matched = 0;
    for (const query of ['reconcile', 'timeout', 'nowhere at all']) {
      const expected = whole.map((s) => (searchableText(s).includes(query) ? LineVerdict.Match : LineVerdict.NoMatch));
      assert.deepEqual([...checkLinesInFile(path, check, query)], expected, query);
      matched += expected.filter((v) => v === LineVerdict.Match).length;
    }
    assert.ok(matched > 5, `${matched} matches`);
  });

  it('held span contexts are shared: one frozen object per service and scope', () => {
    const contexts = new HeldContexts();
    const a = contexts.intern({ 'otel.scope': 'openai', 'otel.service': 'agent' });
    assert.equal(contexts.intern({ 'otel.scope': 'openai', 'otel.service': 'agent' }), a);
    assert.ok(Object.isFrozen(a));
    assert.notEqual(contexts.intern({ 'otel.scope': 'tools', 'otel.service': 'agent' }), a);
    const larger = { 'otel.scope': 'openai', 'otel.service': 'agent', other: 1 };
    assert.equal(contexts.intern(larger), larger, 'anything larger is kept as it is');
    assert.ok(!Object.isFrozen(larger));
  });

  it('a step whose line changed on disk is refused with the file, the line and why', () => {
    const text = benchTraceText('jsonl', 30, 5);
    const { path, runs, payloads } = openPaged(text);
    const target = runs[0][7];
    // Another writer replaced the file: the same length, other steps at those bytes.
    writeFileSync(path, text.replace(/"id":"([a-z]+)-(\d+)"/g, (_m, k: string, n: string) => `"id":"${k.slice(0, 1)}-${n.padStart(k.length - 1 + n.length, '0')}"`));
    assert.throws(() => payloads[0].whole(target), (e: unknown) => {
      assert.ok(isUserInputError(e));
      const [p] = e.problems;
      assert.equal(p.file, path);
      assert.equal(p.line, target.location!.line);
      assert.match(p.message, new RegExp(`changed on disk since it was read: step "${target.id}" is no longer on this line`));
      return true;
    });
  });

  it('a step beyond the ranges known is whole already', () => {
    const { runs, payloads } = openPaged(benchTraceText('jsonl', 10, 2));
    const whole = { ...runs[0][0], index: payloads[0].count, input: { messages: [{ role: 'user' as const, content: 'here' }] } };
    assert.equal(payloads[0].whole(whole), whole);
  });

  it('a file out of decision order is loaded whole, and its steps cross whole', () => {
    const text = hostileText().replace('"parentId":"c"', '"parentId":"b"');
    const path = join(dir, 'unordered.trace.jsonl');
    writeFileSync(path, text);
    const events: DocumentEvent[] = [];
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, payloadsOnDemand: true }, (e) => events.push(e)).open();
    const done = events.find((e) => e.kind === 'done');
    assert.equal(done?.kind === 'done' && done.streamed, false);
    const steps = events.flatMap((e) => (e.kind === 'steps' ? e.steps : []));
    assert.deepEqual(jsonView(steps), jsonView(loadTraceFile(path).traces[0].steps));
    assert.ok(events.every((e) => e.kind !== 'steps' || e.payloadRanges === undefined));
  });

  it('without payloadsOnDemand the steps cross whole', () => {
    const path = join(dir, 'whole.trace.jsonl');
    writeFileSync(path, benchTraceText('jsonl', 20, 2));
    const events: DocumentEvent[] = [];
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0 }, (e) => events.push(e)).open();
    const steps = events.flatMap((e) => (e.kind === 'steps' ? e.steps : []));
    assert.ok(steps.some((s) => s.input !== undefined));
    assert.ok(events.every((e) => e.kind !== 'steps' || e.payloadRanges === undefined));
  });
});
