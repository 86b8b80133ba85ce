/**
 * SWE-agent `.traj` files (princeton-nlp/SWE-agent, also its CTF "EnIGMA" runs):
 *
 *   {"environment": "main", "trajectory": [{"action": "ls -F", "observation": "...", "response": "...",
 *     "thought": "...", "state": "{...}", "execution_time": 0.1}], "history": [...], "info": {"exit_status": "submitted", ...}}
 *
 * Each trajectory entry is one model decision (an `llm` step) followed by the execution of its
 * command (a `tool` step); the entries carry no ids, so the tool step follows its decision rather
 * than nesting under it. With function calling, the call (tool name, arguments, call id) is the
 * one in the model's turn in `history`, matched by its action; otherwise it is `bash {command}`.
 * A `.traj` with no `trajectory` is read from `history` alone. An edit the linter refused
 * ("Your proposed edit has introduced new syntax error(s)") is a failed step. The system prompt and the task come from `history`
 * (the messages before the first assistant turn); the run's end is an `exit` step from `info`.
 * `all_preds.jsonl` beside the trajectories holds predictions, not a trace, and is refused.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import { Importer, isObject } from '../importer';
import type { JsonPath } from '../../json/locate';
import type { StepError, ToolCall } from '../../model/schema';
import { baseName, commandStepName, contentText, fail, firstJsonlRecord, parseArguments, refuse, str, tracebackError } from './common';

export const sweAgentImporter: Importer = {
  id: 'swe-agent',
  label: 'SWE-agent trajectory (.traj)',
  producer: 'SWE-agent (princeton-nlp/SWE-agent), including EnIGMA CTF runs',
  sniff(file: SourceFile): number {
    if (file.isZip) return 0;
    if (file.firstChar === '{' && file.looksLikeJsonl()) {
      const first = firstJsonlRecord(file);
      return isPrediction(first) ? 0.9 : 0;
    }
    const v = file.json;
    if (isObject(v) && !('trajectory' in v) && isHistoryOnly(v)) return 0.85;
    if (!isObject(v) || !Array.isArray(v.trajectory)) return 0;
    const first = v.trajectory[0];
    if (isObject(first) && 'action' in first && 'observation' in first) return 0.95;
    // An empty trajectory is still recognisable by the rest of the shape.
    return v.trajectory.length === 0 && isObject(v.info) && Array.isArray(v.history) ? 0.8 : 0;
  },
  parse(file: SourceFile): DraftTrace[] {
    if (file.firstChar === '{' && file.looksLikeJsonl() && isPrediction(firstJsonlRecord(file))) {
      refuse(file, 'SWE-bench predictions (one model patch per instance), not a trace: open the .traj file of a run instead');
    }
    const doc = file.requireJson();
    if (!isObject(doc) || (!Array.isArray(doc.trajectory) && !isHistoryOnly(doc))) fail(file, [], 'a SWE-agent trajectory needs a "trajectory" array (or a "history" of SWE-agent messages)');
    const steps: DraftStep[] = [];

    // The system prompt, demonstrations and task: history entries before the first model turn.
    const history = Array.isArray(doc.history) ? doc.history : [];
    for (let i = 0; i < history.length; i++) {
      const h = history[i];
      if (!isObject(h)) continue;
      if (h.role === 'assistant') break;
      const content = str(h.content) ?? '';
      const isSystem = h.role === 'system';
      steps.push({
        kind: isSystem ? 'system' : 'message',
        name: isSystem ? 'system prompt' : h.is_demo ? 'demonstration' : 'task',
        input: { messages: [{ role: isSystem ? 'system' : 'user', content }] },
        status: 'ok',
        attributes: { agent: h.agent, message_type: h.message_type, is_demo: h.is_demo },
        sourcePath: ['history', i],
      });
    }

    const turns = Array.isArray(doc.trajectory) ? trajectoryTurns(file, doc.trajectory, history) : historyTurns(history);
    for (const turn of turns) {
      const command = turn.action.trim();
      const call: ToolCall = turn.call ?? { name: 'bash', arguments: { command } };
      steps.push({
        kind: 'llm',
        name: 'model',
        output: { messages: [{ role: 'assistant', content: turn.response, toolCalls: [call] }] },
        status: 'ok',
        attributes: turn.attributes,
        sourcePath: turn.sourcePath,
      });
      if (turn.observation === undefined) continue;
      const error = rejectedEdit(turn.observation) ?? tracebackError(turn.observation);
      steps.push({
        kind: 'tool',
        ...(turn.call ? { name: turn.call.name } : commandStepName(command, 'command')),
        toolCall: call,
        input: { value: command },
        output: { value: turn.shown ?? turn.observation },
        ...(turn.shown !== undefined && turn.shown !== turn.observation ? { attributes: { observation: turn.observation } } : {}),
        status: error ? 'error' : 'ok',
        ...(error ? { error } : {}),
        sourcePath: turn.observationPath ?? turn.sourcePath,
      });
    }

    const info = isObject(doc.info) ? doc.info : {};
    const exitStatus = str(info.exit_status);
    if (exitStatus !== undefined) {
      const ok = exitStatus.trim().toLowerCase() === 'submitted';
      steps.push({
        kind: 'system',
        name: `exit: ${exitStatus}`,
        output: { value: info.submission ?? null },
        status: ok ? 'ok' : 'error',
        ...(ok ? {} : { error: { type: exitStatus, message: `the run ended with exit status "${exitStatus}"` } }),
        sourcePath: ['info'],
      });
    }

    const { trajectory: _t, history: _h, info: _i, ...other } = doc;
    return [{ title: baseName(file.path).replace(/\.traj$/, ''), steps, metadata: { ...info, ...other } }];
  },
};

/** One model turn: its command, the call as the model made it (function calling), and what came back. */
interface Turn {
  action: string;
  response: string;
  call?: ToolCall;
  observation?: string;
  /** The observation as the model was sent it, when that differs from the raw one. */
  shown?: string;
  attributes: Record<string, unknown>;
  sourcePath: JsonPath;
  observationPath?: JsonPath;
}

function trajectoryTurns(file: SourceFile, trajectory: unknown[], history: unknown[]): Turn[] {
  const shown = observationsAsShown(history);
  const calls = callsByAction(history);
  let cursor = 0;
  return trajectory.map((entry, i) => {
    if (!isObject(entry)) fail(file, ['trajectory', i], 'each trajectory entry must be an object with "action" and "observation"');
    const { action: rawAction, observation: rawObservation, response, thought, ...rest } = entry;
    const action = str(rawAction) ?? '';
    const observation = str(rawObservation) ?? '';
    // The trajectory entry does not keep the function call; the model's turn in history does.
    // Turns are matched in order by their action text (the last `submit` is often not in history).
    let call: ToolCall | undefined;
    for (let k = cursor; k < calls.length; k++) {
      if (calls[k].action === action.trim()) { call = calls[k].call; cursor = k + 1; break; }
    }
    // What the model was sent: the observation inside SWE-agent's next-step template, when the
    // history shows it for this turn (it holds the raw observation); the raw one stays in `observation`.
    const sent = shown[i] !== undefined && (observation.trim() === '' || shown[i]!.includes(observation.trim().slice(0, 200))) ? shown[i] : undefined;
    return {
      action, response: str(response) ?? str(thought) ?? '', ...(call ? { call } : {}), observation,
      ...(sent !== undefined ? { shown: sent } : {}),
      attributes: { thought, ...rest }, sourcePath: ['trajectory', i],
    };
  });
}

/** A `.traj` with only `history`: each assistant message is a turn, the next tool/user message its observation. */
function historyTurns(history: unknown[]): Turn[] {
  const turns: Turn[] = [];
  for (let i = 0; i < history.length; i++) {
    const h = history[i];
    if (!isObject(h) || h.is_demo || h.role !== 'assistant') continue;
    const next = history[i + 1];
    const answered = isObject(next) && !next.is_demo && (next.role === 'tool' || next.role === 'user');
    const content = contentText(h.content) ?? '';
    const call = onlyCall(h.tool_calls);
    turns.push({
      action: str(h.action) ?? '', response: content, ...(call ? { call } : {}),
      ...(answered ? { observation: contentText(next.content) ?? '', observationPath: ['history', i + 1] } : {}),
      attributes: { thought: h.thought, agent: h.agent, message_type: h.message_type }, sourcePath: ['history', i],
    });
  }
  return turns;
}

/** The model's own turns in history with the one function call each made (SWE-agent allows one per turn). */
function callsByAction(history: unknown[]): { action: string; call?: ToolCall }[] {
  const out: { action: string; call?: ToolCall }[] = [];
  for (const h of history) {
    if (!isObject(h) || h.is_demo || h.role !== 'assistant') continue;
    const call = onlyCall(h.tool_calls);
    out.push({ action: (str(h.action) ?? '').trim(), ...(call ? { call } : {}) });
  }
  return out;
}

function onlyCall(toolCalls: unknown): ToolCall | undefined {
  if (!Array.isArray(toolCalls) || toolCalls.length !== 1 || !isObject(toolCalls[0])) return undefined;
  const c = toolCalls[0];
  const fn = isObject(c.function) ? c.function : c;
  const name = str(fn.name);
  if (!name) return undefined;
  return { ...(str(c.id) ? { id: str(c.id) } : {}), name, arguments: parseArguments(fn.arguments) };
}

/**
 * SWE-agent's linting edit tools refuse an edit that breaks the file
 * (`tools/windowed_edit_linting/bin/edit`, `_LINT_ERROR_TEMPLATE`): the edit was not applied.
 * The error is the template's head and its list of errors, without the two code windows.
 */
const LINT_REJECTED = 'Your proposed edit has introduced new syntax error(s)';
function rejectedEdit(observation: string): StepError | undefined {
  const at = observation.indexOf(LINT_REJECTED);
  if (at < 0 || at > 200) return undefined;
  const rest = observation.slice(at);
  const windowAt = rest.search(/\n\s*This is how your edit would have looked/);
  return { type: 'EditRejected', message: (windowAt >= 0 ? rest.slice(0, windowAt) : rest).trim() };
}

function isHistoryOnly(v: Record<string, unknown>): boolean {
  return Array.isArray(v.history) && v.history.some((h) => isObject(h) && h.role === 'assistant' && typeof h.message_type === 'string')
    && v.history.every((h) => !isObject(h) || typeof h.message_type === 'string' || typeof h.role === 'string');
}

/**
 * The observation message after each of the model's turns in `history` (demonstrations left
 * out), in turn order: SWE-agent sends the observation inside its next-step template
 * ("... (Open file: ...) (Current directory: ...) bash-$").
 */
function observationsAsShown(history: unknown[]): (string | undefined)[] {
  const own = history.filter((h) => isObject(h) && !h.is_demo) as Record<string, unknown>[];
  const out: (string | undefined)[] = [];
  own.forEach((h, k) => {
    if (h.role !== 'assistant') return;
    const next = own[k + 1];
    out.push(next && (next.role === 'tool' || next.role === 'user') ? str(next.content) : undefined);
  });
  return out;
}

function isPrediction(v: unknown): boolean {
  return isObject(v) && typeof v.instance_id === 'string' && 'model_patch' in v && !('history' in v);
}
