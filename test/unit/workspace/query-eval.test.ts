import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { analyzeFile, detectOptionsFor } from '../../../src/core/analyze';
import type { Step } from '../../../src/core/model/schema';
import { DEFAULT_TAXONOMY, TRAIL_TAXONOMY, type Taxonomy } from '../../../src/core/taxonomy';
import { parseQuery, runQuery, type QueryHit } from '../../../src/core/workspace/query';
import { recordsOfFile, type TraceRecord } from '../../../src/core/workspace/trace-record';
import { sharedPath } from '../../support/shared';
import { categoryName } from '../../../src/cli/commands/inspect';

const tmp = mkdtempSync(join(tmpdir(), 'agent-trace-query-'));
const T0 = Date.UTC(2026, 0, 1);

type Line = Record<string, unknown>;
const step = (id: string, extra: Line = {}): Line => ({ type: 'step', id, parentId: 'root', kind: 'llm', name: id, ...extra });
const at = (startS: number, endS: number): Line => ({ startTime: T0 + startS * 1000, endTime: T0 + endS * 1000 });

/** Three runs in one agent-trace/v1 file: a failed one with a timeout, a passed one, a long unlabelled one. */
function writeRuns(): string {
  const a: Line[] = [
    { type: 'trace', format: 'agent-trace/v1', id: 'run-a', title: 'Book a flight', metadata: { task: 'book flight to Lisbon' }, labels: [{ stepId: null, scheme: 'tau-bench', category: 'reward', value: 0, origin: 'inline' }] },
    { type: 'step', id: 'root', parentId: null, kind: 'agent', name: 'agent', ...at(0, 60) },
    step('a-plan', { ...at(1, 2), model: 'gpt-4o-mini', usage: { inputTokens: 800, outputTokens: 200, cost: 0.3 }, output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'search', arguments: { q: 'flights' } }] }] } }),
    step('a-search', { kind: 'tool', name: 'search', ...at(2, 32), toolCall: { id: 'c1', name: 'search', arguments: { q: 'flights' } }, status: 'error', error: { type: 'TimeoutError', message: 'request timed out after 30s' } }),
    step('a-reply', { ...at(33, 34), model: 'gpt-4o-mini', usage: { inputTokens: 900, outputTokens: 100, cost: 0.35 }, output: { messages: [{ role: 'assistant', content: 'Sorry, Rate Limit reached upstream.' }] } }),
  ];
  const b: Line[] = [
    { type: 'trace', format: 'agent-trace/v1', id: 'run-b', title: 'Weather', labels: [{ stepId: null, scheme: 'tau-bench', category: 'reward', value: 1, origin: 'inline' }] },
    { type: 'step', id: 'root', parentId: null, kind: 'agent', name: 'agent', ...at(0, 5) },
    step('b-plan', { ...at(1, 2), model: 'claude-3-5-sonnet', usage: { inputTokens: 100, outputTokens: 20, cost: 0.8 }, output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c2', name: 'fetch', arguments: { url: 'weather' } }] }] } }),
    step('b-fetch', { kind: 'tool', name: 'fetch', ...at(2, 3), toolCall: { id: 'c2', name: 'fetch', arguments: { url: 'weather' } }, output: { value: 'sunny' } }),
    step('b-reply', { ...at(3, 4), model: 'claude-3-5-sonnet', output: { messages: [{ role: 'assistant', content: 'It is sunny; no rate limit here.' }] } }),
  ];
  const c: Line[] = [
    { type: 'trace', format: 'agent-trace/v1', id: 'run-c', title: 'Long research' },
    { type: 'step', id: 'root', parentId: null, kind: 'agent', name: 'agent' },
    ...Array.from({ length: 54 }, (_, i) => step(`c-${i}`, i % 2 ? { kind: 'tool', name: 'search', toolCall: { name: 'search', arguments: { q: `topic ${i}` } }, output: { value: `result ${i}` } } : { output: { messages: [{ role: 'assistant', content: `thinking ${i}` }] } })),
  ];
  const file = join(tmp, 'runs.trace.jsonl');
  writeFileSync(file, [...a, ...b, ...c].map((l) => JSON.stringify(l)).join('\n'));
  writeFileSync(`${file}.annotations.json`, JSON.stringify({
    version: 1,
    errors: [{ location: 'b-reply', category: 'OUT.FORMAT', source: 'human', status: 'confirmed', traceIndex: 1 }],
    corrections: [{ location: 'c-4', output: { role: 'assistant', content: 'a better thought' }, traceIndex: 2 }],
    reviewed: [{ location: 'a-plan', traceIndex: 0 }],
  }));
  return file;
}

describe('workspace query: records and evaluation', () => {
  let records: TraceRecord[];
  let steps: Map<TraceRecord, readonly Step[]>;
  let asked: string[];
  const stepSource = (r: TraceRecord): readonly Step[] | undefined => { asked.push(r.traceId); return steps.get(r); };
  const run = (q: string, taxonomy: Taxonomy = DEFAULT_TAXONOMY): QueryHit[] => runQuery(parseQuery(q), records, { taxonomy }, stepSource);
  const ids = (q: string): string[] => run(q).map((h) => h.record.traceId);

  before(() => {
    const analysis = analyzeFile(writeRuns(), detectOptionsFor(DEFAULT_TAXONOMY));
    records = recordsOfFile(analysis, { taxonomy: DEFAULT_TAXONOMY });
    steps = new Map(records.map((r, i) => [r, analysis.analyses[i].trace.steps]));
  });
  beforeEach(() => { asked = []; });

  it('builds one small JSON record per run with the fields of issue 14', () => {
    assert.deepEqual(records.map((r) => [r.traceKey, r.traceIndex, r.traceId, r.title, r.outcome, r.steps]), [
      ['run-a', 0, 'run-a', 'Book a flight', 'failure', 4], ['run-b', 1, 'run-b', 'Weather', 'success', 4], ['run-c', 2, 'run-c', 'Long research', 'unknown', 55],
    ]);
    const [a, b, c] = records;
    assert.equal(a.task, 'book flight to Lisbon');
    assert.equal(a.durationMs, 60_000);
    assert.equal(a.startTime, T0);
    assert.equal(a.reward, 0);
    assert.deepEqual(a.models, ['gpt-4o-mini']);
    assert.equal(a.tokens, 2000);
    assert.ok(Math.abs(a.cost! - 0.65) < 1e-9, String(a.cost));
    assert.equal(c.cost, null);
    assert.deepEqual(a.tools.map((t) => [t.name, t.calls, t.failures, t.firstFailureStepId]), [['search', 1, 1, 'a-search']]);
    assert.ok(a.categories.some((x) => x.category === 'TOOL.TIMEOUT'), JSON.stringify(a.categories));
    assert.deepEqual([a.reviewed, a.tags, a.corrections], [1, 0, 0]);
    assert.deepEqual([b.reviewed, b.tags, b.corrections], [0, 1, 0]);
    assert.deepEqual(b.categories.map((x) => [x.category, x.count, x.firstStepId]), [['OUT.FORMAT', 1, 'b-reply']]);
    assert.deepEqual([c.reviewed, c.tags, c.corrections], [0, 0, 1]);
    assert.deepEqual(JSON.parse(JSON.stringify(records)), records, 'JSON round trip');
  });

  it('matches record fields: category prefix, tool, outcome, model glob, sidecar flags, numbers', () => {
    assert.deepEqual(ids('category:TOOL.TIMEOUT'), ['run-a']);
    assert.deepEqual(ids('category:TOOL'), ['run-a']);
    assert.deepEqual(ids('category:TOO'), [], 'a prefix is a whole dotted segment');
    assert.deepEqual(ids('category:*format*'), ['run-b']);
    assert.deepEqual(ids('tool:search'), ['run-a', 'run-c']);
    assert.deepEqual(ids('tool:SEA*'), ['run-a', 'run-c']);
    assert.deepEqual(ids('outcome:failure'), ['run-a']);
    assert.deepEqual(ids('outcome:pass'), ['run-b']);
    assert.deepEqual(ids('model:gpt-4o*'), ['run-a']);
    assert.deepEqual(ids('model:gpt-4o'), [], 'exact without a glob');
    assert.deepEqual(ids('tagged:yes'), ['run-b']);
    assert.deepEqual(ids('corrected:yes'), ['run-c']);
    assert.deepEqual(ids('reviewed:yes'), ['run-a']);
    assert.deepEqual(ids('corrected:no tagged:no'), ['run-a']);
    assert.deepEqual(ids('steps:>50'), ['run-c']);
    assert.deepEqual(ids('steps:4'), ['run-a', 'run-b']);
    assert.deepEqual(ids('steps:5..100'), ['run-c']);
    assert.deepEqual(ids('cost:>0.5'), ['run-a', 'run-b']);
    assert.deepEqual(ids('cost:>0.7'), ['run-b']);
    assert.deepEqual(ids('cost:<=0.65'), ['run-a'], 'a run without cost matches no comparison');
    assert.deepEqual(ids('tokens:>1k'), ['run-a']);
    assert.deepEqual(ids('duration:>30s'), ['run-a']);
    assert.deepEqual(ids('duration:<1m'), ['run-b'], '60 s is not under a minute');
    assert.deepEqual(ids('title:WEATH file:runs.trace format:agent-trace-jsonl task:lisbon'), []);
    assert.deepEqual(ids('title:WEATH file:runs.trace format:agent-trace-jsonl'), ['run-b']);
    assert.deepEqual(ids('task:lisbon'), ['run-a']);
    assert.equal(asked.length, 0, 'no free text: steps never read');
  });

  it('combines with NOT, OR and parentheses', () => {
    assert.deepEqual(ids('-outcome:failure'), ['run-b', 'run-c']);
    assert.deepEqual(ids('NOT tool:search'), ['run-b']);
    assert.deepEqual(ids('outcome:success OR steps:>50'), ['run-b', 'run-c']);
    assert.deepEqual(ids('(outcome:success OR steps:>50) -corrected:yes'), ['run-b']);
    assert.deepEqual(ids(''), ['run-a', 'run-b', 'run-c']);
  });

  it('searches step text only for runs the record predicates leave open, and returns the first matching step', () => {
    const hits = run('"rate limit"');
    assert.deepEqual(hits.map((h) => [h.record.traceId, h.stepId]), [['run-a', 'a-reply'], ['run-b', 'b-reply']]);
    asked = [];
    assert.deepEqual(run('-outcome:success "rate limit"').map((h) => [h.record.traceId, h.stepId]), [['run-a', 'a-reply']]);
    assert.deepEqual(asked, ['run-a', 'run-c'], 'run-b was decided by its record');
    assert.deepEqual(run('flights tool:search').map((h) => h.stepId), ['a-plan'], 'first step containing "flights"');
    assert.deepEqual(ids('"topic 7" OR outcome:success'), ['run-b', 'run-c']);
    assert.deepEqual(run('"topic 7"').map((h) => h.stepId), ['c-7']);
    assert.deepEqual(ids('-sunny'), ['run-a', 'run-c']);
  });

  it('points hits at the first step with the failure, else the first failing step', () => {
    const [timeout] = run('category:TOOL.TIMEOUT');
    const a = records[0];
    const first = a.categories.find((x) => x.category === 'TOOL.TIMEOUT')!;
    assert.equal(timeout.stepId, first.firstStepId);
    assert.ok(['a-plan', 'a-search'].includes(timeout.stepId!), timeout.stepId!);
    assert.deepEqual(run('tool:search').map((h) => h.stepId), ['a-search', 'c-1'], 'the failure of the tool, else its first call');
    assert.deepEqual(run('outcome:success').map((h) => h.stepId), ['b-reply'], 'the first failing step (the tagged one)');
    assert.deepEqual(run('steps:>50').map((h) => h.stepId), [null]);
  });
});

describe('workspace query: TRAIL traces from ../shared/traces', () => {
  const trail = sharedPath('traces', 'trail');
  const key = (file: string): string => `${basename(join(file, '..', '..'))}/${basename(file)}`;
  /** The other route for labels: the human label files read directly (they have trailing commas). */
  const labelled = (want: (category: string) => boolean): string[] => {
    const out: string[] = [];
    for (const bench of readdirSync(trail).sort()) {
      for (const name of readdirSync(join(trail, bench, 'annotations')).sort()) {
        const text = readFileSync(join(trail, bench, 'annotations', name), 'utf8').replace(/,(\s*[\]}])/g, '$1');
        const doc = JSON.parse(text) as { errors: { category: string }[] };
        if (doc.errors.some((e) => want(e.category))) out.push(`${bench}/${name}`);
      }
    }
    return out;
  };
  let records: TraceRecord[];
  /** The other route for findings: the detectors' default ids mapped as `inspect --taxonomy trail` names them. */
  const found = new Map<string, Set<string>>();
  const foundWith = (want: (category: string) => boolean): string[] => [...found].filter(([, cats]) => [...cats].some(want)).map(([f]) => f);
  const filesOf = (q: string, taxonomy: Taxonomy, rs = records): string[] => runQuery(parseQuery(q), rs, { taxonomy }).map((h) => key(h.record.file)).sort();
  const union = (...lists: string[][]): string[] => [...new Set(lists.flat())].sort();

  before(() => {
    records = [];
    for (const bench of readdirSync(trail).sort()) {
      for (const name of readdirSync(join(trail, bench, 'traces')).sort()) {
        const file = join(trail, bench, 'traces', name);
        const analysis = analyzeFile(file, detectOptionsFor(TRAIL_TAXONOMY));
        records.push(...recordsOfFile(analysis, { taxonomy: TRAIL_TAXONOMY }));
        found.set(key(file), new Set(analysis.analyses.flatMap((a) => a.findings.map((f) => categoryName(f.category, TRAIL_TAXONOMY)))));
      }
    }
  });

  it('finds every trace with a TRAIL category, labelled or detected, in one query', () => {
    const labels = labelled((c) => c === 'Formatting Errors');
    assert.ok(labels.length >= 2, `the fixture has few such traces: ${labels.join(', ')}`);
    assert.deepEqual(filesOf('category:"Formatting Errors"', TRAIL_TAXONOMY), union(labels, foundWith((c) => c === 'Formatting Errors')));
    // The labels alone (no detector categories): exactly the label files that name it, in any case.
    const labelOnly = records.map((r) => ({ ...r, categories: [] }));
    assert.deepEqual(filesOf('category:"formatting errors"', TRAIL_TAXONOMY, labelOnly), labels.sort());
    // Under the default taxonomy the labels keep their TRAIL names and still match.
    assert.deepEqual(filesOf('category:"Formatting Errors"', DEFAULT_TAXONOMY, labelOnly), labels.sort());
  });

  it('matches every category below a TRAIL root', () => {
    const below = new Set<string>();
    const walk = (id: string): void => { for (const c of TRAIL_TAXONOMY.children(id)) { below.add(c.id); walk(c.id); } };
    walk('Reasoning');
    assert.ok(below.has('Formatting Errors') && below.has('Language-only'));
    const inReasoning = (c: string): boolean => below.has(TRAIL_TAXONOMY.get(c)?.id ?? c);
    const expected = union(labelled(inReasoning), foundWith(inReasoning));
    assert.ok(expected.length >= 3, expected.join(', '));
    assert.deepEqual(filesOf('category:Reasoning', TRAIL_TAXONOMY), expected);
    assert.deepEqual(filesOf('-category:Reasoning', TRAIL_TAXONOMY), records.map((r) => key(r.file)).filter((f) => !expected.includes(f)).sort());
  });
});
