/**
 * Where a tag on a step is carried in the training data. The training data must say what the
 * user judged and only that, so a tag never marks a turn the user did not judge wrong:
 *
 * 1. A tag on a model turn marks that turn.
 * 2. A tag on a tool step marks the model turn that made the call only when its category blames
 *    the call (unknown tool, invalid arguments, wrong tool, a repeated or blind retry...). A
 *    category that describes what the environment answered (timeout, rate limit, auth, a runtime
 *    error, a missing resource, an empty result, any SYS category) judges the environment, not
 *    the call: it marks no turn.
 * 3. A tag on any other step (the agent or root span, a sub-agent, a message, a model call that
 *    produced no output) judges the run, not a turn: the run counts as failed (see run-outcome.ts).
 *    Environment categories there mark nothing either.
 */
import type { Step } from '../model/schema';
import { TRAIL_TAXONOMY } from '../taxonomy/trail';
import { DEFAULT_TAXONOMY } from '../taxonomy/default';
import { isToolStep } from './conversation';

/** Default-taxonomy ids that describe the environment's answer, not the agent's decision. */
const ENVIRONMENT_IDS: ReadonlySet<string> = new Set([
  'TOOL.RUNTIME', 'TOOL.TIMEOUT', 'TOOL.RATE_LIMIT', 'TOOL.AUTH', 'TOOL.NOT_FOUND', 'TOOL.EMPTY_RESULT',
]);

const isEnvironmentId = (id: string): boolean => ENVIRONMENT_IDS.has(id) || id === 'SYS' || id.startsWith('SYS.');

/**
 * Does this category describe the environment (what came back, or infrastructure) rather than a
 * decision of the agent? Default ids and names are known, and TRAIL categories by their root
 * ("System Execution": Timeout Issues, Rate Limiting... but not "Poor Information Retrieval",
 * which TRAIL counts as the agent's reasoning); anything else (MAST modes, a user taxonomy's own
 * ids) is taken as a judgement of the agent.
 */
export function isEnvironmentCategory(category: string): boolean {
  const own = DEFAULT_TAXONOMY.get(category);
  if (own) return isEnvironmentId(own.id);
  let trail = TRAIL_TAXONOMY.get(category);
  for (let hops = 0; trail?.parent && hops < 8; hops++) trail = TRAIL_TAXONOMY.get(trail.parent);
  return trail?.id === 'System Execution';
}

export type TagCarry =
  /** The tag marks this model turn (a step id of `turns`). */
  | { to: 'turn'; stepId: string }
  /** The tag judges the run as a whole. */
  | { to: 'run' }
  /** The tag is kept in the sidecar and the editor, and marks nothing in the training data. */
  | { to: 'nothing'; why: string };

/**
 * Where a tag of `category` on `step` is carried (rules above). `turns` are the trace's model
 * turns in decision order.
 */
export function carryTag(stepsById: ReadonlyMap<string, Step>, step: Step, category: string, turns: readonly Step[]): TagCarry {
  if (turns.some((t) => t.id === step.id)) return { to: 'turn', stepId: step.id };
  const environment = isEnvironmentCategory(category);
  if (isToolStep(step)) {
    if (environment) return { to: 'nothing', why: 'it describes what the environment answered, not the call the model made' };
    const maker = callMaker(stepsById, step, turns);
    return maker ? { to: 'turn', stepId: maker.id } : { to: 'nothing', why: 'no model turn made this call' };
  }
  if (environment) return { to: 'nothing', why: 'it describes the environment, not a decision of the agent' };
  return { to: 'run' };
}

/**
 * The model turn that made a tool step's call: the model turn it is nested in; else the last
 * turn before it whose calls carry its call id; else the last turn before it that called a tool
 * of its name; else the last turn before it (frameworks that record the call only as text).
 */
export function callMaker(stepsById: ReadonlyMap<string, Step>, tool: Step, turns: readonly Step[]): Step | undefined {
  const turnIds = new Set(turns.map((t) => t.id));
  for (let p = tool.parentId; p; p = stepsById.get(p)?.parentId ?? null) if (turnIds.has(p)) return stepsById.get(p);
  const before = turns.filter((t) => t.index < tool.index);
  const calls = (t: Step): { id?: string; name: string }[] => (t.output?.messages ?? []).flatMap((m) => m.toolCalls ?? []);
  const id = tool.toolCall?.id;
  const name = tool.toolCall?.name ?? tool.name;
  const lastWhere = (ok: (t: Step) => boolean): Step | undefined => {
    for (let i = before.length - 1; i >= 0; i--) if (ok(before[i])) return before[i];
    return undefined;
  };
  return (id !== undefined ? lastWhere((t) => calls(t).some((c) => c.id === id)) : undefined)
    ?? lastWhere((t) => calls(t).some((c) => c.name === name))
    ?? before[before.length - 1];
}
