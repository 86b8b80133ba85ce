/**
 * How far a long read has got, on one terminal line rewritten in place ("agent-trace: reading
 * big.jsonl… 43%") and cleared before the command prints its answer. A file of 10^6 steps takes
 * 20-60 s; without it the command sat silent that long. Written only to a terminal (never into a
 * pipe or a file the output goes to), only once a read has taken half a second (small files print
 * at once, with no flicker), and at most every tenth of a second.
 */
import { writeSync } from 'node:fs';
import { escapeControlChars } from '../core/util/problems';

export interface Progress {
  /** `fraction` (0 to 1) of the work `what` names ("reading big.jsonl") is done. */
  update(what: string, fraction: number): void;
  /** Remove the line (before the command's own output). */
  clear(): void;
}

export const NO_PROGRESS: Progress = { update: () => undefined, clear: () => undefined };

/** Where the line goes: a terminal, its width when known. */
export interface ProgressSink {
  write(text: string): void;
  columns?: number;
}

/** Nothing is shown before this much time has passed (ms). */
const SHOW_AFTER_MS = 500;
/** Shortest time between two writes (ms). */
const EVERY_MS = 100;

export function terminalProgress(sink: ProgressSink, now: () => number = Date.now, showAfterMs = SHOW_AFTER_MS): Progress {
  const started = now();
  let shown = '';
  let lastWrite = 0;
  return {
    update(what, fraction) {
      const t = now();
      // An empty file's share (0 of 0 bytes) says nothing.
      if (!Number.isFinite(fraction) || t - started < showAfterMs || t - lastWrite < EVERY_MS) return;
      const percent = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
      // One line, never wrapped (a wrapped line is not rewritten by \r): cut to the terminal's width.
      const width = Math.max(20, (sink.columns || 80) - 1);
      const tail = `… ${percent}%`;
      const line = `agent-trace: ${escapeControlChars(what)}`.slice(0, width - tail.length) + tail;
      if (line === shown) return;
      sink.write(`\r${line}${' '.repeat(Math.max(0, shown.length - line.length))}`);
      shown = line;
      lastWrite = t;
    },
    clear() {
      if (!shown) return;
      sink.write(`\r${' '.repeat(shown.length)}\r`);
      shown = '';
    },
  };
}

/**
 * The environment variable that gives a relaunched CLI (heap.ts) the descriptor of its parent's
 * terminal: the child's own stderr is a pipe the parent reads when it ends.
 */
export const PROGRESS_FD_ENV = 'AGENT_TRACE_PROGRESS_FD';
/** And that terminal's width. */
export const PROGRESS_COLUMNS_ENV = 'AGENT_TRACE_PROGRESS_COLUMNS';

/**
 * This process's progress line: on stderr when it is a terminal, or on the terminal a relaunching
 * parent passed. Tests set AGENT_TRACE_TEST_PROGRESS_AT_ONCE to see it on a file read in less than
 * the half second it waits.
 */
export function processProgress(): Progress {
  const showAfterMs = process.env.AGENT_TRACE_TEST_PROGRESS_AT_ONCE ? 0 : SHOW_AFTER_MS;
  const fd = Number(process.env[PROGRESS_FD_ENV]);
  if (Number.isInteger(fd) && fd > 2) {
    const columns = Number(process.env[PROGRESS_COLUMNS_ENV]) || undefined;
    return terminalProgress({ write: (text) => { try { writeSync(fd, text); } catch { /* the terminal went away: no progress */ } }, columns }, Date.now, showAfterMs);
  }
  const err = process.stderr;
  return err.isTTY ? terminalProgress({ write: (text) => err.write(text), get columns() { return err.columns; } }, Date.now, showAfterMs) : NO_PROGRESS;
}
