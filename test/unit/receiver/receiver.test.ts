/**
 * The OTLP receiver with the real OpenTelemetry JS SDK (sdk-trace-base with the OTLP/HTTP JSON and
 * protobuf exporters): a fake agent instrumented with the GenAI semantic conventions posts its
 * spans; the files written open with the importer, the failing tool call found. One receiver for
 * the suite, on a free port of 127.0.0.1; raw requests for the refusals.
 */
import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { context, trace, SpanKind, SpanStatusCode, TraceFlags, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startOtlpReceiver, OtlpReceiverError, type OtlpReceiver, type RequestRefusedEvent, type TraceWrittenEvent } from '../../../src/core/receiver';
import { analyzeFile } from '../../../src/core/analyze';
import { loadTraceFile } from '../../../src/core/load';

interface Reply { status: number; body: Buffer; headers: Record<string, unknown> }

/** One raw request to the receiver (127.0.0.1 only). */
function post(url: string, body: Buffer | string, headers: Record<string, string>, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const PROTO_TYPE = { 'content-type': 'application/x-protobuf' };

function hexId(bytes: number, seed: number): string {
  return (seed.toString(16).padStart(4, '0') + 'ab'.repeat(bytes)).slice(0, bytes * 2);
}

/** A minimal OTLP JSON request: one span per entry. */
function otlpJson(spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; attrs?: Record<string, string>; error?: boolean }[]): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw-client' } }] },
      scopeSpans: [{
        scope: { name: 'raw' },
        spans: spans.map((s, i) => ({
          traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name, kind: 1, startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n), endTimeUnixNano: 1_700_000_000_000_000_000 + i * 1_000_000 + 500_000,
          attributes: Object.entries(s.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
          status: s.error ? { code: 2, message: 'failed' } : {},
        })),
      }],
    }],
  });
}

/** Span lines of a written file: every span of every line. */
function spansIn(path: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const req = JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) out.push(...ss.spans);
  }
  return out;
}

/** The fake agent: invoke_agent → chat → execute_tool (ok), chat → execute_tool (fails) → chat. */
function runFakeAgent(tracer: Tracer, agentName: string): string {
  const inside = (span: Span): Context => trace.setSpan(context.active(), span);
  const agent = tracer.startSpan(`invoke_agent ${agentName}`, { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agentName, 'gen_ai.system': 'openai' } });
  const chat = (n: number, toolCalls: { id: string; name: string; args: object }[], text?: string): void => {
    const s = tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 100 + n, 'gen_ai.usage.output_tokens': 20 + n,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Find the weather in Paris and book a table.' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [
          ...(text ? [{ type: 'text', content: text }] : []),
          ...toolCalls.map((c) => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args })),
        ], finish_reason: toolCalls.length ? 'tool_call' : 'stop' }]),
        'gen_ai.response.finish_reasons': [toolCalls.length ? 'tool_calls' : 'stop'],
      },
    }, inside(agent));
    s.end();
  };
  const tool = (id: string, name: string, args: object, result: object | Error): void => {
    const s = tracer.startSpan(`execute_tool ${name}`, { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': id, 'gen_ai.tool.type': 'function', 'gen_ai.tool.call.arguments': JSON.stringify(args) } }, inside(agent));
    if (result instanceof Error) {
      s.recordException(result);
      s.setAttribute('error.type', result.name);
      s.setStatus({ code: SpanStatusCode.ERROR, message: result.message });
    } else {
      s.setAttribute('gen_ai.tool.call.result', JSON.stringify(result));
    }
    s.end();
  };
  chat(1, [{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }]);
  tool('call_1', 'get_weather', { city: 'Paris' }, { forecast: 'sunny, 21C' });
  chat(2, [{ id: 'call_2', name: 'book_table', args: { restaurant: 'Le Procope', people: 2 } }]);
  const timeout = new Error('booking service timed out after 30 s');
  timeout.name = 'TimeoutError';
  tool('call_2', 'book_table', { restaurant: 'Le Procope', people: 2 }, timeout);
  chat(3, [], 'The weather is sunny but I could not book the table.');
  agent.end();
  return agent.spanContext().traceId;
}

async function emitWith(exporter: SpanExporter, agentName: string): Promise<string> {
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': `fake-agent-${agentName}` }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const traceId = runFakeAgent(provider.getTracer('fake-agent', '1.0.0'), agentName);
  await provider.forceFlush();
  await provider.shutdown();
  return traceId;
}

describe('OTLP receiver (real OpenTelemetry SDK exporters)', () => {
  let out: string;
  let receiver: OtlpReceiver;
  const written: TraceWrittenEvent[] = [];
  const refused: RequestRefusedEvent[] = [];
  const fileOf = (traceId: string): string => join(out, `${traceId}.otlp.trace.jsonl`);

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'atd-receiver-'));
    receiver = await startOtlpReceiver({ outDir: join(out), port: 0, maxBodyBytes: 1024 * 1024 });
    receiver.onTraceWritten((e) => written.push(e));
    receiver.onRequestRefused((e) => refused.push(e));
  });
  after(async () => {
    await receiver?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and names the endpoint', () => {
    assert.equal(receiver.host, '127.0.0.1');
    assert.ok(receiver.port > 0);
    assert.equal(receiver.url, `http://127.0.0.1:${receiver.port}/v1/traces`);
  });

  for (const [label, make] of [
    ['JSON', (url: string) => new JsonExporter({ url })],
    ['protobuf', (url: string) => new ProtoExporter({ url })],
    ['gzip JSON', (url: string) => new JsonExporter({ url, compression: 'gzip' as never })],
    ['gzip protobuf', (url: string) => new ProtoExporter({ url, compression: 'gzip' as never })],
  ] as const) {
    it(`writes a GenAI agent's trace sent by the ${label} exporter to a file the importer opens, with the failing tool call found`, async () => {
      const before = refused.length;
      const traceId = await emitWith(make(receiver.url), label.replace(' ', '-'));
      assert.equal(refused.length, before, `refused: ${JSON.stringify(refused.slice(before))}`);
      const path = fileOf(traceId);
      assert.ok(existsSync(path), `no ${path}`);
      // SimpleSpanProcessor posts each span when it ends: one line per span, children before the agent.
      assert.equal(readFileSync(path, 'utf8').trimEnd().split('\n').length, 6);
      const mine = written.filter((e) => e.traceId === traceId);
      assert.deepEqual(mine.map((e) => e.created), [true, false, false, false, false, false]);
      assert.equal(mine[5].totalSpans, 6);

      const analysis = analyzeFile(path);
      assert.equal(analysis.format, 'otlp-json');
      assert.equal(analysis.traces.length, 1);
      const t = analysis.traces[0];
      assert.equal(t.steps.length, 6);
      const agent = t.steps.find((s) => s.kind === 'agent')!;
      assert.ok(agent, 'no agent step');
      // The agent span came last, in its own request: every other step is placed under it.
      for (const s of t.steps) if (s !== agent) assert.equal(s.parentId, agent.id, `${s.name} not under the agent`);
      const failed = t.steps.find((s) => s.toolCall?.name === 'book_table')!;
      assert.equal(failed.kind, 'tool');
      assert.equal(failed.status, 'error');
      assert.match(failed.error?.message ?? '', /timed out/);
      assert.deepEqual(failed.toolCall!.arguments, { restaurant: 'Le Procope', people: 2 });
      const ok = t.steps.find((s) => s.toolCall?.name === 'get_weather')!;
      assert.notEqual(ok.status, 'error');
      const findings = analysis.analyses[0].findings;
      const finding = findings.find((f) => f.stepId === failed.id || f.symptomStepId === failed.id);
      assert.ok(finding, `no finding for the failed tool call; findings: ${JSON.stringify(findings)}`);
      assert.match(finding.category, /timeout/i);
      assert.equal(t.steps.filter((s) => s.kind === 'llm').length, 3);
    });
  }

  it('writes ids in hex and 64-bit times as decimal strings when converting protobuf', async () => {
    const traceId = await emitWith(new ProtoExporter({ url: receiver.url }), 'hex-check');
    const spans = spansIn(fileOf(traceId));
    for (const s of spans) {
      assert.match(String(s.traceId), /^[0-9a-f]{32}$/);
      assert.equal(s.traceId, traceId);
      assert.match(String(s.spanId), /^[0-9a-f]{16}$/);
      assert.match(String(s.startTimeUnixNano), /^\d{19}$/);
    }
    const tool = spans.find((s) => s.name === 'execute_tool book_table')!;
    assert.equal((tool.status as { code: number }).code, 2);
    assert.equal((tool.events as { name: string }[])[0].name, 'exception');
  });

  it('places a child that arrives in a request before its parent under the parent', async () => {
    const traceId = hexId(16, 0xc1d);
    const root = hexId(8, 0x1);
    const child = hexId(8, 0x2);
    const grandchild = hexId(8, 0x3);
    assert.equal((await post(receiver.url, otlpJson([{ traceId, spanId: grandchild, parentSpanId: child, name: 'execute_tool search', attrs: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' } }]), JSON_TYPE)).status, 200);
    // The parent's ids sent in upper case still link.
    assert.equal((await post(receiver.url, otlpJson([{ traceId: traceId.toUpperCase(), spanId: child.toUpperCase(), parentSpanId: root, name: 'chat gpt-4o', attrs: { 'gen_ai.operation.name': 'chat' } }]), JSON_TYPE)).status, 200);
    assert.equal((await post(receiver.url, otlpJson([{ traceId, spanId: root, name: 'invoke_agent a', attrs: { 'gen_ai.operation.name': 'invoke_agent' } }]), JSON_TYPE)).status, 200);
    const r = loadTraceFile(fileOf(traceId));
    assert.equal(r.traces.length, 1);
    const t = r.traces[0];
    const byName = (n: string) => t.steps.find((s) => s.name.includes(n))!;
    assert.equal(byName('invoke_agent').parentId, null);
    assert.equal(byName('chat').parentId, byName('invoke_agent').id);
    assert.equal(byName('search').parentId, byName('chat').id);
    assert.deepEqual(t.steps.map((s) => s.name.split(' ')[0]), ['invoke_agent', 'chat', 'execute_tool'], 'decision order follows the tree, not arrival');
    assert.deepEqual(r.warnings, []);
  });

  it('turns base64 ids (a generic protobuf JSON printer) into hex', async () => {
    const traceId = hexId(16, 0xba5e);
    const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
    assert.equal((await post(receiver.url, otlpJson([{ traceId: b64(traceId), spanId: b64(hexId(8, 7)), parentSpanId: b64(hexId(8, 6)), name: 'b64' }]), JSON_TYPE)).status, 200);
    assert.deepEqual(spansIn(fileOf(traceId)).map((s) => [s.traceId, s.spanId, s.parentSpanId]), [[traceId, hexId(8, 7), hexId(8, 6)]]);
  });

  it('splits a request holding two traces into two files', async () => {
    const a = hexId(16, 0xa1);
    const b = hexId(16, 0xb1);
    const reply = await post(receiver.url, otlpJson([
      { traceId: a, spanId: hexId(8, 1), name: 'a1' }, { traceId: b, spanId: hexId(8, 2), name: 'b1' }, { traceId: a, spanId: hexId(8, 3), parentSpanId: hexId(8, 1), name: 'a2' },
    ]), JSON_TYPE);
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body.toString()), {});
    assert.deepEqual(spansIn(fileOf(a)).map((s) => s.name), ['a1', 'a2']);
    assert.deepEqual(spansIn(fileOf(b)).map((s) => s.name), ['b1']);
  });

  describe('refusals (nothing written, the receiver keeps serving)', () => {
    const filesNow = (): string[] => readdirSync(out).sort();

    async function refusedWith(status: number, body: Buffer | string, headers: Record<string, string>, reason: RegExp, method?: string): Promise<void> {
      const files = filesNow();
      const n = refused.length;
      const reply = await post(receiver.url + (method === 'PATH' ? '/../x' : ''), body, headers, method === 'PATH' ? 'POST' : method);
      assert.equal(reply.status, status, reply.body.toString());
      assert.equal(refused.length, n + 1);
      assert.equal(refused[n].status, status);
      assert.match(refused[n].reason, reason);
      assert.ok(!refused[n].reason.includes('\n'));
      assert.deepEqual(filesNow(), files, 'a file was written');
      // The next good request is served.
      const traceId = hexId(16, 0x600d + refused.length);
      assert.equal((await post(receiver.url, otlpJson([{ traceId, spanId: hexId(8, 9), name: 'after' }]), JSON_TYPE)).status, 200);
      assert.deepEqual(spansIn(fileOf(traceId)).map((s) => s.name), ['after']);
    }

    it('malformed JSON: 400 with the reason, as a google.rpc.Status in JSON', async () => {
      await refusedWith(400, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":', JSON_TYPE, /^body is not JSON/);
      const reply = await post(receiver.url, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz","spanId":"0102030405060708"}]}]}]}', JSON_TYPE);
      assert.equal(reply.status, 400);
      const status = JSON.parse(reply.body.toString()) as { code: number; message: string };
      assert.equal(status.code, 3);
      assert.equal(status.message, 'resourceSpans[0].scopeSpans[0].spans[0].traceId is not 32 hex digits (3 characters)');
    });

    it('a good span beside a bad one: 400 and nothing of the request written', async () => {
      const good = hexId(16, 0x9d);
      await refusedWith(400, otlpJson([{ traceId: good, spanId: hexId(8, 1), name: 'ok' }, { traceId: good, spanId: 'nothex!!', name: 'bad' }]), JSON_TYPE, /spans\[1\]\.spanId is not 16 hex digits/);
      assert.ok(!existsSync(fileOf(good)));
    });

    it('malformed protobuf: 400', async () => {
      await refusedWith(400, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO_TYPE, /^not an OTLP protobuf ExportTraceServiceRequest/);
      await refusedWith(400, Buffer.from('{"resourceSpans":[]}'), PROTO_TYPE, /^not an OTLP protobuf/);
    });

    it('a body that is not gzip while saying so: 400', async () => {
      await refusedWith(400, otlpJson([]), { ...JSON_TYPE, 'content-encoding': 'gzip' }, /^body is not valid gzip/);
    });

    it('a gzip body from a raw client is unzipped', async () => {
      const traceId = hexId(16, 0x9219);
      const reply = await post(receiver.url, gzipSync(otlpJson([{ traceId, spanId: hexId(8, 4), name: 'zipped' }])), { ...JSON_TYPE, 'content-encoding': 'gzip' });
      assert.equal(reply.status, 200);
      assert.deepEqual(spansIn(fileOf(traceId)).map((s) => s.name), ['zipped']);
    });

    it('an oversized body: 413 from its Content-Length, and from the bytes when it is streamed; a zip bomb too', async () => {
      const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
      await refusedWith(413, big, JSON_TYPE, /over the limit of 1 MB/);
      // Streamed without a length: refused once the limit is passed, without reading on.
      const n = refused.length;
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(receiver.url, { method: 'POST', headers: { ...JSON_TYPE, 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode!); });
        req.on('error', (e) => reject(e));
        let sent = 0;
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        // Bounded: at most 8 MB, stopping as soon as the answer comes.
        const pump = (): void => {
          while (sent < 8 * 1024 * 1024 && !req.destroyed) {
            sent += chunk.length;
            if (!req.write(chunk)) { req.once('drain', pump); return; }
          }
          req.end();
        };
        req.on('response', () => { sent = Infinity; });
        pump();
      });
      assert.equal(status, 413);
      assert.equal(refused[n].status, 413);
      await refusedWith(413, gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)), { ...JSON_TYPE, 'content-encoding': 'gzip' }, /unzips to more than the limit of 1 MB/);
    });

    it('bodies received together past four times the limit: 503 with Retry-After, and served again once they are gone', async () => {
      const n = refused.length;
      const clients = [0, 1, 2, 3, 4].map(() => httpRequest(receiver.url, { method: 'POST', headers: { ...JSON_TYPE, 'content-length': String(1_000_000) } }));
      try {
        const first = await new Promise<{ status: number; retryAfter: unknown }>((resolve, reject) => {
          for (const c of clients) {
            c.on('response', (res) => { res.resume(); resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }); });
            c.on('error', () => undefined);
            // 950 KB each, never finished: 4.75 MB held against a budget of 4 MB.
            c.write(Buffer.alloc(950_000, 0x20));
          }
          setTimeout(() => reject(new Error('no 503 within 20 s')), 20_000).unref();
        });
        assert.deepEqual(first, { status: 503, retryAfter: '1' });
        assert.equal(refused[n].status, 503);
        assert.match(refused[n].reason, /^busy: the requests being received hold \d/);
      } finally {
        for (const c of clients) c.destroy();
      }
      // The held bodies are given back when their connections close: bounded retries, no sleep.
      let status = 0;
      for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
        status = (await post(receiver.url, otlpJson([{ traceId: hexId(16, 0x503), spanId: hexId(8, 1), name: 'after' }]), JSON_TYPE)).status;
      }
      assert.equal(status, 200);
    });

    it('wrong path 404, wrong method 405, unsupported type or encoding 415, another Host 403', async () => {
      await refusedWith(404, otlpJson([]), JSON_TYPE, /no such endpoint/, 'PATH');
      await refusedWith(405, '', {}, /GET is not allowed/, 'GET');
      await refusedWith(415, 'hello', { 'content-type': 'text/plain' }, /content type "text\/plain" is not supported/);
      await refusedWith(415, otlpJson([]), { ...JSON_TYPE, 'content-encoding': 'br' }, /content encoding "br" is not supported/);
      await refusedWith(403, otlpJson([]), { ...JSON_TYPE, host: 'attacker.example:4318' }, /DNS rebinding/);
    });
  });

  it('a burst of 10,000 spans in concurrent requests of both encodings loses none and interleaves no line', async () => {
    const traceId = hexId(16, 0xb0057);
    const parent = trace.setSpanContext(context.active(), { traceId, spanId: hexId(8, 0xfeed), traceFlags: TraceFlags.SAMPLED, isRemote: true });
    const providers = [0, 1, 2, 3, 4].map((i) => {
      const exporter = i % 2 ? new ProtoExporter({ url: receiver.url }) : new JsonExporter({ url: receiver.url });
      return new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 4000, maxExportBatchSize: 500, scheduledDelayMillis: 60_000 })] });
    });
    const before = refused.length;
    providers.forEach((p, i) => {
      const tracer = p.getTracer('burst');
      for (let k = 0; k < 2000; k++) tracer.startSpan(`step ${i}.${k}`, { attributes: { 'gen_ai.operation.name': 'chat', n: k } }, parent).end();
    });
    await Promise.all(providers.map((p) => p.forceFlush()));
    await Promise.all(providers.map((p) => p.shutdown()));
    assert.equal(refused.length, before, JSON.stringify(refused.slice(before)));
    const lines = readFileSync(fileOf(traceId), 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a line break');
    assert.ok(lines.length >= 20, `${lines.length} lines: the burst came in several requests`);
    const spans = spansIn(fileOf(traceId));
    assert.equal(spans.length, 10_000);
    assert.equal(new Set(spans.map((s) => s.spanId)).size, 10_000);
  });

  it('makes the folder again when it was removed while the receiver runs', async () => {
    rmSync(out, { recursive: true, force: true });
    const traceId = hexId(16, 0xd1);
    assert.equal((await post(receiver.url, otlpJson([{ traceId, spanId: hexId(8, 1), name: 'again' }]), JSON_TYPE)).status, 200);
    assert.deepEqual(spansIn(fileOf(traceId)).map((s) => s.name), ['again']);
  });

  it("a listener that throws does not fail the exporter's request (a process warning says so)", async () => {
    const warnings: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((w: string | Error) => { warnings.push(String(w)); }) as typeof process.emitWarning;
    const sub = receiver.onTraceWritten(() => { throw new Error('host bug'); });
    try {
      const traceId = hexId(16, 0xd2);
      assert.equal((await post(receiver.url, otlpJson([{ traceId, spanId: hexId(8, 1), name: 'ok' }]), JSON_TYPE)).status, 200);
      assert.deepEqual(warnings, ['an OTLP receiver written listener threw: host bug']);
    } finally {
      sub.dispose();
      process.emitWarning = original;
    }
  });

  it('a port already in use: OtlpReceiverError PORT_IN_USE naming the port', async () => {
    const err = await startOtlpReceiver({ outDir: out, port: receiver.port }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof OtlpReceiverError, String(err));
    assert.equal(err.code, 'PORT_IN_USE');
    assert.equal(err.port, receiver.port);
    assert.match(err.message, new RegExp(`^port ${receiver.port} on 127\\.0\\.0\\.1 is already in use`));
  });
});

describe('OTLP receiver: a port taken by another program', () => {
  let blocker: Server;
  let port: number;
  before(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    port = (blocker.address() as { port: number }).port;
  });
  after(() => new Promise<void>((r) => blocker.close(() => r())));

  it('rejects with PORT_IN_USE and creates nothing else', async () => {
    const out = mkdtempSync(join(tmpdir(), 'atd-receiver-port-'));
    try {
      await assert.rejects(startOtlpReceiver({ outDir: out, port }), (e: unknown) => e instanceof OtlpReceiverError && e.code === 'PORT_IN_USE' && e.message.includes(`port ${port}`));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses a bad port or body limit before listening', async () => {
    await assert.rejects(startOtlpReceiver({ outDir: tmpdir(), port: 70000 }), (e: unknown) => e instanceof OtlpReceiverError && e.code === 'BAD_OPTION' && /port must be/.test(e.message));
    await assert.rejects(startOtlpReceiver({ outDir: tmpdir(), port: 0, maxBodyBytes: 0 }), (e: unknown) => e instanceof OtlpReceiverError && e.code === 'BAD_OPTION');
  });
});
