/**
 * The real traces the trainer check promotes: one or two per importer that has a model turn in
 * ../shared/traces (openai-agents and otel-sdk-json have none there, so nothing to train on).
 * Picked small, with tool calls where the format has them, and with a failed step where one
 * exists, so the annotated variant's tag and corrections land on real turns. Fixed, so a run
 * is comparable with the last one; keep it small: every trace is promoted four ways and every
 * complete file trains.
 */
export interface SelectedTrace {
  /** Under ../shared/traces. */
  path: string;
  /** Which trace of a multi-trace file (JSONL line, Inspect sample...); absent for one-trace files. */
  trace?: number;
  /**
   * Every model turn is a redaction placeholder (the shared Codex CLI rollouts): as recorded no turn
   * is learnable and promotion refuses the trace by design, so only the reviewed sidecar, whose
   * corrections are learned, is promoted.
   */
  redacted?: true;
}

export const SELECTION: readonly SelectedTrace[] = [
  { path: 'agentbench-medagentbench/llama-3.3/runs.jsonl', trace: 0 },
  { path: 'anthropic-managed-agents-recordings/anthropic_managed_custom_tools.jsonl' },
  { path: 'any-agent-genai-spans/AGNO_trace.json' },
  { path: 'any-agent-genai-spans/LANGCHAIN_trace.json' },
  { path: 'claude-code/tool_heavy.jsonl' },
  { path: 'codex-cli/rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl', redacted: true },
  { path: 'inspect-ai/2024-11-05T13-31-45-05-00_input-task_8zXjbRzCWrL9GXiXo2vus9.json' },
  { path: 'inspect-ai/log_read_sample.eval' },
  { path: 'langfuse/framework-traces/agno-2025-06-11.json' },
  { path: 'langfuse/framework-traces/pydantic-ai-tools-2025-12-04.json' },
  { path: 'langsmith/langsmith_py_wrap_openai_stream.json' },
  { path: 'mast/MAD_human_labelled_dataset.json', trace: 2 },
  { path: 'mini-swe-agent/local.traj.json' },
  { path: 'swebench-bash-only-mini-swe-agent-gemini3pro/django__django-10999/django__django-10999.traj.json' },
  { path: 'openhands/basic_interactions.json' },
  { path: 'openhands/wrong_initial_state.json' },
  { path: 'openinference/genai-attribute-fixtures/openinference_client_span_tool_calls.json' },
  { path: 'openinference/genai-attribute-fixtures/otel_genai_client_span_tool_calls.json' },
  { path: 'swe-agent/6e44b9__sweagenttestrepo-1c2844.traj' },
  { path: 'tau-bench/MockAirlineDomainEnv-few_shot.jsonl', trace: 0 },
  { path: 'tau-bench/MockAirlineDomainEnv-few_shot.jsonl', trace: 1 },
  { path: 'toolbench/G1_answer/10_ChatGPT_DFS_woFilter_w2.json' },
  { path: 'toolbench/G2_answer/127_ChatGPT_DFS_woFilter_w2.json' },
  { path: 'trail/GAIA/traces/0ebe673d64647ec44c370638b82d3c78.json' },
  { path: 'trail/SWE Bench/traces/72822db6e120878d916b515c2501246b.json' },
  { path: 'openinference/vercel-ai-sdk-v6-spans/ai-generateText-doGenerate.json', trace: 0 },
  { path: 'openinference/vercel-ai-sdk-v6-spans/ai-streamText.json' },
  { path: 'who-and-when/Algorithm-Generated/1.json' },
  { path: 'who-and-when/Hand-Crafted/48.json' },
];
