/**
 * A document's failure sites (the analysis the Agent Traces view keeps of the file, sent with each
 * `done` event) cross as what changed since the last `done`: the sites added, and which of those
 * sent before are gone (or changed: gone, and added again).
 *
 * A growing file sends its outcome after every append: at 10^6 steps that is 12,000 sites, about
 * 6 MB of JSON, written in 50 ms by the worker and read in 40 ms by the host for each appended
 * line. The new sites of an append are mostly those of the new steps, so the worker sends those and
 * where they go in the list; the host puts them among the sites it was given last. A live session
 * also changes a few of its last sites at most lines (a call's output makes its step fail; a run
 * that ended on an error goes on): those go, not the 4 MB of a failure-dense session's 8,000.
 */
import type { FailureSite } from '../../analysis/failure-sites';

/** The sites the host lacks, and their places in the new list (ascending); the places, in the list sent before, of those gone. */
export interface SitesDelta {
  added: FailureSite[];
  at: number[];
  gone?: number[];
}

/** A site's identity: its run, step and detector category (one finding of each per step). */
const siteKey = (s: FailureSite): string => `${s.traceIndex}\u0000${s.stepId}\u0000${s.detectorCategory}`;

/** The worker's side: the sites sent last, to tell what a new list adds. */
export class SentSites {
  private sent: FailureSite[] | undefined;
  /** siteKey of each site of `sent`, and as a set. */
  private sentKeys: string[] = [];
  private sentKeySet = new Set<string>();

  /** Nothing is known to be on the host (a reset, another kind of outcome): the next list goes whole. */
  forget(): void {
    this.sent = undefined;
    this.sentKeys = [];
    this.sentKeySet = new Set();
  }

  /**
   * What `sites` adds to the list sent last and takes from it (the sites kept are in the same
   * order); undefined when `sites` must go whole (no list sent, two sites of a kind on a step, or
   * a change as large as the list). Either way, the host has `sites` next.
   */
  delta(sites: FailureSite[]): SitesDelta | undefined {
    const before = this.sent;
    const beforeKeys = this.sentKeys;
    // The sites at the head that are those sent, as the same objects (the failure site memo gives
    // back those that did not change), stay: only the rest is keyed and compared. Keying all
    // 12,000 sites took 13 ms of each append at 10^6 steps.
    let p = 0;
    if (before) {
      const n = Math.min(before.length, sites.length);
      while (p < n && sites[p] === before[p]) p++;
    }
    const tailKeys: string[] = [];
    for (let i = p; i < sites.length; i++) tailKeys.push(siteKey(sites[i]));
    const tailSet = new Set(tailKeys);
    const beforeTail = new Set(beforeKeys.slice(p));
    // Two sites of one kind on one step cannot be told apart: this list and the next go whole.
    // (The head's keys are distinct: a list is kept only when its keys are.)
    const distinct = tailSet.size === tailKeys.length && tailKeys.every((k) => !this.sentKeySet.has(k) || beforeTail.has(k));
    if (!distinct) {
      this.forget();
      return undefined;
    }
    const keys = p === 0 ? tailKeys : [...beforeKeys.slice(0, p), ...tailKeys];
    this.sent = sites;
    this.sentKeys = keys;
    if (p === 0) this.sentKeySet = new Set(tailKeys);
    else {
      for (const k of beforeTail) this.sentKeySet.delete(k);
      for (const k of tailKeys) this.sentKeySet.add(k);
    }
    if (!before) return undefined;
    const added: FailureSite[] = [];
    const at: number[] = [];
    const gone: number[] = [];
    let j = p;
    // Past the head, a key sent before is still there only among the tail's (keys are distinct).
    const skipGone = (): void => {
      while (j < before.length && !tailSet.has(beforeKeys[j])) gone.push(j++);
    };
    for (let i = p; i < sites.length; i++) {
      skipGone();
      const s = sites[i];
      if (j < before.length && beforeKeys[j] === keys[i] && samePlain(before[j], s)) {
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

/** The host's side: the new list, from the list given last, less those gone, with those added. */
export function withAddedSites(before: readonly FailureSite[], delta: SitesDelta): FailureSite[] {
  const gone = delta.gone ?? [];
  const out: FailureSite[] = new Array(before.length - gone.length + delta.added.length);
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

/** Equal JSON values (a site's fields: strings, numbers, and objects of them). */
function samePlain(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null || Array.isArray(x) !== Array.isArray(y)) return false;
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  let n = 0;
  for (const k in a) {
    if (a[k] === undefined) continue;
    n++;
    if (!samePlain(a[k], b[k])) return false;
  }
  for (const k in b) if (b[k] !== undefined) n--;
  return n === 0;
}
