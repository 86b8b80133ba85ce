/**
 * The OTLP schema the receiver decodes with: the committed protobufjs descriptor must be exactly
 * what scripts/gen-otlp-descriptor.mjs makes from the vendored official .proto files, and it must
 * decode what the OpenTelemetry JS SDK's own protobuf serializer writes.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { decodeProtobufTraceRequest, encodeProtobufStatus, encodeProtobufTraceResponse } from '../../../src/core/receiver/otlp-proto';
import { MalformedRequestError } from '../../../src/core/receiver/errors';
import { PROJECT_ROOT } from '../../support/shared';

describe('OTLP protobuf schema (opentelemetry-proto v1.11.0 via protobufjs)', () => {
  it('the committed descriptor is generated from the vendored .proto files', async () => {
    const gen = (await import(join(PROJECT_ROOT, 'scripts', 'gen-otlp-descriptor.mjs'))) as { descriptorText(): string; DESCRIPTOR: string };
    assert.equal(readFileSync(gen.DESCRIPTOR, 'utf8'), gen.descriptorText(), 'run node scripts/gen-otlp-descriptor.mjs');
  });

  it("decodes the SDK's protobuf request to the same OTLP JSON as the SDK's JSON serializer writes", () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'svc', big: 2 ** 53 + 2, ratio: 0.25, ok: true, tags: ['a', 'b'] }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('scope', '2.0');
    const parent = tracer.startSpan('parent', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
    parent.addEvent('note', { k: 'v' });
    parent.end();
    const spans = exporter.getFinishedSpans();
    const fromProto = decodeProtobufTraceRequest(ProtobufTraceSerializer.serializeRequest(spans)!);
    const fromJson = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!)) as Record<string, unknown>;
    const span = (r: Record<string, unknown>): Record<string, unknown> => ((r.resourceSpans as { scopeSpans: { spans: Record<string, unknown>[] }[] }[])[0].scopeSpans[0].spans[0]);
    for (const k of ['traceId', 'spanId', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano']) assert.equal(String(span(fromProto)[k]), String(span(fromJson)[k]), k);
    assert.deepEqual(span(fromProto).attributes, span(fromJson).attributes);
    assert.equal((span(fromProto).events as { name: string }[])[0].name, 'note');
    const attrs = (fromProto.resourceSpans as { resource: { attributes: { key: string; value: Record<string, unknown> }[] } }[])[0].resource.attributes;
    // A 64-bit integer past 2^53 stays exact: a decimal string.
    assert.deepEqual(attrs.find((a) => a.key === 'big')!.value, { intValue: '9007199254740994' });
    assert.deepEqual(attrs.find((a) => a.key === 'tags')!.value, { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } });
  });

  it('refuses bytes that are not a request with a one-line reason', () => {
    assert.throws(() => decodeProtobufTraceRequest(Uint8Array.from([0x0a, 0x05, 0x01])), (e: unknown) => e instanceof MalformedRequestError && /^not an OTLP protobuf ExportTraceServiceRequest \(index out of range/.test(e.message));
  });

  it('encodes the empty success response and a google.rpc.Status', () => {
    assert.equal(encodeProtobufTraceResponse().length, 0);
    assert.deepEqual([...encodeProtobufStatus(3, 'bad')], [0x08, 0x03, 0x12, 0x03, 0x62, 0x61, 0x64]);
  });
});
