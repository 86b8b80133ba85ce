/**
 * Reads a trace file into a TraceFile through its document worker, off the host's thread: the
 * first steps are shown while the rest is read, the rows catch up at a pace the host can afford,
 * and a change on disk sends only what is new. No vscode here.
 */
import { getHeapStatistics } from 'node:v8';
import type { DocumentWorkerClient, LoadEnd } from '../../core/engine/worker/document-client';
import type { DocumentEvent } from '../../core/engine/worker/document-load';
import { STEPS_PER_SLICE, type TraceFile, type TraceReload } from './trace-file';
import { inTurn } from '../../core/util/slices';

/** The rows catch up at most this often while steps arrive, and at least this rarely. */
const MIN_FLUSH_MS = 100;
const MAX_FLUSH_MS = 2_000;
/**
 * A read stops when the host's JavaScript heap is this full: the steps are held on the host, and a
 * heap that runs out ends the extension host (every extension with it), not just this editor.
 */
const HEAP_FULL = 0.8;

/** The host's JavaScript heap: in use (garbage included) and its limit, in bytes. */
export type HeapProbe = () => { used: number; limit: number };

const hostHeap: HeapProbe = () => {
  const h = getHeapStatistics();
  return { used: h.used_heap_size, limit: h.heap_size_limit };
};

const gb = (bytes: number): string => (bytes / 2 ** 30).toFixed(1);

/**
 * Test mode only (the test hook `holdTraceReads`): while set, what a read brings after its first
 * steps waits here, so a test can look at a file "still being read" on a machine of any speed.
 */
let readHold: Promise<void> | undefined;
let releaseReadHold: (() => void) | undefined;

export function holdTraceReads(hold: boolean): void {
  if (hold && !readHold) readHold = new Promise<void>((resolve) => { releaseReadHold = resolve; });
  if (!hold && readHold) {
    releaseReadHold?.();
    readHold = undefined;
    releaseReadHold = undefined;
  }
}

export class TraceFileReader {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** After a catch-up that took `t` ms, the next waits 5 t: the host stays free most of the time. */
  private pause = MIN_FLUSH_MS;
  private disposed = false;

  constructor(
    readonly file: TraceFile,
    private readonly client: DocumentWorkerClient,
    /** The shown runs changed (grew, were read again, or could not be read). */
    private readonly onChange: (change: TraceReload) => void,
    /** The whole file was read: its analysis for the Agent Traces view (no second parse there). */
    private readonly onRead: (done: Extract<DocumentEvent, { kind: 'done' }>) => void = () => undefined,
    /** How full the host's heap is (tests give their own). */
    private readonly heap: HeapProbe = hostHeap,
  ) {
    file.lineChecker = (query, lines) => client.checkLines(query, lines);
    file.onChangedOnDisk = () => {
      // A step read back is no longer where the read left it: a change no notice told of, or one
      // the append check could not see. The next read starts from the start; the owner schedules it.
      this.fromStartNext = true;
      this.wantsReadAgain?.();
    };
  }

  /** Set by the editor's file watcher: schedules a read of the file again (one at a time). */
  wantsReadAgain: (() => void) | undefined;
  /** The next reload reads the file from the start (see onChangedOnDisk). */
  private fromStartNext = false;

  /** Why the last read was stopped before the end of the file by the reader itself, if it was. */
  private stoppedFull: string | undefined;

  get isReading(): boolean {
    return this.client.isLoading;
  }

  /**
   * Start reading. Resolves once there is something to show (the first steps, or why the file
   * cannot be opened); `done` settles when the whole file has been read.
   */
  open(): { shown: Promise<void>; done: Promise<LoadEnd> } {
    let shown!: () => void;
    const shownPromise = new Promise<void>((resolve) => { shown = resolve; });
    const done = this.read(false, (e) => { if (e.kind !== 'reset') shown(); });
    void done.then(() => shown());
    return { shown: shownPromise, done };
  }

  /** The file changed on disk. */
  reload(): Promise<LoadEnd> {
    const fromStart = this.fromStartNext;
    this.fromStartNext = false;
    return this.read(true, () => undefined, fromStart);
  }

  /** Stop reading; the steps read so far stay shown. False when nothing was being read. */
  cancel(): boolean {
    if (!this.client.isLoading) return false;
    this.client.cancel();
    return true;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.file.lineChecker = undefined;
    this.file.onChangedOnDisk = undefined;
    this.wantsReadAgain = undefined;
    this.client.dispose();
  }

  private async read(isReload: boolean, seen: (e: DocumentEvent) => void, fromStart = false): Promise<LoadEnd> {
    // Once one event waited for the test hold, every later one queues behind it (order kept).
    let queued: Promise<void> | undefined;
    let stepsSeen = false;
    const onEvent = (e: DocumentEvent): void => {
      const hold = readHold;
      if (queued || (hold && stepsSeen)) {
        queued = (queued ?? Promise.resolve()).then(() => readHold).then(() => apply(e));
        return;
      }
      if (e.kind === 'steps') stepsSeen = true;
      // The steps not yet shown are indexed in slices first: the end of the read then updates the
      // sessions in one short step, not by indexing the rest of the file at once.
      if (e.kind === 'done' && this.file.growthPending) {
        queued = this.catchUp().then(() => apply(e));
        return;
      }
      apply(e);
      if (e.kind === 'steps' && this.client.isLoading) this.stopIfHeapFull();
    };
    const apply = (e: DocumentEvent): void => {
      if (this.disposed) return;
      const change = this.file.applyLoadEvent(e);
      seen(e);
      if (e.kind === 'steps') this.scheduleFlush();
      else if (change) this.settled(change);
      if (e.kind === 'done') this.onRead(e);
    };
    const end = isReload ? await this.client.reload(onEvent, fromStart) : await this.client.open(onEvent);
    await queued;
    if (end === 'cancelled' && !this.disposed) {
      const { loading } = this.file;
      const where = loading && loading.totalBytes > 0 ? ` at ${Math.floor((100 * loading.bytesRead) / loading.totalBytes)}%` : '';
      const full = this.stoppedFull;
      this.stoppedFull = undefined;
      this.file.stopReading(full !== undefined
        ? `Reading stopped${where}: the extension host's memory is nearly full (${full}), and a full heap would stop every extension. Only the steps read until then are shown, with the failures found in them so far; split the file to read the rest.`
        : `Reading was cancelled${where}: only the steps read until then are shown, with the failures found in them so far (checks that need the end of the run are not made). Reopen the file to read it all.`);
      this.settled(this.file.flushGrowth() ?? { kind: 'appended', stepCounts: this.file.traces.map((t) => t.steps.length) });
    }
    return end;
  }

  /** Stops the read (as Cancel does) when the host's heap is nearly full, saying so. */
  private stopIfHeapFull(): void {
    const { used, limit } = this.heap();
    if (limit <= 0 || used < HEAP_FULL * limit) return;
    this.stoppedFull = `${gb(used)} of ${gb(limit)} GB in use`;
    this.client.cancel();
  }

  private settled(change: TraceReload): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A catch-up under way stops without a word: the end of the load brought every session up to date.
    this.catchingUp = false;
    this.generation++;
    this.onChange(change);
  }

  /** Index every step received, a slice per turn of the event loop. */
  private catchUp(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.inSlices(() => !this.disposed).then(() => undefined);
  }

  /**
   * Bring the sessions up to the steps received, STEPS_PER_SLICE at a time, each slice on its own
   * turn of the event loop (the host stays responsive however many steps arrived), while
   * `goOn()` holds. Resolves with the last change and the time spent, or undefined when stopped.
   */
  private inSlices(goOn: () => boolean): Promise<{ change: TraceReload | undefined; busy: number } | undefined> {
    let busy = 0;
    let change: TraceReload | undefined;
    return new Promise((resolve) => {
      const slice = (): void => {
        if (!goOn()) { resolve(undefined); return; }
        if (!this.file.growthPending) { resolve({ change, busy }); return; }
        const started = Date.now();
        change = this.file.flushGrowth(STEPS_PER_SLICE) ?? change;
        busy += Date.now() - started;
        inTurn(slice);
      };
      slice();
    });
  }

  private catchingUp = false;
  /** Bumped when a load settles, so a catch-up started before it stops. */
  private generation = 0;

  private scheduleFlush(): void {
    if (this.timer !== undefined || this.catchingUp) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.disposed) return;
      this.catchingUp = true;
      const generation = this.generation;
      void this.inSlices(() => !this.disposed && generation === this.generation).then((done) => {
        if (!done) return;
        this.catchingUp = false;
        this.pause = Math.min(MAX_FLUSH_MS, Math.max(MIN_FLUSH_MS, 5 * done.busy));
        if (done.change) this.onChange(done.change);
      });
    }, this.pause);
  }
}
