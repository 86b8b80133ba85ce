/**
 * A document worker sends its events no faster than the host takes them.
 *
 * Node hands a thread every message queued on its port in one task. A whole load (OTLP, TRAIL,
 * Inspect) is parsed first and then sent in slices: 100 or more events of about 1 MB each arrived
 * at once, and receiving them, with the collections they caused, held the host's thread 100-360 ms
 * at a time (10^5 OTLP spans, 190 MB). The host handles one event per turn anyway
 * (document-client.ts), so the worker keeps the rest until the host has taken what it sent.
 *
 * The host counts the events it takes in a shared counter and wakes the worker; the worker posts
 * while fewer than MAX_UNREAD_EVENTS of its events wait on the host. A load is synchronous, so the
 * worker posts from its queue whenever it sends, and waits for the counter once its load returns.
 */

/** Events posted and not yet taken by the host, at most: enough to keep the host busy between two of the worker's sends. */
export const MAX_UNREAD_EVENTS = 4;
/**
 * A worker that waited this long for the host posts one event anyway: a counter the host failed to
 * move must not leave a load unfinished.
 */
const WAIT_AT_MOST_MS = 2_000;

/** The host's side: counts the events taken from one worker (each one, whether handled or dropped). */
export class TakenEvents {
  readonly buffer = new SharedArrayBuffer(4);
  private readonly count = new Int32Array(this.buffer);

  take(events = 1): void {
    if (events <= 0) return;
    Atomics.add(this.count, 0, events);
    Atomics.notify(this.count, 0);
  }
}

/** The worker's side: posts messages in order, while the host has fewer than MAX_UNREAD_EVENTS of them. */
export class EventOutbox<M> {
  private queue: M[] = [];
  /** Index of the next message of `queue` to post. */
  private head = 0;
  private posted = 0;
  private waiting = false;
  private readonly taken: Int32Array | undefined;

  /** Without `taken` (a host that does not count), every message is posted at once. */
  constructor(private readonly post: (m: M) => void, taken: SharedArrayBuffer | undefined, private readonly waitAtMostMs = WAIT_AT_MOST_MS) {
    this.taken = taken ? new Int32Array(taken) : undefined;
  }

  /** Messages queued and not yet posted. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  send(m: M): void {
    this.queue.push(m);
    this.flush();
  }

  private flush(force = false): void {
    while (this.head < this.queue.length && (force || this.unread() < MAX_UNREAD_EVENTS)) {
      const m = this.queue[this.head];
      this.queue[this.head++] = undefined as M;
      this.posted++;
      this.post(m);
      force = false;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (!this.waiting) {
      this.waitForHost();
    }
  }

  private unread(): number {
    return this.taken ? this.posted - Atomics.load(this.taken, 0) : 0;
  }

  /** Post more when the host has taken some (the counter moves), or one anyway after WAIT_AT_MOST_MS. */
  private waitForHost(): void {
    const taken = this.taken!;
    this.waiting = true;
    const wait = Atomics.waitAsync(taken, 0, Atomics.load(taken, 0), this.waitAtMostMs);
    const resume = (outcome: string): void => {
      this.waiting = false;
      this.flush(outcome === 'timed-out');
    };
    if (wait.async) void wait.value.then(resume);
    else resume(wait.value);
  }
}
