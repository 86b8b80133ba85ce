/**
 * A trace file's runs, findings and warnings with only what a summary names of each step, read by
 * the engine's document loader in this thread (the CLI's `inspect` and `report`). The loader reads
 * agent-trace/v1 lines and large OTLP and TRAIL documents as a stream, running the detectors as
 * the steps come, so no step is held whole: at 10^6 generated steps the CLI took 3.2-5.7 GB with a
 * whole import, 1.0-1.8 GB with this. Files the loader reads whole are summarized the same way.
 */
import type { Finding } from '../detect';
import type { Step, Trace } from '../model/schema';
import type { Problem } from '../util/problems';
import { runLoader } from './held-runs';

/** What a summary keeps of a step: its place, its name, its tool, its usage. */
export type SummaryStep = Pick<Step, 'id' | 'parentId' | 'index' | 'kind' | 'name' | 'sourceId' | 'usage'> & { toolCall?: { name: string } };

/** A run's header (its steps those kept of them) and its findings. */
export interface SummaryRun {
  trace: Omit<Trace, 'steps'> & { steps: SummaryStep[] };
  findings: Finding[];
  /** Steps whose call arguments or output are a redaction placeholder: the detectors could not judge them. */
  redactedSteps: number;
}

export interface FileSummary {
  format: string;
  runs: SummaryRun[];
  warnings: Problem[];
}

export interface SummaryOptions {
  /** "default", "trail", "mast" or a taxonomy file's path (as `loadTaxonomy` takes it). */
  taxonomy: string;
  maxUnzippedBytes?: number;
  /** How far the read got, as it goes (bytes of the file). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** The loader's sizes, as tests make them small (OpenDocumentParams). */
  streamFromBytes?: number;
  chunkSize?: number;
}

/** Summarize the trace file at `path`; a file that cannot be read as a trace throws the UserInputError the whole import would. */
export function summarizeTraceFile(path: string, options: SummaryOptions): FileSummary {
  let steps: SummaryStep[][] = [];
  const { taxonomy, maxUnzippedBytes, streamFromBytes, chunkSize, onProgress } = options;
  const done = runLoader({ path, taxonomy, maxUnzippedBytes, streamFromBytes, chunkSize, readOnce: true }, onProgress, (e) => {
    if (e.kind === 'steps') (steps[e.run] ??= []).push(...e.steps.map(summaryStep));
    // Read again from the start, keeping each run's first keep[run] steps (a trace whose order changed).
    else if (e.kind === 'reset') steps = (e.keep ?? []).map((kept, run) => (steps[run] ?? []).slice(0, kept));
  });
  const { runs, findings, format, warnings, redactedAt } = done;
  return { format, warnings, runs: runs.map((header, run) => ({ trace: { ...header, steps: steps[run] ?? [] }, findings: findings[run] ?? [], redactedSteps: redactedAt?.[run]?.length ?? 0 })) };
}

function summaryStep(s: Step): SummaryStep {
  const kept: SummaryStep = { id: s.id, parentId: s.parentId, index: s.index, kind: s.kind, name: s.name };
  if (s.sourceId !== undefined) kept.sourceId = s.sourceId;
  if (s.toolCall !== undefined) kept.toolCall = { name: s.toolCall.name };
  if (s.usage !== undefined) kept.usage = s.usage;
  return kept;
}
