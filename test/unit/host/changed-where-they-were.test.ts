/**
 * Most lines of a followed Claude Code or Codex session change steps where they are (a reply's next
 * block, a call's output, a turn's end) and leave the findings as they were, or change a few: the
 * session then indexes the run again only from the first changed step, keeps the findings, tags
 * and labels on their steps (TraceSession.update, TraceIndex.replaceFrom with `findingsKept`), and
 * shows again only the findings of the steps whose findings changed (TraceIndex.changeFindings).
 * Whatever the changes (statuses turned to error and back, times and names changed, steps
 * appended, findings added anywhere, dropped, changed or reordered), and with tags on steps not
 * read yet, the session shows what a fresh one shows: findings, tags, failing steps, counts, every
 * row and the Failures-only rows.
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

type FindingsChange = { op: 'add' | 'drop' | 'change' | 'swap'; at: number };

interface Change { from: number; status: 'ok' | 'error' | 'same'; renamed: boolean; moved: boolean; revealed: number; findings: readonly FindingsChange[] }

const change: fc.Arbitrary<Change> = fc.record({
  from: fc.nat(),
  status: fc.constantFrom('ok' as const, 'error' as const, 'same' as const),
  renamed: fc.boolean(),
  moved: fc.boolean(),
  revealed: fc.constantFrom(0, 0, 1, 3, 10, 60),
  // Mostly none: most lines leave the findings as they were.
  findings: fc.oneof(
    { arbitrary: fc.constant<FindingsChange[]>([]), weight: 2 },
    { arbitrary: fc.array(fc.record({ op: fc.constantFrom('add' as const, 'drop' as const, 'change' as const, 'swap' as const), at: fc.nat() }), { minLength: 1, maxLength: 3 }), weight: 2 },
  ),
});

let serial = 0;

/**
 * The findings after `c`, the others the same objects: one added anywhere (on a step shown, of
 * another category than its others), one dropped, one changed (a new object), or the findings of
 * one step in the other order.
 */
function changedFindings(list: Finding[], trace: Trace, c: FindingsChange): Finding[] {
  const out = [...list];
  const k = list.length === 0 ? 0 : c.at % list.length;
  if (c.op === 'add') {
    // Half the time on a step with findings already (its findings then come in some order).
    const stepId = c.at % 2 === 0 && list.length > 0 ? list[k].stepId : trace.steps[c.at % trace.steps.length].id;
    out.splice(c.at % (list.length + 1), 0, { stepId, category: `RSN.PLAN${++serial}`, rule: 'plan', evidence: `added ${serial}`, impact: 'LOW' } as Finding);
  } else if (list.length === 0) return list;
  else if (c.op === 'drop') out.splice(k, 1);
  else if (c.op === 'change') out[k] = { ...out[k], evidence: `${out[k].evidence} (changed ${++serial})` };
  else {
    const places = list.flatMap((f, i) => (f.stepId === list[k].stepId ? [i] : []));
    places.forEach((place, r) => { out[place] = list[places[places.length - 1 - r]]; });
  }
  return out;
}

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

  it('after any changes in place (and appends, and changed findings), the session shows what a fresh session shows', () => {
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
      let now = given;
      for (const c of changes) {
        const next = changed(trace, c);
        now = c.findings.reduce((list, f) => changedFindings(list, next.trace, f), now);
        const outcome = live.update(next.trace, now, next.from);
        assert.ok(!('reset' in outcome), 'rows keep their places');
        trace = next.trace;
      }
      const fresh = new TraceSession(trace, now, DEFAULT_TAXONOMY, 0);
      fresh.applyAnnotations({ tagsByStep: tags });
      assert.deepEqual(seen(live), seen(fresh));
    }), {
      seed: 11,
      numRuns: 300,
      // A step's findings in the other order while another finding is added: seldom drawn at random.
      examples: [[[
        { from: 0, status: 'ok', renamed: false, moved: false, revealed: 0, findings: [{ op: 'add', at: 0 }] },
        { from: 0, status: 'ok', renamed: false, moved: false, revealed: 0, findings: [{ op: 'add', at: 98260641 }, { op: 'swap', at: 0 }] },
      ], 0, false]],
    });
  });

  it('findings changed on a few steps while the steps stay (a read\'s last findings): the session shows what a fresh session shows', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.record({ op: fc.constantFrom('add' as const, 'drop' as const, 'change' as const, 'swap' as const), at: fc.nat() }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }), (rounds) => {
      const trace: Trace = { ...base, steps: base.steps.slice(0, FIRST_SHOWN) };
      const tags = tagsOn([base.steps[FIRST_SHOWN - 5].id]);
      const live = new TraceSession(trace, findings, DEFAULT_TAXONOMY, 0);
      live.applyAnnotations({ tagsByStep: tags });
      live.rows(FAILURES, 0, 10);
      let now = findings;
      for (const ops of rounds) {
        now = ops.reduce((list, f) => changedFindings(list, trace, f), now);
        live.showFindings(now);
      }
      const fresh = new TraceSession(trace, now, DEFAULT_TAXONOMY, 0);
      fresh.applyAnnotations({ tagsByStep: tags });
      assert.deepEqual(seen(live), seen(fresh));
    }), { seed: 23, numRuns: 200 });
  });
});
