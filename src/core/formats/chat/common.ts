/**
 * Helpers shared by the chat-family importers (OpenAI chat, Anthropic messages, Claude Code,
 * managed-agent events, ATIF, Inspect). Everything here is defensive: trace content is model
 * output and may be any JSON at all, so nothing is trusted to have the documented type.
 */
import type { ChatMessage, ChatRole, ToolCall, ToolDefinition, Usage } from '../../model/schema';
import type { SourceFile } from '../../json/source-file';
import { asText, baseName, isObject, str } from '../importer';
import { tryParseJson } from '../../json/depth';
import { cacheCountedApart, tokenDetailsOf } from '../token-details';
import { setOwn } from '../../util/own-keys';

/** Shared with the trajectory importers; defined in ../importer. */
export { baseName, str };

export const CHAT_ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** A finite number field, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** An array field, or an empty array (never throws on hostile shapes). */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Map a source role onto the canonical ChatRole (legacy `function` answers are tool messages). */
export function chatRole(role: unknown): ChatRole {
  if (typeof role === 'string' && CHAT_ROLES.has(role)) return role as ChatRole;
  if (role === 'function' || role === 'ipython') return 'tool';
  if (role === 'model' || role === 'agent') return 'assistant';
  return 'user';
}

/**
 * Tool-call arguments: providers send a JSON string (OpenAI) or an object (Anthropic, Inspect).
 * Keep the raw string when it does not parse: a malformed argument string is itself a finding.
 */
export function parseArguments(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? {};
  const t = v.trim();
  if (t === '') return {};
  if (t[0] !== '{' && t[0] !== '[') return v;
  return tryParseJson(t)?.value ?? v;
}

/**
 * Text of a message content value: a string, or an array of parts (OpenAI `{type:'text', text}`,
 * Anthropic text blocks, Inspect `ContentText`). Non-text parts are shown as a short marker so
 * the reader sees that something (an image...) was there.
 */
export function contentText(content: unknown): string | null {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return asText(content);
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') { parts.push(part); continue; }
    if (!isObject(part)) continue;
    if (typeof part.text === 'string') parts.push(part.text);
    else if (typeof part.refusal === 'string') parts.push(part.refusal);
    else if (part.type === 'tool_result' || part.type === 'tool_use' || part.type === 'thinking' || part.type === 'redacted_thinking' || part.type === 'reasoning') continue;
    else if (typeof part.type === 'string') parts.push(`[${part.type}]`);
  }
  return parts.join('\n');
}

/** Tool definitions in OpenAI (`{type:'function', function:{...}}`), flat, or Anthropic (`input_schema`) form. */
export function toolDefinitions(v: unknown): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  for (const t of arr(v)) {
    if (!isObject(t)) continue;
    const f = isObject(t.function) ? t.function : t;
    const name = str(f.name);
    if (!name) continue;
    const def: ToolDefinition = { name };
    const description = str(f.description);
    if (description !== undefined) def.description = description;
    const parameters = f.parameters ?? f.input_schema ?? f.inputSchema;
    if (parameters !== undefined) def.parameters = parameters;
    out.push(def);
  }
  return out;
}

/** OpenAI `tool_calls` (and the legacy single `function_call`) as canonical ToolCalls. */
export function openAiToolCalls(msg: Record<string, unknown>): ToolCall[] | undefined {
  const calls: ToolCall[] = [];
  for (const c of arr(msg.tool_calls)) {
    if (!isObject(c)) continue;
    const f = isObject(c.function) ? c.function : c;
    // Inspect stores `function` as the name string and `arguments` beside it.
    const name = typeof c.function === 'string' ? c.function : str(f.name) ?? '';
    const call: ToolCall = { name, arguments: parseArguments(f.arguments ?? c.arguments) };
    const id = str(c.id);
    if (id !== undefined) call.id = id;
    calls.push(call);
  }
  if (isObject(msg.function_call)) {
    calls.push({ name: str(msg.function_call.name) ?? '', arguments: parseArguments(msg.function_call.arguments) });
  }
  return calls.length ? calls : undefined;
}

/**
 * Usage from the spellings producers use (OpenAI, Anthropic, Inspect, ATIF), with its cache and
 * reasoning counts (token-details.ts). Anthropic's `input_tokens` leaves the cache out: a total
 * it does not give adds the cache counts too.
 */
export function usageOf(u: unknown): Usage | undefined {
  if (!isObject(u)) return undefined;
  const usage: Usage = {};
  const prompt = num(u.prompt_tokens);
  const input = prompt ?? num(u.input_tokens);
  const output = num(u.completion_tokens) ?? num(u.output_tokens);
  const details = tokenDetailsOf(u);
  const cacheApart = prompt === undefined && cacheCountedApart(u) ? (details.cacheReadTokens ?? 0) + (details.cacheWriteTokens ?? 0) : 0;
  const total = num(u.total_tokens) ?? (input !== undefined && output !== undefined ? input + output + cacheApart : undefined);
  const cost = num(u.cost_usd) ?? num(u.total_cost) ?? num(u.cost);
  if (input !== undefined) usage.inputTokens = input;
  if (output !== undefined) usage.outputTokens = output;
  if (total !== undefined) usage.totalTokens = total;
  Object.assign(usage, details);
  if (cost !== undefined) usage.cost = cost;
  return Object.keys(usage).length ? usage : undefined;
}

/** The object minus the listed keys, for `attributes` ("everything else, untouched"). */
export function rest(obj: Record<string, unknown>, omit: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) if (!omit.includes(k)) setOwn(out, k, obj[k]);
  return out;
}

/** A short one-line preview of text for step names. */
export function preview(text: string | null | undefined, max = 60): string {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function message(role: ChatRole, content: string | null, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { role, content, ...extra };
}

/**
 * First few non-blank lines parsed as JSON, for sniffers that must not parse a whole file
 * (a pretty-printed JSON document yields undefined for its lines, which callers treat as no).
 */
export function headRecords(file: SourceFile, max = 5): unknown[] {
  return file.headRecords(max);
}
