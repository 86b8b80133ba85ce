/**
 * Reads a JSON-lines file in chunks, line by line, without ever holding the file as one string:
 * the first lines are available while the rest is read, files over V8's 512 MB string limit can
 * be read, and a growing file is followed by reading again from where the last read stopped.
 *
 * Lines agree with what `SourceFile` (src/core/json/source-file.ts) sees in the whole decoded
 * text: a UTF-8 BOM at byte 0 is dropped, lines end at `\n` (a `\r` before it is not part of the
 * line), invalid UTF-8 becomes U+FFFD exactly as the whole-text decode makes it, line numbers are
 * 0-based physical lines and `offset` counts UTF-16 code units of the decoded text (what
 * `LineIndex` and `SourceLocation.offset` count). Lines are split on the byte 0x0A, which never
 * occurs inside a multi-byte UTF-8 sequence; a line spanning chunks is decoded with a streaming
 * `TextDecoder`, so a character split across chunks comes out whole.
 *
 * Sync on purpose: it runs in the trace worker.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { readFileRange } from '../../util/file-range';
import { UserInputError } from '../../util/problems';
import { utf16Encoding } from '../../json/source-file';

/** A place in the file: the byte to read from, and the line number and character offset there. */
export interface JsonlPosition {
  byte: number;
  /** 0-based line number of the line starting at `byte`. */
  line: number;
  /** Character offset (UTF-16 code units of the decoded text, BOM excluded) of `byte`. */
  offset: number;
}

export const JSONL_START: JsonlPosition = Object.freeze({ byte: 0, line: 0, offset: 0 });

export interface JsonlLine {
  /** 0-based physical line number. */
  line: number;
  /** The line's text, without its `\r\n` or `\n`. */
  text: string;
  /** Character offset of the line's first character in the decoded text. */
  offset: number;
  /** Byte range of `text` in the file: [byteStart, byteEnd), line break excluded. */
  byteStart: number;
  byteEnd: number;
}

export interface JsonlReadOptions {
  /** Where to start: JSONL_START (default), or the `next` of an earlier read of the same file. */
  from?: JsonlPosition;
  /** Bytes per read (default 4 MB). */
  chunkSize?: number;
  /**
   * The first read's size, doubled at each read up to `chunkSize` (default: `chunkSize` from the
   * start). A thread's first lines run before its code is compiled, 20 times slower than later
   * ones: a small first read sends the first steps after a few hundred lines, not after 1 MB of them.
   */
  firstChunkSize?: number;
  /** Sees every chunk of bytes as read, with its offset in the file (to hash the file in the same pass). */
  onChunk?: (chunk: Uint8Array, at: number) => void;
}

export interface JsonlReadResult {
  /** Where the next read starts: the beginning of the line not yet ended by a line break (or the end of the file). */
  next: JsonlPosition;
  /**
   * The last line when the file does not end with a line break (a line still being written, or a
   * file's unterminated last line), decoded as it is now; it starts at `next`. Absent when the
   * file ends with a line break. It may be blank (see `isBlankLine`).
   */
  pending?: JsonlLine;
  /** Whether `onBatch` stopped the read (then `next` is after the last line it was given and `pending` is absent). */
  stopped: boolean;
}

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

/** A line with nothing but whitespace: counted (line numbers go on) but holds no record, as in `SourceFile.jsonl`. */
export function isBlankLine(text: string): boolean {
  return text.trim() === '';
}

/**
 * Read the complete lines of `path` from `opts.from`, handing them to `onBatch` one batch per chunk
 * read (blank lines are counted but not handed over). `onBatch` returning false stops the read.
 * Throws a UserInputError naming the file for a UTF-16 file (the whole-file reader handles those)
 * or a single line too long to be one JavaScript string.
 */
export function readJsonlLines(path: string, onBatch: (lines: JsonlLine[]) => boolean | void, opts: JsonlReadOptions = {}): JsonlReadResult {
  const from = opts.from ?? JSONL_START;
  const chunkSize = Math.max(1, Math.floor(opts.chunkSize ?? DEFAULT_CHUNK_SIZE));
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UserInputError({ file: path, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
  }
  try {
    const firstChunkSize = Math.min(chunkSize, Math.max(1, Math.floor(opts.firstChunkSize ?? chunkSize)));
    return readFrom(fd, path, from, { chunkSize, firstChunkSize }, onBatch, opts.onChunk);
  } finally {
    closeSync(fd);
  }
}

function readFrom(fd: number, path: string, from: JsonlPosition, sizes: { chunkSize: number; firstChunkSize: number }, onBatch: (lines: JsonlLine[]) => boolean | void, onChunk?: (chunk: Uint8Array, at: number) => void): JsonlReadResult {
  let pos = from.byte;
  if (pos === 0) {
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    if (utf16Encoding(head.subarray(0, n))) {
      throw new UserInputError({ file: path, message: 'is UTF-16 text, which is read whole, not as a stream of UTF-8 lines' });
    }
    if (n >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) pos = 3;
  }
  // The whole-text decode drops one more BOM at the very start (TextDecoder's default), and only there.
  const firstDecoder = from.byte === 0 ? new TextDecoder('utf-8') : undefined;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let lineDecoder = firstDecoder ?? decoder;
  let line = from.line;
  let offset = from.offset;
  let lineStart = pos;
  // Decoded pieces of a line that began in an earlier chunk (the decoder holds a split character).
  let parts: string[] = [];
  const { chunkSize } = sizes;
  let readSize = sizes.firstChunkSize;
  const buf = Buffer.allocUnsafe(chunkSize);

  const finishLine = (raw: string, byteEnd: number): JsonlLine => {
    const cr = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 0x0d;
    return { line, text: cr ? raw.slice(0, -1) : raw, offset, byteStart: lineStart, byteEnd: cr ? byteEnd - 1 : byteEnd };
  };
  const joinParts = (last: string): string => {
    try {
      return parts.length ? parts.join('') + last : last;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new UserInputError({ file: path, line: line + 1, column: 1, message: 'line is longer than JavaScript can hold as one string (512 MB); not read' });
    }
  };

  for (;;) {
    const n = readSync(fd, buf, 0, readSize, pos);
    if (n === 0) break;
    readSize = Math.min(chunkSize, readSize * 2);
    const chunk = buf.subarray(0, n);
    onChunk?.(chunk, pos);
    const batch: JsonlLine[] = [];
    let i = 0;
    while (i < n) {
      const nl = chunk.indexOf(0x0a, i);
      if (nl === -1) {
        parts.push(lineDecoder.decode(chunk.subarray(i), { stream: true }));
        break;
      }
      const raw = joinParts(lineDecoder.decode(chunk.subarray(i, nl)));
      parts = [];
      lineDecoder = decoder;
      const l = finishLine(raw, pos + nl);
      if (!isBlankLine(l.text)) batch.push(l);
      line++;
      offset += raw.length + 1;
      lineStart = pos + nl + 1;
      i = nl + 1;
    }
    pos += n;
    if (batch.length > 0 && onBatch(batch) === false) {
      return { next: { byte: lineStart, line, offset }, stopped: true };
    }
  }
  const next = { byte: lineStart, line, offset };
  if (pos === lineStart) return { next, stopped: false };
  return { next, pending: finishLine(joinParts(lineDecoder.decode()), pos), stopped: false };
}

/**
 * The sha256 of a file's first `hashedTo` bytes, fed the chunks `readJsonlLines` reads (its
 * `onChunk`), in the same pass: bytes handed over again (a read that starts over an unterminated
 * last line) are hashed once, and bytes the reader skips (a BOM) are read from the file.
 */
export class FileHasher {
  protected readonly hash = createHash('sha256');
  hashedTo = 0;

  constructor(protected readonly path: string) {}

  readonly onChunk = (chunk: Uint8Array, at: number): void => {
    if (at > this.hashedTo) { this.update(readFileRange(this.path, this.hashedTo, at)); this.hashedTo = at; }
    const end = at + chunk.length;
    if (end > this.hashedTo) { this.update(chunk.subarray(this.hashedTo - at)); this.hashedTo = end; }
  };

  /** The hex sha256 of the bytes hashed so far; more can follow. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  /** Done with it: nothing to end here (ThreadFileHasher ends its thread). */
  dispose(): void {
    // Nothing is held but the hash.
  }

  /** Hash the file's next bytes (ThreadFileHasher hashes them on a thread of its own). */
  protected update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }
}
