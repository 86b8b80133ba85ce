/**
 * The canonical trace model. Every importer produces it, every consumer (detectors, editor,
 * exporters, debugger) reads only it. The zod schemas are the single source of truth: the
 * TypeScript types are inferred from them and `schema/trace.schema.json` is generated from them
 * (`npm run schema`).
 */
import { z } from 'zod';

export const STEP_KINDS = ['agent', 'llm', 'tool', 'retrieval', 'message', 'system', 'other'] as const;
export const StepKind = z.enum(STEP_KINDS);
export type StepKind = z.infer<typeof StepKind>;

export const StepStatus = z.enum(['ok', 'error', 'unset']);
export type StepStatus = z.infer<typeof StepStatus>;

/** 1-based line and column range of a step's JSON value in the original file. */
export const SourceLocation = z.object({
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  endLine: z.number().int().positive(),
  endColumn: z.number().int().positive(),
  /** Byte-free character offsets into the decoded text; used to reveal and decorate ranges. */
  offset: z.number().int().nonnegative().optional(),
  length: z.number().int().nonnegative().optional(),
});
export type SourceLocation = z.infer<typeof SourceLocation>;

export const ToolCall = z.object({
  /** The call id the model gave (OpenAI `tool_call_id`, Anthropic `tool_use.id`), when there is one. */
  id: z.string().optional(),
  name: z.string(),
  /** Parsed arguments when they were valid JSON; otherwise the raw string as the model wrote it. */
  arguments: z.unknown(),
});
export type ToolCall = z.infer<typeof ToolCall>;

export const ChatRole = z.enum(['system', 'developer', 'user', 'assistant', 'tool']);
export type ChatRole = z.infer<typeof ChatRole>;

/** A chat message, OpenAI-shaped (the lingua franca of the training formats we export). */
export const ChatMessage = z.object({
  role: ChatRole,
  content: z.string().nullable(),
  /** Speaker name in multi-agent logs, or the function name on a tool message. */
  name: z.string().optional(),
  toolCalls: z.array(ToolCall).optional(),
  /** On `tool` messages: the id of the call this message answers. */
  toolCallId: z.string().optional(),
  /** Anthropic `is_error` or LangChain `status="error"` on a tool result. */
  isError: z.boolean().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** Input or output of a step: chat messages for model calls, a value (arguments, result) otherwise. */
export const StepPayload = z.object({
  messages: z.array(ChatMessage).optional(),
  value: z.unknown().optional(),
});
export type StepPayload = z.infer<typeof StepPayload>;

export const StepError = z.object({
  type: z.string().optional(),
  message: z.string(),
  stack: z.string().optional(),
});
export type StepError = z.infer<typeof StepError>;

export const Usage = z.object({
  /** Prompt tokens as the source counts them. Whether cached tokens are included differs by provider: see cacheReadTokens. */
  inputTokens: z.number().optional(),
  outputTokens: z.number().optional(),
  totalTokens: z.number().optional(),
  /** Prompt tokens served from the provider's prompt cache (Anthropic cache_read_input_tokens, OpenAI cached_tokens). */
  cacheReadTokens: z.number().optional(),
  /** Prompt tokens written to the provider's prompt cache (Anthropic cache_creation_input_tokens). */
  cacheWriteTokens: z.number().optional(),
  /** Output tokens spent on hidden reasoning, when the source counts them apart. */
  reasoningTokens: z.number().optional(),
  cost: z.number().optional(),
});
export type Usage = z.infer<typeof Usage>;

export const Step = z.object({
  /** Stable id: the source's own span/event id when it has a unique one, else derived from content and position. */
  id: z.string(),
  /** The id exactly as written in the file (OTel span id, event id, message index...), when it has one. */
  sourceId: z.string().optional(),
  parentId: z.string().nullable(),
  /** Position in decision order (pre-order over the tree, siblings by start time then file order). */
  index: z.number().int().nonnegative(),
  depth: z.number().int().nonnegative(),
  kind: StepKind,
  name: z.string(),
  /** Milliseconds since the Unix epoch; null when the source has no timestamps. */
  startTime: z.number().nullable(),
  endTime: z.number().nullable(),
  status: StepStatus,
  input: StepPayload.optional(),
  output: StepPayload.optional(),
  /** For tool steps: the call that was executed. */
  toolCall: ToolCall.optional(),
  /** For llm steps: names of the tools offered to the model in this call, when the source says. */
  availableTools: z.array(z.string()).optional(),
  error: StepError.optional(),
  usage: Usage.optional(),
  model: z.string().optional(),
  /** Model finish reason (`stop`, `length`, `tool_calls`...), when the source records it. */
  finishReason: z.string().optional(),
  /** Everything else the source carried, untouched. */
  attributes: z.record(z.string(), z.unknown()),
  location: SourceLocation.optional(),
});
export type Step = z.infer<typeof Step>;

export const ToolDefinition = z.object({
  name: z.string(),
  description: z.string().optional(),
  /** JSON Schema of the parameters, where the source has one. */
  parameters: z.unknown().optional(),
});
export type ToolDefinition = z.infer<typeof ToolDefinition>;

/**
 * A label that came with the source: human error annotations (TRAIL, Who&When, MAST) or
 * benchmark verdicts (SWE-bench resolved, tau-bench reward). `stepId` null means the whole trace.
 */
export const ImportedLabel = z.object({
  stepId: z.string().nullable(),
  /** The location as written in the label source (span id, history index...). */
  sourceLocation: z.string().optional(),
  /** Which scheme the category belongs to: `trail`, `mast`, `who-and-when`, `swe-bench`, `tau-bench`... */
  scheme: z.string(),
  category: z.string(),
  impact: z.enum(['HIGH', 'MEDIUM', 'LOW']).optional(),
  evidence: z.string().optional(),
  description: z.string().optional(),
  /** A verdict value (true/false, a reward, a score) when the label is one. */
  value: z.unknown().optional(),
  /** Where the label came from (a file path or `inline`). */
  origin: z.string(),
});
export type ImportedLabel = z.infer<typeof ImportedLabel>;

export const TraceSource = z.object({
  /** Importer id, e.g. `otel`, `langfuse`, `swe-agent`. */
  format: z.string(),
  path: z.string(),
  sha256: z.string(),
  /** Index of this trace among the traces of a multi-trace file (JSONL line, Inspect sample...). */
  indexInFile: z.number().int().nonnegative().optional(),
  /**
   * The trace's address in its file: its own id, else its run number, `#<k>` for a repeat
   * (src/core/model/trace-key.ts). Set by every load; absent on traces built by hand.
   */
  traceKey: z.string().optional(),
});
export type TraceSource = z.infer<typeof TraceSource>;

export const Trace = z.object({
  id: z.string(),
  title: z.string(),
  source: TraceSource,
  startTime: z.number().nullable(),
  tools: z.array(ToolDefinition),
  steps: z.array(Step),
  labels: z.array(ImportedLabel),
  /** Trace-level facts from the source (task, final answer, model, scores...). */
  metadata: z.record(z.string(), z.unknown()),
});
export type Trace = z.infer<typeof Trace>;
