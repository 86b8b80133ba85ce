import { forEachCorpusTrace } from '../../core/corpus';
import { DetectorEvaluator, type Figure } from '../../core/detector-eval';
import { loadTaxonomy } from '../../core/taxonomy';
import { json, table, type CommandResult } from '../output';

export interface EvalDetectorsArgs { paths: string[]; json: boolean; taxonomy?: string; maxUnzippedBytes?: number }

/**
 * Precision and recall of every detector rule and category against the human judgements in the
 * traces (imported labels, human tags, confirmed and rejected findings): src/core/detector-eval
 * says exactly what counts.
 */
export function evalDetectorsCommand(args: EvalDetectorsArgs): CommandResult {
  const taxonomy = loadTaxonomy(args.taxonomy ?? 'default');
  const evaluator = new DetectorEvaluator({ taxonomy });
  const summary = forEachCorpusTrace(args.paths, { taxonomy, maxUnzippedBytes: args.maxUnzippedBytes }, (t) => evaluator.add(t));
  const stderr = [...summary.problems];
  if (summary.files === 0 && summary.failed === 0) {
    stderr.push(...summary.skipped.map((s) => `${s.file}: ${s.reason}`), `${args.paths.join(', ')}: no trace files found`);
    return { exitCode: 2, stdout: [], stderr };
  }
  const exitCode = summary.failed > 0 ? 2 : 0;
  const r = evaluator.result();
  const attribution = taxonomy.id === 'trail' ? 'observation' : 'cause';
  /** Rule rows name the detector's (default) category, and the taxonomy's own when another is in use. */
  const mapped = taxonomy.id !== 'default';
  if (args.json) {
    return { exitCode, stdout: [json({ attribution, files: summary.files, traces: summary.traces, ...r, skipped: summary.skipped })], stderr };
  }
  const j = r.judgements;
  const loc = r.location;
  const lines = [
    `${summary.files} files, ${j.traces} traces, ${j.judgedTraces} with human judgements (${taxonomy.name}, findings placed by ${attribution})`,
    `judgements: ${j.labels} imported step labels, ${j.tags} human tags, ${j.confirmed} confirmed and ${j.rejected} rejected findings${j.unmapped ? `; ${j.unmapped} name no detector category (location only)` : ''}`,
  ];
  if (j.judgedTraces === 0) {
    lines.push('', 'No human judgements here: import labelled traces (TRAIL, Who&When...), or confirm, reject and tag findings in the editor.');
    return { exitCode, stdout: lines, stderr };
  }
  lines.push(
    `location (a labelled step carrying any finding): recall ${pct(loc.recall)} (${loc.labelsFound}/${loc.labels} judgements), precision ${pct(loc.precision)} (${loc.findingSpansLabelled}/${loc.findingSpans} steps with findings)`,
    '', 'by rule (tp/fp: findings judged right/wrong; found/fn: human-labelled errors found/missed; ? = unjudged findings):',
    ...indent(table(['rule', 'category', ...(mapped ? [`in ${taxonomy.id}`] : []), 'precision', 'recall', 'tp', 'fp', 'found', 'fn', '?'],
      r.rules.filter((f) => f.support + f.unjudged > 0).map((f) => [f.rule, f.category, ...(mapped ? [f.shownCategory] : []), ratio(f.precision), ratio(f.recall), ...counts(f)]))),
    '', `by category${mapped ? ` (${taxonomy.name})` : ''}:`,
    ...indent(table(['category', 'precision', 'recall', 'tp', 'fp', 'found', 'fn', '?'],
      r.categories.filter((f) => f.support + f.unjudged > 0).map((f) => [f.category, ratio(f.precision), ratio(f.recall), ...counts(f)]))),
  );
  const silent = r.rules.filter((f) => f.support + f.unjudged === 0).length;
  if (silent) lines.push('', `${silent} rule/category pairs had no findings and no judgements here (--json lists them)`);
  if (summary.skipped.length) lines.push('', `skipped ${summary.skipped.length} files that are not traces:`, ...summary.skipped.map((s) => `  ${s.file}: ${s.reason}`));
  return { exitCode, stdout: lines, stderr };
}

function counts(f: Figure): number[] {
  return [f.tp, f.fp, f.found, f.fn, f.unjudged];
}

function ratio(x: number | null): string {
  return x === null ? '-' : pct(x);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function indent(lines: string[]): string[] {
  return lines.map((l) => `  ${l}`);
}
