/**
 * Failing steps the detectors deliberately leave without a finding: an agent span that failed
 * because a step inside it failed (a tool timeout, a model call's 429) is one failure, reported
 * where it happened. Views that count "failures without a category" use this to show such a
 * span with the category of the failure that explains it instead of as uncategorised.
 */
import type { Step } from '../model/schema';

/** A run's steps in decision order with their parents and findings by position (the engine's TraceIndex is one). */
export interface StepTree {
  /** The parent's position, or -1 for a top-level step. */
  parentOf(i: number): number;
  step(i: number): Step;
  /** Sorted positions of the steps with findings. */
  withFindings(): readonly number[];
}

/**
 * For each failing step without a finding, the id of the first step inside it (in decision
 * order) that has one. Steps whose failure nothing inside explains are absent. Time proportional
 * to the findings and the depth of their steps, not to the run: the editor asks again each time
 * the findings of a large run read as a stream grow.
 */
export function explainedFailures(tree: StepTree): Map<string, string> {
  const explained = new Map<string, string>();
  const order = tree.withFindings();
  if (order.length === 0) return explained;
  const flagged = new Set(order);
  const visited = new Set<number>();
  // Flagged steps in decision order: the first one inside a span explains it.
  for (const i of order) {
    // Walk up until an ancestor already walked (its own ancestors were handled then).
    for (let p = tree.parentOf(i); p >= 0 && !visited.has(p); p = tree.parentOf(p)) {
      visited.add(p);
      const parent = tree.step(p);
      if ((parent.status === 'error' || parent.error) && !flagged.has(p)) explained.set(parent.id, tree.step(i).id);
    }
  }
  return explained;
}
