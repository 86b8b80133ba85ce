/**
 * Inspect AI transcript events to draft steps, in one pass.
 *
 * Nesting: newer logs wrap events in spans (`span_begin` with `id`/`parent_id`, every event has
 * `span_id`); a span becomes a step and its events nest under it. A `tool` span and the `tool`
 * event it wraps are one step (the tool step takes the span's id, so the sandbox calls inside the
 * span nest under the tool). 2024 logs use `step` begin/end events instead of spans, and nest
 * sub-events inside `tool`/`subtask` events' `events`; both are followed.
 *
 * Mapping: model -> `llm` (input, output, usage, `error`), tool -> `tool` (`error` marks failure),
 * sample_limit / error events -> error steps, logger error/critical -> error step, everything
 * else -> `other` named after the event. `span_end` and `step` end events only close.
 */
import type { JsonPath } from '../../json/locate';
import type { DraftStep } from '../../model/draft';
import type { ChatMessage, StepKind, ToolCall } from '../../model/schema';
import { toEpochMs } from '../../util/time';
import { asText, isObject } from '../importer';
import { arr, chatRole, contentText, openAiToolCalls, parseArguments, preview, rest, str, usageOf } from './common';
import { setOwn } from '../../util/own-keys';

export type Resolver = (v: unknown) => unknown;

/**
 * Inspect de-duplicates long strings into `attachments` (`attachment://<hash>`; 2024 logs:
 * `transcript.content` with `tc://<hash>`). Resolve them wherever they appear in a value.
 */
export function makeResolver(attachments: Record<string, unknown>): Resolver {
  const resolveString = (s: string): string => {
    const m = /^(?:attachment|tc):\/\/([0-9a-f]+)$/.exec(s);
    if (!m) return s;
    const v = attachments[m[1]];
    return typeof v === 'string' ? v : s;
  };
  const deep = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return v.length < 200 && (v.startsWith('attachment://') || v.startsWith('tc://')) ? resolveString(v) : v;
    if (depth > 8 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => deep(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, deep(x, depth + 1));
    return out;
  };
  return (v) => deep(v, 0);
}

export interface InspectEventOptions {
  path?: JsonPath;
  resolve: Resolver;
  /** Message pool of condensed logs: model events then carry `input_refs` ranges into it. */
  pool: unknown[];
}

const SPAN_KIND: Record<string, StepKind> = { solver: 'agent', solvers: 'agent', agent: 'agent', subtask: 'agent', handoff: 'agent', scorer: 'other', scorers: 'other', init: 'other' };

export function inspectEventsToSteps(events: readonly unknown[], opts: InspectEventOptions): DraftStep[] {
  const steps: DraftStep[] = [];
  const spans = new Map<string, DraftStep>();
  /** Open `tool` spans not yet matched to their tool event, by function name. */
  const openToolSpans: DraftStep[] = [];
  /** Converted messages by source object, so histories repeated in every model event share objects. */
  const converted = new WeakMap<object, ChatMessage>();
  const msg = (m: unknown): ChatMessage => {
    if (isObject(m)) {
      const hit = converted.get(m);
      if (hit) return hit;
      const c = inspectMessage(m, opts.resolve);
      converted.set(m, c);
      return c;
    }
    return { role: 'user', content: asText(m) };
  };
  const poolMessages = (refs: unknown): ChatMessage[] => {
    const out: ChatMessage[] = [];
    for (const r of arr(refs)) {
      if (!Array.isArray(r) || typeof r[0] !== 'number' || typeof r[1] !== 'number') continue;
      for (let k = Math.max(0, r[0]); k < Math.min(r[1], opts.pool.length); k++) out.push(msg(opts.pool[k]));
    }
    return out;
  };
  let stepCounter = 0;
  const stepStack: string[] = [];

  const visit = (list: readonly unknown[], path: JsonPath | undefined, parentOverride: string | null | undefined): void => {
    list.forEach((raw, i) => {
      if (!isObject(raw)) return;
      const e = raw;
      const type = str(e.event) ?? 'event';
      const at = path ? [...path, i] : undefined;
      const time = toEpochMs(e.timestamp);
      const uuid = str(e.uuid);
      const parent = parentOverride !== undefined ? parentOverride : str(e.span_id) ?? stepStack[stepStack.length - 1] ?? null;
      const attributes = rest(e, ['event', 'timestamp', 'span_id', 'uuid', 'input', 'output', 'tools', 'result', 'arguments', 'events', 'input_refs', 'completed']);
      const base = { ...(uuid ? { sourceId: uuid } : {}), parentSourceId: parent, startTime: time, sourcePath: at };

      switch (type) {
        case 'span_begin': {
          const id = str(e.id);
          const spanType = str(e.type) ?? 'span';
          const step: DraftStep = {
            ...base, ...(id ? { sourceId: id } : {}), parentSourceId: str(e.parent_id) ?? null,
            kind: SPAN_KIND[spanType] ?? 'other', name: str(e.name) ?? spanType, status: 'ok', attributes,
          };
          if (spanType === 'tool') { step.kind = 'tool'; step.status = 'unset'; openToolSpans.push(step); }
          steps.push(step);
          if (id) spans.set(id, step);
          return;
        }
        case 'span_end': {
          const s = spans.get(str(e.id) ?? '');
          if (s) {
            s.endTime = time;
            const k = openToolSpans.indexOf(s);
            if (k >= 0) openToolSpans.splice(k, 1);
          }
          return;
        }
        case 'step': {
          // 2024 logs: `step` begin/end pairs (solver, scorer...) instead of spans.
          if (e.action === 'end') {
            const id = stepStack.pop();
            const s = id ? spans.get(id) : undefined;
            if (s) s.endTime = time;
            return;
          }
          const id = `step:${stepCounter++}`;
          const spanType = str(e.type) ?? 'step';
          const step: DraftStep = { ...base, sourceId: id, kind: SPAN_KIND[spanType] ?? 'other', name: str(e.name) ?? spanType, status: 'ok', attributes };
          steps.push(step);
          spans.set(id, step);
          stepStack.push(id);
          return;
        }
        case 'model': {
          const input = e.input_refs !== undefined && e.input_refs !== null && arr(e.input).length === 0 ? poolMessages(e.input_refs) : arr(e.input).map(msg);
          const out = isObject(e.output) ? e.output : {};
          const choices = arr(out.choices);
          const outMessages = choices.map((c) => msg(isObject(c) ? c.message : c));
          const first = isObject(choices[0]) ? choices[0] : {};
          const error = str(e.error);
          const model = str(out.model) ?? str(e.model);
          const usage = usageOf(out.usage);
          const stop = str(first.stop_reason);
          steps.push({
            ...base, kind: 'llm', name: str(e.model) ?? model ?? 'model', status: error ? 'error' : 'ok',
            endTime: toEpochMs(e.completed),
            input: { messages: input }, output: { messages: outMessages },
            availableTools: arr(e.tools).map((t) => (isObject(t) ? str(t.name) : undefined)).filter((n): n is string => !!n),
            ...(model ? { model } : {}), ...(usage ? { usage } : {}), ...(stop ? { finishReason: stop } : {}),
            ...(error ? { error: { message: error, ...(str(e.traceback) ? { stack: str(e.traceback) } : {}) } } : {}),
            attributes,
          });
          return;
        }
        case 'tool': {
          const name = str(e.function) ?? 'tool';
          const args = parseArguments(opts.resolve(e.arguments));
          const call: ToolCall = { name, arguments: args, ...(str(e.id) ? { id: str(e.id) } : {}) };
          const err = isObject(e.error) ? e.error : undefined;
          const result = opts.resolve(e.result);
          const text = contentText(result);
          const isError = err !== undefined || e.failed === true;
          const fields: Partial<DraftStep> = {
            kind: 'tool', name, status: isError ? 'error' : 'ok', toolCall: call,
            input: { value: args },
            output: { value: result, messages: [{ role: 'tool', content: text, name, ...(call.id ? { toolCallId: call.id } : {}), ...(isError ? { isError: true } : {}) }] },
            ...(isError ? { error: { ...(str(err?.type) ? { type: str(err?.type) } : {}), message: str(err?.message) ?? (text || 'tool call failed') } } : {}),
            endTime: toEpochMs(e.completed),
          };
          // The tool span opened for this call: become it (keeps the span's id and children).
          const k = openToolSpans.findIndex((s) => s.name === name);
          let step: DraftStep;
          if (k >= 0) {
            step = openToolSpans[k];
            openToolSpans.splice(k, 1);
            Object.assign(step, fields, { attributes: { ...step.attributes, ...attributes, ...(uuid ? { eventUuid: uuid } : {}) }, sourcePath: at ?? step.sourcePath });
          } else {
            step = { ...base, ...(uuid ? {} : call.id ? { sourceId: call.id } : {}), ...(fields as DraftStep), attributes };
            steps.push(step);
          }
          // 2024 logs nest the tool's own events inside it.
          if (Array.isArray(e.events) && e.events.length) {
            step.sourceId ??= `tool:${stepCounter++}`;
            visit(e.events, at ? [...at, 'events'] : undefined, step.sourceId);
          }
          return;
        }
        case 'subtask': {
          const step: DraftStep = { ...base, sourceId: uuid ?? `subtask:${stepCounter++}`, kind: 'agent', name: str(e.name) ?? 'subtask', status: 'ok', input: { value: opts.resolve(e.input) }, output: { value: opts.resolve(e.result) }, endTime: toEpochMs(e.completed), attributes };
          steps.push(step);
          if (Array.isArray(e.events) && e.events.length) visit(e.events, at ? [...at, 'events'] : undefined, step.sourceId);
          return;
        }
        case 'error': {
          const err = isObject(e.error) ? e.error : {};
          steps.push({ ...base, kind: 'other', name: 'error', status: 'error', error: { message: str(err.message) ?? 'error', ...(str(err.traceback) ? { stack: str(err.traceback) } : {}) }, attributes });
          return;
        }
        case 'sample_limit': {
          steps.push({ ...base, kind: 'other', name: `limit: ${str(e.type) ?? 'limit'}`, status: 'error', error: { type: `${str(e.type) ?? 'sample'}_limit`, message: str(e.message) ?? 'sample limit reached' }, attributes });
          return;
        }
        case 'logger': {
          const m = isObject(e.message) ? e.message : {};
          const level = str(m.level) ?? 'info';
          const bad = level === 'error' || level === 'critical';
          steps.push({ ...base, kind: 'other', name: `log ${level}: ${preview(str(m.message), 40)}`, status: bad ? 'error' : 'ok', output: { value: m.message }, ...(bad ? { error: { message: str(m.message) ?? level } } : {}), attributes });
          return;
        }
        case 'input': {
          steps.push({ ...base, kind: 'message', name: 'input', status: 'ok', input: { messages: [{ role: 'user', content: str(e.input) ?? asText(e.input) }] }, attributes });
          return;
        }
        case 'sample_init': {
          const sample = isObject(e.sample) ? e.sample : {};
          steps.push({ ...base, kind: 'other', name: 'sample init', status: 'ok', input: { value: opts.resolve(sample.input) }, attributes: { ...rest(attributes, ['sample', 'state']), target: sample.target } });
          return;
        }
        case 'score': {
          const score = isObject(e.score) ? e.score : {};
          steps.push({ ...base, kind: 'other', name: `score: ${asText(score.value)}`, status: 'ok', output: { value: e.score }, attributes });
          return;
        }
        case 'sandbox': {
          steps.push({ ...base, kind: 'other', name: `sandbox ${str(e.action) ?? ''}`.trim(), status: 'ok', input: { value: e.cmd ?? e.file }, output: { value: e.output ?? e.result }, endTime: toEpochMs(e.completed), attributes });
          return;
        }
        default:
          // state, store, info, approval, compaction and event types newer than this importer.
          steps.push({ ...base, kind: 'other', name: type, status: 'ok', attributes: { ...attributes, ...(e.output !== undefined ? { output: e.output } : {}) } });
      }
    });
  };
  visit(events, opts.path, undefined);
  return steps;
}

function inspectMessage(m: Record<string, unknown>, resolve: Resolver): ChatMessage {
  const role = chatRole(m.role);
  const content = contentText(resolve(m.content));
  const out: ChatMessage = { role, content };
  if (role === 'assistant') {
    const calls = openAiToolCalls(m);
    if (calls) out.toolCalls = calls.map((c) => ({ ...c, arguments: resolve(c.arguments) }));
  }
  if (role === 'tool') {
    const id = str(m.tool_call_id);
    if (id) out.toolCallId = id;
    const fn = str(m.function);
    if (fn) out.name = fn;
    if (isObject(m.error)) out.isError = true;
  }
  return out;
}
