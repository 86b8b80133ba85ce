/**
 * Finds where JSON values sit in the original text, so the editor can reveal a step and tag it
 * inline. Importers give each draft step the JSON path of its object; one visitor pass over the
 * text then records the ranges of exactly those paths (linear in the file size).
 */
import { visit } from 'jsonc-parser';
import type { SourceLocation } from '../model/schema';
import type { SourceFile } from './source-file';

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

function scan(file: SourceFile, text: string, base: number, wanted: Set<string>, prefix: string, out: Map<string, SourceLocation>): void {
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
