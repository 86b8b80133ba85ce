/**
 * A document worker's events as they cross to the host (src/core/engine/worker/event-codec.ts):
 * steps held without their payloads go as columns, and the host gets back exactly what the event
 * held, field by field, whatever the steps (repeated and missing ids, tool calls, errors, no
 * times, several runs). Anything not in the held shape crosses as it is.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentLoader, type DocumentEvent } from '../../../src/core/engine/worker/document-load';
import { decodeEvent, encodeEvent } from '../../../src/core/engine/worker/event-codec';
import { HELD_ATTRIBUTES } from '../../../src/core/engine/stream/step-payloads';
import { benchTraceText } from '../../support/bench-traces';

const dir = mkdtempSync(join(tmpdir(), 'atd-codec-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

function eventsOf(text: string, payloadsOnDemand: boolean): DocumentEvent[] {
  const path = join(dir, `c${++serial}.trace.jsonl`);
  writeFileSync(path, text);
  const events: DocumentEvent[] = [];
  new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 2048, payloadsOnDemand }, (e) => events.push(e)).open();
  return events;
}

/** What crossing as plain JSON gave the host: the event without its undefined fields. */
const asJson = (e: DocumentEvent): unknown => JSON.parse(JSON.stringify(e));

/** Steps that are not alike: repeated ids, no times, tool calls with and without ids, errors, attributes. */
function unlikeSteps(): string {
  const line = (o: Record<string, unknown>): string => JSON.stringify({ type: 'step', kind: 'llm', name: 'chat', ...o });
  return [
    JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'unlike' }),
    line({ id: 'root', kind: 'agent', name: 'agent', startTime: 1, endTime: 9 }),
    line({ id: 'a', parentId: 'root', startTime: 2, endTime: 3, output: { messages: [{ role: 'assistant', content: 'x', toolCalls: [{ id: 'c1', name: 'grep', arguments: { q: 1 } }] }] } }),
    line({ id: 't', parentId: 'root', kind: 'tool', name: 'grep', toolCall: { id: 'c1', name: 'grep', arguments: { q: 1 } }, status: 'error', error: { type: 'E', message: 'no such file' } }),
    line({ id: 'a', parentId: 'root', name: 'chat again' }),
    line({ id: 'ls1', parentId: 'root', kind: 'tool', name: 'ls', toolCall: { name: 'ls', arguments: {} } }),
    line({ id: 'a#2', parentId: 'root', name: 'a literal #2' }),
    line({ id: 'late', parentId: 'root', attributes: { team: 'x' }, usage: { inputTokens: 3 } }),
  ].join('\n') + '\n';
}

describe('engine: document events as they cross to the host', () => {
  const cases: [string, () => string][] = [
    ['a generated run with failures', () => benchTraceText('jsonl', 300, 3)],
    ['three runs in one file', () => [1, 2, 3].map((seed) => benchTraceText('jsonl', 40, seed)).join('')],
    ['steps that are not alike', unlikeSteps],
  ];
  for (const [name, text] of cases) {
    it(`${name}: every event comes back as it was, held steps as columns`, () => {
      const events = eventsOf(text(), true);
      let columnar = 0;
      for (const e of events) {
        const wire = encodeEvent(e);
        const back = decodeEvent(wire);
        assert.deepStrictEqual(back, asJson(e), `${e.kind} event`);
        if (e.kind !== 'steps') continue;
        assert.ok(JSON.parse(wire).held, 'held steps go as columns');
        assert.equal(JSON.parse(wire).steps, undefined);
        columnar++;
        // What the held steps have in common is shared, not copied.
        if (back.kind === 'steps') for (const s of back.steps) assert.equal(s.attributes, HELD_ATTRIBUTES);
      }
      assert.ok(columnar > 0, 'the file streamed in steps events');
    });
  }

  it('the repeated and literal ids keep their source ids; errors and tool calls come back', () => {
    const steps = eventsOf(unlikeSteps(), true).flatMap((e) => (e.kind === 'steps' ? decodeEvent(encodeEvent(e)) : e)).flatMap((e) => (e.kind === 'steps' ? e.steps : []));
    const byName = new Map(steps.map((s) => [s.name, s]));
    assert.deepEqual([byName.get('chat again')!.id, byName.get('chat again')!.sourceId], ['a#2', 'a']);
    const literal = byName.get('a literal #2')!;
    assert.equal(literal.sourceId, 'a#2');
    assert.notEqual(literal.id, 'a#2', 'taken by the second "a"');
    assert.deepEqual(byName.get('ls')!.toolCall, { name: 'ls' });
    assert.deepEqual(byName.get('grep')!.error, { type: 'E', message: 'no such file' });
    assert.deepEqual(byName.get('grep')!.toolCall, { id: 'c1', name: 'grep' });
  });

  it('whole steps (a file read without payloads on demand) cross as they are', () => {
    const events = eventsOf(unlikeSteps(), false).filter((e) => e.kind === 'steps');
    assert.ok(events.length > 0);
    for (const e of events) {
      const wire = encodeEvent(e);
      assert.equal(JSON.parse(wire).held, undefined, 'steps with their payloads are not columns');
      assert.deepStrictEqual(decodeEvent(wire), asJson(e));
    }
  });

  it('a held step without a source id (a derived id) comes back without one', () => {
    const e = eventsOf(unlikeSteps(), true).find((x) => x.kind === 'steps');
    assert.ok(e && e.kind === 'steps');
    const derived: DocumentEvent = { ...e, steps: e.steps.map((s, i) => (i === 1 ? (({ sourceId: _, ...rest }) => ({ ...rest, id: 'step-0a1b2c3d' }))(s) : s)) };
    const wire = encodeEvent(derived);
    assert.ok(JSON.parse(wire).held);
    const back = decodeEvent(wire);
    assert.deepStrictEqual(back, asJson(derived));
    assert.ok(back.kind === 'steps' && !('sourceId' in back.steps[1]));
  });

  it('a step with more than the held fields sends its whole event as it is', () => {
    const e = eventsOf(unlikeSteps(), true).find((x) => x.kind === 'steps');
    assert.ok(e && e.kind === 'steps');
    const odd: DocumentEvent = { ...e, steps: e.steps.map((s, i) => (i === 1 ? { ...s, model: 'gpt' } : s)) };
    const wire = encodeEvent(odd);
    assert.equal(JSON.parse(wire).held, undefined);
    assert.deepStrictEqual(decodeEvent(wire), asJson(odd));
  });
});
