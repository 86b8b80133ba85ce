/**
 * `agent-trace`: the command-line face of src/core.
 *
 *   agent-trace inspect <file> [--json] [--taxonomy default|trail|mast|<file>]
 *   agent-trace report <files or folders...> [--json] [--taxonomy ...]
 *   agent-trace query <files or folders...> '<query>' [--json] [--taxonomy ...]
 *   agent-trace clusters <files or folders...> [--json] [--taxonomy ...] [--min N]
 *   agent-trace eval-detectors <files or folders...> [--json] [--taxonomy ...]
 *   agent-trace taxonomy [--json] [--taxonomy ...]
 *   agent-trace formats [--json]
 *   agent-trace promote <trace> [--annotations <sidecar>] --set <folder> [--format openai|trl] [--sharegpt] [--include-failed] [--verbose] [--mask-private]
 *                       [--max-tokens N [--truncate]] [--tokenizer <tokenizer.json>] [--refused-by-template keep|drop]
 *   agent-trace curate <files or folders...> --query '<query>' --set <folder> [--format openai|trl] [--max N] [--balance category|tool] [--dry-run] [--json]
 *   agent-trace validate <file> [--format openai|trl|sharegpt]
 *   agent-trace convert <file> [--to agent-trace|otlp] [--trace KEY | --trace-index N] [-o <out>]
 *   agent-trace dap
 *   agent-trace receive [--port 4318] [--host 127.0.0.1] [--out agent-traces] [--max-body-mb 32]
 *   agent-trace diff <a> <b> [--json] | agent-trace diff <trace> --corrected [--annotations <sidecar>] [--json]
 *
 * Exit codes: 0 success, 2 bad input (one located line per problem on stderr), 1 internal error.
 */
import { inspectCommand } from './commands/inspect';
import { reportCommand } from './commands/report';
import { queryCommand } from './commands/query';
import { clustersCommand } from './commands/clusters';
import { evalDetectorsCommand } from './commands/eval-detectors';
import { taxonomyCommand } from './commands/taxonomy';
import { formatsCommand } from './commands/formats';
import { promoteCommand } from './commands/promote';
import { validateCommand } from './commands/validate';
import { convertCommand } from './commands/convert';
import { dapCommand } from './commands/dap';
import { receiveCommand } from './commands/receive';
import { diffArgs, diffCommand, DIFF_OPTIONS } from './commands/diff';
import { curateCommand, CURATE_OPTIONS } from './commands/curate';
import { CONVERT_TARGETS, isConvertTarget } from '../core/convert';
import { parseArgs, stringOption, UsageError, type OptionSpec, type ParsedArgs } from './args';
import { isUserInputError, formatProblem } from '../core/util/problems';
import { printableOutput, type CommandResult } from './output';
import { relaunchDebugAdapter, relaunchForLargeFiles } from './heap';
import { NO_PROGRESS, processProgress, type Progress } from './progress';

const USAGE = `usage: agent-trace <command> [options]

commands:
  inspect <file> [--json] [--taxonomy default|trail|mast|<file>] [--max-unzipped-mb N]
                         import one trace file, run the detectors, list findings and labels
  report <files or folders...> [--json] [--taxonomy ...] [--max-unzipped-mb N]
                         failures per category and per tool over many traces, and a table per file
  query <files or folders...> '<query>' [--json] [--taxonomy ...] [--max-unzipped-mb N]
                         the traces matching a query, e.g. 'category:TOOL.TIMEOUT tool:search
                         outcome:failure steps:>50 "rate limit"', each with its first matching step
  clusters <files or folders...> [--json] [--taxonomy ...] [--min N] [--max-unzipped-mb N]
                         failures grouped by category, tool and error signature (numbers, paths,
                         ids, times, URLs and quoted values masked), largest first, with their traces
  eval-detectors <files or folders...> [--json] [--taxonomy ...] [--max-unzipped-mb N]
                         precision and recall of every detector rule and category against the human
                         judgements (imported labels, tags, confirmed and rejected findings)
  taxonomy [--json] [--taxonomy ...]
                         the error categories, and which are detected automatically
  formats [--json]       the trace formats this tool reads
  promote <trace> --set <folder> [--annotations <sidecar>] [--format openai|trl] [--sharegpt] [--trace KEY | --trace-index N]
          [--taxonomy default|trail|mast|<file>] [--accept-changed-trace] [--include-failed] [--verbose] [--mask-private]
          [--max-tokens N [--truncate]] [--tokenizer <tokenizer.json>] [--refused-by-template keep|drop]
                         write the corrected trajectory into a training set (one run of several:
                         --trace with its key, as query --json prints it); failed runs are no
                         demonstrations unless --include-failed; --verbose lists every warning;
                         --max-tokens warns about examples that would lose their completion (or,
                         with --truncate, drops their oldest prompt turns); tokens are estimated
                         (UTF-8 bytes / 3.5) unless --tokenizer names a model's tokenizer.json;
                         --mask-private replaces home folders, e-mail addresses and host names
                         with /home/<user>, <email>, <host>; an example a chat template refuses
                         is kept and named in the manifest and data card, or left out with
                         --refused-by-template drop
  curate <files or folders...> --query '<query>' --set <folder> [--format openai|trl] [--max N]
         [--balance category|tool] [--include-failed] [--sharegpt] [--mask-private] [--dry-run] [--json]
         [--verbose] [--taxonomy ...] [--max-unzipped-mb N]
                         build a training set from the runs a query picks: corrected runs first, then
                         recovered failures, successful runs and the rest; near-duplicates (same
                         actions, same messages once ids and times are masked) removed; at most N
                         examples, taken in turns from each category or tool with --balance;
                         --dry-run prints the counts (per data file, category, tool, source) and
                         writes nothing; re-running the same query on the same set changes nothing
  validate <file> [--format openai|trl|sharegpt]
                         check a training-set file against its format's rules and the chat templates
  convert <file> [--to agent-trace|otlp] [--trace KEY | --trace-index N] [-o|--out <out>] [--max-unzipped-mb N]
                         write the trace as agent-trace/v1 JSONL (default) or OTLP JSON (GenAI
                         semantic conventions, for Phoenix, Langfuse, Jaeger or any OTLP backend);
                         to stdout, or to <out> (never over the input file)
  dap                    run the trace debugger as a Debug Adapter Protocol server on stdin/stdout,
                         for any DAP client (nvim-dap, Emacs dap-mode...); launch arguments:
                         {"trace": <file>, "traceIndex": 0, "stopOnEntry": true, "taxonomy": "default"}
  receive [--port 4318] [--host 127.0.0.1] [--out <folder>] [--max-body-mb 32]
                         an OTLP/HTTP receiver (POST /v1/traces, JSON or protobuf, gzip or not) for
                         OpenTelemetry SDKs: each trace is written as it arrives to its own
                         <folder>/<trace id>.otlp.trace.jsonl (default folder agent-traces); loopback
                         only unless --host says otherwise; Ctrl+C stops
  diff <a> <b> [--json] [--max-unzipped-mb N]
  diff <trace> --corrected [--annotations <sidecar>] [--json]
                         align two runs on their actions (kind, tool, arguments) and show where they
                         first diverge: = same, ~ changed, - only in a, + only in b; a run is a file,
                         or file#KEY for one run of a file holding several, KEY being the run's key
                         (its id, as query --json prints it) or its number from 0; --corrected compares
                         a run with its corrected trajectory (the corrections in its sidecar)
`;

interface CommandDef {
  spec: OptionSpec;
  /** `progress`: where a long read says how far it got (a terminal's line, or nothing). */
  run(args: ParsedArgs, progress: Progress): Promise<CommandResult> | CommandResult;
}

const taxonomyOption = { values: ['taxonomy'], flags: ['json'] } as const;
/** Commands that read trace files also take the cap on what an archive (`.eval`) may unzip to. */
const traceReadingOptions = { values: ['taxonomy', 'max-unzipped-mb'], flags: ['json'] } as const;

/** `--max-tokens N`, `--truncate` (needs a limit) and `--tokenizer <tokenizer.json>` of promote. */
function lengthOptions(a: ParsedArgs): { maxTokens?: number; truncate: boolean; tokenizer?: string } {
  const max = stringOption(a, 'max-tokens');
  if (max !== undefined && !/^[1-9]\d*$/.test(max)) throw new UsageError(`--max-tokens must be a whole number of tokens, at least 1 (got ${JSON.stringify(max)})`);
  const truncate = a.options.has('truncate');
  if (truncate && max === undefined) throw new UsageError('--truncate needs --max-tokens N (the limit to truncate to)');
  return { maxTokens: max === undefined ? undefined : Number(max), truncate, tokenizer: stringOption(a, 'tokenizer') };
}

/** `--trace KEY`: a run by its key (its own id, or its number); not with `--trace-index`. */
function runKeyOption(a: ParsedArgs): string | undefined {
  const key = stringOption(a, 'trace');
  if (key === undefined) return undefined;
  if (key === '') throw new UsageError('--trace needs a run\'s key (its id, or its number from 0)');
  if (stringOption(a, 'trace-index') !== undefined) throw new UsageError('give --trace or --trace-index, not both');
  return key;
}

function maxUnzippedBytesOption(a: ParsedArgs): number | undefined {
  const mb = stringOption(a, 'max-unzipped-mb');
  if (mb === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(mb)) throw new UsageError('--max-unzipped-mb must be a whole number of megabytes, at least 1');
  return Number(mb) * (1 << 20);
}

const COMMANDS: Record<string, CommandDef> = {
  inspect: {
    spec: traceReadingOptions,
    run: (a, progress) => {
      if (a.positionals.length !== 1) throw new UsageError('inspect takes exactly one file');
      return inspectCommand({ file: a.positionals[0], json: a.options.has('json'), taxonomy: stringOption(a, 'taxonomy'), maxUnzippedBytes: maxUnzippedBytesOption(a), progress });
    },
  },
  report: {
    spec: traceReadingOptions,
    run: (a, progress) => {
      if (a.positionals.length === 0) throw new UsageError('report needs at least one file or folder');
      return reportCommand({ paths: a.positionals, json: a.options.has('json'), taxonomy: stringOption(a, 'taxonomy'), maxUnzippedBytes: maxUnzippedBytesOption(a), progress });
    },
  },
  query: {
    spec: traceReadingOptions,
    run: (a) => {
      if (a.positionals.length < 2) throw new UsageError("query needs files or folders, then the query (quote it: 'tool:search outcome:failure')");
      return queryCommand({ paths: a.positionals.slice(0, -1), query: a.positionals[a.positionals.length - 1], json: a.options.has('json'), taxonomy: stringOption(a, 'taxonomy'), maxUnzippedBytes: maxUnzippedBytesOption(a) });
    },
  },
  clusters: {
    spec: { values: ['taxonomy', 'max-unzipped-mb', 'min'], flags: ['json'] },
    run: (a) => {
      if (a.positionals.length === 0) throw new UsageError('clusters needs at least one file or folder');
      const min = stringOption(a, 'min');
      if (min !== undefined && !/^[1-9]\d{0,8}$/.test(min)) throw new UsageError(`--min must be a whole number of failures, at least 1 (got ${JSON.stringify(min)})`);
      return clustersCommand({ paths: a.positionals, json: a.options.has('json'), taxonomy: stringOption(a, 'taxonomy'), min: min === undefined ? undefined : Number(min), maxUnzippedBytes: maxUnzippedBytesOption(a) });
    },
  },
  'eval-detectors': {
    spec: traceReadingOptions,
    run: (a) => {
      if (a.positionals.length === 0) throw new UsageError('eval-detectors needs at least one file or folder');
      return evalDetectorsCommand({ paths: a.positionals, json: a.options.has('json'), taxonomy: stringOption(a, 'taxonomy'), maxUnzippedBytes: maxUnzippedBytesOption(a) });
    },
  },
  taxonomy: {
    spec: taxonomyOption,
    run: (a) => {
      if (a.positionals.length) throw new UsageError('taxonomy takes no arguments');
      return taxonomyCommand({ json: a.options.has('json'), taxonomy: stringOption(a, 'taxonomy') });
    },
  },
  formats: {
    spec: { values: [], flags: ['json'] },
    run: (a) => formatsCommand({ json: a.options.has('json') }),
  },
  promote: {
    spec: { values: ['annotations', 'set', 'format', 'trace-index', 'trace', 'taxonomy', 'max-tokens', 'tokenizer', 'refused-by-template'], flags: ['sharegpt', 'allow-secrets', 'mask-private', 'accept-changed-trace', 'include-failed', 'verbose', 'truncate'] },
    run: (a) => {
      if (a.positionals.length !== 1) throw new UsageError('promote takes exactly one trace file');
      const set = stringOption(a, 'set');
      if (!set) throw new UsageError('promote needs --set <folder>');
      const format = stringOption(a, 'format');
      if (format !== undefined && format !== 'openai' && format !== 'trl') throw new UsageError('--format must be openai or trl');
      const traceIndex = stringOption(a, 'trace-index');
      if (traceIndex !== undefined && !/^\d+$/.test(traceIndex)) throw new UsageError('--trace-index must be a whole number');
      const refusedByTemplate = stringOption(a, 'refused-by-template');
      if (refusedByTemplate !== undefined && refusedByTemplate !== 'keep' && refusedByTemplate !== 'drop') throw new UsageError(`--refused-by-template must be keep or drop (got ${JSON.stringify(refusedByTemplate)})`);
      return promoteCommand({
        trace: a.positionals[0], set, annotations: stringOption(a, 'annotations'), format,
        sharegpt: a.options.has('sharegpt'), traceIndex: traceIndex === undefined ? undefined : Number(traceIndex), traceKey: runKeyOption(a),
        allowSecrets: a.options.has('allow-secrets'), maskPrivate: a.options.has('mask-private'),
        taxonomy: stringOption(a, 'taxonomy'), acceptChangedTrace: a.options.has('accept-changed-trace'),
        includeFailed: a.options.has('include-failed'), verbose: a.options.has('verbose'),
        ...lengthOptions(a), refusedByTemplate,
      });
    },
  },
  validate: {
    spec: { values: ['format'], flags: [] },
    run: (a) => {
      if (a.positionals.length !== 1) throw new UsageError('validate takes exactly one file');
      const format = stringOption(a, 'format');
      if (format !== undefined && !['openai', 'trl', 'sharegpt'].includes(format)) throw new UsageError('--format must be openai, trl or sharegpt');
      return validateCommand({ file: a.positionals[0], format: format as 'openai' | 'trl' | 'sharegpt' | undefined });
    },
  },
  convert: {
    spec: { values: ['to', 'trace-index', 'trace', 'out', 'max-unzipped-mb'], flags: [], short: { '-o': 'out' } },
    run: (a) => {
      if (a.positionals.length !== 1) throw new UsageError('convert takes exactly one trace file');
      const to = stringOption(a, 'to') ?? 'agent-trace';
      if (!isConvertTarget(to)) throw new UsageError(`--to must be ${CONVERT_TARGETS.join(' or ')} (got ${JSON.stringify(to)})`);
      const traceIndex = stringOption(a, 'trace-index');
      if (traceIndex !== undefined && !/^\d+$/.test(traceIndex)) throw new UsageError(`--trace-index must be a whole number, 0 or more (got ${JSON.stringify(traceIndex)})`);
      return convertCommand({ file: a.positionals[0], to, traceIndex: traceIndex === undefined ? undefined : Number(traceIndex), traceKey: runKeyOption(a), out: stringOption(a, 'out'), maxUnzippedBytes: maxUnzippedBytesOption(a) });
    },
  },
  dap: {
    spec: { values: [], flags: [] },
    run: (a) => {
      if (a.positionals.length) throw new UsageError('dap takes no arguments: the trace comes with the launch request');
      return dapCommand();
    },
  },
  curate: {
    spec: CURATE_OPTIONS,
    run: (a) => curateCommand(a),
  },
  diff: {
    spec: DIFF_OPTIONS,
    run: (a) => diffCommand(diffArgs(a, maxUnzippedBytesOption(a))),
  },
  receive: {
    spec: { values: ['port', 'host', 'out', 'max-body-mb'], flags: [] },
    run: (a) => {
      if (a.positionals.length) throw new UsageError('receive takes no arguments');
      const port = stringOption(a, 'port');
      if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) throw new UsageError(`--port must be a whole number from 0 to 65535 (got ${JSON.stringify(port)})`);
      const host = stringOption(a, 'host');
      if (host !== undefined && !host.trim()) throw new UsageError('--host must name an address');
      const out = stringOption(a, 'out');
      if (out !== undefined && !out) throw new UsageError('--out must name a folder');
      const mb = stringOption(a, 'max-body-mb');
      if (mb !== undefined && !/^[1-9]\d{0,4}$/.test(mb)) throw new UsageError(`--max-body-mb must be a whole number of megabytes, at least 1 (got ${JSON.stringify(mb)})`);
      return receiveCommand({ port: port === undefined ? undefined : Number(port), host, out, maxBodyBytes: mb === undefined ? undefined : Number(mb) * (1 << 20) });
    },
  },
};

export async function main(argv: readonly string[], progress: Progress = NO_PROGRESS): Promise<CommandResult> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return { exitCode: name ? 0 : 2, stdout: name ? [USAGE] : [], stderr: name ? [] : [USAGE] };
  if (name === '--version') return { exitCode: 0, stdout: [version()], stderr: [] };
  const cmd = COMMANDS[name];
  if (!cmd) return { exitCode: 2, stdout: [], stderr: [`agent-trace: unknown command "${name}"`, USAGE] };
  try {
    return await cmd.run(parseArgs(rest, cmd.spec), progress);
  } catch (e) {
    if (e instanceof UsageError) return { exitCode: 2, stdout: [], stderr: [`agent-trace ${name}: ${e.message}`, USAGE] };
    if (isUserInputError(e)) return { exitCode: 2, stdout: [], stderr: e.problems.map(formatProblem) };
    throw e;
  }
}

function version(): string {
  // Bundled as dist/cli.js beside package.json's folder; fall back quietly when run from sources.
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../package.json') as { version: string }).version;
  } catch {
    return 'dev';
  }
}

/** Run the command, in this process or (for a large trace file, or the debug adapter: heap.ts) in one with room for it. */
function run(argv: readonly string[]): void {
  const relaunched = relaunchForLargeFiles(__filename, argv) ?? relaunchDebugAdapter(__filename, argv);
  if (relaunched !== undefined) {
    process.exitCode = relaunched;
    return;
  }
  main(argv, processProgress()).then(
    (r) => {
      // Trace text may hold terminal escape sequences: printableOutput escapes them for every command.
      const out = printableOutput(r);
      process.stdout.write(out.stdout);
      process.stderr.write(out.stderr);
      process.exitCode = r.exitCode;
    },
    (e: unknown) => {
      // Only a bug gets here: say so plainly, with the stack for the bug report.
      process.stderr.write(printableOutput({ exitCode: 1, stdout: [], stderr: [`agent-trace: internal error (please report): ${e instanceof Error ? e.stack : String(e)}`] }).stderr);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) run(process.argv.slice(2));
