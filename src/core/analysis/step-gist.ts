/**
 * A tool step's gist: what the call did, in a few words, shown beside its name in the step list
 * (`Bash  git status --short`, `Read  src/app.ts`, `web_search  success criteria for…`). A Claude
 * Code or Codex session is mostly calls of two or three tools: by name alone, its rows read
 * "Bash", "Bash", "exec_command"... Model replies and agent turns have none: their names say
 * what they are, and what they said is in the details.
 */
import type { Step } from '../model/schema';
import { shellCommandText } from '../formats/shell-exit';

/** The gist's longest length, in characters (the row cuts it to its width). */
export const GIST_MAX = 160;

/**
 * Arguments that say what a call is about, most telling first: a shell's command (shellCommandText
 * reads `command`, `cmd` and `script`; past a leading `cd <folder> &&`), a file tool's file, a
 * search's pattern or query (before the folder it searches), a fetch's URL, a sub-agent's task.
 */
const TELLING_KEYS = ['file_path', 'filePath', 'notebook_path', 'pattern', 'query', 'q', 'url', 'uri', 'path', 'filename', 'file', 'description', 'prompt', 'task', 'input', 'text'];

/** What names the file a call acts on. */
const FILE_KEYS = ['file_path', 'filePath', 'notebook_path', 'path', 'filename', 'file'];

/** The `cd <folder> &&` (or `;`) a command line starts with: SWE-bench agents begin every command with `cd /testbed && `. */
const LEADING_CD = /^\s*(?:cd\s+(?:"[^"]*"|'[^']*'|\S+)\s*(?:&&|;)\s*)+/;

/** The gist of step `s`, one line of at most GIST_MAX characters; undefined for a step that is no tool call, or a call without arguments to tell. */
export function stepGist(s: Pick<Step, 'kind' | 'toolCall'>): string | undefined {
  if (s.kind !== 'tool' || !s.toolCall) return undefined;
  const args = s.toolCall.arguments;
  const command = shellCommandText(args);
  const text = command !== undefined ? commandGist(command, args) : tellingArgument(args, TELLING_KEYS) ?? scalarArguments(args);
  if (text === undefined) return undefined;
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return line.length > GIST_MAX ? `${line.slice(0, GIST_MAX - 1)}…` : line;
}

function asRecord(args: unknown): Record<string, unknown> | undefined {
  return typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : undefined;
}

/**
 * A command line past its leading `cd`; an editor tool's sub-command (SWE-agent's and OpenHands'
 * `str_replace_editor`: `{command: "create", path, file_text}`) with the file it acts on.
 */
function commandGist(command: string, args: unknown): string {
  const line = (command.replace(LEADING_CD, '') || command).trim();
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
    const part = `${key}: ${String(v)}`;
    parts.push(part);
    length += part.length + 2;
    if (length > GIST_MAX) break;
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}
