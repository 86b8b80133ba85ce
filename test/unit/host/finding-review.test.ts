/**
 * The trace editor's review of findings and its tags follow the core's one rule and keep what the
 * user chose: two findings of one rule on a step are reviewed apart (the webview receives each
 * finding's review from the host), and a TRAIL tag reopens as the same TRAIL category, is not
 * duplicated by tagging it again, and a save writes back what was loaded.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeSidecar } from '../../../src/core/annotations';
import type { Finding } from '../../../src/core/detect';
import { TRAIL_TAXONOMY } from '../../../src/core/taxonomy';
import { failureSites, isRejected } from '../../../src/host/analysis/failures';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { PROJECT_ROOT } from '../../support/shared';

const TRACE = join(PROJECT_ROOT, 'test/fixtures/export/small.jsonl');
const BYTES = readFileSync(TRACE);
/** Two findings of one rule on llm-2; under TRAIL both show as "Formatting Errors". */
const TWO: Finding[] = [
  { stepId: 'llm-2', category: 'TOOL.ARGS_INVALID', rule: 'decision-caused-failure', evidence: 'bad arguments' },
  { stepId: 'llm-2', category: 'OUT.FORMAT', rule: 'decision-caused-failure', evidence: 'bad output' },
];

function open(sidecar?: string): TraceFile {
  return TraceFile.fromBytes(TRACE, BYTES, { taxonomy: TRAIL_TAXONOMY, detect: () => TWO.map((f) => ({ ...f })), readSidecar: sidecar === undefined ? undefined : () => sidecar });
}

describe('trace editor: finding review and tags', () => {
  it('rejecting one of two findings of one rule on a step leaves the other shown, and proposed', () => {
    const file = open();
    const i = file.session(0).indexOfId('llm-2')!;
    const before = file.session(0).details(i, true).findings;
    assert.deepEqual(before.map((f) => [f.category, f.defaultCategory, f.review]), [
      ['Formatting Errors', 'TOOL.ARGS_INVALID', 'proposed'], ['Formatting Errors', 'OUT.FORMAT', 'proposed'],
    ]);
    // The shown category names both: the host asks for the detector's category instead of guessing.
    assert.throws(() => file.editAnnotations(0, i, { kind: 'rejectFinding', rule: 'decision-caused-failure', category: 'Formatting Errors' }), /names 2 findings/);
    const a = file.editAnnotations(0, i, { kind: 'rejectFinding', rule: 'decision-caused-failure', category: before[1].defaultCategory });
    const after = file.session(0).details(i, true).findings;
    assert.deepEqual(after.map((f) => [f.defaultCategory, f.review]), [['TOOL.ARGS_INVALID', 'proposed']]);
    // The reviewed entry says which finding it decides, so "Undo reject" restores exactly that one.
    assert.deepEqual(a.tags.map((t) => [t.category, t.status, t.finding]), [['Formatting Errors', 'rejected', { rule: 'decision-caused-failure', category: 'OUT.FORMAT' }]]);
    // The text diagnostics agree.
    const sites = failureSites({ analyses: [{ trace: file.traces[0], findings: TWO }] } as unknown as Parameters<typeof failureSites>[0], TRAIL_TAXONOMY);
    assert.deepEqual(sites.map((s) => [s.detectorCategory, isRejected(s, file.annotations.doc)]), [['TOOL.ARGS_INVALID', false], ['OUT.FORMAT', true]]);
    // Confirming the other one shows it confirmed (decided by the host), the rejected one stays rejected.
    file.editAnnotations(0, i, { kind: 'confirmFinding', rule: 'decision-caused-failure', category: 'TOOL.ARGS_INVALID' });
    assert.deepEqual(file.session(0).details(i, true).findings.map((f) => [f.defaultCategory, f.review]), [['TOOL.ARGS_INVALID', 'confirmed']]);
  });

  it('a tag made under TRAIL reopens as the same category, re-tagging it changes nothing, and a save writes back what was loaded', () => {
    const file = open();
    const i = file.session(0).indexOfId('llm-3')!;
    for (const category of ['Tool-related', 'Formatting Errors', 'Context Handling Failures']) {
      file.editAnnotations(0, i, { kind: 'addTag', category, impact: 'HIGH' });
    }
    const text = file.annotations.textToSave();
    const saved = JSON.parse(text) as { errors: { category: string; taxonomy: string }[] };
    assert.deepEqual(saved.errors.map((e) => [e.category, e.taxonomy]), [['Tool-related', 'trail'], ['Formatting Errors', 'trail'], ['Context Handling Failures', 'trail']]);

    const reopened = open(text);
    assert.deepEqual(reopened.stepAnnotations(0, i).tags.map((t) => t.category), ['Tool-related', 'Formatting Errors', 'Context Handling Failures']);
    const again = reopened.editAnnotations(0, i, { kind: 'addTag', category: 'Tool-related', impact: 'HIGH' });
    assert.equal(again.tags.length, 3, 'no second "Tool-related" tag');
    assert.equal(reopened.annotations.dirty, false);
    assert.equal(reopened.annotations.textToSave(), text, 'a save rewrites nothing');
  });

  it('a tag an earlier version rewrote (TOOL.UNKNOWN with trail "Tool-related") shows as Tool-related and is not duplicated', () => {
    const old = serializeSidecar({
      version: 1, trace: { path: 'small.jsonl', sha256: 'x' }, corrections: [], reviewed: [], extra: {},
      errors: [{ location: 'llm-3', category: 'TOOL.UNKNOWN', trail: 'Tool-related', source: 'human', status: 'confirmed', impact: 'HIGH' }],
    });
    const file = open(old);
    const i = file.session(0).indexOfId('llm-3')!;
    assert.deepEqual(file.stepAnnotations(0, i).tags.map((t) => t.category), ['Tool-related']);
    const after = file.editAnnotations(0, i, { kind: 'addTag', category: 'Tool-related', impact: 'LOW' });
    assert.deepEqual(after.tags.map((t) => [t.category, t.impact]), [['Tool-related', 'LOW']]);
    assert.equal(file.annotations.doc.errors[0].category, 'TOOL.UNKNOWN', 'the stored category is not rewritten');
  });
});
