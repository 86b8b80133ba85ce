/**
 * agent-trace-logger: log an agent's run as an `agent-trace/v1` JSONL file, the format the Agent
 * Trace Debugger opens (a file named `*.trace.jsonl` opens in its trace editor, also while it grows).
 *
 * One file, Node built-ins only: copy it into your project. Two lines to start:
 *
 * ```ts
 * import { startTrace } from './agent-trace-logger';
 * const trace = startTrace('runs/agent.trace.jsonl', { title: 'Book a flight' });
 * ```
 *
 * Then one span per thing the agent does; `end` (or `fail`) writes it:
 *
 * ```ts
 * const agent = trace.step('booking-agent');
 * const plan = agent.llm('plan', { model: 'gpt-4o', input: messages });
 * plan.end({ output: [reply], usage: { inputTokens: 412, outputTokens: 38 } });
 * const call = agent.tool('search_flights', { to: 'SFO' }, { callId: 'call_1' });
 * try { call.end({ output: await searchFlights('SFO') }); } catch (e) { call.fail(e); }
 * // or: await agent.tool('search_flights', { to: 'SFO' }).run(() => searchFlights('SFO'));
 * agent.end();
 * trace.end();
 * ```
 *
 * How it writes: the `trace` line when the trace starts, then each step's line when that step
 * ends (so a parent's line comes after its children's), each as one synchronous append of a whole
 * line. A reader following the file never sees half a record except while a write is under way,
 * and concurrent async tasks (or several traces) in one process never interleave partial lines.
 * Several traces logging to one file at the same time take turns: the file holds runs one after
 * another (the format gives each step to the `trace` line above it), so while one trace writes,
 * another trace's lines wait in memory and are written, in order, when the earlier one ends.
 * Steps still open when their trace ends, or when the process exits, are written with status
 * `unset` and no end time.
 *
 * Errors: `startTrace` throws when the file cannot be created or written. A later failed write
 * (a full disk, a deleted folder) does not throw into your agent: it emits one Node warning per
 * trace (`process.emitWarning`) and that line is lost.
 *
 * Redaction: `redact` is called on every string of a record (names, messages, tool arguments and
 * results, errors, attributes, metadata) before the line is written, so a secret it masks never
 * reaches the disk. The record's structure (type, ids, kind, status, times) is not passed to it.
 *
 * The Python twin is loggers/python/agent_trace_logger.py; see loggers/README.md.
 * @packageDocumentation
 */
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/** The format written on the `trace` line. */
export const FORMAT = 'agent-trace/v1';

/** What a step is; `step()` defaults to `agent`, `llm()` and `tool()` set theirs. */
export type StepKind = 'agent' | 'llm' | 'tool' | 'retrieval' | 'message' | 'system' | 'other';

/**
 * Token counts and cost of a step. Provider spellings are accepted too and written in these
 * names: `prompt_tokens` / `input_tokens`, `completion_tokens` / `output_tokens`, `total_tokens`,
 * `cache_read_input_tokens`, `cache_creation_input_tokens`, `reasoning_tokens`. Other numeric
 * keys are kept as attributes `usage.<key>`.
 */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  cost?: number;
}

/** A tool the agent offers the model (the OpenAI `{type:'function', function:{...}}` shape is accepted too). */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: unknown;
}

/**
 * What a step records; every field is optional and can be given when the span starts, with
 * `set`, or at `end` / `fail`.
 *
 * `input` and `output`: an array of chat messages (`{ role, content }`, OpenAI or this format's
 * shape, `tool_calls` and content parts included) is written as messages, which the editor shows
 * as a conversation; anything else (a prompt string, tool arguments, a result object) is written
 * as a value.
 */
export interface StepFields {
  input?: unknown;
  output?: unknown;
  /** The model an `llm` step called. */
  model?: string;
  usage?: Usage | Record<string, unknown>;
  /** The model's finish reason: `stop`, `length`, `tool_calls`... */
  finishReason?: string;
  /** Names of the tools offered to the model in this call. */
  availableTools?: string[];
  /** Anything else, kept as is (merged across calls). */
  attributes?: Record<string, unknown>;
}

/**
 * Called on every string of a record before it is written; returns the text to write instead.
 * `key` is the name of the property holding the string (undefined for array items and top-level
 * names). Example: `(text) => text.replace(/sk-[A-Za-z0-9_-]{8,}/g, 'sk-***')`.
 */
export type Redact = (text: string, key: string | undefined) => string;

export interface TraceOptions {
  /** Shown as the run's title; default: its id. */
  title?: string;
  /** The run's id; default `run-<UTC time>-<random>`. */
  id?: string;
  /** The tools the agent can call: the editor checks tool calls against their parameters. */
  tools?: (ToolDefinition | { type: 'function'; function: ToolDefinition })[];
  /** Facts about the run: the task, the model, a dataset id... */
  metadata?: Record<string, unknown>;
  redact?: Redact;
}

/** Spans that can hold child spans: a trace (top-level steps) and every span. */
abstract class SpanParent {
  /** @internal */
  protected abstract readonly owner: Trace;
  /** @internal */
  protected abstract readonly parentIdForChildren: string | null;

  /** Start a step of any kind (default `agent`): an agent, a sub-agent, a plan, a turn. */
  step(name: string, fields: StepFields & { kind?: StepKind } = {}): Span {
    const { kind, ...rest } = fields;
    return this.owner.open(kind ?? 'agent', name, this.parentIdForChildren, rest, undefined);
  }

  /** Start a model call. */
  llm(name: string, fields: StepFields = {}): Span {
    return this.owner.open('llm', name, this.parentIdForChildren, fields, undefined);
  }

  /**
   * Start a tool call. `args` are its arguments; `callId` is the id the model gave the call
   * (OpenAI `tool_call_id`), which links it to the model message that asked for it.
   */
  tool(name: string, args?: unknown, fields: StepFields & { callId?: string } = {}): Span {
    const { callId, ...rest } = fields;
    return this.owner.open('tool', name, this.parentIdForChildren, rest, { ...(callId !== undefined ? { id: callId } : {}), name, arguments: args ?? {} });
  }
}

/**
 * One step of the run, open until `end` or `fail` writes it. Start children with `step`, `llm`
 * and `tool`; they may end before or after it.
 */
export class Span extends SpanParent {
  /** @internal */
  protected readonly owner: Trace;
  /** The step's id in the file (`s1`, `s2`... in the order spans start). */
  readonly id: string;
  readonly parentId: string | null;
  readonly kind: StepKind;
  readonly name: string;
  private readonly startTime: number;
  private readonly toolCall: unknown;
  private fields: StepFields = {};
  private done = false;

  /** @internal Spans are started by a trace or another span. */
  constructor(owner: Trace, id: string, kind: StepKind, name: string, parentId: string | null, fields: StepFields, toolCall: unknown) {
    super();
    this.owner = owner;
    this.id = id;
    this.kind = kind;
    this.name = name;
    this.parentId = parentId;
    this.toolCall = toolCall;
    this.startTime = Date.now();
    this.set(fields);
  }

  /** @internal */
  protected get parentIdForChildren(): string { return this.id; }

  /** True once `end` or `fail` wrote the step (or its trace ended). */
  get ended(): boolean { return this.done; }

  /** Record fields now (kept until the step is written); `attributes` are merged, others replaced. */
  set(fields: StepFields): this {
    this.assertOpen('set');
    const attributes = fields.attributes ? { ...this.fields.attributes, ...fields.attributes } : this.fields.attributes;
    this.fields = { ...this.fields, ...definedOnly(fields), ...(attributes ? { attributes } : {}) };
    return this;
  }

  /** End the step as succeeded and write it. Throws if it already ended. */
  end(fields: StepFields = {}): void {
    this.assertOpen('end');
    this.set(fields);
    this.write('ok', undefined, Date.now());
  }

  /**
   * End the step as failed and write it with the error: an `Error` gives its name (or its `code`,
   * for a plain `Error` that has one, like `ETIMEDOUT`), message and stack; anything else its text.
   * Throws if it already ended.
   */
  fail(error: unknown, fields: StepFields = {}): void {
    this.assertOpen('fail');
    this.set(fields);
    this.write('error', errorOf(error), Date.now());
  }

  /**
   * Run `fn` as this step: its result becomes the output (unless one was set) and the step ends;
   * if it throws (or its promise rejects), the step fails with that error, which is rethrown.
   * Works with sync and async functions alike.
   */
  run<T>(fn: (span: this) => T): T {
    let result: T;
    try {
      result = fn(this);
    } catch (e) {
      this.failQuietly(e);
      throw e;
    }
    if (isThenable(result)) {
      return result.then(
        (value) => { this.endWith(value); return value; },
        (e: unknown) => { this.failQuietly(e); throw e; },
      ) as T;
    }
    this.endWith(result);
    return result;
  }

  /** @internal Written by the trace's end: status `unset`, no end time. */
  closeUnfinished(): void {
    if (!this.done) this.write('unset', undefined, null);
  }

  private endWith(value: unknown): void {
    if (this.done) return;
    this.end(this.fields.output === undefined && value !== undefined ? { output: value } : {});
  }

  /** On the error path the agent's own error wins: a logging problem becomes a warning. */
  private failQuietly(e: unknown): void {
    if (this.done) return;
    try { this.fail(e); } catch (logError) { this.owner.warn(logError); }
  }

  private assertOpen(what: string): void {
    if (this.done) throw new Error(`agent-trace-logger: cannot ${what} step "${this.name}" (${this.id}) of trace ${this.owner.id}: it already ended`);
  }

  private write(status: 'ok' | 'error' | 'unset', error: { type?: string; message: string; stack?: string } | undefined, endTime: number | null): void {
    this.assertOpen(status === 'error' ? 'fail' : 'end');
    this.done = true;
    const f = this.fields;
    const r = this.owner.clean;
    const record: StepRecord = {
      type: 'step', id: this.id, parentId: this.parentId, kind: this.kind, name: r(this.name),
      startTime: iso(this.startTime), endTime: endTime === null ? null : iso(endTime), status,
    };
    if (error) record.error = errorRecord(r(error));
    if (f.model !== undefined) record.model = String(r(f.model));
    if (this.toolCall !== undefined) record.toolCall = r(this.toolCall);
    if (f.input !== undefined) record.input = payload(r(f.input));
    if (f.output !== undefined) record.output = payload(r(f.output));
    const attributes: Record<string, unknown> = {};
    if (f.usage !== undefined) {
      const u = usageOf(r(f.usage));
      if (u.usage) record.usage = u.usage;
      Object.assign(attributes, u.extra);
    }
    if (f.finishReason !== undefined) record.finishReason = String(r(f.finishReason));
    if (f.availableTools !== undefined) {
      const tools = r(f.availableTools);
      if (Array.isArray(tools)) record.availableTools = tools.map(String);
    }
    if (f.attributes !== undefined) {
      const a = r(f.attributes);
      if (isRecord(a)) Object.assign(attributes, a);
    }
    if (Object.keys(attributes).length) record.attributes = attributes;
    this.owner.emit(JSON.stringify(record), this);
  }
}

/** One run of the agent, logging to one file. Start it with {@link startTrace}. */
export class Trace extends SpanParent {
  /** @internal */
  protected readonly owner: Trace = this;
  /** @internal */
  protected readonly parentIdForChildren = null;
  /** The run's id (written on its `trace` line). */
  readonly id: string;
  /** The absolute path of the file written. */
  readonly file: string;
  /** @internal Cleans and redacts a value the user gave: plain JSON, every string through `redact`. */
  readonly clean: <T>(value: T) => T;
  private readonly openSpans = new Set<Span>();
  private nextStep = 1;
  private done = false;
  private warned = false;
  /** Lines written while another trace held the file, to write when this one gets it. */
  private held: string[] = [];
  private readonly slot: FileSlot;

  /** @internal Use {@link startTrace}. */
  constructor(file: string, options: TraceOptions) {
    super();
    this.file = resolve(file);
    const redact = options.redact;
    this.clean = <T>(value: T): T => plain(value, redact, undefined, []) as T;
    this.id = options.id ?? defaultRunId();
    const header: TraceRecord = { type: 'trace', format: FORMAT, id: this.id, title: this.clean(options.title ?? this.id), startTime: iso(Date.now()) };
    if (options.tools) header.tools = this.clean(options.tools).map(toolDefinition);
    if (options.metadata) {
      const m = this.clean(options.metadata);
      if (isRecord(m)) header.metadata = m;
    }
    mkdirSync(dirname(this.file), { recursive: true });
    this.slot = slotFor(this.file);
    openTraces.add(this);
    ensureExitHook();
    try {
      // The first trace of a file writes its header now: a path that cannot be written fails here.
      this.emit(JSON.stringify(header), undefined, true);
    } catch (e) {
      openTraces.delete(this);
      this.releaseSlot();
      throw e;
    }
  }

  /** True once `end` ran. */
  get ended(): boolean { return this.done; }

  /**
   * End the run: steps still open are written with status `unset` and no end time (innermost
   * first), and the file is handed to the next trace waiting for it. Calling it again does nothing.
   */
  end(): void {
    if (this.done) return;
    for (const span of [...this.openSpans].reverse()) span.closeUnfinished();
    this.done = true;
    openTraces.delete(this);
    if (this.slot.owner === this) this.releaseSlot();
  }

  /** @internal */
  open(kind: StepKind, name: string, parentId: string | null, fields: StepFields, toolCall: unknown): Span {
    if (this.done) throw new Error(`agent-trace-logger: cannot start step "${name}": trace ${this.id} already ended`);
    const span = new Span(this, `s${this.nextStep++}`, kind, name, parentId, fields, toolCall);
    this.openSpans.add(span);
    return span;
  }

  /** @internal Write one line now if this trace holds the file, else keep it for its turn. */
  emit(line: string, span: Span | undefined, throwOnError = false): void {
    if (span) this.openSpans.delete(span);
    const slot = this.slot;
    if (slot.owner === undefined) slot.owner = this;
    if (slot.owner !== this) {
      this.held.push(line);
      if (!slot.waiting.includes(this)) slot.waiting.push(this);
      return;
    }
    this.append(line + '\n', throwOnError);
  }

  /** @internal */
  warn(e: unknown): void {
    if (this.warned) return;
    this.warned = true;
    process.emitWarning(`agent-trace-logger: could not write trace ${this.id} to ${this.file}: ${e instanceof Error ? e.message : String(e)} (lines are lost until writing works again)`);
  }

  private append(text: string, throwOnError: boolean): void {
    try {
      // One synchronous append of whole lines: no reader or other writer sees a partial record.
      appendFileSync(this.file, this.slot.separator + text, 'utf8');
      this.slot.separator = '';
    } catch (e) {
      if (throwOnError) throw e;
      this.warn(e);
    }
  }

  /** Hand the file to the next waiting trace, which writes what it held; ended ones pass it on. */
  private releaseSlot(): void {
    const slot = this.slot;
    slot.owner = undefined;
    let next: Trace | undefined;
    while ((next = slot.waiting.shift())) {
      slot.owner = next;
      const lines = next.held;
      next.held = [];
      if (lines.length) next.append(lines.join('\n') + '\n', false);
      if (!next.done) return;
      slot.owner = undefined;
    }
    slots.delete(this.file);
  }
}

/**
 * Start logging a run to `file` (folders are created; the file is appended to). Name it
 * `*.trace.jsonl` so the editor opens it. Throws when the file cannot be written.
 */
export function startTrace(file: string, options: TraceOptions = {}): Trace {
  return new Trace(file, options);
}

// ---- one writer per file in this process ----

interface FileSlot {
  owner: Trace | undefined;
  waiting: Trace[];
  /** "\n" when the file ends in a torn line (a crashed writer): our first line must not glue onto it. */
  separator: string;
}

const slots = new Map<string, FileSlot>();
const openTraces = new Set<Trace>();
let exitHooked = false;

function slotFor(file: string): FileSlot {
  let slot = slots.get(file);
  if (!slot) {
    slot = { owner: undefined, waiting: [], separator: endsTorn(file) ? '\n' : '' };
    slots.set(file, slot);
  }
  return slot;
}

function endsTorn(file: string): boolean {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch { return false; }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** A process that exits without ending its traces still writes their open steps and held lines. */
function ensureExitHook(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const trace of [...openTraces]) trace.end();
  });
}

// ---- records ----

/** An object read loosely: these keys may hold anything. */
type Loose<K extends string> = { [P in K]?: unknown };
type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';
interface ToolCallRecord { id?: string; name: string; arguments: unknown }
interface ChatMessage { role: Role; content: string | null; name?: string; toolCalls?: ToolCallRecord[]; toolCallId?: string; isError?: boolean }
interface ErrorRecord { type?: string; message: string; stack?: string }
interface TraceRecord { type: 'trace'; format: string; id: string; title: string; startTime: string; tools?: ToolDefinition[]; metadata?: Record<string, unknown> }
interface StepRecord {
  type: 'step'; id: string; parentId: string | null; kind: StepKind; name: string; startTime: string; endTime: string | null;
  status: 'ok' | 'error' | 'unset'; error?: ErrorRecord; model?: string; toolCall?: unknown; input?: Payload; output?: Payload;
  usage?: Usage; finishReason?: string; availableTools?: string[]; attributes?: Record<string, unknown>;
}
type Payload = { messages: ChatMessage[] } | { value: unknown };

const ROLES: ReadonlySet<string> = new Set<Role>(['system', 'developer', 'user', 'assistant', 'tool']);
const USAGE_KEYS: Record<string, keyof Usage> = {
  inputTokens: 'inputTokens', input_tokens: 'inputTokens', prompt_tokens: 'inputTokens', promptTokens: 'inputTokens',
  outputTokens: 'outputTokens', output_tokens: 'outputTokens', completion_tokens: 'outputTokens', completionTokens: 'outputTokens',
  totalTokens: 'totalTokens', total_tokens: 'totalTokens',
  cacheReadTokens: 'cacheReadTokens', cache_read_tokens: 'cacheReadTokens', cache_read_input_tokens: 'cacheReadTokens',
  cacheWriteTokens: 'cacheWriteTokens', cache_write_tokens: 'cacheWriteTokens', cache_creation_input_tokens: 'cacheWriteTokens',
  reasoningTokens: 'reasoningTokens', reasoning_tokens: 'reasoningTokens',
  cost: 'cost',
};
const MAX_DEPTH = 64;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function defaultRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * `value` as plain JSON data, every string passed through `redact`: objects with `toJSON` (Dates)
 * use it, Errors become `{ name, message }`, bigints strings, Maps objects, Sets arrays; cycles and
 * nesting deeper than 64 become a marker string; functions and symbols are dropped.
 */
function plain(value: unknown, redact: Redact | undefined, key: string | undefined, path: object[]): unknown {
  if (typeof value === 'string') return redact ? String(redact(value, key)) : value;
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return plain(value.toString(), redact, key, path);
  if (typeof value !== 'object') return undefined;
  if (path.includes(value)) return '[circular]';
  if (path.length >= MAX_DEPTH) return '[nested too deep]';
  path.push(value);
  try {
    if (value instanceof Error) return plain({ name: value.name, message: value.message }, redact, key, path);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return plain(toJSON.call(value), redact, key, path);
    if (value instanceof Map) return plain(Object.fromEntries([...value].map(([k, v]) => [String(k), v])), redact, key, path);
    if (value instanceof Set) return plain([...value], redact, key, path);
    if (Array.isArray(value)) return value.map((v) => plain(v, redact, undefined, path) ?? null);
    if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = plain(v, redact, k, path);
      if (p !== undefined) out[k] = p;
    }
    return out;
  } finally {
    path.pop();
  }
}

function errorOf(error: unknown): { type?: string; message: string; stack?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const type = error.name === 'Error' && typeof code === 'string' ? code : error.name;
    return { type, message: error.message || String(error), ...(error.stack ? { stack: error.stack } : {}) };
  }
  const e = error as Loose<'type' | 'message'> | null | undefined;
  if (isRecord(e) && typeof e.message === 'string') {
    return { ...(typeof e.type === 'string' ? { type: e.type } : {}), message: e.message };
  }
  return { message: typeof error === 'string' ? error : JSON.stringify(error) ?? String(error) };
}

function errorRecord(e: { type?: unknown; message?: unknown; stack?: unknown }): { type?: string; message: string; stack?: string } {
  return {
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    message: typeof e.message === 'string' ? e.message : '',
    ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
  };
}

function toolDefinition(t: unknown): ToolDefinition {
  const wrapped = t as Loose<'type' | 'function'> | null | undefined;
  const def = (isRecord(wrapped) && wrapped.type === 'function' && isRecord(wrapped.function) ? wrapped.function : t) as Loose<'name' | 'description' | 'parameters'> | null | undefined;
  if (!isRecord(def) || typeof def.name !== 'string') return { name: String(isRecord(def) ? def.name : def) };
  return {
    name: def.name,
    ...(typeof def.description === 'string' ? { description: def.description } : {}),
    ...(def.parameters !== undefined ? { parameters: def.parameters } : {}),
  };
}

/** Input or output as the format's payload: chat messages when every item is one, else a value. */
function payload(v: unknown): Payload {
  if (Array.isArray(v) && v.length > 0) {
    const messages = v.map(chatMessage);
    if (messages.every((m): m is ChatMessage => m !== undefined)) return { messages };
  }
  return { value: v ?? null };
}

function chatMessage(message: unknown): ChatMessage | undefined {
  const m = message as Loose<'role' | 'content' | 'name' | 'toolCalls' | 'tool_calls' | 'toolCallId' | 'tool_call_id' | 'isError' | 'is_error'> | null | undefined;
  if (!isRecord(m) || typeof m.role !== 'string' || !ROLES.has(m.role)) return undefined;
  const content = contentText(m.content);
  if (content === undefined) return undefined;
  const out: ChatMessage = { role: m.role as Role, content };
  if (typeof m.name === 'string') out.name = m.name;
  const calls = m.toolCalls ?? m.tool_calls;
  if (Array.isArray(calls) && calls.length) {
    const toolCalls = calls.map(toolCallOf);
    if (!toolCalls.every((c): c is ToolCallRecord => c !== undefined)) return undefined;
    out.toolCalls = toolCalls;
  }
  const callId = m.toolCallId ?? m.tool_call_id;
  if (typeof callId === 'string') out.toolCallId = callId;
  const isError = m.isError ?? m.is_error;
  if (typeof isError === 'boolean') out.isError = isError;
  return out;
}

/** A string, null, or content parts (their text joined; other parts as JSON). */
function contentText(c: unknown): string | null | undefined {
  if (c === undefined || c === null) return null;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    return c.map((part: unknown) => {
      const p = part as Loose<'text'> | null | undefined;
      return isRecord(p) && typeof p.text === 'string' ? p.text : typeof part === 'string' ? part : JSON.stringify(part);
    }).join('');
  }
  return undefined;
}

function toolCallOf(call: unknown): ToolCallRecord | undefined {
  type Fn = Loose<'name' | 'arguments' | 'args' | 'input'>;
  const c = call as (Fn & Loose<'id' | 'function'>) | null | undefined;
  if (!isRecord(c)) return undefined;
  const fn = (isRecord(c.function) ? c.function : c) as Fn;
  if (typeof fn.name !== 'string') return undefined;
  let args = fn.arguments ?? fn.args ?? fn.input ?? {};
  if (typeof args === 'string') {
    try { args = JSON.parse(args); } catch { /* not JSON: kept as the model wrote it */ }
  }
  return { ...(typeof c.id === 'string' ? { id: c.id } : {}), name: fn.name, arguments: args };
}

function usageOf(u: unknown): { usage?: Usage; extra: Record<string, number> } {
  const usage: Usage = {};
  const extra: Record<string, number> = {};
  if (isRecord(u)) {
    for (const [k, v] of Object.entries(u)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const name = USAGE_KEYS[k];
      if (name) usage[name] = v;
      else extra[`usage.${k}`] = v;
    }
  }
  return { ...(Object.keys(usage).length ? { usage } : {}), extra };
}
