import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadTraceFromBytes } from '../../../src/core/load';
import { traceJsonSchema } from '../../../src/core/model/json-schema';
import { Trace } from '../../../src/core/model/schema';
import { PROJECT_ROOT } from '../../support/shared';

function canonical(lines: object[]): Uint8Array {
  return new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join('\n'));
}

describe('model builder', () => {
  it('orders siblings by start time, then file order, in pre-order', () => {
    const r = loadTraceFromBytes('t.trace.jsonl', canonical([
      { type: 'step', id: 'root', kind: 'agent', name: 'root' },
      { type: 'step', id: 'late', parentId: 'root', kind: 'tool', name: 'late', startTime: '2025-01-01T00:00:05Z' },
      { type: 'step', id: 'early', parentId: 'root', kind: 'llm', name: 'early', startTime: '2025-01-01T00:00:01Z' },
      { type: 'step', id: 'child', parentId: 'early', kind: 'tool', name: 'child', startTime: '2025-01-01T00:00:02Z' },
    ]));
    const steps = r.traces[0].steps;
    assert.deepEqual(steps.map((s) => s.id), ['root', 'early', 'child', 'late']);
    assert.deepEqual(steps.map((s) => s.index), [0, 1, 2, 3]);
    assert.deepEqual(steps.map((s) => s.depth), [0, 1, 2, 1]);
    assert.equal(r.traces[0].startTime, Date.parse('2025-01-01T00:00:01Z'));
  });

  it('numbers duplicate source ids by occurrence: the first keeps its id, the next is <id>#2', () => {
    const bytes = canonical([
      { type: 'step', id: 'dup', kind: 'llm', name: 'one' },
      { type: 'step', id: 'dup', kind: 'llm', name: 'two' },
    ]);
    const a = loadTraceFromBytes('d.trace.jsonl', bytes).traces[0].steps.map((s) => s.id);
    const b = loadTraceFromBytes('d.trace.jsonl', bytes).traces[0].steps.map((s) => s.id);
    assert.deepEqual(a, b);
    assert.deepEqual(a, ['dup', 'dup#2']);
  });

  it('produces traces that satisfy the zod model, for any tree shape', () => {
    fc.assert(fc.property(fc.array(fc.nat(40), { minLength: 1, maxLength: 60 }), (parents) => {
      const lines = parents.map((p, i) => ({ type: 'step', id: `s${i}`, parentId: p < i ? `s${p}` : null, kind: 'llm', name: `n${i}` }));
      const trace = loadTraceFromBytes('p.trace.jsonl', canonical(lines)).traces[0];
      Trace.parse(trace);
      assert.equal(trace.steps.length, parents.length);
      const indexById = new Map(trace.steps.map((s) => [s.id, s.index]));
      for (const s of trace.steps) {
        if (s.parentId !== null) assert.ok(indexById.get(s.parentId)! < s.index, 'a parent precedes its children');
      }
    }), { numRuns: 50 });
  });

  it('keeps schema/trace.schema.json in sync with the zod model (run npm run schema)', () => {
    const committed = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'trace.schema.json'), 'utf8'));
    assert.deepEqual(committed, traceJsonSchema());
  });
});
