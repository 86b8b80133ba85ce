/**
 * VS Code Copilot Chat's Agent Debug Log export (OTLP JSON plus a `copilotChat` object), from the
 * fixture written in its documented shape (test/fixtures/otel/README.md): one trace per exported
 * session, GenAI kinds, messages, tool calls, usage, and both tool failures found.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeLoaded } from '../../../../src/core/analyze';
import { loadOtlpJsonStream } from '../../../../src/core/engine/stream/otlp-stream';
import { terminalExitError } from '../../../../src/core/formats/otel/copilot-chat';
import { readSemantics } from '../../../../src/core/formats/otel/semconv';
import { loadTraceFile } from '../../../../src/core/load';
import { PROJECT_ROOT } from '../../../support/shared';
import { assertLocated, byId, only } from './helpers';

const FILE = join(PROJECT_ROOT, 'test', 'fixtures', 'otel', 'vscode-agent-debug-log.json');
const SESSION = 'b7d3e0c2-5f1a-4c8e-9a26-0e4f7d1c3b58';
const SYSTEM = 'You are an expert AI programming assistant, working with a user in the VS Code editor.';
const USER = 'npm test fails on the date parser. Find out why and fix it.';
const TERMINAL_ARGS = { command: 'npm test -- --grep parseIsoDate', explanation: 'Run the date parser tests.', isBackground: false };
const READ_ARGS = { filePath: '/home/dev/dateparse/src/parse.js', offset: 200, limit: 40 };
const READ_ERROR = 'Invalid offset 200: file only has 61 lines. Line numbers are 1-indexed.';

describe('VS Code Agent Debug Log export (OTLP JSON)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atd-vscode-debug-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const result = loadTraceFile(FILE);
  const t = only(result);

  it('opens as one trace named after the exported chat session', () => {
    assert.equal(result.format, 'otlp-json');
    assert.deepEqual(result.warnings, []);
    assert.equal(t.id, SESSION);
    assert.equal(t.title, 'Copilot Chat: Fix the date parser test');
    assert.deepEqual(t.metadata, {
      sessionId: SESSION, sessionTitle: 'Fix the date parser test', exportedAt: '2026-03-27T14:09:48.517Z',
      traceIds: ['000000000000000000000000000002a2', '000000000000000000000000000002b1'],
    });
    assert.deepEqual(t.tools.map((x) => x.name), ['run_in_terminal', 'read_file', 'grep_search']);
  });

  it('orders the requests and their model and tool calls by time, with their kinds', () => {
    // Written children first (in the order they ended); VS Code's own event last.
    assert.deepEqual(t.steps.map((s) => [s.id, s.depth, s.kind, s.name]), [
      ['core-0000000000000001', 0, 'other', 'Load Instructions'],
      ['00000000000002a1', 0, 'agent', 'invoke_agent GitHub Copilot Chat'],
      ['00000000000002a3', 1, 'llm', 'chat gpt-4.1'],
      ['00000000000002a4', 1, 'tool', 'execute_tool run_in_terminal'],
      ['00000000000002a5', 1, 'llm', 'chat gpt-4.1'],
      ['00000000000002a6', 1, 'tool', 'execute_tool read_file'],
      ['00000000000002a7', 1, 'llm', 'chat gpt-4.1'],
      ['00000000000002b0', 0, 'agent', 'invoke_agent GitHub Copilot Chat'],
      ['00000000000002b2', 1, 'llm', 'chat gpt-4.1'],
    ]);
    for (const s of t.steps) assertLocated(FILE, s, (o) => o.spanId);
    const core = byId(t, 'core-0000000000000001');
    assert.equal(core.startTime, core.endTime);
    assert.equal(core.attributes['copilot_chat.event_details'], 'Resolved 1 instructions file: .github/copilot-instructions.md');
  });

  it('reads the request: the user message, the answer, the token totals', () => {
    const agent = byId(t, '00000000000002a1');
    assert.equal(agent.status, 'ok');
    assert.equal(agent.startTime, Date.UTC(2026, 2, 27, 14, 5, 12, 340));
    assert.equal(agent.endTime! - agent.startTime!, 12940);
    assert.deepEqual(agent.input!.messages, [{ role: 'user', content: USER }]);
    assert.equal(agent.output!.messages![0].role, 'assistant');
    assert.ok(agent.output!.messages![0].content!.startsWith('`parseIsoDate` drops the `+02:00` offset'));
    assert.deepEqual(agent.usage, { inputTokens: 28563, outputTokens: 206, totalTokens: 28769 });
    assert.equal(agent.model, 'gpt-4.1-2025-04-14');
    assert.deepEqual(agent.availableTools, ['run_in_terminal', 'read_file', 'grep_search']);
    assert.equal((agent.attributes['otel.events'] as { name: string }[])[0].name, 'user_message');
  });

  it('reads model calls: the system prompt once, the tool call the model made, usage and cache reads', () => {
    const first = byId(t, '00000000000002a3');
    assert.equal(first.status, 'unset', 'a successful chat span keeps status UNSET, as Copilot Chat writes it');
    assert.deepEqual(first.input!.messages, [{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }]);
    assert.deepEqual(first.output!.messages, [{
      role: 'assistant', content: "I'll run the failing tests first.",
      toolCalls: [{ id: 'call_kQ3vN8xZp2LmT6wRb0YcHd1F', name: 'run_in_terminal', arguments: TERMINAL_ARGS }],
    }]);
    assert.equal(first.model, 'gpt-4.1-2025-04-14');
    assert.deepEqual(first.usage, { inputTokens: 9214, outputTokens: 61, totalTokens: 9275, cacheReadTokens: 8832 });
    assert.equal(first.finishReason, 'stop');
    assert.equal(first.attributes['gen_ai.request.temperature'], '0.1', 'a float attribute is exported as a string');
    assert.equal(first.attributes['gen_ai.request.max_tokens'], 16384);

    const last = byId(t, '00000000000002a7');
    const roles = last.input!.messages!.map((m) => m.role);
    assert.deepEqual(roles, ['system', 'user', 'assistant', 'tool', 'assistant', 'tool']);
    assert.deepEqual(last.input!.messages![4].toolCalls, [{ id: 'call_Hs7bW2eJq9XtV4nKc5MaPz0G', name: 'read_file', arguments: READ_ARGS }]);
    assert.equal(last.input!.messages![5].content, `ERROR: ${READ_ERROR}`);
  });

  it('finds both tool failures: the command that exited with code 1 and the tool that threw', () => {
    const terminal = byId(t, '00000000000002a4');
    assert.deepEqual(terminal.toolCall, { id: 'call_kQ3vN8xZp2LmT6wRb0YcHd1F', name: 'run_in_terminal', arguments: TERMINAL_ARGS });
    assert.equal(terminal.status, 'error', 'the span says OK; the result says the command failed');
    assert.equal(terminal.error!.type, 'ExitCode');
    assert.ok(terminal.error!.message.startsWith('exit code 1: parseIsoDate\n    1) keeps the UTC offset'), terminal.error!.message);
    assert.ok(String(terminal.output!.value).endsWith('\n\nCommand exited with code 1'));

    const read = byId(t, '00000000000002a6');
    assert.deepEqual(read.toolCall, { id: 'call_Hs7bW2eJq9XtV4nKc5MaPz0G', name: 'read_file', arguments: READ_ARGS });
    assert.equal(read.status, 'error');
    assert.deepEqual(read.error, { type: 'Error', message: READ_ERROR });
    assert.equal(read.output!.value, `ERROR: ${READ_ERROR}`);

    const findings = analyzeLoaded(result).analyses[0].findings.map((f) => [f.stepId, f.category, f.rule]);
    assert.deepEqual(findings, [
      ['00000000000002a4', 'TOOL.RUNTIME', 'tool-error'],
      ['00000000000002a6', 'TOOL.RUNTIME', 'tool-error'],
      ['00000000000002a7', 'RSN.IGNORED_TOOL_ERROR', 'ignored-tool-error'],
    ]);
  });

  it('is one trace because of the copilotChat object: without it, one trace per request', () => {
    const doc = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
    delete doc.copilotChat;
    const p = join(dir, 'no-session.json');
    writeFileSync(p, JSON.stringify(doc, null, 2));
    const r = loadTraceFile(p);
    assert.deepEqual(r.traces.map((x) => [x.id, x.steps.length]), [['000000000000000000000000000002a2', 6], ['000000000000000000000000000002b1', 3]]);
  });

  it('streams to the same result and findings as the whole-file import', () => {
    const streamed = loadOtlpJsonStream(FILE, { chunkSize: 1021 });
    assert.ok(streamed);
    assert.deepEqual(streamed, result);
    assert.deepEqual(analyzeLoaded(streamed).analyses.map((a) => a.findings), analyzeLoaded(result).analyses.map((a) => a.findings));
  });

  it('reads an exit code only from the terminal tool, and only a non-zero one', () => {
    assert.deepEqual(terminalExitError('run_in_terminal', 'boom\n\nCommand exited with code 2'), { type: 'ExitCode', message: 'exit code 2: boom' });
    assert.deepEqual(terminalExitError('run_in_terminal', 'Command exited with code 127'), { type: 'ExitCode', message: 'exit code 127: (no output)' });
    assert.equal(terminalExitError('run_in_terminal', 'ok\n\nCommand exited with code 0'), undefined);
    assert.equal(terminalExitError('run_in_terminal', 'Command exited with code 1 in the log above, then passed'), undefined);
    assert.equal(terminalExitError('read_file', 'x\n\nCommand exited with code 1'), undefined);
    assert.equal(terminalExitError('run_in_terminal', { exitCode: 1 }), undefined);
    // A search that found nothing answered (shell-exit.ts); the same exit of another command failed.
    assert.equal(terminalExitError('run_in_terminal', '\n\nCommand exited with code 1', { command: 'grep -rn "oldName" src', explanation: 'find uses' }), undefined);
    assert.deepEqual(terminalExitError('run_in_terminal', 'FAIL a.test.ts\n\nCommand exited with code 1', { command: 'npm test' }), { type: 'ExitCode', message: 'exit code 1: FAIL a.test.ts' });
  });

  it('keeps a system instruction that differs from the system message already in the input', () => {
    const msgs = (attrs: Record<string, unknown>) => readSemantics(attrs).input!.messages;
    const input = JSON.stringify([{ role: 'system', parts: [{ type: 'text', content: 'A' }] }, { role: 'user', parts: [{ type: 'text', content: 'hi' }] }]);
    assert.deepEqual(msgs({ 'gen_ai.input.messages': input, 'gen_ai.system_instructions': 'A' }), [{ role: 'system', content: 'A' }, { role: 'user', content: 'hi' }]);
    assert.deepEqual(msgs({ 'gen_ai.input.messages': input, 'gen_ai.system_instructions': 'B' }), [{ role: 'system', content: 'B' }, { role: 'system', content: 'A' }, { role: 'user', content: 'hi' }]);
  });
});
