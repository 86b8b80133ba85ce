/**
 * Chat messages as the span formats write them, turned into the canonical OpenAI-shaped
 * ChatMessage. One converter accepts the shapes we meet inside `input.value`, `gen_ai.*.messages`,
 * `ai.prompt.messages`, Langfuse and LangSmith payloads:
 *   - OpenAI chat: `{role, content, tool_calls:[{id, function:{name, arguments}}], tool_call_id}`
 *   - OTel GenAI parts: `{role, parts:[{type:"text",content}, {type:"tool_call",id,name,arguments},
 *     {type:"tool_call_response",id,response}]}`
 *   - content-block arrays: `{type:"text",text}`, Anthropic `tool_use`/`tool_result`, Vercel
 *     `tool-call`/`tool-result`
 *   - LangChain message dumps (`type: "human"|"ai"|"tool"`, or `{lc:1, kwargs:{...}}`)
 *   - agno's pydantic `Message` reprs (`"role='user' content='...' ..."`, python-repr.ts)
 *   - Gemini requests and responses (`contents`, `candidates[].content`, `parts` without a type)
 */
import type { ChatMessage, ChatRole, ToolCall } from '../../model/schema';
import { asText, isObject } from '../importer';
import { maybeJson, str, toolArguments } from './values';
import { pythonMessageRepr } from './python-repr';

const ROLE_ALIASES: Record<string, ChatRole> = {
  system: 'system', developer: 'developer', user: 'user', human: 'user', assistant: 'assistant',
  ai: 'assistant', model: 'assistant', bot: 'assistant', tool: 'tool', function: 'tool', ipython: 'tool',
  // smolagents writes these two roles for the code/tool turn and its observation.
  'tool-call': 'assistant', 'tool-response': 'tool', toolmessage: 'tool', humanmessage: 'user',
  aimessage: 'assistant', systemmessage: 'system', aimessagechunk: 'assistant',
};

/** Canonical role for a producer's role string; unknown roles become `user` keeping the original as name. */
export function normalizeRole(role: unknown): { role: ChatRole; name?: string } {
  const r = typeof role === 'string' ? role.toLowerCase() : '';
  const known = ROLE_ALIASES[r];
  if (known) return { role: known };
  return { role: 'user', name: typeof role === 'string' && role !== '' ? role : undefined };
}

/**
 * A list of chat messages from any of the shapes above, or undefined when the value is not one.
 * Accepts a JSON string, an array, or an object holding `messages`.
 */
export function toChatMessages(value: unknown): ChatMessage[] | undefined {
  const v = maybeJson(value);
  const list = Array.isArray(v) ? v : isObject(v) ? containedMessages(v) : undefined;
  if (!list || list.length === 0) return undefined;
  const out: ChatMessage[] = [];
  for (const item of list) {
    // LangChain batches nest lists of messages: [[msg, msg]].
    if (Array.isArray(item)) {
      const inner = toChatMessages(item);
      if (inner) out.push(...inner);
      continue;
    }
    // agno logs each message as the repr of its pydantic Message.
    const m = toChatMessage(typeof item === 'string' ? pythonMessageRepr(item) ?? item : item);
    if (m) { out.push(m); continue; }
    // Responses API items that are not turns (reasoning, web_search_call...) are skipped; anything else means this is not a message list.
    if (isObject(item) && typeof item.type === 'string' && !('role' in item)) continue;
    return undefined;
  }
  return out.length ? out : undefined;
}

/** Messages inside a request or response object: `messages`, chat completion `choices`, Responses API `output`. */
function containedMessages(v: Record<string, unknown>): unknown[] | undefined {
  if (Array.isArray(v.messages)) return v.messages;
  if (Array.isArray(v.choices)) return v.choices.map((c) => (isObject(c) ? c.message : undefined)).filter((m) => m !== undefined);
  if (v.object === 'response' && Array.isArray(v.output)) return v.output;
  // LangChain LLMResult: {generations: [[{text, message}]]}.
  if (Array.isArray(v.generations)) {
    return v.generations.flat().filter(isObject).map((g) => g.message ?? { role: 'assistant', content: g.text });
  }
  // Gemini (google-genai): a response's `candidates[].content`, a request's `contents` (a string
  // is the user's message) after its system instruction.
  if (Array.isArray(v.candidates)) return v.candidates.map((c) => (isObject(c) ? c.content : undefined)).filter(isObject);
  if (v.contents !== undefined) {
    const config = isObject(v.config) ? v.config : {};
    const system = v.systemInstruction ?? v.system_instruction ?? config.systemInstruction ?? config.system_instruction;
    const contents = typeof v.contents === 'string' ? [{ role: 'user', content: v.contents }] : Array.isArray(v.contents) ? v.contents : [v.contents];
    return [...(system !== undefined && system !== null ? [{ role: 'system', content: isObject(system) && Array.isArray(system.parts) ? system.parts : system }] : []), ...contents];
  }
  return undefined;
}

export function toChatMessage(value: unknown): ChatMessage | undefined {
  if (!isObject(value)) return undefined;
  // Responses API items without a role.
  if (!('role' in value) && value.type === 'function_call') {
    const tc: ToolCall = { name: String(value.name ?? ''), arguments: toolArguments(value.arguments) };
    const id = str(value.call_id) ?? str(value.id);
    if (id) tc.id = id;
    return { role: 'assistant', content: null, toolCalls: [tc] };
  }
  if (!('role' in value) && value.type === 'function_call_output') {
    const m: ChatMessage = { role: 'tool', content: asText(value.output) };
    const id = str(value.call_id);
    if (id) m.toolCallId = id;
    return m;
  }
  if (!('role' in value) && value.type === 'message') return undefined;
  // LangChain serialized form: {lc:1, type:"constructor", id:[..., "HumanMessage"], kwargs:{content,...}}
  if (isObject(value.kwargs) && Array.isArray(value.id)) {
    const cls = String(value.id[value.id.length - 1] ?? '');
    return toChatMessage({ ...value.kwargs, type: value.kwargs.type ?? cls });
  }
  // LangChain dumps say `type: "human"`; any other role-less `type` (reasoning, web_search_call...) is not a turn.
  const roleSource = value.role ?? (typeof value.type === 'string' && ROLE_ALIASES[value.type.toLowerCase()] ? value.type : undefined);
  if (typeof roleSource !== 'string') return undefined;
  const { role, name: roleName } = normalizeRole(roleSource);
  const toolCalls: ToolCall[] = [];
  let isError: boolean | undefined;
  let toolCallId = str(value.tool_call_id) ?? str(value.toolCallId);
  const texts: string[] = [];

  const content = value.content ?? value.parts;
  if (typeof content === 'string' || content === null || content === undefined) {
    if (typeof content === 'string') texts.push(content);
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (typeof part === 'string') { texts.push(part); continue; }
      if (!isObject(part)) continue;
      // Gemini parts carry no type: {text}, {functionCall: {name, args}}, {functionResponse: {name, response}}.
      if (part.type === undefined && typeof part.text === 'string') { texts.push(part.text); continue; }
      if (part.type === undefined && isObject(part.functionCall)) {
        toolCalls.push({ id: str(part.functionCall.id), name: String(part.functionCall.name ?? ''), arguments: toolArguments(part.functionCall.args) });
        continue;
      }
      if (part.type === undefined && isObject(part.functionResponse)) {
        toolCallId = toolCallId ?? str(part.functionResponse.id);
        texts.push(asText(part.functionResponse.response));
        continue;
      }
      const type = String(part.type ?? '');
      if (type === 'text' || type === 'input_text' || type === 'output_text') {
        texts.push(asText(part.text ?? part.content));
      } else if (type === 'tool_call' || type === 'tool_use' || type === 'tool-call' || type === 'function_call') {
        toolCalls.push({
          id: str(part.id) ?? str(part.toolCallId) ?? str(part.call_id),
          name: String(part.name ?? part.toolName ?? ''),
          arguments: toolArguments(part.arguments ?? part.input ?? part.args),
        });
      } else if (type === 'tool_call_response' || type === 'tool_result' || type === 'tool-result' || type === 'function_call_output') {
        toolCallId = toolCallId ?? str(part.id) ?? str(part.tool_use_id) ?? str(part.toolCallId) ?? str(part.call_id);
        if (part.is_error === true || part.isError === true) isError = true;
        texts.push(asText(part.response ?? part.content ?? part.output ?? part.result));
      } else {
        texts.push(asText(part));
      }
    }
  } else {
    texts.push(asText(content));
  }

  // A LangChain AIMessage dump may keep OpenAI's calls only under `additional_kwargs` (Langfuse's
  // callback handler writes `{role, content: "", additional_kwargs: {tool_calls}}`); where it has
  // its own `tool_calls` too, those are the same calls.
  const kwargs = isObject(value.additional_kwargs) ? value.additional_kwargs : undefined;
  const ownCalls = arrayOf(value.tool_calls ?? value.toolCalls);
  for (const c of ownCalls.length > 0 ? ownCalls : arrayOf(kwargs?.tool_calls)) {
    if (!isObject(c)) continue;
    const fn = isObject(c.function) ? c.function : c;
    toolCalls.push({ id: str(c.id), name: String(fn.name ?? ''), arguments: toolArguments(fn.arguments ?? fn.args) });
  }
  // Pre-2023 OpenAI `function_call` on assistant messages.
  if (isObject(value.function_call)) {
    toolCalls.push({ name: String(value.function_call.name ?? ''), arguments: toolArguments(value.function_call.arguments) });
  }
  if (value.status === 'error' || value.is_error === true) isError = true;

  const msg: ChatMessage = { role, content: texts.length ? texts.join('\n') : null };
  const name = str(value.name) ?? roleName;
  if (name) msg.name = name;
  if (toolCalls.length) msg.toolCalls = toolCalls;
  if (toolCallId && role === 'tool') msg.toolCallId = toolCallId;
  if (isError) msg.isError = true;
  return msg;
}

function arrayOf(v: unknown): unknown[] {
  const p = maybeJson(v);
  return Array.isArray(p) ? p : [];
}
