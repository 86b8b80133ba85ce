/**
 * A DAP client for tests of an adapter driven in process: the trace debugger's adapter itself
 * (TraceDebugAdapter, as trace-worker.ts runs it) or the host's relay to it in a worker
 * (DebugAdapterInWorker). Requests by command, answered by their responses; events kept in order.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';

/** What both give: VS Code's inline adapter interface. */
export interface InlineAdapter {
  handleMessage(message: DebugProtocol.ProtocolMessage): void;
  // DebugSession types its messages as an empty interface (DebugProtocolMessage): any message.
  onDidSendMessage(listener: (m: object) => void): unknown;
}

export class DapTestClient {
  private seq = 1;
  readonly events: DebugProtocol.Event[] = [];
  private readonly waiting = new Map<number, (r: DebugProtocol.Response) => void>();
  private readonly eventWaiters: { event: string; resolve: (e: DebugProtocol.Event) => void }[] = [];

  constructor(readonly adapter: InlineAdapter) {
    adapter.onDidSendMessage((sent) => {
      const m = sent as DebugProtocol.ProtocolMessage;
      if (m.type === 'response') {
        const r = m as DebugProtocol.Response;
        this.waiting.get(r.request_seq)?.(r);
        this.waiting.delete(r.request_seq);
      } else if (m.type === 'event') {
        const e = m as DebugProtocol.Event;
        this.events.push(e);
        for (const w of this.eventWaiters.filter((x) => x.event === e.event)) {
          this.eventWaiters.splice(this.eventWaiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
  }

  request(command: string, args?: unknown): Promise<DebugProtocol.Response> {
    const seq = this.seq++;
    const answered = new Promise<DebugProtocol.Response>((resolve) => this.waiting.set(seq, resolve));
    this.adapter.handleMessage({ seq, type: 'request', command, ...(args !== undefined ? { arguments: args } : {}) } as DebugProtocol.Request);
    return answered;
  }

  /** The next `event` sent after this call (set up before the request that causes it). */
  next(event: string): Promise<DebugProtocol.Event> {
    return new Promise((resolve) => this.eventWaiters.push({ event, resolve }));
  }

  /** What the Debug Console was sent, in order. */
  output(): string {
    return this.events.filter((e) => e.event === 'output').map((e) => String((e.body as { output: string }).output)).join('');
  }
}
