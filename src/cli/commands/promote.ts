/** `agent-trace promote <trace> [--annotations <sidecar>] --set <folder> [--format openai|trl] [--sharegpt] [--taxonomy ...] [--accept-changed-trace] [--include-failed] [--verbose] [--mask-private] [--max-tokens N [--truncate]] [--tokenizer <tokenizer.json>] [--refused-by-template keep|drop]` */
import { loadTaxonomy } from '../../core/taxonomy';
import { promote, type PromoteOptions } from '../../core/training-set/promote';
import { summaryLines } from '../../core/training-set/warning-summary';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import type { CommandResult } from '../output';

/** The core's options as the command line gives them: the taxonomy by name, plus how much to print. */
export type PromoteArgs = Pick<PromoteOptions, 'trace' | 'annotations' | 'set' | 'format' | 'sharegpt' | 'traceIndex' | 'traceKey' | 'allowSecrets' | 'maskPrivate' | 'acceptChangedTrace' | 'includeFailed' | 'maxTokens' | 'truncate' | 'tokenizer' | 'refusedByTemplate'> & {
  /** The taxonomy the user reviews in (default|trail|mast|<file>): findings are detected as the editor does under it. */
  taxonomy?: string;
  /** Every warning, instead of one line per kind of warning. */
  verbose?: boolean;
};

export async function promoteCommand(args: PromoteArgs): Promise<CommandResult> {
  try {
    const { verbose, taxonomy, ...options } = args;
    const out = await promote({ ...options, taxonomy: taxonomy === undefined ? undefined : loadTaxonomy(taxonomy) });
    const warnings = verbose ? out.warnings.map((w) => `warning: ${formatProblem(w)}`) : summaryLines(out.warnings).map((l) => `warning: ${l}`);
    if (!verbose && warnings.length < out.warnings.length) warnings.push(`${out.warnings.length} warnings of ${warnings.length} kind${warnings.length === 1 ? '' : 's'}, one line per kind; --verbose lists them all`);
    const stderr = [...out.errors.map(formatProblem), ...warnings];
    if (out.errors.length || !out.result) {
      return { exitCode: 2, stdout: [], stderr: [...stderr, `nothing written to ${args.set}: fix the ${out.errors.length} problem(s) above`] };
    }
    const r = out.result;
    const files = Object.entries(r.added).filter(([, n]) => n > 0).map(([f, n]) => `${f} +${n}`).join(', ');
    return {
      exitCode: 0,
      stdout: [`promoted ${args.trace} into ${args.set} (${out.config!.format}): ${files}${r.replaced ? `; replaced ${r.replaced} earlier example(s) of this trace` : ''}`],
      stderr,
    };
  } catch (e) {
    if (isUserInputError(e)) return { exitCode: 2, stdout: [], stderr: e.problems.map(formatProblem) };
    throw e;
  }
}
