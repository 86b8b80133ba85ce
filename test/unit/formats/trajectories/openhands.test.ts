import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, sharedPath } from '../../../support/shared';
import { errorSteps, load } from './helpers';

const oh = (name: string): string => sharedPath('traces', 'openhands', name);

describe('OpenHands (V0) importer', () => {
  it('opens every shared event stream with one step per event', () => {
    const expected: Record<string, number> = { 'basic.json': 4, 'basic_gui_mode.json': 18, 'basic_interactions.json': 6, 'wrong_initial_state.json': 8 };
    for (const [name, n] of Object.entries(expected)) {
      const t = load(oh(name), 'openhands').traces[0];
      assert.equal(t.steps.length, n, name);
    }
  });
  it('nests an observation under the action that caused it', () => {
    const t = load(oh('basic.json'), 'openhands').traces[0];
    assert.deepEqual(t.steps.map((s) => [s.id, s.kind, s.name, s.parentId]), [
      ['0', 'message', 'user message', null],
      ['3', 'llm', 'str_replace_editor', null],
      ['4', 'tool', 'str_replace_editor', '3'],
      ['5', 'llm', 'finish', null],
    ]);
    assert.equal(t.steps[1].output?.messages?.[0].toolCalls?.[0].id, 'toolu_017nBp7UfiGqyrA7j77HgtFP');
    assert.equal(t.steps[1].model, 'claude-3-5-sonnet-20241022');
    assert.equal(t.steps[0].startTime, Date.parse('2025-01-27T22:44:56.900Z'));
  });
  it('exit code -1 (soft timeout: the command is still running) is no failure: status unset with a note, as in V1', () => {
    // `python3 -m http.server` serves forever: OpenHands returned after 30 s without new output
    // ("exit code -1" is OpenHands' "not yet finished"); it was a failure here before, the server
    // had in fact started ("Serving HTTP on 0.0.0.0 port 8000").
    const t = load(oh('basic_gui_mode.json'), 'openhands').traces[0];
    assert.deepEqual(errorSteps(t).map((s) => s.id), []);
    const serving = t.steps.find((s) => s.id === '14')!;
    assert.equal(serving.parentId, '13');
    assert.equal(serving.status, 'unset');
    assert.equal(serving.error, undefined);
    assert.match(String(serving.attributes?.note), /^exit code -1: the command had not finished/);
  });
  it('a non-zero exit code, or -1 with a hard timeout, is a failed step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhands-v0-'));
    try {
      const run = (id: number, exitCode: number, suffix = ''): unknown[] => [
        { id, source: 'agent', action: 'run', args: { command: `cmd${id}` }, message: `Running cmd${id}` },
        { id: id + 1, cause: id, source: 'agent', observation: 'run', content: 'out', message: `Command \`cmd${id}\` executed with exit code ${exitCode}.`, extras: { command: `cmd${id}`, metadata: { exit_code: exitCode, suffix } } },
      ];
      const file = join(dir, 'events.json');
      writeFileSync(file, JSON.stringify([
        { id: 0, source: 'user', action: 'message', args: { content: 'go' }, message: 'go' },
        ...run(1, 2),
        ...run(3, -1, '\n[The command timed out after 10 seconds. You may wait longer to see additional output by sending empty command.]'),
        // A search that found nothing: grep's exit 1 answers, it is no failure.
        { id: 5, source: 'agent', action: 'run', args: { command: 'grep -rn "oldName" src/' }, message: 'Running grep' },
        { id: 6, cause: 5, source: 'agent', observation: 'run', content: '', message: 'Command `grep -rn "oldName" src/` executed with exit code 1.', extras: { command: 'grep -rn "oldName" src/', metadata: { exit_code: 1, suffix: '' } } },
      ]));
      const t = load(file, 'openhands').traces[0];
      assert.deepEqual(errorSteps(t).map((s) => [s.id, s.error?.type]), [['2', 'ExitCode'], ['4', 'Timeout']]);
      assert.equal(t.steps.find((s) => s.id === '6')!.status, 'ok');
      assert.match(t.steps.find((s) => s.id === '2')!.error!.message, /^exit code 2: Command `cmd1`/);
      assert.match(t.steps.find((s) => s.id === '4')!.error!.message, /timed out after 10 seconds/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
  it('opens evaluation output.jsonl as one trace per instance', () => {
    const r = load(oh('output.jsonl'), 'openhands');
    assert.deepEqual(r.traces.map((t) => t.steps.length), [8, 44]);
    for (const t of r.traces) {
      assert.equal(t.steps[0].kind, 'message');
      assert.equal(t.steps[t.steps.length - 1].name, 'finish');
    }
    assert.equal(r.traces[0].steps[1].name, 'run');
    assert.equal(r.traces[0].steps[2].kind, 'tool');
    assert.equal(r.traces[0].steps[2].toolCall?.name, 'run');
    assert.equal(r.traces[1].source.indexInFile, 1);
  });
});

describe('OpenHands V1 (agent SDK) importer', () => {
  const fixture = join(PROJECT_ROOT, 'test', 'fixtures', 'openhands-v1', 'output.jsonl');
  it('opens the evaluation output with one trace per instance', () => {
    const r = load(fixture, 'openhands-v1');
    assert.deepEqual(r.traces.map((t) => [t.title, t.steps.length]), [['demo__repo-1', 6], ['demo__repo-2', 5]]);
    assert.deepEqual(r.traces[0].tools.map((t) => t.name), ['terminal', 'finish']);
    assert.deepEqual(r.traces[0].labels.map((l) => [l.scheme, l.category, l.value]), [['swe-bench', 'resolved', true]]);
  });
  it('nests observations under actions and keeps failures', () => {
    const [a, b] = load(fixture, 'openhands-v1').traces;
    assert.deepEqual(a.steps.map((s) => [s.id, s.kind, s.parentId]), [
      ['e-sys', 'system', null], ['e-user', 'message', null], ['e-act1', 'llm', null], ['e-obs1', 'tool', 'e-act1'], ['e-act2', 'llm', null], ['e-obs2', 'tool', 'e-act2'],
    ]);
    assert.deepEqual(a.steps[2].output?.messages?.[0].toolCalls, [{ id: 'call_1', name: 'terminal', arguments: { command: 'pytest -q' } }]);
    assert.equal(a.steps[3].status, 'error');
    assert.equal(a.steps[3].error?.message, 'exit code 1: 1 failed, 3 passed', 'the exit status and what the command said last');
    const agentError = b.steps.find((s) => s.id === 'f-err1')!;
    assert.equal(agentError.parentId, 'f-act1');
    assert.equal(agentError.error?.type, 'AgentErrorEvent');
    assert.match(agentError.error!.message, /^Error validating args/);
    const last = b.steps[b.steps.length - 1];
    assert.equal(last.name, 'run error');
    assert.equal(last.error?.message, 'RuntimeError: agent reached maximum iterations');
  });
  it('gives an observation its action\'s arguments (the event has none), so its row says what ran; cut-off arguments stay on the action', () => {
    const [a, b] = load(fixture, 'openhands-v1').traces;
    assert.deepEqual(a.steps[3].toolCall, { id: 'call_1', name: 'terminal', arguments: { command: 'pytest -q' } });
    assert.deepEqual(a.steps[5].toolCall?.arguments, { message: 'Fixed the off-by-one error.' });
    // f-act1's arguments are JSON cut off before its closing brace: a string, kept on the action only.
    assert.equal(typeof b.steps.find((s) => s.id === 'f-act1')!.output?.messages?.[0].toolCalls?.[0].arguments, 'string');
    assert.deepEqual(b.steps.find((s) => s.id === 'f-err1')!.toolCall?.arguments, {});
  });
});
