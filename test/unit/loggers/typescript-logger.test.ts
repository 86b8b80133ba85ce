/**
 * loggers/typescript/agent-trace-logger.ts: traces it writes open with the project's importer
 * (no warning, valid against schema/trace.schema.json), with their nesting, usage, errors and
 * redaction, also when many async tasks and two traces write to one file at once.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTrace } from '../../../loggers/typescript/agent-trace-logger';
import { loadTraceFromBytes } from '../../../src/core/load';
import { openWritten, parentName, readRecords, stepNamed } from './check-trace';

const SECRET = 'sk-live-4f9a8b7c6d5e4f3a2b1c';
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

describe('TypeScript agent-trace logger', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-ts-logger-')); });

  it('writes nested steps, usage, a failing tool call and redacted text that the importer opens and the detectors flag', async () => {
    const file = join(dir, 'runs', 'agent.trace.jsonl');
    const trace = startTrace(file, {
      title: 'Book a flight',
      tools: [
        { type: 'function', function: { name: 'search_flights', description: 'Find flights.', parameters: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] } } },
        { name: 'book', parameters: { type: 'object', properties: { flight: { type: 'string' } }, required: ['flight'] } },
      ],
      metadata: { task: 'Book SFO', apiKey: 'plain-looking-credential' },
      redact: (text, key) => (key === 'apiKey' ? '***' : text.replace(/sk-live-[A-Za-z0-9]+/g, 'sk-***')),
    });
    const agent = trace.step('booking-agent');
    const plan = agent.llm('plan', {
      model: 'gpt-4o',
      input: [{ role: 'system', content: 'You book flights.' }, { role: 'user', content: `Book SFO. My key is ${SECRET}` }],
      availableTools: ['search_flights', 'book'],
    });
    plan.end({
      output: [{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search_flights', arguments: '{"to":"SFO"}' } }] }],
      usage: { prompt_tokens: 412, completion_tokens: 38 },
      finishReason: 'tool_calls',
    });
    const found = await agent.tool('search_flights', { to: 'SFO' }, { callId: 'call_1' }).run(async () => { await tick(); return [{ flight: 'UA1' }]; });
    assert.deepEqual(found, [{ flight: 'UA1' }]);
    const act = agent.llm('act', { model: 'gpt-4o' });
    await assert.rejects(
      act.tool('book', { flight: 'UA1' }, { callId: 'call_2' }).run(async () => { await tick(); throw new TimeoutError(`upstream timed out after 30s (token ${SECRET})`); }),
      /upstream timed out after 30s/,
    );
    act.end({ usage: { inputTokens: 500, outputTokens: 20, cache_read_input_tokens: 300, thinking_budget: 64 } });
    agent.end();
    trace.end();

    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(SECRET), 'the secret reached the file');
    assert.ok(!text.includes('plain-looking-credential'), 'the apiKey value reached the file');
    assert.ok(text.includes('sk-***'));
    const records = readRecords(file);
    assert.deepEqual(records.map((r) => r.type), ['trace', 'step', 'step', 'step', 'step', 'step']);
    assert.equal(records[0].format, 'agent-trace/v1');

    const analysis = openWritten(file);
    assert.equal(analysis.traces.length, 1);
    const t = analysis.traces[0];
    assert.equal(t.title, 'Book a flight');
    assert.deepEqual(t.tools.map((x) => x.name), ['search_flights', 'book']);
    assert.deepEqual(t.metadata, { task: 'Book SFO', apiKey: '***' });
    assert.deepEqual(t.steps.map((s) => [s.name, s.kind, parentName(t, s), s.depth]), [
      ['booking-agent', 'agent', '', 0],
      ['plan', 'llm', 'booking-agent', 1],
      ['search_flights', 'tool', 'booking-agent', 1],
      ['act', 'llm', 'booking-agent', 1],
      ['book', 'tool', 'act', 2],
    ]);
    for (const s of t.steps) assert.ok(s.startTime !== null && s.endTime !== null && s.endTime >= s.startTime, `step ${s.name} has times ${s.startTime}..${s.endTime}`);

    const planStep = stepNamed(t, 'plan');
    assert.equal(planStep.model, 'gpt-4o');
    assert.deepEqual(planStep.usage, { inputTokens: 412, outputTokens: 38 });
    assert.equal(planStep.finishReason, 'tool_calls');
    assert.deepEqual(planStep.availableTools, ['search_flights', 'book']);
    assert.equal(planStep.input?.messages?.[1].content, 'Book SFO. My key is sk-***');
    assert.deepEqual(planStep.output?.messages?.[0].toolCalls, [{ id: 'call_1', name: 'search_flights', arguments: { to: 'SFO' } }]);
    const actStep = stepNamed(t, 'act');
    assert.deepEqual(actStep.usage, { inputTokens: 500, outputTokens: 20, cacheReadTokens: 300 });
    assert.deepEqual(actStep.attributes, { 'usage.thinking_budget': 64 });

    const search = stepNamed(t, 'search_flights');
    assert.equal(search.status, 'ok');
    assert.deepEqual(search.toolCall, { id: 'call_1', name: 'search_flights', arguments: { to: 'SFO' } });
    assert.deepEqual(search.output, { value: [{ flight: 'UA1' }] });

    const book = stepNamed(t, 'book');
    assert.equal(book.status, 'error');
    assert.equal(book.error?.type, 'TimeoutError');
    assert.equal(book.error?.message, 'upstream timed out after 30s (token sk-***)');
    const findings = analysis.analyses[0].findings;
    assert.ok(
      findings.some((f) => f.category === 'TOOL.TIMEOUT' && (f.stepId === book.id || f.symptomStepId === book.id)),
      `no TOOL.TIMEOUT finding on the failing tool call; findings: ${JSON.stringify(findings.map((f) => [f.category, f.stepId]))}`,
    );
  });

  it('keeps whole lines and each run together when many async tasks and two traces write to one file at once', async () => {
    const file = join(dir, 'shared.trace.jsonl');
    const a = startTrace(file, { title: 'A', id: 'run-a' });
    const b = startTrace(file, { title: 'B', id: 'run-b' });
    const fan = a.step('fan-out');
    const big = 'x'.repeat(4000);
    const tasksA = Array.from({ length: 30 }, (_, i) => fan.tool(`work-${i}`, { i }).run(async () => {
      for (let k = 0; k < (i * 7) % 5; k++) await tick();
      return `${big}:${i}`;
    }));
    const tasksB = Array.from({ length: 10 }, (_, i) => b.llm(`b-${i}`).run(async () => {
      for (let k = 0; k < (i * 3) % 4; k++) await tick();
      return [{ role: 'assistant', content: `answer ${i}` }];
    }));
    await Promise.all([...tasksA, ...tasksB]);
    // B ends first but A holds the file: B's lines wait and follow A's run.
    b.end();
    assert.equal(readRecords(file).filter((r) => r.type === 'trace').length, 1, 'B wrote into the file while A held it');
    fan.end();
    a.end();

    const records = readRecords(file);
    assert.deepEqual(records.map((r) => (r.type === 'trace' ? `trace ${r.id}` : (r.name as string)[0])).filter((x, i, all) => x !== all[i - 1]), ['trace run-a', 'w', 'f', 'trace run-b', 'b']);
    const analysis = openWritten(file);
    const [ta, tb] = analysis.traces;
    assert.deepEqual([ta.id, ta.title, ta.steps.length, tb.id, tb.title, tb.steps.length], ['run-a', 'A', 31, 'run-b', 'B', 10]);
    for (let i = 0; i < 30; i++) {
      const s = stepNamed(ta, `work-${i}`);
      assert.equal(parentName(ta, s), 'fan-out');
      assert.deepEqual([s.toolCall?.arguments, s.output?.value], [{ i }, `${big}:${i}`]);
    }
    for (let i = 0; i < 10; i++) assert.equal(stepNamed(tb, `b-${i}`).output?.messages?.[0].content, `answer ${i}`);
  });

  it('writes steps left open as unset at the end, refuses a second end, runs sync functions, and starts on a new line after a torn one', () => {
    const file = join(dir, 'torn.trace.jsonl');
    writeFileSync(file, '{"type":"step","id":"crashed","kind":"tool","na');
    const trace = startTrace(file, { id: 'run-t' });
    trace.step('left-open');
    assert.equal(trace.llm('sync').run(() => 42), 42);
    assert.throws(() => trace.tool('boom').run(() => { throw new TypeError('bad argument'); }), /bad argument/);
    const once = trace.tool('once');
    once.end();
    assert.throws(() => once.end(), /cannot end step "once" \(s4\) of trace run-t: it already ended/);
    trace.end();
    trace.end();
    assert.throws(() => trace.step('late'), /cannot start step "late": trace run-t already ended/);

    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines[0], '{"type":"step","id":"crashed","kind":"tool","na');
    const after = lines.slice(1).join('\n');
    const r = loadTraceFromBytes(file, new TextEncoder().encode(after));
    assert.deepEqual(r.warnings, []);
    const t = r.traces[0];
    // Siblings started in the same millisecond keep file order (the order they ended): compare by name.
    assert.deepEqual(t.steps.map((s) => [s.name, s.status]).sort(), [['boom', 'error'], ['left-open', 'unset'], ['once', 'ok'], ['sync', 'ok']]);
    assert.equal(stepNamed(t, 'left-open').endTime, null);
    assert.deepEqual(stepNamed(t, 'sync').output, { value: 42 });
    assert.deepEqual([stepNamed(t, 'boom').error?.type, stepNamed(t, 'boom').error?.message], ['TypeError', 'bad argument']);
  });
});
