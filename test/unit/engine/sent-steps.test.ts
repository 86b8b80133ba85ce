/** SentSteps (src/core/engine/worker/sent-steps.ts): what the document worker keeps of each sent step, in columns. */
import { strict as assert } from 'node:assert';
import { SentSteps } from '../../../src/core/engine/worker/sent-steps';
import type { Step } from '../../../src/core/model/schema';

const step = (i: number, located = true): Step => ({
  id: `s${i}`, parentId: null, index: i, depth: 0, kind: 'tool', name: `tool ${i % 3}`, startTime: null, endTime: null, status: 'ok', attributes: {},
  ...(located ? { location: { line: i + 2, column: 1, endLine: i + 2, endColumn: 40 + i, offset: 1000 * i, length: 39 + i } } : {}),
});

describe('engine: what the document worker keeps of each sent step', () => {
  it('gives back each step as a failure site names it (id, name, place), found by id, again after more steps', () => {
    const kept = new SentSteps();
    const steps = Array.from({ length: 50 }, (_, i) => step(i, i % 7 !== 3));
    for (const s of steps.slice(0, 30)) kept.push(s);
    const pick = (ids: string[]): unknown[] => ids.map((id) => kept.sited(id));
    const view = (s: Step): unknown => (s.location ? { id: s.id, name: s.name, location: s.location } : { id: s.id, name: s.name });
    kept.prepare(['s3', 's10', 's29', 'nope']);
    const first = pick(['s3', 's10', 's29']);
    assert.deepEqual(first, [view(steps[3]), view(steps[10]), view(steps[29])]);
    assert.equal(kept.sited('nope'), undefined);
    for (const s of steps.slice(30)) kept.push(s);
    kept.prepare(['s3', 's10', 's45']);
    const again = pick(['s3', 's10', 's45']);
    assert.deepEqual(again, [view(steps[3]), view(steps[10]), view(steps[45])], 'found before, and new');
    assert.equal(again[0], first[0], 'a step found before is the same object');
    // A run sent again from a step on: what was found is found anew.
    kept.truncate(5);
    kept.push({ ...step(5), name: 'sent again' });
    kept.prepare(['s3', 's5']);
    assert.notEqual(kept.sited('s3'), first[0]);
    assert.equal(kept.sited('s5')?.name, 'sent again');
    assert.equal(kept.count, 6);
    assert.equal(kept.idAt(4), 's4');
    assert.equal(kept.idAt(6), undefined);
  });
});
