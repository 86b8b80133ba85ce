/**
 * Sub-agent transcripts that Claude Code keeps beside a session, and which Task call started
 * each one.
 *
 *   <project>/<session-id>.jsonl                            the session
 *   <project>/<session-id>/subagents/agent-<id>.jsonl        one per sub-agent (Claude Code 2.1.2+)
 *   <project>/<session-id>/subagents/agent-<id>.meta.json    {agentType, description, toolUseId?}
 *   <project>/agent-<id>.jsonl                               older versions: beside the session
 *
 * The Task call is known from the meta file's `toolUseId`, from the Task result
 * (`toolUseResult.agentId`, or its "agentId: <id>" trailer), from `agent_progress` events
 * (`data.agentId` with `parentToolUseID`), or last from the prompt the agent was given.
 * Everything is read through the import context (read-only); a path is only ever built from a
 * plain id (letters, digits, `_`, `-`), so an id written in a hostile file cannot leave the folder.
 */
import { dirname, join } from 'node:path';
import { isPlainUtf8Lines, SourceFile, type JsonlRecord } from '../../json/source-file';
import { tryParseJson } from '../../json/depth';
import { type ImportContext, baseName, isObject, str } from '../importer';
import type { Problem } from '../../util/problems';
import { contentText } from './common';

const PLAIN_ID = /^[A-Za-z0-9_-]{1,128}$/;
const AGENT_FILE = /^agent-([A-Za-z0-9_-]{1,128})\.jsonl$/;
/** The trailer Claude Code appends to a Task result: "agentId: a1b2c3d (for resuming ...)". */
const AGENT_TRAILER = /\bagentId: ([^\s()]+)/;

export function isPlainId(id: string): boolean {
  return PLAIN_ID.test(id);
}

export interface SubagentFile {
  agentId: string;
  /** The file's path relative to the session file's folder. */
  rel: string;
  records: JsonlRecord[];
  meta: Record<string, unknown>;
  /** The Task call that started it, when known. */
  taskId?: string;
}

/** Which Task call started which agent, and the prompts of Task calls (for the last-resort match). */
export class AgentLinks {
  readonly taskByAgent = new Map<string, string>();
  /** Agent ids as written in the lines, with the line that named them (1-based), plain or not. */
  readonly named = new Map<string, number>();
  readonly taskByPrompt = new Map<string, string>();

  /** Reads the links a transcript line carries. */
  add(v: Record<string, unknown>, line: number): void {
    if (v.type === 'progress' && isObject(v.data) && v.data.type === 'agent_progress') {
      const agentId = str(v.data.agentId);
      const task = str(v.parentToolUseID);
      if (agentId) this.link(agentId, task, line);
      return;
    }
    const msg = isObject(v.message) ? v.message : undefined;
    if (!msg || !Array.isArray(msg.content)) return;
    for (const b of msg.content) {
      if (!isObject(b)) continue;
      if (v.type === 'assistant' && b.type === 'tool_use' && (b.name === 'Task' || b.name === 'Agent') && typeof b.id === 'string' && isObject(b.input)) {
        const prompt = str(b.input.prompt);
        if (prompt && !this.taskByPrompt.has(prompt)) this.taskByPrompt.set(prompt, b.id);
      }
      if (v.type === 'user' && b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
        const fromResult = isObject(v.toolUseResult) ? str(v.toolUseResult.agentId) : undefined;
        const fromTrailer = AGENT_TRAILER.exec(contentText(b.content) ?? '')?.[1];
        const agentId = fromResult ?? fromTrailer;
        if (agentId) this.link(agentId, b.tool_use_id, line);
      }
    }
  }

  /** An independent copy (the links of a live session's lines, to which each read adds its sub-agents' files). */
  copy(): AgentLinks {
    const c = new AgentLinks();
    for (const [k, v] of this.taskByAgent) c.taskByAgent.set(k, v);
    for (const [k, v] of this.named) c.named.set(k, v);
    for (const [k, v] of this.taskByPrompt) c.taskByPrompt.set(k, v);
    return c;
  }

  private link(agentId: string, task: string | undefined, line: number): void {
    if (!this.named.has(agentId)) this.named.set(agentId, line);
    if (task && !this.taskByAgent.has(agentId)) this.taskByAgent.set(agentId, task);
  }
}

/** The folders that may hold a session's sub-agent files: `<file name>/subagents`, `<session id>/subagents`. */
function subagentFolders(sessionPath: string, sessionId: string | undefined): string[] {
  const stem = baseName(sessionPath).replace(/\.jsonl$/i, '');
  return [...new Set([stem, sessionId].filter((s): s is string => s !== undefined && isPlainId(s)))].map((s) => `${s}/subagents`);
}

/**
 * Sub-agent files read before, by path, with their bytes: a file read again with the same bytes
 * gives the same lines (the same array) and warns the same, without being parsed again (a live
 * session's sub-agent files are read again at each of its lines).
 */
export type AgentFileCache = Map<string, { bytes: Uint8Array; records: JsonlRecord[]; problems: Problem[] }>;

/** Every `agent-<id>.jsonl` of the session's subagents folder, parsed (bad lines are warnings). */
export function readSubagentFolder(sessionPath: string, sessionId: string | undefined, ctx: ImportContext, cache?: AgentFileCache): SubagentFile[] {
  const out: SubagentFile[] = [];
  const seen = new Set<string>();
  for (const folder of subagentFolders(sessionPath, sessionId)) {
    const names = ctx.listSibling?.(folder);
    if (!names) continue;
    for (const name of [...names].sort()) {
      const agentId = AGENT_FILE.exec(name)?.[1];
      if (!agentId || seen.has(agentId)) continue;
      const file = readAgentFile(sessionPath, `${folder}/${name}`, agentId, ctx, false, cache);
      if (!file) continue;
      seen.add(agentId);
      const metaName = `agent-${agentId}.meta.json`;
      if (names.includes(metaName)) file.meta = readMeta(sessionPath, `${folder}/${metaName}`, ctx);
      out.push(file);
    }
  }
  return out;
}

/** Older versions kept `agent-<id>.jsonl` beside the session; only a plain id is looked up. */
export function readLegacyAgentFile(sessionPath: string, agentId: string, ctx: ImportContext, cache?: AgentFileCache): SubagentFile | undefined {
  if (!isPlainId(agentId)) return undefined;
  const file = readAgentFile(sessionPath, `agent-${agentId}.jsonl`, agentId, ctx, true, cache);
  // A file of that name that is not this agent's sidechain transcript is not taken.
  const turns = file?.records.filter((r) => isObject(r.value) && (r.value.type === 'user' || r.value.type === 'assistant')) ?? [];
  return file && turns.length > 0 && turns.every((r) => (r.value as Record<string, unknown>).isSidechain === true) ? file : undefined;
}

function readAgentFile(sessionPath: string, rel: string, agentId: string, ctx: ImportContext, quietIfAbsent = false, cache?: AgentFileCache): SubagentFile | undefined {
  const full = join(dirname(sessionPath), rel);
  const bytes = ctx.readSibling(rel);
  if (!bytes) {
    if (!quietIfAbsent) ctx.warn({ file: full, message: 'sub-agent transcript could not be read; its steps are not shown' });
    return undefined;
  }
  const known = cache?.get(rel);
  const read = known && sameBytes(known.bytes, bytes) ? known : (known && readOn(known, bytes, full)) ?? { bytes, ...new SourceFile(full, bytes).jsonl };
  cache?.set(rel, read);
  for (const p of read.problems) ctx.warn(p);
  return { agentId, rel, records: read.records, meta: {} };
}

/**
 * A running agent's file read on from what was read of it, when whole lines were appended to it:
 * only those are parsed, numbered after the lines before (their records are the ones read then).
 * Undefined when it is not that (written anew, a line cut short, not plain UTF-8): then it is
 * parsed whole. It was parsed whole at every line of the session, a few MB for a long agent.
 */
function readOn(known: { bytes: Uint8Array; records: JsonlRecord[]; problems: Problem[] }, bytes: Uint8Array, full: string): { bytes: Uint8Array; records: JsonlRecord[]; problems: Problem[] } | undefined {
  const before = known.bytes;
  if (bytes.length <= before.length || !isPlainUtf8Lines(before)) return undefined;
  const added = bytes.subarray(before.length);
  if (!isPlainUtf8Lines(added) || !sameBytes(before, bytes.subarray(0, before.length))) return undefined;
  const lines = lineBreaks(before);
  const { records, problems } = new SourceFile(full, added).jsonl;
  return {
    bytes,
    records: [...known.records, ...records.map((r) => ({ line: r.line + lines, value: r.value }))],
    problems: [...known.problems, ...problems.map((p) => (p.line === undefined ? p : { ...p, line: p.line + lines }))],
  };
}

function lineBreaks(b: Uint8Array): number {
  const buffer = Buffer.from(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let at = buffer.indexOf(0x0a); at !== -1; at = buffer.indexOf(0x0a, at + 1)) n++;
  return n;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function readMeta(sessionPath: string, rel: string, ctx: ImportContext): Record<string, unknown> {
  const bytes = ctx.readSibling(rel);
  const value = bytes ? tryParseJson(new TextDecoder().decode(bytes))?.value : undefined;
  if (isObject(value)) return value;
  ctx.warn({ file: join(dirname(sessionPath), rel), message: 'not a JSON object; the sub-agent is linked without it' });
  return {};
}

/** The first thing the agent was asked (its first user line), to match a Task prompt. */
export function firstPrompt(records: readonly JsonlRecord[]): string | undefined {
  for (const r of records) {
    const v = r.value;
    if (isObject(v) && v.type === 'user' && isObject(v.message)) return contentText(v.message.content) ?? undefined;
  }
  return undefined;
}
