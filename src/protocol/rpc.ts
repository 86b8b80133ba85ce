/**
 * A small typed request/response channel over `postMessage`, used by both the extension host and
 * the webview (no vscode, no DOM here). Every request gets a sequential id, and every request ends:
 * with a result, with an error reply (the handler threw, or no handler exists), with a timeout, or
 * with a "disposed" error when the channel closes. That is the error path hexeditor's handler lacks.
 *
 * Message types are descriptors (values with phantom types), so each side names the same constant
 * and TypeScript checks both the parameters and the result.
 */

/** Marks every envelope so stray messages (other extensions, devtools) are ignored. */
export const WIRE_TAG = 'atd/1';

export interface RequestType<P, R> {
  readonly kind: 'request';
  readonly method: string;
  /** Phantom fields: never set at runtime, they carry the types. */
  readonly _params?: P;
  readonly _result?: R;
}

export interface NotificationType<P> {
  readonly kind: 'notification';
  readonly method: string;
  readonly _params?: P;
}

export function requestType<P, R>(method: string): RequestType<P, R> {
  return { kind: 'request', method };
}

export function notificationType<P>(method: string): NotificationType<P> {
  return { kind: 'notification', method };
}

/** JSON-RPC-style error codes, so replies say what kind of failure it was. */
export const ErrorCode = {
  InvalidParams: -32602,
  MethodNotFound: -32601,
  Internal: -32603,
  Timeout: -32000,
  Disposed: -32001,
  NotFound: -32004,
} as const;

export interface WireError {
  code: number;
  message: string;
}

/**
 * `from` on a request names the sending endpoint's session; the reply carries it back as `to`.
 * A webview page that was destroyed and loaded again (hidden tab, reload) is a new endpoint with
 * a new session, and both sides number their requests from 1: without the session, the new page
 * would take a reply meant for the old page's request of the same number as its own.
 */
export type WireMessage =
  | { tag: typeof WIRE_TAG; id: number; from?: string; method: string; params: unknown }
  | { tag: typeof WIRE_TAG; replyTo: number; to?: string; result: unknown }
  | { tag: typeof WIRE_TAG; replyTo: number; to?: string; error: WireError }
  | { tag: typeof WIRE_TAG; method: string; params: unknown };

export class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'RpcError';
  }
}

/** Throw this from a handler to reply with a specific code (e.g. NotFound) instead of Internal. */
export function rpcError(code: number, message: string): RpcError {
  return new RpcError(code, message);
}

export function isWireMessage(data: unknown): data is WireMessage {
  if (!data || typeof data !== 'object') return false;
  const m = data as Record<string, unknown>;
  if (m.tag !== WIRE_TAG) return false;
  if (typeof m.replyTo === 'number') return 'result' in m || (typeof m.error === 'object' && m.error !== null);
  return typeof m.method === 'string';
}

export interface RpcEndpointOptions {
  /** Deliver a message to the other side (`webview.postMessage`, `vscodeApi.postMessage`). */
  send: (message: WireMessage) => void;
  /** Default per-request timeout; 0 disables. */
  timeoutMs?: number;
  /** Injectable timers, so tests can use fake ones. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Called when a handler throws something that is not an RpcError (for logging). */
  onHandlerError?: (method: string, error: unknown) => void;
  /** This endpoint's session (see WireMessage); a random one by default. */
  session?: string;
}

function newSession(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: RpcError) => void;
  timer: unknown;
}

type RequestHandler = (params: unknown) => unknown;
type NotificationHandler = (params: unknown) => void;

export class RpcEndpoint {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly notificationHandlers = new Map<string, NotificationHandler>();
  private disposed = false;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  /** Replies addressed to another session are not for this endpoint (see WireMessage). */
  readonly session: string;

  constructor(private readonly options: RpcEndpointOptions) {
    this.session = options.session ?? newSession();
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  onRequest<P, R>(type: RequestType<P, R>, handler: (params: P) => R | Promise<R>): void {
    this.requestHandlers.set(type.method, handler as RequestHandler);
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    this.notificationHandlers.set(type.method, handler as NotificationHandler);
  }

  sendRequest<P, R>(type: RequestType<P, R>, params: P, opts: { timeoutMs?: number } = {}): Promise<R> {
    if (this.disposed) return Promise.reject(new RpcError(ErrorCode.Disposed, `cannot send ${type.method}: the channel is closed`));
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs ?? 0;
    return new Promise<R>((resolve, reject) => {
      const timer = timeoutMs > 0
        ? this.setTimer(() => {
          this.pending.delete(id);
          reject(new RpcError(ErrorCode.Timeout, `${type.method} timed out after ${timeoutMs} ms`));
        }, timeoutMs)
        : undefined;
      this.pending.set(id, { method: type.method, resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.options.send({ tag: WIRE_TAG, id, from: this.session, method: type.method, params });
      } catch (e) {
        this.settle(id);
        reject(new RpcError(ErrorCode.Internal, `cannot send ${type.method}: ${errorMessage(e)}`));
      }
    });
  }

  sendNotification<P>(type: NotificationType<P>, params: P): void {
    if (this.disposed) return;
    this.options.send({ tag: WIRE_TAG, method: type.method, params });
  }

  /** Feed one incoming message. Returns false for anything that is not ours (ignored). */
  handle(data: unknown): boolean {
    if (this.disposed || !isWireMessage(data)) return false;
    if ('replyTo' in data) {
      if (data.to !== undefined && data.to !== this.session) return true; // meant for an earlier page
      const p = this.settle(data.replyTo);
      if (!p) return true; // a late reply after a timeout: drop it
      if ('error' in data) p.reject(new RpcError(Number(data.error.code) || ErrorCode.Internal, String(data.error.message)));
      else p.resolve(data.result);
      return true;
    }
    if ('id' in data) {
      void this.answer(data.id, typeof data.from === 'string' ? data.from : undefined, data.method, data.params);
      return true;
    }
    const handler = this.notificationHandlers.get(data.method);
    if (handler) {
      try { handler(data.params); } catch (e) { this.options.onHandlerError?.(data.method, e); }
    }
    return true;
  }

  /**
   * Reject every request in flight without closing the channel: the other side went away (a
   * webview page was destroyed) and will never answer them, but a new page may connect.
   */
  cancelPending(reason: string): void {
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(new RpcError(ErrorCode.Disposed, `${p.method} was cancelled: ${reason}`));
    }
  }

  /** Reject everything in flight; later sends fail at once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(new RpcError(ErrorCode.Disposed, `${p.method} was cancelled: the channel closed`));
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (p.timer !== undefined) this.clearTimer(p.timer);
    return p;
  }

  private async answer(id: number, from: string | undefined, method: string, params: unknown): Promise<void> {
    const to = from === undefined ? {} : { to: from };
    const handler = this.requestHandlers.get(method);
    if (!handler) {
      this.reply({ tag: WIRE_TAG, replyTo: id, ...to, error: { code: ErrorCode.MethodNotFound, message: `no handler for ${method}` } });
      return;
    }
    try {
      const result = await handler(params);
      this.reply({ tag: WIRE_TAG, replyTo: id, ...to, result: result === undefined ? null : result });
    } catch (e) {
      if (!(e instanceof RpcError)) this.options.onHandlerError?.(method, e);
      const code = e instanceof RpcError ? e.code : ErrorCode.Internal;
      this.reply({ tag: WIRE_TAG, replyTo: id, ...to, error: { code, message: errorMessage(e) } });
    }
  }

  private reply(message: WireMessage): void {
    if (this.disposed) return;
    try { this.options.send(message); } catch { /* the other side is gone; nothing to tell */ }
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
