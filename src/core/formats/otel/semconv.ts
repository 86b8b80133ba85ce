/**
 * Reads the GenAI meaning of a span's flat attribute map. Three vocabularies are understood:
 *   - OpenInference (`openinference.span.kind`, `llm.input_messages.N.message.*`, `llm.tools.N.tool.json_schema`,
 *     `tool.name`, `input.value`/`output.value`, `llm.token_count.*`, `llm.model_name`)
 *   - OTel GenAI semantic conventions (`gen_ai.operation.name`, `gen_ai.input.messages`, deprecated
 *     `gen_ai.prompt.N.*`/`gen_ai.completion.N.*`, `gen_ai.tool.*`, `gen_ai.usage.*`)
 *   - Vercel AI SDK (`ai.operationId`, `ai.prompt.messages`, `ai.response.*`, `ai.toolCall.*`, `ai.usage.*`)
 * One pass over the keys; attributes turned into structured fields (messages, tool schemas) are
 * removed from the returned `rest` so large prompts are not held twice. Everything else stays.
 */
import type { DraftStep } from '../../model/draft';
import { STEP_KINDS, type ChatMessage, type StepKind, type ToolCall, type ToolDefinition, type Usage } from '../../model/schema';
import { tryParseJson } from '../../json/depth';
import { geminiUsage } from '../../model/usage';
import { isObject } from '../importer';
import { normalizeRole, toChatMessages } from './messages';
import { maybeJson, num, str, toolArguments } from './values';
import { setOwn } from '../../util/own-keys';

export type SemanticFields = Pick<DraftStep, 'kind' | 'input' | 'output' | 'toolCall' | 'availableTools' | 'model' | 'usage' | 'finishReason'> & {
  /** Tool definitions declared on the span (offered to the model), for the trace-level list. */
  tools: ToolDefinition[];
  /** The attributes not turned into structured fields. */
  rest: Record<string, unknown>;
  /** `error.type` when present: an error signal even without an ERROR status. */
  errorType?: string;
};

const OI_KINDS: Record<string, StepKind> = {
  LLM: 'llm', TOOL: 'tool', AGENT: 'agent', CHAIN: 'agent', RETRIEVER: 'retrieval', RERANKER: 'retrieval',
  EMBEDDING: 'other', GUARDRAIL: 'other', EVALUATOR: 'other', PROMPT: 'other',
};

const GENAI_OPS: Record<string, StepKind> = {
  chat: 'llm', text_completion: 'llm', generate_content: 'llm', call_llm: 'llm', completion: 'llm',
  execute_tool: 'tool', invoke_agent: 'agent', create_agent: 'agent', invoke_workflow: 'agent',
  embeddings: 'other', retrieval: 'retrieval',
};

/** Vercel AI SDK operation ids: the inner `do*` spans are the provider calls. */
function vercelKind(op: string): StepKind | undefined {
  if (op === 'ai.toolCall') return 'tool';
  if (/\.do(Generate|Stream)$/.test(op)) return 'llm';
  if (/^ai\.(generate|stream)(Text|Object)$/.test(op)) return 'agent';
  if (op.startsWith('ai.embed')) return 'other';
  return undefined;
}

interface IndexedMessage { role?: unknown; content?: unknown; name?: unknown; toolCallId?: unknown; contents: Map<number, string>; calls: Map<number, { id?: unknown; name?: unknown; arguments?: unknown }> }

const OI_MSG = /^llm\.(input|output)_messages\.(\d+)\.message\.(.+)$/;
const OI_TOOL = /^llm\.tools\.(\d+)\.tool\.json_schema$/;
const GENAI_IDX = /^gen_ai\.(prompt|completion)\.(\d+)\.(.+)$/;

/** The attributes readSemantics takes tool definitions from (besides OI_TOOL's); kept beside it so the two agree. */
const TOOL_DEFINING_KEYS = new Set(['gen_ai.tool.definitions', 'ai.prompt.tools', 'tool.description', 'gen_ai.tool.description', 'tool.parameters']);

/**
 * Whether readSemantics could find a tool definition in these attributes: false means its
 * `tools` is empty, without reading them (the two-pass OTLP reader orders 10^6 spans this way).
 */
export function mayDefineTools(attrs: Record<string, unknown>): boolean {
  for (const key in attrs) if (mayDefineToolsAt(key)) return true;
  return false;
}

/** Whether readSemantics could find a tool definition in the attribute `key`. */
export function mayDefineToolsAt(key: string): boolean {
  return TOOL_DEFINING_KEYS.has(key) || OI_TOOL.test(key);
}

export function readSemantics(attrs: Record<string, unknown>, spanName = ''): SemanticFields {
  const rest: Record<string, unknown> = {};
  const oiIn = new Map<number, IndexedMessage>();
  const oiOut = new Map<number, IndexedMessage>();
  const gaIn = new Map<number, IndexedMessage>();
  const gaOut = new Map<number, IndexedMessage>();
  const toolSchemas: unknown[] = [];

  for (const key of Object.keys(attrs)) {
    const value = attrs[key];
    // Most keys are neither: the regexes run on those that start as theirs do.
    if (key.startsWith('llm.')) {
      const m = OI_MSG.exec(key);
      if (m) { addIndexed(m[1] === 'input' ? oiIn : oiOut, Number(m[2]), m[3], value); continue; }
      if (OI_TOOL.test(key)) { toolSchemas.push(value); continue; }
    } else if (key.startsWith('gen_ai.')) {
      const m = GENAI_IDX.exec(key);
      if (m) { addIndexed(m[1] === 'prompt' ? gaIn : gaOut, Number(m[2]), m[3], value); continue; }
    }
    setOwn(rest, key, value);
  }

  const a = rest;

  // Kind: OpenInference, then GenAI operation, then Vercel operation id, then what the content says.
  const oiKind = str(a['openinference.span.kind']);
  const op = str(a['gen_ai.operation.name']);
  const vop = str(a['ai.operationId']);
  // `agent_trace.step.kind`: written by `agent-trace convert --to otlp`, so message/system steps come back as they were.
  const ownKind = str(a['agent_trace.step.kind']);
  let kind: StepKind | undefined = (ownKind && (STEP_KINDS as readonly string[]).includes(ownKind) ? ownKind as StepKind : undefined) || (oiKind && OI_KINDS[oiKind.toUpperCase()]) || (op && GENAI_OPS[op]) || (vop && vercelKind(vop)) || undefined;

  // Messages.
  let inMsgs = indexedToMessages(oiIn) ?? indexedToMessages(gaIn);
  let outMsgs = indexedToMessages(oiOut) ?? indexedToMessages(gaOut);
  let finishReason: string | undefined;
  if (!inMsgs) {
    for (const k of ['gen_ai.input.messages', 'ai.prompt.messages', 'gen_ai.prompt']) {
      const msgs = toChatMessages(a[k]);
      if (msgs) { inMsgs = msgs; a[k] = undefined; break; }
    }
  }
  if (!inMsgs && a['ai.prompt'] !== undefined) {
    inMsgs = vercelPrompt(a['ai.prompt']);
    if (inMsgs) a['ai.prompt'] = undefined;
  }
  if (inMsgs) {
    const sys = a['gen_ai.system_instructions'];
    const sysMsgs = toChatMessages(sys) ?? (typeof sys === 'string' ? [{ role: 'system' as const, content: sys }] : undefined);
    if (sysMsgs) {
      // Copilot Chat writes the system prompt both here and as the first input message: keep it once.
      const present = new Set(inMsgs.filter((m) => m.role === 'system').map((m) => m.content));
      if (!sysMsgs.every((m) => present.has(m.content))) inMsgs = [...systemify(sysMsgs), ...inMsgs];
      a['gen_ai.system_instructions'] = undefined;
    }
  }
  if (!outMsgs) {
    for (const k of ['gen_ai.output.messages', 'gen_ai.completion']) {
      const raw = maybeJson(a[k]);
      const msgs = toChatMessages(raw);
      if (msgs) {
        outMsgs = msgs; a[k] = undefined;
        if (Array.isArray(raw) && isObject(raw[0])) finishReason = str(raw[0].finish_reason);
        break;
      }
      // The deprecated `gen_ai.completion` sometimes holds `{"text":..., "finish_reason":...}`.
      if (isObject(raw) && typeof raw.text === 'string') {
        outMsgs = [{ role: 'assistant', content: raw.text }]; finishReason = str(raw.finish_reason); a[k] = undefined;
        break;
      }
    }
  }
  // Vercel: response text and tool calls make the assistant message.
  // generateObject: the JSON the model wrote (`ai.response.object`) is its answer.
  if (!outMsgs && (a['ai.response.text'] !== undefined || a['ai.response.toolCalls'] !== undefined || typeof a['ai.response.object'] === 'string')) {
    const calls = vercelToolCalls(a['ai.response.toolCalls']);
    const text = a['ai.response.text'] ?? a['ai.response.object'];
    outMsgs = [{ role: 'assistant', content: typeof text === 'string' ? text : null, ...(calls.length ? { toolCalls: calls } : {}) }];
    a['ai.response.text'] = undefined; a['ai.response.toolCalls'] = undefined; a['ai.response.object'] = undefined;
  }
  // any-agent: `gen_ai.output` on an LLM span is the tool calls it asked for, or its text.
  if (!outMsgs && kind === 'llm' && a['gen_ai.output'] !== undefined) {
    const raw = maybeJson(a['gen_ai.output']);
    if (Array.isArray(raw) && raw.every((c) => isObject(c) && 'tool.name' in c)) {
      outMsgs = [{ role: 'assistant', content: null, toolCalls: raw.map((c) => ({ name: String((c as Record<string, unknown>)['tool.name']), arguments: toolArguments((c as Record<string, unknown>)['tool.args']) })) }];
    } else {
      outMsgs = [{ role: 'assistant', content: typeof raw === 'string' ? raw : JSON.stringify(raw) }];
    }
    a['gen_ai.output'] = undefined;
  }

  // Generic input/output values (OpenInference `input.value`, fixtures' bare `input`/`output`).
  const inputKey = firstKey(a, ['input.value', 'input', 'gen_ai.tool.call.arguments', 'gen_ai.tool.args', 'ai.toolCall.args', 'ai.toolCall.input']);
  const outputKey = firstKey(a, ['output.value', 'output', 'gen_ai.tool.call.result', 'ai.toolCall.result', 'ai.toolCall.output', ...(kind !== 'llm' ? ['gen_ai.output'] : []), 'ai.response.object']);
  const inputValue = inputKey ? a[inputKey] : undefined;
  const outputValue = outputKey ? a[outputKey] : undefined;
  // Each parsed at most once: the message sniff below and the payload fallback share the result
  // (toChatMessages does not modify its input, and maybeJson of a parsed value is that value).
  let inputParsed: { v: unknown } | undefined;
  let outputParsed: { v: unknown } | undefined;
  const parsedInput = (): unknown => (inputParsed ??= { v: decodeValue(inputValue, a['input.mime_type']) }).v;
  const parsedOutput = (): unknown => (outputParsed ??= { v: decodeValue(outputValue, a['output.mime_type']) }).v;
  // Keys whose value went into a structured field; removed from `rest` at the end.
  const used: string[] = [];
  if (!inMsgs && kind === 'llm') {
    const msgs = toChatMessages(parsedInput());
    if (msgs) { inMsgs = msgs; used.push(inputKey!); }
  }
  if (!outMsgs && kind === 'llm') {
    const raw = parsedOutput();
    const msgs = toChatMessages(raw) ?? (isObject(raw) && typeof raw.text === 'string' ? [{ role: 'assistant' as const, content: raw.text }] : undefined);
    if (msgs) { outMsgs = msgs; used.push(outputKey!); if (isObject(raw)) finishReason = finishReason ?? str(raw.finish_reason); }
  }
  if (!kind) kind = inMsgs || outMsgs || a['llm.model_name'] !== undefined ? 'llm' : undefined;

  // Tool execution.
  let toolCall: ToolCall | undefined;
  const toolName = str(a['gen_ai.tool.name']) ?? str(a['tool.name']) ?? str(a['ai.toolCall.name']) ?? str(a['tool_call.function.name']);
  if (kind === 'tool' || (!kind && toolName)) {
    kind = 'tool';
    // The call's own arguments attribute beats the span's generic input when a span has both.
    const args = a['tool_call.function.arguments'] ?? a['gen_ai.tool.call.arguments'] ?? inputValue;
    const id = str(a['gen_ai.tool.call.id']) ?? str(a['tool_call.id']) ?? str(a['ai.toolCall.id']);
    const name = toolName ?? spanName.replace(/^execute_tool\s+/, '');
    // Without an id, made without the key (a delete would turn the object into a slow dictionary).
    toolCall = id ? { id, name, arguments: toolArguments(args) } : { name, arguments: toolArguments(args) };
  }
  const declared = declaredTool(a, toolName);


  // Tools offered to the model.
  const tools: ToolDefinition[] = [];
  for (const s of toolSchemas) pushTool(tools, maybeJson(s));
  for (const s of arrayOf(a['gen_ai.tool.definitions'])) pushTool(tools, s);
  for (const s of arrayOf(a['ai.prompt.tools'])) pushTool(tools, maybeJson(s));
  if (tools.length) { a['gen_ai.tool.definitions'] = undefined; a['ai.prompt.tools'] = undefined; }
  const availableTools = tools.length ? tools.map((t) => t.name) : undefined;
  // A tool span that describes its own tool also declares it (but offers nothing to a model).
  if (declared) {
    tools.push(declared);
    if (toolCall) toolCall.arguments = smolagentsArguments(toolCall.arguments, declared.parameters);
  }

  // Model, usage, finish reason.
  const model = str(a['llm.model_name']) ?? str(a['gen_ai.response.model']) ?? str(a['gen_ai.request.model']) ?? str(a['ai.response.model']) ?? str(a['ai.model.id']);
  const usage: Usage = {};
  const inTok = num(a['llm.token_count.prompt']) ?? num(a['gen_ai.usage.input_tokens']) ?? num(a['gen_ai.usage.prompt_tokens']) ?? num(a['ai.usage.inputTokens']) ?? num(a['ai.usage.promptTokens']);
  const outTok = num(a['llm.token_count.completion']) ?? num(a['gen_ai.usage.output_tokens']) ?? num(a['gen_ai.usage.completion_tokens']) ?? num(a['ai.usage.outputTokens']) ?? num(a['ai.usage.completionTokens']);
  const totTok = num(a['llm.token_count.total']) ?? num(a['gen_ai.usage.total_tokens']) ?? num(a['ai.usage.totalTokens']);
  const inCost = num(a['gen_ai.usage.input_cost']);
  const outCost = num(a['gen_ai.usage.output_cost']);
  const cost = num(a['llm.cost.total']) ?? (inCost !== undefined || outCost !== undefined ? (inCost ?? 0) + (outCost ?? 0) : undefined);
  if (inTok !== undefined) usage.inputTokens = inTok;
  if (outTok !== undefined) usage.outputTokens = outTok;
  if (totTok !== undefined) usage.totalTokens = totTok;
  else if (inTok !== undefined && outTok !== undefined) usage.totalTokens = inTok + outTok;
  if (cost !== undefined) usage.cost = cost;
  const cacheRead = num(a['gen_ai.usage.cache_read.input_tokens']);
  const cacheWrite = num(a['gen_ai.usage.cache_creation.input_tokens']);
  const reasoning = num(a['gen_ai.usage.reasoning.output_tokens']);
  if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  const reasons = maybeJson(a['gen_ai.response.finish_reasons']);
  finishReason = finishReason ?? (Array.isArray(reasons) ? str(reasons[0]) : str(reasons)) ?? str(a['ai.response.finishReason']);

  // Payloads: messages for model calls, the value otherwise. A value that only repeats the messages is not kept twice.
  // `rest` is made at the end, once every key read is known.
  const out: SemanticFields = { kind: kind ?? 'other', tools, rest: a };
  // A span with messages and a separate value (a tool's result message and its raw result) keeps both.
  if (inputValue !== undefined && !used.includes(inputKey!)) { out.input = { ...(inMsgs ? { messages: inMsgs } : {}), value: parsedInput() }; used.push(inputKey!); }
  else if (inMsgs) out.input = { messages: inMsgs };
  if (outputValue !== undefined && !used.includes(outputKey!)) { out.output = { ...(outMsgs ? { messages: outMsgs } : {}), value: parsedOutput() }; used.push(outputKey!); }
  else if (outMsgs) out.output = { messages: outMsgs };
  for (const k of used) a[k] = undefined;
  out.rest = definedOnly(a);
  if (toolCall) out.toolCall = toolCall;
  if (availableTools) out.availableTools = availableTools;
  if (model) out.model = model;
  if (Object.keys(usage).length) out.usage = usage;
  if (finishReason) out.finishReason = finishReason;
  const errorType = str(a['error.type']);
  if (errorType) out.errorType = errorType;
  return out;
}

/**
 * OpenInference `input.mime_type`/`output.mime_type`: text/plain keeps a string that looks like JSON
 * a string; application/json parses any JSON text (also `42`, `"x"`); without one, JSON objects and arrays are parsed.
 */
function decodeValue(v: unknown, mimeType: unknown): unknown {
  if (typeof v !== 'string' || mimeType === 'text/plain') return v;
  if (mimeType === 'application/json') {
    const parsed = tryParseJson(v);
    return parsed ? parsed.value : v;
  }
  return maybeJson(v);
}

function addIndexed(map: Map<number, IndexedMessage>, i: number, field: string, value: unknown): void {
  let m = map.get(i);
  if (!m) { m = { contents: new Map(), calls: new Map() }; map.set(i, m); }
  const call = /^tool_calls\.(\d+)\.(?:tool_call\.)?(.+)$/.exec(field);
  if (call) {
    const j = Number(call[1]);
    const c = m.calls.get(j) ?? {};
    const f = call[2];
    if (f === 'id') c.id = value;
    else if (f === 'function.name' || f === 'name') c.name = value;
    else if (f === 'function.arguments' || f === 'arguments') c.arguments = value;
    m.calls.set(j, c);
    return;
  }
  const part = /^contents\.(\d+)\.message_content\.text$/.exec(field);
  if (part) { m.contents.set(Number(part[1]), typeof value === 'string' ? value : JSON.stringify(value)); return; }
  if (field === 'role') m.role = value;
  else if (field === 'content') m.content = value;
  else if (field === 'name') m.name = value;
  else if (field === 'tool_call_id') m.toolCallId = value;
}

function indexedToMessages(map: Map<number, IndexedMessage>): ChatMessage[] | undefined {
  if (map.size === 0) return undefined;
  const out: ChatMessage[] = [];
  for (const i of [...map.keys()].sort((x, y) => x - y)) {
    const m = map.get(i)!;
    const { role, name } = normalizeRole(m.role ?? 'user');
    let content: string | null = typeof m.content === 'string' ? m.content : m.content === undefined ? null : JSON.stringify(m.content);
    if (content === null && m.contents.size) content = [...m.contents.entries()].sort((x, y) => x[0] - y[0]).map((e) => e[1]).join('\n');
    const msg: ChatMessage = { role, content };
    const n = str(m.name) ?? name;
    if (n) msg.name = n;
    if (m.calls.size) {
      msg.toolCalls = [...m.calls.entries()].sort((x, y) => x[0] - y[0]).map(([, c]) => {
        const tc: ToolCall = { name: String(c.name ?? ''), arguments: toolArguments(c.arguments) };
        const id = str(c.id);
        if (id) tc.id = id;
        return tc;
      });
    }
    const tcid = str(m.toolCallId);
    if (tcid && role === 'tool') msg.toolCallId = tcid;
    out.push(msg);
  }
  return out;
}

function systemify(msgs: ChatMessage[]): ChatMessage[] {
  return msgs.map((m) => ({ ...m, role: 'system' }));
}

function vercelToolCalls(v: unknown): ToolCall[] {
  const out: ToolCall[] = [];
  for (const c of arrayOf(v)) {
    if (!isObject(c)) continue;
    const tc: ToolCall = { name: String(c.toolName ?? c.name ?? ''), arguments: toolArguments(c.input ?? c.args ?? c.arguments) };
    const id = str(c.toolCallId) ?? str(c.id);
    if (id) tc.id = id;
    out.push(tc);
  }
  return out;
}

/** OpenAI `{type:"function", function:{name, description, parameters}}`, or a flat `{name, description, parameters|inputSchema}`. */
function pushTool(out: ToolDefinition[], v: unknown): void {
  if (!isObject(v)) return;
  const fn = isObject(v.function) ? v.function : v;
  const name = str(fn.name);
  if (!name) return;
  const def: ToolDefinition = { name };
  const description = str(fn.description);
  if (description) def.description = description;
  const parameters = fn.parameters ?? fn.inputSchema ?? fn.input_schema;
  if (parameters !== undefined) def.parameters = maybeJson(parameters);
  out.push(def);
}

function arrayOf(v: unknown): unknown[] {
  const p = maybeJson(v);
  return Array.isArray(p) ? p : [];
}

function firstKey(a: Record<string, unknown>, keys: string[]): string | undefined {
  for (const k of keys) if (a[k] !== undefined && a[k] !== null) return k;
  return undefined;
}

/**
 * The attributes not read into a field. A read one is set to undefined rather than deleted: a
 * delete turns the object into a slow dictionary, which cost 20-25 ms per 10^4 spans to make and
 * to copy for each step's attributes.
 */
function definedOnly(a: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(a)) if (a[k] !== undefined) setOwn(out, k, a[k]);
  return out;
}

function declaredTool(a: Record<string, unknown>, name: string | undefined): ToolDefinition | undefined {
  if (!name) return undefined;
  const description = str(a['tool.description']) ?? str(a['gen_ai.tool.description']);
  const parameters = maybeJson(a['tool.parameters']);
  if (description === undefined && parameters === undefined) return undefined;
  const def: ToolDefinition = { name };
  if (description) def.description = description;
  if (parameters !== undefined) def.parameters = parameters;
  return def;
}

/**
 * smolagents records a tool call as the Python call `{"args": [...], "kwargs": {...}}`. With the
 * tool's parameter names (`tool.parameters`) the positional args become the named arguments the
 * model actually gave, which is what argument checks need.
 */
function smolagentsArguments(args: unknown, parameters: unknown): unknown {
  if (!isObject(args) || !Array.isArray(args.args) || !isObject(args.kwargs) || !isObject(parameters)) return args;
  const names = Object.keys(parameters);
  if (args.args.length > names.length) return args;
  const out: Record<string, unknown> = {};
  args.args.forEach((v, i) => { out[names[i]] = v; });
  return { ...out, ...args.kwargs };
}

/**
 * Vercel's outer `ai.generateText`/`ai.streamText` span records the call as `ai.prompt`:
 * `{"system"?: "...", "prompt": "..."}` or `{"system"?: "...", "messages": [...]}`.
 */
function vercelPrompt(v: unknown): ChatMessage[] | undefined {
  const p = maybeJson(v);
  if (!isObject(p)) return undefined;
  const msgs: ChatMessage[] = typeof p.system === 'string' ? [{ role: 'system', content: p.system }] : [];
  if (typeof p.prompt === 'string') msgs.push({ role: 'user', content: p.prompt });
  else msgs.push(...(toChatMessages(p.prompt) ?? toChatMessages(p.messages) ?? []));
  return msgs.length ? msgs : undefined;
}

/** The step kind a GenAI `gen_ai.operation.name` names (`execute_tool` is a tool call, `chat` a model call...). */
export function genAiOperationKind(op: unknown): StepKind | undefined {
  return typeof op === 'string' ? GENAI_OPS[op] : undefined;
}

/** A GenAI tool call id worth pairing on: ADK writes `<not specified>` when the response had none. */
export function genAiToolCallId(v: unknown): string | undefined {
  const id = str(v);
  return id && id !== '<not specified>' ? id : undefined;
}

/** Gemini usage (`usage_metadata` as ADK's pydantic dump writes it, or `usageMetadata`): see geminiUsage. */
export function geminiMetadataUsage(meta: unknown): Usage | undefined {
  if (!isObject(meta)) return undefined;
  const pick = (snake: string, camel: string): number | undefined => num(meta[snake]) ?? num(meta[camel]);
  return geminiUsage({
    prompt: pick('prompt_token_count', 'promptTokenCount'),
    candidates: pick('candidates_token_count', 'candidatesTokenCount'),
    thoughts: pick('thoughts_token_count', 'thoughtsTokenCount'),
    cached: pick('cached_content_token_count', 'cachedContentTokenCount'),
    total: pick('total_token_count', 'totalTokenCount'),
  });
}

/**
 * One Gemini `Content` (`{role, parts}`), with parts in either casing (`function_call` in ADK's
 * pydantic dumps, `functionCall` in the REST shape), as chat messages: the text and calls as one
 * message (thought parts are hidden reasoning, not the answer: they come back apart), and each
 * function response as a tool message answering its call id.
 */
export function geminiContentMessages(content: unknown): { messages: ChatMessage[]; thoughts: string[] } {
  const messages: ChatMessage[] = [];
  const thoughts: string[] = [];
  if (!isObject(content) || !Array.isArray(content.parts)) return { messages, thoughts };
  const { role } = normalizeRole(str(content.role) ?? 'user');
  const texts: string[] = [];
  const calls: ToolCall[] = [];
  for (const part of content.parts) {
    if (!isObject(part)) continue;
    const call = isObject(part.function_call) ? part.function_call : isObject(part.functionCall) ? part.functionCall : undefined;
    const response = isObject(part.function_response) ? part.function_response : isObject(part.functionResponse) ? part.functionResponse : undefined;
    if (call) {
      const tc: ToolCall = { name: String(call.name ?? ''), arguments: toolArguments(call.args ?? {}) };
      const id = str(call.id);
      if (id) tc.id = id;
      calls.push(tc);
    } else if (response) {
      const m: ChatMessage = { role: 'tool', content: typeof response.response === 'string' ? response.response : JSON.stringify(response.response ?? null) };
      const name = str(response.name);
      if (name) m.name = name;
      const id = str(response.id);
      if (id) m.toolCallId = id;
      messages.push(m);
    } else if (typeof part.text === 'string') {
      (part.thought === true ? thoughts : texts).push(part.text);
    }
  }
  if (texts.length || calls.length) {
    const m: ChatMessage = { role, content: texts.length ? texts.join('\n') : null };
    if (calls.length) m.toolCalls = calls;
    messages.unshift(m);
  }
  return { messages, thoughts };
}

/** A Gemini request (`{contents, config: {system_instruction}}`, ADK's `llm_request`) as chat messages. */
export function geminiRequestMessages(v: unknown): ChatMessage[] | undefined {
  if (!isObject(v) || !Array.isArray(v.contents)) return undefined;
  const config = isObject(v.config) ? v.config : {};
  const system = v.system_instruction ?? v.systemInstruction ?? config.system_instruction ?? config.systemInstruction;
  const out: ChatMessage[] = [];
  if (typeof system === 'string' && system !== '') out.push({ role: 'system', content: system });
  else if (isObject(system)) out.push(...systemify(geminiContentMessages({ ...system, role: 'system' }).messages));
  for (const c of v.contents) out.push(...geminiContentMessages(c).messages);
  return out.length ? out : undefined;
}

/**
 * A Gemini response: the REST/google-genai shape (`{candidates: [{content, finish_reason}], usage_metadata}`)
 * or ADK's `LlmResponse` dump (`{content, finish_reason, usage_metadata}`), either casing.
 */
export function geminiResponse(v: unknown): { messages: ChatMessage[]; thoughts: string[]; finishReason?: string; usage?: Usage } | undefined {
  if (!isObject(v)) return undefined;
  const first = Array.isArray(v.candidates) ? v.candidates.find(isObject) : isObject(v.content) && Array.isArray(v.content.parts) ? v : undefined;
  if (!first) return undefined;
  const { messages, thoughts } = geminiContentMessages(first.content);
  const usage = geminiMetadataUsage(v.usage_metadata ?? v.usageMetadata);
  const finishReason = str(first.finish_reason) ?? str(first.finishReason);
  return { messages, thoughts, ...(finishReason ? { finishReason } : {}), ...(usage ? { usage } : {}) };
}
