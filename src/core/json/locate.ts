/**
 * Finds where JSON values sit in the original text, so the editor can reveal a step and tag it
 * inline. Importers give each draft step the JSON path of its object; one pass over the text then
 * records the ranges of exactly those paths (linear in the file size).
 *
 * The pass walks the containers that may hold a wanted one and jumps over the others (a span's
 * attributes, a message's parts) to their closing bracket, strings found with the native indexOf:
 * most of a trace's text is inside containers nothing is wanted from. Tokenizing all of it with
 * jsonc-parser's visitor, which makes a string of every token, took 1.2 s of a 190 MB OTLP
 * document's load and most of its 1.2 s of collection. The visitor is still the answer for text
 * that is not strict JSON, which the walk gives up on.
 */
import { visit } from 'jsonc-parser';
import type { SourceLocation } from '../model/schema';
import type { SourceFile } from './source-file';
import { StringEnds } from './depth';

export type JsonPath = readonly (string | number)[];

export function pathKey(path: JsonPath): string {
  return path.map((s) => (typeof s === 'number' ? `#${s}` : `.${s}`)).join('');
}

/**
 * Locate paths in a JSON document. For JSONL files, the first path segment is the 0-based line
 * number of the record and the rest is the path inside that line's value.
 */
export function locatePaths(file: SourceFile, paths: JsonPath[], jsonl: boolean): Map<string, SourceLocation> {
  const found = new Map<string, SourceLocation>();
  if (paths.length === 0) return found;
  if (!jsonl) {
    scan(file, file.text, 0, new Set(paths.map(pathKey)), '', found);
    return found;
  }
  const byLine = new Map<number, Set<string>>();
  for (const p of paths) {
    if (typeof p[0] !== 'number') continue;
    const set = byLine.get(p[0]) ?? new Set<string>();
    set.add(pathKey(p.slice(1)));
    byLine.set(p[0], set);
  }
  const text = file.text;
  for (const [line, wanted] of byLine) {
    const start = file.lines.lineStart(line);
    const nl = text.indexOf('\n', start);
    let end = nl === -1 ? text.length : nl;
    if (end > start && text.charCodeAt(end - 1) === 0x0d /* \r */) end--;
    // A whole-line record (the common case) is the line itself: no need to copy or parse it again.
    if (wanted.size === 1 && wanted.has('')) {
      found.set(`#${line}`, { line: line + 1, column: 1, endLine: line + 1, endColumn: end - start + 1, offset: start, length: end - start });
      continue;
    }
    scan(file, text.slice(start, end), start, wanted, `#${line}`, found);
  }
  return found;
}

/**
 * Every key a wanted key starts with, cut where a segment may begin (`.` or `#`): a container whose
 * key is not among them holds nothing wanted. (A property name holding `.` or `#` adds a prefix
 * that is not a real one, which only keeps more containers.)
 */
function wantedPrefixes(wanted: Set<string>): Set<string> {
  const prefixes = new Set<string>(['']);
  for (const key of wanted) {
    for (let i = 1; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c === 0x2e /* . */ || c === 0x23 /* # */) prefixes.add(key.slice(0, i));
    }
    prefixes.add(key);
  }
  return prefixes;
}

/** An open container of the walk: its key, where it started, whether it is wanted, the next index of an array. */
interface OpenContainer { key: string; start: number; wanted: boolean; nextIndex: number }

function scan(file: SourceFile, text: string, base: number, wanted: Set<string>, prefix: string, out: Map<string, SourceLocation>): void {
  const found = walkStrictJson(text, wanted);
  if (!found) return scanWithVisitor(file, text, base, wanted, prefix, out);
  for (const [key, start, end] of found) {
    const a = file.lines.position(base + start);
    const b = file.lines.position(base + end);
    out.set(prefix + key, { line: a.line, column: a.column, endLine: b.line, endColumn: b.column, offset: base + start, length: end - start });
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The wanted containers of strict JSON `text`, each as [key, start, end) offsets; undefined when
 * the text is not strict JSON (the caller asks the tolerant visitor). Containers whose key is not
 * a prefix of a wanted one are jumped over to their closing bracket.
 */
function walkStrictJson(text: string, wanted: Set<string>): [string, number, number][] | undefined {
  const prefixes = wantedPrefixes(wanted);
  const strings = new StringEnds(text);
  const found: [string, number, number][] = [];
  const stack: OpenContainer[] = [];
  const n = text.length;
  let i = 0;
  const skipSpace = (): void => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  /** After the string whose quote is at `at`, or -1 when it does not end with a quote. */
  const stringEnd = (at: number): number => {
    const end = strings.endAfter(at + 1);
    return end <= n && text.charCodeAt(end - 1) === 0x22 /* " */ && end > at + 1 ? end : -1;
  };
  /** After the bracket that closes the container opened at `at`, or -1. */
  const containerEnd = (at: number): number => {
    let depth = 0;
    for (let j = at; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x22) {
        const end = stringEnd(j);
        if (end < 0) return -1;
        j = end - 1;
      } else if (c === 0x5b || c === 0x7b) {
        depth++;
      } else if (c === 0x5d || c === 0x7d) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  };
  let property: string | undefined;
  for (;;) {
    // A value: at the top, after a property's colon, or in an array.
    skipSpace();
    if (i >= n) return undefined;
    const c = text.charCodeAt(i);
    const parent = stack[stack.length - 1];
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const key = !parent ? '' : property !== undefined ? `${parent.key}.${property}` : `${parent.key}#${parent.nextIndex}`;
      if (!prefixes.has(key)) {
        i = containerEnd(i);
        if (i < 0) return undefined;
      } else {
        stack.push({ key, start: i, wanted: wanted.has(key), nextIndex: 0 });
        i++;
        skipSpace();
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (text.charCodeAt(i) !== close) {
          if (c === 0x7b) {
            const name = readProperty();
            if (name === undefined) return undefined;
            property = name;
          } else {
            property = undefined;
          }
          continue;
        }
        i = closeContainer(i);
      }
    } else if (c === 0x22) {
      i = stringEnd(i);
      if (i < 0) return undefined;
    } else {
      // A number, true, false or null: up to the next delimiter.
      const start = i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) break;
        i++;
      }
      if (i === start) return undefined;
    }
    // After a value: the next one of its container, or the container's end (perhaps several, each
    // a value of the one around it). An array counts its values; an object's have their property.
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) {
        skipSpace();
        return i === n ? found : undefined;
      }
      if (property === undefined) top.nextIndex++;
      property = undefined;
      skipSpace();
      const d = text.charCodeAt(i);
      if (d === 0x2c /* , */) {
        i++;
        if (text.charCodeAt(top.start) === 0x7b) {
          const name = readProperty();
          if (name === undefined) return undefined;
          property = name;
        }
        break;
      }
      if (d !== (text.charCodeAt(top.start) === 0x7b ? 0x7d : 0x5d)) return undefined;
      i = closeContainer(i);
      if (i < 0) return undefined;
    }
  }

  /** At the closing bracket at `at` of the innermost container: record it if wanted; after it. */
  function closeContainer(at: number): number {
    const top = stack.pop()!;
    if (top.wanted) found.push([top.key, top.start, at + 1]);
    return at + 1;
  }

  /** A property's name and its colon, from `i` (spaces first); undefined when there is none. */
  function readProperty(): string | undefined {
    skipSpace();
    if (text.charCodeAt(i) !== 0x22) return undefined;
    const end = stringEnd(i);
    if (end < 0) return undefined;
    const raw = text.slice(i + 1, end - 1);
    let name: string = raw;
    if (raw.includes('\\')) {
      try {
        name = JSON.parse(text.slice(i, end)) as string;
      } catch {
        return undefined;
      }
    }
    i = end;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a /* : */) return undefined;
    i++;
    return name;
  }
}

/** The tolerant pass: jsonc-parser's visitor over every token. */
function scanWithVisitor(file: SourceFile, text: string, base: number, wanted: Set<string>, prefix: string, out: Map<string, SourceLocation>): void {
  // Stack of open containers: the key of each, and where it started if it is wanted.
  const stack: { key: string; start: number; wanted: boolean; nextIndex: number }[] = [];
  // Containers that cannot hold a wanted one (a span's attributes, a message's parts) get no key:
  // building a key for every container of a 190 MB OTLP document took a second. `skipped` counts
  // how deep the walk is inside such a container.
  const prefixes = wantedPrefixes(wanted);
  let skipped = 0;
  let pendingProperty: string | undefined;
  const keyFor = (): string => {
    const parent = stack[stack.length - 1];
    if (!parent) return '';
    if (pendingProperty !== undefined) return `${parent.key}.${pendingProperty}`;
    return `${parent.key}#${parent.nextIndex}`;
  };
  const afterValue = (): void => {
    const parent = stack[stack.length - 1];
    if (parent && pendingProperty === undefined) parent.nextIndex++;
    pendingProperty = undefined;
  };
  const open = (offset: number): void => {
    if (skipped > 0) {
      skipped++;
      return;
    }
    const key = keyFor();
    pendingProperty = undefined;
    if (prefixes.has(key)) stack.push({ key, start: offset, wanted: wanted.has(key), nextIndex: 0 });
    else skipped = 1;
  };
  const close = (offset: number, length: number): void => {
    if (skipped > 0) {
      // Leaving the outermost skipped container: it was a value of the container around it.
      if (--skipped === 0) afterValue();
      return;
    }
    const top = stack.pop();
    if (top?.wanted) {
      const a = file.lines.position(base + top.start);
      const b = file.lines.position(base + offset + length);
      out.set(prefix + top.key, { line: a.line, column: a.column, endLine: b.line, endColumn: b.column, offset: base + top.start, length: offset + length - top.start });
    }
    afterValue();
  };
  visit(text, {
    onObjectBegin: (offset) => open(offset),
    onObjectEnd: (offset, length) => close(offset, length),
    onArrayBegin: (offset) => open(offset),
    onArrayEnd: (offset, length) => close(offset, length),
    onObjectProperty: (property) => {
      if (skipped === 0) pendingProperty = property;
    },
    onLiteralValue: () => {
      if (skipped === 0) afterValue();
    },
  }, { disallowComments: true });
}
