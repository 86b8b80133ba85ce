import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  addTag, bindAnnotations, categoryIn, effectiveErrors, emptyDocument, exportCategory, parseSidecar, readSidecar, serializeSidecar, type AnnotationDocument,
} from '../../../src/core/annotations';
import { loadTraceFile } from '../../../src/core/load';
import { DEFAULT_TAXONOMY, MAST_TAXONOMY, parseTaxonomyFile, TRAIL_TAXONOMY } from '../../../src/core/taxonomy';

const SMALL = join(resolve(__dirname, '../../fixtures'), 'export/small.jsonl');
import { sharedPath } from '../../support/shared';

/** A sidecar as this extension writes it, with tags made under TRAIL and MAST. */
function taggedUnder(): AnnotationDocument {
  let doc = emptyDocument({ path: 'run.json', sha256: 'abc' });
  for (const category of ['Tool-related', 'Formatting Errors', 'Context Handling Failures']) {
    doc = addTag(doc, { location: 's1', category, taxonomy: 'trail', impact: 'HIGH' }).doc;
  }
  doc = addTag(doc, { location: 's2', category: 'FM-1.3', taxonomy: 'mast', impact: 'MEDIUM' }).doc;
  return doc;
}

describe('tag categories keep what the user chose', () => {
  it('a sidecar with TRAIL and MAST tags reads back with the same categories and saves back byte for byte', () => {
    const text = serializeSidecar(taggedUnder());
    const back = parseSidecar(text, 'run.json.annotations.json').doc;
    assert.deepEqual(back.errors.map((e) => [e.category, e.taxonomy]), [
      ['Tool-related', 'trail'], ['Formatting Errors', 'trail'], ['Context Handling Failures', 'trail'], ['FM-1.3', 'mast'],
    ]);
    assert.equal(serializeSidecar(back), text);
  });

  it('a loaded file is written back as it was: key order, unknown keys, categories in any spelling', () => {
    const text = `${JSON.stringify({
      version: 1,
      trace: { path: 'run.json', sha256: 'abc' },
      errors: [
        { category: 'Tool-related', location: 's1', impact: 'LOW', source: 'human', status: 'confirmed', reviewer: 'ana' },
        { location: 's2', status: 'confirmed', source: 'human', category: 'tool related' },
        { location: 's3', category: 'Step repetition', source: 'human', status: 'confirmed' },
      ],
      corrections: [{ location: 's1', note: 'kept', output: { role: 'assistant', content: 'x' } }],
      reviewed: ['s1'],
      scores: [{ overall: 3 }],
    }, null, 2)}\n`;
    const doc = parseSidecar(text, 'f').doc;
    assert.deepEqual(doc.errors.map((e) => e.category), ['Tool-related', 'tool related', 'Step repetition']);
    assert.equal(serializeSidecar(doc), text);
  });

  it('a TRAIL label file keeps its TRAIL names (shown under TRAIL as written, exported as default ids)', () => {
    const file = sharedPath('traces', 'trail', 'GAIA', 'annotations', '0ebe673d64647ec44c370638b82d3c78.json');
    const { doc } = readSidecar(file);
    assert.equal(doc.errors[0].category, 'Instruction Non-compliance');
    assert.equal(categoryIn(doc.errors[0], TRAIL_TAXONOMY), 'Instruction Non-compliance');
    assert.equal(categoryIn(doc.errors[0], DEFAULT_TAXONOMY), 'OUT.INSTRUCTION');
    assert.equal(exportCategory(doc.errors[0]), 'OUT.INSTRUCTION');
    // Saved as our sidecar, the names are still TRAIL's (the label file itself is never written).
    const saved = JSON.parse(serializeSidecar(doc));
    assert.equal(saved.errors[0].category, 'Instruction Non-compliance');
    assert.equal(saved.scores[0].overall, 4.25);
    assert.ok(readFileSync(file, 'utf8').includes('"Instruction Non-compliance"'));
  });

  it('shows a tag in the taxonomy in use and maps it only for display and export', () => {
    const cases: [Parameters<typeof categoryIn>[0], string, string, string][] = [
      // tag, under default, under TRAIL, under MAST
      [{ category: 'Tool-related', taxonomy: 'trail' }, 'TOOL.UNKNOWN', 'Tool-related', 'FM-2.6'],
      [{ category: 'Formatting Errors', taxonomy: 'trail' }, 'TOOL.ARGS_INVALID', 'Formatting Errors', 'Formatting Errors'],
      [{ category: 'Context Handling Failures', taxonomy: 'trail' }, 'RSN.CONTEXT_LOSS', 'Context Handling Failures', 'FM-1.4'],
      [{ category: 'FM-1.3', taxonomy: 'mast' }, 'ORCH.REPEAT_LOOP', 'Resource Abuse', 'FM-1.3'],
      [{ category: 'TOOL.TIMEOUT', taxonomy: 'default' }, 'TOOL.TIMEOUT', 'Timeout Issues', 'TOOL.TIMEOUT'],
      // Sidecars of earlier versions: the TRAIL name was rewritten to a default id and kept in `trail`.
      [{ category: 'TOOL.UNKNOWN', trail: 'Tool-related' }, 'TOOL.UNKNOWN', 'Tool-related', 'FM-2.6'],
      [{ category: 'Incorrect Memory Usage' }, 'Incorrect Memory Usage', 'Incorrect Memory Usage', 'Incorrect Memory Usage'],
      [{ category: 'made-up' }, 'made-up', 'made-up', 'made-up'],
    ];
    for (const [tag, def, trail, mast] of cases) {
      assert.deepEqual([categoryIn(tag, DEFAULT_TAXONOMY), categoryIn(tag, TRAIL_TAXONOMY), categoryIn(tag, MAST_TAXONOMY)], [def, trail, mast], JSON.stringify(tag));
    }
  });

  it('a taxonomy file\'s own category exports as the default id it maps from, given that taxonomy', () => {
    const acme = parseTaxonomyFile('acme.json', JSON.stringify({ id: 'acme', name: 'ACME', categories: [
      { id: 'CRASH', name: 'Tool crashed', definition: 'A tool crashed.', mapsFrom: ['TOOL.RUNTIME'] },
    ] }));
    const tag = { category: 'CRASH', taxonomy: 'acme' };
    assert.equal(exportCategory(tag, acme), 'TOOL.RUNTIME');
    assert.equal(categoryIn(tag, acme), 'CRASH');
    assert.equal(categoryIn(tag, TRAIL_TAXONOMY), 'CRASH', 'shown as written where the taxonomy is not loaded');
    const doc = addTag(emptyDocument(), { location: 'llm-3', ...tag }).doc;
    const trace = loadTraceFile(SMALL).traces[0];
    const eff = effectiveErrors(trace, bindAnnotations(doc, trace, 'f'), [], { taxonomy: acme });
    assert.deepEqual(eff.get('llm-3')!.map((t) => t.category), ['TOOL.RUNTIME']);
  });

  it('re-tagging a category the step has updates that tag, keeping its stored category', () => {
    let doc = emptyDocument();
    doc = addTag(doc, { location: 's1', category: 'Tool-related', taxonomy: 'trail', impact: 'HIGH' }).doc;
    const again = addTag(doc, { location: 's1', category: 'Tool-related', taxonomy: 'trail', impact: 'HIGH' });
    assert.equal(again.changed, false);
    // An older sidecar's tag is found through `sameCategory` and keeps its stored category.
    let old = parseSidecar(JSON.stringify({ version: 1, errors: [{ location: 's1', category: 'TOOL.UNKNOWN', trail: 'Tool-related', source: 'human', status: 'confirmed' }] }), 'f').doc;
    old = addTag(old, { location: 's1', category: 'Tool-related', taxonomy: 'trail', impact: 'LOW' }, { sameCategory: (t) => categoryIn(t, TRAIL_TAXONOMY) === 'Tool-related' }).doc;
    assert.equal(old.errors.length, 1);
    assert.deepEqual([old.errors[0].category, old.errors[0].trail, old.errors[0].impact], ['TOOL.UNKNOWN', 'Tool-related', 'LOW']);
  });
});

describe('unknown sidecar keys with names of Object.prototype members', () => {
  const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__proto__'];

  it('are kept on save, at the top level and inside entries, without touching any prototype', () => {
    const members = NAMES.map((k, i) => `"${k}": {"n": ${i}, "polluted": true}`).join(', ');
    const text = `{"version": 1, ${members}, "errors": [{"location": "s1", "category": "TOOL.RUNTIME", "source": "human", "status": "confirmed", ${members}}], "corrections": [], "reviewed": []}`;
    const { doc } = parseSidecar(text, 'f');
    const saved = JSON.parse(serializeSidecar(doc), (_k, v) => v) as Record<string, unknown>;
    const own = (o: unknown, k: string): unknown => Object.getOwnPropertyDescriptor(o, k)?.value;
    // JSON.parse keeps "__proto__" as an own key, so own() sees every one of them.
    for (const [i, k] of NAMES.entries()) {
      assert.deepEqual(own(saved, k), { n: i, polluted: true }, `top-level ${k}`);
      assert.deepEqual(own((saved.errors as unknown[])[0], k), { n: i, polluted: true }, `errors[0].${k}`);
    }
    assert.equal(Object.getPrototypeOf(doc.extra), Object.prototype);
    assert.equal(Object.getPrototypeOf(doc.errors[0]), Object.prototype);
    assert.equal((({}) as Record<string, unknown>).polluted, undefined);
    assert.equal(typeof doc.errors[0].category, 'string');
    // A second round trip is byte-stable.
    const once = serializeSidecar(doc);
    assert.equal(serializeSidecar(parseSidecar(once, 'f').doc), once);
  });

  it('a "__proto__" key cannot supply the version or the lists', () => {
    const { doc } = parseSidecar('{"__proto__": {"version": 2, "errors": [{"location": "x", "category": "Y"}]}}', 'f');
    assert.equal(doc.errors.length, 0);
    assert.ok(Object.getOwnPropertyDescriptor(doc.extra, '__proto__'));
  });
});
