/**
 * `agent-trace query <files or folders...> '<query>' [--json] [--taxonomy ...]`: the traces that
 * match a query (src/core/workspace/query.ts), one line each, with the step to open. Files are
 * read one at a time: their records are matched and their steps searched (free text) while the
 * file is loaded, then let go.
 */
import { analyzeFile, detectOptionsFor } from '../../core/analyze';
import { loadTaxonomy } from '../../core/taxonomy';
import type { Step } from '../../core/model/schema';
import { matchRecord, parseQuery, QuerySyntaxError, type Query, type QueryHit } from '../../core/workspace/query';
import { recordsOfFile, type TraceRecord } from '../../core/workspace/trace-record';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import { json, table, type CommandResult } from '../output';
import { truncate } from './inspect';
import { collectTraceFiles } from '../../core/corpus';

export interface QueryArgs { paths: string[]; query: string; json: boolean; taxonomy?: string; maxUnzippedBytes?: number }

export function queryCommand(args: QueryArgs): CommandResult {
  let query: Query;
  try {
    query = parseQuery(args.query);
  } catch (e) {
    if (!(e instanceof QuerySyntaxError)) throw e;
    return { exitCode: 2, stdout: [], stderr: [`agent-trace query: ${e.message}`, `  ${args.query}`, `  ${' '.repeat(e.column - 1)}^`] };
  }
  const taxonomy = loadTaxonomy(args.taxonomy ?? 'default');
  const stderr: string[] = [];
  const files: { path: string; explicit: boolean }[] = [];
  files.push(...collectTraceFiles(args.paths, stderr));

  const hits: QueryHit[] = [];
  let searched = 0;
  let loaded = 0;
  let explicitFailures = 0;
  const skipped: string[] = [];
  for (const { path, explicit } of files) {
    let records: TraceRecord[];
    let stepsOf: Map<TraceRecord, readonly Step[]>;
    try {
      const analysis = analyzeFile(path, detectOptionsFor(taxonomy), { maxUnzippedBytes: args.maxUnzippedBytes });
      records = recordsOfFile(analysis, { taxonomy });
      stepsOf = new Map(records.map((r, i) => [r, analysis.analyses[i].trace.steps]));
    } catch (e) {
      if (!isUserInputError(e)) throw e;
      if (explicit) { explicitFailures++; stderr.push(...e.problems.map(formatProblem)); }
      else skipped.push(path);
      continue;
    }
    loaded++;
    for (const r of records) {
      searched++;
      for (const w of r.warnings) stderr.push(`warning: ${w}`);
      const hit = matchRecord(query, r, { taxonomy }, (x) => stepsOf.get(x));
      if (hit) hits.push(hit);
    }
  }
  if (loaded === 0 && explicitFailures === 0) {
    return { exitCode: 2, stdout: [], stderr: [...stderr, `${args.paths.join(', ')}: no trace files found${skipped.length ? ` (${skipped.length} files are not traces)` : ''}`] };
  }
  if (skipped.length) stderr.push(`skipped ${skipped.length} files that are not traces (run 'agent-trace report' on the folder to see why)`);
  const exitCode = explicitFailures > 0 ? 2 : 0;

  if (args.json) {
    const out = {
      total: hits.length,
      traces: hits.map(({ record: r, stepId }) => ({
        file: r.file, traceKey: r.traceKey, title: r.title, outcome: r.outcome, stepId, traceIndex: r.traceIndex,
        traceId: r.traceId, format: r.format, steps: r.steps, failingSteps: r.failingSteps,
        categories: Object.fromEntries(r.categories.map((c) => [c.category, c.count])),
      })),
    };
    return { exitCode, stdout: [json(out)], stderr };
  }
  const lines = [`${hits.length} of ${searched} traces match (${taxonomy.name})`];
  if (hits.length) {
    lines.push('', ...table(['file', 'trace', 'title', 'outcome', 'steps', 'top category', 'step'], hits.map(({ record: r, stepId }) => {
      const top = r.categories[0];
      return [r.file, r.traceKey, truncate(r.title.replace(/\s+/g, ' '), 40), r.outcome, r.steps, top ? `${truncate(top.category, 30)} (${top.count})` : '-', stepId ?? '-'];
    })));
  }
  return { exitCode, stdout: lines, stderr };
}
