/**
 * OpenAI Codex CLI session rollouts: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`.
 * Every line is `{timestamp, type, payload}` (the producer's `RolloutLine`, `openai/codex`,
 * `codex-rs/protocol/src/protocol.rs`; what is written is decided in `codex-rs/core/src/rollout/`):
 *
 *   {"timestamp":"...","type":"session_meta","payload":{"id":"019c...","cwd":"/repo","cli_version":"0.104.0","model_provider":"openai","base_instructions":{"text":"..."}}}
 *   {"timestamp":"...","type":"event_msg","payload":{"type":"task_started","turn_id":"019c..."}}
 *   {"timestamp":"...","type":"turn_context","payload":{"turn_id":"019c...","cwd":"/repo","model":"gpt-5.3-codex",...}}
 *   {"timestamp":"...","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"ls\"}","call_id":"call_1"}}
 *   {"timestamp":"...","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{...},"last_token_usage":{"input_tokens":42772,"cached_input_tokens":3456,...}}}}
 *   {"timestamp":"...","type":"response_item","payload":{"type":"function_call_output","call_id":"call_1","output":"Exit code: 1\nWall time: 0.1 seconds\nOutput:\n..."}}
 *
 * `response_item` lines are the conversation as the model saw it; most `event_msg` lines repeat
 * them for the UI (`user_message`, `agent_message`, `agent_reasoning`) and are not made into
 * steps. One model response is written as several items (reasoning, message, calls) and ends at
 * its `token_count` event, whose `last_token_usage` is that response's usage: those items become
 * one `llm` step. A `token_count` that repeats the previous totals (a rate-limit refresh) counts
 * nothing. Each tool call is a `tool` step paired with its output by `call_id`; the exit code
 * comes from `exec_command_end` when the rollout has it, else from the output the model was given
 * (`Exit code: N`, `Process exited with code N`, or JSON `metadata.exit_code`). Turns
 * (`task_started` .. `task_complete` / `turn_aborted`) are `agent` steps holding their items.
 *
 * Rollouts written before the envelope (mid 2025) are read too: a first line `{id, timestamp,
 * instructions, git}`, then bare response items and `{"record_type":"state"}` markers.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { ToolCall, Usage } from '../../model/schema';
import { usageFrom } from '../../model/usage';
import { toEpochMs } from '../../util/time';
import { UserInputError } from '../../util/problems';
import { tryParseJson } from '../../json/depth';
import { Importer, ImportContext, isObject, type LineFollower } from '../importer';
import { arr, baseName, contentText, headRecords, num, parseArguments, preview, rest, str } from './common';
import { countOwn } from '../../util/own-keys';
import { isAnsweringExit, shellCommandText } from '../shell-exit';

const LINE_TYPES = new Set(['session_meta', 'turn_context', 'response_item', 'event_msg', 'compacted']);
const RESPONSE_ITEM_TYPES = new Set(['message', 'reasoning', 'function_call', 'function_call_output', 'custom_tool_call',
  'custom_tool_call_output', 'local_shell_call', 'web_search_call', 'compaction', 'compaction_summary', 'ghost_snapshot']);

/** User-role items Codex writes itself (environment, AGENTS.md, skills), not what the user typed. */
const INJECTED_CONTEXT = /^\s*(<environment_context>|<user_instructions>|# AGENTS\.md instructions|<INSTRUCTIONS>|<user_shell_command>|<skill>)/;

type RolloutRecord = { line: number; value: unknown };

/** The first line of a pre-envelope rollout: the session's id and start time, no `type`. */
function isLegacySessionHeader(v: unknown): v is Record<string, unknown> {
  return isObject(v) && v.type === undefined && typeof v.id === 'string' && typeof v.timestamp === 'string' && ('instructions' in v || 'git' in v);
}

function isLegacyLine(v: unknown): boolean {
  return isObject(v) && v.payload === undefined && (v.record_type === 'state' || (typeof v.type === 'string' && RESPONSE_ITEM_TYPES.has(v.type)));
}

/** Pre-envelope lines in the envelope's shape, so one reader handles both. */
function toEnvelope(r: RolloutRecord, index: number): RolloutRecord {
  const v = r.value;
  if (index === 0 && isLegacySessionHeader(v)) return { line: r.line, value: { timestamp: v.timestamp, type: 'session_meta', payload: v, legacy: true } };
  if (isObject(v) && v.payload === undefined && typeof v.type === 'string' && RESPONSE_ITEM_TYPES.has(v.type)) {
    return { line: r.line, value: { timestamp: v.timestamp, type: 'response_item', payload: v, legacy: true } };
  }
  return r;
}

/** How strongly one line looks like a rollout line: the envelope plus a payload of the known shape. */
function rolloutLineScore(v: unknown): number {
  if (!isObject(v) || typeof v.type !== 'string' || !LINE_TYPES.has(v.type) || !isObject(v.payload)) return 0;
  const p = v.payload;
  if (v.type === 'session_meta') return typeof p.id === 'string' && ('cwd' in p || 'cli_version' in p || 'originator' in p) ? 1 : 0.5;
  if (v.type === 'turn_context') return 'cwd' in p && ('model' in p || 'approval_policy' in p) ? 0.9 : 0.4;
  if (v.type === 'compacted') return typeof p.message === 'string' ? 0.8 : 0;
  return typeof p.type === 'string' ? 0.8 : 0;
}

type Obj = Record<string, unknown>;

interface Turn { step: DraftStep; userText?: string; calls: DraftStep[] }
interface Response { step: DraftStep; texts: string[]; reasoning: string[]; calls: ToolCall[]; usageCounted: boolean }

/** What `exec_command_end` / `patch_apply_end` said about a call (written before its output line). */
interface CallEnd { exitCode?: number; success?: boolean; text: string; line: number }

export const codexCliImporter: Importer = {
  id: 'codex-cli',
  label: 'OpenAI Codex CLI session',
  producer: 'OpenAI Codex CLI (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl)',
  fileHint: /rollout-.*\.jsonl$/,
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    const head = headRecords(file, 8);
    if (isLegacySessionHeader(head[0]) && head.slice(1).some(isLegacyLine)) return 0.85;
    const scores = head.map(rolloutLineScore);
    const best = Math.max(0, ...scores);
    if (best >= 1) return 0.95;
    // Without a session_meta first line (a cut file), several envelope lines are still conclusive.
    return scores.filter((s) => s >= 0.8).length >= 2 ? 0.85 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    return rolloutImport(file, ctx).drafts();
  },
  follow(file: SourceFile, ctx: ImportContext): LineFollower {
    return rolloutImport(file, ctx);
  },
};

/** The rollout's lines read (bad lines warned about), able to go on with lines appended later. */
function rolloutImport(file: SourceFile, ctx: ImportContext): RolloutReader {
  const { records, problems } = file.jsonl;
  for (const p of problems) ctx.warn(p);
  if (records.length === 0) throw new UserInputError({ file: file.path, line: 1, column: 1, message: 'no readable lines in this Codex CLI rollout' });
  const reader = new RolloutReader(file.path);
  reader.add(records);
  return reader;
}

/**
 * Exec and patch results by call id (into `ends`), read before the lines of a batch: they are
 * written before the output item. The call ids whose results they are.
 */
function collectCallEnds(records: readonly RolloutRecord[], ends: Map<string, CallEnd>): string[] {
  const ids: string[] = [];
  for (const r of records) {
    const v = r.value;
    if (!isObject(v) || v.type !== 'event_msg' || !isObject(v.payload)) continue;
    const p = v.payload;
    const callId = str(p.call_id);
    if (!callId) continue;
    if (p.type === 'exec_command_end' || p.type === 'patch_apply_end') ids.push(callId);
    if (p.type === 'exec_command_end') {
      const text = str(p.aggregated_output) || [str(p.stdout), str(p.stderr)].filter(Boolean).join('\n') || str(p.formatted_output) || '';
      ends.set(callId, { exitCode: num(p.exit_code), text, line: r.line });
    } else if (p.type === 'patch_apply_end') {
      const success = typeof p.success === 'boolean' ? p.success : undefined;
      ends.set(callId, { success, text: [str(p.stderr), str(p.stdout)].filter(Boolean).join('\n'), line: r.line });
    }
  }
  return ids;
}

/**
 * Reads a rollout's lines into one trace, a batch at a time (a live rollout goes on with the lines
 * appended to it: Importer.follow). Later lines change steps already made (a call's output, a
 * turn's end, a response's next item and usage): each change is noted (`touch`) for `takeChanged`.
 */
class RolloutReader implements LineFollower {
  private readonly steps: DraftStep[] = [];
  /** Each step's position in `steps`, and the steps changed since `takeChanged`. */
  private readonly positions = new Map<DraftStep, number>();
  private changed = new Set<DraftStep>();
  private readonly callEnds = new Map<string, CallEnd>();
  /** Calls whose output was read: a result event for one of them, later, would have changed it. */
  private readonly outputsRead = new Set<string>();
  private recordsRead = 0;
  private readonly metadata: Obj = {};
  private readonly ignored: Record<string, number> = {};
  private readonly pendingCalls = new Map<string, DraftStep>();
  private readonly seenCallIds = new Set<string>();
  private readonly orphanUsages: Obj[] = [];
  private turn: Turn | undefined;
  private readonly turns: Turn[] = [];
  private readonly turnsById = new Map<string, Turn>();
  private response: Response | undefined;
  private lastResponse: Response | undefined;
  private model: string | undefined;
  private lastTotalTokens: number | undefined;
  /** What the user typed first (`user_message` event), else the first user item that is not injected context. */
  private firstUserText: string | undefined;
  private firstUserItemText: string | undefined;
  private sessionId: string | undefined;
  private startTime: number | null = null;
  private legacyLine = false;

  constructor(private readonly path: string) {}

  /**
   * Reads the next lines. False when one of them would have changed what the lines before gave
   * in a whole read (an exec or patch result written after its call's output).
   */
  add(records: readonly RolloutRecord[]): boolean {
    const envelopes = records.map((r) => toEnvelope(r, this.recordsRead++));
    const ended = collectCallEnds(envelopes, this.callEnds);
    if (ended.some((id) => this.outputsRead.has(id))) return false;
    for (const r of envelopes) this.readLine(r);
    return true;
  }

  takeChanged(): number[][] {
    const changed = [...this.changed].map((step) => this.positions.get(step)!);
    this.changed = new Set();
    return [changed];
  }

  /** The trace as a whole read of the lines so far ends it: its open response and turns as they stand. */
  drafts(): DraftTrace[] {
    if (this.response) this.writeResponse(this.response);
    this.turns.forEach((t, i) => {
      const name = turnName(t, i);
      if (t.step.name !== name) this.touch(t.step).name = name;
    });
    const metadata: Obj = { ...this.metadata };
    const ignored = { ...this.ignored };
    // Commands with no call item (a user's own `!cmd` shell command) are counted, not lost silently.
    for (const id of this.callEnds.keys()) if (!this.seenCallIds.has(id)) countOwn(ignored, 'exec/patch end event without a call');
    if (this.orphanUsages.length) metadata.unattributedTokenUsage = [...this.orphanUsages];
    if (Object.keys(ignored).length) metadata.linesNotShownAsSteps = ignored;
    const typed = this.firstUserText ?? this.firstUserItemText;
    const title = typed ? preview(typed, 80) : baseName(this.path);
    return [{
      ...(this.sessionId ? { id: this.sessionId } : {}),
      title, startTime: this.startTime, steps: this.steps, jsonlPaths: true, metadata,
    }];
  }

  private push(step: DraftStep): void {
    this.positions.set(step, this.steps.length);
    this.steps.push(step);
  }

  /** `step`, noted as changed by a later line. */
  private touch(step: DraftStep): DraftStep {
    this.changed.add(step);
    return step;
  }

  private readLine(r: RolloutRecord): void {
    const v = r.value;
    if (isObject(v) && v.record_type === 'state') { this.count('state marker'); return; }
    if (!isObject(v) || !isObject(v.payload) || typeof v.type !== 'string') { this.count('non-rollout line'); return; }
    const time = toEpochMs(v.timestamp);
    const p = v.payload;
    this.legacyLine = v.legacy === true;
    if (this.legacyLine) this.metadata.rolloutFormat = 'legacy (before the {timestamp, type, payload} envelope)';
    switch (v.type) {
      case 'session_meta': this.sessionMeta(p, time, r.line); break;
      case 'turn_context': this.turnContext(p, time, r.line); break;
      case 'response_item': this.responseItem(p, time, r.line); break;
      case 'event_msg': this.event(p, time, r.line); break;
      case 'compacted': this.compacted(p, time, r.line); break;
      default: this.count(v.type);
    }
  }

  private count(what: string): void {
    countOwn(this.ignored, what);
  }

  /** Where a step's object is: the payload of an envelope line, or a whole pre-envelope line. */
  private at(line: number): (number | string)[] {
    return this.legacyLine ? [line] : [line, 'payload'];
  }

  private get parent(): string | null {
    return this.turn?.step.sourceId ?? null;
  }

  private sessionMeta(p: Obj, time: number | null, line: number): void {
    if (this.sessionId !== undefined) { this.count('session_meta (repeated)'); return; }
    this.sessionId = str(p.id);
    this.startTime = toEpochMs(p.timestamp) ?? time;
    const instructions = str(p.instructions) ?? (isObject(p.base_instructions) ? str(p.base_instructions.text) : str(p.base_instructions));
    const fields: [string, unknown][] = [
      ['sessionId', p.id], ['cwd', p.cwd], ['originator', p.originator], ['cliVersion', p.cli_version],
      ['source', p.source], ['modelProvider', p.model_provider], ['git', p.git],
    ];
    for (const [k, value] of fields) if (value !== undefined && value !== null) this.metadata[k] = value;
    const extra = rest(p, ['id', 'timestamp', 'cwd', 'originator', 'cli_version', 'source', 'model_provider', 'git', 'instructions', 'base_instructions']);
    if (Object.keys(extra).length) this.metadata.sessionMeta = extra;
    if (instructions) {
      this.push({
        kind: 'system', name: 'instructions', status: 'ok', startTime: time, parentSourceId: null,
        input: { messages: [{ role: 'system', content: instructions }] }, attributes: {}, sourcePath: this.at(line),
      });
    }
  }

  private turnContext(p: Obj, time: number | null, line: number): void {
    this.model = str(p.model) ?? this.model;
    if (this.model) {
      const models = (this.metadata.models as string[] | undefined) ?? [];
      if (!models.includes(this.model)) this.metadata.models = [...models, this.model];
    }
    const turnId = str(p.turn_id);
    // Older rollouts have no task_started event: a turn_context with a new id opens the turn.
    if (turnId && !this.turnsById.has(turnId)) this.openTurn(turnId, time, line);
    if (this.turn && this.turn.step.attributes && !('turnContext' in this.turn.step.attributes)) this.touch(this.turn.step).attributes!.turnContext = p;
  }

  private openTurn(turnId: string | undefined, time: number | null, line: number): void {
    this.closeResponse();
    // A turn still open when the next begins (no task_complete: an older rollout, a cut one) ended by then.
    this.closeTurn(time);
    // No end until the turn completes: a turn still running (a live session, a rollout cut short)
    // has none, and the timeline draws it to its last step.
    const step: DraftStep = {
      sourceId: turnId ?? `turn:${line}`, parentSourceId: null, kind: 'agent', name: 'turn', status: 'unset',
      startTime: time, endTime: null, attributes: {}, sourcePath: this.at(line),
    };
    this.push(step);
    this.turn = { step, calls: [] };
    this.turns.push(this.turn);
    if (turnId) this.turnsById.set(turnId, this.turn);
  }

  private closeTurn(time: number | null | undefined): void {
    if (!this.turn) return;
    if (time !== undefined && time !== null) this.touch(this.turn.step).endTime = time;
    this.turn = undefined;
  }

  private responseItem(p: Obj, time: number | null, line: number): void {
    const type = str(p.type) ?? 'unknown';
    switch (type) {
      case 'message': return this.message(p, time, line);
      case 'reasoning': {
        const r = this.modelResponse(time, line);
        const summary = arr(p.summary).map((s) => (isObject(s) ? str(s.text) : undefined)).filter((s): s is string => !!s);
        const content = arr(p.content).map((s) => (isObject(s) ? str(s.text) : undefined)).filter((s): s is string => !!s);
        r.reasoning.push(...summary, ...content);
        if (p.encrypted_content) this.touch(r.step).attributes!.encryptedReasoning = true;
        return;
      }
      case 'function_call': case 'custom_tool_call': case 'local_shell_call': case 'web_search_call':
        return this.toolCall(type, p, time, line);
      case 'function_call_output': case 'custom_tool_call_output':
        return this.toolOutput(p, time, line);
      case 'compaction': case 'compaction_summary':
        this.closeResponse();
        this.push({
          kind: 'system', name: 'compaction', status: 'ok', startTime: time, parentSourceId: this.parent,
          attributes: { encrypted: true }, sourcePath: this.at(line),
        });
        return;
      default: this.count(`response_item ${type}`);
    }
  }

  private message(p: Obj, time: number | null, line: number): void {
    const role = str(p.role) ?? 'user';
    const text = contentText(p.content);
    if (role === 'assistant') {
      const r = this.modelResponse(time, line);
      if (text) r.texts.push(text);
      if (str(p.phase)) this.touch(r.step).attributes!.phase = p.phase;
      return;
    }
    this.closeResponse();
    const system = role === 'developer' || role === 'system';
    if (!system && text && !INJECTED_CONTEXT.test(text)) {
      if (this.turn && this.turn.userText === undefined) this.turn.userText = text;
      this.firstUserItemText ??= text;
    }
    this.push({
      kind: system ? 'system' : 'message', name: system ? role : `user: ${preview(text, 40)}`, status: 'ok',
      startTime: time, parentSourceId: this.parent,
      input: { messages: [{ role: system ? 'developer' : 'user', content: text }] },
      attributes: rest(p, ['type', 'role', 'content']), sourcePath: this.at(line),
    });
  }

  /** The model response being read, opened at its first item. */
  private modelResponse(time: number | null, line: number): Response {
    if (this.response) {
      if (time !== null) this.touch(this.response.step).endTime = time;
      return this.response;
    }
    const step: DraftStep = {
      kind: 'llm', name: this.model ?? 'assistant', status: 'ok', startTime: time, endTime: time, parentSourceId: this.parent,
      ...(this.model ? { model: this.model } : {}), attributes: {}, sourcePath: this.at(line),
    };
    this.push(step);
    this.response = { step, texts: [], reasoning: [], calls: [], usageCounted: false };
    return this.response;
  }

  private closeResponse(): void {
    const r = this.response;
    if (!r) return;
    this.writeResponse(r);
    this.lastResponse = r;
    this.response = undefined;
  }

  /** A response's step as its items so far make it (its output, its reasoning). */
  private writeResponse(r: Response): void {
    this.touch(r.step).output = { messages: [{ role: 'assistant', content: r.texts.length ? r.texts.join('\n\n') : null, ...(r.calls.length ? { toolCalls: [...r.calls] } : {}) }] };
    if (r.reasoning.length) r.step.attributes!.reasoning = r.reasoning.join('\n\n');
  }

  private toolCall(type: string, p: Obj, time: number | null, line: number): void {
    const r = this.modelResponse(time, line);
    const callId = str(p.call_id) ?? str(p.id);
    const call: ToolCall = {
      ...(callId ? { id: callId } : {}),
      name: type === 'local_shell_call' ? 'local_shell' : type === 'web_search_call' ? 'web_search' : str(p.name) ?? 'tool',
      arguments: type === 'function_call' ? parseArguments(p.arguments) : type === 'custom_tool_call' ? p.input : p.action ?? {},
    };
    r.calls.push(call);
    if (callId) this.seenCallIds.add(callId);
    const failedStatus = p.status === 'failed' || p.status === 'incomplete';
    const step: DraftStep = {
      ...(callId ? { sourceId: callId } : {}), parentSourceId: this.parent,
      kind: 'tool', name: call.name, status: type === 'web_search_call' ? (failedStatus ? 'error' : 'ok') : 'unset',
      // A call ends with its output (toolOutput); one with none in the file has no end, and no duration.
      startTime: time, endTime: type === 'web_search_call' ? time : null, toolCall: call, input: { value: call.arguments },
      ...(failedStatus ? { error: { type: 'ToolStatus', message: `${type} status: ${String(p.status)}` } } : {}),
      attributes: { ...rest(p, ['type', 'name', 'arguments', 'input', 'call_id', 'action']), callType: type, callLine: line + 1 },
      sourcePath: this.at(line),
    };
    this.push(step);
    this.turn?.calls.push(step);
    if (callId && type !== 'web_search_call') this.pendingCalls.set(callId, step);
  }

  private toolOutput(p: Obj, time: number | null, line: number): void {
    this.closeResponse();
    const callId = str(p.call_id);
    let step = callId ? this.pendingCalls.get(callId) : undefined;
    if (callId) this.pendingCalls.delete(callId);
    if (!step) {
      // An output whose call is not in this file (a resumed session): keep it as its own step.
      step = {
        ...(callId ? { sourceId: callId } : {}), parentSourceId: this.parent, kind: 'tool', name: 'tool', status: 'unset',
        startTime: time, toolCall: { ...(callId ? { id: callId } : {}), name: 'tool', arguments: undefined }, attributes: { callNotInFile: true },
      };
      this.push(step);
    }
    if (callId) this.outputsRead.add(callId);
    this.touch(step);
    const out = outputOf(p.output);
    const end = callId ? this.callEnds.get(callId) : undefined;
    const exitCode = end?.exitCode ?? out.exitCode;
    step.endTime = time;
    step.sourcePath = this.at(line);
    step.output = { value: out.text, messages: [{ role: 'tool', content: out.text, name: step.name, ...(callId ? { toolCallId: callId } : {}) }] };
    step.attributes = { ...step.attributes, ...(exitCode !== undefined ? { exitCode } : {}), ...(out.wallTime !== undefined ? { wallTimeSeconds: out.wallTime } : {}), ...(end ? { endEventLine: end.line + 1 } : {}) };
    let error: DraftStep['error'];
    if (exitCode !== undefined && exitCode !== 0 && !isAnsweringExit(shellCommandText(step.toolCall?.arguments), exitCode, end?.text || out.body)) error = { type: 'ExitCode', message: `exit code ${exitCode}: ${(end?.text || out.body).trim() || '(no output)'}` };
    else if (end?.success === false) error = { type: 'PatchFailed', message: (end.text || out.body).trim() || 'the patch was not applied' };
    else if (out.success === false) error = { type: 'ToolFailed', message: out.body.trim() || 'the tool call failed' };
    step.status = error ? 'error' : 'ok';
    if (error) { step.error = error; step.output.messages![0].isError = true; }
  }

  private event(p: Obj, time: number | null, line: number): void {
    const type = str(p.type) ?? 'unknown';
    switch (type) {
      case 'task_started': case 'turn_started':
        this.openTurn(str(p.turn_id), time, line);
        if (num(p.model_context_window) !== undefined) this.metadata.modelContextWindow = p.model_context_window;
        return;
      case 'task_complete': case 'turn_complete':
        this.closeResponse();
        if (this.turn) {
          this.touch(this.turn.step);
          this.turn.step.status = this.turn.step.status === 'error' ? 'error' : 'ok';
          if (p.last_agent_message !== undefined) this.turn.step.attributes!.lastAgentMessage = p.last_agent_message;
        }
        this.closeTurn(time);
        return;
      case 'turn_aborted': return this.turnAborted(p, time, line);
      case 'token_count': return this.tokenCount(p);
      case 'user_message': {
        const text = str(p.message);
        if (text && this.firstUserText === undefined) this.firstUserText = text;
        if (text && this.turn) this.turn.userText = text;
        return;
      }
      case 'error': {
        // Codex reports a model request that failed for good (stream cut, usage limit, context
        // window) as an `error` event: a failed model call, so it is an `llm` step in error.
        this.closeResponse();
        const message = str(p.message) ?? 'error';
        this.push({
          kind: 'llm', name: 'model error', status: 'error', startTime: time, endTime: time, parentSourceId: this.parent,
          ...(this.model ? { model: this.model } : {}), error: { type: 'CodexError', message },
          attributes: rest(p, ['type', 'message']), sourcePath: this.at(line),
        });
        if (this.turn) this.touch(this.turn.step).status = 'error';
        return;
      }
      // UI copies of response items, and events already folded into the tool steps.
      case 'agent_message': case 'agent_reasoning': case 'agent_reasoning_raw_content': case 'context_compacted':
      case 'exec_command_end': case 'patch_apply_end':
        return;
      default: this.count(`event_msg ${type}`);
    }
  }

  private turnAborted(p: Obj, time: number | null, line: number): void {
    this.closeResponse();
    const reason = str(p.reason) ?? 'unknown reason';
    const turnId = str(p.turn_id);
    let turn = this.turn;
    if (turnId && turn?.step.sourceId !== turnId) turn = this.turnsById.get(turnId) ?? turn;
    if (!turn) {
      this.push({
        kind: 'system', name: 'turn aborted', status: 'error', startTime: time, parentSourceId: null,
        error: { type: 'TurnAborted', message: `turn aborted: ${reason}` }, attributes: rest(p, ['type']), sourcePath: this.at(line),
      });
      return;
    }
    this.touch(turn.step).status = 'error';
    turn.step.error = { type: 'TurnAborted', message: `turn aborted: ${reason}` };
    turn.step.attributes!.abortLine = line + 1;
    for (const call of turn.calls) {
      if (call.status !== 'unset') continue;
      this.touch(call).status = 'error';
      call.error = { type: 'TurnAborted', message: `the turn was aborted (${reason}) before this call returned` };
      if (call.toolCall?.id) this.pendingCalls.delete(call.toolCall.id);
    }
    if (turn === this.turn) this.closeTurn(time);
  }

  /**
   * Usage of one model response. `total_token_usage` only grows; an event that repeats the last
   * total is a rate-limit refresh and counts nothing, so the per-step usages sum to the total.
   */
  private tokenCount(p: Obj): void {
    const info = isObject(p.info) ? p.info : undefined;
    const total = info && isObject(info.total_token_usage) ? info.total_token_usage : undefined;
    const last = info && isObject(info.last_token_usage) ? info.last_token_usage : undefined;
    if (!total || !last) return;
    this.metadata.totalTokenUsage = total;
    const totalTokens = num(total.total_tokens);
    if (totalTokens !== undefined && totalTokens === this.lastTotalTokens) return;
    this.lastTotalTokens = totalTokens;
    const target = this.response ?? this.lastResponse;
    this.closeResponse();
    if (!target || target.usageCounted) { this.orphanUsages.push(last); return; }
    target.usageCounted = true;
    const usage = tokenUsage(last);
    if (usage) this.touch(target.step).usage = usage;
  }

  private compacted(p: Obj, time: number | null, line: number): void {
    this.closeResponse();
    const history = Array.isArray(p.replacement_history) ? p.replacement_history.length : undefined;
    this.push({
      kind: 'system', name: 'compacted', status: 'ok', startTime: time, parentSourceId: this.parent,
      input: { messages: [{ role: 'system', content: str(p.message) ?? null }] },
      attributes: history !== undefined ? { replacementHistoryItems: history } : {}, sourcePath: this.at(line),
    });
  }
}

function tokenUsage(u: Obj): Usage | undefined {
  // OpenAI counts cached tokens inside input_tokens and reasoning tokens inside output_tokens.
  return usageFrom({
    inputTokens: num(u.input_tokens), outputTokens: num(u.output_tokens), totalTokens: num(u.total_tokens),
    cacheReadTokens: num(u.cached_input_tokens), reasoningTokens: num(u.reasoning_output_tokens),
  });
}

function turnName(t: Turn, index: number): string {
  return t.userText ? `turn ${index + 1}: ${preview(t.userText, 50)}` : `turn ${index + 1}`;
}

interface ToolOutput { text: string; body: string; exitCode?: number; wallTime?: number; success?: boolean }

/**
 * A tool output as the model received it: a string, content items (`input_text`...), or the
 * older `{content, success}` object. Shell outputs carry their exit code in a header
 * (`Exit code: N` / `Process exited with code N`, then `Output:`) or as JSON `metadata`.
 */
function outputOf(raw: unknown): ToolOutput {
  let text: string;
  let success: boolean | undefined;
  if (typeof raw === 'string') text = raw;
  else if (Array.isArray(raw)) text = contentText(raw) ?? '';
  else if (isObject(raw)) {
    text = str(raw.content) ?? contentText(raw.content_items) ?? JSON.stringify(raw);
    if (typeof raw.success === 'boolean') success = raw.success;
  } else text = raw === undefined || raw === null ? '' : String(raw);
  const out: ToolOutput = { text, body: text, ...(success !== undefined ? { success } : {}) };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') && trimmed.includes('"metadata"')) {
    const json = tryParseJson(trimmed)?.value;
    if (isObject(json) && isObject(json.metadata)) {
      out.exitCode = num(json.metadata.exit_code);
      out.wallTime = num(json.metadata.duration_seconds);
      if (typeof json.output === 'string') out.body = json.output;
      return out;
    }
  }
  const header = /^(?:Chunk ID: [^\n]*\n)?(?:Exit code: (-?\d+)\n)?Wall time: ([\d.]+) seconds\n(?:Process exited with code (-?\d+)\n)?/.exec(text);
  if (header) {
    const code = header[1] ?? header[3];
    if (code !== undefined) out.exitCode = Number(code);
    out.wallTime = Number(header[2]);
    const at = text.indexOf('\nOutput:\n');
    if (at >= 0) out.body = text.slice(at + '\nOutput:\n'.length);
  }
  return out;
}
