/**
 * Which runs can be compared, and how to load them:
 * - two trace files: `a.trace.jsonl b.trace.jsonl`;
 * - two runs of one file (a JSONL file with a run per line, a tau-bench results file, an Inspect
 *   log's samples): `runs.json#0 runs.json#3`, `#N` being the run's index in its file (from 0, as
 *   `--trace-index` counts), or `runs.jsonl#<key>` with the run's key (its own id: trace-key.ts).
 *   A file whose name really ends in `#…` is read as that file when it exists;
 * - the original and the corrected trajectory of one trace: its sidecar's corrections applied the
 *   way promotion applies them (src/core/export/prepare.ts: a correction on a tool step belongs to
 *   the model turn that issued the call), and the trajectory ending at the first correction that
 *   changes a tool call, since the later steps answer calls the corrected run never made.
 */
import { existsSync } from 'node:fs';
import { sidecarPathFor, loadAnnotationsFor } from '../annotations/sidecar';
import { prepareTrajectory } from '../export/prepare';
import { loadTraceFile, type LoadFileOptions, type LoadResult } from '../load';
import type { ChatMessage, Step, Trace } from '../model/schema';
import { pickTrace } from '../model/trace-key';
import { UserInputError, type Problem } from '../util/problems';

export interface TraceSpec {
  file: string;
  /** Which run of a multi-run file, by its index in the file; required (or traceKey) when the file holds several. */
  traceIndex?: number;
  /** Which run, by its key (its own id, or its index: src/core/model/trace-key.ts). */
  traceKey?: string;
}

/**
 * `file` or `file#KEY`, KEY being a run's key (its own id, `abc#2` for a repeat) or its index in the
 * file. The file is the longest prefix before a `#` that exists (`odd#3` is a file when it exists);
 * when none exists, `name#N` still reads as run N of `name`, so the refusal names the missing file.
 */
export function parseTraceSpec(arg: string, exists: (path: string) => boolean = existsSync): TraceSpec {
  if (exists(arg)) return { file: arg };
  for (let i = arg.lastIndexOf('#'); i > 0; i = arg.lastIndexOf('#', i - 1)) {
    const key = arg.slice(i + 1);
    if (key && exists(arg.slice(0, i))) return { file: arg.slice(0, i), traceKey: key };
  }
  const m = /^(.*)#(\d+)$/.exec(arg);
  return m && m[1] ? { file: m[1], traceKey: m[2] } : { file: arg };
}

/** How a spec is written back, for headers and messages. */
export function formatTraceSpec(spec: TraceSpec): string {
  const run = spec.traceKey ?? spec.traceIndex;
  return run === undefined ? spec.file : `${spec.file}#${run}`;
}

/** Loads each file once, however many runs of it are compared. */
export class TraceLoader {
  private readonly loaded = new Map<string, LoadResult>();
  readonly warnings: Problem[] = [];

  constructor(private readonly opts: LoadFileOptions = {}) {}

  load(file: string): LoadResult {
    let r = this.loaded.get(file);
    if (!r) {
      r = loadTraceFile(file, this.opts);
      this.loaded.set(file, r);
      this.warnings.push(...r.warnings);
    }
    return r;
  }

  /** The run a spec names; a multi-run file without `#N`, or an index it does not have, is refused naming the file. */
  trace(spec: TraceSpec): Trace {
    const { traces } = this.load(spec.file);
    return pickTrace(spec.file, traces, spec);
  }
}

export interface CorrectedTrajectory {
  trace: Trace;
  /** Ids of the steps whose output a correction replaced. */
  corrected: string[];
  /** The step whose corrected tool calls end the corrected trajectory (later steps are left out). */
  truncatedAfter?: string;
  /** The sidecar the corrections came from. */
  sidecar: string;
  /** About the sidecar: how it was read, written for other trace bytes, entries whose step is not in the run. */
  warnings: Problem[];
}

/**
 * The corrected trajectory of a trace, as promotion builds it, as a trace: corrected steps carry
 * their corrected assistant message (and `attributes['agent-trace.corrected']`), and the steps
 * after a correction that changes a tool call are left out. `annotations`: the sidecar (default:
 * the trace's own, `<trace>.annotations.json`). Refused when the sidecar corrects no step of the run.
 */
export function correctedTrajectory(file: string, trace: Trace, annotations?: string): CorrectedTrajectory {
  const sidecar = annotations ?? sidecarPathFor(file);
  if (!annotations && !existsSync(sidecar)) throw new UserInputError({ file, message: `has no annotation sidecar (${sidecar}), so no corrected trajectory to compare with` });
  const { doc, warnings } = loadAnnotationsFor(file, trace.source, annotations);
  const p = prepareTrajectory(trace, doc, { sidecarFile: sidecar });
  const run = trace.source.indexInFile === undefined ? '' : ` for run #${trace.source.indexInFile}`;
  if (p.corrections.size === 0) throw new UserInputError({ file: sidecar, message: `holds no correction${run} of ${file} that applies to a model turn, so no corrected trajectory to compare with` });
  const end = p.truncatedAfter === undefined ? Infinity : (p.stepsById.get(p.truncatedAfter)?.index ?? Infinity);
  const steps: Step[] = [];
  for (const s of trace.steps) {
    if (s.index > end) break;
    const msg = p.corrections.get(s.id);
    steps.push(msg ? withCorrectedOutput(s, msg) : s);
  }
  return {
    trace: { ...trace, steps },
    corrected: [...p.corrections.keys()],
    ...(p.truncatedAfter !== undefined ? { truncatedAfter: p.truncatedAfter } : {}),
    sidecar,
    // What the sidecar says about itself (written for other trace bytes, entries whose step is
    // gone); promotion's warnings about training data (inferred tools, empty turns) are not for a diff.
    warnings: [...warnings, ...p.warnings.filter((w) => w.file === sidecar)],
  };
}

/** The step with its last assistant message replaced by the correction (added when it has none), as applyCorrections does. */
function withCorrectedOutput(s: Step, msg: ChatMessage): Step {
  const out = s.output?.messages ?? [];
  let k = -1;
  for (let i = out.length - 1; i >= 0 && k < 0; i--) if (out[i].role === 'assistant') k = i;
  const messages = k >= 0 ? out.map((m, i) => (i === k ? msg : m)) : [...out, msg];
  return { ...s, output: { ...s.output, messages }, attributes: { ...s.attributes, 'agent-trace.corrected': true } };
}
