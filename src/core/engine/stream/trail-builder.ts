/**
 * Builds the steps of a TRAIL / Patronus span tree (src/core/formats/otel/trail.ts) as its spans
 * are read (`readJsonValues` with TRAIL_READING: each span handed over as its own members, before
 * its `child_spans`), giving the very `Step`s the whole import gives (ids, parents, index, depth,
 * attributes, labels from `../annotations/<name>.json`) while the file allows it:
 *
 * - `trace_id` comes before `spans` (looksLikeTrailDocument asks for it);
 * - each span's `child_spans` is its last member (as Patronus writes them), so a span's own
 *   members are all read when its children start (the reader says when one is not: `stop`);
 * - siblings are in start-time order (decision-order.ts), as the tree's pre-order then is the
 *   whole import's decision order.
 *
 * Anything else breaks the stream (`orderBreak`) and the caller loads the file whole. A step's
 * location and byte range cover the span's own members, not its children: reading the step back
 * (step-payloads.ts, `trail-span`) reads only them.
 */
import { isObject, type ImportContext } from '../../formats/importer';
import { spanToDraft, ToolCollector } from '../../formats/otel/span';
import { fillFromLogs, notASpanProblem, trailDraft, trailImporter, trailSpan } from '../../formats/otel/trail';
import { str } from '../../formats/otel/values';
import type { DraftTrace } from '../../model/draft';
import { stepFromDraft } from '../../model/build';
import type { ToolDefinition } from '../../model/schema';
import { cleanProblem, type Problem } from '../../util/problems';
import { RunOrder } from './decision-order';
import type { DocumentStreamBuilder, DocumentStreamedStep, DocumentReading } from './document-builder';
import type { JsonValueItem } from './json-values';

/** What the reader hands over: `trace_id`, then each span of the tree, parents first. */
export const TRAIL_READING: DocumentReading = { select: [['trace_id']], tree: { root: ['spans', '*'], children: 'child_spans' } };

interface TrailRun {
  draft: DraftTrace;
  order: RunOrder;
  tools: ToolCollector;
}

export class TrailStreamBuilder implements DocumentStreamBuilder {
  readonly format = trailImporter.id;
  readonly payloadFormat = 'trail-span' as const;
  readonly reading = TRAIL_READING;
  /** The spans' warnings, then the label file's (the whole import reads it after the spans). */
  private readonly spanWarnings: Problem[] = [];
  private readonly labelWarnings: Problem[] = [];
  private traceId: unknown;
  private run: TrailRun | undefined;
  /** The span id of the last span read at each depth: a child without `parent_span_id` hangs under the span around it. */
  private readonly idAtDepth: (string | undefined)[] = [];
  private broken: string | undefined;
  private steps = 0;

  constructor(readonly path: string, private readonly readSibling: ImportContext['readSibling'] = () => undefined) {}

  get orderBreak(): string | undefined {
    return this.broken;
  }

  get warnings(): Problem[] {
    return [...this.spanWarnings, ...this.labelWarnings];
  }

  /** A span tree has no second pass: out of order, it is loaded whole. */
  get orderBreakIsOrder(): boolean {
    return false;
  }

  /** One run, once it has a step (a tree without any is the whole import's to refuse). */
  get runCount(): number {
    return this.steps > 0 ? 1 : 0;
  }

  get runs(): readonly { draft: DraftTrace }[] {
    return this.run ? [this.run] : [];
  }

  toolsOf(): ToolDefinition[] {
    return this.run?.tools.list() ?? [];
  }

  metadataOf(): Record<string, unknown> {
    return this.run?.draft.metadata ?? {};
  }

  firstIdOf(_run: number, sourceId: string): string | undefined {
    return this.run?.order.firstIdOf(sourceId);
  }

  stop(reason: string): void {
    this.broken ??= reason;
  }

  add(items: readonly JsonValueItem[]): DocumentStreamedStep[] {
    const out: DocumentStreamedStep[] = [];
    for (const item of items) {
      if (this.broken) break;
      if (!item.node) {
        this.traceId = item.value;
        continue;
      }
      this.addSpan(item, out);
    }
    return out;
  }

  private addSpan(item: JsonValueItem, out: DocumentStreamedStep[]): void {
    const run = this.runState();
    const p = item.path;
    const depth = (p.length - 2) / 2;
    this.idAtDepth.length = depth;
    if (!isObject(item.value)) {
      this.spanWarnings.push(cleanProblem({ file: this.path, ...notASpanProblem(p) }));
      return;
    }
    const span = item.value;
    const draft = spanToDraft(trailSpan(span, p, depth > 0 ? this.idAtDepth[depth - 1] : undefined), run.tools);
    fillFromLogs(draft, span.logs);
    this.idAtDepth[depth] = str(span.span_id);
    const placed = run.order.place(draft, false);
    if (!placed || 'reason' in placed) return this.stop(placed ? placed.reason : 'out of order');
    this.steps++;
    out.push({ run: 0, step: stepFromDraft(draft, placed.id, placed.parentId, placed.index, placed.depth, item.location), byteStart: item.byteStart, byteEnd: item.byteEnd });
  }

  /** The run, drafted at the first span (after `trace_id`), as the whole import drafts it; its tools as they stand. */
  private runState(): TrailRun {
    if (this.run) return this.run;
    const tools = new ToolCollector();
    const ctx: ImportContext = { warn: (problem) => this.labelWarnings.push(cleanProblem({ file: this.path, ...problem })), readSibling: this.readSibling };
    const draft = trailDraft({ path: this.path }, this.traceId, [], tools, ctx);
    Object.defineProperty(draft, 'tools', { get: () => tools.list(), enumerable: true });
    return (this.run = { draft, order: new RunOrder(), tools });
  }
}
