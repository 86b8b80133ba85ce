/** Stable step ids (src/core/engine/step-ids.ts): source id plus occurrence number, never position. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { bindAnnotations, emptyDocument, type ErrorTag } from '../../../src/core/annotations';
import { fingerprintHash, StepIdAllocator } from '../../../src/core/engine/step-ids';
import { loadTraceFromBytes } from '../../../src/core/load';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, sharedPath } from '../../support/shared';

const enc = (lines: unknown[]): Uint8Array => new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

describe('stable step ids', () => {
  it('numbers repeated source ids by occurrence and keeps the first one as written', () => {
    const a = new StepIdAllocator();
    const fp = { kind: 'tool', name: 'search' };
    assert.deepEqual(['x', 'y', 'x', 'x'].map((id) => a.next(id, fp)), ['x', 'y', 'x#2', 'x#3']);
  });

  it('never gives one id twice, even when a source id looks like an occurrence', () => {
    const a = new StepIdAllocator();
    const fp = { kind: 'tool', name: 'search' };
    assert.deepEqual(['x', 'x', 'x#2', 'x#2'].map((id) => a.next(id, fp)), ['x', 'x#2', 'x#2#2', 'x#2#3']);
  });

  it('derives ids from content without a source id, numbered by occurrence', () => {
    const a = new StepIdAllocator();
    const fp = { kind: 'llm', name: 'assistant', startTime: null };
    const h = fingerprintHash(fp);
    assert.deepEqual([a.next(undefined, fp), a.next(undefined, fp)], [`step-${h}`, `step-${h}#2`]);
  });

  it('ids already given never change when steps are appended (any sequence)', () => {
    const step = fc.record({ sourceId: fc.option(fc.constantFrom('a', 'b', 'a#2', 'c'), { nil: undefined }), name: fc.constantFrom('s', 't') });
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), fc.array(step, { maxLength: 30 }), (first, more) => {
      const idsOf = (list: typeof first): string[] => {
        const a = new StepIdAllocator();
        return list.map((s) => a.next(s.sourceId, { kind: 'tool', name: s.name }));
      };
      const before = idsOf(first);
      const after = idsOf([...first, ...more]);
      assert.deepEqual(after.slice(0, before.length), before);
      assert.equal(new Set(after).size, after.length, 'ids are unique');
    }), { seed: 11, numRuns: 300 });
  });

  it('gives the ids of the rule as first written (a map of occurrences and a set of ids issued), in one map (any sequence)', () => {
    // The rule as it was first written: kept here as the reference.
    const reference = (): ((base: string) => string) => {
      const occurrences = new Map<string, number>();
      const issued = new Set<string>();
      return (base) => {
        let k = occurrences.get(base) ?? 0;
        let id: string;
        do { k++; id = k === 1 ? base : `${base}#${k}`; } while (issued.has(id));
        occurrences.set(base, k);
        issued.add(id);
        return id;
      };
    };
    const base = fc.constantFrom('a', 'b', 'a#2', 'a#3', 'a#2#2', 'b#2', 'a#2#3');
    fc.assert(fc.property(fc.array(base, { maxLength: 40 }), (bases) => {
      const a = new StepIdAllocator();
      const ref = reference();
      assert.deepEqual(bases.map((b) => a.next(b, { kind: 'tool', name: 's' })), bases.map(ref));
    }), { seed: 12, numRuns: 500 });
  });

  it('a JSONL trace that grows keeps its ids, and a tag made before still binds after', () => {
    const line = (i: number): unknown => ({ type: 'step', id: i === 3 ? 's1' : `s${i}`, kind: 'tool', name: 'search' });
    const header = { type: 'trace', format: 'agent-trace/v1', id: 't' };
    const small = loadTraceFromBytes('grow.trace.jsonl', enc([header, line(1), line(2)])).traces[0];
    const grown = loadTraceFromBytes('grow.trace.jsonl', enc([header, line(1), line(2), line(3)])).traces[0];
    assert.deepEqual(grown.steps.map((s) => s.id).slice(0, small.steps.length), small.steps.map((s) => s.id));
    assert.equal(grown.steps[2].id, 's1#2', 'the later duplicate gets the occurrence number, the first keeps its id');
    const tag = { location: 's1', category: 'TOOL.RUNTIME', impact: 'LOW', source: 'human', status: 'confirmed' } as ErrorTag;
    const doc = { ...emptyDocument(), errors: [tag] };
    assert.deepEqual([...bindAnnotations(doc, grown, 'grow.annotations.json').tagsByStep.keys()], ['s1']);
  });

  it('a sidecar written with the earlier position-based ids (step-<position>-<hash>) still binds', () => {
    const fixture = join(PROJECT_ROOT, 'test', 'fixtures', 'openai-chat', 'weather-tools.json');
    const trace = loadTraceFromBytes(fixture, readFileSync(fixture)).traces[0];
    const derived = trace.steps.filter((s) => s.sourceId === undefined);
    assert.ok(derived.length >= 2, 'the fixture has steps without a source id');
    const target = derived[derived.length - 1];
    const legacy = `step-${target.index}-${fingerprintHash(target)}`;
    const tag = { location: legacy, category: 'TOOL.RUNTIME', impact: 'LOW', source: 'human', status: 'confirmed' } as ErrorTag;
    const bound = bindAnnotations({ ...emptyDocument(), errors: [tag] }, trace, 'x.annotations.json');
    assert.deepEqual(bound.orphans, []);
    assert.deepEqual([...bound.tagsByStep.keys()], [target.id]);
  });

  it('shell commands named by their program keep the ids of their first word, and tags of either scheme bind', () => {
    // mini-swe-agent's newer runs start every command with `cd /testbed && `: the steps were all "cd".
    const file = sharedPath('traces', 'mini-swe-agent', 'astropy__astropy-12907.traj.json');
    const trace = loadTraceFromBytes(file, readFileSync(file)).traces[0];
    const tools = trace.steps.filter((s) => s.kind === 'tool');
    const names = new Set(tools.map((s) => s.name));
    assert.ok(!names.has('cd') && names.has('find') && names.has('python'), `named by program: ${[...names].join(', ')}`);
    const find = tools.find((s) => s.name === 'find')!;
    assert.match(String(find.toolCall?.arguments && (find.toolCall.arguments as { command: string }).command), /^cd \/testbed && find /);
    // The id hashes "cd", as it did when the step was named so: tags made then still bind.
    const base = `step-${fingerprintHash({ kind: 'tool', name: 'cd', startTime: find.startTime, toolCall: find.toolCall })}`;
    assert.match(find.id, new RegExp(`^${base}(#\\d+)?$`));
    const legacy = `step-${find.index}-${fingerprintHash({ kind: 'tool', name: 'cd', startTime: find.startTime, toolCall: find.toolCall })}`;
    const tags = [find.id, legacy].map((location) => ({ location, category: 'TOOL.RUNTIME', impact: 'LOW', source: 'human', status: 'confirmed' }) as ErrorTag);
    const bound = bindAnnotations({ ...emptyDocument(), errors: tags }, trace, 'x.annotations.json');
    assert.deepEqual(bound.orphans, []);
    assert.deepEqual([...bound.tagsByStep.entries()].map(([id, t]) => [id, t.length]), [[find.id, 2]]);
  });
});
