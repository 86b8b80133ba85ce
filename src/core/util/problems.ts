/**
 * User-facing problems with a place: every bad input gets one line naming the file, where
 * (line:column, or a JSON path) and what is wrong. Never a stack trace for a user error.
 */
export interface Problem {
  file: string;
  line?: number;
  column?: number;
  /** JSON path such as `$.spans[3].span_id`, when there is no better position. */
  path?: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  let where = p.file;
  if (p.line !== undefined) where += `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}`;
  if (p.path) where += ` (${p.path})`;
  return `${where}: ${p.message}`;
}

/** Thrown for bad user input. Carries one or more located problems; callers print them, not the stack. */
export class UserInputError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[] | Problem) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'UserInputError';
    this.problems = list;
  }
}

export function isUserInputError(e: unknown): e is UserInputError {
  return e instanceof UserInputError;
}

/**
 * Characters that must not reach a terminal or a one-line message from trace content: C0 and C1
 * controls (escape sequences, line breaks), line/paragraph separators, and bidirectional
 * overrides (which reorder what a reader sees).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The text with every unsafe character written as a visible escape (`\n`, `\u001b`). */
export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE_CHARS, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Cut text to `max` characters, marking the cut. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Trace text quoted for a message: escaped, cut to `max` characters, in double quotes. Values that
 * are not strings are described (`an object with keys "a", "b"`), never dumped whole.
 */
export function quoteTraceText(value: unknown, max = 80): string {
  if (typeof value === 'string') return `"${escapeControlChars(truncateText(value, max))}"`;
  return describeValue(value);
}

/** A short description of any JSON value, for messages about values of the wrong kind. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 6).map((k) => quoteTraceText(k, 40)).join(', ');
    return keys.length ? `an object with keys ${shown}${keys.length > 6 ? ', ...' : ''}` : 'an empty object';
  }
  if (typeof value === 'string') return quoteTraceText(value);
  return String(value);
}

/** Longest message a problem carries; what trace text it quotes is capped well below. */
export const MAX_PROBLEM_MESSAGE = 500;

/**
 * A problem safe to show as one line: control characters escaped and the message capped, so a
 * hostile trace can neither break the line nor flood the output. Applied to everything a load
 * reports, whatever the importer wrote.
 */
export function cleanProblem(p: Problem): Problem {
  const out: Problem = { ...p, file: escapeControlChars(p.file), message: truncateText(escapeControlChars(p.message), MAX_PROBLEM_MESSAGE) };
  if (p.path !== undefined) out.path = truncateText(escapeControlChars(p.path), 200);
  return out;
}

/** Render a JSON path array as `$.a[0].b`. */
export function jsonPathToString(path: readonly (string | number)[]): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
