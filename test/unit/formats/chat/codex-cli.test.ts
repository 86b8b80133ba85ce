import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { detect } from '../../../../src/core/detect';
import { loadTraceFromBytes } from '../../../../src/core/load';
import type { Step, Trace } from '../../../../src/core/model/schema';
import { sharedFiles } from '../../../support/shared';
import { assertLocated, brief, fixture, load, only } from './helpers';

interface TokenTotals { input_tokens: number; cached_input_tokens: number; output_tokens: number; reasoning_output_tokens: number; total_tokens: number }
/** The payload fields this test reads (the producer's RolloutLine payloads, all optional). */
interface Payload {
  type?: string; role?: string; call_id?: string; id?: string; name?: string; output?: unknown; message?: string;
  info?: { total_token_usage: TokenTotals } | null;
  cwd?: string; cli_version?: string; model_provider?: string; base_instructions?: { text: string };
}
interface RawLine { line: number; type: string; payload: Payload }

/** The rollout read directly, without the importer: every line with its 1-based line number. */
function rawLines(path: string): RawLine[] {
  return readFileSync(path, 'utf8').split('\n').flatMap((text, i) => {
    if (!text.trim()) return [];
    const v = JSON.parse(text);
    return [{ line: i + 1, type: v.type, payload: v.payload }];
  });
}

/** What an independent reading of the raw file says the trace must hold. */
function expectedFromRaw(lines: RawLine[]) {
  const items = lines.filter((l) => l.type === 'response_item');
  const events = lines.filter((l) => l.type === 'event_msg');
  const tokenTotals = events.flatMap((e) => (e.payload.type === 'token_count' && e.payload.info ? [e.payload.info.total_token_usage] : []));
  const meta = lines.find((l) => l.type === 'session_meta')!.payload;
  return {
    meta,
    calls: items.filter((l) => ['function_call', 'custom_tool_call', 'local_shell_call', 'web_search_call'].includes(l.payload.type ?? '')),
    outputs: items.filter((l) => ['function_call_output', 'custom_tool_call_output'].includes(l.payload.type ?? '')),
    userMessages: items.filter((l) => l.payload.type === 'message' && l.payload.role === 'user').length,
    developerMessages: items.filter((l) => l.payload.type === 'message' && l.payload.role === 'developer').length,
    turns: events.filter((e) => e.payload.type === 'task_started').length,
    // A response's usage is written once; repeats of the same total are rate-limit refreshes.
    responses: new Set(tokenTotals.map((t) => t.total_tokens)).size,
    finalTotal: tokenTotals[tokenTotals.length - 1],
    firstUserMessage: events.find((e) => e.payload.type === 'user_message')?.payload.message,
  };
}

function sum(steps: Step[], pick: (s: Step) => number | undefined): number {
  return steps.reduce((a, s) => a + (pick(s) ?? 0), 0);
}

function kinds(t: Trace): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of t.steps) out[s.kind] = (out[s.kind] ?? 0) + 1;
  return out;
}

/** Step counts by kind of each shared rollout, as read by hand from the files (see the raw checks too). */
const SHARED_KINDS: Record<string, Record<string, number>> = {
  'rollout-2026-02-23T12-40-23-019c8a4c-ed82-79a1-aa28-7738fc5ab61a.jsonl': { system: 11, message: 10, agent: 5, llm: 81, tool: 105 },
  'rollout-2026-02-23T12-41-04-019c8a4d-8f45-7010-8b5d-7fad920aa6f9.jsonl': { system: 5, message: 3, agent: 1, llm: 28, tool: 118 },
  'rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl': { system: 5, message: 4, agent: 1, llm: 1, tool: 1 },
  'rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl': { system: 5, message: 3, agent: 1, llm: 6, tool: 5 },
};

describe('Codex CLI rollouts (shared corpus)', () => {
  const files = sharedFiles('codex-cli');
  it('has every shared rollout listed here', () => {
    assert.deepEqual(files.map((f) => basename(f)), Object.keys(SHARED_KINDS));
  });

  for (const path of files) {
    it(`opens ${basename(path)} with the raw file's turns, responses, calls, outputs and token totals`, () => {
      const raw = rawLines(path);
      const want = expectedFromRaw(raw);
      const [t] = load(path, 'codex-cli', 1).traces;
      assert.deepEqual(kinds(t), SHARED_KINDS[basename(path)]);

      assert.equal(t.id, want.meta.id);
      assert.equal(t.title, want.firstUserMessage);
      assert.equal(t.metadata.cliVersion, want.meta.cli_version);
      assert.equal(t.metadata.cwd, want.meta.cwd);
      assert.equal(t.metadata.modelProvider, want.meta.model_provider);
      const instructions = only(t, (s) => s.kind === 'system' && s.name === 'instructions');
      assert.equal(instructions.input?.messages?.[0].content, want.meta.base_instructions?.text);

      const steps = (k: string) => t.steps.filter((s) => s.kind === k);
      assert.equal(steps('agent').length, want.turns);
      assert.equal(steps('llm').length, want.responses);
      assert.equal(steps('tool').length, want.calls.length);
      assert.equal(steps('message').length, want.userMessages);
      assert.equal(steps('system').length, want.developerMessages + 1);

      // Every call is a tool step with its call id, name and line; every output is on its call's step.
      for (const c of want.calls) {
        const step = only(t, (s) => s.kind === 'tool' && s.toolCall?.id === (c.payload.call_id ?? c.payload.id));
        assert.equal(step.attributes.callLine, c.line);
        if (c.payload.name) assert.equal(step.toolCall?.name, c.payload.name);
        // The call is also on the model step that made it.
        assert.ok(steps('llm').some((m) => m.output?.messages?.[0].toolCalls?.some((tc) => tc.id === step.toolCall?.id)));
      }
      for (const o of want.outputs) {
        const step = only(t, (s) => s.kind === 'tool' && s.toolCall?.id === o.payload.call_id);
        assert.equal(step.output?.value, o.payload.output);
        assert.equal(step.location?.line, o.line);
        assert.equal(step.status, 'ok');
      }
      // A call that never got an output (a session cut short) is not called a success.
      const answered = new Set(want.outputs.map((o) => o.payload.call_id));
      for (const s of steps('tool')) {
        if (s.toolCall?.name === 'web_search') continue;
        assert.equal(s.status, answered.has(s.toolCall!.id) ? 'ok' : 'unset', s.name);
        // ...nor given a duration it never had: it has no end.
        if (!answered.has(s.toolCall!.id)) assert.equal(s.endTime, null, s.name);
      }

      // Per-response usage sums to the session's final totals, cached input tokens included.
      const llm = steps('llm');
      assert.equal(sum(llm, (s) => s.usage?.inputTokens), want.finalTotal.input_tokens);
      assert.equal(sum(llm, (s) => s.usage?.outputTokens), want.finalTotal.output_tokens);
      assert.equal(sum(llm, (s) => s.usage?.cacheReadTokens as number), want.finalTotal.cached_input_tokens);
      assert.equal(sum(llm, (s) => s.usage?.reasoningTokens as number), want.finalTotal.reasoning_output_tokens);
      assert.deepEqual(t.metadata.totalTokenUsage, want.finalTotal);

      // Everything else in the turns hangs under its turn; locations point at the payload object.
      for (const s of t.steps) if (s.kind === 'tool' || s.kind === 'llm') assert.equal(t.steps.find((p) => p.id === s.parentId)?.kind, 'agent');
      assertLocated(readFileSync(path, 'utf8'), t.steps);
      assert.ok(t.steps.every((s) => s.location), 'every step has a source location');
    });
  }
});

describe('Codex CLI rollouts (failures)', () => {
  const path = fixture('codex-cli', 'failing-exec.jsonl');

  it('reads a failing exec, a patch, a local shell call, an aborted turn, a compaction and a model error', () => {
    const [t] = load(path, 'codex-cli', 1).traces;
    assert.deepEqual(t.steps.map(brief), [
      'system:instructions:ok', 'system:developer:ok',
      'agent:turn 1: run the tests and fix what fails:ok',
      'message:user: run the tests and fix what fails:ok',
      'llm:gpt-5-codex:ok', 'tool:shell_command:error',
      'llm:gpt-5-codex:ok', 'tool:apply_patch:ok',
      'llm:gpt-5-codex:ok', 'tool:local_shell:ok',
      'llm:gpt-5-codex:ok',
      'agent:turn 2: now deploy it:error',
      'message:user: now deploy it:ok', 'llm:gpt-5-codex:ok', 'tool:exec_command:error',
      'system:compacted:ok', 'llm:model error:error',
    ]);
    assert.equal(t.title, 'run the tests and fix what fails');
    assert.equal(t.id, '0199a000-0000-7000-8000-000000000001');

    const failed = only(t, (s) => s.toolCall?.id === 'call_test');
    assert.deepEqual(failed.toolCall?.arguments, { command: 'npm test', workdir: '/repo' });
    assert.equal(failed.attributes.exitCode, 1);
    assert.deepEqual(failed.error, { type: 'ExitCode', message: 'exit code 1: FAIL test/a.test.js\nError: expected 2 to equal 3' });
    assert.match(String(failed.output?.value), /^Exit code: 1\nWall time: 1\.2 seconds\nOutput:\nFAIL/);
    assert.equal(failed.output?.messages?.[0].isError, true);
    assert.equal(failed.location?.line, 12);
    assert.equal(failed.attributes.callLine, 9);

    const firstResponse = t.steps[4];
    assert.equal(firstResponse.attributes.reasoning, 'Running the test suite');
    assert.deepEqual(firstResponse.usage, { inputTokens: 1000, outputTokens: 50, totalTokens: 1050, cacheReadTokens: 800, reasoningTokens: 20 });

    const patch = only(t, (s) => s.toolCall?.id === 'call_patch');
    assert.match(String(patch.toolCall?.arguments), /^\*\*\* Begin Patch/);
    assert.equal(patch.attributes.exitCode, 0);
    assert.equal(t.steps[6].output?.messages?.[0].content, 'The test fails: the assertion in src/a.js is off by one; patching it.');

    const shell = only(t, (s) => s.toolCall?.id === 'call_shell');
    assert.deepEqual(shell.toolCall?.arguments, { type: 'exec', command: ['bash', '-lc', 'npm test'], timeout_ms: 60000, working_directory: '/repo' });
    assert.equal(shell.attributes.wallTimeSeconds, 1.1);
    // The token_count written after the local shell's output is that response's usage.
    assert.deepEqual(t.steps[8].usage, { inputTokens: 1300, outputTokens: 30, totalTokens: 1330, cacheReadTokens: 1200, reasoningTokens: 0 });

    const llm = t.steps.filter((s) => s.kind === 'llm');
    assert.equal(sum(llm, (s) => s.usage?.inputTokens), 6400);
    assert.equal(sum(llm, (s) => s.usage?.cacheReadTokens as number), 5800);
    assert.equal((t.metadata.totalTokenUsage as TokenTotals).cached_input_tokens, 5800);

    const turn2 = only(t, (s) => s.kind === 'agent' && s.status === 'error');
    assert.deepEqual(turn2.error, { type: 'TurnAborted', message: 'turn aborted: interrupted' });
    const cut = only(t, (s) => s.toolCall?.id === 'call_deploy');
    assert.equal(cut.parentId, turn2.id);
    assert.match(cut.error!.message, /aborted \(interrupted\) before this call returned/);

    assert.equal(only(t, (s) => s.name === 'compacted').input?.messages?.[0].content,
      'Summary so far: fixed the failing test in src/a.js; the deploy was interrupted by the user.');
    assert.equal(only(t, (s) => s.name === 'model error').error?.message, 'stream disconnected before completion: error sending request');
    assertLocated(readFileSync(path, 'utf8'), t.steps);
  });

  it('gives the detectors a tool failure for the failing exec and a provider failure for the model error', () => {
    const [t] = load(path, 'codex-cli', 1).traces;
    const findings = detect(t).map((f) => `${t.steps.find((s) => s.id === f.stepId)?.name} ${f.category} ${f.rule}`);
    assert.ok(findings.includes('shell_command TOOL.RUNTIME tool-error'), findings.join('\n'));
    assert.ok(findings.includes('model error SYS.LLM_API llm-api-error'), findings.join('\n'));
    assert.ok(!findings.some((f) => f.startsWith('apply_patch') || f.startsWith('local_shell')), findings.join('\n'));
  });

  it('warns about a broken line with its number and keeps the rest', () => {
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.splice(4, 0, '{"timestamp":"2026-02-23T10:00:01.000Z","type":"response_item","payload":{"type":');
    const r = loadTraceFromBytes('broken.jsonl', Buffer.from(lines.join('\n')));
    assert.equal(r.format, 'codex-cli');
    assert.ok(r.warnings.some((w) => w.line === 5), JSON.stringify(r.warnings));
    assert.equal(r.traces[0].steps.length, 17);
  });

  /** A rollout line: a response item, and the session header that starts an inline rollout. */
  const responseItem = (payload: object): string => JSON.stringify({ timestamp: '2026-02-23T10:00:00.000Z', type: 'response_item', payload });
  const SESSION_META = JSON.stringify({ timestamp: '2026-02-23T10:00:00.000Z', type: 'session_meta', payload: { id: 's-1', cwd: '/repo', cli_version: '0.104.0' } });

  it('reads the exit code from the output the model was given when no exec_command_end was written', () => {
    const line = responseItem;
    const text = [
      SESSION_META,
      line({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"make"}', call_id: 'c_make' }),
      line({ type: 'function_call_output', call_id: 'c_make', output: 'Chunk ID: 4f2a\nWall time: 0.5012 seconds\nProcess exited with code 2\nOriginal token count: 12\nOutput:\nmake: *** No rule to make target\n' }),
      line({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"npm run dev"}', call_id: 'c_dev' }),
      line({ type: 'function_call_output', call_id: 'c_dev', output: 'Chunk ID: 9b1c\nWall time: 10.0021 seconds\nProcess running with session ID 73\nOutput:\nready on :3000\n' }),
      line({ type: 'function_call', name: 'mcp__db__query', arguments: '{"sql":"select 1"}', call_id: 'c_mcp' }),
      line({ type: 'function_call_output', call_id: 'c_mcp', output: { content: 'err: connection refused', success: false } }),
      // A command the user ran with `!`: an end event with no call item.
      JSON.stringify({ timestamp: '2026-02-23T10:00:01.000Z', type: 'event_msg', payload: { type: 'exec_command_end', call_id: 'user-1', exit_code: 0, aggregated_output: 'hi\n' } }),
    ].join('\n');
    const r = loadTraceFromBytes('rollout-inline.jsonl', Buffer.from(text));
    assert.equal(r.format, 'codex-cli');
    const [t] = r.traces;
    const make = only(t, (s) => s.toolCall?.id === 'c_make');
    assert.equal(make.attributes.exitCode, 2);
    assert.equal(make.attributes.wallTimeSeconds, 0.5012);
    assert.deepEqual(make.error, { type: 'ExitCode', message: 'exit code 2: make: *** No rule to make target' });
    const dev = only(t, (s) => s.toolCall?.id === 'c_dev');
    assert.equal(dev.status, 'ok');
    assert.equal(dev.attributes.exitCode, undefined);
    const mcp = only(t, (s) => s.toolCall?.id === 'c_mcp');
    assert.deepEqual(mcp.error, { type: 'ToolFailed', message: 'err: connection refused' });
    assert.equal(mcp.output?.value, 'err: connection refused');
    assert.deepEqual(t.metadata.linesNotShownAsSteps, { 'exec/patch end event without a call': 1 });
  });

  it('takes a search that found nothing (exit 1 of rg, grep) as answered, not failed', () => {
    const line = responseItem;
    const text = [
      SESSION_META,
      line({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"rg -n oldName src"}', call_id: 'c_rg' }),
      line({ type: 'function_call_output', call_id: 'c_rg', output: 'Chunk ID: 1a2b\nWall time: 0.0100 seconds\nProcess exited with code 1\nOriginal token count: 0\nOutput:\n' }),
      line({ type: 'function_call', name: 'shell', arguments: '{"command":["bash","-lc","cd /repo && grep -c TODO src/a.js"]}', call_id: 'c_grep' }),
      JSON.stringify({ timestamp: '2026-02-23T10:00:01.000Z', type: 'event_msg', payload: { type: 'exec_command_end', call_id: 'c_grep', command: ['bash', '-lc', 'cd /repo && grep -c TODO src/a.js'], exit_code: 1, aggregated_output: '0\n' } }),
      line({ type: 'function_call_output', call_id: 'c_grep', output: '{"output": "0\\n", "metadata": {"exit_code": 1, "duration_seconds": 0.0}}' }),
      line({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"grep x missing.txt"}', call_id: 'c_missing' }),
      line({ type: 'function_call_output', call_id: 'c_missing', output: 'Chunk ID: 3c4d\nWall time: 0.0100 seconds\nProcess exited with code 2\nOriginal token count: 9\nOutput:\ngrep: missing.txt: No such file or directory\n' }),
    ].join('\n');
    const [t] = loadTraceFromBytes('rollout-search.jsonl', Buffer.from(text)).traces;
    const status = (id: string) => { const s = only(t, (x) => x.toolCall?.id === id); return [s.status, s.attributes.exitCode, s.error?.type]; };
    assert.deepEqual([status('c_rg'), status('c_grep'), status('c_missing')], [['ok', 1, undefined], ['ok', 1, undefined], ['error', 2, 'ExitCode']]);
  });

  it('reads a rollout written before the envelope (bare items, state markers)', () => {
    const legacy = fixture('codex-cli', 'legacy-rollout.jsonl');
    const [t] = load(legacy, 'codex-cli', 1).traces;
    assert.deepEqual(t.steps.map(brief), [
      'message:user: <environment_context> <cwd>/repo</cwd> …:ok', 'message:user: list the python files:ok',
      'llm:assistant:ok', 'tool:shell:error', 'llm:assistant:ok',
    ]);
    assert.equal(t.id, '5973b6c0-94b8-487b-a530-2aeb6098ae0e');
    assert.equal(t.title, 'list the python files');
    assert.deepEqual((t.metadata.git as { branch: string }).branch, 'main');
    assert.deepEqual(t.metadata.linesNotShownAsSteps, { 'state marker': 3 });
    const ls = only(t, (s) => s.kind === 'tool');
    assert.deepEqual(ls.toolCall, { id: 'call_ls', name: 'shell', arguments: { command: ['bash', '-lc', 'ls *.py'] } });
    assert.deepEqual(ls.error, { type: 'ExitCode', message: "exit code 2: ls: cannot access '*.py': No such file or directory" });
    assert.equal(t.steps[2].attributes.reasoning, '**Listing files**');
    assert.deepEqual(t.steps.map((s) => s.location?.line), [3, 4, 6, 8, 10]);
    assertLocated(readFileSync(legacy, 'utf8'), t.steps);
    const findings = detect(t).filter((f) => f.stepId === ls.id).map((f) => f.category);
    assert.deepEqual(findings, ['TOOL.NOT_FOUND']);
  });
});

describe('Codex CLI rollouts redacted for sharing (shared corpus)', () => {
  // localpush published these rollouts with every argument, message and output replaced by a
  // placeholder ("[REDACTED_ARGUMENTS len=153 sha=23291271]"): 109 calls were once flagged as
  // invalid JSON. Nothing in them can be judged; nothing may be flagged.
  for (const path of sharedFiles('codex-cli')) {
    it(`flags nothing in ${basename(path)}: its calls are placeholders, not invalid arguments`, () => {
      const [t] = load(path, 'codex-cli', 1).traces;
      const redactedCalls = t.steps.filter((s) => s.kind === 'tool' && typeof s.toolCall?.arguments === 'string' && s.toolCall.arguments.startsWith('[REDACTED_ARGUMENTS'));
      assert.ok(redactedCalls.length > 0, 'the rollout is no longer redacted: this test no longer tests what it says');
      assert.deepEqual(detect(t).map((f) => `${f.category} ${f.evidence}`), []);
    });
  }
});
