/**
 * Exit statuses that answer a question rather than report a failure: `grep` (and `rg`, `ag`,
 * `ack`, `git grep`) exits 1 when nothing matched, `diff` and `cmp` when the files differ, `test`
 * and `[` when the test is false. An agent that searches for a name that is not there has not
 * failed; the shared mini-swe-agent runs had five such searches reported as tool failures.
 *
 * Only the command whose status the shell returns counts: the last of a `&&`, `||` or `;` list,
 * the last of its pipeline. And only when the output reads as no error: `cd missing && grep x f`
 * exits 1 from the `cd`, with "No such file or directory" in its output.
 */

/** Commands whose exit status 1 means "no" (no match, the files differ, the test is false). */
const ANSWERING = new Set(['grep', 'egrep', 'fgrep', 'zgrep', 'rg', 'ag', 'ack', 'diff', 'cmp', 'test', '[', '[[']);

/** Words before a command that run it and return its status. */
const WRAPPERS = new Set(['sudo', 'command', 'env', 'time', 'nice', 'nohup', 'exec']);

/** What a failure of the shell itself, or of an earlier command of the list, writes. */
const FAILURE_TEXT = /No such file or directory|command not found|Permission denied|cannot access|Not a directory|Is a directory|syntax error|unexpected (?:token|EOF)|Traceback \(most recent call last\)/i;

/** Whether `command` exiting with `exitCode` and writing `output` answered "no" rather than failed (see above). */
export function isAnsweringExit(command: string | undefined, exitCode: number | undefined, output: string): boolean {
  if (exitCode !== 1 || command === undefined) return false;
  const program = statusProgram(command);
  return program !== undefined && ANSWERING.has(program) && !FAILURE_TEXT.test(output);
}

/**
 * The program whose exit status a command line returns: the first word of the last command of
 * the last pipeline, past variable assignments and wrappers (`sudo`, `timeout 10`, `git grep`
 * gives `grep`). Undefined when it cannot be told (an empty line, a trailing `&`).
 */
export function statusProgram(command: string): string | undefined {
  const { commands, complete } = simpleCommands(command);
  if (!complete || commands.length === 0) return undefined;
  const words = commandWords(commands[commands.length - 1]);
  const at = programAt(words);
  if (at === undefined) return undefined;
  const program = programName(words[at]);
  return program === 'git' && words[at + 1] === 'grep' ? 'grep' : program;
}

/** Commands that only prepare the one a command line is run for: `cd /testbed && pytest` is a pytest. */
const PREPARING = new Set(['cd', 'pushd', 'popd', 'export', 'source', '.', 'set', 'unset', 'alias', 'ulimit', 'umask', 'shopt']);

/**
 * The program a command line is run for, to name its step: the first command that does more than
 * prepare (`cd`, `export`, `source`...), past variable assignments and wrappers, without its
 * folder (`cd /testbed && /usr/bin/python3 -m pytest` gives `python3`); the first command's when
 * every one only prepares. Undefined for a line without a command.
 */
export function commandProgram(command: string): string | undefined {
  let first: string | undefined;
  for (const text of simpleCommands(command).commands) {
    const words = commandWords(text);
    const at = programAt(words);
    if (at === undefined) continue;
    const program = programName(words[at]);
    first ??= program;
    if (!PREPARING.has(program)) return program;
  }
  return first;
}

function commandWords(text: string): string[] {
  return text.trim().split(/\s+/);
}

/** Where the program is among a simple command's words: past variable assignments and wrappers. */
function programAt(words: readonly string[]): number | undefined {
  for (let i = 0; ;) {
    const w = words[i];
    if (w === undefined || w === '') return undefined;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || WRAPPERS.has(w)) { i++; continue; }
    // `timeout 10 grep ...`, `timeout -s KILL 5s grep ...`: the duration is the first word that starts with a digit.
    if (w === 'timeout') {
      i++;
      while (words[i] !== undefined && !/^\d/.test(words[i])) i++;
      i++;
      continue;
    }
    return i;
  }
}

const programName = (word: string): string => word.replace(/^.*\//, '');

/**
 * The simple commands of a command line, in order: split at unquoted `;`, `&&`, `||`, `|` and
 * line breaks, blank ones left out. At a here-document or a background job (too much shell to
 * read here) it stops, `complete` false: the commands before it are given, the one it is in with
 * what comes before it (`cat <<EOF > f.py` gives `cat`).
 */
function simpleCommands(command: string): { commands: string[]; complete: boolean } {
  const commands: string[] = [];
  const add = (piece: string): void => {
    if (piece.trim() !== '') commands.push(piece);
  };
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\\') { i++; continue; }
    if (c === '"' || c === "'") { quote = c; continue; }
    const background = c === '&' && command[i + 1] !== '&' && command[i - 1] !== '&' && command[i - 1] !== '>' && command[i + 1] !== '>';
    if ((c === '<' && command[i + 1] === '<') || background) {
      add(command.slice(start, i));
      return { commands, complete: false };
    }
    const separator = c === ';' || c === '\n' || c === '|' || (c === '&' && command[i + 1] === '&');
    if (!separator) continue;
    add(command.slice(start, i));
    if ((c === '|' && command[i + 1] === '|') || c === '&') i++;
    start = i + 1;
  }
  add(command.slice(start));
  return { commands, complete: true };
}

/**
 * The command line of a shell tool call's arguments, as the producers write them: a string, or an
 * object's `command`, `cmd` or `script` (a string, or an argv such as `["bash", "-lc", "grep x f"]`,
 * whose script is what the shell runs). Undefined when the arguments hold none.
 */
export function shellCommandText(args: unknown): string | undefined {
  if (typeof args === 'string') return args;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
  const o = args as Record<string, unknown>;
  const value = o.command ?? o.cmd ?? o.script;
  if (typeof value === 'string') return value;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return undefined;
  const argv = value as string[];
  if (argv.length === 3 && /(?:^|\/)(?:ba|z|da)?sh$/.test(argv[0]) && /^-l?c$/.test(argv[1])) return argv[2];
  return argv.join(' ');
}
