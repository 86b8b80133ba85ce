/**
 * Promotion warnings summarised by kind: one promotion of a benchmark file can warn two thousand
 * times about a handful of things. A kind is the message with what varies (quoted text, numbers,
 * the "trace N:" prefix) taken out, plus the validator rule when there is one; the full list
 * stays one option away (`--verbose`, the host's "Show All").
 */
import { formatProblem, type Problem } from '../util/problems';

export interface WarningKind {
  /** The message with its varying parts replaced by "…" and N. */
  kind: string;
  count: number;
  /** The first warning of this kind, as an example. */
  first: Problem;
}

/** The shape shared by the warnings of one kind. */
export function warningKind(p: Problem): string {
  const rule = (p as { rule?: unknown }).rule;
  const message = p.message
    .replace(/^trace \d+: /, '')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\([^()]*\)/g, '(…)')
    .replace(/\([^()]*\)/g, '(…)')
    .replace(/\b\d+(?:\.\d+)?\b/g, 'N');
  return typeof rule === 'string' ? `[${rule}] ${message}` : message;
}

/** Kinds with their counts, most frequent first (ties in order of first appearance). */
export function summariseWarnings(warnings: readonly Problem[]): WarningKind[] {
  const byKind = new Map<string, WarningKind>();
  for (const w of warnings) {
    const kind = warningKind(w);
    const k = byKind.get(kind);
    if (k) k.count++;
    else byKind.set(kind, { kind, count: 1, first: w });
  }
  return [...byKind.values()].sort((a, b) => b.count - a.count);
}

/** One line per kind: the first warning of the kind, and how many there are like it. */
export function summaryLines(warnings: readonly Problem[]): string[] {
  return summariseWarnings(warnings).map((k) => `${formatProblem(k.first)}${k.count > 1 ? ` [${k.count} warnings like this]` : ''}`);
}
