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
import { SentList, withDelta, type ListDelta } from './list-delta';

/** A site's identity: its run, step and detector category (one finding of each per step). */
const siteKey = (s: FailureSite): string => `${s.traceIndex}\u0000${s.stepId}\u0000${s.detectorCategory}`;

/** The sites the host lacks, and their places in the new list; the places, in the list sent before, of those gone. */
export type SitesDelta = ListDelta<FailureSite>;

/** The worker's side: the sites sent last, to tell what a new list adds (list-delta.ts). */
export class SentSites extends SentList<FailureSite> {
  constructor() {
    super(siteKey, samePlain);
  }
}

/** The host's side: the new list, from the list given last, less those gone, with those added. */
export const withAddedSites: (before: readonly FailureSite[], delta: SitesDelta) => FailureSite[] = withDelta;

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
