/** The bundled examples: each one's headline failure gets its category (examples/README.md says what goes wrong). */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { detect, explainedFailures, type Finding } from '../../../src/core/detect';
import { TraceIndex } from '../../../src/core/engine';
import { loadTraceFile } from '../../../src/core/load';
import type { Trace } from '../../../src/core/model/schema';

const examples = join(__dirname, '..', '..', '..', 'examples');

function open(name: string): { trace: Trace; findings: Finding[] } {
  const [trace] = loadTraceFile(join(examples, name)).traces;
  return { trace, findings: detect(trace) };
}

const at = (t: Trace, fs: Finding[], name: string, nth = 0): string[] => {
  const step = t.steps.filter((s) => s.name === name)[nth];
  assert.ok(step, `no step ${name} #${nth}`);
  return fs.filter((f) => f.stepId === step.id).map((f) => f.category).sort();
};

/** Failing steps with no finding whose failure no failing step inside them explains. */
function unexplained(t: Trace, fs: Finding[]): string[] {
  const flagged = new Set(fs.map((f) => f.stepId));
  const explained = explainedFailures(new TraceIndex(t.steps, fs));
  return t.steps.filter((s) => (s.status === 'error' || s.error) && !flagged.has(s.id) && !explained.has(s.id)).map((s) => s.name);
}

describe('examples: headline failures are categorised', () => {
  it('research agent: the run stops at its step limit (ORCH.STEP_LIMIT on the root), after timeouts and blind retries', () => {
    const { trace, findings } = open('research-agent.trace.jsonl');
    const root = findings.filter((f) => f.stepId === trace.steps[0].id);
    assert.deepEqual(root.map((f) => [f.category, f.rule]), [['ORCH.STEP_LIMIT', 'step-limit']]);
    assert.deepEqual(at(trace, findings, 'fetch_url'), ['TOOL.TIMEOUT']);
    assert.deepEqual(at(trace, findings, 'recover'), ['ORCH.BLIND_RETRY']);
    assert.ok(findings.some((f) => f.category === 'ORCH.REPEAT_LOOP'));
    assert.deepEqual(unexplained(trace, findings), []);
  });

  it('support chat: both bad calls are TOOL.ARGS_INVALID and the claimed refund is an ignored tool error', () => {
    const { trace, findings } = open('support-chat.trace.json');
    const llm = trace.steps.filter((s) => s.kind === 'llm');
    const on = (id: string) => findings.filter((f) => f.stepId === id).map((f) => f.category);
    assert.deepEqual(on(llm[0].id), ['TOOL.ARGS_INVALID']);
    assert.deepEqual(on(llm[2].id), ['TOOL.ARGS_INVALID']);
    assert.deepEqual(on(llm[3].id), ['RSN.IGNORED_TOOL_ERROR']);
    assert.deepEqual(at(trace, findings, 'issue_refund'), ['TOOL.ARGS_INVALID']);
    assert.deepEqual(unexplained(trace, findings), []);
  });

  it('travel planner: the search_trains 504 is TOOL.TIMEOUT, which explains the failed run', () => {
    const { trace, findings } = open('travel-planner.otlp.trace.json');
    const tool = trace.steps.find((s) => s.kind === 'tool')!;
    assert.deepEqual(findings.filter((f) => f.stepId === tool.id).map((f) => f.category), ['TOOL.TIMEOUT']);
    assert.equal(explainedFailures(new TraceIndex(trace.steps, findings)).get(trace.steps[0].id), tool.id);
    assert.deepEqual(unexplained(trace, findings), []);
  });
});
