/**
 * Failing steps the detectors deliberately leave without a finding: an agent span that failed
 * because a step inside it failed (a tool timeout, a model call's 429) is one failure, reported
 * where it happened. Views that count "failures without a category" use this to show such a
 * span with the category of the failure that explains it instead of as uncategorised.
 */
import type { Step, Trace } from '../model/schema';
import type { Finding } from './types';

/**
 * For each failing step without a finding, the id of the first step inside it (in decision
 * order) that has one. Steps whose failure nothing inside explains are absent. O(steps).
 */
export function explainedFailures(trace: Trace, findings: readonly Finding[], stepById?: (id: string) => Step | undefined): Map<string, string> {
  // Nothing flagged, nothing explained (and no map of every step to build while a file is read).
  if (findings.length === 0) return new Map();
  const flagged = new Set(findings.map((f) => f.stepId));
  // A caller with an index of its own (the editor's TraceIndex) saves building one here.
  let lookup = stepById;
  if (!lookup) {
    const byId = new Map(trace.steps.map((s) => [s.id, s]));
    lookup = (id) => byId.get(id);
  }
  const explained = new Map<string, string>();
  const visited = new Set<string>();
  // Flagged steps in decision order, without walking every step.
  const order = [...flagged].map(lookup).filter((s): s is Step => s !== undefined).sort((a, b) => a.index - b.index);
  for (const step of order) {
    // Walk up until an ancestor already walked (its own ancestors were handled then).
    for (let p = step.parentId; p !== null && !visited.has(p); ) {
      visited.add(p);
      const parent = lookup(p);
      if (!parent) break;
      if ((parent.status === 'error' || parent.error) && !flagged.has(p)) explained.set(p, step.id);
      p = parent.parentId;
    }
  }
  return explained;
}
