/**
 * Failure sites made again only for what changed (FailureSiteMemo in
 * src/core/analysis/failure-sites.ts): a followed session lists all of its findings at each line.
 * The memo must never give a site that differs from the one made afresh.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { analyzeBytes } from '../../../src/core/analyze';
import { FailureSiteMemo, failureSites } from '../../../src/core/analysis/failure-sites';
import { DEFAULT_TAXONOMY, TRAIL_TAXONOMY } from '../../../src/core/taxonomy';
import type { FileAnalysis } from '../../../src/core/analyze';
import type { Step } from '../../../src/core/model/schema';

const PATH = join(__dirname, '..', '..', 'fixtures', 'codex-cli', 'failing-exec.jsonl');

function analysis(): FileAnalysis {
  return analyzeBytes(PATH, readFileSync(PATH));
}

describe('failure sites made again only for what changed', () => {
  it('gives the same site objects for findings and steps as they were, and new ones equal to fresh sites otherwise', () => {
    const memo = new FailureSiteMemo();
    const first = analysis();
    const before = failureSites(first, DEFAULT_TAXONOMY, undefined, memo);
    assert.ok(before.length >= 2, `the fixture has failures (${before.length})`);
    assert.deepEqual(before, failureSites(first, DEFAULT_TAXONOMY));

    // The same findings copied, on the same steps: the same sites come back.
    const again = analysis();
    again.traces = first.traces;
    again.analyses = first.analyses.map((a) => ({ trace: a.trace, findings: a.findings.map((f) => ({ ...f })) }));
    const same = failureSites(again, DEFAULT_TAXONOMY, undefined, memo);
    assert.equal(same.length, before.length);
    same.forEach((s, k) => assert.equal(s, before[k], `site ${k} is the object made before`));

    // One finding gone from the middle of the list: the ones after it moved up, and are found by step and category.
    const fewer = analysis();
    fewer.traces = first.traces;
    fewer.analyses = first.analyses.map((a) => ({ trace: a.trace, findings: a.findings.filter((_, k) => k !== 0).map((f) => ({ ...f })) }));
    const shifted = failureSites(fewer, DEFAULT_TAXONOMY, undefined, memo);
    assert.deepEqual(shifted, failureSites(fewer, DEFAULT_TAXONOMY));
    shifted.forEach((s, k) => assert.ok(before.includes(s), `site ${k} is one made before`));
    failureSites(first, DEFAULT_TAXONOMY, undefined, memo);

    // A finding's evidence changed, and another's step moved in the file: those two are made again.
    const changed = structuredClone(first) as FileAnalysis;
    const [one, two] = changed.analyses[0].findings;
    one.evidence = `${one.evidence} (again)`;
    const moved = changed.analyses[0].trace.steps.find((s) => s.id === two.stepId)!;
    moved.location = { ...moved.location!, line: moved.location!.line + 1, endLine: moved.location!.endLine + 1 };
    const after = failureSites(changed, DEFAULT_TAXONOMY, undefined, memo);
    assert.deepEqual(after, failureSites(changed, DEFAULT_TAXONOMY));
    const remade = after.filter((s) => !before.includes(s));
    assert.deepEqual(remade.map((s) => s.stepId).sort(), [one.stepId, two.stepId].sort());

    // Another taxonomy names the categories its way: nothing is taken from before.
    const trail = failureSites(first, TRAIL_TAXONOMY, undefined, memo);
    assert.deepEqual(trail, failureSites(first, TRAIL_TAXONOMY));
    assert.ok(trail.every((s) => !after.includes(s)));
  });

  it('names the steps of a run built again as a look through its steps would: those kept, a step made anew, one that moved', () => {
    const memo = new FailureSiteMemo();
    const first = analysis();
    const trace = first.analyses[0].trace;
    failureSites(first, DEFAULT_TAXONOMY, undefined, memo);
    const findings = first.analyses[0].findings;
    const stepOf = (id: string): Step => trace.steps.find((st) => st.id === id)!;
    // Built again as a followed line builds it: the same step objects, and a new last step with a finding of its own.
    const last = trace.steps[trace.steps.length - 1];
    const added: Step = { ...last, id: 'added-step', name: 'added step', index: trace.steps.length, location: { ...last.location!, line: last.location!.line + 1, endLine: last.location!.endLine + 1 } };
    const grown = { ...trace, steps: [...trace.steps, added] };
    const grownFindings = [...findings.map((f) => ({ ...f })), { ...findings[0], stepId: 'added-step' }];
    const withStep = { ...first, traces: [grown], analyses: [{ trace: grown, findings: grownFindings }] };
    assert.deepEqual(failureSites(withStep, DEFAULT_TAXONOMY, undefined, memo), failureSites(withStep, DEFAULT_TAXONOMY));
    // The first finding's step made anew (renamed), and the second's moved to another place: each site names the step as it is now.
    const renamed = { ...stepOf(findings[0].stepId), name: 'renamed step' };
    const movedStep = stepOf(findings[1].stepId);
    const steps = grown.steps.map((st) => (st.id === renamed.id ? renamed : st));
    const from = movedStep.index;
    const to = from === 0 ? 1 : from - 1;
    [steps[from], steps[to]] = [steps[to], steps[from]];
    const rebuilt = { ...grown, steps };
    const again = { ...first, traces: [rebuilt], analyses: [{ trace: rebuilt, findings: grownFindings }] };
    const sites = failureSites(again, DEFAULT_TAXONOMY, undefined, memo);
    assert.deepEqual(sites, failureSites(again, DEFAULT_TAXONOMY));
    assert.equal(sites.find((st) => st.stepId === renamed.id)?.stepName, 'renamed step');
  });
});
