/**
 * A step is addressed by its run and its id, never by its id alone: derived step ids come from
 * the step's content (src/core/engine/step-ids.ts), so the runs of one file share them. In
 * tau-bench's few-shot file, 19 runs share dozens of ids; "Open at step" from a CodeLens, an Agent Traces category item or a
 * training example's "Reveal Source" for run 18 must select run 18's step, not run 0's.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { analyzeBytes } from '../../../src/core/analyze';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { failureSites } from '../../../src/host/analysis/failures';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { isOutdated, summarize } from '../../../src/host/views/summary';
import { sharedPath } from '../../support/shared';

const PATH = sharedPath('traces', 'tau-bench', 'MockAirlineDomainEnv-few_shot.jsonl');
const BYTES = readFileSync(PATH);

describe('step addresses: a run and a step id', () => {
  const file = TraceFile.fromBytes(PATH, BYTES, { taxonomy: DEFAULT_TAXONOMY });
  const runsOf = new Map<string, number[]>();
  file.traces.forEach((t, run) => t.steps.forEach((s) => runsOf.set(s.id, [...(runsOf.get(s.id) ?? []), run])));
  const shared = [...runsOf].filter(([, runs]) => runs.length > 1);

  it('the file really has step ids shared across its runs', () => {
    assert.equal(file.traces.length, 19);
    assert.ok(shared.length > 20, `${shared.length} shared ids`);
    assert.ok(shared.some(([, runs]) => runs.includes(0) && runs.includes(18)));
  });

  it('resolves a shared id in the run it names, for every run', () => {
    for (const [id, runs] of shared) {
      for (const run of runs) {
        const found = file.findStep(id, run);
        assert.deepEqual(found, { traceIndex: run, index: file.traces[run].steps.findIndex((s) => s.id === id) }, `${id} in run ${run}`);
      }
    }
  });

  it('without a run, a shared id is ambiguous: it resolves to nothing, never to run 0', () => {
    const [id] = shared.find(([, runs]) => runs.includes(18))!;
    assert.equal(file.findStep(id), undefined);
    assert.throws(() => file.editStepById(id, { kind: 'addTag', category: 'TOOL.RUNTIME', impact: 'LOW' }), /step "[^"]+" is in \d+ runs of MockAirlineDomainEnv-few_shot.jsonl: say which run/);
    // An id only one run has still resolves without naming it.
    const unique = [...runsOf].find(([, runs]) => runs.length === 1);
    if (unique) assert.equal(file.findStep(unique[0])?.traceIndex, unique[1][0]);
  });

  it('maps the run number a sidecar or manifest stores (its index in the file) to the editor\'s run', () => {
    file.traces.forEach((t, run) => assert.equal(file.positionOfTrace(t.source.indexInFile ?? 0), run));
    assert.equal(file.positionOfTrace(19), undefined);
  });

  it('every failure site (CodeLens, diagnostics) resolves in the editor to its own run\'s step', () => {
    const sites = failureSites(analyzeBytes(PATH, BYTES), DEFAULT_TAXONOMY);
    assert.ok(sites.some((s) => s.traceIndex === 18), 'run 18 has failures');
    for (const site of sites) {
      const found = file.findStep(site.stepId, site.traceIndex);
      assert.equal(found?.traceIndex, site.traceIndex, `${site.stepId} of run ${site.traceIndex}`);
      assert.equal(file.traces[site.traceIndex].steps[found!.index].id, site.stepId);
    }
  });

  it('an Agent Traces category item carries the run of its first failure', () => {
    const analysis = analyzeBytes(PATH, BYTES);
    const sites = failureSites(analysis, DEFAULT_TAXONOMY);
    const summary = summarize({ kind: 'ok', format: analysis.format, traceCount: analysis.analyses.length, stepCount: 0, redactedSteps: 0, sites });
    assert.equal(summary.kind, 'ok');
    if (summary.kind !== 'ok') return;
    for (const c of summary.categories) {
      const first = sites.find((s) => s.category === c.category)!;
      assert.deepEqual({ stepId: c.firstStepId, traceIndex: c.firstTraceIndex }, { stepId: first.stepId, traceIndex: first.traceIndex }, c.category);
    }
    // A summary persisted before runs were recorded is re-read, not opened at a guess.
    const cached = { mtime: 1, size: 1, taxonomyId: 'default', summary };
    assert.equal(isOutdated(cached), false);
    const old = { ...cached, summary: { ...summary, categories: summary.categories.map(({ firstTraceIndex: _, ...c }) => c) } };
    assert.equal(isOutdated(old), true);
    // And one persisted before redacted steps were counted: a redacted file would say "no failures".
    const { redactedSteps: _, ...beforeRedacted } = summary;
    assert.equal(isOutdated({ ...cached, summary: beforeRedacted }), true);
  });
});
