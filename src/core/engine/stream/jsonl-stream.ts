/**
 * agent-trace/v1 JSON lines read as a stream, outside the editor: `loadTraceFile` reads a file
 * larger than V8's string limit (512 MB) this way (the CLI, the bench's whole-file case), giving
 * what the whole import gives for a smaller file. The run headers and the whole import's refusals
 * are shared with the editor's document worker (document-load.ts), which streams every large file.
 */
import { statSync } from 'node:fs';
import { detectFormat, type LoadResult } from '../../load';
import { SourceFile } from '../../json/source-file';
import { finishTrace, minStart } from '../../model/build';
import { TraceKeyAllocator } from '../../model/trace-key';
import type { Step, Trace } from '../../model/schema';
import type { DraftTrace } from '../../model/draft';
import { canonicalImporter } from '../../formats/canonical';
import { readFileRange } from '../../util/file-range';
import { cleanProblem, quoteTraceText, UserInputError, type Problem } from '../../util/problems';
import { CanonicalStreamBuilder } from './canonical-builder';
import { isBlankLine, readJsonlLines, type JsonlLine } from './jsonl-lines';
import { fileHasherFor } from './thread-hasher';

const SNIFF_BYTES = 64 * 1024;

/** The first 64 KB of the file, cut at a line end, read as agent-trace/v1 by the sniffers a whole load asks. */
export function looksLikeCanonicalJsonl(path: string, size: number): boolean {
  const head = readFileRange(path, 0, Math.min(size, SNIFF_BYTES));
  const lastNewline = head.lastIndexOf(0x0a);
  if (lastNewline < 0) return false;
  return detectFormat(new SourceFile(path, head.subarray(0, lastNewline + 1)))?.id === canonicalImporter.id;
}

/** The ids of a streamed run's steps by position, and how many there are. */
export interface StreamedStepIds {
  idAt(position: number): string | undefined;
  readonly count: number;
}

/** What a streaming builder knows of its runs (canonical-builder.ts, otlp-builder.ts): enough for their headers. */
export interface StreamedRuns {
  readonly path: string;
  /** The format id the whole import gives the file. */
  readonly format: string;
  readonly runs: readonly { readonly draft: DraftTrace }[];
  firstIdOf(run: number, sourceId: string): string | undefined;
}

/**
 * Streamed run `run` as the whole-file import gives it, without its steps, once `sha256` is the
 * file's: its labels bound to its steps, its start (`start`: the earliest step start), its key.
 * `keys` hands out the runs' keys in file order (a key depends only on earlier runs).
 */
export function streamedRunHeader(builder: StreamedRuns, run: number, sha256: string, warnings: Problem[], steps: StreamedStepIds | undefined, start: number | null, keys: TraceKeyAllocator): Trace {
  const runs = builder.runs;
  const draft = runs[run].draft;
  const trace = finishTrace({ indexInFile: runs.length > 1 ? run : draft.indexInFile, ...draft, steps: [] }, { path: builder.path, sha256 }, builder.format, warnings, [], {
    bySourceId: (sourceId) => builder.firstIdOf(run, sourceId),
    // In decision order, a step's position in the file is its index.
    atPosition: (position) => steps?.idAt(position),
    count: steps?.count ?? 0,
  }, start);
  trace.source.traceKey = keys.through(run, (i) => runs[i].draft.id);
  return { ...trace, steps: [] };
}

/** The whole-file import's refusal of a file without steps, and its warning for each run without any, in its words. */
export function checkStreamedRuns(path: string, runs: readonly Trace[], counts: readonly number[], warnings: Problem[]): void {
  if (runs.length === 0 || counts.every((n) => n === 0)) {
    const label = canonicalImporter.label;
    throw new UserInputError({ file: path, message: runs.length === 0 ? `recognized as ${label}, but it holds no trace` : `recognized as ${label}, but ${runs.length === 1 ? 'its trace has no steps' : `none of its ${runs.length} traces has any step`} (nothing to show)` });
  }
  runs.forEach((t, i) => {
    if (counts[i] === 0) warnings.push({ file: path, message: `trace ${i + 1} of ${runs.length} (${quoteTraceText(t.title)}) has no steps (nothing to show)` });
  });
}

/**
 * The file read line by line into its runs, as `loadTraceFromBytes` would give them. A file out
 * of decision order is read a second time, keeping each line's draft, and built whole.
 */
export function loadCanonicalJsonlStream(path: string, opts: { onProgress?: (byte: number, size: number) => void } = {}): LoadResult {
  const first = readRuns(path, false, opts.onProgress);
  const { builder, sha256 } = first.builder.orderBreak ? readRuns(path, true, opts.onProgress) : first;
  if (builder.orderBreak) {
    const built = builder.buildTraces(sha256);
    return { file: path, format: canonicalImporter.id, traces: built.traces, warnings: built.warnings };
  }
  const warnings: Problem[] = [...builder.warnings];
  const keys = new TraceKeyAllocator();
  const steps = first.steps;
  const runs = builder.runs.map((_, run) => streamedRunHeader(builder, run, sha256, warnings, idsOf(steps[run]), minStart(steps[run] ?? []), keys));
  checkStreamedRuns(path, runs, runs.map((_, run) => steps[run]?.length ?? 0), warnings);
  return { file: path, format: canonicalImporter.id, traces: runs.map((t, run) => ({ ...t, steps: steps[run] ?? [] })), warnings: warnings.map(cleanProblem) };
}

/** One pass over the file: its steps by run (unless the order broke), and its sha256; `onProgress` told the bytes read so far after each chunk. */
function readRuns(path: string, keepDrafts: boolean, onProgress?: (byte: number, size: number) => void): { builder: CanonicalStreamBuilder; steps: Step[][]; sha256: string } {
  const builder = new CanonicalStreamBuilder(path, { keepDrafts });
  const steps: Step[][] = [];
  const hasher = fileHasherFor(path);
  const add = (lines: JsonlLine[]): boolean => {
    for (const { run, step } of builder.add(lines)) if (!builder.orderBreak) (steps[run] ??= []).push(step);
    // Without drafts, nothing read after a break can be built: stop and read again with them.
    return keepDrafts || !builder.orderBreak;
  };
  try {
    const size = onProgress ? statSync(path).size : 0;
    const onChunk = onProgress
      ? (chunk: Uint8Array, at: number): void => {
        hasher.onChunk(chunk, at);
        onProgress(at + chunk.length, size);
      }
      : hasher.onChunk;
    const result = readJsonlLines(path, add, { onChunk });
    // A last line without a line break is a line, as in the whole import.
    if (!result.stopped && result.pending && !isBlankLine(result.pending.text)) add([result.pending]);
    return { builder, steps, sha256: hasher.digest() };
  } finally {
    hasher.dispose();
  }
}

function idsOf(steps: readonly Step[] | undefined): StreamedStepIds {
  return { idAt: (position) => steps?.[position]?.id, count: steps?.length ?? 0 };
}

