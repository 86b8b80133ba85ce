/**
 * Streaming import of Inspect AI `.json` eval logs (src/core/engine/stream/inspect-stream.ts): for
 * every `.json` log of ../shared/traces/inspect-ai (read in place), the streamed import equals the
 * whole-file import: one trace per sample, steps, ids, locations, labels (scores), warnings and the
 * detectors' findings; so do hand-written logs: no samples, samples written before the header, a
 * sample that is not an object, a sample with messages and an error but no events. A document
 * that is not an eval log is refused with the whole import's words. Through `loadTraceFile`, a log
 * over the (injected) size threshold takes the streaming path.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeLoaded } from '../../../src/core/analyze';
import { isEvalArchive, loadInspectJsonStream, looksLikeInspectJsonDocument, readEvalSamples } from '../../../src/core/engine/stream/inspect-stream';
import { SourceFile } from '../../../src/core/json/source-file';
import { loadTraceFile, type LoadResult } from '../../../src/core/load';
import { sharedPath } from '../../support/shared';
import { refusal } from '../../support/refusal';

const dir = mkdtempSync(join(tmpdir(), 'atd-inspect-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function writeTemp(value: unknown): string {
  const p = join(dir, `${fileNo++}-log.json`);
  writeFileSync(p, JSON.stringify(value, null, 2));
  return p;
}

/** The streamed import (direct, in small chunks, and through loadTraceFile) equals the whole one, findings included. */
function assertStreamEqualsWhole(path: string, chunkSize = 4093): LoadResult {
  const whole = loadTraceFile(path);
  assert.equal(whole.format, 'inspect-ai');
  assert.equal(looksLikeInspectJsonDocument(path), true);
  const streamed = loadInspectJsonStream(path, { chunkSize });
  assert.ok(streamed);
  assert.deepEqual(streamed, whole);
  assert.deepEqual(analyzeLoaded(streamed).analyses.map((a) => a.findings), analyzeLoaded(whole).analyses.map((a) => a.findings));
  const progress: number[] = [];
  assert.deepEqual(loadTraceFile(path, { streamAbove: 0, onStreamProgress: (b) => progress.push(b) }), whole);
  assert.ok(progress.length > 0, 'took the streaming path');
  return streamed;
}

const EVAL = { task: 'arith', model: 'openai/gpt-4o', run_id: 'r1' };
const modelEvent = (text: string): Record<string, unknown> => ({
  event: 'model', timestamp: '2025-05-12T20:27:36.000Z', model: 'openai/gpt-4o', input: [{ role: 'user', content: text }], tools: [],
  output: { choices: [{ message: { role: 'assistant', content: `answer to ${text}` }, stop_reason: 'stop' }], usage: { input_tokens: 5, output_tokens: 3 } },
});

describe('streaming Inspect AI .json import', () => {
  describe('every .json log of ../shared/traces/inspect-ai', () => {
    const d = sharedPath('traces', 'inspect-ai');
    const files = readdirSync(d).filter((n) => n.endsWith('.json')).sort().map((n) => join(d, n));
    it('finds the corpus files', () => assert.ok(files.length >= 5, `${files.length} files`));
    for (const p of files) it(p.slice(sharedPath('traces').length + 1), () => { assertStreamEqualsWhole(p); });
  });

  describe('every .eval log of ../shared/traces/inspect-ai, and one cut before its central directory, sample by sample', () => {
    const d = sharedPath('traces', 'inspect-ai');
    const files = readdirSync(d).filter((n) => n.endsWith('.eval')).sort().map((n) => join(d, n));
    it('finds the corpus files', () => assert.ok(files.length >= 3, `${files.length} files`));
    for (const p of files) {
      it(p.slice(sharedPath('traces').length + 1), () => {
        const bytes = readFileSync(p);
        const cut = join(dir, `${fileNo++}-cut.eval`);
        writeFileSync(cut, bytes.subarray(0, bytes.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1'))));
        for (const path of [p, cut]) {
          const file = new SourceFile(path, readFileSync(path));
          assert.equal(isEvalArchive(file), true);
          const handed: number[] = [];
          const streamed = readEvalSamples(file, { onTrace: ({ run, byte, size }) => { handed.push(run); assert.ok(byte <= size); } });
          const whole = loadTraceFile(path);
          assert.deepEqual(streamed, whole);
          assert.deepEqual(handed, whole.traces.map((_, i) => i), 'each sample handed over once, in order');
        }
        assert.ok(loadTraceFile(cut).warnings.some((w) => w.message.includes('no central directory')));
      });
    }
  });

  it('a log without samples opens as its header step', () => {
    const r = assertStreamEqualsWhole(writeTemp({ version: 2, status: 'cancelled', eval: EVAL, stats: { started_at: '2025-05-12T20:27:36Z' }, error: { message: 'stopped', traceback: 'tb' } }));
    assert.equal(r.traces.length, 1);
    assert.equal(r.traces[0].steps[0].name, 'eval');
  });

  it('samples written before the header, a sample that is not an object, a sample with messages and an error but no events', () => {
    const log = {
      version: 2,
      samples: [
        { id: 1, epoch: 1, input: 'one', target: '1', events: [modelEvent('one'), { event: 'score', score: { value: 'C' } }], scores: { match: { value: 'C', answer: '1' } } },
        'broken',
        { id: 'three', epoch: 2, input: 'three', messages: [{ role: 'user', content: 'three' }, { role: 'assistant', content: 'no idea' }], error: { message: 'crashed', traceback: 'Traceback...' } },
      ],
      status: 'error',
      eval: EVAL,
      error: { message: 'late header error' },
    };
    const r = assertStreamEqualsWhole(writeTemp(log), 61);
    assert.equal(r.traces.length, 3);
    assert.deepEqual(r.warnings.map((w) => w.message), ['sample 2 is not an object; shown as an empty trace', 'trace 2 of 3 ("arith sample 2") has no steps (nothing to show)']);
    assert.ok(r.traces.every((t) => t.metadata.logStatus === 'error' && (t.metadata.logError as { message: string }).message === 'late header error'));
    assert.ok(r.traces[2].steps.some((s) => s.status === 'error' && s.location));
  });

  it('refuses a document that is not an eval log as the whole import does', () => {
    const p = writeTemp({ version: 2, eval: { model: 'no task' }, samples: 'none' });
    assert.deepEqual(refusal(() => loadInspectJsonStream(p)), refusal(() => loadTraceFile(p, { format: 'inspect-ai' })));
  });
});
