/**
 * Waits for a webview page to say it is listening. A message posted before the page's script
 * listens is lost, so the host holds everything it starts (navigation, selection, state queries)
 * until the page's `ready` request. Hiding a tab destroys the page, so the barrier closes again
 * (a new generation) until the next page asks.
 *
 * Every wait ends: when the page is ready, when the deadline passes (a page that never loads),
 * or when the editor is disposed. No vscode and no DOM here, so it is tested in plain Node.
 */
import { ErrorCode, RpcError } from './rpc';

interface Waiter {
  resolve: (generation: number) => void;
  reject: (error: RpcError) => void;
  timer: unknown;
}

export interface ReadyBarrierOptions {
  /** Injectable timers, so tests can use fake ones. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class ReadyBarrier {
  private gen = 0;
  private ready = false;
  private disposed = false;
  private readonly waiters = new Set<Waiter>();
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(options: ReadyBarrierOptions = {}) {
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** Which page the barrier is about: it grows each time the page goes away. */
  get generation(): number {
    return this.gen;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** The current page asked for `ready`: release every waiter. */
  open(): void {
    if (this.disposed) return;
    this.ready = true;
    for (const w of [...this.waiters]) this.settle(w).resolve(this.gen);
  }

  /** The page went away (tab hidden, webview reloaded): later waits wait for the next page. */
  close(): void {
    if (this.disposed) return;
    this.gen++;
    this.ready = false;
  }

  /**
   * Resolves with the generation of the page that is ready; rejects with a Timeout RpcError
   * after `timeoutMs`, or a Disposed one when the editor closes first.
   */
  wait(timeoutMs: number, what = 'the trace editor'): Promise<number> {
    if (this.disposed) return Promise.reject(new RpcError(ErrorCode.Disposed, `${what} was closed`));
    if (this.ready) return Promise.resolve(this.gen);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      waiter.timer = this.setTimer(() => {
        this.settle(waiter).reject(new RpcError(ErrorCode.Timeout, `${what} did not load within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** The editor closed: every waiter is rejected, later waits fail at once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of [...this.waiters]) this.settle(w).reject(new RpcError(ErrorCode.Disposed, 'the trace editor was closed'));
  }

  private settle(w: Waiter): Waiter {
    this.waiters.delete(w);
    this.clearTimer(w.timer);
    return w;
  }
}
