/**
 * A cap on JSON nesting. `JSON.parse` itself copes with any depth, but everything after it walks
 * values recursively (JSON.stringify when the editor posts the trace to the webview, zod, ajv,
 * the tolerant parser that locates errors, our own walkers), and a trace nested 100,000 deep
 * overflows the stack in whichever comes first. No real trace comes near the cap, so text nested
 * deeper is refused before parsing, with the line and column where it goes too deep; embedded
 * JSON strings nested deeper simply stay strings.
 */

/** Deepest nesting of arrays and objects accepted in a trace, far above any real one. */
export const MAX_JSON_DEPTH = 512;

/**
 * Offset of the `[` or `{` that opens nesting level `maxDepth + 1`, or -1 when the text stays
 * within the cap. One linear pass, no recursion; brackets inside strings do not count.
 */
export function excessiveNestingOffset(text: string, maxDepth = MAX_JSON_DEPTH): number {
  // Nesting deeper than the cap needs more opening brackets than the cap: counting them with the
  // native indexOf settles almost every text (a JSONL line, a small document) without the scan.
  if (openingBracketsAtMost(text, maxDepth)) return -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      // A line break cannot be in a JSON string: the tolerant parser that locates errors ends the
      // string there, so brackets after it count (for valid JSON this changes nothing).
      else if (c === 0x22 /* " */ || c === 0x0a || c === 0x0d) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return -1;
}

function openingBracketsAtMost(text: string, max: number): boolean {
  let n = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) if (++n > max) return false;
  }
  return true;
}

export function tooDeepMessage(maxDepth = MAX_JSON_DEPTH): string {
  return `JSON nested more than ${maxDepth} levels deep (a corrupt or hostile file?); not read`;
}

/**
 * Parse JSON found inside a trace (a tool call's arguments, an attribute holding JSON, an
 * archive entry): the value, or undefined when the text is not JSON or is nested beyond the cap.
 */
export function tryParseJson(text: string): { value: unknown } | undefined {
  if (excessiveNestingOffset(text) !== -1) return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
