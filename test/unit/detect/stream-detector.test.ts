/**
 * StreamDetector (src/core/detect/detect.ts): the detectors over a run that arrives in batches.
 * Asked after any batch, it answers what `detect` answers for the steps so far, and asking does not
 * change what later batches give; at the end it equals `detect` of the whole run. Checked on real
 * traces of several sources (both attribution modes) and on generated runs, split at random. A copy
 * goes on from the same steps independently of the original.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { detect, StreamDetector, type DetectOptions, type Finding } from '../../../src/core/detect';
import { loadTraceFile } from '../../../src/core/load';
import type { Trace } from '../../../src/core/model/schema';
import { generateTraceModel } from '../../support/generate-traces';
import { llmCall, llmSays, toolStep, trace as traceOf } from './build';

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

  it('a copy goes on independently: each gives detect of the steps it was given, whatever the other was given (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 5, max: 150 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 6 }), fc.nat(150), fc.boolean(), fc.boolean(),
      (steps, failEvery, fanout, at, observation, copyFirst) => {
        const options: DetectOptions = { attribution: observation ? 'observation' : 'cause' };
        const run = generateTraceModel({ steps, fanout, failEvery });
        // Another tail after the same first steps (a live trace's steps replaced from `cut` on).
        const other = generateTraceModel({ steps: steps + 20, fanout: fanout + 1, failEvery: Math.max(2, failEvery - 1) });
        const cut = at % (run.steps.length + 1);
        const replaced = { ...run, steps: [...run.steps.slice(0, cut), ...other.steps.slice(cut)] };
        const original = new StreamDetector(run, options);
        original.add(run.steps.slice(0, cut));
        original.findings();
        const copy = original.copy();
        const feed = [(): void => original.add(replaced.steps.slice(cut)), (): void => copy.add(run.steps.slice(cut))];
        if (copyFirst) feed.reverse();
        for (const f of feed) {
          f();
          // Asked in between: asking changes nothing later, in either.
          original.findings();
          copy.findings();
        }
        assert.deepEqual(copy.findings(), detect(run, options), `the copy at ${cut} of ${run.steps.length}`);
        assert.deepEqual(original.findings(), detect(replaced, options), 'the original, given other steps');
      },
    ), { numRuns: 80 });
  });

  it('a copy keeps its findings where the original moves its own (observation mode, a failure seen after the copy)', () => {
    const options: DetectOptions = { attribution: 'observation' };
    const failed = { status: 'error' as const, error: { message: "got an unexpected keyword argument 'page_down'", type: 'TypeError' } };
    const first = [llmCall('m1', 'page_down', { page_down: '' }), toolStep('t1', 'page_down', { page_down: '' }, failed)];
    const seenBy = (id: string) => traceOf([...first, llmSays(id, `${id}: sorry, wrong arguments.`)]);
    const original = new StreamDetector(seenBy('m2'), options);
    original.add(seenBy('m2').steps.slice(0, 2));
    const copy = original.copy();
    // The original's observer moves the model's finding to itself.
    original.add(seenBy('m2').steps.slice(2));
    copy.add(seenBy('m3').steps.slice(2));
    assert.deepEqual(original.findings(), detect(seenBy('m2'), options));
    assert.deepEqual(copy.findings(), detect(seenBy('m3'), options));
    assert.ok(copy.findings().some((f) => f.stepId === 'm3'), 'the copy moved its own finding to its observer');
  });

  it('a finding asked for before its observer came is shown on the observer afterwards (observation mode)', () => {
    const options: DetectOptions = { attribution: 'observation' };
    const failed = { status: 'error' as const, error: { message: "got an unexpected keyword argument 'page_down'", type: 'TypeError' } };
    const run = traceOf([llmCall('m1', 'page_down', { page_down: '' }), toolStep('t1', 'page_down', { page_down: '' }, failed), llmSays('m2', 'm2: sorry, wrong arguments.')]);
    const stream = new StreamDetector(run, options);
    stream.add(run.steps.slice(0, 2));
    // Collected while the model's finding is still on m1, before the tool's.
    assert.deepEqual(stream.findings(), detect({ ...run, steps: run.steps.slice(0, 2) }, options));
    stream.add(run.steps.slice(2));
    const after = stream.findings();
    assert.deepEqual(after, detect(run, options));
    assert.ok(after.findIndex((f) => f.stepId === 'm2') > after.findIndex((f) => f.stepId === 't1'), 'the moved finding comes after the tool step\'s, in decision order');
  });

  it('a copy made after a call repeated still reports the loop at the end', () => {
    const run = traceOf([
      llmCall('m1', 'search', { q: 'x' }), toolStep('t1', 'search', { q: 'x' }),
      llmCall('m2', 'search', { q: 'x' }), toolStep('t2', 'search', { q: 'x' }),
      llmSays('m3', 'Nothing found.'),
    ]);
    const original = new StreamDetector(run);
    original.add(run.steps.slice(0, 4));
    const copy = original.copy();
    copy.add(run.steps.slice(4));
    const found = copy.findings();
    assert.deepEqual(found, detect(run));
    assert.ok(found.some((f) => f.rule === 'repeat-loop' && f.stepId === 't2'), 'the loop is reported on its last call');
  });

  it('a copy made after the workspace changed reports the loop before the change, and counts the calls after it afresh', () => {
    const loopBefore = [
      llmCall('m1', 'search', { q: 'x' }), toolStep('t1', 'search', { q: 'x' }),
      llmCall('m2', 'search', { q: 'x' }), toolStep('t2', 'search', { q: 'x' }),
      llmCall('m3', 'write_file', { path: 'a.py', content: 'x = 1' }), toolStep('t3', 'write_file', { path: 'a.py', content: 'x = 1' }),
    ];
    // The same call once after the edit (no loop), and another call twice (a loop of the new version).
    const once = traceOf([...loopBefore, llmCall('m4', 'search', { q: 'x' }), toolStep('t4', 'search', { q: 'x' }), llmSays('m5', 'Done.')]);
    const twice = traceOf([...loopBefore, llmCall('m4', 'search', { q: 'y' }), toolStep('t4', 'search', { q: 'y' }),
      llmCall('m5', 'search', { q: 'y' }), toolStep('t5', 'search', { q: 'y' }), llmSays('m6', 'Done.')]);
    const original = new StreamDetector(once);
    original.add(once.steps.slice(0, loopBefore.length));
    const copy = original.copy();
    original.add(once.steps.slice(loopBefore.length));
    copy.add(twice.steps.slice(loopBefore.length));
    const loops = (findings: Finding[]): string[] => findings.filter((f) => f.rule === 'repeat-loop').map((f) => f.stepId).sort();
    assert.deepEqual(original.findings(), detect(once));
    assert.deepEqual(copy.findings(), detect(twice));
    assert.deepEqual(loops(original.findings()), ['t2'], 'the loop before the edit, and no loop of the call made again after it');
    assert.deepEqual(loops(copy.findings()), ['t2', 't5'], 'the loop before the edit, and the new one after it');
  });

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
