/**
 * `agent-trace convert <file> [--to agent-trace|otlp] [--trace-index N] [-o <out>]`: any trace we
 * read, written as agent-trace/v1 JSONL (default) or OTLP JSON; to stdout, or atomically to a file.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/annotations/atomic-write';
import { convertTraces, type ConvertTarget } from '../../core/convert';
import { loadTraceFile } from '../../core/load';
import { pickTrace } from '../../core/model/trace-key';
import { formatProblem, UserInputError } from '../../core/util/problems';
import type { CommandResult } from '../output';

export interface ConvertArgs {
  file: string;
  to: ConvertTarget;
  /** Which trace of a multi-trace file (0-based, as `indexInFile`); all of them when absent. */
  traceIndex?: number;
  /** Which trace by its key (its own id, else its run number: src/core/model/trace-key.ts). */
  traceKey?: string;
  out?: string;
  maxUnzippedBytes?: number;
}

export function convertCommand(args: ConvertArgs): CommandResult {
  // Check the destination before the (possibly long) read, so a typo fails at once.
  if (args.out !== undefined) checkDestination(args.out, args.file);
  const loaded = loadTraceFile(args.file, { maxUnzippedBytes: args.maxUnzippedBytes });
  let traces = loaded.traces;
  if (args.traceIndex !== undefined || args.traceKey !== undefined) traces = [pickTrace(args.file, traces, args)];
  const text = convertTraces(traces, args.to);
  const warnings = loaded.warnings.map((w) => `warning: ${formatProblem(w)}`);
  if (args.out === undefined) return { exitCode: 0, stdout: [text.replace(/\n$/, '')], stderr: warnings };
  try {
    writeFileAtomic(args.out, text);
  } catch (e) {
    throw new UserInputError({ file: args.out, message: `cannot be written (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
  }
  const steps = traces.reduce((n, t) => n + t.steps.length, 0);
  return { exitCode: 0, stdout: [], stderr: [...warnings, `wrote ${traces.length} trace${traces.length === 1 ? '' : 's'} (${steps} steps) as ${args.to} to ${args.out}`] };
}

/** The output must go into an existing folder, and never over the input file. */
function checkDestination(out: string, input: string): void {
  const folder = dirname(resolve(out));
  if (!existsSync(folder)) throw new UserInputError({ file: out, message: `the folder ${folder} does not exist` });
  if (!statSync(folder).isDirectory()) throw new UserInputError({ file: out, message: `${folder} is not a folder` });
  if (!existsSync(out)) return;
  const target = statSync(out);
  if (target.isDirectory()) throw new UserInputError({ file: out, message: 'is a folder: give a file name to write to' });
  if (existsSync(input)) {
    const source = statSync(input);
    // Same inode (the same path, a symlink or a hard link): writing would replace the trace being converted.
    if (source.dev === target.dev && source.ino === target.ino) throw new UserInputError({ file: out, message: 'is the input file: converting never overwrites the trace it reads; choose another output file' });
  }
}
