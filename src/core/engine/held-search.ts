/**
 * Search over steps held without their payloads (stream/step-payloads.ts), for one query. The
 * payloads are in the file, not in memory, and keeping every step's search text (1.4 GB of text at
 * 10^6 steps) is what holding them saves; so each search reads the file again. A needle
 * (stream/line-needle.ts) passes over lines that cannot match without parsing them, and only the
 * lines it marks are rebuilt and checked whole: a rare phrase costs a read of the file.
 *
 * It is done a slice of steps at a time, in any order: a caller looking for the next match from the
 * selection checks slices from there and can answer as soon as it finds one, then count the rest.
 * Steps appended later are checked when they are asked for. Where the steps' source has a checker
 * in another thread (the document worker that read the file), that thread checks slices from the
 * other end meanwhile, whole (scan and rebuild): at 10^6 steps a phrase found nowhere is counted in
 * 0.5-0.8 s instead of 0.9-1.3 s, and a word in half the steps in 6 s instead of 12.
 */
import { idMayHold, lineNeedle, type LineNeedle } from './stream/line-needle';
import { LineVerdict, type IndexedSteps, type LineChecker, type PayloadSource } from './stream/step-payloads';
import { searchableText } from './search-text';
import { mergeSorted } from './sorted-positions';

/** Steps scanned at a time: about 3 MB of file (smaller reads cost more per byte, larger ones more collection). */
export const HELD_SEARCH_SLICE = 2_000;
/** Lines rebuilt and checked at most per call (a few milliseconds): a slice of a common word takes several calls. */
const HELD_SEARCH_REBUILDS = 200;
/** Slices asked of the checker in another thread at once (see SharedSlices). */
const SLICES_IN_FLIGHT = 2;

/** A slice whose candidates are being rebuilt: slice `slice` ends at step `end`; `next` of `positions` are checked. */
interface PendingSlice {
  slice: number;
  end: number;
  positions: number[];
  next: number;
}

export class HeldSearch {
  private readonly needle: LineNeedle;
  /** 1 at the positions that match. */
  private matched = new Uint8Array(0);
  /** How many 1s `matched` holds (counted as they are set: a count over 10^6 steps was a turn of its own). */
  private count = 0;
  /** Per slice of HELD_SEARCH_SLICE steps, how many of its first steps were checked. */
  private readonly checked: number[] = [];
  /** The slices whose candidates are being rebuilt: one scanned here, others with steps the other thread left unsure. */
  private readonly pending = new Map<number, PendingSlice>();
  /**
   * The slices the checker in another thread is checking now. Two walks over one search (a count
   * going on in the background and a search asking again) each hand slices over from the back:
   * without this, both handed over the same ones, and the worker checked them twice.
   */
  private readonly elsewhere = new Set<number>();
  private sorted: number[] | undefined;
  /** How many steps `narrower` covers (steps appended after it finished are not in it). */
  private readonly narrowerCovers: number;

  /**
   * `narrower` is a finished search for a part of this query over the same steps: only its matches
   * can match this one (typing on refines a query).
   */
  constructor(
    readonly query: string,
    private readonly steps: IndexedSteps,
    private readonly source: PayloadSource,
    private narrower?: HeldSearch,
  ) {
    this.needle = lineNeedle(query);
    this.narrowerCovers = narrower ? steps.length : 0;
  }

  /** Every step is checked. */
  get complete(): boolean {
    const n = this.steps.length;
    for (let s = 0; s * HELD_SEARCH_SLICE < n; s++) if (!this.sliceDone(s, n)) return false;
    return true;
  }

  get sliceCount(): number {
    return Math.ceil(this.steps.length / HELD_SEARCH_SLICE);
  }

  sliceOf(position: number): number {
    return Math.floor(position / HELD_SEARCH_SLICE);
  }

  /**
   * Check the next part of slice `s`: its candidates (a scan of its lines), or the next
   * HELD_SEARCH_REBUILDS of them rebuilt and checked. One or the other per call: both at once held
   * the host's thread 60-80 ms for a word with many candidates.
   */
  checkSlice(s: number): void {
    const steps = this.steps;
    const { start, end, from } = this.uncheckedPart(s, steps.length);
    if (from >= end) return;
    this.ensureRoom(steps.length);
    const pending = this.pending.get(s);
    if (pending) this.rebuildNext(pending, start);
    else this.startRebuilds(s, start, end, this.candidatesIn(steps, from, end));
    // Done: what the narrower query found is no longer needed (refinements would chain otherwise).
    if (this.narrower && this.complete) this.narrower = undefined;
  }

  /** Slice `s` of `n` steps: where it starts and ends, and where the part not yet checked begins. */
  private uncheckedPart(s: number, n: number): { start: number; end: number; from: number } {
    const start = s * HELD_SEARCH_SLICE;
    return { start, end: Math.min(n, start + HELD_SEARCH_SLICE), from: start + (this.checked[s] ?? 0) };
  }

  /** Slice `s`'s candidates up to `end` are `positions`: the steps before the first one are decided. */
  private startRebuilds(s: number, start: number, end: number, positions: number[]): void {
    if (positions.length > 0) this.pending.set(s, { slice: s, end, positions, next: 0 });
    this.checked[s] = (positions.length > 0 ? positions[0] : end) - start;
  }

  /** Whether slices can be checked in another thread (`checkElsewhere`). */
  get checker(): LineChecker | undefined {
    return this.source.linesOf ? this.source.checker : undefined;
  }

  /**
   * Have the steps of slice `s` not yet checked checked by the checker (another thread). False
   * when it could not (no worker, or it is reading the file): the caller checks the slice itself.
   * True at once for a slice the checker is checking already (for another walk of this search).
   * A slice checked here meanwhile keeps what was found here. Steps known whole, and lines the
   * checker could not rebuild (the file changed underneath), are left to `checkSlice`.
   */
  async checkElsewhere(s: number): Promise<boolean> {
    const checker = this.checker;
    const linesOf = this.source.linesOf?.bind(this.source);
    if (!checker || !linesOf) return false;
    const steps = this.steps;
    const { start, end, from } = this.uncheckedPart(s, steps.length);
    const done = from - start;
    if (from >= end || this.pending.has(s) || this.elsewhere.has(s)) return true;
    if (this.ruledOutAll(from, end)) {
      this.startRebuilds(s, start, end, []);
      return true;
    }
    const lines = linesOf(steps, from, end);
    this.elsewhere.add(s);
    let verdicts: Uint8Array | undefined;
    try {
      verdicts = await checker(this.query, lines.check);
    } finally {
      this.elsewhere.delete(s);
    }
    if (!verdicts) return false;
    if ((this.checked[s] ?? 0) !== done || this.pending.has(s)) return true;
    this.ensureRoom(end);
    const unsure: number[] = [];
    lines.held.forEach((k, r) => {
      if (verdicts[r] === LineVerdict.Match) this.mark(k);
      else if (verdicts[r] === LineVerdict.Unsure) unsure.push(k);
    });
    this.startRebuilds(s, start, end, lines.known.length === 0 ? unsure : mergeSorted(unsure, lines.known));
    this.sorted = undefined;
    return true;
  }

  /** The next HELD_SEARCH_REBUILDS candidates of the slice being checked, rebuilt and checked. */
  private rebuildNext(p: PendingSlice, start: number): void {
    const batch = p.positions.slice(p.next, p.next + HELD_SEARCH_REBUILDS);
    const whole = this.source.wholeAt(this.steps, batch);
    for (let b = 0; b < batch.length; b++) if (searchableText(whole[b]).includes(this.query)) this.mark(batch[b]);
    p.next += batch.length;
    // Every step before the next candidate is decided (those that are not candidates cannot match).
    this.checked[p.slice] = (p.next < p.positions.length ? p.positions[p.next] : p.end) - start;
    if (p.next >= p.positions.length) this.pending.delete(p.slice);
    this.sorted = undefined;
  }

  /** The steps of [from, end) that may match, ascending: the needle's lines, less what the narrower query ruled out. */
  private candidatesIn(steps: IndexedSteps, from: number, end: number): number[] {
    if (this.ruledOutAll(from, end)) return [];
    return this.refined(this.source.candidates(steps, from, end, this.needle), steps, from, end);
  }

  /** Whether the narrower query found nothing in [from, end) (of one slice): nothing there can match. */
  private ruledOutAll(from: number, end: number): boolean {
    const prior = this.narrower;
    return prior !== undefined && Math.min(end, this.narrowerCovers) === end && prior.firstIn(this.sliceOf(from), from - 1, 'next') === undefined;
  }

  /** The needle's lines `marked` in [from, end), with the steps whose derived id may match, less what the narrower query ruled out. */
  private refined(marked: number[], steps: IndexedSteps, from: number, end: number): number[] {
    const prior = this.narrower;
    const covered = Math.min(end, this.narrowerCovers);
    const ruledOut = (k: number): boolean => prior !== undefined && k < covered && !prior.matches(k);
    // An id the import derived (`<id>#2`) is not in the line: a step whose id holds a run of the query is a candidate.
    const byId: number[] = [];
    for (let k = from; k < end; k++) {
      const step = steps.step(k);
      if (idMayHold(this.needle, step.id, step.sourceId)) byId.push(k);
    }
    return mergeSorted(marked, byId).filter((k) => !ruledOut(k));
  }

  /** Check every step. */
  checkAll(): void {
    for (let s = 0; s < this.sliceCount; s++) while (!this.sliceDone(s)) this.checkSlice(s);
  }

  /** Whether slice `s` is checked, for the steps there are now. */
  sliceDone(s: number, n = this.steps.length): boolean {
    return (this.checked[s] ?? 0) >= Math.min(HELD_SEARCH_SLICE, n - s * HELD_SEARCH_SLICE);
  }

  /** Whether the step at `position` matches (as far as it is checked). */
  matches(position: number): boolean {
    return this.matched[position] === 1;
  }

  /** How many steps match among those checked, without listing them (a partial answer's count). */
  matchCount(): number {
    return this.count;
  }

  /**
   * The first `cap` matches among the steps checked, in order. A partial answer needs no more:
   * listing all of them (a word in half of 10^6 steps) allocated 4 MB and took 23-25 ms of the
   * host's thread on every answer while the count went on.
   */
  firstMatches(cap: number): number[] {
    if (this.sorted) return this.sorted.slice(0, cap);
    const matched = this.matched;
    const out: number[] = [];
    // indexOf jumps over the steps that do not match (a rare phrase: all 10^6 of them, natively).
    for (let k = matched.indexOf(1); k !== -1 && out.length < cap; k = matched.indexOf(1, k + 1)) out.push(k);
    return out;
  }

  /**
   * The matching positions found so far, in order: counted, then written into an array of that
   * size. `indexOf` from each match to the next, pushing, took 60 ms of the host's thread for a
   * word in half of 10^6 steps; this takes 5.
   */
  matchList(): number[] {
    if (this.sorted) return this.sorted;
    const matched = this.matched;
    const count = this.matchCount();
    const out = new Array<number>(count);
    for (let k = 0, j = 0; j < count; k++) if (matched[k] === 1) out[j++] = k;
    return (this.sorted = out);
  }

  /** The first match after `from` (before it, going back) within slice `s`, if it is checked there (up to where the slice is decided). */
  firstIn(s: number, from: number, direction: 'next' | 'previous'): number | undefined {
    // Only where the slice is decided: the other thread's matches may lie past a step not yet checked.
    const { start, end: sliceEnd, from: decided } = this.uncheckedPart(s, this.steps.length);
    const end = Math.min(sliceEnd, decided);
    if (direction === 'next') {
      for (let k = Math.max(start, from + 1); k < end; k++) if (this.matched[k] === 1) return k;
    } else {
      for (let k = Math.min(end, from) - 1; k >= start; k--) if (this.matched[k] === 1) return k;
    }
    return undefined;
  }

  private mark(position: number): void {
    if (this.matched[position] === 1) return;
    this.matched[position] = 1;
    this.count++;
  }

  private ensureRoom(n: number): void {
    if (this.matched.length >= n) return;
    const grown = new Uint8Array(Math.max(n, this.matched.length * 2));
    grown.set(this.matched);
    this.matched = grown;
  }
}

/** Gives the thread back between slices (the host's event loop: a turn of util/slices.ts's queue). */
export type Yield = () => Promise<void>;

/**
 * The first match after `origin` in `direction` (wrapping, as `search` does), checking the slices
 * from there on, one per turn; undefined when nothing matches. Stops early, returning undefined, when
 * `stillWanted` says the search was dropped meanwhile. With a checker, once the first slice is
 * checked, the slices this would check last are checked in the other thread meanwhile
 * (`SharedSlices`): a query found nowhere takes about half the time.
 */
export async function findHeldMatch(held: HeldSearch, origin: number, direction: 'next' | 'previous', turn: Yield, stillWanted: () => boolean): Promise<number | undefined> {
  const slices = held.sliceCount;
  if (slices === 0) return undefined;
  const first = Math.min(slices - 1, held.sliceOf(Math.max(0, origin)));
  const step = direction === 'next' ? 1 : -1;
  const sliceAt = (i: number): number => (((first + step * i) % slices) + slices) % slices;
  // The first slice is visited again at the end (i === slices): it is this thread's.
  const shared = new SharedSlices(held, sliceAt, slices - 1, turn, stillWanted);
  try {
    for (let i = 0; i <= slices; i++) {
      // Most searches end in the first slice: the other thread is asked only after it.
      shared.claim(i, i >= 1);
      const s = sliceAt(i);
      // In the first slice only the steps past the origin; once round, the rest of it.
      const from = i === 0 ? origin : direction === 'next' ? -1 : Number.MAX_SAFE_INTEGER;
      while (!held.sliceDone(s)) {
        // A slice is checked from its start: going forward, a match in the part checked is the first.
        const early = direction === 'next' ? held.firstIn(s, from, direction) : undefined;
        if (early !== undefined) return early;
        held.checkSlice(s);
        await turn();
        if (!stillWanted()) return undefined;
      }
      const found = held.firstIn(s, from, direction);
      if (found !== undefined) return found;
    }
    return undefined;
  } finally {
    shared.over = true;
  }
}

/**
 * Check every slice left, a part per turn; false when `stillWanted` said to stop first. With a
 * checker, the last slices are checked in the other thread meanwhile.
 */
export async function finishHeldSearch(held: HeldSearch, turn: Yield, stillWanted: () => boolean): Promise<boolean> {
  const shared = new SharedSlices(held, (i) => i, held.sliceCount - 1, turn, stillWanted);
  try {
    for (let s = 0; s < held.sliceCount; s++) {
      shared.claim(s, true);
      while (!held.sliceDone(s)) {
        held.checkSlice(s);
        await turn();
        if (!stillWanted()) return false;
      }
    }
    return true;
  } finally {
    shared.over = true;
  }
}

/**
 * A search's slices shared with the checker in another thread (the document worker). The search
 * checks them in its order from the front, claiming each (`claim`); the checker takes them from the
 * back, SLICES_IN_FLIGHT at a time, until the two meet or the search is `over`. The search still
 * passes over every slice: one the checker did is done, or has only its unsure steps left; one
 * still in flight it checks itself, so it never waits on the other thread (a worker reading the
 * file answers late), at the cost of a slice or two checked twice.
 */
class SharedSlices {
  /** Slices sliceAt(i) for i < next are the search's. */
  private next = 0;
  /** Slices sliceAt(i) for i > last are the checker's. */
  private last: number;
  private started = false;
  over = false;

  constructor(private readonly held: HeldSearch, private readonly sliceAt: (i: number) => number, last: number, private readonly turn: Yield, private readonly stillWanted: () => boolean) {
    this.last = last;
  }

  /** The search takes sliceAt(i); `share`: the checker may start taking slices from the back. */
  claim(i: number, share: boolean): void {
    this.next = i + 1;
    if (!share || this.started || !this.held.checker) return;
    this.started = true;
    // Two in flight: the worker checks one while its answer to the other waits for this thread's turn.
    for (let k = 0; k < SLICES_IN_FLIGHT; k++) void this.checkFromTheBack();
  }

  private async checkFromTheBack(): Promise<void> {
    for (;;) {
      // Each slice handed over on a turn of its own: its lines cost the host 10-30 ms to gather,
      // and the checker's answers (each starting the next) came in together with the search's own turn.
      await this.turn();
      if (this.last < this.next || this.over || !this.stillWanted()) return;
      const s = this.sliceAt(this.last--);
      if (this.held.sliceDone(s)) continue;
      // A file changed underneath fails in this thread's rebuilds, which report it.
      if (!(await this.held.checkElsewhere(s).catch(() => false))) return;
    }
  }
}
