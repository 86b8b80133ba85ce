/**
 * The agent-trace/v1 step-line validator is generated code (scripts/gen-validators.ts: ajv's
 * standalone output for the zod schema), so no thread compiles it at run time. The committed file
 * must be what the zod schema generates now, and it must accept exactly the lines zod accepts.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { STEP_LINE_VALIDATOR_FILE, stepLineValidatorSource } from '../../../scripts/gen-validators';
import { canonicalRecord } from '../../../src/core/formats/canonical';
import { benchTraceText } from '../../support/bench-traces';

/** What canonicalRecord makes of a value: a step, or the warning (zod's words) that skipped it. */
function verdict(value: unknown): string {
  const warnings: string[] = [];
  const record = canonicalRecord(value, 0, (p) => warnings.push(p.message));
  return record && 'step' in record ? 'step' : warnings.join('; ');
}

describe('the generated step-line validator (run npm run validators after changing the zod schema)', () => {
  it('is the code the zod schema generates now', () => {
    assert.equal(readFileSync(STEP_LINE_VALIDATOR_FILE, 'utf8'), stepLineValidatorSource());
  });

  it('accepts every step line of a generated trace, and refuses each wrong field with zod\'s words', () => {
    const steps = benchTraceText('jsonl', 60, 3).split('\n').filter((l) => l.includes('"type":"step"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(steps.length >= 60);
    for (const s of steps) assert.equal(verdict(s), 'step', String(s.id));
    const base = steps.find((s) => s.kind === 'tool')!;
    const wrong: [string, Record<string, unknown>, RegExp][] = [
      ['no id', { ...base, id: undefined }, /bad step line: id: /],
      ['an empty id', { ...base, id: '' }, /bad step line: id: /],
      ['an unknown kind', { ...base, kind: 'robot' }, /bad step line: kind: /],
      ['an unknown status', { ...base, status: 'fine' }, /bad step line: status: /],
      ['a start time that is an object', { ...base, startTime: { at: 1 } }, /bad step line: startTime: /],
      ['a name that is a number', { ...base, name: 7 }, /bad step line: name: /],
      ['a tool call without a name', { ...base, toolCall: { arguments: {} } }, /bad step line: toolCall\.name: /],
    ];
    for (const [what, value, message] of wrong) assert.match(verdict(value), message, what);
    // Nulls stand for absent fields (agent-trace convert writes every key on every line).
    assert.equal(verdict({ ...base, parentId: null, input: null, output: null, error: null, usage: null, model: null }), 'step');
  });
});
