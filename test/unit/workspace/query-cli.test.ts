import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';

const tmp = mkdtempSync(join(tmpdir(), 'agent-trace-query-cli-'));

function trace(id: string, title: string, toolError?: string): string {
  return [
    { type: 'trace', format: 'agent-trace/v1', id, title },
    { type: 'step', id: 'root', kind: 'agent', name: 'agent' },
    { type: 'step', id: 'plan', parentId: 'root', kind: 'llm', name: 'plan', output: { messages: [{ role: 'assistant', content: `Let me look up ${title}` }] } },
    { type: 'step', id: 'call', parentId: 'root', kind: 'tool', name: 'lookup', toolCall: { name: 'lookup', arguments: { q: title } },
      ...(toolError ? { status: 'error', error: { type: 'TimeoutError', message: toolError } } : { output: { value: 'found it' } }) },
  ].map((l) => JSON.stringify(l)).join('\n');
}

describe('agent-trace query (CLI)', () => {
  const folder = join(tmp, 'runs');
  before(() => {
    mkdirSync(join(folder, 'nested'), { recursive: true });
    writeFileSync(join(folder, 'a.trace.jsonl'), trace('run-a', 'weather in Oslo', 'request timed out after 30s'));
    writeFileSync(join(folder, 'nested', 'b.trace.jsonl'), trace('run-b', 'train to Bergen'));
    writeFileSync(join(folder, 'notes.json'), '{"not": "a trace"}');
  });

  it('--json prints {"total", "traces": [{file, traceKey, title, outcome, stepId}]} over a walked folder', async () => {
    const r = await main(['query', folder, 'tool:lookup', '--json']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const out = JSON.parse(r.stdout.join('\n'));
    assert.deepEqual(Object.keys(out), ['total', 'traces']);
    assert.equal(out.total, 2);
    for (const t of out.traces) for (const k of ['file', 'traceKey', 'title', 'outcome', 'stepId']) assert.ok(k in t, `${k} in ${JSON.stringify(t)}`);
    assert.deepEqual(out.traces.map((t: { file: string; traceKey: string; title: string; stepId: string }) => [t.file, t.traceKey, t.title, t.stepId]), [
      [join(folder, 'a.trace.jsonl'), 'run-a', 'weather in Oslo', 'call'],
      [join(folder, 'nested', 'b.trace.jsonl'), 'run-b', 'train to Bergen', 'call'],
    ]);
    assert.match(r.stderr.join('\n'), /skipped 1 files that are not traces/);
  });

  it('points free text at its first matching step, and takes several paths', async () => {
    const r = await main(['query', join(folder, 'a.trace.jsonl'), join(folder, 'nested'), '"bergen" -outcome:failure', '--json']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const out = JSON.parse(r.stdout.join('\n'));
    assert.deepEqual(out.traces.map((t: { title: string; stepId: string }) => [t.title, t.stepId]), [['train to Bergen', 'plan']]);
    const none = JSON.parse((await main(['query', folder, 'category:RSN', '--json'])).stdout.join('\n'));
    assert.deepEqual(none, { total: 0, traces: [] });
  });

  it('prints a table, one line per trace', async () => {
    const r = await main(['query', folder, 'category:TOOL.TIMEOUT']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    assert.equal(r.stdout[0], '1 of 2 traces match (Agent Trace Debugger (default))');
    const rows = r.stdout.slice(4);
    assert.equal(rows.length, 1);
    assert.match(r.stdout[2], /^file\s+trace\s+title\s+outcome\s+steps\s+top category\s+step$/);
    assert.match(rows[0], /a\.trace\.jsonl\s+run-a\s+weather in Oslo\s+failure\s+3\s+[A-Z]+\.[A-Z_]+ \(\d+\)\s+call$/);
  });

  it('refuses a bad query with exit 2 and the column', async () => {
    const r = await main(['query', folder, 'tool:lookup catgory:TOOL']);
    assert.equal(r.exitCode, 2);
    assert.equal(r.stdout.length, 0);
    assert.equal(r.stderr[0], 'agent-trace query: unknown field "catgory" at column 13; did you mean "category"?');
    assert.equal(r.stderr[2], `  ${' '.repeat(12)}^`);
    const usage = await main(['query', 'tool:lookup']);
    assert.equal(usage.exitCode, 2);
    assert.match(usage.stderr[0], /query needs files or folders, then the query/);
  });
});
