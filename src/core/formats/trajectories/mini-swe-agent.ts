/**
 * mini-swe-agent `.traj.json` files (SWE-agent/mini-swe-agent), and the SWE-bench verdict beside them:
 *
 *   {"info": {"exit_status": "Submitted", "submission": "diff...", "model_stats": {...}, "config": {...}},
 *    "messages": [{"role": "system"}, {"role": "user"}, {"role": "assistant", "content": "THOUGHT... ```bash\nls\n```"},
 *                 {"role": "user", "content": "<returncode>0</returncode><output>...</output>"}, ...],
 *    "trajectory_format": "mini-swe-agent-1", "instance_id": "astropy__astropy-12907"}
 *
 * Format 1.1 uses native tool calls (`tool_calls` + `tool` messages) and ends with an `exit`
 * message; older local runs are a bare list of messages. Each assistant turn is an `llm` step
 * followed by the `bash` execution(s) it asked for. A non-zero return code is a failed step; an
 * exit status other than "Submitted" (tracebacks, timeouts, limits) is a failed `exit` step.
 *
 * A SWE-bench `report.json` next to the trajectory becomes a trace-level `swe-bench` label
 * (resolved/unresolved). Opening the evaluation files themselves is refused with one line.
 */
import type { SourceFile } from '../../json/source-file';
import type { ChatMessage, ToolCall } from '../../model/schema';
import type { DraftLabel, DraftStep, DraftTrace } from '../../model/draft';
import { Importer, ImportContext, isObject } from '../importer';
import { baseName, commandStepName, contentText, fail, num, oneLine, outputTail, refuse, str, toToolCalls, tracebackError, type Json } from './common';
import { tokenDetailsOf } from '../token-details';
import { tryParseJson } from '../../json/depth';
import { isAnsweringExit } from '../shell-exit';

const REPORT_REFUSAL = 'SWE-bench evaluation report (labels), not a trace: open the .traj.json next to it';

export const miniSweAgentImporter: Importer = {
  id: 'mini-swe-agent',
  label: 'mini-swe-agent trajectory (.traj.json)',
  producer: 'mini-swe-agent (SWE-agent/mini-swe-agent)',
  sniff(file: SourceFile): number {
    if (file.isZip) return 0;
    if (isEvaluationFile(file)) return 0.9;
    const v = file.json;
    if (isObject(v) && Array.isArray(v.messages)) {
      if (typeof v.trajectory_format === 'string' && v.trajectory_format.startsWith('mini-swe-agent')) return 1;
      if (isObject(v.info) && ('mini_version' in v.info || 'exit_status' in v.info)) return 0.9;
      return 0;
    }
    // Early local runs: a bare message list, recognisable only with the file name's help.
    if (Array.isArray(v) && /\.traj\.json$/i.test(file.path) && v.length > 0
      && v.every((m) => isObject(m) && typeof m.role === 'string' && 'content' in m)) return 0.6;
    return 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    if (isEvaluationFile(file)) refuse(file, REPORT_REFUSAL);
    const doc = file.requireJson();
    const bare = Array.isArray(doc);
    if (!bare && !(isObject(doc) && Array.isArray(doc.messages))) fail(file, [], 'a mini-swe-agent trajectory needs a "messages" array');
    const messages = (bare ? doc : (doc as Json).messages) as unknown[];
    const base: (string | number)[] = bare ? [] : ['messages'];
    const info: Json = !bare && isObject((doc as Json).info) ? (doc as Json).info as Json : {};
    const steps = messageSteps(file, messages, base);

    if (!steps.some((s) => s.name.startsWith('exit')) && typeof info.exit_status === 'string') {
      steps.push(exitStep(info.exit_status, info, ['info']));
    }

    const instanceId = bare ? undefined : str((doc as Json).instance_id);
    const labels = instanceId ? sweBenchLabels(file, ctx, instanceId) : [];
    const { messages: _m, info: _i, ...other } = bare ? {} as Json : doc as Json;
    return [{
      title: instanceId ?? baseName(file.path).replace(/\.traj\.json$/i, ''),
      steps,
      labels,
      metadata: { ...info, ...other },
    }];
  },
};

/** One pass over the messages; the pending calls of the last assistant turn pair with the replies. */
function messageSteps(file: SourceFile, messages: unknown[], base: (string | number)[]): DraftStep[] {
  const steps: DraftStep[] = [];
  let pending: ToolCall[] = [];
  let afterAssistant = false;
  messages.forEach((m, i) => {
    const path = [...base, i];
    if (!isObject(m)) fail(file, path, 'each message must be an object with "role" and "content"');
    const role = str(m.role) ?? '';
    const content = contentText(m.content) ?? '';
    const extra = isObject(m.extra) ? m.extra : {};
    if (role === 'system') {
      steps.push({ kind: 'system', name: 'system prompt', input: { messages: [{ role: 'system', content }] }, status: 'ok', sourcePath: path });
      afterAssistant = false;
    } else if (role === 'assistant') {
      const calls = assistantCalls(m, content);
      const response = isObject(extra.response) ? extra.response : undefined;
      const usage = response && isObject(response.usage) ? response.usage : undefined;
      const message: ChatMessage = { role: 'assistant', content, ...(calls.length ? { toolCalls: calls } : {}) };
      steps.push({
        kind: 'llm',
        name: str(response?.model) ?? 'model',
        output: { messages: [message] },
        status: 'ok',
        ...(str(response?.model) ? { model: str(response?.model) } : {}),
        ...(usage ? { usage: { inputTokens: num(usage.prompt_tokens), outputTokens: num(usage.completion_tokens), totalTokens: num(usage.total_tokens), ...tokenDetailsOf(usage), cost: num(extra.cost) } } : {}),
        attributes: { reasoning_content: m.reasoning_content, extra: m.extra },
        sourcePath: path,
      });
      pending = calls;
      afterAssistant = true;
    } else if ((role === 'user' || role === 'tool') && afterAssistant && (pending.length > 0 || role === 'tool')) {
      const id = str(m.tool_call_id);
      const call = (id && pending.find((c) => c.id === id)) || pending[0] || { name: 'bash', arguments: {} };
      if (role === 'user' || pending.length <= 1) pending = [];
      else pending = pending.filter((c) => c !== call);
      steps.push(observationStep(call, content, extra, path));
    } else if (role === 'user' && afterAssistant) {
      // The model's turn had no command: mini-swe-agent answers with a format-error message.
      steps.push({
        kind: 'message', name: 'format error', input: { messages: [{ role: 'user', content }] },
        status: 'error', error: { type: 'FormatError', message: oneLine(content, 200) || 'the model gave no command' }, sourcePath: path,
      });
      afterAssistant = false;
    } else if (role === 'exit') {
      const status = str(extra.exit_status) ?? 'exit';
      steps.push(exitStep(status, extra, path, content));
    } else {
      steps.push({ kind: 'message', name: role === 'user' ? 'task' : role || 'message', input: { messages: [{ role: 'user', content }] }, status: 'ok', sourcePath: path });
      afterAssistant = false;
    }
  });
  return steps;
}

/** Native tool calls (1.1), the recorded actions, or the ```bash block of the text formats. */
function assistantCalls(m: Json, content: string): ToolCall[] {
  const native = toToolCalls(m.tool_calls);
  if (native) return native;
  const extra = isObject(m.extra) ? m.extra : {};
  if (Array.isArray(extra.actions) && extra.actions.length) {
    return extra.actions.filter(isObject).map((a) => ({ ...(str(a.tool_call_id) ? { id: str(a.tool_call_id) } : {}), name: 'bash', arguments: { command: str(a.command) ?? '' } }));
  }
  const calls: ToolCall[] = [];
  const re = /```(?:bash|mswea_bash_command|sh)\s*\n([\s\S]*?)```/g;
  for (let r = re.exec(content); r; r = re.exec(content)) calls.push({ name: 'bash', arguments: { command: r[1].trim() } });
  return calls;
}

/**
 * What the command printed, out of mini-swe-agent's observation: its `<output>`, or for a long
 * one the `<output_tail>` it kept (after a `<warning>` to the model); else the text without the
 * `<returncode>` tag.
 */
function commandOutput(content: string): string {
  const tagged = /<output>([\s\S]*?)<\/output>/.exec(content) ?? /<output_tail>([\s\S]*?)<\/output_tail>/.exec(content);
  return tagged ? tagged[1] : content.replace(/<returncode>[^<]*<\/returncode>/, '');
}

function observationStep(call: ToolCall, content: string, extra: Json, path: (string | number)[]): DraftStep {
  const tagged = /<returncode>\s*(-?\d+)\s*<\/returncode>/.exec(content);
  const code = num(extra.returncode) ?? (tagged ? Number(tagged[1]) : undefined);
  const exception = str(extra.exception_info);
  const args = call.arguments;
  const command = isObject(args) && typeof args.command === 'string' ? args.command : '';
  let error = exception ? { message: exception } : undefined;
  // A search that found nothing (grep's exit 1) answered; it did not fail.
  if (!error && code !== undefined && code !== 0 && !isAnsweringExit(command, code, content)) {
    // The traceback's exception, else the output's last lines: what the command said went wrong.
    error = tracebackError(content) ?? { message: outputTail(commandOutput(content)) || '(no output)' };
    error = { ...error, message: `exit code ${code}: ${error.message}` };
  }
  return {
    kind: 'tool',
    ...commandStepName(command, call.name),
    toolCall: call,
    input: { value: command },
    output: { value: content },
    status: error ? 'error' : 'ok',
    ...(error ? { error } : {}),
    attributes: { ...(code !== undefined ? { returncode: code } : {}), ...extra },
    sourcePath: path,
  };
}

function exitStep(status: string, info: Json, path: (string | number)[], content?: string): DraftStep {
  const ok = status.trim().toLowerCase() === 'submitted';
  const exception = str(info.exception_str);
  const traceback = str(info.traceback);
  const parsed = tracebackError(traceback);
  return {
    kind: 'system',
    name: `exit: ${status}`,
    output: { value: content ?? info.submission ?? null },
    status: ok ? 'ok' : 'error',
    ...(ok ? {} : { error: { type: status, message: exception ?? parsed?.message ?? `the run ended with exit status "${status}"`, ...(traceback ? { stack: traceback } : {}) } }),
    sourcePath: path,
  };
}

/** The SWE-bench verdict beside the trajectory (report.json), or in the run's results_summary.json. */
function sweBenchLabels(file: SourceFile, ctx: ImportContext, instanceId: string): DraftLabel[] {
  const dir = file.path.replace(/[^\\/]*$/, '');
  for (const rel of ['report.json', '../results_summary.json']) {
    const bytes = ctx.readSibling(rel);
    if (!bytes) continue;
    const report = tryParseJson(new TextDecoder().decode(bytes))?.value;
    if (report === undefined) {
      ctx.warn({ file: dir + rel, message: 'the SWE-bench report beside the trajectory is not valid JSON; no verdict attached' });
      continue;
    }
    const entry = findVerdict(report, instanceId);
    if (!entry) continue;
    const resolved = entry.resolved === true;
    return [{
      stepSourceId: null, scheme: 'swe-bench', category: resolved ? 'resolved' : 'unresolved', value: resolved,
      description: resolved ? 'SWE-bench tests pass with the submitted patch' : 'SWE-bench tests do not pass with the submitted patch',
      origin: dir + rel,
    }];
  }
  return [];
}

function findVerdict(report: unknown, instanceId: string): Json | undefined {
  if (!isObject(report)) return undefined;
  if (typeof report.resolved === 'boolean') return report; // a flat per-instance report
  if (isObject(report[instanceId]) && typeof (report[instanceId] as Json).resolved === 'boolean') return report[instanceId] as Json;
  if (Array.isArray(report.instances)) {
    const hit = report.instances.find((x) => isObject(x) && x.instance_id === instanceId);
    if (isObject(hit) && typeof hit.resolved === 'boolean') return hit;
  }
  return undefined;
}

/** SWE-bench evaluation outputs that people open by mistake: reports, summaries, exit-status lists. */
function isEvaluationFile(file: SourceFile): boolean {
  const first = file.firstChar;
  if (first !== '{' && first !== '[') {
    const head = file.text.slice(0, 4096);
    if (/^\s*instances_by_exit_status\s*:/m.test(head)) return true;
    return /\.md$/i.test(file.path) && /^#\s*Failure Analysis\b/m.test(head);
  }
  const v = file.json;
  if (!isObject(v)) return false;
  if (typeof v.resolved === 'boolean' && isObject(v.tests_status)) return true;
  if (Array.isArray(v.instances) && ('pass_rate' in v || 'resolved_instances' in v || 'total' in v)) {
    const x = v.instances[0];
    return isObject(x) && typeof x.instance_id === 'string' && 'resolved' in x;
  }
  // {instance_id: {resolved, tests_status}}: check the first entry only (sniffing stays cheap).
  for (const key in v) {
    const e = v[key];
    return isObject(e) && typeof e.resolved === 'boolean' && ('tests_status' in e || 'patch_successfully_applied' in e);
  }
  return false;
}
