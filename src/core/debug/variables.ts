/**
 * The Variables view of the trace debugger, as plain data: the scopes of a step (Step, Input
 * messages, Output, Tool call, Error, Findings, Tags and corrections, So far) and handles
 * (`variablesReference`) that expand lazily and page (`indexedVariables`, start/count). Nothing is
 * built before the client asks for it, so a step with 10^4 messages or a trace with 10^6 steps
 * costs only the page shown. Shapes follow DAP's Variable; no DAP library is needed here.
 */
import type { Step } from '../model/schema';
import { formatValue } from './expression';
import type { TraceDebugRuntime } from './runtime';

/** A DAP Variable, structurally. */
export interface DebugVariable {
  name: string;
  value: string;
  type?: string;
  variablesReference: number;
  indexedVariables?: number;
  namedVariables?: number;
  evaluateName?: string;
}

export interface DebugScope {
  name: string;
  variablesReference: number;
  namedVariables?: number;
  indexedVariables?: number;
  expensive: boolean;
}

/** A node whose children are computed when expanded: named entries, or a paged list. */
export class Group {
  constructor(
    readonly summary: string,
    readonly named: () => readonly Entry[] = () => [],
    readonly indexed?: { length: number; item: (i: number) => Entry },
  ) {}
}

export interface Entry {
  name: string;
  value: unknown;
  evaluateName?: string;
}

const VALUE_CHARS = 200;

/** Handles for one stop: `reset()` when the debuggee moves (DAP: references are valid only while stopped). */
export class VariableStore {
  private handles: unknown[] = [];

  reset(): void {
    this.handles = [];
  }

  /** A reference for an expandable value (0 for a plain one). */
  ref(value: unknown): number {
    if (!isExpandable(value)) return 0;
    this.handles.push(value);
    return this.handles.length;
  }

  has(ref: number): boolean {
    return ref >= 1 && ref <= this.handles.length;
  }

  /** The children of a reference, paged: `filter` 'indexed' or 'named' (both when absent), `start`/`count` within that kind. */
  variables(ref: number, filter?: 'indexed' | 'named', start = 0, count = 0): DebugVariable[] {
    if (!this.has(ref)) throw new Error(`variablesReference ${ref} is not valid now (references last until the next step)`);
    const value = this.handles[ref - 1];
    const page = <T>(list: readonly T[]): readonly T[] => (count > 0 ? list.slice(start, start + count) : start > 0 ? list.slice(start) : list);
    const out: DebugVariable[] = [];
    if (value instanceof Group) {
      if (filter !== 'indexed') out.push(...page(value.named()).map((e) => this.variable(e)));
      if (filter !== 'named' && value.indexed) {
        const { length, item } = value.indexed;
        const end = count > 0 ? Math.min(length, start + count) : length;
        for (let i = filter === 'indexed' ? start : 0; i < end; i++) out.push(this.variable(item(i)));
      }
      return out;
    }
    if (Array.isArray(value)) {
      if (filter === 'named') return [];
      const end = count > 0 ? Math.min(value.length, start + count) : value.length;
      for (let i = start; i < end; i++) out.push(this.variable({ name: String(i), value: value[i] }));
      return out;
    }
    if (filter === 'indexed') return [];
    return page(Object.keys(value as object)).map((k) => this.variable({ name: k, value: (value as Record<string, unknown>)[k] }));
  }

  /** A value as a DAP Variable, with a reference when it expands. */
  variable(e: Entry): DebugVariable {
    const v = e.value;
    const variablesReference = this.ref(v);
    const extra: Partial<DebugVariable> = {};
    if (v instanceof Group) {
      if (v.indexed) extra.indexedVariables = v.indexed.length;
    } else if (Array.isArray(v)) {
      extra.indexedVariables = v.length;
    }
    return {
      name: e.name,
      value: v instanceof Group ? v.summary : formatValue(v, VALUE_CHARS),
      type: typeOf(v),
      variablesReference,
      ...extra,
      ...(e.evaluateName ? { evaluateName: e.evaluateName } : {}),
    };
  }
}

function isExpandable(v: unknown): boolean {
  if (v instanceof Group) return true;
  if (Array.isArray(v)) return v.length > 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0;
}

function typeOf(v: unknown): string {
  if (v instanceof Group) return 'group';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Step fields an expression can name as they are (`evaluateName`: what Add to Watch and Copy as Expression use). */
const STEP_FIELDS = new Set(['kind', 'status', 'name', 'id', 'sourceId', 'depth', 'model', 'finishReason', 'usage', 'durationMs', 'availableTools', 'attributes']);

/** Named entries for the defined fields of an object, in the order given; `prefix` makes their evaluateName (`toolCall.` + name). */
function fields(obj: Record<string, unknown>, prefix?: string): Entry[] {
  return Object.entries(obj).filter(([, v]) => v !== undefined).map(([name, value]) => {
    const evaluateName = prefix !== undefined ? `${prefix}${name}` : STEP_FIELDS.has(name) ? name : undefined;
    return { name, value, ...(evaluateName ? { evaluateName } : {}) };
  });
}

function list<T>(summary: string, items: readonly T[], entry: (item: T, i: number) => Entry): Group {
  return new Group(summary, () => [], { length: items.length, item: (i) => entry(items[i], i) });
}

function iso(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** The scopes of the step at `position`: Step and So far always, the others when the step has them. */
export function stepScopes(rt: TraceDebugRuntime, position: number): { name: string; group: Group; expensive?: boolean }[] {
  const s = rt.wholeStep(position);
  const out: { name: string; group: Group; expensive?: boolean }[] = [{ name: 'Step', group: stepGroup(rt, s) }];
  const inMessages = s.input?.messages ?? [];
  if (inMessages.length || s.input?.value !== undefined) {
    out.push({ name: 'Input messages', group: payloadGroup(s.input, 'input', inMessages.length ? plural(inMessages.length, 'message') : 'value') });
  }
  if (s.output?.messages?.length || s.output?.value !== undefined) {
    out.push({ name: 'Output', group: payloadGroup(s.output, 'output', s.output.messages?.length ? plural(s.output.messages.length, 'message') : 'value') });
  }
  if (s.toolCall) {
    const tc = s.toolCall;
    out.push({ name: 'Tool call', group: new Group(tc.name, () => fields({ name: tc.name, id: tc.id, arguments: tc.arguments, result: s.output?.value, error: s.error?.message })) });
  }
  if (s.error) {
    const err = s.error;
    out.push({ name: 'Error', group: new Group(err.message, () => fields({ type: err.type, message: err.message, stack: err.stack }, 'error.')) });
  }
  const findings = rt.findingsAt(position);
  if (findings.length) {
    out.push({ name: 'Findings', group: list(plural(findings.length, 'finding'), findings, (f, i) => ({
      name: String(i), value: { category: f.category, categoryName: rt.categoryName(f.category), rule: f.rule, evidence: f.evidence, ...(f.impact ? { impact: f.impact } : {}) }, evaluateName: `findings[${i}]`,
    })) });
  }
  const tags = rt.tagsAt(position);
  const entries = rt.sidecarEntriesAt(position);
  const correction = rt.correctionAt(position);
  if (tags.length || entries.length || correction) {
    out.push({ name: 'Tags and corrections', group: new Group(plural(tags.length, 'tag'), () => [
      { name: 'tags', value: tags.map((t) => ({ ...t, categoryName: rt.categoryName(t.category) })) },
      ...(entries.length ? [{ name: 'sidecar entries', value: entries }] : []),
      ...(correction ? [{ name: 'correction', value: correction }] : []),
    ]) });
  }
  out.push({ name: 'So far', group: soFarGroup(rt, position), expensive: true });
  return out;
}

function stepGroup(rt: TraceDebugRuntime, s: Step): Group {
  return new Group(`${s.kind} ${s.name}`, () => {
    const parent = rt.index.parentOf(s.index);
    return fields({
      kind: s.kind, status: s.status, name: s.name, id: s.id, sourceId: s.sourceId, position: s.index, depth: s.depth,
      parent: parent >= 0 ? `${rt.index.step(parent).kind} ${rt.index.step(parent).name}` : undefined,
      model: s.model, finishReason: s.finishReason,
      startTime: iso(s.startTime), endTime: iso(s.endTime),
      durationMs: s.startTime !== null && s.endTime !== null ? s.endTime - s.startTime : undefined,
      usage: s.usage, cost: s.usage?.cost,
      availableTools: s.availableTools,
      attributes: Object.keys(s.attributes).length ? s.attributes : undefined,
      location: s.location ? `lines ${s.location.line}-${s.location.endLine}` : undefined,
    });
  });
}

function payloadGroup(p: Step['input'], key: 'input' | 'output', summary: string): Group {
  const messages = p?.messages ?? [];
  return new Group(summary, () => (p?.value !== undefined ? [{ name: 'value', value: p.value, evaluateName: key }] : []), {
    length: messages.length,
    item: (i) => ({ name: String(i), value: messages[i], ...(key === 'input' ? { evaluateName: `messages[${i}]` } : {}) }),
  });
}

function soFarGroup(rt: TraceDebugRuntime, position: number): Group {
  const so = rt.soFar(position);
  const stepName = (k: number): string => `#${k} ${rt.index.step(k).kind} ${rt.index.step(k).name}`;
  return new Group(`${plural(position + 1, 'step')}, ${plural(so.failures.count, 'failure')}`, () => {
    const entries: Entry[] = [];
    if (so.lastModelCall !== undefined) {
      const m = rt.wholeStep(so.lastModelCall);
      const seen = [...(m.input?.messages ?? []), ...(m.output?.messages ?? [])];
      entries.push({ name: 'conversation', value: list(`${plural(seen.length, 'message')} (${stepName(so.lastModelCall)})`, seen, (msg, i) => ({ name: String(i), value: msg })) });
    }
    entries.push({
      name: 'tool results',
      value: new Group(plural(so.toolSteps.count, 'tool call'), () => [], {
        length: so.toolSteps.count,
        item: (i) => {
          const t = rt.wholeStep(so.toolSteps.list[i]);
          return { name: stepName(t.index), value: { tool: t.toolCall?.name ?? t.name, arguments: t.toolCall?.arguments, status: t.status, ...(t.error ? { error: t.error.message } : { result: t.output?.value ?? t.output?.messages }) } };
        },
      }),
    });
    entries.push({ name: 'inputTokens', value: so.inputTokens }, { name: 'outputTokens', value: so.outputTokens }, { name: 'totalTokens', value: so.inputTokens + so.outputTokens });
    if (so.cost > 0) entries.push({ name: 'cost', value: so.cost });
    entries.push({
      name: 'failures',
      value: new Group(plural(so.failures.count, 'failure'), () => [], {
        length: so.failures.count,
        item: (i) => {
          const k = so.failures.list[i];
          const cats = [...rt.findingsAt(k).map((f) => f.category), ...rt.source.tagsAt(k).map((t) => t.category)];
          return { name: stepName(k), value: cats.length ? [...new Set(cats)].map((c) => rt.categoryName(c)).join(', ') : rt.index.step(k).error?.message ?? 'error status' };
        },
      }),
    });
    return entries;
  });
}
