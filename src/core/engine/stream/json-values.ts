/**
 * Reads one JSON document from a file in chunks and hands over the values at chosen paths, as
 * `readJsonDocument` does (same batches, paths, values and locations), several times faster for
 * documents whose selected values are many and small: the spans of an OTLP request.
 *
 * `readJsonDocument` runs @streamparser/json's tokenizer over every byte and builds each value
 * token by token: about 60% of the time the trace worker took to open an OTLP document of 10^5
 * spans. Here only the document's outer levels (down to the selected paths) are read token by
 * token. Every value met there is found whole, with a scan that skips strings with `indexOf`, and
 * handed to `JSON.parse`, which validates and builds it at native speed; the values at selected
 * paths are kept, the others only checked.
 *
 * So: selected paths must not nest (no selected value inside another: `detach` has no meaning
 * here), and a value is held as one string while it is parsed (a value larger than V8's string
 * limit is refused; readJsonDocument reads it).
 *
 * What it refuses (naming the file, line and column, in words close to readJsonDocument's, which
 * are the whole-file reader's): malformed JSON, a file that ends inside the document, nesting
 * deeper than the whole-file reader's cap, UTF-16 text, bytes that are not UTF-8. Sync on purpose,
 * as readJsonDocument: it runs in the trace worker.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, readSync } from 'node:fs';
import type { JsonPath } from '../../json/locate';
import type { SourceLocation } from '../../model/schema';
import { MAX_JSON_DEPTH, tooDeepMessage } from '../../json/depth';
import { SourceFile } from '../../json/source-file';
import { jsonPathToString, UserInputError } from '../../util/problems';
import { FileHasher } from './jsonl-lines';
import { DEFAULT_DOCUMENT_CHUNK_SIZE, INVALID_UTF8, location, matches, openDocument, Positions, textStart, type JsonDocumentBatch, type JsonDocumentItem, type JsonDocumentSummary, type JsonPathPattern } from './json-document';

export interface JsonValuesOptions {
  /** The paths whose values to hand over; none may lie inside another. */
  select: readonly JsonPathPattern[];
  /** A tree of objects to hand over node by node, parents first (see JsonTree). */
  tree?: JsonTree;
  /** The file is JSON lines, not one document (see JsonLines). */
  lines?: JsonLines;
  /** Bytes per read (default 1 MB). */
  chunkSize?: number;
  /**
   * JSON lines only: read on from where an earlier read of the same file stopped (its summary's
   * `stop`), as the file grew; the file's bytes before it must be as that read found them. The
   * stop is used up.
   */
  from?: JsonLinesStop;
  /** Read bytes up to here only (with `from`: the end of the last whole line, the rest still being written). */
  to?: number;
  /**
   * What hashes the bytes read (default: a `FileHasher` on this thread). The caller that gives
   * one ends it (a `ThreadFileHasher` hashes on a thread of its own); a stop read on from goes on
   * with the hasher of the read that stopped.
   */
  hasher?: FileHasher;
}

/** What readJsonValues returns: with `lines`, where it stopped, to read on from there later. */
export interface JsonValuesSummary extends JsonDocumentSummary {
  /** JSON lines read to a value's end (always, unless the reader threw): the state to read on with. */
  stop?: JsonLinesStop;
}

/**
 * Where a read of JSON lines stopped (after its last value), with the reader's state there: the
 * positions of lines and characters, and the sha256 of the bytes read. A file that grows (a live
 * trace, the OTLP receiver's output) is read on from it, not from its start.
 */
export class JsonLinesStop {
  private taken = false;

  /** @internal */
  constructor(readonly byte: number, private readonly scanner: ValueScanner, private readonly hasher: FileHasher) {}

  /** @internal The reader's state, once: reading on changes it. */
  take(): { scanner: ValueScanner; hasher: FileHasher } {
    if (this.taken) throw new Error('readJsonValues: a JSON lines stop was read on from twice');
    this.taken = true;
    return { scanner: this.scanner, hasher: this.hasher };
  }
}

/**
 * A tree of objects nested in one another through a list member (a TRAIL span tree: spans and
 * their `child_spans`): its nodes are at `root` (a pattern, `['spans', '*']`) and in the
 * `children` list of each node, at any depth. Each node is handed over as its own members
 * (without `children`) as soon as its children list starts, so a parent comes before its
 * children and no node holds its subtree: an item with `node: true` and select index
 * `select.length`. Its bytes [byteStart, byteEnd) are the object's text up to the end of its last
 * own member: `ownText(...)` is that text closed, which parses to the item's value.
 *
 * A node with a member after its children list (JSON.parse would give it that member) was handed
 * over without it: the batch says so (`treeBreak`), and the reader's caller reads the file another
 * way. A node that is not an object is handed over as it is (`node: true`, no own text).
 */
export interface JsonTree {
  root: JsonPathPattern;
  children: string;
}

/**
 * JSON lines: a value per line, each an object whose first key is one of `firstKeys` (an OTLP
 * request: `resourceSpans`). Paths are within each line's value, and each item says its line. A
 * line that is not such an object, two values on one line or a value over several lines are
 * reported (`linesBreak`), and the caller reads the file another way.
 */
export interface JsonLines {
  firstKeys: readonly string[];
}

/** An item with where its value is in the file: bytes [byteStart, byteEnd). */
export interface JsonValueItem extends JsonDocumentItem {
  byteStart: number;
  byteEnd: number;
  /** A node of the tree (JsonTree): its value is its own members; byteEnd ends the last of them. */
  node?: true;
  /** JSON lines (JsonLines): the 0-based line of the value the item is in. */
  line?: number;
}

export interface JsonValuesBatch extends JsonDocumentBatch {
  items: JsonValueItem[];
  /** Why a node of the tree was handed over without all its own members (see JsonTree), in the batch that found it. */
  treeBreak?: string;
  /** Why the file is not JSON lines as `lines` asked (see JsonLines), in the batch that found it. */
  linesBreak?: string;
}

/** A tree node's own text (JsonTree: bytes [byteStart, byteEnd) of an object), closed so that it parses. */
export function ownText(text: string): string {
  return `${text}}`;
}

/** The first reason found for something, given once (then '' keeps later ones out). */
class FirstReason {
  private reason: string | undefined;

  note(reason: string): void {
    this.reason ??= reason;
  }

  take(): string | undefined {
    const reason = this.reason;
    if (reason) this.reason = '';
    return reason || undefined;
  }
}

/** A node's own key before the node is handed over: not its children's (its text is not decoded). */
const OWN_KEY = '';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;
const LEFT_BRACKET = 0x5b;
const RIGHT_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * The selected values of the JSON document in `path`, one batch per chunk read; returns the
 * file's size, sha256 and item count. Throws a UserInputError naming the file (and the line and
 * column) when it cannot be read or is not one well-formed JSON document it can read.
 */
export function* readJsonValues(path: string, opts: JsonValuesOptions): Generator<JsonValuesBatch, JsonValuesSummary, void> {
  const chunkSize = Math.max(16, Math.floor(opts.chunkSize ?? DEFAULT_DOCUMENT_CHUNK_SIZE));
  if (opts.from && !opts.lines) throw new Error('readJsonValues: only JSON lines are read on from a stop');
  const fd = openDocument(path);
  try {
    const size = opts.to ?? fstatSync(fd).size;
    const resumed = opts.from?.take();
    const scanner = resumed?.scanner ?? new ValueScanner(path, opts.select, opts.tree, opts.lines);
    const hasher = resumed?.hasher ?? opts.hasher ?? new FileHasher(path);
    let pos = opts.from?.byte ?? 0;
    let items = 0;
    for (;;) {
      const wanted = opts.to === undefined ? chunkSize : Math.min(chunkSize, opts.to - pos);
      const window = scanner.room(chunkSize);
      const n = wanted > 0 ? readSync(fd, window, 0, wanted, pos) : 0;
      if (n === 0) break;
      hasher.onChunk(window.subarray(0, n), pos);
      const out = scanner.write(n, pos + n >= size);
      pos += n;
      items += out.length;
      const treeBreak = scanner.treeBreak.take();
      const linesBreak = scanner.linesBreak.take();
      yield { items: out, byte: pos, size, ...(treeBreak ? { treeBreak } : {}), ...(linesBreak ? { linesBreak } : {}) };
    }
    scanner.end();
    // The hash goes on with the stop: a digest leaves the hasher hashing.
    const sha256 = hasher.digest();
    return { size: pos, sha256, items, ...(opts.lines && scanner.betweenValues ? { stop: new JsonLinesStop(pos, scanner, hasher) } : {}) };
  } finally {
    closeSync(fd);
  }
}

/** The file holds more than one JSON value (JSON lines, perhaps): what readJsonValues refuses it with. */
export class SecondJsonValue extends UserInputError {}

/** An open object or array on the way down to the selected paths. */
interface Frame {
  isArray: boolean;
  /** Its key in its parent (a key or an index). */
  key: string | number | undefined;
  /** Elements read so far (arrays), for the next element's index. */
  count: number;
  /** What comes next: a key (or the end), a colon, a value, a comma (or the end). */
  expect: 'key' | 'firstKey' | 'colon' | 'value' | 'firstValue' | 'comma';
  /** The key just read, before its value. */
  pendingKey: string | undefined;
  /** A node of the tree (an object): where it starts and its own members end, and whether it was handed over. */
  node?: { start: number; ownEnd: number; handed: boolean };
  /** A node's children list (an array): its elements are nodes. */
  children?: true;
}

/** How far the search for the end of one value got (it resumes there when more bytes come). */
interface ValueScan {
  /** The value's first byte (absolute). */
  start: number;
  /** Where to look next (absolute), the containers open there, and whether it is inside a string. */
  at: number;
  depth: number;
  inString: boolean;
  /** What the value is: selected or not (parsed, kept if selected), a node that is no object (parsed, kept), a node's own member (only its end is needed). */
  role?: 'own' | 'node';
}

class ValueScanner {
  private data: Buffer = Buffer.allocUnsafe(0);
  /** Absolute offset of data[0]; data holds bytes [base, base + filled). */
  private base = 0;
  private filled = 0;
  /** The next byte to read (absolute). */
  private at = 0;
  private readonly stack: Frame[] = [];
  private scan: ValueScan | undefined;
  private started = false;
  private done = false;
  private eof = false;
  private positions: Positions;
  private readonly patterns: readonly JsonPathPattern[];
  /** The paths the reader goes down towards: the selected ones and the tree's root. */
  private readonly targets: readonly JsonPathPattern[];
  private readonly maxDepth: number;
  private out: JsonValueItem[] = [];
  /** Why a tree node was handed over without all its members (JsonTree), once found. */
  readonly treeBreak = new FirstReason();
  /** The tree's children key as JSON text (`"child_spans"`), to find it among a node's keys without decoding them. */
  private readonly childrenKey: Buffer | undefined;

  /** JSON lines: the line of the value being read, whether a line break came since the last value ended, and why the file is not lines. */
  private valueLine = 0;
  private newlineSince = true;
  readonly linesBreak = new FirstReason();

  constructor(private readonly path: string, select: readonly JsonPathPattern[], private readonly tree?: JsonTree, private readonly lines?: JsonLines) {
    this.patterns = select;
    this.targets = tree ? [...select, tree.root] : select;
    this.childrenKey = tree ? Buffer.from(JSON.stringify(tree.children)) : undefined;
    this.maxDepth = Math.max(0, ...this.targets.map((p) => p.length));
    for (const p of select) {
      for (const q of select) if (p !== q && q.length > p.length && leadsTo(p, q)) throw new Error(`readJsonValues: ${JSON.stringify(q)} lies inside ${JSON.stringify(p)}; use readJsonDocument`);
    }
    this.positions = new Positions(0);
  }

  /** A buffer to read the next `n` bytes into (the unread bytes kept before it). */
  room(n: number): Buffer {
    // Keep from the value being scanned, else from the next byte to read; and a node's own text
    // until it is handed over.
    let keep = this.scan ? this.scan.start : this.at;
    const node = this.stack[this.stack.length - 1]?.node;
    if (node && !node.handed) keep = Math.min(keep, node.start);
    const from = keep - this.base;
    const used = this.filled - from;
    if (this.data.length - this.filled < n) {
      this.positions.advance(this.data, this.base, keep);
      if (used + n <= this.data.length) {
        this.data.copyWithin(0, from, this.filled);
      } else {
        const next = Buffer.allocUnsafe(Math.max(2 * (used + n), 4 * n));
        this.data.copy(next, 0, from, this.filled);
        this.data = next;
      }
      this.base = keep;
      this.filled = used;
    }
    return this.data.subarray(this.filled);
  }

  write(n: number, last: boolean): JsonValueItem[] {
    const first = !this.started;
    this.filled += n;
    this.eof = last;
    if (first) this.begin();
    this.run();
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Between two values of JSON lines (the last read whole): where a later read can go on. */
  get betweenValues(): boolean {
    return this.done && this.stack.length === 0 && this.scan === undefined;
  }

  end(): void {
    this.eof = true;
    this.run();
    if (!this.started) throw new UserInputError({ file: this.path, line: 1, column: 1, message: 'the file is empty' });
    if (!this.done) throw this.problemAt(this.base + this.filled, "invalid JSON: the file ends inside the document (it may be truncated): '}' or ']' expected");
  }

  /** Look at the file's first bytes: refuse UTF-16, skip a UTF-8 BOM. */
  private begin(): void {
    this.at = textStart(this.path, this.data.subarray(0, this.filled));
    this.positions = new Positions(this.at);
  }

  private get limit(): number {
    return this.base + this.filled;
  }

  private byte(abs: number): number {
    return this.data[abs - this.base];
  }

  /** Read tokens and values until the bytes run out (or the document ends). */
  private run(): void {
    for (;;) {
      if (this.scan) {
        if (!this.continueValue()) return;
        continue;
      }
      const i = this.skipSpace();
      if (i >= this.limit) return;
      this.started = true;
      if (this.done) {
        if (!this.lines) throw new SecondJsonValue(this.problemAt(i, 'invalid JSON: end of file expected (more than one JSON value? this may be JSONL)').problems);
        this.done = false;
      }
      const c = this.byte(i);
      const top = this.stack[this.stack.length - 1];
      if (!top && this.lines) this.startLine(i, c);
      if (!top || top.expect === 'value' || top.expect === 'firstValue') {
        if (top?.expect === 'firstValue' && c === RIGHT_BRACKET) { this.at = i + 1; this.close(); continue; }
        this.startValue(i, c);
        continue;
      }
      if (top.expect === 'key' || top.expect === 'firstKey') {
        if (top.expect === 'firstKey' && c === RIGHT_BRACE) { this.at = i + 1; this.close(); continue; }
        if (c !== QUOTE) throw this.problemAt(i, 'invalid JSON: property name expected (a trailing comma?)');
        const end = this.stringEnd(i + 1);
        if (end < 0) { if (this.eof) throw this.truncated(); return; }
        const firstOfLine = this.lines !== undefined && this.stack.length === 1 && top.expect === 'firstKey';
        if (top.node && !top.node.handed) {
          // A node's own key matters only as its children's key or not: its text is checked when
          // the node is parsed (most of a span tree's keys are read here).
          top.pendingKey = this.isChildrenKey(i, end) ? this.tree!.children : OWN_KEY;
        } else {
          if (!isUtf8(this.data.subarray(i - this.base, end - this.base))) throw this.problemAt(i, INVALID_UTF8);
          try {
            top.pendingKey = JSON.parse(this.text(i, end)) as string;
          } catch {
            throw this.problemAt(i, 'invalid JSON: this property name is malformed');
          }
          if (firstOfLine) this.checkFirstKey(top.pendingKey);
        }
        top.expect = 'colon';
        this.at = end;
        continue;
      }
      if (top.expect === 'colon') {
        if (c !== COLON) throw this.problemAt(i, 'invalid JSON: colon expected');
        top.expect = 'value';
        this.at = i + 1;
        continue;
      }
      // A comma or the end of the container.
      this.at = i + 1;
      if (c === COMMA) top.expect = top.isArray ? 'value' : 'key';
      else if (c === (top.isArray ? RIGHT_BRACKET : RIGHT_BRACE)) this.close();
      else throw this.problemAt(i, 'invalid JSON: comma expected');
    }
  }

  /** The value starting at byte `i`: go down into it when a selected path lies inside it, else find its end. */
  private startValue(i: number, c: number): void {
    const top = this.stack[this.stack.length - 1];
    if (this.tree && (top?.children || top?.node)) return this.startInTree(top, i, c);
    const path = this.pathOfNext();
    if (this.tree && matches(this.tree.root, path)) return this.startNode(path, i, c);
    const inside = (c === LEFT_BRACE || c === LEFT_BRACKET) && path.length < this.maxDepth && this.targets.some((p) => p.length > path.length && leadsTo(path, p));
    if (inside && !this.patterns.some((p) => matches(p, path))) return this.goDown(path[path.length - 1], i, c);
    this.scan = { start: i, at: i, depth: 0, inString: false };
  }

  /** Open the object or array at byte `i` (key `key` in its parent) and read its members one by one. */
  private goDown(key: string | number | undefined, i: number, c: number, kind: Pick<Frame, 'node' | 'children'> = {}): void {
    if (this.stack.length >= MAX_JSON_DEPTH) throw this.problemAt(i, tooDeepMessage());
    this.stack.push({ isArray: c === LEFT_BRACKET, key, count: 0, expect: c === LEFT_BRACKET ? 'firstValue' : 'firstKey', pendingKey: undefined, ...kind });
    this.at = i + 1;
  }

  /** A tree node at byte `i`: an object is read member by member; anything else is handed over as it is. */
  private startNode(path: JsonPath, i: number, c: number): void {
    if (c === LEFT_BRACE) return this.goDown(path[path.length - 1], i, c, { node: { start: i, ownEnd: i + 1, handed: false } });
    this.scan = { start: i, at: i, depth: 0, inString: false, role: 'node' };
  }

  /** A value inside the tree: a node of a children list, a node's children list, or one of its own members. */
  private startInTree(top: Frame, i: number, c: number): void {
    if (top.children) return this.startNode(this.pathOfNext(), i, c);
    const node = top.node!;
    if (top.pendingKey === this.tree!.children && c === LEFT_BRACKET) {
      this.handOver(top);
      return this.goDown(top.pendingKey, i, c, { children: true });
    }
    if (node.handed) this.treeBreak.note(`${jsonPathToString(this.pathOfNext())} comes after "${this.tree!.children}" in its object`);
    this.scan = { start: i, at: i, depth: 0, inString: false, role: 'own' };
  }

  /** Hand over the node `frame` as its own members (read so far), once. */
  private handOver(frame: Frame): void {
    const node = frame.node!;
    if (node.handed) return;
    node.handed = true;
    const path = this.pathOfFrame(frame);
    const bytes = this.data.subarray(node.start - this.base, node.ownEnd - this.base);
    if (!isUtf8(bytes)) throw this.problemAt(node.start, INVALID_UTF8);
    const own = this.text(node.start, node.ownEnd);
    const text = ownText(own);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw this.malformed(node.start, text);
    }
    const where = this.locationOver(node.start, own, node.ownEnd);
    this.out.push({ select: this.patterns.length, path, value, byteStart: node.start, byteEnd: node.ownEnd, node: true, location: where });
  }

  /** The location of bytes [start, end), whose decoded text is `text` (its end counted over the text). */
  private locationOver(start: number, text: string, end: number): SourceLocation {
    return location(this.positions.at(this.data, this.base, start), this.positions.overText(this.data, this.base, start, text, end));
  }

  /** The path of the container `frame` on the stack. */
  private pathOfFrame(frame: Frame): JsonPath {
    const path: (string | number)[] = [];
    for (let k = 1; k < this.stack.length; k++) {
      path.push(this.stack[k].key!);
      if (this.stack[k] === frame) break;
    }
    return path;
  }

  /** Whether the key whose text (quotes included) is bytes [start, end) is the tree's children key. */
  private isChildrenKey(start: number, end: number): boolean {
    const key = this.childrenKey!;
    const from = start - this.base;
    const text = this.data.subarray(from, end - this.base);
    if (text.equals(key)) return true;
    // An escaped spelling of it (`"child\u005fspans"`) is the same key to JSON.parse.
    if (text.indexOf(BACKSLASH) < 0) return false;
    try {
      return JSON.parse(this.text(start, end)) === this.tree!.children;
    } catch {
      return false;
    }
  }

  /** A JSON line's value starts at byte `i` (its first byte `c`): on a line of its own, an object. */
  private startLine(i: number, c: number): void {
    this.valueLine = this.positions.at(this.data, this.base, i).line;
    if (!this.newlineSince) this.linesBreak.note(`line ${this.valueLine + 1} holds more than one value`);
    else if (c !== LEFT_BRACE) this.linesBreak.note(`line ${this.valueLine + 1} is not a JSON object`);
    this.newlineSince = false;
  }

  /** A JSON line's first key must be one of those asked for. */
  private checkFirstKey(key: string): void {
    if (!this.lines!.firstKeys.includes(key)) this.linesBreak.note(`line ${this.valueLine + 1} starts with another key than ${this.lines!.firstKeys.join(' or ')}`);
  }

  /** A JSON line's value goes on past a line break. */
  private noteValueOverLines(): void {
    this.linesBreak.note(`the value of line ${this.valueLine + 1} goes on over several lines`);
  }

  /** The path of the value about to be read. */
  private pathOfNext(): JsonPath {
    const path: (string | number)[] = [];
    for (let k = 1; k < this.stack.length; k++) path.push(this.stack[k].key!);
    const top = this.stack[this.stack.length - 1];
    if (top) path.push(top.isArray ? top.count : top.pendingKey!);
    return path;
  }

  /** Go on finding the end of the value being scanned; false when the bytes ran out first. */
  private continueValue(): boolean {
    const scan = this.scan!;
    const end = this.valueEnd(scan);
    if (end < 0) {
      if (this.eof) throw this.truncated();
      return false;
    }
    this.scan = undefined;
    this.at = end;
    if (scan.role === 'own') {
      // A node's own member: the node's text is parsed whole when it is handed over.
      this.stack[this.stack.length - 1].node!.ownEnd = end;
      this.valueRead();
      return true;
    }
    const path = this.pathOfNext();
    this.valueRead();
    const bytes = this.data.subarray(scan.start - this.base, end - this.base);
    if (!isUtf8(bytes)) throw this.problemAt(scan.start, INVALID_UTF8);
    if (this.lines && bytes.indexOf(0x0a) >= 0) this.noteValueOverLines();
    let value: unknown;
    const text = this.text(scan.start, end);
    try {
      value = JSON.parse(text);
    } catch {
      throw this.malformed(scan.start, text);
    }
    const select = scan.role === 'node' ? this.patterns.length : this.patterns.findIndex((p) => matches(p, path));
    if (select >= 0) {
      const item: JsonValueItem = { select, path, value, byteStart: scan.start, byteEnd: end, ...(scan.role === 'node' ? { node: true as const } : {}), ...(this.lines ? { line: this.valueLine } : {}) };
      if (value !== null && typeof value === 'object') item.location = this.locationOver(scan.start, text, end);
      this.out.push(item);
    }
    return true;
  }

  /**
   * The end (absolute, exclusive) of the value `scan` started, or -1 when the bytes read do not
   * hold it yet (`scan` then says where to go on). A scalar ends at the first delimiter.
   */
  private valueEnd(scan: ValueScan): number {
    const limit = this.limit;
    let i = scan.at;
    let depth = scan.depth;
    if (scan.inString) {
      const e = this.stringEnd(i);
      if (e < 0) { scan.at = limit; return -1; }
      scan.inString = false;
      i = e;
      if (depth === 0) return i;
    }
    const first = this.byte(scan.start);
    if (i === scan.start && first !== LEFT_BRACE && first !== LEFT_BRACKET) {
      if (first === QUOTE) {
        const e = this.stringEnd(i + 1);
        if (e < 0) { scan.inString = true; scan.at = limit; return -1; }
        return e;
      }
      // A number, true, false or null: up to a delimiter (JSON.parse says whether it is one).
      let j = i;
      while (j < limit && !isDelimiter(this.byte(j))) j++;
      if (j === limit && !this.eof) return -1;
      return j;
    }
    const data = this.data;
    const base = this.base;
    const stackDepth = this.stack.length;
    while (i < limit) {
      const c = data[i - base];
      if (c === QUOTE) {
        const e = this.stringEnd(i + 1);
        if (e < 0) { scan.at = limit; scan.depth = depth; scan.inString = true; return -1; }
        i = e;
        continue;
      }
      if (c === LEFT_BRACE || c === LEFT_BRACKET) {
        if (++depth + stackDepth > MAX_JSON_DEPTH) throw this.problemAt(i, tooDeepMessage());
      } else if (c === RIGHT_BRACE || c === RIGHT_BRACKET) {
        if (--depth === 0) return i + 1;
      }
      i++;
    }
    scan.at = i;
    scan.depth = depth;
    return -1;
  }

  /** The end (absolute, after the closing quote) of the string whose text starts at `from`, or -1. */
  private stringEnd(from: number): number {
    const data = this.data;
    const base = this.base;
    const end = this.filled;
    let j = from - base;
    for (;;) {
      const q = data.indexOf(QUOTE, j);
      if (q < 0 || q >= end) return -1;
      let k = q - 1;
      while (data[k] === BACKSLASH) k--;
      // An even number of backslashes before it: the quote ends the string.
      if ((q - 1 - k) % 2 === 0) return base + q + 1;
      j = q + 1;
    }
  }

  private close(): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame.node) this.handOver(frame);
    this.stack.pop();
    this.valueRead();
  }

  /** A value was read whole (or a container closed): its parent expects a comma, or the document ended. */
  private valueRead(): void {
    const top = this.stack[this.stack.length - 1];
    if (top) {
      if (top.isArray) top.count++;
      top.expect = 'comma';
    } else {
      this.done = true;
    }
  }

  private skipSpace(): number {
    let i = this.at;
    const limit = this.limit;
    while (i < limit) {
      const c = this.byte(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      if (c === 0x0a && this.lines) {
        if (this.stack.length > 0) this.noteValueOverLines();
        this.newlineSince = true;
      }
      i++;
    }
    this.at = i;
    return i;
  }

  private text(start: number, end: number): string {
    return this.data.toString('utf8', start - this.base, end - this.base);
  }

  /**
   * Where and why the value at byte `start` (its text `text`) is not JSON, in the whole-file
   * reader's words: its locator finds the place in the value, which is then placed in the file.
   */
  private malformed(start: number, text: string): UserInputError {
    const at = this.positions.at(this.data, this.base, start);
    const p = SourceFile.fromText(this.path, text).locateJsonError(text, 0);
    const line = at.line + (p.line ?? 1);
    const column = (p.line ?? 1) === 1 ? at.offset - at.lineStart + (p.column ?? 1) : p.column ?? 1;
    return new UserInputError({ file: this.path, line, column, message: p.message });
  }

  private truncated(): UserInputError {
    return this.problemAt(this.limit, 'invalid JSON: the file ends inside a value (it may be truncated)');
  }

  private problemAt(abs: number, message: string): UserInputError {
    const p = this.positions.at(this.data, this.base, Math.min(abs, this.limit));
    return new UserInputError({ file: this.path, line: p.line + 1, column: p.offset - p.lineStart + 1, message });
  }
}

function isDelimiter(c: number): boolean {
  return c === COMMA || c === RIGHT_BRACE || c === RIGHT_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Whether `path` (or pattern) can be the start of a path `pattern` matches: each segment matches the pattern's there. */
function leadsTo(path: readonly (string | number)[], pattern: JsonPathPattern): boolean {
  for (let i = 0; i < path.length; i++) {
    const p = pattern[i];
    if (p !== '*' && path[i] !== '*' && String(p) !== String(path[i])) return false;
  }
  return true;
}
