import { strict as assert } from 'node:assert';
import type { ErrorTag } from '../../../src/core/annotations';
import type { Finding } from '../../../src/core/detect';
import { evaluateDetectors, judgementsOf, type EvalTrace, type Figure } from '../../../src/core/detector-eval';
import type { ImportedLabel, Step, Trace } from '../../../src/core/model/schema';
import { TRAIL_TAXONOMY } from '../../../src/core/taxonomy';

function evalTrace(file: string, stepIds: string[], findings: Finding[], opts: { labels?: ImportedLabel[]; tags?: ErrorTag[]; reviewed?: string[]; metadata?: Record<string, unknown> } = {}): EvalTrace {
  const steps: Step[] = stepIds.map((id, index) => ({ id, parentId: null, index, depth: 0, kind: 'tool', name: id, startTime: null, endTime: null, status: 'ok', attributes: {} }));
  const trace: Trace = { id: file, title: file, source: { format: 'test', path: file, sha256: '0' }, startTime: null, tools: [], steps, labels: opts.labels ?? [], metadata: opts.metadata ?? {} };
  const tagsByStep = new Map<string, ErrorTag[]>();
  for (const t of opts.tags ?? []) tagsByStep.set(t.location, [...(tagsByStep.get(t.location) ?? []), t]);
  return { file, traceIndex: 0, trace, findings, tagsByStep, reviewed: new Set(opts.reviewed ?? []) };
}
const trail = (stepId: string, category: string): ImportedLabel => ({ stepId, scheme: 'trail', category, origin: 'x' });
const f = (stepId: string, rule: string, category: string): Finding => ({ stepId, rule, category, evidence: '' });

/*
 * The labelled fixture, figures computed by hand.
 *
 * Trace a.json (TRAIL labels, so every step is judged; no label on a step = "no error there"):
 *   labels   s1 Formatting Errors (= TOOL.ARGS_INVALID or OUT.FORMAT), s3 Resource Abuse
 *            (= ORCH.REPEAT_LOOP, ORCH.BLIND_RETRY or ORCH.STEP_LIMIT), s5 Goal Deviation (= ORCH.GOAL_DEVIATION)
 *   findings F1 s1 tool-args-json TOOL.ARGS_INVALID -> tp (label on s1 stands for it)
 *            F2 s2 tool-error TOOL.RUNTIME          -> fp (judged step, no label)
 *            F3 s3 repeat-loop ORCH.REPEAT_LOOP     -> tp
 *            F4 s4 empty-result TOOL.EMPTY_RESULT   -> fp
 * Trace b.json (no labels: only its sidecar judges it):
 *   sidecar  s1 confirmed finding tool-error TOOL.TIMEOUT; s2 rejected finding tool-error TOOL.RUNTIME;
 *            s3 human tag ORCH.REPEAT_LOOP; s4 reviewed
 *   findings G1 s1 tool-error TOOL.TIMEOUT      -> tp (confirmed)
 *            G2 s2 tool-error TOOL.RUNTIME      -> fp (rejected)
 *            G3 s4 empty-result TOOL.EMPTY_RESULT -> fp (reviewed, nothing tagged)
 *            G4 s5 tool-error TOOL.RUNTIME      -> unjudged (nobody looked at s5)
 *
 * Positive judgements: a/s1 FE, a/s3 RA, a/s5 GD (labels), b/s1 TIMEOUT (confirmed), b/s3 REPEAT_LOOP (tag).
 *
 * Per rule (tp fp found fn unjudged -> precision, recall, support = tp+fp+fn):
 *   tool-args-json   ARGS_INVALID  1 0 1 0 0 -> 1, 1, 1      (a/s1 found)
 *   tool-args-schema ARGS_INVALID  0 0 0 1 0 -> null, 0, 1  (a/s1 missed by this rule)
 *   format-rejected  OUT.FORMAT    0 0 0 1 0 -> null, 0, 1
 *   tool-error       TOOL.RUNTIME  0 2 0 0 1 -> 0, null, 2  (F2, G2; G4 unjudged)
 *   tool-error       TOOL.TIMEOUT  1 0 1 0 0 -> 1, 1, 1
 *   tool-output-error-text TOOL.TIMEOUT 0 0 0 1 0 -> null, 0, 1  (b/s1 found by another rule only)
 *   repeat-loop      REPEAT_LOOP   1 0 1 1 0 -> 1, 0.5, 2   (a/s3 found, b/s3 missed)
 *   blind-retry      BLIND_RETRY   0 0 0 1 0 -> null, 0, 1  (a/s3)
 *   empty-result     EMPTY_RESULT  0 2 0 0 0 -> 0, null, 2  (F4, G3)
 * Per category (default taxonomy; a label counts under its first default id):
 *   TOOL.ARGS_INVALID   1 0 1 0 0 -> 1, 1
 *   TOOL.RUNTIME        0 2 0 0 1 -> 0, null
 *   ORCH.REPEAT_LOOP    1 0 1 1 0 -> 1, 0.5   (Resource Abuse counts here; b/s3 has no finding)
 *   ORCH.GOAL_DEVIATION 0 0 0 1 0 -> null, 0
 *   TOOL.EMPTY_RESULT   0 2 0 0 0 -> 0, null
 *   TOOL.TIMEOUT        1 0 1 0 0 -> 1, 1
 * Location: judgements 5, found at their step 3 (a/s1, a/s3, b/s1) -> recall 0.6;
 *   steps with findings counted: a/s1 a/s2 a/s3 a/s4 (judged trace), b/s1 (labelled), b/s2 (all
 *   findings rejected), b/s4 (reviewed); b/s5 not -> 7, labelled 3 (a/s1 a/s3 b/s1) -> precision 3/7.
 */
const fixture = (): EvalTrace[] => [
  evalTrace('a.json', ['s1', 's2', 's3', 's4', 's5'], [
    f('s1', 'tool-args-json', 'TOOL.ARGS_INVALID'), f('s2', 'tool-error', 'TOOL.RUNTIME'),
    f('s3', 'repeat-loop', 'ORCH.REPEAT_LOOP'), f('s4', 'empty-result', 'TOOL.EMPTY_RESULT'),
  ], { labels: [trail('s1', 'Formatting Errors'), trail('s3', 'Resource Abuse'), trail('s5', 'Goal Deviation')] }),
  evalTrace('b.json', ['s1', 's2', 's3', 's4', 's5'], [
    f('s1', 'tool-error', 'TOOL.TIMEOUT'), f('s2', 'tool-error', 'TOOL.RUNTIME'),
    f('s4', 'empty-result', 'TOOL.EMPTY_RESULT'), f('s5', 'tool-error', 'TOOL.RUNTIME'),
  ], {
    tags: [
      { location: 's1', category: 'TOOL.TIMEOUT', source: 'rule', rule: 'tool-error', status: 'confirmed' },
      { location: 's2', category: 'TOOL.RUNTIME', source: 'rule', rule: 'tool-error', status: 'rejected' },
      { location: 's3', category: 'ORCH.REPEAT_LOOP', source: 'human', status: 'confirmed' },
    ],
    reviewed: ['s4'],
  }),
];

const figures = (x: Figure): [number, number, number, number, number, number | null, number | null, number] =>
  [x.tp, x.fp, x.found, x.fn, x.unjudged, x.precision, x.recall, x.support];

describe('detector evaluation', () => {
  const r = evaluateDetectors(fixture());
  const rule = (id: string, category: string): Figure => {
    const x = r.rules.find((y) => y.rule === id && y.category === category);
    assert.ok(x, `no row ${id} ${category}`);
    return x;
  };
  const category = (id: string): Figure => {
    const x = r.categories.find((y) => y.category === id);
    assert.ok(x, `no row ${id}`);
    return x;
  };

  it('per rule: the hand-computed figures', () => {
    assert.deepEqual(figures(rule('tool-args-json', 'TOOL.ARGS_INVALID')), [1, 0, 1, 0, 0, 1, 1, 1]);
    assert.deepEqual(figures(rule('tool-args-schema', 'TOOL.ARGS_INVALID')), [0, 0, 0, 1, 0, null, 0, 1]);
    assert.deepEqual(figures(rule('format-rejected', 'OUT.FORMAT')), [0, 0, 0, 1, 0, null, 0, 1]);
    assert.deepEqual(figures(rule('tool-error', 'TOOL.RUNTIME')), [0, 2, 0, 0, 1, 0, null, 2]);
    assert.deepEqual(figures(rule('tool-error', 'TOOL.TIMEOUT')), [1, 0, 1, 0, 0, 1, 1, 1]);
    assert.deepEqual(figures(rule('tool-output-error-text', 'TOOL.TIMEOUT')), [0, 0, 0, 1, 0, null, 0, 1]);
    assert.deepEqual(figures(rule('repeat-loop', 'ORCH.REPEAT_LOOP')), [1, 0, 1, 1, 0, 1, 0.5, 2]);
    assert.deepEqual(figures(rule('blind-retry', 'ORCH.BLIND_RETRY')), [0, 0, 0, 1, 0, null, 0, 1]);
    assert.deepEqual(figures(rule('empty-result', 'TOOL.EMPTY_RESULT')), [0, 2, 0, 0, 0, 0, null, 2]);
    assert.deepEqual(figures(rule('context-overflow', 'SYS.CONTEXT_OVERFLOW')), [0, 0, 0, 0, 0, null, null, 0], 'every rule has a row, judged or not');
  });

  it('per category: the hand-computed figures', () => {
    assert.deepEqual(figures(category('TOOL.ARGS_INVALID')), [1, 0, 1, 0, 0, 1, 1, 1]);
    assert.deepEqual(figures(category('TOOL.RUNTIME')), [0, 2, 0, 0, 1, 0, null, 2]);
    assert.deepEqual(figures(category('ORCH.REPEAT_LOOP')), [1, 0, 1, 1, 0, 1, 0.5, 2]);
    assert.deepEqual(figures(category('ORCH.GOAL_DEVIATION')), [0, 0, 0, 1, 0, null, 0, 1]);
    assert.deepEqual(figures(category('TOOL.EMPTY_RESULT')), [0, 2, 0, 0, 0, 0, null, 2]);
    assert.deepEqual(figures(category('TOOL.TIMEOUT')), [1, 0, 1, 0, 0, 1, 1, 1]);
  });

  it('keeps the step addresses behind each figure', () => {
    assert.deepEqual(rule('tool-error', 'TOOL.RUNTIME').examples.fp, [{ file: 'a.json', traceIndex: 0, stepId: 's2' }, { file: 'b.json', traceIndex: 0, stepId: 's2' }]);
    assert.deepEqual(rule('tool-error', 'TOOL.RUNTIME').examples.unjudged, [{ file: 'b.json', traceIndex: 0, stepId: 's5' }]);
    assert.deepEqual(rule('repeat-loop', 'ORCH.REPEAT_LOOP').examples.fn, [{ file: 'b.json', traceIndex: 0, stepId: 's3' }]);
    assert.deepEqual(rule('repeat-loop', 'ORCH.REPEAT_LOOP').examples.tp, [{ file: 'a.json', traceIndex: 0, stepId: 's3' }]);
    assert.deepEqual(r.location.examples.missed.map((a) => `${a.file}/${a.stepId}`), ['a.json/s5', 'b.json/s3']);
  });

  it('location (TRAIL measure) and the judgement counts', () => {
    const l = r.location;
    assert.deepEqual([l.labels, l.labelsFound, l.findingSpans, l.findingSpansLabelled], [5, 3, 7, 3]);
    assert.equal(l.recall, 0.6);
    assert.equal(l.precision, 3 / 7);
    assert.deepEqual(l.labelCategories, { 'Formatting Errors': [1, 1], 'Resource Abuse': [1, 1], 'Goal Deviation': [1, 0], 'TOOL.TIMEOUT': [1, 1], 'ORCH.REPEAT_LOOP': [1, 0] });
    assert.deepEqual(r.judgements, { traces: 2, judgedTraces: 2, labels: 3, tags: 1, confirmed: 1, rejected: 1, unmapped: 0 });
  });

  it('under TRAIL, category rows are TRAIL categories', () => {
    const t = evaluateDetectors(fixture(), { taxonomy: TRAIL_TAXONOMY });
    const fe = t.categories.find((c) => c.category === 'Formatting Errors');
    assert.ok(fe);
    assert.deepEqual(figures(fe), [1, 0, 1, 0, 0, 1, 1, 1]);
    const ra = t.categories.find((c) => c.category === 'Resource Abuse');
    assert.ok(ra);
    // a/s3 Resource Abuse (found by the loop), b/s3 the human tag ORCH.REPEAT_LOOP shown as Resource Abuse (missed).
    assert.deepEqual(figures(ra), [1, 0, 1, 1, 0, 1, 0.5, 2]);
  });

  it('a rejection cancels an imported label of that category on that step, and makes the finding a false positive', () => {
    const t = evalTrace('c.json', ['s1'], [f('s1', 'format-rejected', 'OUT.FORMAT')], {
      labels: [trail('s1', 'Formatting Errors')],
      tags: [{ location: 's1', category: 'OUT.FORMAT', source: 'rule', rule: 'format-rejected', status: 'rejected' }],
    });
    assert.deepEqual(judgementsOf(t).positives, []);
    const x = evaluateDetectors([t]).rules.find((y) => y.rule === 'format-rejected' && y.category === 'OUT.FORMAT');
    assert.ok(x);
    assert.deepEqual(figures(x), [0, 1, 0, 0, 0, 0, null, 1]);
  });

  it('Who&When names one step per run: silence elsewhere is no judgement, and "mistake" counts for location only', () => {
    const t = evalTrace('w.json', ['s1', 's2'], [f('s1', 'tool-error', 'TOOL.RUNTIME'), f('s2', 'tool-error', 'TOOL.RUNTIME')], {
      labels: [{ stepId: 's1', scheme: 'who-and-when', category: 'mistake', origin: 'x' }],
    });
    const e = evaluateDetectors([t]);
    assert.deepEqual(figures(e.rules.find((y) => y.rule === 'tool-error' && y.category === 'TOOL.RUNTIME')!), [0, 0, 0, 0, 2, null, null, 0]);
    assert.deepEqual([e.location.labels, e.location.labelsFound, e.location.findingSpans, e.location.findingSpansLabelled], [1, 1, 1, 1]);
    assert.equal(e.judgements.unmapped, 1);
  });

  it('a trace whose label file names no errors is judged: its findings are false positives', () => {
    const t = evalTrace('empty.json', ['s1'], [f('s1', 'tool-error', 'TOOL.RUNTIME')], { metadata: { labelFile: '../annotations/empty.json' } });
    const e = evaluateDetectors([t]);
    assert.equal(e.rules.find((y) => y.rule === 'tool-error' && y.category === 'TOOL.RUNTIME')!.fp, 1);
    assert.deepEqual([e.location.findingSpans, e.location.findingSpansLabelled, e.location.precision, e.location.recall], [1, 0, 0, 0]);
  });
});
