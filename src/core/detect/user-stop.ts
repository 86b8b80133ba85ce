/**
 * Steps where the user stopped the agent. A call the user declined or interrupted did not fail
 * (the tool never ran, or was stopped), and a run the user interrupted did not end early by the
 * agent's choice: the detectors report neither as the tool's or the agent's failure (no
 * TOOL.RUNTIME for the declined call, no ORCH.PREMATURE_STOP for the run). Interactive coding
 * agents' sessions are full of these: both shared Claude Code sessions end so.
 *
 * What the producers write (and the importers keep):
 * - Claude Code: a declined call's result "The user doesn't want to proceed with this tool use. …"
 *   (its record's `toolUseResult` says "User rejected tool use"), or "The user doesn't want to take
 *   this action right now. …"; an interrupted request, a user message "[Request interrupted by
 *   user]" or "[Request interrupted by user for tool use]".
 * - Codex CLI: a turn aborted because the user interrupted it or sent new input ("interrupted",
 *   "replaced"): the turn and its unanswered calls carry the importer's TurnAborted error.
 * - Cline (and Roo Code): a reply or a command the user cancelled, a call the user denied ("The
 *   user denied this operation", Roo's `"status": "denied"`) and the calls skipped because of it
 *   ("Skipping tool [...] due to user rejecting a previous tool"): the importer's Cancelled, Denied
 *   and Skipped errors.
 * - Gemini CLI: a call the user cancelled or declined (status "cancelled": the importer's
 *   ToolCancelled error, "[Operation Cancelled] Reason: User cancelled the operation."), and its
 *   "Request cancelled." notice.
 * - Claude Managed Agents: a `user.interrupt` event (the importer's "[interrupt]" message).
 */
import type { ChatMessage, Step } from '../model/schema';

const DECLINED = /^The user doesn't want to (?:proceed with this tool use|take this action right now)\b/;
const INTERRUPTED_MESSAGE = /^\s*(?:\[Request interrupted by user(?: for tool use)?\]|\[interrupt\]|Request cancelled\.)\s*$/;
const TURN_ABORTED_BY_USER = /\b(?:interrupted|replaced)\b/;
/** Error types the importers give steps the user stopped (see above). */
const USER_STOP_ERRORS = new Set(['Cancelled', 'ToolCancelled', 'Denied', 'Skipped']);

/** A step that failed because the user stopped it (see above), not because anything went wrong. */
export function stoppedByUser(step: Pick<Step, 'error' | 'attributes' | 'output'>): boolean {
  const e = step.error;
  if (e?.type === 'TurnAborted') return TURN_ABORTED_BY_USER.test(e.message);
  if (e?.type !== undefined && USER_STOP_ERRORS.has(e.type)) return true;
  if (step.attributes?.toolUseResult === 'User rejected tool use') return true;
  if (e && DECLINED.test(e.message)) return true;
  const value = step.output?.value;
  return typeof value === 'string' && DECLINED.test(value);
}

/**
 * A step whose recorded status is a failure: an error status, unless the user stopped the step
 * (a declined call keeps the error status its producer wrote, and shows it, but is not failing:
 * not counted, not reached by "next failure").
 */
export function failedByStatus(step: Pick<Step, 'status' | 'error' | 'attributes' | 'output'>): boolean {
  return step.status === 'error' && !stoppedByUser(step);
}

/** A message (the user's, or the harness's notice) saying the user interrupted the agent (see above). */
export function isUserInterruption(step: Step): boolean {
  // Asked of every message and system step the detectors visit: no array is made for it.
  const input = step.input?.messages ?? [];
  const output = step.output?.messages ?? [];
  return input.length + output.length > 0 && input.every(saysInterrupted) && output.every(saysInterrupted);
}

function saysInterrupted(m: ChatMessage): boolean {
  return (m.role === 'user' || m.role === 'system') && typeof m.content === 'string' && INTERRUPTED_MESSAGE.test(m.content);
}
