/**
 * What a comparison of two runs looks at in a step: its action (kind, tool name, arguments) as
 * keys for the aligner, and its compared fields as text.
 *
 * Three keys per step, from strict to loose (align.ts aligns on each in turn):
 * - `strict`: kind, action name and the arguments as JSON with sorted keys (tool-call ids left out:
 *   they differ in every run);
 * - `loose`: the same with numbers, ids, timestamps and paths masked in the arguments and the name
 *   (maskText), so `search(date="2024-05-20")` and `search(date="2024-05-21")` are one action that changed;
 * - `slot`: kind and (masked) action name only: the same action slot whatever its arguments.
 *
 * The action name of a tool step is the tool it ran; of a model call, the tools it called (none
 * for a plain answer); of any other step, its name. A model call's prompt is not compared: it
 * repeats everything before it, so after the first difference every later call would differ.
 */
import { createHash } from 'node:crypto';
import { errorSignature } from '../clusters/signature';
import type { ChatMessage, Step, ToolCall } from '../model/schema';

export const COMPARED_FIELDS = ['name', 'messages', 'arguments', 'result', 'error', 'status'] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface StepKeys {
  strict: string;
  loose: string;
  slot: string;
}

/** The tool calls a model step made: those in its output's assistant messages. */
export function modelToolCalls(step: Step): ToolCall[] {
  if (step.kind !== 'llm') return [];
  const out: ToolCall[] = [];
  for (const m of step.output?.messages ?? []) if (m.role === 'assistant') out.push(...(m.toolCalls ?? []));
  return out;
}

/** The name of what the step did: the tool run, the tools called, or the step's name. */
export function actionName(step: Step): string {
  if (step.kind === 'tool') return step.toolCall?.name ?? step.name;
  if (step.kind === 'llm') return modelToolCalls(step).map((c) => c.name).join(', ');
  return step.name;
}

/** A short label for a step in listings: `tool search`, `llm get_user`, `llm reply`, `message user`. */
export function stepLabel(step: Step): string {
  const name = actionName(step);
  return `${step.kind} ${step.kind === 'llm' && name === '' ? step.name : name}`;
}

/** The arguments of the step's action, parsed where they are JSON text; undefined when it has none. */
export function actionArguments(step: Step): unknown {
  if (step.kind === 'llm') {
    const calls = modelToolCalls(step);
    return calls.length ? calls.map((c) => ({ name: c.name, arguments: parsedJson(c.arguments) })) : undefined;
  }
  if (step.kind === 'tool' && step.toolCall) return parsedJson(step.toolCall.arguments);
  return parsedJson(step.input?.value);
}

/** A string holding a JSON object or array is that value; anything else is itself. */
function parsedJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return v;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return v;
  }
}

/** JSON with object keys sorted, so key order never makes two values differ; `undefined` → ''. */
export function stableJson(v: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(v), null, indent) ?? '';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // fromEntries defines own keys: a "__proto__" key in trace data stays data.
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
  }
  return v;
}

/**
 * A string with what varies between runs masked (numbers, ids, timestamps, paths, URLs, quoted
 * values): the failure clusters' normaliser (src/core/clusters/signature.ts), uncut.
 */
export function maskText(s: string): string {
  return errorSignature(s, Number.MAX_SAFE_INTEGER);
}

/** A value with every number and every masked part of its strings replaced; keys are kept. */
export function maskValue(v: unknown): unknown {
  if (typeof v === 'number') return '<num>';
  if (typeof v === 'string') return maskText(v);
  if (Array.isArray(v)) return v.map(maskValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, maskValue(x)]));
  return v;
}

/** Long keys become a digest, so a comparison of big traces does not hold every argument twice. */
function compact(key: string): string {
  return key.length > 256 ? `#${createHash('sha1').update(key).digest('base64')}` : key;
}

export function stepKeys(step: Step): StepKeys {
  return { strict: stepKey(step, 'strict'), loose: stepKey(step, 'loose'), slot: stepKey(step, 'slot') };
}

/** One of a step's keys (the aligner computes the looser ones only for the steps the strict one leaves unmatched). */
export function stepKey(step: Step, level: keyof StepKeys): string {
  const name = actionName(step);
  if (level === 'strict') return compact(`${step.kind}\u0000${name}\u0000${stableJson(actionArguments(step))}`);
  const slot = `${step.kind}\u0000${maskText(name)}`;
  return compact(level === 'slot' ? slot : `${slot}\u0000${stableJson(maskValue(actionArguments(step)))}`);
}

/** A message as compared and shown: its role (and speaker), an error mark, its text. Tool calls are in `arguments`. */
function messageText(m: ChatMessage): string {
  return `[${m.role}${m.name ? ` ${m.name}` : ''}${m.isError ? ', error' : ''}]\n${m.content ?? ''}`;
}

/**
 * The compared fields of a step as text ('' when the step has none). `pretty`: JSON indented, for
 * line diffs; otherwise compact (equality is the same either way: keys are sorted in both).
 */
export function stepFields(step: Step, pretty = false): Record<ComparedField, string> {
  const indent = pretty ? 2 : undefined;
  const messages = step.kind === 'llm' ? (step.output?.messages ?? []) : [...(step.input?.messages ?? []), ...(step.output?.messages ?? [])];
  const args = actionArguments(step);
  const result = step.output?.value;
  const action = actionName(step);
  return {
    name: action && action !== step.name ? `${step.name} (${action})` : step.name,
    messages: messages.map(messageText).join('\n'),
    arguments: args === undefined ? '' : stableJson(args, indent),
    result: result === undefined ? '' : typeof result === 'string' && parsedJson(result) === result ? result : stableJson(parsedJson(result), indent),
    error: step.error ? `${step.error.type ? `${step.error.type}: ` : ''}${step.error.message}` : '',
    status: step.status,
  };
}

/** The fields in which two steps differ, in COMPARED_FIELDS order. */
export function differingFields(a: Step, b: Step): ComparedField[] {
  const fa = stepFields(a);
  const fb = stepFields(b);
  return COMPARED_FIELDS.filter((f) => fa[f] !== fb[f]);
}
