/**
 * The span every OTel-family importer reduces its input to, and the one function that turns it
 * into a draft step. Importers differ only in where they find ids, times, status and attributes.
 */
import type { JsonPath } from '../../json/locate';
import type { DraftStep } from '../../model/draft';
import type { StepError, StepStatus, ToolDefinition } from '../../model/schema';
import { toEpochMs } from '../../util/time';
import { StringTable } from '../../util/string-table';
import { asText, isObject } from '../importer';
import { terminalExitError } from './copilot-chat';
import { readSemantics } from './semconv';
import { str } from './values';

export interface SpanEvent {
  name: string;
  time?: unknown;
  attributes: Record<string, unknown>;
}

export interface NormalSpan {
  spanId?: string;
  parentId?: string | null;
  traceId?: string;
  name: string;
  /** Raw start/end as written (ISO string, epoch number, nanos string, [s, ns]); converted with toEpochMs. */
  start?: unknown;
  end?: unknown;
  status: StepStatus;
  statusMessage?: string;
  /** Flat dotted attribute map. */
  attributes: Record<string, unknown>;
  events: SpanEvent[];
  /** Facts about the span outside its attributes (span kind, scope, service): kept under `otel.*`. */
  extra?: Record<string, unknown>;
  path: JsonPath;
}

/** Normalize the many spellings of an OTel status code (2, "ERROR", "STATUS_CODE_ERROR", "Error"...). */
export function statusOf(code: unknown): StepStatus {
  if (code === 2 || code === '2') return 'error';
  if (code === 1 || code === '1') return 'ok';
  const s = typeof code === 'string' ? code.toUpperCase() : '';
  if (s.endsWith('ERROR')) return 'error';
  if (s.endsWith('OK')) return 'ok';
  return 'unset';
}

/** Tool definitions collected across a trace's spans, first definition of each name wins. */
export class ToolCollector {
  private readonly byName = new Map<string, ToolDefinition>();
  add(tools: ToolDefinition[]): void {
    for (const t of tools) if (!this.byName.has(t.name)) this.byName.set(t.name, t);
  }
  list(): ToolDefinition[] { return [...this.byName.values()]; }
}

export function spanToDraft(span: NormalSpan, tools: ToolCollector): DraftStep {
  const sem = readSemantics(span.attributes, span.name);
  tools.add(sem.tools);
  // readSemantics made `rest` for this span alone: it becomes the step's attributes as it is.
  const attributes = sem.rest;
  if (span.extra) {
    for (const k of Object.keys(span.extra)) {
      const v = span.extra[k];
      if (v !== undefined && v !== '' && v !== null) attributes[OTEL_KEYS.get(k, otelKeyOf)] = v;
    }
  }
  const otherEvents = span.events.filter((e) => e.name !== 'exception');
  if (otherEvents.length) attributes['otel.events'] = otherEvents;

  // VS Code's terminal tool succeeds with a failed command: its result ends with the exit code.
  const error = errorOf(span, sem.errorType) ?? (sem.kind === 'tool' ? terminalExitError(sem.toolCall?.name, sem.output?.value, sem.toolCall?.arguments) : undefined);
  const step: DraftStep = {
    kind: sem.kind,
    name: span.name,
    startTime: toEpochMs(span.start),
    endTime: toEpochMs(span.end),
    status: error ? 'error' : span.status,
    attributes,
    sourcePath: span.path,
  };
  if (span.spanId) step.sourceId = span.spanId;
  if (span.parentId) step.parentSourceId = span.parentId;
  if (sem.input) step.input = sem.input;
  if (sem.output) step.output = sem.output;
  if (sem.toolCall) step.toolCall = sem.toolCall;
  if (sem.availableTools) step.availableTools = sem.availableTools;
  if (sem.model) step.model = sem.model;
  if (sem.usage) step.usage = sem.usage;
  if (sem.finishReason) step.finishReason = sem.finishReason;
  if (error) step.error = error;
  return step;
}

/** `otel.<name>` for a span's extra fields, made once per name (each step's keys are then the same strings). */
const OTEL_KEYS = new StringTable(256);
const otelKeyOf = (name: string): string => `otel.${name}`;

/**
 * OTel records a failure as status ERROR plus an `exception` event; `error.type` alone also marks
 * one. The exception event gives the best message; the status description is the fallback.
 */
function errorOf(span: NormalSpan, errorType: string | undefined): StepError | undefined {
  const exc = span.events.find((e) => e.name === 'exception');
  if (span.status !== 'error' && !errorType) return undefined;
  const a = exc?.attributes ?? {};
  const type = str(a['exception.type']) ?? errorType;
  const message = str(a['exception.message']) ?? str(span.statusMessage) ?? type ?? 'the span ended with status ERROR';
  const err: StepError = { message: typeof message === 'string' ? message : asText(message) };
  if (type) err.type = type;
  const stack = str(a['exception.stacktrace']);
  if (stack) err.stack = stack;
  return err;
}

/** Events as written in OTLP/SDK/Phoenix dumps: `{name, timestamp|time_unix_nano, attributes}`. */
export function normalizeEvents(v: unknown, attrs: (raw: unknown) => Record<string, unknown> = plainAttrs): SpanEvent[] {
  if (!Array.isArray(v)) return [];
  const out: SpanEvent[] = [];
  for (const e of v) {
    if (!isObject(e)) continue;
    out.push({
      name: String(e.name ?? e.Name ?? ''),
      time: e.timestamp ?? e.Timestamp ?? e.timeUnixNano ?? e.time_unix_nano ?? e.time,
      attributes: attrs(e.attributes ?? e.Attributes),
    });
  }
  return out;
}

function plainAttrs(raw: unknown): Record<string, unknown> {
  return isObject(raw) ? raw : {};
}
