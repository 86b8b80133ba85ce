/**
 * Streaming import of TRAIL span trees (src/core/engine/stream/trail-stream.ts): for every TRAIL
 * trace of ../shared/traces (read in place, with its labels from ../annotations), the streamed
 * import equals the whole-file import: trace, steps in decision order, ids, locations, labels,
 * warnings and the detectors' findings; so do a generated tree and hand-written trees with spans
 * that name no parent, a span that is not an object and child spans that are not a list. Through
 * `loadTraceFile`, a span tree over the (injected) size threshold takes the streaming path.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { analyzeLoaded } from '../../../src/core/analyze';
import { loadTrailStream, looksLikeTrailDocument } from '../../../src/core/engine/stream/trail-stream';
import { loadTraceFile, type LoadResult } from '../../../src/core/load';
import { benchTraceText } from '../../support/bench-traces';
import { sharedPath } from '../../support/shared';

const dir = mkdtempSync(join(tmpdir(), 'atd-trail-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
/** A trace file in its own `traces/` folder (no `../annotations` beside it). */
function writeTemp(content: string): string {
  const d = join(dir, String(fileNo++), 'traces');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'trace.json'), content);
  return join(d, 'trace.json');
}

function readSiblingOf(path: string): (rel: string) => Uint8Array | undefined {
  return (rel) => {
    const p = resolve(dirname(path), rel);
    return existsSync(p) ? readFileSync(p) : undefined;
  };
}

/** The streamed import (direct, in small chunks, and through loadTraceFile) equals the whole one, findings included. */
function assertStreamEqualsWhole(path: string, chunkSize = 4093): LoadResult {
  const whole = loadTraceFile(path);
  assert.equal(whole.format, 'trail');
  assert.equal(looksLikeTrailDocument(path), true);
  const streamed = loadTrailStream(path, { chunkSize, readSibling: readSiblingOf(path) });
  assert.ok(streamed);
  assert.deepEqual(streamed, whole);
  assert.deepEqual(analyzeLoaded(streamed).analyses.map((a) => a.findings), analyzeLoaded(whole).analyses.map((a) => a.findings));
  const progress: number[] = [];
  assert.deepEqual(loadTraceFile(path, { streamAbove: 0, onStreamProgress: (b) => progress.push(b) }), whole);
  assert.ok(progress.length > 0, 'took the streaming path');
  return streamed;
}

describe('streaming TRAIL span tree import', () => {
  describe('every TRAIL trace of ../shared/traces, with its labels', () => {
    const files: string[] = [];
    for (const set of ['GAIA', 'SWE Bench']) {
      const d = sharedPath('traces', 'trail', set, 'traces');
      for (const name of readdirSync(d).sort()) files.push(join(d, name));
    }
    it('finds the corpus files', () => assert.ok(files.length >= 9, `${files.length} files`));
    for (const p of files) {
      it(p.slice(sharedPath('traces').length + 1), () => {
        const r = assertStreamEqualsWhole(p);
        assert.ok(r.traces[0].steps.every((s) => s.location && s.location.line > 1));
      });
    }
    it('labels come along (the corpus has labelled traces)', () => {
      assert.ok(files.some((p) => loadTrailStream(p, { readSibling: readSiblingOf(p) })!.traces[0].labels.length > 0));
    });
  });

  it('a generated tree (OpenInference attributes, failures, multi-byte text)', () => {
    const r = assertStreamEqualsWhole(writeTemp(benchTraceText('trail', 300)), 65536);
    assert.equal(r.traces[0].steps.length, 300);
  });

  it('spans that name no parent hang under the span around them; non-object spans are warned about; child spans that are not a list are left out', () => {
    const tree = {
      trace_id: 'tt',
      spans: [
        {
          span_id: 'root', span_name: 'main', timestamp: '2025-03-19T16:40:46.830526Z', duration: 'PT3S', status_code: 'Unset',
          child_spans: [
            { span_id: 'c1', span_name: 'first', timestamp: '2025-03-19T16:40:47Z', child_spans: [{ span_id: 'g1', span_name: 'grandchild', status_code: 'Error', status_message: 'boom' }] },
            7,
            { span_id: 'c2', parent_span_id: 'root', span_name: 'second', logs: [{ body: { 'function.arguments': { a: 1 }, 'function.output': 'done' } }], child_spans: { x: { span_id: 'hidden' } } },
          ],
        },
        { span_id: 'other', span_name: 'second root', child_spans: [] },
      ],
    };
    for (const text of [JSON.stringify(tree), JSON.stringify(tree, null, 2).replace(/\n/g, '\r\n')]) {
      const r = assertStreamEqualsWhole(writeTemp(text), 31);
      assert.deepEqual(r.traces[0].steps.map((s) => [s.id, s.parentId]), [['root', null], ['c1', 'root'], ['g1', 'c1'], ['c2', 'root'], ['other', null]]);
      assert.deepEqual(r.warnings.map((w) => w.message), ['span is not an object; skipped']);
    }
  });

  it('a span tree nested 200 deep', () => {
    let span: Record<string, unknown> = { span_id: 'leaf', span_name: 'leaf' };
    for (let d = 199; d >= 0; d--) span = { span_id: `s${d}`, span_name: `depth ${d}`, child_spans: [span] };
    const r = assertStreamEqualsWhole(writeTemp(JSON.stringify({ trace_id: 'deep', spans: [span] })));
    assert.equal(r.traces[0].steps.length, 201);
    assert.equal(r.traces[0].steps[200].depth, 200);
  });
});
