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
  | { kind: 'ok'; format: string; traceCount: number; stepCount: number; failures: number; categories: CategoryCount[] }
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
    categories: [...byCategory.values()].sort((a, b) => b.count - a.count || a.category.localeCompare(b.category)),
  };
}

/** A summary persisted before category items recorded their run: re-read it rather than open a guess. */
export function lacksRuns(cached: CachedSummary): boolean {
  return cached.summary.kind === 'ok' && cached.summary.categories.some((c) => c.firstTraceIndex === undefined);
}

/** `--vscode-charts-red` → `charts.red`, the id ThemeColor wants. */
export function themeColorId(cssVariable: string): string {
  return cssVariable.replace(/^--vscode-/, '').replace(/-/g, '.');
}
