/**
 * What the model saw, kept (issue 9, item 4): the first exported example of a real trace starts
 * with the system prompt and the user's task the model had, and carries the tool calls and their
 * results in between. Each format's expectation is read from the raw file here, independently of
 * its importer (plain JSON reading, no importer code), so an importer that drops something the
 * model saw fails its test.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { emptyDocument } from '../../../src/core/annotations';
import { openaiSft } from '../../../src/core/export/encode';
import { prepareTrajectory } from '../../../src/core/export/prepare';
import { loadTraceFile } from '../../../src/core/load';
import { SHARED_TRACES, sharedFiles } from '../../support/shared';

type Json = Record<string, unknown>;
interface Msg { role: string; content: string | null; tool_calls?: { function: { name: string; arguments: string } }[] }

/** What the raw file says the model saw before (and around) its first turns. */
interface Expected {
  /** The system prompt, when the file records one. */
  system?: string;
  /** The user's task: the example's first user message contains it. */
  task: string;
  /** Messages the raw file shows before the task (an assistant's greeting opening the thread). */
  preamble?: string[];
  /** Names of the first tool calls the model made, in order. */
  calls?: string[];
  /** Texts of the first tool results (or observations) the model was shown, in order. */
  results?: string[];
  /** Every text the model saw, in order (system excepted): for logs where the whole history is known. */
  transcript?: string[];
  /** Exactly the model's own messages, in order (in a multi-agent log, the other agents speak as users). */
  ownTurns?: string[];
}

const json = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;
/** Whitespace-insensitive comparison: encoders and importers may trim or re-indent. */
const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
const head = (s: string, n = 300): string => norm(s).slice(0, n);
const text = (m: Msg): string => m.content ?? '';

/** The messages of the first exported example (OpenAI SFT, one record per model context). */
function firstExample(file: string, traceIndex = 0): Msg[] {
  const trace = loadTraceFile(file).traces[traceIndex];
  const prepared = prepareTrajectory(trace, emptyDocument(), { sidecarFile: `${file}.annotations.json` });
  // Which turns are learned is not this test's question: the shared Codex CLI rollouts were
  // redacted for sharing, so none of their turns is (redacted-turns.test.ts), and their example
  // would not be written. The conversation it would hold is what is checked.
  prepared.redacted.clear();
  const examples = openaiSft(prepared);
  assert.ok(examples.length > 0, 'the trace gives at least one example');
  return examples[0].record.messages as Msg[];
}

function check(file: string, exp: Expected, traceIndex = 0): void {
  const msgs = firstExample(file, traceIndex);
  const where = relative(SHARED_TRACES, file);
  let i = 0;
  if (exp.system !== undefined) {
    assert.equal(msgs[0].role, 'system', `${where}: the example starts with the system prompt`);
    assert.ok(norm(text(msgs[0])).includes(head(exp.system)), `${where}: the system message is the recorded prompt\n  got: ${head(text(msgs[0]), 120)}\n  want: ${head(exp.system, 120)}`);
    i = 1;
  }
  const firstUser = msgs.findIndex((m) => m.role === 'user');
  assert.ok(firstUser >= 0, `${where}: the example has a user message`);
  const before = msgs.slice(i, firstUser).filter((m) => m.role !== 'system').map((m) => head(text(m), 120));
  assert.deepEqual(before, (exp.preamble ?? []).map((t) => head(t, 120)), `${where}: nothing but the system prompt (and what the file shows before the task) comes before the user's task (got ${msgs.slice(0, firstUser + 1).map((m) => m.role).join(', ')})`);
  assert.ok(norm(text(msgs[firstUser])).includes(head(exp.task)), `${where}: the first user message is the task\n  got: ${head(text(msgs[firstUser]), 160)}\n  want: ${head(exp.task, 160)}`);
  if (exp.calls) {
    const got = msgs.flatMap((m) => (m.tool_calls ?? []).map((c) => c.function.name)).slice(0, exp.calls.length);
    assert.deepEqual(got, exp.calls, `${where}: the model's tool calls are in the example`);
  }
  // Consecutive user messages may be merged into one (templates demand alternation): texts are
  // searched in order in the example's text, not message by message.
  const inOrder = (texts: string[], shown: Msg[], what: string): void => {
    const all = shown.map((m) => norm(text(m))).join(' \u0000 ');
    let from = 0;
    for (const t of texts) {
      if (norm(t) === '') continue;
      const k = all.indexOf(head(t, 200), from);
      assert.ok(k >= 0, `${where}: ${what} ${JSON.stringify(head(t, 80))} is in the example, in order`);
      from = k + head(t, 200).length;
    }
  };
  if (exp.results) inOrder(exp.results, msgs.filter((m) => m.role === 'tool' || m.role === 'user'), 'the result');
  if (exp.transcript) inOrder(exp.transcript, msgs.filter((m) => m.role !== 'system'), 'the history entry');
  if (exp.ownTurns) {
    assert.deepEqual(msgs.filter((m) => m.role === 'assistant').map((m) => head(text(m), 120)), exp.ownTurns.map((t) => head(t, 120)), `${where}: the assistant messages are the model's own`);
  }
}

describe('what the model saw is kept in the first exported example', () => {
  describe('Who&When', () => {
    /** The speaker of a history entry: Algorithm-Generated names it in `name`, Hand-Crafted in `role` ("Orchestrator (thought)"). */
    const agentOf = (h: Json): string => String(h.name ?? h.role).replace(/\s*\(.*\)\s*$/, '');
    const isTool = (h: Json): boolean => /^(Computer_terminal|ComputerTerminal)$/.test(agentOf(h));
    // Three of each subset, and the Hand-Crafted logs where the code executor speaks.
    const files = [...sharedFiles('who-and-when/Algorithm-Generated').slice(0, 3), ...sharedFiles('who-and-when/Hand-Crafted').slice(0, 3), ...sharedFiles('who-and-when/Hand-Crafted', (n) => n === '47.json' || n === '58.json')];
    for (const file of files) {
      it(relative(SHARED_TRACES, file), () => {
        const raw = json(file);
        const history = raw.history as Json[];
        // The first agent to speak (not the human, not the code executor) with a turn to learn (the
        // file's mistake label marks its step as faulty), and everything up to its last turn.
        const mistake = Number(raw.mistake_step);
        const turnsOf = (a: string): number[] => history.flatMap((h, k) => (agentOf(h) === a ? [k] : []));
        const agent = history.filter((h) => h.role !== 'human' && !isTool(h)).map(agentOf).find((a) => turnsOf(a).some((k) => k !== mistake))!;
        let last = 0;
        history.forEach((h, k) => { if (agentOf(h) === agent) last = k; });
        const prompts = raw.system_prompt as Record<string, string> | null | undefined;
        check(file, {
          ...(prompts?.[agent] ? { system: prompts[agent] } : {}),
          task: String(raw.question),
          transcript: history.slice(0, last + 1).map((h) => String(h.content ?? '')),
          ownTurns: history.slice(0, last + 1).filter((h) => agentOf(h) === agent).map((h) => String(h.content ?? '')),
        });
      });
    }
  });

  describe('ToolBench', () => {
    for (const file of sharedFiles('toolbench')) {
      it(relative(SHARED_TRACES, file), () => {
        const raw = json(file);
        const ag = raw.answer_generation as Json;
        const chain = ((ag.train_messages as Json[][] | undefined) ?? [])[0] ?? [];
        // The first path of the DFSDT tree: Action nodes name the calls, Action Input nodes hold the observations.
        const calls: string[] = [];
        const results: string[] = [];
        for (let node = (raw.tree as Json).tree as Json | undefined; node; node = (node.children as Json[] | undefined)?.[0]) {
          if (node.node_type === 'Action') calls.push(String(node.description));
          if (node.node_type === 'Action Input' && typeof node.observation === 'string') results.push(node.observation);
        }
        check(file, {
          ...(chain[0]?.role === 'system' ? { system: String(chain[0].content) } : {}),
          task: String(ag.query),
          calls,
          // The last result (of the final call) has no model turn after it.
          results: results.slice(0, -1),
        });
      });
    }
  });

  describe('AgentBench', () => {
    for (const file of sharedFiles('agentbench-medagentbench', (n) => n === 'runs.jsonl')) {
      it(relative(SHARED_TRACES, file), () => {
        // The first run: the task is the first user message, the environment's replies are user messages between the agent's actions.
        const history = ((JSON.parse(readFileSync(file, 'utf8').split('\n')[0]) as Json).output as Json).history as Json[];
        check(file, { task: String(history[0].content), transcript: history.map((h) => String(h.content)) });
      });
    }
  });

  describe('chat-based logs (the longest message list in the file is what the model saw last)', () => {
    const files = [
      ...sharedFiles('mini-swe-agent', (n) => n.endsWith('.traj.json')),
      ...sharedFiles('swebench-bash-only-mini-swe-agent-gemini3pro', (n) => n.endsWith('.traj.json')).slice(0, 2),
      ...sharedFiles('tau-bench', (n) => n.endsWith('.json')),
      ...sharedFiles('langsmith'),
      ...sharedFiles('any-agent-genai-spans'),
    ];
    for (const file of files) {
      it(relative(SHARED_TRACES, file), () => {
        // The first trace of the file: the first JSONL line, the first item of a list of runs.
        const whole = json(file);
        // tau-bench: a list of runs, the first is the first trace.
        const raw = Array.isArray(whole) && isObjectWith(whole[0], 'traj') ? whole[0] as unknown : whole;
        check(file, fromChat(longestChat(raw)));
      });
    }
  });

  describe('Vercel AI SDK spans', () => {
    // The first span of each list is the first trace: its prompt is `ai.prompt.messages` (the
    // provider call) or `ai.prompt` ({system?, prompt} or {system?, messages}, the outer call).
    for (const file of sharedFiles('openinference/vercel-ai-sdk-v6-spans', (n) => /^ai-(generate|stream)(Text|Object)/.test(n))) {
      it(relative(SHARED_TRACES, file), () => {
        const attrs = (json(file) as unknown as Json[])[0].attributes as Json;
        const prompt = JSON.parse(String(attrs['ai.prompt.messages'] ?? attrs['ai.prompt'])) as Json[] | Json;
        const messages = Array.isArray(prompt) ? prompt : Array.isArray(prompt.messages) ? prompt.messages as Json[] : [];
        const system = Array.isArray(prompt) ? undefined : prompt.system;
        const exp = messages.length ? fromChat(messages) : { task: String((prompt as Json).prompt) };
        check(file, typeof system === 'string' ? { ...exp, system } : exp);
      });
    }
  });

  describe('TRAIL (OpenInference span trees)', () => {
    // The first LLM span in time: its `llm.input_messages.N.message.*` attributes are what it saw.
    for (const file of sharedFiles('trail', (n) => n.endsWith('.json')).filter((f) => relative(SHARED_TRACES, f).includes('/traces/'))) {
      it(relative(SHARED_TRACES, file), () => {
        const llm: Json[] = [];
        const walk = (span: Json): void => {
          const attrs = span.span_attributes as Json | undefined;
          if (attrs?.['openinference.span.kind'] === 'LLM' && attrs['llm.input_messages.0.message.role'] !== undefined) llm.push(span);
          for (const c of (span.child_spans as Json[] | undefined) ?? []) walk(c);
        };
        for (const span of json(file).spans as Json[]) walk(span);
        const first = llm.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)))[0];
        const attrs = first.span_attributes as Json;
        const messages: Json[] = [];
        for (let k = 0; attrs[`llm.input_messages.${k}.message.role`] !== undefined; k++) {
          messages.push({ role: attrs[`llm.input_messages.${k}.message.role`], content: attrs[`llm.input_messages.${k}.message.content`] ?? '' });
        }
        check(file, fromChat(messages));
      });
    }
  });

  describe('Anthropic managed agents (session recordings)', () => {
    // Each line is [sdk call, payload]: the agent's `system`, the user's message event, the custom tool results sent back.
    for (const file of sharedFiles('anthropic-managed-agents-recordings')) {
      it(relative(SHARED_TRACES, file), () => {
        const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as [string, unknown]);
        const session = lines.find(([call]) => call === 'client.beta.sessions.create')![1] as { agent: Json };
        const events = lines.filter(([call]) => call === 'client.beta.sessions.events.stream').map(([, e]) => e as Json);
        const user = events.find((e) => e.type === 'user.message')!;
        const results = events.filter((e) => /tool_result$/.test(String(e.type))).map((e) => contentOf(e.content));
        check(file, { system: String(session.agent.system), task: contentOf(user.content), results: results.slice(0, 2) });
      });
    }
  });

  describe('OpenHands (event streams)', () => {
    for (const file of sharedFiles('openhands')) {
      it(relative(SHARED_TRACES, file), () => {
        const raw = file.endsWith('.jsonl') ? JSON.parse(readFileSync(file, 'utf8').split('\n')[0]) as Json : json(file) as unknown;
        const events = (Array.isArray(raw) ? raw : (raw as Json).history) as Json[];
        // The resolver's output.jsonl (older events without `source`) gives the task as `instruction`.
        const task = Array.isArray(raw) ? String(((events.find((e) => e.source === 'user' && e.action === 'message')!).args as Json).content) : String((raw as Json).instruction);
        // What an action returned: the observations that answer a tool call (or, in the older events, every observation).
        const results = events.filter((e) => e.observation !== undefined && (!Array.isArray(raw) || e.tool_call_metadata !== undefined)).map((e) => String(e.content));
        check(file, { task, results: results.slice(0, 2) });
      });
    }
  });

  describe('GenAI / OpenInference attribute maps', () => {
    // One LLM span as an attribute map; its input messages use OTel GenAI parts: {type: "text", content}, {type: "tool_call_response", response}.
    const partsText = (m: Json, type: string, field: string): string => ((m.parts as Json[] | undefined) ?? []).filter((p) => p.type === type).map((p) => String(p[field])).join('\n');
    for (const file of sharedFiles('openinference/genai-attribute-fixtures', (n) => !n.includes('tool_execution'))) {
      it(relative(SHARED_TRACES, file), () => {
        const attrs = json(file);
        const rawInput = attrs['gen_ai.input.messages'] ?? attrs['gen_ai.prompt'] ?? attrs['input.value'] ?? attrs.input;
        const parsed = JSON.parse(String(rawInput)) as Json[] | Json;
        const messages = Array.isArray(parsed) ? parsed : parsed.messages as Json[];
        const user = messages.find((m) => m.role === 'user')!;
        check(file, {
          task: Array.isArray(user.parts) ? partsText(user, 'text', 'content') : contentOf(user.content),
          results: messages.filter((m) => m.role === 'tool').map((m) => (Array.isArray(m.parts) ? partsText(m, 'tool_call_response', 'response') : contentOf(m.content))),
        });
      });
    }
  });

  describe('tau-bench few-shot transcripts', () => {
    it('tau-bench/MockAirlineDomainEnv-few_shot.jsonl', () => {
      const file = sharedFiles('tau-bench', (n) => n.endsWith('.jsonl'))[0];
      // "user: ...\nassistant: ...\ntool: ..."; "assistant: None" is a turn that only called a tool (the call is not shown).
      const display = String((JSON.parse(readFileSync(file, 'utf8').split('\n')[0]) as Json).messages_display);
      const turns = display.split(/\n(?=(?:user|assistant|tool): )/).map((t) => /^(\w+): ([\s\S]*)$/.exec(t)!).map((m) => ({ role: m[1], text: m[2] }));
      // The example ends at the model's last answer: what follows it teaches nothing.
      const last = turns.map((t) => t.role === 'assistant' && t.text !== 'None').lastIndexOf(true);
      check(file, { task: turns[0].text, transcript: turns.slice(0, last + 1).filter((t) => t.text !== 'None').map((t) => t.text) });
    });
  });

  describe('Claude Code session transcripts', () => {
    // One event per line; the user's first message is a string (or text blocks), tool results are `tool_result` blocks of user events.
    for (const file of sharedFiles('claude-code')) {
      it(relative(SHARED_TRACES, file), () => {
        const events = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Json);
        const users = events.filter((e) => e.type === 'user' && isObjectWith(e.message, 'content')).map((e) => (e.message as Json).content);
        const task = users.find((c) => typeof c === 'string' || (Array.isArray(c) && c.some((b) => (b as Json).type === 'text')))!;
        const results = users.filter(Array.isArray).flatMap((c) => (c as Json[]).filter((b) => b.type === 'tool_result').map((b) => contentOf(b.content)));
        check(file, { task: contentOf(task), results: results.slice(0, 2) });
      });
    }
  });

  describe('Codex CLI rollouts', () => {
    // response_item payloads: the first user message is the task (after the developer instructions), function_call_output the results.
    for (const file of sharedFiles('codex-cli')) {
      it(relative(SHARED_TRACES, file), () => {
        const records = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Json);
        const items = records.filter((r) => r.type === 'response_item').map((r) => r.payload as Json);
        // The model's base instructions, recorded once in the session's meta record.
        const base = (records.find((r) => r.type === 'session_meta')?.payload as Json | undefined)?.base_instructions;
        const text = (m: Json): string => ((m.content as Json[] | undefined) ?? []).map((p) => String(p.text ?? '')).join('\n');
        const user = items.find((m) => m.type === 'message' && m.role === 'user')!;
        const results = items.filter((m) => m.type === 'function_call_output').map((m) => String(isObjectWith(m.output, 'content') ? (m.output as Json).content : m.output));
        check(file, { ...(isObjectWith(base, 'text') ? { system: String((base as Json).text) } : {}), task: text(user), results: results.slice(0, 2) });
      });
    }
  });

  describe('Inspect AI logs', () => {
    // The first sample's `messages` are the conversation the model had.
    for (const file of sharedFiles('inspect-ai', (n) => n.endsWith('.json'))) {
      it(relative(SHARED_TRACES, file), () => {
        const samples = json(file).samples as Json[] | undefined;
        check(file, fromChat(samples![0].messages as Json[]));
      });
    }
  });

  describe('OpenAI Agents SDK export', () => {
    it('openai-agents-sdk-traces/traces_2025-06-29_00-23-37.json', () => {
      const file = sharedFiles('openai-agents-sdk-traces', (n) => n.startsWith('traces_'))[0];
      const spans = (json(file).traces as Json[]).flatMap((t) => t.spans as Json[]);
      const first = spans.filter((sp) => (sp.span_data as Json).type === 'response').sort((a, b) => String(a.started_at).localeCompare(String(b.started_at)))[0];
      // The model's response is logged as a Python repr: `Response(..., instructions="...", ...)`.
      const m = /instructions=(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')/.exec(String(first.span_data_response))!;
      const instructions = (m[1] ?? m[2]).replace(/\\n/g, '\n').replace(/\\(['"])/g, '$1');
      check(file, { system: instructions, task: contentOf((first.span_data_input as Json[])[0].content) });
    });
  });

  describe('SWE-agent', () => {
    // `history` is the conversation the model had: each observation comes inside SWE-agent's
    // next-step template ("... (Open file: ...) (Current directory: ...) bash-$"), right after the turn.
    for (const file of sharedFiles('swe-agent', (n) => n.endsWith('.traj'))) {
      it(relative(SHARED_TRACES, file), () => {
        const history = (json(file).history as Json[]).filter((m) => !m.is_demo);
        const results = history.flatMap((m, k) => (m.role === 'assistant' && history[k + 1] && history[k + 1].role !== 'assistant' ? [contentOf(history[k + 1].content)] : []));
        check(file, { ...fromChat(history), results: results.slice(0, 2) });
      });
    }
  });

  describe('Langfuse', () => {
    /** A generation's input as JSON (Langfuse stores some as JSON text). */
    const inputOf = (o: Json): unknown => (typeof o.input === 'string' && /^\s*[[{]/.test(o.input) ? JSON.parse(o.input) as unknown : o.input);
    const messagesOf = (input: unknown): Json[] | undefined => {
      const list = Array.isArray(input) ? input : isObjectWith(input, 'messages') ? (input as Json).messages : undefined;
      return Array.isArray(list) && list.every((m) => isObjectWith(m, 'role')) ? list as Json[] : undefined;
    };
    for (const file of sharedFiles('langfuse/framework-traces', (n) => n.endsWith('.json') && !n.startsWith('agno-') && !n.startsWith('beeai-'))) {
      it(relative(SHARED_TRACES, file), () => {
        const observations = json(file).observations as Json[];
        const generations = observations.filter((o) => o.type === 'GENERATION').sort((a, b) => String(a.startTime).localeCompare(String(b.startTime)));
        const input = inputOf(generations[0]);
        const messages = messagesOf(input);
        // An OpenAI Assistants run gets its system prompt from the run's instructions, which a span returned.
        const instructions = observations.flatMap((o) => (Array.isArray(o.output) ? o.output : [o.output]) as unknown[])
          .filter((v): v is Json => isObjectWith(v, 'instructions') && (v as Json).object === 'thread.run').map((v) => String(v.instructions))[0];
        let exp: Expected;
        if (messages) {
          // Results: the tool messages of the later calls of the same conversation (same first message).
          const same = generations.map((g) => messagesOf(inputOf(g)) ?? []).filter((m) => m.length && contentOf(m[0].content) === contentOf(messages[0].content));
          const longest = same.reduce((a, b) => (b.length > a.length ? b : a), messages);
          exp = { ...fromChat(longest), ...(instructions ? { system: instructions } : {}) };
          if (instructions) exp.task = contentOf(messages.find((m) => m.role === 'user')!.content);
        } else {
          const prompt = input as Json;
          exp = { task: String(typeof prompt.contents === 'string' ? prompt.contents : (prompt.args as string[])[0]) };
        }
        check(file, exp);
      });
    }

    it('agno', () => {
      const file = sharedFiles('langfuse/framework-traces', (n) => n.startsWith('agno-'))[0];
      const observations = json(file).observations as Json[];
      // agno logs its messages as Python reprs: "role='system' content='...' name=None ...".
      const firstCall = observations.filter((o) => o.type === 'GENERATION' && Array.isArray((o.input as Json | undefined)?.messages))
        .sort((a, b) => String(a.startTime).localeCompare(String(b.startTime)))[0];
      const reprs = (firstCall.input as { messages: string[] }).messages;
      const field = (role: string): string => {
        const m = new RegExp(`^role='${role}' content='((?:[^'\\\\]|\\\\.)*)'`).exec(reprs.find((r) => r.startsWith(`role='${role}'`))!);
        return m![1].replace(/\\n/g, '\n').replace(/\\'/g, "'");
      };
      const tool = observations.find((o) => isObjectWith(o.metadata, 'attributes') && (o.metadata as { attributes: Json }).attributes['tool.name'] !== undefined)!;
      check(file, {
        system: field('system'),
        task: field('user'),
        calls: [String(tool.name)],
        results: [String(((tool.output as Json[])[0]).title)],
      });
    });
  });
});

/** Text of a chat content value: a string, or the text parts of a content array. */
function contentOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((p) => (typeof p === 'string' ? p : isObjectWith(p, 'text') ? String((p as Json).text) : '')).filter((t) => t !== '').join('\n');
  return '';
}

/**
 * The longest list of chat messages (`{role, content}` objects) anywhere in a JSON value: in a
 * log of a chat-based agent, the input of its last call (or its whole history).
 */
function longestChat(v: unknown): Json[] {
  let best: Json[] = [];
  const walk = (x: unknown, depth: number): void => {
    // Span attributes hold message lists as JSON text.
    if (typeof x === 'string' && /^\s*[[{]/.test(x) && x.includes('"role"')) {
      try { x = JSON.parse(x); } catch { return; }
    }
    if (depth > 40 || typeof x !== 'object' || x === null) return;
    if (Array.isArray(x)) {
      const msgs = x.filter((m): m is Json => isObjectWith(m, 'role') && isObjectWith(m, 'content'));
      if (msgs.length > best.length && msgs.length >= x.length / 2) best = msgs;
      for (const y of x) walk(y, depth + 1);
    } else for (const y of Object.values(x)) walk(y, depth + 1);
  };
  walk(v, 0);
  return best;
}

/** The expectation from a chat-based log: its system prompt, first user message and first tool results. */
function fromChat(messages: Json[], results = 2): Expected {
  const system = messages.find((m) => m.role === 'system' || m.role === 'developer');
  const user = messages.find((m) => m.role === 'user' || m.role === 'human');
  const tools = messages.filter((m) => m.role === 'tool' || m.role === 'function').slice(0, results);
  const preamble = messages.slice(0, messages.indexOf(user!)).filter((m) => m !== system && m.role !== 'system' && m.role !== 'developer').map((m) => contentOf(m.content));
  return {
    ...(system && messages.indexOf(system) < messages.indexOf(user!) ? { system: contentOf(system.content) } : {}),
    task: contentOf(user!.content),
    ...(preamble.length ? { preamble } : {}),
    results: tools.map((m) => contentOf(m.content)),
  };
}

function isObjectWith(v: unknown, key: string): boolean {
  return typeof v === 'object' && v !== null && key in v;
}
