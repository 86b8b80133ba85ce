/**
 * The two-pass read of an OTLP document whose spans are out of decision order (children before
 * their parents, as batch span processors write them). The first pass keeps of each span only
 * what orders it (its ids, parent and start time), where it is (location, byte range) and which
 * request and scope it is in (`CollectedSpans`): numbers and short strings, not the span, so a
 * document of 10^6 spans is ordered in a few hundred megabytes. `decisionOrder` (model/build.ts,
 * buildTrace's own) then orders them; `OrderedSpans` gives the steps of any stretch of the order
 * by reading their spans back, in file order, and building them as the whole import does.
 */
import type { StepFingerprint } from '../step-ids';
import { decisionOrder, finishTrace, stepFromDraft, type OrderInput } from '../../model/build';
import { ChunkedFloat64, ChunkedInt32 } from '../growable';
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

/**
 * What the first pass keeps of one run's spans, in file order: what orders them (their ids,
 * parents and starts, let go once they are ordered) and where each is, in chunked typed columns.
 * At 10^6 spans the columns are 56 MB; as JavaScript arrays they were half as much again (their
 * growth's slack, and a boxed number for each start beside a null), and the parent ids (a string
 * each) lived through the second pass, which never reads them.
 */
export class CollectedSpans {
  private ordering: SpanOrdering | undefined = { sourceIds: [], parentIds: [], starts: new ChunkedFloat64(), fingerprints: new Map() };
  /** Byte range per span: start, end. */
  private readonly byteRanges = new ChunkedFloat64();
  /** Location per span: line and endLine here; column, endColumn, offset and length in `columns`. */
  private readonly lines = new ChunkedInt32();
  private readonly columns = new ChunkedFloat64();
  /** Index into the document's contexts, per span. */
  private readonly contextIndexes = new ChunkedInt32();
  /** The earliest start (the run's start time when its header gives none). */
  earliest: number | null = null;

  get count(): number {
    return this.contextIndexes.length;
  }

  add(d: { sourceId?: string; parentSourceId?: string | null; startTime?: number | null; kind: string; name: string; toolCall?: { name: string } }, location: SourceLocation, byteStart: number, byteEnd: number, context: number): void {
    const o = this.orderingOrThrow();
    if (!d.sourceId) o.fingerprints.set(this.count, { kind: d.kind, name: d.name, startTime: d.startTime, ...(d.toolCall ? { toolCall: { name: d.toolCall.name } } : {}) });
    o.sourceIds.push(d.sourceId);
    o.parentIds.push(d.parentSourceId);
    const start = d.startTime ?? null;
    o.starts.push(start ?? NO_START);
    if (start !== null && (this.earliest === null || start < this.earliest)) this.earliest = start;
    this.byteRanges.push(byteStart);
    this.byteRanges.push(byteEnd);
    this.lines.push(location.line);
    this.lines.push(location.endLine);
    this.columns.push(location.column);
    this.columns.push(location.endColumn);
    this.columns.push(location.offset ?? 0);
    this.columns.push(location.length ?? 0);
    this.contextIndexes.push(context);
  }

  /** What decisionOrder reads of the spans; after `ordered()` it is gone. */
  orderInput(): OrderInput {
    const o = this.orderingOrThrow();
    return {
      count: this.count,
      sourceId: (i) => o.sourceIds[i],
      parentSourceId: (i) => o.parentIds[i],
      startTime: (i) => { const t = o.starts.get(i); return Number.isNaN(t) ? null : t; },
      fingerprint: (i) => o.fingerprints.get(i)!,
    };
  }

  /** The spans are ordered: what ordered them is let go (the second pass reads only where each is). */
  ordered(): void {
    this.ordering = undefined;
  }

  byteStart(i: number): number {
    return this.byteRanges.get(2 * i);
  }

  byteEnd(i: number): number {
    return this.byteRanges.get(2 * i + 1);
  }

  contextOf(i: number): number {
    return this.contextIndexes.get(i);
  }

  locationOf(i: number): SourceLocation {
    const c = this.columns;
    return { line: this.lines.get(2 * i), column: c.get(4 * i), endLine: this.lines.get(2 * i + 1), endColumn: c.get(4 * i + 1), offset: c.get(4 * i + 2), length: c.get(4 * i + 3) };
  }

  private orderingOrThrow(): SpanOrdering {
    if (!this.ordering) throw new Error('CollectedSpans: the spans were ordered already');
    return this.ordering;
  }
}

/** A span without a start time (NaN in the starts column). */
const NO_START = Number.NaN;

interface SpanOrdering {
  sourceIds: (string | undefined)[];
  parentIds: (string | null | undefined)[];
  starts: ChunkedFloat64;
  /** A span without an id: what its derived id hashes, by span number. */
  fingerprints: Map<number, StepFingerprint>;
}

/** Bytes read at once when spans next to one another in the file are read back together. */
const READ_BYTES = 8 * 1024 * 1024;

/** A run's spans in decision order, read back from the file stretch by stretch. */
export class OrderedSpans {
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
  ) {}

  /**
   * Order run `spans` as buildTrace does (warnings about parents go to `warnings`), and its
   * header as the whole import's, once the file's `sha256` is known.
   */
  static of(path: string, draft: DraftTrace, format: string, sha256: string, spans: CollectedSpans, contexts: readonly SpanContext[], warnings: Problem[]): OrderedSpans {
    const { order, ids, parentOf, depth, idBySource } = decisionOrder(spans.orderInput(), path, warnings);
    const header = finishTrace({ ...draft, steps: [] }, { path, sha256 }, format, warnings, [], {
      bySourceId: (sourceId) => { const i = idBySource.get(sourceId); return i === undefined ? undefined : ids[i]; },
      atPosition: (position) => ids[position],
      count: spans.count,
    }, spans.earliest);
    spans.ordered();
    return new OrderedSpans(path, spans, contexts, order, ids, parentOf, depth, header);
  }

  get count(): number {
    return this.order.length;
  }

  /** The byte ranges of the spans of steps [from, to): start, end per step. */
  ranges(from: number, to: number): number[] {
    const out: number[] = [];
    for (let index = from; index < to; index++) {
      const i = this.order[index];
      out.push(this.spans.byteStart(i), this.spans.byteEnd(i));
    }
    return out;
  }

  /** Steps [from, to), whole, as the whole import builds them: their spans read in file order, neighbours in one read. */
  steps(from: number, to: number): Step[] {
    const spans = this.spans;
    const startOf = (index: number): number => spans.byteStart(this.order[index]);
    const endOf = (index: number): number => spans.byteEnd(this.order[index]);
    const byStart: number[] = [];
    for (let index = from; index < to; index++) byStart.push(index);
    byStart.sort((a, b) => startOf(a) - startOf(b));
    const out: Step[] = new Array(to - from);
    for (let p = 0; p < byStart.length;) {
      const base = startOf(byStart[p]);
      let q = p + 1;
      while (q < byStart.length) {
        const index = byStart[q];
        if (startOf(index) < endOf(byStart[q - 1]) || endOf(index) - base > READ_BYTES) break;
        q++;
      }
      const bytes = readFileRange(this.path, base, endOf(byStart[q - 1]));
      for (let r = p; r < q; r++) {
        const index = byStart[r];
        out[index - from] = this.stepOf(index, bytes.toString('utf8', startOf(index) - base, endOf(index) - base));
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
    const context = this.contexts[this.spans.contextOf(i)];
    const d = spanToDraft(otlpSpan(value, [], context.scope, context.service), new ToolCollector());
    const parent = this.parentOf[i];
    return stepFromDraft(d, this.ids[i], parent >= 0 ? this.ids[parent] : null, index, this.depth[i], this.spans.locationOf(i));
  }
}
