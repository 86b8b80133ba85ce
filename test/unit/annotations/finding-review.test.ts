/**
 * One rule decides which detector finding a sidecar entry confirms or rejects (decisionOf); the
 * export (effectiveErrors) follows it, so two findings of one rule on one step are reviewed apart.
 */
import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import {
  bindAnnotations, confirmFinding, decisionOf, effectiveErrors, emptyDocument, parseSidecar, rejectFinding, reviewFindings, reviewOf,
} from '../../../src/core/annotations';
import { loadTraceFile } from '../../../src/core/load';
import { TRAIL_TAXONOMY } from '../../../src/core/taxonomy';

const SMALL = join(resolve(__dirname, '../../fixtures'), 'export/small.jsonl');
const trace = loadTraceFile(SMALL).traces[0];
/** Two findings of one rule on one step; under TRAIL both show as "Formatting Errors". */
const TWO = [
  { stepId: 'llm-2', category: 'TOOL.ARGS_INVALID', rule: 'decision-caused-failure' },
  { stepId: 'llm-2', category: 'OUT.FORMAT', rule: 'decision-caused-failure' },
];

describe('finding review: one rule', () => {
  it('rejecting one of two findings of one rule on a step leaves the other proposed, in the review and in the export', () => {
    const doc = rejectFinding(emptyDocument(), { location: 'llm-2', category: 'OUT.FORMAT', rule: 'decision-caused-failure' }).doc;
    const bound = bindAnnotations(doc, trace, 'f');
    const reviewed = reviewFindings(TWO, bound.tagsByStep, TRAIL_TAXONOMY);
    assert.deepEqual(reviewed.map((r) => [r.finding.category, r.shownCategory, r.review]), [
      ['TOOL.ARGS_INVALID', 'Formatting Errors', 'proposed'],
      ['OUT.FORMAT', 'Formatting Errors', 'rejected'],
    ]);
    const eff = effectiveErrors(trace, bound, TWO).get('llm-2') ?? [];
    assert.deepEqual(eff.map((t) => [t.category, t.status]), [['TOOL.ARGS_INVALID', 'proposed']]);
  });

  it('a decision names the rule: a rejection by another rule leaves the finding counted (the export used to ignore the rule)', () => {
    const doc = rejectFinding(emptyDocument(), { location: 'llm-2', category: 'OUT.FORMAT', rule: 'format-rejected' }).doc;
    const bound = bindAnnotations(doc, trace, 'f');
    const finding = { stepId: 'llm-2', category: 'OUT.FORMAT', rule: 'decision-caused-failure' };
    assert.equal(reviewOf(bound.tagsByStep.get('llm-2'), finding), 'proposed');
    assert.deepEqual((effectiveErrors(trace, bound, [finding]).get('llm-2') ?? []).map((t) => t.status), ['proposed']);
  });

  it('a confirmed finding counts once, as confirmed; a hand-written rejection in TRAIL words rejects what it stands for', () => {
    const confirmed = confirmFinding(emptyDocument(), { location: 'llm-2', category: 'OUT.FORMAT', rule: 'decision-caused-failure' }).doc;
    const eff = effectiveErrors(trace, bindAnnotations(confirmed, trace, 'f'), TWO).get('llm-2') ?? [];
    assert.deepEqual(eff.map((t) => [t.category, t.status]).sort(), [['OUT.FORMAT', 'confirmed'], ['TOOL.ARGS_INVALID', 'proposed']]);
    const handWritten = parseSidecar(JSON.stringify({ version: 1, errors: [{ location: 'llm-2', category: 'Formatting Errors', status: 'rejected', rule: 'decision-caused-failure' }] }), 'f').doc;
    const tags = bindAnnotations(handWritten, trace, 'f').tagsByStep.get('llm-2');
    assert.deepEqual(TWO.map((f) => reviewOf(tags, f)), ['rejected', 'rejected']);
    // An exact entry wins over one in other words.
    const both = parseSidecar(JSON.stringify({ version: 1, errors: [
      { location: 'llm-2', category: 'Formatting Errors', status: 'rejected', source: 'rule', rule: 'decision-caused-failure' },
      { location: 'llm-2', category: 'OUT.FORMAT', status: 'confirmed', source: 'rule', rule: 'decision-caused-failure' },
    ] }), 'f').doc;
    assert.equal(decisionOf(bindAnnotations(both, trace, 'f').tagsByStep.get('llm-2'), TWO[1])?.status, 'confirmed');
  });
});
