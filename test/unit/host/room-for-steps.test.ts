/**
 * The host makes room in a run's list of steps for all of them at once when the worker says how
 * many there are (`runSteps`: a run ordered after a first pass, or loaded whole). From how far the
 * read is it cannot tell them: the steps of a run read in two passes fill the second half of the
 * reading bar, so the number told from it rose with every batch, and each rise made room in the
 * whole list again (at 10^6 OTLP spans written children first: 62 turns, 1.7 s of the host's
 * thread under a profiler).
 */
import { strict as assert } from 'node:assert';
import type { Step } from '../../../src/core/model/schema';
import type { DocumentEvent, RunHeader } from '../../../src/core/engine/worker/document-load';
import { expectedLengthOf } from '../../../src/core/util/array-room';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { benchTraceText } from '../../support/bench-traces';

const RUN_STEPS = 200_000;
const BATCH = 20_000;
const BYTES = 1 << 30;

/** A bench run's steps and header, its steps repeated (with ids of their own) up to `count`. */
function runOf(count: number): { header: RunHeader; steps: Step[] } {
  const whole = TraceFile.fromBytes('/virtual/room.trace.jsonl', Buffer.from(benchTraceText('jsonl', 200, 3)), { taxonomy: DEFAULT_TAXONOMY });
  const trace = whole.traces[0];
  const steps = Array.from({ length: count }, (_, i) => ({ ...trace.steps[i % trace.steps.length], id: `s${i}`, parentId: null, depth: 0, index: i }));
  return { header: { ...trace, steps: [] }, steps };
}

/** The lengths the run's list of steps was expected to reach after each batch, sent as the second pass of a two-pass read sends them. */
function expectationsWhileSent(runSteps: number | undefined): (number | undefined)[] {
  const { header, steps } = runOf(RUN_STEPS);
  const file = TraceFile.opening('/virtual/room.json', { taxonomy: DEFAULT_TAXONOMY });
  const seen: (number | undefined)[] = [];
  for (let from = 0; from < RUN_STEPS; from += BATCH) {
    const to = from + BATCH;
    const e: DocumentEvent = {
      kind: 'steps', run: 0, steps: steps.slice(from, to), totalBytes: BYTES,
      // The first pass filled the bar's first half; the steps fill the second.
      bytesRead: BYTES / 2 + Math.floor((BYTES / 2) * (to / RUN_STEPS)),
      ...(from === 0 ? { header } : {}), ...(runSteps !== undefined ? { runSteps } : {}),
    };
    file.applyLoadEvent(e);
    seen.push(expectedLengthOf(file.traces[0].steps));
  }
  return seen;
}

describe('editor: room for a run\'s steps', () => {
  it('told how many steps a run has, the host expects that many once the run has 65,536, and only that', () => {
    const seen = expectationsWhileSent(RUN_STEPS);
    // Not among the run's first batches, which come with its first rows (20,000 steps a batch here).
    assert.deepEqual(seen, [undefined, undefined, undefined, ...Array.from({ length: RUN_STEPS / BATCH - 3 }, () => RUN_STEPS)]);
  });

  it('not told, the number it reads from the bar rises batch after batch (why the worker tells it)', () => {
    const seen = expectationsWhileSent(undefined);
    const rises = new Set(seen.filter((n) => n !== undefined)).size;
    assert.ok(rises >= 3, `expected lengths: ${seen.join(', ')}`);
  });
});
