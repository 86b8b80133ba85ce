import { escapeControlChars } from '../core/util/problems';

/** What every command returns; main() prints it. Keeping I/O out of commands makes them testable. */
export interface CommandResult {
  exitCode: number;
  stdout: string[];
  stderr: string[];
}

/**
 * What main() writes to the terminal, for every command: our own line breaks kept, anything else
 * that could steer a terminal escaped. (In `--json` output this turns a raw C1 control or bidi
 * override into a `\u` escape, which is still the same JSON string.)
 */
export function printableOutput(r: CommandResult): { stdout: string; stderr: string } {
  const print = (lines: string[]): string => (lines.length ? `${lines.map((l) => l.split('\n').map(escapeControlChars).join('\n')).join('\n')}\n` : '');
  return { stdout: print(r.stdout), stderr: print(r.stderr) };
}

/** Left-aligned text table with a header row; numbers right-aligned. Cells are trace text: escaped before measuring, so columns line up. */
export function table(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((r) => r.map((v) => escapeControlChars(String(v))))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'));
  const line = (r: string[]): string => r.map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)];
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
