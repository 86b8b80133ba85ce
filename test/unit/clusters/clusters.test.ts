import { strict as assert } from 'node:assert';
import { ClusterBuilder, type FailureCluster } from '../../../src/core/clusters';
import { forEachCorpusTrace, type CorpusTrace } from '../../../src/core/corpus';
import type { Finding } from '../../../src/core/detect';
import type { ErrorTag } from '../../../src/core/annotations';
import type { ImportedLabel, Step, Trace } from '../../../src/core/model/schema';
import { DEFAULT_TAXONOMY, TRAIL_TAXONOMY } from '../../../src/core/taxonomy';
import { sharedPath } from '../../support/shared';

function step(id: string, index: number, extra: Partial<Step> = {}): Step {
  return { id, parentId: null, index, depth: 0, kind: 'tool', name: id, startTime: null, endTime: null, status: 'ok', attributes: {}, ...extra };
}

function corpusTrace(file: string, steps: Step[], findings: Finding[], opts: { labels?: ImportedLabel[]; tags?: [string, ErrorTag[]][]; traceIndex?: number } = {}): CorpusTrace {
  const trace: Trace = {
    id: file, title: `run ${file}`, source: { format: 'test', path: file, sha256: '0', indexInFile: opts.traceIndex }, startTime: null,
    tools: [], steps, labels: opts.labels ?? [], metadata: {},
  };
  return { file, format: 'test', trace, traceIndex: opts.traceIndex ?? 0, findings, tagsByStep: new Map(opts.tags ?? []), reviewed: new Set() };
}

const call = (name: string): Step['toolCall'] => ({ name, arguments: {} });

describe('failure clusters', () => {
  it('groups by category, tool and signature; dedupes a failure reported on its step and its cause; leaves out rejected findings', () => {
    const a = corpusTrace('a.json', [
      step('llm-1', 0, { kind: 'llm' }),
      step('t1', 1, { toolCall: call('book'), status: 'error', error: { message: 'not enough seats on flight HAT229' } }),
      step('t2', 2, { toolCall: call('book'), status: 'error', error: { type: 'ValueError', message: 'bad date 2024-05-13' } }),
      step('t3', 3, { toolCall: call('search') }),
    ], [
      { stepId: 't1', category: 'TOOL.RUNTIME', rule: 'tool-error', evidence: 'book failed' },
      { stepId: 'llm-1', category: 'TOOL.RUNTIME', rule: 'decision-caused-failure', evidence: 'its call failed', symptomStepId: 't1' },
      { stepId: 't2', category: 'TOOL.RUNTIME', rule: 'tool-error', evidence: 'book failed' },
      { stepId: 't3', category: 'TOOL.EMPTY_RESULT', rule: 'empty-result', evidence: 'search returned "[]"' },
    ]);
    const b = corpusTrace('b.jsonl', [
      step('x1', 0, { toolCall: call('book'), status: 'error', error: { message: 'not enough seats on flight HAT290' } }),
      step('x2', 1, { toolCall: call('book'), status: 'error', error: { message: 'not enough seats on flight HAT7' } }),
      step('x3', 2, { toolCall: call('search') }),
    ], [
      { stepId: 'x2', category: 'TOOL.RUNTIME', rule: 'tool-error', evidence: 'book failed' },
      { stepId: 'x1', category: 'TOOL.RUNTIME', rule: 'tool-error', evidence: 'book failed' },
      { stepId: 'x3', category: 'TOOL.EMPTY_RESULT', rule: 'empty-result', evidence: 'search returned "[]"' },
    ], { traceIndex: 4, tags: [['x3', [{ location: 'x3', category: 'TOOL.EMPTY_RESULT', source: 'rule', rule: 'empty-result', status: 'rejected' }]], ['x1', [{ location: 'x1', category: 'TOOL.RUNTIME', source: 'human', status: 'confirmed' }]]] });
    const builder = new ClusterBuilder({ taxonomy: DEFAULT_TAXONOMY, examples: 2 });
    builder.add(a);
    builder.add(b);
    const clusters = builder.result();
    assert.equal(builder.failures, 5, 'the decision-caused duplicate and the rejected finding are not failures');
    assert.equal(builder.rejected, 1);
    assert.deepEqual(clusters.map((c) => [c.count, c.category, c.tool, c.signature]), [
      [3, 'TOOL.RUNTIME', 'book', 'not enough seats on flight HAT<num>'],
      [1, 'TOOL.EMPTY_RESULT', 'search', 'search returned <str>'],
      [1, 'TOOL.RUNTIME', 'book', 'ValueError: bad date <time>'],
    ]);
    const seats = clusters[0];
    assert.deepEqual(seats.traces.map(({ findings: _f, ...t }) => t), [
      { file: 'a.json', traceIndex: 0, title: 'run a.json', stepIds: ['t1'], sha256: '0' },
      { file: 'b.jsonl', traceIndex: 4, title: 'run b.jsonl', stepIds: ['x1', 'x2'], sha256: '0' },
    ], 'steps in step order, whatever order the findings came in');
    // Every finding behind a failure is kept (what "Reject Finding for All" rejects), the deduplicated cause too.
    assert.deepEqual(seats.traces[0].findings.map((f) => [f.failingStepId, f.stepId, f.rule, f.category]), [
      ['t1', 't1', 'tool-error', 'TOOL.RUNTIME'], ['t1', 'llm-1', 'decision-caused-failure', 'TOOL.RUNTIME'],
    ]);
    assert.deepEqual(seats.traces[1].findings.map((f) => [f.failingStepId, f.stepId]), [['x1', 'x1'], ['x2', 'x2']]);
    assert.equal(seats.examples.length, 2, 'examples are capped');
    assert.deepEqual(seats.examples.map((e) => [e.file, e.stepId, e.text]), [['a.json', 't1', 'not enough seats on flight HAT229'], ['b.jsonl', 'x1', 'not enough seats on flight HAT290']]);
    assert.deepEqual(seats.by, { 'tool-error': 3 });
    assert.deepEqual(clusters.map((c) => c.tagged), [1, 0, 0], 'x1 has a human tag of the cluster\'s category');
    assert.match(seats.id, /^[0-9a-f]{12}$/);
    assert.deepEqual(builder.result(2).map((c) => c.count), [3], '--min drops smaller clusters');
  });

  it('names the tool a model step calls when a finding is about its call, and none when it calls several', () => {
    const llm = (id: string, index: number, tools: string[]): Step => step(id, index, {
      kind: 'llm', output: { messages: [{ role: 'assistant', content: null, toolCalls: tools.map((name) => ({ name, arguments: '{bad' })) }] },
    });
    const t = corpusTrace('j.json', [llm('m1', 0, ['exec', 'exec']), llm('m2', 1, ['exec', 'read'])], [
      { stepId: 'm1', category: 'TOOL.ARGS_INVALID', rule: 'tool-args-json', evidence: 'arguments of exec are not valid JSON' },
      { stepId: 'm2', category: 'TOOL.ARGS_INVALID', rule: 'tool-args-json', evidence: 'arguments of read are not valid JSON' },
    ]);
    const b = new ClusterBuilder({ taxonomy: DEFAULT_TAXONOMY });
    b.add(t);
    assert.deepEqual(b.result().map((c) => [c.tool, c.signature]), [[null, 'arguments of read are not valid JSON'], ['exec', 'arguments of exec are not valid JSON']]);
  });

  it('adds imported step labels that name a category (in the taxonomy in use), not verdicts or unknown categories', () => {
    const label = (stepId: string | null, category: string, extra: Partial<ImportedLabel> = {}): ImportedLabel => ({ stepId, scheme: 'trail', category, origin: 'x', ...extra });
    const t = corpusTrace('t.json', [step('s1', 0, { kind: 'llm' }), step('s2', 1, { toolCall: call('python') })], [], {
      labels: [
        label('s1', 'Formatting Errors', { evidence: 'The model wrote ```py without closing it at line 12' }),
        label('s2', 'Tool-related', { evidence: 'Called python with "x = 1"' }),
        label(null, 'Goal Deviation'),
        label('s1', 'score', { value: 0.5 }),
        label('s1', 'mistake', { scheme: 'who-and-when' }),
      ],
    });
    const trail = new ClusterBuilder({ taxonomy: TRAIL_TAXONOMY });
    trail.add(t);
    assert.deepEqual(trail.result().map((c) => [c.category, c.tool, c.signature, c.by]), [
      ['Formatting Errors', null, 'The model wrote ```py without closing it at line <num>', { 'label:trail': 1 }],
      ['Tool-related', 'python', 'Called python with <str>', { 'label:trail': 1 }],
    ]);
    const def = new ClusterBuilder({ taxonomy: DEFAULT_TAXONOMY });
    def.add(t);
    assert.deepEqual(def.result().map((c) => c.category), ['TOOL.ARGS_INVALID', 'TOOL.UNKNOWN'], 'TRAIL categories shown as their default ids');
  });

  describe('on ../shared/traces/tau-bench', function () {
    this.timeout(60_000);
    let clusters: FailureCluster[] = [];
    let summary: ReturnType<typeof forEachCorpusTrace>;
    before(() => {
      const b = new ClusterBuilder({ taxonomy: DEFAULT_TAXONOMY });
      summary = forEachCorpusTrace([sharedPath('traces', 'tau-bench')], { taxonomy: DEFAULT_TAXONOMY }, (t) => b.add(t));
      clusters = b.result();
    });
    const find = (category: string, tool: string, signature: string): FailureCluster => {
      const c = clusters.find((x) => x.category === category && x.tool === tool && x.signature === signature);
      assert.ok(c, `no cluster ${category} / ${tool} / ${signature}`);
      return c;
    };

    // Counted independently with Python over gpt-4o-airline.json: tool messages starting "Error:" per
    // (tool name, content with digit runs replaced), and search_direct_flight results equal to "[]".
    it('finds the largest tool failures with the counts and traces counted in the raw file', () => {
      assert.equal(summary.files, 2);
      assert.equal(summary.traces, 219);
      const pay = find('TOOL.RUNTIME', 'book_reservation', 'Error: payment amount does not add up, total price is <num>, but paid <num>');
      assert.equal(pay.count, 24);
      assert.equal(pay.traces.length, 13);
      assert.equal(find('TOOL.RUNTIME', 'update_reservation_flights', 'Error: flight HAT<num> not available on date <time>').count, 15);
      assert.equal(find('TOOL.RUNTIME', 'update_reservation_flights', 'Error: flight HAT<num> not available on date <time>').traces.length, 5);
      assert.equal(find('TOOL.RUNTIME', 'update_reservation_flights', 'Error: gift card balance is not enough').count, 11);
      const seats = find('TOOL.RUNTIME', 'update_reservation_flights', 'Error: not enough seats on flight HAT<num>');
      assert.deepEqual([seats.count, seats.traces.length], [8, 7]);
      const empty = find('TOOL.EMPTY_RESULT', 'search_direct_flight', 'search_direct_flight returned <str>');
      assert.deepEqual([empty.count, empty.traces.length], [24, 16]);
      assert.deepEqual(clusters.slice(0, 2).map((c) => c.count), [24, 24], 'largest first');
      for (const c of clusters) assert.equal(c.traces.reduce((n, t) => n + t.stepIds.length, 0), c.count, `${c.signature}: one step per failure`);
    });

    it('counts the payment-method failure once per failure, as a resource not found (not an unknown tool)', () => {
      // 4 tool messages "Error: payment method not found" from update_reservation_flights (Python count).
      // Read as JSON-RPC's "Method not found", they were an unknown tool, each also blamed on the model's decision.
      assert.equal(find('TOOL.NOT_FOUND', 'update_reservation_flights', 'Error: payment method not found').count, 4);
      assert.equal(clusters.some((c) => c.category === 'TOOL.UNKNOWN' && c.signature.includes('payment method')), false);
    });
  });
});
