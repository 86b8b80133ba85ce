/**
 * Cline and Roo Code task folders (`<globalStorage>/tasks/<task id>/`): the conversation as sent
 * to the model in `api_conversation_history.json`, joined with the UI's event log in the sibling
 * `ui_messages.json` when it is there. Producers: `cline/cline` (`src/core/task/`, earlier
 * `src/core/Cline.ts`; message types in `src/shared/ExtensionMessage.ts`) and `RooCodeInc/Roo-Code`
 * (`src/core/task/Task.ts`, `src/core/task-persistence/`).
 *
 *   api_conversation_history.json: Anthropic messages, plus Cline's own fields
 *   [{"role":"user","content":[{"type":"text","text":"<task>\nFix the test\n</task>"},{"type":"text","text":"<environment_details>…"}]},
 *    {"role":"assistant","content":[{"type":"text","text":"<execute_command>\n<command>npm test</command>\n</execute_command>"}]},
 *    {"role":"user","content":[{"type":"text","text":"[execute_command for 'npm test'] Result:"},{"type":"text","text":"Command executed.\nOutput:\n…"}]}]
 *
 * The model's tool calls are XML-ish tags in its text (parsed like the producer's parser), or
 * `tool_use` blocks in versions with native tool calling; results come back as user text headed
 * `[tool for '…'] Result:` (in the same block or, in older versions, the blocks after it), or as
 * `tool_result` blocks whose text starts with that header. Failures are recognized by the texts
 * the extension writes (see cline-text.ts): a non-zero exit code, a tool error, a denial.
 *
 *   ui_messages.json: [{"ts":1733…,"type":"say","say":"api_req_started","text":"{\"tokensIn\":12,\"tokensOut\":80,\"cacheWrites\":0,\"cacheReads\":9000,\"cost\":0.01}","conversationHistoryIndex":0}, …]
 *
 * Each `api_req_started` is one model request: its usage (cache reads and writes apart) and start
 * time go to the assistant message that answered it, the first one after its
 * `conversationHistoryIndex` (or, in files without that field, the next one in order). API
 * failures the UI recorded (`api_req_failed`, `error`) become error steps at their time.
 */
import type { JsonPath } from '../../json/locate';
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { ToolCall, Usage } from '../../model/schema';
import { usageFrom } from '../../model/usage';
import { tryParseJson } from '../../json/depth';
import { UserInputError } from '../../util/problems';
import { asText, Importer, ImportContext, isObject } from '../importer';
import { arr, baseName, contentText, num, preview, rest, str } from './common';
import { fillMissingTimes } from './step-times';
import { CLINE_TOOL_NAMES, isNoToolUsedReminder, judgeResult, notExecutedCall, parseXmlToolCalls, resultHeader } from './cline-text';
import { shellCommandText } from '../shell-exit';

type Obj = Record<string, unknown>;

const UI_MESSAGES = 'ui_messages.json';
const API_HISTORY = 'api_conversation_history.json';
const MARKERS = /^\s*(<task>|<environment_details>|\[TASK RESUMPTION\]|\[[\w.-]+(?: for [^\n]*)?\] Result:)/;
const TOOL_TAG = new RegExp(`<(${CLINE_TOOL_NAMES.join('|')})>`);

function isMessage(m: unknown): m is Obj {
  return isObject(m) && (m.role === 'user' || m.role === 'assistant') && (typeof m.content === 'string' || Array.isArray(m.content));
}

/** Text of the text blocks of a message (or its string content). */
function textsOf(m: Obj): string[] {
  if (typeof m.content === 'string') return [m.content];
  return arr(m.content).map((b) => (isObject(b) && b.type === 'text' ? str(b.text) : isObject(b) && b.type === 'tool_result' ? contentText(b.content) : undefined))
    .filter((t): t is string => typeof t === 'string');
}

/** Cline's markers in the first messages: the task and environment wrappers, result headers, tool tags, its own fields. */
function looksLikeCline(messages: readonly unknown[]): boolean {
  for (const m of messages.slice(0, 6)) {
    if (!isMessage(m)) continue;
    if (m.role === 'assistant' && (isObject(m.modelInfo) || (isObject(m.metrics) && 'tokens' in m.metrics))) return true;
    for (const t of textsOf(m)) {
      if (m.role === 'user' && MARKERS.test(t)) return true;
      if (m.role === 'assistant' && TOOL_TAG.test(t)) return true;
    }
  }
  return false;
}

export const clineImporter: Importer = {
  id: 'cline',
  label: 'Cline / Roo Code task',
  producer: 'Cline and Roo Code (VS Code globalStorage tasks/<id>/api_conversation_history.json, with ui_messages.json)',
  fileHint: /(api_conversation_history|ui_messages)\.json$/,
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '[') return 0;
    const v = file.json;
    if (!Array.isArray(v) || v.length === 0) return 0;
    if (isUiEventLog(v)) return 0.85;
    if (!isMessage(v[0])) return 0;
    // Above the generic Anthropic-messages importer (0.55), which would read the same array.
    return looksLikeCline(v) ? 0.9 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const value = file.json;
    if (Array.isArray(value) && isUiEventLog(value)) return [fromUiEventLog(file, value.filter(isObject), ctx)];
    if (!Array.isArray(value)) throw new UserInputError({ file: file.path, path: '$', message: 'a Cline conversation history must be a JSON array of messages' });
    const ui = readUiMessages(file, ctx);
    return [new TaskReader(file.path, value, ui).read()];
  },
};

/** ui_messages.json: `[{ts, type: "say"|"ask", say|ask, text}, …]`. */
function isUiEventLog(v: unknown[]): boolean {
  const head = v.slice(0, 5);
  return head.every((e) => isObject(e) && typeof e.ts === 'number' && (e.type === 'say' || e.type === 'ask') && (typeof e.say === 'string' || typeof e.ask === 'string'));
}

/**
 * ui_messages.json opened itself: the task is read from the conversation next to it, with these
 * events joined in. Steps then have no place in the opened file (their messages are in the other).
 */
function fromUiEventLog(file: SourceFile, ui: Obj[], ctx: ImportContext): DraftTrace {
  const bytes = ctx.readSibling(API_HISTORY);
  const parsed = bytes ? tryParseJson(new TextDecoder().decode(bytes)) : undefined;
  if (!parsed || !Array.isArray(parsed.value)) {
    throw new UserInputError({ file: file.path, message: `this is Cline's UI event log; the conversation is in ${API_HISTORY} in the same folder, which is ${bytes ? 'not a JSON array' : 'not there'}` });
  }
  const trace = new TaskReader(file.path, parsed.value, ui).read();
  for (const s of trace.steps) delete s.sourcePath;
  trace.metadata = { ...trace.metadata, conversationFile: API_HISTORY };
  return trace;
}

/** The sibling ui_messages.json, or undefined when absent or unreadable (said in a warning). */
function readUiMessages(file: SourceFile, ctx: ImportContext): Obj[] | undefined {
  const bytes = ctx.readSibling(UI_MESSAGES);
  if (!bytes) return undefined;
  const parsed = tryParseJson(new TextDecoder().decode(bytes));
  if (!parsed || !Array.isArray(parsed.value)) {
    ctx.warn({ message: `${UI_MESSAGES} next to it is not a JSON array; timestamps and costs not read` });
    return undefined;
  }
  return parsed.value.filter(isObject);
}

interface ApiRequest { ts: number | null; info: Obj; historyIndex?: number; line: number }

/** A call waiting for its result: the tool step, and for XML calls the name to match the result header with. */
interface PendingCall { step: DraftStep; name: string; id?: string }

class TaskReader {
  private readonly steps: DraftStep[] = [];
  private readonly timed: { step: DraftStep; ts: number }[] = [];
  private pending: PendingCall[] = [];
  private readonly calls = new Map<string, PendingCall>();
  private readonly metadata: Obj = {};
  private title: string | undefined;
  private lastLlm: DraftStep | undefined;
  /** Request info per assistant message index, from ui_messages. */
  private readonly requestsByMessage = new Map<number, ApiRequest[]>();

  constructor(private readonly path: string, private readonly history: readonly unknown[], private readonly ui: Obj[] | undefined) {}

  read(): DraftTrace {
    if (this.ui) this.joinRequests(this.ui);
    this.history.forEach((m, i) => {
      if (!isObject(m)) return;
      if (m.role === 'assistant') this.assistant(m, i);
      else if (m.role === 'user') this.user(m, i);
      else this.metadata.otherEntries = ((this.metadata.otherEntries as number | undefined) ?? 0) + 1;
    });
    // The last call of a finished task (attempt_completion) gets no result: the task ended on it.
    for (const p of this.pending) if (p.name === 'attempt_completion') { p.step.status = 'ok'; p.step.attributes!.noResultRecorded = true; }
    // Older histories have no times of their own: the task starts when the UI showed it.
    const shown = this.ui?.find((u) => num(u.ts) !== undefined);
    if (shown && this.steps[0] && this.steps[0].kind === 'message' && this.steps[0].startTime == null) {
      this.steps[0].startTime = num(shown.ts)!;
      this.steps[0].endTime = num(shown.ts)!;
    }
    fillMissingTimes(this.steps);
    if (this.ui) this.uiEvents(this.ui);
    const startTime = this.steps.find((s) => s.startTime != null)?.startTime ?? null;
    return { title: this.title ?? baseName(this.path), startTime, steps: this.steps, metadata: this.metadata };
  }

  /** Which assistant message each api_req_started answered, by conversationHistoryIndex or order. */
  private joinRequests(ui: Obj[]): void {
    const assistants = this.history.map((m, i) => (isObject(m) && m.role === 'assistant' ? i : -1)).filter((i) => i >= 0);
    let ordinal = 0;
    const unmatched: Obj[] = [];
    ui.forEach((u, line) => {
      if (u.say !== 'api_req_started') return;
      const parsed = tryParseJson(str(u.text) ?? '')?.value;
      const info = isObject(parsed) ? parsed : {};
      const historyIndex = num(u.conversationHistoryIndex);
      const req: ApiRequest = { ts: num(u.ts) ?? null, info, line, ...(historyIndex !== undefined ? { historyIndex } : {}) };
      const at = historyIndex !== undefined ? firstAbove(assistants, historyIndex) : ordinal;
      const target = assistants[at];
      if (target === undefined) { unmatched.push(usageInfo(info)); return; }
      ordinal = at + 1;
      const list = this.requestsByMessage.get(target) ?? [];
      list.push(req);
      this.requestsByMessage.set(target, list);
    });
    if (unmatched.length) this.metadata.requestsWithoutResponse = unmatched;
  }

  private assistant(m: Obj, i: number): void {
    this.closePending();
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : arr(m.content);
    const texts: string[] = [];
    const thinking: string[] = [];
    const toolUses: { call: ToolCall; index: number }[] = [];
    blocks.forEach((b, index) => {
      if (!isObject(b)) return;
      if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text);
      else if ((b.type === 'thinking' || b.type === 'reasoning') && typeof (b.thinking ?? b.text) === 'string') thinking.push(String(b.thinking ?? b.text));
      else if (b.type === 'tool_use' || b.type === 'mcp_tool_use') {
        const id = str(b.id);
        toolUses.push({ call: { ...(id ? { id } : {}), name: str(b.name) ?? 'tool', arguments: b.input ?? {} }, index });
      }
    });
    let said = texts.join('\n');
    const xmlCalls: ToolCall[] = [];
    if (toolUses.length === 0) {
      const parsed = parseXmlToolCalls(said);
      said = parsed.text;
      for (const c of parsed.calls) xmlCalls.push({ name: c.name, arguments: c.params });
    }
    const toolCalls = [...toolUses.map((t) => t.call), ...xmlCalls];
    const modelInfo = isObject(m.modelInfo) ? m.modelInfo : undefined;
    const model = str(modelInfo?.modelId) ?? str(m.model);
    const requests = this.requestsByMessage.get(i) ?? [];
    const usage = requests.length ? requestUsage(requests) : metricsUsage(m.metrics);
    const step: DraftStep = {
      ...(str(m.id) ? { sourceId: str(m.id) } : {}),
      kind: 'llm', name: model ?? 'assistant', status: 'ok',
      output: { messages: [{ role: 'assistant', content: said || null, ...(toolCalls.length ? { toolCalls } : {}) }] },
      ...(model ? { model } : {}), ...(usage ? { usage } : {}),
      attributes: {
        ...rest(m, ['role', 'content', 'id', 'ts', 'metrics']),
        ...(thinking.length ? { thinking: thinking.join('\n') } : {}),
        ...(xmlCalls.length ? { toolCallsWrittenAs: 'xml' } : {}),
        ...(isObject(m.metrics) ? { metrics: m.metrics } : {}),
      },
      sourcePath: [i],
    };
    const failure = responseFailure(said, requests);
    if (failure) { step.status = 'error'; step.error = failure; }
    this.push(step, requests[0]?.ts ?? num(m.ts) ?? null, num(m.ts) ?? null);
    this.lastLlm = step;
    toolUses.forEach(({ call, index }) => this.openCall(call, [i, 'content', index]));
    xmlCalls.forEach((call) => this.openCall(call, [i]));
  }

  private openCall(call: ToolCall, sourcePath: JsonPath): void {
    const step: DraftStep = {
      ...(call.id ? { sourceId: call.id } : {}),
      kind: 'tool', name: call.name, status: 'unset', toolCall: call, input: { value: call.arguments },
      attributes: {}, sourcePath,
    };
    this.push(step, this.lastLlm?.endTime ?? this.lastLlm?.startTime ?? null);
    const pending: PendingCall = { step, name: call.name, ...(call.id ? { id: call.id } : {}) };
    this.pending.push(pending);
    if (call.id) this.calls.set(call.id, pending);
  }

  /** Calls of an earlier response that never got a result stay `unset`: nothing says how they ended. */
  private closePending(): void {
    this.pending = [];
  }

  private user(m: Obj, i: number): void {
    const ts = num(m.ts) ?? null;
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : arr(m.content);
    const said: string[] = [];
    let environment: string | undefined;
    let openResult: { call: PendingCall; parts: string[]; index: number } | undefined;
    const finishOpen = (): void => {
      if (openResult) this.settle(openResult.call, openResult.parts.join('\n'), [i, 'content', openResult.index], ts);
      openResult = undefined;
    };
    blocks.forEach((b, index) => {
      if (!isObject(b)) return;
      if (b.type === 'tool_result') {
        finishOpen();
        const text = typeof b.content === 'string' ? b.content : contentText(b.content) ?? asText(b.content);
        const header = resultHeader(text);
        const id = str(b.tool_use_id);
        const call = (id && id !== 'cline' ? this.calls.get(id) : undefined) ?? this.takePending(header?.tool, id);
        this.settle(call ?? this.orphan(header?.tool, id, [i, 'content', index]), header ? header.rest : text, [i, 'content', index], ts, b.is_error === true);
        return;
      }
      const text = b.type === 'text' ? str(b.text) ?? '' : contentText([b]) ?? '';
      const header = resultHeader(text);
      if (header) {
        finishOpen();
        const call = this.takePending(header.tool) ?? this.orphan(header.tool, undefined, [i, 'content', index]);
        openResult = { call, parts: header.rest ? [header.rest] : [], index };
        return;
      }
      const skipped = notExecutedCall(text);
      if (skipped) {
        finishOpen();
        const call = this.takePending(skipped.tool);
        if (call) { this.fail(call, { type: skipped.reason, message: text.trim() }, text, [i, 'content', index], ts); return; }
      }
      if (/^\s*<environment_details>/.test(text)) { finishOpen(); environment = text; return; }
      // Older versions wrote the result in the blocks after its header: everything up to the next header or wrapper.
      if (openResult && !/^\s*(<task>|\[TASK RESUMPTION\]|The user provided the following feedback:|\[ERROR\] You did not use a tool)/.test(text)) {
        openResult.parts.push(text);
        return;
      }
      finishOpen();
      said.push(text);
    });
    finishOpen();
    const text = said.join('\n\n').trim();
    if (!text && !environment) return;
    if (!text && environment) {
      // Only the environment snapshot Cline appends to every result: kept on the message's last step.
      const last = this.steps[this.steps.length - 1];
      if (last) { last.attributes = { ...last.attributes, environmentDetails: environment }; return; }
    }
    const task = /<task>\s*([\s\S]*?)\s*<\/task>/.exec(text);
    if (task && this.title === undefined) this.title = preview(task[1], 80);
    const content = environment ? `${text}\n\n${environment}` : text;
    const step: DraftStep = {
      kind: 'message', name: task ? `task: ${preview(task[1], 40)}` : `user: ${preview(text, 40)}`, status: 'ok',
      input: { messages: [{ role: 'user', content }] }, attributes: rest(m, ['role', 'content', 'ts']), sourcePath: [i],
    };
    if (isNoToolUsedReminder(text)) {
      // The harness telling the model its response used no tool: the response broke the protocol.
      step.name = 'reminder: no tool used';
      step.status = 'error';
      // A format error: the response broke the tool-use protocol (detectors file it as OUT.FORMAT).
      step.error = { type: 'FormatError', message: text.split('\n')[0] };
    }
    this.push(step, ts);
  }

  /** The pending call a result belongs to: by id, else the first of that name, else the first. */
  private takePending(tool?: string, id?: string): PendingCall | undefined {
    let at = id ? this.pending.findIndex((p) => p.id === id) : -1;
    if (at < 0 && tool) at = this.pending.findIndex((p) => p.name === tool);
    if (at < 0 && !id) at = this.pending.length ? 0 : -1;
    if (at < 0) return undefined;
    return this.pending.splice(at, 1)[0];
  }

  /** A result whose call is not in the history (trimmed by a checkpoint restore): its own tool step. */
  private orphan(tool: string | undefined, id: string | undefined, sourcePath: JsonPath): PendingCall {
    const name = tool ?? 'tool';
    const step: DraftStep = {
      ...(id ? { sourceId: id } : {}),
      kind: 'tool', name, status: 'unset', toolCall: { ...(id ? { id } : {}), name, arguments: undefined },
      attributes: { callNotInFile: true }, sourcePath,
    };
    this.push(step, null);
    return { step, name, ...(id ? { id } : {}) };
  }

  private settle(call: PendingCall, text: string, sourcePath: JsonPath, ts: number | null, isError = false): void {
    this.pending = this.pending.filter((p) => p !== call);
    const verdict = judgeResult(text, shellCommandText(call.step.toolCall?.arguments));
    const error = verdict.error ?? (isError ? { type: 'ToolError', message: text.trim() || 'tool error' } : undefined);
    const step = call.step;
    if (verdict.exitCode !== undefined) step.attributes = { ...step.attributes, exitCode: verdict.exitCode };
    if (error) { this.fail(call, error, text, sourcePath, ts); return; }
    step.status = 'ok';
    step.output = { value: text, messages: [{ role: 'tool', content: text, name: step.name, ...(call.id ? { toolCallId: call.id } : {}) }] };
    step.attributes = { ...step.attributes, resultPath: sourcePath };
    if (ts !== null) step.endTime = ts;
  }

  private fail(call: PendingCall, error: { type: string; message: string }, text: string, sourcePath: JsonPath, ts: number | null): void {
    this.pending = this.pending.filter((p) => p !== call);
    const step = call.step;
    step.status = 'error';
    step.error = error;
    step.output = { value: text, messages: [{ role: 'tool', content: text, name: step.name, isError: true, ...(call.id ? { toolCallId: call.id } : {}) }] };
    step.attributes = { ...step.attributes, resultPath: sourcePath };
    if (ts !== null) step.endTime = ts;
  }

  private push(step: DraftStep, start: number | null, end: number | null = null): void {
    step.startTime = start;
    step.endTime = end ?? start;
    this.steps.push(step);
  }

  /**
   * What only the UI recorded: failed API requests and errors shown to the user (placed at their
   * time among the steps), the task text and start, and a count of the other events.
   */
  private uiEvents(ui: Obj[]): void {
    const counts: Record<string, number> = {};
    const extra: { step: DraftStep; ts: number }[] = [];
    for (const u of ui) {
      const kind = str(u.say) ?? str(u.ask) ?? 'unknown';
      counts[`${u.type === 'ask' ? 'ask' : 'say'} ${kind}`] = (counts[`${u.type === 'ask' ? 'ask' : 'say'} ${kind}`] ?? 0) + 1;
      const ts = num(u.ts);
      const text = str(u.text) ?? '';
      if (u.say === 'task' && this.title === undefined && text) this.title = preview(text, 80);
      if (ts === undefined) continue;
      if (u.ask === 'api_req_failed') {
        extra.push({ ts, step: { kind: 'llm', name: 'API request failed', status: 'error', error: { type: 'ApiRequestFailed', message: text || 'the API request failed' }, attributes: { uiEvent: 'ask api_req_failed' } } });
      } else if (u.say === 'error' || u.ask === 'mistake_limit_reached') {
        extra.push({ ts, step: { kind: 'system', name: u.say === 'error' ? 'error' : 'mistake limit reached', status: 'error', error: { type: u.say === 'error' ? 'ClineError' : 'MistakeLimitReached', message: text || kind }, attributes: { uiEvent: `${u.type} ${kind}` } } });
      }
    }
    this.metadata.uiEvents = counts;
    const llmSteps = this.steps.filter((s) => s.kind === 'llm');
    for (const e of extra) {
      e.step.startTime = e.ts;
      e.step.endTime = e.ts;
      // A failed request was retried within the same api_req_started: it comes before the response it ended up giving.
      const retried = e.step.kind === 'llm' ? [...llmSteps].reverse().find((s) => s.startTime != null && s.startTime <= e.ts) : undefined;
      const at = retried ? this.steps.indexOf(retried) : this.steps.findIndex((s) => s.startTime != null && s.startTime > e.ts);
      if (retried) e.step.startTime = retried.startTime;
      const insertAt = at < 0 ? this.steps.length : at;
      // Most `error` events repeat a failure the conversation already holds (a missing parameter, an
      // empty response): kept on that failed step rather than counted twice.
      const repeated = e.step.kind === 'system' ? this.failureOfSameRequest(insertAt) : undefined;
      if (repeated) {
        repeated.attributes = { ...repeated.attributes, uiErrors: [...((repeated.attributes?.uiErrors as string[] | undefined) ?? []), e.step.error!.message] };
        continue;
      }
      this.steps.splice(insertAt, 0, e.step);
    }
  }

  /** A failed step between the model response before `index` and `index`: the same request's failure. */
  private failureOfSameRequest(index: number): DraftStep | undefined {
    for (let k = index - 1; k >= 0; k--) {
      const s = this.steps[k];
      if (s.status === 'error') return s;
      if (s.kind === 'llm') return undefined;
    }
    return undefined;
  }
}

/** Why a response failed, from the markers Cline appends and the request's cancel reason. */
function responseFailure(text: string, requests: ApiRequest[]): { type: string; message: string } | undefined {
  const last = requests[requests.length - 1]?.info;
  const streamingFailed = str(last?.streamingFailedMessage);
  if (/\[Response interrupted by API Error\]\s*$/.test(text) || last?.cancelReason === 'streaming_failed') {
    return { type: 'StreamingFailed', message: streamingFailed ?? 'Response interrupted by API Error' };
  }
  if (/\[Response interrupted by user\]\s*$/.test(text) || last?.cancelReason === 'user_cancelled') return { type: 'Cancelled', message: 'Response interrupted by user' };
  if (/^Failure: I did not provide a response\.$/.test(text.trim())) return { type: 'EmptyResponse', message: 'the provider returned no response' };
  return undefined;
}

/** Position of the first value above `n` in an ascending list (its length when there is none). */
function firstAbove(sorted: readonly number[], n: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] > n) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function usageInfo(info: Obj): Obj {
  const out: Obj = {};
  for (const k of ['tokensIn', 'tokensOut', 'cacheWrites', 'cacheReads', 'cost']) if (num(info[k]) !== undefined) out[k] = info[k];
  return out;
}

/** Usage of one response: the sum over the requests it answered (a retried request is paid twice). */
function requestUsage(requests: ApiRequest[]): Usage | undefined {
  const usage: Usage = {};
  const add = (key: keyof Usage, v: unknown): void => {
    const n = num(v);
    if (n !== undefined) usage[key] = (usage[key] ?? 0) + n;
  };
  for (const r of requests) {
    add('inputTokens', r.info.tokensIn);
    add('outputTokens', r.info.tokensOut);
    add('cacheReadTokens', r.info.cacheReads);
    add('cacheWriteTokens', r.info.cacheWrites);
    add('cost', r.info.cost);
  }
  return Object.keys(usage).length ? usage : undefined;
}

/** Usage from the `metrics` Cline writes on assistant messages (cache reads and writes counted together). */
function metricsUsage(metrics: unknown): Usage | undefined {
  if (!isObject(metrics)) return undefined;
  const tokens = isObject(metrics.tokens) ? metrics.tokens : {};
  return usageFrom({ inputTokens: num(tokens.prompt), outputTokens: num(tokens.completion), cost: num(metrics.cost) });
}
