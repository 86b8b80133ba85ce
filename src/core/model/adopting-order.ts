/**
 * A run's decision order kept as drafts come at the end of its file order, where a draft may come
 * after its children and take them in: OTLP spans are written when they end, so a parent span is
 * written after its children (src/core/engine/stream/otlp-two-pass.ts reads such files on as they
 * grow). Ordering the whole run again with `decisionOrder` was three quarters of a line appended
 * to one trace of 10^5 spans (100-150 ms); this keeps the tree (ids, parent links, each draft's
 * children sorted) and only walks it again, in typed arrays.
 *
 * It gives exactly what `decisionOrder` gives for the longer list of drafts, or nothing (then the
 * caller orders them whole, and this object is spent). It takes drafts only while that is simple
 * to be sure of:
 * - every draft has a start time, so siblings sort by (start, file position), a total order with
 *   one answer, and a new draft can be put in its place among them;
 * - no parent cycle (`decisionOrder` breaks one with a warning, by file order).
 * A draft whose parent is not in the run is at top level with a warning, as `decisionOrder` puts
 * it, and waits for that parent: a later draft with that source id (its first) takes it in.
 * Drafts already there never change: new ones only come after them in the file, so their ids and
 * the first draft of each source id stay as they are, and only a waiting draft's parent can change.
 */
import { quoteTraceText, type Problem } from '../util/problems';
import { NO_FINGERPRINT, type StepIdAllocator } from '../engine/step-ids';
import type { DecisionOrder, OrderInput } from './build';
import { startsBefore } from './growing-order';

export class AdoptingOrder {
  private count = 0;
  private parentOf = new Int32Array(0);
  /** Each draft's children, and the roots, in decision order (sorted by start, then file position). */
  private readonly children: number[][] = [];
  private roots: number[] = [];
  private readonly starts: number[] = [];
  /** Drafts whose parent is not in the run, in file order, and by the source id they name. */
  private waiting: number[] = [];
  private readonly waitingFor = new Map<string, number[]>();
  /** The warning of each waiting draft, made once. */
  private readonly warningOf = new Map<number, string>();

  private constructor(
    private readonly path: string,
    private readonly allocator: StepIdAllocator,
    private readonly ids: string[],
    private readonly idBySource: Map<string, number>,
  ) {}

  /**
   * The order of the `ordered.order.length` drafts `input` begins with, just ordered whole by
   * `decisionOrder` with `allocator`, kept to be extended: undefined when it does not qualify (a
   * draft without a start time, a cycle). `ordered`'s arrays are copied, its map and allocator taken over.
   */
  static seed(input: OrderInput, ordered: DecisionOrder, allocator: StepIdAllocator, path: string): AdoptingOrder | undefined {
    const n = ordered.order.length;
    const o = new AdoptingOrder(path, allocator, ordered.ids.slice(0, n), ordered.idBySource);
    o.ensure(n);
    for (let i = 0; i < n; i++) {
      const start = input.startTime(i);
      if (start === null) return undefined;
      o.starts.push(start);
      o.children.push([]);
    }
    o.parentOf.set(ordered.parentOf.subarray(0, n));
    // In decision order, each parent's children come in their own order.
    for (const draft of ordered.order) {
      const p = o.parentOf[draft];
      if (p >= 0) {
        o.children[p].push(draft);
        continue;
      }
      o.roots.push(draft);
      const parentSourceId = input.parentSourceId(draft);
      if (!parentSourceId) continue;
      const named = o.idBySource.get(parentSourceId);
      // Its parent is in the run, so decisionOrder broke a cycle here.
      if (named !== undefined && named !== draft) return undefined;
      if (named === undefined) o.wait(draft, parentSourceId);
    }
    o.waiting.sort((a, b) => a - b);
    o.count = n;
    return o;
  }

  /**
   * The order of all the drafts `input` holds now (those counted before unchanged, the rest new),
   * with the warnings `decisionOrder` would add to `warnings`; undefined when it cannot tell (then
   * this object is spent: order the drafts whole).
   */
  extend(input: OrderInput, warnings: Problem[]): DecisionOrder | undefined {
    const before = this.count;
    const n = input.count;
    if (n < before) return undefined;
    this.ensure(n);
    // Ids first, in file order, as decisionOrder gives them, so a draft may name a later one as parent.
    const firstOfSource: number[] = [];
    for (let i = before; i < n; i++) {
      const start = input.startTime(i);
      if (start === null) return undefined;
      this.starts.push(start);
      this.children.push([]);
      this.parentOf[i] = -1;
      const sourceId = input.sourceId(i);
      this.ids.push(this.allocator.next(sourceId, sourceId ? NO_FINGERPRINT : input.fingerprint(i)));
      if (sourceId && !this.idBySource.has(sourceId)) {
        this.idBySource.set(sourceId, i);
        firstOfSource.push(i);
      }
    }
    // Drafts that waited for a source id that came now: their parent is its first draft.
    for (const parent of firstOfSource) {
      const sourceId = input.sourceId(parent)!;
      const adopted = this.waitingFor.get(sourceId);
      if (!adopted) continue;
      this.waitingFor.delete(sourceId);
      for (const child of adopted) {
        if (this.isAncestor(child, parent)) return undefined;
        this.warningOf.delete(child);
        this.roots.splice(this.placeAmong(this.roots, child), 1);
        this.link(child, parent);
      }
      const gone = new Set(adopted);
      this.waiting = this.waiting.filter((d) => !gone.has(d));
    }
    for (let i = before; i < n; i++) {
      const parentSourceId = input.parentSourceId(i);
      const p = parentSourceId ? this.idBySource.get(parentSourceId) : undefined;
      if (p !== undefined && p !== i) {
        // Its parent may be below it: a draft it took in, or a new draft it is named by.
        if (this.isAncestor(i, p)) return undefined;
        this.link(i, p);
      } else {
        this.parentOf[i] = -1;
        this.roots.splice(this.placeAmong(this.roots, i), 0, i);
        if (parentSourceId && p === undefined) this.wait(i, parentSourceId);
      }
    }
    this.count = n;
    for (const d of this.waiting) warnings.push({ file: this.path, message: this.warningOf.get(d)! });
    const { order, depth } = this.walk();
    return { order, ids: this.ids, parentOf: this.parentOf.slice(0, n), depth, idBySource: this.idBySource };
  }

  /** Pre-order over the sorted children: each draft once (the tree has no cycle). */
  private walk(): { order: number[]; depth: Int32Array } {
    const n = this.count;
    const order: number[] = new Array(n);
    const depth = new Int32Array(n);
    const stack = new Int32Array(n);
    let top = 0;
    for (let k = this.roots.length - 1; k >= 0; k--) stack[top++] = this.roots[k];
    let at = 0;
    while (top > 0) {
      const i = stack[--top];
      order[at++] = i;
      const kids = this.children[i];
      for (let k = kids.length - 1; k >= 0; k--) {
        depth[kids[k]] = depth[i] + 1;
        stack[top++] = kids[k];
      }
    }
    return { order, depth };
  }

  private link(child: number, parent: number): void {
    this.parentOf[child] = parent;
    const siblings = this.children[parent];
    siblings.splice(this.placeAmong(siblings, child), 0, child);
  }

  /**
   * Where draft `d` is, or goes, among `sorted` (siblings by start, then file position): the
   * first place whose draft does not start before it.
   */
  private placeAmong(sorted: readonly number[], d: number): number {
    const start = this.starts[d];
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = sorted[mid];
      if (startsBefore(this.starts[s], s, start, d)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether `a` is `d` or above it. */
  private isAncestor(a: number, d: number): boolean {
    for (let x = d; x >= 0; x = this.parentOf[x]) if (x === a) return true;
    return false;
  }

  private wait(d: number, parentSourceId: string): void {
    this.waiting.push(d);
    const list = this.waitingFor.get(parentSourceId);
    if (list) list.push(d);
    else this.waitingFor.set(parentSourceId, [d]);
    this.warningOf.set(d, `step ${quoteTraceText(this.ids[d])} names parent ${quoteTraceText(parentSourceId)}, which is not in the trace; shown at top level`);
  }

  /** Room for `n` drafts' parent links. */
  private ensure(n: number): void {
    if (n <= this.parentOf.length) return;
    const grown = new Int32Array(Math.max(n, 2 * this.parentOf.length));
    grown.set(this.parentOf);
    this.parentOf = grown;
  }
}
