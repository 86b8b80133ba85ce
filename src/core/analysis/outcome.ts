/**
 * A file's analysis as the views and the text-editor diagnostics need it: the format, the counts
 * and the failure sites (and, for open documents, every located step), or the located reason the
 * file is not a readable trace. Small and structured-cloneable: it is what the analysis worker
 * sends back, so a file's traces never cross to the extension host for a view.
 */
import { analyzeBytes, detectOptionsFor } from '../analyze';
import type { LoadOptions } from '../load';
import type { Taxonomy } from '../taxonomy';
import { countRedacted } from '../model/redaction';
import { isUserInputError, type Problem } from '../util/problems';
import { failureSites, stepSites, type FailureSite, type StepSite } from './failure-sites';

export type AnalysisOutcome =
  /**
   * `steps` (every located step) only for open documents: the code actions and tag diagnostics need
   * them; the view does not. `redactedSteps`: steps whose call arguments or output are a redaction
   * placeholder (model/redaction.ts), which no rule could check.
   */
  | { kind: 'ok'; format: string; traceCount: number; stepCount: number; redactedSteps: number; sites: FailureSite[]; steps?: StepSite[] }
  /** The file is not a trace, or is a broken one: located problems, never a stack. */
  | { kind: 'invalid'; problems: Problem[] }
  | { kind: 'tooLarge'; sizeBytes: number; limitBytes: number };

export function analysisOutcome(path: string, bytes: Uint8Array, taxonomy: Taxonomy, withSteps: boolean, load: LoadOptions = {}): AnalysisOutcome {
  try {
    // Findings are placed by the taxonomy's own location rule, as in `agent-trace inspect`.
    const analysis = analyzeBytes(path, bytes, detectOptionsFor(taxonomy), load);
    return {
      kind: 'ok',
      format: analysis.format,
      traceCount: analysis.traces.length,
      stepCount: analysis.traces.reduce((n, t) => n + t.steps.length, 0),
      redactedSteps: analysis.traces.reduce((n, t) => n + countRedacted(t.steps), 0),
      sites: failureSites(analysis, taxonomy),
      ...(withSteps ? { steps: stepSites(analysis.traces) } : {}),
    };
  } catch (e) {
    if (isUserInputError(e)) return { kind: 'invalid', problems: e.problems };
    // A bug in an importer or detector: report it located to the file, keep the caller alive.
    return { kind: 'invalid', problems: [{ file: path, message: `could not be analysed: ${e instanceof Error ? e.message : String(e)}` }] };
  }
}
