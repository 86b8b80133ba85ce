import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { detect } from '../../../../src/core/detect';
import { loadTraceFile } from '../../../../src/core/load';
import { PROJECT_ROOT, sharedFiles } from '../../../support/shared';
import { assertLocated, byId, only } from './helpers';

describe('OpenAI Agents SDK native export', () => {
  const f = sharedFiles('openai-agents-sdk-traces', (n) => n.startsWith('traces_'))[0];
  it('opens traces_*.json with agent and response spans', () => {
    const r = loadTraceFile(f);
    assert.equal(r.format, 'openai-agents');
    const t = only(r);
    assert.equal(t.id, 'trace_98b1922f8dc0455daf6191f1167901de');
    assert.equal(t.title, 'Module 1 Trace');
    assert.equal(t.steps.length, 7);
    // Three agents (roots, by start time), each with its model response (named by its model) as child; the first
    // response searched the web (a hosted tool: an output item of the response, no span of its own).
    assert.deepEqual(t.steps.map((s) => [s.name, s.depth]), [
      ['SearchAgent', 0], ['gpt-4o-2024-08-06', 1], ['web_search', 2], ['CriteriaGenerator', 0], ['gpt-4o-2024-08-06', 1], ['CriteriaEvaluator', 0], ['gpt-4o-2024-08-06', 1],
    ]);
    assert.equal(t.steps[0].id, 'span_62c8c4960656481aa44a01e3');
    assert.equal(t.steps.at(-1)!.id, 'span_33e0fe5f1afc41a1a7df5bdc');
    const resp = byId(t, 'span_0a4ea5d85a4d4373a5932a49');
    assert.equal(resp.kind, 'llm');
    assert.equal(resp.parentId, 'span_62c8c4960656481aa44a01e3');
    // The system prompt is the `instructions` of the Response repr; the answer is its output message.
    assert.deepEqual(resp.input!.messages![0], { role: 'system', content: "You are a web search assistant. Given a user's goal, perform a web search to find information relevant to defining success criteria. Return a concise summary of your findings, including citations to sources." });
    assert.equal(resp.input!.messages![1].role, 'user');
    assert.ok(resp.input!.messages![1].content!.startsWith('Find information about success criteria for:'));
    assert.ok(String(resp.output!.value).startsWith("Response(id='resp_6860e9fa9d388198909ec117a5fe73d4051831986b35f3c1'"));
    assert.ok(resp.output!.messages![0].content!.startsWith('To develop a comprehensive workshop on the legal aspects of AI agents'));
    assert.equal(t.steps[0].kind, 'agent');
    for (const s of t.steps) if (s.kind !== 'tool') assertLocated(f, s, (o) => o.id);
  });

  it("shows a response's hosted web search as a tool step under it, with its query", () => {
    const t = only(loadTraceFile(f));
    const search = byId(t, 'ws_6860e9fb309081988f37d59c54ceccac051831986b35f3c1');
    assert.equal(search.kind, 'tool');
    assert.equal(search.parentId, 'span_0a4ea5d85a4d4373a5932a49');
    assert.equal(search.status, 'ok');
    assert.deepEqual(search.toolCall, { id: search.sourceId, name: 'web_search', arguments: { query: 'success criteria for a workshop on legal aspects of AI agents conducting transactions', type: 'search' } });
    assert.equal(search.output, undefined, 'the results are the citations in the answer, not an output of the call');
    // Located at its response span, whose repr holds it.
    assert.deepEqual(search.location, byId(t, 'span_0a4ea5d85a4d4373a5932a49').location);
    const text = readFileSync(f, 'utf8');
    assert.ok(text.slice(search.location!.offset!, search.location!.offset! + search.location!.length!).includes("type='web_search_call'"));
    // Nothing flags it: a completed search with its results in the answer.
    assert.deepEqual(r0Findings(), []);
  });

  const r0Findings = () => detect(only(loadTraceFile(f))).map((x) => [x.stepId, x.category]);

  it('reads the other hosted calls of a response (file search, code interpreter, a remote MCP tool), a failed one as an error', () => {
    const repr = "Response(id='resp_1', model='gpt-4.1', object='response', output=[" +
      "ResponseFileSearchToolCall(id='fs_1', queries=['refund policy'], status='completed', type='file_search_call', results=[Result(file_id='file_9', filename='policy.md', score=0.9, text='Refunds within 30 days')]), " +
      "ResponseCodeInterpreterToolCall(id='ci_1', code='print(2+2)', container_id='cntr_1', outputs=[OutputLogs(logs='4', type='logs')], status='completed', type='code_interpreter_call'), " +
      "McpCall(id='mcp_1', arguments='{\"city\": \"Paris\"}', name='get_weather', server_label='weather', type='mcp_call', error='upstream 502', output=None), " +
      "ResponseFunctionToolCall(arguments='{}', call_id='call_1', name='lookup', type='function_call', id='fc_1', status='completed'), " +
      "ResponseOutputMessage(id='msg_1', content=[ResponseOutputText(annotations=[], text='Done.', type='output_text')], role='assistant', status='completed', type='message')], usage=None)";
    const doc = { traces: [{ object: 'trace', id: 'trace_1', workflow_name: 'w', spans: [
      { object: 'trace.span', id: 'span_r', parent_id: null, started_at: '2025-06-29T07:23:38.000Z', ended_at: '2025-06-29T07:23:40.000Z', span_data: { type: 'response' }, span_data_response: repr },
    ] }] };
    const path = join(mkdtempSync(join(tmpdir(), 'agents-hosted-')), 'traces.json');
    writeFileSync(path, JSON.stringify(doc));
    const t = only(loadTraceFile(path));
    assert.deepEqual(t.steps.map((s) => [s.name, s.kind, s.depth, s.status]), [
      ['gpt-4.1', 'llm', 0, 'ok'], ['file_search', 'tool', 1, 'ok'], ['code_interpreter', 'tool', 1, 'ok'], ['get_weather', 'tool', 1, 'error'],
    ], 'a function call is not hosted: the SDK runs it and writes its own span');
    const [, files, code, mcp] = t.steps;
    assert.deepEqual(files.toolCall!.arguments, { queries: ['refund policy'] });
    assert.deepEqual(files.output!.value, [{ file_id: 'file_9', filename: 'policy.md', score: 0.9, text: 'Refunds within 30 days' }]);
    assert.deepEqual(code.toolCall!.arguments, { code: 'print(2+2)' });
    assert.deepEqual(code.output!.value, [{ logs: '4', type: 'logs' }]);
    assert.deepEqual(mcp.toolCall!.arguments, { server: 'weather', arguments: { city: 'Paris' } });
    assert.equal(mcp.error!.message, 'upstream 502');
    assert.deepEqual(detect(t).map((x) => [x.stepId, x.category]), [['mcp_1', 'TOOL.RUNTIME']]);
  });
});

describe('Langfuse importer', () => {
  // Observations, trace id, and the root observation, read from the files with an independent script.
  const EXPECTED: Record<string, [number, string, string, string]> = {
    'agno-2025-06-11.json': [6, '080130871f53145aecf7c29d5dfb6e4c', '1cffdfa6fe3412e6', 'Agent.run'],
    'beeai-2025-08-01.json': [29, '096fc09a30ab90d2431778f9ee2b3936', 'cb4886242bf214b8', 'beeai-framework-main'],
    'google-gemini-2025-08-01.json': [1, '9f2f0fe0228fd81a9fe75882934b384a', 'b7a63ca7e1d083bc', 'GenerateContent'],
    'google-vertex-tools-langchain-2025-09-19.json': [1, 'vertex-gemini-trace-001', 'vertex-gemini-obs-001', 'VertexGemini'],
    'langgraph-2025-08-22.json': [9, 'e1fde3efec57ce8a69bafd3fb928a7eb', 'b024c7ee7680b708', 'LangGraph'],
    'llamaindex-2025-06-05.json': [2, '12ea412956f99347b0503c1144acd0ec', '3344aabdd4e66110', 'llama-index-trace'],
    'openai-agents-2025-09-30.json': [5, 'fee618f96dc31e0ca38b2f7b26eb8b29', 'e5a76f27f51ad40e', 'Agent workflow'],
    'openai-assistants-2024-05-29.json': [4, 'b3b7b128-5664-4f42-9fab-31999da9e2f1', 'be59b862-98dd-4b0e-b92e-c150b9777c2f', 'create_assistant'],
    'pydantic-ai-tools-2025-12-04.json': [12, '7a38edd8123db47ad8dcb8aa4c5e3926', '00d3f40ee8e3b716', 'run_joke_generator'],
  };
  const files = sharedFiles('langfuse', (n) => n.endsWith('.json'));
  it('covers every shared Langfuse export', () => assert.deepEqual(files.map((f) => basename(f)).sort(), Object.keys(EXPECTED).sort()));
  for (const f of files) {
    it(`opens ${basename(f)}`, () => {
      const [n, traceId, rootId, rootName] = EXPECTED[basename(f)];
      const r = loadTraceFile(f);
      assert.equal(r.format, 'langfuse');
      const t = only(r);
      assert.equal(t.id, traceId);
      assert.equal(t.steps.length, n);
      assert.deepEqual([t.steps[0].id, t.steps[0].name], [rootId, rootName]);
      assertLocated(f, t.steps[0], (o) => o.id);
      assertLocated(f, t.steps.at(-1)!, (o) => o.id);
    });
  }
  it('reads generations (Responses API items) and tools (openai-agents via Langfuse)', () => {
    const t = only(loadTraceFile(files.find((f) => basename(f).startsWith('openai-agents'))!));
    const gen = byId(t, '90d94774e8e3724d');
    assert.equal(gen.kind, 'llm');
    assert.equal(gen.model, 'gpt-4.1-2025-04-14');
    assert.deepEqual(gen.usage, { inputTokens: 85, outputTokens: 29, totalTokens: 114, cost: 0.000402 });
    const msgs = gen.input!.messages!;
    assert.equal(msgs[0].content, "What's the weather in Tokyo?");
    assert.deepEqual(msgs[1].toolCalls![0], { id: 'call_Kud0j0DxWSmLzv9W5m6qVqXn', name: 'get_weather', arguments: { city: 'Tokyo' } });
    assert.equal(msgs[2].role, 'tool');
    assert.equal(msgs[2].toolCallId, 'call_Kud0j0DxWSmLzv9W5m6qVqXn');
    const tool = byId(t, '5b99c3e3411ed17b');
    assert.deepEqual(tool.toolCall, { name: 'get_weather', arguments: { city: 'Tokyo' } });
    assert.equal(tool.output!.value, 'The weather in Tokyo is sunny.');
    assert.equal(tool.parentId, 'd950b668796240b5');
  });

  it("reads a LangChain tool's run that Langfuse filed as a SPAN (its ToolMessage output) as the tool call the model made (langgraph)", () => {
    const t = only(loadTraceFile(files.find((f) => basename(f).startsWith('langgraph'))!));
    const tool = byId(t, '21441266a9f21251');
    assert.equal(tool.kind, 'tool');
    assert.equal(tool.status, 'ok');
    // The arguments from `metadata.inputs`, not the Python repr "{'query': 'example'}" of the input.
    assert.deepEqual(tool.toolCall, { id: 'call_1oGK863sxQHlPreFhDdEs3yl', name: 'Web-Search', arguments: { query: 'example' } });
    assert.deepEqual(tool.output!.value, [{ url: 'https://example.com', title: 'Example Result', q: 'example' }]);
    // The model's call that asked for it has the same id.
    const calls = t.steps.filter((s) => s.kind === 'llm').flatMap((s) => s.output?.messages?.flatMap((m) => m.toolCalls ?? []) ?? []);
    assert.deepEqual(calls.map((c) => [c.id, c.name]), [['call_1oGK863sxQHlPreFhDdEs3yl', 'Web-Search']]);
    // Other spans stay what they were.
    assert.deepEqual(t.steps.filter((s) => s.kind === 'tool').map((s) => s.id), ['21441266a9f21251']);
    // The tools offered to the model, which the handler wrote as "tool" messages after the prompt,
    // are the trace's tool definitions, not messages the model saw.
    assert.deepEqual(t.tools, [{ name: 'Web-Search', description: 'Dummy web search tool.', parameters: { properties: { query: { type: 'string' } }, required: ['query'], type: 'object' } }]);
    for (const model of t.steps.filter((s) => s.kind === 'llm')) {
      assert.deepEqual(model.availableTools, ['Web-Search']);
      assert.ok(model.input!.messages!.every((m) => !(m.role === 'tool' && !m.toolCallId)), JSON.stringify(model.input!.messages));
    }
    const second = t.steps.filter((s) => s.kind === 'llm')[1];
    assert.deepEqual(second.input!.messages!.map((m) => [m.role, m.toolCallId ?? m.toolCalls?.[0]?.id ?? null]), [
      ['user', null], ['user', null], ['assistant', 'call_1oGK863sxQHlPreFhDdEs3yl'], ['tool', 'call_1oGK863sxQHlPreFhDdEs3yl'],
    ]);
  });

  it('a failed LangChain tool (ToolMessage status "error") is a failed tool step with its message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'langfuse-tool-'));
    const file = join(dir, 'trace.json');
    const observation = {
      id: 'obs-tool', traceId: 't1', type: 'SPAN', name: 'lookup', startTime: '2025-08-22T09:38:57.085Z', endTime: '2025-08-22T09:38:57.090Z',
      input: "{'id': 7}", metadata: { inputs: { id: 7 } }, level: 'DEFAULT',
      output: { type: 'tool', name: 'lookup', tool_call_id: 'call_9', content: "Error: KeyError('7')\n Please fix your mistakes.", status: 'error' },
    };
    writeFileSync(file, JSON.stringify({ trace: { id: 't1', name: 'run', timestamp: '2025-08-22T09:38:57.000Z' }, observations: [observation] }));
    const tool = only(loadTraceFile(file)).steps[0];
    assert.deepEqual([tool.kind, tool.status, tool.error?.message, tool.toolCall?.id], ['tool', 'error', "Error: KeyError('7')\n Please fix your mistakes.", 'call_9']);
    assert.deepEqual(detect(only(loadTraceFile(file))).map((f) => [f.stepId, f.category]), [['obs-tool', 'TOOL.RUNTIME'], ['obs-tool', 'ORCH.PREMATURE_STOP']]);
  });
});

describe('LangSmith importer', () => {
  const files = sharedFiles('langsmith', (n) => n.endsWith('.json'));
  const EXPECTED: Record<string, [string, string]> = {
    'langsmith_js_wrap_openai_default.json': ['dc34609e-3eeb-459d-bc2a-6fedb01d2e6e', 'Howdy! How can I assist you today?'],
    'langsmith_js_wrap_openai_reasoning.json': ['e954b8e3-c337-4a05-bf0a-ca2baac3ba48', 'Certainly! Below is a Bash script'],
    'langsmith_py_wrap_openai_reasoning.json': ['a8b34ded-ccd2-4fb7-bccb-9cd625066a14', ''],
    'langsmith_py_wrap_openai_stream.json': ['fe8ffecb-72ce-4cd2-bdb7-01f34654c391', 'Howdy! How can I assist you today?'],
  };
  it('covers every shared LangSmith file', () => assert.deepEqual(files.map((f) => basename(f)).sort(), Object.keys(EXPECTED).sort()));
  for (const f of files) {
    it(`opens ${basename(f)}, the patch merged into the post`, () => {
      const [id, answerStart] = EXPECTED[basename(f)];
      const r = loadTraceFile(f);
      assert.equal(r.format, 'langsmith');
      assert.deepEqual(r.warnings, []);
      const t = only(r);
      assert.equal(t.steps.length, 1);
      const s = t.steps[0];
      assert.equal(s.id, id);
      assert.equal(s.kind, 'llm');
      assert.equal(s.name, 'ChatOpenAI');
      assert.ok(s.endTime! > s.startTime!, 'end_time comes from the patch');
      assert.equal(s.input!.messages![0].role, 'user');
      assert.equal(s.output!.messages![0].role, 'assistant');
      assert.ok(s.output!.messages![0].content!.startsWith(answerStart));
      assert.equal(s.finishReason, 'stop');
      assertLocated(f, s, (o) => o.id);
    });
  }
  it('reads a run tree with child_runs, LangChain messages and errors (own fixture)', () => {
    const f = join(PROJECT_ROOT, 'test', 'fixtures', 'otel', 'langsmith-run-tree.json');
    const t = only(loadTraceFile(f));
    assert.deepEqual(t.steps.map((s) => [s.name, s.kind, s.depth, s.status]), [
      ['AgentExecutor', 'agent', 0, 'error'], ['ChatOpenAI', 'llm', 1, 'ok'], ['divide', 'tool', 1, 'error'],
    ]);
    assert.deepEqual(t.steps[1].input!.messages, [{ role: 'user', content: 'What is 7 divided by 0?' }]);
    assert.deepEqual(t.steps[1].output!.messages![0].toolCalls, [{ id: 'call_div', name: 'divide', arguments: { a: 7, b: 0 } }]);
    assert.equal(t.steps[2].error!.message, "ZeroDivisionError('division by zero')");
    assert.match(t.steps[2].error!.stack!, /Traceback/);
    for (const s of t.steps) assertLocated(f, s, (o) => o.id);
  });
});
