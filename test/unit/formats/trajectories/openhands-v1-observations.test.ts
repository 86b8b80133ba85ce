/**
 * OpenHands V1 observations as the agent SDK wrote them (fixture follows the producer source, see
 * test/fixtures/openhands-v1/README.md). Expectations come from reading the raw events here, not
 * from the importer.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../support/shared';
import { load } from './helpers';

type RawEvent = { kind: string; id: string; tool_call_id?: string; action_id?: string; observation?: Record<string, unknown> };

describe('OpenHands V1 importer: observation errors and unfinished commands', () => {
  const path = join(PROJECT_ROOT, 'test', 'fixtures', 'openhands-v1', 'legacy-observations.json');
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawEvent[];
  const observations = raw.filter((e) => e.kind === 'ObservationEvent');
  const trace = () => load(path, 'openhands-v1').traces[0];

  it('has one step per event and pairs each observation with its action by call id', () => {
    const t = trace();
    assert.equal(t.steps.length, raw.length);
    for (const o of observations) {
      const step = t.steps.find((s) => s.id === o.id)!;
      assert.equal(step.toolCall?.id, o.tool_call_id);
      assert.equal(step.parentId, o.action_id);
      const action = t.steps.find((s) => s.id === o.action_id)!;
      assert.equal(action.output?.messages?.[0].toolCalls?.[0].id, o.tool_call_id);
    }
  });

  it('makes a FileEditorObservation with an error string an error step carrying that text as error and output', () => {
    const o = observations.find((e) => typeof e.observation?.error === 'string')!;
    const text = o.observation!.error as string;
    const step = trace().steps.find((s) => s.id === o.id)!;
    assert.equal(step.status, 'error');
    assert.equal(step.error?.message, text);
    assert.equal(step.output?.value, text);
  });

  it('does not call exit code -1 (soft timeout, command still running) a failure, and says so', () => {
    const o = observations.find((e) => e.observation?.exit_code === -1 && e.observation?.error === false)!;
    const step = trace().steps.find((s) => s.id === o.id)!;
    assert.notEqual(step.status, 'error');
    assert.equal(step.status, 'unset');
    assert.equal(step.error, undefined);
    assert.match(String(step.attributes.note), /exit code -1/);
    const suffix = (o.observation!.metadata as { suffix: string }).suffix;
    assert.ok(String(step.output?.value).includes(suffix.trim()), 'the timeout note the model saw is in the output');
  });

  it('takes a search that found nothing (grep exit 1) as answered, and its exit 2 as a failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhands-v1-grep-'));
    try {
      const statusFor = (exitCode: number, output: string): string => {
        const events = raw.map((e) => (e.id !== 'o-serve' ? e : { ...e, observation: { ...e.observation, command: 'grep -rn "oldName" src/', output, exit_code: exitCode, metadata: { ...(e.observation!.metadata as object), exit_code: exitCode, suffix: '' } } }));
        const file = join(dir, `grep-${exitCode}.json`);
        writeFileSync(file, JSON.stringify(events));
        return load(file, 'openhands-v1').traces[0].steps.find((s) => s.id === 'o-serve')!.status;
      };
      assert.deepEqual([statusFor(1, ''), statusFor(2, 'grep: src/: No such file or directory')], ['ok', 'error']);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('keeps exit code -1 a failure when the observation itself says error', () => {
    const o = observations.find((e) => e.observation?.exit_code === -1 && e.observation?.error === true)!;
    const step = trace().steps.find((s) => s.id === o.id)!;
    assert.equal(step.status, 'error');
    assert.match(step.error!.message, new RegExp(String(o.observation!.output).slice(0, 20)));
  });
});
