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

/** An open container of a pass: its key, where it started, whether it is wanted, the next index of an array. */
interface OpenContainer { key: string; start: number; wanted: boolean; nextIndex: number }

/** A wanted container found by a pass: its key and its [start, end) offsets in the text passed. */
type FoundContainer = [key: string, start: number, end: number];

function scan(file: SourceFile, text: string, base: number, wanted: Set<string>, prefix: string, out: Map<string, SourceLocation>): void {
  const found = walkStrictJson(text, wanted) ?? visitWanted(text, wanted);
  for (const [key, start, end] of found) {
    const a = file.lines.position(base + start);
    const b = file.lines.position(base + end);
    out.set(prefix + key, { line: a.line, column: a.column, endLine: b.line, endColumn: b.column, offset: base + start, length: end - start });
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** After the spaces from `i`. */
function afterSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** After the string whose quote is at `at`, or -1 when it does not end with a quote (a line break or the text's end). */
function afterString(text: string, strings: StringEnds, at: number): number {
  const end = strings.endAfter(at + 1);
  return text.charCodeAt(end - 1) === 0x22 /* " */ && end > at + 1 ? end : -1;
}

/** After the bracket that closes the container opened at `at`, or -1. */
function afterContainer(text: string, strings: StringEnds, at: number): number {
  let depth = 0;
  for (let j = at; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) {
      const end = afterString(text, strings, j);
      if (end < 0) return -1;
      j = end - 1;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

/** After a number, true, false or null at `at` (up to the next delimiter); -1 when there is none. */
function afterLiteral(text: string, at: number): number {
  let i = at;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) break;
    i++;
  }
  return i === at ? -1 : i;
}

/** After a property's quoted name at `at` (spaces already passed) and its colon; -1 when there is none. */
function afterPropertyName(text: string, strings: StringEnds, at: number): number {
  if (text.charCodeAt(at) !== 0x22) return -1;
  const end = afterString(text, strings, at);
  if (end < 0) return -1;
  const colon = afterSpace(text, end);
  return text.charCodeAt(colon) === 0x3a /* : */ ? colon + 1 : -1;
}

/**
 * The name of the property quoted at `at` (a string already passed: found again a character at a
 * time, since StringEnds only moves forward), its escapes read; undefined for a bad escape.
 */
function propertyName(text: string, at: number): string | undefined {
  let end = at + 1;
  let escaped = false;
  for (; end < text.length; end++) {
    const c = text.charCodeAt(end);
    if (c === 0x5c /* backslash */) {
      escaped = true;
      end++;
    } else if (c === 0x22) {
      break;
    }
  }
  if (!escaped) return text.slice(at + 1, end);
  try {
    return JSON.parse(text.slice(at, end + 1)) as string;
  } catch {
    return undefined;
  }
}

/**
 * The wanted containers of strict JSON `text`, each as [key, start, end) offsets; undefined when
 * the text is not strict JSON (the caller asks the tolerant visitor). Containers whose key is not
 * a prefix of a wanted one are jumped over to their closing bracket. (The position is a local that
 * no closure captures: V8 keeps it in a register.)
 */
function walkStrictJson(text: string, wanted: Set<string>): FoundContainer[] | undefined {
  const prefixes = wantedPrefixes(wanted);
  const strings = new StringEnds(text);
  const found: FoundContainer[] = [];
  const stack: OpenContainer[] = [];
  const n = text.length;
  let i = 0;
  // The property whose value is next, as the offset of its quoted name (-1: none, an array's
  // value); its name is read only for a container, whose key needs it (most values are not).
  let propertyAt = -1;
  for (;;) {
    // A value: at the top, after a property's colon, or in an array.
    i = afterSpace(text, i);
    if (i >= n) return undefined;
    const c = text.charCodeAt(i);
    const parent = stack[stack.length - 1];
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      let key = '';
      if (parent && propertyAt >= 0) {
        const name = propertyName(text, propertyAt);
        if (name === undefined) return undefined;
        key = `${parent.key}.${name}`;
      } else if (parent) {
        key = `${parent.key}#${parent.nextIndex}`;
      }
      if (!prefixes.has(key)) {
        i = afterContainer(text, strings, i);
        if (i < 0) return undefined;
      } else {
        stack.push({ key, start: i, wanted: wanted.has(key), nextIndex: 0 });
        i = afterSpace(text, i + 1);
        if (text.charCodeAt(i) !== (c === 0x7b ? 0x7d : 0x5d)) {
          propertyAt = -1;
          if (c === 0x7b) {
            propertyAt = i;
            i = afterPropertyName(text, strings, i);
            if (i < 0) return undefined;
          }
          continue;
        }
        const top = stack.pop()!;
        if (top.wanted) found.push([top.key, top.start, i + 1]);
        i++;
      }
    } else if (c === 0x22) {
      i = afterString(text, strings, i);
      if (i < 0) return undefined;
    } else {
      i = afterLiteral(text, i);
      if (i < 0) return undefined;
    }
    // After a value: the next one of its container, or the container's end (perhaps several, each
    // a value of the one around it). An array counts its values; an object's have their property.
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) return afterSpace(text, i) === n ? found : undefined;
      if (propertyAt < 0) top.nextIndex++;
      propertyAt = -1;
      i = afterSpace(text, i);
      const d = text.charCodeAt(i);
      const isObject = text.charCodeAt(top.start) === 0x7b;
      if (d === 0x2c /* , */) {
        i = afterSpace(text, i + 1);
        if (isObject) {
          propertyAt = i;
          i = afterPropertyName(text, strings, i);
          if (i < 0) return undefined;
        }
        break;
      }
      if (d !== (isObject ? 0x7d : 0x5d)) return undefined;
      stack.pop();
      if (top.wanted) found.push([top.key, top.start, i + 1]);
      i++;
    }
  }
}

/** The tolerant pass, for text that is not strict JSON: jsonc-parser's visitor over every token. */
function visitWanted(text: string, wanted: Set<string>): FoundContainer[] {
  const found: FoundContainer[] = [];
  const stack: OpenContainer[] = [];
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
    if (top?.wanted) found.push([top.key, top.start, offset + length]);
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
  return found;
}
