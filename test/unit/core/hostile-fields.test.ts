/**
 * Hostile field values found by fuzzing real traces: each used to throw a TypeError out of an
 * importer ("internal error"). Now each opens (the odd record skipped or read as empty) or is
 * refused with a located one-liner.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { analyzeBytes } from '../../../src/core/analyze';
import { formatProblem, isUserInputError } from '../../../src/core/util/problems';
import { sharedPath } from '../../support/shared';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Opens, or is refused as user input: never throws anything else. Returns the printed lines. */
function openOrRefuse(path: string, bytes: Uint8Array): { opened: boolean; lines: string[] } {
  try {
    const r = analyzeBytes(path, bytes);
    return { opened: true, lines: r.warnings.map(formatProblem) };
  } catch (e) {
    if (!isUserInputError(e)) throw e;
    return { opened: false, lines: e.problems.map(formatProblem) };
  }
}

/** Parse a shared trace, let `edit` change it, and return it as bytes. */
function editShared(rel: string, edit: (doc: any) => void): Uint8Array { // eslint-disable-line @typescript-eslint/no-explicit-any
  const doc = JSON.parse(readFileSync(sharedPath('traces', rel), 'utf8'));
  edit(doc);
  return enc(JSON.stringify(doc));
}

describe('hostile field values', () => {
  for (const [rel, spans] of [
    ['openai-agents-sdk-traces/otel_traces_2025-06-29_00-23-24.json', (d: any) => d.spans], // eslint-disable-line @typescript-eslint/no-explicit-any
    ['any-agent-genai-spans/SMOLAGENTS_trace.json', (d: any) => d.spans], // eslint-disable-line @typescript-eslint/no-explicit-any
  ] as const) {
    it(`opens ${rel} when a later span's context is null or missing`, () => {
      const bytes = editShared(rel, (doc) => { spans(doc)[1].context = null; delete spans(doc)[2].context; });
      const r = openOrRefuse(rel, bytes);
      assert.ok(r.opened, r.lines.join('\n'));
    });
  }

  it('names the trace file in a who-and-when label warning, and quotes the odd value briefly', () => {
    const r = openOrRefuse('ww.json', enc(JSON.stringify({ history: [{ role: 'a', content: 'x' }], mistake_step: 'x'.repeat(5000), mistake_agent: 'a' })));
    assert.ok(r.opened);
    for (const line of r.lines) {
      assert.match(line, /^ww\.json/);
      assert.ok(line.length < 300, `${line.length} characters: ${line.slice(0, 200)}`);
    }
  });

  it('names the trace file when a who-and-when mistake_step is past the end', () => {
    const r = openOrRefuse('ww.json', enc(JSON.stringify({ history: [{ role: 'a', content: 'x' }], mistake_step: '7', mistake_agent: 'a' })));
    assert.deepEqual(r.lines.filter((l) => /points at step/.test(l)).map((l) => l.split(':')[0]), ['ww.json']);
  });
});
