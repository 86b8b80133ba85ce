/**
 * How a document worker's events cross to the host: as JSON text (see DocumentMessage in
 * document-client.ts), written by the worker's `EventEncoder` and read by the host's
 * `EventDecoder`, a pair per worker. Two things are written more compactly than the events hold
 * them; the host gets back events equal to those sent.
 *
 * **Held steps as columns.** The steps of a streamed file held without their payloads go as one
 * array per field instead of one object per step. At 10^6 steps those objects were most of what
 * crossed: 32 MB of JSON per 10^5 steps, mostly keys and the same location written out in full. As
 * columns: 11 MB, half the worker's time to write and half the host's to read (measured per 10^5
 * steps: 100 against 50 ms, and 150 against 75 ms), and the host's steps share what they have in
 * common (the empty attributes, a source id equal to the id) instead of holding a copy each. Only
 * the shape `withoutPayloads` gives (step-payloads.ts) goes as columns, and only when every step of
 * the event has it; anything else crosses as it is.
 *
 * **Ids as one string.** V8's JSON.parse adds every string value of up to 10 characters to the
 * thread's table of unique strings. Step ids are often that short ("llm-332") and all differ, so at
 * 10^6 steps the host's table grew by 10^6 entries, each doubling of it a pause of 40-80 ms in
 * the middle of a decode. An event's ids (and parent ids) go as one string with their end offsets;
 * the host cuts them out, which adds nothing to that table. Names, kinds and statuses repeat, and
 * that table holds one copy of each: they stay as they are.
 *
 * **Findings as what was added.** A run read as a stream sends its findings so far again and
 * again (12,000 at 10^6 steps, about 30 times), and again after each append. When every finding
 * sent before for the run is among them, only the others cross, and the decoder puts them after
 * the list it gave last (the same objects first): the editor's session then adds them in time
 * proportional to them (TraceSession.showFindings), where a whole list held the host's thread for
 * 30-90 ms each time.
 *
 * **Failure sites as what changed** (sites-delta.ts): the file's analysis that comes with each
 * `done`, for the Agent Traces view. The sites written go in parts of at most SITES_PER_PART, each
 * its own message before the `done`: the 12,000 sites of a first read at 10^6 steps were 6.7 MB
 * of the done's 7 MB, which the host read in one turn of 46-52 ms.
 *
 * **Held steps' texts after the JSON.** The steps of a whole run held without their payloads (an
 * Inspect log's samples, text-payloads.ts) go with their whole JSON texts, joined after the
 * event's JSON as they are (not as a JSON string, which both sides would escape and unescape: a
 * second of a 600-sample log's read), in ASCII (asciiJson), with where each ends. The message, of
 * more than 128 KB, is made in V8's large-object space, which the young collections do not copy;
 * the host's texts are slices of it (a small object each). Sent one string per step, the texts
 * were copied by each young collection they survived: collections of 40-70 ms while a log of 600
 * samples was read, where its steps as objects took 30-68.
 *
 * **Run headers as what changed** (header-delta.ts): a `done` repeats every run's header, final
 * now; the fields the host got with the run's first steps, unchanged, are left out and named (a log
 * of 600 Inspect samples: its tools, scores and metadata, 6.3 MB of the done's 6.3 MB).
 *
 * A `reset` that keeps steps (a run sent again from a step a live file's new line changed) keeps
 * what both sides know of the findings and sites: only a plain reset (the file read again from
 * nothing) forgets them. A live session's lines each sent its 8,000 findings and sites (5.6 MB)
 * again when every line was a reset.
 */
import type { SourceLocation, Step } from '../../model/schema';
import { sameFinding, type Finding } from '../../detect';
import { HELD_ATTRIBUTES, HELD_FIELDS } from '../stream/step-payloads';
import type { DocumentEvent } from './document-load';
import { SentSites, withAddedSites } from './sites-delta';
import { SentList, withDelta, type ListDelta } from './list-delta';
import type { FailureSite } from '../../analysis/failure-sites';
import { StringTable } from '../../util/string-table';
import { ReceivedHeaders, SentHeaders, type KeptHeaderFields } from './header-delta';

/** A held step's fields, as written in the columns: what every held step has. */
interface HeldColumns {
  /** `index` of the first step; the others follow it. */
  first: number;
  /** The ids one after another; `idEnds[i]` is where step i's id ends (see `IdColumn`). */
  ids: string;
  idEnds: number[];
  /** The parent ids likewise; -1 in `parentEnds`: no parent (null). */
  parentIds: string;
  parentEnds: number[];
  depth: number[];
  kind: Step['kind'][];
  name: string[];
  startTime: (number | null)[];
  endTime: (number | null)[];
  status: Step['status'][];
  /** The line of a streamed step's location ({line, column: 1, endLine: line, endColumn: length + 1, offset, length}); -1: see `other`. */
  line: number[];
  offset: number[];
  length: number[];
  /**
   * Steps whose location is a span of the file (an OTLP or TRAIL span's), as [position in the
   * event, column, endLine, endColumn] quadruples in order; their line, offset and length are in
   * the columns above. A step's location as an object of its own in `other` was about 100 bytes of
   * event text and an object to parse per span.
   */
  spans?: number[];
  /**
   * The distinct attributes of the event's steps (an OTLP span step's service and scope), and each
   * step's place among them (-1: none); absent when no step has attributes. Written per step they
   * were about 110 bytes of event text and an object per span.
   */
  attributes?: Step['attributes'][];
  attributesAt?: number[];
  /**
   * What some steps have otherwise, as [position in the event, field, value] triples: `sourceId`
   * when it is not the id (null: none), `toolCall`, `error`, and `location` when it is neither a
   * streamed line's nor a span's.
   */
  other: unknown[];
}

type StepsEvent = Extract<DocumentEvent, { kind: 'steps' }>;
type DoneEvent = Extract<DocumentEvent, { kind: 'done' }>;
/** A steps event as written: its steps as columns (`held`), its findings as what changed since those given last (`findingsDelta`). */
type WireStepsEvent = Omit<StepsEvent, 'steps'> & { steps?: Step[]; held?: HeldColumns; findingsDelta?: ListDelta<Finding>; payloadEnds?: number[] };
/**
 * A done event as written: where `findingsDeltas[run]` is given, `findings[run]` is empty and the
 * run's findings are what changed since those given last; with `sitesInParts`, the outcome's
 * sites written follow those of the parts before it; with `sitesAt`, the sites written are only
 * those added, and go at those places of the list, and `sitesGone` (places in the list given
 * before) are gone.
 */
type WireDoneEvent = DoneEvent & { findingsDeltas?: (ListDelta<Finding> | null)[]; sitesAt?: number[]; sitesGone?: number[]; sitesInParts?: true; keptHeaderFields?: KeptHeaderFields };

/** Failure sites written before a done, which the decoder keeps until it: not an event. */
interface SitesPart { kind: 'sitesPart'; sites: FailureSite[] }

/** Failure sites per message (about 560 bytes each as JSON: 1.1 MB, a few milliseconds to read). */
export const SITES_PER_PART = 2_000;

/** Which finding it is: its step and category (a run's list has one finding of each per step). */
const findingId = (f: Finding): string => `${f.stepId}\u0000${f.category}`;

/** The worker's side: one per worker, fed every event it sends, in order. */
export class EventEncoder {
  /** Per run, the findings the host has. */
  private sentFindings: SentList<Finding>[] = [];
  private readonly sites = new SentSites();
  private readonly headers = new SentHeaders();

  constructor(private readonly sitesPerPart = SITES_PER_PART) {}

  /** The messages that carry `e`, in order: usually one; a done's sites may go in parts before it. */
  encode(e: DocumentEvent): string[] {
    if (e.kind === 'reset' && !e.keep) {
      this.sentFindings = [];
      this.sites.forget();
      this.headers.forget();
    }
    if (e.kind === 'done') return this.inParts(this.doneOnWire(e));
    if (e.kind !== 'steps') return [JSON.stringify(e)];
    if (e.header) this.headers.sentWhole(e.run, e.header);
    const { steps, findings, payloadTexts, ...rest } = e;
    const wire: WireStepsEvent = rest;
    const texts = payloadTexts?.map(asciiJson);
    if (texts) wire.payloadEnds = endsOf(texts);
    const held = (e.payloadRanges || e.payloadTexts) && steps.length > 0 ? heldColumns(steps) : undefined;
    if (held) wire.held = held;
    else wire.steps = steps;
    if (findings) {
      const delta = this.findingsDelta(e.run, findings);
      if (delta) wire.findingsDelta = delta;
      else wire.findings = findings;
    }
    return [texts ? withTexts(asciiJson(JSON.stringify(wire)), texts) : JSON.stringify(wire)];
  }

  /** The done, its outcome's sites (as written: all, or those added) in parts before it where there are many. */
  private inParts(done: WireDoneEvent): string[] {
    const outcome = done.outcome;
    if (outcome.kind !== 'ok' || outcome.sites.length <= this.sitesPerPart) return [JSON.stringify(done)];
    const messages: string[] = [];
    const lastPart = Math.floor((outcome.sites.length - 1) / this.sitesPerPart) * this.sitesPerPart;
    for (let at = 0; at < lastPart; at += this.sitesPerPart) {
      const part: SitesPart = { kind: 'sitesPart', sites: outcome.sites.slice(at, at + this.sitesPerPart) };
      messages.push(JSON.stringify(part));
    }
    messages.push(JSON.stringify({ ...done, outcome: { ...outcome, sites: outcome.sites.slice(lastPart) }, sitesInParts: true }));
    return messages;
  }

  private doneOnWire(e: DoneEvent): WireDoneEvent {
    const deltas = e.findings.map((list, run) => this.findingsDelta(run, list));
    this.sentFindings.length = e.findings.length;
    let wire: WireDoneEvent = e;
    if (deltas.some((d) => d !== undefined)) wire = { ...e, findings: e.findings.map((list, run) => (deltas[run] ? [] : list)), findingsDeltas: deltas.map((d) => d ?? null) };
    const lighter = this.headers.leaveOutKnown(e.runs);
    if (lighter) wire = { ...wire, runs: lighter.headers, keptHeaderFields: lighter.kept };
    const outcome = e.outcome;
    if (outcome.kind !== 'ok') {
      this.sites.forget();
      return wire;
    }
    const sites = this.sites.delta(outcome.sites);
    return sites ? { ...wire, outcome: { ...outcome, sites: sites.added }, sitesAt: sites.at, ...(sites.gone ? { sitesGone: sites.gone } : {}) } : wire;
  }

  /**
   * What run `run`'s findings changed since those the host has (those kept stay the same objects
   * there, in the worker's order); undefined when they go whole. Either way, the host has
   * `findings` next. A finding is told by its step and category: two of a kind on a step make the
   * list go whole. Copied: the list the detectors hand out may grow after it is sent.
   */
  private findingsDelta(run: number, findings: readonly Finding[]): ListDelta<Finding> | undefined {
    return (this.sentFindings[run] ??= new SentList(findingId, sameFinding)).delta(findings.slice());
  }
}

/** The host's side: one per worker, given every message it sent, in order. */
export class EventDecoder {
  /** Per run, the findings last given (what the worker's encoder knows the host has). */
  private findings: Finding[][] = [];
  /** The failure sites of the outcome given last. */
  private sites: FailureSite[] = [];
  /** The parts of the next done's sites, as they came. */
  private parts: FailureSite[][] = [];
  /** Per run, the id of the last held step decoded at each depth (parent ids share these strings). */
  private openPaths: string[][] = [];
  private readonly names = new StringTable(MAX_KEPT_NAMES);
  private readonly headers = new ReceivedHeaders();

  /** The event `text` carries; undefined for a part of the next one (kept until it comes). */
  decode(message: string): DocumentEvent | undefined {
    const { json, texts } = textsApart(message);
    const e = JSON.parse(json) as DocumentEvent | SitesPart;
    if (e.kind === 'sitesPart') {
      this.parts.push(e.sites);
      return undefined;
    }
    if (e.kind === 'reset' && !e.keep) {
      this.findings = [];
      this.sites = [];
      this.headers.forget();
    }
    if (e.kind === 'done') return this.done(e as WireDoneEvent);
    if (e.kind !== 'steps') return e;
    if (e.header) this.headers.received(e.run, e.header);
    const { held, findingsDelta, payloadEnds, ...rest } = e as WireStepsEvent;
    const event: StepsEvent = { ...rest, steps: held ? heldSteps(held, (this.openPaths[e.run] ??= []), this.names) : rest.steps ?? [] };
    if (texts !== undefined && payloadEnds) event.payloadTexts = cutTexts(texts, payloadEnds);
    if (findingsDelta) event.findings = this.changed(e.run, findingsDelta);
    if (event.findings) this.findings[e.run] = event.findings;
    return event;
  }

  private done(e: WireDoneEvent): DoneEvent {
    const { findingsDeltas, sitesAt, sitesGone, sitesInParts, keptHeaderFields, ...event } = e;
    event.runs = this.headers.filled(event.runs, keptHeaderFields);
    const parts = this.parts;
    this.parts = [];
    // The encoder writes a done's parts right before it, and one worker's messages come in order.
    if (sitesInParts && event.outcome.kind === 'ok') {
      event.outcome = { ...event.outcome, sites: [...parts.flat(), ...event.outcome.sites] };
    }
    if (findingsDeltas) event.findings = event.findings.map((list, run) => { const delta = findingsDeltas[run]; return delta ? this.changed(run, delta) : list; });
    this.findings = [...event.findings];
    const outcome = event.outcome;
    if (outcome.kind === 'ok' && sitesAt) event.outcome = { ...outcome, sites: withAddedSites(this.sites, { added: outcome.sites, at: sitesAt, gone: sitesGone }) };
    this.sites = event.outcome.kind === 'ok' ? event.outcome.sites : [];
    return event;
  }

  /**
   * The run's findings given last, changed by `delta`: those kept are the same objects, and with
   * no change the list is the one given last (see TraceSession.showFindings and update).
   */
  private changed(run: number, delta: ListDelta<Finding>): Finding[] {
    // The encoder sends changes only for a run whose findings it sent before, in an earlier message of this worker.
    const before = this.findings[run] ?? [];
    return delta.added.length === 0 && !delta.gone?.length ? before : withDelta(before, delta);
  }
}

/** Where each of the steps' texts ends in them joined. */
function endsOf(texts: readonly string[]): number[] {
  const ends: number[] = [];
  let end = 0;
  for (const t of texts) ends.push((end += t.length));
  return ends;
}

/**
 * JSON text with every character past ASCII escaped (`\u00e9`): the same value, in a string of
 * one byte a character. The host keeps the messages that carry steps' texts; one character past
 * Latin-1 anywhere in one made all of it two bytes a character.
 */
function asciiJson(json: string): string {
  return NOT_ASCII.test(json) ? json.replace(NOT_ASCII_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
const NOT_ASCII = /[\u0080-\uffff]/;
const NOT_ASCII_ALL = /[\u0080-\uffff]/g;

/** Starts a message whose event's steps' texts follow its JSON (a JSON text never starts with it). */
const WITH_TEXTS = '\u0001';

/**
 * The message of an event with its steps' texts: WITH_TEXTS, the JSON's length, `:`, the JSON, the
 * texts joined. Made in one join: joining the texts first, then adding them to the JSON, made the
 * message twice (each fresh megabyte costs about 3 ms to touch on the test machine: 1 s of a
 * 600-sample log's read).
 */
function withTexts(json: string, texts: readonly string[]): string {
  return [WITH_TEXTS, String(json.length), ':', json, ...texts].join('');
}

/** A message's JSON, and the steps' texts that follow it (see withTexts). */
function textsApart(message: string): { json: string; texts?: string } {
  if (!message.startsWith(WITH_TEXTS)) return { json: message };
  const colon = message.indexOf(':');
  const end = colon + 1 + Number(message.slice(1, colon));
  return { json: message.slice(colon + 1, end), texts: message.slice(end) };
}

/** The steps' texts cut out of the one string: slices of it, each a small object that points into it. */
function cutTexts(text: string, ends: readonly number[]): string[] {
  return ends.map((end, k) => text.slice(k === 0 ? 0 : ends[k - 1], end));
}

function heldColumns(steps: readonly Step[]): HeldColumns | undefined {
  const first = steps[0].index;
  const ids: string[] = [];
  const parentIds: string[] = [];
  const c: HeldColumns = { first, ids: '', idEnds: [], parentIds: '', parentEnds: [], depth: [], kind: [], name: [], startTime: [], endTime: [], status: [], line: [], offset: [], length: [], other: [] };
  const attributes = new AttributesTable();
  let idEnd = 0;
  let parentEnd = 0;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s.index !== first + i || !isHeld(s)) return undefined;
    ids.push(s.id);
    c.idEnds.push((idEnd += s.id.length));
    if (s.parentId == null) c.parentEnds.push(-1);
    else {
      parentIds.push(s.parentId);
      c.parentEnds.push((parentEnd += s.parentId.length));
    }
    c.depth.push(s.depth);
    c.kind.push(s.kind);
    c.name.push(s.name);
    c.startTime.push(s.startTime);
    c.endTime.push(s.endTime);
    c.status.push(s.status);
    if (s.sourceId !== s.id) c.other.push(i, 'sourceId', s.sourceId ?? null);
    if (s.toolCall !== undefined) c.other.push(i, 'toolCall', s.toolCall);
    if (s.error !== undefined) c.other.push(i, 'error', s.error);
    // An OTLP span step keeps its attributes (step-payloads.ts, PayloadFormat).
    if (s.attributes !== HELD_ATTRIBUTES && keyCount(s.attributes) > 0) attributes.add(i, s.attributes);
    const l = s.location;
    const lineLocation = l !== undefined && isLineLocation(l);
    const spanLocation = l !== undefined && !lineLocation && hasOffsetOnly(l);
    if (l && (lineLocation || spanLocation)) {
      c.line.push(l.line);
      c.offset.push(l.offset!);
      c.length.push(l.length!);
      if (spanLocation) (c.spans ??= []).push(i, l.column, l.endLine, l.endColumn);
    } else {
      c.line.push(-1);
      c.offset.push(0);
      c.length.push(0);
      if (l) c.other.push(i, 'location', l);
    }
  }
  c.ids = ids.join('');
  c.parentIds = parentIds.join('');
  attributes.writeTo(c, steps.length);
  return c;
}

/** The distinct attributes of an event's steps, and where each step's are (HeldColumns.attributes). */
class AttributesTable {
  private readonly places = new Map<string, number>();
  private readonly values: Step['attributes'][] = [];
  private readonly at: [step: number, place: number][] = [];

  add(step: number, attributes: Step['attributes']): void {
    const key = JSON.stringify(attributes);
    let place = this.places.get(key);
    if (place === undefined) {
      place = this.values.push(attributes) - 1;
      this.places.set(key, place);
    }
    this.at.push([step, place]);
  }

  writeTo(c: HeldColumns, steps: number): void {
    if (this.at.length === 0) return;
    c.attributes = this.values;
    c.attributesAt = new Array<number>(steps).fill(-1);
    for (const [step, place] of this.at) c.attributesAt[step] = place;
  }
}

/** A step as `withoutPayloads` gives it: no payloads (PAGED_FIELDS), nothing else. */
function isHeld(s: Step): boolean {
  for (const k in s) if (!HELD_FIELDS.has(k)) return false;
  return true;
}

/** A streamed line's location: the whole of one line, with its offset and length. */
function isLineLocation(l: SourceLocation): boolean {
  return l.column === 1 && l.endLine === l.line && l.endColumn === l.length! + 1 && hasOffsetOnly(l);
}

/** A location with its offset and length, and nothing besides its six fields (a span's, when not a whole line's). */
function hasOffsetOnly(l: SourceLocation): boolean {
  return l.offset !== undefined && l.length !== undefined && keyCount(l) === 6;
}

function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/**
 * Steps from their columns. Each is made whole in one object literal, so its fields live in the
 * object (a field added after it is made goes to a separate property array: 40 bytes more a step,
 * 40 MB at 10^6 steps); a parent id is the parent's own id string where the parent is the last
 * step decoded at the depth above (`path`, the run's open path as decoded so far), not a copy
 * (a string a step: 32 MB at 10^6 steps); and names repeat (a model's, a tool's), so each is kept
 * once (`names`): JSON.parse makes a string per value, 13 MB of "chat gpt-4o-2024-08-06" at 10^6.
 */
function heldSteps(c: HeldColumns, path: string[], names: StringTable): Step[] {
  const n = c.idEnds.length;
  const steps: Step[] = new Array(n);
  const others = othersByStep(c.other);
  const spans = c.spans;
  let span = 0;
  let idAt = 0;
  let parentAt = 0;
  for (let i = 0; i < n; i++) {
    const id = c.ids.slice(idAt, (idAt = c.idEnds[i]));
    const depth = c.depth[i];
    const parentEnd = c.parentEnds[i];
    let parentId: string | null = null;
    if (parentEnd >= 0) {
      parentId = idText(c.parentIds, parentAt, parentEnd, depth > 0 ? path[depth - 1] : undefined);
      parentAt = parentEnd;
    }
    path[depth] = id;
    const other = others?.get(i);
    const line = c.line[i];
    let location: SourceLocation | undefined;
    if (spans !== undefined && spans[span] === i) {
      location = { line, column: spans[span + 1], endLine: spans[span + 2], endColumn: spans[span + 3], offset: c.offset[i], length: c.length[i] };
      span += 4;
    } else {
      location = line >= 0 ? { line, column: 1, endLine: line, endColumn: c.length[i] + 1, offset: c.offset[i], length: c.length[i] } : other?.location as SourceLocation | undefined;
    }
    const toolCall = other?.toolCall as Step['toolCall'];
    const index = c.first + i;
    const kind = c.kind[i];
    const name = names.get(c.name[i]);
    const startTime = c.startTime[i];
    const endTime = c.endTime[i];
    const status = c.status[i];
    const place = c.attributesAt?.[i] ?? -1;
    // Steps of one event with the same attributes share one object (the host interns them: HeldContexts).
    const attributes = place >= 0 ? c.attributes![place] : HELD_ATTRIBUTES;
    let step: Step;
    if (location && toolCall) step = { id, parentId, index, depth, kind, name, startTime, endTime, status, attributes, sourceId: id, location, toolCall };
    else if (location) step = { id, parentId, index, depth, kind, name, startTime, endTime, status, attributes, sourceId: id, location };
    else if (toolCall) step = { id, parentId, index, depth, kind, name, startTime, endTime, status, attributes, sourceId: id, toolCall };
    else step = { id, parentId, index, depth, kind, name, startTime, endTime, status, attributes, sourceId: id };
    if (other) {
      if (other.error !== undefined) step.error = other.error as Step['error'];
      if (other.sourceId === null) delete step.sourceId;
      else if (other.sourceId !== undefined) step.sourceId = other.sourceId as string;
    }
    steps[i] = step;
  }
  return steps;
}

/** Step names kept once per decoder, at most (a trace whose names are all different keeps its own). */
const MAX_KEPT_NAMES = 4096;

/** `joined[from, to)`, as `known` itself when it is the same text (no new string), else cut. */
function idText(joined: string, from: number, to: number, known: string | undefined): string {
  return known !== undefined && known.length === to - from && joined.startsWith(known, from) ? known : joined.slice(from, to);
}

/** What a held step has besides its columns (HeldColumns.other). */
type OtherFields = Partial<Record<'sourceId' | 'toolCall' | 'error' | 'location', unknown>>;

/** The `other` triples by step position; undefined when there are none. */
function othersByStep(other: HeldColumns['other']): Map<number, OtherFields> | undefined {
  if (other.length === 0) return undefined;
  const by = new Map<number, OtherFields>();
  for (let k = 0; k < other.length; k += 3) {
    const at = other[k] as number;
    let fields = by.get(at);
    if (!fields) by.set(at, (fields = {}));
    fields[other[k + 1] as keyof OtherFields] = other[k + 2];
  }
  return by;
}
