/**
 * Claude Code session transcripts: `~/.claude/projects/<project>/<session>.jsonl`, and subagent
 * transcripts (`agent-<id>.jsonl`, newer versions under `<session>/subagents/`).
 *
 *   {"parentUuid":null,"isSidechain":false,"sessionId":"...","type":"user","message":{"role":"user","content":"fix the bug"},"uuid":"u1","timestamp":"..."}
 *   {"parentUuid":"u1","type":"assistant","message":{"id":"msg_1","model":"claude-...","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{...}}],"usage":{...}},"uuid":"a1",...}
 *   {"parentUuid":"a1","type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"...","is_error":true}]},"toolUseResult":...,"uuid":"u2",...}
 *   {"type":"summary","summary":"Fix the login bug","leafUuid":"..."}
 *
 * `parentUuid` links each line to the previous one of the conversation (a chain, not a tree), so
 * turns stay flat siblings in file order; it is kept in attributes. It does matter for sidechain
 * lines (subagent turns written into the main file by older versions): each sidechain chain
 * becomes an `agent` step nested under the Task tool call that started it. Newer versions inline a
 * sub-agent's messages in `progress` events (`data.type: "agent_progress"`, `parentToolUseID` =
 * the Task call) and write its whole transcript to `<session>/subagents/agent-<id>.jsonl`: when
 * that file can be read it is the agent's record (nested under its Task step), otherwise the
 * inline events are. Lines are turned into steps by claude-code-lines.ts (one `llm` step per API
 * response however many lines it spans); sub-agent files are found by claude-code-subagents.ts.
 */
import { dirname, join } from 'node:path';
import type { JsonlRecord, SourceFile } from '../../json/source-file';
import type { DraftStep, DraftTrace } from '../../model/draft';
import { toEpochMs } from '../../util/time';
import { UserInputError, type Problem } from '../../util/problems';
import { Importer, ImportContext, isObject, type LineFollower } from '../importer';
import { baseName, contentText, headRecords, preview, str } from './common';
import { TranscriptBuilder } from './claude-code-lines';
import { AgentLinks, type AgentFileCache, SubagentFile, firstPrompt, isPlainId, readLegacyAgentFile, readSubagentFolder } from './claude-code-subagents';

const LINE_TYPES = new Set(['user', 'assistant', 'summary', 'system', 'file-history-snapshot', 'queue-operation', 'progress', 'attachment', 'custom-title']);

function isClaudeCodeLine(v: unknown): number {
  if (!isObject(v) || typeof v.type !== 'string' || !LINE_TYPES.has(v.type)) return 0;
  if ((v.type === 'user' || v.type === 'assistant') && typeof v.uuid === 'string' && isObject(v.message) && ('parentUuid' in v || 'sessionId' in v)) return 1;
  if (v.type === 'summary' && typeof v.leafUuid === 'string') return 0.8;
  if (v.type === 'system' && typeof v.uuid === 'string' && 'parentUuid' in v) return 0.8;
  if (v.type === 'file-history-snapshot' && 'messageId' in v) return 0.7;
  return 0;
}

type Line = Record<string, unknown>;

export const claudeCodeImporter: Importer = {
  id: 'claude-code',
  label: 'Claude Code session',
  producer: 'Claude Code (~/.claude/projects/<project>/<session>.jsonl, with <session>/subagents/agent-*.jsonl sub-agent transcripts)',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{') return 0;
    const head = headRecords(file, 8);
    let best = 0;
    for (const r of head) best = Math.max(best, isClaudeCodeLine(r));
    if (best >= 1) return 0.95;
    return best >= 0.7 ? 0.75 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const session = new SessionImport(file, ctx);
    for (const w of session.ownWarnings()) ctx.warn(w);
    return session.drafts();
  },
  follow(file: SourceFile, ctx: ImportContext): LineFollower {
    return new SessionImport(file, ctx);
  },
};

/**
 * A session's import, line by line: what `parse` gives, and (`follow`) able to go on with lines
 * appended to a live session. Its sub-agents' files are read again at each batch of lines (a
 * running sub-agent writes its own file as the session names it); their steps follow the
 * session's, one sub-agent's after another. A new agent's file is followed too, as Claude Code
 * writes it before the session logs the agent's first message: the lines read hold no inline
 * copy of its messages, which the whole load would have left out. A batch that takes away a file,
 * changes which Task call started one, or brings a file whose agent's messages were already read
 * inline, cannot be followed.
 */
class SessionImport implements LineFollower {
  private readonly b = new TranscriptBuilder();
  private readonly summaries: string[] = [];
  private readonly inline = new InlineAgents(this.b.steps);
  /** A subagent's own file: every conversation line is a sidechain line (decided by the lines read first). */
  private readonly sidechainOnly: boolean;
  private readonly sessionId: string | undefined;
  /** The session file's path (not the file: its text and parsed lines would be held while it is followed). */
  private readonly path: string;
  /** The links of the session's lines, and the sub-agents they hold messages of (inline). */
  private readonly links = new AgentLinks();
  private readonly inlineAgents = new Set<string>();
  private turns = 0;
  private sidechainTurns = 0;
  /** The sub-agents' files, what they decide (see `pictureOf`), and each one's steps. */
  private agents: SubagentFile[] = [];
  private readonly fromFiles: Set<string>;
  private readonly tasksWithFiles: Set<string | undefined>;
  /** The agents and Task calls whose messages the lines read added inline (agent_progress, sidechain lines). */
  private readonly readInline = { agents: new Set<string>(), tasks: new Set<string>() };
  private transcripts: AgentTranscript[] = [];
  /** Sub-agents whose steps were all made again since `takeChanged` (a file that did not only grow). */
  private agentsChanged = new Set<number>();
  /** Sub-agents whose files grew since `takeChanged`: the positions of their steps that changed or came. */
  private agentStepsChanged = new Map<number, number[]>();
  private warnings: Problem[] = [];
  private readonly cache: AgentFileCache = new Map();
  /** The session's steps when `takeChanged` was last asked. */
  private sessionStepsTaken = 0;
  /** Where the session's and each agent's steps were among the drafts when `takeChanged` was last asked (see takeMoves). */
  private layout: DraftLayout;
  private moves: Int32Array | undefined;

  constructor(file: SourceFile, private readonly ctx: ImportContext) {
    this.path = file.path;
    const { records, problems } = file.jsonl;
    for (const p of problems) ctx.warn(p);
    if (records.length === 0) throw new UserInputError({ file: file.path, line: 1, column: 1, message: 'no readable lines in this Claude Code session' });
    this.countTurns(records);
    this.sidechainOnly = this.turns > 0 && this.turns === this.sidechainTurns;
    this.sessionId = sessionIdOf(records);
    this.noteLinks(records);
    this.agents = this.readAgents();
    this.fromFiles = new Set(this.agents.map((a) => a.agentId));
    this.tasksWithFiles = new Set(this.agents.map((a) => a.taskId).filter(Boolean));
    this.read(records);
    this.transcripts = this.agents.map((a) => new AgentTranscript(a, this.agentParent(a)));
    this.layout = this.currentLayout();
  }

  add(records: readonly JsonlRecord[]): boolean {
    this.countTurns(records);
    if (this.sidechainOnly !== (this.turns > 0 && this.turns === this.sidechainTurns)) return false;
    if (this.sessionId === undefined && sessionIdOf(records) !== undefined) return false;
    this.noteLinks(records);
    const agents = this.readAgents();
    const added = this.addedAgents(agents);
    if (!added) return false;
    for (const a of added) {
      this.fromFiles.add(a.agentId);
      if (a.taskId) this.tasksWithFiles.add(a.taskId);
    }
    this.read(records);
    // A new agent's file may sort before one read before: the steps are matched by agent. (Those
    // after it move among the drafts, as they do when the session's own steps grow: takeMoves.)
    const before = new Map(this.agents.map((a, k) => [a.agentId, this.transcripts[k]]));
    this.transcripts = agents.map((a, k) => {
      const was = before.get(a.agentId);
      const grown = was?.grow(a, this.agentParent(a));
      if (was && grown) {
        if (grown.length) this.agentStepsChanged.set(k, grown);
        return was;
      }
      this.agentsChanged.add(k);
      return new AgentTranscript(a, this.agentParent(a));
    });
    this.agents = agents;
    return true;
  }

  /**
   * The agents whose files are new in `agents`, when the session can go on with them: every file
   * read before is still there, in the same order, for the same Task call, and no line read so far
   * added a new agent's messages inline (the whole load leaves those lines out once its file is
   * there). Undefined otherwise.
   */
  private addedAgents(agents: readonly SubagentFile[]): SubagentFile[] | undefined {
    const had = new Set(this.agents.map((a) => a.agentId));
    const still = agents.filter((a) => had.has(a.agentId));
    if (still.length !== this.agents.length || still.some((a, k) => pictureOf([a]) !== pictureOf([this.agents[k]]))) return undefined;
    const added = agents.filter((a) => !had.has(a.agentId));
    const readInline = ({ agentId, taskId }: SubagentFile): boolean => this.readInline.agents.has(agentId) || (taskId !== undefined && this.readInline.tasks.has(taskId));
    return added.some(readInline) ? undefined : added;
  }

  /** The step a sub-agent's steps go under: its Task call's (see parentForCall), or none when no Task call names it. */
  private agentParent(a: SubagentFile): string | null {
    return a.taskId ? this.b.parentForCall(a.taskId) : null;
  }

  takeChanged(): number[][] {
    const changed = this.b.takeChanged();
    // The session's new steps go before its sub-agents' (not at the end of the drafts): they are named too.
    if (this.agents.length) for (let i = this.sessionStepsTaken; i < this.b.steps.length; i++) changed.push(i);
    this.sessionStepsTaken = this.b.steps.length;
    let at = this.b.steps.length;
    this.transcripts.forEach(({ steps }, k) => {
      if (this.agentsChanged.has(k)) for (let i = 0; i < steps.length; i++) changed.push(at + i);
      else for (const i of this.agentStepsChanged.get(k) ?? []) changed.push(at + i);
      at += steps.length;
    });
    this.agentsChanged = new Set();
    this.agentStepsChanged = new Map();
    const now = this.currentLayout();
    this.moves = movesBetween(this.layout, now);
    this.layout = now;
    return [changed];
  }

  /**
   * The session's new steps go before its sub-agents', and an agent's before the next agent's:
   * the drafts after them move (GrowingOrder follows them instead of ordering the run whole).
   */
  takeMoves(): (Int32Array | undefined)[] {
    return [this.moves];
  }

  private currentLayout(): DraftLayout {
    return { session: this.b.steps.length, agents: this.agents.map((a, k) => ({ agentId: a.agentId, count: this.transcripts[k].steps.length })) };
  }

  ownWarnings(): Problem[] {
    return this.warnings;
  }

  drafts(): DraftTrace[] {
    const { b, summaries, sessionId, sidechainOnly, agents, path } = this;
    const title = summaries[summaries.length - 1] ?? (b.firstUser ? preview(b.firstUser, 80) : baseName(path));
    return [{
      ...(sessionId ? { id: sidechainOnly ? `${sessionId}/${baseName(path)}` : sessionId } : {}),
      title, steps: agents.length ? [...b.steps, ...this.transcripts.flatMap((t) => t.steps)] : b.steps, jsonlPaths: true,
      metadata: {
        ...(sessionId ? { sessionId } : {}), ...(summaries.length ? { summaries: [...summaries] } : {}), ...(sidechainOnly ? { sidechain: true } : {}),
        ...(agents.length ? { subagentFiles: agents.map((a) => a.rel) } : {}),
      },
    }];
  }

  /** The sub-agents' files as they are now, with their warnings (kept for `ownWarnings`). */
  private readAgents(): SubagentFile[] {
    const warnings: Problem[] = [];
    const ctx: ImportContext = { ...this.ctx, warn: (p) => warnings.push({ file: this.path, ...p }) };
    const agents = this.sidechainOnly ? [] : subagentFiles(this.path, this.sessionId, ctx, this.links.copy(), this.inlineAgents, this.cache);
    this.warnings = warnings;
    return agents;
  }

  private noteLinks(records: readonly JsonlRecord[]): void {
    for (const r of records) {
      const v = r.value;
      if (!isObject(v)) continue;
      this.links.add(v, r.line + 1);
      const id = v.type === 'progress' && isObject(v.data) && v.data.type === 'agent_progress' ? str(v.data.agentId) : v.isSidechain === true ? str(v.agentId) : undefined;
      if (id) this.inlineAgents.add(id);
    }
  }

  private countTurns(records: readonly JsonlRecord[]): void {
    for (const r of records) {
      if (!isObject(r.value) || (r.value.type !== 'user' && r.value.type !== 'assistant')) continue;
      this.turns++;
      if (r.value.isSidechain === true) this.sidechainTurns++;
    }
  }

  private read(records: readonly JsonlRecord[]): void {
    const { b, inline, sidechainOnly } = this;
    for (const rec of records) {
      const v = rec.value;
      if (!isObject(v)) continue;
      const type = str(v.type);
      if (type === 'summary') { const s = str(v.summary); if (s) this.summaries.push(s); continue; }
      if (type === 'progress') {
        if (!isObject(v.data) || v.data.type !== 'agent_progress' || !isObject(v.data.message)) continue;
        const agentId = str(v.data.agentId);
        const task = str(v.parentToolUseID);
        // The agent's own file, when read, is its full record: its inline copies are not added again.
        if ((agentId && this.fromFiles.has(agentId)) || (task && this.tasksWithFiles.has(task))) continue;
        const group = inline.progressGroup(agentId, task, toEpochMs(v.data.message.timestamp) ?? toEpochMs(v.timestamp));
        b.line(v.data.message, group, { path: [rec.line, 'data', 'message'] });
        if (agentId) this.readInline.agents.add(agentId);
        if (task) this.readInline.tasks.add(task);
        continue;
      }
      if (type !== 'user' && type !== 'assistant' && type !== 'system') continue;
      const agentId = str(v.agentId);
      if (!sidechainOnly && v.isSidechain === true && agentId && this.fromFiles.has(agentId)) continue;
      if (v.isSidechain === true && agentId) this.readInline.agents.add(agentId);
      const parent = sidechainOnly ? null : inline.sidechainGroup(v, rec.line);
      b.line(v, parent, { path: [rec.line] });
    }
  }
}

/** How a session's drafts are laid out: its own steps, then each sub-agent's, in this order. */
interface DraftLayout {
  session: number;
  agents: { agentId: string; count: number }[];
}

/**
 * Where each draft of layout `before` is in layout `now` (old position -> new), when any moved;
 * undefined when none did; empty when an agent has fewer steps than before (its steps were made
 * anew: there is no place to say, so the run is ordered whole).
 */
function movesBetween(before: DraftLayout, now: DraftLayout): Int32Array | undefined {
  const starts = new Map<string, { at: number; count: number }>();
  let at = now.session;
  for (const a of now.agents) {
    starts.set(a.agentId, { at, count: a.count });
    at += a.count;
  }
  const moved = new Int32Array(before.session + before.agents.reduce((n, a) => n + a.count, 0));
  for (let i = 0; i < before.session; i++) moved[i] = i;
  let from = before.session;
  let any = false;
  for (const a of before.agents) {
    const to = starts.get(a.agentId);
    if (!to || to.count < a.count) return new Int32Array(0);
    for (let j = 0; j < a.count; j++) moved[from + j] = to.at + j;
    any ||= to.at !== from;
    from += a.count;
  }
  return any ? moved : undefined;
}

/** What the sub-agents' files decide for the session's own lines: which there are, and the Task call of each. */
function pictureOf(agents: readonly SubagentFile[]): string {
  return agents.map((a) => `${a.agentId}\u0000${a.rel}\u0000${a.taskId ?? ''}`).join('\n');
}

/** The session id: the first line's that has one. */
function sessionIdOf(records: readonly JsonlRecord[]): string | undefined {
  for (const r of records) {
    const id = isObject(r.value) ? str(r.value.sessionId) : undefined;
    if (id) return id;
  }
  return undefined;
}

/**
 * The session's sub-agent files, each with the Task call that started it. An agent the session
 * names whose file is missing is a warning (unless its messages are inline: `inlineAgents`); an
 * agent id that is not a plain id is never turned into a path. `links`: the session lines'; the
 * files' are added.
 */
function subagentFiles(path: string, sessionId: string | undefined, ctx: ImportContext, links: AgentLinks, inlineAgents: ReadonlySet<string>, cache: AgentFileCache): SubagentFile[] {
  const files = readSubagentFolder(path, sessionId, ctx, cache);
  for (const f of files) for (const r of f.records) if (isObject(r.value)) links.add(r.value, r.line + 1);
  const found = new Set(files.map((f) => f.agentId));
  for (const [agentId, line] of links.named) {
    if (found.has(agentId)) continue;
    if (!isPlainId(agentId)) {
      ctx.warn({ line, message: `sub-agent id ${JSON.stringify(agentId.slice(0, 80))} is not a plain id (letters, digits, _ and -), so no transcript file is looked up for it` });
      continue;
    }
    const legacy = ctx.listSibling ? readLegacyAgentFile(path, agentId, ctx, cache) : undefined;
    if (legacy) { files.push(legacy); found.add(agentId); continue; }
    if (ctx.listSibling && !inlineAgents.has(agentId)) {
      const folder = `${baseName(path).replace(/\.jsonl$/i, '')}/subagents`;
      ctx.warn({ line, message: `sub-agent ${agentId}: its transcript ${folder}/agent-${agentId}.jsonl was not found, so only its Task result is shown` });
    }
  }
  for (const f of files) {
    f.taskId = str(f.meta.toolUseId) ?? links.taskByAgent.get(f.agentId) ?? links.taskByPrompt.get(firstPrompt(f.records) ?? '\u0000');
    if (!f.taskId) ctx.warn({ file: join(dirname(path), f.rel), message: `no Task call in the session names sub-agent ${f.agentId}; its steps are shown at the top level` });
  }
  return files;
}

/**
 * A sub-agent file's lines, under an agent step nested in the Task step that started it (a builder
 * of its own: its calls and lines are its own), made as the file grows: a running agent's file
 * gains a message at a time, and making all of its steps again at each line named them all
 * changed, so a live session went back to the agent's first step at every line (its detectors
 * from the run's start: 0.3 s a line at 29 MB with an agent of 600 steps).
 */
class AgentTranscript {
  private readonly b = new TranscriptBuilder();

  constructor(private file: SubagentFile, parent: string | null) {
    this.b.steps.push(agentStep(file, parent));
    this.take(file.records);
    this.b.takeChanged();
  }

  get steps(): DraftStep[] {
    return this.b.steps;
  }

  /**
   * Go on with the agent's file as it is now, under `parent`: the positions of its steps that
   * changed or came (none when it is as it was); undefined when it is not the file read before
   * with whole lines added, or its meta file changed (then the steps are made anew).
   */
  grow(file: SubagentFile, parent: string | null): number[] | undefined {
    const old = this.file;
    if (JSON.stringify(file.meta) !== JSON.stringify(old.meta) || !linesAppended(old, file)) return undefined;
    const before = this.b.steps.length;
    this.take(file.records.slice(old.records.length));
    const changed = this.b.takeChanged();
    // Its start is its first timed line's, which may come only now; its parent changes when its Task's result comes.
    const head = agentStep(file, parent);
    if (head.startTime !== this.b.steps[0].startTime || head.parentSourceId !== this.b.steps[0].parentSourceId) {
      this.b.steps[0] = head;
      changed.push(0);
    }
    for (let i = before; i < this.b.steps.length; i++) changed.push(i);
    this.file = file;
    return changed;
  }

  private take(records: readonly JsonlRecord[]): void {
    const { agentId, rel } = this.file;
    for (const r of records) if (isObject(r.value)) this.b.line(r.value, `agent:${agentId}`, { file: rel, line: r.line });
  }
}

/**
 * The agent step of a sub-agent file, nested in the step that started it (`parent`: its Task
 * call's step, or while the call has no result, the model step that made it).
 */
function agentStep(a: SubagentFile, parent: string | null): DraftStep {
  const first = a.records.find((r) => isObject(r.value) && toEpochMs(r.value.timestamp) !== null);
  return {
    sourceId: `agent:${a.agentId}`, parentSourceId: parent,
    kind: 'agent', name: `subagent ${a.agentId}`, status: 'ok', startTime: first ? toEpochMs((first.value as Line).timestamp) : null,
    attributes: { agentId: a.agentId, sourceFile: a.rel, ...(str(a.meta.agentType) ? { agentType: a.meta.agentType } : {}), ...(str(a.meta.description) ? { description: a.meta.description } : {}) },
  };
}

/**
 * `now` is `before`'s file with whole lines added after it. readAgentFile gives the records read
 * before as the same objects exactly then (the same bytes, or only the lines appended parsed): a
 * file parsed whole has records of its own.
 */
function linesAppended(before: SubagentFile, now: SubagentFile): boolean {
  return now.records.length >= before.records.length && before.records.every((r, i) => now.records[i] === r);
}

/** Agent steps for sub-agents whose messages are in the session file itself (sidechain lines, agent_progress events). */
class InlineAgents {
  /** uuid of a sidechain line (or `agent:<id>`) -> the agent step its chain belongs to. */
  private readonly groups = new Map<string, string>();
  private readonly taskCallsByPrompt = new Map<string, string>();

  constructor(private readonly steps: DraftStep[]) {}

  /** The agent step of an agent_progress event, created at the agent's first event under its Task call. */
  progressGroup(agentId: string | undefined, task: string | undefined, time: number | null): string | null {
    if (!agentId && !task) return null;
    const group = agentId ? `agent:${agentId}` : `agent-of:${task}`;
    if (!this.groups.has(group)) {
      this.groups.set(group, group);
      this.steps.push({
        sourceId: group, parentSourceId: task ?? null,
        kind: 'agent', name: agentId ? `subagent ${agentId}` : 'subagent', status: 'ok', startTime: time,
        attributes: { ...(agentId ? { agentId } : {}), inline: 'agent_progress' },
      });
    }
    return group;
  }

  /**
   * The parent step id for a line: null for main-conversation lines; for a sidechain line (older
   * versions wrote sub-agent turns into the main file), the agent step of its chain, created at
   * the chain's first line and nested under the Task call whose prompt started it.
   */
  sidechainGroup(v: Line, line: number): string | null {
    this.rememberTaskPrompts(v);
    if (v.isSidechain !== true) return null;
    const uuid = str(v.uuid);
    const parentUuid = str(v.parentUuid);
    const agentId = str(v.agentId);
    let group = (parentUuid ? this.groups.get(parentUuid) : undefined) ?? (agentId ? this.groups.get(`sidechain-agent:${agentId}`) : undefined);
    if (!group) {
      group = `sidechain:${agentId ?? uuid ?? line}`;
      const prompt = isObject(v.message) ? contentText(v.message.content) : null;
      const taskCall = prompt ? this.taskCallsByPrompt.get(prompt) : undefined;
      this.steps.push({
        sourceId: group, parentSourceId: taskCall ?? null,
        kind: 'agent', name: agentId ? `subagent ${agentId}` : 'subagent', status: 'ok', startTime: toEpochMs(v.timestamp),
        attributes: { ...(agentId ? { agentId } : {}), sidechain: true },
      });
      if (agentId) this.groups.set(`sidechain-agent:${agentId}`, group);
    }
    if (uuid) this.groups.set(uuid, group);
    return group;
  }

  private rememberTaskPrompts(v: Line): void {
    if (v.type !== 'assistant' || !isObject(v.message) || !Array.isArray(v.message.content)) return;
    for (const c of v.message.content) {
      if (!isObject(c) || c.type !== 'tool_use' || (c.name !== 'Task' && c.name !== 'Agent') || typeof c.id !== 'string' || !isObject(c.input)) continue;
      const prompt = str(c.input.prompt);
      if (prompt) this.taskCallsByPrompt.set(prompt, c.id);
    }
  }
}
