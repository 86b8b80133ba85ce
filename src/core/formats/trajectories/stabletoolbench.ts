/**
 * StableToolBench converted answers (THUNLP-MT/StableToolBench `toolbench/tooleval/convert_to_answer_format.py`),
 * the input of its pass-rate and preference evaluation: one file per test set, one run per query id:
 *
 *   {"<query_id>": {"query": "...", "available_tools": [OpenAI functions],
 *     "answer": {"method": "DFS_woFilter_w2", "total_steps": 5, "final_answer": "...",
 *       "answer_details": [{"role": "system", "message": "...", "next": [{"role": "user", "message": "...", "next": [
 *         {"role": "tool", "message": {"name": "...", "arguments": "...", "response": "{\"error\": \"\", \"response\": ...}"}, "next": [...]}]}]}]}}}
 *
 * `answer_details` is an execution graph reduced to a sequence: each node's `next` continues it.
 * Where a node has several `next` entries, each becomes an "attempt k of n" step under it, as in
 * the ToolBench tree.
 * (Raw StableToolBench answers have the ToolBench DFSDT shape and open with the `toolbench` importer.)
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import { Importer, ImportContext, isObject } from '../importer';
import { fail, oneLine, str, type Json } from './common';
import { functionDefinitions, toolStep } from './toolbench';
import { OPENS_ALTERNATIVE } from '../../model/alternatives';

export const stableToolBenchImporter: Importer = {
  id: 'stabletoolbench',
  label: 'StableToolBench converted answers',
  producer: 'StableToolBench (THUNLP-MT/StableToolBench) convert_to_answer_format.py',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    const v = file.json;
    if (!isObject(v)) return 0;
    for (const key in v) {
      const run = v[key];
      return isObject(run) && isObject(run.answer) && Array.isArray(run.answer.answer_details) ? 0.95 : 0;
    }
    return 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const doc = file.requireJson();
    if (!isObject(doc)) fail(file, [], 'StableToolBench converted answers are an object keyed by query id');
    const traces: DraftTrace[] = [];
    let index = 0;
    for (const qid of Object.keys(doc)) {
      const run = doc[qid];
      const position = index++;
      if (!isObject(run) || !isObject(run.answer) || !Array.isArray(run.answer.answer_details)) {
        ctx.warn({ path: `$[${JSON.stringify(qid)}]`, message: 'a converted answer needs "answer.answer_details" (query skipped)' });
        continue;
      }
      const answer = run.answer as Json;
      const steps = detailSteps(answer.answer_details as unknown[], [qid, 'answer', 'answer_details']);
      const { answer_details: _d, ...answerMeta } = answer;
      traces.push({
        title: `${qid}: ${oneLine(str(run.query) ?? '', 70)}`,
        steps,
        tools: functionDefinitions(run.available_tools),
        metadata: { query_id: qid, query: run.query, ...answerMeta },
        indexInFile: position,
      });
    }
    return traces;
  },
};

interface Pending { node: Json; path: (string | number)[]; parent?: string; branch?: string }

/** Iterative walk over `next` links; linear in the number of nodes. */
function detailSteps(roots: unknown[], rootPath: (string | number)[]): DraftStep[] {
  const steps: DraftStep[] = [];
  let counter = 0;
  const stack: Pending[] = [];
  for (let k = roots.length - 1; k >= 0; k--) if (isObject(roots[k])) stack.push({ node: roots[k] as Json, path: [...rootPath, k] });
  while (stack.length) {
    const item = stack.pop()!;
    const { node, path, parent } = item;
    const id = `node-${counter++}`;
    if (item.branch) {
      steps.push({ sourceId: id, ...(parent ? { parentSourceId: parent } : {}), kind: 'agent', name: item.branch, status: 'ok', attributes: { ...OPENS_ALTERNATIVE }, sourcePath: path });
      stack.push({ node, path, parent: id });
      continue;
    }
    const role = str(node.role) ?? '';
    const base = { sourceId: id, ...(parent ? { parentSourceId: parent } : {}), sourcePath: path };
    const message = node.message;
    if (role === 'tool' && isObject(message)) {
      steps.push({ ...base, ...toolStep(str(message.name) ?? 'tool', message.arguments, message.response, undefined) });
    } else if (role === 'system') {
      steps.push({ ...base, kind: 'system', name: 'system prompt', input: { messages: [{ role: 'system', content: str(message) ?? '' }] }, status: 'ok' });
    } else if (role === 'user') {
      steps.push({ ...base, kind: 'message', name: 'query', input: { messages: [{ role: 'user', content: str(message) ?? '' }] }, status: 'ok' });
    } else {
      steps.push({ ...base, kind: 'llm', name: 'thought', output: { messages: [{ role: 'assistant', content: typeof message === 'string' ? message : JSON.stringify(message ?? null) }] }, status: 'ok' });
    }
    const next = Array.isArray(node.next) ? node.next : [];
    const branching = next.length > 1;
    const childParent = branching ? id : parent;
    for (let k = next.length - 1; k >= 0; k--) {
      if (isObject(next[k])) stack.push({ node: next[k] as Json, path: [...path, 'next', k], parent: childParent, ...(branching ? { branch: `attempt ${k + 1} of ${next.length}` } : {}) });
    }
  }
  return steps;
}
