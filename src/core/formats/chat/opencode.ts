/**
 * opencode sessions, in the two shapes users have on disk. Producer: `sst/opencode` (now
 * `anomalyco/opencode`), `packages/opencode/src/session/message-v2.ts` (message and part types),
 * `src/storage/storage.ts` (the JSON storage layout) and `src/cli/cmd/export.ts`:
 *
 * - `opencode export <id>`: one JSON document `{info: Session, messages: [{info: Message, parts: Part[]}], todos}`.
 * - The JSON storage of `~/.local/share/opencode/storage/` (before opencode moved to SQLite):
 *   `session/<projectID>/<sessionID>.json` holds the session, its messages are
 *   `message/<sessionID>/<messageID>.json` and their parts `part/<messageID>/<partID>.json`.
 *   Opening the session file reads those folders (read-only), found relative to it. Sessions
 *   written before the storage migration (mid 2025) are read in place too:
 *   `project/<dir>/storage/session/info/<id>.json`, `.../message/<id>/`, `.../part/<id>/<messageID>/`.
 *
 *   {"id":"msg_...","sessionID":"ses_...","role":"assistant","modelID":"claude-sonnet-4","providerID":"anthropic",
 *    "time":{"created":1767000000000,"completed":...},"tokens":{"input":12,"output":80,"reasoning":0,"cache":{"read":9000,"write":300}},"cost":0.01,
 *    "error":{"name":"APIError","data":{"message":"...","statusCode":529,"isRetryable":true}}}
 *   {"id":"prt_...","type":"tool","callID":"toolu_...","tool":"bash",
 *    "state":{"status":"error","input":{...},"error":"...","time":{"start":...,"end":...}}}
 *
 * A user message is a `message` step. An assistant message holds one model call per
 * `step-start` .. `step-finish` pair (older versions: the whole message): each is an `llm` step
 * with its text, reasoning, tool calls, and the step-finish tokens and cost as usage (opencode's
 * `input` leaves out the cache reads and writes, which are counted apart). Each tool part is a
 * `tool` step paired by `callID`: `completed` is ok (a bash command with a non-zero `exit` in its
 * metadata is an error carrying its output), `error` is an error step with the recorded error
 * text, `pending` / `running` are unfinished. A `retry` part is a failed model call, and the
 * message's own `error` (API error, output length) marks its last model call failed; an abort
 * (`MessageAbortedError`) fails the calls still running, or the model call when none was. In
 * the storage layout, a `task` tool call's sub-session (`metadata.sessionId`) nests under it.
 */
import type { SourceFile } from '../../json/source-file';
import type { JsonPath } from '../../json/locate';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { ToolCall, Usage } from '../../model/schema';
import { UserInputError } from '../../util/problems';
import { tryParseJson } from '../../json/depth';
import { Importer, ImportContext, isObject, asText } from '../importer';
import { arr, baseName, num, preview, rest, str } from './common';
import { countOwn } from '../../util/own-keys';
import { isAnsweringExit, shellCommandText } from '../shell-exit';

type Obj = Record<string, unknown>;

/** A message with its parts, and where each sits (a JSON path in the export, a file in storage). */
interface Message { info: Obj; parts: Part[]; path?: JsonPath; sourceFile?: string }
interface Part { part: Obj; path?: JsonPath; sourceFile?: string }

/** opencode ids (`ses_...`, `msg_...`); anything else could name a folder outside the storage. */
function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(id);
}

/** Sub-sessions are followed this deep at most (a task that starts a task...). */
const MAX_SUBSESSION_DEPTH = 8;

function isExport(v: unknown): v is Obj & { info: Obj; messages: unknown[] } {
  if (!isObject(v) || !isObject(v.info) || typeof v.info.id !== 'string' || !Array.isArray(v.messages)) return false;
  const first = v.messages[0];
  return first === undefined ? 'projectID' in v.info || 'directory' in v.info : isObject(first) && isObject(first.info) && Array.isArray(first.parts);
}

/** A session's info; sessions written before the storage migration have no `projectID`. */
function isSessionInfo(v: unknown): v is Obj {
  if (!isObject(v) || typeof v.id !== 'string' || !isObject(v.time) || 'messages' in v || 'role' in v) return false;
  return typeof v.projectID === 'string' ? 'directory' in v : v.id.startsWith('ses_') && typeof v.title === 'string' && 'version' in v;
}

export const opencodeImporter: Importer = {
  id: 'opencode',
  label: 'opencode session',
  producer: 'opencode (`opencode export` JSON, or storage/session/<project>/<id>.json with its message/ and part/ folders)',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    const head = file.text.slice(0, 4096);
    if (!head.includes('"projectID"') && !head.includes('"sessionID"') && !head.includes('"ses_')) return 0;
    const v = file.json;
    if (isExport(v)) return 1;
    return isSessionInfo(v) ? 0.9 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const v = file.requireJson();
    if (isObject(v) && isObject(v.info) && 'messages' in v) {
      if (!Array.isArray(v.messages)) throw new UserInputError({ file: file.path, path: '$.messages', message: 'an opencode export needs a "messages" array' });
      const messages = v.messages.flatMap((m, i): Message[] => {
        if (!isObject(m) || !isObject(m.info)) {
          ctx.warn({ path: `$.messages[${i}]`, message: 'an opencode message needs an "info" object; skipped' });
          return [];
        }
        const parts = arr(m.parts).flatMap((p, j): Part[] => (isObject(p) ? [{ part: p, path: ['messages', i, 'parts', j] }] : []));
        return [{ info: m.info, parts, path: ['messages', i] }];
      });
      const reader = new SessionReader(file.path, ctx, undefined);
      reader.readMessages(messages, null);
      return [reader.trace(v.info, { ...(v.todos !== undefined ? { todos: v.todos } : {}), opencodeShape: 'export' })];
    }
    if (!isSessionInfo(v)) throw new UserInputError({ file: file.path, path: '$', message: 'an opencode session is an object with "id", "projectID", "directory" and "time", or an export with "info" and "messages"' });
    if (!isSafeId(v.id as string)) {
      throw new UserInputError({ file: file.path, path: '$.id', message: `${JSON.stringify(preview(v.id as string, 40))} is not an opencode id (letters, digits, "_" and "-"), so its message folder cannot be found` });
    }
    const storage = new StorageReader(file.path, ctx, LEGACY_SESSION_FOLDER.test(file.path) ? LEGACY_LAYOUT : CURRENT_LAYOUT);
    const reader = new SessionReader(file.path, ctx, storage);
    reader.readMessages(storage.messages(v.id as string, true), null);
    return [reader.trace(v, { opencodeShape: 'storage' })];
  },
};

/** Where a session's messages and parts are, relative to the folder of its session file. */
interface Layout { messages(sessionId: string): string; parts(sessionId: string, messageId: string): string }

/** `storage/session/<projectID>/<id>.json`, `storage/message/<id>/`, `storage/part/<messageID>/`. */
const CURRENT_LAYOUT: Layout = { messages: (s) => `../../message/${s}`, parts: (_s, m) => `../../part/${m}` };
/** Before the storage migration: `project/<dir>/storage/session/info/<id>.json`, `.../message/<id>/`, `.../part/<id>/<messageID>/`. */
const LEGACY_LAYOUT: Layout = { messages: (s) => `../message/${s}`, parts: (s, m) => `../part/${s}/${m}` };
const LEGACY_SESSION_FOLDER = /[\\/]storage[\\/]session[\\/]info[\\/][^\\/]+$/;

/** The storage layout around a session file (read-only). */
class StorageReader {
  constructor(private readonly path: string, private readonly ctx: ImportContext, private readonly layout: Layout) {}

  messages(sessionId: string, required: boolean): Message[] {
    const folder = this.layout.messages(sessionId);
    if (!this.ctx.listSibling) {
      throw new UserInputError({ file: this.path, message: `an opencode session file: its messages are in ${folder}/, which cannot be read from here (open the file from disk, or open the output of 'opencode export ${sessionId}')` });
    }
    const names = this.jsonFiles(folder);
    if (names === undefined) {
      if (required) throw new UserInputError({ file: this.path, message: `an opencode session file, but its message folder ${folder}/ is missing (is this file still inside opencode's storage folder?)` });
      return [];
    }
    return names.flatMap((name): Message[] => {
      const rel = `${folder}/${name}`;
      const info = this.readObject(rel);
      if (!info) return [];
      const ownId = str(info.id);
      const id = ownId && isSafeId(ownId) ? ownId : name.replace(/\.json$/, '');
      const partFolder = this.layout.parts(sessionId, id);
      const parts = (this.jsonFiles(partFolder) ?? []).flatMap((p): Part[] => {
        const part = this.readObject(`${partFolder}/${p}`);
        return part ? [{ part, sourceFile: `${partFolder}/${p}` }] : [];
      });
      return [{ info, parts, sourceFile: rel }];
    });
  }

  /** JSON files of a folder in id order (opencode ids sort in creation order), or undefined when absent. */
  private jsonFiles(folder: string): string[] | undefined {
    return this.ctx.listSibling?.(folder)?.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  }

  private readObject(rel: string): Obj | undefined {
    const bytes = this.ctx.readSibling(rel);
    if (!bytes) { this.ctx.warn({ message: `${rel} could not be read; skipped` }); return undefined; }
    const parsed = tryParseJson(new TextDecoder().decode(bytes))?.value;
    if (!isObject(parsed)) { this.ctx.warn({ message: `${rel} is not a JSON object; skipped` }); return undefined; }
    return parsed;
  }
}

/** The model call being read: one step-start .. step-finish segment of an assistant message. */
interface ModelCall { step: DraftStep; texts: string[]; reasoning: string[]; calls: ToolCall[] }

class SessionReader {
  private readonly steps: DraftStep[] = [];
  private readonly usedIds = new Set<string>();
  private readonly models: string[] = [];
  private readonly ignored: Record<string, number> = {};
  private readonly sessionsRead = new Set<string>();
  private firstPrompt: string | undefined;

  constructor(private readonly path: string, private readonly ctx: ImportContext, private readonly storage: StorageReader | undefined) {}

  trace(session: Obj, extra: Obj): DraftTrace {
    const id = str(session.id);
    const time = isObject(session.time) ? session.time : {};
    const metadata: Obj = { ...rest(session, ['id', 'title', 'time']), ...(isObject(session.time) ? { time: session.time } : {}), ...extra };
    if (this.models.length) metadata.models = this.models;
    if (Object.keys(this.ignored).length) metadata.partsNotShownAsSteps = this.ignored;
    return {
      ...(id ? { id } : {}),
      title: preview(str(session.title) || this.firstPrompt, 80) || baseName(this.path),
      startTime: num(time.created) ?? this.steps[0]?.startTime ?? null,
      steps: this.steps,
      metadata,
    };
  }

  private count(what: string): void {
    countOwn(this.ignored, what);
  }

  /** A source id once only: ids from hostile files may repeat, and a repeat would merge two steps. */
  private uniqueId(id: string | undefined): string | undefined {
    if (!id || this.usedIds.has(id)) return undefined;
    this.usedIds.add(id);
    return id;
  }

  readMessages(messages: Message[], parent: string | null, depth = 0): void {
    for (const m of messages) {
      const sessionId = str(m.info.sessionID);
      if (sessionId) this.sessionsRead.add(sessionId);
      if (m.info.role === 'user') this.userMessage(m, parent);
      else if (m.info.role === 'assistant') this.assistantMessage(m, parent, depth);
      else this.count(`message role ${String(m.info.role)}`);
    }
  }

  private where(x: { path?: JsonPath; sourceFile?: string }): Pick<DraftStep, 'sourcePath'> & { attributes: Obj } {
    return { ...(x.path ? { sourcePath: x.path } : {}), attributes: x.sourceFile ? { sourceFile: x.sourceFile } : {} };
  }

  private userMessage(m: Message, parent: string | null): void {
    const texts: string[] = [];
    const other: Obj[] = [];
    for (const { part } of m.parts) {
      if (part.type === 'text' && typeof part.text === 'string') { if (part.ignored !== true) texts.push(part.text); }
      else if (part.type === 'file') texts.push(`[file: ${str(part.filename) ?? str(part.url) ?? 'attachment'}]`);
      else other.push(rest(part, ['id', 'sessionID', 'messageID']));
    }
    const text = texts.join('\n\n');
    this.firstPrompt ??= text || undefined;
    const time = isObject(m.info.time) ? num(m.info.time.created) ?? null : null;
    const where = this.where(m);
    this.steps.push({
      sourceId: this.uniqueId(str(m.info.id)), parentSourceId: parent, kind: 'message', name: `user: ${preview(text, 40)}`, status: 'ok',
      startTime: time, input: { messages: [{ role: 'user', content: text }] }, ...where,
      attributes: { ...where.attributes, ...rest(m.info, ['id', 'sessionID', 'role', 'time']), ...(other.length ? { otherParts: other } : {}) },
    });
  }

  private assistantMessage(m: Message, parent: string | null, depth: number): void {
    const info = m.info;
    const model = str(info.modelID);
    if (model && !this.models.includes(model)) this.models.push(model);
    const created = isObject(info.time) ? num(info.time.created) ?? null : null;
    const completed = isObject(info.time) ? num(info.time.completed) ?? null : null;
    const calls: ModelCall[] = [];
    let current: ModelCall | undefined;
    let lastTime = created;
    const open = (id: string | undefined, x: { path?: JsonPath; sourceFile?: string }): ModelCall => {
      const where = this.where(x);
      const step: DraftStep = {
        sourceId: this.uniqueId(id), parentSourceId: parent, kind: 'llm', name: model ?? 'assistant', status: 'ok',
        startTime: lastTime, endTime: lastTime, ...(model ? { model } : {}), ...where,
        attributes: { ...where.attributes, messageId: info.id, ...rest(info, ['id', 'sessionID', 'role', 'time', 'modelID', 'tokens', 'cost', 'error', 'parentID']) },
      };
      this.steps.push(step);
      const call: ModelCall = { step, texts: [], reasoning: [], calls: [] };
      calls.push(call);
      return call;
    };
    const ensure = (x: Part): ModelCall => current ?? (current = open(`${String(info.id)}:${calls.length}`, x));
    let finished = false;
    const unfinished: DraftStep[] = [];
    for (const x of m.parts) {
      const p = x.part;
      const time = partTime(p);
      if (time !== null) lastTime = time;
      switch (p.type) {
        case 'step-start':
          current = open(str(p.id), x);
          break;
        case 'step-finish': {
          const call = ensure(x);
          applyUsage(call.step, p.tokens, p.cost);
          if (str(p.reason)) call.step.finishReason = p.reason as string;
          finished = true;
          current = undefined;
          break;
        }
        case 'text':
          if (typeof p.text === 'string') ensure(x).texts.push(p.text);
          break;
        case 'reasoning':
          if (typeof p.text === 'string' && p.text) ensure(x).reasoning.push(p.text);
          break;
        case 'tool': {
          const step = this.toolPart(ensure(x), x, parent, depth, completed !== null);
          if (step.status === 'unset') unfinished.push(step);
          break;
        }
        case 'retry':
          this.retryPart(x, parent, model);
          break;
        default: {
          // Snapshots, patches, files, agents, compaction markers: facts of the model call, not
          // steps (a patch is written after its call's step-finish, so it joins that call).
          const call = current ?? calls[calls.length - 1] ?? ensure(x);
          const list = (call.step.attributes!.otherParts as Obj[] | undefined) ?? [];
          call.step.attributes!.otherParts = [...list, rest(p, ['id', 'sessionID', 'messageID'])];
        }
      }
      if (current && lastTime !== null) current.step.endTime = lastTime;
    }
    if (!calls.length && (info.error !== undefined || m.parts.length === 0)) open(str(info.id), m);
    const last = calls[calls.length - 1];
    if (!last) return;
    if (completed !== null) last.step.endTime = completed;
    for (const c of calls) {
      c.step.output = { messages: [{ role: 'assistant', content: c.texts.length ? c.texts.join('\n\n') : null, ...(c.calls.length ? { toolCalls: c.calls } : {}) }] };
      if (c.reasoning.length) c.step.attributes!.reasoning = c.reasoning.join('\n\n');
    }
    // Older messages have no step-finish parts: the message's own tokens are its one call's usage.
    if (!finished) applyUsage(last.step, info.tokens, info.cost);
    else if (isObject(info.tokens)) last.step.attributes!.messageTokens = info.tokens;
    if (!isObject(info.error)) return;
    const error = messageError(info.error);
    if (error.type === 'MessageAbortedError' && unfinished.length) {
      // The user stopped the run while calls were running: they failed, the model call did not.
      last.step.attributes!.aborted = error.message;
      for (const s of unfinished) {
        s.status = 'error';
        s.error = { type: error.type, message: `${error.message} (the call was still running)` };
      }
      return;
    }
    last.step.status = 'error';
    last.step.error = error;
  }

  private toolPart(call: ModelCall, x: Part, parent: string | null, depth: number, messageDone: boolean): DraftStep {
    const p = x.part;
    const state = isObject(p.state) ? p.state : {};
    const callId = str(p.callID);
    const name = str(p.tool) ?? 'tool';
    const toolCall: ToolCall = { ...(callId ? { id: callId } : {}), name, arguments: state.input ?? {} };
    call.calls.push(toolCall);
    const time = isObject(state.time) ? state.time : {};
    const where = this.where(x);
    const metadata = isObject(state.metadata) ? state.metadata : undefined;
    const step: DraftStep = {
      sourceId: this.uniqueId(callId ?? str(p.id)), parentSourceId: parent, kind: 'tool', name,
      startTime: num(time.start) ?? call.step.startTime ?? null, endTime: num(time.end) ?? null,
      toolCall, input: { value: toolCall.arguments }, status: 'unset', ...where,
      attributes: { ...where.attributes, partId: p.id, toolStatus: state.status, ...rest(state, ['status', 'input', 'output', 'error', 'time']), ...rest(p, ['id', 'sessionID', 'messageID', 'type', 'callID', 'tool', 'state']) },
    };
    const reply = (text: string, isError: boolean) => ({ value: text, messages: [{ role: 'tool' as const, content: text, name, ...(callId ? { toolCallId: callId } : {}), ...(isError ? { isError: true } : {}) }] });
    if (state.status === 'completed') {
      const output = asText(state.output);
      const exit = metadata ? num(metadata.exit) : undefined;
      // A search that found nothing (grep's exit 1) answered; it did not fail.
      if (exit !== undefined && exit !== 0 && !isAnsweringExit(shellCommandText(toolCall.arguments), exit, output)) {
        step.status = 'error';
        step.error = { type: 'ExitCode', message: `exit code ${exit}: ${output.trim() || '(no output)'}` };
        step.output = reply(output, true);
      } else {
        step.status = 'ok';
        step.output = reply(output, false);
      }
    } else if (state.status === 'error') {
      const message = asText(state.error).trim() || 'the tool call failed';
      step.status = 'error';
      step.error = { type: 'ToolError', message };
      step.output = reply(asText(state.error), true);
    } else if (messageDone) {
      // The producer answers a call left pending or running with "[Tool execution was interrupted]".
      step.attributes!.interrupted = true;
    }
    this.steps.push(step);
    const sub = metadata ? str(metadata.sessionId) : undefined;
    if (sub && isSafeId(sub) && this.storage && step.sourceId && depth < MAX_SUBSESSION_DEPTH && !this.sessionsRead.has(sub)) {
      this.sessionsRead.add(sub);
      const messages = this.storage.messages(sub, false);
      if (messages.length) {
        step.attributes!.subSessionId = sub;
        this.readMessages(messages, step.sourceId, depth + 1);
      }
    }
    return step;
  }

  /** A model call that failed and was retried (`RetryPart`): a failed `llm` step with the API error. */
  private retryPart(x: Part, parent: string | null, model: string | undefined): void {
    const p = x.part;
    const where = this.where(x);
    const time = isObject(p.time) ? num(p.time.created) ?? null : null;
    this.steps.push({
      sourceId: this.uniqueId(str(p.id)), parentSourceId: parent, kind: 'llm', name: `retry ${String(p.attempt ?? '')}`.trim(), status: 'error',
      startTime: time, endTime: time, ...(model ? { model } : {}), ...where,
      error: isObject(p.error) ? messageError(p.error) : { type: 'APIError', message: asText(p.error) || 'the model call failed and was retried' },
      attributes: { ...where.attributes, ...rest(p, ['id', 'sessionID', 'messageID', 'type', 'error', 'time']) },
    });
  }
}

/** When a part happened: text and reasoning `time.start`, tool `state.time.start`, retry `time.created`. */
function partTime(p: Obj): number | null {
  const t = isObject(p.time) ? p.time : isObject(p.state) && isObject(p.state.time) ? p.state.time : undefined;
  return t ? num(t.start) ?? num(t.created) ?? null : null;
}

/** `{total?, input, output, reasoning, cache: {read, write}}` and cost of a step-finish part or message. */
function applyUsage(step: DraftStep, tokens: unknown, cost: unknown): void {
  const usage: Usage = {};
  if (isObject(tokens)) {
    const cache = isObject(tokens.cache) ? tokens.cache : {};
    const fields: [keyof Usage, unknown][] = [
      ['inputTokens', tokens.input], ['outputTokens', tokens.output], ['totalTokens', tokens.total],
      ['cacheReadTokens', cache.read], ['cacheWriteTokens', cache.write], ['reasoningTokens', tokens.reasoning],
    ];
    for (const [k, v] of fields) if (num(v) !== undefined) usage[k] = v as number;
    step.attributes!.tokens = tokens;
  }
  if (num(cost) !== undefined) usage.cost = cost as number;
  if (Object.keys(usage).length) step.usage = usage;
}

/** A NamedError as opencode stores it: `{name, data: {message, ...}}`. */
function messageError(e: Obj): { type: string; message: string } {
  const data = isObject(e.data) ? e.data : {};
  const name = str(e.name) ?? 'Error';
  const message = str(data.message) ?? str(e.message) ?? (name === 'MessageOutputLengthError' ? 'the model reached its output length limit' : asText(e));
  const status = num(data.statusCode);
  return { type: name, message: status !== undefined && !message.includes(String(status)) ? `${message} (status ${status})` : message };
}
