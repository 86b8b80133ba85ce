/**
 * StreamDetector (src/core/detect/detect.ts): the detectors over a run that arrives in batches.
 * Asked after any batch, it answers what `detect` answers for the steps so far, and asking does not
 * change what later batches give; at the end it equals `detect` of the whole run. Checked on real
 * traces of several sources (both attribution modes) and on generated runs, split at random.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { detect, StreamDetector, type DetectOptions } from '../../../src/core/detect';
import { loadTraceFile } from '../../../src/core/load';
import type { Trace } from '../../../src/core/model/schema';
import { generateTraceModel } from '../../support/generate-traces';

const SHARED = join(__dirname, '..', '..', '..', '..', 'shared', 'traces');

/** A few real files of each of these sources (the smallest, so the test stays quick). */
function realTraces(): { name: string; trace: Trace }[] {
  const out: { name: string; trace: Trace }[] = [];
  for (const [folder, take] of [['trail/GAIA/traces', 3], ['tau-bench', 2], ['swe-agent', 2], ['who-and-when', 2], ['langfuse', 1], ['mini-swe-agent', 1], ['claude-code', 2], ['codex-cli', 2]] as const) {
    const dir = join(SHARED, folder);
    const files = readdirSync(dir, { recursive: true }).map(String).map((f) => join(dir, f))
      .filter((f) => statSync(f).isFile() && !/README|\.md$|\.tsv$|annotations\.json$/i.test(f))
      .sort((a, b) => statSync(a).size - statSync(b).size);
    let taken = 0;
    for (const f of files) {
      if (taken >= take) break;
      try {
        const { traces } = loadTraceFile(f);
        const trace = traces.find((t) => t.steps.length > 1);
        if (trace) { out.push({ name: `${folder}/${f.slice(dir.length + 1)}`, trace }); taken++; }
      } catch {
        // Not a trace (a label file): the next one.
      }
    }
    assert.ok(taken > 0, `no trace read from ${dir}`);
  }
  return out;
}

/** Feeds the run in batches cut at `cuts`, comparing each answer with `detect` of the steps so far. */
function checkSplit(trace: Trace, options: DetectOptions, cuts: number[]): void {
  const stream = new StreamDetector(trace, options);
  let from = 0;
  for (const cut of [...cuts, trace.steps.length]) {
    const to = Math.min(Math.max(cut, from), trace.steps.length);
    stream.add(trace.steps.slice(from, to));
    from = to;
    const prefix = { ...trace, steps: trace.steps.slice(0, to) };
    assert.deepEqual(stream.findings(), detect(prefix, options), `after ${to} of ${trace.steps.length} steps`);
  }
  assert.equal(stream.steps, trace.steps.length);
  assert.deepEqual(stream.findings(), detect(trace, options), 'the whole run');
}

describe('StreamDetector: detection over a run read in batches', function () {
  this.timeout(120_000);
  let real: { name: string; trace: Trace }[] = [];
  before(() => { real = realTraces(); });

  for (const attribution of ['cause', 'observation'] as const) {
    it(`real traces (${attribution} attribution): every prefix answers as detect, asking changes nothing later`, () => {
      for (const { name, trace } of real) {
        const n = trace.steps.length;
        // Every step one by one for short runs; otherwise a cut every few steps.
        const every = Math.max(1, Math.floor(n / 60));
        const cuts = Array.from({ length: Math.floor(n / every) }, (_, i) => (i + 1) * every);
        try {
          checkSplit(trace, { attribution }, cuts);
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message}`, { cause: e });
        }
      }
    });
  }

  it('generated runs with failures, loops and nesting, cut at random (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 5, max: 200 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 6 }), fc.array(fc.nat(200), { maxLength: 8 }), fc.boolean(),
      (steps, failEvery, fanout, cuts, observation) => {
        const trace = generateTraceModel({ steps, fanout, failEvery });
        checkSplit(trace, { attribution: observation ? 'observation' : 'cause' }, cuts.sort((a, b) => a - b));
      },
    ), { numRuns: 60 });
  });
});
