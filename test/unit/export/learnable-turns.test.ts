/**
 * Every learnable turn is in the SFT files, and nothing the assistant said is dropped (issue 8:
 * TRL sft.jsonl with a correction held only the corrected turn; ShareGPT dropped the text of
 * tool-call turns).
 */
import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import type { AnnotationDocument } from '../../../src/core/annotations/schema';
import { openaiSft, sharegpt, trlSft } from '../../../src/core/export/encode';
import { prepareTrajectory } from '../../../src/core/export/prepare';
import { loadTraceFile } from '../../../src/core/load';
import { validateRecord } from '../../../src/core/validate';
import { PROJECT_ROOT } from '../../support/shared';

const small = loadTraceFile(resolve(__dirname, '../../fixtures/export/small.jsonl')).traces[0];
const research = loadTraceFile(resolve(PROJECT_ROOT, 'examples/research-agent.trace.jsonl')).traces[0];

/** A correction of llm-1's call ("San Fran" → "San Francisco"): it changes a tool call, so the corrected conversation ends there. */
const FIX_CALL = {
  version: 1, errors: [], reviewed: [],
  corrections: [{ location: 'llm-1', output: { role: 'assistant', tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"San Francisco"}' } }] } }],
} as unknown as AnnotationDocument;

describe('learnable turns after a correction that changes a tool call', () => {
  const p = prepareTrajectory(small, FIX_CALL, { sidecarFile: 's' });

  it('TRL: one line per learnable turn; the turns after the cut have the original conversation as prompt', () => {
    const lines = trlSft(p);
    assert.deepEqual(lines.map((l) => l.steps), [['llm-1'], ['llm-2'], ['llm-3']]);
    assert.deepEqual(lines.map((l) => l.corrections), [['llm-1'], [], []]);
    const prompt = lines[1].record.prompt as { role: string; tool_calls?: { function: { arguments: unknown } }[] }[];
    // The faulty original call is context in the prompt, never a completion.
    assert.deepEqual(prompt[2].tool_calls![0].function.arguments, { city: 'San Fran' });
    assert.deepEqual((lines[2].record.completion as { content: string }[])[0].content, 'SF is 18C. NYC is sunny.');
  });

  it('OpenAI: the corrected conversation, then the original one learning only the turns after the cut', () => {
    const records = openaiSft(p);
    assert.equal(records.length, 2);
    const weights = (i: number): number[] => (records[i].record.messages as { role: string; weight?: number }[]).filter((m) => m.role === 'assistant').map((m) => m.weight!);
    assert.deepEqual(weights(0), [1]);
    assert.deepEqual(weights(1), [0, 1, 1]);
    assert.deepEqual(records[1].corrections, []);
  });

  it('ShareGPT: a record for every learnable turn as well', () => {
    assert.deepEqual(sharegpt(p).map((e) => e.steps), [['llm-1'], ['llm-2'], ['llm-3']]);
  });
});

describe('ShareGPT keeps the text of a turn that also calls tools', () => {
  it('as a leading thought before the calls, which LLaMA-Factory parses and the validator accepts', () => {
    const p = prepareTrajectory(research, { version: 1, errors: [], corrections: [], reviewed: [] } as unknown as AnnotationDocument, { sidecarFile: 's' });
    const ex = sharegpt(p).find((e) => e.steps[0] === 's4')!;
    const conv = ex.record.conversations as { from: string; value: string }[];
    const last = conv[conv.length - 1];
    assert.equal(last.from, 'function_call');
    assert.equal(last.value, '<think>\nThe first result looks like an overview; fetching it.\n</think>\n\n{"name":"fetch_url","arguments":{"url":"https://example.org/heat-pump-grants-2025","timeout_s":10}}');
    assert.deepEqual(validateRecord(ex.record, { file: 'sharegpt.jsonl' }, { format: 'sharegpt', templates: [] }).filter((x) => x.severity === 'error'), []);
    // A turn with calls and no text stays plain JSON.
    const plain = sharegpt(p).find((e) => e.steps[0] === 's2')!;
    const v = (plain.record.conversations as { value: string }[]).at(-1)!.value;
    assert.doesNotThrow(() => JSON.parse(v));
  });
});
