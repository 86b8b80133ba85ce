import { strict as assert } from 'node:assert';
import { detect, explainedFailures } from '../../../src/core/detect';
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
});
