/**
 * The run's verdict for the editor's header and trace picker. Whether a run failed is decided by
 * `runOutcome`, the rule promotion uses to keep failed runs out of the demonstrations, so the
 * editor never calls a run fine that promotion treats as failed (or the reverse). Runs that did
 * not fail show what their labels say (Inspect "C", a reward of 1, a partial score) when they say it.
 */
import { runOutcome, type TopLevelSteps } from '../../core/export/run-outcome';
import { readVerdictLabel, type VerdictPart } from '../../core/model/labels';
import type { Trace } from '../../core/model/schema';
import type { RunVerdict } from '../../protocol';

/** `tops`: the run's top-level steps, when the caller keeps them (see runOutcome). */
export function runVerdict(trace: Trace, tops?: TopLevelSteps): RunVerdict | undefined {
  const outcome = runOutcome(trace, [], tops);
  if (outcome.failed) return { outcome: 'fail', summary: withMore(outcome.reasons[0], outcome.reasons.length), reasons: outcome.reasons };
  const parts = trace.labels.map(readVerdictLabel).filter((p): p is VerdictPart => p !== undefined && p.outcome !== 'fail');
  if (parts.length === 0) return undefined;
  const overall = (['partial', 'pass'] as const).find((o) => parts.some((p) => p.outcome === o)) ?? 'unknown';
  const reasons = parts.map((p) => `${p.source} ${p.text}`);
  const lead = parts.findIndex((p) => p.outcome === overall);
  return { outcome: overall, summary: withMore(reasons[Math.max(0, lead)], reasons.length), reasons };
}

function withMore(first: string, total: number): string {
  return total > 1 ? `${first} (+${total - 1} more)` : first;
}
