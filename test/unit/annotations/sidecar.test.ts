import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTraceFile } from '../../../src/core/load';
import {
  type AnnotationDocument, addTag, applyEdit, bindAnnotations, clearCorrection, confirmFinding, effectiveErrors, emptyDocument, parseSidecar,
  readSidecar, rejectFinding, removeTag, saveSidecar, serializeSidecar, setCorrection, setReviewed, sidecarPathFor, StaleEditError, updateTag,
} from '../../../src/core/annotations';
import { isUserInputError, UserInputError, formatProblem } from '../../../src/core/util/problems';
import { sharedPath } from '../../support/shared';

const FIX = resolve(__dirname, '../../fixtures');
const SMALL = join(FIX, 'export/small.jsonl');

function userError(fn: () => unknown): UserInputError {
  try { fn(); } catch (e) { if (isUserInputError(e)) return e; throw e; }
  assert.fail('expected a UserInputError');
}

describe('annotation sidecar', () => {
  it('lives next to the trace as <name>.annotations.json', () => {
    assert.equal(sidecarPathFor('/a/b/run.jsonl'), '/a/b/run.jsonl.annotations.json');
  });

  it('round-trips through serialize/parse, keeping unknown keys', () => {
    let doc: AnnotationDocument = { ...emptyDocument({ path: 'run.jsonl', sha256: 'abc' }), extra: { scores: [{ overall: 4 }] } };
    doc = addTag(doc, { location: 's1', category: 'TOOL.RUNTIME', impact: 'HIGH', evidence: 'boom' }).doc;
    doc = setReviewed(doc, { location: 's1' }, true).doc;
    doc = setReviewed(doc, { location: 's9', traceIndex: 2 }, true).doc;
    doc = setCorrection(doc, { location: 's1' }, { role: 'assistant', content: 'fixed' }).doc;
    const text = serializeSidecar(doc);
    const json = JSON.parse(text);
    assert.deepEqual(json.reviewed, ['s1', { location: 's9', traceIndex: 2 }]);
    assert.deepEqual(json.scores, [{ overall: 4 }]);
    assert.equal(json.version, 1);
    const back = parseSidecar(text, 'x.json').doc;
    assert.deepEqual(back, doc);
  });

  it('reports a bad enum with file, line:col and JSON path', () => {
    const file = join(FIX, 'annotations/bad-impact.annotations.json');
    const err = userError(() => readSidecar(file));
    assert.equal(err.problems.length, 1);
    const p = err.problems[0];
    assert.equal(p.path, '$.errors[1].impact');
    assert.equal(p.line, 5);
    assert.equal(p.column, 65);
    assert.match(formatProblem(p), /bad-impact\.annotations\.json:5:65 \(\$\.errors\[1\]\.impact\): .*HIGH/);
  });

  it('reports a missing location and invalid JSON at a position', () => {
    const e1 = userError(() => parseSidecar('{"errors":[{"category":"X"}]}', 'f.json'));
    assert.equal(e1.problems[0].path, '$.errors[0].location');
    assert.match(e1.problems[0].message, /missing/);
    const e2 = userError(() => parseSidecar('{"errors": [\n  {"location": }\n]}', 'f.json'));
    assert.deepEqual([e2.problems[0].line, e2.problems[0].column], [2, 16]);
    assert.match(e2.problems[0].message, /invalid JSON: expected a value/);
    const e3 = userError(() => parseSidecar('{"version": 2, "errors": []}', 'f.json'));
    assert.match(e3.problems[0].message, /newer version/);
  });

  it('saves atomically (no temp file left) and never touches the trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-sidecar-'));
    const trace = join(dir, 'small.jsonl');
    copyFileSync(SMALL, trace);
    const before = readFileSync(trace);
    const doc = addTag(emptyDocument({ path: 'small.jsonl', sha256: 'x' }), { location: 'llm-1', category: 'TOOL.ARGS_INVALID' }).doc;
    saveSidecar(sidecarPathFor(trace), doc);
    saveSidecar(sidecarPathFor(trace), doc);
    assert.deepEqual(readdirSync(dir).sort(), ['small.jsonl', 'small.jsonl.annotations.json']);
    assert.deepEqual(readFileSync(trace), before);
    assert.equal(readSidecar(sidecarPathFor(trace)).doc.errors[0].category, 'TOOL.ARGS_INVALID');
  });
});

describe('annotation edit operations', () => {
  const base = emptyDocument({ path: 't', sha256: 's' });
  const finding = { location: 'tool-1', category: 'TOOL.RUNTIME', rule: 'tool-status-error', evidence: 'unknown city', impact: 'HIGH' as const };

  it('each op returns the new doc and an inverse that restores the old one exactly', () => {
    const steps = [
      (d: typeof base) => addTag(d, { location: 'a', category: 'RSN.FACTUAL', impact: 'LOW' }),
      (d: typeof base) => updateTag(d, { location: 'a', category: 'RSN.FACTUAL' }, { impact: 'HIGH', description: 'wrong' }),
      (d: typeof base) => confirmFinding(d, finding),
      (d: typeof base) => rejectFinding(d, finding),
      (d: typeof base) => setReviewed(d, { location: 'a' }, true),
      (d: typeof base) => setCorrection(d, { location: 'a' }, { role: 'assistant', content: 'x' }),
      (d: typeof base) => setCorrection(d, { location: 'a' }, { role: 'assistant', content: 'y' }),
      (d: typeof base) => clearCorrection(d, { location: 'a' }),
      (d: typeof base) => setReviewed(d, { location: 'a' }, false),
      (d: typeof base) => removeTag(d, { location: 'a', category: 'RSN.FACTUAL' }),
    ];
    const history: typeof base[] = [base];
    const inverses = [];
    let doc = base;
    for (const op of steps) {
      const r = op(doc);
      assert.equal(r.changed, true);
      inverses.push(r.inverse);
      doc = r.doc;
      history.push(doc);
    }
    // Undo everything, checking each intermediate state, then redo through the forward edits.
    for (let i = inverses.length - 1; i >= 0; i--) {
      const r = applyEdit(doc, inverses[i]);
      doc = r.doc;
      assert.deepEqual(doc, history[i]);
      assert.deepEqual(applyEdit(doc, r.inverse).doc, history[i + 1]);
    }
    assert.deepEqual(doc, base);
  });

  it('rejecting a finding remembers it as a rejected rule entry; confirming flips it', () => {
    const r1 = rejectFinding(base, finding).doc;
    assert.deepEqual(r1.errors, [{ location: 'tool-1', category: 'TOOL.RUNTIME', impact: 'HIGH', evidence: 'unknown city', source: 'rule', rule: 'tool-status-error', status: 'rejected' }]);
    const r2 = confirmFinding(r1, finding);
    assert.equal(r2.doc.errors.length, 1);
    assert.equal(r2.doc.errors[0].status, 'confirmed');
    assert.equal(confirmFinding(r2.doc, finding).changed, false);
  });

  it('adding the same tag twice does not duplicate it; no-ops report changed=false', () => {
    const d1 = addTag(base, { location: 'a', category: 'X' }).doc;
    const r = addTag(d1, { location: 'a', category: 'X' });
    assert.equal(r.changed, false);
    assert.equal(r.doc.errors.length, 1);
    assert.equal(removeTag(base, { location: 'zz', category: 'X' }).changed, false);
    assert.equal(setReviewed(base, { location: 'a' }, false).changed, false);
  });

  it('a stale edit fails loudly instead of corrupting the document', () => {
    const r = addTag(base, { location: 'a', category: 'X' });
    assert.throws(() => applyEdit(base, r.inverse), StaleEditError);
  });
});

describe('binding annotations to a trace', () => {
  const trace = loadTraceFile(SMALL).traces[0];

  it('keeps tags on steps that exist, reports the others and a sha256 mismatch, and drops nothing on save', () => {
    let doc = emptyDocument({ path: 'small.jsonl', sha256: 'not-the-same' });
    doc = addTag(doc, { location: 'llm-3', category: 'RSN.FABRICATED_ACTION' }).doc;
    doc = addTag(doc, { location: 'gone-step', category: 'TOOL.RUNTIME' }).doc;
    doc = setCorrection(doc, { location: 'gone-2' }, { role: 'assistant', content: 'x' }).doc;
    const b = bindAnnotations(doc, trace, 'small.jsonl.annotations.json');
    assert.ok(b.shaMismatch);
    assert.match(b.shaMismatch!.message, /different version of small\.jsonl/);
    assert.deepEqual([...b.tagsByStep.keys()], ['llm-3']);
    assert.deepEqual(b.orphans.map((o) => o.path), ['$.errors[1].location', '$.corrections[0].location']);
    assert.match(b.orphans[0].message, /"gone-step", which is not in this trace; kept in the file/);
    const again = parseSidecar(serializeSidecar(doc), 'f').doc;
    assert.equal(again.errors.length, 2);
    assert.equal(again.corrections.length, 1);
  });

  it('effective errors: human tags, proposed and confirmed findings count; rejected ones do not', () => {
    let doc = emptyDocument();
    doc = addTag(doc, { location: 'llm-3', category: 'RSN.FABRICATED_ACTION' }).doc;
    doc = rejectFinding(doc, { location: 'tool-2', category: 'TOOL.EMPTY_RESULT', rule: 'empty' }).doc;
    const findings = [
      { stepId: 'tool-1', category: 'TOOL.RUNTIME', rule: 'status' },
      { stepId: 'tool-2', category: 'TOOL.EMPTY_RESULT', rule: 'empty' },
    ];
    const eff = effectiveErrors(trace, bindAnnotations(doc, trace, 'f'), findings);
    assert.deepEqual([...eff.keys()].sort(), ['llm-3', 'tool-1']);
    assert.equal(eff.get('tool-1')![0].status, 'proposed');
    assert.equal(eff.get('llm-3')![0].origin, 'human');
  });
});

describe('TRAIL label files as sidecars', () => {
  it('loads a real TRAIL annotation file, keeping its TRAIL category names and scores', () => {
    const file = sharedPath('traces', 'trail', 'GAIA', 'annotations', '0ebe673d64647ec44c370638b82d3c78.json');
    const { doc, external, warnings } = readSidecar(file);
    assert.equal(external, true);
    assert.deepEqual(warnings, []);
    assert.equal(doc.errors.length, 1);
    assert.equal(doc.errors[0].location, '29f141a7c2556206');
    assert.equal(doc.errors[0].category, 'Instruction Non-compliance');
    assert.equal(doc.errors[0].impact, 'LOW');
    assert.equal(doc.errors[0].source, 'human');
    assert.equal(doc.errors[0].status, 'confirmed');
    assert.equal((doc.extra.scores as { overall: number }[])[0].overall, 4.25);
    assert.equal(doc.extra.trace_id, '0ebe673d64647ec44c370638b82d3c78');
  });

  it('keeps a category the taxonomy does not map as written', () => {
    const { doc } = parseSidecar(JSON.stringify({ errors: [{ category: 'Incorrect Memory Usage', location: 'abc', impact: 'LOW' }] }), 'f');
    assert.equal(doc.errors[0].category, 'Incorrect Memory Usage');
  });

  it('loads every TRAIL label file; the malformed one (a trailing comma) loads with a located warning', () => {
    const files = ['GAIA', 'SWE Bench'].flatMap((d) => readdirSync(sharedPath('traces', 'trail', d, 'annotations')).map((f) => sharedPath('traces', 'trail', d, 'annotations', f)));
    assert.equal(files.length, 9);
    let warned = 0;
    for (const f of files) {
      const r = readSidecar(f);
      assert.ok(r.doc.errors.length >= 0);
      if (r.warnings.length) {
        warned++;
        assert.match(f, /a96c6811716c0473b86a23321db79c34/);
        assert.ok(r.warnings[0].line! > 1);
        assert.match(r.warnings[0].message, /trailing comma/);
      }
    }
    assert.equal(warned, 1);
  });

  it('writes a TRAIL file loaded as a sidecar to our own sidecar, never over the label file', () => {
    const file = sharedPath('traces', 'trail', 'SWE Bench', 'annotations', '72822db6e120878d916b515c2501246b.json');
    const before = readFileSync(file, 'utf8');
    const { doc } = readSidecar(file);
    const dir = mkdtempSync(join(tmpdir(), 'atd-trail-'));
    const out = join(dir, 'x.json.annotations.json');
    saveSidecar(out, doc);
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(saved.errors[0].category, 'Formatting Errors');
    assert.equal(saved.scores[0].overall, 4.75);
    assert.equal(readFileSync(file, 'utf8'), before);
    writeFileSync(join(dir, 'unused'), '');
  });
});
