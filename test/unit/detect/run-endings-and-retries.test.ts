/**
 * Issue 10's detector fixes, each positive and negative: provider failures that end a run are
 * SYS.LLM_API, a retry after the workspace changed (or of a call with no arguments) is not blind,
 * a run its harness cut off is reported on its last model step, Harbor's parse feedback is
 * OUT.FORMAT, and an intermediate Harbor episode does not "end" on its tool call.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detect } from '../../../src/core/detect';
import type { Finding } from '../../../src/core/detect/types';
import { loadTraceFile } from '../../../src/core/load';
import { PROJECT_ROOT, sharedPath } from '../../support/shared';
import { llmCall, llmSays, toolStep, trace, type StepSpec } from './build';
import { OPENS_ALTERNATIVE, opensAlternative } from '../../../src/core/model/alternatives';

const err = (message: string, type?: string) => ({ status: 'error' as const, error: { message, ...(type ? { type } : {}) } });
const on = (fs: Finding[], stepId: string): string[] => fs.filter((f) => f.stepId === stepId).map((f) => f.category).sort();
const bash = (id: string, command: string, extra = {}): StepSpec => toolStep(id, 'bash', { command }, extra);

describe('model-provider failures that end a run', () => {
  const endsWith = (last: StepSpec) => trace([llmCall('m1', 'bash', { command: 'ls' }), bash('t1', 'ls', { output: { value: 'a.py' } }), last]);
  const cases: [string, string | undefined][] = [
    ['litellm.InternalServerError: InternalServerError: DeepseekException - [SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol', 'InternalServerError'],
    ['litellm.Timeout: Connection timed out after 600.0 seconds.', 'Timeout'],
    ['openai.APIConnectionError: Connection error.', undefined],
    ["anthropic.InternalServerError: Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}}", undefined],
    ['litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o', 'RateLimitError'],
  ];
  for (const [message, type] of cases) {
    it(`"${message.slice(0, 40)}…" on the run's exit step is SYS.LLM_API, not a tool failure`, () => {
      const fs = detect(endsWith({ id: 'exit', kind: 'system', name: `exit: ${type ?? 'error'}`, ...err(message, type) }));
      const cats = on(fs, 'exit');
      assert.ok(cats.includes('SYS.LLM_API'), JSON.stringify(fs));
      assert.ok(!cats.some((c) => c.startsWith('TOOL.')), JSON.stringify(fs));
    });
  }
  it('also as the error text of an agent span', () => {
    const t = trace([{ id: 'a', kind: 'agent', ...err('litellm.APIConnectionError: APIConnectionError: OpenAIException - Connection error.') }, llmSays('m1', 'thinking', { parentId: 'a' })]);
    assert.deepEqual(on(detect(t), 'a'), ['SYS.LLM_API']);
  });
  it('on the real mini-swe-agent run that ended on litellm.InternalServerError', () => {
    const t = loadTraceFile(sharedPath('traces', 'mini-swe-agent', 'pvlib__pvlib-python-1072.traj.json')).traces[0];
    const exit = t.steps.at(-1)!;
    assert.equal(exit.name, 'exit: InternalServerError');
    const cats = on(detect(t), exit.id);
    assert.ok(cats.includes('SYS.LLM_API') && !cats.includes('TOOL.RUNTIME'), cats.join());
  });
  it('a tool that fails with a timeout or a server error is still a tool failure', () => {
    assert.deepEqual(on(detect(endsWith(bash('t2', 'curl x', err('curl: (28) Operation timed out after 30000 milliseconds')))), 't2').filter((c) => c !== 'ORCH.PREMATURE_STOP'), ['TOOL.TIMEOUT']);
    const exit = detect(endsWith({ id: 'exit', kind: 'system', ...err('RuntimeError: the docker container exited') }));
    assert.ok(!on(exit, 'exit').includes('SYS.LLM_API'));
    // Naming the SDK is not enough: only its exception types are provider failures.
    const sdkType = detect(endsWith({ id: 'exit', kind: 'system', ...err("TypeError: 'openai.types.chat.ChatCompletion' object is not subscriptable") }));
    assert.ok(!on(sdkType, 'exit').includes('SYS.LLM_API'), JSON.stringify(sdkType));
  });
});

describe('blind-retry', () => {
  const failing = (id: string) => bash(id, 'pytest tests/test_calc.py', err('exit code 1: FAILED tests/test_calc.py::test_div - ZeroDivisionError'));
  const retries = (between: StepSpec[]) => detect(trace([
    llmCall('m1', 'bash', { command: 'pytest tests/test_calc.py' }), failing('t1'),
    ...between,
    llmCall('m3', 'bash', { command: 'pytest tests/test_calc.py' }), failing('t3'),
    llmSays('m4', 'The tests still fail; I will stop here.'),
  ])).filter((f) => f.category === 'ORCH.BLIND_RETRY');

  it('fires when nothing that changes the workspace happened between the two identical calls', () => {
    assert.equal(retries([llmCall('m2', 'bash', { command: 'cat calc.py' }), bash('t2', 'cat calc.py', { output: { value: 'def div(a, b): return a / b' } })]).length, 1);
    // A write that failed changed nothing.
    assert.equal(retries([llmCall('m2', 'str_replace_editor', { command: 'str_replace', path: 'calc.py', old_str: 'x', new_str: 'y' }),
      toolStep('t2', 'str_replace_editor', { command: 'str_replace', path: 'calc.py', old_str: 'x', new_str: 'y' }, err('No replacement was performed, old_str `x` did not appear verbatim'))]).length, 1);
  });
  it('does not fire when a file was edited in between (edit tool, sed -i, a patch applied, a redirect)', () => {
    const edits: [string, unknown][] = [
      ['str_replace_editor', { command: 'str_replace', path: 'calc.py', old_str: 'a / b', new_str: 'a / b if b else 0' }],
      ['edit_file', { path: 'calc.py', content: 'def div(a, b): ...' }],
      ['bash', { command: "sed -i 's#a / b#a / b if b else 0#' calc.py" }],
      ['bash', { command: 'git apply fix.patch' }],
      ['bash', { command: "cat > calc.py <<'EOF'\ndef div(a, b): ...\nEOF" }],
      ['apply_patch', { input: '*** Begin Patch\n*** Update File: calc.py\n*** End Patch' }],
    ];
    for (const [name, args] of edits) {
      assert.deepEqual(retries([llmCall('m2', name, args), toolStep('t2', name, args, { output: { value: 'done' } })]), [], name);
    }
  });
  it('does not fire for a call with no arguments (nothing shows the arguments were unchanged)', () => {
    const t = (args: unknown) => detect(trace([
      llmCall('m1', 'get_status', args), toolStep('t1', 'get_status', args, err('Service Unavailable (503)')),
      llmCall('m2', 'get_status', args), toolStep('t2', 'get_status', args, { output: { value: 'up' } }),
      llmSays('m3', 'It is up now.'),
    ])).filter((f) => f.category === 'ORCH.BLIND_RETRY');
    assert.deepEqual(t({}), []);
    assert.deepEqual(t(undefined), []);
    assert.equal(t({ service: 'db' }).length, 1);
  });
});

describe('alternatives of a search (DFSDT backtracking, pass@k tries)', () => {
  // The model starts each alternative from its branch point: what an alternative before it did is
  // not in its context, so repeating a call that failed there is no blind retry, its error not ignored.
  const alternative = (id: string, parentId: string): StepSpec => ({ id, kind: 'agent', name: id, parentId, attributes: { ...OPENS_ALTERNATIVE } });
  const call = (n: string, parentId: string, outcome = err('HTTP 500: Internal Server Error')): StepSpec[] => [
    llmCall(`m${n}`, 'lookup', { cep: '24680' }, { parentId }), toolStep(`t${n}`, 'lookup', { cep: '24680' }, { parentId, ...outcome }),
  ];
  const findings = (steps: StepSpec[]) => detect(trace([{ id: 'q', kind: 'message', name: 'query' }, ...steps, llmSays('end', 'I could not find it.')]));
  const rules = (fs: Finding[]) => fs.filter((f) => f.rule === 'blind-retry' || f.rule === 'repeat-loop' || f.rule === 'ignored-tool-error').map((f) => `${f.stepId} ${f.rule}`);

  it('does not count a call that failed in an earlier alternative as retried, nor its error as ignored', () => {
    const fs = findings([alternative('a1', 'q'), ...call('1', 'a1'), alternative('a2', 'q'), llmSays('m2x', 'Trying the lookup.', { parentId: 'a2' }), ...call('2', 'a2'), alternative('a3', 'q'), ...call('3', 'a3')]);
    assert.deepEqual(rules(fs), []);
    // The same steps without the marks: one context, a blind retry and a loop.
    const plain = findings([{ id: 'a1', kind: 'agent', parentId: 'q' }, ...call('1', 'a1'), { id: 'a2', kind: 'agent', parentId: 'q' }, llmSays('m2x', 'Trying the lookup.', { parentId: 'a2' }), ...call('2', 'a2'), { id: 'a3', kind: 'agent', parentId: 'q' }, ...call('3', 'a3')]);
    assert.ok(rules(plain).includes('m2 blind-retry') && rules(plain).some((r) => r.endsWith('repeat-loop')), rules(plain).join('; '));
  });

  it('still counts a failure the alternative saw: before its branch point, or earlier in itself', () => {
    const fs = findings([...call('0', 'q'), alternative('a1', 'q'), ...call('1', 'a1'), ...call('2', 'a1'), alternative('a2', 'q'), ...call('3', 'a2')]);
    const retried = fs.filter((f) => f.rule === 'blind-retry').map((f) => f.stepId);
    assert.deepEqual(retried, ['m1', 'm2', 'm3'], 'm1 and m3 saw t0 fail before the branch point; m2 saw t1 fail in its own alternative');
  });

  it('reads the alternatives of a real ToolBench DFSDT tree as such', () => {
    const [t] = loadTraceFile(sharedPath('traces', 'toolbench', 'G2_answer', '10_ChatGPT_DFS_woFilter_w2.json')).traces;
    const opening = t.steps.filter((s) => opensAlternative(s));
    assert.ok(opening.length > 10 && opening.every((s) => /^attempt \d+ of \d+$/.test(s.name)), `${opening.length} alternatives`);
    const fs = detect(t);
    // Each blind retry repeats a call that failed on its own path through the tree.
    const byId = new Map(t.steps.map((s) => [s.id, s]));
    const ancestors = (id: string): Set<string> => {
      const out = new Set<string>();
      for (let p = byId.get(id)?.parentId; p; p = byId.get(p)?.parentId ?? null) out.add(p);
      return out;
    };
    const retries = fs.filter((f) => f.rule === 'blind-retry');
    assert.ok(retries.length > 0);
    for (const f of retries) {
      const failedAt = Number(/failed at step (\d+)/.exec(f.evidence ?? '')![1]) - 1;
      const failed = t.steps[failedAt];
      const branchOf = (id: string) => [...ancestors(id)].filter((a) => opensAlternative(byId.get(a)!));
      const retryBranches = new Set(branchOf(f.stepId));
      assert.ok(branchOf(failed.id).every((b) => retryBranches.has(b)), `${f.stepId} retries ${failed.id}, which is on its path`);
    }
  });
});

describe('repeat-loop', () => {
  const pytest = (n: number): StepSpec[] => [llmCall(`m${n}`, 'bash', { command: 'pytest' }), bash(`t${n}`, 'pytest', err('exit code 1: 1 failed'))];
  const edit = (n: number): StepSpec[] => {
    const args = { command: 'str_replace', path: 'calc.py', old_str: `v${n}`, new_str: `v${n + 1}` };
    return [llmCall(`e${n}`, 'str_replace_editor', args), toolStep(`f${n}`, 'str_replace_editor', args, { output: { value: 'edited' } })];
  };
  const loops = (steps: StepSpec[]) => detect(trace([...steps, llmSays('end', 'Done.')])).filter((f) => f.category === 'ORCH.REPEAT_LOOP');

  it('does not count a test run repeated between edits (test, fix, test, fix, test is how a fix is made)', () => {
    assert.deepEqual(loops([...pytest(1), ...edit(1), ...pytest(2), ...edit(2), ...pytest(3), ...edit(3), ...pytest(4)]), []);
  });
  it('still counts the same call repeated while nothing changed', () => {
    assert.equal(loops([...pytest(1), ...pytest(2), ...pytest(3)]).length, 1);
    // Changes before and after do not hide the repeats in between.
    assert.equal(loops([...edit(1), ...pytest(1), ...pytest(2), ...edit(2), ...pytest(3)]).length, 1);
  });
});

describe('a run whose last reply only calls tools', () => {
  const endingOn = (name: string): string[] => detect(trace([
    llmCall('m1', 'search', { q: 'jokes' }), toolStep('t1', 'search', { q: 'jokes' }, { output: { value: 'three ideas' } }),
    llmCall('m2', name, { quality: 'good', feedback: 'clever' }), toolStep('t2', name, { quality: 'good' }, { output: { value: 'Final result processed.' } }),
  ])).filter((f) => f.category === 'ORCH.PREMATURE_STOP').map((f) => f.stepId);

  it('has no final answer: an early stop on that reply', () => {
    assert.deepEqual(endingOn('search'), ['m2']);
  });

  it('gave its answer when the call is an output tool (pydantic-ai final_result, any-agent final_output, ADK set_model_response)', () => {
    for (const name of ['final_result', 'final_result_Feedback', 'final_output', 'set_model_response', 'final_answer']) assert.deepEqual(endingOn(name), [], name);
  });

  it('on the shared pydantic-ai and any-agent runs that end on their output tool', () => {
    for (const file of ['langfuse/framework-traces/pydantic-ai-tools-2025-12-04.json', 'any-agent-genai-spans/GOOGLE_trace.json']) {
      const fs = loadTraceFile(sharedPath('traces', ...file.split('/'))).traces.flatMap((t) => detect(t));
      assert.deepEqual(fs.filter((f) => f.category === 'ORCH.PREMATURE_STOP'), [], file);
    }
  });
});

describe('a run cut off by its harness', () => {
  const run = (last: StepSpec) => trace([
    llmCall('m1', 'bash', { command: 'ls' }), bash('t1', 'ls', { output: { value: 'a.py' } }),
    llmCall('m2', 'bash', { command: 'cat a.py' }), bash('t2', 'cat a.py', { output: { value: 'print(1)' } }),
    last,
  ]);
  const exit = (status: string, message = `the run ended with exit status "${status}"`): StepSpec => ({ id: 'exit', kind: 'system', name: `exit: ${status}`, ...err(message, status) });
  const cases: [string, StepSpec, string][] = [
    ['mini-swe-agent LimitsExceeded', exit('LimitsExceeded'), 'ORCH.STEP_LIMIT'],
    ['SWE-agent exit_cost', exit('exit_cost'), 'ORCH.STEP_LIMIT'],
    ['SWE-agent submitted (exit_cost)', exit('submitted (exit_cost)'), 'ORCH.STEP_LIMIT'],
    ['SWE-agent exit_context', exit('exit_context'), 'ORCH.PREMATURE_STOP'],
    ['SWE-agent exit_format', exit('exit_format'), 'ORCH.PREMATURE_STOP'],
    ['Inspect message limit', { id: 'exit', kind: 'other', name: 'limit: message', ...err('Message limit 30 exceeded', 'message_limit') }, 'ORCH.STEP_LIMIT'],
    ['Inspect time limit', { id: 'exit', kind: 'other', name: 'limit: time', ...err('Time limit 600 exceeded', 'time_limit') }, 'ORCH.PREMATURE_STOP'],
    ['OpenHands max iterations', { id: 'exit', kind: 'system', name: 'agent state: error', ...err('RuntimeError: Agent reached maximum iteration in headless mode. Current iteration: 100, max iteration: 100', 'AgentStateError') }, 'ORCH.STEP_LIMIT'],
  ];
  for (const [what, last, category] of cases) {
    it(`${what}: ${category} on the last model step, with the harness's reason`, () => {
      const fs = detect(run(last));
      const f = fs.find((x) => x.stepId === 'm2' && x.category === category);
      assert.ok(f, JSON.stringify(fs));
      assert.match(f!.evidence, /harness/);
      const reason = (last.error!.type ?? last.error!.message).replace(/[()]/g, '.');
      assert.match(f!.evidence, new RegExp(reason.slice(0, 12)));
      // The cut-off is not a tool failure on the exit step.
      assert.ok(!on(fs, 'exit').some((c) => c.startsWith('TOOL.')), JSON.stringify(fs));
    });
  }
  it('through the mini-swe-agent importer: the exit status in info is the reason, on the last model step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-cutoff-'));
    try {
      const traj = (exit: string) => ({
        info: { exit_status: exit, mini_version: '1.0.0', submission: '' },
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Fix the bug.' },
          { role: 'assistant', content: 'Look first.\n```bash\nls\n```' }, { role: 'user', content: '<returncode>0</returncode>\n<output>\na.py\n</output>' },
          { role: 'assistant', content: 'Read it.\n```bash\ncat a.py\n```' }, { role: 'user', content: '<returncode>0</returncode>\n<output>\nprint(1)\n</output>' },
        ],
        trajectory_format: 'mini-swe-agent-1',
      });
      const run = (exit: string) => {
        const f = join(dir, `${exit}.traj.json`);
        writeFileSync(f, JSON.stringify(traj(exit)));
        const t = loadTraceFile(f).traces[0];
        const lastModel = t.steps.filter((s) => s.kind === 'llm').at(-1)!;
        return detect(t).filter((x) => x.stepId === lastModel.id && /harness/.test(x.evidence)).map((x) => x.category);
      };
      assert.deepEqual(run('LimitsExceeded'), ['ORCH.STEP_LIMIT']);
      assert.deepEqual(run('exit_context'), ['ORCH.PREMATURE_STOP']);
      assert.deepEqual(run('Submitted'), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a run that submitted normally, or gave its final answer, gets no cut-off finding', () => {
    const ok = detect(run({ id: 'exit', kind: 'system', name: 'exit: Submitted', status: 'ok', output: { value: 'diff' } }));
    assert.ok(!ok.some((f) => f.category === 'ORCH.STEP_LIMIT' || (f.stepId === 'm2' && f.category === 'ORCH.PREMATURE_STOP' && /harness/.test(f.evidence))), JSON.stringify(ok));
    const answered = detect(trace([llmCall('m1', 'bash', { command: 'ls' }), bash('t1', 'ls', { output: { value: 'a.py' } }), llmSays('m2', 'The file is a.py.'), exit('exit_cost')]));
    assert.ok(!answered.some((f) => f.stepId === 'm2'), JSON.stringify(answered));
  });
});

describe('Harbor exports', () => {
  const rows = loadTraceFile(join(PROJECT_ROOT, 'test', 'fixtures', 'harbor-traces', 'job-2026-04-01.traces.json')).traces;
  it('"Previous response had parsing errors" is OUT.FORMAT on the model step, not SYS.LLM_API', () => {
    const t = rows[3];
    const failed = t.steps.find((s) => s.kind === 'llm' && s.status === 'error')!;
    const cats = on(detect(t), failed.id);
    assert.deepEqual(cats, ['OUT.FORMAT']);
  });
  it('a provider error on a model step stays SYS.LLM_API', () => {
    assert.deepEqual(on(detect(trace([llmSays('m1', '', err('Error code: 503 - Service Unavailable', 'InternalServerError'))])), 'm1'), ['SYS.LLM_API']);
  });
  it('an intermediate episode (--episodes all) does not end on its tool call; the last episode of the trial and other runs still can', () => {
    const [, episode1, episode2] = rows;
    assert.equal(episode1.metadata.intermediateEpisode, true);
    assert.ok(!detect(episode1).some((f) => f.category === 'ORCH.PREMATURE_STOP'), JSON.stringify(detect(episode1)));
    assert.equal(episode2.metadata.intermediateEpisode, undefined);
    assert.ok(detect(trace([llmCall('m1', 'bash', { command: 'ls' })])).some((f) => f.category === 'ORCH.PREMATURE_STOP'));
  });
});
