/**
 * The trace debugger's adapter (TraceDebugAdapter) run in a worker thread, seen from the thread
 * that started it as a Debug Adapter Protocol adapter of its own: what VS Code's inline adapter
 * interface asks (`handleMessage`, `onDidSendMessage`, `dispose`), relaying each message.
 *
 * Why: a launch loads the whole run, detects it and binds its tags, synchronously. Inline in the
 * extension host, that held the host's thread (and every other extension) for 2.9 s on a 10^5-step
 * trace of 136 MB, and its heap needed about 560 MB meanwhile; a 10^6-step file needs 2.5-5 GB,
 * more than the extension host has. In a worker the host's thread only relays messages (its
 * longest stall during that launch: 12 ms), and the worker's heap may grow to half the machine's
 * memory (spawn.ts). A trace too large for it is refused before it is loaded (runtime.ts); should
 * the worker end anyway, the session ends saying why.
 *
 * The host reads whether the replay runs from the messages as they pass, and asks for a step's
 * id and place (`stepAt`, adapter.ts) where it used to read the adapter's runtime. A Stop, or the
 * Cancel of the load's progress, while the launch is not yet answered is answered here
 * (`stopLoading`): the worker, busy with a load in its thread, would answer it only once loaded. A
 * large run is read in a document worker of the debug worker's after its entry stop (adapter.ts,
 * launchReading); a Stop or Cancel then goes to the adapter, which is free to answer it.
 */
import type { Worker } from 'node:worker_threads';
import type { DebugProtocol } from '@vscode/debugprotocol';

/** A DAP message as it crosses (requests from the client; responses and events from the adapter). */
export type DapMessage = DebugProtocol.ProtocolMessage;

/** What `workerData` carries to a debug worker (trace-worker.ts). */
export interface DebugWorkerData {
  mode: 'debug';
  /** The taxonomy announced before launch (a launch may name another). */
  taxonomy?: string;
}

/** The same shape as VS Code's `Event` (this module does not import vscode). */
export type MessageEvent = (listener: (m: DapMessage) => void) => { dispose(): void };

export interface AdapterInWorkerOptions {
  /** Launch arguments as the host completes them (the sidecar's place, which the host's settings decide). */
  completeLaunch?: (args: Record<string, unknown>) => Record<string, unknown>;
}

export class DebugAdapterInWorker {
  private readonly worker: Worker;
  private readonly listeners = new Set<(m: DapMessage) => void>();
  /** Requests sent and not answered: answered with an error if the worker ends. */
  private readonly pending = new Map<number, string>();
  /** Disposed, or the worker ended: nothing more is relayed. */
  private ended = false;
  /** The trace file a launch named (for the out-of-memory message). */
  private launchedFile: string | undefined;
  private isRunning = false;
  /**
   * The launch request until it is answered (the adapter answers it after configurationDone): a
   * stop, or a cancel of its progress, then stops the worker.
   */
  private loading: DebugProtocol.Request | undefined;
  /** The progress of that launch's load, and whether the client still shows it (no progressEnd yet). */
  private loadProgressId: string | undefined;
  private loadProgressShown = false;

  constructor(start: () => Worker, private readonly options: AdapterInWorkerOptions = {}) {
    this.worker = start();
    this.worker.on('message', (m: DapMessage) => this.fromWorker(m));
    this.worker.on('error', (e: Error & { code?: string }) => this.workerEnded(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.outOfMemory() : `it failed: ${e.message}`));
    this.worker.on('exit', (code) => this.workerEnded(`its thread exited (code ${code})`));
  }

  /** Is the replay running (a move answered, no stop since: a long step over runs in slices too)? */
  get running(): boolean {
    return this.isRunning;
  }

  readonly onDidSendMessage: MessageEvent = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  handleMessage(message: DapMessage): void {
    if (this.ended) {
      if (message.type !== 'request') return;
      const request = message as DebugProtocol.Request;
      // Ending a session that has ended is done; anything else cannot be.
      if (request.command === 'disconnect') this.answerDone(request);
      else this.answerFailed(request, 'the trace debugger has stopped');
      return;
    }
    let m = message;
    if (message.type === 'request') {
      const request = message as DebugProtocol.Request;
      if (this.loading && stopsTheLoad(request, this.loadProgressId)) return this.stopLoading(request);
      this.pending.set(request.seq, request.command);
      if (request.command === 'launch') this.loading = request;
      if (request.command === 'launch' && isRecord(request.arguments)) {
        if (typeof request.arguments.trace === 'string') this.launchedFile = request.arguments.trace;
        if (this.options.completeLaunch) m = { ...request, arguments: this.options.completeLaunch(request.arguments) } as DebugProtocol.Request;
      }
    }
    this.worker.postMessage(m);
  }

  dispose(): void {
    this.ended = true;
    this.listeners.clear();
    void this.worker.terminate();
  }

  private fromWorker(m: DapMessage): void {
    if (m.type === 'response') {
      const response = m as DebugProtocol.Response;
      this.pending.delete(response.request_seq);
      if (response.request_seq === this.loading?.seq) {
        this.loading = undefined;
        this.loadProgressId = undefined;
      }
      // The adapter answers a move before it moves; the stop (or the end) follows the answer.
      if (response.success && MOVES.has(response.command)) this.isRunning = true;
    } else if (m.type === 'event') {
      const event = m as DebugProtocol.Event;
      if (event.event === 'stopped' || event.event === 'terminated') this.isRunning = false;
      if (event.event === 'progressStart' && this.loading) {
        this.loadProgressId = (event as DebugProtocol.ProgressStartEvent).body.progressId;
        this.loadProgressShown = true;
      }
      if (event.event === 'progressEnd' && (event as DebugProtocol.ProgressEndEvent).body.progressId === this.loadProgressId) this.loadProgressShown = false;
    }
    this.send(m);
  }

  private send(m: DapMessage): void {
    for (const listener of [...this.listeners]) listener(m);
  }

  /**
   * Stop or Cancel while the launch's trace loads: the load is synchronous in the worker, which
   * would answer only once it is done (tens of seconds at 10^6 steps), so the relay answers here.
   * The worker is stopped, the progress ends, the request is answered, and so is the launch, then
   * the session ends. The launch is answered as done, not failed: VS Code shows a failed launch
   * as an error dialog ("Open launch.json"), which a Stop the user asked for is not.
   */
  private stopLoading(request: DebugProtocol.Request): void {
    const launch = this.loading!;
    this.ended = true;
    this.loading = undefined;
    this.isRunning = false;
    void this.worker.terminate();
    if (this.loadProgressId !== undefined && this.loadProgressShown) this.send({ seq: 0, type: 'event', event: 'progressEnd', body: { progressId: this.loadProgressId, message: 'cancelled' } } as DebugProtocol.ProgressEndEvent);
    this.loadProgressId = undefined;
    this.pending.clear();
    this.answerDone(request);
    this.answerDone(launch);
    this.send({ seq: 0, type: 'event', event: 'output', body: { category: 'console', output: `agent-trace: stopped while ${this.launchedFile ?? 'the trace'} was loading\n` } } as DebugProtocol.OutputEvent);
    this.send({ seq: 0, type: 'event', event: 'terminated' } as DebugProtocol.TerminatedEvent);
  }

  /** The worker is gone while the session was not disposed: every request waiting fails, and the session ends saying why. */
  private workerEnded(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.isRunning = false;
    for (const [seq, command] of this.pending) this.answerFailed({ seq, type: 'request', command }, `the trace debugger stopped: ${why}`);
    this.pending.clear();
    this.send({ seq: 0, type: 'event', event: 'output', body: { category: 'stderr', output: `agent-trace: the trace debugger stopped: ${why}\n` } } as DebugProtocol.OutputEvent);
    this.send({ seq: 0, type: 'event', event: 'terminated' } as DebugProtocol.TerminatedEvent);
  }

  private answerDone(request: DebugProtocol.Request): void {
    this.send({ seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: true } as DebugProtocol.Response);
  }

  private answerFailed(request: DebugProtocol.Request, message: string): void {
    this.send({ seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: false, message } as DebugProtocol.Response);
  }

  private outOfMemory(): string {
    const what = this.launchedFile ?? 'the trace';
    return `${what} is too large for its memory. Open the file in the trace editor, which reads it in pages.`;
  }
}

/** Does `request` stop a launch whose trace is loading: a stop (disconnect, terminate), or a cancel of the load's progress? */
function stopsTheLoad(request: DebugProtocol.Request, loadProgressId: string | undefined): boolean {
  if (request.command === 'disconnect' || request.command === 'terminate') return true;
  const args = request.arguments as DebugProtocol.CancelArguments | undefined;
  return request.command === 'cancel' && loadProgressId !== undefined && args?.progressId === loadProgressId;
}

/** The requests that move the replay: DAP's debuggee runs from their answer until a stopped (or terminated) event. */
const MOVES = new Set(['continue', 'reverseContinue', 'next', 'stepIn', 'stepOut', 'stepBack', 'goto', 'restartFrame']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
