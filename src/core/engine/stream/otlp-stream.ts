/**
 * Imports an OTLP JSON document (one `{"resourceSpans":[...]}` request, src/core/formats/otel/
 * otlp.ts) through the streaming document reader, never holding the file as one string: the same
 * traces, steps, ids, locations and warnings as the whole-file import, for files of any size,
 * including those over V8's string limit that the whole-file import refuses.
 *
 * Spans are read as they complete and kept as the OTel family's NormalSpans (their raw JSON is
 * dropped); the traces are built once the file is read, since OTLP writes spans in no particular
 * order (children usually end, and are written, before their parents). A span's resource
 * (`service.name`) and scope name may be written after it in its request: they are filled in when
 * read.
 *
 * Not streamed: OTLP JSON lines (one request per line; the JSONL reader's business) and documents
 * whose first key is not `resourceSpans` (see `looksLikeOtlpJsonDocument`).
 */
import { readFileHeadText } from '../../util/file-range';
import type { JsonPath } from '../../json/locate';
import { pathKey } from '../../json/locate';
import type { SourceLocation } from '../../model/schema';
import { buildLoadResult, cleanLoad, type LoadResult } from '../../load';
import { isObject } from '../../formats/importer';
import { copilotChatExport, sessionTrace } from '../../formats/otel/copilot-chat';
import { notASpanMessage, otlpImporter, otlpSpan, RESOURCE_SPANS, SCOPE_SPANS, scopeNameOf, serviceOf } from '../../formats/otel/otlp';
import type { NormalSpan } from '../../formats/otel/span';
import { draftsFromSpans } from '../../formats/otel/span-lists';
import type { Problem } from '../../util/problems';
import type { JsonPathPattern } from './json-document';
import { readJsonValues, type JsonValuesBatch } from './json-values';

export const SCOPE_KEYS = ['scope', 'instrumentationLibrary'];

/** What the reader hands over: the spans, and each request's resource and each scope (otlp-builder.ts reads the same). */
export const OTLP_SELECT: JsonPathPattern[] = [['copilotChat']];
for (const rs of RESOURCE_SPANS) {
  OTLP_SELECT.push([rs, '*', 'resource']);
  for (const ss of SCOPE_SPANS) {
    OTLP_SELECT.push([rs, '*', ss, '*', 'spans', '*']);
    for (const k of SCOPE_KEYS) OTLP_SELECT.push([rs, '*', ss, '*', k]);
  }
}

export interface OtlpStreamOptions {
  /** Bytes per read (default: the document reader's). */
  chunkSize?: number;
  /** Called after every chunk with the bytes read and the file's size; returning false stops the import (it then returns undefined). */
  onProgress?: (byte: number, size: number) => boolean | void;
}

/** How an OTLP request starts: `{"resourceSpans": [` (or `resource_spans`). */
const OTLP_REQUEST_HEAD = /^\s*\{\s*"(resourceSpans|resource_spans)"\s*:\s*\[/;

/**
 * What the file looks like from its first 64 KB: an OTLP JSON document (`{"resourceSpans": [` or
 * `resource_spans` as its first key), OTLP JSON lines (the collector's file exporter: a first line
 * that is a whole request, then more), or neither. A first line longer than 64 KB looks like a
 * document: read as one, its second value says what the file is (SecondJsonValue).
 */
export function otlpJsonShape(path: string): 'document' | 'lines' | undefined {
  // Unreadable: the caller's whole-file read says why.
  const text = readFileHeadText(path, 64 * 1024);
  if (text === undefined || !OTLP_REQUEST_HEAD.test(text)) return undefined;
  return firstLineIsWholeValue(text) ? 'lines' : 'document';
}

/** Whether the file starts like an OTLP JSON document (see otlpJsonShape). */
export function looksLikeOtlpJsonDocument(path: string): boolean {
  return otlpJsonShape(path) === 'document';
}

/** A first line that is a whole JSON value, and more after it (a document on one line is still a document). */
function firstLineIsWholeValue(text: string): boolean {
  const nl = text.indexOf('\n');
  if (nl === -1 || text.slice(nl).trim() === '') return false;
  try {
    JSON.parse(text.slice(0, nl));
    return true;
  } catch {
    return false;
  }
}

interface ScopeGroup { scope: Record<string, unknown>; spans: NormalSpan[] }
interface ResourceGroup { rs: Record<string, unknown>; spans: NormalSpan[] }

/**
 * Import the OTLP JSON document in `path` as a stream. Gives what `loadTraceFile` gives for the
 * same file (format `otlp-json`); throws a UserInputError naming the file, line and column for
 * malformed JSON, and the whole import's refusals for a document without spans.
 */
export function loadOtlpJsonStream(path: string, opts: OtlpStreamOptions = {}): LoadResult | undefined {
  let cancelled = false;
  const result = cleanLoad(() => {
    const warnings: Problem[] = [];
    const spans: { span: NormalSpan; rsKey: string; rsId: string; ssKey: string }[] = [];
    let copilotChat: unknown;
    const locations = new Map<string, SourceLocation>();
    const resources = new Map<string, ResourceGroup>();
    const scopes = new Map<string, ScopeGroup>();
    const group = <G extends { spans: NormalSpan[] }>(map: Map<string, G>, key: string, make: () => G): G => {
      let g = map.get(key);
      if (!g) map.set(key, (g = make()));
      return g;
    };
    const it = readJsonValues(path, { select: OTLP_SELECT, chunkSize: opts.chunkSize });
    let r = it.next();
    for (; !r.done; r = it.next()) {
      const batch: JsonValuesBatch = r.value;
      for (const item of batch.items) {
        const p = item.path;
        // VS Code's Agent Debug Log export names its chat session beside the spans.
        if (p[0] === 'copilotChat') { copilotChat = item.value; continue; }
        const rsKey = String(p[0]);
        const rsId = `${rsKey}#${String(p[1])}`;
        if (p.length === 3) {
          // A request's resource: its service name goes on the spans of the request.
          group(resources, rsId, () => ({ rs: {}, spans: [] })).rs.resource = item.value;
          continue;
        }
        const ssKey = String(p[2]);
        const scopeId = `${rsId}.${ssKey}#${String(p[3])}`;
        if (p.length === 5) {
          group(scopes, scopeId, () => ({ scope: {}, spans: [] })).scope[String(p[4])] = item.value;
          continue;
        }
        const path6: JsonPath = p;
        if (!isObject(item.value)) {
          warnings.push({ file: path, message: notASpanMessage(path6) });
          continue;
        }
        const span = otlpSpan(item.value, path6, undefined, undefined);
        spans.push({ span, rsKey, rsId, ssKey });
        group(resources, rsId, () => ({ rs: {}, spans: [] })).spans.push(span);
        group(scopes, scopeId, () => ({ scope: {}, spans: [] })).spans.push(span);
        if (item.location) locations.set(pathKey(path6), item.location);
      }
      if (opts.onProgress?.(batch.byte, batch.size) === false) {
        it.return(undefined as never);
        cancelled = true;
        return { file: path, format: otlpImporter.id, traces: [], warnings: [] };
      }
    }
    const summary = r.value;
    for (const g of resources.values()) {
      const service = serviceOf(g.rs);
      for (const s of g.spans) s.extra!.service = service;
    }
    for (const g of scopes.values()) {
      const name = scopeNameOf(g.scope);
      for (const s of g.spans) s.extra!.scope = name;
    }
    // The whole import reads the first spelling a document or request has (resourceSpans before
    // resource_spans, scopeSpans before the pre-1.0 instrumentationLibrarySpans...).
    const rsKey = RESOURCE_SPANS.find((k) => spans.some((s) => s.rsKey === k));
    const ssKeys = new Map<string, Set<string>>();
    for (const s of spans) {
      const keys = ssKeys.get(s.rsId);
      if (keys) keys.add(s.ssKey);
      else ssKeys.set(s.rsId, new Set([s.ssKey]));
    }
    const ssKeyOf = new Map([...ssKeys].map(([rsId, keys]) => [rsId, SCOPE_SPANS.find((k) => keys.has(k))]));
    const kept = spans.filter((s) => s.rsKey === rsKey && s.ssKey === ssKeyOf.get(s.rsId));
    const session = copilotChatExport({ copilotChat });
    const perTrace = draftsFromSpans(kept.map((s) => s.span), 'OTLP');
    const drafts = session ? sessionTrace(perTrace, session) : perTrace;
    return buildLoadResult({ path, sha256: summary.sha256 }, otlpImporter, drafts, warnings, locations);
  });
  return cancelled ? undefined : result;
}
