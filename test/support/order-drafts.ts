/**
 * Drafts as decision-order tests write them (test/unit/model: growing-order, adopting-order): a
 * source id, a parent's source id and a start time each, with the kind and name that a derived id
 * hashes; and the `OrderInput` that `decisionOrder` and the kept orders read of them.
 */
import type { OrderInput } from '../../src/core/model/build';

export interface Draft { sourceId?: string; parentSourceId?: string; startTime: number | null; kind: string; name: string }

export function inputOf(drafts: readonly Draft[]): OrderInput {
  return {
    count: drafts.length,
    sourceId: (i) => drafts[i].sourceId,
    parentSourceId: (i) => drafts[i].parentSourceId,
    startTime: (i) => drafts[i].startTime,
    fingerprint: (i) => drafts[i],
  };
}
