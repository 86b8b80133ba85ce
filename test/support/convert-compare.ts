/**
 * What a round trip through `agent-trace convert` must keep, as plain comparable values.
 * Documented differences (README, convert section) are left out here and only here:
 *  - both formats: `source` (path, sha256, format id and indexInFile of the converted file),
 *    each step's `location` (its line in the converted file) and `sourceId` (the id as written
 *    in the converted file, which is the step's id);
 *  - OTLP besides: step ids become span ids (hashes of the step ids, mapped here), trace title,
 *    metadata, labels and the source's own attributes are not compared (OTLP keeps the latter
 *    as the `agent_trace.source_attributes` JSON string), and a usage with input and output
 *    tokens but no total gets the sum as its total, and a tool step without an input gets its
 *    call's arguments as input (the OTel importer's reading of `gen_ai.tool.call.arguments`); an empty
 *    list of offered tools reads back as none, and a tool step without a call gets one named
 *    after the step, with no arguments; an empty message list reads back as none.
 */
import type { Step, StepPayload, Trace, Usage } from '../../src/core/model/schema';

/**
 * JSON's view of a value (undefined keys dropped), keys sorted so key order never matters: what
 * JSON.parse(JSON.stringify(v)) gives, made in one pass. The live-read tests compare a whole load
 * after every write, and the round trip through text was most of their time.
 */
export function jsonView(v: unknown): unknown {
  return viewOf(v ?? null);
}

/** What JSON leaves out of an object, and writes as null in an array. */
const unwritten = (x: unknown): boolean => x === undefined || typeof x === 'function' || typeof x === 'symbol';

function viewOf(x: unknown): unknown {
  if (typeof x === 'number') return Number.isFinite(x) ? (Object.is(x, -0) ? 0 : x) : null;
  if (x === null || typeof x !== 'object') return x;
  const toJSON = (x as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return viewOf(toJSON.call(x));
  if (Array.isArray(x)) return Array.from(x, (e) => (unwritten(e) ? null : viewOf(e)));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x).sort()) {
    const e = (x as Record<string, unknown>)[k];
    // A "__proto__" key (trace content may have one) is a key here, as JSON.parse makes it.
    if (unwritten(e)) continue;
    if (k === '__proto__') Object.defineProperty(out, k, { value: viewOf(e), enumerable: true, writable: true, configurable: true });
    else out[k] = viewOf(e);
  }
  return out;
}

export function canonicalComparable(t: Trace): unknown {
  return jsonView({ ...t, source: undefined, steps: t.steps.map((s) => ({ ...s, location: undefined, sourceId: undefined })) });
}

function usageWithTotal(u: Usage | undefined): Usage | undefined {
  if (!u) return u;
  if (u.totalTokens === undefined && u.inputTokens !== undefined && u.outputTokens !== undefined) return { ...u, totalTokens: u.inputTokens + u.outputTokens };
  return u;
}

/** Times to the microsecond: OTLP nanosecond strings come back through a float. */
const micro = (ms: number | null): number | null => (ms === null || ms <= 0 ? null : Math.round(ms * 1000) / 1000);

export function otlpComparable(steps: readonly Step[], spanIdOf: (stepId: string) => string): unknown {
  return jsonView(steps.map((s) => otlpStep(s, spanIdOf)));
}

/** An empty message list says nothing OTLP can carry: it reads back as no messages. */
function payload(p: StepPayload | undefined): StepPayload | undefined {
  if (!p || p.messages?.length !== 0) return p;
  const { messages: _empty, ...rest } = p;
  return Object.keys(rest).length ? rest : undefined;
}

function otlpStep(s: Step, spanIdOf: (stepId: string) => string): unknown {
  const toolCall = s.toolCall ?? (s.kind === 'tool' ? { name: s.name.replace(/^execute_tool\s+/, ''), arguments: {} } : undefined);
  return {
    id: spanIdOf(s.id), parentId: s.parentId === null ? null : spanIdOf(s.parentId), index: s.index, depth: s.depth,
    kind: s.kind, name: s.name, status: s.status, startTime: micro(s.startTime), endTime: micro(s.endTime ?? s.startTime),
    error: s.error, toolCall, usage: usageWithTotal(s.usage), model: s.model, finishReason: s.finishReason,
    availableTools: s.availableTools?.length ? s.availableTools : undefined, input: payload(s.input) ?? (toolCall ? { value: toolCall.arguments } : undefined), output: payload(s.output),
  };
}
