/**
 * Step details cross to the webview paged (issue 11): selecting a step sends each long text of it
 * as its first `DETAILS_TEXT_LIMIT` UTF-16 code units with its full length, and the webview asks
 * for the whole text (GetStepText) only when the reader wants it. Without this, a TRAIL input of
 * 200k tokens crossed postMessage, in full, on every `j`.
 *
 * The rules, applied to the whole Step:
 * - Any string longer than the limit is cut to its first `limit` code units (one fewer when the
 *   cut would split a surrogate pair) and listed as `kind: 'string'`.
 * - Inside the values the schema leaves free (attributes, input/output `value`, tool-call
 *   `arguments`), a structure (object or array) whose JSON would still be longer than the limit
 *   once its long strings are cut (its many small entries: a 50,000-item list) is replaced by null
 *   (`{}` for attributes) and listed as `kind: 'json'` with the beginning of its indented JSON.
 *   The smallest such structure is the one replaced; the strings already cut count as nothing.
 *
 * Pure: no vscode, no I/O, and the session's Step is never changed (copy on write).
 */
import type { Step } from '../../core/model/schema';
import { DETAILS_TEXT_LIMIT, ErrorCode, rpcError, type StepDetails, type StepPath, type TruncatedText } from '../../protocol';

/** `details` with its step's long texts cut; the same object when nothing is long. */
export function pageStepDetails(details: StepDetails, limit = DETAILS_TEXT_LIMIT): StepDetails {
  const { step, truncated } = pageStep(details.step, limit);
  return truncated.length ? { ...details, step, truncated } : details;
}

/** The step with its long texts cut, and where they were. */
export function pageStep(step: Step, limit = DETAILS_TEXT_LIMIT): { step: Step; truncated: TruncatedText[] } {
  if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`details text limit must be an integer of at least 2, not ${limit}`);
  const truncated: TruncatedText[] = [];
  const paged = walk(step, [], false, limit, truncated).value as Step;
  return { step: paged, truncated };
}

/** The first `limit` UTF-16 code units of `s`, one fewer when that would split a surrogate pair. */
export function cutText(s: string, limit: number): string {
  if (s.length <= limit) return s;
  let end = limit;
  if (end > 0 && isHigh(s.charCodeAt(end - 1)) && isLow(s.charCodeAt(end))) end--;
  return s.slice(0, end);
}

/**
 * The whole text at `path` in `step`: a string as it is, any other value as JSON indented by 2
 * (`[]` gives the step's Raw JSON). Only the step's own properties are followed.
 */
export function stepTextAt(step: Step, path: StepPath): string {
  let v: unknown = step;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const own = v !== null && typeof v === 'object' && (Array.isArray(v)
      ? typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < v.length
      : typeof key === 'string' && Object.prototype.hasOwnProperty.call(v, key));
    if (!own) throw rpcError(ErrorCode.NotFound, `step ${step.index + 1} has no value at ${pathText(path.slice(0, i + 1))}`);
    v = (v as Record<string | number, unknown>)[key];
  }
  if (typeof v === 'string') return v;
  // Every value in a Step came from JSON, so this always gives a string.
  return JSON.stringify(v, null, 2) ?? 'null';
}

/** `input.messages[0].content`, for messages. */
export function pathText(path: StepPath): string {
  if (!path.length) return 'the step';
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${i ? '.' : ''}${k}` : `[${JSON.stringify(k)}]`)).join('');
}

interface Walked {
  value: unknown;
  /** About the compact JSON length of what stays (cut strings and replaced structures count 0); never more than the real length. */
  size: number;
}

function walk(v: unknown, path: StepPath, free: boolean, limit: number, out: TruncatedText[]): Walked {
  if (typeof v === 'string') {
    if (v.length <= limit) return { value: v, size: v.length + 2 };
    out.push({ path, kind: 'string', length: v.length });
    return { value: cutText(v, limit), size: 0 };
  }
  if (v === null || typeof v !== 'object') return { value: v, size: v === undefined ? 0 : String(v).length };
  const inFree = free || isFreeRoot(path);
  const mark = out.length;
  let size = 2;
  let changed = false;
  let value: unknown;
  if (Array.isArray(v)) {
    const items = v.map((x, i) => {
      const w = walk(x, [...path, i], inFree, limit, out);
      size += w.size + 1;
      if (w.value !== x) changed = true;
      return w.value;
    });
    value = changed ? items : v;
  } else {
    const entries = Object.entries(v).map(([k, x]) => {
      const w = walk(x, [...path, k], inFree, limit, out);
      size += w.size + k.length + 4;
      if (w.value !== x) changed = true;
      return [k, w.value] as const;
    });
    // fromEntries defines properties: a key named __proto__ stays a key, as JSON.parse made it.
    value = changed ? Object.fromEntries(entries) : v;
  }
  if (inFree && size > limit) {
    const text = JSON.stringify(v, null, 2);
    if (text.length > limit) {
      out.length = mark; // the structure's own cut strings go with it
      out.push({ path, kind: 'json', length: text.length, text: cutText(text, limit) });
      return { value: path.length === 1 && path[0] === 'attributes' ? {} : null, size: 0 };
    }
  }
  return { value, size };
}

/** The values the schema leaves free: attributes, input/output `value`, and tool-call arguments. */
function isFreeRoot(path: StepPath): boolean {
  const [a, b, , d, , f] = path;
  if (path.length === 1) return a === 'attributes';
  if (path.length === 2) return (a === 'input' || a === 'output') && b === 'value' || (a === 'toolCall' && b === 'arguments');
  return path.length === 6 && (a === 'input' || a === 'output') && b === 'messages' && d === 'toolCalls' && f === 'arguments';
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
