/** A failed model call inside a failing agent span is one failure, the model call's, never a tool's. */
import { strict as assert } from 'node:assert';
import { detect } from '../../../src/core/detect';
import { llmCall, llmSays, toolStep, trace } from './build';

const err = (message: string, type?: string) => ({ status: 'error' as const, error: { message, ...(type ? { type } : {}) } });
const rows = (t: ReturnType<typeof trace>) => detect(t).map((f) => [f.stepId, f.category]);

describe('a failed model call under a failing agent span', () => {
  it('a 429 is SYS.LLM_API on the model call only, not TOOL.RATE_LIMIT on the agent span', () => {
    const t = trace([
      { id: 'agent', kind: 'agent', ...err('RateLimitError: Error code: 429 - Too Many Requests') },
      llmSays('m1', '', { parentId: 'agent', ...err('Error code: 429 - Too Many Requests', 'RateLimitError') }),
    ]);
    assert.deepEqual(rows(t), [['m1', 'SYS.LLM_API']]);
  });

  it('a generic agent error does not blame an "output" of the model call that failed', () => {
    const t = trace([
      { id: 'agent', kind: 'agent', ...err('agent run failed') },
      llmSays('m0', 'Let me look that up.', { parentId: 'agent' }),
      llmSays('m1', '', { parentId: 'agent', ...err('APIConnectionError: Connection error.') }),
    ]);
    const fs = detect(t);
    assert.deepEqual(fs.map((f) => [f.stepId, f.category]), [['m1', 'SYS.LLM_API']]);
    assert.ok(!fs.some((f) => /its output failed/.test(f.evidence)), JSON.stringify(fs));
  });

  it('a failing agent span with no failing child still blames the model output that caused it', () => {
    const t = trace([
      { id: 'agent', kind: 'agent', ...err("NameError: name 'foo' is not defined") },
      llmSays('m1', 'Code: foo()', { parentId: 'agent' }),
      llmCall('m2', 'x', {}, { parentId: 'agent' }),
      toolStep('t', 'x', {}, { parentId: 'agent', output: { value: 'fine' } }),
    ]);
    assert.deepEqual(rows(t).filter(([, c]) => c !== 'ORCH.PREMATURE_STOP'), [['m2', 'TOOL.RUNTIME']]);
  });

  it('blames its own last model step, not one of a sub-agent inside it, nor one of an agent before it', () => {
    const t = trace([
      { id: 'run', kind: 'agent' },
      { id: 'first', kind: 'agent', parentId: 'run' },
      llmSays('m0', 'Code: bar()', { parentId: 'first' }),
      { id: 'agent', kind: 'agent', parentId: 'run', ...err("NameError: name 'foo' is not defined") },
      llmSays('m1', 'Code: foo()', { parentId: 'agent' }),
      { id: 'sub', kind: 'agent', parentId: 'agent' },
      llmSays('m2', 'Code: baz()', { parentId: 'sub' }),
      { id: 'second', kind: 'agent', parentId: 'run', ...err("NameError: name 'qux' is not defined") },
      { id: 'inner', kind: 'agent', parentId: 'second' },
      llmSays('m3', 'Code: qux()', { parentId: 'inner' }),
    ]);
    const blamed = detect(t).filter((f) => f.category === 'TOOL.RUNTIME').map((f) => [f.stepId, f.rule]);
    // 'second' has no model step of its own: the failure is its own, not m0's, m2's or m3's.
    assert.deepEqual(blamed, [['m1', 'decision-caused-failure'], ['second', 'tool-error']]);
  });
});

describe('step limits on agent spans', () => {
  it('a StepLimitExceeded on the run is ORCH.STEP_LIMIT even when a tool inside it failed', () => {
    const t = trace([
      { id: 'run', kind: 'agent', ...err('agent stopped after 8 iterations without a final answer', 'StepLimitExceeded') },
      llmCall('m1', 'fetch', { u: 1 }, { parentId: 'run' }),
      toolStep('t1', 'fetch', { u: 1 }, { parentId: 'run', ...err('fetch timed out after 10s', 'TimeoutError') }),
      llmSays('m2', 'The fetch timed out; I will give up.', { parentId: 'run' }),
    ]);
    assert.deepEqual(rows(t), [['run', 'ORCH.STEP_LIMIT'], ['t1', 'TOOL.TIMEOUT']]);
  });

  it('a step limit raised inside and re-raised by each enclosing span is reported once, where it was raised', () => {
    const t = trace([
      { id: 'run', kind: 'agent', ...err('GraphRecursionError: Recursion limit of 25 reached') },
      { id: 'graph', kind: 'agent', parentId: 'run', ...err('GraphRecursionError: Recursion limit of 25 reached') },
      llmSays('m1', 'thinking', { parentId: 'graph' }),
    ]);
    assert.deepEqual(rows(t), [['graph', 'ORCH.STEP_LIMIT']]);
  });
});
