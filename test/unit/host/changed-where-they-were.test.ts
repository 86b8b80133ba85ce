/**
 * Most lines of a followed Claude Code or Codex session change steps where they are (a reply's next
 * block, a call's output, a turn's end) and leave the findings as they were: the session then
 * indexes the run again only from the first changed step, and keeps the findings, tags and labels
 * on their steps (TraceSession.update, TraceIndex.replaceFrom with `findingsKept`). Whatever the
 * changes (statuses turned to error and back, times and names changed, steps appended), and with
 * tags on steps not read yet, the session shows what a fresh one shows: findings, tags, failing
 * steps, counts, every row and the Failures-only rows.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { ErrorTag } from '../../../src/core/annotations';
import type { Finding } from '../../../src/core/detect';
import type { Step, Trace } from '../../../src/core/model/schema';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { TraceSession } from '../../../src/host/editor/session';
import type { ViewSpec } from '../../../src/protocol/messages';
import { benchTraceText } from '../../support/bench-traces';

const whole = TraceFile.fromBytes('/virtual/followed.trace.jsonl', Buffer.from(benchTraceText('jsonl', 600, 7)), { taxonomy: DEFAULT_TAXONOMY });
const base = whole.session(0).trace;
const FIRST_SHOWN = 400;
const findingsUpTo = (n: number): Finding[] => Array.from({ length: n }, (_, i) => whole.session(0).findingsOf(i).map(({ defaultCategory, ...f }) => ({ ...f, category: defaultCategory }) as Finding)).flat();
/** The findings of the steps shown at first; and of the whole run, some naming steps not read yet (placed as they come). */
const findings = findingsUpTo(FIRST_SHOWN);
const findingsOfAll = findingsUpTo(base.steps.length);
const ALL: ViewSpec = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
const FAILURES: ViewSpec = { traceIndex: 0, collapsed: [], failuresOnly: true, categories: [] };

/** A human tag on the step with this id (it fails in that category), and one rejecting a finding. */
function tagsOn(ids: string[]): Map<string, ErrorTag[]> {
  const tags = new Map<string, ErrorTag[]>(ids.map((id) => [id, [{ location: id, category: 'TOOL.RUNTIME', source: 'human', status: 'confirmed' }]]));
  const rejected = findings[3];
  tags.set(rejected.stepId, [{ location: rejected.stepId, category: rejected.category, rule: rejected.rule, source: 'rule', status: 'rejected' }]);
  return tags;
}

/** What the webview is shown of a session. */
function seen(s: TraceSession): unknown {
  const n = s.steps.length;
  return {
    steps: s.steps.map((st) => `${st.id} ${st.status} ${st.name} ${st.startTime}`),
    findings: Array.from({ length: n }, (_, i) => s.findingsOf(i).map((f) => `${f.rule} ${f.category} ${s.isRejected(i, f)}`)),
    tags: Array.from({ length: n }, (_, i) => s.tagCount(i)),
    summary: s.summary(),
    rows: s.rows(ALL, 0, n + 1).rows,
    failureRows: s.rows(FAILURES, 0, n + 1).rows,
    next: Array.from({ length: 12 }, (_, k) => s.findFailure(FAILURES, Math.floor((k * n) / 12), 'next')),
  };
}

interface Change { from: number; status: 'ok' | 'error' | 'same'; renamed: boolean; moved: boolean; revealed: number }

const change: fc.Arbitrary<Change> = fc.record({
  from: fc.nat(),
  status: fc.constantFrom('ok' as const, 'error' as const, 'same' as const),
  renamed: fc.boolean(),
  moved: fc.boolean(),
  revealed: fc.constantFrom(0, 0, 1, 3, 10, 60),
});

/** The trace after `c`: the steps from a place near the end changed where they are (copies), then more of the run. */
function changed(trace: Trace, c: Change): { trace: Trace; from: number } {
  const shown = trace.steps.length;
  const from = Math.max(0, shown - 1 - (c.from % 6));
  const steps: Step[] = trace.steps.slice(0, from);
  for (let i = from; i < shown; i++) {
    const s = trace.steps[i];
    steps.push({ ...s, ...(c.status === 'same' ? {} : { status: c.status }), ...(c.renamed ? { name: `${s.name}'` } : {}), ...(c.moved && s.startTime !== null ? { startTime: s.startTime + 1 } : {}) });
  }
  steps.push(...base.steps.slice(shown, Math.min(base.steps.length, shown + c.revealed)));
  return { trace: { ...trace, steps }, from };
}

describe('editor: steps changed where they were, findings the same', () => {
  it('the generated run has findings among the steps shown at first', () => {
    assert.ok(findings.length >= 5, `${findings.length} findings`);
  });

  it('after any changes in place (and appends), the session shows what a fresh session shows', () => {
    assert.ok(findingsOfAll.length > findings.length, 'some findings name steps not read at first');
    fc.assert(fc.property(fc.array(change, { minLength: 1, maxLength: 8 }), fc.nat(base.steps.length - FIRST_SHOWN - 1), fc.boolean(), (changes, lateTagAt, ofAll) => {
      const given = ofAll ? findingsOfAll : findings;
      let trace: Trace = { ...base, steps: base.steps.slice(0, FIRST_SHOWN) };
      // A tag on a step shown at first, and one on a step not read yet: it binds once the step comes.
      const tags = tagsOn([base.steps[FIRST_SHOWN - 5].id, base.steps[FIRST_SHOWN + lateTagAt].id]);
      const live = new TraceSession(trace, given, DEFAULT_TAXONOMY, 0);
      live.applyAnnotations({ tagsByStep: tags });
      // Views asked for before the changes must follow them.
      live.rows(ALL, 0, 10);
      live.rows(FAILURES, 0, 10);
      for (const c of changes) {
        const next = changed(trace, c);
        const outcome = live.update(next.trace, given, next.from);
        assert.ok(!('reset' in outcome), 'rows keep their places');
        trace = next.trace;
      }
      const fresh = new TraceSession(trace, given, DEFAULT_TAXONOMY, 0);
      fresh.applyAnnotations({ tagsByStep: tags });
      assert.deepEqual(seen(live), seen(fresh));
    }), { seed: 11, numRuns: 60 });
  });
});
