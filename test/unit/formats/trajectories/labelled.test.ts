import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { loadTraceFromBytes, type LoadResult } from '../../../../src/core/load';
import { detect } from '../../../../src/core/detect';
import { sharedFiles, sharedPath } from '../../../support/shared';
import { errorSteps, load } from './helpers';

describe('AgentBench importer', () => {
  it('opens runs.jsonl as one trace per run, with invalid actions failed', () => {
    const llama = load(sharedPath('traces', 'agentbench-medagentbench', 'llama-3.3', 'runs.jsonl'), 'agentbench');
    assert.equal(llama.traces.length, 100);
    const t = llama.traces[0];
    assert.equal(t.title, 'run 99');
    assert.equal(t.steps.length, 6);
    assert.deepEqual(t.steps.map((s) => [s.kind, s.name, s.status]), [
      ['message', 'task', 'ok'], ['llm', 'GET', 'ok'], ['tool', 'GET', 'ok'], ['llm', 'POST', 'ok'], ['tool', 'POST', 'error'], ['llm', 'FINISH', 'ok'],
    ]);
    assert.equal(t.steps[4].error?.message, 'Invalid POST request');
    assert.equal(t.steps[5].output?.messages?.[0].content, 'FINISH([-1])');
    const invalid = llama.traces.filter((x) => x.metadata.status === 'agent invalid action');
    assert.equal(invalid.length, 16);
    for (const x of invalid) assert.ok(errorSteps(x).some((s) => s.kind === 'llm' && s.error?.type === 'agent invalid action'));
    const gemini = load(sharedPath('traces', 'agentbench-medagentbench', 'gemini-2.0', 'runs.jsonl'), 'agentbench');
    assert.equal(gemini.traces.length, 46);
    assert.equal(gemini.traces.filter((x) => x.metadata.status === 'agent invalid action').length, 21);
    assert.equal(gemini.traces[0].steps[1].name, 'GET'); // the ```tool_code fence is not the verb
  });
  it('opens error.jsonl as runs whose model call failed (AGENT_FAILED), one provider failure each', () => {
    const r = load(sharedPath('traces', 'agentbench-medagentbench', 'gemini-2.0', 'error.jsonl'), 'agentbench');
    assert.equal(r.traces.length, 22);
    for (const t of r.traces) {
      assert.deepEqual(t.steps.map((s) => [s.kind, s.status, s.error?.type, s.error?.message]), [['llm', 'error', 'AGENT_FAILED', 'Failed.']]);
      // The agent's model call raised: SYS.LLM_API, not a tool failure, and not also an early stop.
      assert.deepEqual(detect(t).map((f) => [f.category, f.rule]), [['SYS.LLM_API', 'llm-api-error']]);
    }
    assert.equal(r.traces[0].title, 'run 53');
  });
  it('a task server error (START_FAILED) stays a failed system step', () => {
    const line = JSON.stringify({ index: 7, error: 'START_FAILED', info: 'no worker', output: { status: 'running', history: null }, time: { timestamp: 1737159055712 } });
    const t = loadTraceFromBytes('error.jsonl', Buffer.from(`${line}\n`)).traces[0];
    assert.deepEqual(t.steps.map((s) => [s.kind, s.status, s.error?.type, s.error?.message]), [['system', 'error', 'START_FAILED', 'no worker']]);
    const bare = loadTraceFromBytes('error.jsonl', Buffer.from(`${line.replace('"no worker"', 'null')}\n`)).traces[0];
    assert.deepEqual(bare.steps.map((s) => s.error?.message), ['AgentBench error START_FAILED']);
  });
});

describe('Who&When importer', () => {
  const files = sharedFiles('who-and-when', (n) => n.endsWith('.json'));
  it('finds all 148 records', () => assert.equal(files.length, 148));
  it('opens every record with one step per history entry and the mistake on the right step', () => {
    for (const f of files) {
      const raw = JSON.parse(readFileSync(f, 'utf8')) as { history: { role: string; name?: string; content: string }[]; mistake_step: string | number; mistake_agent: string; mistake_reason: string };
      const t = load(f, 'who-and-when').traces[0];
      assert.equal(t.steps.length, raw.history.length, f);
      const speaker = (h: { role: string; name?: string }): string => h.name ?? h.role;
      const lastEntry = raw.history[raw.history.length - 1];
      assert.equal(t.steps[t.steps.length - 1].name, lastEntry.role === 'human' ? 'human' : speaker(lastEntry), f);
      assert.equal(t.labels.length, 1);
      const label = t.labels[0];
      assert.equal(label.scheme, 'who-and-when');
      assert.equal(label.category, 'mistake');
      assert.equal(label.stepId, t.steps[Number(raw.mistake_step)].id, f);
      assert.equal(label.description, raw.mistake_reason);
      assert.ok(label.evidence!.includes(raw.mistake_agent));
    }
  });
  it('marks failed code execution and normalises the two subsets', () => {
    const ag = load(sharedPath('traces', 'who-and-when', 'Algorithm-Generated', '109.json'), 'who-and-when').traces[0];
    const failed = errorSteps(ag);
    assert.equal(failed.length, 3);
    assert.ok(failed.every((s) => s.kind === 'tool' && s.name === 'Computer_terminal' && /^exit code \d+/.test(s.error!.message)));
    const hc = load(sharedPath('traces', 'who-and-when', 'Hand-Crafted', '1.json'), 'who-and-when').traces[0];
    assert.equal(hc.steps[0].kind, 'message');
    assert.equal(hc.steps[1].name, 'Orchestrator (thought)');
    assert.equal(hc.metadata.ground_truth, 'Renzo Gracie Jiu-Jitsu Wall Street');
    assert.equal(hc.metadata.is_correct, false);
    assert.equal(hc.labels[0].stepId, hc.steps[12].id);
  });
});

describe('MAST importer', () => {
  let r: LoadResult;
  before(() => { r = load(sharedPath('traces', 'mast', 'MAD_human_labelled_dataset.json'), 'mast'); });
  it('opens one trace per record despite the NaN votes', () => {
    assert.equal(r.traces.length, 19);
    assert.ok(r.warnings.some((w) => /2 bare NaN/.test(w.message)));
    assert.equal(r.traces[0].title, 'AppWorld / Test-C #0 (Round 1)');
  });
  it('splits logs by their speaker or log-line pattern', () => {
    const counts = r.traces.map((t) => t.steps.length);
    assert.deepEqual(counts, [24, 1, 10, 212, 5, 48, 1, 4, 212, 5, 1, 55, 8, 219, 5, 240, 7, 14, 188]);
    assert.equal(r.traces[2].steps[0].name, 'mathproxyagent'); // AG2 messages keep the speaker
    assert.equal(r.traces[0].steps[r.traces[0].steps.length - 1].name, 'Code Execution Output');
    assert.match(r.traces[3].steps[0].name, /^\[2025-17-01 11:36:43 INFO\] \*\*\[Preprocessing\]\*\*/);
  });
  it('maps failure modes by name and counts the annotators', () => {
    const l = (i: number): [string, unknown][] => r.traces[i].labels.map((x) => [x.category, x.value]);
    // Round 1 code 1.5 "Unaware of stopping conditions" is the final "Unaware of termination conditions".
    assert.deepEqual(l(0), [['Unaware of termination conditions', 3], ["Ignored other agent's input", 3]]);
    assert.deepEqual(l(15), [['Disobey task specification', 2], ['No or incomplete verification', 2], ['Incorrect verification', 3]]);
    assert.deepEqual(l(18), []); // OpenManus: nobody marked a mode (one vote was NaN)
    for (const t of r.traces) for (const x of t.labels) assert.equal(x.scheme, 'mast');
    assert.ok(r.traces[0].labels.every((x) => x.stepId === null));
    assert.equal(r.traces[0].labels[0].evidence, '3 of 3 annotators marked "Unaware of stopping conditions"');
  });
});
