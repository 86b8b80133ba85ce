/**
 * Align the steps of two runs on their action sequence and find where they first diverge.
 *
 * The aligner is jsdiff's Myers diff (`diffArrays`) run on step keys (keys.ts), refined in three
 * passes: first on the strict key (kind, action name, arguments), which anchors every step the
 * two runs did identically; then, between two anchors, on the loose key (numbers, ids, dates and
 * paths masked); then, between those, on the action slot alone (kind and tool). A step matched in
 * the first pass is `same` unless its messages, result, error, status or name differ; a step
 * matched in a later pass is the same action slot done differently: `changed`, paired, instead of
 * a deletion and an insertion. What no pass matches is `deleted` (only in a) or `inserted` (only in b).
 */
import { diffArrays } from 'diff';
import type { Step, Trace } from '../model/schema';
import { differingFields, stepKey, type ComparedField, type StepKeys } from './keys';

export type PairKind = 'same' | 'changed' | 'inserted' | 'deleted';

export interface AlignedPair {
  /** Index of the step in run a's step list (its `index`), or null for a step only in b. */
  a: number | null;
  /** Index of the step in run b's step list, or null for a step only in a. */
  b: number | null;
  kind: PairKind;
  /** For `changed` pairs: the fields that differ. */
  fields?: ComparedField[];
}

export interface Divergence {
  a: number | null;
  b: number | null;
  /** Position of the pair in `pairs`. */
  pair: number;
}

export interface Alignment {
  pairs: AlignedPair[];
  /** The first pair that is not `same`; null when the runs did the same thing step for step. */
  firstDivergence: Divergence | null;
  /**
   * The first pair where the runs *did* something different: a step only one run has, or the
   * same slot with other arguments or another name. Differences in messages (a reworded reply, a
   * simulated user's other words), results, errors or status alone do not count. Null when the
   * action sequences are the same.
   */
  firstActionDivergence: Divergence | null;
  counts: Record<PairKind, number>;
  /**
   * True when the runs differ in more steps than `maxEditLength` and part of the alignment was
   * made position by position instead (so a huge comparison stays fast).
   */
  approximate: boolean;
}

export interface AlignOptions {
  /** Most insertions plus deletions the diff looks for in one pass before falling back to pairing by position (default 4000). */
  maxEditLength?: number;
}

const LEVELS = ['strict', 'loose', 'slot'] as const satisfies readonly (keyof StepKeys)[];

/** Stretches longer than this on both sides are cut at their unique common steps before the diff. */
const ANCHOR_ABOVE = 1000;

export function alignTraces(a: Trace, b: Trace, opts: AlignOptions = {}): Alignment {
  return alignSteps(a.steps, b.steps, opts);
}

export function alignSteps(a: readonly Step[], b: readonly Step[], opts: AlignOptions = {}): Alignment {
  const maxEditLength = opts.maxEditLength ?? 4000;
  // Keys as small integers, one numbering per level shared by both runs (the diff compares
  // numbers), computed when first asked: the looser keys only for steps the strict one leaves apart.
  const ids = LEVELS.map((level) => {
    const numbers = new Map<string, number>();
    const side = (steps: readonly Step[]): ((i: number) => number) => {
      const cache = new Int32Array(steps.length).fill(-1);
      return (i) => {
        if (cache[i] >= 0) return cache[i];
        const key = stepKey(steps[i], level);
        let n = numbers.get(key);
        if (n === undefined) numbers.set(key, (n = numbers.size));
        return (cache[i] = n);
      };
    };
    return { a: side(a), b: side(b) };
  });
  const pairs: AlignedPair[] = [];
  let approximate = false;

  const match = (i: number, j: number, level: number): void => {
    const fields = differingFields(a[i], b[j]);
    if (level === 0 && fields.length === 0) pairs.push({ a: i, b: j, kind: 'same' });
    else pairs.push({ a: i, b: j, kind: 'changed', fields });
  };
  const unmatched = (a0: number, a1: number, b0: number, b1: number): void => {
    for (let i = a0; i < a1; i++) pairs.push({ a: i, b: null, kind: 'deleted' });
    for (let j = b0; j < b1; j++) pairs.push({ a: null, b: j, kind: 'inserted' });
  };
  // Too many differences for the diff: pair by position, the same slot as changed, others apart.
  const byPosition = (a0: number, a1: number, b0: number, b1: number): void => {
    approximate = true;
    const strict = ids[0];
    const slot = ids[LEVELS.length - 1];
    let i = a0;
    let j = b0;
    for (; i < a1 && j < b1; i++, j++) {
      if (strict.a(i) === strict.b(j)) match(i, j, 0);
      else if (slot.a(i) === slot.b(j)) match(i, j, LEVELS.length - 1);
      else unmatched(i, i + 1, j, j + 1);
    }
    unmatched(i, a1, j, b1);
  };
  const alignGap = (a0: number, a1: number, b0: number, b1: number, level: number): void => {
    if (a0 === a1 || b0 === b1 || level === LEVELS.length) { unmatched(a0, a1, b0, b1); return; }
    const { a: ia, b: ib } = ids[level];
    // The common start and end first: cheap, and what remains is all the diff has to search.
    let head = 0;
    while (a0 + head < a1 && b0 + head < b1 && ia(a0 + head) === ib(b0 + head)) head++;
    let tail = 0;
    while (a1 - tail > a0 + head && b1 - tail > b0 + head && ia(a1 - tail - 1) === ib(b1 - tail - 1)) tail++;
    for (let k = 0; k < head; k++) match(a0 + k, b0 + k, level);
    diffMiddle(a0 + head, a1 - tail, b0 + head, b1 - tail, level);
    for (let k = tail; k > 0; k--) match(a1 - k, b1 - k, level);
  };
  const diffMiddle = (a0: number, a1: number, b0: number, b1: number, level: number): void => {
    if (a0 === a1 || b0 === b1) { alignGap(a0, a1, b0, b1, level + 1); return; }
    const { a: ia, b: ib } = ids[level];
    // Long stretches are first cut at the steps that occur once in each (patience diff's anchors),
    // so the diff below searches many short stretches instead of one long one.
    if (a1 - a0 > ANCHOR_ABOVE && b1 - b0 > ANCHOR_ABOVE) {
      const anchors = uniqueAnchors(ia, ib, a0, a1, b0, b1);
      if (anchors.length) {
        let i = a0;
        let j = b0;
        for (const [x, y] of anchors) {
          alignGap(i, x, j, y, level);
          match(x, y, level);
          i = x + 1;
          j = y + 1;
        }
        alignGap(i, a1, j, b1, level);
        return;
      }
    }
    const changes = diffArrays(range(a0, a1), range(b0, b1), { comparator: (i, j) => ia(i) === ib(j), maxEditLength });
    if (!changes) { byPosition(a0, a1, b0, b1); return; }
    let i = a0;
    let j = b0;
    let gapA = i;
    let gapB = j;
    for (const c of changes) {
      if (c.added) j += c.count;
      else if (c.removed) i += c.count;
      else {
        alignGap(gapA, i, gapB, j, level + 1);
        for (let k = 0; k < c.count; k++) match(i + k, j + k, level);
        i += c.count;
        j += c.count;
        gapA = i;
        gapB = j;
      }
    }
    alignGap(gapA, i, gapB, j, level + 1);
  };
  alignGap(0, a.length, 0, b.length, 0);

  const counts: Record<PairKind, number> = { same: 0, changed: 0, inserted: 0, deleted: 0 };
  let firstDivergence: Divergence | null = null;
  let firstActionDivergence: Divergence | null = null;
  pairs.forEach((p, k) => {
    counts[p.kind]++;
    if (!firstDivergence && p.kind !== 'same') firstDivergence = { a: p.a, b: p.b, pair: k };
    if (!firstActionDivergence && isActionChange(p)) firstActionDivergence = { a: p.a, b: p.b, pair: k };
  });
  return { pairs, firstDivergence, firstActionDivergence, counts, approximate };
}

function isActionChange(p: AlignedPair): boolean {
  return p.kind === 'inserted' || p.kind === 'deleted' || (p.kind === 'changed' && (p.fields ?? []).some((f) => f === 'arguments' || f === 'name'));
}

/**
 * The steps whose key occurs exactly once in a[a0, a1) and once in b[b0, b1), paired, keeping the
 * longest chain in order on both sides (patience sorting).
 */
function uniqueAnchors(ia: (i: number) => number, ib: (j: number) => number, a0: number, a1: number, b0: number, b1: number): [number, number][] {
  const inA = new Map<number, number>();
  for (let i = a0; i < a1; i++) { const k = ia(i); inA.set(k, inA.has(k) ? -1 : i); }
  const inB = new Map<number, number>();
  for (let j = b0; j < b1; j++) { const k = ib(j); inB.set(k, inB.has(k) ? -1 : j); }
  const cand: [number, number][] = [];
  for (let j = b0; j < b1; j++) {
    const i = inA.get(ib(j));
    if (i !== undefined && i >= 0 && inB.get(ib(j)) === j) cand.push([i, j]);
  }
  // Longest increasing subsequence of the a positions (cand is in b order).
  const tails: number[] = [];
  const prev = new Int32Array(cand.length).fill(-1);
  for (let c = 0; c < cand.length; c++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cand[tails[mid]][0] < cand[c][0]) lo = mid + 1; else hi = mid; }
    if (lo > 0) prev[c] = tails[lo - 1];
    tails[lo] = c;
  }
  const out: [number, number][] = [];
  for (let c = tails.length ? tails[tails.length - 1] : -1; c >= 0; c = prev[c]) out.push(cand[c]);
  return out.reverse();
}

function range(from: number, to: number): number[] {
  const out = new Array<number>(to - from);
  for (let k = 0; k < out.length; k++) out[k] = from + k;
  return out;
}
