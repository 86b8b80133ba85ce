/**
 * OpenHands (V0) event streams and evaluation/resolver `output.jsonl` (All-Hands-AI/OpenHands):
 *
 *   [{"id": 3, "timestamp": "2025-01-27T22:45:13", "source": "agent", "action": "edit", "args": {...},
 *     "tool_call_metadata": {"function_name": "str_replace_editor", "tool_call_id": "toolu_...", "model_response": {...}}},
 *    {"id": 4, "cause": 3, "source": "agent", "observation": "edit", "content": "...", "extras": {...}}]
 *
 *   output.jsonl: {"instance_id"|"issue": ..., "instruction": "...", "history": [events], "metrics": {...}, "error": null, "test_result": {...}}
 *
 * An agent action is the model's decision (`llm` step, with the tool call it made); its
 * observation is the execution (`tool` step) nested under it through `cause`. Old output files
 * flatten events without ids: there the observation simply follows its action. ErrorObservations,
 * non-zero exit codes and an `error` agent state are failed steps; an instance-level `error` is a
 * failed final step. Exit code -1 is OpenHands' "not yet finished" (the soft timeout: no new
 * output for a while, the command still running): status `unset` with a note, as in V1, unless
 * the terminal says the command timed out.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftLabel, DraftStep, DraftTrace } from '../../model/draft';
import type { ToolCall } from '../../model/schema';
import { toEpochMs } from '../../util/time';
import { asText, Importer, ImportContext, isObject } from '../importer';
import { baseName, bool, fail, firstJsonlRecord, num, oneLine, parseArguments, str, type Json } from './common';
import { tokenDetailsOf } from '../token-details';
import { STILL_RUNNING, UNFINISHED_NOTE } from './openhands-v1';
import { isAnsweringExit, shellCommandText } from '../shell-exit';

export const openHandsImporter: Importer = {
  id: 'openhands',
  label: 'OpenHands event stream / evaluation output (V0)',
  producer: 'OpenHands (All-Hands-AI/OpenHands) UI trajectory export, resolver and evaluation harness',
  sniff(file: SourceFile): number {
    if (file.isZip) return 0;
    if (file.firstChar === '[') {
      const v = file.json;
      if (!Array.isArray(v) || v.length === 0) return 0;
      const e = v[0];
      return isEvent(e) && 'source' in e && 'id' in e ? 0.9 : 0;
    }
    const rec = firstJsonlRecord(file) ?? (isObject(file.json) ? file.json : undefined);
    if (!isObject(rec) || !Array.isArray(rec.history)) return 0;
    const h = rec.history[0];
    const first = Array.isArray(h) ? h[0] : h;
    return isEvent(first) && ('instruction' in rec || 'instance_id' in rec || 'test_result' in rec || 'issue' in rec) ? 0.9 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    if (file.firstChar === '[') {
      const v = file.requireJson();
      if (!Array.isArray(v)) fail(file, [], 'an OpenHands event stream is a JSON array of events');
      return [{ title: baseName(file.path).replace(/\.json$/i, ''), steps: eventSteps(v, []), metadata: {} }];
    }
    const records = file.looksLikeJsonl() ? file.jsonl.records : [{ line: 0, value: file.requireJson() }];
    if (file.looksLikeJsonl()) for (const p of file.jsonl.problems) ctx.warn(p);
    const traces: DraftTrace[] = [];
    for (const { line, value } of records) {
      if (!isObject(value) || !Array.isArray(value.history)) {
        ctx.warn({ line: line + 1, column: 1, message: 'an OpenHands output line needs a "history" array (line skipped)' });
        continue;
      }
      traces.push(instanceTrace(value, line));
    }
    return traces;
  },
};

function instanceTrace(rec: Json, line: number): DraftTrace {
  const history = rec.history as unknown[];
  // Some versions store [action, observation] pairs; flatten them keeping each event's own path.
  const events: unknown[] = [];
  const paths: (string | number)[][] = [];
  history.forEach((h, j) => {
    if (Array.isArray(h)) h.forEach((e, k) => { events.push(e); paths.push([line, 'history', j, k]); });
    else { events.push(h); paths.push([line, 'history', j]); }
  });
  const steps = eventSteps(events, paths);
  const { errorStep, labels, title } = instanceOutcome(rec, line);
  if (errorStep) steps.push(errorStep);
  const { history: _h, ...meta } = rec;
  return { title, steps, labels, metadata: meta, indexInFile: line, jsonlPaths: true };
}

/**
 * What an evaluation line says about the run as a whole (shared with the V1 importer): a title,
 * a failed final step for the instance-level `error`, and the SWE-bench verdict when present.
 */
export function instanceOutcome(rec: Json, line: number): { title: string; errorStep?: DraftStep; labels: DraftLabel[] } {
  const err = rec.error;
  const errorStep: DraftStep | undefined = err !== null && err !== undefined && err !== '' && err !== 'None'
    ? { kind: 'system', name: 'run error', status: 'error', error: { message: asText(err) }, sourcePath: [line] }
    : undefined;
  const issue = isObject(rec.issue) ? rec.issue : undefined;
  const title = str(rec.instance_id) ?? (issue ? `${str(issue.repo) ?? ''}#${asText(issue.number)} ${str(issue.title) ?? ''}`.trim() : `instance ${line + 1}`);
  const labels: DraftLabel[] = [];
  const report = isObject(rec.test_result) && isObject(rec.test_result.report) ? rec.test_result.report : undefined;
  const resolved = report ? bool(report.resolved) : undefined;
  if (resolved !== undefined) {
    labels.push({ stepSourceId: null, scheme: 'swe-bench', category: resolved ? 'resolved' : 'unresolved', value: resolved, origin: 'inline' });
  }
  return { title, errorStep, labels };
}

/** Steps for a list of events; `paths[i]` overrides the default path `[i]`. */
function eventSteps(events: unknown[], paths: (string | number)[][]): DraftStep[] {
  const steps: DraftStep[] = [];
  let lastAction: ToolCall | undefined;
  events.forEach((e, i) => {
    const path = paths[i] ?? [i];
    if (!isObject(e)) return;
    const step = isObject(e) && 'observation' in e ? observationStep(e, lastAction) : actionStep(e);
    if ('action' in e) lastAction = step.kind === 'llm' ? step.output?.messages?.[0]?.toolCalls?.[0] : undefined;
    steps.push({ ...step, sourcePath: path });
  });
  return steps;
}

/** Event fields live in `args`/`extras` in streams, inline in old output files. */
function field(e: Json, key: string): unknown {
  if (isObject(e.args) && key in e.args) return e.args[key];
  if (isObject(e.extras) && key in e.extras) return e.extras[key];
  return e[key];
}

function common(e: Json): Pick<DraftStep, 'sourceId' | 'startTime' | 'attributes'> {
  const { id, timestamp, ...rest } = e;
  return {
    ...(id !== undefined && id !== null ? { sourceId: String(id) } : {}),
    startTime: toEpochMs(timestamp),
    attributes: rest,
  };
}

function actionStep(e: Json): DraftStep {
  const action = str(e.action) ?? 'action';
  const source = str(e.source);
  const content = str(field(e, 'content')) ?? str(e.message) ?? '';
  if (source === 'user' || (source === undefined && action === 'message' && !('thought' in e))) {
    return { ...common(e), kind: 'message', name: 'user message', input: { messages: [{ role: 'user', content }] }, status: 'ok' };
  }
  if (source === 'environment') {
    return { ...common(e), kind: 'system', name: action, input: { value: e.args ?? null }, status: 'ok' };
  }
  const meta = isObject(e.tool_call_metadata) ? e.tool_call_metadata : undefined;
  const response = meta && isObject(meta.model_response) ? meta.model_response : undefined;
  const usage = response && isObject(response.usage) ? response.usage : undefined;
  const thought = str(field(e, 'thought'));
  const call = toolCallOf(e, meta, response);
  const text = action === 'message' || action === 'finish' ? (thought || content || str(e.message) || '') : (thought ?? '');
  return {
    ...common(e),
    kind: 'llm',
    name: call?.name ?? action,
    output: { messages: [{ role: 'assistant', content: text, ...(call ? { toolCalls: [call] } : {}) }] },
    status: 'ok',
    ...(str(response?.model) ? { model: str(response?.model) } : {}),
    ...(usage ? { usage: { inputTokens: num(usage.prompt_tokens), outputTokens: num(usage.completion_tokens), totalTokens: num(usage.total_tokens), ...tokenDetailsOf(usage) } } : {}),
  };
}

/** The tool call as the model wrote it (from the stored model response), else the action's args. */
function toolCallOf(e: Json, meta: Json | undefined, response: Json | undefined): ToolCall | undefined {
  const action = str(e.action) ?? 'action';
  if (meta) {
    const id = str(meta.tool_call_id);
    const name = str(meta.function_name) ?? action;
    let args: unknown = e.args ?? {};
    const choices = response && Array.isArray(response.choices) ? response.choices : [];
    for (const c of choices) {
      const calls = isObject(c) && isObject(c.message) && Array.isArray(c.message.tool_calls) ? c.message.tool_calls : [];
      const hit = calls.find((t) => isObject(t) && t.id === id);
      if (isObject(hit) && isObject(hit.function)) args = parseArguments(hit.function.arguments);
    }
    return { ...(id ? { id } : {}), name, arguments: args };
  }
  if (action === 'message') return undefined;
  const args = isObject(e.args) ? e.args : Object.fromEntries(Object.entries(e).filter(([k]) => !['action', 'thought', 'id', 'timestamp', 'source', 'message'].includes(k)));
  return { name: action, arguments: args };
}

function observationStep(e: Json, lastAction: ToolCall | undefined): DraftStep {
  const obs = str(e.observation) ?? 'observation';
  const content = str(e.content) ?? str(e.message) ?? '';
  const base = common(e);
  const parent = e.cause !== undefined && e.cause !== null ? { parentSourceId: String(e.cause) } : {};
  if (obs === 'agent_state_changed' || obs === 'null') {
    const state = str(field(e, 'agent_state'));
    const failed = state === 'error';
    return {
      ...base, ...parent, kind: 'system', name: state ? `agent state: ${state}` : obs === 'null' ? 'no observation' : obs,
      status: failed ? 'error' : 'ok',
      ...(failed ? { error: { type: 'AgentStateError', message: str(field(e, 'reason')) || 'the agent entered the error state' } } : {}),
    };
  }
  const meta = isObject(e.tool_call_metadata) ? e.tool_call_metadata : undefined;
  const name = str(meta?.function_name) ?? lastAction?.name ?? obs;
  const metadata = field(e, 'metadata');
  const exitCode = num(field(e, 'exit_code')) ?? (isObject(metadata) ? num(metadata.exit_code) : undefined);
  // A hard timeout (the command's own `timeout` reached) also leaves exit code -1; the terminal
  // says so in the suffix it appends to the output ("[The command timed out after N seconds. ...]").
  const suffix = isObject(metadata) ? str(metadata.suffix) ?? '' : '';
  const timedOut = field(e, 'timeout') === true || /\bcommand timed out after\b/i.test(suffix);
  const call: ToolCall = meta
    ? { ...(str(meta.tool_call_id) ? { id: str(meta.tool_call_id) } : {}), name, arguments: lastAction?.id === str(meta.tool_call_id) ? lastAction?.arguments : {} }
    : lastAction ?? { name, arguments: {} };
  let error: DraftStep['error'];
  let note: string | undefined;
  if (obs === 'error') error = { type: 'ErrorObservation', message: content || 'error' };
  else if (exitCode === STILL_RUNNING && timedOut) error = { type: 'Timeout', message: oneLine(suffix, 300) || 'the command timed out' };
  else if (exitCode === STILL_RUNNING) note = UNFINISHED_NOTE;
  // A search that found nothing (grep's exit 1) answered; it did not fail.
  else if (exitCode !== undefined && exitCode !== 0 && !isAnsweringExit(shellCommandText(call.arguments) ?? str(field(e, 'command')), exitCode, content)) {
    error = { type: 'ExitCode', message: `exit code ${exitCode}: ${oneLine(str(e.message) ?? content, 200)}` };
  }
  return {
    ...base, ...parent,
    kind: 'tool',
    name,
    toolCall: call,
    input: { value: field(e, 'command') ?? field(e, 'code') ?? field(e, 'path') ?? null },
    output: { value: content },
    status: error ? 'error' : note ? 'unset' : 'ok',
    ...(error ? { error } : {}),
    ...(note ? { attributes: { ...base.attributes, note } } : {}),
  };
}

function isEvent(v: unknown): v is Json {
  return isObject(v) && (typeof v.action === 'string' || typeof v.observation === 'string');
}
