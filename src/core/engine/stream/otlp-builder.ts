/**
 * Builds the steps of an OTLP JSON document (src/core/formats/otel/otlp.ts) as its spans are read
 * (`readJsonValues` with OTLP_READING or OTLP_LINES_READING), giving the very `Step`s the whole
 * import gives (ids, parents, index, depth, location, attributes) while the document allows it:
 *
 * - its spans are in decision order within each trace id (decision-order.ts: parents before their
 *   children, siblings by start time), as SDKs that write a trace as a tree, and this project's
 *   bench, write them;
 * - each request's `resource` and each scope's name come before the request's or scope's spans
 *   (the service and scope name go on every step);
 * - it is plain: one spelling of `resourceSpans` and of `scopeSpans` per request, no VS Code chat
 *   session (`copilotChat`, which makes the document one trace of another shape).
 *
 * Anything else breaks the stream: `orderBreak` says why and no more steps come. A document that is
 * only out of decision order (`orderBreakIsOrder`: children before their parents, as batch span
 * processors write them) can be read in two passes instead: a builder made with `collect` keeps
 * what orders each span and where it is (otlp-two-pass.ts), and `orderedRuns` orders them as the
 * whole import does; the caller then reads the spans back in that order. Anything else is loaded
 * whole.
 *
 * Runs are the trace ids in the order they first appear, as in `draftsFromSpans`.
 */
import { copilotChatExport } from '../../formats/otel/copilot-chat';
import { isObject } from '../../formats/importer';
import { attributesMayDefineTools, notASpanMessage, otlpImporter, otlpSpan, otlpSpanPlace, scopeNameOf, serviceOf } from '../../formats/otel/otlp';
import { spanToDraft, ToolCollector } from '../../formats/otel/span';
import { toEpochMs } from '../../util/time';
import type { DraftTrace } from '../../model/draft';
import { stepFromDraft } from '../../model/build';
import { assignTraceKeys, TraceKeyAllocator } from '../../model/trace-key';
import { CollectedSpans, ORDER_KEPT_FROM, OrderedSpans, type SpanContext } from './otlp-two-pass';
import { cleanProblem, type Problem } from '../../util/problems';
import { RunOrder } from './decision-order';
import type { JsonValueItem } from './json-values';
import type { JsonPath } from '../../json/locate';
import type { DocumentReading, DocumentStreamBuilder, DocumentStreamedStep } from './document-builder';
import { OTLP_LINES_READING, OTLP_READING } from './otlp-stream';

export type OtlpStreamedStep = DocumentStreamedStep;


interface OtlpRun {
  traceId: string;
  /** The run as draftsFromSpans drafts it, without its steps: its title and tools are read as they stand. */
  draft: DraftTrace;
  /** With `collect`: what orders each span and where it is, in file order. */
  collected: CollectedSpans;
  order: RunOrder;
  tools: ToolCollector;
  /**
   * Name of the first span without a parent (set once a root came: written children first, the
   * trace's spans are all in by then), and of the first span: the trace's title names the first.
   */
  rootName: string | undefined;
  firstName: string | undefined;
  /** The number (in file order, from 1) of its last span so far. */
  lastSpan: number;
}

/** A request (`resourceSpans` element) or scope read so far: what its spans take from it, and whether any came. */
interface Group {
  fields: Record<string, unknown>;
  spansSeen: boolean;
  /** The last element index read inside it (its scopes, or its spans): a key written twice restarts them. */
  lastIndex: number;
  /** A request's spelling of `scopeSpans`. */
  scopeSpansKey?: string;
  /** A scope's service and scope name, as an index into the document's contexts (set at its first span). */
  context?: number;
}

export class OtlpStreamBuilder implements DocumentStreamBuilder {
  readonly format = otlpImporter.id;
  readonly reading: DocumentReading;
  readonly payloadFormat = 'otlp-span' as const;
  readonly warnings: Problem[] = [];
  private readonly states: OtlpRun[] = [];
  private readonly runOf = new Map<string, number>();
  private readonly requests = new Map<number, Group>();
  /** The last `resourceSpans` index read (see newGroup). */
  private readonly document = { lastIndex: -1 };
  private readonly scopes = new Map<string, Group>();
  private resourceSpansKey: string | undefined;
  /** OTLP JSON lines: the number of the current line's first request, and the highest request number read. */
  private lineRequests = 0;
  private lastRequest = -1;
  private line: number | undefined;
  private broken: string | undefined;
  private brokenByOrder = false;
  private readonly collect: boolean;
  private readonly contexts: SpanContext[] = [];
  /** Spans read so far. */
  private spans = 0;
  /** Runs ordered by `orderedRuns` (tests read it: those kept from before are not). */
  orderings = 0;
  /**
   * A file read on as it grows (OTLP JSON lines): the spans from which a run's order is kept to be
   * extended (`OrderedSpans.of`); undefined for a document, read again whole when it changes.
   */
  private readonly orderKeptFrom: number | undefined;
  /** Of `orderings`, those that extended the order before (tests read it). */
  orderingsExtended = 0;
  /** The keys of the runs ordered while the file is still read (`orderedEarly`). */
  private readonly earlyKeys = new TraceKeyAllocator();

  /** `lines`: the file is OTLP JSON lines (a request per line), not one document. */
  constructor(readonly path: string, opts: { collect?: boolean; lines?: boolean; orderKeptFrom?: number } = {}) {
    this.collect = opts.collect === true;
    this.orderKeptFrom = opts.lines === true ? opts.orderKeptFrom ?? ORDER_KEPT_FROM : undefined;
    this.reading = opts.lines ? OTLP_LINES_READING : OTLP_READING;
  }

  /** Whether the break is only the spans' order (a two-pass read can follow the document). */
  get orderBreakIsOrder(): boolean {
    return this.brokenByOrder;
  }

  /** Why the document cannot be built as it is read, once it cannot (then no more steps come). */
  get orderBreak(): string | undefined {
    return this.broken;
  }

  get runCount(): number {
    return this.states.length;
  }

  /** The runs as the whole import drafts them, without their steps (title, tools and metadata so far). */
  get runs(): readonly { draft: DraftTrace }[] {
    return this.states;
  }

  /** The tools run `run`'s spans declared so far (the detectors check calls against them). */
  toolsOf(run: number): ReturnType<ToolCollector['list']> {
    return this.states[run].tools.list();
  }

  /** The metadata the end-of-run rules see while the document streams: the whole import's header comes at the end. */
  metadataOf(): Record<string, unknown> {
    return {};
  }

  firstIdOf(run: number, sourceId: string): string | undefined {
    return this.states[run]?.order.firstIdOf(sourceId);
  }

  /**
   * Read the values of a batch (in document order, continuing the previous batch); the steps they
   * finish. OTLP JSON lines (the collector's file exporter: a request per line, read by a builder made with `lines`)
   * come with their line: paths are within it.
   */
  add(items: readonly JsonValueItem[]): OtlpStreamedStep[] {
    const out: OtlpStreamedStep[] = [];
    for (const item of items) {
      if (this.broken) break;
      this.addItem(item, out);
    }
    return out;
  }

  private addItem(item: JsonValueItem, out: OtlpStreamedStep[]): void {
    const p = item.path;
    const { line } = item;
    if (line !== undefined && line !== this.line) {
      // A new line: its requests come after the last line's.
      this.line = line;
      this.lineRequests = this.lastRequest + 1;
    }
    // The path the whole import gives (a line's values start with its number).
    const shown: JsonPath = line === undefined ? p : [line, ...p];
    if (p[0] === 'copilotChat') {
      if (copilotChatExport({ copilotChat: item.value })) this.broken = 'the document is a VS Code chat session (copilotChat), read as one trace';
      return;
    }
    const rsKey = String(p[0]);
    if ((this.resourceSpansKey ??= rsKey) !== rsKey) return this.stop(`it has both "${this.resourceSpansKey}" and "${rsKey}"`);
    if (typeof p[1] !== 'number') return this.stop(`"${rsKey}" is not a list`);
    // Requests are numbered through the file: a line's first is the one after the last line's last.
    const r = this.lineRequests + p[1];
    this.lastRequest = Math.max(this.lastRequest, r);
    const request = this.requests.get(r) ?? this.newGroup(this.requests, r, this.document, `${rsKey}[${p[1]}]`);
    if (!request) return;
    if (p.length === 3) {
      if (request.spansSeen) return this.stop(`the resource of ${rsKey}[${p[1]}] comes after its spans`);
      request.fields.resource = item.value;
      return;
    }
    const ssKey = String(p[2]);
    if ((request.scopeSpansKey ??= ssKey) !== ssKey) return this.stop(`${rsKey}[${p[1]}] has both "${request.scopeSpansKey}" and "${ssKey}"`);
    if (typeof p[3] !== 'number') return this.stop(`"${ssKey}" is not a list`);
    const scope = this.scopes.get(`${r}.${p[3]}`) ?? this.newGroup(this.scopes, `${r}.${p[3]}`, request, `${rsKey}[${p[1]}].${ssKey}[${p[3]}]`);
    if (!scope) return;
    if (p.length === 5) {
      if (scope.spansSeen) return this.stop(`the scope of ${rsKey}[${p[1]}].${ssKey}[${p[3]}] comes after its spans`);
      scope.fields[String(p[4])] = item.value;
      return;
    }
    if (typeof p[5] !== 'number') return this.stop(`"spans" of ${rsKey}[${p[1]}].${ssKey}[${p[3]}] is not a list`);
    if (p[5] !== scope.lastIndex + 1) return this.stop(`${rsKey}[${p[1]}].${ssKey}[${p[3]}] has "spans" twice`);
    scope.lastIndex = p[5];
    request.spansSeen = true;
    scope.spansSeen = true;
    if (!isObject(item.value)) {
      this.warnings.push(cleanProblem({ file: this.path, message: notASpanMessage(shown) }));
      return;
    }
    // Set at the scope's first span: its fields and its request's are all read by then.
    scope.context ??= this.contexts.push({ scope: scopeNameOf(scope.fields), service: serviceOf(request.fields) }) - 1;
    const { scope: scopeName, service } = this.contexts[scope.context];
    const raw = item.value;
    if (this.collect) {
      // What orders the span, and the tools it defines (the run's header lists them): the second
      // pass reads the span again for the rest. Most spans need no import here, which is most of
      // the first pass's time: only those that may define tools, and those without an id (their
      // derived id hashes their kind).
      const place = otlpSpanPlace(raw);
      const state = this.states[this.noteSpan(place)];
      const needsImport = !place.spanId || attributesMayDefineTools(raw.attributes);
      const d = needsImport ? spanToDraft(otlpSpan(raw, shown, scopeName, service), state.tools) : { sourceId: place.spanId, parentSourceId: place.parentId, startTime: toEpochMs(place.start), kind: '', name: place.name };
      state.collected.add(d, item.location!, item.byteStart, item.byteEnd, scope.context);
      return;
    }
    const span = otlpSpan(raw, shown, scopeName, service);
    const run = this.noteSpan(span);
    const state = this.states[run];
    const draft = spanToDraft(span, state.tools);
    const placed = state.order.place(draft, false);
    if (!placed || 'reason' in placed) {
      this.brokenByOrder = this.broken === undefined;
      return this.stop(placed ? placed.reason : 'out of order');
    }
    out.push({ run, step: stepFromDraft(draft, placed.id, placed.parentId, placed.index, placed.depth, item.location), byteStart: item.byteStart, byteEnd: item.byteEnd });
  }

  /**
   * With `collect`, once the file is read (`sha256` is its digest): each run's spans ordered as
   * the whole import orders them, with its header; the warnings of the read and of the ordering.
   * `before`: the runs as this builder ordered them at an earlier end of the file (read on since).
   */
  orderedRuns(sha256: string, before?: readonly OrderedSpans[]): { runs: OrderedSpans[]; warnings: Problem[] } {
    // A run ordered `before` that got no span since keeps its order (only its header's sha256 is
    // new), unless the file went from one run to several (its header then names its number).
    const sameRunsShape = before !== undefined && (before.length > 1) === (this.states.length > 1);
    const runs = this.states.map((state, run) => {
      const kept = sameRunsShape ? before[run] : undefined;
      if (kept && kept.count === state.collected.count) return kept.inFile(sha256);
      this.orderings++;
      const ordered = this.ordered(run, sha256, kept);
      if (ordered.extended) this.orderingsExtended++;
      return ordered;
    });
    this.assignKeys(runs);
    return { runs, warnings: [...this.warnings, ...runs.flatMap((r) => r.warnings).map(cleanProblem)] };
  }

  /**
   * With `collect`, while the file is still read: whether run `run` looks whole. Spans written as
   * they end (children first) put a trace's root after its other spans, so a run whose root came,
   * and after whose last span another run's came, is taken as read (a file of one trace never
   * is); should more of it come later, the caller must replace what it showed (`spansOf` tells).
   */
  looksWhole(run: number): boolean {
    const state = this.states[run];
    return state?.rootName !== undefined && state.lastSpan < this.spans;
  }

  /** The most spans one run has had so far. */
  get largestRun(): number {
    let most = 0;
    for (const state of this.states) most = Math.max(most, state.collected.count);
    return most;
  }

  /** How many spans run `run` has had so far. */
  spansOf(run: number): number {
    return this.states[run]?.collected.count ?? 0;
  }

  /**
   * With `collect`, while the file is still read: run `run` ordered as `orderedRuns` would order
   * it if it got no other span, with its header as the read stands (no sha256 yet: the final
   * headers come from `orderedRuns`). Asked in run order: a trace's key depends on those before.
   */
  orderedEarly(run: number): OrderedSpans {
    const ordered = this.ordered(run, '');
    ordered.header.source.traceKey = this.earlyKeys.through(run, (i) => this.states[i].draft.id);
    return ordered;
  }

  /** `before`: the run as ordered at an earlier end of the file, whose order is extended where it can be. */
  private ordered(run: number, sha256: string, before?: OrderedSpans): OrderedSpans {
    if (!this.collect) throw new Error('OtlpStreamBuilder: this builder was not made to collect its spans');
    const draft = this.states[run].draft;
    return OrderedSpans.of(this.path, { ...draft, indexInFile: this.states.length > 1 ? run : undefined }, this.format, sha256, this.states[run].collected, this.contexts, this.orderKeptFrom, before);
  }

  /** Trace keys are decided by earlier runs only: runs [0, n) get the keys the whole file gives them. */
  private assignKeys(runs: readonly OrderedSpans[]): void {
    assignTraceKeys(runs.map((r) => r.header), this.states.slice(0, runs.length).map((s) => s.draft.id));
  }

  stop(reason: string): void {
    this.broken ??= reason;
  }

  /**
   * The group first seen at element `index` of its parent (`within`: the last index read there).
   * An index no later than one read already means the list was written twice (JSON.parse keeps
   * the last): that is a break.
   */
  private newGroup<K>(map: Map<K, Group>, key: K, within: { lastIndex: number }, where: string): Group | undefined {
    const index = Number(String(key).split('.').pop());
    if (index <= within.lastIndex) return this.stop(`${where} is written after a later element, or twice`), undefined;
    within.lastIndex = index;
    const g: Group = { fields: {}, spansSeen: false, lastIndex: -1 };
    map.set(key, g);
    return g;
  }

  /** The run of a span just read (what its title and `looksWhole` need noted). */
  private noteSpan(place: { traceId?: string; parentId?: string | null; name: string }): number {
    const run = this.runFor(place.traceId ?? '');
    const state = this.states[run];
    state.firstName ??= place.name;
    if (!place.parentId) state.rootName ??= place.name;
    state.lastSpan = ++this.spans;
    return run;
  }

  private runFor(traceId: string): number {
    let run = this.runOf.get(traceId);
    if (run === undefined) {
      run = this.states.length;
      this.runOf.set(traceId, run);
      const state: OtlpRun = { traceId, draft: undefined as unknown as DraftTrace, collected: new CollectedSpans(), order: new RunOrder(), tools: new ToolCollector(), rootName: undefined, firstName: undefined, lastSpan: 0 };
      state.draft = {
        ...(traceId ? { id: traceId } : {}),
        get title() { return `OTLP: ${state.rootName ?? state.firstName}`; },
        steps: [],
        get tools() { return state.tools.list(); },
        metadata: traceId ? { traceId } : {},
      };
      this.states.push(state);
    }
    return run;
  }
}
