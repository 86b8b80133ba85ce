/**
 * Text written for a terminal (a command's output, Claude Code's local command output) carries
 * ANSI escape sequences: colours, bold, cursor moves. Shown as text they are noise ("␛[1mDefault
 * (recommended)␛[22m"); what is shown leaves them out. Raw JSON keeps them (as `\u001b`), and
 * search and exports see the text as the trace has it.
 */

// A CSI sequence (ESC [ parameters, intermediates, final byte), an OSC string (ESC ], ended by BEL
// or ESC \), a two-character escape (ESC and one byte from @ to _), or the start of one where a
// shortened text ends.
// eslint-disable-next-line no-control-regex -- ESC and BEL are what this matches
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*(?:[@-~]|$)|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_]|$)/g;

export function withoutTerminalEscapes(text: string): string {
  return text.includes('\u001b') ? text.replace(ESCAPE_SEQUENCE, '') : text;
}
