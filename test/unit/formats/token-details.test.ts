import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { tokenDetailsOf } from '../../../src/core/formats/token-details';
import { usageOf } from '../../../src/core/formats/chat/common';
import { loadTraceFile } from '../../../src/core/load';
import { sharedPath } from '../../support/shared';

describe('cache and reasoning token counts, as each producer writes them', () => {
  it('reads every spelling, 0 included, and nothing from a usage without them', () => {
    const cases: [string, Record<string, unknown>, ReturnType<typeof tokenDetailsOf>][] = [
      ['Anthropic', { input_tokens: 2, output_tokens: 50, cache_read_input_tokens: 7201, cache_creation_input_tokens: 0 }, { cacheReadTokens: 7201, cacheWriteTokens: 0 }],
      ['OpenAI chat (LiteLLM too)', { prompt_tokens: 5000, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 4763 } }, { cacheReadTokens: 4763 }],
      ['OpenAI Responses (Azure)', { input_tokens: 900, input_tokens_details: { cached_tokens: 512, cache_write_tokens: 64 } }, { cacheReadTokens: 512, cacheWriteTokens: 64 }],
      ['LangChain usage_metadata', { input_tokens: 9, input_token_details: { cache_read: 3, cache_creation: 1 } }, { cacheReadTokens: 3, cacheWriteTokens: 1 }],
      ['Inspect AI', { input_tokens: 1124, input_tokens_cache_read: 0, input_tokens_cache_write: 20 }, { cacheReadTokens: 0, cacheWriteTokens: 20 }],
      ['Langfuse usage details', { input: 10, input_cached_tokens: 6 }, { cacheReadTokens: 6 }],
      ['OpenAI chat reasoning (LiteLLM for Gemini too)', { completion_tokens: 106, completion_tokens_details: { reasoning_tokens: 68 } }, { reasoningTokens: 68 }],
      ['OpenAI Responses reasoning', { output_tokens: 707, output_tokens_details: { reasoning_tokens: 0 } }, { reasoningTokens: 0 }],
      ['LangChain reasoning', { output_tokens: 9, output_token_details: { reasoning: 4 } }, { reasoningTokens: 4 }],
      ['Inspect AI reasoning', { output_tokens: 281, reasoning_tokens: 12 }, { reasoningTokens: 12 }],
      ['none', { prompt_tokens: 1, completion_tokens: 2, prompt_tokens_details: { audio_tokens: 0 } }, {}],
      ['hostile shapes', { cache_read_input_tokens: '12', prompt_tokens_details: [1], input_token_details: null, input_tokens_cache_read: -3, input_cached_tokens: Number.NaN }, {}],
    ];
    for (const [who, usage, expected] of cases) assert.deepEqual(tokenDetailsOf(usage), expected, who);
  });

  it("adds the cache to a missing total only where the input count leaves it out (Anthropic's)", () => {
    assert.equal(usageOf({ input_tokens: 2, output_tokens: 50, cache_read_input_tokens: 7201, cache_creation_input_tokens: 30 })?.totalTokens, 7283);
    // LiteLLM copies Anthropic's names beside prompt_tokens, which already counts the cache.
    assert.equal(usageOf({ prompt_tokens: 7233, completion_tokens: 50, cache_read_input_tokens: 7201 })?.totalTokens, 7283);
    assert.equal(usageOf({ prompt_tokens: 5000, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 4763 } })?.totalTokens, 5009);
    assert.equal(usageOf({ input_tokens: 2, output_tokens: 50, total_tokens: 99, cache_read_input_tokens: 7201 })?.totalTokens, 99, 'a total the source gives stands');
  });

  it('keeps the reasoning tokens LiteLLM counted for Gemini 3 Pro (mini-swe-agent on SWE-bench)', () => {
    const path = sharedPath('traces', 'swebench-bash-only-mini-swe-agent-gemini3pro', 'astropy__astropy-12907', 'astropy__astropy-12907.traj.json');
    const inFile = [...readFileSync(path, 'utf8').matchAll(/"reasoning_tokens": *(\d+)/g)].map((m) => Number(m[1]));
    const steps = loadTraceFile(path).traces[0].steps.filter((s) => s.usage?.reasoningTokens !== undefined);
    assert.deepEqual(steps.map((s) => s.usage!.reasoningTokens), inFile, 'every model step has its count, in order');
    assert.ok(inFile.some((n) => n > 0));
  });

  it("reads an OpenAI Agents SDK response span's model and usage from its Response repr", () => {
    const path = sharedPath('traces', 'openai-agents-sdk-traces', 'traces_2025-06-29_00-23-37.json');
    const responses = loadTraceFile(path).traces[0].steps.filter((s) => s.kind === 'llm');
    assert.deepEqual(responses.map((s) => [s.model, s.usage]), [
      ['gpt-4o-2024-08-06', { inputTokens: 508, outputTokens: 707, totalTokens: 1215, cacheReadTokens: 0, reasoningTokens: 0 }],
      ['gpt-4o-2024-08-06', { inputTokens: 1027, outputTokens: 311, totalTokens: 1338, cacheReadTokens: 0, reasoningTokens: 0 }],
      ['gpt-4o-2024-08-06', { inputTokens: 1419, outputTokens: 255, totalTokens: 1674, cacheReadTokens: 0, reasoningTokens: 0 }],
    ]);
  });

  // Real files whose producers counted cache hits: the largest count in the file is on a step;
  // Inspect's largest is the run's total (stats.model_usage), which its model steps add up to.
  const countsIn = (path: string, key: RegExp): number[] => [...readFileSync(path, 'utf8').matchAll(key)].map((m) => Number(m[1]));
  const largest = (counts: number[]): number => Math.max(...counts);
  const sum = (counts: number[]): number => counts.reduce((a, b) => a + Math.max(0, b), 0);
  const real: [string, string[], RegExp, (stepCounts: number[]) => number][] = [
    ['mini-swe-agent (LiteLLM, OpenAI spelling)', ['traces', 'mini-swe-agent', 'astropy__astropy-12907.traj.json'], /"cached_tokens": *(\d+)/g, largest],
    ['OpenHands (LiteLLM)', ['traces', 'openhands', 'basic.json'], /"cached_tokens": *(\d+)/g, largest],
    ['Inspect AI', ['traces', 'inspect-ai', '2025-05-12T20-27-36-04-00_browser.json'], /"input_tokens_cache_read": *(\d+)/g, sum],
    ['Claude Managed Agents', ['traces', 'anthropic-managed-agents-recordings', 'anthropic_managed_mcp_tools.jsonl'], /"cache_read_input_tokens":(\d+)/g, largest],
  ];
  for (const [who, parts, key, ofSteps] of real) {
    it(`keeps the cache hits of a real ${who} trace`, () => {
      const path = sharedPath(...parts);
      const expected = largest(countsIn(path, key));
      assert.ok(expected > 0, `${path} has cache hits`);
      const counts = loadTraceFile(path).traces.flatMap((t) => t.steps).map((s) => s.usage?.cacheReadTokens ?? -1);
      assert.equal(ofSteps(counts), expected);
    });
  }
});
