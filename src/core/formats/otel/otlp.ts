/**
 * OTLP JSON (the OpenTelemetry protocol's JSON encoding, as written by the collector's file
 * exporter and OTLP/HTTP JSON payloads):
 *
 *   {"resourceSpans":[{"resource":{"attributes":[…]},"scopeSpans":[{"scope":{"name":…},"spans":[
 *     {"traceId","spanId","parentSpanId","name","startTimeUnixNano":"17…","endTimeUnixNano",
 *      "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}],
 *      "events":[…],"status":{"code":2,"message":"…"}}]}]}]}
 *
 * One document, or one request per line (collector file exporter). snake_case keys are accepted
 * too (protobuf JSON printers differ), and the pre-1.0 `instrumentationLibrarySpans`. VS Code's
 * Agent Debug Log export (a `copilotChat` object beside `resourceSpans`) is one chat session: it
 * opens as one trace (copilot-chat.ts).
 */
import type { JsonPath } from '../../json/locate';
import type { SourceFile } from '../../json/source-file';
import type { DraftTrace } from '../../model/draft';
import { UserInputError } from '../../util/problems';
import { ImportContext, Importer, isObject } from '../importer';
import { copilotChatExport, sessionTrace } from './copilot-chat';
import { mayDefineToolsAt } from './semconv';
import { NormalSpan, normalizeEvents, statusOf } from './span';
import { draftsFromSpans } from './span-lists';
import { str } from './values';
import { setOwn } from '../../util/own-keys';

export const RESOURCE_SPANS = ['resourceSpans', 'resource_spans'];
export const SCOPE_SPANS = ['scopeSpans', 'scope_spans', 'instrumentationLibrarySpans', 'instrumentation_library_spans'];

function pick(o: Record<string, unknown>, keys: string[]): [string, unknown] | undefined {
  for (const k of keys) if (k in o) return [k, o[k]];
  return undefined;
}

/** OTLP AnyValue → plain JS value. */
export function anyValue(v: unknown): unknown {
  if (!isObject(v)) return v;
  if ('stringValue' in v) return v.stringValue;
  if ('string_value' in v) return v.string_value;
  if ('boolValue' in v) return v.boolValue;
  if ('bool_value' in v) return v.bool_value;
  for (const k of ['intValue', 'int_value']) {
    if (k in v) {
      const n = Number(v[k]);
      // int64 beyond 2^53 stays a string rather than silently changing value.
      return Number.isSafeInteger(n) ? n : String(v[k]);
    }
  }
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('double_value' in v) return Number(v.double_value);
  if ('bytesValue' in v) return v.bytesValue;
  const arr = v.arrayValue ?? v.array_value;
  if (isObject(arr)) return Array.isArray(arr.values) ? arr.values.map(anyValue) : [];
  const kv = v.kvlistValue ?? v.kvlist_value;
  if (isObject(kv)) return keyValues(kv.values);
  return undefined;
}

/** `[{key, value}]` → `{key: value}`. */
export function keyValues(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) if (isObject(kv) && typeof kv.key === 'string') setOwn(out, kv.key, anyValue(kv.value));
  return out;
}

/** The `service.name` of a `resourceSpans` element's resource (undefined without one). */
export function serviceOf(rs: Record<string, unknown>): unknown {
  return isObject(rs.resource) ? keyValues(rs.resource.attributes)['service.name'] : undefined;
}

/** The instrumentation scope's name of a `scopeSpans` element (`scope`, or the pre-1.0 `instrumentationLibrary`). */
export function scopeNameOf(scope: Record<string, unknown>): string | undefined {
  return isObject(scope.scope) ? str(scope.scope.name) : isObject(scope.instrumentationLibrary) ? str(scope.instrumentationLibrary.name) : undefined;
}

export function notASpanMessage(path: JsonPath): string {
  return `span at ${path.join('.')} is not an object; skipped`;
}

/**
 * One OTLP span as the OTel family's NormalSpan. The streaming import (src/core/engine/stream)
 * reads spans with it too, and sets `extra.scope` and `extra.service` once it has read them.
 */
export function otlpSpan(s: Record<string, unknown>, path: JsonPath, scopeName: string | undefined, service: unknown): NormalSpan {
  const status = isObject(s.status) ? s.status : {};
  const place = otlpSpanPlace(s);
  // One literal (a spread made these objects of another shape, and the import after them 15% slower).
  return {
    spanId: place.spanId, traceId: place.traceId, parentId: place.parentId, name: place.name, start: place.start,
    end: s.endTimeUnixNano ?? s.end_time_unix_nano,
    status: statusOf(status.code), statusMessage: str(status.message),
    attributes: keyValues(s.attributes),
    events: normalizeEvents(s.events, keyValues),
    extra: { span_kind: s.kind, scope: scopeName, service },
    path,
  };
}

/** What places an OTLP span in its trace (ids, name, start), read without converting its attributes and events. */
export function otlpSpanPlace(s: Record<string, unknown>): Pick<NormalSpan, 'spanId' | 'traceId' | 'parentId' | 'name' | 'start'> {
  return {
    spanId: str(s.spanId ?? s.span_id), traceId: str(s.traceId ?? s.trace_id),
    parentId: str(s.parentSpanId ?? s.parent_span_id) ?? null,
    name: str(s.name) ?? '(unnamed span)',
    start: s.startTimeUnixNano ?? s.start_time_unix_nano,
  };
}

/** Whether an OTLP span's attribute list may define tools (see mayDefineTools), from its keys alone. */
export function attributesMayDefineTools(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  for (const kv of list) if (isObject(kv) && typeof kv.key === 'string' && mayDefineToolsAt(kv.key)) return true;
  return false;
}

function isOtlpDoc(v: unknown): boolean {
  return isObject(v) && !!pick(v, RESOURCE_SPANS) && Array.isArray(pick(v, RESOURCE_SPANS)![1]);
}

export const otlpImporter: Importer = {
  id: 'otlp-json',
  label: 'OTLP JSON (OpenTelemetry protocol)',
  producer: 'OpenTelemetry collector file exporter, OTLP/HTTP JSON exporters (GenAI and OpenInference instrumentations), VS Code Copilot Chat Agent Debug Log export',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    if (isOtlpDoc(file.json)) return 0.97;
    if (file.json === undefined && file.looksLikeJsonl() && isOtlpDoc(file.jsonl.records[0]?.value)) return 0.95;
    return 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const docs: { value: unknown; base: JsonPath }[] = [];
    let jsonl = false;
    const whole = file.parseJson();
    if ('value' in whole) {
      docs.push({ value: whole.value, base: [] });
    } else if (file.looksLikeJsonl()) {
      jsonl = true;
      const { records, problems } = file.jsonl;
      for (const p of problems) ctx.warn(p);
      for (const r of records) docs.push({ value: r.value, base: [r.line] });
    } else {
      throw new UserInputError(whole.error);
    }
    const spans: NormalSpan[] = [];
    for (const { value, base } of docs) {
      if (!isOtlpDoc(value)) {
        ctx.warn({ ...(jsonl ? { line: Number(base[0]) + 1, column: 1 } : {}), message: 'not an OTLP request (no "resourceSpans" list); skipped' });
        continue;
      }
      const [rsKey, rsList] = pick(value as Record<string, unknown>, RESOURCE_SPANS)!;
      (rsList as unknown[]).forEach((rs, i) => {
        if (!isObject(rs)) return;
        const service = serviceOf(rs);
        const ss = pick(rs, SCOPE_SPANS);
        if (!ss || !Array.isArray(ss[1])) return;
        ss[1].forEach((scope, j) => {
          if (!isObject(scope) || !Array.isArray(scope.spans)) return;
          const scopeName = scopeNameOf(scope);
          scope.spans.forEach((s, k) => {
            const path: JsonPath = [...base, rsKey, i, ss[0], j, 'spans', k];
            if (!isObject(s)) { ctx.warn({ message: notASpanMessage(path) }); return; }
            spans.push(otlpSpan(s, path, scopeName, service));
          });
        });
      });
    }
    const session = jsonl ? undefined : copilotChatExport(docs[0]?.value);
    const drafts = draftsFromSpans(spans, 'OTLP');
    const traces = session ? sessionTrace(drafts, session) : drafts;
    if (jsonl) for (const t of traces) t.jsonlPaths = true;
    return traces;
  },
};
