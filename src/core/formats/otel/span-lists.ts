/**
 * Span lists as SDKs and tools dump them. Each importer here only says how to find its spans in
 * the document and how to read one span; grouping by trace id and building steps is shared.
 *
 *   otel-sdk-json  Python OTel SDK `ReadableSpan.to_json()` / ConsoleSpanExporter:
 *                  {"name","context":{"trace_id","span_id"},"parent_id","start_time","status":{"status_code"},"attributes",...}
 *   phoenix        Arize Phoenix span export: {"name","context":{"trace_id","span_id"},"span_kind","parent_id",
 *                  "start_time","end_time","status_code","status_message","attributes":{nested or flat},"events"}
 *   any-agent      mozilla-ai any-agent AgentTrace: {"spans":[{"context":{"span_id":<int>},"parent":{...}|null,...}],"final_output"}
 *   vercel-ai-sdk  OTel JS ReadableSpan dumps of Vercel AI SDK spans: {"name","spanContext":{"traceId","spanId"},
 *                  "parentSpanId"?, "attributes":{"ai.operationId",...},"status":{"code"},"startTime":[s,ns]}
 */
import type { JsonPath } from '../../json/locate';
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import { UserInputError } from '../../util/problems';
import { ImportContext, Importer, isObject } from '../importer';
import { NormalSpan, normalizeEvents, spanToDraft, statusOf, ToolCollector } from './span';
import { flattenAttributes, isNested, str } from './values';
import { tryParseJson } from '../../json/depth';

/** Group spans into traces by trace id (first-seen order), one linear pass. */
export function draftsFromSpans(spans: NormalSpan[], titlePrefix: string, tools?: ToolCollector): DraftTrace[] {
  const byTrace = new Map<string, { steps: DraftStep[]; tools: ToolCollector }>();
  for (const s of spans) {
    const key = s.traceId ?? '';
    let g = byTrace.get(key);
    if (!g) { g = { steps: [], tools: tools ?? new ToolCollector() }; byTrace.set(key, g); }
    g.steps.push(spanToDraft(s, g.tools));
  }
  const out: DraftTrace[] = [];
  for (const [traceId, g] of byTrace) {
    const root = g.steps.find((s) => !s.parentSourceId) ?? g.steps[0];
    out.push({
      ...(traceId ? { id: traceId } : {}),
      title: `${titlePrefix}: ${root?.name ?? traceId}`,
      steps: g.steps,
      tools: g.tools.list(),
      metadata: traceId ? { traceId } : {},
    });
  }
  return out;
}

/** Where a file keeps its spans: a top-level array, or `spans`/`data` inside an object. */
export function spanArray(v: unknown): { spans: unknown[]; base: JsonPath } | undefined {
  if (Array.isArray(v)) return { spans: v, base: [] };
  if (isObject(v)) {
    if (Array.isArray(v.spans)) return { spans: v.spans, base: ['spans'] };
    if (Array.isArray(v.data)) return { spans: v.data, base: ['data'] };
  }
  return undefined;
}

function firstSpan(file: SourceFile): Record<string, unknown> | undefined {
  if (file.isZip || (file.firstChar !== '{' && file.firstChar !== '[')) return undefined;
  const a = spanArray(file.json);
  const s = a?.spans[0];
  return isObject(s) ? s : undefined;
}

/** A span-list importer: find spans, read each; the rest is shared. */
function spanListImporter(def: {
  id: string; label: string; producer: string;
  sniffSpan(s: Record<string, unknown>, doc: unknown): number;
  read(s: Record<string, unknown>, path: JsonPath): NormalSpan;
  /** Override how spans are found (spans-by-operation maps). */
  collect?(doc: unknown): { span: unknown; path: JsonPath }[] | undefined;
  prepare?(file: SourceFile): unknown;
  /** A file of this family that is not a trace: the one-line reason. */
  refuse?(doc: unknown): string | undefined;
}): Importer {
  return {
    id: def.id, label: def.label, producer: def.producer,
    sniff(file) {
      if (file.isZip || (file.firstChar !== '{' && file.firstChar !== '[')) return 0;
      const doc = file.json;
      if (def.refuse?.(doc)) return 0.6;
      const items = def.collect ? def.collect(doc) : undefined;
      const s = items ? items[0]?.span : firstSpan(file);
      return isObject(s) ? def.sniffSpan(s, doc) : 0;
    },
    parse(file: SourceFile, ctx: ImportContext) {
      const doc = def.prepare ? def.prepare(file) : file.requireJson();
      const refusal = def.refuse?.(doc);
      if (refusal) throw new UserInputError({ file: file.path, message: refusal });
      let items = def.collect?.(doc);
      if (!items) {
        const a = spanArray(doc);
        if (!a) throw new UserInputError({ file: file.path, message: `not a ${def.label} file: expected a list of spans (a JSON array, or "spans" in an object)` });
        items = a.spans.map((span, i) => ({ span, path: [...a.base, i] }));
      }
      const spans: NormalSpan[] = [];
      for (const { span, path } of items) {
        if (!isObject(span)) { ctx.warn({ path: jsonPath(path), message: 'span is not an object; skipped' }); continue; }
        spans.push(def.read(span, path));
      }
      return draftsFromSpans(spans, def.label.split(' (')[0]);
    },
  };
}

function attrsOf(v: unknown): Record<string, unknown> {
  if (!isObject(v)) return {};
  return isNested(v) ? flattenAttributes(v) : v;
}

/** Python writes ids as `0x…` hex in to_json(); the OTLP and UI form has no prefix. */
function hexId(v: unknown): string | undefined {
  const s = str(v);
  return s?.startsWith('0x') ? s.slice(2) : s;
}

export const otelSdkJsonImporter = spanListImporter({
  id: 'otel-sdk-json',
  label: 'OpenTelemetry SDK span JSON (ConsoleSpanExporter, to_json)',
  producer: 'OpenTelemetry Python SDK console/file exporters, and tools built on them (OpenAI Agents SDK OTel export)',
  sniffSpan(s) {
    const c = s.context;
    if (!isObject(c) || !('span_id' in c) || 'span_kind' in s || 'status_code' in s || 'parent' in s) return 0;
    return isObject(s.status) && 'status_code' in s.status && 'parent_id' in s ? 0.85 : 0;
  },
  read(s, path) {
    // Only the first span was sniffed: any other may lack its context.
    const c = isObject(s.context) ? s.context : {};
    const status = isObject(s.status) ? s.status : {};
    return {
      spanId: hexId(c.span_id), traceId: hexId(c.trace_id), parentId: hexId(s.parent_id) ?? null,
      name: str(s.name) ?? '(unnamed span)', start: s.start_time, end: s.end_time,
      status: statusOf(status.status_code), statusMessage: str(status.description),
      attributes: attrsOf(s.attributes), events: normalizeEvents(s.events),
      extra: { span_kind: s.kind, resource: isObject(s.resource) ? s.resource.attributes : undefined },
      path,
    };
  },
});

export const phoenixImporter = spanListImporter({
  id: 'phoenix',
  label: 'Arize Phoenix span export',
  producer: 'Arize Phoenix (span JSON from the REST API / span export, OpenInference attributes)',
  sniffSpan(s) {
    const c = s.context;
    if (!isObject(c) || !('span_id' in c)) return 0;
    return 'span_kind' in s && ('status_code' in s || 'parent_id' in s) ? 0.9 : 0;
  },
  read(s, path) {
    // Only the first span was sniffed: any other may lack its context.
    const c = isObject(s.context) ? s.context : {};
    const attributes = attrsOf(s.attributes);
    // Phoenix keeps the OpenInference kind as `span_kind`; make it visible to the attribute reader.
    if (attributes['openinference.span.kind'] === undefined && typeof s.span_kind === 'string') attributes['openinference.span.kind'] = s.span_kind;
    return {
      spanId: str(c.span_id), traceId: str(c.trace_id), parentId: str(s.parent_id) ?? null,
      name: str(s.name) ?? '(unnamed span)', start: s.start_time, end: s.end_time,
      status: statusOf(s.status_code), statusMessage: str(s.status_message),
      attributes, events: normalizeEvents(s.events),
      path,
    };
  },
});

export const anyAgentImporter = spanListImporter({
  id: 'any-agent',
  label: 'any-agent trace (OTel GenAI spans)',
  producer: 'mozilla-ai any-agent (AgentTrace JSON: agno, google, langchain, llama_index, openai, smolagents, tinyagent)',
  sniffSpan(s, doc) {
    const c = s.context;
    if (!isObject(c) || !('span_id' in c) || !('parent' in s)) return 0;
    return isObject(doc) && 'final_output' in doc ? 0.95 : 0.8;
  },
  // Span ids are 64-bit integers, beyond what a JS number holds exactly: read them as strings.
  prepare(file) { return parseWithBigIds(file); },
  read(s, path) {
    // Only the first span was sniffed: any other may lack its context.
    const c = isObject(s.context) ? s.context : {};
    const p = isObject(s.parent) ? s.parent : undefined;
    const status = isObject(s.status) ? s.status : {};
    return {
      spanId: str(c.span_id), traceId: str(c.trace_id), parentId: str(p?.span_id) ?? null,
      name: str(s.name) ?? '(unnamed span)', start: s.start_time, end: s.end_time,
      status: statusOf(status.status_code), statusMessage: str(status.description),
      attributes: attrsOf(s.attributes), events: normalizeEvents(s.events),
      extra: { span_kind: s.kind },
      path,
    };
  },
});

export const vercelAiSdkImporter = spanListImporter({
  id: 'vercel-ai-sdk',
  label: 'Vercel AI SDK spans (OTel JS span dump)',
  producer: 'Vercel AI SDK telemetry (experimental_telemetry) captured as OpenTelemetry JS ReadableSpans',
  collect(doc) {
    // `spans-by-operation.json` style: {"ai.generateText": [span, ...], ...}
    if (!isObject(doc) || Array.isArray(doc.spans)) return undefined;
    const out: { span: unknown; path: JsonPath }[] = [];
    for (const [k, v] of Object.entries(doc)) {
      if (!Array.isArray(v)) return undefined;
      v.forEach((span, i) => out.push({ span, path: [k, i] }));
    }
    return out.length ? out : undefined;
  },
  refuse(doc) {
    // The capture script's summary sits beside the span dumps; it lists captures, it holds no spans.
    return isObject(doc) && 'captureDate' in doc && Array.isArray(doc.results) && 'attributeSummary' in doc
      ? 'a Vercel AI SDK capture summary (which captures succeeded, which attributes appeared), not a trace: open all-spans.json or an ai-*.json span file'
      : undefined;
  },
  sniffSpan(s) {
    if (!isObject(s.spanContext) || !('spanId' in s.spanContext)) return 0;
    const a = s.attributes;
    return isObject(a) && typeof a['ai.operationId'] === 'string' ? 0.95 : 0.6;
  },
  read(s, path) {
    const c = isObject(s.spanContext) ? s.spanContext : {};
    const parent = str(s.parentSpanId) ?? (isObject(s.parentSpanContext) ? str(s.parentSpanContext.spanId) : undefined);
    const status = isObject(s.status) ? s.status : {};
    return {
      spanId: str(c.spanId), traceId: str(c.traceId), parentId: parent ?? null,
      name: str(s.name) ?? '(unnamed span)', start: s.startTime, end: s.endTime,
      status: statusOf(status.code), statusMessage: str(status.message),
      attributes: attrsOf(s.attributes), events: normalizeEvents(s.events),
      path,
    };
  },
});

/**
 * JSON.parse rounds integers above 2^53. Quote long integer ids first (only after a `"span_id"` /
 * `"trace_id"` key that is not itself inside a string) so they survive exactly. The text keeps its
 * structure, so JSON paths (and step locations, computed from the original file) are unchanged.
 */
function parseWithBigIds(file: SourceFile): unknown {
  const parsed = file.requireJson();
  let quoted = false;
  const text = file.text.replace(/(?<!\\)("(?:span_id|trace_id)"\s*:\s*)(\d{16,})/g, (_m, key: string, digits: string) => {
    quoted = true;
    return `${key}"${digits}"`;
  });
  // Nothing quoted: the text is unchanged, so the value already parsed is the answer.
  if (!quoted) return parsed;
  return tryParseJson(text)?.value ?? parsed;
}

function jsonPath(path: JsonPath): string {
  return '$' + path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
}
