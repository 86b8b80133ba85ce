/** The whole lines of a JSON-lines file that may still be being written. */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A JSON-lines file being written may end in half a line: read up to its last whole line. A last
 * line without a newline that parses whole is kept (files need not end in a newline).
 */
export function completeLines(bytes: Uint8Array): Uint8Array {
  const NEWLINE = 0x0a;
  if (bytes.length === 0 || bytes[bytes.length - 1] === NEWLINE) return bytes;
  const lastNewline = bytes.lastIndexOf(NEWLINE);
  if (lastNewline < 0) return bytes;
  const tail = new TextDecoder().decode(bytes.subarray(lastNewline + 1)).trim();
  if (!tail.startsWith('{') && !tail.startsWith('[')) return bytes;
  return parsesWhole(tail) ? bytes : bytes.subarray(0, lastNewline + 1);
}

/** Bytes read at a time, from the end, looking for the last line break. */
const TAIL_READ_BYTES = 64 * 1024;

/**
 * Where the whole lines of bytes [from, size) of a JSON-lines file end (`from` is a line's
 * start), as `completeLines` cuts them: after the last line break, or at `size` when what follows
 * it parses whole. Reads backwards from the end, not the bytes before.
 */
export function wholeLinesEnd(path: string, from: number, size: number): number {
  const fd = openSync(path, 'r');
  try {
    let lineEnd = from;
    for (let end = size; end > from;) {
      const start = Math.max(from, end - TAIL_READ_BYTES);
      const bytes = Buffer.allocUnsafe(end - start);
      const lastNewline = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, start)).lastIndexOf(0x0a);
      if (lastNewline >= 0) {
        lineEnd = start + lastNewline + 1;
        break;
      }
      end = start;
    }
    if (lineEnd === size) return size;
    const rest = Buffer.allocUnsafe(size - lineEnd);
    readSync(fd, rest, 0, rest.length, lineEnd);
    return parsesWhole(rest.toString('utf8')) ? size : lineEnd;
  } finally {
    closeSync(fd);
  }
}

/** Whether `text` is one JSON value (a last line written whole, without its line break). */
export function parsesWhole(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
