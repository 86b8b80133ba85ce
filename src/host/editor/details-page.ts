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
 * Then the messages, as a whole (elideMessages): a TRAIL input is many medium messages (230 KB in
 * one SWE Bench step) with no text over the limit, so each input and output crosses with at most
 * `DETAILS_MESSAGES_BUDGET` of messages besides the ones that set the scene and the latest one;
 * the run between is left out (`StepDetails.elided`) and the webview asks for it (GetStepMessages).
 *
 * Pure: no vscode, no I/O, and the session's Step is never changed (copy on write).
 */
import type { ChatMessage, Step } from '../../core/model/schema';
import {
  DETAILS_MESSAGES_BUDGET, DETAILS_TEXT_LIMIT, ErrorCode, rpcError, type ElidedMessages, type StepDetails, type StepPath, type TruncatedText,
} from '../../protocol';

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

/**
 * `details` (already through pageStepDetails: sizes are of what crosses) with each input's and
 * output's messages within `budget` UTF-16 code units of compact JSON; the same object when all fit.
 * Left out: one run in the middle (`elidedRange`). Its messages' entries in `truncated` go with it;
 * every other path keeps the step's own message indexes.
 */
export function elideMessages(details: StepDetails, budget = DETAILS_MESSAGES_BUDGET): StepDetails {
  if (!Number.isInteger(budget) || budget < 0) throw new RangeError(`details messages budget must be an integer of at least 0, not ${budget}`);
  let step = details.step;
  let truncated = details.truncated ?? [];
  const elided: ElidedMessages[] = [];
  for (const at of ['input', 'output'] as const) {
    const payload = step[at];
    const messages = payload?.messages;
    if (!payload || !messages) continue;
    const gap = elidedRange(messages, budget);
    if (!gap) continue;
    const end = gap.start + gap.count;
    step = { ...step, [at]: { ...payload, messages: [...messages.slice(0, gap.start), ...messages.slice(end)] } };
    truncated = truncated.filter((t) => !(t.path[0] === at && t.path[1] === 'messages' && typeof t.path[2] === 'number' && t.path[2] >= gap.start && t.path[2] < end));
    elided.push({ at, ...gap });
  }
  if (!elided.length) return details;
  const out: StepDetails = { ...details, step, elided };
  if (truncated.length) out.truncated = truncated;
  else delete out.truncated;
  return out;
}

/**
 * Which run of `messages` to leave out so the rest weigh at most `budget` (compact JSON, as they
 * are), or null when all fit or nothing can go. Always kept: the leading system and developer
 * messages (they set the scene) and the last message (what the model answered). Then, while they
 * fit: the first user message after the leading ones (the task), and the most recent messages,
 * newest first. What is left between is one run, so the order never changes.
 */
export function elidedRange(messages: readonly ChatMessage[], budget: number): { start: number; count: number; size: number } | null {
  const n = messages.length;
  const sizes = messages.map(messageSize);
  if (sizes.reduce((a, b) => a + b, 0) <= budget) return null;
  let head = 0;
  while (head < n - 1 && (messages[head].role === 'system' || messages[head].role === 'developer')) head++;
  let used = sizes.slice(0, head).reduce((a, b) => a + b, 0) + sizes[n - 1];
  if (head < n - 1 && messages[head].role === 'user' && used + sizes[head] <= budget) used += sizes[head++];
  let tail = n - 1;
  while (tail > head && used + sizes[tail - 1] <= budget) used += sizes[--tail];
  if (tail <= head) return null;
  return { start: head, count: tail - head, size: sizes.slice(head, tail).reduce((a, b) => a + b, 0) };
}

/** What a message weighs as it crosses: its compact JSON's length in UTF-16 code units. */
export function messageSize(m: ChatMessage): number {
  return JSON.stringify(m).length;
}

/**
 * `count` messages of the step's input or output from `start` (the step's own indexes), each text
 * cut as in the details, with `truncated` paths in the step (GetStepText gives the whole of one).
 */
export function stepMessages(step: Step, at: 'input' | 'output', start: number, count: number, limit = DETAILS_TEXT_LIMIT): { messages: ChatMessage[]; truncated: TruncatedText[] } {
  if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`details text limit must be an integer of at least 2, not ${limit}`);
  const list = step[at]?.messages;
  if (!list) throw rpcError(ErrorCode.NotFound, `step ${step.index + 1} has no ${at} messages`);
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 1 || start + count > list.length) {
    throw rpcError(ErrorCode.InvalidParams, `step ${step.index + 1} has ${list.length} ${at} messages: start ${start} and count ${count} do not name a run of them`);
  }
  const truncated: TruncatedText[] = [];
  const messages = list.slice(start, start + count).map((m, i) => walk(m, [at, 'messages', start + i], false, limit, truncated).value as ChatMessage);
  return { messages, truncated };
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
