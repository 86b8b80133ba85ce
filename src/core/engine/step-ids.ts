/**
 * Stable step ids: the id a step keeps while its trace grows, across reloads, and in every
 * address (sidecars, CodeLens, manifests, the debugger).
 *
 * A step's id is its source id (the span id, event uuid... as written in the trace) the first time
 * that id occurs, and `<source id>#<k>` for its k-th occurrence. A step without a source id gets
 * `step-<hash>` from its kind, name, start time and tool, with the same occurrence numbering. Ids
 * never depend on a step's position: appending steps, or a duplicate source id appearing later,
 * leaves every id already given unchanged, because occurrences are counted in file order.
 */
import { shortHash } from '../util/hash';
import { IdMap } from './id-map';

export interface StepFingerprint {
  kind: string;
  name: string;
  /** The name to hash instead of `name` (see DraftStep.fingerprintName). */
  fingerprintName?: string;
  startTime?: number | null;
  toolCall?: { name: string };
}

/** The content part of a derived id (also what ids of the old, position-based scheme hashed). */
export function fingerprintHash(d: StepFingerprint): string {
  return shortHash(`${d.kind}|${d.fingerprintName ?? d.name}|${d.startTime ?? ''}|${d.toolCall?.name ?? ''}`);
}

/** What a step with a source id passes for its fingerprint: its id is not derived, so nothing is hashed. */
export const NO_FINGERPRINT: StepFingerprint = { kind: '', name: '' };

export class StepIdAllocator {
  /**
   * Every id issued, and for each base (a source id, or a derived `step-<hash>`) how many of its
   * occurrences were given ids: 0 for an id issued only as another base's `<base>#<k>`. One map
   * for both: a run of 10^6 steps holds one entry per step, not two. An IdMap, not a Map: at 10^6
   * steps the Map took 1.6 s of the reading thread. Each value is that count times two, plus one
   * when the key was some step's source id (`isSourceId`): the streaming builders ask which source
   * ids came before (a parent must) of this map, not of a second map of the same ids (one probe a
   * step less: 0.3-0.5 s of the worker's thread at 10^6 steps).
   */
  private readonly seen = new IdMap();
  private lastFirstOfSource = false;

  /** Whether the last `next` was given a source id no step had before (its first occurrence). */
  get firstOfSource(): boolean {
    return this.lastFirstOfSource;
  }

  /** Whether the base `next` would start from (the source id, or the derived id) was given or counted already. */
  issued(sourceId: string | undefined, fingerprint: StepFingerprint): boolean {
    return this.seen.has(sourceId || `step-${fingerprintHash(fingerprint)}`);
  }

  /** Whether an earlier step had this source id (a `<base>#<k>` id issued for another does not count). */
  isSourceId(sourceId: string): boolean {
    const v = this.seen.get(sourceId);
    return v !== undefined && (v & SOURCE_BIT) !== 0;
  }

  /** The next step's id, in file order. */
  next(sourceId: string | undefined, fingerprint: StepFingerprint): string {
    const base = sourceId || `step-${fingerprintHash(fingerprint)}`;
    const source = sourceId ? SOURCE_BIT : 0;
    // Most steps: a base seen for the first time is its own id.
    const known = this.seen.addIfAbsent(base, COUNT_UNIT | source);
    this.lastFirstOfSource = source !== 0 && (known === undefined || (known & SOURCE_BIT) === 0);
    if (known === undefined) return base;
    let k = known >> 1;
    let id: string;
    // A literal source id "x#2" may already be taken by the second "x": count on until free.
    do {
      k++;
      id = k === 1 ? base : `${base}#${k}`;
    } while (this.seen.has(id));
    // The base is issued too by now (its first occurrence, or the id that made it count on).
    this.seen.set(base, k * COUNT_UNIT | (known & SOURCE_BIT) | source);
    if (id !== base) this.seen.set(id, 0);
    return id;
  }
}

/** A value's low bit: the key was a step's source id. The count of a base's occurrences is above it. */
const SOURCE_BIT = 1;
const COUNT_UNIT = 2;

/** `step-<position>-<hash>`: ids of the earlier, position-based scheme, still found in sidecars written before it changed. */
const LEGACY_DERIVED_ID = /^step-(\d+)-([0-9a-f]{8})$/;

export function parseLegacyDerivedId(id: string): { position: number; hash: string } | undefined {
  const m = LEGACY_DERIVED_ID.exec(id);
  return m ? { position: Number(m[1]), hash: m[2] } : undefined;
}
