/**
 * A local OTLP/HTTP trace receiver: what any OpenTelemetry SDK's OTLP/HTTP trace exporter (JSON or
 * protobuf, gzip or not) posts to, written to one growing file per trace that the trace editor opens
 * and follows. Plain Node (`node:http`), no `vscode`: the CLI (`agent-trace receive`) and the
 * extension host both start it with `startOtlpReceiver`.
 *
 *   POST /v1/traces  Content-Type application/json | application/x-protobuf,
 *                    Content-Encoding gzip | (none)
 *     200  ExportTraceServiceResponse, in the request's encoding; every span is on disk by then
 *     400  malformed body: nothing is written, the one-line reason in a google.rpc.Status
 *     403  a Host header naming another host while bound to loopback (a DNS-rebinding page)
 *     404  another path   405  another method   415  another content type or encoding
 *     413  a body (or its unzipped form) over `maxBodyBytes`: refused as soon as it is known,
 *          without buffering the rest; the connection is closed
 *     500  a trace file could not be written (the reason names it)
 *     503  the bodies being received together would pass four times `maxBodyBytes`: Retry-After 1
 *          (exporters retry), so a flood of large requests cannot take the host's memory
 *
 * No CORS headers are sent and preflights get 405, so a web page cannot post traces here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { gunzip } from 'node:zlib';
import { Emitter } from '../engine/emitter';
import { excessiveNestingOffset, tooDeepMessage } from '../json/depth';
import { escapeControlChars, truncateText } from '../util/problems';
import { MalformedRequestError, OtlpReceiverError } from './errors';
import { decodeProtobufTraceRequest, encodeProtobufStatus, encodeProtobufTraceResponse } from './otlp-proto';
import { splitByTrace } from './split';
import { TraceFileWriter } from './trace-files';

/** The OTLP/HTTP default port. */
export const DEFAULT_OTLP_PORT = 4318;
/** Loopback only, unless the user names another host. */
export const DEFAULT_OTLP_HOST = '127.0.0.1';
/** 32 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const OTLP_TRACES_PATH = '/v1/traces';
/** The variable that points an OpenTelemetry SDK's trace exporter at a URL. */
export const OTLP_TRACES_ENDPOINT_ENV = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';

export interface OtlpReceiverOptions {
  /** Folder the trace files go to (created if missing); relative paths resolve against the process's cwd. */
  outDir: string;
  /** Default 4318; 0 picks a free port (read it from the handle's `port`). */
  port?: number;
  /** Default `127.0.0.1`. Pass another address (`0.0.0.0`, a LAN address) only when the user asked for it. */
  host?: string;
  /** Largest body accepted, compressed and unzipped alike; default 32 MiB. */
  maxBodyBytes?: number;
}

/** A trace file was created or appended to. */
export interface TraceWrittenEvent {
  traceId: string;
  /** Absolute path of `<outDir>/<traceId>.otlp.trace.jsonl`. */
  path: string;
  /** Spans in the line just appended. */
  spanCount: number;
  /** Spans this receiver has appended to the file so far. */
  totalSpans: number;
  /** The file was new (or empty) before this line. */
  created: boolean;
}

/** A request the receiver answered with an error. */
export interface RequestRefusedEvent {
  status: 400 | 403 | 404 | 405 | 413 | 415 | 500 | 503;
  /** One line, control characters escaped (it can quote the body). */
  reason: string;
  method: string;
  /** The request's path (without the query), control characters escaped. */
  path: string;
}

/** What `vscode.Disposable` and `context.subscriptions` accept. */
export interface Subscription {
  dispose(): void;
}

export interface OtlpReceiver {
  /** The endpoint to give exporters: `http://127.0.0.1:4318/v1/traces`. */
  readonly url: string;
  /** The port listened on (the real one when 0 was asked). */
  readonly port: number;
  readonly host: string;
  /** Absolute output folder. */
  readonly outDir: string;
  /** Each appended line, after it is written. */
  onTraceWritten(listener: (e: TraceWrittenEvent) => void): Subscription;
  /** Each request answered with an error status. */
  onRequestRefused(listener: (e: RequestRefusedEvent) => void): Subscription;
  /** Stop listening, finish the requests in flight and their writes, close the connections. Idempotent. */
  close(): Promise<void>;
}

/** The shell line that points an exporter at the receiver: `export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=<url>`. */
export function exportEndpointLine(url: string): string {
  return `export ${OTLP_TRACES_ENDPOINT_ENV}=${url}`;
}

type Encoding = 'json' | 'protobuf';
type Events = { written: TraceWrittenEvent; refused: RequestRefusedEvent };

class Refusal extends Error {
  constructor(readonly status: RequestRefusedEvent['status'], message: string) {
    super(message);
  }
}

/** grpc status codes for the google.rpc.Status of each refusal. */
const GRPC_CODE: Record<RequestRefusedEvent['status'], number> = { 400: 3, 403: 7, 404: 5, 405: 12, 413: 8, 415: 3, 500: 13, 503: 14 };

/** What the bodies being received together may hold, shared by the requests of one receiver. */
class BodyBudget {
  used = 0;
  constructor(readonly max: number) {}
}

function mediaType(req: IncomingMessage): Encoding | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  return undefined;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host part of a Host header (`[::1]:4318` → `::1`), lowercased. */
function hostHeaderName(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) return v.slice(1, v.indexOf(']') === -1 ? undefined : v.indexOf(']'));
  return v.split(':')[0];
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function mb(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

function oneLine(text: string): string {
  return truncateText(escapeControlChars(text), 300);
}

/**
 * Read the body up to `max` bytes; past it, refuse at once (413) and stop collecting. The bytes
 * held count against `budget` and `account.held` (the caller gives them back when done); past the
 * budget, refuse at once with 503.
 */
function readBody(req: IncomingMessage, max: number, budget: BodyBudget, account: { held: number }): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const stop = (refusal: Refusal): void => {
      done = true;
      req.off('data', onData);
      chunks.length = 0;
      reject(refusal);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) return stop(new Refusal(413, `body over the limit of ${mb(max)}`));
      if (budget.used + chunk.length > budget.max) return stop(new Refusal(503, `busy: the requests being received hold ${mb(budget.used)}; retry`));
      budget.used += chunk.length;
      account.held += chunk.length;
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => { if (!done) { done = true; resolveBody(Buffer.concat(chunks, size)); } });
    req.on('error', (e) => { if (!done) { done = true; reject(e); } });
    req.on('close', () => { if (!done) { done = true; reject(new Error('the client closed the connection before the body ended')); } });
  });
}

function gunzipBody(body: Buffer, max: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    gunzip(body, { maxOutputLength: max }, (err, out) => {
      if (!err) return resolveBody(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(new Refusal(413, `body unzips to more than the limit of ${mb(max)}`));
      else reject(new Refusal(400, `body is not valid gzip (${err.message})`));
    });
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new MalformedRequestError('body is not UTF-8 text');
  }
  if (excessiveNestingOffset(text) !== -1) throw new MalformedRequestError(tooDeepMessage());
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new MalformedRequestError(`body is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Start the receiver. Rejects with OtlpReceiverError (`code` says why: the port is taken, the host
 * is not here, the folder cannot be made) before anything listens.
 *
 * The host decides where it may run: the extension starts it only on the user's command, never
 * in Restricted Mode (an untrusted workspace), with port, host, folder and limit from its settings.
 *
 * @example
 *   const r = await startOtlpReceiver({ outDir: 'agent-traces' });
 *   console.log(exportEndpointLine(r.url));
 *   r.onTraceWritten((e) => { if (e.created) console.log(`new trace ${e.path}`); });
 *   process.once('SIGINT', () => void r.close());
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions): Promise<OtlpReceiver> {
  const port = options.port ?? DEFAULT_OTLP_PORT;
  const host = options.host ?? DEFAULT_OTLP_HOST;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new OtlpReceiverError('BAD_OPTION', `port must be a whole number from 0 to 65535 (got ${String(port)})`, undefined, host);
  if (!Number.isInteger(maxBody) || maxBody < 1) throw new OtlpReceiverError('BAD_OPTION', `the body limit must be a whole number of bytes, at least 1 (got ${String(maxBody)})`, port, host);
  if (!host.trim()) throw new OtlpReceiverError('BAD_OPTION', 'the host is empty', port, host);
  const outDir = resolve(options.outDir);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new OtlpReceiverError('OUT_DIR', `cannot create the trace folder ${outDir}: ${(e as Error).message}`, port, host);
  }

  const emitter = new Emitter<Events>();
  // A listener that throws must not turn a stored request into an error for the exporter.
  const emit = <K extends keyof Events>(event: K, payload: Events[K]): void => {
    try {
      emitter.emit(event, payload);
    } catch (e) {
      process.emitWarning(`an OTLP receiver ${event} listener threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const writer = new TraceFileWriter(outDir);
  const budget = new BodyBudget(4 * maxBody);
  const guardHost = isLoopback(host);

  const send = (res: ServerResponse, status: number, encoding: Encoding | undefined, reason?: string): void => {
    if (res.headersSent) return;
    let body: Uint8Array;
    let type: string;
    if (status === 200) {
      [type, body] = encoding === 'protobuf' ? ['application/x-protobuf', encodeProtobufTraceResponse()] : ['application/json', Buffer.from('{}')];
    } else if (encoding === 'protobuf') {
      [type, body] = ['application/x-protobuf', encodeProtobufStatus(GRPC_CODE[status as RequestRefusedEvent['status']] ?? 2, reason ?? '')];
    } else if (encoding === 'json') {
      [type, body] = ['application/json', Buffer.from(JSON.stringify({ code: GRPC_CODE[status as RequestRefusedEvent['status']] ?? 2, message: reason ?? '' }))];
    } else {
      [type, body] = ['text/plain; charset=utf-8', Buffer.from(`${reason ?? ''}\n`)];
    }
    res.writeHead(status, { 'content-type': type, 'content-length': body.length, ...(status === 405 ? { allow: 'POST' } : {}) });
    res.end(body);
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, path: string, encoding: Encoding | undefined, status: RequestRefusedEvent['status'], reason: string): void => {
    const line = oneLine(reason);
    if (status === 503) res.setHeader('retry-after', '1');
    if (status === 413 || status === 503) {
      // The rest of the body is not read: close the connection once the answer is out.
      res.setHeader('connection', 'close');
      res.once('finish', () => req.socket.destroySoon());
    }
    send(res, status, encoding, line);
    emit('refused', { status, reason: line, method: oneLine(req.method ?? ''), path: oneLine(path) });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0];
    const encoding = mediaType(req);
    const account = { held: 0 };
    try {
      if (path !== OTLP_TRACES_PATH) throw new Refusal(404, `no such endpoint ${JSON.stringify(path)}: traces go to POST ${OTLP_TRACES_PATH}`);
      if (req.method !== 'POST') throw new Refusal(405, `${req.method ?? ''} is not allowed: traces go to POST ${OTLP_TRACES_PATH}`);
      if (guardHost && req.headers.host !== undefined && !isLoopback(hostHeaderName(req.headers.host)) && hostHeaderName(req.headers.host) !== host.toLowerCase()) {
        throw new Refusal(403, `Host header ${JSON.stringify(req.headers.host)} is not this machine's loopback address (refused against DNS rebinding)`);
      }
      if (!encoding) throw new Refusal(415, `content type ${JSON.stringify(req.headers['content-type'] ?? '')} is not supported: send application/json or application/x-protobuf`);
      const contentEncoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
      if (contentEncoding !== '' && contentEncoding !== 'identity' && contentEncoding !== 'gzip' && contentEncoding !== 'x-gzip') {
        throw new Refusal(415, `content encoding ${JSON.stringify(contentEncoding)} is not supported: send gzip or no encoding`);
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBody) throw new Refusal(413, `body of ${mb(declared)} is over the limit of ${mb(maxBody)}`);

      let body = await readBody(req, maxBody, budget, account);
      if (contentEncoding === 'gzip' || contentEncoding === 'x-gzip') body = await gunzipBody(body, maxBody);
      const request = encoding === 'json' ? parseJsonBody(body) : decodeProtobufTraceRequest(body);
      const chunks = splitByTrace(request);

      const written = await Promise.allSettled(chunks.map((c) => writer.append(c.traceId, JSON.stringify(c.request), c.spanCount)));
      const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
      written.forEach((w, i) => {
        if (w.status === 'fulfilled') emit('written', { traceId: chunks[i].traceId, path: w.value.path, spanCount: chunks[i].spanCount, totalSpans: w.value.totalSpans, created: w.value.created });
      });
      if (failed) throw new Refusal(500, `could not write a trace file: ${(failed.reason as Error).message}`);
      send(res, 200, encoding);
    } catch (e) {
      if (e instanceof Refusal) refuse(req, res, path, encoding, e.status, e.message);
      else if (e instanceof MalformedRequestError) refuse(req, res, path, encoding, 400, e.message);
      else if (!req.destroyed && !res.headersSent) refuse(req, res, path, encoding, 500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      budget.used -= account.held;
    }
  };

  const server: Server = createServer((req, res) => { void handle(req, res); });
  await new Promise<void>((resolveListen, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') reject(new OtlpReceiverError('PORT_IN_USE', `port ${port} on ${host} is already in use (another OTLP receiver or collector?)`, port, host));
      else if (e.code === 'EACCES') reject(new OtlpReceiverError('PORT_NOT_ALLOWED', `port ${port} on ${host} is not allowed for this user (ports below 1024 need privileges)`, port, host));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') reject(new OtlpReceiverError('HOST_UNAVAILABLE', `cannot listen on ${host}: it is not an address of this machine`, port, host));
      else reject(new OtlpReceiverError('HOST_UNAVAILABLE', `cannot listen on ${host}:${port}: ${e.message}`, port, host));
    };
    const onListening = (): void => { server.off('error', onError); resolveListen(); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, exclusive: true });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;

  let closing: Promise<void> | undefined;
  const subscription = (off: () => void): Subscription => ({ dispose: off });
  return {
    url: `http://${urlHost(host)}:${actualPort}${OTLP_TRACES_PATH}`,
    port: actualPort,
    host,
    outDir,
    onTraceWritten: (listener) => subscription(emitter.on('written', listener)),
    onRequestRefused: (listener) => subscription(emitter.on('refused', listener)),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        // Requests in flight finish; a client that keeps its connection open past them is cut.
        const cut = setTimeout(() => server.closeAllConnections(), 2000);
        cut.unref();
        await closed;
        clearTimeout(cut);
        await writer.idle();
      })();
      return closing;
    },
  };
}
