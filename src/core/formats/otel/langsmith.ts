/**
 * LangSmith runs: the batch payloads the SDKs send (`{"post":[run…],"patch":[update…]}`), a list of
 * runs, or one run with nested `child_runs` (`read_run(load_child_runs=True)`):
 *
 *   {"post":[{"id","name","run_type":"llm"|"chain"|"tool"|"retriever"…,"parent_run_id","start_time",
 *             "inputs":{…},"dotted_order":"20241013T070537170001Z<id>","trace_id"}],
 *    "patch":[{"id"?,"end_time","outputs":{…},"error"?,"dotted_order"}]}
 *
 * An update is merged into its create by run id (the JS SDK omits `id` on patches, so the last
 * segment of `dotted_order`, which ends with the run id, is used too).
 */
import type { JsonPath } from '../../json/locate';
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { StepKind, Usage } from '../../model/schema';
import { toEpochMs } from '../../util/time';
import { UserInputError, jsonPathToString } from '../../util/problems';
import { asText, ImportContext, Importer, isObject } from '../importer';
import { toChatMessages } from './messages';
import { num, str, toolArguments } from './values';
import { tokenDetailsOf } from '../token-details';
import { setOwn } from '../../util/own-keys';

const KINDS: Record<string, StepKind> = { llm: 'llm', chain: 'agent', tool: 'tool', retriever: 'retrieval', embedding: 'other', prompt: 'other', parser: 'other' };

function isRun(v: unknown): v is Record<string, unknown> {
  return isObject(v) && typeof v.run_type === 'string' && ('inputs' in v || 'dotted_order' in v || 'start_time' in v);
}

/** The run id an object speaks about: its `id`, else the tail of its dotted order. */
function runId(r: Record<string, unknown>): string | undefined {
  const id = str(r.id);
  if (id) return id;
  const d = str(r.dotted_order);
  const last = d?.split('.').pop();
  const m = last ? /Z(.+)$/.exec(last) : null;
  return m ? m[1] : undefined;
}

export const langsmithImporter: Importer = {
  id: 'langsmith',
  label: 'LangSmith runs',
  producer: 'LangSmith SDKs (run create/update batches, exported runs)',
  sniff(file: SourceFile): number {
    if (file.isZip || (file.firstChar !== '{' && file.firstChar !== '[')) return 0;
    const v = file.json;
    if (isObject(v) && Array.isArray(v.post) && isRun(v.post[0])) return 0.95;
    if (isRun(v) && 'id' in v) return 0.9;
    if (Array.isArray(v) && isRun(v[0]) && 'id' in v[0]) return 0.9;
    return 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const v = file.requireJson();
    const creates: { run: Record<string, unknown>; path: JsonPath; parent?: string }[] = [];
    const updates: { run: Record<string, unknown>; path: JsonPath }[] = [];
    const walk = (run: unknown, path: JsonPath, parent?: string): void => {
      // Iterative over child_runs: nesting depth is the agent's, not bounded.
      const stack: { run: unknown; path: JsonPath; parent?: string }[] = [{ run, path, parent }];
      while (stack.length) {
        const it = stack.pop()!;
        if (!isObject(it.run)) { ctx.warn({ path: jsonPathToString(it.path), message: 'run is not an object; skipped' }); continue; }
        creates.push({ run: it.run, path: it.path, parent: it.parent });
        const kids = Array.isArray(it.run.child_runs) ? it.run.child_runs : [];
        for (let k = kids.length - 1; k >= 0; k--) stack.push({ run: kids[k], path: [...it.path, 'child_runs', k], parent: runId(it.run) });
      }
    };
    if (isObject(v) && Array.isArray(v.post)) {
      v.post.forEach((r, i) => walk(r, ['post', i]));
      if (Array.isArray(v.patch)) v.patch.forEach((r, i) => { if (isObject(r)) updates.push({ run: r, path: ['patch', i] }); });
    } else if (Array.isArray(v)) {
      v.forEach((r, i) => walk(r, [i]));
    } else if (isRun(v)) {
      walk(v, []);
    } else {
      throw new UserInputError({ file: file.path, message: 'not LangSmith runs: expected {"post": [...], "patch": [...]}, a run, or a list of runs' });
    }

    // Merge updates into their creates, by run id (one Map, linear).
    const byId = new Map<string, Record<string, unknown>>();
    const merged = creates.map((c) => {
      const run = { ...c.run };
      const id = runId(run);
      if (id && !byId.has(id)) byId.set(id, run);
      return { run, path: c.path, parent: c.parent };
    });
    for (const u of updates) {
      const id = runId(u.run);
      const target = id ? byId.get(id) : undefined;
      if (!target) { ctx.warn({ path: jsonPathToString(u.path), message: `update for run ${id ?? '(no id)'} has no matching create; ignored` }); continue; }
      for (const [k, val] of Object.entries(u.run)) if (val !== undefined && val !== null && k !== 'id') setOwn(target, k, val);
    }

    const byTrace = new Map<string, DraftStep[]>();
    for (const m of merged) {
      const step = runStep(m.run, m.path, m.parent);
      const key = str(m.run.trace_id) ?? '';
      const list = byTrace.get(key) ?? [];
      list.push(step);
      byTrace.set(key, list);
    }
    return [...byTrace].map(([traceId, steps]) => ({
      ...(traceId ? { id: traceId } : {}),
      title: `LangSmith: ${steps.find((s) => !s.parentSourceId)?.name ?? steps[0]?.name ?? 'run'}`,
      steps,
      metadata: traceId ? { traceId } : {},
    }));
  },
};

function runStep(r: Record<string, unknown>, path: JsonPath, parent?: string): DraftStep {
  const runType = String(r.run_type ?? 'chain');
  const kind = KINDS[runType] ?? 'other';
  const step: DraftStep = {
    kind,
    name: str(r.name) ?? runType,
    sourceId: runId(r),
    parentSourceId: str(r.parent_run_id) ?? parent ?? null,
    startTime: toEpochMs(r.start_time),
    endTime: toEpochMs(r.end_time),
    status: r.end_time !== undefined && r.end_time !== null ? 'ok' : 'unset',
    sourcePath: path,
    attributes: {},
  };
  const attrs = step.attributes!;
  for (const k of ['run_type', 'extra', 'tags', 'session_name', 'dotted_order', 'serialized', 'events', 'attachments']) {
    if (r[k] !== undefined && r[k] !== null) attrs[k] = r[k];
  }
  const inputs = r.inputs ?? undefined;
  const outputs = r.outputs ?? undefined;
  if (kind === 'llm') {
    const inMsgs = toChatMessages(inputs);
    const outMsgs = toChatMessages(outputs);
    step.input = inMsgs ? { messages: inMsgs } : inputs !== undefined ? { value: inputs } : undefined;
    step.output = outMsgs ? { messages: outMsgs } : outputs !== undefined ? { value: outputs } : undefined;
    if (!step.input) delete step.input;
    if (!step.output) delete step.output;
    const o = isObject(outputs) ? outputs : {};
    const meta = isObject(r.extra) && isObject(r.extra.metadata) ? r.extra.metadata : {};
    const model = str(o.model) ?? (isObject(inputs) ? str(inputs.model) : undefined) ?? str(meta.ls_model_name);
    if (model) step.model = model;
    const choice = Array.isArray(o.choices) && isObject(o.choices[0]) ? o.choices[0] : undefined;
    const finish = str(choice?.finish_reason);
    if (finish) step.finishReason = finish;
    const usage = usageOf(o);
    if (usage) step.usage = usage;
  } else {
    if (inputs !== undefined) step.input = { value: inputs };
    if (outputs !== undefined) step.output = { value: outputs };
    if (kind === 'tool') step.toolCall = { name: step.name, arguments: toolArguments(isObject(inputs) && 'input' in inputs ? inputs.input : inputs) };
  }
  if (r.error !== undefined && r.error !== null && r.error !== '') {
    step.status = 'error';
    const text = asText(r.error);
    // Python SDK errors are "ExceptionType('message')\n\nTraceback…"-style strings.
    const firstLine = text.split('\n')[0];
    step.error = { message: firstLine || text };
    if (text.includes('Traceback')) step.error.stack = text;
  }
  return step;
}

function usageOf(o: Record<string, unknown>): Usage | undefined {
  const u = isObject(o.usage_metadata) ? o.usage_metadata : isObject(o.usage) ? o.usage : undefined;
  if (!u) return undefined;
  const out: Usage = {};
  const i = num(u.input_tokens) ?? num(u.prompt_tokens);
  const ot = num(u.output_tokens) ?? num(u.completion_tokens);
  const t = num(u.total_tokens);
  if (i !== undefined) out.inputTokens = i;
  if (ot !== undefined) out.outputTokens = ot;
  if (t !== undefined) out.totalTokens = t;
  Object.assign(out, tokenDetailsOf(u));
  return Object.keys(out).length ? out : undefined;
}
