/**
 * The one rule for "has the user reviewed this detector finding, and how": used by the editor,
 * the text diagnostics, the webview (through the host) and promotion, so what the user saw is
 * what the training data gets.
 *
 * A finding is identified on its step by the detector's category (a default-taxonomy id; the
 * detectors report at most one finding per step and category) and its rule. A sidecar entry
 * decides it when it is on the same step, names that rule (or no rule) and names that category:
 * exactly (what the editor writes), or as a category of another taxonomy that stands for it
 * (a hand-written "Formatting Errors" rejection). An exact entry wins over a loose one; among
 * equals the last in the file wins. Only entries from the review (`source: "rule"`) confirm a
 * finding; any rejected entry rejects it. A finding of another category or rule is never touched,
 * so rejecting one of two findings of a rule leaves the other shown.
 */
import { DEFAULT_TAXONOMY } from '../taxonomy/default';
import type { Taxonomy } from '../taxonomy/types';
import { defaultIdsOf } from './categories';
import type { ErrorTag } from './schema';

export type FindingReview = 'proposed' | 'confirmed' | 'rejected';

/** What identifies a finding on its step. */
export interface FindingIdentity {
  /** The detector's category (default-taxonomy id). */
  category: string;
  rule: string;
}

/** The sidecar entry that decides a finding among its step's entries, or undefined when nobody reviewed it. */
export function decisionOf(stepTags: readonly ErrorTag[] | undefined, finding: FindingIdentity): ErrorTag | undefined {
  let exact: ErrorTag | undefined;
  let loose: ErrorTag | undefined;
  for (const t of stepTags ?? []) {
    if (t.status !== 'rejected' && t.source !== 'rule') continue;
    if (t.rule !== undefined && t.rule !== finding.rule) continue;
    if (t.category === finding.category) exact = t;
    else if (defaultIdsOf(t).includes(finding.category)) loose = t;
  }
  return exact ?? loose;
}

export function reviewOf(stepTags: readonly ErrorTag[] | undefined, finding: FindingIdentity): FindingReview {
  return decisionOf(stepTags, finding)?.status ?? 'proposed';
}

/** A detector finding with the category it shows as and the review the sidecar gives it. */
export interface ReviewedFinding<F extends FindingIdentity & { stepId: string } = FindingIdentity & { stepId: string }> {
  finding: F;
  /** The category in the taxonomy in use (the detector's id when that taxonomy does not map it). */
  shownCategory: string;
  review: FindingReview;
  /** The sidecar entry that decided it. */
  decision?: ErrorTag;
}

/** A detector category as the taxonomy in use names it. */
export function shownFindingCategory(defaultId: string, taxonomy: Taxonomy): string {
  return taxonomy.id === DEFAULT_TAXONOMY.id ? defaultId : taxonomy.fromDefault(defaultId) ?? defaultId;
}

/** Every finding with its review, in the findings' order. `tagsByStep`: sidecar entries per step id (see bindAnnotations). */
export function reviewFindings<F extends FindingIdentity & { stepId: string }>(
  findings: readonly F[], tagsByStep: ReadonlyMap<string, readonly ErrorTag[]>, taxonomy: Taxonomy,
): ReviewedFinding<F>[] {
  return findings.map((finding) => {
    const decision = decisionOf(tagsByStep.get(finding.stepId), finding);
    return { finding, shownCategory: shownFindingCategory(finding.category, taxonomy), review: decision?.status ?? 'proposed', ...(decision ? { decision } : {}) };
  });
}
