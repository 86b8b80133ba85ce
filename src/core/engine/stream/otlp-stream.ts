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
 * OTLP JSON lines (the collector's file exporter: a request per line) are read the same way with
 * `lines`: each span's path starts with its line's number, as in the whole import. A line that is
 * not a request on one line stops the import with a UserInputError saying which (the whole import
 * skips it with a warning, but this reader cannot step over a value it does not understand).
 *
 * Not streamed: documents whose first key is not `resourceSpans` (see `looksLikeOtlpJsonDocument`).
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
import { UserInputError, type Problem } from '../../util/problems';
import type { JsonPathPattern } from './json-document';
import type { DocumentReading } from './document-builder';
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

/** How an OTLP document is read (here, and by otlp-builder.ts in the editor). */
export const OTLP_READING: DocumentReading = { select: OTLP_SELECT };

/** How OTLP JSON lines are read: the same values within each line, a request per line (no VS Code chat session there, as in the whole import). */
export const OTLP_LINES_READING: DocumentReading = { select: OTLP_SELECT.filter((p) => p[0] !== 'copilotChat'), lines: { firstKeys: RESOURCE_SPANS } };

export interface OtlpStreamOptions {
  /** Bytes per read (default: the document reader's). */
  chunkSize?: number;
  /** The file is OTLP JSON lines (`otlpJsonShape` says 'lines'), not one document. */
  lines?: boolean;
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
/** A span read, with the request (`doc`: its line, '' in a document) and spellings it was written under. */
interface ReadSpan { span: NormalSpan; doc: string; rsKey: string; rsId: string; ssKey: string }

/**
 * The spans the whole import reads: each request's first spelling of its resource list
 * (resourceSpans before resource_spans) and each resource's first spelling of its scope list
 * (scopeSpans before the pre-1.0 instrumentationLibrarySpans...).
 */
function firstSpellings(spans: ReadSpan[]): ReadSpan[] {
  const rsKeys = new Map<string, Set<string>>();
  const ssKeys = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, key: string, value: string): void => {
    const set = map.get(key);
    if (set) set.add(value);
    else map.set(key, new Set([value]));
  };
  for (const s of spans) {
    add(rsKeys, s.doc, s.rsKey);
    add(ssKeys, s.rsId, s.ssKey);
  }
  const rsKeyOf = new Map([...rsKeys].map(([doc, keys]) => [doc, RESOURCE_SPANS.find((k) => keys.has(k))]));
  const ssKeyOf = new Map([...ssKeys].map(([rsId, keys]) => [rsId, SCOPE_SPANS.find((k) => keys.has(k))]));
  return spans.filter((s) => s.rsKey === rsKeyOf.get(s.doc) && s.ssKey === ssKeyOf.get(s.rsId));
}

/**
 * Import the OTLP JSON document in `path` as a stream. Gives what `loadTraceFile` gives for the
 * same file (format `otlp-json`); throws a UserInputError naming the file, line and column for
 * malformed JSON, and the whole import's refusals for a document without spans.
 */
export function loadOtlpJsonStream(path: string, opts: OtlpStreamOptions = {}): LoadResult | undefined {
  let cancelled = false;
  const result = cleanLoad(() => {
    const warnings: Problem[] = [];
    const spans: ReadSpan[] = [];
    let copilotChat: unknown;
    const locations = new Map<string, SourceLocation>();
    const resources = new Map<string, ResourceGroup>();
    const scopes = new Map<string, ScopeGroup>();
    const group = <G extends { spans: NormalSpan[] }>(map: Map<string, G>, key: string, make: () => G): G => {
      let g = map.get(key);
      if (!g) map.set(key, (g = make()));
      return g;
    };
    const lines = opts.lines === true;
    const it = readJsonValues(path, { ...(lines ? OTLP_LINES_READING : OTLP_READING), chunkSize: opts.chunkSize });
    let r = it.next();
    for (; !r.done; r = it.next()) {
      const batch: JsonValuesBatch = r.value;
      if (batch.linesBreak) throw new UserInputError(notRequestPerLine(path, batch.linesBreak));
      for (const item of batch.items) {
        const p = item.path;
        // VS Code's Agent Debug Log export names its chat session beside the spans.
        if (p[0] === 'copilotChat') { copilotChat = item.value; continue; }
        // A line's values are its request's: the whole import's paths start with the line's number.
        const doc = item.line === undefined ? '' : String(item.line);
        const rsKey = String(p[0]);
        const rsId = `${doc}:${rsKey}#${String(p[1])}`;
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
        const spanPath: JsonPath = item.line === undefined ? p : [item.line, ...p];
        if (!isObject(item.value)) {
          warnings.push({ file: path, message: notASpanMessage(spanPath) });
          continue;
        }
        const span = otlpSpan(item.value, spanPath, undefined, undefined);
        spans.push({ span, doc, rsKey, rsId, ssKey });
        group(resources, rsId, () => ({ rs: {}, spans: [] })).spans.push(span);
        group(scopes, scopeId, () => ({ scope: {}, spans: [] })).spans.push(span);
        if (item.location) locations.set(pathKey(spanPath), item.location);
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
    const kept = firstSpellings(spans);
    // Never in JSON lines: their reading does not select it.
    const session = copilotChatExport({ copilotChat });
    const perTrace = draftsFromSpans(kept.map((s) => s.span), 'OTLP');
    const drafts = session ? sessionTrace(perTrace, session) : perTrace;
    if (lines) for (const t of drafts) t.jsonlPaths = true;
    return buildLoadResult({ path, sha256: summary.sha256 }, otlpImporter, drafts, warnings, locations);
  });
  return cancelled ? undefined : result;
}

/** OTLP JSON lines whose line `reason` names is not a request on one line: streamed, the file cannot be read past it. */
function notRequestPerLine(path: string, reason: string): Problem {
  return { file: path, message: `${reason}: OTLP JSON lines this large are read a line at a time, each line one OTLP request (fix that line, or split the file, e.g. with \`split -l\`, and open the parts)` };
}
