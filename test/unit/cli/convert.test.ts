import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { loadTraceFile } from '../../../src/core/load';
import { OtlpDocumentSchema } from '../../../src/core/convert/otlp-schema';

const twoRuns = [
  { type: 'trace', format: 'agent-trace/v1', id: 'run-1', title: 'first' },
  { type: 'step', id: 'root', kind: 'agent', name: 'agent', startTime: '2026-01-01T00:00:00Z' },
  { type: 'step', id: 'llm-1', parentId: 'root', kind: 'llm', name: 'plan', model: 'gpt-4o', usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 7000 },
    output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'fetch', arguments: { url: 'x' } }] }] } },
  { type: 'step', id: 'tool-1', parentId: 'root', kind: 'tool', name: 'fetch', toolCall: { id: 'call_1', name: 'fetch', arguments: { url: 'x' } }, status: 'error', error: { type: 'TimeoutError', message: 'request timed out after 30s' } },
  { type: 'trace', format: 'agent-trace/v1', id: 'run-2', title: 'second' },
  { type: 'step', id: 'only', kind: 'message', name: 'hello', output: { value: 'hi' } },
].map((l) => JSON.stringify(l)).join('\n');

const STEP_KEYS = ['id', 'parentId', 'kind', 'name', 'status', 'startTime', 'endTime', 'input', 'output', 'toolCall', 'error', 'usage', 'model'];

describe('agent-trace convert (CLI)', () => {
  let tmp: string;
  let input: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'agent-trace-convert-cli-'));
    input = join(tmp, 'runs.trace.jsonl');
    writeFileSync(input, twoRuns);
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes agent-trace/v1 JSONL to stdout by default: a trace line, then its steps, per trace; every step line carries every field', async () => {
    const r = await main(['convert', input]);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const lines = r.stdout.join('\n').split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => `${String(l.type)}:${String(l.id)}`), ['trace:run-1', 'step:root', 'step:llm-1', 'step:tool-1', 'trace:run-2', 'step:only']);
    assert.equal(lines[0].format, 'agent-trace/v1');
    for (const step of lines.filter((l) => l.type === 'step')) for (const k of STEP_KEYS) assert.ok(k in step, `step ${String(step.id)} lacks ${k}`);
    assert.deepEqual(lines[2].usage, { inputTokens: 10, outputTokens: 5, cacheReadTokens: 7000 });
    assert.deepEqual(lines[3].error, { type: 'TimeoutError', message: 'request timed out after 30s' });
    assert.equal(lines[1].startTime, '2026-01-01T00:00:00.000Z');
  });

  it('--to otlp writes a valid OTLP JSON document with GenAI attributes, the same on every run', async () => {
    const r = await main(['convert', input, '--to', 'otlp']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const doc = OtlpDocumentSchema.parse(JSON.parse(r.stdout.join('\n')));
    assert.equal(doc.resourceSpans.length, 2);
    const spans = doc.resourceSpans[0].scopeSpans[0].spans;
    const attr = (name: string, key: string): unknown => spans.find((s) => s.name === name)!.attributes.find((a) => a.key === key)?.value;
    assert.deepEqual(attr('plan', 'gen_ai.operation.name'), { stringValue: 'chat' });
    assert.deepEqual(attr('plan', 'gen_ai.request.model'), { stringValue: 'gpt-4o' });
    assert.deepEqual(attr('plan', 'gen_ai.usage.cache_read.input_tokens'), { intValue: '7000' });
    assert.deepEqual(attr('fetch', 'gen_ai.tool.call.id'), { stringValue: 'call_1' });
    assert.deepEqual(attr('fetch', 'gen_ai.tool.call.arguments'), { stringValue: '{"url":"x"}' });
    const fetch = spans.find((s) => s.name === 'fetch')!;
    assert.deepEqual(fetch.status, { code: 2, message: 'request timed out after 30s' });
    assert.equal(fetch.parentSpanId, spans.find((s) => s.name === 'agent')!.spanId);
    assert.equal(spans.find((s) => s.name === 'agent')!.startTimeUnixNano, '1767225600000000000');
    assert.deepEqual((await main(['convert', input, '--to', 'otlp'])).stdout, r.stdout, 'ids are derived, not random');
  });

  it('-o writes the file atomically (no temp left) and it reads back as the same traces', async () => {
    const out = join(tmp, 'out.otlp.json');
    const r = await main(['convert', input, '--to', 'otlp', '-o', out]);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    assert.deepEqual(r.stdout, []);
    assert.match(r.stderr.join('\n'), /wrote 2 traces \(4 steps\) as otlp to /);
    assert.deepEqual(readdirSync(tmp).sort(), ['out.otlp.json', 'runs.trace.jsonl']);
    const back = loadTraceFile(out);
    assert.equal(back.format, 'otlp-json');
    assert.deepEqual(back.traces.map((t) => t.steps.map((s) => `${s.kind}:${s.name}:${s.status}`)), [['agent:agent:ok', 'llm:plan:ok', 'tool:fetch:error'], ['message:hello:ok']]);
    assert.equal(back.traces[0].steps[1].usage?.cacheReadTokens, 7000);
  });

  it('--trace-index N converts only that trace', async () => {
    const r = await main(['convert', input, '--trace-index', '1']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const lines = r.stdout.join('\n').split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => String(l.id)), ['run-2', 'only']);
  });

  const bad: [string, (dir: string, file: string) => string[], RegExp][] = [
    ['an unknown --to', (_d, f) => ['convert', f, '--to', 'jaeger'], /--to must be agent-trace or otlp \(got "jaeger"\)/],
    ['a --trace-index that is no number', (_d, f) => ['convert', f, '--trace-index', '-1'], /--trace-index (must be a whole number|needs a value)/],
    ['a --trace-index out of range', (_d, f) => ['convert', f, '--trace-index', '2'], /runs\.trace\.jsonl: has no run #2 \(it holds 2: #0 to #1\)/],
    ['a file that does not exist', (d) => ['convert', join(d, 'missing.jsonl')], /missing\.jsonl: no such file/],
    ['a file that is not a trace', (d) => { writeFileSync(join(d, 'notes.txt'), 'hello'); return ['convert', join(d, 'notes.txt')]; }, /notes\.txt:1:1: not a trace/],
    ['-o into a folder that does not exist', (d, f) => ['convert', f, '-o', join(d, 'nope', 'out.jsonl')], /out\.jsonl: the folder .*nope does not exist/],
    ['-o naming the input file', (_d, f) => ['convert', f, '-o', f], /runs\.trace\.jsonl: is the input file: converting never overwrites/],
    ['-o naming a folder', (d, f) => ['convert', f, '-o', d], /is a folder: give a file name/],
    ['two files', (_d, f) => ['convert', f, f], /convert takes exactly one trace file/],
  ];
  for (const [what, argv, message] of bad) {
    it(`exits 2 with a one-line error, no stack, for ${what}; the input is untouched`, async () => {
      const r = await main(argv(tmp, input));
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr[0], message);
      assert.ok(!r.stderr.join('\n').includes('    at '), 'no stack trace');
      assert.equal(r.stderr[0].split('\n').length, 1);
      assert.equal(readFileSync(input, 'utf8'), twoRuns);
    });
  }
});
