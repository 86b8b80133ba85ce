/**
 * Format rules for one training record (reference Part B): V2 roles and content, V3 tool calls
 * and results, V4 declared tools and argument schemas, V5 a trainable target, V7 secrets, V8
 * argument encoding, plus each format's own rules. Pure: returns problems with a JSON path.
 */
import { checkArguments } from '../export/tool-args';
import { PERSONAL_DATA_MESSAGE, privateDataIn, type PrivateDataMemo } from './privacy';
import { findSecrets, mask, stringsIn } from './secrets';

export type RecordKind = 'openai-sft' | 'openai-preference' | 'trl-sft' | 'trl-preference' | 'stepwise' | 'sharegpt';

export interface RuleProblem {
  rule: string;
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** Which kind of record a line is, from its keys; `format` settles `messages` records. */
export function detectKind(rec: unknown, format?: 'openai' | 'trl' | 'sharegpt'): RecordKind | undefined {
  if (!isObj(rec)) return undefined;
  if (format === 'sharegpt' || 'conversations' in rec) return 'sharegpt';
  if ('completions' in rec && 'labels' in rec) return 'stepwise';
  if ('preferred_output' in rec || 'non_preferred_output' in rec) return 'openai-preference';
  if ('chosen' in rec && 'rejected' in rec) return 'trl-preference';
  if ('prompt' in rec && 'completion' in rec) return 'trl-sft';
  if ('messages' in rec) {
    if (format) return format === 'openai' ? 'openai-sft' : 'trl-sft';
    const s = JSON.stringify(rec.messages);
    return /"arguments":\{/.test(s) ? 'trl-sft' : 'openai-sft';
  }
  return undefined;
}

class Collector {
  readonly out: RuleProblem[] = [];
  err(rule: string, path: string, message: string): void { this.out.push({ rule, path, message, severity: 'error' }); }
  warn(rule: string, path: string, message: string): void { this.out.push({ rule, path, message, severity: 'warning' }); }
}

const OPENAI_MSG_KEYS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'weight', 'function_call']);

/** `tools` of a record: [{type:"function", function:{name, parameters}}] (or bare {name, parameters}). */
function readTools(c: Collector, v: unknown, path: string): Map<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) { c.err('V2', path, 'tools must be a list'); return new Map(); }
  const m = new Map<string, unknown>();
  v.forEach((t, i) => {
    const fn = isObj(t) && isObj(t.function) ? t.function : t;
    if (!isObj(fn) || typeof fn.name !== 'string' || !fn.name) { c.err('V4', `${path}[${i}]`, 'a tool needs a function name'); return; }
    if (m.has(fn.name)) c.err('V4', `${path}[${i}].function.name`, `tool "${fn.name}" is declared twice`);
    if (isObj(t) && t.type !== undefined && t.type !== 'function') c.err('V4', `${path}[${i}].type`, `tool type must be "function", found ${JSON.stringify(t.type)}`);
    m.set(fn.name, fn.parameters);
  });
  return m;
}

/**
 * A chat message list (OpenAI shape). `args` is the required arguments encoding (V8).
 * Returns the number of trainable assistant turns.
 */
function checkMessages(c: Collector, msgs: unknown, path: string, opts: { args: 'string' | 'object'; tools?: Map<string, unknown>; weights: boolean; allowTrailingCalls: boolean; requireAssistant: boolean }): number {
  if (!Array.isArray(msgs)) { c.err('V2', path, 'must be a list of messages'); return 0; }
  if (msgs.length === 0) { c.err('V2', path, 'is empty'); return 0; }
  let trainable = 0;
  let pending: Map<string, string> = new Map();
  let pendingAt = '';
  msgs.forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(m)) { c.err('V2', p, 'a message must be an object'); return; }
    const role = m.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') { c.err('V2', `${p}.role`, `unknown role ${JSON.stringify(role)} (allowed: system, user, assistant, tool)`); return; }
    for (const k of Object.keys(m)) if (!OPENAI_MSG_KEYS.has(k)) c.err('V2', `${p}.${k}`, `unrecognized message key "${k}"`);
    if ('weight' in m) {
      if (!opts.weights) c.err('V2', `${p}.weight`, '`weight` is not part of this format');
      else if (role !== 'assistant') c.err('V2', `${p}.weight`, '`weight` is allowed only on assistant messages');
      else if (m.weight !== 0 && m.weight !== 1) c.err('V2', `${p}.weight`, '`weight` must be 0 or 1');
    }
    if (role !== 'tool' && pending.size && role === 'assistant') {
      c.err('V3', p, `assistant turn before the results of call(s) ${[...pending.keys()].map((k) => JSON.stringify(k)).join(', ')} (made at ${pendingAt})`);
      pending = new Map();
    }
    if (role === 'assistant') {
      const calls = m.tool_calls;
      const hasCalls = Array.isArray(calls) && calls.length > 0;
      if (calls !== undefined && !Array.isArray(calls)) c.err('V2', `${p}.tool_calls`, 'must be a list');
      if (!hasCalls && (typeof m.content !== 'string' || m.content === '')) c.err('V2', `${p}.content`, 'an assistant message needs non-empty content or tool_calls');
      if (m.content !== undefined && m.content !== null && typeof m.content !== 'string') c.err('V2', `${p}.content`, 'content must be a string');
      if (hasCalls) {
        pendingAt = p;
        (calls as unknown[]).forEach((tc, j) => checkCall(c, tc, `${p}.tool_calls[${j}]`, opts, pending));
      }
      if (!opts.weights || m.weight !== 0) trainable++;
    } else if (role === 'tool') {
      if (typeof m.content !== 'string') c.err('V2', `${p}.content`, 'a tool result needs string content');
      const id = m.tool_call_id;
      if (typeof id !== 'string') c.err('V3', `${p}.tool_call_id`, 'a tool result needs the tool_call_id of its call');
      else if (!pending.has(id)) c.err('V3', `${p}.tool_call_id`, `answers call ${JSON.stringify(id)}, which is not an unanswered call of the previous assistant turn`);
      else pending.delete(id);
    } else if (typeof m.content !== 'string') c.err('V2', `${p}.content`, `a ${role} message needs string content`);
  });
  const last = msgs[msgs.length - 1];
  if (pending.size && !(opts.allowTrailingCalls && isObj(last) && last.role === 'assistant')) {
    c.err('V3', pendingAt, `call(s) ${[...pending.keys()].map((k) => JSON.stringify(k)).join(', ')} never get a result`);
  }
  if (opts.requireAssistant && trainable === 0) c.err('V5', path, 'no trainable assistant turn (every assistant message has weight 0, or there is none)');
  return trainable;
}

function checkCall(c: Collector, tc: unknown, p: string, opts: { args: 'string' | 'object'; tools?: Map<string, unknown> }, pending: Map<string, string>): void {
  if (!isObj(tc) || !isObj(tc.function)) { c.err('V2', p, 'a tool call needs {"type": "function", "function": {name, arguments}}'); return; }
  if (tc.type !== undefined && tc.type !== 'function') c.err('V2', `${p}.type`, 'must be "function"');
  const name = tc.function.name;
  if (typeof name !== 'string' || !name) { c.err('V2', `${p}.function.name`, 'missing tool name'); return; }
  if (typeof tc.id !== 'string' || !tc.id) c.err('V3', `${p}.id`, 'a tool call needs an id that its result can point to');
  else if (pending.has(tc.id)) c.err('V3', `${p}.id`, `call id ${JSON.stringify(tc.id)} is used twice in one turn`);
  else pending.set(tc.id, name);
  const a = tc.function.arguments;
  if (opts.args === 'string' && typeof a !== 'string') c.err('V8', `${p}.function.arguments`, 'arguments must be a JSON string in this format');
  if (opts.args === 'object' && typeof a === 'string') c.err('V8', `${p}.function.arguments`, 'arguments must be an object in this format, not a string');
  if (opts.tools && !opts.tools.has(name)) { c.err('V4', `${p}.function.name`, `calls "${name}", which is not in the example's tools`); return; }
  if (!opts.tools) c.err('V4', `${p}.function.name`, `calls "${name}", but the example declares no tools`);
  for (const ap of checkArguments(a, opts.tools?.get(name))) c.err('V4', `${p}.function.arguments${ap.pointer ? ` ${ap.pointer}` : ''}`, ap.message);
}

function checkOutputList(c: Collector, v: unknown, path: string, args: 'string' | 'object', tools?: Map<string, unknown>): void {
  if (!Array.isArray(v) || v.length !== 1) { c.err('B2', path, 'must hold exactly one assistant message'); return; }
  if (!isObj(v[0]) || v[0].role !== 'assistant') { c.err('B2', `${path}[0].role`, 'must be an assistant message'); return; }
  checkMessages(c, v, path, { args, tools, weights: false, allowTrailingCalls: true, requireAssistant: true });
}

/** `privateData`: shared by the records of one file, whose long strings repeat (see PrivateDataMemo). */
export function checkRecord(rec: unknown, kind: RecordKind, privateData?: PrivateDataMemo): RuleProblem[] {
  const c = new Collector();
  if (!isObj(rec)) { c.err('V1', '$', 'each line must be a JSON object'); return c.out; }
  switch (kind) {
    case 'openai-sft': {
      for (const k of Object.keys(rec)) if (!['messages', 'tools', 'parallel_tool_calls', 'functions'].includes(k)) c.err('B1', `$.${k}`, `unrecognized key "${k}" (allowed: messages, tools, parallel_tool_calls)`);
      const tools = readTools(c, rec.tools, '$.tools');
      checkMessages(c, rec.messages, '$.messages', { args: 'string', tools, weights: true, allowTrailingCalls: true, requireAssistant: true });
      break;
    }
    case 'trl-sft': {
      const tools = readTools(c, rec.tools, '$.tools');
      if ('messages' in rec) checkMessages(c, rec.messages, '$.messages', { args: 'object', tools, weights: false, allowTrailingCalls: true, requireAssistant: true });
      else {
        if (!Array.isArray(rec.prompt) || !Array.isArray(rec.completion)) { c.err('B3', '$', 'prompt and completion must both be message lists'); break; }
        const all = [...rec.prompt, ...rec.completion];
        const sub = new Collector();
        checkMessages(sub, all, '$.messages', { args: 'object', tools, weights: false, allowTrailingCalls: true, requireAssistant: true });
        // Re-point paths into prompt/completion.
        const n = rec.prompt.length;
        for (const pr of sub.out) c.out.push({ ...pr, path: pr.path.replace(/^\$\.messages\[(\d+)\]/, (_, i) => (Number(i) < n ? `$.prompt[${i}]` : `$.completion[${Number(i) - n}]`)) });
        if (!rec.completion.some((m) => isObj(m) && m.role === 'assistant')) c.err('V5', '$.completion', 'the completion has no assistant message to learn');
      }
      break;
    }
    case 'openai-preference': {
      const input = rec.input;
      if (!isObj(input)) { c.err('B2', '$.input', 'missing "input" object with messages'); break; }
      const tools = readTools(c, input.tools, '$.input.tools');
      checkMessages(c, input.messages, '$.input.messages', { args: 'string', tools, weights: false, allowTrailingCalls: false, requireAssistant: false });
      const msgs = input.messages;
      if (Array.isArray(msgs) && isObj(msgs[msgs.length - 1]) && (msgs[msgs.length - 1] as Obj).role === 'assistant') c.err('B2', '$.input.messages', 'must end where an assistant turn comes next (it ends with an assistant message)');
      checkOutputList(c, rec.preferred_output, '$.preferred_output', 'string', tools);
      checkOutputList(c, rec.non_preferred_output, '$.non_preferred_output', 'string', tools);
      if (JSON.stringify(rec.preferred_output) === JSON.stringify(rec.non_preferred_output)) c.err('B2', '$.preferred_output', 'the preferred and non-preferred outputs are identical');
      break;
    }
    case 'trl-preference': {
      const tools = readTools(c, rec.tools, '$.tools');
      if (rec.prompt !== undefined) checkMessages(c, rec.prompt, '$.prompt', { args: 'object', tools, weights: false, allowTrailingCalls: false, requireAssistant: false });
      checkOutputList(c, rec.chosen, '$.chosen', 'object', tools);
      checkOutputList(c, rec.rejected, '$.rejected', 'object', tools);
      if (JSON.stringify(rec.chosen) === JSON.stringify(rec.rejected)) c.err('B3', '$.chosen', 'chosen and rejected are identical');
      break;
    }
    case 'stepwise': {
      if (typeof rec.prompt !== 'string') c.err('B3', '$.prompt', 'stepwise supervision needs a string prompt');
      if (!Array.isArray(rec.completions) || !rec.completions.every((x) => typeof x === 'string')) c.err('B3', '$.completions', 'must be a list of strings');
      if (!Array.isArray(rec.labels) || !rec.labels.every((x) => typeof x === 'boolean')) c.err('B3', '$.labels', 'must be a list of booleans');
      else if (Array.isArray(rec.completions) && rec.completions.length !== rec.labels.length) c.err('B3', '$.labels', `has ${rec.labels.length} labels for ${rec.completions.length} completions`);
      if (Array.isArray(rec.completions) && rec.completions.length === 0) c.err('V5', '$.completions', 'no steps');
      break;
    }
    case 'sharegpt':
      checkShareGpt(c, rec);
      break;
  }
  for (const [path, s] of stringsIn(rec)) {
    for (const hit of findSecrets(s)) c.err('V7', path, `looks like a secret (${hit.kind}: ${hit.masked})`);
  }
  for (const f of privateDataIn(stringsIn(rec), privateData)) c.warn('V7', f.path, `${PERSONAL_DATA_MESSAGE} (${f.kind} "${mask(f.first)}"${f.fields > 1 ? `, in ${f.fields} fields` : ''})`);
  return c.out;
}

function checkShareGpt(c: Collector, rec: Obj): void {
  let tools: Map<string, unknown> | undefined;
  if (rec.tools !== undefined) {
    if (typeof rec.tools !== 'string') c.err('B4', '$.tools', 'tools must be a JSON string of a function list');
    else {
      try { tools = readTools(c, JSON.parse(rec.tools), '$.tools'); } catch { c.err('B4', '$.tools', 'tools is not valid JSON'); }
    }
  }
  if (rec.system !== undefined && typeof rec.system !== 'string') c.err('B4', '$.system', 'system must be a string');
  const conv = rec.conversations;
  if (!Array.isArray(conv) || conv.length === 0) { c.err('B4', '$.conversations', 'must be a non-empty list of {from, value}'); return; }
  const turns = conv[0] && isObj(conv[0]) && conv[0].from === 'system' ? conv.slice(1) : conv;
  const off = conv.length - turns.length;
  turns.forEach((t, i) => {
    const p = `$.conversations[${i + off}]`;
    if (!isObj(t) || typeof t.from !== 'string' || typeof t.value !== 'string') { c.err('B4', p, 'a turn needs string "from" and "value"'); return; }
    const odd = i % 2 === 0; // LLaMA-Factory's "odd positions" are 1-based
    const ok = odd ? t.from === 'human' || t.from === 'observation' : t.from === 'gpt' || t.from === 'function_call';
    if (!ok) c.err('B4', `${p}.from`, `"${t.from}" at turn ${i + 1}: turns must alternate human/observation then gpt/function_call (LLaMA-Factory silently skips such examples)`);
    if (t.from === 'function_call') {
      let v: unknown;
      // LLaMA-Factory takes a leading thought (the turn's text) off before parsing the calls.
      const thought = /^<think>\n[\s\S]*?\n<\/think>\n\n/.exec(t.value);
      try { v = JSON.parse(thought ? t.value.slice(thought[0].length) : t.value); } catch { c.err('B4', `${p}.value`, 'a function_call value must be JSON {name, arguments} (bad JSON makes LLaMA-Factory raise)'); return; }
      for (const call of Array.isArray(v) ? v : [v]) {
        if (!isObj(call) || typeof call.name !== 'string') { c.err('B4', `${p}.value`, 'a function_call must be {name, arguments} or a list of them'); continue; }
        if (tools && !tools.has(call.name)) c.err('V4', `${p}.value`, `calls "${call.name}", which is not in tools`);
        if (typeof call.arguments === 'string') c.err('V8', `${p}.value`, 'arguments must be an object here');
        else for (const ap of checkArguments(call.arguments, tools?.get(call.name))) c.err('V4', `${p}.value${ap.pointer ? ` ${ap.pointer}` : ''}`, ap.message);
      }
    }
  });
  if (turns.length % 2 !== 0) c.err('B4', '$.conversations', `has ${turns.length} turns; a non-ranking example needs an even number (ending on gpt/function_call)`);
}

/**
 * The chat messages of a record to render through templates (each conversation once). `prompt`:
 * for a record TRL splits into prompt and completion (prompt/completion, prompt/chosen/rejected,
 * and OpenAI preference records, which become those), the prompt's messages.
 */
export function renderableConversations(rec: unknown, kind: RecordKind): { label: string; messages: unknown[]; tools?: unknown[]; prompt?: unknown[] }[] {
  if (!isObj(rec)) return [];
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const tools = Array.isArray(rec.tools) ? rec.tools : isObj(rec.input) && Array.isArray(rec.input.tools) ? rec.input.tools : undefined;
  switch (kind) {
    case 'openai-sft': return [{ label: 'messages', messages: arr(rec.messages), tools }];
    case 'trl-sft': return 'messages' in rec ? [{ label: 'messages', messages: arr(rec.messages), tools }] : [{ label: 'prompt+completion', messages: [...arr(rec.prompt), ...arr(rec.completion)], tools, prompt: arr(rec.prompt) }];
    case 'openai-preference': return isObj(rec.input) ? [
      { label: 'input+preferred_output', messages: [...arr(rec.input.messages), ...arr(rec.preferred_output)], tools, prompt: arr(rec.input.messages) },
      { label: 'input+non_preferred_output', messages: [...arr(rec.input.messages), ...arr(rec.non_preferred_output)], tools, prompt: arr(rec.input.messages) },
    ] : [];
    case 'trl-preference': return [
      { label: 'prompt+chosen', messages: [...arr(rec.prompt), ...arr(rec.chosen)], tools, prompt: arr(rec.prompt) },
      { label: 'prompt+rejected', messages: [...arr(rec.prompt), ...arr(rec.rejected)], tools, prompt: arr(rec.prompt) },
    ];
    default: return [];
  }
}
