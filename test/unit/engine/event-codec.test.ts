/**
 * A document worker's events as they cross to the host (src/core/engine/worker/event-codec.ts):
 * steps held without their payloads go as columns, findings as what changed since those given
 * last, and the host gets back exactly what each event held, field by field, whatever the steps
 * (repeated ids, tool calls, errors, no times, several runs) and however the findings changed (in
 * the worker's order). Anything not in the held shape crosses as it is.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentLoader, type DocumentEvent } from '../../../src/core/engine/worker/document-load';
import { EventDecoder, EventEncoder } from '../../../src/core/engine/worker/event-codec';
import type { Finding } from '../../../src/core/detect';
import { HELD_ATTRIBUTES } from '../../../src/core/engine/stream/step-payloads';
import { benchTraceText } from '../../support/bench-traces';
import { claudeCodeSessionLines } from '../../support/claude-code-session';

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

/**
 * The events through one encoder and one decoder, as they cross from one worker: what was written
 * (each event's own message, and how many parts went before it), and what the host got.
 */
function crossed(events: readonly DocumentEvent[], sitesPerPart?: number): { wire: string[]; parts: number[]; back: DocumentEvent[] } {
  const encoder = new EventEncoder(sitesPerPart);
  const decoder = new EventDecoder();
  const out = { wire: [] as string[], parts: [] as number[], back: [] as DocumentEvent[] };
  for (const e of events) {
    const messages = encoder.encode(e);
    const decoded = messages.map((m) => decoder.decode(m));
    // The parts give the host nothing until their event comes, in the last message.
    assert.ok(decoded.slice(0, -1).every((d) => d === undefined), 'a part is not an event');
    assert.ok(decoded[decoded.length - 1], 'the last message is the event');
    out.wire.push(messages[messages.length - 1]);
    out.parts.push(messages.length - 1);
    out.back.push(decoded[decoded.length - 1]!);
  }
  return out;
}

/** One event through a fresh pair. */
const roundTrip = (e: DocumentEvent): { wire: string; back: DocumentEvent } => {
  const { wire, back } = crossed([e]);
  return { wire: wire[0], back: back[0] };
};

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
      const through = crossed(events);
      let columnar = 0;
      for (const [k, e] of events.entries()) {
        const wire = through.wire[k];
        const back = through.back[k];
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

  it('an OTLP document\'s held span steps cross as columns with their attributes and multi-line locations', () => {
    const path = join(dir, `c${++serial}.json`);
    writeFileSync(path, JSON.stringify(JSON.parse(benchTraceText('otlp', 80, 4)), null, 2));
    const events: DocumentEvent[] = [];
    new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 2048, payloadsOnDemand: true }, (e) => events.push(e)).open();
    const through = crossed(events);
    let spans = 0;
    let distinct = 0;
    for (const [k, e] of events.entries()) {
      assert.deepStrictEqual(through.back[k], asJson(e), `${e.kind} event`);
      if (e.kind !== 'steps') continue;
      assert.equal(e.payloadFormat, 'otlp-span');
      const held = JSON.parse(through.wire[k]).held as { other: unknown[]; spans: number[]; attributes: unknown[]; attributesAt: number[] };
      assert.ok(held, 'held steps go as columns');
      // Their locations and attributes too: not an object each in `other`; the attributes once per distinct value.
      assert.deepEqual(held.other.filter((v) => v === 'location' || v === 'attributes'), []);
      assert.equal(held.spans.length, 4 * e.steps.length);
      assert.equal(held.attributesAt.length, e.steps.length);
      assert.equal(held.attributes.length, new Set(e.steps.map((st) => JSON.stringify(st.attributes))).size, 'each distinct attributes once');
      distinct += held.attributes.length;
      for (const s of e.steps) {
        assert.ok(Object.keys(s.attributes).length > 0 && s.location!.endLine > s.location!.line, `${s.id}: attributes and a location of several lines`);
        spans++;
      }
    }
    assert.equal(spans, 80);
    assert.ok(distinct < spans, `${distinct} distinct attributes written for ${spans} spans`);
  });

  it('the repeated and literal ids keep their source ids; errors and tool calls come back', () => {
    const steps = crossed(eventsOf(unlikeSteps(), true)).back.flatMap((e) => (e.kind === 'steps' ? e.steps : []));
    const byName = new Map(steps.map((s) => [s.name, s]));
    assert.deepEqual([byName.get('chat again')!.id, byName.get('chat again')!.sourceId], ['a#2', 'a']);
    const literal = byName.get('a literal #2')!;
    assert.equal(literal.sourceId, 'a#2');
    assert.notEqual(literal.id, 'a#2', 'taken by the second "a"');
    assert.deepEqual(byName.get('ls')!.toolCall, { name: 'ls' });
    assert.deepEqual(byName.get('grep')!.error, { type: 'E', message: 'no such file' });
    assert.deepEqual(byName.get('grep')!.toolCall, { id: 'c1', name: 'grep' });
  });

  it('held ids and parent ids cross as one string each, cut back exactly: empty, non-ASCII, quotes, an empty parent id beside none', () => {
    const e = eventsOf(unlikeSteps(), true).find((x) => x.kind === 'steps');
    assert.ok(e && e.kind === 'steps' && e.steps.length >= 5);
    const odd: [string, string | null][] = [['', null], ['𝒜gent "x"\n', ''], ['ß', '𝒜gent "x"\n'], ['llm-7', null], ['a-much-longer-span-id-0001', 'ß']];
    const steps = e.steps.map((s, i) => (i < odd.length ? { ...s, id: odd[i][0], sourceId: odd[i][0], parentId: odd[i][1] } : s));
    const { wire, back } = roundTrip({ ...e, steps });
    const held = JSON.parse(wire).held;
    assert.equal(typeof held.ids, 'string', 'no id goes as a string value of its own (V8 would add the short ones to its string table)');
    assert.equal(held.id, undefined);
    assert.ok(back.kind === 'steps');
    assert.deepEqual(back.steps.slice(0, odd.length).map((s) => [s.id, s.parentId]), odd);
    assert.deepStrictEqual(back, asJson({ ...e, steps }));
  });

  it('a parent id comes back as the parent\'s own id only when it is the same text: one as long but other, another run, events apart', () => {
    const events = eventsOf(benchTraceText('jsonl', 40), true).filter((x) => x.kind === 'steps');
    const all = events.flatMap((x) => (x.kind === 'steps' ? x.steps : []));
    const e = events[0];
    assert.ok(e.kind === 'steps' && all.length > 20);
    e.steps = all;
    // Ids as long as each other, so a parent id of the wrong step would be as long as the right one.
    const id = (i: number): string => `s${String(i).padStart(4, '0')}`;
    const renamed = e.steps.map((s, i) => ({ ...s, id: id(i), sourceId: id(i), parentId: s.parentId === null ? null : id(e.steps.findIndex((p) => p.id === s.parentId)) }));
    // Step 7's parent named otherwise (a parent elsewhere, as long): not the open path's.
    renamed[7] = { ...renamed[7], parentId: 'x9999' };
    const first = { ...e, steps: renamed.slice(0, 12) };
    const otherRun = { ...e, run: 1, steps: renamed.slice(0, 5).map((s) => ({ ...s, id: `r${s.id}`, sourceId: `r${s.id}`, parentId: s.parentId && `r${s.parentId}` })) };
    const rest = { ...e, steps: renamed.slice(12).map((s, i) => ({ ...s, index: 12 + i })) };
    const { back } = crossed([first, otherRun, rest]);
    const parents = back.flatMap((b) => (b.kind === 'steps' ? b.steps.map((s) => [s.id, s.parentId]) : []));
    assert.deepEqual(parents, [...first.steps, ...otherRun.steps, ...rest.steps].map((s) => [s.id, s.parentId]));
    assert.equal(parents[7][1], 'x9999');
  });

  it('a held step whose parent id is missing altogether crosses as one without a parent', () => {
    const e = eventsOf(unlikeSteps(), true).find((x) => x.kind === 'steps');
    assert.ok(e && e.kind === 'steps');
    const steps = e.steps.map((s, i) => (i === 1 ? ({ ...s, parentId: undefined } as unknown as typeof s) : s));
    const { wire, back } = roundTrip({ ...e, steps });
    assert.ok(JSON.parse(wire).held, 'still as columns');
    assert.ok(back.kind === 'steps');
    assert.equal(back.steps[1].parentId, null);
    assert.equal(back.steps[2].parentId, e.steps[2].parentId, 'the next parent id is cut from the right place');
  });

  it('whole steps (a file read without payloads on demand) cross as they are', () => {
    const events = eventsOf(unlikeSteps(), false).filter((e) => e.kind === 'steps');
    assert.ok(events.length > 0);
    for (const e of events) {
      const { wire, back } = roundTrip(e);
      assert.equal(JSON.parse(wire).held, undefined, 'steps with their payloads are not columns');
      assert.deepStrictEqual(back, asJson(e));
    }
  });

  it('a held step without a source id (a derived id) comes back without one', () => {
    const e = eventsOf(unlikeSteps(), true).find((x) => x.kind === 'steps');
    assert.ok(e && e.kind === 'steps');
    const derived: DocumentEvent = { ...e, steps: e.steps.map((s, i) => (i === 1 ? (({ sourceId: _, ...rest }) => ({ ...rest, id: 'step-0a1b2c3d' }))(s) : s)) };
    const { wire, back } = roundTrip(derived);
    assert.ok(JSON.parse(wire).held);
    assert.deepStrictEqual(back, asJson(derived));
    assert.ok(back.kind === 'steps' && !('sourceId' in back.steps[1]));
  });

  it('a step with more than the held fields sends its whole event as it is', () => {
    const e = eventsOf(unlikeSteps(), true).find((x) => x.kind === 'steps');
    assert.ok(e && e.kind === 'steps');
    const odd: DocumentEvent = { ...e, steps: e.steps.map((s, i) => (i === 1 ? { ...s, model: 'gpt' } : s)) };
    const { wire, back } = roundTrip(odd);
    assert.equal(JSON.parse(wire).held, undefined);
    assert.deepStrictEqual(back, asJson(odd));
  });

  it('findings that grow cross as what changed: the host gets every list whole, in the worker\'s order, those it had as the same objects', () => {
    const path = join(dir, `grow${++serial}.trace.jsonl`);
    const lines = benchTraceText('jsonl', 3000, 4).split('\n');
    writeFileSync(path, lines.slice(0, 2500).join('\n') + '\n');
    const events: DocumentEvent[] = [];
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 4096, findingsEverySteps: 1, payloadsOnDemand: true }, (e) => events.push(e));
    loader.open();
    // An append: the final findings again, with those of the new steps.
    appendFileSync(path, lines.slice(2500).join('\n'));
    loader.reload();
    const { wire, back } = crossed(events);
    const listsOf = (e: DocumentEvent): Finding[][] => (e.kind === 'steps' ? (e.findings ? [e.findings] : []) : e.kind === 'done' ? e.findings : []);
    let added = 0;
    let previous: Finding[] | undefined;
    for (const [k, e] of events.entries()) {
      // The findings come back as the worker has them, in its order.
      assert.deepStrictEqual(back[k], asJson(e), `event ${k + 1} (${e.kind})`);
      const sent = JSON.parse(wire[k]) as { findingsDelta?: { gone?: number[] }; findingsDeltas?: ({ gone?: number[] } | null)[] };
      const deltas = sent.findingsDelta ? [sent.findingsDelta] : sent.findingsDeltas ?? [];
      if (deltas.some((d) => d)) added++;
      for (const [r, list] of listsOf(back[k]).entries()) {
        // Nothing gone: every finding given before is still there, in its order, as the same object.
        if (previous && deltas[r] && !deltas[r]!.gone) assert.deepEqual(list.filter((f) => previous!.includes(f)).length, previous.length, 'the findings given before, as the same objects');
        previous = list;
      }
    }
    assert.ok(added >= 3, `${added} events sent only what changed in the findings`);
    const done = events.filter((e) => e.kind === 'done');
    assert.equal(done.length, 2);
    assert.ok(JSON.parse(wire[events.lastIndexOf(done[1])]).findingsDeltas?.[0], 'the append sent only what changed in the findings');
    // And only the failure sites added (the outcome came back whole: compared above).
    const appended = JSON.parse(wire[events.lastIndexOf(done[1])]) as { sitesAt?: number[]; outcome: { sites: unknown[] } };
    const whole = done[1].kind === 'done' && done[1].outcome.kind === 'ok' ? done[1].outcome.sites.length : 0;
    assert.ok(appended.sitesAt && appended.outcome.sites.length > 0 && appended.outcome.sites.length < whole / 4, `${appended.outcome.sites.length} of ${whole} sites crossed`);
  });

  it('many failure sites cross in parts before their done, read in the done\'s turn whole; an append\'s added sites too', () => {
    const path = join(dir, `parts${++serial}.trace.jsonl`);
    const lines = benchTraceText('jsonl', 3000, 5).split('\n');
    writeFileSync(path, lines.slice(0, 2500).join('\n') + '\n');
    const events: DocumentEvent[] = [];
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 4096, payloadsOnDemand: true }, (e) => events.push(e));
    loader.open();
    appendFileSync(path, lines.slice(2500).join('\n'));
    loader.reload();
    const done = events.filter((e): e is Extract<DocumentEvent, { kind: 'done' }> => e.kind === 'done');
    const sitesOf = (e: Extract<DocumentEvent, { kind: 'done' }>): number => (e.outcome.kind === 'ok' ? e.outcome.sites.length : 0);
    assert.equal(done.length, 2);
    assert.ok(sitesOf(done[0]) > 12, `${sitesOf(done[0])} sites`);

    // Three sites a part: every message small, and the host gets every event as it was.
    const encoder = new EventEncoder(3);
    const decoder = new EventDecoder();
    const messages = events.map((e) => encoder.encode(e));
    for (const [k, e] of events.entries()) {
      const back = messages[k].map((m) => decoder.decode(m));
      assert.deepStrictEqual(back.slice(0, -1), back.slice(0, -1).map(() => undefined), 'the parts are not events');
      assert.deepStrictEqual(back[back.length - 1], asJson(e), `event ${k + 1} (${e.kind})`);
      for (const m of messages[k]) {
        const sites = (JSON.parse(m) as { sites?: unknown[]; outcome?: { sites?: unknown[] } });
        assert.ok((sites.sites ?? sites.outcome?.sites ?? []).length <= 3, 'at most three sites a message');
      }
    }
    const [first, appended] = done.map((e) => messages[events.indexOf(e)]);
    assert.equal(first.length - 1, Math.ceil(sitesOf(done[0]) / 3) - 1, 'the first read: every site, in parts');
    const last = JSON.parse(appended[appended.length - 1]) as { sitesAt?: number[] };
    assert.ok(last.sitesAt, 'the append: only the sites added, in parts where they are many');
    assert.ok(appended.length < first.length / 4, `${appended.length} messages for the append, ${first.length} for the first read`);
  });

  it('a live session\'s lines, each sending its run again from a changed step, send only the findings and sites that changed; a plain reset sends all', () => {
    const path = join(dir, `session${++serial}.jsonl`);
    const session = claudeCodeSessionLines(4, 12);
    writeFileSync(path, session.slice(0, 40).join('\n') + '\n');
    const events: DocumentEvent[] = [];
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 1 << 30 }, (e) => events.push(e));
    loader.open();
    for (const line of session.slice(40)) {
      appendFileSync(path, `${line}\n`);
      loader.reload();
    }
    // Another session in its place: a reset that keeps nothing.
    writeFileSync(path, claudeCodeSessionLines(5, 4).join('\n') + '\n');
    loader.reload();
    const { wire, back } = crossed(events);
    assert.deepStrictEqual(back, events.map(asJson), 'every event comes back as it was');
    const dones = events.flatMap((e, k) => (e.kind === 'done' ? [{ e, k }] : []));
    const sitesOf = (e: DocumentEvent): number => (e.kind === 'done' && e.outcome.kind === 'ok' ? e.outcome.sites.length : 0);
    // The dones after a reset that kept steps, with a few sites by then: only what changed crossed.
    const afterKeepingReset = dones.filter(({ k }) => events.slice(0, k).reverse().find((e) => e.kind === 'reset' || e.kind === 'done')?.kind === 'reset' && (events.slice(0, k).reverse().find((e) => e.kind === 'reset') as { keep?: number[] }).keep);
    const withSites = afterKeepingReset.slice(0, -1).filter(({ e }) => sitesOf(e) >= 4);
    assert.ok(withSites.length > 5, `${withSites.length} lines sent their run again from a changed step, with sites`);
    for (const { e, k } of withSites) {
      const sent = JSON.parse(wire[k]) as { sitesAt?: number[]; outcome: { sites: unknown[] }; findings: unknown[][] };
      assert.ok(sent.sitesAt, `done ${k}: sites as what changed`);
      assert.ok(sent.outcome.sites.length < sitesOf(e) / 2, `done ${k}: ${sent.outcome.sites.length} of ${sitesOf(e)} sites crossed`);
    }
    const last = JSON.parse(wire[dones[dones.length - 1].k]) as { sitesAt?: number[]; findingsAdded?: unknown };
    assert.equal(events[dones[dones.length - 1].k - 1 - events.slice(0, dones[dones.length - 1].k).reverse().findIndex((e) => e.kind === 'reset')].kind, 'reset');
    assert.deepEqual([last.sitesAt, last.findingsAdded], [undefined, undefined], 'after a plain reset: everything again');
  });

  it('findings dropped or changed cross as what changed, in the worker\'s order, two of one category on a step among them', () => {
    const steps = eventsOf(benchTraceText('jsonl', 300, 3), true).find((e) => e.kind === 'steps');
    assert.ok(steps && steps.kind === 'steps');
    const f = (stepId: string, rule: string): Finding => ({ stepId, category: 'TOOL.RUNTIME', rule, evidence: 'x' });
    const first: DocumentEvent = { ...steps, findings: [f('a', 'r1'), f('b', 'r2')] };
    const dropped: DocumentEvent = { ...steps, findings: [f('b', 'r2'), f('c', 'r3')] };
    const changed: DocumentEvent = { ...steps, findings: [f('b', 'r2'), { ...f('c', 'r3'), evidence: 'y' }] };
    // Two of one category on one step: not told apart by step and category, but as objects in their places.
    const twoOnOneStep: DocumentEvent = { ...steps, findings: [f('b', 'r2'), { ...f('c', 'r3'), evidence: 'y' }, f('c', 'r4')] };
    const grown: DocumentEvent = { ...steps, findings: [f('b', 'r2'), { ...f('c', 'r3'), evidence: 'y' }, f('c', 'r4'), f('d', 'r5')] };
    // The next list drops one of the two.
    const oneDropped: DocumentEvent = { ...steps, findings: [f('b', 'r2'), f('c', 'r4'), f('d', 'r5')] };
    // A finding added before the ones the host has (a second rule's on an earlier step): the host's list in the worker's order.
    const before: DocumentEvent = { ...steps, findings: [f('b', 'r2'), { ...f('c', 'r3'), evidence: 'y' }, { ...f('c', 'r3'), category: 'ORCH.REPEAT_LOOP' }] };
    const inserted: DocumentEvent = { ...steps, findings: [f('b', 'r2'), { ...f('c', 'r3'), category: 'TOOL.TIMEOUT' }, { ...f('c', 'r3'), evidence: 'y' }, { ...f('c', 'r3'), category: 'ORCH.REPEAT_LOOP' }] };
    const events = [first, dropped, changed, before, inserted, twoOnOneStep, grown, oneDropped];
    const { wire, back } = crossed(events);
    // The first list goes whole; the others as what changed.
    assert.deepEqual(wire.map((w) => Object.keys(JSON.parse(w)).filter((k) => k.startsWith('findings'))), [['findings'], ...events.slice(1).map(() => ['findingsDelta'])]);
    assert.deepStrictEqual(back, events.map(asJson));
    const delta = (w: string): { added: Finding[]; gone?: number[] } => (JSON.parse(w) as { findingsDelta: { added: Finding[]; gone?: number[] } }).findingsDelta;
    assert.deepEqual([delta(wire[1]).added.map((x) => x.stepId), delta(wire[1]).gone], [['c'], [0]], 'a dropped, c added: only c crosses');
    assert.deepEqual(delta(wire[4]).added.map((x) => x.category), ['TOOL.TIMEOUT'], 'only the finding inserted crosses');
    assert.equal((back[4] as { findings: Finding[] }).findings[2], (back[3] as { findings: Finding[] }).findings[1], 'the findings the host had, as the same objects');
    assert.deepEqual(delta(wire[6]).added.map((x) => x.stepId), ['d'], 'only d crosses after two of a kind on step c');
    // And after that, changes go as such.
    const more = crossed([...events, { ...oneDropped, findings: [...(oneDropped as { findings: Finding[] }).findings, f('e', 'r6')] }]);
    assert.deepEqual(delta(more.wire[events.length]).added.map((x) => x.stepId), ['e']);
  });

  it('a done leaves out the header fields the host has as they are, and the host puts them back as the same objects', () => {
    const tools = Array.from({ length: 6 }, (_, k) => ({ name: `tool_${k}`, description: `The tool number ${k}, described at length.`, parameters: { type: 'object', properties: { q: { type: 'string' } } } }));
    const runLines = (n: number, toolsOfRun: unknown[]): string[] => [
      JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: `run-${n}`, title: `run ${n}`, tools: toolsOfRun, metadata: { task: `task ${n}`, note: 'a note long enough to be worth keeping on the host' } }),
      ...benchTraceText('jsonl', 40, n).split('\n').filter((l) => l.includes('"type":"step"')),
    ];
    const text = [...runLines(1, tools), ...runLines(2, tools), ...runLines(3, tools.slice(0, 2))].join('\n') + '\n';
    const events = eventsOf(text, true);
    const { wire, back } = crossed(events);
    assert.deepStrictEqual(back, events.map(asJson), 'every event comes back as it was');
    const k = events.findIndex((e) => e.kind === 'done');
    const sent = JSON.parse(wire[k]) as { runs: Record<string, unknown>[]; keptHeaderFields?: (string[] | null)[] };
    assert.deepEqual(sent.keptHeaderFields, [['tools', 'metadata'], ['tools', 'metadata'], ['tools', 'metadata']]);
    assert.ok(sent.runs.every((r) => r.tools === undefined && r.metadata === undefined), 'left out of the done');
    // What the header settles only at the end crosses: the file's sha256 in each run's source.
    assert.ok(sent.runs.every((r) => (r.source as { sha256: string }).sha256.length === 64));
    const firstHeader = (run: number) => (back.find((e) => e.kind === 'steps' && e.run === run && e.header) as { header: { tools: unknown } }).header;
    const done = back[k] as Extract<DocumentEvent, { kind: 'done' }>;
    assert.equal(done.runs[0].tools, firstHeader(0).tools, 'the same object the host got with the run\'s first steps');
    assert.equal(done.runs[2].tools.length, 2);
    // A plain reset: the host is told everything again.
    const again = crossed([...events, { kind: 'reset' }, ...events]);
    const secondDone = JSON.parse(again.wire[events.length + 1 + k]) as { keptHeaderFields?: unknown; runs: Record<string, unknown>[] };
    assert.deepEqual(secondDone.keptHeaderFields, [['tools', 'metadata'], ['tools', 'metadata'], ['tools', 'metadata']], 'after the reset, the runs\' first steps sent their headers again');
    const noHeaders = crossed([...events, { kind: 'reset' }, events[k]]);
    assert.equal((JSON.parse(noHeaders.wire[events.length + 1]) as { keptHeaderFields?: unknown }).keptHeaderFields, undefined, 'a done after a reset with no header sent since goes whole');
    assert.deepStrictEqual(noHeaders.back[events.length + 1], asJson(events[k]));
  });

  it('held steps\' texts cross after the event\'s JSON, as they are, and come back cut apart', () => {
    // The first run's held steps in one event (they came in several).
    const events = eventsOf(benchTraceText('jsonl', 30, 5), true).filter((e) => e.kind === 'steps' && e.run === 0) as Extract<DocumentEvent, { kind: 'steps' }>[];
    const { payloadRanges, ...first } = events[0];
    assert.ok(payloadRanges);
    const rest: DocumentEvent = { ...first, steps: events.flatMap((e) => e.steps) };
    assert.ok(rest.steps.length >= 4);
    // Texts with what JSON escapes, colons, digits and non-ASCII, and an empty one.
    const payloadTexts = rest.steps.map((s, k) => (k === 1 ? '' : JSON.stringify({ ...s, note: `"quoted" 12:30 café ✓ \\ line\nnext ${k}` })));
    const event: DocumentEvent = { ...rest, payloadTexts };
    const { wire, back } = roundTrip(event);
    assert.ok(back.kind === 'steps' && back.payloadTexts);
    const { payloadTexts: backTexts, ...backRest } = back;
    assert.deepStrictEqual(backRest, asJson(rest));
    assert.deepStrictEqual(backTexts.map((t) => (t === '' ? '' : JSON.parse(t) as unknown)), payloadTexts.map((t) => (t === '' ? '' : JSON.parse(t) as unknown)), 'each text, the same JSON');
    assert.equal(wire.charCodeAt(0), 1, 'a message with texts');
    assert.doesNotMatch(wire, /[\u0080-\uffff]/, 'in ASCII: a string of one byte a character');
    assert.ok(wire.endsWith(backTexts.join('')), 'the texts as they are, not escaped again as a JSON string');
    assert.ok(backTexts[2].includes('\\"quoted\\" 12:30 caf\\u00e9 \\u2713'), backTexts[2]);
    // The next message, without texts, is plain JSON.
    const next = crossed([event, rest]);
    assert.deepStrictEqual(next.back[1], asJson(rest));
    assert.equal(next.wire[1][0], '{');
  });
});
