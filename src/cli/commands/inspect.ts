import { loadTaxonomy, type Taxonomy } from '../../core/taxonomy';
import type { Finding } from '../../core/detect';
import { summarizeTraceFile, type SummaryStep } from '../../core/engine/file-summary';
import { describeUsage, usageTotals } from '../../core/model/usage';
import { formatProblem } from '../../core/util/problems';
import { json, table, type CommandResult } from '../output';
import { NO_PROGRESS, type Progress } from '../progress';

export interface InspectArgs { file: string; json: boolean; taxonomy?: string; maxUnzippedBytes?: number; progress?: Progress }

/** The category as named in the chosen taxonomy; the default id when that taxonomy has no mapping. */
export function categoryName(defaultId: string, taxonomy: Taxonomy): string {
  return taxonomy.id === 'default' ? defaultId : taxonomy.fromDefault(defaultId) ?? defaultId;
}

export function inspectCommand(args: InspectArgs): CommandResult {
  const taxonomy = loadTaxonomy(args.taxonomy ?? 'default');
  // Read by the engine's loader: no step is held whole (a 10^6-step file took 3-5 GB imported whole).
  const progress = args.progress ?? NO_PROGRESS;
  let result;
  try {
    result = summarizeTraceFile(args.file, { taxonomy: args.taxonomy ?? 'default', maxUnzippedBytes: args.maxUnzippedBytes, onProgress: (read, total) => progress.update(`reading ${args.file}`, read / total) });
  } finally {
    progress.clear();
  }
  const traces = result.runs.map((r) => r.trace);
  const findings: (Finding & { traceId: string; sourceId?: string })[] = [];
  const stepById = new Map<string, SummaryStep>();
  for (const { trace, findings: fs } of result.runs) {
    for (const s of trace.steps) stepById.set(`${trace.id}\u0000${s.id}`, s);
    for (const f of fs) {
      const step = stepById.get(`${trace.id}\u0000${f.stepId}`);
      findings.push({ ...f, traceId: trace.id, sourceId: step?.sourceId, category: categoryName(f.category, taxonomy) });
    }
  }
  const steps = traces.reduce((n, t) => n + t.steps.length, 0);
  const redacted = result.runs.reduce((n, r) => n + r.redactedSteps, 0);
  const usage = traces.reduce((u, t) => usageTotals(t.steps, u), usageTotals([]));
  const labels = traces.flatMap((t) => t.labels.map((l) => ({ traceId: t.id, ...l })));
  const warnings = result.warnings.map(formatProblem);

  if (args.json) {
    const out = {
      file: args.file,
      format: result.format,
      traces: traces.length,
      steps,
      redactedSteps: redacted,
      usage,
      findings: findings.map((f) => ({
        traceId: f.traceId, stepId: f.stepId, sourceId: f.sourceId ?? null, category: f.category, rule: f.rule, evidence: f.evidence,
        ...(f.symptomStepId ? { symptomStepId: f.symptomStepId } : {}),
      })),
      labels,
      warnings,
    };
    return { exitCode: 0, stdout: [json(out)], stderr: [] };
  }

  const lines: string[] = [
    `${args.file}`,
    `  format:   ${result.format}`,
    `  traces:   ${traces.length}`,
    `  steps:    ${steps}`,
    `  usage:    ${describeUsage(usage) ?? 'not recorded'}`,
    `  findings: ${findings.length}   labels: ${labels.length}   taxonomy: ${taxonomy.name}`,
  ];
  if (redacted > 0) lines.push(`  redacted: ${redacted} steps hold a redaction placeholder for their call arguments or output, so were not checked`);
  if (findings.length) {
    lines.push('', ...table(['step', 'category', 'rule', 'evidence'], findings.slice(0, 200).map((f) => {
      const step = stepById.get(`${f.traceId}\u0000${f.stepId}`);
      const where = step ? `#${step.index + 1} ${truncate(step.name, 28)}` : f.stepId; // numbered from 1, as the trace editor shows steps
      return [where, f.category, f.rule, truncate(f.evidence.replace(/\s+/g, ' '), 70)];
    })));
    if (findings.length > 200) lines.push(`  ... and ${findings.length - 200} more (use --json for all)`);
  }
  if (labels.length) {
    lines.push('', 'imported labels:', ...table(['scheme', 'category', 'step', 'impact'], labels.slice(0, 100).map((l) => [l.scheme, truncate(l.category, 40), l.stepId ?? '(trace)', l.impact ?? ''])));
  }
  return { exitCode: 0, stdout: lines, stderr: warnings.map((w) => `warning: ${w}`) };
}

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
