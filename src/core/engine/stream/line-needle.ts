/**
 * Which lines of an agent-trace/v1 file may hold a search query, told from their bytes without
 * parsing them. A held step's search text (`searchableText`) is made of its record's strings as
 * written (decoded) and of JSON.stringify of its values; a query found there has its longest run of
 * ASCII letters and digits (its "core") in the line's bytes too, case aside, except where:
 * - a `\uXXXX` escape wrote a character of it (any line with `\u` is a candidate);
 * - a number was written another way than JSON.stringify writes it (an exponent, or more than 17
 *   digits: candidates when the core has a digit);
 * - a character lower-cases to ASCII: KELVIN SIGN to `k`, LATIN CAPITAL I WITH DOT to `i` (their
 *   UTF-8 bytes make a line a candidate when the core has that letter).
 * So the lines a needle passes over cannot match; the ones it marks are checked whole. A query with
 * no letter or digit marks every line. Ids the import derived (`<id>#2`) are not in the line: the
 * caller checks the steps whose id holds a run of the query itself.
 */

/** The lines' text is read as latin1: one character per byte, so offsets are byte offsets. */
export interface LineNeedle {
  /** The query's runs of ASCII letters and digits, lower-cased, longest first (the first is its core). */
  readonly runs: readonly string[];
  /** Finds the core, case aside (global); undefined when every line may hold the query. */
  readonly pattern: RegExp | undefined;
  /** The core's bytes (ASCII), for a byte search case aside (fold-find.ts); undefined with the pattern. */
  readonly coreBytes: Buffer | undefined;
  /** Byte sequences that make a line a candidate wherever they are (escapes, characters that lower-case to ASCII). */
  readonly markerBytes: readonly Buffer[];
  /** Numbers JSON.stringify writes otherwise (global), when the query has a digit. */
  readonly markerPattern: RegExp | undefined;
  /** Whether a line in which the pattern found the core has the query's other runs too ("checksum mismatch": both words). */
  mayHold(line: string): boolean;
}

/** The needle for a query (lower-cased and trimmed, as search takes it). */
export function lineNeedle(query: string): LineNeedle {
  const runs = [...new Set(query.toLowerCase().match(/[a-z0-9]+/g) ?? [])].sort((a, b) => b.length - a.length);
  const core = runs[0] ?? '';
  if (!core) return { runs, pattern: undefined, coreBytes: undefined, markerBytes: [], markerPattern: undefined, mayHold: () => true };
  const markerBytes = [Buffer.from('\\u')];
  if (runs.some((r) => r.includes('k'))) markerBytes.push(Buffer.from('\u212a'));
  if (runs.some((r) => r.includes('i'))) markerBytes.push(Buffer.from('\u0130'));
  const others = runs.slice(1).map((r) => new RegExp(r, 'i'));
  return {
    runs, markerBytes,
    // One literal: V8 searches it far faster than an alternation.
    pattern: new RegExp(core, 'gi'),
    coreBytes: Buffer.from(core, 'latin1'),
    markerPattern: runs.some((r) => /\d/.test(r)) ? /\d[eE][-+]?\d|\d{17}/g : undefined,
    mayHold: (line) => others.every((r) => r.test(line)),
  };
}


/**
 * Whether a step whose id the import derived (`<id>#2`, not in its line) may hold the query in its
 * id: its line may not be marked, yet its search text has the id.
 */
export function idMayHold(needle: LineNeedle, id: string, sourceId: string | undefined): boolean {
  if (id === sourceId) return false;
  const lower = id.toLowerCase();
  return needle.runs.length === 0 || needle.runs.some((r) => lower.includes(r));
}
