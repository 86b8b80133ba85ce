/**
 * Reads one JSON document from a file in chunks, never holding the file as one string, and hands
 * over the values found at given paths (the spans of an OTLP request, say) as they complete, in
 * one batch per chunk read, with how far the read got. So a document larger than V8's string
 * limit (about 512 MB) can be read, memory follows what the caller keeps rather than the file,
 * and the caller can stop between batches (stop iterating: the file is closed).
 *
 * The tokenizer and the value assembler are @streamparser/json's (picked by measurement: see the
 * commit that added it). This module adds what a trace importer needs around them: the concrete
 * path of each value, its location (line, column and character offset of the decoded text, the
 * units `SourceFile`, `LineIndex` and `SourceLocation` use), the sha256 of the file, the nesting
 * cap of the whole-file reader, and syntax errors as UserInputErrors naming the file, line and
 * column.
 *
 * Text is as the whole-file reader decodes it: a UTF-8 BOM at byte 0 is dropped. UTF-16 files and
 * bytes that are not UTF-8 are refused, where they are (the whole-file reader reads UTF-16 and
 * shows bad bytes as U+FFFD).
 *
 * Sync on purpose: it runs in the CLI and in the trace worker.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TokenParser, TokenParserError, TokenType, Tokenizer, TokenizerError, type ParsedElementInfo, type ParsedTokenInfo } from '@streamparser/json';
import type { JsonPath } from '../../json/locate';
import { MAX_JSON_DEPTH, tooDeepMessage } from '../../json/depth';
import { utf16Encoding } from '../../json/source-file';
import type { SourceLocation } from '../../model/schema';
import { UserInputError } from '../../util/problems';

/** A path to select: object keys, array indices, and `'*'` for any key or index. */
export type JsonPathPattern = readonly (string | number)[];

export interface JsonDocumentItem {
  /** Which pattern of `select` matched (its index). */
  select: number;
  /** The value's own path in the document (keys and indices). */
  path: JsonPath;
  value: unknown;
  /** Where the value is in the decoded text (objects and arrays; undefined for a string, number, boolean or null). */
  location?: SourceLocation;
}

export interface JsonDocumentBatch {
  /** The values completed in this chunk, in document order (an inner selected value comes before the selected value around it). */
  items: JsonDocumentItem[];
  /** Bytes read so far, and the file's size (for progress). */
  byte: number;
  size: number;
}

export interface JsonDocumentSummary {
  size: number;
  /** sha256 of the file's bytes (what `SourceFile.sha256` gives for the whole file). */
  sha256: string;
  /** Values handed over, in all batches. */
  items: number;
}

export interface JsonDocumentOptions {
  /** The paths whose values to hand over. A value inside a selected value is handed over too (and stays in it, unless `detach`). */
  select: readonly JsonPathPattern[];
  /**
   * Take a selected value out of the selected value around it once handed over (a span tree's
   * child spans out of their parent's list, so the root span does not hold the whole tree).
   */
  detach?: boolean;
  /** Bytes per read (default 1 MB). */
  chunkSize?: number;
}

export const DEFAULT_DOCUMENT_CHUNK_SIZE = 1024 * 1024;

/**
 * The selected values of the JSON document in `path`, one batch per chunk read (a batch may be
 * empty: it still says how far the read got). The generator's return value is the file's size,
 * sha256 and item count. Throws a UserInputError naming the file (and the line and column) when it
 * cannot be read, is UTF-16, is not one well-formed JSON document, or nests deeper than the cap.
 */
export function* readJsonDocument(path: string, opts: JsonDocumentOptions): Generator<JsonDocumentBatch, JsonDocumentSummary, void> {
  const chunkSize = Math.max(16, Math.floor(opts.chunkSize ?? DEFAULT_DOCUMENT_CHUNK_SIZE));
  const fd = openDocument(path);
  try {
    const size = fstatSync(fd).size;
    const reader = new DocumentReader(path, opts.select, opts.detach === true);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(chunkSize);
    let pos = 0;
    let items = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, chunkSize, pos);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      if (pos === 0) reader.start(chunk);
      const out = reader.write(chunk, pos);
      pos += n;
      items += out.length;
      yield { items: out, byte: pos, size };
    }
    reader.end(pos);
    return { size: pos, sha256: hash.digest('hex'), items };
  } finally {
    closeSync(fd);
  }
}

/** The file open for reading; one that cannot be is a UserInputError saying why (readJsonValues opens its files so too). */
export function openDocument(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserInputError({ file: path, message: code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(e)})` });
  }
}

/**
 * Where the text starts, from the file's first bytes: after a UTF-8 BOM (3), else at 0. UTF-16
 * is refused: it is read whole, not streamed.
 */
export function textStart(path: string, head: Uint8Array): number {
  if (utf16Encoding(head.subarray(0, 64))) {
    throw new UserInputError({ file: path, message: 'is UTF-16 text, which is read whole, not streamed; convert it to UTF-8' });
  }
  return head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
}

/** A place in the decoded text: 0-based line, character offset of that line's start, character offset. */
export interface TextPos { line: number; lineStart: number; offset: number }

/** Bytes checked for ASCII at once (shorter runs, under an eighth of it, are walked byte by byte). */
const ASCII_BLOCK = 128;

/**
 * Byte offsets to text positions, moving forward only: counts UTF-16 code units (a lead byte is
 * one unit, a 4-byte sequence's lead two) and line feeds over the bytes passed.
 */
export class Positions {
  private byte: number;
  private line = 0;
  private lineStart = 0;
  private offset = 0;

  constructor(startByte: number) {
    this.byte = startByte;
  }

  /**
   * Advance to absolute byte `to`, inside `chunk` (which starts at absolute byte `base`). Blocks
   * of ASCII (most of a trace) count a character per byte and find their line breaks with
   * indexOf; the others are walked byte by byte (the byte loop alone was a tenth of reading a
   * document).
   */
  advance(chunk: Uint8Array, base: number, to: number): void {
    const end = to - base;
    for (let from = this.byte - base; from < end;) {
      const blockEnd = Math.min(end, from + ASCII_BLOCK);
      if (blockEnd - from >= ASCII_BLOCK / 8 && isAscii(chunk.subarray(from, blockEnd))) this.advanceAscii(chunk, from, blockEnd);
      else this.advanceBytes(chunk, from, blockEnd);
      from = blockEnd;
    }
    if (to > this.byte) this.byte = to;
  }

  private advanceBytes(chunk: Uint8Array, from: number, end: number): void {
    let offset = this.offset;
    for (let i = from; i < end; i++) {
      const b = chunk[i];
      if (b < 0x80) {
        offset++;
        if (b === 0x0a) { this.line++; this.lineStart = offset; }
      } else if ((b & 0xc0) !== 0x80) {
        offset += b >= 0xf0 ? 2 : 1;
      }
    }
    this.offset = offset;
  }

  private advanceAscii(chunk: Uint8Array, from: number, end: number): void {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset + from, end - from);
    const start = this.offset;
    for (let k = bytes.indexOf(0x0a); k >= 0; k = bytes.indexOf(0x0a, k + 1)) {
      this.line++;
      this.lineStart = start + k + 1;
    }
    this.offset = start + (end - from);
  }

  at(chunk: Uint8Array, base: number, byte: number): TextPos {
    this.advance(chunk, base, byte);
    return this.here();
  }

  /**
   * Advance to absolute byte `to` (in `chunk`, at absolute byte `base`) over `text`, the decoding
   * of bytes [`from`, `to`): when it stands at `from`, the text's length and line feeds are the
   * bytes', without walking them again (a span's bytes, walked one by one where they are not
   * ASCII, were a quarter of a document's first pass).
   */
  overText(chunk: Uint8Array, base: number, from: number, text: string, to: number): TextPos {
    if (this.byte !== from) return this.at(chunk, base, to);
    const start = this.offset;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
      this.line++;
      this.lineStart = start + nl + 1;
    }
    this.offset = start + text.length;
    this.byte = to;
    return this.here();
  }

  private here(): TextPos {
    return { line: this.line, lineStart: this.lineStart, offset: this.offset };
  }
}

export function location(a: TextPos, b: TextPos): SourceLocation {
  return { line: a.line + 1, column: a.offset - a.lineStart + 1, endLine: b.line + 1, endColumn: b.offset - b.lineStart + 1, offset: a.offset, length: b.offset - a.offset };
}

// Read once: the package's TokenType is a re-export whose members are getters.
const LEFT_BRACE = TokenType.LEFT_BRACE;
const LEFT_BRACKET = TokenType.LEFT_BRACKET;
const RIGHT_BRACE = TokenType.RIGHT_BRACE;
const RIGHT_BRACKET = TokenType.RIGHT_BRACKET;

/** What a token parser error means, in the words the whole-file reader uses. */
const PARSER_STATE_MESSAGES: Record<string, string> = {
  VALUE: 'value expected (a trailing comma, or the file is cut short?)',
  KEY: 'property name expected (a trailing comma?)',
  COLON: 'colon expected',
  COMMA: 'comma expected',
  ENDED: 'end of file expected (more than one JSON value? this may be JSONL)',
};

class DocumentReader {
  private readonly tokenizer = new Tokenizer();
  private readonly parser: TokenParser;
  private readonly patterns: readonly JsonPathPattern[];
  /** Where the tokenizer's byte 0 is in the file (3 after a BOM). */
  private tokenBase = 0;
  private positions = new Positions(0);
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkBase = 0;
  /** Text position of each open `{` or `[` that may be selected (undefined for the others), innermost last. */
  private readonly open: (TextPos | undefined)[] = [];
  /** The lengths of the patterns. */
  private readonly depths: Set<number>;
  /** The container the last token closed: its start, and the position after its last byte. */
  private closed: { start: TextPos; end: TextPos } | undefined;
  private lastTokenByte = 0;
  private sawToken = false;
  private out: JsonDocumentItem[] = [];
  /** The start of a UTF-8 sequence cut by the end of the last chunk. */
  private carry: Uint8Array = new Uint8Array(0);

  /** The patterns by length. */
  private readonly byLength = new Map<number, JsonPathPattern[]>();

  constructor(private readonly path: string, select: readonly JsonPathPattern[], private readonly detach: boolean) {
    this.patterns = select;
    for (const p of select) this.byLength.set(p.length, [...(this.byLength.get(p.length) ?? []), p]);
    this.depths = new Set(select.map((p) => p.length));
    const paths = select.map((p) => {
      for (const seg of p) {
        if (typeof seg === 'string' && (seg.includes('.') || seg === '')) throw new Error(`readJsonDocument: key ${JSON.stringify(seg)} cannot be selected (empty or containing '.')`);
      }
      return ['$', ...p.map(String)].join('.');
    });
    this.parser = new TokenParser({ paths, keepStack: false });
    this.tokenizer.onToken = (t) => this.onToken(t);
    this.parser.onValue = (info) => this.onValue(info);
    // The parser ends itself after the top-level value; the tokenizer is ended by `end`.
    this.parser.onEnd = () => undefined;
  }

  /** Look at the file's first chunk: refuse UTF-16, skip a UTF-8 BOM. */
  start(head: Uint8Array): void {
    this.tokenBase = textStart(this.path, head);
    this.positions = new Positions(this.tokenBase);
  }

  write(chunk: Uint8Array, base: number): JsonDocumentItem[] {
    this.chunk = chunk;
    this.chunkBase = base;
    this.checkUtf8(chunk, base);
    const skip = Math.max(0, this.tokenBase - base);
    try {
      if (skip < chunk.length) this.tokenizer.write(skip ? chunk.subarray(skip) : chunk);
    } catch (e) {
      throw this.problem(e);
    }
    this.positions.advance(chunk, base, base + chunk.length);
    const out = this.out;
    this.out = [];
    return out;
  }

  end(size: number): void {
    this.chunk = new Uint8Array(0);
    this.chunkBase = size;
    if (this.carry.length) throw this.inCarry(0);
    try {
      this.tokenizer.end();
    } catch (e) {
      throw this.problem(e, size);
    }
    if (!this.sawToken) throw new UserInputError({ file: this.path, line: 1, column: 1, message: 'the file is empty' });
    if (!this.parser.isEnded) throw this.at(size, "invalid JSON: the file ends inside the document (it may be truncated): '}' or ']' expected");
  }

  /**
   * Refuse bytes that are not UTF-8 where they are (the tokenizer's decoder would throw a bare
   * TypeError). The whole-file reader replaces them with U+FFFD and warns; a file streamed is too
   * large for that reader. A sequence cut by the chunk's end is checked with the next chunk.
   */
  private checkUtf8(chunk: Uint8Array, base: number): void {
    const end = completeEnd(chunk);
    const bytes = this.carry.length ? Buffer.concat([this.carry, chunk.subarray(0, end)]) : chunk.subarray(0, end);
    if (!isUtf8(bytes)) {
      const bad = Math.max(0, firstInvalidUtf8(bytes));
      throw bad < this.carry.length ? this.inCarry(bad) : this.at(base - this.carry.length + bad, INVALID_UTF8);
    }
    // A copy: the reader reuses its buffer (and Buffer#slice shares memory).
    this.carry = Uint8Array.prototype.slice.call(chunk, end);
  }

  /**
   * The problem at byte `i` of the carried bytes (the end of the chunk read last, which the
   * positions have passed): back from there by the characters those bytes began. No line break
   * is among them (they are one cut UTF-8 sequence).
   */
  private inCarry(i: number): UserInputError {
    const p = this.positions.at(this.chunk, this.chunkBase, this.chunkBase);
    let back = 0;
    for (let k = i; k < this.carry.length; k++) if ((this.carry[k] & 0xc0) !== 0x80) back += this.carry[k] >= 0xf0 ? 2 : 1;
    return new UserInputError({ file: this.path, line: p.line + 1, column: p.offset - back - p.lineStart + 1, message: INVALID_UTF8 });
  }

  private onToken(t: ParsedTokenInfo): void {
    const byte = this.tokenBase + t.offset;
    this.lastTokenByte = byte;
    this.sawToken = true;
    if (this.parser.isEnded) throw this.at(byte, `invalid JSON: ${PARSER_STATE_MESSAGES.ENDED}`);
    switch (t.token) {
      case LEFT_BRACE:
      case LEFT_BRACKET:
        if (this.open.length >= MAX_JSON_DEPTH) throw this.at(byte, tooDeepMessage());
        // Only a container as deep as some pattern can be selected: only its start is located.
        this.open.push(this.depths.has(this.open.length) ? this.positions.at(this.chunk, this.chunkBase, byte) : undefined);
        break;
      case RIGHT_BRACE:
      case RIGHT_BRACKET: {
        const start = this.open.pop();
        this.closed = start ? { start, end: this.positions.at(this.chunk, this.chunkBase, byte + 1) } : undefined;
        break;
      }
      default:
        this.closed = undefined;
    }
    this.parser.write(t);
  }

  private onValue(info: ParsedElementInfo): void {
    const path: (string | number)[] = [];
    for (let i = 1; i < info.stack.length; i++) path.push(info.stack[i].key as string | number);
    if (info.key !== undefined) path.push(info.key as string | number);
    const select = this.patterns.findIndex((p) => matches(p, path));
    const item: JsonDocumentItem = { select, path, value: info.value };
    // The parser itself drops a value from its parent when no container around it is selected.
    if (this.detach && this.insideSelected(path)) {
      const parent = info.parent as unknown;
      if (Array.isArray(parent)) parent.length -= 1;
      else if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[String(info.key)];
    }
    if (info.value !== null && typeof info.value === 'object' && this.closed) item.location = location(this.closed.start, this.closed.end);
    this.out.push(item);
  }

  private insideSelected(path: JsonPath): boolean {
    for (let k = path.length - 1; k >= 0; k--) {
      const ps = this.byLength.get(k);
      if (ps && ps.some((p) => matches(p, path, k))) return true;
    }
    return false;
  }

  /** A UserInputError at `byte` of the file. */
  private at(byte: number, message: string): UserInputError {
    const p = this.positions.at(this.chunk, this.chunkBase, Math.min(byte, this.chunkBase + this.chunk.length));
    return new UserInputError({ file: this.path, line: p.line + 1, column: p.offset - p.lineStart + 1, message });
  }

  /** The parser's error as a located problem (our own UserInputErrors pass through). */
  private problem(e: unknown, eof?: number): unknown {
    if (e instanceof UserInputError) return e;
    if (e instanceof TokenizerError) {
      const m = /absolute position "(\d+)"/.exec(e.message);
      if (m) return this.at(this.tokenBase + Number(m[1]), 'invalid JSON: unexpected character');
      if (eof !== undefined) return this.at(eof, 'invalid JSON: the file ends inside a value (it may be truncated)');
      return this.at(this.lastTokenByte, 'invalid JSON: unexpected character');
    }
    // One string value longer than V8's longest string: nothing can hold it.
    if (e instanceof RangeError) return this.at(this.lastTokenByte, 'a value here is longer than JavaScript can hold as one string (512 MB); not read');
    if (e instanceof TokenParserError) {
      const state = /in state (\w+)/.exec(e.message)?.[1] ?? '';
      return this.at(this.lastTokenByte, `invalid JSON: ${PARSER_STATE_MESSAGES[state] ?? 'unexpected token'}`);
    }
    return e;
  }
}

export const INVALID_UTF8 = 'invalid UTF-8 byte sequence; a file this large is read as a stream, which needs UTF-8 throughout (the whole-file reader, for smaller files, shows such bytes as U+FFFD)';

/** Where the chunk's last UTF-8 sequence starts when the chunk cuts it short (else the chunk's length). */
function completeEnd(chunk: Uint8Array): number {
  for (let i = chunk.length - 1; i >= 0 && i >= chunk.length - 4; i--) {
    const b = chunk[i];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > chunk.length ? i : chunk.length;
  }
  return chunk.length;
}

/** Index of the first byte that does not start a well-formed UTF-8 sequence, or -1 (only run once isUtf8 said no). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > b.length) return i;
    for (let k = 1; k < n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1];
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 >= 0x90)) return i;
    i += n;
  }
  return -1;
}

/** Whether `pattern` matches the first `n` segments of `path` (all of it by default). */
export function matches(pattern: JsonPathPattern, path: JsonPath, n = path.length): boolean {
  if (pattern.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const p = pattern[i];
    if (p !== '*' && String(p) !== String(path[i])) return false;
  }
  return true;
}
