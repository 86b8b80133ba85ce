/**
 * A step's address is its run and its stable id. A JSONL file holds three runs whose steps have
 * the same ids (the third run's tool call is rate-limited): a CodeLens, an Agent Traces category
 * item and a training example of run 3 must each select the step in run 3, never run 1's.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureSites } from '../../../src/core/analysis/failure-sites';
import { analyzeBytes } from '../../../src/core/analyze';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { promote } from '../../../src/core/training-set/promote';
import { parseTraceSpec, TraceLoader } from '../../../src/core/compare';
import { loadTraceFile } from '../../../src/core/load';
import { recordsOfFile } from '../../../src/core/workspace/trace-record';
import { analyzeFile, detectOptionsFor } from '../../../src/core/analyze';
import { DocumentLoader, type DocumentEvent } from '../../../src/core/engine/worker/document-load';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { summarize } from '../../../src/host/views/summary';

function run(n: number, rateLimited: boolean, id?: string): string[] {
  const call = { id: 'call_1', name: 'search', arguments: { q: 'weather in Paris' } };
  return [
    { type: 'trace', format: 'agent-trace/v1', title: `run ${n}`, ...(id ? { id } : {}) },
    { type: 'step', id: 'agent', kind: 'agent', name: 'agent', input: { messages: [{ role: 'user', content: 'What is the weather in Paris?' }] } },
    { type: 'step', id: 'decide', parentId: 'agent', kind: 'llm', name: 'decide', input: { messages: [{ role: 'user', content: 'What is the weather in Paris?' }] }, output: { messages: [{ role: 'assistant', content: null, toolCalls: [call] }] } },
    rateLimited
      ? { type: 'step', id: 'search', parentId: 'agent', kind: 'tool', name: 'search', toolCall: call, status: 'error', error: { message: 'HTTP 429 Too Many Requests' } }
      : { type: 'step', id: 'search', parentId: 'agent', kind: 'tool', name: 'search', toolCall: call, status: 'ok', output: { value: 'sunny' } },
    { type: 'step', id: 'answer', parentId: 'agent', kind: 'llm', name: 'answer', output: { messages: [{ role: 'assistant', content: 'It is sunny in Paris.' }] } },
  ].map((l) => JSON.stringify(l));
}

describe('three runs with the same step ids: every address names its run', () => {
  let dir: string;
  let path: string;
  let bytes: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-three-runs-'));
    path = join(dir, 'runs.trace.jsonl');
    writeFileSync(path, [...run(1, false), ...run(2, false), ...run(3, true)].join('\n') + '\n');
    bytes = readFileSync(path);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the runs really share their step ids', () => {
    const file = TraceFile.fromBytes(path, bytes, { taxonomy: DEFAULT_TAXONOMY });
    const ids = file.traces.map((t) => t.steps.map((s) => s.id).join(','));
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 1, ids.join(' | '));
  });

  it("a CodeLens of run 3's failure selects run 3's step", () => {
    const file = TraceFile.fromBytes(path, bytes, { taxonomy: DEFAULT_TAXONOMY });
    const sites = failureSites(analyzeBytes(path, bytes), DEFAULT_TAXONOMY);
    const rateLimit = sites.filter((s) => s.category === 'TOOL.RATE_LIMIT');
    assert.deepEqual(rateLimit.map((s) => s.traceIndex), [2]);
    const found = file.findStep(rateLimit[0].stepId, rateLimit[0].traceIndex);
    assert.deepEqual(found, { traceIndex: 2, index: file.traces[2].steps.findIndex((s) => s.id === rateLimit[0].stepId) });
    assert.equal(file.findStep(rateLimit[0].stepId), undefined, 'without its run the id is ambiguous');
  });

  it('an Agent Traces category item of a failure only run 3 has opens run 3', () => {
    const analysis = analyzeBytes(path, bytes);
    const summary = summarize({ kind: 'ok', format: analysis.format, traceCount: 3, stepCount: 0, redactedSteps: 0, sites: failureSites(analysis, DEFAULT_TAXONOMY) });
    assert.equal(summary.kind, 'ok');
    if (summary.kind !== 'ok') return;
    const item = summary.categories.find((c) => c.category === 'TOOL.RATE_LIMIT');
    assert.ok(item, JSON.stringify(summary.categories));
    assert.equal(item.firstTraceIndex, 2);
    const file = TraceFile.fromBytes(path, bytes, { taxonomy: DEFAULT_TAXONOMY });
    assert.equal(file.findStep(item.firstStepId!, item.firstTraceIndex)?.traceIndex, 2);
  });

  it("a training example of run 3 (its correction) reveals run 3's step", async () => {
    // Correct run 3's decision (as the editor would: its id and its run), then promote every run.
    const corrected = { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search', arguments: { q: 'Paris weather today' } } }] };
    writeFileSync(`${path}.annotations.json`, JSON.stringify({ version: 1, corrections: [{ location: 'decide', traceIndex: 2, output: corrected }] }));
    const set = join(dir, 'set');
    const out = await promote({ trace: path, set, templates: [], includeFailed: true });
    assert.deepEqual(out.errors, []);
    const entries = readFileSync(join(set, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { trace: { traceIndex: number }; corrections: string[] });
    const tagged = entries.filter((e) => e.corrections.includes('decide'));
    assert.ok(tagged.length >= 1, 'the correction reached the set');
    assert.deepEqual([...new Set(tagged.map((e) => e.trace.traceIndex))], [2], 'only run 3 carries it');
    // What "Reveal Source" does: the manifest's run number, then the step in that run.
    const file = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
    const run3 = file.positionOfTrace(tagged[0].trace.traceIndex);
    assert.equal(run3, 2);
    const found = file.findStep(tagged[0].corrections[0], run3);
    assert.equal(found?.traceIndex, 2);
    assert.equal(file.traces[2].steps[found!.index].id, 'decide');
  });
});

describe('three runs with the same own id: their keys tell them apart', () => {
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-three-keys-'));
    path = join(dir, 'runs.trace.jsonl');
    writeFileSync(path, [...run(1, false, 'weather'), ...run(2, false, 'weather'), ...run(3, true, 'weather')].join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the whole load, the streamed open and the workspace records give weather, weather#2, weather#3', () => {
    const keys = ['weather', 'weather#2', 'weather#3'];
    assert.deepEqual(loadTraceFile(path).traces.map((t) => t.source.traceKey), keys);
    const headers: (string | undefined)[] = [];
    let final: (string | undefined)[] = [];
    let streamed = false;
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 256 }, (e: DocumentEvent) => {
      if (e.kind === 'steps' && e.header) headers[e.run] = e.header.source.traceKey;
      if (e.kind === 'done') {
        streamed = e.streamed;
        final = e.runs.map((h) => h.source.traceKey);
      }
    }).open();
    assert.equal(streamed, true, 'read line by line');
    assert.deepEqual(headers, keys, 'the first header of each streamed run');
    assert.deepEqual(final, keys, 'the final headers');
    const records = recordsOfFile(analyzeFile(path, detectOptionsFor(DEFAULT_TAXONOMY)), { taxonomy: DEFAULT_TAXONOMY, annotations: null });
    assert.deepEqual(records.map((r) => [r.traceKey, r.traceIndex]), [['weather', 0], ['weather#2', 1], ['weather#3', 2]]);
  });

  it('file#weather#3 picks run 3 for diff, and the editor finds it by key', () => {
    const spec = parseTraceSpec(`${path}#weather#3`);
    assert.deepEqual(spec, { file: path, traceKey: 'weather#3' });
    assert.equal(new TraceLoader().trace(spec).title, 'run 3');
    const file = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
    assert.equal(file.positionOfTraceKey('weather#3'), 2);
    assert.equal(file.positionOfTraceKey('2'), 2, 'a run number still finds its run');
  });

  it("run 3's training example names it weather#3 in the manifest, and Reveal Source finds it by that key", async () => {
    const set = join(dir, 'set');
    const out = await promote({ trace: path, set, templates: [], includeFailed: true, traceKey: 'weather#3' });
    assert.deepEqual(out.errors, []);
    const entries = readFileSync(join(set, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { trace: { traceIndex: number; traceKey: string } });
    assert.ok(entries.length >= 1);
    assert.deepEqual([...new Set(entries.map((e) => `${e.trace.traceKey} ${e.trace.traceIndex}`))], ['weather#3 2'], 'only run 3 was promoted');
    const file = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
    assert.equal(file.positionOfTraceKey(entries[0].trace.traceKey), 2);
  });
});
