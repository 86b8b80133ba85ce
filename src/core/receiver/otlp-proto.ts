/**
 * OTLP/HTTP protobuf bodies, decoded with protobufjs (reflection, `protobufjs/light`) from the
 * official OTLP trace schema: opentelemetry-proto v1.11.0's common, resource, trace and
 * trace_service .proto files, vendored verbatim in ./proto and compiled by
 * scripts/gen-otlp-descriptor.mjs into ./otlp-descriptor.json (a unit test keeps the two equal).
 *
 * A decoded request is turned into the OTLP JSON encoding (the spec's JSON mapping): field names
 * in lowerCamelCase, trace and span ids as lowercase hex, 64-bit integers as decimal strings, enums
 * as numbers, `bytesValue` as base64, default values left out.
 */
import { Root, Type, Writer } from 'protobufjs/light';
import descriptor from './otlp-descriptor.json';
import { MalformedRequestError } from './errors';

let types: { request: Type; response: Type } | undefined;

function schema(): { request: Type; response: Type } {
  if (!types) {
    const root = Root.fromJSON(descriptor);
    types = {
      request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
      response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    };
  }
  return types;
}

const TO_JSON = { longs: String, enums: Number, bytes: String, json: true, defaults: false, arrays: false } as const;

/**
 * An `ExportTraceServiceRequest` in the protobuf encoding → the same request in the OTLP JSON
 * encoding. Throws MalformedRequestError (one line) when the bytes are not such a message.
 */
export function decodeProtobufTraceRequest(body: Uint8Array): Record<string, unknown> {
  const { request } = schema();
  let json: Record<string, unknown>;
  try {
    json = request.toObject(request.decode(body), TO_JSON);
  } catch (e) {
    throw new MalformedRequestError(`not an OTLP protobuf ExportTraceServiceRequest (${e instanceof Error ? e.message : String(e)})`);
  }
  hexIds(json);
  return json;
}

/** Base64 (protobufjs's `bytes: String`) → lowercase hex, for the id fields OTLP JSON writes in hex. */
function hex(b64: unknown): unknown {
  return typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('hex') : b64;
}

function hexIds(request: Record<string, unknown>): void {
  for (const rs of list(request.resourceSpans)) {
    for (const ss of list(rs.scopeSpans)) {
      for (const span of list(ss.spans)) {
        for (const k of ['traceId', 'spanId', 'parentSpanId']) if (k in span) span[k] = hex(span[k]);
        for (const link of list(span.links)) for (const k of ['traceId', 'spanId']) if (k in link) link[k] = hex(link[k]);
      }
    }
  }
}

function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
}

/** An empty `ExportTraceServiceResponse` (full success) in the protobuf encoding. */
export function encodeProtobufTraceResponse(): Uint8Array {
  const { response } = schema();
  return response.encode(response.create({})).finish();
}

/**
 * A `google.rpc.Status` (what OTLP/HTTP error responses carry) in the protobuf encoding:
 * field 1 `code` (int32), field 2 `message` (string).
 */
export function encodeProtobufStatus(code: number, message: string): Uint8Array {
  return Writer.create().uint32((1 << 3) | 0).int32(code).uint32((2 << 3) | 2).string(message).finish();
}
