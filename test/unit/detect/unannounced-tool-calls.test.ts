/** Tool spans whose call no model step announced are argument-checked on the tool step. */
import { strict as assert } from 'node:assert';
import { detect } from '../../../src/core/detect';
import { llmCall, llmSays, toolStep, trace } from './build';

const tools = [{ name: 'search', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
const rows = (t: ReturnType<typeof trace>) => detect(t).map((f) => [f.stepId, f.category, f.rule]);

describe('tool calls no model step announced', () => {
  it('are checked against the schema even when a model step that made no call precedes them', () => {
    const t = trace([
      { id: 'agent', kind: 'agent' },
      llmSays('m0', 'I will write code that searches.', { parentId: 'agent' }),
      toolStep('t1', 'search', { q: 3 }, { parentId: 'agent', output: { value: 'r' } }),
      llmSays('m1', 'done', { parentId: 'agent' }),
    ], tools);
    assert.deepEqual(rows(t), [['t1', 'TOOL.ARGS_INVALID', 'tool-args-schema']]);
  });

  it('are checked for undeclared tool names the same way', () => {
    const t = trace([
      { id: 'agent', kind: 'agent' },
      llmSays('m0', 'thinking', { parentId: 'agent' }),
      toolStep('t1', 'serach', { q: 'a' }, { parentId: 'agent', output: { value: 'r' } }),
      llmSays('m1', 'done', { parentId: 'agent' }),
    ], tools);
    assert.deepEqual(rows(t), [['t1', 'TOOL.UNKNOWN', 'tool-undeclared']]);
  });

  it('a call the preceding model step announced (same name, no ids) is checked once, on the model step', () => {
    const t = trace([
      { id: 'agent', kind: 'agent' },
      llmCall('m0', 'search', { q: 3 }, { parentId: 'agent' }),
      toolStep('t1', 'search', { q: 3 }, { parentId: 'agent', output: { value: 'r' } }),
      llmSays('m1', 'done', { parentId: 'agent' }),
    ], tools);
    assert.deepEqual(rows(t), [['m0', 'TOOL.ARGS_INVALID', 'tool-args-schema']]);
  });

  it('a call announced by id is checked once, on the model step', () => {
    const t = trace([
      llmCall('m0', 'search', { q: 3 }, {}, 'c1'),
      { ...toolStep('t1', 'search', { q: 3 }, { output: { value: 'r' } }), toolCall: { id: 'c1', name: 'search', arguments: { q: 3 } } },
      llmSays('m1', 'done'),
    ], tools);
    assert.deepEqual(rows(t), [['m0', 'TOOL.ARGS_INVALID', 'tool-args-schema']]);
  });
});
