/**
 * Per-format encoders from a PreparedTrajectory to training records.
 *
 * Masking choices (documented in each set's README):
 * - OpenAI SFT: one record per trajectory; every assistant turn carries `weight`: 0 when it has an
 *   uncorrected error (kept as context, not learned), 1 otherwise. Assistant messages that were
 *   already in the first prompt (few-shot history) are not the agent's turns: weight 0.
 * - TRL SFT: TRL's conversational *prompt-completion* form, one record per trainable turn: the
 *   conversation before the turn is the prompt, the turn is the completion. `SFTTrainer` computes
 *   the loss on the completion only (`completion_only_loss` defaults to on for this form), so
 *   faulty turns and tool outputs are context and never learned, with any chat template (none of
 *   the three shipped templates has the `{% generation %}` markers `assistant_only_loss` needs).
 * - ShareGPT (LLaMA-Factory): the same one-record-per-trainable-turn expansion, each ending at
 *   its turn; train with `mask_history: true` so only the last turn of each record is learned.
 * - A correction that changes a tool call ends the corrected conversation at that turn; the
 *   learnable turns after it are still learned, in the original conversation (where the faulty
 *   turn is context only).
 * - A failed run (run-outcome.ts) gives no SFT or ShareGPT demonstration unless `includeFailed`;
 *   its corrected turns still make preference pairs, and its judged turns step labels.
 */
import type { ToolDefinition } from '../model/schema';
import { shortHash } from '../util/hash';
import type { Conversation, ConvMessage, ConvToolCall } from './conversation';
import { allTurns, isTrainable, promptBefore, stepLocationOf, stepRef, type PreparedTrajectory } from './prepare';
import { argumentsObject, parseArguments } from './tool-args';

export type DataFile = 'sft.jsonl' | 'preference.jsonl' | 'stepwise.jsonl' | 'sharegpt.jsonl';
export type ExportFormat = 'openai' | 'trl';

export interface EncodedExample {
  file: DataFile;
  record: Record<string, unknown>;
  /** Step locations (ids as written in the trace) the example covers / targets. */
  steps: string[];
  /** Locations of the corrections used. */
  corrections: string[];
}

type Json = Record<string, unknown>;

/** OpenAI's JSON text of the arguments: the model's own text when it is a JSON object, else the object's JSON. */
function argsString(a: unknown): string {
  if (typeof a === 'string') {
    const parsed = parseArguments(a);
    if ('value' in parsed && parsed.value !== null && typeof parsed.value === 'object' && !Array.isArray(parsed.value) && a.trim() !== '') return a;
  }
  return JSON.stringify(argumentsObject(a));
}

function toolSchemaOf(t: ToolDefinition): Json {
  const p = t.parameters && typeof t.parameters === 'object' ? (t.parameters as Json) : {};
  // Templates iterate `parameters.properties`; an absent schema is an object without properties.
  return { type: 'object', ...p, properties: (p.properties as Json | undefined) ?? {} };
}

export function encodeTools(tools: readonly ToolDefinition[], flavour: 'openai' | 'sharegpt'): Json[] {
  return tools.map((t) => {
    const fn = { name: t.name, ...(t.description ? { description: t.description } : { description: '' }), parameters: toolSchemaOf(t) };
    return flavour === 'sharegpt' ? fn : { type: 'function', function: fn };
  });
}

/** OpenAI's rule for a message's `name` (fine-tuning files are checked against it). */
const OPENAI_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * A user message's text with its speaker in front (`Computer_terminal: exitcode: 0 ...`), for
 * formats that have no field the chat templates render: none of the three shipped templates
 * (Hermes, Llama 3.1, Mistral) reads `name` on a user or assistant message, and LLaMA-Factory's
 * ShareGPT converter keeps only `from` and `value`.
 */
export function withSpeaker(m: ConvMessage): string {
  const text = m.content ?? '';
  return m.name && m.role === 'user' ? `${m.name}: ${text}` : text;
}

/**
 * OpenAI chat encoding of one message; `weight` only on assistant messages. `args: 'string'` is
 * OpenAI's own format, which carries a speaker in `name` (when it fits OpenAI's name rule; else
 * in the user message's text); `'object'` is TRL's, where the speaker of a user message is in
 * its text. An assistant's own name is never put in its text: it would be learned as output.
 */
export function encodeOpenAI(m: ConvMessage, args: 'string' | 'object', weight?: 0 | 1): Json {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, name: m.name, content: m.content ?? '' };
  const named = args === 'string' && m.name !== undefined && OPENAI_NAME.test(m.name);
  if (m.role !== 'assistant') return { role: m.role, ...(named ? { name: m.name, content: m.content ?? '' } : { content: withSpeaker(m) }) };
  const out: Json = { role: 'assistant', ...(named ? { name: m.name } : {}) };
  if (m.toolCalls?.length) {
    out.content = m.content ? m.content : null;
    out.tool_calls = m.toolCalls.map((c: ConvToolCall) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: args === 'string' ? argsString(c.arguments) : argumentsObject(c.arguments) } }));
  } else out.content = m.content ?? '';
  if (weight !== undefined) out.weight = weight;
  return out;
}

/** Text an assistant message shows the model and nobody learns: not a turn, no calls (planning notes, few-shot answers). */
function isContextText(m: ConvMessage): boolean {
  return m.role === 'assistant' && m.stepId === undefined && !m.toolCalls?.length;
}

/**
 * Consecutive messages of one role merged where every format allows it: system parts, user
 * parts, and assistant text that is context only (weight 0, in no completion). Templates such
 * as Mistral's demand that roles alternate and accept one system message; the texts are kept in
 * order, joined by a blank line. Turns, calls and tool results are never merged. Parts of one
 * speaker keep its `name`; parts of different speakers put each speaker in front of its text.
 */
export function mergeSameRole(messages: readonly ConvMessage[]): ConvMessage[] {
  const out: ConvMessage[] = [];
  const spoken = (x: ConvMessage): string => (x.name ? `${x.name}: ${x.content ?? ''}` : x.content ?? '');
  for (const m of messages) {
    const prev = out[out.length - 1];
    const mergeable = (x: ConvMessage): boolean => x.role === 'system' || x.role === 'user' || isContextText(x);
    if (prev && prev.role === m.role && mergeable(prev) && mergeable(m)) {
      const oneSpeaker = prev.name === m.name;
      const { name: _name, ...rest } = prev;
      const parts = oneSpeaker ? [prev.content ?? '', m.content ?? ''] : [spoken(prev), spoken(m)];
      out[out.length - 1] = { ...(oneSpeaker ? prev : rest), content: parts.filter((t) => t !== '').join('\n\n') };
    } else out.push(m);
  }
  return out;
}

function trainable(p: PreparedTrajectory, m: ConvMessage): boolean {
  return m.role === 'assistant' && m.stepId !== undefined && isTrainable(p, m.stepId);
}

function usedCorrections(p: PreparedTrajectory, stepIds: Iterable<string>): string[] {
  return [...stepIds].filter((s) => p.corrections.has(s)).map((s) => stepLocationOf(p.stepsById, s));
}

/** Step ids of the turns the corrected conversations hold. */
function correctedTurnIds(p: PreparedTrajectory): Set<string> {
  return new Set(allTurns(p.corrected).map((t) => t.stepId));
}

/**
 * Turns a correction cut off: learnable turns of the original trajectory that come after a
 * correction that changed a tool call (so the corrected conversations end before them). They
 * are learned in the original conversation, where the faulty turn is context only.
 */
function cutOffTurns(p: PreparedTrajectory): Set<string> {
  if (!p.truncatedAfter) return new Set();
  const kept = correctedTurnIds(p);
  return new Set(allTurns(p.original).map((t) => t.stepId).filter((id) => !kept.has(id) && !p.corrections.has(id) && isTrainable(p, id)));
}

/**
 * One record per conversation (model context) with at least one learnable turn; plus, when a
 * correction cut the conversation short, the original conversation with weight 1 only on the
 * turns after the cut (the others are learned in the first record, or faulty).
 */
export function openaiSft(p: PreparedTrajectory): EncodedExample[] {
  const tools = encodeTools(p.tools, 'openai');
  const record = (conv: Conversation, learn: (m: ConvMessage) => boolean): EncodedExample => {
    const steps = conv.turns.map((t) => t.stepId);
    return {
      file: 'sft.jsonl' as const,
      record: {
        messages: mergeSameRole(conv.messages).map((m) => encodeOpenAI(m, 'string', m.role === 'assistant' ? (learn(m) ? 1 : 0) : undefined)),
        ...(tools.length ? { tools } : {}),
      },
      steps: steps.map((s) => stepLocationOf(p.stepsById, s)),
      corrections: usedCorrections(p, steps.filter((s) => learn(conv.messages[conv.turns.find((t) => t.stepId === s)!.messageIndex]))),
    };
  };
  const out = p.corrected.filter((c) => c.turns.some((t) => isTrainable(p, t.stepId))).map((conv) => record(conv, (m) => trainable(p, m)));
  const cut = cutOffTurns(p);
  for (const conv of p.original) {
    if (conv.turns.some((t) => cut.has(t.stepId))) out.push(record(conv, (m) => m.stepId !== undefined && cut.has(m.stepId)));
  }
  return out;
}

/**
 * One record per trainable turn: prompt = everything before it in its conversation, completion
 * = the turn; turns a correction cut off come from the original conversation.
 */
function perTurn(p: PreparedTrajectory): { stepId: string; before: ConvMessage[]; turn: ConvMessage; earlier: string[] }[] {
  const cut = cutOffTurns(p);
  return [...allTurns(p.corrected).filter((t) => isTrainable(p, t.stepId)), ...allTurns(p.original).filter((t) => cut.has(t.stepId))]
    .map((t) => ({
      stepId: t.stepId,
      before: t.conv.messages.slice(0, t.messageIndex),
      turn: t.conv.messages[t.messageIndex],
      earlier: cut.has(t.stepId) ? [] : t.conv.turns.filter((x) => x.messageIndex <= t.messageIndex).map((x) => x.stepId),
    }));
}

/**
 * TRL prompt-completion records. A turn with nothing before it (the trace did not record the
 * model's input) has no record: TRL reads the prompt's first and last message and fails on an
 * empty one (IndexError), and a completion learned from no context teaches nothing true.
 */
export function trlSft(p: PreparedTrajectory, warn: (message: string) => void = () => undefined): EncodedExample[] {
  const tools = encodeTools(p.tools, 'openai');
  const out: EncodedExample[] = [];
  for (const { stepId, before, turn, earlier } of perTurn(p)) {
    if (!before.length) {
      warn(`${stepRef(p.stepsById, stepId)}: no sft.jsonl example (the trace records nothing the model saw before this turn: no system prompt, user message or tool result, and a TRL example needs a prompt)`);
      continue;
    }
    out.push({
      file: 'sft.jsonl',
      record: { prompt: mergeSameRole(before).map((m) => encodeOpenAI(m, 'object')), completion: [encodeOpenAI(turn, 'object')], ...(tools.length ? { tools } : {}) },
      steps: [stepLocationOf(p.stepsById, stepId)],
      corrections: usedCorrections(p, earlier),
    });
  }
  return out;
}

/**
 * A preference prompt must end where the assistant's turn begins (B2); when the turn directly
 * follows other assistant text (a framework's planning notes, another agent's turn), that text
 * is taken off the end of the prompt and leads both outputs instead. DPO learns from the
 * difference between chosen and rejected, which a shared lead does not change.
 */
function splitLeadingText(prompt: ConvMessage[]): { context: ConvMessage[]; lead: string } {
  let k = prompt.length;
  while (k > 0 && prompt[k - 1].role === 'assistant' && !prompt[k - 1].toolCalls?.length) k--;
  return { context: prompt.slice(0, k), lead: prompt.slice(k).map((m) => m.content ?? '').filter((t) => t !== '').join('\n\n') };
}

function withLead(lead: string, m: ConvMessage): ConvMessage {
  return lead ? { ...m, content: [lead, m.content ?? ''].filter((t) => t !== '').join('\n\n') } : m;
}

/** One pair per corrected turn; the prompt is the original history (the context the rejected turn was produced in). */
export function preference(p: PreparedTrajectory, format: ExportFormat, warn: (message: string) => void = () => undefined): EncodedExample[] {
  const out: EncodedExample[] = [];
  const args = format === 'openai' ? 'string' : 'object';
  const tools = encodeTools(p.tools, 'openai');
  for (const t of allTurns(p.original)) {
    const fix = p.corrections.get(t.stepId);
    if (!fix) continue;
    const { context, lead } = splitLeadingText(mergeSameRole(promptBefore(p.original, t.stepId)));
    const prompt = context.map((m) => encodeOpenAI(m, args));
    if (!prompt.length) {
      const saw = lead ? 'only assistant text, no system prompt, user message or tool result,' : 'nothing the model saw';
      warn(`${stepRef(p.stepsById, t.stepId)}: no preference.jsonl pair (the trace records ${saw} before this turn, and a pair needs a prompt); its correction is in sft.jsonl`);
      continue;
    }
    const rejectedMsg = t.conv.messages[t.messageIndex];
    // The corrected message with the original call ids where the calls line up, fresh ones otherwise.
    const chosenMsg: ConvMessage = {
      role: 'assistant', content: fix.content,
      ...(fix.toolCalls?.length ? { toolCalls: fix.toolCalls.map((c, i) => ({ id: rejectedMsg.toolCalls?.[i]?.id ?? `${shortHash(`${t.stepId}|${i}`)}c`, name: c.name, arguments: c.arguments })) } : {}),
    };
    const chosen = [encodeOpenAI(withLead(lead, chosenMsg), args)];
    const rejected = [encodeOpenAI(withLead(lead, rejectedMsg), args)];
    const record: Json = format === 'openai'
      ? { input: { messages: prompt, ...(tools.length ? { tools } : {}) }, preferred_output: chosen, non_preferred_output: rejected }
      : { prompt, chosen, rejected, ...(tools.length ? { tools } : {}) };
    const loc = stepLocationOf(p.stepsById, t.stepId);
    out.push({ file: 'preference.jsonl', record, steps: [loc], corrections: [loc] });
  }
  return out;
}

function renderTurn(msgs: ConvMessage[], from: number, to: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) {
    const m = msgs[i];
    if (m.role === 'assistant') {
      if (m.content) parts.push(m.content);
      for (const c of m.toolCalls ?? []) parts.push(`Call ${c.name}(${argsString(c.arguments)})`);
    } else if (m.role === 'tool') parts.push(`Result of ${m.name}: ${m.content ?? ''}`);
    else parts.push(`${m.role === 'user' ? 'User' : 'System'}: ${withSpeaker(m)}`);
  }
  return parts.join('\n');
}

/** Did the user (or a detector, or the source) judge this turn wrong: an error on it, or a correction of it? */
function judgedWrong(p: PreparedTrajectory, stepId: string): boolean {
  return p.turnErrors.has(stepId) || p.corrections.has(stepId);
}

/**
 * TRL stepwise supervision of the original trajectory, one record per conversation: one
 * completion per assistant turn (its text and calls, then what came back), labelled false where
 * the turn carries an error or was corrected. A failed run's conversation is labelled only when
 * one of its turns was judged wrong: "all true" would claim more than anyone judged.
 */
export function stepwise(p: PreparedTrajectory): EncodedExample[] {
  // A turn that is a redaction placeholder is neither right nor wrong: its conversation gives no labels.
  const labelled = (c: Conversation): boolean => c.turns.length > 0 && !c.turns.some((t) => p.redacted.has(t.stepId));
  return p.original.filter((c) => labelled(c) && (!p.outcome.failed || c.turns.some((t) => judgedWrong(p, t.stepId)))).map(({ messages, turns }) => {
    const prompt = messages.slice(0, turns[0].messageIndex).map((_, i) => renderTurn(messages, i, i + 1)).join('\n\n');
    const completions = turns.map((t, i) => renderTurn(messages, t.messageIndex, i + 1 < turns.length ? turns[i + 1].messageIndex : messages.length));
    const labels = turns.map((t) => !judgedWrong(p, t.stepId));
    return { file: 'stepwise.jsonl' as const, record: { prompt, completions, labels }, steps: turns.map((t) => stepLocationOf(p.stepsById, t.stepId)), corrections: [] };
  });
}

/**
 * LLaMA-Factory's thought markers: its `FunctionFormatter` takes the text between them off a
 * function_call value before parsing the JSON and puts it back, as the turn's text, in front of
 * the rendered call. They are the default `thought_words` of its templates.
 */
export const SHAREGPT_THOUGHT: readonly [string, string] = ['<think>\n', '\n</think>\n\n'];

/** A function_call value: the calls as JSON, led by the turn's text (if any) between the thought markers. */
function sharegptFunctionCall(text: string | null, calls: unknown): string {
  const json = JSON.stringify(calls);
  return text && text.trim() !== '' ? `${SHAREGPT_THOUGHT[0]}${text}${SHAREGPT_THOUGHT[1]}${json}` : json;
}

/** A message on its way into a ShareGPT conversation; `stepId` on model turns (for the reason a record cannot be written). */
type ShareGptItem = { from: 'human' | 'observation' | 'gpt' | 'function_call'; text: string; calls?: unknown; stepId?: string };
type ShareGptTurn = { from: ShareGptItem['from']; value: string };
const envSide = (f: string): boolean => f === 'human' || f === 'observation';

/**
 * A learnable turn a data file holds no example of (in the promotion's warning, the manifest and
 * the data card): why, for this turn, and the file's rule that it breaks, the same for every turn
 * of its kind (the data card states each rule once).
 */
export interface OmittedTurn { file: DataFile; step: string; reason: string; rule?: string }

/** The rules of LLaMA-Factory's ShareGPT a turn's conversation can break. */
export const SHAREGPT_RULE = {
  userFirst: "a LLaMA-Factory ShareGPT conversation starts with a user message or tool result",
  alternation: "LLaMA-Factory's ShareGPT needs a user message or tool result between two model turns (merging the two would teach answering twice in a row; an invented user message would change what the model saw)",
  callsAnswered: "LLaMA-Factory's ShareGPT shows tool calls only with their results after them",
} as const;

/** Why ShareGPT cannot hold a turn: the reason (naming what it follows) and the rule. */
export const SHAREGPT_CANNOT = {
  noUserFirst: { reason: 'the trace records no user message or tool result before the first model turn of its conversation', rule: SHAREGPT_RULE.userFirst },
  followsModel: (what: string) => ({ reason: `it comes right after ${what} with no user message or tool result in between`, rule: SHAREGPT_RULE.alternation }),
  callsWithoutResults: (what: string) => ({ reason: `${what} made tool calls and the model spoke again before any result`, rule: SHAREGPT_RULE.callsAnswered }),
} as const;
type ShareGptRefusal = { reason: string; rule: string };

function encodeItem(from: ShareGptItem['from'], text: string, calls: unknown): ShareGptTurn {
  return { from, value: from === 'function_call' ? sharegptFunctionCall(text, calls) : text };
}

/**
 * LLaMA-Factory ShareGPT needs strict alternation (human/observation, then gpt/function_call).
 * Consecutive environment items become one (user text joined; several tool results one
 * observation holding a JSON list, as its openai converter does). Consecutive model items in
 * the history (context text beside a turn, a turn's text recorded apart from its calls) become
 * one turn, which `mask_history` does not learn: their texts joined, led into the calls of the
 * last as its thought. The last item is the turn the record teaches, so it is never merged with
 * what comes before it. Returns why the record cannot be written when it cannot alternate.
 */
function alternate(items: ShareGptItem[], describe: (item: ShareGptItem) => string): { turns: ShareGptTurn[] } | { refused: ShareGptRefusal } {
  const out: ShareGptTurn[] = [];
  const last = items.length - 1;
  if (!items.length || !envSide(items[0].from)) return { refused: SHAREGPT_CANNOT.noUserFirst };
  for (let i = 0; i < items.length;) {
    const env = envSide(items[i].from);
    let j = i + 1;
    while (j < items.length && envSide(items[j].from) === env) j++;
    const group = items.slice(i, j);
    if (env) {
      if (group.length === 1) out.push(encodeItem(group[0].from, group[0].text, undefined));
      else if (group.every((g) => g.from === 'observation')) out.push({ from: 'observation', value: JSON.stringify(group.map((g) => g.text)) });
      else out.push({ from: group[0].from, value: group.map((g) => g.text).filter((v) => v !== '').join('\n\n') });
    } else {
      if (j - 1 === last && group.length > 1) return { refused: SHAREGPT_CANNOT.followsModel(describe(group[group.length - 2])) };
      const early = group.slice(0, -1).find((g) => g.from === 'function_call');
      if (early) return { refused: SHAREGPT_CANNOT.callsWithoutResults(describe(early)) };
      const end = group[group.length - 1];
      out.push(encodeItem(end.from, group.map((g) => g.text).filter((t) => t.trim() !== '').join('\n\n'), end.calls));
    }
    i = j;
  }
  return { turns: out };
}

/**
 * LLaMA-Factory ShareGPT, one record per trainable turn (train with `mask_history: true`).
 * A turn it cannot hold is reported to `warn` with the step and the reason, as a message and as
 * an `OmittedTurn` (the data card lists them).
 */
export function sharegpt(p: PreparedTrajectory, warn: (message: string, omitted?: OmittedTurn) => void = () => undefined): EncodedExample[] {
  const tools = JSON.stringify(encodeTools(p.tools, 'sharegpt'));
  const out: EncodedExample[] = [];
  const describe = (item: ShareGptItem): string => (item.stepId ? `the model's turn at ${stepRef(p.stepsById, item.stepId)}` : 'an assistant message the model was given as context');
  for (const { stepId, before, turn, earlier } of perTurn(p)) {
    const msgs = [...before, turn];
    let system: string | undefined;
    if (msgs[0]?.role === 'system') system = msgs.shift()!.content ?? '';
    const items: ShareGptItem[] = msgs.map((m) => {
      const from = m.role === 'user' || m.role === 'system' ? 'human' : m.role === 'tool' ? 'observation' : m.toolCalls?.length ? 'function_call' : 'gpt';
      const text = from === 'human' ? withSpeaker(m) : m.content ?? '';
      if (from !== 'function_call') return { from, text, stepId: m.stepId };
      const calls = m.toolCalls!.map((c) => ({ name: c.name, arguments: argumentsObject(c.arguments) }));
      return { from, text, calls: calls.length === 1 ? calls[0] : calls, stepId: m.stepId };
    });
    const alt = alternate(items, describe);
    if ('refused' in alt) {
      const step = stepLocationOf(p.stepsById, stepId);
      warn(`${stepRef(p.stepsById, stepId)}: no sharegpt.jsonl example: ${alt.refused.reason}; ${alt.refused.rule}`, { file: 'sharegpt.jsonl', step, ...alt.refused });
      continue;
    }
    out.push({
      file: 'sharegpt.jsonl',
      record: { conversations: alt.turns, ...(system !== undefined ? { system } : {}), tools },
      steps: [stepLocationOf(p.stepsById, stepId)],
      corrections: usedCorrections(p, earlier),
    });
  }
  return out;
}

export interface EncodeOptions {
  format: ExportFormat;
  sharegpt: boolean;
  /** Also train on failed runs as demonstrations (SFT, ShareGPT). */
  includeFailed?: boolean;
}

/** Every example of a trajectory for a set's configuration; `warn` hears about examples a format cannot hold (with the turn, when it is a learnable one). */
export function encodeAll(p: PreparedTrajectory, opts: EncodeOptions, warn?: (message: string, omitted?: OmittedTurn) => void): EncodedExample[] {
  const demonstrations = !p.outcome.failed || opts.includeFailed === true;
  return [
    ...(!demonstrations ? [] : opts.format === 'openai' ? openaiSft(p) : trlSft(p, warn)),
    ...preference(p, opts.format, warn),
    ...stepwise(p),
    ...(opts.sharegpt && demonstrations ? sharegpt(p, warn) : []),
  ];
}
