/**
 * The two-pass read of an OTLP document whose spans are out of decision order (children before
 * their parents, as batch span processors write them). The first pass keeps of each span only
 * what orders it (its ids, parent and start time), where it is (location, byte range) and which
 * request and scope it is in (`CollectedSpans`): numbers and short strings, not the span, so a
 * document of 10^6 spans is ordered in a few hundred megabytes. `decisionOrder` (model/build.ts,
 * buildTrace's own) then orders them; `OrderedSpans` gives the steps of any stretch of the order
 * by reading their spans back, in file order, and building them as the whole import does.
 */
import { decisionOrder, finishTrace, stepFromDraft, type OrderInput } from '../../model/build';
import { AdoptingOrder } from '../../model/adopting-order';
import { StepIdAllocator, type StepFingerprint } from '../step-ids';
import type { DraftTrace } from '../../model/draft';
import type { SourceLocation, Step, Trace } from '../../model/schema';
import { otlpSpan } from '../../formats/otel/otlp';
import { spanToDraft, ToolCollector } from '../../formats/otel/span';
import { isObject } from '../../formats/importer';
import { readFileRange } from '../../util/file-range';
import type { Problem } from '../../util/problems';

/** The service and scope name a span's request and scope give it (its steps' `otel.*` attributes). */
export interface SpanContext {
  scope: string | undefined;
  service: unknown;
}

/** What the first pass keeps of one run's spans, in file order. */
export class CollectedSpans {
  readonly sourceIds: (string | undefined)[] = [];
  readonly parentIds: (string | null | undefined)[] = [];
  readonly starts: (number | null)[] = [];
  /** A span without an id: what its derived id hashes, by span number. */
  readonly fingerprints = new Map<number, StepFingerprint>();
  /** Byte range per span: start, end. */
  readonly ranges: number[] = [];
  /** Location per span: line, column, endLine, endColumn, offset, length. */
  readonly locations: number[] = [];
  /** Index into the document's contexts, per span. */
  readonly contexts: number[] = [];
  /** The earliest start (the run's start time when its header gives none). */
  earliest: number | null = null;

  get count(): number {
    return this.sourceIds.length;
  }

  add(d: { sourceId?: string; parentSourceId?: string | null; startTime?: number | null; kind: string; name: string; toolCall?: { name: string } }, location: SourceLocation, byteStart: number, byteEnd: number, context: number): void {
    if (!d.sourceId) this.fingerprints.set(this.count, { kind: d.kind, name: d.name, startTime: d.startTime, ...(d.toolCall ? { toolCall: { name: d.toolCall.name } } : {}) });
    this.sourceIds.push(d.sourceId);
    this.parentIds.push(d.parentSourceId);
    const start = d.startTime ?? null;
    this.starts.push(start);
    if (start !== null && (this.earliest === null || start < this.earliest)) this.earliest = start;
    this.ranges.push(byteStart, byteEnd);
    this.locations.push(location.line, location.column, location.endLine, location.endColumn, location.offset ?? 0, location.length ?? 0);
    this.contexts.push(context);
  }

  locationOf(i: number): SourceLocation {
    const l = this.locations;
    const k = 6 * i;
    return { line: l[k], column: l[k + 1], endLine: l[k + 2], endColumn: l[k + 3], offset: l[k + 4], length: l[k + 5] };
  }
}

/** Bytes read at once when spans next to one another in the file are read back together. */
const READ_BYTES = 8 * 1024 * 1024;

/**
 * Spans a run has before its order is kept to be extended: a smaller run is ordered whole in a
 * millisecond or so, and a file of many runs (a collector's) would otherwise keep an id map for each.
 */
export const ORDER_KEPT_FROM = 2048;

/** A run's spans in decision order, read back from the file stretch by stretch. */
export class OrderedSpans {
  /**
   * What orders the run again when spans come (OTLP JSON lines read on), handed on to the next
   * ordering (`of` with `before`), which takes it over: the order kept since it was last made
   * whole, or what it was made whole with, to seed one from this order when first asked.
   */
  private growth: AdoptingOrder | { allocator: StepIdAllocator; idBySource: Map<string, number> } | undefined;
  /** Whether this order was an earlier one's extended (tests count them). */
  extended = false;

  private constructor(
    private readonly path: string,
    private readonly spans: CollectedSpans,
    private readonly contexts: readonly SpanContext[],
    private readonly order: number[],
    private readonly ids: string[],
    private readonly parentOf: Int32Array,
    private readonly depth: Int32Array,
    /** The run as the whole import gives it, without its steps. */
    readonly header: Trace,
    /** What ordering it warned about (parents not in the trace...). */
    readonly warnings: readonly Problem[],
  ) {}

  /**
   * Order run `spans` as buildTrace does (its warnings about parents kept in `warnings`), and its
   * header as the whole import's, once the file's `sha256` is known. With `keptFrom` (a file read
   * on as it grows), a run of that many spans or more keeps what extends its order; `before`: the
   * same run ordered when it had fewer spans (the same collected spans, since grown), whose order
   * is extended where it can be (`AdoptingOrder`) instead of made again.
   */
  static of(path: string, draft: DraftTrace, format: string, sha256: string, spans: CollectedSpans, contexts: readonly SpanContext[], keptFrom?: number, before?: OrderedSpans): OrderedSpans {
    const own: Problem[] = [];
    const input: OrderInput = {
      count: spans.count,
      sourceId: (i) => spans.sourceIds[i],
      parentSourceId: (i) => spans.parentIds[i],
      startTime: (i) => spans.starts[i],
      fingerprint: (i) => spans.fingerprints.get(i)!,
    };
    const kept = before?.spans === spans ? before.takeGrowth(input) : undefined;
    let ordered = kept?.extend(input, own);
    let allocator: StepIdAllocator | undefined;
    if (!ordered) {
      own.length = 0;
      allocator = new StepIdAllocator();
      ordered = decisionOrder(input, path, own, allocator);
    }
    const { order, ids, parentOf, depth, idBySource } = ordered;
    const header = finishTrace({ ...draft, steps: [] }, { path, sha256 }, format, own, [], {
      bySourceId: (sourceId) => { const i = idBySource.get(sourceId); return i === undefined ? undefined : ids[i]; },
      atPosition: (position) => ids[position],
      count: spans.count,
    }, spans.earliest);
    const made = new OrderedSpans(path, spans, contexts, order, ids, parentOf, depth, header, own);
    if (keptFrom !== undefined && spans.count >= keptFrom) made.growth = allocator ? { allocator, idBySource } : kept;
    made.extended = allocator === undefined;
    return made;
  }

  /** This order's means of being extended, taken over by the caller (undefined when spent, or it cannot). */
  private takeGrowth(input: OrderInput): AdoptingOrder | undefined {
    const growth = this.growth;
    this.growth = undefined;
    if (!growth || growth instanceof AdoptingOrder) return growth;
    return AdoptingOrder.seed(input, { order: this.order, ids: this.ids, parentOf: this.parentOf, depth: this.depth, idBySource: growth.idBySource }, growth.allocator, this.path);
  }

  /**
   * The same run in the file as it is now (its sha256): a run that got no span since it was
   * ordered is not ordered again (a collector's file of many traces gets a line of one of them).
   */
  inFile(sha256: string): OrderedSpans {
    const header = { ...this.header, source: { ...this.header.source, sha256 } };
    const same = new OrderedSpans(this.path, this.spans, this.contexts, this.order, this.ids, this.parentOf, this.depth, header, this.warnings);
    same.growth = this.growth;
    this.growth = undefined;
    return same;
  }

  get count(): number {
    return this.order.length;
  }

  /**
   * How many leading steps are as in `before`, the same run ordered when it had fewer spans
   * (its spans are a prefix of these, by number): a step is its span placed at its index under
   * its parent at its depth, with its id, so the same span in the same place is the same step.
   * A span that came can take a place among them: a parent written after its children (spans
   * are written as they end) goes before them.
   */
  stepsAsIn(before: OrderedSpans): number {
    const n = Math.min(this.count, before.count);
    let k = 0;
    for (; k < n; k++) {
      const i = this.order[k];
      if (i !== before.order[k] || this.parentOf[i] !== before.parentOf[i] || this.depth[i] !== before.depth[i] || this.ids[i] !== before.ids[i]) break;
    }
    return k;
  }

  /** The byte ranges of the spans of steps [from, to): start, end per step. */
  ranges(from: number, to: number): number[] {
    const out: number[] = [];
    for (let index = from; index < to; index++) {
      const i = this.order[index];
      out.push(this.spans.ranges[2 * i], this.spans.ranges[2 * i + 1]);
    }
    return out;
  }

  /** Steps [from, to), whole, as the whole import builds them: their spans read in file order, neighbours in one read. */
  steps(from: number, to: number): Step[] {
    const { ranges } = this.spans;
    const byStart: number[] = [];
    for (let index = from; index < to; index++) byStart.push(index);
    byStart.sort((a, b) => ranges[2 * this.order[a]] - ranges[2 * this.order[b]]);
    const out: Step[] = new Array(to - from);
    for (let p = 0; p < byStart.length;) {
      const base = ranges[2 * this.order[byStart[p]]];
      let q = p + 1;
      while (q < byStart.length) {
        const i = this.order[byStart[q]];
        if (ranges[2 * i] < ranges[2 * this.order[byStart[q - 1]] + 1] || ranges[2 * i + 1] - base > READ_BYTES) break;
        q++;
      }
      const bytes = readFileRange(this.path, base, ranges[2 * this.order[byStart[q - 1]] + 1]);
      for (let r = p; r < q; r++) {
        const index = byStart[r];
        const i = this.order[index];
        out[index - from] = this.stepOf(index, bytes.toString('utf8', ranges[2 * i] - base, ranges[2 * i + 1] - base));
      }
      p = q;
    }
    return out;
  }

  private stepOf(index: number, text: string): Step {
    const i = this.order[index];
    const value: unknown = JSON.parse(text);
    // The first pass read this very span: anything else means the file changed under the read.
    if (!isObject(value)) throw new Error(`${this.path}: the span of step ${this.ids[i]} changed while the file was read`);
    const context = this.contexts[this.spans.contexts[i]];
    const d = spanToDraft(otlpSpan(value, [], context.scope, context.service), new ToolCollector());
    const parent = this.parentOf[i];
    return stepFromDraft(d, this.ids[i], parent >= 0 ? this.ids[parent] : null, index, this.depth[i], this.spans.locationOf(i));
  }
}
