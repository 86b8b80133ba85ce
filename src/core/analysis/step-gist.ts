/**
 * A step's gist: what it did, in a few words, shown beside its name in the step list, the
 * debugger's call stack and the Compare Traces view. A tool call's command, file, query...
 * (`Bash  git status --short`, `Read  src/app.ts`); a model reply's first line of text
 * (`claude-opus-4-6  Let me check the MCP servers.`; a reply that only calls tools has none: its
 * calls are the rows after it). A Claude Code, Codex or SWE-agent session is mostly calls of two
 * or three tools and replies of one model: by name alone, its rows read "Bash", "claude-opus-4-6",
 * "Bash"... A message's first line of text, unless its name has it already (Claude Code names a
 * prompt by its text; OpenHands, Inspect and Who&When by who sent it: "user message", "input",
 * "human"). Other steps (agent turns, system steps) have none: their names say what they are.
 */
import type { Step } from '../model/schema';
import { shellCommandText } from '../formats/shell-exit';
import { isRedactionPlaceholder } from '../model/redaction';
import type { PayloadSource } from '../engine/stream/step-payloads';

/** The gist's longest length, in characters (the row cuts it to its width). */
export const GIST_MAX = 160;

/** Characters of a text looked at for its gist (the patterns run over no more: trace text is hostile). */
const SCANNED = 4 * GIST_MAX;

/**
 * A step held without its payloads whose line or span is longer than this is not read back for
 * its gist: a TRAIL or OpenInference model span holds its whole conversation (megabytes in a long
 * run), and a page of rows would read and parse a hundred of them.
 */
export const GIST_READ_BYTES = 64 * 1024;

/**
 * Arguments that say what a call is about, most telling first: a shell's command (shellCommandText
 * reads `command`, `cmd` and `script`; past a leading `cd <folder> &&`), a file tool's file, a
 * search's pattern or query (before the folder it searches), a fetch's URL, a sub-agent's task.
 */
const TELLING_KEYS = ['file_path', 'filePath', 'absolute_path', 'notebook_path', 'pattern', 'query', 'q', 'url', 'uri', 'path', 'dir_path', 'filename', 'file', 'description', 'prompt', 'task', 'input', 'text'];

/** What names the file a call acts on. */
const FILE_KEYS = ['file_path', 'filePath', 'absolute_path', 'notebook_path', 'path', 'filename', 'file'];

/**
 * A patch in the apply_patch format (Codex CLI): `*** Begin Patch`, then `*** Update File: <path>`...
 * per file; as the tool's input, or in a shell command (`apply_patch <<'EOF'`, an argv).
 */
const PATCH_START = '*** Begin Patch';
const PATCH_FILE = /^\*\*\* (Add|Update|Delete) File: (.+)$/gm;

/** The `cd <folder> &&` (or `;`) a command line starts with: SWE-bench agents begin every command with `cd /testbed && `. */
const LEADING_CD = /^\s*(?:cd\s+(?:"[^"]*"|'[^']*'|\S+)\s*(?:&&|;)\s*)+/;

/**
 * Whether step `s` may have a gist worth reading it back for: a call, a reply or a message, whole
 * already or held with a line or span of at most GIST_READ_BYTES (`byteLength` of its PayloadSource).
 */
export function mayHaveGist(s: Step, payloads: Pick<PayloadSource, 'byteLength'> | undefined): boolean {
  return (s.kind === 'tool' || s.kind === 'llm' || s.kind === 'message') && (!payloads || payloads.byteLength(s) <= GIST_READ_BYTES);
}

/** The gist of step `s`, one line of at most GIST_MAX characters; undefined for a step of another kind, or with nothing to tell. */
export function stepGist(s: Pick<Step, 'kind' | 'toolCall' | 'output'> & Partial<Pick<Step, 'input' | 'name'>>): string | undefined {
  const text = s.kind === 'tool' ? callGist(s.toolCall) : s.kind === 'llm' ? firstLine(s.output) : s.kind === 'message' ? firstLine(s.input) ?? firstLine(s.output) : undefined;
  if (text === undefined) return undefined;
  // Trace text can be megabytes on one line: only the start of it is looked at.
  const line = text.trimStart().slice(0, SCANNED).replace(/\s+/g, ' ').trim();
  // A placeholder where the content was removed says nothing (the row's closed eye says it was).
  if (line === '' || isRedactionPlaceholder(line as unknown)) return undefined;
  if (s.kind === 'message' && namedBy(s.name, line)) return undefined;
  return line.length > GIST_MAX ? `${line.slice(0, GIST_MAX - 1)}…` : line;
}

/** Whether a message's name has its text already ("user: mix phx.server doesnt seem to start", cut with "…"). */
function namedBy(name: string | undefined, line: string): boolean {
  if (!name) return false;
  const shown = name.replace(/…$/, '').replace(/\s+/g, ' ');
  const start = line.slice(0, Math.min(line.length, 24));
  return shown.includes(start);
}

function callGist(call: Step['toolCall']): string | undefined {
  if (!call) return undefined;
  const args = call.arguments;
  const command = shellCommandText(args);
  if (command !== undefined) return patchGist(command) ?? commandGist(command, args);
  const telling = tellingArgument(args, TELLING_KEYS);
  return telling !== undefined ? patchGist(telling) ?? telling : scalarArguments(args);
}

/** A patch's files (`Update src/a.js, Add src/b.js`), read from its first lines; undefined for other text. */
function patchGist(text: string): string | undefined {
  const at = text.slice(0, SCANNED).indexOf(PATCH_START);
  if (at < 0) return undefined;
  const files = [...text.slice(at, at + 4 * SCANNED).matchAll(PATCH_FILE)].map((m) => `${m[1]} ${m[2].trim()}`);
  return files.length > 0 ? files.join(', ') : undefined;
}

/** A reply's or a message's first line of text, without Markdown's heading, quote and emphasis marks, or a rule's box-drawing lines, around it. */
function firstLine(payload: Step['output']): string | undefined {
  for (const m of payload?.messages ?? []) {
    const text = m.content ?? '';
    // Line by line up to the first that says something: a reply can be a whole file long.
    for (let start = 0; start < text.length;) {
      const end = text.indexOf('\n', start);
      const line = text.slice(start, Math.min(end < 0 ? text.length : end, start + SCANNED)).replace(/^[\s#>*_`=~\u2500-\u257f-]+/, '').replace(/[\s*_`=~\u2500-\u257f]+$/, '');
      if (/[\p{L}\p{N}]/u.test(line)) return line;
      start = end < 0 ? text.length : end + 1;
    }
  }
  return undefined;
}

function asRecord(args: unknown): Record<string, unknown> | undefined {
  return typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : undefined;
}

/**
 * A command line past its leading `cd`; an editor tool's sub-command (SWE-agent's and OpenHands'
 * `str_replace_editor`: `{command: "create", path, file_text}`) with the file it acts on.
 */
function commandGist(command: string, args: unknown): string {
  const start = command.trimStart().slice(0, SCANNED);
  const line = (start.replace(LEADING_CD, '') || start).trim();
  const file = /^\S+$/.test(line) ? tellingArgument(args, FILE_KEYS) : undefined;
  return file === undefined ? line : `${line} ${file}`;
}

function tellingArgument(args: unknown, keys: readonly string[]): string | undefined {
  const o = asRecord(args);
  if (!o) return undefined;
  for (const key of keys) {
    const v = o[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return undefined;
}

/** Otherwise the call's plain arguments as `key: value` (`city: Paris, days: 3`); undefined when it has none. */
function scalarArguments(args: unknown): string | undefined {
  const o = asRecord(args);
  if (!o) return undefined;
  const parts: string[] = [];
  let length = 0;
  for (const [key, v] of Object.entries(o)) {
    if (typeof v === 'string' ? v.trim() === '' : typeof v !== 'number' && typeof v !== 'boolean') continue;
    const part = `${key}: ${String(v).slice(0, SCANNED)}`;
    parts.push(part);
    length += part.length + 2;
    if (length > GIST_MAX) break;
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}
