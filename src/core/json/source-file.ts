/**
 * A trace file as importers see it: bytes, decoded text, and lazily parsed JSON or JSONL.
 * Parsing is kept apart from building the model (see model/build.ts) so importers can later
 * stream files too large to hold as one string without touching the model code.
 */
import { parse as parseTolerant, ParseErrorCode, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { Problem, UserInputError } from '../util/problems';
import { sha256Hex } from '../util/hash';
import { LineIndex } from './line-index';
import { excessiveNestingOffset, tooDeepMessage, tryParseJson } from './depth';

export interface JsonlRecord {
  /** 0-based physical line number of the record in the file. */
  line: number;
  value: unknown;
}

/** Whether `bytes` begin as a zip archive does (its first local file header's signature, PK\x03\x04). */
export function isZipBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export class SourceFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  /** Decoding problems (invalid UTF-8) reported as warnings: the file still opens. */
  readonly warnings: Problem[] = [];
  private textCache?: string;
  private jsonCache?: { value: unknown } | { error: Problem };
  private jsonlCache?: { records: JsonlRecord[]; problems: Problem[] };
  private lineIndexCache?: LineIndex;
  private firstCharCache?: string;
  private looksLikeJsonlCache?: boolean;
  private headCache?: { limit: number; records: unknown[] };

  constructor(path: string, bytes: Uint8Array) {
    this.path = path;
    this.bytes = bytes;
    this.sha256 = sha256Hex(bytes);
  }

  static fromText(path: string, text: string): SourceFile {
    return new SourceFile(path, new TextEncoder().encode(text));
  }

  /** True for zip archives (Inspect `.eval`), which have no text. */
  get isZip(): boolean {
    return isZipBytes(this.bytes);
  }

  /**
   * The decoded text, BOM stripped. Invalid UTF-8 becomes U+FFFD with a located warning.
   * A zip archive has no text: it reads as empty, so text sniffers pass it by quietly.
   */
  get text(): string {
    if (this.textCache === undefined) {
      try {
        this.textCache = this.isZip ? '' : this.decode();
      } catch (e) {
        if (!isStringTooLong(e)) throw e;
        throw new UserInputError({ file: this.path, message: `is ${(this.bytes.length / 1024 / 1024).toFixed(0)} MB, more than can be read as one text (JavaScript strings hold at most 512 MB); split it, or convert it to JSON lines with a tool that streams` });
      }
    }
    return this.textCache;
  }

  get lines(): LineIndex {
    if (!this.lineIndexCache) this.lineIndexCache = new LineIndex(this.text);
    return this.lineIndexCache;
  }

  /** First non-whitespace character, for cheap sniffing without parsing. */
  get firstChar(): string {
    if (this.firstCharCache === undefined) {
      const m = /\S/.exec(this.text.slice(0, 4096));
      this.firstCharCache = m ? m[0] : '';
    }
    return this.firstCharCache;
  }

  /** The whole file as one JSON value, or undefined when it is not valid JSON. */
  get json(): unknown {
    const r = this.parseJson();
    return 'value' in r ? r.value : undefined;
  }

  /** The whole file as JSON, or a located problem saying why it is not. */
  parseJson(): { value: unknown } | { error: Problem } {
    if (!this.jsonCache) this.jsonCache = this.parseJsonUncached();
    return this.jsonCache;
  }

  /** Throwing variant for importers that require a JSON document. */
  requireJson(): unknown {
    const r = this.parseJson();
    if ('error' in r) throw new UserInputError(r.error);
    return r.value;
  }

  /** One JSON value per non-blank line; bad lines become located problems (callers warn and go on). */
  get jsonl(): { records: JsonlRecord[]; problems: Problem[] } {
    if (!this.jsonlCache) this.jsonlCache = this.parseJsonl();
    return this.jsonlCache;
  }

  /** Whether most non-blank lines of the first few are standalone JSON objects. */
  looksLikeJsonl(): boolean {
    if (this.looksLikeJsonlCache === undefined) this.looksLikeJsonlCache = this.looksLikeJsonlUncached();
    return this.looksLikeJsonlCache;
  }

  /**
   * First `max` non-blank lines parsed as JSON (undefined for a line that does not parse), for
   * sniffers that must not parse a whole file. Parsed once, up to 8 lines, then sliced.
   */
  headRecords(max = 5): unknown[] {
    if (!this.headCache || max > this.headCache.limit) {
      const limit = Math.max(max, 8);
      this.headCache = { limit, records: headRecordsOf(this.text, limit) };
    }
    return this.headCache.records.slice(0, max);
  }

  private looksLikeJsonlUncached(): boolean {
    // The first 64 KB, and at least the whole first line: a collector's OTLP batch, or a session's
    // first record, is often longer than that, and cut short it would not parse.
    const firstBreak = this.text.indexOf('\n');
    const head = this.text.slice(0, Math.max(65536, firstBreak + 1)).split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 5);
    if (head.length < 1) return false;
    const standalone = head.map((l) => {
      const t = l.trim();
      // A truncated head line, or one nested beyond the cap, is not counted.
      return t.startsWith('{') && t.endsWith('}') && tryParseJson(t) !== undefined;
    });
    const ok = standalone.filter(Boolean).length;
    // A pretty-printed JSON document's first line is "{" alone, which does not parse.
    if (ok === 0) return false;
    if (ok >= head.length - 1) return true;
    // Several bad lines near the top: still JSONL when some lines stand alone and the whole file
    // is not one JSON document (only then is it parsed whole, so the common case stays cheap).
    return (standalone[0] || ok >= 2) && !('value' in this.parseJson());
  }

  private decode(): string {
    const utf16 = utf16Encoding(this.bytes);
    if (utf16) {
      // Windows tools (PowerShell's `>`, Notepad's "Unicode") write UTF-16; read it as such.
      const body = utf16.bom ? this.bytes.subarray(2) : this.bytes;
      return new TextDecoder(utf16.encoding).decode(body);
    }
    let bytes = this.bytes;
    if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (e) {
      if (isStringTooLong(e)) throw e;
      const text = new TextDecoder('utf-8').decode(bytes);
      const bad = text.indexOf('\uFFFD');
      const pos = new LineIndex(text).position(Math.max(0, bad));
      this.warnings.push({
        file: this.path, line: pos.line, column: pos.column,
        message: 'invalid UTF-8 byte sequence; replaced with U+FFFD (the file itself is unchanged)',
      });
      return text;
    }
  }

  private parseJsonUncached(): { value: unknown } | { error: Problem } {
    const text = this.text;
    if (text.trim() === '') return { error: { file: this.path, line: 1, column: 1, message: 'the file is empty' } };
    let value: unknown;
    try {
      // JSON.parse copes with any depth; the cap protects what walks the value afterwards.
      value = JSON.parse(text);
    } catch {
      // Not one JSON document (a JSONL file, most often, asked by a sniffer that only wants to
      // know): where and why is worked out only when someone reads it, since locating means a
      // tolerant parse of the whole text.
      let located: Problem | undefined;
      const locate = (): Problem => this.locateWholeTextError(text);
      return { get error(): Problem { return (located ??= locate()); } };
    }
    const tooDeep = this.tooDeepProblem(text, 0);
    return tooDeep ? { error: tooDeep } : { value };
  }

  private locateWholeTextError(text: string): Problem {
    // The depth check first: the tolerant parser that locates errors recurses.
    return this.tooDeepProblem(text, 0) ?? this.locateJsonError(text, 0);
  }

  /** A located problem when `text` (at `baseOffset` in the file) nests beyond the cap, checked before parsing. */
  private tooDeepProblem(text: string, baseOffset: number): Problem | undefined {
    const offset = excessiveNestingOffset(text);
    if (offset === -1) return undefined;
    const pos = this.lines.position(baseOffset + offset);
    return { file: this.path, line: pos.line, column: pos.column, message: tooDeepMessage() };
  }

  /** Use the tolerant parser only to find where and why strict JSON.parse failed. */
  locateJsonError(text: string, baseOffset: number): Problem {
    const errors: ParseError[] = [];
    try {
      parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    } catch (e) {
      // The tolerant parser recurses: nesting the depth check cannot see (it follows strict JSON)
      // may still overflow it. Then the error is reported where the nesting starts.
      if (!(e instanceof RangeError)) throw e;
      errors.length = 0;
      const deep = excessiveNestingOffset(text, 0);
      errors.push({ error: ParseErrorCode.InvalidSymbol, offset: Math.max(0, deep), length: 1 });
    }
    const first = errors[0];
    const offset = baseOffset + (first ? first.offset : text.length);
    const pos = this.lines.position(offset);
    const what = first ? describeParseError(printParseErrorCode(first.error)) : 'not valid JSON';
    return { file: this.path, line: pos.line, column: pos.column, message: `invalid JSON: ${what}` };
  }

  private parseJsonl(): { records: JsonlRecord[]; problems: Problem[] } {
    const records: JsonlRecord[] = [];
    const problems: Problem[] = [];
    const text = this.text;
    let start = 0;
    let lineNo = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      const lineEnd = end > start && text.charCodeAt(end - 1) === 0x0d /* \r */ ? end - 1 : end;
      const raw = text.slice(start, lineEnd);
      // trim() only looks at the ends: no copy and no scan for a line that starts with `{`.
      const blank = raw.trim() === '';
      const tooDeep = blank ? undefined : this.tooDeepProblem(raw, start);
      if (tooDeep) {
        problems.push({ ...tooDeep, message: `${tooDeep.message} (line skipped)` });
      } else if (!blank) {
        try {
          records.push({ line: lineNo, value: JSON.parse(raw) });
        } catch {
          const p = this.locateJsonError(raw, start);
          problems.push({ ...p, message: `${p.message} (line skipped)` });
        }
      }
      if (end === text.length) break;
      start = end + 1;
      lineNo++;
    }
    return { records, problems };
  }
}

/**
 * UTF-16 by its byte-order mark, or, without one, by the NUL bytes that ASCII characters carry in
 * UTF-16 (JSON text starts with ASCII: `{`, `[`, whitespace, quotes): in the first 64 bytes, most
 * odd bytes zero and even ones not means little-endian, the other way round big-endian.
 */
export function utf16Encoding(b: Uint8Array): { encoding: 'utf-16le' | 'utf-16be'; bom: boolean } | undefined {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', bom: true };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', bom: true };
  const pairs = Math.min(32, b.length >> 1);
  if (pairs < 2) return undefined;
  let le = 0;
  let be = 0;
  for (let i = 0; i < pairs; i++) {
    const even = b[2 * i];
    const odd = b[2 * i + 1];
    if (even !== 0 && odd === 0) le++;
    else if (even === 0 && odd !== 0) be++;
  }
  if (le >= pairs * 0.75) return { encoding: 'utf-16le', bom: false };
  if (be >= pairs * 0.75) return { encoding: 'utf-16be', bom: false };
  return undefined;
}

/**
 * Whole lines of UTF-8 text as they can follow others in a file: ending in a line break, with no
 * byte-order mark or UTF-16 (what a file followed as it grows reads, and each part appended to it).
 */
export function isPlainUtf8Lines(b: Uint8Array): boolean {
  return b.length > 0 && b[b.length - 1] === 0x0a && b[0] !== 0xef && utf16Encoding(b) === undefined;
}

function headRecordsOf(text: string, max: number): unknown[] {
  const out: unknown[] = [];
  let start = 0;
  while (out.length < max && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    if (line !== '') {
      out.push(tryParseJson(line)?.value);
    }
    start = end + 1;
    // A single line longer than 8 MB in the head is not worth sniffing further.
    if (start > 8_000_000) break;
  }
  return out;
}

function describeParseError(code: string): string {
  const map: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'property name expected (a trailing comma?)',
    ValueExpected: 'value expected (a trailing comma, or the file is cut short?)',
    ColonExpected: 'colon expected',
    CommaExpected: 'comma expected',
    CloseBraceExpected: "'}' expected (the file may be truncated)",
    CloseBracketExpected: "']' expected (the file may be truncated)",
    EndOfFileExpected: 'end of file expected (more than one JSON value? this may be JSONL)',
    InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfComment: 'unexpected end of comment',
    UnexpectedEndOfString: 'unterminated string (the file may be truncated)',
    UnexpectedEndOfNumber: 'unexpected end of number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in string',
  };
  return map[code] ?? code;
}

/** V8's "Cannot create a string longer than 0x1fffffe8 characters" (Node's ERR_STRING_TOO_LONG). */
export function isStringTooLong(e: unknown): boolean {
  return e instanceof Error && ((e as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG' || /string longer than/i.test(e.message));
}
