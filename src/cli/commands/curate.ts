/**
 * `agent-trace curate <files or folders...> --query '<query>' --set <folder> [--format openai|trl]
 * [--max N] [--balance category|tool] [--include-failed] [--sharegpt] [--dry-run] [--json]
 * [--taxonomy ...] [--max-unzipped-mb N]`: build a training set from the runs a query picks,
 * ranked, near-duplicates removed, balanced and capped (src/core/curate). `--dry-run` writes
 * nothing and prints the counts; `--json` prints them as
 * `{"examples", "traces", "byFile", "byCategory", "byTool", "bySource", "byRank", ...}`.
 *
 * Bad input (a query that does not parse, a missing folder, a bad --max) is one line naming
 * where, exit code 2.
 */
import { planCuration, writeCuration, type CurateOptions, type CurationPlan } from '../../core/curate';
import { QuerySyntaxError } from '../../core/workspace/query';
import { loadTaxonomy } from '../../core/taxonomy';
import { summaryLines } from '../../core/training-set/warning-summary';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import { stringOption, type OptionSpec, type ParsedArgs } from '../args';
import { json, table, type CommandResult } from '../output';

export const CURATE_OPTIONS: OptionSpec = {
  values: ['query', 'set', 'format', 'max', 'balance', 'taxonomy', 'max-unzipped-mb'],
  flags: ['dry-run', 'json', 'include-failed', 'sharegpt', 'mask-private', 'verbose'],
};

const fail = (line: string): CommandResult => ({ exitCode: 2, stdout: [], stderr: [`agent-trace curate: ${line}`] });

export async function curateCommand(a: ParsedArgs, now?: Date): Promise<CommandResult> {
  if (a.positionals.length === 0) return fail('needs at least one file or folder to read traces from');
  const query = stringOption(a, 'query');
  if (query === undefined) return fail("needs --query '<query>' (e.g. --query 'outcome:success'; '' picks every run)");
  const set = stringOption(a, 'set');
  if (!set) return fail('needs --set <folder> (the training set to write, created when new)');
  const format = stringOption(a, 'format');
  if (format !== undefined && format !== 'openai' && format !== 'trl') return fail(`--format must be openai or trl (got ${JSON.stringify(format)})`);
  const max = stringOption(a, 'max');
  if (max !== undefined && !/^[1-9]\d{0,8}$/.test(max)) return fail(`--max must be a whole number of examples, at least 1 (got ${JSON.stringify(max)})`);
  const balance = stringOption(a, 'balance');
  if (balance !== undefined && balance !== 'category' && balance !== 'tool') return fail(`--balance must be category or tool (got ${JSON.stringify(balance)})`);
  const mb = stringOption(a, 'max-unzipped-mb');
  if (mb !== undefined && !/^[1-9]\d*$/.test(mb)) return fail('--max-unzipped-mb must be a whole number of megabytes, at least 1');
  const asJson = a.options.has('json');
  const started = Date.now();
  try {
    const opts: CurateOptions = {
      paths: a.positionals, query, set, format, max: max === undefined ? undefined : Number(max), balance,
      includeFailed: a.options.has('include-failed'), sharegpt: a.options.has('sharegpt') || undefined, maskPrivate: a.options.has('mask-private'),
      taxonomy: loadTaxonomy(stringOption(a, 'taxonomy') ?? 'default'),
      maxUnzippedBytes: mb === undefined ? undefined : Number(mb) * (1 << 20), now,
    };
    const plan = await planCuration(opts);
    const stderr = [...plan.problems];
    const counts = {
      examples: plan.examples, traces: plan.traces, matched: plan.matched, runs: plan.runs, files: plan.files,
      duplicatesRemoved: plan.duplicatesRemoved, cappedOut: plan.cappedOut, skipped: plan.skipped.length,
      byFile: plan.byFile, byCategory: plan.byCategory, byTool: plan.byTool, bySource: plan.bySource, byRank: plan.byRank, byTraceFile: plan.byTraceFile,
    };
    if (a.options.has('verbose')) stderr.push(...plan.skipped.map((s) => `skipped ${s.run}: ${s.reason}`), ...plan.duplicates.map((d) => `near-duplicate ${d.removed} of ${d.keptAs}: left out`));
    else if (plan.skipped.length) stderr.push(`${plan.skipped.length} matching run(s) give no example or fail validation and are left out (--verbose lists them)`);
    if (a.options.has('dry-run')) {
      const exitCode = plan.problems.length ? 2 : 0;
      if (asJson) return { exitCode, stdout: [json({ dryRun: true, set, format: plan.config.format, ...counts, elapsedMs: Date.now() - started })], stderr };
      return { exitCode, stdout: [...summary(plan), `dry run: nothing written to ${set}`], stderr };
    }
    const out = await writeCuration(plan, opts);
    const warnings = summaryLines(out.warnings).map((l) => `warning: ${l}`);
    stderr.push(...warnings);
    const exitCode = plan.problems.length ? 2 : 0;
    const wrote = out.result
      ? `wrote ${out.written} run(s) into ${set} (${plan.config.format}): ${Object.entries(out.result.added).filter(([, n]) => n > 0).map(([f, n]) => `${f} +${n}`).join(', ') || 'no example'}${out.result.replaced ? `, replacing ${out.result.replaced} earlier example(s) of them` : ''}${out.unchanged ? `; ${out.unchanged} run(s) already in the set unchanged` : ''}`
      : `nothing to write: ${out.unchanged ? `all ${out.unchanged} selected run(s) are already in ${set} as they are` : 'no run selected'}`;
    if (asJson) return { exitCode, stdout: [json({ dryRun: false, set, format: plan.config.format, ...counts, written: out.written, unchanged: out.unchanged, added: out.result?.added ?? null, total: out.result?.total ?? null, elapsedMs: Date.now() - started })], stderr };
    return { exitCode, stdout: [...summary(plan), wrote], stderr };
  } catch (e) {
    if (e instanceof QuerySyntaxError) return { exitCode: 2, stdout: [], stderr: [`agent-trace curate: --query: ${e.message}`, `  ${query}`, `  ${' '.repeat(Math.max(0, e.column - 1))}^`] };
    if (isUserInputError(e)) return { exitCode: 2, stdout: [], stderr: e.problems.map(formatProblem) };
    throw e;
  }
}

function summary(plan: CurationPlan): string[] {
  const lines = [
    `${plan.examples} example(s) from ${plan.traces} run(s): ${plan.matched} of ${plan.runs} run(s) in ${plan.files} file(s) match; ${plan.duplicatesRemoved} near-duplicate(s) removed${plan.cappedOut ? `, ${plan.cappedOut} run(s) over the cap` : ''}${plan.skipped.length ? `, ${plan.skipped.length} without a valid example` : ''}`,
  ];
  const block = (title: string, m: Record<string, number>, limit = 15): void => {
    const rows = Object.entries(m);
    if (!rows.length) return;
    lines.push('', ...table([title, 'examples'], rows.slice(0, limit).map(([k, n]) => [k, n])));
    if (rows.length > limit) lines.push(`… and ${rows.length - limit} more`);
  };
  block('data file', plan.byFile);
  block('rank', Object.fromEntries(Object.entries(plan.byRank).filter(([, n]) => n > 0)));
  block('category', plan.byCategory);
  block('tool', plan.byTool);
  block('source', plan.bySource);
  return lines;
}
