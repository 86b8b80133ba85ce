import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { detect, explainedFailures, ExplainingSteps } from '../../../src/core/detect';
import type { Step } from '../../../src/core/model/schema';
import { TraceIndex } from '../../../src/core/engine';
import { llmCall, llmSays, toolStep, trace } from './build';

const err = (message: string) => ({ status: 'error' as const, error: { message } });

describe('explainedFailures', () => {
  it('maps a failing agent span without a finding to the first failure inside it', () => {
    const t = trace([
      { id: 'run', kind: 'agent', ...err('agent returned an itinerary without train times') },
      { id: 'sub', kind: 'agent', parentId: 'run', ...err('sub-agent failed') },
      llmCall('m1', 'search', {}, { parentId: 'sub' }),
      toolStep('t1', 'search', {}, { parentId: 'sub', ...err('504 Gateway Timeout') }),
      toolStep('t2', 'search', {}, { parentId: 'run', ...err('HTTP 429') }),
      llmSays('m2', 'The search timed out, so no train times.', { parentId: 'run' }),
    ]);
    const fs = detect(t);
    assert.deepEqual([...explainedFailures(new TraceIndex(t.steps, fs))].sort(), [['run', 't1'], ['sub', 't1']]);
  });

  it('leaves out failing steps that have a finding, and failures nothing inside explains', () => {
    const t = trace([
      { id: 'a', kind: 'agent', ...err('StepLimitExceeded: stopped after 8 iterations') },
      toolStep('t1', 'x', {}, { parentId: 'a', ...err('boom') }),
      { id: 'b', kind: 'other', ...err('mystery') },
    ]);
    const fs = detect(t);
    assert.ok(fs.some((f) => f.stepId === 'a'));
    assert.deepEqual([...explainedFailures(new TraceIndex(t.steps, fs))], []);
    assert.deepEqual([...explainedFailures(new TraceIndex(t.steps))], []);
  });

  it('kept up to date as findings are added in any order and batches, equals the first flagged step inside each failing span', () => {
    const tree = fc.integer({ min: 1, max: 60 }).chain((n) => fc.record({
      // Each step's parent comes before it (decision order), or it is at the top.
      parents: fc.array(fc.integer({ min: -1, max: n - 1 }), { minLength: n, maxLength: n }).map((ps) => ps.map((p, i) => (p < i ? p : -1))),
      failing: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      batches: fc.array(fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 8 }), { maxLength: 6 }),
    }));
    fc.assert(fc.property(tree, ({ parents, failing, batches }) => {
      const steps = parents.map((_, i) => ({ id: `s${i}`, status: failing[i] ? 'error' : 'ok' }) as Step);
      const flagged = new Set<number>();
      const stepTree = { parentOf: (i: number) => parents[i], step: (i: number) => steps[i], withFindings: () => [...flagged].sort((a, b) => a - b) };
      const explaining = new ExplainingSteps(stepTree);
      for (const batch of batches) {
        explaining.add(batch);
        for (const i of batch) flagged.add(i);
        // By definition: a failing step without findings, and the first flagged step below it.
        const want = new Map<number, number>();
        for (let p = 0; p < steps.length; p++) {
          if (!failing[p] || flagged.has(p)) continue;
          const below = [...flagged].filter((i) => { for (let a = parents[i]; a >= 0; a = parents[a]) if (a === p) return true; return false; });
          if (below.length > 0) want.set(p, Math.min(...below));
        }
        assert.deepEqual(new Map(explaining.entries()), want);
        for (let p = 0; p < steps.length; p++) assert.equal(explaining.explainerOf(p), want.get(p));
        assert.deepEqual(explainedFailures(stepTree), new Map([...want].map(([p, i]) => [`s${p}`, `s${i}`])));
      }
    }), { seed: 11, numRuns: 300 });
  });
});
