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
 * order) that has one. Steps whose failure nothing inside explains are absent.
 */
export function explainedFailures(tree: StepTree): Map<string, string> {
  const explained = new Map<string, string>();
  const inner = new ExplainingSteps(tree);
  inner.add(tree.withFindings());
  for (const [p, i] of inner.entries()) explained.set(tree.step(p).id, tree.step(i).id);
  return explained;
}

/**
 * `explainedFailures` kept up to date as findings are added, in time proportional to those added
 * and the depth of their steps: the editor adds the findings of a large run read as a stream a
 * batch at a time, and recomputing from all of them (12,000 at 10^6 steps) took 15-20 ms of the
 * extension host's thread each time, 30 times a read. Positions are the tree's; a tree whose
 * steps move (not an append) needs a new one.
 */
export class ExplainingSteps {
  /** For each step above a step with findings: the first such step inside it, by position. */
  private readonly firstBelow = new Map<number, number>();
  private readonly flagged = new Set<number>();

  constructor(private readonly tree: StepTree) {}

  /** Steps that have findings now (any order; those added before are skipped). */
  add(positions: Iterable<number>): void {
    for (const i of positions) {
      if (this.flagged.has(i)) continue;
      this.flagged.add(i);
      // Each step's first flagged step below is at most its children's: where a step already has
      // one no later than i, so do all above it.
      for (let p = this.tree.parentOf(i); p >= 0; p = this.tree.parentOf(p)) {
        const first = this.firstBelow.get(p);
        if (first !== undefined && first <= i) break;
        this.firstBelow.set(p, i);
      }
    }
  }

  /** The position of the step that explains the failure of step `p` (failing, without findings of its own), if one does. */
  explainerOf(p: number): number | undefined {
    if (this.flagged.has(p)) return undefined;
    const step = this.tree.step(p);
    if (step.status !== 'error' && !step.error) return undefined;
    return this.firstBelow.get(p);
  }

  /** Every explained step and its explainer, by position. */
  *entries(): IterableIterator<[number, number]> {
    for (const p of this.firstBelow.keys()) {
      const i = this.explainerOf(p);
      if (i !== undefined) yield [p, i];
    }
  }
}
