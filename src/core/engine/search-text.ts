/** What the trace editor's search, the CLI's query and the workspace's text index look in. */
import type { Step } from '../model/schema';

/** Search text per step is capped: a step's first 20,000 characters are searched. */
export const SEARCH_TEXT_CAP = 20_000;

/** What search looks in: names, ids, messages, tool calls, values and errors, lower-cased. */
export function searchableText(s: Step): string {
  const parts: string[] = [s.name, s.kind, s.id, s.model ?? ''];
  if (s.error) parts.push(s.error.type ?? '', s.error.message);
  if (s.toolCall) parts.push(s.toolCall.name, safeJson(s.toolCall.arguments));
  for (const p of [s.input, s.output]) {
    for (const m of p?.messages ?? []) parts.push(m.content ?? '', ...(m.toolCalls ?? []).map((c) => `${c.name} ${safeJson(c.arguments)}`));
    if (p?.value !== undefined) parts.push(safeJson(p.value));
  }
  return parts.join('\n').slice(0, SEARCH_TEXT_CAP).toLowerCase();
}

function safeJson(v: unknown): string {
  if (typeof v === 'string') return v;
  try { return JSON.stringify(v) ?? ''; } catch { return ''; }
}
