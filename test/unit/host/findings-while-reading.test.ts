/**
 * Findings that come in parts while a large trace is read (the worker sends those found since the
 * last): a session that adds them shows exactly what a session given them all at once shows (the
 * findings per step, rejections by the sidecar, failing steps, counts, Failures-only rows, the
 * failure a parent span is explained by), whatever the parts.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Finding } from '../../../src/core/detect';
import type { ErrorTag } from '../../../src/core/annotations';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { TraceSession } from '../../../src/host/editor/session';
import type { ViewSpec } from '../../../src/protocol/messages';
import { benchTraceText } from '../../support/bench-traces';

const path = '/virtual/reading.trace.jsonl';
const file = TraceFile.fromBytes(path, Buffer.from(benchTraceText('jsonl', 2000, 5)), { taxonomy: DEFAULT_TAXONOMY });
const session0 = file.session(0);
const trace = session0.trace;
const all: Finding[] = Array.from({ length: session0.steps.length }, (_, i) => session0.findingsOf(i).map(({ defaultCategory, ...f }) => ({ ...f, category: defaultCategory }) as Finding)).flat();
const FAILURES: ViewSpec = { traceIndex: 0, collapsed: [], failuresOnly: true, categories: [] };

/** What a reader sees of the findings. */
function seen(s: TraceSession): unknown {
  const n = s.steps.length;
  return {
    findings: Array.from({ length: n }, (_, i) => s.findingsOf(i).map((f) => `${f.rule} ${f.category}`).sort()),
    summary: s.summary(),
    failureRows: [...s.visibleRows(FAILURES)],
    next: Array.from({ length: 20 }, (_, k) => s.findFailure(FAILURES, Math.floor((k * n) / 20), 'next')),
  };
}

describe('editor: findings added while a trace is read', () => {
  it('the generated trace has findings to split', () => assert.ok(all.length >= 15, `${all.length} findings`));

  it('added in parts, they show as they do given all at once (with a rejection in the sidecar)', () => {
    fc.assert(fc.property(fc.array(fc.nat(all.length), { maxLength: 5 }), fc.nat(all.length - 1), (cuts, rejectedAt) => {
      const rejected = all[rejectedAt];
      const tags = new Map<string, ErrorTag[]>([[rejected.stepId, [{ location: rejected.stepId, category: rejected.category, rule: rejected.rule, source: 'rule', status: 'rejected' }]]]);
      const bounds = [...new Set([0, ...cuts, all.length])].sort((a, b) => a - b);
      const parts = new TraceSession(trace, [], DEFAULT_TAXONOMY, 0);
      parts.applyAnnotations({ tagsByStep: tags });
      parts.visibleRows(FAILURES); // a cached Failures-only view must follow the findings
      let shown: Finding[] = [];
      for (let k = 1; k < bounds.length; k++) {
        // As TraceFile keeps them: the same objects, then those added.
        shown = [...shown, ...all.slice(bounds[k - 1], bounds[k])];
        parts.showFindings(shown);
      }
      const whole = new TraceSession(trace, all, DEFAULT_TAXONOMY, 0);
      whole.applyAnnotations({ tagsByStep: tags });
      assert.deepEqual(seen(parts), seen(whole));
    }), { seed: 3, numRuns: 40 });
  });

  it('grown in slices, with findings shown now and then and the summary asked after each change, each summary is a fresh session\'s', () => {
    const n = trace.steps.length;
    const position = (f: Finding): number => session0.indexOfId(f.stepId)!;
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { minLength: 1, maxLength: 6 }), fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), (cuts, showAt) => {
      const bounds = [...cuts.sort((a, b) => a - b), n];
      // As TraceFile keeps a run being read: one steps array that grows, findings of the steps read so far.
      const steps = trace.steps.slice(0, bounds[0]);
      const reading = { ...trace, steps };
      let shown: Finding[] = [];
      const session = new TraceSession(reading, shown, DEFAULT_TAXONOMY, 0);
      const check = (what: string): void => {
        const fresh = new TraceSession({ ...trace, steps: steps.slice() }, shown, DEFAULT_TAXONOMY, 0);
        assert.deepEqual(session.summary(), fresh.summary(), what);
      };
      check(`first ${bounds[0]} steps`);
      for (let k = 1; k < bounds.length; k++) {
        for (const st of trace.steps.slice(bounds[k - 1], bounds[k])) steps.push(st);
        assert.ok(session.grow(reading));
        check(`grown to ${bounds[k]}`);
        if (!showAt[k]) continue;
        shown = [...shown, ...all.filter((f) => position(f) < steps.length && !shown.includes(f))];
        session.showFindings(shown);
        check(`findings of ${steps.length} steps`);
      }
    }), { seed: 5, numRuns: 30 });
  });

  it('the end of the read (or an append) that only adds steps and findings shows what a session built on them all shows', () => {
    const cut = 1500;
    const early = all.filter((f) => session0.indexOfId(f.stepId)! < cut);
    const late = all.filter((f) => session0.indexOfId(f.stepId)! >= cut);
    assert.ok(early.length > 0 && late.length > 0, `${early.length} early and ${late.length} late findings`);
    // A streamed run keeps one steps array, which grows.
    const steps = trace.steps.slice(0, cut);
    const reading = new TraceSession({ ...trace, steps }, early, DEFAULT_TAXONOMY, 0);
    reading.visibleRows(FAILURES);
    steps.push(...trace.steps.slice(cut));
    const final = { ...trace, steps, title: 'the final header' };
    assert.deepEqual(reading.update(final, [...early, ...late], 0), { appendedFrom: cut });
    assert.equal(reading.trace.title, 'the final header');
    assert.deepEqual(seen(reading), seen(new TraceSession(final, [...early, ...late], DEFAULT_TAXONOMY, 0)));
  });
});
