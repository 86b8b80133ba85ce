import { strict as assert } from 'node:assert';
import { RULES, detect, type Finding } from '../../../src/core/detect';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { llmCall, llmSays, toolStep, trace } from './build';

const on = (fs: Finding[], stepId: string): string[] => fs.filter((f) => f.stepId === stepId).map((f) => f.category).sort();
const err = (message: string, type?: string) => ({ status: 'error' as const, error: { message, ...(type ? { type } : {}) } });

describe('RULES', () => {
  it('every rule has an id, a default-taxonomy leaf and a definition', () => {
    const ids = new Set<string>();
    for (const r of RULES) {
      assert.ok(!ids.has(r.id), `duplicate rule ${r.id}`);
      ids.add(r.id);
      const c = DEFAULT_TAXONOMY.get(r.category);
      assert.ok(c?.parent, `${r.id}: ${r.category} is not a leaf`);
      assert.ok(r.definition.length > 30, r.id);
    }
  });
});

describe('tool calls', () => {
  it('TOOL.UNKNOWN when the call names a tool not offered to that model step', () => {
    const bad = detect(trace([llmCall('m', 'delete_db', {}, { availableTools: ['search'] })]));
    assert.deepEqual(on(bad, 'm'), ['ORCH.PREMATURE_STOP', 'TOOL.UNKNOWN']);
    assert.equal(bad.find((f) => f.category === 'TOOL.UNKNOWN')!.rule, 'tool-undeclared');
    const ok = detect(trace([llmCall('m', 'search', {}, { availableTools: ['search'] }), llmSays('m2', 'done')]));
    assert.deepEqual(ok, []);
  });

  it('TOOL.UNKNOWN against the trace declarations when steps do not list offered tools', () => {
    const tools = [{ name: 'search', parameters: { type: 'object' } }];
    assert.deepEqual(on(detect(trace([llmCall('m', 'serach', {}), llmSays('m2', 'ok')], tools)), 'm'), ['TOOL.UNKNOWN']);
    assert.deepEqual(detect(trace([llmCall('m', 'search', {}), llmSays('m2', 'ok')], tools)), []);
  });

  it('TOOL.ARGS_INVALID for arguments that look like JSON but do not parse', () => {
    const fs = detect(trace([llmCall('m', 'search', '{"q": "x"'), llmSays('m2', 'ok')]));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category, f.rule]), [['m', 'TOOL.ARGS_INVALID', 'tool-args-json']]);
    assert.deepEqual(detect(trace([llmCall('m', 'python', 'print(1)'), llmSays('m2', 'ok')])), []);
  });

  it('TOOL.ARGS_INVALID against the declared parameters schema (ajv)', () => {
    const tools = [{ name: 'search', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false } }];
    const bad = detect(trace([llmCall('m', 'search', { q: 3 }), llmSays('m2', 'ok')], tools));
    assert.equal(bad.length, 1);
    assert.equal(bad[0].rule, 'tool-args-schema');
    assert.match(bad[0].evidence, /q must be string/);
    const extra = detect(trace([llmCall('m', 'search', { q: 'a', page: 2 }), llmSays('m2', 'ok')], tools));
    assert.match(extra[0].evidence, /must NOT have additional properties \("page"\)/);
    assert.deepEqual(detect(trace([llmCall('m', 'search', { q: 'a' }), llmSays('m2', 'ok')], tools)), []);
  });

  it('SYS.TOOL_DEFINITION for duplicate names and schemas that do not compile', () => {
    const fs = detect(trace([llmSays('m', 'hi')], [
      { name: 'a', parameters: { type: 'object' } }, { name: 'a' }, { name: 'b', parameters: { type: 'banana' } }, { name: 'c', parameters: 'x' },
    ]));
    assert.deepEqual(fs.map((f) => f.category), ['SYS.TOOL_DEFINITION']);
    const all = detect(trace([llmSays('m', 'hi')], [{ name: 'b', parameters: { type: 'banana' } }]));
    assert.match(all[0].evidence, /tool "b" has an invalid parameters schema/);
    assert.deepEqual(detect(trace([llmSays('m', 'hi')], [{ name: 'a', parameters: { type: 'object' } }])), []);
  });
});

describe('tool failures and attribution', () => {
  const failing = (message: string, type?: string, callId = 'c1') => trace([
    llmCall('m1', 'fetch', { url: 'u' }, {}, callId),
    { ...toolStep('t1', 'fetch', { url: 'u' }), toolCall: { id: callId, name: 'fetch', arguments: { url: 'u' } }, ...err(message, type) },
    llmSays('m2', 'The fetch failed, so I will try another source.'),
  ]);

  const cases: [string, string | undefined, string][] = [
    ['Request timed out after 30s', undefined, 'TOOL.TIMEOUT'],
    ['deadline', 'DeadlineExceeded', 'TOOL.TIMEOUT'],
    ['HTTP 429 Too Many Requests', undefined, 'TOOL.RATE_LIMIT'],
    ['401 Unauthorized', undefined, 'TOOL.AUTH'],
    ["[Errno 13] Permission denied: '/etc/shadow'", 'PermissionError', 'TOOL.AUTH'],
    ["[Errno 2] No such file or directory: 'a.txt'", 'FileNotFoundError', 'TOOL.NOT_FOUND'],
    ['GET /x returned 404', undefined, 'TOOL.NOT_FOUND'],
    ["No module named 'pandas'", 'ModuleNotFoundError', 'SYS.ENV_SETUP'],
    ['OPENAI_API_KEY is not set: api key missing', undefined, 'SYS.ENV_SETUP'],
    ['', 'MemoryError', 'SYS.RESOURCE'],
    ['division by zero', 'ZeroDivisionError', 'TOOL.RUNTIME'],
    ['upstream said: HTTP 503 Service Unavailable', undefined, 'TOOL.RUNTIME'],
    // tau-bench: a payment method the user does not have, not JSON-RPC's "Method not found" (an unknown tool).
    ['Error: payment method not found', undefined, 'TOOL.NOT_FOUND'],
    // A traceback's frames are code: "timeout=timeout" and "line 429" there say nothing of the failure.
    [[
      "'MockRequest' object has no attribute 'origin_req_host'",
      'Traceback (most recent call last):',
      '  File "/testbed/requests/sessions.py", line 280, in request',
      '    resp = self.send(prep, stream=stream, timeout=timeout, verify=verify)',
      '  File "/testbed/requests/models.py", line 429, in prepare_hooks',
      '    self.register_hook(event, hooks[event])',
      '             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
      "AttributeError: 'MockRequest' object has no attribute 'origin_req_host'",
    ].join('\n'), 'AttributeError', 'TOOL.RUNTIME'],
    [[
      'Non-successful status code 403',
      'Traceback (most recent call last):',
      '  File "/envs/lib/python3.9/site-packages/geopy/adapters.py", line 448, in _request',
      '    resp = self.session.get(url, timeout=timeout, headers=headers)',
      'geopy.adapters.AdapterHTTPError: Non-successful status code 403',
    ].join('\n'), 'AdapterHTTPError', 'TOOL.AUTH'],
    // dash's word for a missing command, exit status 127.
    ['exit code 127: Code output: /tmp/setup.sh: 5: ffmpeg: not found', 'ExecutionFailed', 'SYS.ENV_SETUP'],
  ];
  for (const [message, type, category] of cases) {
    it(`${type ?? ''} ${message.split('\n')[0]} -> ${category}, on the failing tool step only`, () => {
      const fs = detect(failing(message, type));
      assert.deepEqual(fs.map((f) => [f.stepId, f.category]), [['t1', category]]);
      assert.equal(fs[0].rule, 'tool-error');
      assert.equal(fs[0].impact, DEFAULT_TAXONOMY.get(category)!.impact);
    });
  }

  it('a shell whose program raised a TypeError about arguments failed at run time; the call\'s arguments were not rejected', () => {
    const shellRun = (tool: string) => detect(trace([
      llmCall('m1', tool, { command: 'python -m pytest test_requests.py' }, {}, 'c1'),
      { ...toolStep('t1', tool, { command: 'python -m pytest test_requests.py' }), toolCall: { id: 'c1', name: tool, arguments: { command: 'python -m pytest test_requests.py' } }, ...err("exit code 1: TypeError: HTTPConnection.__init__() got an unexpected keyword argument 'strict'", 'TypeError') },
      llmSays('m2', 'The test run failed with a TypeError; I will look at the connection code.'),
    ])).map((f) => [f.stepId, f.category]);
    for (const tool of ['bash', 'execute_command', 'Computer_terminal', 'run_shell_command']) assert.deepEqual(shellRun(tool), [['t1', 'TOOL.RUNTIME']], tool);
    // A tool that is not a shell rejected the arguments it was given: the model's call is blamed.
    assert.deepEqual(shellRun('page_down'), [['m1', 'TOOL.ARGS_INVALID'], ['t1', 'TOOL.ARGS_INVALID']]);
  });

  it('custom timeout patterns', () => {
    const t = failing('watchdog fired', 'WatchdogExpired');
    assert.equal(detect(t)[0].category, 'TOOL.RUNTIME');
    assert.equal(detect(t, { timeoutPattern: /watchdog/i })[0].category, 'TOOL.TIMEOUT');
  });

  it('rejected arguments go on the model step that made the call (by call id), the tool keeps the symptom', () => {
    const fs = detect(failing("PageDownTool.forward() got an unexpected keyword argument 'page_down'", 'TypeError'));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category, f.rule, f.symptomStepId]), [
      ['m1', 'TOOL.ARGS_INVALID', 'decision-caused-failure', 't1'],
      ['t1', 'TOOL.ARGS_INVALID', 'tool-error', undefined],
    ]);
    assert.match(fs[0].evidence, /its call to fetch failed \(unexpected keyword argument\)/);
  });

  it('without call ids, the nearest preceding model step under the same parent is the cause', () => {
    const fs = detect(trace([
      { id: 'agent', kind: 'agent' },
      llmSays('m0', 'thinking', { parentId: 'agent' }),
      llmCall('m1', 'search', { query: 'x' }, { parentId: 'agent' }),
      toolStep('t1', 'search', { query: 'x' }, { parentId: 'agent', ...err('Unknown tool: search') }),
      llmSays('m2', 'That tool does not exist; I will answer directly.', { parentId: 'agent' }),
    ]));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category, f.symptomStepId]), [['m1', 'TOOL.UNKNOWN', 't1'], ['t1', 'TOOL.UNKNOWN', undefined]]);
  });

  it('unflagged tool output that reads as an error (OpenAI tool messages) is inferred', () => {
    const run = (out: string) => detect(trace([
      llmCall('m1', 'api', {}), toolStep('t1', 'api', {}, { output: { value: out } }), llmSays('m2', 'Hmm, that failed; trying again later.'),
    ]));
    assert.deepEqual(run('Error: HTTP 429 rate limit exceeded').map((f) => [f.stepId, f.category, f.rule]), [['t1', 'TOOL.RATE_LIMIT', 'tool-output-error-text']]);
    assert.equal(run('Traceback (most recent call last):\n  File "x.py"\nKeyError: "a"')[0].category, 'TOOL.RUNTIME');
    assert.equal(run('{"error": {"code": -32602, "message": "Invalid params"}}')[0].category, 'TOOL.ARGS_INVALID');
    assert.deepEqual(run('The article discusses error handling in Go and HTTP status 200 responses.'), []);
  });

  it('is_error flags on tool result messages count as failures', () => {
    const fs = detect(trace([
      llmCall('m1', 'api', {}),
      toolStep('t1', 'api', {}, { output: { messages: [{ role: 'tool', content: 'quota gone', isError: true }] } }),
      llmSays('m2', 'That failed.'),
    ]));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category]), [['t1', 'TOOL.RUNTIME']]);
  });
});

describe('model output rejected by the framework (OUT.FORMAT)', () => {
  it('a failed agent step with a parsing error goes on its model step', () => {
    const fs = detect(trace([
      { id: 'run', kind: 'agent' },
      { id: 's1', kind: 'agent', parentId: 'run', ...err('Error in code parsing:\nYour code snippet is invalid, because the regex pattern ```(?:py|python)?\\n(.*?)\\n``` was not found in it.', 'AgentParsingError') },
      llmSays('m1', 'Thought: the answer is 4', { parentId: 's1' }),
      { id: 's2', kind: 'agent', parentId: 'run' },
      llmSays('m2', 'Sorry, here is the code block.', { parentId: 's2' }),
    ]));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category, f.rule, f.symptomStepId]), [['m1', 'OUT.FORMAT', 'format-rejected', 's1']]);
  });

  it('a failed container whose tool child failed is not reported twice', () => {
    const fs = detect(trace([
      { id: 's1', kind: 'agent', ...err('AgentExecutionError: Error when executing tool x: ConnectionError 503') },
      llmCall('m1', 'x', {}, { parentId: 's1' }),
      toolStep('t1', 'x', {}, { parentId: 's1', ...err('HTTP 503 Service Unavailable') }),
      llmSays('m2', 'The service failed; retry later.'),
    ]));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category]), [['t1', 'TOOL.RUNTIME']]);
  });

  const tail = (content: string) => trace([
    llmSays('m1', 'I will run ls'),
    { id: 'm2', kind: 'llm', input: { messages: [{ role: 'assistant', content: 'I will run ls' }, { role: 'user', content }] }, output: { messages: [{ role: 'assistant', content: 'DISCUSSION\nok\n```ls```' }] } },
  ]);
  for (const msg of [
    'Your output was not formatted correctly. You must always include one discussion and one command as part of your response.',
    'Could not parse LLM output: `I will run ls`',
    'agent invalid action',
  ]) {
    it(`the next input saying "${msg.slice(0, 30)}…" blames the previous model step`, () => {
      const fs = detect(tail(msg));
      assert.deepEqual(fs.map((f) => [f.stepId, f.category, f.rule]), [['m1', 'OUT.FORMAT', 'format-rejected']]);
    });
  }
  it('ordinary user follow-ups are not format errors', () => {
    assert.deepEqual(detect(tail('Thanks! Now please also list hidden files.')), []);
  });
  it('code in the next input is not a rejection: another agent\'s script that handles SyntaxError and formats its output', () => {
    const script = 'Here is a generic script to format the data:\n```python\ntry:\n    print(format(data))\nexcept SyntaxError as e:\n    print(f"Syntax Error: {e}")\n```\nRun it and report back.';
    assert.deepEqual(detect(tail(script)), []);
    // smolagents quotes the pattern it looked for in a code fence; its own words still reject the output.
    const smolagents = 'Error in code parsing: Your code snippet is invalid, because the regex pattern ```(?:py|python)?\n(.*?)\n``` was not found in it.';
    assert.deepEqual(detect(tail(smolagents)).map((f) => [f.stepId, f.category]), [['m1', 'OUT.FORMAT']]);
  });
});

describe('model calls', () => {
  it('SYS.LLM_API for provider errors, SYS.CONTEXT_OVERFLOW for context errors and length cut-offs', () => {
    const fs = detect(trace([
      llmSays('a', '', err('Error code: 529 overloaded_error')),
      llmSays('b', '', err("This model's maximum context length is 128000 tokens", 'BadRequestError')),
      llmSays('c', 'partial answ', { finishReason: 'length' }),
      llmSays('d', 'done', { finishReason: 'stop' }),
    ]));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category]), [['a', 'SYS.LLM_API'], ['b', 'SYS.CONTEXT_OVERFLOW'], ['c', 'SYS.CONTEXT_OVERFLOW']]);
  });
});

describe('control flow', () => {
  const calls = (...args: unknown[]) => {
    const steps = args.flatMap((a, i) => [llmCall(`m${i}`, 'search', a), toolStep(`t${i}`, 'search', a, { output: { value: `result ${i}` } })]);
    return trace([...steps, llmSays('end', 'answer')]);
  };

  it('ORCH.REPEAT_LOOP: N identical calls (keys sorted, strings trimmed), reported on the last', () => {
    const fs = detect(calls({ q: 'a', n: 1 }, { q: 'b' }, { n: 1, q: ' a ' }, { q: 'c' }, { q: 'a', n: 1 }));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category]), [['t4', 'ORCH.REPEAT_LOOP']]);
    assert.match(fs[0].evidence, /3 times/);
    assert.deepEqual(detect(calls({ q: 'a' }, { q: 'b' }, { q: 'a' })), []);
    assert.equal(detect(calls({ q: 'a' }, { q: 'b' }, { q: 'a' }), { repeatThreshold: 2 }).length, 1);
  });

  it('ORCH.REPEAT_LOOP: twice in a row', () => {
    assert.deepEqual(detect(calls({ q: 'a' }, { q: 'a' })).map((f) => [f.stepId, f.category]), [['t1', 'ORCH.REPEAT_LOOP']]);
  });

  it('ORCH.BLIND_RETRY: a failed call repeated unchanged, on the retrying model step', () => {
    const t = (args2: unknown) => trace([
      llmCall('m1', 'open', { path: 'a' }), toolStep('t1', 'open', { path: 'a' }, err('ZeroDivisionError: boom')),
      llmCall('m2', 'open', args2), toolStep('t2', 'open', args2, { output: { value: 'contents' } }),
      llmSays('m3', 'done'),
    ]);
    const fs = detect(t({ path: 'a' }));
    assert.deepEqual(fs.filter((f) => f.category === 'ORCH.BLIND_RETRY').map((f) => [f.stepId, f.symptomStepId]), [['m2', 't2']]);
    assert.deepEqual(detect(t({ path: 'b' })).filter((f) => f.category.startsWith('ORCH')), []);
  });

  it('ORCH.STEP_LIMIT from the framework error, and from DetectOptions.stepLimit', () => {
    const fs = detect(trace([{ id: 'a', kind: 'agent', ...err('Agent stopped due to iteration limit or time limit.') }, llmSays('m', 'x', { parentId: 'a' })]));
    assert.ok(fs.some((f) => f.stepId === 'a' && f.category === 'ORCH.STEP_LIMIT'));
    const many = trace([llmCall('m0', 's', {}), toolStep('t0', 's', {}, { output: { value: 'r' } }), llmCall('m1', 's', { p: 2 }), toolStep('t1', 's', { p: 2 }, { output: { value: 'r' } })]);
    assert.ok(detect(many, { stepLimit: 2 }).some((f) => f.stepId === 'm1' && f.category === 'ORCH.STEP_LIMIT'));
    assert.ok(!detect(many, { stepLimit: 3 }).some((f) => f.category === 'ORCH.STEP_LIMIT'));
  });

  it('ORCH.PREMATURE_STOP when the run ends on a failure or without a final answer', () => {
    const ends = detect(trace([llmCall('m', 'x', {}), toolStep('t', 'x', {}, err('boom'))]));
    assert.deepEqual(on(ends, 't'), ['ORCH.PREMATURE_STOP', 'TOOL.RUNTIME']);
    const final = detect(trace([llmCall('m', 'final_answer', { answer: 1 }), toolStep('t', 'final_answer', { answer: 1 }, { output: { value: '1' } })]));
    assert.deepEqual(final, []);
  });

  it('TOOL.EMPTY_RESULT for empty outputs and "no results"', () => {
    const run = (name: string, value: unknown) => detect(trace([llmCall('m', name, {}), toolStep('t', name, {}, { output: { value } }), llmSays('m2', 'ok')]));
    for (const value of [null, '', [], {}, 'No results found for "x".']) {
      assert.deepEqual(run('web_search', value).map((f) => [f.stepId, f.category]), [['t', 'TOOL.EMPTY_RESULT']], JSON.stringify(value));
    }
    assert.deepEqual(run('web_search', '3 results'), []);
    // Action tools return nothing on success; only an explicit "no results" counts for them.
    for (const value of [null, '', {}, 'null', 'None', '[]']) assert.deepEqual(run('think', value), [], JSON.stringify(value));
    for (const value of ['null', 'None', '[]']) assert.equal(run('web_search', value).length, 1, JSON.stringify(value));
    assert.equal(run('run_sql', 'No results.').length, 1);
    // A tool with no recorded output at all is not "empty".
    assert.deepEqual(detect(trace([llmCall('m', 'web_search', {}), toolStep('t', 'web_search', {}), llmSays('m2', 'ok')])), []);
  });
});

describe('reaction to failures', () => {
  const after = (reply: string) => trace([
    llmCall('m1', 'search', { q: 'x' }), toolStep('t1', 'search', { q: 'x' }, err('HTTP 500 Internal Server Error')), llmSays('m2', reply),
  ]);

  it('RSN.IGNORED_TOOL_ERROR when the next model step carries on as if nothing failed', () => {
    const fs = detect(after('Great, based on the results the answer is 42.'));
    assert.deepEqual(fs.map((f) => [f.stepId, f.category, f.symptomStepId]), [['t1', 'TOOL.RUNTIME', undefined], ['m2', 'RSN.IGNORED_TOOL_ERROR', 't1']]);
  });

  it('no finding when it acknowledges the failure or retries the tool', () => {
    assert.deepEqual(detect(after('The search failed with a server error; I will try again.')).map((f) => f.category), ['TOOL.RUNTIME']);
    assert.deepEqual(detect(after('Let me call search with a narrower query.')).map((f) => f.category), ['TOOL.RUNTIME']);
  });

  it('no finding when the reply says what failed in its own words (tau-bench\'s agents tell the user), a finding when it does not', () => {
    const reacting = (error: string, reply: string): string[] => detect(trace([
      llmCall('m1', 'update_reservation_flights', { id: 'EQ1G6C' }),
      toolStep('t1', 'update_reservation_flights', { id: 'EQ1G6C' }, err(error)),
      llmSays('m2', reply),
    ])).filter((f) => f.category === 'RSN.IGNORED_TOOL_ERROR').map((f) => f.stepId);
    // Three of the error's words in a row, restated.
    assert.deepEqual(reacting('Error: not enough seats on flight HAT229', 'It seems there are not enough seats in economy for that leg. Would you like business class?'), []);
    assert.deepEqual(reacting('Error: gift card balance is not enough', 'It seems that the balance on your gift card is not sufficient. Could you provide another payment method?'), []);
    assert.deepEqual(reacting('Error: not enough seats on flight HAT290', 'It seems there aren\'t enough seats available on flight HAT290. Shall we change the date?'), []);
    assert.deepEqual(reacting('Error: flight HAT030 not available on date 2024-05-13', 'It seems that flight HAT030 on May 13 is no longer available. Shall I search for others?'), []);
    // Carrying on with the results as if the call had worked.
    assert.deepEqual(reacting("TypeError: 'NoneType' object is not iterable", 'Based on the results, we have identified two useful sources. The next step is to read them.'), ['m2']);
    assert.deepEqual(reacting('Error: not enough seats on flight HAT229', 'Your reservation EQ1G6C is updated to economy. Anything else?'), ['m2']);
  });

  it("observation mode moves decision findings to the first model step that sees the failure", () => {
    const t = trace([
      llmCall('m1', 'page_down', { page_down: '' }),
      toolStep('t1', 'page_down', { page_down: '' }, err("got an unexpected keyword argument 'page_down'", 'TypeError')),
      llmSays('m2', 'Sorry, wrong arguments.'),
    ]);
    assert.deepEqual(detect(t).map((f) => [f.stepId, f.category]), [['m1', 'TOOL.ARGS_INVALID'], ['t1', 'TOOL.ARGS_INVALID']]);
    assert.deepEqual(detect(t, { attribution: 'observation' }).map((f) => [f.stepId, f.category, f.symptomStepId]), [
      ['t1', 'TOOL.ARGS_INVALID', undefined], ['m2', 'TOOL.ARGS_INVALID', 't1'],
    ]);
  });

  it('the observer is the next model step of the same agent, not a nested sub-agent step', () => {
    const t = trace([
      { id: 'run', kind: 'agent' },
      { id: 's1', kind: 'agent', parentId: 'run' },
      llmCall('m1', 'ask', {}, { parentId: 's1' }),
      toolStep('t1', 'ask', {}, { parentId: 's1', ...err('FileNotFoundError: gone') }),
      { id: 's2', kind: 'agent', parentId: 'run' },
      { id: 'sub', kind: 'agent', parentId: 's2' },
      llmSays('subm', 'sub-agent thinking', { parentId: 'sub' }),
      llmSays('m2', 'the file is missing', { parentId: 's2' }),
    ]);
    const fs = detect(t, { attribution: 'observation' });
    assert.deepEqual(fs.map((f) => [f.stepId, f.category]), [['t1', 'TOOL.NOT_FOUND'], ['m2', 'TOOL.NOT_FOUND']]);
  });
});

describe('hostile and large input', () => {
  it('huge texts, odd arguments and missing fields do not throw and evidence stays short', () => {
    const big = 'x'.repeat(2_000_000);
    const fs = detect(trace([
      llmCall('m', 'a', { self: big }),
      toolStep('t', 'a', undefined, err(`${big}Traceback (most recent call last): KeyError`)),
      { id: 'o', kind: 'other', output: { value: { a: [1, { b: null }] } } },
      llmSays('m2', big),
    ], [{ name: 'a', parameters: { type: 'object', properties: { self: { type: 'string', maxLength: 5 } } } }]));
    assert.ok(fs.length >= 2);
    for (const f of fs) assert.ok(f.evidence.length <= 400, f.evidence.slice(0, 50));
  });

  // Wall-clock goals live in `npm run bench`; here linearity is a count: every read of a step's
  // properties, for a trace and for one twice its size. A scan per step would make the ratio ~4.
  it('is linear: twice the steps, twice the step reads (no per-step scan of the trace)', () => {
    const run = (pairs: number): { reads: number; loops: number } => {
      const steps = [];
      for (let i = 0; i < pairs; i++) {
        steps.push(llmCall(`m${i}`, 'search', { q: i % 7 }));
        steps.push(toolStep(`t${i}`, 'search', { q: i % 7 }, i % 10 === 0 ? err('HTTP 503') : { output: { value: `r${i}` } }));
      }
      const t = trace(steps);
      let reads = 0;
      const counting: ProxyHandler<object> = { get: (target, key, receiver) => { reads++; return Reflect.get(target, key, receiver); } };
      const fs = detect({ ...t, steps: t.steps.map((s) => new Proxy(s, counting) as typeof s) });
      return { reads, loops: fs.filter((f) => f.category === 'ORCH.REPEAT_LOOP').length };
    };
    const small = run(2_500);
    const large = run(5_000);
    assert.equal(small.loops, 7);
    assert.equal(large.loops, 7);
    const ratio = large.reads / small.reads;
    assert.ok(ratio > 1.9 && ratio < 2.1, `step reads: ${small.reads} for 5,000 steps, ${large.reads} for 10,000 (ratio ${ratio.toFixed(3)})`);
  });
});
