/**
 * Reading the labels a trace came with (ImportedLabel) for people: which step labels say "this
 * step went wrong", how to name a label in one line, and what a trace-level label says about the
 * run (a reward, a score, a pass/fail). Promotion's "did the run fail" rule is runOutcome in
 * core/export/run-outcome.ts; the editor's verdict is built on it (host/editor/run-verdict.ts).
 */
import type { ImportedLabel } from './schema';

export type VerdictOutcome = 'pass' | 'fail' | 'partial' | 'unknown';

/** One trace-level label read as a verdict. */
export interface VerdictPart {
  outcome: VerdictOutcome;
  /** Who said it, for people: `τ-bench`, `Inspect`, `SWE-bench`, `Who&When`... */
  source: string;
  /** What it said, short: `reward 0`, `match: I`, `unresolved`, `answer incorrect`. */
  text: string;
}

const SCHEME_NAMES: Record<string, string> = {
  'tau-bench': 'τ-bench', inspect: 'Inspect', 'swe-bench': 'SWE-bench', toolbench: 'ToolBench',
  'who-and-when': 'Who&When', trail: 'TRAIL', mast: 'MAST',
};

/** A label scheme as people write it (`trail` → `TRAIL`); unknown schemes as written. */
export function schemeName(scheme: string): string {
  return SCHEME_NAMES[scheme] ?? clip(scheme, 40);
}

/**
 * Does this step-level label say the step went wrong? Human error labels (TRAIL, Who&When, MAST)
 * carry no value or a boolean; a numeric score or reward on a step is a measurement, not an error.
 * `effectiveErrors` in core/annotations/bind.ts (what promotion trains on) calls this too.
 */
export function isStepErrorLabel(l: ImportedLabel): l is ImportedLabel & { stepId: string } {
  return l.stepId !== null && (l.value === undefined || typeof l.value === 'boolean');
}

/** `TRAIL: Formatting Errors (HIGH)`: a label in one line, for tooltips and screen readers. */
export function describeLabel(l: ImportedLabel): string {
  return `${schemeName(l.scheme)}: ${clip(l.category, 80)}${l.impact ? ` (${l.impact})` : ''}`;
}

/**
 * A trace-level label read as a verdict (pass, fail, partial), or undefined when it is not one
 * (τ-bench's `failed` label repeats its `reward 0`). Whether a run *failed* is decided by
 * `runOutcome` (core/export/run-outcome.ts), which promotion uses; this reads the rest for display.
 */
export function readVerdictLabel(l: ImportedLabel): VerdictPart | undefined {
  return l.stepId === null ? verdictOf(l) : undefined;
}

function verdictOf(l: ImportedLabel): VerdictPart | undefined {
  const source = schemeName(l.scheme);
  const category = clip(l.category, 60);
  // τ-bench writes both `reward` and, for reward 0, a `failed` label saying the same thing.
  if (l.scheme === 'tau-bench' && l.category === 'failed') return undefined;
  const v = l.value;
  if (v === undefined) return { outcome: 'fail', source, text: category }; // a human failure label on the whole run
  if (typeof v === 'boolean') return { outcome: v ? 'pass' : 'fail', source, text: category };
  if (l.scheme === 'mast') return { outcome: 'fail', source, text: category }; // the value counts annotators who saw the failure
  if (typeof v === 'number') {
    const text = l.scheme === 'tau-bench' && l.category === 'reward' ? `reward ${formatNumber(v)}` : `${category}: ${formatNumber(v)}`;
    return { outcome: outcomeOfNumber(v), source, text };
  }
  if (typeof v === 'string') return { outcome: outcomeOfGrade(v), source, text: `${category}: ${clip(v, 20)}${GRADE_WORDS.has(v) ? ` (${GRADE_WORDS.get(v)})` : ''}` };
  return { outcome: 'unknown', source, text: category };
}

/** Rewards and normalised scores: 0 failed, 1 passed, in between partial; other scales cannot be read. */
function outcomeOfNumber(v: number): VerdictOutcome {
  if (!Number.isFinite(v)) return 'unknown';
  if (v === 0) return 'fail';
  if (v === 1) return 'pass';
  return v > 0 && v < 1 ? 'partial' : 'unknown';
}

/** Inspect's letter grades in words: "includes: C" alone says nothing to someone who has not read Inspect's scorers. */
const GRADE_WORDS: ReadonlyMap<string, string> = new Map([['C', 'correct'], ['I', 'incorrect'], ['P', 'partial'], ['N', 'no answer']]);

/** Inspect's letter grades (C correct, I incorrect, P partial, N no answer) and plain words. */
function outcomeOfGrade(v: string): VerdictOutcome {
  if (v === 'C') return 'pass';
  if (v === 'I' || v === 'N') return 'fail';
  if (v === 'P') return 'partial';
  const w = v.trim().toLowerCase();
  if (['correct', 'pass', 'passed', 'true', 'yes', 'resolved', 'success'].includes(w)) return 'pass';
  if (['incorrect', 'fail', 'failed', 'false', 'no', 'unresolved', 'failure'].includes(w)) return 'fail';
  return 'unknown';
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

function clip(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
