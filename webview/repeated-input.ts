/**
 * A tool step whose input is its call's arguments again: OpenTelemetry tool spans, the OpenAI
 * Agents SDK's function spans and its hosted calls record both, and mini-swe-agent's and
 * SWE-agent's shell steps record the command as the input beside `{command}`. The details show the
 * arguments once, under the tool call. Pure: unit-tested in plain Node.
 */
import type { Step } from '../src/core/model/schema';

/**
 * Whether a step's input holds nothing but its tool call's arguments: the same JSON, or the one
 * string of a call that takes one argument (`cat x.py` for `{command: "cat x.py"}`).
 */
export function inputRepeatsArguments(s: Pick<Step, 'toolCall' | 'input'>): boolean {
  const input = s.input;
  if (!s.toolCall || !input || (input.messages?.length ?? 0) > 0 || input.value === undefined) return false;
  const args = s.toolCall.arguments;
  if (typeof input.value === 'string' && args !== null && typeof args === 'object' && !Array.isArray(args)) {
    const values = Object.values(args);
    if (values.length === 1 && values[0] === input.value) return true;
  }
  return JSON.stringify(input.value) === JSON.stringify(args);
}
