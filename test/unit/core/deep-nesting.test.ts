import { strict as assert } from 'node:assert';
import { analyzeBytes } from '../../../src/core/analyze';
import { MAX_JSON_DEPTH, excessiveNestingOffset } from '../../../src/core/json/depth';
import { parseArguments as parseToolArguments } from '../../../src/core/export/tool-args';
import { UserInputError, formatProblem } from '../../../src/core/util/problems';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const deep = (depth: number, inner = '1'): string => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
const header = '{"type":"trace","format":"agent-trace/v1","id":"run-1","title":"demo"}';
const stepA = '{"type":"step","id":"a","kind":"agent","name":"root"}';

function refusal(path: string, text: string): UserInputError {
  try {
    analyzeBytes(path, enc(text));
  } catch (e) {
    assert.ok(e instanceof UserInputError, `expected a UserInputError, got ${e instanceof Error ? e.stack : String(e)}`);
    return e;
  }
  assert.fail('expected the file to be refused');
}

describe('JSON nested deeper than the cap', () => {
  for (const depth of [10_000, 100_000]) {
    it(`skips a canonical JSONL step whose attributes nest ${depth} deep, naming the line`, () => {
      const bad = `{"type":"step","id":"b","parentId":"a","kind":"tool","name":"t","attributes":{"x":${deep(depth)}}}`;
      const r = analyzeBytes('deep.trace.jsonl', enc([header, stepA, bad].join('\n')));
      assert.deepEqual(r.traces[0].steps.map((s) => s.id), ['a']);
      assert.equal(r.warnings.length, 1);
      assert.equal(r.warnings[0].line, 3);
      assert.match(formatProblem(r.warnings[0]), /^deep\.trace\.jsonl:3:\d+: JSON nested more than 512 levels deep .*\(line skipped\)$/);
    });

    it(`refuses OpenAI messages nesting ${depth} deep with a located one-liner`, () => {
      const e = refusal('chat.json', `{"messages":[{"role":"user","content":"hi"},\n{"role":"assistant","content":[${deep(depth)}]}]}`);
      assert.equal(e.problems.length, 1);
      assert.equal(e.problems[0].line, 2);
      assert.match(e.message, /^chat\.json:2:\d+: JSON nested more than 512 levels deep/);
    });

    it(`refuses an OTLP export whose attribute values nest ${depth} deep`, () => {
      const value = '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth) + '{"intValue":1}' + '}]}}'.repeat(depth);
      const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","name":"n","attributes":[{"key":"x","value":${value}}]}]}]}]}`;
      const e = refusal('otlp.json', text);
      assert.match(e.message, /^otlp\.json:1:\d+: JSON nested more than 512 levels deep/);
    });

    it(`refuses ${depth} unclosed brackets without overflowing the stack`, () => {
      const e = refusal('open.json', '['.repeat(depth));
      assert.match(e.message, /^open\.json:1:513: JSON nested more than 512 levels deep/);
    });
  }

  it('opens a trace nested just within the cap, and the model serializes', () => {
    const ok = `{"type":"step","id":"b","parentId":"a","kind":"tool","name":"t","attributes":{"x":${deep(MAX_JSON_DEPTH - 3)}}}`;
    const r = analyzeBytes('ok.trace.jsonl', enc([header, stepA, ok].join('\n')));
    assert.equal(r.traces[0].steps.length, 2);
    assert.equal(r.warnings.length, 0);
    assert.ok(JSON.stringify(r.traces).length > MAX_JSON_DEPTH * 5);
  });

  it('keeps an embedded JSON string nested beyond the cap as a string', () => {
    const args = JSON.stringify(deep(100_000));
    const text = `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":${args}}}]}]}`;
    const r = analyzeBytes('args.json', enc(text));
    const call = r.traces[0].steps.flatMap((s) => s.output?.messages ?? []).flatMap((m) => m.toolCalls ?? [])[0];
    assert.equal(call?.name, 'f');
    assert.equal(typeof call.arguments, 'string');
    assert.ok(JSON.stringify(r.traces));
  });

  it('locates a bad line whose brackets hide in a string only for strict JSON (a bare CR ends it for the tolerant parser)', () => {
    const bad = `{"type":"step","id":"b","name":"x\r,"attributes":${'['.repeat(100_000)}`;
    const r = analyzeBytes('cr.trace.jsonl', enc([header, stepA, bad].join('\n')));
    assert.deepEqual(r.traces[0].steps.map((s) => s.id), ['a']);
    assert.equal(r.warnings.length, 1);
    assert.match(formatProblem(r.warnings[0]), /^cr\.trace\.jsonl:3:\d+: JSON nested more than 512 levels deep.*\(line skipped\)$/);
  });

  it('refuses tool-call arguments nested beyond the cap when exporting or checking them', () => {
    const parsed = parseToolArguments(deep(100_000));
    assert.ok('error' in parsed);
    assert.match(parsed.error, /nested more than 512 levels deep/);
  });

  it('counts brackets outside strings only', () => {
    assert.equal(excessiveNestingOffset('["[[[[", {"{{{{": 1}]', 2), -1);
    assert.equal(excessiveNestingOffset('[["\\"[[["]]', 2), -1);
    assert.equal(excessiveNestingOffset('[[[1]]]', 2), 2);
  });
});
