import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { correctedTrajectory, parseTraceSpec, TraceLoader } from '../../../src/core/compare';
import { sharedPath } from '../../support/shared';

const tmp = mkdtempSync(join(tmpdir(), 'agent-trace-diff-'));
function write(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

/** An agent-trace/v1 run: ask, look up the weather for each city, answer. */
function runLines(id: string, cities: string[], answer: string): unknown[] {
  const lines: unknown[] = [{ type: 'trace', format: 'agent-trace/v1', id, title: `weather ${id}` }];
  lines.push({ type: 'step', id: `${id}-u`, kind: 'message', name: 'user', input: { messages: [{ role: 'user', content: 'Weather?' }] } });
  cities.forEach((city, i) => {
    const callId = `${id}-c${i}`;
    lines.push({ type: 'step', id: `${id}-llm${i}`, kind: 'llm', name: 'model', output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: callId, name: 'get_weather', arguments: { city } }] }] } });
    lines.push({ type: 'step', id: `${id}-tool${i}`, kind: 'tool', name: 'get_weather', toolCall: { id: callId, name: 'get_weather', arguments: { city } }, output: { value: `${city}: 18C` } });
  });
  lines.push({ type: 'step', id: `${id}-answer`, kind: 'llm', name: 'model', output: { messages: [{ role: 'assistant', content: answer }] } });
  return lines;
}
const jsonl = (lines: unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

interface DiffJson {
  firstDivergence: null | { a: number | null; b: number | null };
  firstActionDivergence: null | { a: number | null; b: number | null };
  pairs: { a: number | null; b: number | null; kind: string; fields?: string[] }[];
}

async function diffJson(...args: string[]): Promise<DiffJson> {
  const r = await main(['diff', ...args, '--json']);
  assert.equal(r.exitCode, 0, r.stderr.join('\n'));
  return JSON.parse(r.stdout.join('\n')) as DiffJson;
}

describe('agent-trace diff', () => {
  const one = write('one.trace.jsonl', jsonl(runLines('r1', ['Paris', 'Lyon'], 'Paris and Lyon: 18C')));
  const two = write('two.trace.jsonl', jsonl(runLines('r2', ['Paris', 'Nice', 'Lyon'], 'Paris, Nice and Lyon: 18C')));
  const both = write('both.trace.jsonl', jsonl([...runLines('r1', ['Paris', 'Lyon'], 'Paris and Lyon: 18C'), ...runLines('r2', ['Paris', 'Lyon'], 'Paris and Lyon: 18C')]));

  it('--json prints firstDivergence and pairs in the documented shape', async () => {
    const out = await diffJson(one, two);
    assert.deepEqual(Object.keys(out).slice(0, 2), ['firstDivergence', 'pairs']);
    // Steps: 0 user, 1-2 Paris, 3-4 Lyon, 5 answer (a); b adds Nice at 3-4.
    assert.deepEqual(out.pairs.map((p) => [p.a, p.b, p.kind]), [
      [0, 0, 'same'], [1, 1, 'same'], [2, 2, 'same'], [null, 3, 'inserted'], [null, 4, 'inserted'], [3, 5, 'same'], [4, 6, 'same'], [5, 7, 'changed'],
    ]);
    for (const p of out.pairs) {
      assert.ok(['same', 'changed', 'inserted', 'deleted'].includes(p.kind));
      assert.ok(p.a === null || Number.isInteger(p.a));
      assert.ok(p.b === null || Number.isInteger(p.b));
    }
    assert.deepEqual(out.pairs[7].fields, ['messages']);
    assert.equal(out.firstDivergence?.a, null);
    assert.equal(out.firstDivergence?.b, 3);
    const same = await diffJson(one, one);
    assert.equal(same.firstDivergence, null);
    assert.ok(same.pairs.every((p) => p.kind === 'same'));
  });

  it('text output: an aligned listing with = ~ + - markers and the first divergence called out', async () => {
    const r = await main(['diff', two, one]);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const text = r.stdout.join('\n');
    assert.match(text, /^first divergence: step 4 \(llm get_weather\) of a, which b does not have$/m);
    const rows = r.stdout.filter((l) => /^[=~+-] {2}/.test(l));
    assert.deepEqual(rows.map((l) => l[0]).join(''), '===--==~');
    assert.match(rows[3], /^- {2}4 llm get_weather\s+<- first divergence$/);
    assert.match(rows[7], /^~ {2}8 llm model\s+6 llm model\s+messages$/);
    const reworded = write('reworded.trace.jsonl', jsonl(runLines('r3', ['Paris', 'Lyon'], 'It is 18C in both')));
    const changed = await main(['diff', one, reworded]);
    assert.ok(changed.stdout.includes('first divergence: a step 6 (llm model) ~ b step 6 (llm model): messages differs'), changed.stdout.join('\n'));
    assert.ok(changed.stdout.includes('first different action: none (the runs took the same actions; only messages, results, errors or status differ)'), changed.stdout.join('\n'));
  });

  it('trace text in the listing is escaped before columns are measured', async () => {
    const hostile = write('hostile.trace.jsonl', jsonl(runLines('h', ['Paris\u001b]0;pwned\u0007', 'Lyon'], 'x')).replace(/"get_weather"/g, '"get\\u001b[2J_weather"'));
    const r = await main(['diff', one, hostile]);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const control = (l: string): boolean => [...l].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
    assert.ok(!r.stdout.some(control), r.stdout.join('\n'));
    assert.ok(r.stdout.some((l) => l.includes('get\\u001b[2J_weather')), r.stdout.join('\n'));
  });

  it('two runs of one file: file#N', async () => {
    const out = await diffJson(`${both}#0`, `${both}#1`);
    assert.equal(out.firstDivergence, null);
    assert.equal(out.pairs.length, 6);
    assert.deepEqual(parseTraceSpec('x/runs.json#12', () => false), { file: 'x/runs.json', traceKey: '12' });
    // A key may hold '#' itself (the k-th repeat of an id): the file is the prefix that exists.
    assert.deepEqual(parseTraceSpec('x/runs.jsonl#abc#2', (p) => p === 'x/runs.jsonl'), { file: 'x/runs.jsonl', traceKey: 'abc#2' });
    assert.deepEqual(parseTraceSpec('odd#3', (p) => p === 'odd#3'), { file: 'odd#3' });
  });

  it('bad input: exit 2 with one line naming the file', async () => {
    const missing = join(tmp, 'missing.trace.jsonl');
    for (const [args, pattern] of [
      [[missing, one], new RegExp(`^${missing}: no such file$`)],
      [[both, one], new RegExp(`^${both}: holds 2 runs: pick one by adding #N to the file name \\(N from 0 to 1\\) or #KEY \\(a run's id\\)$`)],
      [[`${both}#7`, one], new RegExp(`^${both}: has no run #7 \\(it holds 2: #0 to #1\\)$`)],
      [[one, '--corrected'], new RegExp(`^${one}: has no annotation sidecar`)],
    ] as const) {
      const r = await main(['diff', ...args]);
      assert.equal(r.exitCode, 2, JSON.stringify(r));
      assert.equal(r.stderr.length, 1, r.stderr.join('\n'));
      assert.match(r.stderr[0], pattern);
      assert.deepEqual(r.stdout, []);
    }
    const usage = await main(['diff', one]);
    assert.equal(usage.exitCode, 2);
    assert.match(usage.stderr[0], /diff takes two traces/);
  });

  it('--corrected: the run against its corrected trajectory, which ends at a correction that changes a tool call', async () => {
    const file = write('fix.trace.jsonl', jsonl(runLines('f', ['Pariss', 'Lyon'], 'done')));
    // The first call is corrected to another city: the trajectory ends there (its result, the Lyon call and the answer are gone).
    const sidecar = write('fix.trace.jsonl.annotations.json', JSON.stringify({ version: 1, errors: [], reviewed: [], corrections: [
      { location: 'f-llm0', output: { role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] } },
    ] }));
    const out = await diffJson(file, '--corrected');
    assert.deepEqual(out.pairs.map((p) => [p.a, p.b, p.kind]), [[0, 0, 'same'], [1, 1, 'changed'], [2, null, 'deleted'], [3, null, 'deleted'], [4, null, 'deleted'], [5, null, 'deleted']]);
    assert.deepEqual(out.pairs[1].fields, ['arguments']);
    assert.deepEqual(out.firstDivergence, { a: 1, b: 1, pair: 1 });
    // A correction of the answer's text only: the same actions, one changed message.
    writeFileSync(sidecar, JSON.stringify({ version: 1, errors: [], reviewed: [], corrections: [{ location: 'f-answer', output: { role: 'assistant', content: 'Paris: 18C; Lyon: 18C' } }] }));
    const loader = new TraceLoader();
    const c = correctedTrajectory(file, loader.trace({ file }));
    assert.deepEqual(c.corrected, ['f-answer']);
    assert.equal(c.truncatedAfter, undefined);
    const text = await diffJson(file, '--corrected');
    assert.deepEqual(text.pairs.map((p) => p.kind), ['same', 'same', 'same', 'same', 'same', 'changed']);
    assert.equal(text.firstActionDivergence, null);
    // A sidecar written for other trace bytes is still used, with a warning naming it.
    writeFileSync(sidecar, JSON.stringify({ version: 1, trace: { path: 'fix.trace.jsonl', sha256: '0'.repeat(64) }, errors: [], reviewed: [], corrections: [{ location: 'f-answer', output: { role: 'assistant', content: 'Paris: 18C' } }] }));
    const warned = await main(['diff', file, '--corrected']);
    assert.equal(warned.exitCode, 0, warned.stderr.join('\n'));
    assert.equal(warned.stderr.length, 1, warned.stderr.join('\n'));
    assert.ok(warned.stderr[0].startsWith(`warning: ${sidecar} ($.trace.sha256): written for a different version of fix.trace.jsonl`), warned.stderr[0]);
    // A sidecar without corrections: refused, naming the sidecar.
    writeFileSync(sidecar, JSON.stringify({ version: 1, errors: [], reviewed: [], corrections: [] }));
    const r = await main(['diff', file, '--corrected']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr[0], new RegExp(`^${sidecar}: holds no correction`));
  });

  it('two tau-bench runs of task 43: they diverge where the simulated user rewords, and act differently at step 11', async () => {
    // gpt-4o-airline.json holds 4 trials of 50 tasks: runs #43 (trial 0, reward 1) and #93 (trial 1,
    // reward 0) are task 43. Read by hand: the system prompt, the user's opening and the agent's
    // question are identical; the user's next message (step index 3) is worded differently; both
    // runs then call get_reservation_details("3RK2T9") alike; trial 0 goes on to call
    // update_reservation_passengers (index 10) and trial 1 refuses (basic economy) and never does.
    const file = sharedPath('traces', 'tau-bench', 'gpt-4o-airline.json');
    const r = await main(['diff', `${file}#43`, `${file}#93`, '--json']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const out = JSON.parse(r.stdout.join('\n')) as DiffJson & { traces: { a: { title: string }; b: { title: string } } };
    assert.equal(out.traces.a.title, 'task 43 trial 0');
    assert.equal(out.traces.b.title, 'task 43 trial 1');
    assert.deepEqual(out.firstDivergence, { a: 3, b: 3, pair: 3 });
    assert.deepEqual(out.pairs[3].fields, ['messages']);
    assert.deepEqual(out.pairs.slice(0, 6).map((p) => p.kind), ['same', 'same', 'same', 'changed', 'same', 'same']);
    assert.deepEqual(out.firstActionDivergence, { a: 10, b: null, pair: 10 });
    assert.deepEqual(out.pairs.filter((p) => p.kind === 'deleted').map((p) => p.a), [10, 11]);
  });
});
