/**
 * A tool step whose input is its call's arguments again: OpenTelemetry tool spans, the OpenAI
 * Agents SDK's function spans and its hosted calls record both. The details show the arguments
 * once, under the tool call. Pure: unit-tested in plain Node.
 */
import type { Step } from '../src/core/model/schema';

/** Whether a step's input holds nothing but its tool call's arguments (the same JSON). */
export function inputRepeatsArguments(s: Pick<Step, 'toolCall' | 'input'>): boolean {
  const input = s.input;
  if (!s.toolCall || !input || (input.messages?.length ?? 0) > 0 || input.value === undefined) return false;
  return JSON.stringify(input.value) === JSON.stringify(s.toolCall.arguments);
}
