import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import { loadTraceFile } from '../../../src/core/load';
import { addTag, emptyDocument, setCorrection } from '../../../src/core/annotations';
import { prepareTrajectory } from '../../../src/core/export/prepare';
import { openaiSft, preference, sharegpt, stepwise, trlSft } from '../../../src/core/export/encode';
import { applyCorrections, diffCorrection, correctionToMessage, checkCorrection } from '../../../src/core/export/corrections';
import { lineDiff } from '../../../src/core/export/diff';

const trace = loadTraceFile(resolve(__dirname, '../../fixtures/export/small.jsonl')).traces[0];
const TOOLS = [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'], additionalProperties: false } } }];
const FIX = 'SF is 18C. I have not checked NYC yet.';

function prepared() {
  let doc = emptyDocument();
  doc = addTag(doc, { location: 'llm-3', category: 'RSN.FABRICATED_ACTION' }).doc;
  doc = setCorrection(doc, { location: 'llm-3' }, { role: 'assistant', content: FIX }).doc;
  // A proposed finding that blames tool-1's call ("San Fran" is not a city): attributed to llm-1, the turn that made the call.
  return prepareTrajectory(trace, doc, { sidecarFile: 's', findings: [{ stepId: 'tool-1', category: 'TOOL.ARGS_INVALID', rule: 'args-schema' }] });
}

describe('exporters (exact JSON of a small corrected trace)', () => {
  const p = prepared();
  const [id1, id2] = [p.corrected[0].messages[2].toolCalls![0].id, p.corrected[0].messages[4].toolCalls![0].id];

  it('generates 9-character alphanumeric call ids, consistent between call and result', () => {
    assert.match(id1, /^[A-Za-z0-9]{9}$/);
    assert.match(id2, /^[A-Za-z0-9]{9}$/);
    assert.notEqual(id1, id2);
    assert.equal(p.corrected[0].messages[3].toolCallId, id1);
    assert.equal(prepared().corrected[0].messages[2].toolCalls![0].id, id1, 'deterministic');
  });

  it('OpenAI SFT: string arguments, weight 0 on the faulty uncorrected turn, the correction replacing the original', () => {
    const [ex] = openaiSft(p);
    assert.deepEqual(ex.record, {
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        { role: 'user', content: 'Weather in SF and NYC?' },
        { role: 'assistant', content: null, tool_calls: [{ id: id1, type: 'function', function: { name: 'get_weather', arguments: '{"city":"San Fran"}' } }], weight: 0 },
        { role: 'tool', tool_call_id: id1, name: 'get_weather', content: 'unknown city: San Fran' },
        { role: 'assistant', content: null, tool_calls: [{ id: id2, type: 'function', function: { name: 'get_weather', arguments: '{"city":"San Francisco"}' } }], weight: 1 },
        { role: 'tool', tool_call_id: id2, name: 'get_weather', content: '18C' },
        { role: 'assistant', content: FIX, weight: 1 },
      ],
      tools: TOOLS,
    });
    assert.deepEqual(ex.steps, ['llm-1', 'llm-2', 'llm-3']);
    assert.deepEqual(ex.corrections, ['llm-3']);
  });

  it('TRL SFT: prompt-completion per learnable turn, object arguments', () => {
    const ex = trlSft(p);
    assert.equal(ex.length, 2);
    assert.deepEqual(ex.map((e) => e.steps), [['llm-2'], ['llm-3']]);
    assert.deepEqual(ex[1].record.completion, [{ role: 'assistant', content: FIX }]);
    assert.equal((ex[1].record.prompt as unknown[]).length, 6);
    assert.deepEqual(ex[0].record.completion, [{ role: 'assistant', content: null, tool_calls: [{ id: id2, type: 'function', function: { name: 'get_weather', arguments: { city: 'San Francisco' } } }] }]);
    assert.deepEqual(ex[0].record.tools, TOOLS);
  });

  it('preference: OpenAI B2 and TRL DPO, the correction as chosen, the original as rejected', () => {
    const [o] = preference(p, 'openai');
    assert.deepEqual(o.record.preferred_output, [{ role: 'assistant', content: FIX }]);
    assert.deepEqual(o.record.non_preferred_output, [{ role: 'assistant', content: 'SF is 18C. NYC is sunny.' }]);
    assert.equal(((o.record.input as { messages: unknown[] }).messages).length, 6);
    const [t] = preference(p, 'trl');
    assert.deepEqual(Object.keys(t.record), ['prompt', 'chosen', 'rejected', 'tools']);
    assert.deepEqual(t.record.rejected, [{ role: 'assistant', content: 'SF is 18C. NYC is sunny.' }]);
  });

  it('stepwise: one completion per turn, false where the turn carries an error', () => {
    const [s] = stepwise(p);
    assert.deepEqual(s.record, {
      prompt: 'System: You are a weather assistant.\n\nUser: Weather in SF and NYC?',
      completions: [
        'Call get_weather({"city":"San Fran"})\nResult of get_weather: unknown city: San Fran',
        'Call get_weather({"city":"San Francisco"})\nResult of get_weather: 18C',
        'SF is 18C. NYC is sunny.',
      ],
      labels: [false, true, false],
    });
  });

  it('ShareGPT: function_call/observation roles, system apart, tools as a JSON string', () => {
    const ex = sharegpt(p);
    assert.equal(ex.length, 2);
    assert.deepEqual(ex[1].record, {
      conversations: [
        { from: 'human', value: 'Weather in SF and NYC?' },
        { from: 'function_call', value: '{"name":"get_weather","arguments":{"city":"San Fran"}}' },
        { from: 'observation', value: 'unknown city: San Fran' },
        { from: 'function_call', value: '{"name":"get_weather","arguments":{"city":"San Francisco"}}' },
        { from: 'observation', value: '18C' },
        { from: 'gpt', value: FIX },
      ],
      system: 'You are a weather assistant.',
      tools: JSON.stringify(TOOLS.map((t) => t.function)),
    });
  });

  it('a correction that changes a tool call ends the corrected conversation at that turn', () => {
    const doc = setCorrection(emptyDocument(), { location: 'llm-1' }, { role: 'assistant', tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"San Francisco"}' } }] }).doc;
    const q = prepareTrajectory(trace, doc, { sidecarFile: 's' });
    assert.equal(q.truncatedAfter, 'llm-1');
    const [ex] = openaiSft(q);
    const msgs = ex.record.messages as { role: string; tool_calls?: { function: { arguments: string } }[] }[];
    assert.equal(msgs.length, 3);
    assert.equal(msgs[2].tool_calls![0].function.arguments, '{"city":"San Francisco"}');
    assert.equal(preference(q, 'openai').length, 1);
  });
});

describe('corrections', () => {
  it('overlays a correction on the trace without touching the original', () => {
    const doc = setCorrection(emptyDocument(), { location: 'llm-3' }, { role: 'assistant', content: FIX }).doc;
    const c = doc.corrections[0];
    const t2 = applyCorrections(trace, { correctionByStep: new Map([['llm-3', c]]) });
    assert.equal(t2.steps[4].output!.messages![0].content, FIX);
    assert.equal(t2.steps[4].attributes['agent-trace.corrected'], true);
    assert.equal(t2.metadata.finalAnswer, FIX);
    assert.equal(trace.steps[4].output!.messages![0].content, 'SF is 18C. NYC is sunny.');
  });

  it('checks corrected arguments against the tool schema (ajv), located', () => {
    const bad = { location: 'llm-1', output: { role: 'assistant' as const, tool_calls: [{ function: { name: 'get_weather', arguments: { town: 'SF' } } }] } };
    const probs = checkCorrection(trace, bad, { file: 'f', path: '$.corrections[0]' });
    assert.deepEqual(probs.map((p) => p.message).sort(), ['missing required argument "city"', 'unexpected argument "town"']);
    assert.equal(probs[0].path, '$.corrections[0].output.tool_calls[0].function.arguments');
    const broken = { ...bad, output: { role: 'assistant' as const, tool_calls: [{ function: { name: 'get_weather', arguments: '{city:' } }] } };
    assert.match(checkCorrection(trace, broken, { file: 'f', path: '$' })[0].message, /not valid JSON/);
    const good = { ...bad, output: { role: 'assistant' as const, tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"SF"}' } }] } };
    assert.deepEqual(checkCorrection(trace, good, { file: 'f', path: '$' }), []);
  });

  it('diffs text by line and arguments as pretty JSON', () => {
    assert.deepEqual(lineDiff('a\nb\nc', 'a\nx\nc'), [{ op: 'equal', text: 'a' }, { op: 'remove', text: 'b' }, { op: 'add', text: 'x' }, { op: 'equal', text: 'c' }]);
    const d = diffCorrection(trace.steps[0].output!.messages![0], correctionToMessage({ role: 'assistant', tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"San Francisco"}' } }] }));
    assert.deepEqual(d.toolCalls[0].arguments, [{ op: 'equal', text: '{' }, { op: 'remove', text: '  "city": "San Fran"' }, { op: 'add', text: '  "city": "San Francisco"' }, { op: 'equal', text: '}' }]);
    assert.equal(d.toolCalls[0].before, 'get_weather');
  });
});
