/**
 * A trace file's runs with their steps held without their payloads, read by the engine's document
 * loader in this thread (the debugger). The loader streams agent-trace/v1 lines and large OTLP and
 * TRAIL documents, running the detectors as the steps come, and hands over each step without its
 * messages, arguments and results (`withoutPayloads`), with the byte range it came from: a step is
 * made whole again from the file when it is needed (`FilePayloads`). A file the loader reads whole
 * comes with whole steps and no payloads to read back.
 */
import type { Finding } from '../detect';
import type { Step, Trace } from '../model/schema';
import { UserInputError, type Problem } from '../util/problems';
import { FilePayloads } from './stream/step-payloads';
import { DocumentLoader, type DocumentEvent, type OpenDocumentParams } from './worker/document-load';

export interface HeldRun {
  /** The run, its steps held (whole when `payloads` is undefined). */
  trace: Trace;
  findings: Finding[];
  /** Where each held step's line or span is, to read it back whole; undefined when the steps came whole. */
  payloads: FilePayloads | undefined;
}

export interface HeldRuns {
  format: string;
  runs: HeldRun[];
  warnings: Problem[];
}

export type HeldRunsOptions = Pick<OpenDocumentParams, 'taxonomy' | 'maxUnzippedBytes' | 'streamFromBytes' | 'chunkSize' | 'keepUsage'> & {
  /** How far the read got, as it goes (bytes of the file). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
};

/** Read the trace file at `path`; a file that cannot be read as a trace throws the UserInputError the whole import would. */
export function readHeldRuns(path: string, options: HeldRunsOptions): HeldRuns {
  let steps: Step[][] = [];
  let payloads: (FilePayloads | undefined)[] = [];
  const done = runLoader({ ...options, path, payloadsOnDemand: true, readOnce: true }, options.onProgress, (e) => {
    if (e.kind === 'steps') {
      const held = (steps[e.run] ??= []);
      for (const step of e.steps) held.push(step);
      if (e.payloadRanges) (payloads[e.run] ??= new FilePayloads(path, undefined, e.payloadFormat)).addRanges(e.payloadRanges);
    } else if (e.kind === 'reset') {
      // Read again from the start, keeping each run's first keep[run] steps (a trace whose order changed).
      const keep = e.keep ?? [];
      steps = keep.map((kept, run) => (steps[run] ?? []).slice(0, kept));
      payloads = keep.map((kept, run) => payloads[run]?.keptTo(kept));
    }
  });
  return {
    format: done.format,
    warnings: done.warnings,
    runs: done.runs.map((header, run) => ({ trace: { ...header, steps: steps[run] ?? [] }, findings: done.findings[run] ?? [], payloads: payloads[run] })),
  };
}

/**
 * Run the document loader over a file once, in this thread, giving `onEvent` each event: its
 * `done`, or the UserInputError (or Error, for a bug) of a file it could not read.
 */
export function runLoader(params: OpenDocumentParams, onProgress: ((bytesRead: number, totalBytes: number) => void) | undefined, onEvent: (e: DocumentEvent) => void): Extract<DocumentEvent, { kind: 'done' }> {
  let done: Extract<DocumentEvent, { kind: 'done' }> | undefined;
  let failed: Extract<DocumentEvent, { kind: 'failed' }> | undefined;
  new DocumentLoader(params, (e) => {
    if (e.kind === 'steps' || e.kind === 'progress' || e.kind === 'done') onProgress?.(e.kind === 'done' ? e.totalBytes : e.bytesRead, e.totalBytes);
    if (e.kind === 'done') done = e;
    else if (e.kind === 'failed') failed = e;
    else onEvent(e);
  }).open();
  if (failed) {
    if (failed.userError) throw new UserInputError(failed.problems);
    throw new Error(failed.problems.map((p) => p.message).join('; '));
  }
  if (!done) throw new Error(`${params.path}: the trace loader ended without an answer`);
  return done;
}
