/**
 * An OTLP JSON trace export request (as sent, or decoded from protobuf) checked and split by
 * trace: one request per trace id, each keeping its spans' resource and scope, so that every trace
 * is appended to its own file as one line the OTLP JSON importer reads.
 *
 * Checked, since a file name and the parent links depend on them: trace ids are 32 hex digits
 * (not all zero), span ids 16 (a parent id may be empty; base64 ids, as generic protobuf JSON
 * printers write them, are turned into hex), the lists are lists and the spans
 * objects, and start/end times are 64-bit integers written as decimal strings or numbers. Ids are
 * written in lowercase, so a parent sent in another case in another request still links. The
 * rest of each span is kept as sent. snake_case keys (`resource_spans`, `trace_id`) are accepted,
 * as the collector accepts them; the written containers and ids use the spec's lowerCamelCase.
 */
import { MalformedRequestError } from './errors';
import { setOwn } from '../util/own-keys';

/** The spans of one trace from one request, as an OTLP JSON request of their own. */
export interface TraceChunk {
  /** 32 lowercase hex digits. */
  traceId: string;
  spanCount: number;
  request: { resourceSpans: Record<string, unknown>[] };
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(o: Obj, camel: string, snake: string): unknown {
  return camel in o ? o[camel] : o[snake];
}

function listAt(o: Obj, camel: string, snake: string, where: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new MalformedRequestError(`${where}.${camel} is not a list`);
  return v;
}

function without(o: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const k of Object.keys(o)) if (!keys.includes(k)) setOwn(out, k, o[k]);
  return out;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;
/** The base64 a generic protobuf JSON printer (protojson, pre-1.0 collectors) writes for 16 and 8 bytes. */
const BASE64 = { 32: /^[A-Za-z0-9+/]{22}==$/, 16: /^[A-Za-z0-9+/]{11}=$/ } as Record<number, RegExp>;
const ZERO = /^0+$/;
const DIGITS = /^\d{1,20}$/;

function hexId(v: unknown, re: RegExp, digits: number, where: string, optional: boolean): string | undefined {
  if (optional && (v === undefined || v === null || v === '')) return undefined;
  if (typeof v === 'string' && BASE64[digits].test(v)) v = Buffer.from(v, 'base64').toString('hex');
  if (typeof v !== 'string' || !re.test(v)) {
    const seen = typeof v === 'string' ? `${v.length} characters` : v === undefined ? 'missing' : typeof v;
    throw new MalformedRequestError(`${where} is not ${digits} hex digits (${seen})`);
  }
  if (ZERO.test(v)) throw new MalformedRequestError(`${where} is all zeros (an invalid id)`);
  return v.toLowerCase();
}

function checkTime(v: unknown, where: string): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'string' ? DIGITS.test(v) : typeof v === 'number' && Number.isInteger(v) && v >= 0) return;
  throw new MalformedRequestError(`${where} is not a 64-bit integer of nanoseconds (a decimal string or number)`);
}

/** Check a request and split it by trace id (first-seen order). Throws MalformedRequestError with a one-line reason. */
export function splitByTrace(request: unknown): TraceChunk[] {
  if (!isObj(request)) throw new MalformedRequestError(`the body is ${Array.isArray(request) ? 'a list' : request === null ? 'null' : `a ${typeof request}`}, not an OTLP ExportTraceServiceRequest object`);
  const traces = new Map<string, { spanCount: number; resources: Map<number, { rs: Obj; scopes: Map<number, Obj> }> }>();
  listAt(request, 'resourceSpans', 'resource_spans', '$').forEach((rs, i) => {
    const rsWhere = `resourceSpans[${i}]`;
    if (!isObj(rs)) throw new MalformedRequestError(`${rsWhere} is not an object`);
    listAt(rs, 'scopeSpans', 'scope_spans', rsWhere).forEach((ss, j) => {
      const ssWhere = `${rsWhere}.scopeSpans[${j}]`;
      if (!isObj(ss)) throw new MalformedRequestError(`${ssWhere} is not an object`);
      listAt(ss, 'spans', 'spans', ssWhere).forEach((span, k) => {
        const where = `${ssWhere}.spans[${k}]`;
        if (!isObj(span)) throw new MalformedRequestError(`${where} is not an object`);
        const traceId = hexId(field(span, 'traceId', 'trace_id'), HEX32, 32, `${where}.traceId`, false)!;
        const spanId = hexId(field(span, 'spanId', 'span_id'), HEX16, 16, `${where}.spanId`, false)!;
        const parentSpanId = hexId(field(span, 'parentSpanId', 'parent_span_id'), HEX16, 16, `${where}.parentSpanId`, true);
        checkTime(field(span, 'startTimeUnixNano', 'start_time_unix_nano'), `${where}.startTimeUnixNano`);
        checkTime(field(span, 'endTimeUnixNano', 'end_time_unix_nano'), `${where}.endTimeUnixNano`);
        const out: Obj = { traceId, spanId, ...(parentSpanId ? { parentSpanId } : {}), ...without(span, ['traceId', 'trace_id', 'spanId', 'span_id', 'parentSpanId', 'parent_span_id']) };

        let t = traces.get(traceId);
        if (!t) traces.set(traceId, (t = { spanCount: 0, resources: new Map() }));
        let r = t.resources.get(i);
        if (!r) t.resources.set(i, (r = { rs: without(rs, ['scopeSpans', 'scope_spans']), scopes: new Map() }));
        let s = r.scopes.get(j);
        if (!s) r.scopes.set(j, (s = { ...without(ss, ['spans']), spans: [] }));
        (s.spans as Obj[]).push(out);
        t.spanCount++;
      });
    });
  });
  return [...traces].map(([traceId, t]) => ({
    traceId,
    spanCount: t.spanCount,
    request: { resourceSpans: [...t.resources.values()].map(({ rs, scopes }) => ({ ...rs, scopeSpans: [...scopes.values()] })) },
  }));
}
