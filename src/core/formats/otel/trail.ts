/**
 * TRAIL (Patronus AI) traces: span trees exported from Patronus with OpenInference attributes.
 *
 *   {"trace_id":"0ebe…","spans":[{"span_id":"ed7d…","parent_span_id":null,"span_name":"main",
 *     "status_code":"Unset","span_attributes":{…},"events":[…],"logs":[…],"child_spans":[…]}]}
 *
 * The human error labels live in a sibling folder: `../annotations/<same name>.json`
 * (`{trace_id, errors:[{category, location: span_id, evidence, description, impact}], scores:[…]}`).
 */
import { basename, dirname, join } from 'node:path';
import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { JsonPath } from '../../json/locate';
import { SourceFile } from '../../json/source-file';
import type { DraftLabel, DraftStep, DraftTrace } from '../../model/draft';
import type { ImportedLabel } from '../../model/schema';
import { UserInputError, jsonPathToString } from '../../util/problems';
import { ImportContext, Importer, isObject } from '../importer';
import { type NormalSpan, normalizeEvents, spanToDraft, statusOf, ToolCollector } from './span';
import { str } from './values';

export const trailImporter: Importer = {
  id: 'trail',
  label: 'TRAIL / Patronus span tree',
  producer: 'Patronus AI TRAIL benchmark (smolagents runs on GAIA and SWE-bench, OpenInference attributes)',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    const v = file.json;
    if (isObject(v)) {
      if (Array.isArray(v.spans) && isObject(v.spans[0]) && 'span_id' in v.spans[0] && 'child_spans' in v.spans[0]) return 0.97;
      if (Array.isArray(v.spans) && v.spans.length === 0 && typeof v.trace_id === 'string') return 0.5;
      if (isLabelFile(v)) return 0.9;
      return 0;
    }
    // A label file that is not valid JSON (one upstream file has a trailing comma): still say what it is.
    return v === undefined && LABEL_HEAD.test(file.text.slice(0, 2048)) ? 0.9 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const v = file.json;
    if ((v === undefined && LABEL_HEAD.test(file.text.slice(0, 2048))) || (isObject(v) && isLabelFile(v))) {
      throw new UserInputError({
        file: file.path,
        message: 'this is a TRAIL label file, not a trace: open the trace of the same name in ../traces/ (its labels are loaded with it)',
      });
    }
    const root = file.requireJson();
    if (!isObject(root) || !Array.isArray(root.spans)) {
      throw new UserInputError({ file: file.path, message: 'not a TRAIL trace: expected an object with a "spans" list' });
    }
    const tools = new ToolCollector();
    const steps: DraftStep[] = [];
    // Iterative walk over child_spans: traces can be deep and large.
    const stack: { span: unknown; path: JsonPath; parent?: string }[] = [];
    const spans = root.spans;
    for (let i = spans.length - 1; i >= 0; i--) stack.push({ span: spans[i], path: ['spans', i] });
    while (stack.length) {
      const { span, path, parent } = stack.pop()!;
      if (!isObject(span)) {
        ctx.warn(notASpanProblem(path));
        continue;
      }
      const spanId = str(span.span_id);
      const step = spanToDraft(trailSpan(span, path, parent), tools);
      fillFromLogs(step, span.logs);
      steps.push(step);
      const kids = Array.isArray(span.child_spans) ? span.child_spans : [];
      for (let k = kids.length - 1; k >= 0; k--) stack.push({ span: kids[k], path: [...path, 'child_spans', k], parent: spanId });
    }

    return [trailDraft(file, root.trace_id, steps, tools, ctx)];
  },
};

/** A span of the tree as the OTel family's NormalSpan; `parent` is the enclosing span's id (for spans without `parent_span_id`). */
export function trailSpan(span: Record<string, unknown>, path: JsonPath, parent: string | undefined): NormalSpan {
  return {
    spanId: str(span.span_id),
    parentId: str(span.parent_span_id) ?? parent ?? null,
    traceId: str(span.trace_id),
    name: str(span.span_name) ?? '(unnamed span)',
    start: span.timestamp,
    end: endOf(span.timestamp, span.duration),
    status: statusOf(span.status_code),
    statusMessage: str(span.status_message),
    attributes: isObject(span.span_attributes) ? span.span_attributes : {},
    events: normalizeEvents(span.events),
    extra: { span_kind: span.span_kind, scope: span.scope_name, service: span.service_name },
    path,
  };
}

export function notASpanProblem(path: JsonPath): { path: string; message: string } {
  return { path: jsonPathToString(path), message: 'span is not an object; skipped' };
}

/**
 * The trace around the steps: id, title from the file's place, and the labels of
 * `../annotations/<same name>.json`. The streaming import (src/core/engine/stream) ends with it too.
 */
export function trailDraft(file: Pick<SourceFile, 'path'>, traceId: unknown, steps: DraftStep[], tools: ToolCollector, ctx: ImportContext): DraftTrace {
  const name = basename(file.path);
  const draft: DraftTrace = {
    id: str(traceId),
    title: `TRAIL ${basename(dirname(dirname(file.path)))} ${name.replace(/\.json$/, '')}`,
    steps,
    tools: tools.list(),
    metadata: { traceId },
  };
  const labels = readLabels(file, ctx, name);
  if (labels) {
    draft.labels = labels.labels;
    if (labels.scores !== undefined) draft.metadata!.trailScores = labels.scores;
    draft.metadata!.labelFile = labels.origin;
  }
  return draft;
}

const LABEL_HEAD = /^\s*\{\s*"trace_id"\s*:\s*"[^"]*"\s*,\s*"errors"\s*:/;

function isLabelFile(v: Record<string, unknown>): boolean {
  return Array.isArray(v.errors) && !('spans' in v) && ('scores' in v || (isObject(v.errors[0]) && 'location' in v.errors[0] && 'category' in v.errors[0]));
}

/** Patronus writes durations as ISO 8601 (`PT24.688187S`); the end time is start + duration. */
function endOf(start: unknown, duration: unknown): number | undefined {
  if (typeof start !== 'string' || typeof duration !== 'string') return undefined;
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(duration);
  const t = Date.parse(start);
  if (!m || Number.isNaN(t)) return undefined;
  return t + ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/**
 * Spans decorated by Patronus itself (no OpenInference attributes) carry their function's
 * arguments and return value only in a log record: use them as the step's input and output.
 */
export function fillFromLogs(step: DraftStep, logs: unknown): void {
  if (!Array.isArray(logs)) return;
  for (const log of logs) {
    const body = isObject(log) && isObject(log.body) ? log.body : undefined;
    if (!body) continue;
    if (!step.input && 'function.arguments' in body) step.input = { value: body['function.arguments'] };
    if (!step.output && 'function.output' in body && body['function.output'] !== '<null>') step.output = { value: body['function.output'] };
  }
}

interface Labels { labels: DraftLabel[]; scores?: unknown; origin: string }

function readLabels(file: Pick<SourceFile, 'path'>, ctx: ImportContext, name: string): Labels | undefined {
  const rel = `../annotations/${name}`;
  const bytes = ctx.readSibling(rel);
  if (!bytes) return undefined;
  const origin = join(dirname(file.path), rel);
  const labelFile = new SourceFile(origin, bytes);
  let value: unknown;
  const strict = labelFile.parseJson();
  if ('value' in strict) {
    value = strict.value;
  } else {
    // Read it anyway with a tolerant parser (a trailing comma is the known upstream defect), and say where it is broken.
    const errors: ParseError[] = [];
    value = parseTolerant(labelFile.text, errors, { allowTrailingComma: true, disallowComments: true });
    const p = strict.error;
    const readable = isObject(value) && Array.isArray(value.errors);
    ctx.warn({
      file: origin, line: p.line, column: p.column,
      message: `TRAIL label file is not valid JSON (${p.message.replace(/^invalid JSON: /, '')}); ${readable ? 'labels read leniently' : 'labels not loaded'}`
        + (errors.length && !readable ? ` (${printParseErrorCode(errors[0].error)})` : ''),
    });
    if (!readable) return undefined;
  }
  if (!isObject(value) || !Array.isArray(value.errors)) {
    ctx.warn({ file: origin, message: 'TRAIL label file has no "errors" list; labels not loaded' });
    return undefined;
  }
  const labels: DraftLabel[] = [];
  value.errors.forEach((e, i) => {
    if (!isObject(e) || typeof e.category !== 'string') {
      ctx.warn({ file: origin, path: `$.errors[${i}]`, message: 'label without a "category" string; skipped' });
      return;
    }
    const location = str(e.location);
    const label: DraftLabel = { scheme: 'trail', category: e.category, origin, stepSourceId: location ?? null };
    if (location) label.sourceLocation = location;
    const impact = typeof e.impact === 'string' ? e.impact.toUpperCase() : undefined;
    if (impact === 'HIGH' || impact === 'MEDIUM' || impact === 'LOW') label.impact = impact as ImportedLabel['impact'];
    else if (e.impact !== undefined) ctx.warn({ file: origin, path: `$.errors[${i}].impact`, message: `unknown impact ${JSON.stringify(e.impact)}; expected HIGH, MEDIUM or LOW` });
    if (typeof e.evidence === 'string') label.evidence = e.evidence;
    if (typeof e.description === 'string') label.description = e.description;
    labels.push(label);
  });
  const scores = Array.isArray(value.scores) && value.scores.length === 1 ? value.scores[0] : value.scores;
  return { labels, scores, origin };
}
