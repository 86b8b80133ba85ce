/**
 * What the Agent Traces view keeps per file: a small summary, persisted in workspace state so a
 * reopened workspace shows counts at once and only re-reads files whose mtime or size changed.
 */
import type { AnalysisOutcome } from '../analysis/service';

export interface CategoryCount {
  category: string;
  categoryName: string;
  color: string;
  count: number;
  /** First failing step of this category, so a click can select it: its id and its run (the ids of a file's runs collide). */
  firstStepId: string;
  /** Absent in summaries persisted before runs were recorded: those are re-read. */
  firstTraceIndex?: number;
}

export type FileSummary =
  /** `redactedSteps`: absent in summaries persisted before it was counted (those are re-read). */
  | { kind: 'ok'; format: string; traceCount: number; stepCount: number; failures: number; redactedSteps?: number; categories: CategoryCount[] }
  | { kind: 'invalid'; message: string }
  | { kind: 'tooLarge'; sizeBytes: number; limitBytes: number };

export interface CachedSummary {
  mtime: number;
  size: number;
  taxonomyId: string;
  summary: FileSummary;
}

export function summarize(outcome: AnalysisOutcome): FileSummary {
  if (outcome.kind === 'invalid') return { kind: 'invalid', message: outcome.problems[0]?.message ?? 'not a trace' };
  if (outcome.kind === 'tooLarge') return outcome;
  const byCategory = new Map<string, CategoryCount>();
  for (const s of outcome.sites) {
    const c = byCategory.get(s.category) ?? { category: s.category, categoryName: s.categoryName, color: s.color, count: 0, firstStepId: s.stepId, firstTraceIndex: s.traceIndex };
    c.count++;
    byCategory.set(s.category, c);
  }
  return {
    kind: 'ok',
    format: outcome.format,
    traceCount: outcome.traceCount,
    stepCount: outcome.stepCount,
    failures: outcome.sites.length,
    redactedSteps: outcome.redactedSteps,
    categories: [...byCategory.values()].sort((a, b) => b.count - a.count || a.category.localeCompare(b.category)),
  };
}

/**
 * A summary persisted before it had all it shows: before category items recorded their run (re-read
 * rather than open a guess), or before redacted steps were counted (a redacted file would still
 * say "no failures").
 */
export function isOutdated(cached: CachedSummary): boolean {
  const s = cached.summary;
  return s.kind === 'ok' && (s.redactedSteps === undefined || s.categories.some((c) => c.firstTraceIndex === undefined));
}

/** The words of a file's row, localised by the view (vscode.l10n needs its messages as literals there). */
export interface FailureWords {
  failures(count: number): string;
  redacted(count: number): string;
}

/**
 * What a file's row says after its name: its failures, and the steps no rule could check. With no
 * failure, only the latter: "no failures" would come first and push it out of a narrow side bar.
 */
export function failuresText(s: { failures: number; redactedSteps?: number }, words: FailureWords): string {
  const redacted = s.redactedSteps ?? 0;
  if (redacted === 0) return words.failures(s.failures);
  return s.failures === 0 ? words.redacted(redacted) : `${words.failures(s.failures)} · ${words.redacted(redacted)}`;
}

/** `--vscode-charts-red` → `charts.red`, the id ThemeColor wants. */
export function themeColorId(cssVariable: string): string {
  return cssVariable.replace(/^--vscode-/, '').replace(/-/g, '.');
}
