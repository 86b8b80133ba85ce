/**
 * Whether a trace file is live: a running agent is writing to it. It becomes live when steps are
 * added after the first read, and stops being live after a quiet period with no write. No vscode
 * here, so it is tested in plain Node with a fake clock.
 */

/** A file that has not been written for this long is no longer live (like a finished `tail -f`). */
export const LIVE_QUIET_MS = 30_000;

export interface LiveClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: LiveClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class LiveTrace {
  private live = false;
  private steps: number | undefined;
  private lastWrite: number | undefined;
  private quietTimer: unknown;

  constructor(
    /** Called when the file starts or stops being live. */
    private readonly onChange: (live: boolean) => void,
    private readonly quietMs = LIVE_QUIET_MS,
    private readonly clock: LiveClock = systemClock,
  ) {}

  get isLive(): boolean {
    return this.live;
  }

  /** When the file was last seen written (ms since the epoch), if ever. */
  get lastWriteAt(): number | undefined {
    return this.lastWrite;
  }

  /** Steps in the file as last read. */
  get stepCount(): number {
    return this.steps ?? 0;
  }

  /** The first read ended with `steps` steps: growth is counted from here. */
  opened(steps: number): void {
    this.steps = steps;
  }

  /** The file was written (a change event): a live file stays live for another quiet period. */
  written(): void {
    this.lastWrite = this.clock.now();
    if (this.live) this.armQuietTimer();
  }

  /**
   * The file was read again with `steps` steps. Steps added at the end (`appended`), after the
   * first read: live. A rewrite (steps inserted or changed before the end) is not growth.
   */
  read(steps: number, appended = true): void {
    const before = this.steps;
    this.steps = steps;
    if (before === undefined || !appended || steps <= before) return;
    // The write that brought these steps; an old one (before a long pause) is not it.
    const now = this.clock.now();
    if (this.lastWrite === undefined || now - this.lastWrite >= this.quietMs) this.lastWrite = now;
    this.armQuietTimer();
    if (!this.live) {
      this.live = true;
      this.onChange(true);
    }
  }

  dispose(): void {
    if (this.quietTimer !== undefined) this.clock.clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
  }

  private armQuietTimer(): void {
    if (this.quietTimer !== undefined) this.clock.clearTimeout(this.quietTimer);
    const since = this.clock.now() - (this.lastWrite ?? this.clock.now());
    this.quietTimer = this.clock.setTimeout(() => this.quiet(), Math.max(0, this.quietMs - since));
  }

  private quiet(): void {
    this.quietTimer = undefined;
    // A write seen since the timer was set keeps the file live until its own quiet period ends.
    const since = this.clock.now() - (this.lastWrite ?? 0);
    if (since < this.quietMs) { this.armQuietTimer(); return; }
    if (!this.live) return;
    this.live = false;
    this.onChange(false);
  }
}
