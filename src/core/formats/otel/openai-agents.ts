/**
 * OpenAI Agents SDK trace export (the SDK's own tracing objects, before any OTel mapping):
 *
 *   {"traces":[{"object":"trace","id":"trace_…","workflow_name":"…","spans":[
 *     {"object":"trace.span","id":"span_…","parent_id":"span_…"|null,"started_at":"…","ended_at":"…",
 *      "span_data":{"type":"agent"|"generation"|"response"|"function"|"handoff"|"guardrail"|"custom",…},
 *      "error":null|{"message","data"}}]}]}
 *
 * Also accepted: the flat list the SDK's backend exporter posts (`{"data":[trace, span, …]}` or an array).
 */
import type { JsonPath } from '../../json/locate';
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { StepKind } from '../../model/schema';
import { toEpochMs } from '../../util/time';
import { UserInputError, jsonPathToString } from '../../util/problems';
import { asText, ImportContext, Importer, isObject } from '../importer';
import { toChatMessages } from './messages';
import { pythonObjectRepr } from './python-repr';
import { maybeJson, num, str, toolArguments } from './values';
import { tokenDetailsOf } from '../token-details';

const KINDS: Record<string, StepKind> = {
  agent: 'agent', generation: 'llm', response: 'llm', function: 'tool', handoff: 'agent',
  guardrail: 'other', custom: 'other', transcription: 'llm', speech: 'llm', mcp_tools: 'other',
};

function isSdkSpan(v: unknown): boolean {
  return isObject(v) && v.object === 'trace.span' && isObject(v.span_data);
}

/** Where the traces and spans are, whatever the wrapper. */
function items(doc: unknown): { traces: { trace?: Record<string, unknown>; path: JsonPath; spans: { span: unknown; path: JsonPath }[] }[] } | undefined {
  if (isObject(doc) && Array.isArray(doc.traces) && doc.traces.some((t) => isObject(t) && t.object === 'trace')) {
    return {
      traces: doc.traces.filter(isObject).map((t, i) => ({
        trace: t, path: ['traces', i],
        spans: Array.isArray(t.spans) ? t.spans.map((span, j) => ({ span, path: ['traces', i, 'spans', j] })) : [],
      })),
    };
  }
  const list = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.data) ? doc.data : undefined;
  if (!list || !list.some((x) => isSdkSpan(x) || (isObject(x) && x.object === 'trace'))) return undefined;
  const base: JsonPath = Array.isArray(doc) ? [] : ['data'];
  const byTrace = new Map<string, { trace?: Record<string, unknown>; path: JsonPath; spans: { span: unknown; path: JsonPath }[] }>();
  list.forEach((x, i) => {
    if (!isObject(x)) return;
    const id = str(x.object === 'trace' ? x.id : x.trace_id) ?? '';
    const g = byTrace.get(id) ?? { path: [...base, i], spans: [] };
    if (x.object === 'trace') g.trace = x;
    else g.spans.push({ span: x, path: [...base, i] });
    byTrace.set(id, g);
  });
  return { traces: [...byTrace.values()] };
}

export const openaiAgentsImporter: Importer = {
  id: 'openai-agents',
  label: 'OpenAI Agents SDK trace export',
  producer: 'openai-agents-python tracing (trace and span objects, span_data per span type)',
  sniff(file: SourceFile): number {
    if (file.isZip || (file.firstChar !== '{' && file.firstChar !== '[')) return 0;
    return items(file.json) ? 0.95 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const found = items(file.requireJson());
    if (!found) throw new UserInputError({ file: file.path, message: 'not an OpenAI Agents SDK export: expected "traces" with "trace.span" objects' });
    return found.traces.map(({ trace, spans }) => {
      const steps: DraftStep[] = [];
      for (const { span, path } of spans) {
        if (!isObject(span) || !isObject(span.span_data)) { ctx.warn({ path: jsonPathToString(path), message: 'span without "span_data"; skipped' }); continue; }
        // A model span's Response repr, read once: its messages, model and usage, and its hosted calls.
        const response = KINDS[String(span.span_data.type ?? '')] === 'llm' ? responseRepr(span) : undefined;
        const step = spanStep(span, span.span_data, path, response);
        steps.push(step, ...hostedCallSteps(response, step, path));
      }
      const title = str(trace?.workflow_name) ?? 'OpenAI Agents trace';
      const metadata: Record<string, unknown> = {};
      if (trace) for (const k of ['group_id', 'metadata']) if (trace[k] !== null && trace[k] !== undefined) metadata[k] = trace[k];
      return { ...(str(trace?.id) ? { id: str(trace?.id) } : {}), title, steps, metadata };
    });
  },
};

/**
 * The Responses API runs hosted tools (web search, file search, code interpreter, image generation,
 * a remote MCP server) inside the model's response: the SDK writes no span for them, only an output
 * item in the response (`ResponseFunctionWebSearch(..., type='web_search_call')`). Each becomes a
 * tool step under its response, so the search the model made is on the timeline. Function calls
 * (`function_call`) are not here: the SDK runs them itself and writes their `function` spans.
 */
const HOSTED_CALLS: Record<string, string> = {
  web_search_call: 'web_search', file_search_call: 'file_search', code_interpreter_call: 'code_interpreter',
  image_generation_call: 'image_generation', mcp_call: 'mcp',
};

/** The span's `Response` repr (what the export keeps of a model's answer), parsed; undefined without one. */
function responseRepr(span: Record<string, unknown>): Record<string, unknown> | undefined {
  return typeof span.span_data_response === 'string' ? pythonObjectRepr(span.span_data_response) : undefined;
}

function hostedCallSteps(repr: Record<string, unknown> | undefined, response: DraftStep, path: JsonPath): DraftStep[] {
  const items = Array.isArray(repr?.output) ? repr.output : [];
  const steps: DraftStep[] = [];
  items.forEach((item, i) => {
    if (!isObject(item) || typeof item.type !== 'string' || !(item.type in HOSTED_CALLS)) return;
    const name = item.type === 'mcp_call' ? str(item.name) ?? 'mcp' : HOSTED_CALLS[item.type];
    const args = withoutClassNames(hostedArguments(item));
    const output = item.type === 'mcp_call' ? maybeJson(item.output) : item.type === 'file_search_call' ? item.results : item.type === 'code_interpreter_call' ? item.outputs : undefined;
    const failed = item.status === 'failed' || (item.type === 'mcp_call' && typeof item.error === 'string' && item.error !== '');
    const step: DraftStep = {
      kind: 'tool', name,
      ...(str(item.id) ? { sourceId: str(item.id) } : {}),
      parentSourceId: response.sourceId ?? null,
      status: failed ? 'error' : item.status === 'completed' ? 'ok' : 'unset',
      // Where it is: in its response span's repr (a string; its output item i).
      sourcePath: path,
      toolCall: { ...(str(item.id) ? { id: str(item.id) } : {}), name, arguments: args },
      input: { value: args },
      attributes: { 'span_data.type': 'response', 'response.output_item.type': item.type, 'response.output_index': i },
    };
    if (output !== undefined && output !== null) step.output = { value: withoutClassNames(output) };
    if (failed) step.error = { message: str(item.error) ?? `${name} ended with status ${str(item.status) ?? 'failed'}` };
    steps.push(step);
  });
  return steps;
}

/** What a hosted call was asked: a web search's action (its query), a file search's queries, the code run, an MCP tool's arguments. */
function hostedArguments(item: Record<string, unknown>): unknown {
  switch (item.type) {
    case 'web_search_call': return item.action ?? {};
    case 'file_search_call': return { queries: item.queries ?? [] };
    case 'code_interpreter_call': return { code: item.code ?? '' };
    case 'mcp_call': return { server: item.server_label, arguments: toolArguments(item.arguments) };
    default: return {};
  }
}

/** A repr's objects carry their Python class (`__class__`): not part of what was asked. */
function withoutClassNames(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutClassNames);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== '__class__') out[k] = withoutClassNames(x);
  return out;
}

function spanStep(span: Record<string, unknown>, data: Record<string, unknown>, path: JsonPath, response: Record<string, unknown> | undefined): DraftStep {
  const type = String(data.type ?? '');
  // Exports flatten some span_data fields next to it as `span_data_<field>` strings (Python reprs).
  const field = (k: string): unknown => data[k] ?? span[`span_data_${k}`];
  const step: DraftStep = {
    kind: KINDS[type] ?? 'other',
    name: str(field('name')) ?? (type === 'handoff' ? `handoff ${str(field('from_agent')) ?? '?'} → ${str(field('to_agent')) ?? '?'}` : type || 'span'),
    sourceId: str(span.id),
    parentSourceId: str(span.parent_id) ?? null,
    startTime: toEpochMs(span.started_at),
    endTime: toEpochMs(span.ended_at),
    status: 'ok',
    sourcePath: path,
    attributes: { 'span_data.type': type },
  };
  const attrs = step.attributes!;
  for (const [k, v] of Object.entries(data)) if (!['type', 'input', 'output', 'name'].includes(k)) attrs[`span_data.${k}`] = v;
  const input = field('input');
  const output = field('output');
  if (step.kind === 'llm') {
    // The export may hold the model's answer only as the repr of its `Response` object, with the
    // system prompt (`instructions`) and the output items in it.
    const instructions = response && typeof response.instructions === 'string' && response.instructions !== '' ? response.instructions : undefined;
    let inMsgs = toChatMessages(maybeJson(input));
    if (inMsgs && instructions && !inMsgs.some((m) => m.role === 'system' || m.role === 'developer')) inMsgs = [{ role: 'system', content: instructions }, ...inMsgs];
    const outMsgs = toChatMessages(maybeJson(output)) ?? (output === undefined && response ? toChatMessages(response) : undefined);
    step.input = inMsgs ? { messages: inMsgs } : input !== undefined ? { value: input } : undefined;
    // The response repr stays beside the messages read from it: nothing the file said is lost.
    step.output = outMsgs ? { messages: outMsgs, ...(output === undefined && response ? { value: span.span_data_response } : {}) } : output !== undefined ? { value: output } : span.span_data_response !== undefined ? { value: span.span_data_response } : undefined;
    // A response span's model and usage are in its Response repr when span_data has none.
    const model = str(data.model) ?? str(response?.model);
    if (model) step.model = model;
    // A model call is named by its model, as other formats' are, rather than by its span type.
    if (model && str(field('name')) === undefined) step.name = model;
    const u = isObject(data.usage) ? data.usage : isObject(response?.usage) ? response.usage : undefined;
    if (u) {
      const inputTokens = num(u.input_tokens) ?? num(u.prompt_tokens);
      const outputTokens = num(u.output_tokens) ?? num(u.completion_tokens);
      const totalTokens = num(u.total_tokens);
      step.usage = { ...(inputTokens !== undefined ? { inputTokens } : {}), ...(outputTokens !== undefined ? { outputTokens } : {}), ...(totalTokens !== undefined ? { totalTokens } : {}), ...tokenDetailsOf(u) };
    }
  } else if (step.kind === 'tool') {
    step.toolCall = { name: step.name, arguments: toolArguments(input) };
    if (input !== undefined) step.input = { value: toolArguments(input) };
    if (output !== undefined) step.output = { value: maybeJson(output) };
  } else {
    if (input !== undefined) step.input = { value: input };
    if (output !== undefined) step.output = { value: output };
  }
  if (isObject(span.error)) {
    step.status = 'error';
    step.error = { message: str(span.error.message) ?? asText(span.error) };
    if (span.error.data !== undefined && span.error.data !== null) attrs['error.data'] = span.error.data;
  }
  if (type === 'guardrail' && data.triggered === true) attrs['guardrail.triggered'] = true;
  return step;
}
