/**
 * ToolBench DFSDT answer files (OpenBMB/ToolBench `data/answer/G*_answer/*_DFS_woFilter_w2.json`;
 * StableToolBench writes the same raw answers):
 *
 *   {"win": true, "answer_generation": {"valid_data": true, "query": "...", "final_answer": "...", "function": [OpenAI functions],
 *    "train_messages": [[...]], "finish_type": "give_answer"},
 *    "tree": {"size": 7, "tree": {"node_type": "Action Input", "description": "", "children": [
 *      {"node_type": "Thought", "description": "...", "children": [{"node_type": "Action", "description": "search_for_x", "children": [
 *        {"node_type": "Action Input", "description": "{\"q\": 1}", "observation": "{\"error\": \"\", \"response\": \"...\"}", "observation_code": 0, "children": [...]}]}]}]}}}
 *
 * The search tree is kept as the step tree, but only where it branches: a node with one child
 * continues the same sequence (siblings), while at a branching node (where DFSDT backtracked)
 * each alternative becomes an `agent` step "attempt k of n" nested under it. An Action and its Action Input become one `tool` step; Thoughts are
 * `llm` steps. Non-empty `error`s and ToolBench's failure codes are failed steps. Files without a
 * tree open the attempts of `trys[].chain` (CoT runs, see toolbench-trys.ts), else the final chain
 * in `train_messages`.
 *
 * What the model saw and said (ToolBench runs ChatGPT with function calling): the model's message
 * is its Thought (the content, often absent) together with the function call of the Action that
 * follows it. So a Thought step's output carries that call, and an Action the model made without
 * a Thought is an `llm` step of its own ("call <name>"). Every model step's input is the
 * conversation on its path of the tree: the system prompt and the user message of
 * `train_messages` (the bare `query` when the file has none), then the calls and the observations
 * as the model received them. DFSDT's "previous trails failed" notes at a backtrack are not in
 * the tree and so not in the inputs.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import type { ChatMessage, StepError, ToolCall, ToolDefinition } from '../../model/schema';
import { Importer, isObject } from '../importer';
import { baseName, bool, contentText, fail, num, oneLine, parseArguments, str, toToolCalls, type Json } from './common';
import { chainTries, trySteps } from './toolbench-trys';
import { OPENS_ALTERNATIVE } from '../../model/alternatives';

/** Observation codes that are not failures: 0 success, 3 final answer given, 4 gave up and restarted. */
const OK_CODES = new Set([0, 3, 4]);

export const toolBenchImporter: Importer = {
  id: 'toolbench',
  label: 'ToolBench / StableToolBench DFSDT answer tree',
  producer: 'ToolBench (OpenBMB/ToolBench) and StableToolBench (THUNLP-MT/StableToolBench) inference',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    const v = file.json;
    if (!isObject(v) || !isObject(v.answer_generation)) return 0;
    const ag = v.answer_generation;
    return 'query' in ag && ('function' in ag || 'train_messages' in ag) ? 0.95 : 0;
  },
  parse(file: SourceFile): DraftTrace[] {
    const doc = file.requireJson();
    if (!isObject(doc) || !isObject(doc.answer_generation)) fail(file, [], 'a ToolBench answer needs an "answer_generation" object');
    const ag = doc.answer_generation as Json;
    const treeDoc = isObject(doc.tree) ? doc.tree : undefined;
    const root = treeDoc && isObject(treeDoc.tree) ? treeDoc.tree : undefined;
    const query = str(ag.query) ?? '';
    const tries = root ? [] : chainTries(doc);
    // A CoT run keeps its attempts in trys[].chain (the only record of a failed run); else the final chain.
    const steps = root ? treeSteps(root, ['tree', 'tree'], query, openingMessages(ag, query))
      : tries.length ? trySteps(tries, query, openingMessages(ag, query), treeSteps) : chainSteps(ag);
    const win = bool(doc.win);
    const { tree: _t, answer_generation: _a, compare_candidates: _c, ...rest } = doc;
    const { function: _f, train_messages: _m, ...agRest } = ag;
    return [{
      title: oneLine(str(ag.query) ?? baseName(file.path), 80),
      steps,
      tools: functionDefinitions(ag.function),
      labels: win === undefined ? [] : [{
        stepSourceId: null, scheme: 'toolbench', category: win ? 'win' : 'loss', value: win,
        description: win ? 'the answer won the ToolEval comparison' : 'the answer lost the ToolEval comparison', origin: 'inline',
      }],
      metadata: { ...agRest, ...rest, ...(treeDoc ? { tree_size: treeDoc.size, tree_max_length: treeDoc.max_length } : {}) },
    }];
  },
};

interface Pending {
  node: Json; path: (string | number)[]; parent?: string; last?: string; action?: { name: string }; branch?: string;
  /** The conversation on the path to this node, as the model saw it. */
  seen: ChatMessage[];
  /** Set on an Action whose call the Thought before it already carries. */
  calledByThought?: boolean;
  /** On the Actions of a thought DFSDT expanded into several calls: the thought, said with each call. */
  thought?: string;
}

/** The children of a node of one type (a Thought's Actions; DFSDT may also hang alternative Thoughts there). */
function childrenOfType(node: Json, type: string): Json[] {
  return (Array.isArray(node.children) ? node.children : []).filter((k): k is Json => isObject(k) && k.node_type === type);
}

/** The only child of a node, when it has exactly one of that type. */
function onlyChild(node: Json, type: string): Json | undefined {
  const kids = Array.isArray(node.children) ? node.children : [];
  return kids.length === 1 && isObject(kids[0]) && kids[0].node_type === type ? kids[0] : undefined;
}

/** The call an Action node makes: its name and the arguments of its Action Input child. */
function actionCall(action: Json): ToolCall | undefined {
  const input = onlyChild(action, 'Action Input');
  return input ? { name: str(action.description) ?? 'action', arguments: parseArguments(input.description) } : undefined;
}

/** What the model was given before its first turn: the system prompt and the user message of the first chain, else the query. */
function openingMessages(ag: Json, query: string): ChatMessage[] {
  const chain = Array.isArray(ag.train_messages) && Array.isArray(ag.train_messages[0]) ? ag.train_messages[0] as unknown[] : [];
  const [first, second] = chain.map((m) => (isObject(m) ? m : {}));
  const out: ChatMessage[] = [];
  if (first?.role === 'system') out.push({ role: 'system', content: contentText(first.content) });
  const user = first?.role === 'user' ? first : second?.role === 'user' ? second : undefined;
  out.push({ role: 'user', content: (user ? contentText(user.content) : null) ?? query });
  return out;
}

/** Iterative pre-order walk (trees can be deep chains): linear in the number of nodes. */
function treeSteps(root: Json, rootPath: (string | number)[], query: string, opening: ChatMessage[]): DraftStep[] {
  const steps: DraftStep[] = [];
  let counter = 0;
  const stack: Pending[] = [{ node: root, path: rootPath, seen: opening }];
  while (stack.length) {
    const item = stack.pop()!;
    const { node, path } = item;
    const id = `node-${counter++}`;
    if (item.branch) {
      // One step per alternative at a branch point, so each attempt reads as its own subtree.
      steps.push({ sourceId: id, ...(item.parent ? { parentSourceId: item.parent } : {}), kind: 'agent', name: item.branch, status: 'ok', attributes: { ...OPENS_ALTERNATIVE }, sourcePath: path });
      stack.push({ ...item, branch: undefined, parent: id });
      continue;
    }
    const type = str(node.node_type) ?? '';
    let emitted: string | undefined;
    let action = item.action;
    let seen = item.seen;
    let calledByThought = false;
    let thoughtForCalls: string | undefined;
    const attributes = nodeAttributes(node);
    const common = { sourceId: id, ...(item.parent ? { parentSourceId: item.parent } : {}), attributes, sourcePath: path };
    if (path === rootPath) {
      steps.push({ ...common, kind: 'message', name: 'query', input: { messages: seen }, status: 'ok' });
      emitted = id;
    } else if (type === 'Thought') {
      const thought = str(node.description) ?? '';
      const actions = childrenOfType(node, 'Action');
      const call = actions.length === 1 ? actionCall(actions[0]) : undefined;
      if (actions.length > 1) {
        // DFSDT expanded this thought into several calls: each is a message of its own (the
        // thought and that call), made by the Action steps under it; the thought step is no turn.
        steps.push({ ...common, kind: 'llm', name: 'thought', input: { messages: seen }, output: { value: thought }, status: 'ok' });
        thoughtForCalls = thought;
      } else {
        const said: ChatMessage = { role: 'assistant', content: thought, ...(call ? { toolCalls: [call] } : {}) };
        steps.push({ ...common, kind: 'llm', name: 'thought', input: { messages: seen }, output: { messages: [said] }, status: 'ok' });
        seen = [...seen, said];
        calledByThought = call !== undefined;
      }
      emitted = id;
    } else if (type === 'Action') {
      action = { name: str(node.description) ?? 'action' };
      const call = item.calledByThought ? undefined : actionCall(node);
      if (call) {
        const said: ChatMessage = { role: 'assistant', content: item.thought ?? null, toolCalls: [call] };
        steps.push({ ...common, kind: 'llm', name: `call ${call.name}`, input: { messages: seen }, output: { messages: [said] }, status: 'ok' });
        seen = [...seen, said];
        emitted = id;
      }
    } else {
      steps.push({ ...common, ...toolStep(action?.name ?? 'action input', node.description, node.observation, num(node.observation_code)) });
      seen = [...seen, { role: 'tool', name: action?.name ?? 'action input', content: typeof node.observation === 'string' ? node.observation : contentText(node.observation) }];
      emitted = id;
      action = undefined;
    }
    const kids = Array.isArray(node.children) ? node.children : [];
    const last = emitted ?? item.last;
    // Branch points (DFSDT backtracking) nest their alternatives; a single child continues the sequence.
    const branching = kids.length > 1;
    const parent = branching ? (last ?? item.parent) : item.parent;
    for (let k = kids.length - 1; k >= 0; k--) {
      const child = kids[k];
      const branch = branching ? `attempt ${k + 1} of ${kids.length}` : undefined;
      if (isObject(child)) stack.push({ node: child, path: [...path, 'children', k], parent, last, action, branch, seen, calledByThought, ...(thoughtForCalls !== undefined ? { thought: thoughtForCalls } : {}) });
    }
  }
  return steps;
}

function nodeAttributes(node: Json): Record<string, unknown> {
  const { children: _c, description: _d, observation: _o, io_state: _io, ...rest } = node;
  return rest;
}

/** A tool call and its observation `{"error": "...", "response": "..."}`, with ToolBench's code. */
export function toolStep(name: string, rawArgs: unknown, rawObservation: unknown, code: number | undefined): Omit<DraftStep, 'sourcePath'> {
  const args = parseArguments(rawArgs);
  const observation = typeof rawObservation === 'string' ? parseArguments(rawObservation) : rawObservation;
  const errorText = isObject(observation) ? str(observation.error) : undefined;
  let error: StepError | undefined;
  if (errorText) error = { type: code !== undefined ? `ToolBench code ${code}` : 'ToolError', message: errorText };
  else if (code !== undefined && !OK_CODES.has(code)) error = { type: `ToolBench code ${code}`, message: `ToolBench error code ${code}` };
  return {
    kind: 'tool', name, toolCall: { name, arguments: args },
    input: { value: args },
    output: { value: isObject(observation) && 'response' in observation ? observation.response : rawObservation ?? null },
    status: error ? 'error' : 'ok',
    ...(error ? { error } : {}),
  };
}

/** Without a tree: the final chain as chat messages (assistant function calls, function results). */
function chainSteps(ag: Json): DraftStep[] {
  const chains = Array.isArray(ag.train_messages) ? ag.train_messages : [];
  const k = chains.length - 1;
  const chain = Array.isArray(chains[k]) ? chains[k] as unknown[] : [];
  const steps: DraftStep[] = [];
  let lastCall = 'function';
  chain.forEach((m, j) => {
    if (!isObject(m)) return;
    const path = ['answer_generation', 'train_messages', k, j];
    const content = contentText(m.content);
    if (m.role === 'system') steps.push({ kind: 'system', name: 'system prompt', input: { messages: [{ role: 'system', content }] }, status: 'ok', sourcePath: path });
    else if (m.role === 'user') steps.push({ kind: 'message', name: 'query', input: { messages: [{ role: 'user', content }] }, status: 'ok', sourcePath: path });
    else if (m.role === 'assistant') {
      const fc = isObject(m.function_call) ? [{ function: m.function_call }] : m.tool_calls;
      const calls = toToolCalls(fc);
      if (calls) lastCall = calls[0].name;
      steps.push({ kind: 'llm', name: calls ? calls[0].name : 'reply', output: { messages: [{ role: 'assistant', content, ...(calls ? { toolCalls: calls } : {}) }] }, status: 'ok', sourcePath: path });
    } else {
      steps.push({ ...toolStep(str(m.name) ?? lastCall, undefined, m.content, undefined), sourcePath: path });
    }
  });
  return steps;
}

/** Tool definitions from a list of `{name, description?, parameters?}` (also used by StableToolBench). */
export function functionDefinitions(v: unknown): ToolDefinition[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).filter((f) => typeof f.name === 'string').map((f) => ({
    name: f.name as string,
    ...(typeof f.description === 'string' ? { description: f.description } : {}),
    ...(f.parameters !== undefined ? { parameters: f.parameters } : {}),
  }));
}

