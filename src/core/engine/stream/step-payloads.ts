/**
 * Steps held without their payloads, read back from the file when asked (as vscode-hexeditor pages
 * its document). A streamed agent-trace/v1 file's steps cross from the document worker to the
 * extension host without `input` and `output` (a run's model inputs and tool outputs are most of
 * its bytes) and with the byte range of their line (an OTLP document's, of their span: see
 * PayloadFormat); the host keeps the ranges, and whatever needs
 * a whole step (its details, a correction, search) reads its line again and rebuilds it exactly as
 * the import built it. Memory then follows the number of steps, not their size.
 *
 * A line read back must still be the step's: a file rewritten underneath (before the watcher's
 * reload reached the host) is refused in words that say so, never shown as another step's content.
 */
import { stepFromDraft } from '../../model/build';
import type { Step, ToolDefinition } from '../../model/schema';
import type { DraftStep } from '../../model/draft';
import { canonicalRecord } from '../../formats/canonical';
import { isObject } from '../../formats/importer';
import { otlpSpan } from '../../formats/otel/otlp';
import { fillFromLogs, trailSpan } from '../../formats/otel/trail';
import { ownText } from './json-values';
import { spanToDraft, ToolCollector } from '../../formats/otel/span';
import { readFileRange } from '../../util/file-range';
import { UserInputError } from '../../util/problems';
import { ChunkedFloat64 } from '../growable';
import { mergeSorted } from '../sorted-positions';
import { idMayHold, lineNeedle, type LineNeedle } from './line-needle';
import { searchableText } from '../search-text';
import { foldFinder, MAX_NEEDLE_BYTES, MAX_NEEDLES, type FoldFinder } from './fold-find';

/**
 * The fields a step crosses without (see `withoutPayloads`); its `attributes` cross empty and its
 * tool call without its arguments. What is left is what the editor's index, rows, timeline, run
 * verdict and annotations read of every step: anything else takes the whole step.
 */
export const PAGED_FIELDS = ['input', 'output', 'usage', 'model', 'finishReason', 'availableTools'] as const;

/** The attributes of a step held without its payloads: one shared, frozen empty object. */
export const HELD_ATTRIBUTES: Step['attributes'] = Object.freeze({});

/** Bytes read at once when many steps are read back (a search over a run). */
const READ_BACK_BYTES = 8 * 1024 * 1024;
/** Lines searched as one string: strings under ~128 KB are young objects, which die cheaply; larger ones are old at once. */
const SEARCH_PIECE_BYTES = 64 * 1024;
/** Where reads of many lines go: their bytes are used (decoded) before the next read. One per thread. */
let scratch: Buffer | undefined;
/** The finder's memory when there is one: lines read there are searched where they were read. */
const readBack = (path: string, start: number, end: number): Buffer => readFileRange(path, start, end, foldFinder(READ_BACK_BYTES)?.scratch() ?? (scratch ??= Buffer.allocUnsafeSlow(READ_BACK_BYTES)));

/**
 * What a held step's byte range holds, and so how its whole step is rebuilt:
 * - `line`: an agent-trace/v1 line; the step is the line's, attributes included.
 * - `otlp-span`: a span of an OTLP document. The step's attributes also name the span's service
 *   and scope (`otel.service`, `otel.scope`), which are written outside the span: a held span step
 *   keeps those two (its context), and its other attributes are read back with the span. (It
 *   kept them all before: a few more objects per step on the host, each surviving the young
 *   generation's collections, which then held the host's thread 25-35 ms each at 10^6 spans.)
 * - `trail-span`: a span of a TRAIL span tree, its own members only (json-values.ts, JsonTree: the
 *   text up to its `child_spans`, closed by `ownText`); the step is the span's, attributes included.
 */
export type PayloadFormat = 'line' | 'otlp-span' | 'trail-span';

/**
 * The fields a step held without its payloads may have (what withoutPayloads copies); `toolCall`
 * comes without its arguments, and `attributes` only with an OTLP span's service and scope.
 */
export const HELD_FIELDS: ReadonlySet<string> = new Set(['id', 'parentId', 'index', 'depth', 'kind', 'name', 'startTime', 'endTime', 'status', 'attributes', 'sourceId', 'toolCall', 'error', 'location']);

/**
 * The step without its payloads (PAGED_FIELDS), field by field (object rest over steps is a slow
 * V8 path); its attributes too, unless the format keeps them (see PayloadFormat). `keepUsage`: its
 * usage stays (the debugger sums every step's tokens and cost up to the one it stops at).
 */
export function withoutPayloads(s: Step, format: PayloadFormat = 'line', keepUsage = false): Step {
  const light: Step = {
    id: s.id, parentId: s.parentId, index: s.index, depth: s.depth, kind: s.kind, name: s.name,
    startTime: s.startTime, endTime: s.endTime, status: s.status, attributes: format === 'otlp-span' ? spanContext(s.attributes) : HELD_ATTRIBUTES,
  };
  if (s.sourceId !== undefined) light.sourceId = s.sourceId;
  // Its name and id (legacy derived ids hash the name); the arguments come with the whole step.
  if (s.toolCall !== undefined) light.toolCall = s.toolCall.id === undefined ? { name: s.toolCall.name, arguments: undefined } : { id: s.toolCall.id, name: s.toolCall.name, arguments: undefined };
  if (s.error !== undefined) light.error = s.error;
  if (s.location !== undefined) light.location = s.location;
  if (keepUsage && s.usage !== undefined) light.usage = s.usage;
  return light;
}

/** Where spanToDraft puts an OTLP span's scope name and service (its `extra`, prefixed). */
const SCOPE_KEY = 'otel.scope';
const SERVICE_KEY = 'otel.service';

/** The attributes of an OTLP span step written outside its span (its service and scope), or none. */
function spanContext(attributes: Step['attributes']): Step['attributes'] {
  const scope = attributes[SCOPE_KEY];
  const service = attributes[SERVICE_KEY];
  if (scope === undefined && service === undefined) return HELD_ATTRIBUTES;
  const context: Step['attributes'] = {};
  if (scope !== undefined) context[SCOPE_KEY] = scope;
  if (service !== undefined) context[SERVICE_KEY] = service;
  return context;
}

/**
 * One shared, frozen object per distinct context (held span steps' attributes, as spanContext
 * gives them: a string service and scope), so that 10^6 held spans of a few services hold a few
 * objects. Anything else, or more distinct contexts than a document has, is kept as it is.
 */
export class HeldContexts {
  private readonly known = new Map<string, Step['attributes']>();

  intern(attributes: Step['attributes']): Step['attributes'] {
    const key = contextKey(attributes);
    if (key === undefined) return attributes;
    const known = this.known.get(key);
    if (known) return known;
    if (this.known.size >= MAX_HELD_CONTEXTS) return attributes;
    const shared = Object.freeze(attributes);
    this.known.set(key, shared);
    return shared;
  }
}

const MAX_HELD_CONTEXTS = 1_000;

/** The key of a context of string values (scope, service, or both, and nothing else); undefined for anything else. */
function contextKey(attributes: Step['attributes']): string | undefined {
  let key = '';
  for (const k in attributes) {
    const v = attributes[k];
    if ((k !== SCOPE_KEY && k !== SERVICE_KEY) || typeof v !== 'string') return undefined;
    key += `${k}\u0000${v}\u0000`;
  }
  return key;
}

/** Steps by position: the engine's TraceIndex, whose steps are in chunks, not one array. */
export interface IndexedSteps {
  readonly length: number;
  step(i: number): Step;
}

/** Where whole steps come from for steps held without their payloads. */
export interface PayloadSource {
  /**
   * The run's tools with those its calls imply (inferMissingTools), which cannot be told from steps
   * without their messages: the worker infers them as it reads. Undefined until it has said.
   */
  readonly callableTools?: readonly ToolDefinition[];
  /** The step with its payloads (the step itself when it was never without them). */
  whole(step: Step): Step;
  /** The whole steps at `positions` (any order), read in few large reads: spans or lines next to one another in the file in one. */
  wholeAt(steps: IndexedSteps, positions: readonly number[]): Step[];
  /** The bytes of the file `whole` reads for the step: its line or span (0 for a step held whole). */
  byteLength(step: Step): number;
  /** The positions of `steps[from..to)` that may match a search (line-needle.ts); the others cannot. */
  candidates(steps: IndexedSteps, from: number, to: number, needle: LineNeedle): number[];
  /** The held lines of `steps[from..to)`, for a check in another thread. */
  linesOf?(steps: IndexedSteps, from: number, to: number): HeldLines;
  /** Checks held lines in another thread (the document worker that read the file), when there is one. */
  readonly checker?: LineChecker;
}

/**
 * A run's payloads that grow as its steps come, one source per run: FilePayloads (the steps' lines
 * or spans in the file) or TextPayloads (text-payloads.ts: each step's whole text, held in memory).
 */
export interface HeldPayloads extends PayloadSource {
  callableTools: readonly ToolDefinition[] | undefined;
  /** The next steps' payloads, as a steps event gives them (their ranges, or their texts). */
  addNext(next: NextPayloads): void;
  /** How many leading steps of the run it has payloads for. */
  readonly count: number;
  /** The payloads of the first `count` steps only, for a run read again that keeps them. */
  keptTo(count: number): HeldPayloads;
}

/** A steps event's payloads of the steps it brings (see DocumentEvent, worker/document-load.ts). */
export interface NextPayloads {
  payloadRanges?: readonly number[];
  payloadTexts?: readonly string[];
}

/**
 * Checks held lines for a query in another thread, as `checkLinesInFile` does here: a LineVerdict
 * per line, or undefined when it cannot now (no worker, or the worker is reading the file).
 */
export type LineChecker = (query: string, lines: LineCheck) => Promise<Uint8Array | undefined>;

/**
 * The payloads of one run's steps, from their lines in the file: step `index` k's line is bytes
 * [start(k), end(k)). Steps beyond the ranges known are whole already.
 */
export class FilePayloads implements HeldPayloads {
  private readonly starts = new ChunkedFloat64();
  private readonly ends = new ChunkedFloat64();
  /** The last step read back: selecting a step asks for it several times (details, tags, correction). */
  private last: Step | undefined;
  callableTools: readonly ToolDefinition[] | undefined;
  /** Called when a step read back is no longer in the file as it was read (StepChangedOnDisk), before the error goes on. */
  onChangedOnDisk: (() => void) | undefined;

  /** `checkerOf` gives the checker of the moment (the document worker comes and goes). */
  constructor(readonly path: string, private readonly checkerOf: () => LineChecker | undefined = () => undefined, readonly format: PayloadFormat = 'line') {}

  get checker(): LineChecker | undefined {
    return this.checkerOf();
  }

  /** Ranges of the next steps, flattened: [start, end, start, end, ...]. */
  addRanges(ranges: readonly number[]): void {
    for (let k = 0; k + 1 < ranges.length; k += 2) {
      this.starts.push(ranges[k]);
      this.ends.push(ranges[k + 1]);
    }
  }

  addNext(next: NextPayloads): void {
    if (next.payloadRanges) this.addRanges(next.payloadRanges);
  }

  get count(): number {
    return this.starts.length;
  }

  /** The ranges of the first `count` steps, for a run read again that keeps them (the next steps' ranges are added to it). */
  keptTo(count: number): FilePayloads {
    const kept = new FilePayloads(this.path, this.checkerOf, this.format);
    const n = Math.min(count, this.starts.length);
    for (let i = 0; i < n; i++) {
      kept.starts.push(this.starts.get(i));
      kept.ends.push(this.ends.get(i));
    }
    kept.callableTools = this.callableTools;
    kept.onChangedOnDisk = this.onChangedOnDisk;
    return kept;
  }

  byteLength(step: Step): number {
    return step.index < this.starts.length ? this.ends.get(step.index) - this.starts.get(step.index) : 0;
  }

  whole(step: Step): Step {
    if (step.index >= this.starts.length) return step;
    const last = this.last;
    if (last && last.id === step.id && last.index === step.index) return last;
    const line = readFileRange(this.path, this.starts.get(step.index), this.ends.get(step.index)).toString('utf8');
    return (this.last = this.rebuilt(step, line));
  }

  wholeAt(steps: IndexedSteps, positions: readonly number[]): Step[] {
    const out: Step[] = [];
    this.inReads(steps, positions, (p, q, bytes, base) => {
      for (let r = p; r < q; r++) out.push(this.rebuildFrom(steps.step(positions[r]), bytes, base));
    }, (p) => out.push(steps.step(positions[p])));
    return out;
  }

  /**
   * The positions in [from, to) whose line may hold what `needle` looks for (line-needle.ts), and
   * those of steps known whole. Lines passed over are read but never parsed: a search over 10^6
   * steps reads 1.4 GB in a few seconds.
   */
  candidates(steps: IndexedSteps, from: number, to: number, needle: LineNeedle): number[] {
    const lines = this.rangesOf(steps, from, to, false);
    const marked = markLinesInFile(this.path, lines.starts, lines.ends, needle);
    const out = lines.held.filter((_, r) => marked[r] === 1);
    return lines.known.length === 0 ? out : mergeSorted(out, lines.known);
  }

  /** The held lines of steps[from..to), to be checked here or in another thread, and the steps known whole. */
  linesOf(steps: IndexedSteps, from: number, to: number): HeldLines {
    const { held, known, starts, ends } = this.rangesOf(steps, from, to, true);
    // Arrays filled by push, not made at their length: a holey array crosses postMessage several times slower.
    const check: LineCheck = { starts, ends, sourceIds: [], ids: [], ...(this.format === 'line' ? {} : { format: this.format }) };
    for (const k of held) {
      const step = steps.step(k);
      check.sourceIds.push(step.sourceId);
      check.ids.push(step.id === step.sourceId ? null : step.id);
    }
    return { held, known, check };
  }

  /**
   * The positions of steps[from..to) held and known whole, and the held ones' line ranges: in
   * arrays of their own when `own` (to hand to another thread), else views of this thread's ranges
   * where they can be (a slice within one chunk of them). So most slices searched here allocate no
   * memory outside the heap: such memory drives full collections of a heap that holds 10^6 steps.
   */
  private rangesOf(steps: IndexedSteps, from: number, to: number, own: boolean): { held: number[]; known: number[]; starts: Float64Array; ends: Float64Array } {
    const first = to > from ? steps.step(from).index : 0;
    // Most slices: held steps whose lines follow one another, as read (a run's steps are in file order).
    if (to > from && first + (to - from) <= this.starts.length && steps.step(to - 1).index === first + (to - from - 1)) {
      let inOrder = true;
      for (let k = from + 1; k < to && inOrder; k++) inOrder = steps.step(k).index === steps.step(k - 1).index + 1;
      if (inOrder) {
        const held: number[] = [];
        for (let k = from; k < to; k++) held.push(k);
        const starts = this.starts.view(first, first + held.length);
        const ends = this.ends.view(first, first + held.length);
        return { held, known: [], ...(own ? startsAndEnds(held.length, (r) => starts[r], (r) => ends[r]) : { starts, ends }) };
      }
    }
    const held: number[] = [];
    const known: number[] = [];
    for (let k = from; k < to; k++) (steps.step(k).index < this.starts.length ? held : known).push(k);
    return { held, known, ...startsAndEnds(held.length, (r) => this.starts.get(steps.step(held[r]).index), (r) => this.ends.get(steps.step(held[r]).index)) };
  }

  /**
   * The steps at `positions` (ascending) in few large reads: `read(p, q, bytes, base)` for
   * positions[p..q), whose lines are `bytes` from file offset `base` (up to READ_BACK_BYTES, at
   * least one line); `known(p)` for a step beyond the ranges (whole already).
   */
  private inReads(steps: IndexedSteps, positions: readonly number[], read: (p: number, q: number, bytes: Buffer, base: number) => void, known: (p: number) => void): void {
    const held = (p: number): boolean => steps.step(positions[p]).index < this.starts.length;
    let p = 0;
    while (p < positions.length) {
      if (!held(p)) { known(p); p++; continue; }
      const base = this.starts.get(steps.step(positions[p]).index);
      let q = p + 1;
      // Ranges that follow one another in the file (a document read in two passes holds its spans
      // in decision order, which need not be the file's).
      while (q < positions.length && held(q) && this.starts.get(steps.step(positions[q]).index) >= this.ends.get(steps.step(positions[q - 1]).index)
        && this.ends.get(steps.step(positions[q]).index) - base <= READ_BACK_BYTES) q++;
      read(p, q, readBack(this.path, base, this.ends.get(steps.step(positions[q - 1]).index)), base);
      p = q;
    }
  }

  private rebuildFrom(step: Step, bytes: Buffer, base: number): Step {
    const i = step.index;
    return this.rebuilt(step, bytes.toString('utf8', this.starts.get(i) - base, this.ends.get(i) - base));
  }

  private rebuilt(step: Step, text: string): Step {
    try {
      return rebuild(this.path, step, text, this.format);
    } catch (e) {
      if (e instanceof StepChangedOnDisk) this.onChangedOnDisk?.();
      throw e;
    }
  }
}

/** `n` line starts and ends in one buffer of their own (one allocation, handed to another thread in one piece). */
function startsAndEnds(n: number, start: (r: number) => number, end: (r: number) => number): { starts: Float64Array; ends: Float64Array } {
  const both = new Float64Array(2 * n);
  for (let r = 0; r < n; r++) {
    both[r] = start(r);
    both[n + r] = end(r);
  }
  return { starts: both.subarray(0, n), ends: both.subarray(n) };
}

/**
 * Held lines to check for a search: line r is bytes [starts[r], ends[r]) of the file, ascending,
 * the line of the step whose source id is sourceIds[r] (a line with another is no longer its
 * step's) and whose id is ids[r], or its source id where ids[r] is null. Only what differs per
 * step crosses: 2,000 steps' ids, kinds and names cost the host more to send than to check them.
 */
export interface LineCheck {
  starts: Float64Array;
  ends: Float64Array;
  sourceIds: (string | undefined)[];
  ids: (string | null)[];
  /** What the ranges hold (default `line`). */
  format?: PayloadFormat;
}

/** The held lines of some steps (`held`: their positions, ascending, line r for held[r]) and the steps known whole. */
export interface HeldLines {
  held: number[];
  known: number[];
  check: LineCheck;
}

/** What `checkLinesInFile` says of a line: its step cannot match, matches, or must be checked by the caller (it could not be rebuilt). */
export const LineVerdict = { NoMatch: 0, Match: 1, Unsure: 2 } as const;

/**
 * Which of the held lines' steps match `query` (lower-cased and trimmed), as the search of their
 * whole steps decides: the needle's lines and those whose derived id may hold it are rebuilt
 * (`whole`'s way) and checked; a line that is no longer its step's is left Unsure, for the caller,
 * whose read-back says so. The document worker does this for part of a search (held-search.ts).
 */
export function checkLinesInFile(path: string, lines: LineCheck, query: string): Uint8Array {
  const order = fileOrder(lines.starts, lines.ends);
  if (order) {
    const sorted: LineCheck = { ...permuted(lines.starts, lines.ends, order), sourceIds: [], ids: [], ...(lines.format ? { format: lines.format } : {}) };
    for (const r of order) {
      sorted.sourceIds.push(lines.sourceIds[r]);
      sorted.ids.push(lines.ids[r]);
    }
    return unpermuted(checkLinesInFile(path, sorted, query), order);
  }
  const { starts, ends } = lines;
  const needle = lineNeedle(query);
  const idOf = (r: number): string => lines.ids[r] ?? (lines.sourceIds[r] as string);
  const candidate = markLinesInFile(path, starts, ends, needle);
  for (let r = 0; r < candidate.length; r++) if (idMayHold(needle, idOf(r), lines.sourceIds[r])) candidate[r] = 1;
  const verdicts = new Uint8Array(candidate.length).fill(LineVerdict.NoMatch);
  for (let k = candidate.indexOf(1); k >= 0;) {
    const { bytes, base, end } = readLinesFrom(path, starts, ends, k);
    for (let r = k; r < end; r++) {
      if (candidate[r] !== 1) continue;
      const d = draftOf(bytes.toString('utf8', starts[r] - base, ends[r] - base), lines.format ?? 'line', 0);
      if (!d || d.sourceId !== lines.sourceIds[r]) verdicts[r] = LineVerdict.Unsure;
      else if (searchableText(stepFromDraft(d, idOf(r), null, 0, 0, undefined)).includes(query)) verdicts[r] = LineVerdict.Match;
    }
    k = candidate.indexOf(1, end);
  }
  return verdicts;
}

/**
 * Lines k, k + 1, ... of [starts[r], ends[r]) (ascending) in one read of up to READ_BACK_BYTES (at
 * least line k): the bytes from file offset `base`, and `end`, the first line not in them.
 */
function readLinesFrom(path: string, starts: Float64Array, ends: Float64Array, k: number): { bytes: Buffer; base: number; end: number } {
  const base = starts[k];
  let end = k + 1;
  while (end < starts.length && ends[end] - base <= READ_BACK_BYTES) end++;
  return { bytes: readBack(path, base, ends[end - 1]), base, end };
}

/**
 * Which of the lines [starts[r], ends[r]) of the file (ascending) the needle marks: 1 at r. Read
 * in reads of up to READ_BACK_BYTES (at least one line); the lines are never parsed. Pure over
 * the file's bytes, so the document worker scans part of a search while the host scans the rest.
 */
export function markLinesInFile(path: string, starts: Float64Array, ends: Float64Array, needle: LineNeedle): Uint8Array {
  const order = fileOrder(starts, ends);
  if (order) {
    const sorted = permuted(starts, ends, order);
    return unpermuted(markLinesInFile(path, sorted.starts, sorted.ends, needle), order);
  }
  const marked = new Uint8Array(starts.length);
  if (!needle.pattern) return marked.fill(1);
  for (let k = 0; k < starts.length;) {
    const { bytes, base, end } = readLinesFrom(path, starts, ends, k);
    markLines(bytes, base, starts, ends, k, end, needle, marked);
    k = end;
  }
  return marked;
}

/**
 * Undefined when the ranges [starts[r], ends[r]) follow one another in the file, as lines read in
 * order do; else the r's in file order (an OTLP document read in two passes holds its spans in
 * decision order). Reading and marking go in file order.
 */
function fileOrder(starts: Float64Array, ends: Float64Array): number[] | undefined {
  let inOrder = true;
  for (let r = 1; r < starts.length && inOrder; r++) inOrder = starts[r] >= ends[r - 1];
  if (inOrder) return undefined;
  return Array.from(starts.keys()).sort((a, b) => starts[a] - starts[b]);
}

function permuted(starts: Float64Array, ends: Float64Array, order: readonly number[]): { starts: Float64Array; ends: Float64Array } {
  return startsAndEnds(order.length, (r) => starts[order[r]], (r) => ends[order[r]]);
}

/** Results in file order put back in the caller's order. */
function unpermuted(inFileOrder: Uint8Array, order: readonly number[]): Uint8Array {
  const out = new Uint8Array(inFileOrder.length);
  order.forEach((r, k) => { out[r] = inFileOrder[k]; });
  return out;
}

/** Mark lines [k, j), whose bytes are `bytes` from file offset `base`, into `marked`. */
function markLines(bytes: Buffer, base: number, starts: Float64Array, ends: Float64Array, k: number, j: number, needle: LineNeedle, marked: Uint8Array): void {
  /** The line holding bytes [at, at + length) (of `bytes`), or -1 (between lines, or across a line's end). */
  const lineAt = (at: number, length: number): number => {
    let lo = k;
    let hi = j;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid] - base <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo < j && starts[lo] - base <= at && at + length <= ends[lo] - base ? lo : -1;
  };
  const lines: MarkedLines = { bytes, base, starts, ends, lineAt, marked };
  const finder = finderFor(bytes, needle);
  if (finder) {
    markFound(finder, lines, needle);
    if (needle.markerPattern) markMatched(lines, k, j, [needle.markerPattern], needle);
    return;
  }
  for (const marker of needle.markerBytes) {
    for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) {
      const m = lineAt(at, marker.length);
      if (m >= 0) marked[m] = 1;
    }
  }
  markMatched(lines, k, j, needle.markerPattern ? [needle.pattern as RegExp, needle.markerPattern] : [needle.pattern as RegExp], needle);
}

/** This thread's finder, if there is one, the bytes were read into its memory and the needle's core and markers fit it. */
function finderFor(bytes: Buffer, needle: LineNeedle): FoldFinder | undefined {
  const finder = foldFinder(READ_BACK_BYTES);
  if (!finder?.holds(bytes) || !needle.coreBytes || needle.markerBytes.length + 1 > MAX_NEEDLES) return undefined;
  return needle.coreBytes.length + needle.markerBytes.reduce((n, b) => n + b.length, 0) <= MAX_NEEDLE_BYTES ? finder : undefined;
}

/** Lines read in one piece of bytes, and their marks so far. */
interface MarkedLines {
  bytes: Buffer;
  base: number;
  starts: Float64Array;
  ends: Float64Array;
  lineAt(at: number, length: number): number;
  marked: Uint8Array;
}

/**
 * Mark the lines where the finder finds the needle's core (with its other runs in the line) or one of
 * its marker bytes, in one pass over the bytes.
 */
function markFound(finder: FoldFinder, lines: MarkedLines, needle: LineNeedle): void {
  const { bytes, base, starts, ends, lineAt, marked } = lines;
  const core = needle.coreBytes as Buffer;
  finder.setNeedles([{ bytes: core, foldCase: true }, ...needle.markerBytes.map((b) => ({ bytes: b, foldCase: false }))]);
  // A line where the core was found without the query's other runs: a marker later in it still marks it.
  let coreRejected = -1;
  for (let at = finder.find(bytes, 0); at >= 0;) {
    const isCore = finder.needle === 0;
    const m = lineAt(at, isCore ? core.length : needle.markerBytes[finder.needle - 1].length);
    if (m < 0 || marked[m] === 1) {
      at = finder.find(bytes, m < 0 ? at + 1 : ends[m] - base);
      continue;
    }
    if (!isCore || (m !== coreRejected && needle.mayHold(bytes.toString('latin1', starts[m] - base, ends[m] - base)))) marked[m] = 1;
    else coreRejected = m;
    at = finder.find(bytes, marked[m] === 1 ? ends[m] - base : at + 1);
  }
}

/** Mark the lines where one of `patterns` matches their latin1 text (the needle's core: only with its other runs). */
function markMatched(lines: MarkedLines, k: number, j: number, patterns: RegExp[], needle: LineNeedle): void {
  const { bytes, base, starts, ends, lineAt, marked } = lines;
  // The lines as latin1 text (a byte per character: offsets stay byte offsets), a piece at a time.
  for (let g = k; g < j;) {
    const pieceStart = starts[g] - base;
    let h = g + 1;
    while (h < j && ends[h] - base - pieceStart <= SEARCH_PIECE_BYTES) h++;
    const text = bytes.toString('latin1', pieceStart, ends[h - 1] - base);
    for (const pattern of patterns) {
      pattern.lastIndex = 0;
      for (let hit: RegExpExecArray | null = pattern.exec(text); hit; hit = pattern.exec(text)) {
        const m = lineAt(pieceStart + hit.index, hit[0].length);
        if (m < 0) continue;
        const lineStart = starts[m] - base - pieceStart;
        const lineEnd = ends[m] - base - pieceStart;
        if (marked[m] === 0 && (pattern !== needle.pattern || needle.mayHold(text.substring(lineStart, lineEnd)))) marked[m] = 1;
        pattern.lastIndex = Math.max(pattern.lastIndex, lineEnd);
      }
    }
    g = h;
  }
}

/**
 * The draft step of an agent-trace/v1 line (0-based `line0`), of an OTLP span or of a TRAIL span's
 * own members, as the import reads it; undefined for anything else. An OTLP span's service and
 * scope come from `context` (its held attributes: spanContext), not from its text.
 */
function draftOf(text: string, format: PayloadFormat, line0: number, context: Step['attributes'] = HELD_ATTRIBUTES): DraftStep | undefined {
  let value: unknown;
  try {
    value = JSON.parse(format === 'trail-span' ? ownText(text) : text);
  } catch {
    return undefined;
  }
  if (format === 'otlp-span') {
    const scope = context[SCOPE_KEY];
    return isObject(value) ? spanToDraft(otlpSpan(value, [], typeof scope === 'string' ? scope : undefined, context[SERVICE_KEY]), new ToolCollector()) : undefined;
  }
  if (format === 'trail-span') {
    if (!isObject(value)) return undefined;
    const d = spanToDraft(trailSpan(value, [], undefined), new ToolCollector());
    fillFromLogs(d, value.logs);
    return d;
  }
  const record = canonicalRecord(value, line0, () => undefined);
  return record && 'step' in record ? record.step : undefined;
}

/**
 * A held step's line or span is no longer the step's: the file changed in a way its read did not
 * see (written over in place and grown at once; a change notice that never came).
 */
export class StepChangedOnDisk extends UserInputError {}

/** The whole step from its line or span, as the streamed import built it; refused when the text is no longer the step's. */
function rebuild(path: string, light: Step, text: string, format: PayloadFormat): Step {
  const d = draftOf(text, format, (light.location?.line ?? 1) - 1, light.attributes);
  const whole = d && d.sourceId === light.sourceId && d.kind === light.kind && d.name === light.name
    ? stepFromDraft(d, light.id, light.parentId, light.index, light.depth, light.location)
    : undefined;
  const changed = whole && SHOWN_FIELDS.find((f) => f.of(light) !== f.of(whole))?.name;
  if (whole && !changed) return whole;
  const what = changed ? `on this ${format === 'line' ? 'line' : 'span'} now has another ${changed}` : `is no longer ${format === 'line' ? 'on this line' : 'where it was'}`;
  throw new StepChangedOnDisk({
    file: path, ...(light.location ? { line: light.location.line } : {}),
    message: `changed on disk since it was read: step ${JSON.stringify(light.id)} ${what}. The trace is being read again.`,
  });
}

/**
 * What a held step shows besides its identity (its row, the timeline, the failing set), in the
 * order they are compared when it is read back. A line edited in place to the same length (a
 * status or a time) and grown in the same write reads as an append: its row would keep the old
 * value.
 */
const SHOWN_FIELDS: readonly { name: string; of: (s: Step) => unknown }[] = [
  { name: 'status', of: (s) => s.status },
  { name: 'start time', of: (s) => s.startTime },
  { name: 'end time', of: (s) => s.endTime },
  { name: 'error', of: (s) => (s.error === undefined ? undefined : JSON.stringify(s.error)) },
  { name: 'tool call', of: (s) => (s.toolCall === undefined ? undefined : `${s.toolCall.id ?? ''}\u0000${s.toolCall.name}`) },
];
