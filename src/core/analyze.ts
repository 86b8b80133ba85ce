/**
 * Load a trace file and run the detectors over each of its traces: the one entry point the CLI,
 * the text-editor diagnostics and the Agent Traces view share.
 */
import { detect, type DetectOptions, type Finding } from './detect';
import { loadTraceFile, loadTraceFromBytes, type LoadOptions, type LoadResult } from './load';
import type { Step, Trace } from './model/schema';
import type { Taxonomy } from './taxonomy';

/**
 * Where findings are placed follows the taxonomy's own location rule. TRAIL marks "the first span
 * where the error occurs" as a reader of model spans sees it, so under TRAIL a failure the model
 * caused is reported on the model step that first sees it. Our default taxonomy attributes it to
 * the decision that caused it. Both keep the symptom on the failing step.
 */
export function detectOptionsFor(taxonomy: Taxonomy): DetectOptions {
  return { attribution: taxonomy.id === 'trail' ? 'observation' : 'cause' };
}

export interface TraceAnalysis {
  trace: Trace;
  findings: Finding[];
}

export interface FileAnalysis extends LoadResult {
  analyses: TraceAnalysis[];
}

export function analyzeLoaded(result: LoadResult, options?: DetectOptions): FileAnalysis {
  return { ...result, analyses: result.traces.map((trace) => ({ trace, findings: detect(trace, options) })) };
}

export function analyzeFile(path: string, options?: DetectOptions, load?: LoadOptions): FileAnalysis {
  return analyzeLoaded(loadTraceFile(path, load), options);
}

export function analyzeBytes(path: string, bytes: Uint8Array, options?: DetectOptions, load?: LoadOptions): FileAnalysis {
  return analyzeLoaded(loadTraceFromBytes(path, bytes, load), options);
}

/** The tool a finding is about: the step's own call, or the call whose failure it was attributed from. */
export function toolOfFinding(finding: Finding, stepsById: ReadonlyMap<string, Pick<Step, 'kind' | 'name'> & { toolCall?: { name: string } }>): string | undefined {
  const step = stepsById.get(finding.stepId);
  if (step?.toolCall) return step.toolCall.name;
  const symptom = finding.symptomStepId ? stepsById.get(finding.symptomStepId) : undefined;
  return symptom?.toolCall?.name ?? (step?.kind === 'tool' ? step.name : undefined);
}
