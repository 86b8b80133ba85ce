import { toolOfFinding } from '../../core/analyze';
import { summarizeTraceFile, type FileSummary, type SummaryStep } from '../../core/engine/file-summary';
import { loadTaxonomy, type Taxonomy } from '../../core/taxonomy';
import { collectTraceFiles } from '../../core/corpus';
import { describeUsage, usageTotals, type UsageTotals } from '../../core/model/usage';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import { json, table, type CommandResult } from '../output';
import { NO_PROGRESS, type Progress } from '../progress';
import { categoryName } from './inspect';

export interface ReportArgs { paths: string[]; json: boolean; taxonomy?: string; maxUnzippedBytes?: number; progress?: Progress }


interface FileRow { file: string; format: string; traces: number; steps: number; failures: number; redactedSteps: number; byCategory: Record<string, number> }

/** Failures per category and per tool over many traces, and a table per file. */
export function reportCommand(args: ReportArgs): CommandResult {
  const taxonomy = loadTaxonomy(args.taxonomy ?? 'default');
  const stderr: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const files: { path: string; explicit: boolean }[] = [];
  files.push(...collectTraceFiles(args.paths, stderr));

  const byCategory = new Map<string, number>();
  const byTool = new Map<string, number>();
  const rows: FileRow[] = [];
  let explicitFailures = 0;
  const usage = usageTotals([]);
  const progress = args.progress ?? NO_PROGRESS;
  // Cleared whatever happens: the answer, or a bug's report, starts on a clean line.
  try {
    for (const [k, { path, explicit }] of files.entries()) {
      try {
        // The bar covers every file: file k is the k-th of n parts, filled as it is read.
        const onProgress = (read: number, total: number): void => progress.update(`reading ${path} (file ${k + 1} of ${files.length})`, (k + read / total) / files.length);
        const result = summarizeTraceFile(path, { taxonomy: args.taxonomy ?? 'default', maxUnzippedBytes: args.maxUnzippedBytes, onProgress });
        rows.push(tallyFile(path, result, taxonomy, usage, byCategory, byTool));
      } catch (e) {
        if (!isUserInputError(e)) throw e;
        if (explicit) { explicitFailures++; stderr.push(...e.problems.map(formatProblem)); }
        else skipped.push({ file: path, reason: e.problems[0]?.message ?? e.message });
      }
    }
  } finally {
    progress.clear();
  }
  if (rows.length === 0 && explicitFailures === 0) {
    stderr.push(...skipped.map((s) => `${s.file}: ${s.reason}`), `${args.paths.join(', ')}: no trace files found`);
    return { exitCode: 2, stdout: [], stderr };
  }
  const exitCode = explicitFailures > 0 ? 2 : 0;
  const sortDesc = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

  if (args.json) {
    const out = {
      taxonomy: taxonomy.id,
      files: rows.length,
      traces: rows.reduce((n, r) => n + r.traces, 0),
      steps: rows.reduce((n, r) => n + r.steps, 0),
      failures: rows.reduce((n, r) => n + r.failures, 0),
      redactedSteps: rows.reduce((n, r) => n + r.redactedSteps, 0),
      usage,
      byCategory: Object.fromEntries(sortDesc(byCategory)),
      byTool: Object.fromEntries(sortDesc(byTool)),
      perFile: rows,
      skipped,
    };
    return { exitCode, stdout: [json(out)], stderr };
  }
  const lines: string[] = [
    `${rows.length} files, ${rows.reduce((n, r) => n + r.traces, 0)} traces, ${rows.reduce((n, r) => n + r.steps, 0)} steps, ${rows.reduce((n, r) => n + r.failures, 0)} failures (${taxonomy.name})`,
    `usage: ${describeUsage(usage) ?? 'not recorded'}`,
    ...redactedLine(rows),
    '', 'failures by category:', ...indent(table(['category', 'count'], sortDesc(byCategory))),
    '', 'failures by tool:', ...indent(byTool.size ? table(['tool', 'count'], sortDesc(byTool)) : ['(none)']),
    '', 'per file:', ...indent(table(['file', 'format', 'traces', 'steps', 'failures', 'top category'], rows.map((r) => {
      const top = Object.entries(r.byCategory).sort((a, b) => b[1] - a[1])[0];
      return [r.file, r.format, r.traces, r.steps, r.failures, top ? `${top[0]} (${top[1]})` : r.redactedSteps > 0 ? `- (${r.redactedSteps} steps redacted)` : '-'];
    }))),
  ];
  if (skipped.length) lines.push('', `skipped ${skipped.length} files that are not traces:`, ...skipped.map((s) => `  ${s.file}: ${s.reason}`));
  return { exitCode, stdout: lines, stderr };
}

/** A line saying how many steps the detectors could not judge (redaction placeholders), when any. */
function redactedLine(rows: readonly FileRow[]): string[] {
  const files = rows.filter((r) => r.redactedSteps > 0);
  if (files.length === 0) return [];
  const steps = files.reduce((n, r) => n + r.redactedSteps, 0);
  return [`redacted: ${steps} steps in ${files.length} ${files.length === 1 ? 'file hold' : 'files hold'} a redaction placeholder for their call arguments or output, so were not checked`];
}

function indent(lines: string[]): string[] {
  return lines.map((l) => `  ${l}`);
}

/** A file's row, its failures counted into the totals by category and by tool, its usage into `usage`. */
function tallyFile(file: string, result: FileSummary, taxonomy: Taxonomy, usage: UsageTotals, byCategory: Map<string, number>, byTool: Map<string, number>): FileRow {
  const row: FileRow = { file, format: result.format, traces: result.runs.length, steps: 0, failures: 0, redactedSteps: 0, byCategory: {} };
  for (const { trace, findings, redactedSteps } of result.runs) {
    row.steps += trace.steps.length;
    row.redactedSteps += redactedSteps;
    usageTotals(trace.steps, usage);
    const stepsById = new Map<string, SummaryStep>(trace.steps.map((s) => [s.id, s]));
    for (const f of findings) {
      const cat = categoryName(f.category, taxonomy);
      row.failures++;
      row.byCategory[cat] = (row.byCategory[cat] ?? 0) + 1;
      byCategory.set(cat, (byCategory.get(cat) ?? 0) + 1);
      const tool = toolOfFinding(f, stepsById);
      if (tool) byTool.set(tool, (byTool.get(tool) ?? 0) + 1);
    }
  }
  return row;
}
