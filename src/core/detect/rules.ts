/** The deterministic rules: id, the default-taxonomy leaf each reports, and what triggers it. */
import type { RuleInfo } from './types';

export const RULES: RuleInfo[] = [
  { id: 'tool-undeclared', category: 'TOOL.UNKNOWN', definition: 'A tool call names a tool that was not offered to the model step that made it (or, when steps do not say, not declared by the trace).' },
  { id: 'tool-args-json', category: 'TOOL.ARGS_INVALID', definition: 'A tool call\'s arguments look like JSON but do not parse.' },
  { id: 'tool-args-schema', category: 'TOOL.ARGS_INVALID', definition: 'A tool call\'s arguments fail JSON-Schema validation (ajv) against the declared tool\'s parameters.' },
  { id: 'tool-error', category: 'TOOL.RUNTIME', alsoReports: ['TOOL.UNKNOWN', 'TOOL.ARGS_INVALID', 'TOOL.TIMEOUT', 'TOOL.RATE_LIMIT', 'TOOL.AUTH', 'TOOL.NOT_FOUND', 'SYS.ENV_SETUP', 'SYS.RESOURCE', 'ORCH.STEP_LIMIT'], definition: 'A step failed (status error, exception event, is_error / status="error" flag); the category comes from the error text: unknown tool, rejected arguments, timeout (or DetectOptions.timeoutPattern), rate limit, auth, not found, setup, resources, step limit, else TOOL.RUNTIME.' },
  { id: 'tool-output-error-text', category: 'TOOL.RUNTIME', alsoReports: ['TOOL.UNKNOWN', 'TOOL.ARGS_INVALID', 'TOOL.TIMEOUT', 'TOOL.RATE_LIMIT', 'TOOL.AUTH', 'TOOL.NOT_FOUND', 'SYS.ENV_SETUP', 'SYS.RESOURCE', 'ORCH.STEP_LIMIT'], definition: 'A tool result with no error flag reads as an error (leading "Error:", a traceback, an HTTP 4xx/5xx status, a JSON-RPC error code); categorised like tool-error.' },
  { id: 'decision-caused-failure', category: 'TOOL.ARGS_INVALID', alsoReports: ['TOOL.UNKNOWN', 'OUT.FORMAT'], definition: 'A failure caused by what the model asked for (rejected arguments, unknown tool, unparseable output, failing model-written code) is reported on the model step that made the call, with the failing step as symptom.' },
  { id: 'format-rejected', category: 'OUT.FORMAT', definition: 'The framework reports that the model\'s output could not be parsed (smolagents "Error in code parsing", SWE-agent "not formatted correctly", LangChain "Could not parse LLM output", "invalid action", SyntaxError in model-written code); reported on the model step that wrote it.' },
  { id: 'llm-api-error', category: 'SYS.LLM_API', definition: 'A model call failed at the provider (rate limit, 5xx, connection); stays on the model step.' },
  { id: 'context-overflow', category: 'SYS.CONTEXT_OVERFLOW', definition: 'context_length_exceeded or a similar error, or a model reply cut at the length limit (finish_reason "length" / "max_tokens").' },
  { id: 'tool-definition', category: 'SYS.TOOL_DEFINITION', definition: 'A declared tool\'s parameters are not a valid JSON Schema, or two declared tools share a name.' },
  { id: 'repeat-loop', category: 'ORCH.REPEAT_LOOP', definition: 'The same call (tool + canonical arguments) is made N times (DetectOptions.repeatThreshold, default 3) or twice in a row; reported once, on the last repetition.' },
  { id: 'blind-retry', category: 'ORCH.BLIND_RETRY', definition: 'A call that failed is made again with identical arguments; reported on the model step that retried.' },
  { id: 'step-limit', category: 'ORCH.STEP_LIMIT', definition: 'A framework max-iterations error on an agent span (StepLimitExceeded, GraphRecursionError; reported even when a tool inside it failed, once per nesting), or (with DetectOptions.stepLimit) at least that many model steps and no final answer.' },
  { id: 'ends-on-error', category: 'ORCH.PREMATURE_STOP', definition: 'The run\'s last action failed and no model step came after it, or the last model reply has no text (only tool calls).' },
  { id: 'ignored-tool-error', category: 'RSN.IGNORED_TOOL_ERROR', definition: 'After a failed step, the next model step neither mentions the failure nor calls the same tool again.' },
  { id: 'empty-result', category: 'TOOL.EMPTY_RESULT', definition: 'A tool succeeded but returned null, "", [], {} or "no results".' },
];
