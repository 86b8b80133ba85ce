import { ClusterBuilder } from '../../core/clusters';
import { forEachCorpusTrace } from '../../core/corpus';
import { loadTaxonomy } from '../../core/taxonomy';
import { json, table, type CommandResult } from '../output';

export interface ClustersArgs { paths: string[]; json: boolean; taxonomy?: string; min?: number; maxUnzippedBytes?: number }

/** Text output shows this many clusters in full (with their examples); --json has them all. */
const DETAILED = 10;

/** Failures across many traces, grouped by category, tool and normalised error signature. */
export function clustersCommand(args: ClustersArgs): CommandResult {
  const taxonomy = loadTaxonomy(args.taxonomy ?? 'default');
  const builder = new ClusterBuilder({ taxonomy });
  const summary = forEachCorpusTrace(args.paths, { taxonomy, maxUnzippedBytes: args.maxUnzippedBytes }, (t) => builder.add(t));
  const stderr = [...summary.problems];
  if (summary.files === 0 && summary.failed === 0) {
    stderr.push(...summary.skipped.map((s) => `${s.file}: ${s.reason}`), `${args.paths.join(', ')}: no trace files found`);
    return { exitCode: 2, stdout: [], stderr };
  }
  const exitCode = summary.failed > 0 ? 2 : 0;
  const clusters = builder.result(args.min ?? 1);
  if (args.json) {
    const out = {
      taxonomy: taxonomy.id, files: summary.files, traces: summary.traces, failures: builder.failures,
      rejectedFindings: builder.rejected, min: args.min ?? 1, clusters, skipped: summary.skipped,
    };
    return { exitCode, stdout: [json(out)], stderr };
  }
  const lines = [
    `${summary.files} files, ${summary.traces} traces, ${builder.failures} failures in ${clusters.length} clusters${(args.min ?? 1) > 1 ? ` of ${args.min} or more` : ''} (${taxonomy.name})${builder.rejected ? `; ${builder.rejected} rejected findings left out` : ''}`,
  ];
  if (clusters.length === 0) return { exitCode, stdout: [...lines, '(no failures)'], stderr };
  lines.push('', ...table(['count', 'traces', 'category', 'tool', 'signature'], clusters.map((c) => [c.count, c.traces.length, c.category, c.tool ?? '-', c.signature])));
  for (const [i, c] of clusters.slice(0, DETAILED).entries()) {
    lines.push('', `#${i + 1} ${c.count} x ${c.category}${c.tool ? ` in ${c.tool}` : ''}: ${c.signature}`);
    for (const e of c.examples) lines.push(`  ${e.file}${e.traceIndex ? ` [trace ${e.traceIndex}]` : ''} step ${e.stepId}: ${oneLine(e.text)}`);
    const more = c.traces.length - new Set(c.examples.map((e) => `${e.file}\u0000${e.traceIndex}`)).size;
    if (more > 0) lines.push(`  … and ${more} more traces`);
  }
  if (clusters.length > DETAILED) lines.push('', `(${clusters.length - DETAILED} more clusters in the table above; --json lists every step)`);
  if (summary.skipped.length) lines.push('', `skipped ${summary.skipped.length} files that are not traces:`, ...summary.skipped.map((s) => `  ${s.file}: ${s.reason}`));
  return { exitCode, stdout: lines, stderr };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
