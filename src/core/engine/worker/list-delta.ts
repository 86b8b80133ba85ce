/**
 * A list the worker sends again and again (a run's findings with each batch of steps; the failure
 * sites with each `done`) crosses as what changed since it was sent last: the values added and
 * where they go, and which of those sent before are gone (or changed: gone, and added again). The
 * host puts the new ones among those it has, which it keeps as the same objects, in the order the
 * worker has them.
 */
/** The values the host lacks, and their places in the new list (ascending); the places, in the list sent before, of those gone. */
export interface ListDelta<T> {
  added: T[];
  at: number[];
  gone?: number[];
}

/** The worker's side: the list sent last, to tell what a new list adds and takes away. */
export class SentList<T> {
  private sent: readonly T[] | undefined;
  /** keyOf each value of `sent`, and as a set. */
  private sentKeys: string[] = [];
  private sentKeySet = new Set<string>();

  /**
   * `keyOf`: which value it is (two values of a list with one key cannot be told apart: the list
   * goes whole); `same`: whether a value kept its key and is unchanged.
   */
  constructor(private readonly keyOf: (value: T) => string, private readonly same: (a: T, b: T) => boolean) {}

  /** Nothing is known to be on the host (a reset, another kind of outcome): the next list goes whole. */
  forget(): void {
    this.sent = undefined;
    this.sentKeys = [];
    this.sentKeySet = new Set();
  }

  /**
   * What `list` adds to the list sent last and takes from it (the values kept are in the same
   * order); undefined when `list` must go whole (no list sent, two values of one key, or a change
   * as large as the list). Either way, the host has `list` next.
   */
  delta(list: readonly T[]): ListDelta<T> | undefined {
    const before = this.sent;
    const beforeKeys = this.sentKeys;
    // The values at the head that are those sent, as the same objects (the failure site memo and
    // the detectors give back those that did not change), stay: only the rest is keyed and
    // compared. Keying all 12,000 failure sites took 13 ms of each append at 10^6 steps.
    let p = 0;
    if (before) {
      const n = Math.min(before.length, list.length);
      while (p < n && list[p] === before[p]) p++;
    }
    const tailKeys: string[] = [];
    for (let i = p; i < list.length; i++) tailKeys.push(this.keyOf(list[i]));
    const tailSet = new Set(tailKeys);
    const beforeTail = new Set(beforeKeys.slice(p));
    // Two values of one key cannot be told apart: this list and the next go whole.
    // (The head's keys are distinct: a list is kept only when its keys are.)
    const distinct = tailSet.size === tailKeys.length && tailKeys.every((k) => !this.sentKeySet.has(k) || beforeTail.has(k));
    if (!distinct) {
      this.forget();
      return undefined;
    }
    const keys = p === 0 ? tailKeys : [...beforeKeys.slice(0, p), ...tailKeys];
    this.sent = list;
    this.sentKeys = keys;
    if (p === 0) this.sentKeySet = new Set(tailKeys);
    else {
      for (const k of beforeTail) this.sentKeySet.delete(k);
      for (const k of tailKeys) this.sentKeySet.add(k);
    }
    if (!before) return undefined;
    const added: T[] = [];
    const at: number[] = [];
    const gone: number[] = [];
    let j = p;
    // Past the head, a key sent before is still there only among the tail's (keys are distinct).
    const skipGone = (): void => {
      while (j < before.length && !tailSet.has(beforeKeys[j])) gone.push(j++);
    };
    for (let i = p; i < list.length; i++) {
      skipGone();
      const s = list[i];
      if (j < before.length && beforeKeys[j] === keys[i] && this.same(before[j], s)) {
        j++;
        continue;
      }
      // Changed where it was: gone, and added again.
      if (j < before.length && beforeKeys[j] === keys[i]) gone.push(j++);
      added.push(s);
      at.push(i);
    }
    // The rest of those sent before are gone (or moved: added again where they are now).
    while (j < before.length) gone.push(j++);
    // None of those sent before stays: the list itself is no larger.
    if (gone.length > 0 && gone.length === before.length) return undefined;
    return gone.length ? { added, at, gone } : { added, at };
  }
}

/** The host's side: the new list, from the list given last, less those gone, with those added (the values kept are the same objects). */
export function withDelta<T>(before: readonly T[], delta: ListDelta<T>): T[] {
  const gone = delta.gone ?? [];
  const out: T[] = new Array(before.length - gone.length + delta.added.length);
  let b = 0;
  let g = 0;
  let a = 0;
  for (let i = 0; i < out.length; i++) {
    if (a < delta.at.length && delta.at[a] === i) {
      out[i] = delta.added[a++];
      continue;
    }
    while (g < gone.length && gone[g] === b) { b++; g++; }
    out[i] = before[b++];
  }
  return out;
}
