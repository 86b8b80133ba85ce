/**
 * OpenHands V1 (software-agent-sdk) events, as written by the OpenHands/benchmarks evaluation
 * harness (`output.jsonl`, one instance per line) or as a JSON array of a conversation's events:
 *
 *   {"instance_id": "django__django-11099", "instruction": "...", "error": null, "test_result": {...}, "metrics": {...},
 *    "history": [{"kind": "SystemPromptEvent", "id": "...", "timestamp": "...", "source": "agent", "system_prompt": {...}, "tools": [...]},
 *                {"kind": "MessageEvent", "source": "user", "llm_message": {"role": "user", "content": [{"type": "text", "text": "..."}]}},
 *                {"kind": "ActionEvent", "thought": [...], "tool_name": "terminal", "tool_call_id": "call_1", "tool_call": {...}, "action": {...}},
 *                {"kind": "ObservationEvent", "action_id": "...", "tool_name": "terminal", "tool_call_id": "call_1", "observation": {...}},
 *                {"kind": "AgentErrorEvent", "tool_name": "...", "tool_call_id": "...", "error": "..."}]}
 *
 * Events are discriminated by `kind`. An ActionEvent is the model's decision (`llm` step); its
 * ObservationEvent, AgentErrorEvent or UserRejectObservation is the execution (`tool` step) nested
 * under it through `action_id` (or the tool call id). Errors (`is_error`, `error: true`, or an `error`
 * string, which the file editor sent the model instead of its output) and non-zero exit codes are
 * failures; exit code -1 (soft timeout, the command still running) is status `unset` with a note.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { ToolDefinition } from '../../model/schema';
import { toEpochMs } from '../../util/time';
import { asText, Importer, ImportContext, isObject } from '../importer';
import { baseName, contentText, fail, firstJsonlRecord, num, oneLine, outputTail, parseArguments, str, type Json } from './common';
import { instanceOutcome } from './openhands';
import { isAnsweringExit } from '../shell-exit';

export const openHandsV1Importer: Importer = {
  id: 'openhands-v1',
  label: 'OpenHands V1 (agent SDK) events / evaluation output',
  producer: 'OpenHands software-agent-sdk and the OpenHands/benchmarks evaluation harness',
  sniff(file: SourceFile): number {
    if (file.isZip) return 0;
    if (file.firstChar === '[') {
      const v = file.json;
      return Array.isArray(v) && isV1Event(v[0]) && 'source' in (v[0] as Json) ? 0.9 : 0;
    }
    const rec = firstJsonlRecord(file) ?? (isObject(file.json) ? file.json : undefined);
    if (!isObject(rec) || !Array.isArray(rec.history)) return 0;
    return isV1Event(rec.history[0]) ? 0.95 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    if (file.firstChar === '[') {
      const v = file.requireJson();
      if (!Array.isArray(v)) fail(file, [], 'an OpenHands event list is a JSON array');
      const { steps, tools } = v1Steps(v, (i) => [i]);
      return [{ title: baseName(file.path).replace(/\.json$/i, ''), steps, tools }];
    }
    const jsonl = file.looksLikeJsonl();
    const records = jsonl ? file.jsonl.records : [{ line: 0, value: file.requireJson() }];
    if (jsonl) for (const p of file.jsonl.problems) ctx.warn(p);
    const traces: DraftTrace[] = [];
    for (const { line, value } of records) {
      if (!isObject(value) || !Array.isArray(value.history)) {
        ctx.warn({ line: line + 1, column: 1, message: 'an OpenHands evaluation line needs a "history" array of events (line skipped)' });
        continue;
      }
      const { steps, tools } = v1Steps(value.history, (j) => [line, 'history', j]);
      const { errorStep, labels, title } = instanceOutcome(value, line);
      if (errorStep) steps.push(errorStep);
      const { history: _h, ...meta } = value;
      traces.push({ title, steps, tools, labels, metadata: meta, indexInFile: line, jsonlPaths: jsonl });
    }
    return traces;
  },
};

function v1Steps(events: unknown[], pathOf: (i: number) => (string | number)[]): { steps: DraftStep[]; tools: ToolDefinition[] } {
  const steps: DraftStep[] = [];
  let tools: ToolDefinition[] = [];
  // Observations name their action by event id; errors sometimes only by tool call id.
  const actionByCall = new Map<string, string>();
  // The call's arguments are on its action only: its execution step takes them from there (when
  // they are a JSON object: cut-off arguments, a string, stay on the action).
  const argumentsByAction = new Map<string, Json>();
  events.forEach((e, i) => {
    if (!isObject(e)) return;
    const kind = str(e.kind) ?? 'Event';
    const { id, timestamp, kind: _k, ...rest } = e;
    const base: DraftStep = {
      kind: 'other', name: kind, status: 'ok',
      ...(id !== undefined && id !== null ? { sourceId: String(id) } : {}),
      startTime: toEpochMs(timestamp), attributes: rest, sourcePath: pathOf(i),
    };
    if (kind === 'SystemPromptEvent') {
      if (Array.isArray(e.tools)) tools = e.tools.map(toolDefinition).filter((t): t is ToolDefinition => t !== undefined);
      steps.push({ ...base, kind: 'system', name: 'system prompt', input: { messages: [{ role: 'system', content: contentText(e.system_prompt) ?? '' }] } });
    } else if (kind === 'MessageEvent') {
      const msg = isObject(e.llm_message) ? e.llm_message : {};
      const content = contentText(msg.content) ?? '';
      if (e.source === 'agent' || msg.role === 'assistant') {
        steps.push({ ...base, kind: 'llm', name: 'message', output: { messages: [{ role: 'assistant', content }] } });
      } else {
        steps.push({ ...base, kind: 'message', name: `${str(e.source) ?? 'user'} message`, input: { messages: [{ role: 'user', content }] } });
      }
    } else if (kind === 'ActionEvent') {
      const call = isObject(e.tool_call) ? e.tool_call : {};
      const callId = str(e.tool_call_id) ?? str(call.id);
      const name = str(e.tool_name) ?? str(call.name) ?? 'tool';
      if (callId && base.sourceId) actionByCall.set(callId, base.sourceId);
      const thought = contentText(e.thought) ?? '';
      const args = parseArguments(call.arguments ?? e.action);
      if (base.sourceId && isObject(args)) argumentsByAction.set(base.sourceId, args);
      steps.push({
        ...base, kind: 'llm', name,
        output: { messages: [{ role: 'assistant', content: thought, toolCalls: [{ ...(callId ? { id: callId } : {}), name, arguments: args }] }] },
      });
    } else if (kind === 'ObservationEvent' || kind === 'AgentErrorEvent' || kind === 'UserRejectObservation') {
      const execution = executionStep(e, kind, actionByCall, argumentsByAction);
      steps.push({ ...base, ...execution, attributes: { ...base.attributes, ...execution.attributes } });
    } else if (kind === 'ConversationErrorEvent') {
      steps.push({ ...base, kind: 'system', name: 'conversation error', status: 'error', error: { type: str(e.code), message: str(e.detail) ?? asText(e) } });
    } else {
      steps.push({ ...base, kind: 'system', name: kind.replace(/Event$/, '') });
    }
  });
  return { steps, tools };
}

function executionStep(e: Json, kind: string, actionByCall: Map<string, string>, argumentsByAction: Map<string, Json>): Partial<DraftStep> {
  const callId = str(e.tool_call_id);
  const name = str(e.tool_name) ?? 'tool';
  const parent = str(e.action_id) ?? (callId ? actionByCall.get(callId) : undefined);
  const args = (parent !== undefined ? argumentsByAction.get(parent) : undefined) ?? {};
  const common: Partial<DraftStep> = {
    kind: 'tool', name, toolCall: { ...(callId ? { id: callId } : {}), name, arguments: args },
    ...(parent ? { parentSourceId: parent } : {}),
  };
  if (kind === 'AgentErrorEvent') {
    const message = str(e.error) ?? 'agent error';
    return { ...common, output: { value: message }, status: 'error', error: { type: 'AgentErrorEvent', message } };
  }
  if (kind === 'UserRejectObservation') {
    const message = str(e.rejection_reason) ?? 'the action was rejected';
    return { ...common, output: { value: message }, status: 'error', error: { type: 'Rejected', message } };
  }
  const obs = isObject(e.observation) ? e.observation : {};
  const meta = isObject(obs.metadata) ? obs.metadata : {};
  // Older SDKs put a file editor's failure in `error` (a string shown to the model instead of `output`).
  const errorText = typeof obs.error === 'string' && obs.error.trim() ? obs.error : undefined;
  const body = contentText(obs.content) ?? contentText(obs.output) ?? '';
  // What the model was sent: the terminal wraps the output in the PS1 metadata's prefix and suffix
  // (the suffix holds the "no new output after N seconds" note of a command still running).
  const text = errorText ?? `${str(meta.prefix) ?? ''}${body}${str(meta.suffix) ?? ''}`;
  const exitCode = num(obs.exit_code) ?? num(meta.exit_code);
  const saysError = obs.is_error === true || obs.error === true;
  let error: DraftStep['error'];
  let note: string | undefined;
  if (errorText) error = { type: str(obs.kind) ?? 'ToolError', message: errorText };
  else if (saysError) error = { type: str(obs.kind) ?? 'ToolError', message: oneLine(text, 300) || 'the tool reported an error' };
  else if (obs.timeout === true) error = { type: 'Timeout', message: oneLine(text, 300) || 'the command timed out' };
  else if (exitCode === STILL_RUNNING) note = UNFINISHED_NOTE;
  // A search that found nothing (grep's exit 1) answered; it did not fail.
  else if (exitCode !== undefined && exitCode !== 0 && !isAnsweringExit(str(obs.command), exitCode, text)) error = { type: 'ExitCode', message: `exit code ${exitCode}: ${outputTail(text) || '(no output)'}` };
  return {
    ...common,
    input: { value: obs.command ?? null },
    output: { value: text },
    status: error ? 'error' : note ? 'unset' : 'ok',
    ...(error ? { error } : {}),
    ...(note ? { attributes: { note } } : {}),
  };
}

/**
 * OpenHands' terminal: "-1 indicates the process hit the soft timeout and is not yet finished"
 * (software-agent-sdk, `TerminalObservation.exit_code`). No exit code yet is not a failure.
 */
export const STILL_RUNNING = -1;
export const UNFINISHED_NOTE = 'exit code -1: the command had not finished when OpenHands returned (soft timeout, no new output); its outcome is unknown';

/** SDK tools are serialised either as OpenAI tool params or as the SDK's own tool objects. */
function toolDefinition(t: unknown): ToolDefinition | undefined {
  if (!isObject(t)) return undefined;
  const fn = isObject(t.function) ? t.function : t;
  const name = str(fn.name) ?? str(fn.title);
  if (!name) return undefined;
  return { name, ...(str(fn.description) ? { description: str(fn.description) } : {}), ...(fn.parameters !== undefined ? { parameters: fn.parameters } : {}) };
}

function isV1Event(v: unknown): boolean {
  return isObject(v) && typeof v.kind === 'string' && /(Event|Observation|Condensation|CondensationRequest)$/.test(v.kind) && 'id' in v;
}
