import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSidecar, serializeSidecar, emptyDocument, applyEdit, type AnnotationDocument } from '../../../src/core/annotations';
import { batchEdit, planSidecarBatch, undoSidecarBatch, writeSidecarBatch, type BatchFileInput, type ClusterFinding } from '../../../src/core/clusters';
import { DEFAULT_TAXONOMY, TRAIL_TAXONOMY } from '../../../src/core/taxonomy';

const TAG = { kind: 'tag', category: 'TOOL.RATE_LIMIT', taxonomy: DEFAULT_TAXONOMY } as const;

/** A sidecar as a user may have it: hand-formatted (not our layout), an unknown key, a tag, a correction. */
const HAND_WRITTEN = `{"version": 1, "errors": [
  {"location": "s1", "category": "TOOL.RATE_LIMIT", "source": "human", "status": "confirmed", "impact": "LOW", "note": "mine"}],
 "corrections": [{"location": "s0", "output": {"role": "assistant", "content": "better"}}],
 "reviewed": ["s0"], "scores": {"overall": 3}}
`;

const finding = (failing: string, on = failing, rule = 'tool-error', category = 'TOOL.RATE_LIMIT'): ClusterFinding => ({ failingStepId: failing, stepId: on, rule, category, evidence: `${rule} at ${on}` });

describe('tagging a failure cluster (batch of sidecars and its inverse)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-batch-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function input(name: string, steps: BatchFileInput['steps']): BatchFileInput {
    const sidecarPath = join(dir, `${name}.annotations.json`);
    return { trace: join(dir, name), sidecarPath, before: existsSync(sidecarPath) ? readFileSync(sidecarPath) : undefined, binding: { path: name, sha256: `sha-${name}` }, steps };
  }

  it('tags every step, leaves a step already tagged as it is (counted), creates a missing sidecar; undo restores the bytes and removes the created file', () => {
    const a = join(dir, 'a.jsonl.annotations.json');
    writeFileSync(a, HAND_WRITTEN);
    const plan = planSidecarBatch([
      input('a.jsonl', [{ location: 's1', traceIndex: 0 }, { location: 's2', traceIndex: 0 }]),
      input('b.jsonl', [{ location: 'b1', traceIndex: 0 }]),
    ], TAG);
    assert.deepEqual(plan.refused, []);
    assert.deepEqual(plan.files.map((f) => [f.changed, f.already]), [[1, 1], [1, 0]]);
    const written = writeSidecarBatch(plan);
    assert.deepEqual(written.refused, []);
    assert.equal(written.written.length, 2);

    const docA = parseSidecar(readFileSync(a, 'utf8'), a).doc;
    // The user's tag is untouched (impact LOW, unknown key kept), the new one added; nothing else lost.
    assert.deepEqual(docA.errors.map((e) => [e.location, e.category, e.impact, e.source, e.taxonomy ?? null]), [
      ['s1', 'TOOL.RATE_LIMIT', 'LOW', 'human', null],
      ['s2', 'TOOL.RATE_LIMIT', 'MEDIUM', 'human', 'default'],
    ]);
    assert.equal((docA.errors[0] as Record<string, unknown>).note, 'mine');
    assert.equal(docA.corrections.length, 1);
    assert.deepEqual(docA.extra, { scores: { overall: 3 } });
    assert.deepEqual(docA.trace, { path: 'a.jsonl', sha256: 'sha-a.jsonl' }, 'bound to the trace as the editor\'s save does');
    const b = join(dir, 'b.jsonl.annotations.json');
    assert.deepEqual(parseSidecar(readFileSync(b, 'utf8'), b).doc.errors.map((e) => [e.location, e.category]), [['b1', 'TOOL.RATE_LIMIT']]);

    const undo = undoSidecarBatch(written.written);
    assert.deepEqual(undo.refused, []);
    assert.deepEqual(undo.restored, [a]);
    assert.deepEqual(undo.removed, [b]);
    assert.equal(readFileSync(a, 'utf8'), HAND_WRITTEN, 'the hand-written bytes are back exactly');
    assert.equal(existsSync(b), false, 'the sidecar the batch created is gone');
  });

  it('counts a tag that shows as the category in the taxonomy in use (written under another taxonomy) as already there', () => {
    // TRAIL "Rate Limiting" stands for TOOL.RATE_LIMIT in the default taxonomy.
    const trailName = TRAIL_TAXONOMY.categories.find((c) => TRAIL_TAXONOMY.toDefault(c.id).includes('TOOL.RATE_LIMIT'));
    assert.ok(trailName, 'TRAIL has a category that maps to TOOL.RATE_LIMIT');
    const doc: AnnotationDocument = { ...emptyDocument(), errors: [{ location: 's1', category: trailName.id, taxonomy: 'trail', source: 'human', status: 'confirmed' }] };
    const r = batchEdit(doc, [{ location: 's1', traceIndex: 0 }], TAG);
    assert.deepEqual([r.changed, r.already, r.edit.splices.length], [0, 1, 0]);
  });

  it('tags steps of several traces of one file with their traceIndex, as one edit whose inverse gives back the document', () => {
    const doc = emptyDocument({ path: 'm.jsonl', sha256: 'x' });
    const r = batchEdit(doc, [{ location: 'a', traceIndex: 0 }, { location: 'a', traceIndex: 2 }, { location: 'a', traceIndex: 2 }], TAG);
    assert.deepEqual([r.changed, r.already], [2, 1], 'the same step listed twice is tagged once');
    assert.deepEqual(r.doc.errors.map((e) => [e.location, e.traceIndex ?? null]), [['a', null], ['a', 2]]);
    assert.deepEqual(applyEdit(r.doc, r.inverse).doc, doc);
    assert.deepEqual(applyEdit(doc, r.edit).doc, r.doc);
  });

  it('rejects every finding behind each failure the way the editor does; an already rejected one is counted and a confirmation turns into a rejection', () => {
    const doc: AnnotationDocument = {
      ...emptyDocument(),
      errors: [
        { location: 'x2', category: 'TOOL.RATE_LIMIT', source: 'rule', rule: 'tool-error', status: 'rejected' },
        { location: 'x3', category: 'TOOL.RATE_LIMIT', source: 'rule', rule: 'tool-error', status: 'confirmed', evidence: 'kept' },
        { location: 'x1', category: 'TOOL.RATE_LIMIT', source: 'human', status: 'confirmed' },
      ],
    };
    const r = batchEdit(doc, [
      { location: 'x1', traceIndex: 0, findings: [finding('x1'), finding('x1', 'm1', 'decision-caused-failure')] },
      { location: 'x2', traceIndex: 0, findings: [finding('x2')] },
      { location: 'x3', traceIndex: 0, findings: [finding('x3')] },
    ], { kind: 'reject' });
    assert.deepEqual([r.changed, r.already], [2, 1]);
    assert.deepEqual(r.doc.errors.map((e) => [e.location, e.source, e.rule ?? null, e.status, e.evidence ?? null]), [
      ['x2', 'rule', 'tool-error', 'rejected', null],
      ['x3', 'rule', 'tool-error', 'rejected', 'kept'],
      ['x1', 'human', null, 'confirmed', null],
      ['x1', 'rule', 'tool-error', 'rejected', 'tool-error at x1'],
      ['m1', 'rule', 'decision-caused-failure', 'rejected', 'decision-caused-failure at m1'],
    ], 'the human tag on x1 is kept; both findings behind x1 are rejected on their own steps');
    assert.deepEqual(applyEdit(r.doc, r.inverse).doc, doc);
  });

  it('refuses a sidecar that cannot be read and leaves it as it is', () => {
    const a = join(dir, 'a.jsonl.annotations.json');
    writeFileSync(a, '{"errors": [oops');
    const plan = planSidecarBatch([input('a.jsonl', [{ location: 's1', traceIndex: 0 }])], TAG);
    assert.equal(plan.files.length, 0);
    assert.equal(plan.refused.length, 1);
    assert.match(plan.refused[0].reason, /a\.jsonl\.annotations\.json:1:13: invalid JSON.*not overwritten/s);
    assert.deepEqual(writeSidecarBatch(plan).written, []);
    assert.equal(readFileSync(a, 'utf8'), '{"errors": [oops');
  });

  it('reads an older sidecar from elsewhere (text) but records that the saved location did not exist, so undo removes it', () => {
    const plan = planSidecarBatch([{ ...input('c.jsonl', [{ location: 'c1', traceIndex: 0 }]), text: HAND_WRITTEN, textFrom: '/elsewhere/c.jsonl.annotations.json' }], TAG);
    const w = writeSidecarBatch(plan);
    const c = join(dir, 'c.jsonl.annotations.json');
    const doc = parseSidecar(readFileSync(c, 'utf8'), c).doc;
    assert.deepEqual(doc.errors.map((e) => e.location), ['s1', 'c1'], 'the older sidecar\'s entries come along');
    assert.equal(w.written[0].before, undefined);
    assert.deepEqual(undoSidecarBatch(w.written).removed, [c]);
  });

  it('does not write a file that changed between planning and writing', () => {
    const a = join(dir, 'a.jsonl.annotations.json');
    writeFileSync(a, HAND_WRITTEN);
    const plan = planSidecarBatch([input('a.jsonl', [{ location: 's2', traceIndex: 0 }])], TAG);
    writeFileSync(a, HAND_WRITTEN.replace('mine', 'edited meanwhile'));
    const w = writeSidecarBatch(plan);
    assert.deepEqual(w.written, []);
    assert.match(w.refused[0].reason, /changed on disk while the cluster was being tagged; not written/);
    assert.match(readFileSync(a, 'utf8'), /edited meanwhile/);
  });

  it('undo refuses a file changed (or removed) after the batch, with a message naming it, and still restores the others', () => {
    const a = join(dir, 'a.jsonl.annotations.json');
    writeFileSync(a, HAND_WRITTEN);
    const w = writeSidecarBatch(planSidecarBatch([
      input('a.jsonl', [{ location: 's2', traceIndex: 0 }]),
      input('b.jsonl', [{ location: 'b1', traceIndex: 0 }]),
      input('d.jsonl', [{ location: 'd1', traceIndex: 0 }]),
    ], TAG));
    assert.equal(w.written.length, 3);
    const b = join(dir, 'b.jsonl.annotations.json');
    const d = join(dir, 'd.jsonl.annotations.json');
    // Someone edits b (a tag added in the editor and saved) and removes d.
    const changed = serializeSidecar({ ...parseSidecar(readFileSync(b, 'utf8'), b).doc, reviewed: [{ location: 'b1' }] });
    writeFileSync(b, changed);
    rmSync(d);
    const undo = undoSidecarBatch(w.written);
    assert.deepEqual(undo.restored, [a]);
    assert.deepEqual(undo.removed, []);
    assert.deepEqual(undo.refused.map((r) => r.sidecarPath), [b, d]);
    assert.match(undo.refused[0].reason, /b\.jsonl\.annotations\.json changed after the cluster was tagged; not restored/);
    assert.match(undo.refused[1].reason, /d\.jsonl\.annotations\.json was removed after the cluster was tagged/);
    assert.equal(readFileSync(b, 'utf8'), changed, 'the later change is kept, not clobbered');
    assert.equal(existsSync(d), false, 'nothing is re-created');
    assert.equal(readFileSync(a, 'utf8'), HAND_WRITTEN);
  });

  it('plans no write for a file where every step is already done', () => {
    const a = join(dir, 'a.jsonl.annotations.json');
    writeFileSync(a, HAND_WRITTEN);
    const plan = planSidecarBatch([input('a.jsonl', [{ location: 's1', traceIndex: 0 }])], TAG);
    assert.deepEqual(plan.files.map((f) => [f.changed, f.already, f.after]), [[0, 1, undefined]]);
    assert.deepEqual(writeSidecarBatch(plan).written, []);
    assert.equal(readFileSync(a, 'utf8'), HAND_WRITTEN);
  });

  it('says which category is unknown', () => {
    assert.throws(() => batchEdit(emptyDocument(), [], { kind: 'tag', category: 'NOPE', taxonomy: DEFAULT_TAXONOMY }), /"NOPE" is not a category of the .* taxonomy/);
  });
});
