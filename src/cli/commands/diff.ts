/**
 * `agent-trace diff <a> <b> [--json]`: align two runs on their action sequence and say where they
 * first diverge. A run is a trace file, or `file#N` for run N (from 0) of a file holding several;
 * `agent-trace diff <trace> --corrected [--annotations <sidecar>]` compares a run with its
 * corrected trajectory (the sidecar's corrections, applied as promotion applies them).
 *
 * `--json` prints `{"firstDivergence": null | {"a", "b", "pair"}, "pairs": [{"a", "b", "kind",
 * "aStepId"?, "bStepId"?, "fields"?}], "firstActionDivergence", "counts", "approximate", "traces"}`
 * with 0-based step indexes; the text listing numbers steps from 1, as the trace editor does.
 */
import { alignTraces, correctedTrajectory, formatTraceSpec, parseTraceSpec, stepLabel, TraceLoader, type AlignedPair, type Alignment, type Divergence, type PairKind } from '../../core/compare';
import type { Trace } from '../../core/model/schema';
import { traceKeyOf } from '../../core/model/trace-key';
import { escapeControlChars, formatProblem, truncateText, UserInputError } from '../../core/util/problems';
import { stringOption, UsageError, type OptionSpec, type ParsedArgs } from '../args';
import { json, type CommandResult } from '../output';

export interface DiffArgs {
  /** One spec with `corrected`, two otherwise: `file` or `file#N`. */
  traces: string[];
  json: boolean;
  /** Compare the run with its corrected trajectory. */
  corrected?: boolean;
  /** The sidecar holding the corrections (default: the trace's own). */
  annotations?: string;
  maxUnzippedBytes?: number;
}

export const DIFF_OPTIONS: OptionSpec = { values: ['annotations', 'max-unzipped-mb'], flags: ['json', 'corrected'] };

/** The command line of `diff`, checked (`maxUnzippedBytes`: main's reading of --max-unzipped-mb). */
export function diffArgs(a: ParsedArgs, maxUnzippedBytes: number | undefined): DiffArgs {
  const corrected = a.options.has('corrected');
  if (corrected && a.positionals.length !== 1) throw new UsageError('diff --corrected takes exactly one trace (file or file#N)');
  if (!corrected && a.positionals.length !== 2) throw new UsageError('diff takes two traces (file or file#N), or one with --corrected');
  const annotations = stringOption(a, 'annotations');
  if (annotations !== undefined && !corrected) throw new UsageError('--annotations goes with --corrected (the sidecar whose corrections make the corrected trajectory)');
  return { traces: a.positionals, json: a.options.has('json'), corrected, annotations, maxUnzippedBytes };
}

interface Side {
  name: string;
  trace: Trace;
  corrected?: string[];
}

const MARK: Record<PairKind, string> = { same: '=', changed: '~', deleted: '-', inserted: '+' };
const LABEL_WIDTH = 40;

export function diffCommand(args: DiffArgs): CommandResult {
  const loader = new TraceLoader({ maxUnzippedBytes: args.maxUnzippedBytes });
  const warnings: string[] = [];
  let a: Side;
  let b: Side;
  if (args.corrected) {
    if (args.traces.length !== 1) throw new UserInputError({ file: args.traces[1] ?? '(none)', message: '--corrected compares one run with its corrected trajectory: give exactly one trace' });
    const spec = parseTraceSpec(args.traces[0]);
    const trace = loader.trace(spec);
    const c = correctedTrajectory(spec.file, trace, args.annotations);
    warnings.push(...c.warnings.map((w) => `warning: ${formatProblem(w)}`));
    a = { name: formatTraceSpec(spec), trace };
    b = { name: `${formatTraceSpec(spec)} corrected (${c.sidecar})`, trace: c.trace, corrected: c.corrected };
  } else {
    if (args.traces.length !== 2) throw new UserInputError({ file: args.traces[0] ?? '(none)', message: 'diff compares two runs: give two traces (file or file#N), or one with --corrected' });
    const [sa, sb] = args.traces.map((t) => parseTraceSpec(t));
    a = { name: formatTraceSpec(sa), trace: loader.trace(sa) };
    b = { name: formatTraceSpec(sb), trace: loader.trace(sb) };
  }
  warnings.unshift(...loader.warnings.map((w) => `warning: ${formatProblem(w)}`));
  const al = alignTraces(a.trace, b.trace);
  if (args.json) return { exitCode: 0, stdout: [json(jsonShape(al, a, b))], stderr: warnings };
  return { exitCode: 0, stdout: textListing(al, a, b), stderr: warnings };
}

function jsonShape(al: Alignment, a: Side, b: Side): unknown {
  const traceInfo = (s: Side): unknown => ({
    name: s.name, file: s.trace.source.path, traceIndex: s.trace.source.indexInFile ?? null, traceKey: traceKeyOf(s.trace), title: s.trace.title, steps: s.trace.steps.length,
    ...(s.corrected ? { correctedSteps: s.corrected } : {}),
  });
  return {
    firstDivergence: al.firstDivergence,
    pairs: al.pairs.map((p) => ({
      a: p.a, b: p.b, kind: p.kind,
      ...(p.a !== null ? { aStepId: a.trace.steps[p.a].id } : {}),
      ...(p.b !== null ? { bStepId: b.trace.steps[p.b].id } : {}),
      ...(p.fields ? { fields: p.fields } : {}),
    })),
    firstActionDivergence: al.firstActionDivergence,
    counts: al.counts,
    approximate: al.approximate,
    traces: { a: traceInfo(a), b: traceInfo(b) },
  };
}

/** Step text for a listing: escaped before it is measured, so columns line up. */
function label(t: Trace, i: number): string {
  return escapeControlChars(truncateText(stepLabel(t.steps[i]), LABEL_WIDTH - 1));
}

function describeDivergence(d: Divergence, al: Alignment, a: Side, b: Side): string {
  const p = al.pairs[d.pair];
  const at = (s: Side, i: number | null): string => (i === null ? '' : `step ${i + 1} (${label(s.trace, i)})`);
  if (p.kind === 'deleted') return `${at(a, p.a)} of a, which b does not have`;
  if (p.kind === 'inserted') return `${at(b, p.b)} of b, which a does not have`;
  const fields = p.fields ?? [];
  return `a ${at(a, p.a)} ~ b ${at(b, p.b)}: ${fields.join(', ')} ${fields.length === 1 ? 'differs' : 'differ'}`;
}

function textListing(al: Alignment, a: Side, b: Side): string[] {
  const head = (tag: string, s: Side): string => `${tag}: ${escapeControlChars(s.name)}  "${escapeControlChars(truncateText(s.trace.title, 60))}"  (${s.trace.steps.length} steps)`;
  const c = al.counts;
  const out = [
    head('a', a),
    head('b', b),
    `${c.same} same, ${c.changed} changed, ${c.deleted} only in a, ${c.inserted} only in b${al.approximate ? ' (too many differences: part of the alignment pairs steps by position)' : ''}`,
  ];
  if (!al.firstDivergence) {
    out.push('no divergence: the runs did the same steps with the same arguments, messages and results');
  } else {
    out.push(`first divergence: ${describeDivergence(al.firstDivergence, al, a, b)}`);
    const act = al.firstActionDivergence;
    if (!act) out.push('first different action: none (the runs took the same actions; only messages, results, errors or status differ)');
    else if (act.pair !== al.firstDivergence.pair) out.push(`first different action: ${describeDivergence(act, al, a, b)}`);
  }
  const numWidth = String(Math.max(a.trace.steps.length, b.trace.steps.length)).length;
  out.push('', `   ${'a'.padEnd(LABEL_WIDTH + numWidth + 4)}b`);
  const cell = (s: Side, i: number | null): string => (i === null ? '' : `${String(i + 1).padStart(numWidth)} ${label(s.trace, i)}`);
  al.pairs.forEach((p: AlignedPair, k) => {
    const notes = [
      ...(p.fields?.length ? [p.fields.join(', ')] : []),
      ...(k === al.firstDivergence?.pair ? ['<- first divergence'] : []),
      ...(k === al.firstActionDivergence?.pair && k !== al.firstDivergence?.pair ? ['<- first different action'] : []),
    ];
    out.push(`${MARK[p.kind]}  ${cell(a, p.a).padEnd(LABEL_WIDTH + numWidth + 2)}  ${cell(b, p.b).padEnd(notes.length ? LABEL_WIDTH + numWidth + 2 : 0)}${notes.length ? `  ${notes.join('  ')}` : ''}`.trimEnd());
  });
  out.push('', '= same   ~ changed (same action slot, other arguments, messages, result, error or status)   - only in a   + only in b');
  return out;
}
