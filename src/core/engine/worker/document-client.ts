/**
 * The extension host's side of a document worker (one per trace open in the editor): it opens the
 * file there, reads it again when it changes, and hands each DocumentEvent to the caller as it
 * comes. One load at a time: the caller waits for `open` or `reload` to settle before the next.
 * Cancel ends the worker (a synchronous parse cannot be interrupted otherwise); a crash is reported
 * as a failed load, never a hang. A later `reload` starts a new worker and reads the file again.
 */
import type { Worker } from 'node:worker_threads';
import type { DocumentEvent, OpenDocumentParams } from './document-load';
import { DOCUMENT_WORKER_READY, isCheckReply, type CheckReply, type DocumentRequest } from './messages';
import type { LineCheck } from '../stream/step-payloads';
import { TakenEvents } from './event-flow';
import { onWorkerStopped } from './stopped';
import { EventDecoder } from './event-codec';
import { inTurn } from '../../util/slices';

/** How a load ended. */
export type LoadEnd = 'done' | 'unchanged' | 'failed' | 'cancelled';

interface Running {
  onEvent(e: DocumentEvent): void;
  settle(end: LoadEnd): void;
}

/**
 * What a document worker posts: an event as JSON text (document mode), or the event itself (a
 * test's stand-in). Node hands every message queued on a port to the thread in one go, decoding
 * each: events that arrive in a burst (a whole parse sent in slices) took seconds of the host's
 * thread at once as objects. A string crosses as a copy; it is parsed one per turn of the event
 * loop here. (Text crossed as UTF-8 bytes before: encoding and decoding them cost 1.4 s of the
 * worker's and 0.7 s of the host's thread at 10^6 steps, and saved nothing.)
 */
export type DocumentMessage = string | DocumentEvent;

export class DocumentWorkerClient {
  private worker: Worker | undefined;
  private running: Running | undefined;
  private disposed = false;
  /** The worker that read the file before is gone: the next load reads it from the start. */
  private lost = false;
  /** How many workers were started (tests read it). */
  started = 0;

  /** `spawn` starts a worker running trace-worker.ts in document mode (or a test's stand-in). */
  constructor(private readonly spawn: () => Worker, private readonly params: OpenDocumentParams) {}

  get isLoading(): boolean {
    return this.running !== undefined;
  }

  open(onEvent: (e: DocumentEvent) => void): Promise<LoadEnd> {
    return this.start({ op: 'open', params: this.params }, onEvent);
  }

  /**
   * The file changed: the events say what is new (steps, or a reset and everything again).
   * `fromStart`: read it from the start, not on from where the last read ended.
   */
  reload(onEvent: (e: DocumentEvent) => void, fromStart = false): Promise<LoadEnd> {
    if (this.lost || !this.worker) {
      // A new worker knows nothing of what was sent: it sends everything, after a reset.
      this.lost = false;
      onEvent({ kind: 'reset' });
      return this.start({ op: 'open', params: this.params }, onEvent);
    }
    return this.start({ op: 'reload', ...(fromStart ? { fromStart } : {}) }, onEvent);
  }

  /** Checks asked of the worker and not answered: each gets its verdicts, or undefined if the worker goes. */
  private readonly checks = new Map<number, (verdicts: Uint8Array | undefined) => void>();
  private lastCheck = 0;

  /**
   * Have the worker check which of some held lines' steps match `query` (checkLinesInFile: part
   * of a search the host splits with it, held-search.ts). Undefined, at once, while the worker
   * reads the file or when there is none (the host then checks them itself); undefined too if it
   * stops before it answers, or could not read the file. `lines`' starts and ends are handed over:
   * their buffers are detached here.
   */
  checkLines(query: string, lines: LineCheck): Promise<Uint8Array | undefined> {
    const worker = this.worker;
    if (!worker || this.running || this.disposed) return Promise.resolve(undefined);
    const id = ++this.lastCheck;
    return new Promise((resolve) => {
      this.checks.set(id, resolve);
      // Kept alive while it answers (an idle document worker does not hold the process).
      worker.ref();
      const request: DocumentRequest = { op: 'check', id, query, lines };
      // The line ranges are moved, not copied: copying a typed array costs about 0.15 ms a slice.
      const moved = [...new Set([lines.starts.buffer, lines.ends.buffer])] as ArrayBuffer[];
      worker.postMessage(request, moved);
    });
  }

  private answered(reply: CheckReply): void {
    const resolve = this.checks.get(reply.checked);
    this.checks.delete(reply.checked);
    resolve?.('verdicts' in reply ? reply.verdicts : undefined);
    if (this.checks.size === 0 && !this.running) this.worker?.unref();
  }

  /** The worker is gone: no check will be answered. */
  private dropChecks(): void {
    const waiting = [...this.checks.values()];
    this.checks.clear();
    for (const resolve of waiting) resolve(undefined);
  }

  /** Stop the load under way; what it sent stays sent. */
  cancel(): void {
    if (!this.running) return;
    this.stopWorker();
    this.settle('cancelled');
  }

  dispose(): void {
    this.disposed = true;
    this.stopWorker();
    this.settle('cancelled');
  }

  private start(request: DocumentRequest, onEvent: (e: DocumentEvent) => void): Promise<LoadEnd> {
    if (this.disposed) return Promise.resolve('cancelled');
    if (this.running) return Promise.reject(new Error('DocumentWorkerClient: a load is already running'));
    return new Promise<LoadEnd>((resolve) => {
      this.running = { onEvent, settle: resolve };
      const worker = this.ensureWorker();
      worker.ref();
      worker.postMessage(request.op === 'open' ? { ...request, taken: this.taken.buffer } : request);
    });
  }

  private settle(end: LoadEnd): void {
    const r = this.running;
    this.running = undefined;
    this.taken.take(this.inbox.length);
    this.inbox.length = 0;
    if (this.checks.size === 0) this.worker?.unref();
    r?.settle(end);
  }

  /** Reads the messages of the current worker (it knows what that worker sent before). */
  private decoder = new EventDecoder();
  /** Counts the messages taken from the current worker, which sends no faster (event-flow.ts). */
  private taken = new TakenEvents();

  /** Messages received and not yet handed over, oldest first. */
  private readonly inbox: DocumentMessage[] = [];
  private draining = false;

  private receive(m: DocumentMessage): void {
    this.inbox.push(m);
    if (this.draining) return;
    this.draining = true;
    inTurn(() => this.drain());
  }

  /** One event per turn of the event loop. */
  private drain(): void {
    const m = this.inbox.shift();
    if (m !== undefined) this.taken.take();
    const r = this.running;
    if (m !== undefined && r) {
      // A part of the next event (its failure sites) is kept by the decoder until the event comes.
      const e = typeof m === 'string' ? this.decoder.decode(m) : m;
      if (e?.kind === 'done' && typeof m === 'string') {
        // The end of a read is decoded on one turn and handed over on the next: at 10^6 OTLP spans
        // its decoding (3-22 ms) and what the editor does with it (15-50 ms) made one turn of 45-76 ms.
        inTurn(() => {
          if (this.running === r) this.handOver(r, e);
          this.drainNext();
        });
        return;
      }
      if (e) this.handOver(r, e);
    }
    this.drainNext();
  }

  private handOver(r: Running, e: DocumentEvent): void {
    r.onEvent(e);
    if (e.kind === 'done' || e.kind === 'unchanged' || e.kind === 'failed') this.settle(e.kind);
  }

  private drainNext(): void {
    if (this.inbox.length > 0 && this.running) inTurn(() => this.drain());
    else this.draining = false;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    this.started++;
    this.worker = worker;
    this.decoder = new EventDecoder();
    const taken = (this.taken = new TakenEvents());
    worker.on('message', (m: DocumentMessage | CheckReply) => {
      if (worker !== this.worker || m === DOCUMENT_WORKER_READY) return;
      if (isCheckReply(m)) return this.answered(m);
      if (!this.running) return taken.take();
      this.receive(m);
    });
    const stopped = (why: string): void => {
      if (worker !== this.worker) return;
      this.worker = undefined;
      this.lost = true;
      this.dropChecks();
      if (!this.running) return;
      // After the events it sent before it stopped.
      this.receive({ kind: 'failed', problems: [{ file: this.params.path, message: `the trace worker stopped while reading it (${why})` }], userError: false });
    };
    onWorkerStopped(worker, stopped);
    worker.unref();
    return worker;
  }

  private stopWorker(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) this.lost = true;
    this.dropChecks();
    void w?.terminate();
  }
}
