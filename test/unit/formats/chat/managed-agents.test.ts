import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { sharedPath } from '../../../support/shared';
import { loadTraceFromBytes } from '../../../../src/core/load';
import { assertLocated, brief, load } from './helpers';

const dir = 'anthropic-managed-agents-recordings';

describe('Claude Managed Agents session events', () => {
  it('opens the custom-tool recording: system prompt, user, two model requests, the tool call', () => {
    const path = sharedPath('traces', dir, 'anthropic_managed_custom_tools.jsonl');
    const [t] = load(path, 'anthropic-managed-agents', 1).traces;
    assert.deepEqual(t.steps.map(brief), [
      'system:system prompt:ok',
      "message:user: What's the weather in Prague?:ok",
      'llm:claude-sonnet-5:ok',
      'tool:get_weather:ok',
      'llm:claude-sonnet-5:ok',
    ]);
    assert.equal(t.id, 'sesn_014fc5Q6rWwrXD3vWBfPRUes');
    assert.deepEqual(t.tools.map((x) => x.name), ['get_weather']);
    const tool = t.steps[3];
    assert.equal(tool.id, 'sevt_018iPB2RYrthWNKugV6ehDxH');
    assert.deepEqual(tool.toolCall, { id: 'sevt_018iPB2RYrthWNKugV6ehDxH', name: 'get_weather', arguments: { location: 'Prague' } });
    assert.equal(tool.output?.messages?.[0].content, "It's 23°C and sunny in Prague.");
    // The first model request asked for the tool; its usage comes from span.model_request_end. Its
    // prompt was served from the cache: Anthropic's input_tokens (2) leave the cache out, so the
    // cache counts are kept and the total (none given) adds them.
    assert.deepEqual(t.steps[2].output?.messages?.[0].toolCalls?.map((c) => c.name), ['get_weather']);
    assert.deepEqual(t.steps[2].usage, { inputTokens: 2, outputTokens: 50, cacheReadTokens: 7201, cacheWriteTokens: 0, totalTokens: 7253 });
    const last = t.steps[4];
    assert.equal(last.output?.messages?.[0].content, "It's currently **23°C and sunny** in Prague — a nice, warm day overall!");
    assert.equal(last.location?.line, 15);
    assertLocated(readFileSync(path, 'utf8'), t.steps);
  });

  it('opens the MCP recording: the confirmed MCP tool call and its result', () => {
    const [t] = load(sharedPath('traces', dir, 'anthropic_managed_mcp_tools.jsonl'), 'anthropic-managed-agents', 1).traces;
    assert.equal(t.steps.length, 5);
    assert.equal(brief(t.steps[0]), 'system:system prompt:ok');
    const tool = t.steps[3];
    assert.equal(brief(tool), 'tool:web_search_exa:ok');
    assert.deepEqual(tool.input?.value, { numResults: 5, query: 'langchain-ai/langsmith-sdk GitHub repository stars' });
    assert.equal(tool.attributes.confirmation, 'allow');
    assert.match(String(tool.output?.messages?.[0].content), /^Title: langchain-ai\/langsmith-sdk - GitHub/);
    assert.match(String(t.steps[4].output?.messages?.[0].content), /approximately \*\*936 stars\*\*/);
  });

  it('reads raw event lines with an error result and a session error', () => {
    const lines = [
      { id: 'sevt_1', type: 'user.message', content: [{ type: 'text', text: 'delete tmp' }], processed_at: '2026-01-01T00:00:00Z' },
      { id: 'sevt_2', type: 'span.model_request_start', processed_at: '2026-01-01T00:00:01Z' },
      { id: 'sevt_3', type: 'agent.tool_use', name: 'bash', input: { command: 'rm -rf /tmp/x' }, processed_at: '2026-01-01T00:00:02Z' },
      { id: 'sevt_4', type: 'span.model_request_end', model_request_start_id: 'sevt_2', is_error: false, model_usage: { input_tokens: 3, output_tokens: 4 }, processed_at: '2026-01-01T00:00:02Z' },
      { id: 'sevt_5', type: 'agent.tool_result', tool_use_id: 'sevt_3', is_error: true, content: [{ type: 'text', text: 'rm: permission denied' }], processed_at: '2026-01-01T00:00:03Z' },
      { id: 'sevt_6', type: 'session.error', error: { type: 'overloaded_error', message: 'Overloaded' }, processed_at: '2026-01-01T00:00:04Z' },
    ];
    const r = loadTraceFromBytes('events.jsonl', new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join('\n')));
    assert.equal(r.format, 'anthropic-managed-agents');
    const t = r.traces[0];
    assert.deepEqual(t.steps.map(brief), ['message:user: delete tmp:ok', 'llm:model request:ok', 'tool:bash:error', 'other:session error:error']);
    assert.deepEqual(t.steps[2].error, { message: 'rm: permission denied' });
    assert.deepEqual(t.steps[3].error, { type: 'overloaded_error', message: 'Overloaded' });
    assert.equal(t.steps[2].location?.line, 3);
  });
});
