/**
 * Claude Code transcript lines (`user`, `assistant`, `system`) to draft steps, for the session
 * file, the sub-agent messages inlined in its `agent_progress` events, and `subagents/` files.
 *
 * Claude Code writes one line per content block of an API response, all with the same
 * `message.id`, and may log a tool's result before the response's next block (a parallel call
 * still streaming). The lines of one response are merged into one `llm` step wherever they sit;
 * each line repeats the response's usage as known so far, so the last one is kept (never summed).
 */
import type { JsonPath } from '../../json/locate';
import type { DraftStep } from '../../model/draft';
import type { ToolCall } from '../../model/schema';
import { toEpochMs } from '../../util/time';
import { asText, isObject } from '../importer';
import { isAnsweringExit, shellCommandText } from '../shell-exit';
import { assistantParts, toolResultStep, userParts, userStepName, type ToolResultBlock } from './anthropic-blocks';
import { contentText, num, preview, rest, str, usageOf } from './common';

const LINE_KEYS = ['type', 'message', 'uuid', 'parentUuid', 'timestamp'];

/** Where a line is: in the opened file (a JSON path to it), or in another file (shown in attributes). */
export type LineOrigin = { path: JsonPath } | { file: string; line: number };

export class TranscriptBuilder {
  readonly steps: DraftStep[] = [];
  /** Tool calls by id, across every group (sub-agent calls have their own ids), with the source id of the model step that made each. */
  private readonly calls = new Map<string, { call: ToolCall; time: number | null; caller: string | undefined }>();
  /** The calls whose results were read (each result is a tool step with the call's id as its source id). */
  private readonly answered = new Set<string>();
  /** The llm step of each API response (and its position in `steps`), by group and message id. */
  private readonly responses = new Map<string, { step: DraftStep; at: number }>();
  /** Positions of steps that later lines changed (a response's next lines join its step), since `takeChanged`. */
  private changed: number[] = [];
  /** Lines already read, by group and uuid: a line logged twice is read once. */
  private readonly seen = new Set<string>();
  firstUser: string | null = null;

  /** Adds one transcript line to the steps, under `parent` (null: the main conversation). */
  line(v: Record<string, unknown>, parent: string | null, origin: LineOrigin): void {
    const type = str(v.type);
    if (type !== 'user' && type !== 'assistant' && type !== 'system') return;
    const uuid = str(v.uuid);
    if (uuid) {
      const key = `${parent ?? ''}\u0000${uuid}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    const time = toEpochMs(v.timestamp);
    const attributes = { ...rest(v, LINE_KEYS), ...originAttributes(origin) };
    if (v.parentUuid !== undefined) attributes.parentUuid = v.parentUuid;
    if (type === 'system') this.system(v, uuid, parent, time, attributes, origin);
    else if (type === 'assistant') this.assistant(v, uuid, parent, time, attributes, origin);
    else this.user(v, uuid, parent, time, attributes, origin);
  }

  private system(v: Record<string, unknown>, uuid: string | undefined, parent: string | null, time: number | null, attributes: Record<string, unknown>, origin: LineOrigin): void {
    const content = str(v.content) ?? contentText(isObject(v.message) ? v.message.content : null);
    const isError = v.level === 'error' || v.subtype === 'api_error';
    this.steps.push({
      ...(uuid ? { sourceId: uuid } : {}), parentSourceId: parent,
      kind: 'system', name: (v.subtype === 'local_command' ? terminalLineName(content ?? '') : undefined) ?? str(v.subtype) ?? 'system', status: isError ? 'error' : 'ok', startTime: time,
      input: { messages: [{ role: 'system', content: content ?? null }] },
      ...(isError ? { error: { message: systemErrorText(v, content) } } : {}),
      attributes, ...sourcePath(origin),
    });
  }

  private assistant(v: Record<string, unknown>, uuid: string | undefined, parent: string | null, time: number | null, attributes: Record<string, unknown>, origin: LineOrigin): void {
    const msg = isObject(v.message) ? v.message : {};
    const messageId = str(msg.id) ?? str(v.requestId);
    const parts = assistantParts(msg.content);
    const key = messageId ? `${parent ?? ''}\u0000${messageId}` : undefined;
    const open = key ? this.responses.get(key) : undefined;
    // A response's next lines join the step of its first.
    const caller = open ? open.step.sourceId : uuid;
    for (const t of parts.toolUses) if (t.call.id && !this.calls.has(t.call.id)) this.calls.set(t.call.id, { call: t.call, time, caller });
    if (open) {
      mergeResponse(open.step, parts, msg, time, origin);
      this.changed.push(open.at);
      return;
    }
    const model = str(msg.model);
    const usage = usageOf(msg.usage);
    const stop = str(msg.stop_reason);
    const apiError = v.isApiErrorMessage === true || str(v.error) !== undefined;
    const step: DraftStep = {
      ...(uuid ? { sourceId: uuid } : {}), parentSourceId: parent,
      kind: 'llm', name: model ?? 'assistant', status: apiError ? 'error' : 'ok', startTime: time, endTime: time,
      output: { messages: [parts.message] },
      ...(model ? { model } : {}), ...(usage ? { usage } : {}), ...(stop ? { finishReason: stop } : {}),
      ...(apiError ? { error: { message: apiErrorText(v, parts.message.content) } } : {}),
      attributes: { ...attributes, ...(parts.thinking ? { thinking: parts.thinking } : {}), ...(str(msg.id) ? { messageId: str(msg.id) } : {}) },
      ...sourcePath(origin),
    };
    if (key) this.responses.set(key, { step, at: this.steps.length });
    this.steps.push(step);
  }

  /**
   * The step a sub-agent started by call `callId` goes under: the call's tool step once its
   * result is read, until then the model step that made the call (a running agent's Task has no
   * result yet); the call id itself when neither is known (a parent not in the trace).
   */
  parentForCall(callId: string): string {
    if (this.answered.has(callId)) return callId;
    return this.calls.get(callId)?.caller ?? callId;
  }

  /** The positions of the steps changed since the last call (not those added). */
  takeChanged(): number[] {
    const changed = this.changed;
    this.changed = [];
    return changed;
  }

  private user(v: Record<string, unknown>, uuid: string | undefined, parent: string | null, time: number | null, attributes: Record<string, unknown>, origin: LineOrigin): void {
    const msg = isObject(v.message) ? v.message : {};
    const parts = userParts(msg.content);
    const recordedError = typeof v.toolUseResult === 'string' ? v.toolUseResult.replace(/^Error: /, '') : undefined;
    for (const r of parts.results) {
      if (r.toolUseId) this.answered.add(r.toolUseId);
      const seen = r.toolUseId ? this.calls.get(r.toolUseId) : undefined;
      const step = toolResultStep(answeredNo(r, seen?.call) ? { ...r, isError: false } : r, seen?.call, 'path' in origin ? [...origin.path, 'message', 'content', r.index] : undefined, recordedError);
      step.parentSourceId = parent;
      step.startTime = seen?.time ?? time;
      step.endTime = time;
      step.attributes = { ...(uuid ? { uuid } : {}), ...(v.toolUseResult !== undefined ? { toolUseResult: v.toolUseResult } : {}), ...originAttributes(origin) };
      this.steps.push(step);
    }
    if (parts.text !== null && (parts.results.length === 0 || parts.text.trim() !== '')) {
      if (this.firstUser === null && v.isMeta !== true && parent === null) this.firstUser = parts.text;
      this.steps.push({
        ...(uuid ? { sourceId: uuid } : {}), parentSourceId: parent,
        kind: 'message', name: terminalLineName(parts.text) ?? userStepName(parts.text), status: 'ok', startTime: time,
        input: { messages: [{ role: 'user', content: parts.text }] },
        attributes, ...sourcePath(origin),
      });
    }
  }
}

/** What Claude Code's tags around what the user did in its terminal are called in a step's name. */
const TERMINAL_TAGS: Record<string, string> = {
  'local-command-stdout': 'command output', 'local-command-stderr': 'command errors', 'local-command-caveat': 'caveat',
  'bash-input': 'bash', 'bash-stdout': 'bash output', 'bash-stderr': 'bash errors',
  'task-notification': 'task notification', 'system-reminder': 'reminder',
};
const TERMINAL_TAG = new RegExp(`^<(${Object.keys(TERMINAL_TAGS).join('|')})>([\\s\\S]*?)(?:</\\1>|$)`);

/**
 * The name of a line Claude Code wrote for what the user did in its terminal rather than said to
 * the model: a slash command (`<command-name>/mcp</command-name><command-args>...`), its output,
 * a `!` shell command and its output, the caveat before them. Named by what was run or printed
 * ("command: /mcp", "command output: Reconnected to tidewave."), not by the tags; undefined for
 * a line that is none of these.
 */
function terminalLineName(text: string): string | undefined {
  const t = text.trimStart();
  const command = /^<command-(?:name|message)>([^<]*)<\/command-(?:name|message)>/.exec(t);
  if (command) {
    const name = /<command-name>([^<]*)<\/command-name>/.exec(t)?.[1].trim() ?? `/${command[1].trim()}`;
    const args = /<command-args>([^<]*)<\/command-args>/.exec(t)?.[1].trim();
    return `command: ${preview([name, args].filter(Boolean).join(' '), 40)}`;
  }
  const tagged = TERMINAL_TAG.exec(t);
  if (!tagged) return undefined;
  const label = TERMINAL_TAGS[tagged[1]];
  // The caveat begins "Caveat: ...": its label once.
  const said = preview(tagged[2].trimStart().replace(new RegExp(`^${label}:`, 'i'), ''), 40);
  return said ? `${label}: ${said}` : `${label} (empty)`;
}

/**
 * Whether a Bash result that Claude Code marked as an error ("Exit code 1" and the output, with
 * `is_error`) is a command that answered "no": a grep that found nothing, a diff of files that
 * differ (shell-exit.ts). Its text stays as written; only its status says it did not fail.
 */
function answeredNo(r: ToolResultBlock, call: ToolCall | undefined): boolean {
  if (!r.isError || call?.name !== 'Bash') return false;
  const exit = /^Exit code (\d+)(?:\n|$)/.exec(r.text);
  return exit !== null && isAnsweringExit(shellCommandText(call.arguments), Number(exit[1]), r.text.slice(exit[0].length));
}

function lineNumber(origin: LineOrigin): unknown {
  return 'path' in origin ? (typeof origin.path[0] === 'number' ? origin.path[0] + 1 : origin.path[0]) : origin.line + 1;
}

function sourcePath(origin: LineOrigin): { sourcePath?: JsonPath } {
  return 'path' in origin ? { sourcePath: origin.path } : {};
}

/** A line from another file says which file and line (1-based) it came from. */
function originAttributes(origin: LineOrigin): Record<string, unknown> {
  return 'file' in origin ? { sourceFile: origin.file, sourceLine: origin.line + 1 } : {};
}

/** Another line of the same API response: its blocks join the step; its usage, stop reason and time are the latest. */
function mergeResponse(step: DraftStep, parts: ReturnType<typeof assistantParts>, msg: Record<string, unknown>, time: number | null, origin: LineOrigin): void {
  const out = step.output!.messages![0];
  if (parts.message.content !== null) out.content = out.content === null ? parts.message.content : `${out.content}\n${parts.message.content}`;
  const known = new Set((out.toolCalls ?? []).map((c) => c.id).filter(Boolean));
  const added = (parts.message.toolCalls ?? []).filter((c) => !c.id || !known.has(c.id));
  if (added.length) out.toolCalls = [...(out.toolCalls ?? []), ...added];
  const attributes = step.attributes!;
  if (parts.thinking) attributes.thinking = [attributes.thinking, parts.thinking].filter(Boolean).join('\n');
  // Which lines (1-based, in the file the response came from) the response was read from.
  const first = typeof step.sourcePath?.[0] === 'number' ? step.sourcePath[0] + 1 : attributes.sourceLine;
  attributes.responseLines = [...(attributes.responseLines as unknown[] | undefined ?? [first]), lineNumber(origin)];
  const usage = usageOf(msg.usage);
  if (usage) step.usage = usage;
  const stop = str(msg.stop_reason);
  if (stop) step.finishReason = stop;
  if (time !== null) step.endTime = time;
}

/** An assistant line Claude Code wrote for a failed API call: its text ("API Error: 529 ..."), else the error code. */
function apiErrorText(v: Record<string, unknown>, content: string | null): string {
  if (content && content.trim() !== '') return content;
  const status = num(v.apiErrorStatus);
  const code = typeof v.error === 'string' ? v.error : errorObjectText(v.error);
  return [status !== undefined ? `API error ${status}` : 'API error', code].filter(Boolean).join(': ');
}

/** A system line at error level: its text, or for an `api_error` retry, status, message and attempt. */
function systemErrorText(v: Record<string, unknown>, content: string | null): string {
  if (content && content.trim() !== '') return content;
  const e = v.error;
  const status = isObject(e) ? num(e.status) : undefined;
  const detail = typeof e === 'string' ? e : errorObjectText(e);
  const attempt = num(v.retryAttempt);
  const max = num(v.maxRetries);
  const text = [status !== undefined ? `API error ${status}` : str(v.subtype) ?? 'error', detail].filter(Boolean).join(': ');
  return attempt !== undefined ? `${text} (retry ${attempt}${max !== undefined ? ` of ${max}` : ''})` : text;
}

/** The message inside an error object as Claude Code logs them (`{status, error: {error: {type, message}}}`, `{message}`, `{cause: {code}}`). */
function errorObjectText(e: unknown, depth = 0): string | undefined {
  if (!isObject(e) || depth > 4) return undefined;
  const own = str(e.message);
  if (own) return own;
  const inner = errorObjectText(e.error, depth + 1) ?? errorObjectText(e.cause, depth + 1);
  if (inner) return inner;
  const code = str(e.code) ?? str(e.type);
  return code ?? (depth === 0 && Object.keys(e).length ? asText(e) : undefined);
}
