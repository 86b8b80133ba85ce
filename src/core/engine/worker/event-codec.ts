/**
 * How a document worker's events cross to the host: as JSON text (see DocumentMessage in
 * document-client.ts), with the steps of a streamed file held without their payloads written as
 * columns, one array per field, instead of one object per step.
 *
 * At 10^6 steps those objects were most of what crossed: 32 MB of JSON per 10^5 steps, mostly keys
 * and the same location written out in full. As columns: 11 MB, half the worker's time to write
 * and half the host's to read (measured per 10^5 steps: 100 against 50 ms, and 150 against 75 ms),
 * and the host's steps share what they have in common (the empty attributes, a source id equal to
 * the id) instead of holding a copy each.
 *
 * Only the shape `withoutPayloads` gives (step-payloads.ts) is written as columns, and only when
 * every step of the event has it; anything else crosses as it is. `decodeEvent(encodeEvent(e))`
 * gives back the event's steps field for field.
 */
import type { SourceLocation, Step } from '../../model/schema';
import { HELD_ATTRIBUTES } from '../stream/step-payloads';
import type { DocumentEvent } from './document-load';

/** A held step's fields, as written in the columns: what every held step has. */
interface HeldColumns {
  /** `index` of the first step; the others follow it. */
  first: number;
  id: string[];
  parentId: (string | null)[];
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
   * What some steps have otherwise, as [position in the event, field, value] triples: `sourceId`
   * when it is not the id (null: none), `toolCall`, `error`, and `location` when it is not a
   * streamed line's.
   */
  other: unknown[];
}

type StepsEvent = Extract<DocumentEvent, { kind: 'steps' }>;
type WireStepsEvent = Omit<StepsEvent, 'steps'> & { steps?: Step[]; held?: HeldColumns };

/** The fields `withoutPayloads` may give a step; a step with any other is sent as it is. */
const HELD_FIELDS = new Set(['id', 'parentId', 'index', 'depth', 'kind', 'name', 'startTime', 'endTime', 'status', 'attributes', 'sourceId', 'toolCall', 'error', 'location']);

export function encodeEvent(e: DocumentEvent): string {
  if (e.kind !== 'steps' || !e.payloadRanges || e.steps.length === 0) return JSON.stringify(e);
  const held = heldColumns(e.steps);
  if (!held) return JSON.stringify(e);
  const { steps: _, ...rest } = e;
  return JSON.stringify({ ...rest, held } satisfies WireStepsEvent);
}

export function decodeEvent(text: string): DocumentEvent {
  const e = JSON.parse(text) as DocumentEvent | WireStepsEvent;
  if (e.kind !== 'steps' || !('held' in e) || !e.held) return e as DocumentEvent;
  const { held, ...rest } = e;
  return { ...rest, steps: heldSteps(held) };
}

function heldColumns(steps: readonly Step[]): HeldColumns | undefined {
  const first = steps[0].index;
  const c: HeldColumns = { first, id: [], parentId: [], depth: [], kind: [], name: [], startTime: [], endTime: [], status: [], line: [], offset: [], length: [], other: [] };
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s.index !== first + i || !isHeld(s)) return undefined;
    c.id.push(s.id);
    c.parentId.push(s.parentId);
    c.depth.push(s.depth);
    c.kind.push(s.kind);
    c.name.push(s.name);
    c.startTime.push(s.startTime);
    c.endTime.push(s.endTime);
    c.status.push(s.status);
    if (s.sourceId !== s.id) c.other.push(i, 'sourceId', s.sourceId ?? null);
    if (s.toolCall !== undefined) c.other.push(i, 'toolCall', s.toolCall);
    if (s.error !== undefined) c.other.push(i, 'error', s.error);
    const l = s.location;
    if (l && isLineLocation(l)) {
      c.line.push(l.line);
      c.offset.push(l.offset!);
      c.length.push(l.length!);
    } else {
      c.line.push(-1);
      c.offset.push(0);
      c.length.push(0);
      if (l) c.other.push(i, 'location', l);
    }
  }
  return c;
}

/** A step as `withoutPayloads` gives it: no payloads (PAGED_FIELDS), no attributes, nothing else. */
function isHeld(s: Step): boolean {
  if (s.attributes !== HELD_ATTRIBUTES && keyCount(s.attributes) > 0) return false;
  for (const k in s) if (!HELD_FIELDS.has(k)) return false;
  return true;
}

/** A streamed line's location: the whole of one line, with its offset and length. */
function isLineLocation(l: SourceLocation): boolean {
  return l.column === 1 && l.endLine === l.line && l.offset !== undefined && l.length !== undefined && l.endColumn === l.length + 1 && keyCount(l) === 6;
}

function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

function heldSteps(c: HeldColumns): Step[] {
  const steps: Step[] = new Array(c.id.length);
  for (let i = 0; i < c.id.length; i++) {
    const step: Step = {
      id: c.id[i], parentId: c.parentId[i], index: c.first + i, depth: c.depth[i], kind: c.kind[i], name: c.name[i],
      startTime: c.startTime[i], endTime: c.endTime[i], status: c.status[i], attributes: HELD_ATTRIBUTES, sourceId: c.id[i],
    };
    const line = c.line[i];
    if (line >= 0) step.location = { line, column: 1, endLine: line, endColumn: c.length[i] + 1, offset: c.offset[i], length: c.length[i] };
    steps[i] = step;
  }
  for (let k = 0; k < c.other.length; k += 3) {
    const step = steps[c.other[k] as number];
    const field = c.other[k + 1] as 'sourceId' | 'toolCall' | 'error' | 'location';
    const value = c.other[k + 2];
    if (field === 'sourceId' && value === null) delete step.sourceId;
    else (step as Record<string, unknown>)[field] = value;
  }
  return steps;
}
