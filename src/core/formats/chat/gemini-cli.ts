/**
 * Gemini CLI chat recordings: `~/.gemini/tmp/<project>/chats/session-<time>-<id>.json` (one
 * pretty-printed `ConversationRecord`) and, since April 2026, the append-only
 * `session-<time>-<id>.jsonl` (subagents: `chats/<parentSessionId>/<sessionId>.jsonl`).
 * Producer: `google-gemini/gemini-cli`, `packages/core/src/services/chatRecordingService.ts` and
 * `chatRecordingTypes.ts`:
 *
 *   {"sessionId":"...","projectHash":"...","startTime":"...","lastUpdated":"...","messages":[
 *     {"id":"...","timestamp":"...","type":"user","content":[{"text":"fix the test"}]},
 *     {"id":"...","timestamp":"...","type":"gemini","content":"","model":"gemini-2.5-pro",
 *      "thoughts":[{"subject":"...","description":"...","timestamp":"..."}],
 *      "tokens":{"input":1200,"output":40,"cached":800,"thoughts":12,"tool":0,"total":1252},
 *      "toolCalls":[{"id":"...","name":"run_shell_command","args":{...},"status":"error","timestamp":"...",
 *                    "result":[{"functionResponse":{"id":"...","name":"...","response":{"error":"..."}}}],
 *                    "resultDisplay":"..."}]},
 *     {"id":"...","type":"info"|"warning"|"error","content":"..."}]}
 *
 * The JSONL variant writes the metadata line first, then each message as it is recorded; a
 * message written again with the same `id` replaces the earlier version in place (tokens and tool
 * results arrive after the text), `{"$rewindTo": id}` drops that message and everything after it,
 * and `{"$set": {...}}` updates metadata (a `$set.messages` array replaces the whole history).
 * This importer replays those records as the producer's own loader (`loadConversationRecord`) does.
 *
 * A `gemini` message is one `llm` step (thoughts as reasoning, `tokens` as usage with `cached` as
 * cache reads and `thoughts` as reasoning tokens), each of its tool calls a `tool` step paired by
 * call id. A call whose status is `error` or `cancelled` is an error step carrying the
 * `functionResponse.response.error` text (else its display text). Newer versions also record the
 * tool responses sent back to the model as `user` messages made of `functionResponse` parts: those
 * fill in calls that have no result yet and are not shown as user messages. A call that ran a
 * subagent (`agentId`) gets the subagent's recording, `chats/<sessionId>/<agentId>.jsonl`, nested
 * under it when that file is on disk.
 */
import { SourceFile } from '../../json/source-file';
import type { JsonPath } from '../../json/locate';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { ToolCall } from '../../model/schema';
import { geminiUsage } from '../../model/usage';
import { toEpochMs } from '../../util/time';
import { UserInputError } from '../../util/problems';
import { Importer, ImportContext, isObject, asText } from '../importer';
import { arr, baseName, num, preview, rest, str } from './common';
import { countOwn } from '../../util/own-keys';

type Obj = Record<string, unknown>;

const MESSAGE_TYPES = new Set(['user', 'gemini', 'info', 'error', 'warning']);
/** Tool call statuses that mean the call failed (`CoreToolCallStatus` in scheduler/types.ts). */
const FAILED_STATUSES = new Set(['error', 'cancelled']);
const SUCCESS_STATUS = 'success';
const API_ERROR = /^\s*\[API Error: /;
/** Subagent recordings nested at most (each is read once; a subagent's own subagents share the folder). */
const MAX_SUBAGENTS = 200;

/** A message as recorded, with where its last version sits in the file. */
interface Recorded { msg: Obj; path: JsonPath }

function isMessageRecord(v: unknown): v is Obj {
  return isObject(v) && typeof v.id === 'string' && typeof v.type === 'string' && MESSAGE_TYPES.has(v.type);
}

function isMetadataRecord(v: unknown): v is Obj {
  return isObject(v) && typeof v.sessionId === 'string' && typeof v.projectHash === 'string';
}

export const geminiCliImporter: Importer = {
  id: 'gemini-cli',
  label: 'Gemini CLI chat recording',
  producer: 'Google Gemini CLI (~/.gemini/tmp/<project>/chats/session-*.json / .jsonl)',
  fileHint: /session-.*\.jsonl?$/,
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    if (file.looksLikeJsonl()) {
      const head = file.headRecords(8);
      if (isMetadataRecord(head[0]) && !('messages' in head[0] && !Array.isArray(head[0].messages))) return 0.95;
      const messages = head.filter(isMessageRecord).length;
      const markers = head.filter((r) => isObject(r) && (isObject(r.$set) || typeof r.$rewindTo === 'string')).length;
      return messages >= 2 && messages + markers === head.length ? 0.85 : 0;
    }
    const head = file.text.slice(0, 4096);
    if (!head.includes('"projectHash"') || !head.includes('"sessionId"')) return 0;
    const v = file.json;
    return isMetadataRecord(v) && Array.isArray(v.messages) ? 1 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const replay = file.looksLikeJsonl() ? replayJsonl(file, ctx) : readJson(file);
    if (!replay.messages.length) {
      throw new UserInputError({ file: file.path, path: '$.messages', message: 'this Gemini CLI recording holds no messages (nothing to show)' });
    }
    // Subagents record to chats/<sanitized main session id>/<agentId>.jsonl: beside the main
    // recording in that folder, or in the folder of the subagent recording that was opened.
    const sessionId = str(replay.metadata.sessionId);
    const folder = replay.metadata.kind === 'subagent' ? '.' : sessionId ? safeName(sessionId) : undefined;
    return [new RecordingReader(replay, folder ? subagentLoader(folder, ctx) : undefined).read(file.path)];
  },
};

interface Replay { metadata: Obj; messages: Recorded[]; jsonl: boolean; rewinds: number }

function readJson(file: SourceFile): Replay {
  const v = file.requireJson();
  if (!isObject(v)) throw new UserInputError({ file: file.path, path: '$', message: 'a Gemini CLI recording is a JSON object with "sessionId" and "messages"' });
  if (!Array.isArray(v.messages)) throw new UserInputError({ file: file.path, path: '$.messages', message: 'a Gemini CLI recording needs a "messages" array' });
  const messages: Recorded[] = [];
  v.messages.forEach((m, i) => { if (isObject(m)) messages.push({ msg: m, path: ['messages', i] }); });
  return { metadata: rest(v, ['messages']), messages, jsonl: false, rewinds: 0 };
}

/** The producer's `loadConversationRecord`: later versions of a message replace it in place. */
function replayJsonl(file: SourceFile, ctx: ImportContext): Replay {
  const { records, problems } = file.jsonl;
  for (const p of problems) ctx.warn(p);
  let metadata: Obj = {};
  let byId = new Map<string, Recorded>();
  let rewinds = 0;
  const addAll = (list: unknown[], at: (k: number) => JsonPath): void => {
    list.forEach((m, k) => { if (isMessageRecord(m)) byId.set(m.id as string, { msg: m, path: at(k) }); });
  };
  for (const { line, value: r } of records) {
    if (!isObject(r)) continue;
    if (typeof r.$rewindTo === 'string') {
      rewinds++;
      const ids = [...byId.keys()];
      const at = ids.indexOf(r.$rewindTo);
      // The producer clears everything when the rewind target is unknown.
      for (const id of at === -1 ? ids : ids.slice(at)) byId.delete(id);
    } else if (typeof r.id === 'string') {
      const id = r.id;
      if (isMessageRecord(r)) byId.set(id, { msg: r, path: [line] });
      else ctx.warn({ file: file.path, line: line + 1, message: `message ${JSON.stringify(preview(id, 40))} has no known "type" (user, gemini, info, warning, error); skipped` });
    } else if (isObject(r.$set)) {
      if (Array.isArray(r.$set.messages)) {
        byId = new Map();
        addAll(r.$set.messages, (k) => [line, '$set', 'messages', k]);
      }
      metadata = { ...metadata, ...rest(r.$set, ['messages']) };
    } else if (isMetadataRecord(r)) {
      if (r.messages !== undefined && !Array.isArray(r.messages)) {
        throw new UserInputError({ file: file.path, line: line + 1, path: '$.messages', message: 'a Gemini CLI recording needs a "messages" array' });
      }
      metadata = { ...metadata, ...rest(r, ['messages']) };
      if (Array.isArray(r.messages)) addAll(r.messages, (k) => [line, 'messages', k]);
    }
  }
  return { metadata, messages: [...byId.values()], jsonl: true, rewinds };
}

/** A file name part as the producer makes it (`sanitizeFilenamePart`): also keeps ids from reaching other folders. */
function safeName(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** Reads a subagent's recording, if it is on disk beside this one. */
type SubagentLoader = (agentId: string) => { replay: Replay; rel: string } | undefined;

function subagentLoader(folder: string, ctx: ImportContext): SubagentLoader {
  return (agentId) => {
    for (const ext of ['.jsonl', '.json']) {
      const rel = `${folder}/${safeName(agentId)}${ext}`;
      const bytes = ctx.readSibling(rel);
      if (!bytes) continue;
      const sub = new SourceFile(rel, bytes);
      // Problems in the subagent's file are reported against the opened file, naming the other one.
      const subCtx: ImportContext = { ...ctx, warn: (p) => ctx.warn({ message: `in ${rel}${p.line !== undefined ? ` line ${p.line}` : ''}: ${p.message}` }) };
      try {
        return { replay: sub.looksLikeJsonl() ? replayJsonl(sub, subCtx) : readJson(sub), rel };
      } catch (e) {
        ctx.warn({ message: `the subagent recording ${rel} could not be read (${e instanceof Error ? e.message : String(e)}); not nested` });
        return undefined;
      }
    }
    return undefined;
  };
}

/** Text of a `PartListUnion`: a string, a part, or a list of them; thought parts are apart. */
function partsText(content: unknown, thoughts = false): string {
  if (typeof content === 'string') return thoughts ? '' : content;
  const parts = Array.isArray(content) ? content : [content];
  const out: string[] = [];
  for (const p of parts) {
    if (typeof p === 'string') { if (!thoughts) out.push(p); continue; }
    if (!isObject(p) || typeof p.text !== 'string') continue;
    if ((p.thought === true) === thoughts) out.push(p.text);
  }
  return out.join('');
}

/**
 * A model message's calls: its `toolCalls` records, or, when it has none (calls that never
 * completed, or a history sync that kept only the model's parts), its `functionCall` parts.
 */
function toolCallRecords(msg: Obj, at: JsonPath): { c: Obj; at: JsonPath }[] {
  const records = arr(msg.toolCalls).flatMap((c, j) => (isObject(c) ? [{ c, at: [...at, 'toolCalls', j] as JsonPath }] : []));
  if (records.length || !Array.isArray(msg.content)) return records;
  return msg.content.flatMap((p, j) => {
    if (!isObject(p) || !isObject(p.functionCall)) return [];
    const f = p.functionCall;
    return [{ c: { ...(typeof f.id === 'string' ? { id: f.id } : {}), name: f.name, args: f.args ?? {}, fromFunctionCallPart: true }, at: [...at, 'content', j] as JsonPath }];
  });
}

/** `functionResponse` parts of a content value. */
function functionResponses(content: unknown): Obj[] {
  return arr(content).flatMap((p) => (isObject(p) && isObject(p.functionResponse) ? [p.functionResponse] : []));
}

/** What a tool returned: the `response` object of its functionResponse part(s), or the raw result. */
interface ToolResult { output?: string; error?: string; value: unknown }

function toolResult(result: unknown): ToolResult {
  if (result === undefined || result === null) return { value: result };
  const responses = functionResponses(result);
  if (!responses.length) return { value: result, output: typeof result === 'string' ? result : partsText(result) || undefined };
  const outputs: string[] = [];
  const errors: string[] = [];
  for (const r of responses) {
    const response = r.response;
    if (!isObject(response)) { if (response !== undefined) outputs.push(asText(response)); continue; }
    if (response.output !== undefined) outputs.push(asText(response.output));
    if (response.error !== undefined && response.error !== null && response.error !== '') errors.push(asText(response.error));
    if (response.output === undefined && response.error === undefined && Object.keys(response).length) outputs.push(asText(response));
  }
  return {
    value: result,
    ...(outputs.length ? { output: outputs.join('\n') } : {}),
    ...(errors.length ? { error: errors.join('\n') } : {}),
  };
}

class RecordingReader {
  private readonly steps: DraftStep[] = [];
  private readonly callSteps = new Map<string, DraftStep>();
  private readonly ignored: Record<string, number> = {};
  private readonly models: string[] = [];

  private readonly agentsRead = new Set<string>();

  constructor(private readonly replay: Replay, private readonly loadSubagent: SubagentLoader | undefined) {}

  read(path: string): DraftTrace {
    const { metadata, messages } = this.replay;
    const title = this.readMessages(messages);
    const meta: Obj = { ...metadata };
    if (this.models.length) meta.models = this.models;
    if (this.replay.jsonl) meta.recordingFormat = 'jsonl (append-only)';
    if (this.replay.rewinds) meta.rewinds = this.replay.rewinds;
    if (Object.keys(this.ignored).length) meta.messagesNotShownAsSteps = this.ignored;
    const sessionId = str(metadata.sessionId);
    const summary = str(metadata.summary);
    return {
      ...(sessionId ? { id: sessionId } : {}),
      title: preview(summary ?? title, 80) || baseName(path),
      startTime: toEpochMs(metadata.startTime) ?? this.steps[0]?.startTime ?? null,
      steps: this.steps,
      jsonlPaths: this.replay.jsonl,
      metadata: meta,
    };
  }

  /** Steps for the messages of a recording; returns the first user prompt. */
  private readMessages(messages: Recorded[]): string | undefined {
    let title: string | undefined;
    for (const { msg, path: at } of messages) {
      const type = str(msg.type);
      if (type === 'user') {
        const text = this.userMessage(msg, at);
        if (text && title === undefined) title = text;
      } else if (type === 'gemini') this.modelMessage(msg, at);
      else if (type === 'info' || type === 'warning' || type === 'error') this.notice(type, msg, at);
      else this.count(`message type ${String(msg.type)}`);
    }
    return title;
  }

  /**
   * A call that ran a subagent (`agentId`) gets the subagent's own recording nested under it.
   * Its steps point at that file (`attributes.sourceFile`), not at a place in this one.
   */
  private nestSubagent(step: DraftStep, agentId: string): void {
    if (!this.loadSubagent || !step.sourceId || this.agentsRead.has(agentId) || this.agentsRead.size >= MAX_SUBAGENTS) return;
    this.agentsRead.add(agentId);
    const sub = this.loadSubagent(agentId);
    if (!sub) return;
    const start = this.steps.length;
    this.readMessages(sub.replay.messages);
    for (const s of this.steps.slice(start)) {
      if (!s.parentSourceId) s.parentSourceId = step.sourceId;
      delete s.sourcePath;
      s.attributes = { sourceFile: sub.rel, ...s.attributes };
    }
    step.attributes = { ...step.attributes, subagentRecording: sub.rel };
  }

  private count(what: string): void {
    countOwn(this.ignored, what);
  }

  /** A user prompt, or (newer versions) the tool responses sent back to the model. */
  private userMessage(msg: Obj, at: JsonPath): string | undefined {
    const responses = functionResponses(msg.content);
    if (responses.length) {
      for (const r of responses) this.fillFromResponse(r, toEpochMs(msg.timestamp));
      if (!partsText(msg.content).trim()) { this.count('tool responses (paired with their calls)'); return undefined; }
    }
    const text = partsText(msg.content);
    this.steps.push({
      sourceId: str(msg.id), kind: 'message', name: `user: ${preview(text, 40)}`, status: 'ok',
      startTime: toEpochMs(msg.timestamp), input: { messages: [{ role: 'user', content: text }] },
      attributes: rest(msg, ['id', 'type', 'timestamp', 'content']), sourcePath: at,
    });
    return text;
  }

  /** A tool response whose call was recorded without a result (or not yet). */
  private fillFromResponse(response: Obj, time: number | null): void {
    const id = str(response.id);
    const step = id ? this.callSteps.get(id) : undefined;
    if (!step || step.output !== undefined) return;
    this.applyResult(step, toolResult([{ functionResponse: response }]), undefined, undefined);
    if (time !== null) step.endTime = time;
  }

  private modelMessage(msg: Obj, at: JsonPath): void {
    const time = toEpochMs(msg.timestamp);
    const model = str(msg.model);
    if (model && !this.models.includes(model)) this.models.push(model);
    const text = partsText(msg.content);
    const thoughts = arr(msg.thoughts).flatMap((t) => {
      if (!isObject(t)) return [];
      const line = [str(t.subject), str(t.description)].filter(Boolean).join(': ');
      return line ? [line] : [];
    });
    const inlineThought = partsText(msg.content, true);
    if (inlineThought) thoughts.push(inlineThought);
    const records = toolCallRecords(msg, at);
    // A message that only updates calls already shown (the producer re-records completed calls)
    // adds no model step of its own.
    const fresh: typeof records = [];
    for (const r of records) {
      const known = typeof r.c.id === 'string' ? this.callSteps.get(r.c.id) : undefined;
      if (known) this.updateCall(known, r.c, r.at);
      else fresh.push(r);
    }
    const usage = isObject(msg.tokens) ? msg.tokens : undefined;
    if (!text && !thoughts.length && !fresh.length && !usage && records.length) { this.count('tool call updates (merged into their calls)'); return; }
    const calls: ToolCall[] = fresh.map(({ c }) => ({ ...(str(c.id) ? { id: c.id as string } : {}), name: str(c.name) ?? 'tool', arguments: c.args ?? {} }));
    const attributes: Obj = rest(msg, ['id', 'type', 'timestamp', 'content', 'toolCalls', 'thoughts', 'tokens', 'model']);
    if (thoughts.length) attributes.reasoning = thoughts.join('\n\n');
    const step: DraftStep = {
      sourceId: str(msg.id), kind: 'llm', name: model ?? 'gemini', status: 'ok', startTime: time, endTime: time,
      ...(model ? { model } : {}),
      output: { messages: [{ role: 'assistant', content: text || null, ...(calls.length ? { toolCalls: calls } : {}) }] },
      attributes, sourcePath: at,
    };
    if (usage) this.applyUsage(step, usage);
    this.steps.push(step);
    fresh.forEach(({ c, at: callAt }, k) => this.toolStep(c, calls[k], time, callAt));
  }

  /**
   * `TokensSummary` (Gemini's usageMetadata): `input` is the whole prompt, cached tokens included;
   * `output` (candidates) leaves out `thoughts`, which Gemini bills as output, so output here is
   * candidates + thoughts, as OpenAI and Anthropic count it. The record itself stays in attributes.
   */
  private applyUsage(step: DraftStep, tokens: Obj): void {
    const usage = geminiUsage({ prompt: num(tokens.input), candidates: num(tokens.output), thoughts: num(tokens.thoughts), cached: num(tokens.cached), total: num(tokens.total) });
    if (usage) step.usage = usage;
    step.attributes!.tokens = tokens;
  }

  private toolStep(c: Obj, call: ToolCall, time: number | null, at: JsonPath): void {
    const step: DraftStep = {
      ...(call.id && !this.callSteps.has(call.id) ? { sourceId: call.id } : {}),
      kind: 'tool', name: call.name, status: 'unset', startTime: time, endTime: toEpochMs(c.timestamp) ?? time,
      toolCall: call, input: { value: call.arguments }, attributes: {}, sourcePath: at,
    };
    if (call.id) this.callSteps.set(call.id, step);
    this.steps.push(step);
    this.updateCall(step, c, at);
    const agentId = str(c.agentId);
    if (agentId) this.nestSubagent(step, agentId);
  }

  /** Status, result and display of a call record (first or later version). */
  private updateCall(step: DraftStep, c: Obj, at: JsonPath): void {
    step.sourcePath = at;
    step.attributes = { ...step.attributes, ...rest(c, ['id', 'name', 'args', 'result', 'status', 'timestamp']), ...(c.status !== undefined ? { toolStatus: c.status } : {}) };
    const end = toEpochMs(c.timestamp);
    if (end !== null) step.endTime = end;
    const hasResult = c.result !== undefined && c.result !== null;
    if (hasResult || c.status !== undefined) this.applyResult(step, toolResult(c.result), str(c.status), c.resultDisplay);
  }

  private applyResult(step: DraftStep, result: ToolResult, status: string | undefined, display: unknown): void {
    const displayText = typeof display === 'string' ? display : undefined;
    const text = result.output ?? result.error ?? displayText ?? '';
    const failed = (status !== undefined && FAILED_STATUSES.has(status)) || (status === undefined && result.error !== undefined);
    if (result.value !== undefined && result.value !== null) {
      step.output = { value: text, messages: [{ role: 'tool', content: text, name: step.name, ...(step.toolCall?.id ? { toolCallId: step.toolCall.id } : {}), ...(failed ? { isError: true } : {}) }] };
    }
    if (failed) {
      step.status = 'error';
      const message = (result.error ?? displayText ?? result.output ?? '').trim() || `the tool call ended with status ${status ?? 'error'}`;
      step.error = { type: status === 'cancelled' ? 'ToolCancelled' : 'ToolError', message };
    } else if (status === SUCCESS_STATUS || (status === undefined && result.value !== undefined && result.value !== null)) {
      step.status = 'ok';
      delete step.error;
    }
  }

  /**
   * Info, warning and error notices the CLI showed. An error notice that is an API error
   * (`[API Error: ...]`, errorParsing.ts) is the model call that failed at the provider.
   */
  private notice(type: string, msg: Obj, at: JsonPath): void {
    const text = partsText(msg.content);
    const error = type === 'error';
    const apiError = error && API_ERROR.test(text);
    this.steps.push({
      sourceId: str(msg.id), kind: apiError ? 'llm' : 'system', name: apiError ? 'model error' : `${type}: ${preview(text, 40)}`, status: error ? 'error' : 'ok',
      startTime: toEpochMs(msg.timestamp),
      // A failed model call has no prompt of its own here: the notice text is its error.
      ...(apiError ? {} : { input: { messages: [{ role: 'system' as const, content: text }] } }),
      ...(error ? { error: { type: apiError ? 'ApiError' : 'GeminiCliError', message: text.trim() || 'error' } } : {}),
      attributes: { messageType: type, ...rest(msg, ['id', 'type', 'timestamp', 'content']) }, sourcePath: at,
    });
  }
}
