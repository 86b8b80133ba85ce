/**
 * Builds the canonical Trace from an importer's drafts. Linear in the number of steps: parents
 * are resolved through one Map, children kept in adjacency lists, and decision order comes from
 * one iterative pre-order walk (siblings by start time, then file order).
 */
import { locatePaths, pathKey, type JsonPath } from '../json/locate';
import type { SourceFile } from '../json/source-file';
import { shortHash } from '../util/hash';
import { quoteTraceText, type Problem } from '../util/problems';
import { NO_FINGERPRINT, StepIdAllocator, type StepFingerprint } from '../engine/step-ids';
import type { DraftStep, DraftTrace } from './draft';
import { GrowingOrder } from './growing-order';
import type { ImportedLabel, SourceLocation, Step, Trace } from './schema';

/**
 * The steps of a build of the same drafts before some were changed or added (a file followed as
 * it grows, src/core/engine/stream/followed-lines.ts): the leading steps that are the same draft
 * at the same place, with the same id, parent and depth, and not `changed`, are taken as they
 * are, not made again; `kept` says how many.
 */
export interface StepsBuiltBefore {
  steps: readonly Step[];
  /** Positions among the drafts of those changed since. */
  changed: ReadonlySet<number>;
  /** Where each draft of the build before is among the drafts now, when some moved (see LineFollower.takeMoves). */
  moved?: Int32Array;
  kept?: number;
  /**
   * The run's decision order as it grows (growing-order.ts), when it can: the caller keeps it from
   * one build to the next. A build that cannot grow it orders the drafts whole and sets a new one.
   */
  order?: GrowingOrder;
}

/**
 * @param locations step locations found by `locateDraftSteps`, one pass over the file for all of
 *   its traces (the caller locates them once, not once per trace).
 */
export function buildTrace(draft: DraftTrace, file: SourceFile, format: string, warnings: Problem[], locations: Map<string, SourceLocation>, before?: StepsBuiltBefore): Trace {
  const drafts = draft.steps;
  const input: OrderInput = {
    count: drafts.length,
    sourceId: (i) => drafts[i].sourceId,
    parentSourceId: (i) => drafts[i].parentSourceId,
    startTime: (i) => drafts[i].startTime ?? null,
    fingerprint: (i) => drafts[i],
  };
  let ordered = before?.order?.grow(input, before.changed, before.moved);
  if (!ordered) {
    const allocator = new StepIdAllocator();
    const warned = warnings.length;
    ordered = decisionOrder(input, file.path, warnings, allocator);
    if (before) before.order = GrowingOrder.seed(input, ordered, allocator, warnings.length > warned);
  }
  const { order, ids, parentOf, depth, idBySource } = ordered;

  // 4. Steps in decision order, each with its location in the original file.
  const steps: Step[] = new Array(drafts.length);
  const parentId = (i: number): string | null => (parentOf[i] >= 0 ? ids[parentOf[i]] : null);
  let index = 0;
  if (before) {
    const last = Math.min(before.steps.length, order.length);
    for (; index < last; index++) {
      const i = order[index];
      const built = before.steps[index];
      if (ids[i] !== built.id || parentId(i) !== built.parentId || depth[i] !== built.depth || before.changed.has(i)) break;
      steps[index] = built;
    }
    before.kept = index;
  }
  for (; index < order.length; index++) {
    const i = order[index];
    steps[index] = assembleStep(drafts[i], ids[i], parentId(i), index, depth[i], locations);
  }

  return finishTrace(draft, file, format, warnings, steps, {
    bySourceId: (sourceId) => { const i = idBySource.get(sourceId); return i === undefined ? undefined : ids[i]; },
    atPosition: (position) => ids[position],
  });
}

/** What `decisionOrder` reads of a run's drafts, by their position in the file. */
export interface OrderInput {
  count: number;
  sourceId(i: number): string | undefined;
  parentSourceId(i: number): string | null | undefined;
  startTime(i: number): number | null;
  /** What a derived id hashes (only asked for drafts without a source id). */
  fingerprint(i: number): StepFingerprint;
}

/** Where each draft goes: `order[index]` is the draft at that index; ids, parents and depths by draft. */
export interface DecisionOrder {
  order: number[];
  ids: string[];
  /** The parent's draft, or -1. */
  parentOf: Int32Array;
  depth: Int32Array;
  /** The first draft of each source id. */
  idBySource: Map<string, number>;
}

/**
 * Ids, parents and decision order of a run's drafts (file order in): the stable ids (the source
 * id with its occurrence number, else derived from content: never position), parent links (a
 * parent not in the run, or a parent cycle, puts the step at top level, with a warning on `path`),
 * and an iterative pre-order walk, siblings by start time, then file order. buildTrace and the
 * two-pass OTLP reader (src/core/engine/stream) order with it.
 */
export function decisionOrder(input: OrderInput, path: string, warnings: Problem[], allocator = new StepIdAllocator()): DecisionOrder {
  const n = input.count;
  // 1. Stable ids: the source id with its occurrence number, else derived from content (never position).
  const ids: string[] = new Array(n);
  const idBySource = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const sourceId = input.sourceId(i);
    ids[i] = allocator.next(sourceId, sourceId ? NO_FINGERPRINT : input.fingerprint(i));
    if (sourceId && !idBySource.has(sourceId)) idBySource.set(sourceId, i);
  }

  // 2. Parent links and children lists.
  const parentOf = new Int32Array(n).fill(-1);
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const parentSourceId = input.parentSourceId(i);
    const p = parentSourceId ? idBySource.get(parentSourceId) : undefined;
    if (p !== undefined && p !== i) {
      parentOf[i] = p;
      children[p].push(i);
    } else {
      if (parentSourceId && p === undefined) {
        warnings.push({ file: path, message: `step ${quoteTraceText(ids[i])} names parent ${quoteTraceText(parentSourceId)}, which is not in the trace; shown at top level` });
      }
      roots.push(i);
    }
  }

  // 3. Decision order: iterative pre-order, siblings by start time then file order.
  const byTime = (a: number, b: number): number => {
    const ta = input.startTime(a);
    const tb = input.startTime(b);
    if (ta !== null && tb !== null && ta !== tb) return ta - tb;
    return a - b;
  };
  const order: number[] = [];
  const depth = new Int32Array(n);
  const visited = new Uint8Array(n);
  const walk = (start: number[]): void => {
    const stack = [...start].sort(byTime).reverse();
    while (stack.length) {
      const i = stack.pop()!;
      if (visited[i]) continue;
      visited[i] = 1;
      order.push(i);
      const kids = children[i].sort(byTime);
      for (let k = kids.length - 1; k >= 0; k--) {
        depth[kids[k]] = depth[i] + 1;
        stack.push(kids[k]);
      }
    }
  };
  walk(roots);
  // Steps on a parent cycle are unreachable from any root: break the cycle and keep them.
  for (let i = 0; i < n; i++) {
    if (!visited[i]) {
      warnings.push({ file: path, message: `step ${quoteTraceText(ids[i])} is part of a parent cycle; shown at top level` });
      parentOf[i] = -1;
      depth[i] = 0;
      walk([i]);
    }
  }
  return { order, ids, parentOf, depth, idBySource };
}

/** How a trace's labels find their steps: by source id, or by the step's position in the file (draft order). */
export interface LabelTargets {
  bySourceId(sourceId: string): string | undefined;
  atPosition(position: number): string | undefined;
  /** How many steps the run has, when `steps` does not hold them (a streamed run's header). */
  count?: number;
}

/**
 * The trace around its built steps: id, title, source, start time, tools, labels bound to step
 * ids, metadata. The streaming import (src/core/engine/stream) finishes its runs with it too, once
 * the whole file (and so its sha256) is known.
 */
export function finishTrace(draft: DraftTrace, file: Pick<SourceFile, 'path' | 'sha256'>, format: string, warnings: Problem[], steps: Step[], targets: LabelTargets, stepsStart?: number | null): Trace {
  const n = targets.count ?? steps.length;
  const labels: ImportedLabel[] = (draft.labels ?? []).map((l) => {
    const { stepSourceId, stepPosition, ...rest } = l;
    let stepId: string | null = null;
    if (stepSourceId) {
      const id = targets.bySourceId(stepSourceId);
      if (id === undefined) warnings.push({ file: labelFile(l.origin, file), message: `label ${quoteTraceText(l.category)} points at ${quoteTraceText(stepSourceId)}, which is not a step of the trace; kept as a trace-level label` });
      else stepId = id;
    } else if (stepPosition !== undefined) {
      if (stepPosition >= 0 && stepPosition < n) stepId = targets.atPosition(stepPosition) ?? null;
      else warnings.push({ file: labelFile(l.origin, file), message: `label ${quoteTraceText(l.category)} points at step ${stepPosition}, but the trace has ${n} steps; kept as a trace-level label` });
    }
    return { ...rest, stepId };
  });

  // `stepsStart`: the earliest step start, when the caller kept it as the steps came (a streamed run).
  const startTime = draft.startTime ?? (stepsStart !== undefined ? stepsStart : minStart(steps));
  const { id, source } = traceIdentity(draft, file, format);
  return {
    id,
    title: draft.title,
    source,
    startTime,
    tools: draft.tools ?? [],
    steps,
    labels,
    metadata: draft.metadata ?? {},
  };
}

/**
 * A trace's id and source: what only the whole file settles (its sha256, and whether it holds one
 * run or several). A reader that sends each run as soon as it is read (an Inspect log, sample by
 * sample) sets them again once the file is read.
 */
export function traceIdentity(draft: Pick<DraftTrace, 'id' | 'indexInFile'>, file: Pick<SourceFile, 'path' | 'sha256'>, format: string): Pick<Trace, 'id' | 'source'> {
  return {
    id: draft.id ?? `${shortHash(file.sha256)}-${draft.indexInFile ?? 0}`,
    source: { format, path: file.path, sha256: file.sha256, ...(draft.indexInFile !== undefined ? { indexInFile: draft.indexInFile } : {}) },
  };
}

/**
 * Copy a draft into a Step field by field. (Object rest/spread over drafts hits a slow V8 path:
 * it cost 25 µs a step, most of the build time on 10^5 steps.) Optional fields are only set
 * when present so the JSON stays as small as the source. The streaming builder
 * (src/core/engine/stream) makes its steps with it too.
 */
export function stepFromDraft(d: DraftStep, id: string, parentId: string | null, index: number, depth: number, location: SourceLocation | undefined): Step {
  const step: Step = {
    id, parentId, index, depth, kind: d.kind, name: d.name,
    startTime: d.startTime ?? null, endTime: d.endTime ?? null,
    status: d.status ?? (d.error ? 'error' : 'unset'),
    attributes: d.attributes ?? {},
  };
  if (d.sourceId !== undefined) step.sourceId = d.sourceId;
  if (d.input !== undefined) step.input = d.input;
  if (d.output !== undefined) step.output = d.output;
  if (d.toolCall !== undefined) step.toolCall = d.toolCall;
  if (d.availableTools !== undefined) step.availableTools = d.availableTools;
  if (d.error !== undefined) step.error = d.error;
  if (d.usage !== undefined) step.usage = d.usage;
  if (d.model !== undefined) step.model = d.model;
  if (d.finishReason !== undefined) step.finishReason = d.finishReason;
  if (location) step.location = location;
  return step;
}

function assembleStep(d: DraftStep, id: string, parentId: string | null, index: number, depth: number, locations: Map<string, SourceLocation>): Step {
  return stepFromDraft(d, id, parentId, index, depth, d.sourcePath ? locations.get(pathKey(d.sourcePath)) : undefined);
}

/** Locations of every draft step of a file's traces, in one pass over the text. */
export function locateDraftSteps(file: SourceFile, drafts: readonly DraftTrace[]): Map<string, SourceLocation> {
  if (file.isZip) return new Map();
  const wanted: JsonPath[] = [];
  for (const d of drafts) for (const s of d.steps) if (s.sourcePath) wanted.push(s.sourcePath);
  return locatePaths(file, wanted, drafts.some((d) => d.jsonlPaths === true));
}

/** Labels written inside the trace (`origin: 'inline'`) are reported against the trace file itself. */
function labelFile(origin: string, file: Pick<SourceFile, 'path'>): string {
  return origin === 'inline' ? file.path : origin;
}

/** The earliest start time among the steps (null when none has one). */
export function minStart(steps: readonly Step[]): number | null {
  let min: number | null = null;
  for (const s of steps) if (s.startTime !== null && (min === null || s.startTime < min)) min = s.startTime;
  return min;
}
