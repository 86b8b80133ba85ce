/**
 * Where the user stopped the agent (src/core/detect/user-stop.ts): a call the user declined or
 * interrupted is not the tool's failure, and a run the user interrupted did not stop early by the
 * agent's choice.
 */
import { strict as assert } from 'node:assert';
import { basename, resolve } from 'node:path';
import { detect, StreamDetector } from '../../../src/core/detect';
import { loadTraceFile } from '../../../src/core/load';
import { TraceIndex } from '../../../src/core/engine/trace-index';
import type { Trace } from '../../../src/core/model/schema';
import { sharedFiles } from '../../support/shared';
import { llmCall, llmSays, toolStep, trace } from './build';

const DECLINED = "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.";
const interruption = (id: string) => ({ id, kind: 'message' as const, input: { messages: [{ role: 'user' as const, content: '[Request interrupted by user]' }] } });

const found = (t: Trace): string[] => detect(t).map((f) => `${f.stepId} ${f.category} ${f.rule}`);

describe('the user stopping the agent', () => {
  it('a declined call is no tool failure, and the model going on after it ignores no error', () => {
    const run = trace([
      llmCall('l1', 'bash', { command: 'rm -rf build' }),
      toolStep('t1', 'bash', { command: 'rm -rf build' }, { status: 'error', error: { message: DECLINED }, output: { value: DECLINED } }),
      llmSays('l2', 'Understood, I will not delete the build folder. Done.'),
    ]);
    assert.deepEqual(found(run), []);
    // The same failure from the tool itself is one.
    const failed = trace([
      llmCall('l1', 'bash', { command: 'rm -rf build' }),
      toolStep('t1', 'bash', { command: 'rm -rf build' }, { status: 'error', error: { message: 'rm: cannot remove build: Device or resource busy' } }),
      llmSays('l2', 'Done.'),
    ]);
    assert.ok(found(failed).includes('t1 TOOL.RUNTIME tool-error'), found(failed).join('\n'));
  });

  it('a run the user interrupted after a tool-only reply did not stop early; interrupted before the last reply, it did', () => {
    const steps = [llmCall('l1', 'read', { path: 'a' }), toolStep('t1', 'read', { path: 'a' }, { output: { value: 'text' } }), llmCall('l2', 'read', { path: 'b' })];
    assert.deepEqual(found(trace(steps)), ['l2 ORCH.PREMATURE_STOP ends-on-error']);
    assert.deepEqual(found(trace([...steps, interruption('u1')])), []);
    const resumed = trace([llmCall('l0', 'ls', {}), interruption('u0'), ...steps]);
    assert.deepEqual(found(resumed), ['l2 ORCH.PREMATURE_STOP ends-on-error']);
  });

  it('a turn aborted by the user (Codex CLI) is no failure of its call; a Cline reply the user cancelled is no provider failure', () => {
    const aborted = trace([
      { id: 'turn', kind: 'agent', status: 'error', error: { type: 'TurnAborted', message: 'turn aborted: interrupted' } },
      llmCall('l1', 'exec_command', { cmd: 'sleep 100' }, { parentId: 'turn' }),
      toolStep('t1', 'exec_command', { cmd: 'sleep 100' }, { parentId: 'turn', status: 'error', error: { type: 'TurnAborted', message: 'the turn was aborted (interrupted) before this call returned' } }),
    ]);
    assert.deepEqual(found(aborted), []);
    const cancelled = trace([llmSays('l1', 'Let me', { status: 'error', error: { type: 'Cancelled', message: 'Response interrupted by user' } })]);
    assert.deepEqual(found(cancelled), []);
    const providerFailed = trace([llmSays('l1', 'Let me', { status: 'error', error: { type: 'StreamingFailed', message: 'Response interrupted by API Error' } })]);
    assert.ok(found(providerFailed).includes('l1 SYS.LLM_API llm-api-error'), found(providerFailed).join('\n'));
  });

  it('a Gemini CLI call the user cancelled is no tool failure; the session\'s real failures still are', () => {
    const [t] = loadTraceFile(resolve(__dirname, '../../fixtures/gemini-cli/session-2026-03-10T09-15-a1b2c3d4.json')).traces;
    assert.equal(t.steps.find((s) => s.name === 'replace')?.error?.type, 'ToolCancelled');
    assert.deepEqual(detect(t).map((f) => `${t.steps.find((s) => s.id === f.stepId)?.name} ${f.category}`), ['run_shell_command TOOL.RUNTIME', 'model error SYS.LLM_API']);
  });

  it('a Cline call the user denied, and the call skipped because of it, are no tool failures; the task\'s real failures still are', () => {
    const [t] = loadTraceFile(resolve(__dirname, '../../fixtures/cline/xml-task/api_conversation_history.json')).traces;
    assert.deepEqual(['write_to_file', 'read_file'].map((n) => t.steps.find((s) => s.name === n && s.error)?.error?.type), ['Denied', 'Skipped']);
    assert.deepEqual(detect(t).map((f) => `${t.steps.find((s) => s.id === f.stepId)?.name} ${f.category}`), [
      'API request failed SYS.LLM_API', 'replace_in_file TOOL.RUNTIME', 'assistant RSN.IGNORED_TOOL_ERROR', 'reminder: no tool used OUT.FORMAT',
    ]);
  });

  it('read in batches, the stop is kept across asks as the whole run gives it', () => {
    const run = trace([llmCall('l1', 'read', { path: 'a' }), toolStep('t1', 'read', { path: 'a' }, { output: { value: 'text' } }), llmCall('l2', 'read', { path: 'b' }), interruption('u1'), llmSays('l3', 'Resuming: done.')]);
    const stream = new StreamDetector(run);
    const asked: string[][] = [];
    for (const step of run.steps) {
      stream.add([step]);
      asked.push(stream.findings().map((f) => `${f.stepId} ${f.category}`));
    }
    // After l2 the run ends on a tool-only reply; after the interruption it ends by the user; l3 answers.
    assert.deepEqual(asked.slice(2), [['l2 ORCH.PREMATURE_STOP'], [], []]);
    assert.deepEqual(stream.findings(), detect(run));
  });

  it('a step the user stopped keeps its error status but is not failing: not in the index\'s failing set, appended or not', () => {
    const run = trace([
      llmCall('l1', 'bash', { command: 'make' }),
      toolStep('t1', 'bash', { command: 'make' }, { status: 'error', error: { message: DECLINED } }),
      llmCall('l2', 'bash', { command: 'make -k' }),
      toolStep('t2', 'bash', { command: 'make -k' }, { status: 'error', error: { message: 'make: *** No rule to make target' } }),
    ]);
    assert.equal(run.steps[1].status, 'error');
    assert.deepEqual(new TraceIndex(run.steps).failing(), [3]);
    const grown = new TraceIndex(run.steps.slice(0, 2));
    assert.deepEqual(grown.failing(), []);
    grown.append(run.steps.slice(2));
    assert.deepEqual(grown.failing(), [3]);
  });

  describe('Claude Code sessions (shared corpus)', () => {
    // Both end with the user stopping the agent: short.jsonl declines two calls, tool_heavy.jsonl interrupts.
    for (const path of sharedFiles('claude-code')) {
      it(`flags nothing in ${basename(path)}, which the user stopped`, () => {
        const [t] = loadTraceFile(path).traces;
        const stops = t.steps.filter((s) => s.attributes?.toolUseResult === 'User rejected tool use' || s.name === 'user: [Request interrupted by user]');
        assert.ok(stops.length > 0, 'the session no longer shows the user stopping the agent: this test no longer tests what it says');
        assert.deepEqual(found(t), []);
      });
    }
  });
});
