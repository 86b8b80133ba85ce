/**
 * Parse JSON text for user-edited files (sidecars, set.json) with located problems: syntax errors
 * at line:column, schema errors at the JSON path *and* the line:column of the offending value.
 */
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { LineIndex } from '../json/line-index';
import { jsonPathToString, type Problem } from '../util/problems';

export interface ParsedJson {
  value: unknown;
  /** Syntax slips we accept but report (a trailing comma, as in one real TRAIL label file). */
  warnings: Problem[];
}

/** Parse strictly, except for trailing commas (warned). Returns problems instead of throwing. */
export function parseJsonText(file: string, text: string): { value: unknown; warnings: Problem[] } | { problems: Problem[] } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return { problems: [{ file, line: 1, column: 1, message: 'the file is empty' }] };
  const lines = new LineIndex(body);
  const located = (e: ParseError, what: string): Problem => ({ file, ...lines.position(e.offset), message: what });
  const errors: ParseError[] = [];
  const tree = parseTree(body, errors, { allowTrailingComma: true, disallowComments: true, allowEmptyContent: false });
  if (errors.length || !tree) return { problems: errors.slice(0, 5).map((e) => located(e, `invalid JSON: ${describeParseError(e)}`)) };
  const value = valueOf(tree);
  // Lenient parse succeeded; a strict one tells us where the trailing commas are.
  const strict: ParseError[] = [];
  parse(body, strict, { allowTrailingComma: false, disallowComments: true });
  const warnings = strict.map((e) => located(e, 'trailing comma (accepted, although it is not valid JSON; it will not be written back)'));
  return { value, warnings };
}

/**
 * The value of a syntax tree. Every key becomes an own property, `__proto__` and `constructor`
 * included (assigning them, as a plain parse does, would set the object's prototype instead and
 * lose the key). Iterative, so nesting depth is not limited by the call stack.
 */
function valueOf(root: Node): unknown {
  const convert = (n: Node): unknown => (n.type === 'object' ? {} : n.type === 'array' ? [] : n.value);
  const top = convert(root);
  const work: { node: Node; into: unknown }[] = [{ node: root, into: top }];
  for (let item = work.pop(); item; item = work.pop()) {
    const { node, into } = item;
    if (node.type === 'array') {
      const list = into as unknown[];
      for (const child of node.children ?? []) {
        const v = convert(child);
        list.push(v);
        if (child.type === 'object' || child.type === 'array') work.push({ node: child, into: v });
      }
    } else if (node.type === 'object') {
      for (const prop of node.children ?? []) {
        const [key, child] = prop.children ?? [];
        if (!key || !child) continue;
        const v = convert(child);
        Object.defineProperty(into, String(key.value), { value: v, enumerable: true, writable: true, configurable: true });
        if (child.type === 'object' || child.type === 'array') work.push({ node: child, into: v });
      }
    }
  }
  return top;
}

function describeParseError(e: ParseError): string {
  switch (printParseErrorCode(e.error)) {
    case 'InvalidSymbol': return 'unexpected character';
    case 'PropertyNameExpected': return 'expected a property name in double quotes';
    case 'ValueExpected': return 'expected a value';
    case 'ColonExpected': return 'expected ":"';
    case 'CommaExpected': return 'expected ","';
    case 'CloseBraceExpected': return 'expected "}"';
    case 'CloseBracketExpected': return 'expected "]"';
    case 'EndOfFileExpected': return 'unexpected content after the JSON value';
    case 'UnexpectedEndOfString': return 'unterminated string';
    case 'InvalidEscapeCharacter': return 'invalid escape in a string';
    case 'InvalidUnicode': return 'invalid \\u escape';
    default: return printParseErrorCode(e.error);
  }
}

/** Turn zod issues into problems at `file:line:col ($.path): message`. */
export function zodProblems(file: string, text: string, error: z.ZodError, prefix: (string | number)[] = []): Problem[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const tree = parseTree(body, [], { allowTrailingComma: true });
  const lines = new LineIndex(body);
  return error.issues.slice(0, 20).map((issue) => {
    const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
    // Point at the deepest node that exists (a missing key points at its parent object).
    let node;
    for (let n = path.length; n >= 0 && !node; n--) node = tree ? findNodeAtLocation(tree, path.slice(0, n)) : undefined;
    const pos = node ? lines.position(node.offset) : {};
    return { file, ...pos, path: jsonPathToString(path), message: friendlier(issue.message) };
  });
}

/** zod 4 says "Invalid input: expected string, received undefined" for a missing key. */
function friendlier(message: string): string {
  const m = /^Invalid input: expected (\w+), received undefined$/.exec(message);
  return m ? `missing (expected a ${m[1]})` : message;
}
