/**
 * Steps that open one alternative of an agent's search: ToolBench's DFSDT backtracks to a node of
 * its tree and tries another child, StableToolBench likewise, and a CoT run's tries each restart
 * from the query. The model starts each alternative from the branch point, without what the
 * alternatives before it did: a call that failed in one and is made again in the next was not
 * retried blindly, and an error in one was not ignored by the next. The importers mark the step
 * that opens each alternative with this attribute (it survives a conversion to agent-trace/v1);
 * the detectors start each alternative from what they knew at its branch point (detect.ts).
 */
import type { Step } from './schema';

export const ALTERNATIVE_ATTRIBUTE = 'search.alternative';

/** The attributes of a step that opens an alternative. */
export const OPENS_ALTERNATIVE: Readonly<Record<string, unknown>> = Object.freeze({ [ALTERNATIVE_ATTRIBUTE]: true });

export function opensAlternative(step: Pick<Step, 'attributes'>): boolean {
  return step.attributes?.[ALTERNATIVE_ATTRIBUTE] === true;
}
