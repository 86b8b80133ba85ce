/**
 * Anthropic content blocks (`text`, `thinking`, `tool_use`, `tool_result`...) to canonical
 * messages and steps. Shared by the Anthropic messages importer and Claude Code sessions, whose
 * `message` field is an Anthropic message.
 */
import type { JsonPath } from '../../json/locate';
import type { DraftStep } from '../../model/draft';
import type { ChatMessage, ToolCall } from '../../model/schema';
import { asText, isObject } from '../importer';
import { arr, contentText, preview, str } from './common';

const ANTHROPIC_BLOCK_TYPES = new Set(['tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result', 'document']);

/** Whether a message list uses Anthropic-only content blocks (checks the first 50 messages). */
export function hasAnthropicBlocks(messages: unknown): boolean {
  for (const m of arr(messages).slice(0, 50)) {
    if (!isObject(m) || !Array.isArray(m.content)) continue;
    for (const b of m.content) {
      if (isObject(b) && typeof b.type === 'string' && ANTHROPIC_BLOCK_TYPES.has(b.type)) return true;
      // Anthropic images carry `source`; OpenAI's carry `image_url`.
      if (isObject(b) && b.type === 'image' && isObject(b.source)) return true;
    }
  }
  return false;
}

export interface AssistantParts {
  message: ChatMessage;
  thinking?: string;
  toolUses: { call: ToolCall; index: number }[];
}

/** An assistant message's blocks: text joined, tool_use blocks as calls, thinking kept aside. */
export function assistantParts(content: unknown): AssistantParts {
  if (!Array.isArray(content)) return { message: { role: 'assistant', content: contentText(content) }, toolUses: [] };
  const texts: string[] = [];
  const thinking: string[] = [];
  const toolUses: { call: ToolCall; index: number }[] = [];
  content.forEach((b, index) => {
    if (!isObject(b)) return;
    if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
    else if (b.type === 'thinking' && typeof b.thinking === 'string') thinking.push(b.thinking);
    else if (b.type === 'tool_use' || b.type === 'server_tool_use' || b.type === 'mcp_tool_use') {
      const call: ToolCall = { name: str(b.name) ?? 'tool', arguments: b.input ?? {} };
      const id = str(b.id);
      if (id) call.id = id;
      toolUses.push({ call, index });
    }
  });
  const message: ChatMessage = { role: 'assistant', content: texts.length ? texts.join('\n') : null };
  if (toolUses.length) message.toolCalls = toolUses.map((t) => t.call);
  return { message, toolUses, ...(thinking.length ? { thinking: thinking.join('\n') } : {}) };
}

export interface ToolResultBlock {
  toolUseId?: string;
  text: string;
  value: unknown;
  isError: boolean;
  index: number;
}

/** `tool_result` blocks of a user message, and the text of its other blocks. */
export function userParts(content: unknown): { text: string | null; results: ToolResultBlock[] } {
  if (!Array.isArray(content)) return { text: contentText(content), results: [] };
  const results: ToolResultBlock[] = [];
  const other: unknown[] = [];
  content.forEach((b, index) => {
    if (isObject(b) && (b.type === 'tool_result' || b.type === 'mcp_tool_result' || b.type === 'web_search_tool_result')) {
      const text = typeof b.content === 'string' ? b.content : contentText(b.content) ?? asText(b.content);
      results.push({ toolUseId: str(b.tool_use_id), text, value: b.content ?? null, isError: b.is_error === true, index });
    } else other.push(b);
  });
  const text = other.length ? contentText(other) : null;
  return { text: text === '' ? null : text, results };
}

/**
 * The draft tool step for one tool_result block, paired with its call when the call was seen.
 * `recordedError` is the error text the producer kept beside the block (Claude Code's
 * `toolUseResult`), used when an `is_error` block has no text of its own.
 */
export function toolResultStep(r: ToolResultBlock, call: ToolCall | undefined, sourcePath: JsonPath | undefined, recordedError?: string): DraftStep {
  const name = call?.name ?? 'tool';
  const toolCall: ToolCall = call ?? { name, arguments: undefined, ...(r.toolUseId ? { id: r.toolUseId } : {}) };
  return {
    ...(r.toolUseId ? { sourceId: r.toolUseId } : {}),
    kind: 'tool', name, status: r.isError ? 'error' : 'ok',
    toolCall,
    input: { value: call?.arguments },
    output: {
      value: r.value,
      messages: [{ role: 'tool', content: r.text, name, ...(r.toolUseId ? { toolCallId: r.toolUseId } : {}), ...(r.isError ? { isError: true } : {}) }],
    },
    ...(r.isError ? { error: { message: r.text.trim() !== '' ? r.text : recordedError?.trim() || 'tool error' } } : {}),
    sourcePath,
  };
}

export function userStepName(text: string | null): string {
  return `user: ${preview(text, 40)}`;
}
