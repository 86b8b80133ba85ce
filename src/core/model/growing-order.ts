/**
 * A run's decision order kept as its drafts grow (a live session followed line by line,
 * src/core/engine/stream/followed-lines.ts), so that a line costs what it adds, not what the
 * session holds: `decisionOrder` over all drafts was half of a line's cost at 58 MB.
 *
 * It gives exactly what `decisionOrder` gives for the longer list of drafts, or nothing (then the
 * caller orders the drafts whole, and seeds a new one from that). It takes the drafts only while
 * that is simple to be sure of:
 * - every draft has a start time, so siblings sort by (start, file position), a total order with
 *   one answer, and a new draft can be put in its place among them;
 * - the run has no warnings of its order: no parent missing (a later draft could become it), no
 *   cycle;
 * - a draft already there that the new lines changed kept its source id, parent, start and, without
 *   a source id, what its id is made from;
 * - a new draft's parent is a draft already placed (or none).
 * A new draft goes after the subtree of its last sibling that starts no later, or, when it starts
 * before some siblings, in the place of the first of those: the steps from there on move by one.
 * In a live session that is the end, or a few steps before it (parallel tool calls that started
 * out of order).
 *
 * New drafts may also come among the old ones, which then move up in file order (`moved`: a
 * Claude Code session's own new steps go before its sub-agents'). The old ones keep their order;
 * such a draft is taken only when its id is one no draft had (source id, or what a derived id is
 * made from): `decisionOrder` gives ids in file order, and would otherwise number the old ones
 * after it differently.
 */
import { fingerprintHash, NO_FINGERPRINT, StepIdAllocator } from '../engine/step-ids';
import type { DecisionOrder, OrderInput } from './build';

/** Siblings' order in `decisionOrder` when both have a start time: by start, then file position. */
export function startsBefore(ta: number, a: number, tb: number, b: number): boolean {
  return ta !== tb ? ta < tb : a < b;
}

export class GrowingOrder {
  private count = 0;
  private ids: string[] = [];
  private idBySource = new Map<string, number>();
  /** What placed each draft, to tell whether a changed draft still goes where it went. */
  private sourceIds: (string | undefined)[] = [];
  private parentSourceIds: (string | null | undefined)[] = [];
  private starts: number[] = [];
  /** For a draft without a source id: what its derived id hashes. */
  private prints: (string | undefined)[] = [];
  private parentOf = new Int32Array(64);
  private depth = new Int32Array(64);
  /** Where each draft is in `order`, and how many steps its subtree holds (itself included). */
  private positionOf = new Int32Array(64);
  private size = new Int32Array(64);
  private readonly order: number[] = [];
  /** Each draft's children, and the roots, in decision order. */
  private children: number[][] = [];
  private roots: number[] = [];

  /** `allocator`: the one that gave the ids of the drafts so far (it counts them, to give the next ones). */
  private constructor(private readonly allocator: StepIdAllocator) {}

  /**
   * The growing order of a run whose drafts `input` were just ordered whole into `ordered`, with
   * `warned` saying whether that warned (a missing parent, a cycle): undefined when the run does
   * not qualify (see the module comment).
   */
  static seed(input: OrderInput, ordered: DecisionOrder, allocator: StepIdAllocator, warned: boolean): GrowingOrder | undefined {
    if (warned) return undefined;
    const g = new GrowingOrder(allocator);
    for (let i = 0; i < input.count; i++) {
      const start = input.startTime(i);
      if (start === null) return undefined;
      g.remember(input, i, start);
    }
    g.count = input.count;
    g.ensure(input.count);
    for (const [sourceId, i] of ordered.idBySource) g.idBySource.set(sourceId, i);
    // A copy, not a spread into push: a session of 10^5 steps or more is past the arguments a call takes.
    g.ids = ordered.ids.slice();
    g.parentOf.set(ordered.parentOf);
    g.depth.set(ordered.depth);
    ordered.order.forEach((draft, position) => {
      g.order.push(draft);
      g.positionOf[draft] = position;
      g.children.push([]);
    });
    // In decision order, each parent's children come in their own order.
    for (const draft of ordered.order) {
      const p = g.parentOf[draft];
      (p >= 0 ? g.children[p] : g.roots).push(draft);
    }
    for (let k = ordered.order.length - 1; k >= 0; k--) {
      const draft = ordered.order[k];
      g.size[draft] += 1;
      const p = g.parentOf[draft];
      if (p >= 0) g.size[p] += g.size[draft];
    }
    return g;
  }

  /**
   * The order of the drafts `input` holds now (those counted before as they were, except the
   * positions in `changed`; the rest new); undefined when it cannot tell (then this object is
   * spent: order the drafts whole). `moved`: where each draft counted before is now, when new
   * ones came among them (positions in `changed` are the new ones').
   */
  grow(input: OrderInput, changed: ReadonlySet<number>, moved?: Int32Array): DecisionOrder | undefined {
    const before = this.count;
    if (input.count < before) return undefined;
    // The new drafts, in file order: the places no old one moved to (after them all, unless some
    // moved); and the last old one's place (a new draft before it came among them).
    if (moved && !this.renumber(moved, input.count)) return undefined;
    const isNew = new Set<number>();
    for (let i = moved ? 0 : before, k = 0; i < input.count; i++) {
      if (moved && k < moved.length && moved[k] === i) k++;
      else isNew.add(i);
    }
    const added = [...isNew];
    const lastOld = moved && before > 0 ? moved[before - 1] : before - 1;
    for (const i of changed) {
      if (isNew.has(i)) continue;
      const sourceId = input.sourceId(i);
      if (sourceId !== this.sourceIds[i] || input.parentSourceId(i) !== this.parentSourceIds[i] || input.startTime(i) !== this.starts[i]) return undefined;
      if (!sourceId && fingerprintHash(input.fingerprint(i)) !== this.prints[i]) return undefined;
    }
    this.ensure(input.count);
    // Ids first, as decisionOrder gives them, so a new draft may name an earlier new one as parent.
    for (const i of added) {
      const start = input.startTime(i);
      if (start === null) return undefined;
      const sourceId = input.sourceId(i);
      const fingerprint = sourceId ? NO_FINGERPRINT : input.fingerprint(i);
      if (i < lastOld && this.allocator.issued(sourceId, fingerprint)) return undefined;
      this.ids[i] = this.allocator.next(sourceId, fingerprint);
      if (sourceId && !this.idBySource.has(sourceId)) this.idBySource.set(sourceId, i);
      this.remember(input, i, start);
      this.children[i] = [];
    }
    for (const i of added) {
      const parentSourceId = input.parentSourceId(i);
      const p = parentSourceId ? this.idBySource.get(parentSourceId) : undefined;
      // A missing parent warns (and a later draft could become it); a parent after the draft is not placed yet.
      if (parentSourceId && p === undefined) return undefined;
      if (p !== undefined && p > i) return undefined;
      this.place(i, p === undefined || p === i ? -1 : p);
    }
    this.count = input.count;
    return {
      order: this.order, ids: this.ids, idBySource: this.idBySource,
      parentOf: this.parentOf.subarray(0, this.count), depth: this.depth.subarray(0, this.count),
    };
  }

  /**
   * The drafts counted so far moved to `moved` (old position -> new, increasing) among `count`:
   * every column and link follows them; the places left are the new drafts'. False when `moved`
   * is not such a list.
   */
  private renumber(moved: Int32Array, count: number): boolean {
    const n = this.count;
    if (moved.length !== n) return false;
    for (let i = 0; i < n; i++) if (moved[i] >= count || (i > 0 && moved[i] <= moved[i - 1]) || moved[i] < i) return false;
    const follow = <T>(column: T[]): T[] => {
      const out = new Array<T>(count);
      for (let i = 0; i < n; i++) out[moved[i]] = column[i];
      return out;
    };
    this.ids = follow(this.ids);
    this.sourceIds = follow(this.sourceIds);
    this.parentSourceIds = follow(this.parentSourceIds);
    this.starts = follow(this.starts);
    this.prints = follow(this.prints);
    this.children = follow(this.children.map((kids) => kids.map((k) => moved[k])));
    this.roots = this.roots.map((k) => moved[k]);
    for (let q = 0; q < this.order.length; q++) this.order[q] = moved[this.order[q]];
    for (const [sourceId, i] of this.idBySource) this.idBySource.set(sourceId, moved[i]);
    const length = Math.max(count, this.parentOf.length);
    const followTyped = (column: Int32Array<ArrayBuffer>, link = false): Int32Array<ArrayBuffer> => {
      const out = new Int32Array(length);
      for (let i = 0; i < n; i++) out[moved[i]] = link && column[i] >= 0 ? moved[column[i]] : column[i];
      return out;
    };
    this.parentOf = followTyped(this.parentOf, true);
    this.depth = followTyped(this.depth);
    this.positionOf = followTyped(this.positionOf);
    this.size = followTyped(this.size);
    return true;
  }

  /** Put new draft `i` (parent `p`, or -1) in its place. */
  private place(i: number, p: number): void {
    const siblings = p >= 0 ? this.children[p] : this.roots;
    const start = this.starts[i];
    let k = siblings.length;
    while (k > 0 && startsBefore(start, i, this.starts[siblings[k - 1]], siblings[k - 1])) k--;
    const position = k < siblings.length ? this.positionOf[siblings[k]] : p >= 0 ? this.positionOf[p] + this.size[p] : this.order.length;
    siblings.splice(k, 0, i);
    this.order.splice(position, 0, i);
    for (let q = position; q < this.order.length; q++) this.positionOf[this.order[q]] = q;
    this.parentOf[i] = p;
    this.depth[i] = p >= 0 ? this.depth[p] + 1 : 0;
    this.size[i] = 1;
    for (let a = p; a >= 0; a = this.parentOf[a]) this.size[a] += 1;
  }

  private remember(input: OrderInput, i: number, start: number): void {
    const sourceId = input.sourceId(i);
    this.sourceIds[i] = sourceId;
    this.parentSourceIds[i] = input.parentSourceId(i);
    this.starts[i] = start;
    this.prints[i] = sourceId ? undefined : fingerprintHash(input.fingerprint(i));
  }

  /** Room for `n` drafts in the typed columns. */
  private ensure(n: number): void {
    if (n <= this.parentOf.length) return;
    const grown = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(Math.max(n, a.length * 2));
      b.set(a);
      return b;
    };
    this.parentOf = grown(this.parentOf);
    this.depth = grown(this.depth);
    this.positionOf = grown(this.positionOf);
    this.size = grown(this.size);
  }
}
