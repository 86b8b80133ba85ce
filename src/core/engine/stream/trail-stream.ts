/**
 * Imports a TRAIL / Patronus span tree (`{"trace_id", "spans": [{..., "child_spans": [...]}]}`,
 * src/core/formats/otel/trail.ts) through the streaming document reader, never holding the file as
 * one string: the same trace, steps, ids, locations, labels and warnings as the whole-file import,
 * for files of any size, including those over V8's string limit.
 *
 * A span completes after its children, so spans arrive children first; each child is taken out of
 * its parent's `child_spans` as it arrives (the root span does not hold the tree), and the steps
 * are made at the end in the whole import's order (pre-order: a span, then its children), with
 * the whole import's own code.
 */
import { readFileHeadText } from '../../util/file-range';
import type { JsonPath } from '../../json/locate';
import { pathKey } from '../../json/locate';
import { MAX_JSON_DEPTH } from '../../json/depth';
import type { DraftStep } from '../../model/draft';
import type { SourceLocation } from '../../model/schema';
import { buildLoadResult, cleanLoad, type LoadResult } from '../../load';
import { isObject, type ImportContext } from '../../formats/importer';
import { spanToDraft, ToolCollector } from '../../formats/otel/span';
import { fillFromLogs, notASpanProblem, trailDraft, trailImporter, trailSpan } from '../../formats/otel/trail';
import { str } from '../../formats/otel/values';
import type { Problem } from '../../util/problems';
import { readJsonDocument, type JsonPathPattern } from './json-document';

/** `trace_id`, then the spans at every depth the nesting cap allows: spans.*, spans.*.child_spans.*, ... */
const SELECT: JsonPathPattern[] = [['trace_id']];
for (let p: JsonPathPattern = ['spans', '*']; p.length < MAX_JSON_DEPTH; p = [...p, 'child_spans', '*']) SELECT.push(p);

export interface TrailStreamOptions {
  chunkSize?: number;
  /** Called after every chunk with the bytes read and the file's size; returning false stops the import (it then returns undefined). */
  onProgress?: (byte: number, size: number) => boolean | void;
  /** The label file beside the trace (`../annotations/<name>.json`), as for the whole import. */
  readSibling?: ImportContext['readSibling'];
}

/** Whether the file starts like a TRAIL span tree: `{"trace_id": "...", "spans": [`. */
export function looksLikeTrailDocument(path: string): boolean {
  const head = readFileHeadText(path, 4096);
  if (head === undefined) return false;
  return /^\s*\{\s*"trace_id"\s*:\s*("[^"\\]*"|null)\s*,\s*"spans"\s*:\s*\[/.test(head);
}

/** A span's place in pre-order: a path before the paths below it, siblings by index. */
function preOrder(a: JsonPath, b: JsonPath): number {
  const n = Math.min(a.length, b.length);
  for (let i = 1; i < n; i += 2) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Spans are in lists: every index of a span's path is a number (the whole import walks arrays only). */
function inLists(path: JsonPath): boolean {
  for (let i = 1; i < path.length; i += 2) if (typeof path[i] !== 'number') return false;
  return true;
}

/**
 * Import the TRAIL span tree in `path` as a stream. Gives what `loadTraceFile` gives for the same
 * file (format `trail`); throws a UserInputError naming the file, line and column for malformed JSON.
 */
export function loadTrailStream(path: string, opts: TrailStreamOptions = {}): LoadResult | undefined {
  let cancelled = false;
  const result = cleanLoad(() => {
    const warnings: Problem[] = [];
    const ctx: ImportContext = {
      warn: (p) => warnings.push({ file: path, ...p }),
      readSibling: opts.readSibling ?? (() => undefined),
    };
    let traceId: unknown;
    const spans: { path: JsonPath; span: unknown }[] = [];
    const locations = new Map<string, SourceLocation>();
    const it = readJsonDocument(path, { select: SELECT, chunkSize: opts.chunkSize, detach: true });
    let r = it.next();
    for (; !r.done; r = it.next()) {
      for (const item of r.value.items) {
        if (item.select === 0) { traceId = item.value; continue; }
        if (!inLists(item.path)) continue;
        spans.push({ path: item.path, span: item.value });
        if (item.location) locations.set(pathKey(item.path), item.location);
      }
      if (opts.onProgress?.(r.value.byte, r.value.size) === false) {
        it.return(undefined as never);
        cancelled = true;
        return { file: path, format: trailImporter.id, traces: [], warnings: [] };
      }
    }
    const summary = r.value;
    spans.sort((a, b) => preOrder(a.path, b.path));
    const tools = new ToolCollector();
    const steps: DraftStep[] = [];
    // The span id of each span, by path: a child without `parent_span_id` hangs under the span around it.
    const idOf = new Map<string, string | undefined>();
    for (const { path: p, span } of spans) {
      if (!isObject(span)) {
        ctx.warn(notASpanProblem(p));
        continue;
      }
      const parent = p.length > 2 ? idOf.get(pathKey(p.slice(0, -2))) : undefined;
      idOf.set(pathKey(p), str(span.span_id));
      const step = spanToDraft(trailSpan(span, p, parent), tools);
      fillFromLogs(step, span.logs);
      steps.push(step);
    }
    const draft = trailDraft({ path }, traceId, steps, tools, ctx);
    return buildLoadResult({ path, sha256: summary.sha256 }, trailImporter, [draft], warnings, locations);
  });
  return cancelled ? undefined : result;
}
