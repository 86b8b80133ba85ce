/**
 * Generated agent runs for `npm run bench` (issue 11, section 5): realistic content (user and
 * assistant messages of 1-2 KB of varied text, tool arguments objects, tool results), some failures
 * (tool timeouts, tool errors, provider rate limits, a repeat loop of identical calls), written in
 * three shapes: agent-trace/v1 JSONL, one OTLP JSON `resourceSpans` document with GenAI semantic-
 * convention attributes, and a TRAIL-shaped span tree (nested `child_spans`, OpenInference
 * attributes). Deterministic for a given size and seed. Written as a stream of chunks: 10^6 steps
 * is over 1 GB, never built as one string.
 *
 * The run: step 0 is the agent's root; then turns of three steps each (an agent turn, the model
 * call inside it, the tool call the model asked for), cut off when the step count is reached.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage, Step, Trace } from '../../src/core/model/schema';

/** Spans per run in `otlp-runs` (the last run may have fewer). */
export const BENCH_RUN_SPANS = 1000;

export type BenchFormat = 'jsonl' | 'otlp' | 'otlp-ended' | 'otlp-lines' | 'otlp-runs' | 'trail';
export const BENCH_FORMATS: readonly BenchFormat[] = ['jsonl', 'otlp', 'otlp-ended', 'otlp-lines', 'otlp-runs', 'trail'];
export const BENCH_FORMAT_LABELS: Record<BenchFormat, string> = {
  jsonl: 'agent-trace/v1 JSONL',
  otlp: 'OTLP JSON (GenAI semantic conventions)',
  'otlp-ended': 'OTLP JSON, spans as they end (children first, as batch exporters write them)',
  'otlp-lines': 'OTLP JSON lines, a batch of 512 spans per line as they end (the collector\'s file exporter)',
  'otlp-runs': `OTLP JSON lines as the collector writes them, of many runs one after another (a trace id each, ${BENCH_RUN_SPANS.toLocaleString('en-US')} spans each)`,
  trail: 'TRAIL-shaped span tree (OpenInference)',
};
export const BENCH_FILE_NAMES: Record<BenchFormat, (steps: number) => string> = {
  jsonl: (n) => `bench-${n}.trace.jsonl`,
  otlp: (n) => `bench-${n}.otlp.json`,
  'otlp-ended': (n) => `bench-${n}.otlp-ended.json`,
  'otlp-lines': (n) => `bench-${n}.otlp-lines.jsonl`,
  'otlp-runs': (n) => `bench-${n}.otlp-runs.jsonl`,
  trail: (n) => `bench-${n}.trail.json`,
};

/** A phrase planted in one turn in 1,000 (the bench searches for it). */
export const BENCH_SEARCH_TERM = 'checksum mismatch';

/** Turn k's failures (k counts from 0). A repeat loop is four turns making the very same call. */
export const isTimeoutTurn = (k: number): boolean => k % 53 === 17;
export const isToolErrorTurn = (k: number): boolean => k % 71 === 5 && !isTimeoutTurn(k);
export const isRateLimitTurn = (k: number): boolean => k % 409 === 100;
const loopOffset = (k: number): number => k % 997 - 500;
export const isLoopTurn = (k: number): boolean => loopOffset(k) >= 0 && loopOffset(k) < 4;

const T0 = Date.UTC(2025, 2, 19, 16, 40, 0);
/** Each turn fits a 35 s slot (a timed-out tool takes 30 s), so the root's end is known up front. */
const TURN_MS = 35_000;
/** The generated run's trace id (every span's). */
export const BENCH_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_ID = BENCH_TRACE_ID;
const MODEL = 'gpt-4o-2024-08-06';

export interface GenMessage { role: 'user' | 'assistant' | 'tool'; content: string; toolCallId?: string; toolCalls?: GenToolCall[] }
export interface GenToolCall { id: string; name: string; arguments: Record<string, unknown> }
export interface GenStep {
  /** Position in the run (0 = root). */
  n: number;
  id: string;
  parentId: string | null;
  kind: 'agent' | 'llm' | 'tool';
  name: string;
  start: number;
  end: number;
  status: 'ok' | 'error';
  turn: number;
  model?: string;
  usage?: { inputTokens: number; outputTokens: number };
  input?: GenMessage[];
  output?: GenMessage;
  toolCall?: GenToolCall;
  result?: string;
  error?: { type: string; message: string; stack?: string };
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a of to and in that is for it with as was on be by this are or from at an but not have has which will can were been their more one all would there they about so out up '
  + 'if into than them some could only other time new these two may first then any like now such its over also after most through where much before must between each well '
  + 'agent model tool call result error retry timeout request response query search file path line function module package import config cache index parse token budget plan '
  + 'step observation action thought answer evidence source page document table column row value schema field argument parameter output input context window memory '
  + 'database latency throughput benchmark dataset label span trace event status service endpoint header payload json yaml python typescript shell command process thread '
  + 'population capital river mountain census report quarterly revenue forecast invoice customer ticket incident deploy rollback migration feature regression patch '
  + 'café naïve résumé déjà façade über straße'
).split(/\s+/);

/** One message in five carries characters outside Latin-1 (as model output often does). */
const WIDE = ['Note — see “Table 3” for the ‘adjusted’ figures.', 'Source: 東京都の統計 (数据 2023) 🙂.', 'Result ✓ matched → next check.'];

/** 2,048 sentences of 6 to 26 words, built once: messages are assembled from them (fast, varied). */
const SENTENCES: string[] = (() => {
  const r = rng(0x5eed);
  const out: string[] = [];
  for (let i = 0; i < 2048; i++) {
    const len = 6 + Math.floor(r() * 21);
    const words: string[] = [];
    for (let w = 0; w < len; w++) words.push(WORDS[Math.floor(r() * WORDS.length)]);
    const s = words.join(' ');
    const end = r() < 0.1 ? '?' : r() < 0.15 ? ':' : '.';
    out.push(s[0].toUpperCase() + s.slice(1) + end);
  }
  return out;
})();

/**
 * Text of `min`..`max` UTF-16 units plus at most one sentence (never cut inside a character):
 * sentences, paragraph breaks, a bullet list now and then.
 */
function text(r: () => number, min: number, max: number, lead: string): string {
  const target = min + Math.floor(r() * (max - min));
  const parts: string[] = [lead.trimEnd()];
  let len = lead.length;
  if (r() < 0.2) {
    const w = WIDE[Math.floor(r() * WIDE.length)];
    parts.push(' ', w);
    len += w.length + 1;
  }
  while (len < target) {
    const s = SENTENCES[Math.floor(r() * SENTENCES.length)];
    const sep = r() < 0.12 ? '\n\n' : r() < 0.06 ? '\n- ' : ' ';
    parts.push(sep, s);
    len += sep.length + s.length;
  }
  return parts.join('');
}

const TOOLS = ['web_search', 'read_file', 'run_python', 'http_get'] as const;

/** The tools the run declares (agent-trace/v1 header, TRAIL `tool.parameters`). */
export const BENCH_TOOLS = [
  { name: 'web_search', description: 'Search the web.', parameters: { type: 'object', properties: { query: { type: 'string' }, max_results: { type: 'integer' }, filters: { type: 'object' } }, required: ['query'] } },
  { name: 'read_file', description: 'Read lines of a file in the workspace.', parameters: { type: 'object', properties: { path: { type: 'string' }, start_line: { type: 'integer' }, end_line: { type: 'integer' } }, required: ['path'] } },
  { name: 'run_python', description: 'Run Python code in a sandbox.', parameters: { type: 'object', properties: { code: { type: 'string' }, timeout_s: { type: 'integer' } }, required: ['code'] } },
  { name: 'http_get', description: 'Fetch a URL.', parameters: { type: 'object', properties: { url: { type: 'string' }, headers: { type: 'object' } }, required: ['url'] } },
];

function toolArgs(r: () => number, tool: string, k: number): Record<string, unknown> {
  switch (tool) {
    case 'web_search': return { query: `${SENTENCES[k % SENTENCES.length].slice(0, 60)} ${k}`, max_results: 5 + (k % 10), filters: { recency_days: 30 + (k % 300), site: k % 3 ? null : 'census.gov' } };
    case 'read_file': return { path: `src/pkg_${k % 97}/module_${k}.py`, start_line: 1 + (k % 400), end_line: 41 + (k % 400) };
    case 'run_python': return { code: `import json\nrows = load_rows("data/part-${k}.csv")\nprint(json.dumps(summarize(rows, key="region"), indent=2))\n# ${SENTENCES[Math.floor(r() * SENTENCES.length)]}`, timeout_s: 30 };
    default: return { url: `https://api.example.com/v2/records/${k}?expand=owner,history`, headers: { Accept: 'application/json', 'X-Request-Id': `req-${k.toString(36)}` } };
  }
}

/** The run's steps, in decision order (pre-order), generated lazily. */
export function* benchSteps(steps: number, seed = 42): Generator<GenStep> {
  if (steps < 1) return;
  const turns = Math.ceil((steps - 1) / 3);
  yield {
    n: 0, id: 'run', parentId: null, kind: 'agent', name: 'research_agent', start: T0, end: T0 + turns * TURN_MS, status: 'ok', turn: -1,
    input: [{ role: 'user', content: text(rng(seed), 1024, 1900, 'Task: find and reconcile the figures below, citing a source for each. ') }],
  };
  let n = 1;
  let prevResult: { id: string; content: string } | undefined;
  for (let k = 0; n < steps; k++) {
    const r = rng((seed * 0x9e3779b1 + k) >>> 0);
    const s = T0 + k * TURN_MS;
    const tool = TOOLS[k % TOOLS.length];
    // A loop: four turns call the tool of the loop's first turn with its very arguments.
    const argTurn = isLoopTurn(k) ? k - loopOffset(k) : k;
    const call: GenToolCall = { id: `call_${k.toString(36).padStart(8, '0')}`, name: isLoopTurn(k) ? TOOLS[argTurn % TOOLS.length] : tool, arguments: toolArgs(rng(argTurn + 1), isLoopTurn(k) ? TOOLS[argTurn % TOOLS.length] : tool, argTurn) };
    const llmDur = 800 + Math.floor(r() * 1600);
    const toolDur = isTimeoutTurn(k) ? 30_000 : 50 + Math.floor(r() * 850);
    const turnId = `turn-${k}`;
    const lead = k % 1000 === 421 ? `The ${BENCH_SEARCH_TERM} on part ${k} means the cached copy is stale. ` : `Turn ${k + 1}: `;
    const input: GenMessage[] = [];
    if (prevResult) input.push({ role: 'tool', content: prevResult.content, toolCallId: prevResult.id });
    if (k % 3 === 0) input.push({ role: 'user', content: text(r, 1024, 1900, `Follow-up ${k / 3 + 1}: `) });
    const rateLimited = isRateLimitTurn(k);
    const turn: GenStep = { n, id: turnId, parentId: 'run', kind: 'agent', name: `Step ${k + 1}`, start: s, end: s + 10 + llmDur + toolDur + 20, status: 'ok', turn: k };
    yield turn;
    if (++n >= steps) return;
    const llm: GenStep = {
      n, id: `llm-${k}`, parentId: turnId, kind: 'llm', name: 'chat', start: s + 10, end: s + 10 + llmDur, status: rateLimited ? 'error' : 'ok', turn: k, model: MODEL,
      usage: { inputTokens: 1200 + Math.floor(r() * 3000), outputTokens: 200 + Math.floor(r() * 400) },
      input,
      output: { role: 'assistant', content: text(r, 1024, 1900, lead), toolCalls: [call] },
      ...(rateLimited ? { error: { type: 'RateLimitError', message: 'Error code: 429 - rate limit exceeded for gpt-4o, retried after 2s' } } : {}),
    };
    yield llm;
    if (++n >= steps) return;
    const failed = isTimeoutTurn(k) || isToolErrorTurn(k);
    const result = failed ? undefined : text(r, 200, 800, `${call.name} returned: `);
    yield {
      n, id: `tool-${k}`, parentId: turnId, kind: 'tool', name: call.name, start: s + 20 + llmDur, end: s + 20 + llmDur + toolDur, status: failed ? 'error' : 'ok', turn: k,
      toolCall: call, result,
      ...(isTimeoutTurn(k) ? { error: { type: 'TimeoutError', message: `${call.name} timed out after 30s` } } : {}),
      ...(isToolErrorTurn(k) ? { error: {
        type: 'FileNotFoundError', message: `[Errno 2] No such file or directory: 'src/pkg_${k % 97}/module_${k}.py'`,
        stack: `Traceback (most recent call last):\n  File "/app/agent/tools.py", line 212, in forward\n    return self.run(**kwargs)\n  File "/app/agent/tools.py", line 88, in run\n    with open(path) as f:\nFileNotFoundError: [Errno 2] No such file or directory: 'src/pkg_${k % 97}/module_${k}.py'`,
      } } : {}),
    };
    prevResult = { id: call.id, content: result ?? `Error: ${call.name} failed` };
    n++;
  }
}

// ---------------------------------------------------------------------------------------------
// agent-trace/v1 JSONL

function jsonlMessage(m: GenMessage): Record<string, unknown> {
  return { role: m.role, content: m.content, ...(m.toolCallId ? { toolCallId: m.toolCallId } : {}), ...(m.toolCalls ? { toolCalls: m.toolCalls } : {}) };
}

function* jsonlChunks(steps: number, seed: number): Generator<string> {
  yield JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: `bench-${steps}`, title: `Generated run of ${steps} steps`, tools: BENCH_TOOLS }) + '\n';
  for (const s of benchSteps(steps, seed)) {
    yield JSON.stringify({
      type: 'step', id: s.id, parentId: s.parentId, kind: s.kind, name: s.name, status: s.status, startTime: s.start, endTime: s.end,
      ...(s.model ? { model: s.model } : {}),
      ...(s.usage ? { usage: s.usage } : {}),
      ...(s.input ? { input: { messages: s.input.map(jsonlMessage) } } : {}),
      ...(s.output ? { output: { messages: [jsonlMessage(s.output)] } } : {}),
      ...(s.toolCall ? { toolCall: s.toolCall } : {}),
      ...(s.result !== undefined ? { output: { value: s.result } } : {}),
      ...(s.error ? { error: s.error } : {}),
    }) + '\n';
  }
}

// ---------------------------------------------------------------------------------------------
// OTLP JSON, GenAI semantic conventions (gen_ai.operation.name, gen_ai.input.messages, ...)

const spanIdOf = (n: number): string => (n + 1).toString(16).padStart(16, '0');
const nanos = (ms: number): string => `${ms}000000`;

function kv(key: string, value: string | number | string[]): Record<string, unknown> {
  if (Array.isArray(value)) return { key, value: { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } };
  return { key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } };
}

function genAiParts(m: GenMessage): Record<string, unknown> {
  const parts: Record<string, unknown>[] = [];
  if (m.role === 'tool') parts.push({ type: 'tool_call_response', id: m.toolCallId, response: m.content });
  else parts.push({ type: 'text', content: m.content });
  for (const c of m.toolCalls ?? []) parts.push({ type: 'tool_call', id: c.id, name: c.name, arguments: c.arguments });
  return { role: m.role, parts, ...(m.role === 'assistant' ? { finish_reason: 'tool_call' } : {}) };
}

function otlpSpan(s: GenStep, parentN: Map<string, number>): Record<string, unknown> {
  const attrs: Record<string, unknown>[] = [];
  let name: string;
  if (s.kind === 'agent') {
    name = `invoke_agent ${s.name}`;
    attrs.push(kv('gen_ai.operation.name', 'invoke_agent'), kv('gen_ai.agent.name', s.name));
    if (s.input) attrs.push(kv('gen_ai.input.messages', JSON.stringify(s.input.map(genAiParts))));
  } else if (s.kind === 'llm') {
    name = `chat ${s.model}`;
    attrs.push(kv('gen_ai.operation.name', 'chat'), kv('gen_ai.system', 'openai'), kv('gen_ai.request.model', s.model!), kv('gen_ai.response.model', s.model!),
      kv('gen_ai.usage.input_tokens', s.usage!.inputTokens), kv('gen_ai.usage.output_tokens', s.usage!.outputTokens),
      kv('gen_ai.input.messages', JSON.stringify(s.input!.map(genAiParts))));
    if (s.status === 'ok') attrs.push(kv('gen_ai.output.messages', JSON.stringify([genAiParts(s.output!)])), kv('gen_ai.response.finish_reasons', ['tool_call']));
  } else {
    name = `execute_tool ${s.toolCall!.name}`;
    attrs.push(kv('gen_ai.operation.name', 'execute_tool'), kv('gen_ai.tool.name', s.toolCall!.name), kv('gen_ai.tool.call.id', s.toolCall!.id),
      kv('gen_ai.tool.call.arguments', JSON.stringify(s.toolCall!.arguments)));
    if (s.result !== undefined) attrs.push(kv('gen_ai.tool.call.result', s.result));
  }
  if (s.error) attrs.push(kv('error.type', s.error.type));
  const parent = s.parentId === null ? undefined : parentN.get(s.parentId);
  return {
    traceId: TRACE_ID, spanId: spanIdOf(s.n), ...(parent !== undefined ? { parentSpanId: spanIdOf(parent) } : {}),
    name, kind: s.kind === 'llm' ? 3 : 1, startTimeUnixNano: nanos(s.start), endTimeUnixNano: nanos(s.end), attributes: attrs,
    events: s.error ? [{ name: 'exception', timeUnixNano: nanos(s.end), attributes: [kv('exception.type', s.error.type), kv('exception.message', s.error.message), ...(s.error.stack ? [kv('exception.stacktrace', s.error.stack)] : [])] }] : [],
    status: s.error ? { code: 2, message: `${s.error.type}: ${s.error.message}` } : { code: 1 },
  };
}

/**
 * The run's spans as OTLP JSON: in decision order (parents first), or `ended`: each span when it
 * ends, as batch span processors export them (a turn's model and tool calls, then the turn; the
 * run's root last). Only the open agent spans wait (the root and one turn), not the run.
 */
const OTLP_RESOURCE = { attributes: [kv('service.name', 'research-agent'), kv('telemetry.sdk.name', 'opentelemetry'), kv('telemetry.sdk.language', 'python')] };
const OTLP_SCOPE = { name: 'opentelemetry.instrumentation.openai_v2', version: '2.1b0' };
/** A request's text before its spans, and after them. */
const OTLP_REQUEST_OPEN = `{"resourceSpans":[{"resource":${JSON.stringify(OTLP_RESOURCE)},"scopeSpans":[{"scope":${JSON.stringify(OTLP_SCOPE)},"spans":[`;
const OTLP_REQUEST_CLOSE = ']}]}]}';
/** Spans per line of OTLP JSON lines (a collector's batch). */
const OTLP_BATCH_SPANS = 512;

/** The spans' JSON, in decision order, or (`ended`) as each span ends: children first. */
function* otlpSpanTexts(steps: number, seed: number, ended: boolean): Generator<string> {
  // Only agent steps are parents: remember their positions (root and turns), not every step's.
  const parentN = new Map<string, number>();
  /** With `ended`: the agent spans still open, root first, with their depth. */
  const open: { depth: number; json: string }[] = [];
  for (const s of benchSteps(steps, seed)) {
    if (s.kind === 'agent') {
      if (s.turn >= 1) parentN.delete(`turn-${s.turn - 1}`);
      parentN.set(s.id, s.n);
    }
    const json = JSON.stringify(otlpSpan(s, parentN));
    if (!ended) { yield json; continue; }
    // The root is at depth 0, turns at 1, their calls at 2: a span closes the open ones as deep.
    const depth = s.kind !== 'agent' ? 2 : s.parentId === null ? 0 : 1;
    while (open.length && open[open.length - 1].depth >= depth) yield open.pop()!.json;
    if (s.kind === 'agent') open.push({ depth, json });
    else yield json;
  }
  while (open.length) yield open.pop()!.json;
}

function* otlpChunks(steps: number, seed: number, ended = false): Generator<string> {
  yield `${OTLP_REQUEST_OPEN}\n`;
  let first = true;
  for (const json of otlpSpanTexts(steps, seed, ended)) {
    yield (first ? '' : ',\n') + json;
    first = false;
  }
  yield `\n${OTLP_REQUEST_CLOSE}\n`;
}

/** OTLP JSON lines as the collector's file exporter writes them: a request per batch of spans, spans as they end. */
function* otlpLineChunks(steps: number, seed: number, spans = otlpSpanTexts(steps, seed, true)): Generator<string> {
  let batch: string[] = [];
  for (const json of spans) {
    batch.push(json);
    if (batch.length < OTLP_BATCH_SPANS) continue;
    yield `${OTLP_REQUEST_OPEN}${batch.join(',')}${OTLP_REQUEST_CLOSE}\n`;
    batch = [];
  }
  if (batch.length) yield `${OTLP_REQUEST_OPEN}${batch.join(',')}${OTLP_REQUEST_CLOSE}\n`;
}

/**
 * A live trace's next turn, as two lines of OTLP JSON lines an exporter appends as spans end: the
 * turn's model and tool calls (their turn not yet written), then the turn itself, a parent after
 * its children, under the run's root. `traceId`: the run it continues; `k`: which turn appended
 * (ids and times after the generated ones).
 */
export function benchOtlpNextTurnLines(traceId: string, k: number): [string, string] {
  const start = Date.UTC(2030, 0, 1) + k * 60_000;
  const id = (part: number): string => `ffff${(3 * k + part).toString(16).padStart(12, '0')}`;
  const span = (part: number, parent: string, name: string, from: number, to: number, attributes: Record<string, unknown>[]): Record<string, unknown> => ({
    traceId, spanId: id(part), parentSpanId: parent, name, kind: 1, startTimeUnixNano: nanos(start + from), endTimeUnixNano: nanos(start + to), attributes, events: [], status: { code: 1 },
  });
  const turn = id(0);
  const call = { id: `call_next_${k}`, name: 'web_search', arguments: { query: `next turn ${k}` } };
  const calls = [
    span(1, turn, 'chat gpt-4o-2024-08-06', 10, 900, [kv('gen_ai.operation.name', 'chat'), kv('gen_ai.request.model', 'gpt-4o-2024-08-06'),
      kv('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `Go on with turn ${k}.` }] }])),
      kv('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', ...call }], finish_reason: 'tool_call' }]))]),
    span(2, turn, 'execute_tool web_search', 910, 1500, [kv('gen_ai.operation.name', 'execute_tool'), kv('gen_ai.tool.name', call.name), kv('gen_ai.tool.call.id', call.id),
      kv('gen_ai.tool.call.arguments', JSON.stringify(call.arguments)), kv('gen_ai.tool.call.result', `results for turn ${k}`)]),
  ];
  const parent = span(0, spanIdOf(0), `invoke_agent Step next ${k}`, 0, 1510, [kv('gen_ai.operation.name', 'invoke_agent'), kv('gen_ai.agent.name', `Step next ${k}`)]);
  const line = (spans: unknown[]): string => `${OTLP_REQUEST_OPEN}${spans.map((x) => JSON.stringify(x)).join(',')}${OTLP_REQUEST_CLOSE}\n`;
  return [line(calls), line([parent])];
}

/** Runs of BENCH_RUN_SPANS spans one after another, each with a trace id of its own, each span as it ends. */
function* otlpRunSpanTexts(steps: number, seed: number): Generator<string> {
  for (let run = 0, left = steps; left > 0; run++, left -= BENCH_RUN_SPANS) {
    const field = `"traceId":"${benchRunTraceId(run)}"`;
    for (const json of otlpSpanTexts(Math.min(BENCH_RUN_SPANS, left), seed + run, true)) yield json.replace(`"traceId":"${TRACE_ID}"`, field);
  }
}

/** The trace id of run `run` of `otlp-runs`. */
export function benchRunTraceId(run: number): string {
  return `${run.toString(16).padStart(8, '0')}${TRACE_ID.slice(8)}`;
}

// ---------------------------------------------------------------------------------------------
// TRAIL-shaped span tree (Patronus export of smolagents runs, OpenInference attributes)

const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');
const isoDuration = (ms: number): string => `PT${(ms / 1000).toFixed(6)}S`;
const TRAIL_RESOURCE = { 'service.name': 'bench-samples/app:Bench', 'telemetry.sdk.language': 'python', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.30.0' };

function trailAttributes(s: GenStep): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  if (s.kind === 'agent') {
    a['openinference.span.kind'] = s.parentId === null ? 'AGENT' : 'CHAIN';
    if (s.input) a['input.value'] = JSON.stringify({ task: s.input[0].content });
  } else if (s.kind === 'llm') {
    a['openinference.span.kind'] = 'LLM';
    a['llm.model_name'] = s.model;
    a['llm.token_count.prompt'] = String(s.usage!.inputTokens);
    a['llm.token_count.completion'] = String(s.usage!.outputTokens);
    a['llm.token_count.total'] = String(s.usage!.inputTokens + s.usage!.outputTokens);
    a['llm.invocation_parameters'] = '{"max_completion_tokens": 8192}';
    s.input!.forEach((m, i) => {
      a[`llm.input_messages.${i}.message.role`] = m.role;
      a[`llm.input_messages.${i}.message.content`] = m.content;
      if (m.toolCallId) a[`llm.input_messages.${i}.message.tool_call_id`] = m.toolCallId;
    });
    if (s.status === 'ok') {
      const o = s.output!;
      a['llm.output_messages.0.message.role'] = 'assistant';
      a['llm.output_messages.0.message.content'] = o.content;
      (o.toolCalls ?? []).forEach((c, j) => {
        a[`llm.output_messages.0.message.tool_calls.${j}.tool_call.id`] = c.id;
        a[`llm.output_messages.0.message.tool_calls.${j}.tool_call.function.name`] = c.name;
        a[`llm.output_messages.0.message.tool_calls.${j}.tool_call.function.arguments`] = JSON.stringify(c.arguments);
      });
    }
  } else {
    const def = BENCH_TOOLS.find((t) => t.name === s.toolCall!.name)!;
    a['openinference.span.kind'] = 'TOOL';
    a['tool.name'] = s.toolCall!.name;
    a['tool.description'] = def.description;
    a['tool.parameters'] = JSON.stringify(def.parameters.properties);
    a['input.value'] = JSON.stringify({ args: [], sanitize_inputs_outputs: true, kwargs: s.toolCall!.arguments });
    if (s.result !== undefined) a['output.value'] = s.result;
  }
  a['pat.app'] = 'Bench';
  a['pat.project.name'] = 'bench-samples';
  return a;
}

/** One span's JSON without its closing brace, ending in `"child_spans":[` (children follow). */
function trailSpanOpen(s: GenStep, parentN: number | null): string {
  const head = JSON.stringify({
    timestamp: iso(s.start), trace_id: TRACE_ID, span_id: spanIdOf(s.n), parent_span_id: parentN === null ? null : spanIdOf(parentN), trace_state: '',
    span_name: s.kind === 'llm' ? 'LiteLLMModel.__call__' : s.kind === 'tool' ? `${s.toolCall!.name}Tool` : s.parentId === null ? 'CodeAgent.run' : s.name,
    span_kind: 'Internal', service_name: TRAIL_RESOURCE['service.name'], resource_attributes: TRAIL_RESOURCE,
    scope_name: 'openinference.instrumentation.smolagents', scope_version: '0.1.6',
    span_attributes: trailAttributes(s), duration: isoDuration(s.end - s.start),
    status_code: s.status === 'error' ? 'Error' : 'Ok', status_message: s.error ? `${s.error.type}: ${s.error.message}` : '',
    events: s.error ? [{ Timestamp: iso(s.end).replace('Z', ''), Name: 'exception', Attributes: { 'exception.escaped': 'False', 'exception.message': s.error.message, 'exception.type': s.error.type, 'exception.stacktrace': s.error.stack ?? `Traceback (most recent call last):\n${s.error.type}: ${s.error.message}` } }] : [],
    links: [], logs: [],
  });
  return `${head.slice(0, -1)},"child_spans":[`;
}

function* trailChunks(steps: number, seed: number): Generator<string> {
  yield `{"trace_id":"${TRACE_ID}","spans":[`;
  let openTurn = false;
  let childrenInTurn = 0;
  let turnsWritten = 0;
  let turnN = 0;
  for (const s of benchSteps(steps, seed)) {
    if (s.parentId === null) { yield trailSpanOpen(s, null); continue; }
    if (s.kind === 'agent') {
      if (openTurn) yield ']}';
      yield (turnsWritten++ ? ',' : '') + '\n' + trailSpanOpen(s, 0);
      openTurn = true;
      childrenInTurn = 0;
      turnN = s.n;
      continue;
    }
    yield (childrenInTurn++ ? ',' : '') + trailSpanOpen(s, turnN) + ']}';
  }
  if (openTurn) yield ']}';
  yield ']}]}\n';
}

/** The file's text as chunks, in order. */
export function benchTraceChunks(format: BenchFormat, steps: number, seed = 42): Generator<string> {
  if (format === 'jsonl') return jsonlChunks(steps, seed);
  if (format === 'otlp' || format === 'otlp-ended') return otlpChunks(steps, seed, format === 'otlp-ended');
  if (format === 'otlp-runs') return otlpLineChunks(steps, seed, otlpRunSpanTexts(steps, seed));
  return format === 'otlp-lines' ? otlpLineChunks(steps, seed) : trailChunks(steps, seed);
}

/** The whole text (small sizes only: tests). */
export function benchTraceText(format: BenchFormat, steps: number, seed = 42): string {
  const key = `${format} ${steps} ${seed}`;
  let text = recentTexts.get(key);
  if (text === undefined) {
    text = [...benchTraceChunks(format, steps, seed)].join('');
    if (recentTexts.size >= RECENT_TEXTS) recentTexts.delete(recentTexts.keys().next().value!);
  } else recentTexts.delete(key);
  recentTexts.set(key, text);
  return text;
}

/**
 * The texts made last (the same arguments give the same text): tests in one file often ask for
 * the same run again, and 40,000 steps took 0.9 s to make each time. A few only, the most
 * recently asked for, so that a test process does not keep hundreds of MB of them.
 */
const RECENT_TEXTS = 4;
const recentTexts = new Map<string, string>();

/** Stream the trace to `path` in ~1 MB writes, waiting for the stream to drain. Resolves to the bytes written. */
export async function writeBenchTrace(path: string, format: BenchFormat, steps: number, seed = 42): Promise<number> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.on('error', (e) => reject(new Error(`cannot write ${path}: ${e.message}`))));
  failed.catch(() => undefined);
  let bytes = 0;
  let buffer: string[] = [];
  let buffered = 0;
  const flush = async (): Promise<void> => {
    const chunk = buffer.join('');
    buffer = [];
    buffered = 0;
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await Promise.race([new Promise<void>((resolve) => out.once('drain', () => resolve())), failed]);
  };
  for (const c of benchTraceChunks(format, steps, seed)) {
    buffer.push(c);
    buffered += c.length;
    if (buffered >= 1 << 20) await flush();
  }
  await flush();
  await Promise.race([new Promise<void>((resolve) => out.end(() => resolve())), failed]);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// The same run as the canonical model, without a file: for sizes whose file cannot be opened as
// one string today (10^6 steps is over 1 GB), so the engine behind the editor can still be measured.

/** The run as the agent-trace/v1 importer builds it from the JSONL (ids, tree, payloads, times); no source locations. */
export function benchTraceModel(steps: number, seed = 42): Trace {
  const out: Step[] = [];
  for (const s of benchSteps(steps, seed)) {
    const step: Step = {
      id: s.id, sourceId: s.id, parentId: s.parentId, index: s.n, depth: s.parentId === null ? 0 : s.kind === 'agent' ? 1 : 2,
      kind: s.kind, name: s.name, startTime: s.start, endTime: s.end, status: s.status, attributes: {},
    };
    if (s.model) step.model = s.model;
    if (s.usage) step.usage = { ...s.usage };
    if (s.input) step.input = { messages: s.input.map(canonicalMessage) };
    if (s.output) step.output = { messages: [canonicalMessage(s.output)] };
    if (s.toolCall) step.toolCall = { ...s.toolCall };
    if (s.result !== undefined) step.output = { value: s.result };
    if (s.error) step.error = { ...s.error };
    out.push(step);
  }
  return {
    id: `bench-${steps}`, title: `Generated run of ${steps} steps`, source: { format: 'agent-trace-jsonl', path: BENCH_FILE_NAMES.jsonl(steps), sha256: '0'.repeat(64) },
    startTime: out[0]?.startTime ?? null, tools: BENCH_TOOLS, steps: out, labels: [], metadata: {},
  };
}

function canonicalMessage(m: GenMessage): ChatMessage {
  return { role: m.role, content: m.content, ...(m.toolCallId ? { toolCallId: m.toolCallId } : {}), ...(m.toolCalls ? { toolCalls: m.toolCalls.map((c) => ({ ...c })) } : {}) };
}

/**
 * A workspace of `count` small trace files in `folder` (created): 10 to 100 steps each, mostly
 * agent-trace/v1, one in five OTLP, one in ten TRAIL. What `npm run bench` analyses through the
 * trace worker and `npm run bench:view` lists in the Agent Traces view.
 */
export function writeBenchWorkspace(folder: string, count: number): { paths: string[]; bytes: number } {
  mkdirSync(folder, { recursive: true });
  const paths: string[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const format: BenchFormat = i % 10 === 3 ? 'trail' : i % 5 === 1 ? 'otlp' : 'jsonl';
    const steps = 10 + ((i * 7919) % 91);
    const p = join(folder, `run-${String(i).padStart(4, '0')}-${BENCH_FILE_NAMES[format](steps)}`);
    const text = benchTraceText(format, steps, i + 1);
    writeFileSync(p, text);
    bytes += Buffer.byteLength(text);
    paths.push(p);
  }
  return { paths, bytes };
}
