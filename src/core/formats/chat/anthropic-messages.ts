/**
 * Anthropic Messages API conversations (a request body, or what an app logs of one).
 *
 *   {"model":"claude-...","system":"...","tools":[{"name","description","input_schema"}],
 *    "messages":[{"role":"user","content":"..."},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},
 *                {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"...","is_error":true}]}]}
 *
 * Told apart from OpenAI chat by Anthropic-only content blocks (tool_use, tool_result, thinking)
 * or a top-level `system`. JSONL with one such conversation per line gives one trace per line.
 */
import type { JsonPath } from '../../json/locate';
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { ToolCall } from '../../model/schema';
import { Importer, ImportContext, isObject } from '../importer';
import { parseConversationFile, scoreObjectFile } from './conversation-file';
import { assistantParts, hasAnthropicBlocks, toolResultStep, userParts, userStepName } from './anthropic-blocks';
import { arr, contentText, rest, str, toolDefinitions, usageOf } from './common';

function isAnthropicRole(m: unknown): boolean {
  return isObject(m) && (m.role === 'user' || m.role === 'assistant') && (typeof m.content === 'string' || Array.isArray(m.content));
}

function scoreObject(v: unknown): number {
  if (!isObject(v) || !Array.isArray(v.messages) || v.messages.length === 0) return 0;
  if (!v.messages.slice(0, 8).every(isAnthropicRole)) return 0;
  if (hasAnthropicBlocks(v.messages)) return 0.6;
  // Only user/assistant roles plus a top-level system prompt: the Messages API request shape.
  if (typeof v.system === 'string' || Array.isArray(v.system)) return 0.55;
  return 0;
}

export const anthropicMessagesImporter: Importer = {
  id: 'anthropic-messages',
  label: 'Anthropic messages',
  producer: 'Anthropic Messages API requests and logged conversations',
  sniff(file: SourceFile): number {
    if (file.isZip) return 0;
    const first = file.firstChar;
    if (first === '[') {
      const v = file.json;
      return Array.isArray(v) && v.length > 0 && v.slice(0, 8).every(isAnthropicRole) && hasAnthropicBlocks(v) ? 0.55 : 0;
    }
    return scoreObjectFile(file, scoreObject);
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    return parseConversationFile(file, ctx, conversation, 'Anthropic messages: an object with "messages"');
  },
};

function conversation(messages: unknown, container: Record<string, unknown> | undefined, path: JsonPath, title: string, root: JsonPath = []): DraftTrace {
  const tools = toolDefinitions(container?.tools);
  const model = str(container?.model);
  const steps: DraftStep[] = [];
  const system = container?.system;
  if (typeof system === 'string' || Array.isArray(system)) {
    steps.push({
      kind: 'system', name: 'system', status: 'ok',
      input: { messages: [{ role: 'system', content: contentText(system) }] },
      // A string has no object range to reveal; point at the container instead.
      sourcePath: Array.isArray(system) ? [...root, 'system'] : undefined,
    });
  }
  steps.push(...anthropicMessagesToSteps(arr(messages), path, { model, availableTools: tools.map((t) => t.name) }));
  return { title, tools, steps, metadata: container ? rest(container, ['messages', 'tools', 'system']) : {} };
}

/** One step per turn; tool_result blocks become tool steps paired with their tool_use by id. */
export function anthropicMessagesToSteps(messages: readonly unknown[], path: JsonPath | undefined, opts: { model?: string; availableTools?: string[] }): DraftStep[] {
  const steps: DraftStep[] = [];
  const calls = new Map<string, ToolCall>();
  messages.forEach((m, i) => {
    if (!isObject(m)) return;
    const at = (...p: (string | number)[]): JsonPath | undefined => (path ? [...path, i, ...p] : undefined);
    const sourceId = str(m.id);
    if (m.role === 'assistant') {
      const parts = assistantParts(m.content);
      for (const t of parts.toolUses) if (t.call.id) calls.set(t.call.id, t.call);
      const model = str(m.model) ?? opts.model;
      const usage = usageOf(m.usage);
      const stop = str(m.stop_reason);
      steps.push({
        ...(sourceId ? { sourceId } : {}),
        kind: 'llm', name: model ?? 'assistant', status: 'ok',
        output: { messages: [parts.message] },
        ...(model ? { model } : {}), ...(usage ? { usage } : {}), ...(stop ? { finishReason: stop } : {}),
        ...(opts.availableTools?.length ? { availableTools: opts.availableTools } : {}),
        attributes: { ...rest(m, ['role', 'content', 'model', 'usage', 'stop_reason', 'id']), ...(parts.thinking ? { thinking: parts.thinking } : {}) },
        sourcePath: at(),
      });
      return;
    }
    const parts = userParts(m.content);
    for (const r of parts.results) steps.push(toolResultStep(r, r.toolUseId ? calls.get(r.toolUseId) : undefined, at('content', r.index)));
    if (parts.text !== null || parts.results.length === 0) {
      steps.push({
        ...(sourceId ? { sourceId } : {}),
        kind: 'message', name: userStepName(parts.text), status: 'ok',
        input: { messages: [{ role: 'user', content: parts.text }] },
        attributes: rest(m, ['role', 'content', 'id']),
        sourcePath: at(),
      });
    }
  });
  return steps;
}
