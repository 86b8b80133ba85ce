import type { Step } from './schema';

/**
 * Placeholders a trace's producer (or whoever shared the trace) wrote where it removed content:
 * "[REDACTED]", "<redacted>", "***REDACTED***", "[REDACTED_ARGUMENTS len=153 sha=23291271]" (the
 * Codex CLI rollouts that localpush publishes as test fixtures: every argument, message and
 * output replaced so).
 *
 * A placeholder is not what the model wrote. The detectors cannot judge it (arguments that are a
 * placeholder are not "invalid JSON": 109 of the 119 invalid-argument findings in the shared
 * corpus were these), and a training example must not learn it (a model would learn to write
 * placeholders).
 *
 * Only a whole value counts: text that mentions "[REDACTED]" among other words is still text the
 * model saw or wrote.
 */

/** Longer values are never placeholders (and the pattern never runs over long text). */
const LONGEST_PLACEHOLDER = 200;

/**
 * REDACTED (any case), optionally with a kind (`_ARGUMENTS`, `-PII`) and details after a space,
 * colon or equals sign (`len=153 sha=…`), inside [ ], < > or ( ), or bare between asterisks.
 */
const PLACEHOLDER = /^\s*(?:\[\s*REDACTED(?:[_-]\w+)?(?:[\s:=][^\]\n]*)?\]|<\s*REDACTED(?:[_-]\w+)?(?:[\s:=][^>\n]*)?>|\(\s*REDACTED(?:[_-]\w+)?(?:[\s:=][^)\n]*)?\)|\**REDACTED(?:[_-]\w+)?\**)\s*$/i;

/** Whether `value` is wholly a redaction placeholder (see above). */
export function isRedactionPlaceholder(value: unknown): value is string {
  return typeof value === 'string' && value.length <= LONGEST_PLACEHOLDER && PLACEHOLDER.test(value);
}

/**
 * Whether what the detectors judge of a step is a placeholder: its call's arguments, or its
 * output (a reply's text or calls, a tool's result). Nothing such a step did can be found wrong,
 * so a run of them is "not checked", not "no failures".
 */
export function holdsRedactedOutput(step: Pick<Step, 'toolCall' | 'output'>): boolean {
  if (isRedactionPlaceholder(step.toolCall?.arguments)) return true;
  const output = step.output;
  if (!output) return false;
  if (isRedactionPlaceholder(output.value)) return true;
  for (const m of output.messages ?? []) {
    if (isRedactionPlaceholder(m.content)) return true;
    for (const call of m.toolCalls ?? []) if (isRedactionPlaceholder(call.arguments)) return true;
  }
  return false;
}

/** Where in `steps` (their places) a step holds a redaction placeholder where the detectors would judge (holdsRedactedOutput). */
export function redactedPlaces(steps: readonly Step[]): number[] {
  const places: number[] = [];
  steps.forEach((step, i) => { if (holdsRedactedOutput(step)) places.push(i); });
  return places;
}

/** How many of `steps` hold a redaction placeholder where the detectors would judge (holdsRedactedOutput). */
export function countRedacted(steps: readonly Step[]): number {
  return redactedPlaces(steps).length;
}
