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

/**
 * A delta by identity that adds more values than this, or keeps none of those sent, is tried
 * again by key: a producer that makes its values again (a file read whole again is analysed
 * again) gives equal values as new objects, which then stay on the host.
 */
const FEW_ADDED = 8;

/** The worker's side: the list sent last, to tell what a new list adds and takes away. */
export class SentList<T extends object> {
  private sent: readonly T[] | undefined;
  /** keyOf of the values met, made once per object. */
  private readonly keys = new WeakMap<T, string>();

  /**
   * `keyOf`: which value it is (two values of a list with one key cannot be told apart by key);
   * `same`: whether a value kept its key and is unchanged.
   */
  constructor(private readonly keyOf: (value: T) => string, private readonly same: (a: T, b: T) => boolean) {}

  /** Nothing is known to be on the host (a reset, another kind of outcome): the next list goes whole. */
  forget(): void {
    this.sent = undefined;
  }

  /**
   * What `list` adds to the list sent last and takes from it (the values kept are in the same
   * order); undefined when `list` must go whole (no list sent, or a change as large as the list).
   * Either way, the host has `list` next.
   *
   * The two lists are walked side by side, values matched by identity: the detectors and the
   * failure site memo give back the objects that did not change, so a list that is as it was, or
   * only grew at its end (an appended line's findings), costs a comparison per value. Keying and
   * comparing all 12,000 findings of a 10^6-step run was most of the worker's time of each line
   * appended to it.
   */
  delta(list: readonly T[]): ListDelta<T> | undefined {
    const before = this.sent;
    this.sent = list;
    if (!before) return undefined;
    // None of those sent before stays: the list itself is no larger.
    const keepsNone = (d: Required<ListDelta<T>>): boolean => d.gone.length > 0 && d.gone.length === before.length;
    let delta = this.byIdentity(before, list);
    if (delta.added.length > FEW_ADDED || keepsNone(delta)) {
      const keyed = this.byKey(before, list);
      if (keyed && keyed.added.length < delta.added.length) delta = keyed;
    }
    if (keepsNone(delta)) return undefined;
    return delta.gone.length ? delta : { added: delta.added, at: delta.at };
  }

  /**
   * The delta walking both lists: a value that is the one sent where the walk is stays, and so
   * does one sent further on (those passed over are gone). A value not sent, with the key of the
   * one where the walk is, stays if equal to it (the end-of-run findings are made again at each
   * read) and else replaces it (gone, and added again); any other value is added. Values are
   * looked up in a map of `before` made the first time one is not the one sent where the walk is,
   * unless the values after both line up: a list as it was, with a value made again in place, or
   * that only grew at its end (an appended line's findings), needs none.
   */
  private byIdentity(before: readonly T[], list: readonly T[]): Required<ListDelta<T>> {
    const added: T[] = [];
    const at: number[] = [];
    const gone: number[] = [];
    let placesBefore: Map<T, number> | undefined;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      const value = list[i];
      if (j < before.length) {
        const there = before[j];
        if (value === there) {
          j++;
          continue;
        }
        // The values after them line up: `value` takes the place of `there` (a finding made again
        // among 12,000 as they were needs no map).
        const aligned = i + 1 < list.length ? j + 1 < before.length && list[i + 1] === before[j + 1] : j + 1 === before.length;
        // (Only the values from here on are looked up: those passed are gone or kept.)
        const k = aligned ? undefined : (placesBefore ??= placesOf(before, j)).get(value);
        if (k !== undefined && k > j) {
          while (j < k) gone.push(j++);
          j++;
          continue;
        }
        if (this.key(there) === this.key(value)) {
          j++;
          if (this.same(there, value)) continue;
          gone.push(j - 1);
        }
      }
      added.push(value);
      at.push(i);
    }
    while (j < before.length) gone.push(j++);
    return { added, at, gone };
  }

  private key(value: T): string {
    let k = this.keys.get(value);
    if (k === undefined) this.keys.set(value, (k = this.keyOf(value)));
    return k;
  }

  /**
   * The delta matching values by key past the values at the head that are the ones sent (a live
   * session changes its last findings), an equal value staying where it was; undefined when a key
   * is on two values of either list's rest (they cannot be told apart).
   */
  private byKey(before: readonly T[], list: readonly T[]): Required<ListDelta<T>> | undefined {
    let p = 0;
    while (p < before.length && p < list.length && list[p] === before[p]) p++;
    const beforeKeys = before.slice(p).map((v) => this.key(v));
    const keys = list.slice(p).map((v) => this.key(v));
    const keySet = new Set(keys);
    if (keySet.size !== keys.length || new Set(beforeKeys).size !== beforeKeys.length) return undefined;
    const added: T[] = [];
    const at: number[] = [];
    const gone: number[] = [];
    let j = 0;
    for (let i = 0; i < keys.length; i++) {
      // Those sent before whose key the list no longer has are gone.
      while (j < beforeKeys.length && !keySet.has(beforeKeys[j])) gone.push(p + j++);
      if (j < beforeKeys.length && beforeKeys[j] === keys[i]) {
        if (this.same(before[p + j], list[p + i])) {
          j++;
          continue;
        }
        // Changed where it was: gone, and added again.
        gone.push(p + j++);
      }
      added.push(list[p + i]);
      at.push(p + i);
    }
    // The rest of those sent before are gone (or moved: added again where they are now).
    while (j < beforeKeys.length) gone.push(p + j++);
    return { added, at, gone };
  }
}

/** The place of each value from `from` on, by identity (the last, for one object at two places). */
function placesOf<T>(list: readonly T[], from: number): Map<T, number> {
  const places = new Map<T, number>();
  for (let i = from; i < list.length; i++) places.set(list[i], i);
  return places;
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
