/**
 * AgentBench run logs (THUDM/AgentBench, e.g. MedAgentBench): `runs.jsonl`, one run per line,
 * and `error.jsonl` (runs the harness gave up on) in the same folder:
 *
 *   {"index": 99, "error": null, "info": null, "time": {"timestamp": 1737150789165},
 *    "output": {"index": 99, "status": "completed", "result": "[-1]", "history": [{"role": "user", "content": "..."}, {"role": "agent", "content": "GET http://..."}]}}
 *   {"index": 53, "error": "AGENT_FAILED", "info": "Failed.", "output": {"status": "running", "history": null}}
 *
 * The first user message is the task; each agent message is an `llm` step and the environment's
 * reply after it is a `tool` step named by the action's verb (GET, POST, FINISH...). A run whose
 * status is not "completed" (e.g. "agent invalid action") fails on its last agent step; a run with
 * an `error` ends with one failed step: a failed model call for AGENT_FAILED (the agent's model
 * call raised), a failed system step for the task server's errors.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import { toEpochMs } from '../../util/time';
import { asText, Importer, ImportContext, isObject } from '../importer';
import { contentText, firstJsonlRecord, oneLine, str, type Json } from './common';

export const agentBenchImporter: Importer = {
  id: 'agentbench',
  label: 'AgentBench runs (runs.jsonl / error.jsonl)',
  producer: 'AgentBench (THUDM/AgentBench) task workers, e.g. MedAgentBench',
  sniff(file: SourceFile): number {
    const rec = firstJsonlRecord(file) ?? (isObject(file.json) ? file.json : undefined);
    if (!isObject(rec) || !('index' in rec) || !isObject(rec.output) || !('error' in rec)) return 0;
    return 'status' in rec.output && 'history' in rec.output ? 0.9 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const { records, problems } = file.jsonl;
    for (const p of problems) ctx.warn(p);
    const traces: DraftTrace[] = [];
    for (const { line, value } of records) {
      if (!isObject(value) || !isObject(value.output)) {
        ctx.warn({ line: line + 1, column: 1, message: 'an AgentBench run needs an "output" object (line skipped)' });
        continue;
      }
      traces.push(runTrace(value, value.output as Json, line));
    }
    return traces;
  },
};

function runTrace(run: Json, output: Json, line: number): DraftTrace {
  const history = Array.isArray(output.history) ? output.history : [];
  const time = isObject(run.time) ? toEpochMs(run.time.timestamp) : null;
  const steps: DraftStep[] = [];
  let lastAgent = -1;
  let lastAction = '';
  history.forEach((m, j) => {
    if (!isObject(m)) return;
    const path = [line, 'output', 'history', j];
    const content = contentText(m.content) ?? '';
    if (m.role === 'agent' || m.role === 'assistant') {
      lastAgent = steps.length;
      lastAction = actionVerb(content);
      steps.push({ kind: 'llm', name: lastAction || 'agent', output: { messages: [{ role: 'assistant', content }] }, status: 'ok', sourcePath: path });
    } else if (lastAgent >= 0) {
      // The environment's reply to the last action (AgentBench shows it as a user turn).
      const invalid = /^\s*invalid\b/i.test(content);
      steps.push({
        kind: 'tool', name: lastAction || 'environment', toolCall: { name: lastAction || 'environment', arguments: { action: lastContent(steps, lastAgent) } },
        output: { value: content }, status: invalid ? 'error' : 'ok',
        ...(invalid ? { error: { type: 'InvalidAction', message: oneLine(content, 200) } } : {}), sourcePath: path,
      });
    } else {
      steps.push({ kind: 'message', name: 'task', input: { messages: [{ role: 'user', content }] }, status: 'ok', sourcePath: path });
    }
  });
  const status = str(output.status);
  const error = run.error !== null && run.error !== undefined && run.error !== '' ? asText(run.error) : undefined;
  if (status && status !== 'completed' && lastAgent >= 0) {
    steps[lastAgent] = { ...steps[lastAgent], status: 'error', error: { type: status, message: `AgentBench status "${status}"` } };
  }
  if (error || (steps.length === 0 && status && status !== 'completed')) {
    steps.push({
      // AGENT_FAILED: the agent's model call raised (AgentBench's task client catches the
      // exception of `agent.inference`), so the failure is the model call's. The other errors are
      // the task server's (START_FAILED, INTERACT_FAILED, NETWORK_ERROR, NOT_AVAILABLE).
      kind: error === AGENT_FAILED ? 'llm' : 'system', name: error ?? status ?? 'error', status: 'error', startTime: time,
      // The error is the type; the message is what the harness said of it ("Failed."), not the type again.
      error: { type: error ?? status, message: str(run.info) || (error ? `AgentBench error ${error}` : `AgentBench status "${status}"`) },
      sourcePath: [line],
    });
  }
  const { output: _o, ...meta } = run;
  const { history: _h, ...outputMeta } = output;
  return {
    title: `run ${asText(run.index ?? output.index ?? line + 1)}`,
    startTime: time, steps, indexInFile: line, jsonlPaths: true,
    metadata: { ...meta, ...outputMeta },
  };
}

/** The task client's error when the agent's model call raised. */
const AGENT_FAILED = 'AGENT_FAILED';

/** The first word of an action, without the ```tool_code fence some models wrap it in. */
function actionVerb(content: string): string {
  const text = content.replace(/^\s*```[\w-]*\s*/, '').trim();
  const m = /^([A-Z][A-Z_]+)\b/.exec(text);
  return m ? m[1] : '';
}

function lastContent(steps: DraftStep[], i: number): string {
  const c = steps[i]?.output?.messages?.[0]?.content;
  return c ?? '';
}
