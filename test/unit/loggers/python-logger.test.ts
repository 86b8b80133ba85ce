/**
 * loggers/python/agent_trace_logger.py, run by python3 on a small agent script: the trace it
 * writes opens with the project's importer (no warning, valid against schema/trace.schema.json)
 * with its nesting, usage, errors and redaction; its context manager records an exception as the
 * step's error and re-raises it; threads writing at once never interleave lines. python3 is
 * required: without it this test fails saying so.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../support/shared';
import { openWritten, parentName, readRecords, stepNamed } from './check-trace';

const SECRET = 'sk-live-4f9a8b7c6d5e4f3a2b1c';

const SCRIPT = String.raw`
import json, os, sys, threading, warnings
sys.path.insert(0, sys.argv[1])
from agent_trace_logger import start_trace

out_dir = sys.argv[2]
SECRET = sys.argv[3]
summary = {}

def mask(text, key):
    return "***" if key == "api_key" else text.replace(SECRET, "sk-***")

tools = [{"type": "function", "function": {"name": "search_flights", "parameters": {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]}}},
         {"name": "book", "parameters": {"type": "object", "properties": {"flight": {"type": "string"}}, "required": ["flight"]}}]

with start_trace(os.path.join(out_dir, "runs", "agent.trace.jsonl"), title="Book a flight", tools=tools,
                 metadata={"task": "Book SFO", "api_key": "plain-looking-credential"}, redact=mask) as trace:
    with trace.step("booking-agent") as agent:
        with agent.llm("plan", model="gpt-4o", input=[{"role": "system", "content": "You book flights."},
                                                       {"role": "user", "content": "Book SFO. My key is " + SECRET}]) as plan:
            plan.set(output=[{"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function",
                     "function": {"name": "search_flights", "arguments": "{\"to\": \"SFO\"}"}}]}],
                     usage={"prompt_tokens": 412, "completion_tokens": 38}, finish_reason="tool_calls", available_tools=["search_flights", "book"])
        with agent.tool("search_flights", {"to": "SFO"}, call_id="call_1") as call:
            call.set(output=[{"flight": "UA1"}])
        with agent.llm("act", model="gpt-4o") as act:
            try:
                with act.tool("book", {"flight": "UA1"}, call_id="call_2"):
                    raise TimeoutError("upstream timed out after 30s (token %s)" % SECRET)
            except TimeoutError as e:
                summary["reraised"] = str(e)
            act.end(usage={"input_tokens": 500, "output_tokens": 20, "cache_read_input_tokens": 300, "thinking_budget": 64})
            try:
                act.end()
            except RuntimeError as e:
                summary["second_end"] = str(e)
    trace.step("left-open")

# Threads: 8 threads log 25 tool calls each, with 20 KB results, to one trace, while two more
# traces log to the same file; every line must come out whole and every run together.
shared = os.path.join(out_dir, "threads.trace.jsonl")
with start_trace(shared, title="A", id="run-a") as a, start_trace(shared, title="B", id="run-b") as b:
    fan = a.step("fan-out")
    big = "x" * 20000
    def work(t):
        for i in range(25):
            with fan.tool("work-%d-%d" % (t, i), {"t": t, "i": i}) as call:
                call.set(output="%s:%d:%d" % (big, t, i))
        with b.llm("b-%d" % t) as llm:
            llm.set(output=[{"role": "assistant", "content": "answer %d" % t}])
    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads: th.start()
    for th in threads: th.join()
    fan.end()

# A write that fails after the start warns once and does not raise into the agent.
gone = os.path.join(out_dir, "gone")
t = start_trace(os.path.join(gone, "x.trace.jsonl"))
os.remove(os.path.join(gone, "x.trace.jsonl")); os.rmdir(gone)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    t.step("a").end()
    t.step("b").end()
    t.end()
summary["write_warnings"] = [str(w.message) for w in caught]
print(json.dumps(summary))
`;

describe('Python agent-trace logger', () => {
  let dir: string;
  let summary: { reraised: string; second_end: string; write_warnings: string[] };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-py-logger-'));
    const script = join(dir, 'agent.py');
    writeFileSync(script, SCRIPT);
    const res = spawnSync('python3', [script, join(PROJECT_ROOT, 'loggers', 'python'), dir, SECRET], { encoding: 'utf8' });
    if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
      assert.fail('python3 is not installed: install python3 (3.8 or newer) to test loggers/python/agent_trace_logger.py');
    }
    assert.equal(res.status, 0, `python3 ${script} failed (exit ${res.status ?? res.signal}):\n${res.stderr}`);
    summary = JSON.parse(res.stdout) as typeof summary;
  });

  it('writes nested steps, usage, a failing tool call and redacted text that the importer opens and the detectors flag', () => {
    const file = join(dir, 'runs', 'agent.trace.jsonl');
    const analysis = openWritten(file);
    assert.equal(analysis.traces.length, 1);
    const t = analysis.traces[0];
    assert.equal(t.title, 'Book a flight');
    assert.deepEqual(t.tools.map((x) => x.name), ['search_flights', 'book']);
    assert.deepEqual(t.metadata, { task: 'Book SFO', api_key: '***' });
    assert.deepEqual(t.steps.map((s) => [s.name, s.kind, parentName(t, s), s.status]).sort(), [
      ['act', 'llm', 'booking-agent', 'ok'],
      ['book', 'tool', 'act', 'error'],
      ['booking-agent', 'agent', '', 'ok'],
      ['left-open', 'agent', '', 'unset'],
      ['plan', 'llm', 'booking-agent', 'ok'],
      ['search_flights', 'tool', 'booking-agent', 'ok'],
    ]);
    const text = readRecords(file).map((r) => JSON.stringify(r)).join('\n');
    assert.ok(!text.includes(SECRET), 'the secret reached the file');
    assert.ok(!text.includes('plain-looking-credential'), 'the api_key value reached the file');

    const plan = stepNamed(t, 'plan');
    assert.deepEqual(plan.usage, { inputTokens: 412, outputTokens: 38 });
    assert.equal(plan.finishReason, 'tool_calls');
    assert.deepEqual(plan.availableTools, ['search_flights', 'book']);
    assert.equal(plan.input?.messages?.[1].content, 'Book SFO. My key is sk-***');
    assert.deepEqual(plan.output?.messages?.[0].toolCalls, [{ id: 'call_1', name: 'search_flights', arguments: { to: 'SFO' } }]);
    const act = stepNamed(t, 'act');
    assert.deepEqual(act.usage, { inputTokens: 500, outputTokens: 20, cacheReadTokens: 300 });
    assert.deepEqual(act.attributes, { 'usage.thinking_budget': 64 });
    assert.deepEqual(stepNamed(t, 'search_flights').output, { value: [{ flight: 'UA1' }] });
    assert.equal(stepNamed(t, 'left-open').endTime, null);

    const book = stepNamed(t, 'book');
    assert.deepEqual(book.toolCall, { id: 'call_2', name: 'book', arguments: { flight: 'UA1' } });
    assert.equal(book.error?.type, 'TimeoutError');
    assert.equal(book.error?.message, 'upstream timed out after 30s (token sk-***)');
    assert.match(book.error?.stack ?? '', /Traceback[\s\S]*raise TimeoutError/);
    const findings = analysis.analyses[0].findings;
    assert.ok(
      findings.some((f) => f.category === 'TOOL.TIMEOUT' && (f.stepId === book.id || f.symptomStepId === book.id)),
      `no TOOL.TIMEOUT finding on the failing tool call; findings: ${JSON.stringify(findings.map((f) => [f.category, f.stepId]))}`,
    );
  });

  it('re-raises the exception a with-block records, and refuses a second end', () => {
    assert.equal(summary.reraised, `upstream timed out after 30s (token ${SECRET})`);
    assert.match(summary.second_end, /cannot end step "act" \(s\d+\) of trace run-\S+: it already ended/);
  });

  it('keeps whole lines and each run together when threads and two traces write to one file at once', () => {
    const file = join(dir, 'threads.trace.jsonl');
    const records = readRecords(file);
    assert.deepEqual(records.map((r) => (r.type === 'trace' ? `trace ${r.id}` : (r.name as string)[0])).filter((x, i, all) => x !== all[i - 1]), ['trace run-a', 'w', 'f', 'trace run-b', 'b']);
    const analysis = openWritten(file);
    const [ta, tb] = analysis.traces;
    assert.deepEqual([ta.id, ta.steps.length, tb.id, tb.steps.length], ['run-a', 201, 'run-b', 8]);
    const big = 'x'.repeat(20000);
    for (let th = 0; th < 8; th++) {
      for (let i = 0; i < 25; i++) {
        const s = stepNamed(ta, `work-${th}-${i}`);
        assert.equal(parentName(ta, s), 'fan-out');
        assert.deepEqual([s.toolCall?.arguments, s.output?.value], [{ t: th, i }, `${big}:${th}:${i}`]);
      }
      assert.equal(stepNamed(tb, `b-${th}`).output?.messages?.[0].content, `answer ${th}`);
    }
  });

  it('warns once, without raising, when a write fails after the start', () => {
    assert.equal(summary.write_warnings.length, 1, JSON.stringify(summary.write_warnings));
    assert.match(summary.write_warnings[0], /could not write trace run-\S+ to .*x\.trace\.jsonl: .*No such file/);
  });
});
