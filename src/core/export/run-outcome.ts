/**
 * How a run ended, for deciding whether it may be trained on as a demonstration. A run failed
 * when its source says so (a benchmark verdict, a reward or score of zero, an "incorrect"
 * grade, a whole-run error label, Who&When's `is_correct: false`), when it ended in an error
 * (its root step, or its last step, failed), or when a tag judges the run as a whole
 * (attribution.ts rule 3). Failed runs are not demonstrations unless the user asks; their
 * corrected turns still make preference pairs and their judged turns step labels.
 */
import type { ImportedLabel, Step, Trace } from '../model/schema';
import type { EffectiveTag } from '../annotations/bind';
import { stepLocation } from '../annotations/bind';

export interface RunOutcome {
  failed: boolean;
  /** Why, one short phrase each ("tau-bench reward 0", "the run ended in an error: ..."). */
  reasons: string[];
}

/** Inspect's grades: C correct, I incorrect, P partial, N no answer. */
const FAILING_GRADES = /^(i|n|incorrect|wrong|fail(ed|ure)?|false|no|unresolved|loss)$/i;

function verdictOf(label: ImportedLabel): string | undefined {
  const what = `${label.scheme} ${label.category}`;
  const v = label.value;
  if (v === undefined || v === null) return `${what} (a label on the whole run)`;
  if (v === false) return what;
  if (typeof v === 'number') {
    // MAST counts the annotators who saw a failure mode; everywhere else a number is a reward or score.
    if (label.scheme === 'mast') return v > 0 ? `${what} (marked by ${v} annotator${v === 1 ? '' : 's'})` : undefined;
    return v <= 0 ? `${what} ${v}` : undefined;
  }
  if (typeof v === 'string') return FAILING_GRADES.test(v.trim()) ? `${what} "${v.trim()}"` : undefined;
  return undefined;
}

function short(s: string, n = 80): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
}

/**
 * The run's top-level steps (parent null): how many, and the first. A caller that keeps this as
 * steps are added (the editor's session, while a run is read) passes it; otherwise the steps are
 * walked until a second one shows.
 */
export interface TopLevelSteps {
  count: number;
  first: Step | undefined;
}

export function topLevelSteps(steps: readonly Step[]): TopLevelSteps {
  const tops: TopLevelSteps = { count: 0, first: undefined };
  for (const s of steps) {
    if (s.parentId !== null) continue;
    tops.first ??= s;
    if (++tops.count > 1) break;
  }
  return tops;
}

/** How the run ended; `runTags` are the tags that judge the run as a whole. */
export function runOutcome(trace: Trace, runTags: readonly EffectiveTag[] = [], tops: TopLevelSteps = topLevelSteps(trace.steps)): RunOutcome {
  const reasons: string[] = [];
  const add = (r: string | undefined): void => { if (r && !reasons.includes(r)) reasons.push(r); };
  // One verdict per scheme is enough ("tau-bench reward 0" says what "tau-bench failed 0" does).
  const judgedBy = new Set<string>();
  for (const l of trace.labels) {
    if (l.stepId !== null || judgedBy.has(l.scheme)) continue;
    const v = verdictOf(l);
    if (v) { judgedBy.add(l.scheme); add(v); }
  }
  if (trace.metadata.is_correct === false) add('the source marks the answer incorrect (is_correct: false)');
  // The run's own span when one step wraps it all; in a flat list of steps, the last one.
  const last = trace.steps[trace.steps.length - 1];
  for (const s of [...(tops.count === 1 && tops.first ? [tops.first] : []), ...(last ? [last] : [])]) {
    if (s.status === 'error') add(`the run ended in an error at step ${s.index + 1} ("${stepLocation(s)}")${s.error ? `: ${short(s.error.type ? `${s.error.type}: ${s.error.message}` : s.error.message)}` : ''}`);
  }
  for (const t of runTags) {
    const s = trace.steps.find((x) => x.id === t.stepId);
    add(`${t.category} on step ${s ? `${s.index + 1} ("${stepLocation(s)}")` : `"${t.stepId}"`} (${t.origin === 'rule' ? 'a detector finding' : t.origin === 'human' ? 'your tag' : 'an imported label'})`);
  }
  return { failed: reasons.length > 0, reasons };
}
