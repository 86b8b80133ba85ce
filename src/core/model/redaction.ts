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
