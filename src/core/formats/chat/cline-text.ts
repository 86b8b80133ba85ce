/**
 * The text conventions of Cline and Roo Code conversation histories (`cline/cline`,
 * `src/core/assistant-message/parse-assistant-message.ts` and `src/core/prompts/responses.ts`;
 * `RooCodeInc/Roo-Code`, same paths): tool calls the model wrote as XML-ish tags in its text,
 * the header a tool result starts with, and the texts the extension writes when a tool failed.
 */
import { tryParseJson } from '../../json/depth';
import { isObject } from '../importer';
import { str } from './common';
import { setOwn } from '../../util/own-keys';
import { isAnsweringExit } from '../shell-exit';

/** Tool tags the XML parser recognizes (Cline's ClineDefaultTool values, and Roo Code's tools). */
export const CLINE_TOOL_NAMES: readonly string[] = [
  'execute_command', 'read_file', 'write_to_file', 'replace_in_file', 'search_files', 'list_files',
  'list_code_definition_names', 'browser_action', 'use_mcp_tool', 'access_mcp_resource', 'load_mcp_documentation',
  'ask_followup_question', 'attempt_completion', 'new_task', 'plan_mode_respond', 'act_mode_respond', 'focus_chain',
  'web_fetch', 'web_search', 'condense', 'summarize_task', 'report_bug', 'new_rule', 'apply_patch',
  'generate_explanation', 'use_skill', 'use_subagents',
  // Roo Code
  'apply_diff', 'insert_content', 'search_and_replace', 'switch_mode', 'fetch_instructions', 'codebase_search',
  'update_todo_list', 'run_slash_command', 'generate_image', 'edit_file', 'search_replace',
];

/** Parameters whose value may itself hold tags (file content, diffs): closed at their last closing tag. */
const GREEDY_PARAMS = new Set(['content', 'diff']);

const TOOL_OPEN = new RegExp(`<(${CLINE_TOOL_NAMES.join('|')})>`, 'g');

export interface XmlToolCall {
  name: string;
  params: Record<string, string>;
  /** The closing tag was missing (the response was cut off); Cline still ran such a call. */
  partial: boolean;
}

/** An assistant text split into what the model said and the tool calls written in it. */
export function parseXmlToolCalls(text: string): { text: string; calls: XmlToolCall[] } {
  const calls: XmlToolCall[] = [];
  const said: string[] = [];
  let at = 0;
  TOOL_OPEN.lastIndex = 0;
  for (let m = TOOL_OPEN.exec(text); m; m = TOOL_OPEN.exec(text)) {
    said.push(text.slice(at, m.index));
    const name = m[1];
    const { params, end, partial } = readParams(text, m.index + m[0].length, name);
    calls.push({ name, params, partial });
    at = end;
    TOOL_OPEN.lastIndex = end;
  }
  said.push(text.slice(at));
  return { text: said.join('').trim(), calls };
}

function readParams(text: string, start: number, tool: string): { params: Record<string, string>; end: number; partial: boolean } {
  const params: Record<string, string> = {};
  const close = `</${tool}>`;
  const paramOpen = /<([a-zA-Z_][a-zA-Z0-9_]*)>/y;
  let p = start;
  for (;;) {
    while (p < text.length && /\s/.test(text[p])) p++;
    if (p >= text.length) return { params, end: text.length, partial: true };
    if (text.startsWith(close, p)) return { params, end: p + close.length, partial: false };
    paramOpen.lastIndex = p;
    const m = paramOpen.exec(text);
    if (!m) {
      // Stray text inside the tool: skip to the next tag.
      const next = text.indexOf('<', p + 1);
      if (next < 0) return { params, end: text.length, partial: true };
      p = next;
      continue;
    }
    const name = m[1];
    const valueStart = p + m[0].length;
    const paramClose = `</${name}>`;
    let valueEnd = text.indexOf(paramClose, valueStart);
    if (valueEnd >= 0 && GREEDY_PARAMS.has(name)) {
      const toolEnd = text.indexOf(close, valueEnd);
      const last = text.lastIndexOf(paramClose, toolEnd >= 0 ? toolEnd : text.length);
      if (last > valueEnd) valueEnd = last;
    }
    if (valueEnd < 0) {
      setOwn(params, name, text.slice(valueStart).trim());
      return { params, end: text.length, partial: true };
    }
    setOwn(params, name, text.slice(valueStart, valueEnd).trim());
    p = valueEnd + paramClose.length;
  }
}

/**
 * `[execute_command for 'npm test'] Result:` (Cline, Roo Code): the tool's name, what the
 * description says it acted on, and the result text after the header (empty when the result is in
 * the blocks that follow, as older versions wrote it).
 */
export function resultHeader(text: string): { tool: string; target?: string; rest: string } | undefined {
  // The target may span lines (a multi-line command or question).
  const m = /^\[([a-zA-Z_][\w.-]*)(?::? ([\s\S]*?))?\] Result:[ \t]*\n?/.exec(text);
  if (!m) return undefined;
  let target = m[2];
  const quoted = target ? /^for ['"]([\s\S]*)['"]$/.exec(target) : null;
  if (quoted) target = quoted[1];
  return { tool: m[1], ...(target ? { target } : {}), rest: text.slice(m[0].length) };
}

/** Texts the extension writes in place of a result for a call it did not run. */
export function notExecutedCall(text: string): { tool: string; reason: string } | undefined {
  let m = /^Tool \[([\w.-]+)\] was not executed because a tool has already been used in this message\./.exec(text);
  if (m) return { tool: m[1], reason: 'NotExecuted' };
  m = /^Skipping tool \[([\w.-]+)[\s\S]*? due to user rejecting a previous tool\./.exec(text);
  if (m) return { tool: m[1], reason: 'Skipped' };
  return undefined;
}

export interface ResultVerdict {
  error?: { type: string; message: string };
  exitCode?: number;
}

/**
 * Whether a tool result says the call failed, and the error text the extension recorded.
 * `command`: the command line of an execute_command call (a search that found nothing answered).
 */
export function judgeResult(raw: string, command?: string): ResultVerdict {
  const text = raw.trimStart();
  let m = /^The tool execution failed with the following error:\s*<error>\s*([\s\S]*?)\s*<\/error>/.exec(text);
  if (m) return { error: { type: 'ToolError', message: m[1] || text } };
  m = /^Command (?:failed with exit code (-?\d+)\.|executed successfully \(exit code (\d+)\)\.)/.exec(text);
  if (m) return exitVerdict(Number(m[1] ?? m[2]), text, command);
  // Roo Code: "Command executed in terminal within working directory '…'. [Command execution was not successful…\n]Exit code: N"
  m = /^Command executed in terminal[^\n]*?(?:\n[^\n]*?)?Exit code: (-?\d+)/.exec(text);
  if (m) return exitVerdict(Number(m[1]), text, command);
  if (/^(Command|Process) terminated by signal /.test(text) || /^Command executed in terminal[^\n]*Process terminated by signal /.test(text)) {
    return { error: { type: 'Signal', message: text } };
  }
  const rules: [RegExp, string][] = [
    [/^The user denied this operation/, 'Denied'],
    [/^Command cancelled\./, 'Cancelled'],
    [/^Command execution blocked by /, 'PermissionDenied'],
    [/^Access to .{1,2000}? is blocked by the \.(cline|roo)ignore file settings/, 'Blocked'],
    [/^Missing value for required parameter '/, 'MissingParameter'],
    [/^Failed to (write to|edit) '/, 'ToolError'],
    [/^The '[\w]+' parameter was empty\./, 'MissingParameter'],
    [/^Invalid JSON argument used with /, 'InvalidArguments'],
    [/^Tool \[[\w.-]+\] has been called \d+ times consecutively with identical arguments/, 'RepeatedCall'],
  ];
  for (const [re, type] of rules) if (re.test(text)) return { error: { type, message: text.trim() } };
  // Roo Code writes its refusals as JSON: {"status":"error","message":"…","error":"…"}.
  if (text.startsWith('{"status":')) {
    const v = tryParseJson(text)?.value;
    if (isObject(v) && (v.status === 'error' || v.status === 'denied')) {
      const message = str(v.error) ?? str(v.message) ?? str(v.feedback) ?? text;
      return { error: { type: str(v.type) ?? (v.status === 'denied' ? 'Denied' : 'ToolError'), message } };
    }
  }
  return {};
}

function exitVerdict(exitCode: number, text: string, command: string | undefined): ResultVerdict {
  return exitCode === 0 || isAnsweringExit(command, exitCode, text) ? { exitCode } : { exitCode, error: { type: 'ExitCode', message: text.trim() } };
}

/** The reminder Cline and Roo send when a response used no tool: the response failed the protocol. */
export function isNoToolUsedReminder(text: string): boolean {
  return text.trimStart().startsWith('[ERROR] You did not use a tool in your previous response!');
}
