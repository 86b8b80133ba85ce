/**
 * Langfuse trace export: the trace and its observations, as the UI download (merged with the
 * observation log) or the public API `GET /traces/{id}` give it:
 *
 *   {"trace":{"id","name","timestamp","metadata",…},"observations":[{"id","traceId","type":"GENERATION",
 *     "parentObservationId","name","startTime","endTime","level":"DEFAULT"|"ERROR","statusMessage",
 *     "model","input","output","usageDetails":{"input","output","total"},…}]}
 *
 * What the model saw: a generation's input messages; a completion's bare prompt as the user's
 * message; an OpenAI Assistants run's `instructions` (recorded on the run object, not on the
 * generation) as its system prompt.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { ChatMessage, StepKind, ToolDefinition, Usage } from '../../model/schema';
import { toEpochMs } from '../../util/time';
import { UserInputError } from '../../util/problems';
import { ImportContext, Importer, isObject } from '../importer';
import { toChatMessages } from './messages';
import { ToolCollector } from './span';
import { toolDefinitions } from '../chat/common';
import { geminiRequestMessages, geminiResponse, genAiOperationKind, genAiToolCallId } from './semconv';
import { maybeJson, num, str, toolArguments } from './values';
import { tokenDetailsOf } from '../token-details';

const KINDS: Record<string, StepKind> = {
  GENERATION: 'llm', TOOL: 'tool', AGENT: 'agent', CHAIN: 'agent', RETRIEVER: 'retrieval',
  EMBEDDING: 'other', EVENT: 'other', SPAN: 'other', GUARDRAIL: 'other', EVALUATOR: 'other',
};
const OI_KINDS: Record<string, StepKind> = { LLM: 'llm', TOOL: 'tool', AGENT: 'agent', CHAIN: 'agent', RETRIEVER: 'retrieval' };

/** The export: `{trace, observations}`, or an API trace object holding `observations`. */
function shape(v: unknown): { trace: Record<string, unknown>; observations: unknown[]; base: string } | undefined {
  if (!isObject(v) || !Array.isArray(v.observations)) return undefined;
  const first = v.observations[0];
  if (first !== undefined && !(isObject(first) && 'traceId' in first && 'type' in first && ('parentObservationId' in first || 'startTime' in first))) return undefined;
  if (isObject(v.trace)) return { trace: v.trace, observations: v.observations, base: 'observations' };
  if (typeof v.id === 'string' && 'timestamp' in v) return { trace: v, observations: v.observations, base: 'observations' };
  return undefined;
}

export const langfuseImporter: Importer = {
  id: 'langfuse',
  label: 'Langfuse trace export',
  producer: 'Langfuse (UI trace download / public API), any framework integration',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    const s = shape(file.json);
    return s ? (s.observations.length ? 0.95 : 0.6) : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const s = shape(file.requireJson());
    if (!s) throw new UserInputError({ file: file.path, message: 'not a Langfuse export: expected {"trace": {...}, "observations": [...]}' });
    const steps: DraftStep[] = [];
    const tools = new ToolCollector();
    s.observations.forEach((o, i) => {
      if (!isObject(o)) { ctx.warn({ path: `$.observations[${i}]`, message: 'observation is not an object; skipped' }); return; }
      steps.push(observationStep(o, [s.base, i], tools));
    });
    addAssistantInstructions(steps, s.observations);
    const t = s.trace;
    const metadata: Record<string, unknown> = {};
    for (const k of ['name', 'userId', 'sessionId', 'tags', 'release', 'version', 'environment', 'metadata', 'scores', 'input', 'output']) {
      if (t[k] !== undefined && t[k] !== null) metadata[k] = t[k];
    }
    const declared = tools.list();
    return [{ id: str(t.id), title: str(t.name) ?? 'Langfuse trace', startTime: toEpochMs(t.timestamp), steps, metadata, ...(declared.length ? { tools: declared } : {}) }];
  },
};

function observationStep(o: Record<string, unknown>, path: (string | number)[], tools: ToolCollector): DraftStep {
  const type = String(o.type ?? 'SPAN').toUpperCase();
  const meta = maybeJson(o.metadata);
  // The span's OTel attributes, as Langfuse's OTel ingestion keeps them.
  const otel: Record<string, unknown> = isObject(meta) && isObject(meta.attributes) ? meta.attributes : {};
  const oiKind = str(otel['openinference.span.kind']);
  const input = maybeJson(o.input);
  const output = maybeJson(o.output);
  // A LangChain tool's run, filed as a SPAN by Langfuse's callback handler before it had TOOL.
  const toolMessage = type === 'SPAN' ? langChainToolMessage(output) : undefined;
  // Langfuse files OTel spans it cannot classify as SPAN; the OpenInference kind or the GenAI
  // operation (Koog's `execute_tool` spans) in the attributes says more.
  const kind: StepKind = (type === 'SPAN' && ((oiKind && OI_KINDS[oiKind]) || genAiOperationKind(otel['gen_ai.operation.name']) || (toolMessage && 'tool'))) || KINDS[type] || 'other';
  const spanName = str(o.name);
  // A GenAI tool span is named `execute_tool <tool>`; the tool's own name is `gen_ai.tool.name`.
  const toolName = kind === 'tool' ? str(otel['gen_ai.tool.name']) ?? str(otel['tool.name']) ?? toolMessage?.name ?? spanName?.replace(/^execute_tool\s+/, '') : undefined;
  const step: DraftStep = {
    kind,
    name: toolName ?? spanName ?? type.toLowerCase(),
    sourceId: str(o.id),
    parentSourceId: str(o.parentObservationId) ?? null,
    startTime: toEpochMs(o.startTime),
    endTime: toEpochMs(o.endTime),
    status: 'unset',
    sourcePath: path,
    attributes: {},
  };
  const attrs = step.attributes!;
  if (spanName && spanName !== step.name) attrs.spanName = spanName;
  for (const k of ['type', 'level', 'statusMessage', 'version', 'environment', 'modelParameters', 'metadata', 'completionStartTime', 'promptName', 'promptVersion', 'costDetails']) {
    if (o[k] !== undefined && o[k] !== null) attrs[k] = o[k];
  }
  if (kind === 'llm') {
    const gemini = geminiResponse(output);
    // LangChain's handler appends the tools offered to the model to its messages, as "tool" messages.
    const offered = offeredTools(input);
    if (offered) {
      tools.add(offered.tools);
      step.availableTools = offered.tools.map((t) => t.name);
    }
    const inMsgs = geminiRequestMessages(offered?.messages ?? input) ?? toChatMessages(offered?.messages ?? input) ?? promptMessages(input);
    // A bare text answer, or one message object (`{role, content}`, a LangChain `AIMessageChunk` dump).
    const outMsgs = gemini?.messages ?? toChatMessages(output) ?? (typeof output === 'string' ? [{ role: 'assistant' as const, content: output }] : isObject(output) && typeof output.content === 'string' && (typeof output.role === 'string' || typeof output.type === 'string') ? toChatMessages([output]) : undefined);
    if (inMsgs) step.input = { messages: inMsgs }; else if (input !== undefined && input !== null) step.input = { value: input };
    if (outMsgs) step.output = { messages: outMsgs }; else if (output !== undefined && output !== null) step.output = { value: output };
    if (gemini?.thoughts.length) attrs.thoughts = gemini.thoughts;
    if (gemini?.finishReason) step.finishReason = gemini.finishReason;
    const model = str(o.model);
    if (model) step.model = model;
    // Gemini's usage_metadata counts cached and thinking tokens that Langfuse's usageDetails may not.
    const usage = gemini?.usage ? { ...usageOf(o), ...gemini.usage } : usageOf(o);
    if (usage) step.usage = usage;
  } else {
    // GenAI tool spans may leave Langfuse's input/output empty: the call is in the attributes
    // (`gen_ai.tool.call.*`; ADK's `gcp.vertex.agent.tool_call_args` / `tool_response`).
    // LangChain's handler records a tool's input as the Python repr of its arguments
    // ("{'query': 'example'}") and keeps the arguments themselves in `metadata.inputs`.
    const args = (toolMessage && isObject(meta) && isObject(meta.inputs) ? meta.inputs : undefined) ?? present(input) ?? (kind === 'tool' ? present(maybeJson(otel['gen_ai.tool.call.arguments'] ?? otel['gcp.vertex.agent.tool_call_args'])) : undefined);
    const result = (toolMessage ? present(toolMessage.content) : present(output)) ?? (kind === 'tool' ? present(maybeJson(otel['gen_ai.tool.call.result'] ?? otel['gcp.vertex.agent.tool_response'])) : undefined);
    if (args !== undefined) step.input = { value: args };
    if (result !== undefined) step.output = { value: result };
    if (kind === 'tool') {
      step.toolCall = { name: step.name, arguments: toolArguments(args ?? {}) };
      // The id the model gave the call: the detectors and the exporters pair the step with that call by it.
      const callId = genAiToolCallId(otel['gen_ai.tool.call.id']) ?? toolMessage?.callId;
      if (callId) step.toolCall = { id: callId, ...step.toolCall };
    }
    if (toolMessage?.status === 'success') step.status = 'ok';
    if (toolMessage?.status === 'error') {
      step.status = 'error';
      step.error = { message: typeof toolMessage.content === 'string' ? toolMessage.content : JSON.stringify(toolMessage.content) };
    }
  }
  const level = str(o.level);
  if (level === 'ERROR') {
    step.status = 'error';
    step.error = { message: str(o.statusMessage) ?? 'observation level ERROR' };
  }
  return step;
}

/**
 * The tools Langfuse's LangChain callback handler offered the model, which it writes into the
 * generation's input as messages of role "tool" holding a function definition and no call id:
 * `{"role": "tool", "content": {"type": "function", "function": {"name", "description", "parameters"}}}`.
 * The messages without them, and the tools; undefined when the input holds none.
 */
function offeredTools(input: unknown): { messages: unknown[]; tools: ToolDefinition[] } | undefined {
  if (!Array.isArray(input)) return undefined;
  const isDefinition = (m: unknown): m is { content: Record<string, unknown> } => isObject(m) && m.role === 'tool' && m.tool_call_id === undefined
    && isObject(m.content) && m.content.type === 'function' && isObject(m.content.function) && typeof m.content.function.name === 'string';
  const definitions = input.filter(isDefinition);
  if (definitions.length === 0) return undefined;
  return { messages: input.filter((m) => !isDefinition(m)), tools: toolDefinitions(definitions.map((m) => m.content)) };
}

/**
 * A LangChain `ToolMessage` as Langfuse's callback handler records a tool's output:
 * `{"type": "tool", "name": "Web-Search", "tool_call_id": "call_…", "content": …, "status": "success"}`.
 */
function langChainToolMessage(v: unknown): { callId: string; name?: string; content: unknown; status?: string } | undefined {
  if (!isObject(v) || v.type !== 'tool' || typeof v.tool_call_id !== 'string' || !('content' in v)) return undefined;
  return { callId: v.tool_call_id, name: str(v.name), content: v.content, status: str(v.status) };
}

function present(v: unknown): unknown {
  return v === undefined || v === null ? undefined : v;
}

/**
 * The prompt of a completion call that records no messages: a bare string, or the one string
 * argument Langfuse's decorator captured (`{"args": ["What is Langfuse?"]}`, LlamaIndex's
 * `OpenAI.complete`). It is what the user asked.
 */
function promptMessages(input: unknown): ChatMessage[] | undefined {
  if (typeof input === 'string' && input.trim() !== '') return [{ role: 'user', content: input }];
  if (isObject(input) && Array.isArray(input.args) && input.args.length === 1 && typeof input.args[0] === 'string') {
    return [{ role: 'user', content: input.args[0] }];
  }
  return undefined;
}

/**
 * OpenAI Assistants runs: the model's system prompt is the run's `instructions`, which Langfuse
 * records on the run (or assistant) object a span returned, not on the generation. When the trace
 * holds one set of instructions, a generation without a system message gets it first.
 */
function addAssistantInstructions(steps: DraftStep[], observations: unknown[]): void {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(visit); return; }
    if (isObject(v) && (v.object === 'thread.run' || v.object === 'assistant') && typeof v.instructions === 'string' && v.instructions !== '') found.add(v.instructions);
  };
  for (const o of observations) if (isObject(o) && String(o.type).toUpperCase() !== 'GENERATION') visit(maybeJson(o.output));
  if (found.size !== 1) return;
  const [instructions] = found;
  for (const s of steps) {
    const msgs = s.input?.messages;
    if (s.kind === 'llm' && msgs && !msgs.some((m) => m.role === 'system' || m.role === 'developer')) s.input = { ...s.input, messages: [{ role: 'system', content: instructions }, ...msgs] };
  }
}

function usageOf(o: Record<string, unknown>): Usage | undefined {
  const d = isObject(o.usageDetails) ? o.usageDetails : isObject(o.usage) ? o.usage : {};
  const u: Usage = {};
  const inTok = num(d.input) ?? num(o.inputUsage) ?? num(o.promptTokens);
  const outTok = num(d.output) ?? num(o.outputUsage) ?? num(o.completionTokens);
  const total = num(d.total) ?? num(o.totalUsage) ?? num(o.totalTokens);
  const cost = num(o.totalCost) ?? num(o.calculatedTotalCost);
  if (inTok !== undefined) u.inputTokens = inTok;
  if (outTok !== undefined) u.outputTokens = outTok;
  if (total !== undefined) u.totalTokens = total;
  Object.assign(u, tokenDetailsOf(d));
  if (cost !== undefined && cost > 0) u.cost = cost;
  return Object.keys(u).length ? u : undefined;
}
