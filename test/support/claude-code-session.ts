/**
 * A generated live Claude Code session (`~/.claude/projects/<project>/<session>.jsonl`), line by
 * line as Claude Code writes it: one line per content block of a response, all with the response's
 * `message.id` (usage repeated, growing); a parallel call's result logged before the response's
 * next block; failed calls; summaries; an API error; a sub-agent run inline (`agent_progress`
 * events under its Task call, whose result comes after them: a parent after its children); older
 * sidechain lines; a line that is not JSON; text outside ASCII (offsets are in characters).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rng } from './bench-traces';

const TEXTS = ['Let me look at the failing test.', 'Le test échoue à cause du cache — je corrige.', '修复登录错误', 'Done 🎉, the build passes now.', 'Running the suite again.'];

export interface SessionOptions {
  /** Include a sub-agent whose messages are inline `agent_progress` events (default true). */
  inlineAgent?: boolean;
  /** Include a line that is not JSON (default true). */
  badLine?: boolean;
  /** Characters of output added to each tool result (a command's log: sessions are mostly these). */
  resultChars?: number;
}

/** The session's lines (each without its line break), `turns` user turns long. */
export function claudeCodeSessionLines(seed: number, turns: number, opts: SessionOptions = {}): string[] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const sessionId = `sess-${seed}`;
  const lines: string[] = [];
  let serial = 0;
  let clock = Date.UTC(2026, 1, 10, 22, 0, 0);
  let parent: string | null = null;
  const stamp = (): string => new Date((clock += 1000 + Math.floor(next() * 4000))).toISOString();
  const common = (): Record<string, unknown> => ({ isSidechain: false, userType: 'external', cwd: '/home/dev/app', sessionId, version: '2.1.38', gitBranch: 'main' });
  const push = (line: Record<string, unknown>): string => {
    const uuid = `u${seed}-${++serial}`;
    lines.push(JSON.stringify({ parentUuid: parent, ...common(), ...line, uuid, timestamp: stamp() }));
    parent = uuid;
    return uuid;
  };
  const user = (content: unknown, extra: Record<string, unknown> = {}): string => push({ type: 'user', message: { role: 'user', content }, ...extra });
  const assistant = (id: string, block: Record<string, unknown>, outputTokens: number, extra: Record<string, unknown> = {}): string =>
    push({ type: 'assistant', message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [block], stop_reason: null, usage: { input_tokens: 12, cache_read_input_tokens: 4000, output_tokens: outputTokens } }, requestId: `req-${id}`, ...extra });
  const log = 'npm test -- auth.spec.ts\n  ✓ logs in (12 ms)\n  ✓ refreshes the token (4 ms)\n'.repeat(Math.ceil((opts.resultChars ?? 0) / 72)).slice(0, opts.resultChars ?? 0);
  const result = (call: string, outcome: string, isError: boolean): string => {
    const text = log + outcome;
    return user([{ type: 'tool_result', tool_use_id: call, content: text, ...(isError ? { is_error: true } : {}) }], { toolUseResult: isError ? `Error: ${text}` : { stdout: text, stderr: '' } });
  };

  lines.push(JSON.stringify({ type: 'file-history-snapshot', messageId: `snap-${seed}`, snapshot: { messageId: `snap-${seed}`, trackedFileBackups: {}, timestamp: stamp() }, isSnapshotUpdate: false }));
  let call = 0;
  for (let t = 0; t < turns; t++) {
    user(t === 0 ? 'Fix the login bug, the test in auth.spec.ts fails' : pick(['Go on.', 'Now run the linter.', 'Pourquoi ça échoue ?']));
    const responses = 1 + Math.floor(next() * 3);
    for (let r = 0; r < responses; r++) {
      const id = `msg_${seed}_${t}_${r}`;
      let tokens = 10;
      if (next() < 0.5) assistant(id, { type: 'thinking', thinking: 'The cache key ignores the tenant.', signature: 'sig' }, (tokens += 20));
      assistant(id, { type: 'text', text: pick(TEXTS) }, (tokens += 15));
      const calls = r === responses - 1 && next() < 0.3 ? 0 : 1 + Math.floor(next() * 2);
      const ids: string[] = [];
      for (let c = 0; c < calls; c++) {
        const callId = `toolu_${seed}_${++call}`;
        ids.push(callId);
        assistant(id, { type: 'tool_use', id: callId, name: pick(['Bash', 'Read', 'Edit', 'Grep']), input: { command: `npm test -- --grep case${call}`, file_path: 'src/auth.ts' } }, (tokens += 30));
        // A parallel call's result can come before the response's next block.
        if (c === 0 && calls > 1 && next() < 0.5) result(ids.shift()!, 'ok', false);
      }
      for (const callId of ids) {
        const failed = next() < 0.25;
        result(callId, failed ? 'Exit code 1\nFAIL auth.spec.ts › logs in' : `PASS (${Math.floor(next() * 90)} tests) ✓`, failed);
      }
    }
    if (t === 1 && opts.inlineAgent !== false) inlineAgent();
    if (t === 2) push({ type: 'system', subtype: 'api_error', level: 'error', error: { status: 529, error: { error: { type: 'overloaded_error', message: 'Overloaded' } } }, retryAttempt: 1, maxRetries: 10 });
    if (t === 2 && opts.badLine !== false) lines.push('{"type": "assistant", "message": {oops');
    if (t % 3 === 2) lines.push(JSON.stringify({ type: 'summary', summary: `Fixing login (${t})`, leafUuid: parent }));
    if (t === 3) lines.push('');
  }
  return lines;

  /** A Task call whose sub-agent's messages are inline progress events, its result after them; then older sidechain lines. */
  function inlineAgent(): void {
    const id = `msg_${seed}_task`;
    const task = `toolu_${seed}_task`;
    assistant(id, { type: 'tool_use', id: task, name: 'Task', input: { description: 'Find callers', prompt: 'Find every caller of login()' } }, 40);
    for (let k = 0; k < 3; k++) {
      const message = k % 2 === 0
        ? { type: 'assistant', uuid: `agent-${seed}-${k}`, timestamp: stamp(), message: { id: `msg_agent_${seed}_${k}`, role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: `Searching (${k}) — src/` }] } }
        : { type: 'user', uuid: `agent-${seed}-${k}`, timestamp: stamp(), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_agent_${k}`, content: 'src/auth.ts:12' }] } };
      push({ type: 'progress', data: { type: 'agent_progress', message }, parentToolUseID: task, toolUseID: task });
    }
    result(task, 'login() is called from src/routes.ts and src/cli.ts', false);
    const prompt = 'Check the tests';
    const prompted = `toolu_${seed}_side`;
    assistant(`msg_${seed}_side`, { type: 'tool_use', id: prompted, name: 'Task', input: { description: 'Tests', prompt } }, 20);
    const saved = parent;
    user(prompt, { isSidechain: true });
    assistant(`msg_${seed}_side_reply`, { type: 'text', text: 'All tests found.' }, 10, { isSidechain: true });
    parent = saved;
    result(prompted, 'All tests found.', false);
  }
}

/** One write of a live session: a line to the session file (`file` empty) or to a file beside it (`file`: its path from the session's folder). */
export interface SessionWrite {
  file: string;
  line: string;
}

/** Makes write `w` of the session at `sessionPath`: a line appended to it or to a file beside it, or a sub-agent's meta file written whole. */
export function writeSessionWrite(sessionPath: string, w: SessionWrite): void {
  const file = w.file ? join(dirname(sessionPath), w.file) : sessionPath;
  if (w.file) mkdirSync(dirname(file), { recursive: true });
  if (w.file.endsWith('.meta.json')) writeFileSync(file, w.line);
  else appendFileSync(file, `${w.line}\n`);
}

/**
 * A live session that starts a sub-agent as Claude Code 2.1 does, as the writes happen: the
 * session's Task call; the agent's meta file and transcript (`<session>/subagents/agent-<id>.*`)
 * written a message at a time, each message also logged inline in the session (`agent_progress`,
 * with the agent's id); then the Task's result (naming the agent). `stem`: the session file's name
 * without `.jsonl`. Before, between and after them, the session's own lines
 * (claudeCodeSessionLines). `opts.subagents` (default 1): how many, evenly spread; the second
 * one's files sort before the first's. `opts.agentMessages` (default 6): each agent's messages.
 */
export function claudeCodeSessionWithSubagent(seed: number, turns: number, stem: string, opts: SessionOptions & { subagents?: number; agentMessages?: number } = {}): SessionWrite[] {
  const session = claudeCodeSessionLines(seed, turns, { ...opts, inlineAgent: false });
  const count = opts.subagents ?? 1;
  const own = (line: string): SessionWrite => ({ file: '', line });
  const writes: SessionWrite[] = [];
  let from = 0;
  for (let n = 0; n < count; n++) {
    const at = Math.floor((session.length * (n + 1)) / (count + 1));
    const before = session.slice(from, at);
    writes.push(...before.map(own));
    const last = lastMessage(session.slice(0, at));
    const agent = subagentWrites(seed, n, `${stem}/subagents`, last, opts.agentMessages ?? 6);
    writes.push(...agent.writes);
    // The session's next message goes on from the Task's result.
    const after = session.slice(at);
    const resumes = after.findIndex((line) => lastMessage([line]).uuid !== undefined);
    if (resumes >= 0) session[at + resumes] = JSON.stringify({ ...(JSON.parse(after[resumes]) as object), parentUuid: agent.resultUuid });
    from = at;
  }
  return [...writes, ...session.slice(from).map(own)];
}

/**
 * Sub-agent `n`'s writes: its Task call, going on from the session's last message (`last`) at its
 * time (the session's lines are 1-5 s apart: the agent's fit in between); its files and their
 * inline copies; the Task's result.
 */
function subagentWrites(seed: number, n: number, folder: string, last: { uuid: string | undefined; time: number }, messages: number): { writes: SessionWrite[]; resultUuid: string } {
  // The first agent's names are as they always were; the second's file sorts before the first's.
  const tag = n === 0 ? '' : String(n + 1);
  const agentId = n === 0 ? `a${seed}f00d` : `0${seed}be${n}f`;
  const task = `toolu_${seed}_agent${tag}`;
  const uuid = (what: string, k?: number): string => `${what}${tag}-${seed}${k === undefined ? '' : `-${k}`}`;
  // Within the second before the session's next line, however many messages.
  const time = (k: number): string => new Date(last.time + Math.min(100, Math.floor(900 / (messages + 3))) * (k + 1)).toISOString();
  const own = (line: string): SessionWrite => ({ file: '', line });
  const writes: SessionWrite[] = [];
  // The response's text block, then its Task call, each a line of its own (one step: the same message id).
  writes.push(own(JSON.stringify({ parentUuid: last.uuid ?? null, sessionId: `sess-${seed}`, type: 'assistant', uuid: uuid('task-text'), timestamp: time(0), message: { id: `msg_${seed}_task${tag}`, role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'I will have an agent look for it.' }] } })));
  writes.push(own(JSON.stringify({ parentUuid: uuid('task-text'), sessionId: `sess-${seed}`, type: 'assistant', uuid: uuid('task'), timestamp: time(0), message: { id: `msg_${seed}_task${tag}`, role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'tool_use', id: task, name: 'Task', input: { description: 'Explore', prompt: 'Find where the session is refreshed' } }] } })));
  writes.push({ file: `${folder}/agent-${agentId}.meta.json`, line: JSON.stringify({ agentType: 'Explore', description: 'Explore', toolUseId: task }) });
  for (let k = 0; k < messages; k++) {
    const message = k === 0
      ? { role: 'user', content: 'Find where the session is refreshed' }
      : k % 2 === 1
        ? { id: `msg_${seed}_sub${tag}_${k}`, role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'tool_use', id: `toolu_${seed}_sub${tag}_${k}`, name: 'Grep', input: { pattern: 'refresh' } }] }
        : { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${seed}_sub${tag}_${k - 1}`, content: k === 4 ? 'grep: src/: Permission denied' : 'src/session.ts:40', ...(k === 4 ? { is_error: true } : {}) }] };
    const line = { parentUuid: k ? uuid('sub', k - 1) : null, isSidechain: true, agentId, sessionId: `sess-${seed}`, type: 'role' in message && message.role === 'assistant' ? 'assistant' : 'user', uuid: uuid('sub', k), timestamp: time(k + 1), message };
    writes.push({ file: `${folder}/agent-${agentId}.jsonl`, line: JSON.stringify(line) });
    writes.push(own(JSON.stringify({ parentUuid: uuid('task'), sessionId: `sess-${seed}`, type: 'progress', uuid: uuid('progress', k), timestamp: time(k + 1), parentToolUseID: task, toolUseID: task, data: { type: 'agent_progress', agentId, message: line } })));
  }
  const resultUuid = uuid('task-result');
  writes.push(own(JSON.stringify({ parentUuid: uuid('task'), sessionId: `sess-${seed}`, type: 'user', uuid: resultUuid, timestamp: time(messages + 2), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: task, content: `src/session.ts:40 refreshes it\nagentId: ${agentId} (for resuming)` }] }, toolUseResult: { agentId, status: 'completed' } })));
  return { writes, resultUuid };
}

/** The last of `lines` that is a message (a uuid and a time): its uuid and time (ms). */
function lastMessage(lines: readonly string[]): { uuid: string | undefined; time: number } {
  for (let i = lines.length - 1; i >= 0; i--) {
    let v: unknown;
    try { v = JSON.parse(lines[i]); } catch { continue; }
    const { uuid, timestamp } = (v ?? {}) as { uuid?: unknown; timestamp?: unknown };
    if (typeof uuid === 'string' && typeof timestamp === 'string') return { uuid, time: Date.parse(timestamp) };
  }
  return { uuid: undefined, time: Date.UTC(2026, 1, 10, 22, 30) };
}
