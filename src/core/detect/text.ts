/**
 * Error-text classification. Many sources have no error flag (OpenAI chat tool messages) or a
 * generic one (smolagents AgentExecutionError wrapping a TypeError), so the category comes from
 * the text: exception types, framework phrases, HTTP status codes and errno codes. Patterns are
 * tried most specific first; the first match wins. Inputs are untrusted and possibly huge, so
 * only a bounded prefix and suffix are scanned (the exception type sits at one end or the other).
 */

export interface Classified {
  category: string;
  /** Short reason shown in evidence ("HTTP 429", "FileNotFoundError"...). */
  signal: string;
}

const SCAN = 4000;

/** Head and tail of a long text: error types are usually at the start (message) or the end (traceback). */
export function bounded(text: string): string {
  return text.length <= 2 * SCAN ? text : `${text.slice(0, SCAN)}\n…\n${text.slice(-SCAN)}`;
}

/** The model's output was rejected by the framework's parser. */
export const FORMAT_REJECTED = /Error in code parsing|code snippet is invalid|regex pattern .{0,80} was not found|Code parsing failed|Could not parse (LLM )?output|OutputParserException|output was not formatted correctly|format(ting)? error|FormatError|AgentParsingError|invalid action|Invalid Action|did not (contain|include) a valid (action|tool call|code block)|no (valid )?(code block|action) (was )?found|SyntaxError|IndentationError/;

const ARGS = /unexpected keyword argument|missing \d+ required (positional |keyword-only )?arguments?|takes \d+ positional arguments? but|got multiple values for argument|Invalid (params|arguments?)|-32602|validation errors? for|ValidationError|argument .{1,40} is required|required (property|parameter|argument) .{0,40}missing|missing required (property|parameter|argument)|wrong (number|type) of arguments|arguments? (are|is) not valid JSON/i;
const UNKNOWN_TOOL = /unknown tool|tool .{1,60} (does not exist|not found|is not available)|no such tool|No such function name|not a valid tool|-32601|Forbidden function evaluation|is not among the explicitly allowed tools|is not defined\b.{0,40}tool/i;
/** JSON-RPC's "Method not found", as written: in any case it read "payment method not found" (tau-bench) as an unknown tool. */
const NO_SUCH_METHOD = /\bMethod not found\b/;

/**
 * An HTTP status code standing as one: not a traceback's "line 429", a path's "/404/", a version's
 * "1.401" or a longer number. `codes` is a regular expression's alternatives.
 */
function statusCode(codes: string): string {
  return `(?<![\\w/.-]|line )(?:${codes})(?![\\w/]|[.,:-]\\d)`;
}
const STEP_LIMIT = /max(imum)?[ _-]?(number of )?(iterations?|steps|turns)( reached| exceeded)?|(step|iteration|turn|recursion)[ _-]?limit|(stopped|halted|terminated) after \d+ (iterations|steps|turns)|Reached max steps|GraphRecursionError|MaxTurnsExceeded|stopped due to iteration limit/i;
const CONTEXT = /context[_ ]length[_ ]exceeded|maximum context length|context window|prompt is too long|too many tokens|input is too long|exceeds? the (model'?s )?(maximum|max) (context|token)/i;
const RESOURCE = /MemoryError|out of memory|\bOOM\b|OOMKilled|ENOSPC|No space left on device|disk quota exceeded|Cannot allocate memory/i;
const RATE = new RegExp(`${statusCode('429')}|rate[ _-]?limit|too many requests|RateLimitError|quota exceeded|ResourceExhausted|throttl`, 'i');
const ENV = /ModuleNotFoundError|No module named|ImportError|command not found|: \d+: [\w.+-]+: not found\b|No matching distribution found|Could not find a version that satisfies|exit (?:code|status) 127\b|not installed|executable not found|api[ _-]?key.{0,40}(missing|not (set|found|provided)|invalid|required)|(missing|no|invalid) api[ _-]?key|environment variable .{0,40}(not set|missing)/i;
const AUTH = new RegExp(`${statusCode('40[13]')}|EACCES|EPERM|permission denied|PermissionError|unauthori[sz]ed|forbidden|access denied|authentication (failed|error)|AuthenticationError|invalid (credentials|token)`, 'i');
const NOT_FOUND = new RegExp(`${statusCode('404')}|ENOENT|FileNotFoundError|No such file or directory|NotFound|not found|does not exist`, 'i');
const HTTP_5XX = /\b(HTTP|status(?: code)?|error)\W{0,3}(5\d\d)\b|\b(5\d\d) (Server Error|Internal Server Error|Bad Gateway|Service Unavailable)|InternalServerError|ServiceUnavailable|APIConnectionError|overloaded/i;
const TIMEOUT = new RegExp(`time[ _-]?out|timed out|deadline exceeded|DeadlineExceeded|${statusCode('408|504')}|exit (?:code|status):? 124\\b`, 'i');

/**
 * A Python traceback's frames: each `File "...", line N, in f` line, the line of code under it and
 * its `^^^` markers. They are the program's code, not what happened: the code of a frame reads
 * `timeout=timeout` or `except KeyError`, and the frame's "line 429" is no HTTP status. The
 * exception line under them and the program's own output stay.
 */
const TRACEBACK_FRAME = /^[ \t]*File "[^"\n]*", line \d+[^\n]*\n(?:[ \t]+(?!File ")[^\n]*\n)?(?:[ \t]*[~^]+[ \t]*\n)?/gm;

/** Markdown code blocks (```...```): code, not what a message says. */
const CODE_BLOCK = /```[^\n`]*\n[\s\S]*?```/g;

export function withoutCodeBlocks(text: string): string {
  return text.includes('```') ? text.replace(CODE_BLOCK, ' ') : text;
}

export function withoutTracebackFrames(text: string): string {
  return text.includes('File "') ? text.replace(TRACEBACK_FRAME, '') : text;
}

/**
 * Category for an error (type + message). Specific phrases first, then generic codes: a 401 that
 * mentions an API key is setup, not a random auth failure; "Forbidden function" is an unknown
 * tool, not HTTP 403.
 */
export function classifyError(text: string, extraTimeout?: RegExp): Classified {
  const t = withoutTracebackFrames(bounded(text));
  const m = (re: RegExp): string | undefined => re.exec(t)?.[0];
  let s: string | undefined;
  if ((s = m(STEP_LIMIT))) return { category: 'ORCH.STEP_LIMIT', signal: s };
  if ((s = m(CONTEXT))) return { category: 'SYS.CONTEXT_OVERFLOW', signal: s };
  if ((s = m(UNKNOWN_TOOL) ?? m(NO_SUCH_METHOD))) return { category: 'TOOL.UNKNOWN', signal: s };
  if ((s = m(ARGS))) return { category: 'TOOL.ARGS_INVALID', signal: s };
  if ((s = m(FORMAT_REJECTED))) return { category: 'OUT.FORMAT', signal: s };
  if ((s = m(RESOURCE))) return { category: 'SYS.RESOURCE', signal: s };
  if ((s = m(RATE))) return { category: 'TOOL.RATE_LIMIT', signal: s };
  if ((s = m(ENV))) return { category: 'SYS.ENV_SETUP', signal: s };
  if ((s = m(TIMEOUT)) || (extraTimeout && (s = m(extraTimeout)))) return { category: 'TOOL.TIMEOUT', signal: s! };
  if ((s = m(AUTH))) return { category: 'TOOL.AUTH', signal: s };
  if ((s = m(NOT_FOUND))) return { category: 'TOOL.NOT_FOUND', signal: s };
  if ((s = m(HTTP_5XX))) return { category: 'TOOL.RUNTIME', signal: s };
  return { category: 'TOOL.RUNTIME', signal: 'error' };
}

/**
 * Does an unflagged tool output read as an error? Only strong signals, matched case-sensitively
 * so that prose does not count ("Error rates fell", "Failed login attempts", "error handling
 * guide" are not failures): a leading "Error:" / "ERROR" / "Failed to", an exception name
 * followed by a colon, a Python traceback, an HTTP error status, a JSON error object whose error
 * is not empty, a JSON-RPC error code.
 *
 * Two expressions, not one: the signals at the start of the output (anchored) and those anywhere
 * in it. As one alternation every position of the text tried every alternative; split, the
 * anchored ones are tried once (100,000 outputs of 1-2 KB: 79 ms against 205 ms).
 */
const OUTPUT_ERROR_AT_START = new RegExp([
  // {"error": "…"}, but not {"error": "", "response": …} (ToolBench's success shape)
  String.raw`^\s*\{\s*"[Ee]rror"\s*:(?!\s*(?:""|null\b|false\b|\{\s*\}|\[\s*\]))`,
  // "Error: …", "error: …", "Tool error - …", "ERROR …"
  String.raw`^\s*(?:[A-Za-z]+ )?(?:[Ee]rror|ERROR)\s*[:!-]|^\s*ERROR\b`,
  // "Error in sending the GET request: …", "Error executing tool x: …"
  String.raw`^\s*Error (?:in|while|when|during|executing|calling|running|processing|fetching|sending|reading|writing|parsing|loading|opening|connecting)\b[^\n]{0,200}:`,
  // "ValueError: …", "requests.exceptions.HTTPError: …", "Exception: …"
  String.raw`^\s*(?:[\w]+\.)*(?:[A-Z]\w*)?(?:Error|Exception)\s*:`,
  String.raw`^\s*(?:[Ff]ailed (?:to|with)\b|Failed\s*[:!]|FAILED\b)|^\s*(?:[Ff]atal|FATAL)\s*:`,
  String.raw`^\s*[45]\d\d (?:Bad Request|Unauthori[sz]ed|Payment Required|Forbidden|Not Found|Method Not Allowed|Not Acceptable|Request Time-?out|Conflict|Gone|Unprocessable|Too Many Requests|Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Time-?out)\b`,
].join('|'));

const OUTPUT_ERROR_ANYWHERE = new RegExp([
  String.raw`Traceback \(most recent call last\)`,
  String.raw`\b(?:HTTP\/\d(?:\.\d)?|[Ss]tatus(?: code)?:?)\s*[45]\d\d\b|\b[45]\d\d (?:Client|Server) Error\b`,
  String.raw`"code"\s*:\s*-326\d\d`,
].join('|'));

/**
 * A script runner's result that opens by saying the script exited 0 (Magentic-One's "The script
 * ran, then exited with Unix exit code: 0", AutoGen's "exitcode: 0 (execution succeeded)"): what
 * follows is the script's output, which may quote a traceback (a fetched bug report's) without
 * anything having failed. Not a shell line's status (mini-swe-agent's `<returncode>0`): that is
 * often a pipeline's last program's (`python setup.py 2>&1 | tail`), which says nothing of the
 * Python that failed before it.
 */
const SCRIPT_SUCCEEDED_AT_START = /^\s*(?:The script ran, then exited with Unix exit code: 0\b|exitcode: 0 \(execution succeeded\))/;

export function looksLikeErrorOutput(text: string): boolean {
  const t = text.length > 2 * SCAN ? bounded(text) : text;
  if (SCRIPT_SUCCEEDED_AT_START.test(t)) return false;
  return OUTPUT_ERROR_AT_START.test(t) || OUTPUT_ERROR_ANYWHERE.test(t);
}

/** Did the model's reply acknowledge a failure (or decide to change course)? */
const ACK = /(different|another|correct|new|better|alternative) (approach|way|method|tool)|error|fail|exception|could ?n[o']t|cannot|can't|unable|(?:not|n't) (found|available|supported|exist|work|enough|sufficient|eligible|valid|possible|allowed)|no longer|doesn't|does not|issue|problem|retry|try (again|a different|another|one more time)|instead|apolog|sorry|\bfix|wrong|invalid|incorrect|missing|denied|timed? ?out/i;

export function acknowledgesFailure(text: string): boolean {
  return ACK.test(bounded(text));
}

/** Lower-case words of letters (ids, numbers and punctuation dropped). */
function wordsOf(text: string): string[] {
  return text.toLowerCase().split(/[^a-z\d']+/).filter((w) => w !== '' && !/\d/.test(w));
}

/**
 * Does the reply restate the error in its own words, three of the error's words in a row ("It
 * seems there are not enough seats available" after "Error: not enough seats on flight HAT229")?
 * A reply that says what failed has not ignored it, whether or not it says "error". Only the
 * error's first line counts, and a run of at least ten letters (not "is not a").
 */
export function restatesError(reply: string, errorText: string): boolean {
  const error = wordsOf(errorText.split('\n', 1)[0].slice(0, 300));
  if (error.length < 3) return false;
  const said = ` ${wordsOf(bounded(reply)).join(' ')} `;
  for (let i = 0; i + 3 <= error.length; i++) {
    const phrase = error.slice(i, i + 3);
    if (phrase.join('').length >= 10 && said.includes(` ${phrase.join(' ')} `)) return true;
  }
  return false;
}

/** An empty value written as text: "null", Python's "None", "[]", "{}", quotes. */
const BLANK_TEXT = /^\s*(null|none|undefined|\[\s*\]|\{\s*\}|""|'')?\s*$/i;
const NO_RESULTS = /^\s*no (results?|matches|items|data|documents?|records?)( were)?( found)?\b|\b(found|returned) 0 (results|matches|items)\b|^\s*No results found/i;

export function isEmptyResult(value: unknown): boolean {
  if (value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value as object).length === 0;
  if (typeof value === 'string') return value.length < 300 && (BLANK_TEXT.test(value) || NO_RESULTS.test(value));
  return false;
}

/** A short text that says nothing was found ("No results found", "returned 0 matches"); an empty value written as text ("None") does not. */
export function saysNoResults(value: unknown): boolean {
  return typeof value === 'string' && value.length < 300 && NO_RESULTS.test(value);
}

/** One line of evidence: collapsed whitespace, bounded length. */
export function clip(text: string, max = 300): string {
  const t = (text.length > max * 4 ? text.slice(0, max * 4) : text).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * Stable text for comparing calls: keys sorted, strings trimmed, undefined as null. Every tool
 * call of a run passes here: most arguments are canonical already and go to one native
 * `JSON.stringify` as they are; others are copied in canonical form first.
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonicalValue(v)) ?? 'null';
}

/** The value itself when it is canonical, else a canonical copy (only the parts that differ are new). */
function canonicalValue(v: unknown): unknown {
  if (typeof v === 'string') return v.trim();
  if (v === undefined) return null;
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const c = canonicalValue(v[i]);
      if (c !== v[i]) (copy ??= v.slice())[i] = c;
    }
    return copy ?? v;
  }
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record);
  let changed = !inOrder(keys);
  const values = keys.map((k) => {
    const c = canonicalValue(record[k]);
    if (c !== record[k]) changed = true;
    return c;
  });
  if (!changed) return v;
  const order = keys.map((_, i) => i).sort((i, j) => (keys[i] < keys[j] ? -1 : keys[i] > keys[j] ? 1 : 0));
  // No prototype: a key "__proto__" (JSON.parse makes it an own key) stays a key.
  const copy: Record<string, unknown> = Object.create(null);
  for (const i of order) copy[keys[i]] = values[i];
  return copy;
}

/** Are these keys already in the order `sort()` gives (UTF-16 code units)? */
function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

/**
 * A model provider's failure, named the way its SDK names it (`litellm.Timeout`,
 * `openai.APIConnectionError`, `anthropic.InternalServerError`, Anthropic's `overloaded_error`).
 * Where such a text is a run's final error or an agent-level error, the model call failed, not a
 * tool: the run's harness died waiting for the model.
 */
const PROVIDER_FAILURE = /\b(?:litellm|openai|anthropic|mistralai|groq|cohere|google\.genai\.errors|google\.api_core\.exceptions)\.(?:\w+\.)*(?:[A-Z]\w*(?:Error|Exception)|\w*Timeout)\b|\boverloaded_error\b|\bAPI(?:Connection|Timeout)Error\b/;

export function providerFailure(text: string): string | undefined {
  return PROVIDER_FAILURE.exec(bounded(text))?.[0];
}

/**
 * The model's reply was rejected by the harness's parser (Harbor terminus: "Previous response
 * had parsing errors", recorded as a ParseError), on top of FORMAT_REJECTED's phrases. Used for
 * failed model steps only: a tool's own ParseError (an XML parser) is not the model's output.
 */
const REPLY_REJECTED = /\bParseError\b|\bpars(?:e|ing) errors?\b|could not be parsed|No valid JSON found|Invalid JSON/i;

export function replyRejected(text: string): string | undefined {
  const t = bounded(text);
  return REPLY_REJECTED.exec(t)?.[0] ?? FORMAT_REJECTED.exec(t)?.[0];
}

/**
 * A harness's own reason for ending a run before the agent finished: SWE-agent / mini-swe-agent
 * exit statuses (`exit_cost`, `exit_context`, `exit_format`, `LimitsExceeded`, "submitted
 * (exit_cost)"), Inspect sample limits (`message_limit`, `time_limit`...), OpenHands' max
 * iterations. A step or budget limit is ORCH.STEP_LIMIT; any other cut-off ORCH.PREMATURE_STOP.
 */
const HARNESS_BUDGET = /\bexit_(?:cost|step_limit)\b|\bLimitsExceeded\b|\b(?:message|token|cost|turn|step)s?_limit\b|\bmax(?:imum)?[ _-]?(?:number of )?(?:iterations?|steps|turns)\b|\b(?:step|iteration|turn)[ _-]?limit\b/i;
const HARNESS_CUTOFF = /\bexit_(?:context|format|command_timeout|total_execution_time|forfeit)\b|\b(?:time|working)_limit\b/i;

export function harnessCutoff(text: string): { category: 'ORCH.STEP_LIMIT' | 'ORCH.PREMATURE_STOP'; reason: string } | undefined {
  const t = bounded(text);
  const budget = HARNESS_BUDGET.exec(t)?.[0];
  if (budget) return { category: 'ORCH.STEP_LIMIT', reason: budget };
  const other = HARNESS_CUTOFF.exec(t)?.[0];
  return other ? { category: 'ORCH.PREMATURE_STOP', reason: other } : undefined;
}

/**
 * Does a successful call change the workspace (so running the same command again afterwards is
 * not a blind retry)? Editor tools other than viewing, tools named for writing, and shell
 * commands that edit files, apply patches, move or delete files, or install packages.
 */
const WRITE_TOOL = /edit|write|patch|replace|create|insert|append|save|delete|remove|rename|move|mkdir|upload/i;
const READ_COMMAND = /^(?:view|read|show|list|find|search|cat|get)\b/i;
const SHELL_WRITE = new RegExp([
  String.raw`\bsed\s+(?:-\w*\s+)*-i`, String.raw`\bperl\s+-\w*i`, String.raw`\btee\b`,
  // A redirect into a file (not 2>&1, not /dev/null).
  String.raw`(?<![0-9&>])>>?\s*(?!&|\/dev\/null)["']?[\w./~$-]`,
  String.raw`\bgit\s+(?:apply|am|checkout|restore|reset|stash|commit|merge|rebase|cherry-pick|revert|mv|rm)\b`,
  String.raw`\bpatch\s`, String.raw`(?:^|[;&|]\s*|\s)(?:mv|cp|rm|touch|mkdir|rmdir|ln|chmod|install|truncate|dd)\s`,
  String.raw`\b(?:pip3?|uv\s+pip|npm|yarn|pnpm|apt(?:-get)?|conda|cargo|go)\s+(?:install|add|i)\b`, String.raw`\bapply_patch\b`,
  String.raw`\.write(?:_text|_bytes)?\(|open\([^)]*,\s*["'][wa]`,
].join('|'));

export function changesWorkspace(toolName: string, args: unknown): boolean {
  const a = typeof args === 'object' && args !== null && !Array.isArray(args) ? args as Record<string, unknown> : undefined;
  const shell = typeof args === 'string' ? args : [a?.command, a?.cmd, a?.script, a?.code, a?.input].find((v): v is string => typeof v === 'string');
  // An editor tool's sub-command (str_replace_editor view / str_replace / create).
  if (a && typeof a.command === 'string' && /edit/i.test(toolName) && /^\w+$/.test(a.command.trim())) return !READ_COMMAND.test(a.command.trim());
  if (WRITE_TOOL.test(toolName) && !READ_COMMAND.test(toolName)) return true;
  return shell !== undefined && SHELL_WRITE.test(shell.length > 2 * SCAN ? bounded(shell) : shell);
}
