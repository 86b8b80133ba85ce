/**
 * A tag on a step that is not a model turn must not mark a turn the user did not judge wrong
 * (issue 8: a tag on the agent root moved onto the clean "plan" turn; a tool timeout marked the
 * turn that made a correct call). Reproductions on examples/research-agent.trace.jsonl and the
 * small export fixture.
 */
import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import type { AnnotationDocument, ErrorTag } from '../../../src/core/annotations/schema';
import { carryTag, isEnvironmentCategory } from '../../../src/core/export/attribution';
import { encodeAll, openaiSft, stepwise, trlSft } from '../../../src/core/export/encode';
import { indexSteps, prepareTrajectory } from '../../../src/core/export/prepare';
import { modelSteps } from '../../../src/core/export/conversation';
import { loadTraceFile } from '../../../src/core/load';
import { PROJECT_ROOT } from '../../support/shared';

const research = loadTraceFile(resolve(PROJECT_ROOT, 'examples/research-agent.trace.jsonl')).traces[0];
const small = loadTraceFile(resolve(__dirname, '../../fixtures/export/small.jsonl')).traces[0];

function doc(errors: Partial<ErrorTag>[]): AnnotationDocument {
  return { version: 1, errors: errors.map((e) => ({ source: 'human', status: 'confirmed', ...e })), corrections: [], reviewed: [] } as unknown as AnnotationDocument;
}

type Msg = { role: string; weight?: number };
const weights = (rec: Record<string, unknown>): number[] => (rec.messages as Msg[]).filter((m) => m.role === 'assistant').map((m) => m.weight!);

describe('where a tag on a step is carried in the training data', () => {
  it('ORCH.STEP_LIMIT on the agent root marks the run, not the clean first turn "plan"', () => {
    const p = prepareTrajectory(research, doc([{ location: 's1', category: 'ORCH.STEP_LIMIT' }]), { sidecarFile: 's' });
    assert.equal(p.turnErrors.has('s2'), false, 'plan (s2) is not judged wrong');
    assert.deepEqual(p.runErrors.map((t) => [t.stepId, t.category]), [['s1', 'ORCH.STEP_LIMIT']]);
    assert.equal(p.outcome.failed, true);
    // Trained on only when failed runs are included; then plan is learned (weight 1, its own TRL line).
    const [sft] = openaiSft(p);
    assert.equal(weights(sft.record)[0], 1);
    assert.ok(trlSft(p).some((e) => e.steps.includes('s2')));
    // No turn was judged wrong, so a failed run gets no step labels (all "true" would claim more than anyone judged).
    assert.deepEqual(stepwise(p), []);
  });

  it('a tool timeout does not mark the turn that made the call', () => {
    const p = prepareTrajectory(research, doc([]), { sidecarFile: 's', findings: [{ stepId: 's5', category: 'TOOL.TIMEOUT', rule: 'tool-error' }] });
    assert.equal(p.turnErrors.has('s4'), false, 'choose_source (s4) made a correct call');
    assert.deepEqual(p.uncarried.map((u) => [u.tag.stepId, u.tag.category]), [['s5', 'TOOL.TIMEOUT']]);
    const [sft] = openaiSft(p);
    assert.deepEqual(weights(sft.record).slice(0, 2), [1, 1]);
  });

  it('invalid arguments on a tool step mark the turn that made that call (found by call id)', () => {
    const p = prepareTrajectory(research, doc([{ location: 's7', category: 'TOOL.ARGS_INVALID' }]), { sidecarFile: 's' });
    assert.deepEqual([...p.turnErrors.keys()], ['s6']);
  });

  it('TOOL.RUNTIME on a tool nested in its model turn marks nothing; ORCH.WRONG_TOOL there marks that turn', () => {
    const runtime = prepareTrajectory(small, doc([]), { sidecarFile: 's', findings: [{ stepId: 'tool-1', category: 'TOOL.RUNTIME', rule: 'status-error' }] });
    assert.equal(runtime.turnErrors.size, 0);
    assert.deepEqual(stepwise(runtime)[0].record.labels, [true, true, true]);
    const wrong = prepareTrajectory(small, doc([{ location: 'tool-1', category: 'ORCH.WRONG_TOOL' }]), { sidecarFile: 's' });
    assert.deepEqual([...wrong.turnErrors.keys()], ['llm-1']);
    assert.deepEqual(stepwise(wrong)[0].record.labels, [false, true, true]);
  });

  it('categories of the environment, by default id, default name and TRAIL name', () => {
    for (const c of ['TOOL.TIMEOUT', 'TOOL.RATE_LIMIT', 'SYS.LLM_API', 'Tool timeout', 'Timeout Issues', 'Rate Limiting', 'Service Errors']) assert.equal(isEnvironmentCategory(c), true, c);
    for (const c of ['TOOL.ARGS_INVALID', 'ORCH.BLIND_RETRY', 'Formatting Errors', 'Poor Information Retrieval', 'Tool Selection Errors', 'FM-1.3', 'acme.custom']) assert.equal(isEnvironmentCategory(c), false, c);
  });

  it('an environment category on the root marks nothing; a tag on a model turn always marks it', () => {
    const byId = indexSteps(research);
    const turns = modelSteps(research);
    assert.equal(carryTag(byId, byId.get('s1')!, 'SYS.RESOURCE', turns).to, 'nothing');
    assert.deepEqual(carryTag(byId, byId.get('s4')!, 'TOOL.TIMEOUT', turns), { to: 'turn', stepId: 's4' });
  });

  it('promotion of a failed run without include-failed writes no demonstration', () => {
    const p = prepareTrajectory(research, doc([{ location: 's1', category: 'ORCH.STEP_LIMIT' }]), { sidecarFile: 's' });
    assert.deepEqual(encodeAll(p, { format: 'openai', sharegpt: true }).map((e) => e.file), []);
    assert.deepEqual([...new Set(encodeAll(p, { format: 'trl', sharegpt: true, includeFailed: true }).map((e) => e.file))], ['sft.jsonl', 'sharegpt.jsonl']);
  });
});
