/**
 * The engine's model of one trace: steps in decision order (pre-order, a subtree is contiguous),
 * each step's parent, child count and subtree range, the detector findings per step, the set of
 * failing steps and a search index. It knows nothing of views, webviews or VS Code: the editor's
 * session, the debugger and the CLI are thin layers over it, and it can live in a worker.
 *
 * It grows: `append(steps)` adds steps that continue the decision order (what a growing JSONL
 * file writes: children of the open path, or new top-level steps) in time proportional to the
 * steps added; anything else is a `replace()`. Listeners hear `appended`, `reset` and
 * `findingsChanged`. Annotations (tags, rejections) bind from outside: see TraceSession.
 */
import type { Finding } from '../detect';
import type { Step } from '../model/schema';
import { Emitter, type Listener } from './emitter';
import { ChunkedFloat64, ChunkedInt32, ChunkedList } from './growable';
import { IdMap } from './id-map';
import type { PayloadSource } from './stream/step-payloads';
import { searchableText } from './search-text';
import { HeldSearch } from './held-search';
import { lowerBound, mergeSorted } from './sorted-positions';
import { failedByStatus } from '../detect/user-stop';

export { searchableText, SEARCH_TEXT_CAP } from './search-text';

export interface TraceIndexEvents {
  /** Steps [from, from + count) were added at the end; earlier steps are unchanged. */
  appended: { from: number; count: number };
  /** The steps were replaced: nothing held about earlier positions is valid any more. */
  reset: { count: number };
  /** The findings (and so the failing set) changed; the steps did not. */
  findingsChanged: { count: number };
}

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);
/** Searches of held steps kept (their matches: a byte per step), so that n / N and refinements reuse them. */
const HELD_SEARCHES_KEPT = 4;

export class TraceIndex {
  /**
   * The steps, in arrays of 4,096 (growable.ts): a JavaScript array of 10^6 steps grows by copying
   * itself into a store 1.5 times larger, and that one push held the extension host 30-40 ms at
   * 585k and 878k steps while a trace was read (twice: the run's own steps array grows too).
   */
  private list = new ChunkedList<Step>();
  /** `steps` as last flattened, and the change it was flattened after. */
  private flat: { steps: readonly Step[]; version: number } | undefined;
  /** Counts changes to the list, so that a flattened copy knows when it is stale. */
  private version = 0;
  private readonly parents = new ChunkedInt32();
  private readonly ends = new ChunkedInt32();
  private readonly children = new ChunkedInt32();
  private readonly positions = new IdMap();
  /**
   * Findings by step position, only for steps that have some: setting the findings of a run of
   * 10^6 steps (as they come while it is read) costs the findings, not the steps.
   */
  private findingsByStep = new Map<number, readonly Finding[]>();
  /** How many findings were set (those naming no step here included). */
  private findingTotal = 0;
  /** How many of those name no step here (yet). */
  private unplacedFindings = 0;

  /** How many findings set name no step here (yet): steps appended later may be theirs. */
  get findingsWithoutStep(): number {
    return this.unplacedFindings;
  }
  /** Sorted positions of the steps with an error status (the failing set without findings). */
  private errorSteps: number[] = [];
  /** Sorted positions of the steps with findings. */
  private flaggedSteps: number[] = [];
  private failingSteps: number[] = [];
  private searchText: string[] | undefined;
  /** Where the whole steps are read from when the steps are held without their payloads (search needs them). */
  private payloads: PayloadSource | undefined;
  /** The latest searches of steps held without their payloads, least recently used first. */
  private readonly heldSearches = new Map<string, HeldSearch>();
  private axisCache: Axis | undefined;
  private readonly emitter = new Emitter<TraceIndexEvents>();

  constructor(steps: readonly Step[] = [], findings: readonly Finding[] = []) {
    this.load(steps);
    this.applyFindings(findings);
  }

  on<K extends keyof TraceIndexEvents>(event: K, listener: Listener<TraceIndexEvents[K]>): () => void {
    return this.emitter.on(event, listener);
  }

  get length(): number {
    return this.list.length;
  }

  /**
   * Steps in decision order, `steps[i].index === i`, as one array: a copy made at the first call
   * after a change (10^6 steps: an 8 MB array). For whole-run work done once (exports, the
   * debugger's line ranges) and tests; rows, moves and slices read `step(i)` and `length`.
   */
  get steps(): readonly Step[] {
    if (this.flat?.version !== this.version) this.flat = { steps: this.list.slice(), version: this.version };
    return this.flat.steps;
  }

  /** The step at position `i` (undefined past the end). */
  step(i: number): Step {
    return this.list.get(i)!;
  }

  /** Steps [from, to) as an array. */
  slice(from: number, to = this.list.length): Step[] {
    return this.list.slice(from, to);
  }

  /** Whether some step from position `from` on satisfies `test`. */
  some(test: (s: Step) => boolean, from = 0): boolean {
    for (let i = from; i < this.list.length; i++) if (test(this.list.get(i)!)) return true;
    return false;
  }

  /** Position of a step by its stable id (src/core/engine/step-ids.ts). */
  indexOf(stepId: string): number | undefined {
    return this.positions.get(stepId);
  }

  /** The parent's position, or -1 for a top-level step. */
  parentOf(i: number): number {
    return this.parents.get(i);
  }

  childCountOf(i: number): number {
    return this.children.get(i);
  }

  /** One past the step's last descendant. */
  subtreeEndOf(i: number): number {
    return this.ends.get(i);
  }

  /**
   * The first `limit` steps without a parent id (`parentId` null), in order. Only the top of the
   * tree is walked, a subtree at a time: a run under one root step has one, and walking its 10^6
   * steps to find that out took 15-20 ms of the host at each line of a followed trace.
   */
  topLevel(limit: number): Step[] {
    const out: Step[] = [];
    for (let i = 0; i < this.list.length && out.length < limit; i = this.ends.get(i)) {
      const s = this.list.get(i)!;
      if (s.parentId === null) out.push(s);
    }
    return out;
  }

  firstChildOf(i: number): number | undefined {
    return this.children.get(i) > 0 ? i + 1 : undefined;
  }

  nextSiblingOf(i: number): number | undefined {
    const j = this.ends.get(i);
    return j < this.list.length && this.parents.get(j) === this.parents.get(i) ? j : undefined;
  }

  previousSiblingOf(i: number): number | undefined {
    const parent = this.parents.get(i);
    let j = i - 1;
    if (j < 0 || j === parent) return undefined;
    // j is the last step of the previous sibling's subtree: climb to that sibling.
    while (this.parents.get(j) !== parent) j = this.parents.get(j);
    return j;
  }

  findingsOf(i: number): readonly Finding[] {
    return this.findingsByStep.get(i) ?? NO_FINDINGS;
  }

  /** Sorted positions of the steps with findings. */
  withFindings(): readonly number[] {
    return this.flaggedSteps;
  }

  /** Sorted positions of the steps that failed by the trace alone: an error status or a finding. */
  failing(): readonly number[] {
    return this.failingSteps;
  }

  /**
   * Add steps that continue the decision order. Each must carry `index` = its position and have
   * its parent on the open path (the last step or one of its ancestors), or none. Returns false,
   * changing nothing, when they do not: the caller then uses `replace`.
   */
  append(steps: readonly Step[], findings?: readonly Finding[]): boolean {
    const parents = this.parentsForAppend(steps);
    if (!parents) return false;
    const from = this.list.length;
    if (steps.length > 0) {
      for (let k = 0; k < steps.length; k++) {
        if (!this.push(steps[k], parents[k])) {
          this.undoAppend(from, steps.slice(0, k));
          return false;
        }
      }
      for (const s of steps) {
        if (s.status !== 'error') continue;
        this.errorSteps.push(s.index);
        // The failing set grows with them now (new findings recompute it below).
        if (!findings) this.failingSteps.push(s.index);
      }
      this.axisCache = this.axisCache && extendAxis(this, this.axisCache, from);
      if (this.searchText) for (const text of this.searchTexts(from, this.list.length)) this.searchText.push(text);
      this.emitter.emit('appended', { from, count: steps.length });
    }
    if (findings) this.setFindings(findings);
    return true;
  }

  replace(steps: readonly Step[], findings: readonly Finding[] = []): void {
    this.load(steps);
    this.applyFindings(findings);
    this.emitter.emit('reset', { count: this.list.length });
  }

  /**
   * `replace(steps, findings)` where the first `from` steps are those the index has (the same
   * objects): only the steps after them are indexed again, in time proportional to those (a live
   * trace whose parent span, written after its children, takes its place before them; at 2.5·10^5
   * steps a whole `replace` held the thread 110 ms). When the steps after `from` do not continue
   * the first ones in decision order, the whole index is built again. Listeners are told `reset`
   * either way: positions after `from` name other steps.
   * `findingsKept`: `findings` are the ones set last. When every step keeps its id and place, they
   * stay where they were placed, in time proportional to the steps indexed again (a followed
   * session's line changes its last step: placing 6,000 findings again took 4-5 ms of each line).
   */
  replaceFrom(steps: readonly Step[], from: number, findings: readonly Finding[] = [], findingsKept = false): void {
    const tail = steps.slice(from);
    const parents = from <= this.list.length && from <= steps.length ? this.parentsForAppend(tail, from) : undefined;
    if (!parents) return this.replace(steps, findings);
    // Every step kept its id and place (the steps shown changed where they were; more may follow
    // them), the findings are the ones placed and each found its step: each is still on its step.
    const placesKept = findingsKept && this.unplacedFindings === 0 && from + tail.length >= this.list.length && tail.every((s, k) => from + k >= this.list.length || this.list.get(from + k)!.id === s.id);
    this.cut(from);
    // Ids cut and set again leave entries behind in the id map: made again once they outnumber the live ones.
    if (this.positions.deleted > Math.max(1024, this.positions.size)) {
      this.positions.clear();
      for (let i = 0; i < this.list.length; i++) this.positions.set(this.list.get(i)!.id, i);
    }
    this.errorSteps.length = lowerBound(this.errorSteps, from);
    if (this.searchText) this.searchText.length = from;
    this.heldSearches.clear();
    const axis = this.axisCache;
    this.axisCache = undefined;
    for (let k = 0; k < tail.length; k++) {
      // A taken id (a step repeated): what the whole build makes of it.
      if (!this.push(tail[k], parents[k])) return this.replace(steps, findings);
      if (failedByStatus(tail[k])) this.errorSteps.push(tail[k].index);
    }
    if (this.searchText) for (const text of this.searchTexts(from, this.list.length)) this.searchText.push(text);
    // The timeline's axis as after an append from `from` (computed again if the steps cut were the
    // only ones with times, or reached the end of a step kept that has no end of its own).
    if (axis && (!axis.hasTimestamps || this.some((st) => st.startTime !== null)) && !(axis.hasTimestamps && this.openPathLacksEnd(from))) this.axisCache = extendAxis(this, axis, from);
    // Statuses may have changed: the failing set is made again from the findings placed.
    if (placesKept) this.failingSteps = mergeSorted(this.errorSteps, this.flaggedSteps);
    else this.applyFindings(findings);
    this.emitter.emit('reset', { count: this.list.length });
  }

  /** The steps are held without their payloads: search reads them back from `source` (step-payloads.ts). */
  usePayloads(source: PayloadSource | undefined): void {
    if (source === this.payloads) return;
    this.payloads = source;
    this.searchText = undefined;
    this.heldSearches.clear();
  }

  /**
   * The search for `query` over steps held without their payloads (held-search.ts), which reads the
   * file rather than keeping every step's text; undefined when the steps are whole or the query is
   * empty (then `search` looks in the text kept).
   */
  heldSearch(query: string): HeldSearch | undefined {
    const q = query.trim().toLowerCase();
    if (!this.payloads || !q) return undefined;
    let held = this.heldSearches.get(q);
    if (held) {
      this.heldSearches.delete(q);
    } else {
      const narrower = [...this.heldSearches.values()].find((h) => q.includes(h.query) && h.complete);
      held = new HeldSearch(q, this, this.payloads, narrower);
      if (this.heldSearches.size >= HELD_SEARCHES_KEPT) this.heldSearches.delete(this.heldSearches.keys().next().value!);
    }
    this.heldSearches.set(q, held);
    return held;
  }

  /** Whether `held` still searches these steps (a replace or newer searches drop it). */
  keeps(held: HeldSearch): boolean {
    return this.heldSearches.get(held.query) === held;
  }

  /** The search text of steps [from, to) (whole steps: held ones are searched in the file). */
  private searchTexts(from: number, to: number): string[] {
    return this.list.slice(from, to).map(searchableText);
  }

  setFindings(findings: readonly Finding[]): void {
    this.applyFindings(findings);
    this.emitter.emit('findingsChanged', { count: findings.length });
  }

  /**
   * More findings, the ones set before still holding (a run read as a stream finds more as it goes):
   * in time proportional to those added, not to all of them. A step's findings are in the order
   * they came.
   */
  addFindings(added: readonly Finding[]): void {
    this.placeFindings(added);
    this.emitter.emit('findingsChanged', { count: this.findingTotal });
  }

  /**
   * The findings are now `findings`, which differ from those set only on the steps whose ids are in
   * `touched` (findings of theirs added, dropped or changed; the others' in the same order): those
   * steps' lists are made again, in `findings`' order, where placing every finding again took 4-5
   * ms of each line of a followed 18 MB Codex rollout. Every finding set before must have had its
   * step here (`findingsWithoutStep` 0); otherwise they are all placed again.
   */
  changeFindings(findings: readonly Finding[], touched: ReadonlySet<string>): void {
    if (this.unplacedFindings !== 0) return this.setFindings(findings);
    const lists = new Map<number, Finding[]>();
    for (const id of touched) {
      const i = this.positions.get(id);
      if (i !== undefined) lists.set(i, []);
    }
    let unplaced = 0;
    for (const f of findings) {
      if (!touched.has(f.stepId)) continue;
      const i = this.positions.get(f.stepId);
      if (i === undefined) unplaced++;
      else lists.get(i)!.push(f);
    }
    const came: number[] = [];
    const gone = new Set<number>();
    for (const [i, list] of lists) {
      const had = this.findingsByStep.has(i);
      if (list.length > 0) {
        this.findingsByStep.set(i, list);
        if (!had) came.push(i);
      } else if (had) {
        this.findingsByStep.delete(i);
        gone.add(i);
      }
    }
    if (gone.size > 0) this.flaggedSteps = this.flaggedSteps.filter((i) => !gone.has(i));
    if (came.length > 0) this.flaggedSteps = mergeSorted(this.flaggedSteps, came.sort((a, b) => a - b));
    this.failingSteps = mergeSorted(this.errorSteps, this.flaggedSteps);
    this.findingTotal = findings.length;
    this.unplacedFindings = unplaced;
    this.emitter.emit('findingsChanged', { count: findings.length });
  }

  /** Positions of the steps whose text contains `query` (case-insensitive), in order. */
  search(query: string): number[] {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const held = this.heldSearch(q);
    if (held) {
      held.checkAll();
      return held.matchList();
    }
    const text = (this.searchText ??= this.searchTexts(0, this.list.length));
    const out: number[] = [];
    for (let i = 0; i < text.length; i++) if (text[i].includes(q)) out.push(i);
    return out;
  }

  /**
   * Where each step sits on the timeline: its start and end time when the trace has timestamps,
   * else its position and the end of its subtree (a flame graph by decision order).
   */
  axis(): Axis {
    return (this.axisCache ??= computeAxis(this));
  }

  /**
   * Each step's parent position if `steps` continue the decision order (each attaches to the last
   * step or one of its ancestors, at the next position), else undefined. The open path is matched
   * by id (a few string compares), not through the id map: on a large index, map lookups were
   * most of the cost of an append.
   */
  private parentsForAppend(steps: readonly Step[], at = this.list.length): Int32Array | undefined {
    let n = at;
    const pathIds: string[] = [];
    const pathAt: number[] = [];
    for (let p = n - 1; p >= 0; p = this.parents.get(p)) { pathIds.push(this.list.get(p)!.id); pathAt.push(p); }
    pathIds.reverse();
    pathAt.reverse();
    const out = new Int32Array(steps.length);
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      if (s.index !== n) return undefined;
      if (s.parentId == null) {
        pathIds.length = 0;
        pathAt.length = 0;
        out[k] = -1;
      } else {
        const at = pathIds.lastIndexOf(s.parentId);
        if (at < 0) return undefined;
        pathIds.length = at + 1;
        pathAt.length = at + 1;
        out[k] = pathAt[at];
      }
      pathIds.push(s.id);
      pathAt.push(n);
      n++;
    }
    return out;
  }

  /** Whether step `from - 1` or one of its ancestors has no end of its own (its axis end may have come from steps after it). */
  private openPathLacksEnd(from: number): boolean {
    for (let a = from - 1; a >= 0; a = this.parents.get(a)) if (this.list.get(a)!.endTime === null) return true;
    return false;
  }

  /** Take back the steps of a failed append (all but the one whose id was taken, which push left out). */
  private undoAppend(from: number, pushed: readonly Step[]): void {
    for (const s of pushed) this.positions.delete(s.id);
    this.cut(from, false);
  }

  /**
   * Keep the tree of the first `from` steps (`forget`: their ids leave the id map too): the
   * subtrees on the open path end where the list now does (pre-order: any subtree that reached
   * past `from` holds step `from - 1`, so it is on that path).
   */
  private cut(from: number, forget = true): void {
    for (let i = this.list.length - 1; i >= from; i--) {
      if (forget) this.positions.delete(this.list.get(i)!.id);
      const p = this.parents.get(i);
      if (p >= 0 && p < from) this.children.set(p, this.children.get(p) - 1);
    }
    this.list.truncate(from);
    this.version++;
    this.parents.truncate(from);
    this.ends.truncate(from);
    this.children.truncate(from);
    for (let a = from - 1; a >= 0; a = this.parents.get(a)) this.ends.set(a, from);
  }



  private load(steps: readonly Step[]): void {
    this.list = new ChunkedList<Step>();
    this.version++;
    this.parents.clear();
    this.ends.clear();
    this.children.clear();
    this.positions.clear();
    this.searchText = undefined;
    this.heldSearches.clear();
    this.axisCache = undefined;
    this.errorSteps = [];
    const sorted = steps.every((s, i) => s.index === i) ? steps : [...steps].sort((a, b) => a.index - b.index);
    for (const s of sorted) this.positions.set(s.id, this.positions.size);
    for (let i = 0; i < sorted.length; i++) {
      const s = sorted[i];
      const p = s.parentId == null ? undefined : this.positions.get(s.parentId);
      this.list.push(s);
      if (failedByStatus(s)) this.errorSteps.push(i);
      this.parents.push(p !== undefined && p < i ? p : -1);
      this.ends.push(i + 1);
      this.children.push(0);
      if (p !== undefined && p < i) this.children.set(p, this.children.get(p) + 1);
    }
    // Pre-order: a subtree is contiguous, so it ends one past its last descendant. One reverse pass.
    for (let i = sorted.length - 1; i >= 0; i--) {
      const p = this.parents.get(i);
      if (p >= 0 && this.ends.get(i) > this.ends.get(p)) this.ends.set(p, this.ends.get(i));
    }
  }

  /** Add a step under parent position `p`; false, with nothing changed, when its id is already taken. */
  private push(s: Step, p: number): boolean {
    const i = this.list.length;
    // One map operation tells a new id from a taken one: the map does not grow for a taken id.
    if (!this.positions.set(s.id, i)) {
      let at = 0;
      while (this.list.get(at)!.id !== s.id) at++;
      this.positions.set(s.id, at);
      return false;
    }
    this.list.push(s);
    this.version++;
    this.parents.push(p);
    this.ends.push(i + 1);
    this.children.push(0);
    if (p >= 0) this.children.set(p, this.children.get(p) + 1);
    for (let a = p; a >= 0; a = this.parents.get(a)) this.ends.set(a, i + 1);
    return true;
  }


  private applyFindings(findings: readonly Finding[]): void {
    this.findingsByStep = new Map();
    this.flaggedSteps = [];
    this.findingTotal = 0;
    this.unplacedFindings = 0;
    this.placeFindings(findings);
    this.failingSteps = mergeSorted(this.errorSteps, this.flaggedSteps);
  }

  /** Put findings on their steps, after those there (a list handed out by `findingsOf` is never changed). */
  private placeFindings(findings: readonly Finding[]): void {
    const flagged: number[] = [];
    for (const f of findings) {
      const i = this.positions.get(f.stepId);
      if (i === undefined) {
        this.unplacedFindings++;
        continue;
      }
      const list = this.findingsByStep.get(i);
      this.findingsByStep.set(i, list ? [...list, f] : [f]);
      if (!list) flagged.push(i);
    }
    this.findingTotal += findings.length;
    if (flagged.length === 0) return;
    this.flaggedSteps = mergeSorted(this.flaggedSteps, flagged.sort((a, b) => a - b));
    this.failingSteps = mergeSorted(this.errorSteps, this.flaggedSteps);
  }
}

export interface Axis {
  /** Per step, where its bar starts and ends on the timeline (chunked: the axes of 10^6 steps grow without a copy). */
  start: ChunkedFloat64;
  end: ChunkedFloat64;
  hasTimestamps: boolean;
}

function computeAxis(index: TraceIndex): Axis {
  const axis = { start: new ChunkedFloat64(), end: new ChunkedFloat64(), hasTimestamps: index.some((s) => s.startTime !== null) };
  fillAxis(index, axis, 0);
  return axis;
}

function fillAxis(index: TraceIndex, axis: Axis, from: number): void {
  const { start, end, hasTimestamps } = axis;
  const n = index.length;
  start.resize(n);
  end.resize(n);
  for (let i = from; i < n; i++) {
    const s = index.step(i);
    if (hasTimestamps) {
      const at = s.startTime ?? s.endTime ?? (i > 0 ? end.get(i - 1) : 0);
      start.set(i, at);
      const e = Math.max(at, s.endTime ?? at);
      end.set(i, e);
      // A step with no end of its own (a turn still running, one its source never closed) reaches
      // as far as its steps do: drawn as a dot at its start, it hid a turn of ten seconds.
      for (let a = index.parentOf(i); a >= 0 && index.step(a).endTime === null && end.get(a) < e; a = index.parentOf(a)) end.set(a, e);
    } else {
      start.set(i, i);
      end.set(i, index.subtreeEndOf(i));
    }
  }
}

/**
 * The axis after steps were appended from `from`: the entries before stay (a step's time does not
 * change when others follow it), except, without timestamps, the ends of the new steps'
 * ancestors, whose subtrees grew. Undefined (recompute) when the first timestamp just arrived.
 */
function extendAxis(index: TraceIndex, axis: Axis, from: number): Axis | undefined {
  if (!axis.hasTimestamps && index.some((s) => s.startTime !== null, from)) return undefined;
  fillAxis(index, axis, from);
  // Appended steps hang below the open path (the last old step and its ancestors): only there did ends grow.
  if (!axis.hasTimestamps) for (let a = from - 1; a >= 0; a = index.parentOf(a)) axis.end.set(a, index.subtreeEndOf(a));
  return axis;
}

