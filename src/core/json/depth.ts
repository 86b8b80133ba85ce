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
  const strings = new StringEnds(text);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = strings.endAfter(i + 1) - 1;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return -1;
}

/**
 * Where the strings of a text end, found with the native indexOf: most of a trace's text is inside
 * strings, and stepping through it a character at a time in JavaScript took 0.6 s of a 190 MB OTLP
 * document's load. The next backslash, quote and line break are kept until passed, so each is
 * searched for once per occurrence.
 */
export class StringEnds {
  private backslash = -2;
  private quote = -2;
  private lf = -2;
  private cr = -2;

  constructor(private readonly text: string) {}

  /**
   * The offset just after the string whose text begins at `from`: after its closing quote, or after
   * a line break (the tolerant parser that locates errors ends a string there, so brackets after it
   * count; for valid JSON this changes nothing), or the text's end. A backslash escapes the next
   * character, whatever it is.
   */
  endAfter(from: number): number {
    const text = this.text;
    for (;;) {
      this.backslash = nextAt(text, '\\', from, this.backslash);
      this.quote = nextAt(text, '"', from, this.quote);
      this.lf = nextAt(text, '\n', from, this.lf);
      this.cr = nextAt(text, '\r', from, this.cr);
      const end = earliest(earliest(this.quote, this.lf), this.cr);
      if (this.backslash !== -1 && (end === -1 || this.backslash < end)) {
        from = this.backslash + 2;
        continue;
      }
      return end === -1 ? text.length : end + 1;
    }
  }
}

/** The next `char` at or after `from`: `known` if it still is (-1: none left; -2: not searched yet). */
function nextAt(text: string, char: string, from: number, known: number): number {
  if (known === -1 || known >= from) return known;
  return text.indexOf(char, from);
}

/** The smaller offset, -1 meaning none. */
function earliest(a: number, b: number): number {
  if (a === -1) return b;
  if (b === -1) return a;
  return Math.min(a, b);
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
