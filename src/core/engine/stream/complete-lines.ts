/** The whole lines of a JSON-lines file that may still be being written. */

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
  try {
    JSON.parse(tail);
    return bytes;
  } catch {
    return bytes.subarray(0, lastNewline + 1);
  }
}
