/**
 * The debugger's safe expression language: breakpoint conditions, logpoint messages, Watch and the
 * Debug Console, over the names of a step (step-scope.ts). Trace text is hostile, so:
 *
 * - parsing is jsep's (it only builds a tree; nothing is ever `eval`ed), with positions recorded
 *   by a subclass so every error names its column;
 * - evaluation walks that tree with a whitelist: literals, scope names, member access on own
 *   properties only (`__proto__`, `constructor`, `prototype` refused), negative indexes
 *   (`messages[-1]`), `== != < <= > >= && || ?? ! + - * / % in =~ !~ ?:` and the functions
 *   `count(e)`, `any(e)`, `len(x)`, `lower(s)`, `contains(s, sub)`;
 * - regexes (`name =~ /fetch/i`) run on RE2 (re2js), in time linear in the text;
 * - work is bounded: the text length, the nesting depth, the regex size, built strings, and the
 *   number of evaluation steps (strings cost by length) are all capped, so a watch over a
 *   10^6-step trace ends. `count` and `any` read every step once and are remembered per trace
 *   (same steps, same `version`), so a condition using them stays linear over a continue.
 *
 * Reading a member of `undefined` or `null` gives `undefined` (as `?.` would): a condition such as
 * `usage.outputTokens > 1000` is simply false on steps without usage instead of failing.
 */
import jsep from 'jsep';
import { RE2JS } from 're2js';
import { isScopeName, type ExpressionScope, type StepScopeSource } from './step-scope';

export type { ExpressionScope } from './step-scope';

/** Longest expression text accepted. */
export const MAX_EXPRESSION_LENGTH = 10_000;
/** Deepest nesting of the expression tree. */
export const MAX_EXPRESSION_DEPTH = 64;
/** Longest regex pattern, and its largest compiled program. */
export const MAX_REGEX_LENGTH = 2_000;
export const MAX_REGEX_PROGRAM = 20_000;
/** Longest string an expression may build (`+`, `lower`). Reading longer strings from the trace is fine. */
export const MAX_BUILT_STRING = 4_000_000;
/** Evaluation steps per evaluation: one per node, strings cost by their length (see `charge`). */
export const DEFAULT_EVALUATION_BUDGET = 20_000_000;

/** A bad expression (where and what), or a failed evaluation (then `column` is where it failed, 0 when unknown). */
export class ExpressionError extends Error {
  /** 1-based column in the expression text (0 when it concerns the whole expression). */
  readonly column: number;
  /** The problem without its location. */
  readonly detail: string;

  constructor(column: number, detail: string) {
    super(column > 0 ? `column ${column}: ${detail}` : detail);
    this.name = 'ExpressionError';
    this.column = column;
    this.detail = detail;
  }
}

/** An expression that parsed but could not be evaluated at a step (a type mismatch, the budget ran out...). */
export class EvaluationError extends ExpressionError {
  constructor(column: number, detail: string) {
    super(column, detail);
    this.name = 'EvaluationError';
  }
}

export interface EvaluateOptions {
  /** Evaluation steps allowed (default DEFAULT_EVALUATION_BUDGET). */
  budget?: number;
}

export interface CompiledExpression {
  readonly text: string;
  /** The value at a step. Throws EvaluationError (an ExpressionError) when it cannot be computed. */
  evaluate(scope: ExpressionScope, options?: EvaluateOptions): unknown;
}

export const FUNCTIONS: readonly { name: string; arity: number; description: string }[] = [
  { name: 'count', arity: 1, description: 'count(e): how many steps of the trace satisfy e (evaluated at each step)' },
  { name: 'any', arity: 1, description: 'any(e): whether some step of the trace satisfies e' },
  { name: 'len', arity: 1, description: 'len(x): length of a string or list, number of keys of an object, 0 for nothing' },
  { name: 'lower', arity: 1, description: 'lower(s): s in lower case' },
  { name: 'contains', arity: 2, description: 'contains(s, sub): whether the string s contains sub, or the list s holds sub' },
];
const FUNCTION_ARITY = new Map(FUNCTIONS.map((f) => [f.name, f.arity]));

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const SUPPORTED_BINARY = new Set(['||', '&&', '??', '==', '!=', '===', '!==', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '=~', '!~', 'in']);
const SUPPORTED_UNARY = new Set(['!', '-', '+']);

// jsep's operator table is global: these are the only additions (regex match and `in`).
jsep.addBinaryOp('=~', 6);
jsep.addBinaryOp('!~', 6);
jsep.addBinaryOp('in', 7);

// ---------------------------------------------------------------------------------------------
// Parsing

type Node = jsep.Expression;
interface RegexNode extends jsep.Expression { type: 'RegexLiteral'; pattern: string; flags: string }

interface JsepParser {
  index: number;
  readonly expr: string;
  readonly code: number;
  gobbleSpaces(): void;
  gobbleToken(): Node | false | undefined;
  gobbleIdentifier(): Node;
  gobbleStringLiteral(): Node;
  gobbleBinaryOp(): string | false;
  throwError(message: string): never;
  parse(): Node;
}
const JsepClass = (jsep as unknown as { Jsep: new (expr: string) => JsepParser }).Jsep;

/** jsep with every token's start recorded, regex literals read as text for RE2, unsupported operators refused where they stand. */
class LocatedParser extends JsepClass {
  readonly starts = new WeakMap<object, number>();

  override gobbleToken(): Node | false | undefined {
    this.gobbleSpaces();
    const start = this.index;
    if (this.code === 47 /* / */) return this.gobbleRegex();
    const node = super.gobbleToken();
    if (node && !this.starts.has(node)) this.starts.set(node, start);
    return node;
  }

  override gobbleIdentifier(): Node {
    const start = this.index;
    const node = super.gobbleIdentifier();
    this.starts.set(node, start);
    return node;
  }

  /** jsep reads `\u0041` as "u0041": decode \u, \u{…}, \x and \0 escapes as JavaScript does. */
  override gobbleStringLiteral(): Node {
    const start = this.index;
    const node = super.gobbleStringLiteral() as jsep.Literal;
    if (node.raw.includes('\\')) node.value = decodeEscapes(node.raw.slice(1, -1));
    this.starts.set(node, start);
    return node;
  }

  override gobbleBinaryOp(): string | false {
    this.gobbleSpaces();
    const start = this.index;
    const op = super.gobbleBinaryOp();
    if (op && !SUPPORTED_BINARY.has(op)) {
      this.index = start;
      this.throwError(`Unsupported operator ${op}`);
    }
    return op;
  }

  private gobbleRegex(): RegexNode {
    const start = this.index;
    const text = this.expr;
    let i = start + 1;
    let inClass = false;
    let pattern = '';
    for (;;) {
      if (i >= text.length || text[i] === '\n' || text[i] === '\r') {
        this.index = start;
        this.throwError('Unclosed regex');
      }
      const ch = text[i];
      if (ch === '\\') {
        pattern += text.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (ch === '/' && !inClass) break;
      if (ch === '[') inClass = true;
      else if (ch === ']') inClass = false;
      pattern += ch;
      i++;
    }
    i++;
    let flags = '';
    while (i < text.length && /[A-Za-z0-9_$]/.test(text[i])) flags += text[i++];
    this.index = i;
    const node: RegexNode = { type: 'RegexLiteral', pattern, flags };
    this.starts.set(node, start);
    return node;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', 0: '\0' };

function decodeEscapes(body: string): string {
  return body.replace(/\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([^]))/g, (all, braced?: string, four?: string, two?: string, other?: string) => {
    const hex = braced ?? four ?? two;
    if (hex !== undefined) {
      const code = parseInt(hex, 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return other === undefined ? all : SIMPLE_ESCAPES[other] ?? other;
  });
}

/** JavaScript's \uXXXX and \u{…} in a regex, spelled as RE2 wants them (\x{…}); other escapes are left alone. */
function toRe2Syntax(pattern: string): string {
  return pattern.replace(/\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|[^])/g, (all: string, braced?: string, four?: string) => {
    const hex = braced ?? four;
    return hex ? `\\x{${hex}}` : all;
  });
}

/** jsep's messages, said the way our other errors are. */
function describeSyntaxError(description: string): string {
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^Expected expression after (.+)$/, (m) => `expected an operand after "${m[1]}"`],
    [/^missing unaryOp argument$/, () => 'expected an operand after the sign'],
    [/^Unsupported operator (.+)$/, (m) => `operator "${m[1]}" is not supported (use == != < <= > >= && || ?? ! + - * / % in =~ !~)`],
    [/^Unclosed \($/, () => 'missing ")"'],
    [/^Unclosed \[$/, () => 'missing "]"'],
    [/^Unclosed quote after/, () => 'unclosed string'],
    [/^Unclosed regex$/, () => 'unclosed regex (end it with /)'],
    [/^Expected :$/, () => 'expected ":" (a ? b : c)'],
    [/^Expected comma$/, () => 'expected "," between arguments'],
    [/^Expected (.)$/, (m) => `missing "${m[1]}"`],
    [/^Variable names cannot start with a number/, () => 'a name cannot start with a digit'],
    [/^Unexpected token (.)$/, (m) => `unexpected "${m[1]}"`],
    [/^Unexpected period$/, () => 'unexpected "."'],
    [/^Unexpected "="$/, () => 'unexpected "=" (use == to compare; nothing can be assigned)'],
    [/^Unexpected "?(.*?)"?$/, (m) => (m[1] ? `unexpected "${m[1]}"` : 'unexpected end of the expression')],
  ];
  for (const [re, say] of rules) {
    const m = re.exec(description);
    if (m) return say(m);
  }
  return description.charAt(0).toLowerCase() + description.slice(1);
}

function parse(text: string, columnOffset: number): { root: Node; starts: WeakMap<object, number> } {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(0, `the expression is ${text.length.toLocaleString('en-US')} characters long; the limit is ${MAX_EXPRESSION_LENGTH.toLocaleString('en-US')}`);
  }
  const parser = new LocatedParser(text);
  let root: Node;
  try {
    root = parser.parse();
  } catch (e) {
    if (e instanceof RangeError) throw new ExpressionError(columnOffset + 1, `the expression is nested too deeply (limit ${MAX_EXPRESSION_DEPTH})`);
    const err = e as { index?: unknown; description?: unknown };
    if (typeof err.index === 'number' && typeof err.description === 'string') {
      // jsep stands past the token for "Unexpected token ,", and may step past the end of the text.
      const at = err.description.startsWith('Unexpected token ') ? err.index - 1 : err.index;
      throw new ExpressionError(columnOffset + Math.max(0, Math.min(at, text.length)) + 1, describeSyntaxError(err.description));
    }
    throw e;
  }
  return { root, starts: parser.starts };
}

// ---------------------------------------------------------------------------------------------
// Compilation to closures

interface Context {
  scope: ExpressionScope;
  /** Evaluation steps left, shared by the per-step evaluations of count() and any(). */
  budget: { left: number };
}

type Evaluator = (ctx: Context) => unknown;

/**
 * Whole-trace results of count() and any(), per source and per call site (the expression's text
 * and the call's column, so a watch compiled again at every stop finds its result). Bounded.
 */
const aggregateCache = new WeakMap<StepScopeSource, Map<string, { steps: number; version: number | undefined; value: unknown }>>();
const AGGREGATE_CACHE_MAX = 256;

class Compiler {
  constructor(private readonly text: string, private readonly starts: WeakMap<object, number>, private readonly offset: number) {}

  /** 1-based column of a node: its own start, or its leftmost part's. */
  column(node: Node): number {
    for (let n: Node | undefined = node, guard = 0; n && guard < MAX_EXPRESSION_DEPTH * 4; guard++) {
      const s = this.starts.get(n);
      if (s !== undefined) return this.offset + s + 1;
      n = (n.left ?? n.object ?? n.callee ?? n.test) as Node | undefined;
    }
    return this.offset + 1;
  }

  /** 1-based column of a binary operator: the last occurrence of it before its right operand. */
  operatorColumn(node: jsep.BinaryExpression): number {
    const right = this.column(node.right) - this.offset - 1;
    const at = this.text.lastIndexOf(node.operator, right - 1);
    return at >= 0 ? this.offset + at + 1 : this.column(node);
  }

  fail(node: Node, detail: string): never {
    throw new ExpressionError(this.column(node), detail);
  }

  compile(node: Node, depth: number, inAggregate: string | undefined): Evaluator {
    if (depth > MAX_EXPRESSION_DEPTH) this.fail(node, `the expression is nested too deeply (limit ${MAX_EXPRESSION_DEPTH})`);
    const col = this.column(node);
    switch (node.type) {
      case 'Literal': {
        const value = (node as jsep.Literal).value;
        return (ctx) => { charge(ctx, 1, col); return value; };
      }
      case 'RegexLiteral':
        this.fail(node, 'a regex can only be used after =~ or !~');
        break;
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        if (name === 'undefined') return (ctx) => { charge(ctx, 1, col); return undefined; };
        if (!isScopeName(name)) this.fail(node, `unknown name "${name}" (a step has: ${scopeNamesHint()})`);
        return (ctx) => { charge(ctx, 1, col); return ctx.scope.get(name); };
      }
      case 'ArrayExpression': {
        const elements = (node as jsep.ArrayExpression).elements.map((e) => (e ? this.compile(e, depth + 1, inAggregate) : () => undefined));
        return (ctx) => { charge(ctx, 1 + elements.length, col); return elements.map((e) => e(ctx)); };
      }
      case 'MemberExpression': return this.member(node as jsep.MemberExpression, depth, inAggregate);
      case 'CallExpression': return this.call(node as jsep.CallExpression, depth, inAggregate);
      case 'UnaryExpression': {
        const u = node as jsep.UnaryExpression;
        if (!SUPPORTED_UNARY.has(u.operator)) this.fail(node, `operator "${u.operator}" is not supported (use ! or -)`);
        const arg = this.compile(u.argument, depth + 1, inAggregate);
        const op = u.operator;
        return (ctx) => {
          charge(ctx, 1, col);
          const v = arg(ctx);
          if (op === '!') return !isTruthy(v);
          if (typeof v !== 'number') throw new EvaluationError(col, `"${op}" needs a number, got ${typeName(v)}`);
          return op === '-' ? -v : v;
        };
      }
      case 'BinaryExpression': return this.binary(node as jsep.BinaryExpression, depth, inAggregate);
      case 'ConditionalExpression': {
        const c = node as jsep.ConditionalExpression;
        const test = this.compile(c.test, depth + 1, inAggregate);
        const yes = this.compile(c.consequent, depth + 1, inAggregate);
        const no = this.compile(c.alternate, depth + 1, inAggregate);
        return (ctx) => { charge(ctx, 1, col); return isTruthy(test(ctx)) ? yes(ctx) : no(ctx); };
      }
      case 'Compound': {
        const body = (node as jsep.Compound).body;
        if (body.length === 0) throw new ExpressionError(this.offset + 1, 'the expression is empty');
        const word = body[1].type === 'Identifier' ? (body[1] as jsep.Identifier).name : '';
        const hint = ({ and: ' (write && for "and")', or: ' (write || for "or")', not: ' (write ! for "not")' } as Record<string, string>)[word.toLowerCase()] ?? ' (one expression only; no ";" or ",")';
        this.fail(body[1], `expected an operator before this${hint}`);
        break;
      }
      case 'SequenceExpression':
        this.fail(node, 'one expression only inside ( ); no ","');
        break;
      case 'ThisExpression':
        this.fail(node, '"this" is not available; use "step"');
        break;
    }
    return this.fail(node, `unsupported syntax (${node.type})`);
  }

  private member(node: jsep.MemberExpression, depth: number, inAggregate: string | undefined): Evaluator {
    const object = this.compile(node.object, depth + 1, inAggregate);
    if (!node.computed) {
      const key = (node.property as jsep.Identifier).name;
      const col = this.column(node.property);
      if (FORBIDDEN_KEYS.has(key)) this.fail(node.property, `"${key}" cannot be read`);
      return (ctx) => { charge(ctx, 1, col); return readMember(object(ctx), key, col); };
    }
    const property = node.property;
    const col = this.column(property);
    if (property.type === 'Literal' && typeof (property as jsep.Literal).value === 'string' && FORBIDDEN_KEYS.has((property as jsep.Literal).value as string)) {
      this.fail(property, `"${(property as jsep.Literal).value as string}" cannot be read`);
    }
    const key = this.compile(property, depth + 1, inAggregate);
    return (ctx) => { charge(ctx, 1, col); return readMember(object(ctx), key(ctx), col); };
  }

  private call(node: jsep.CallExpression, depth: number, inAggregate: string | undefined): Evaluator {
    const col = this.column(node.callee);
    if (node.callee.type !== 'Identifier') this.fail(node.callee, `only these functions can be called: ${functionNames()}`);
    const name = (node.callee as jsep.Identifier).name;
    const arity = FUNCTION_ARITY.get(name);
    if (arity === undefined) this.fail(node.callee, `unknown function "${name}" (functions: ${functionNames()})`);
    if (node.arguments.length !== arity) {
      this.fail(node.callee, `${name}() takes ${arity} argument${arity === 1 ? '' : 's'}, got ${node.arguments.length}`);
    }
    if ((name === 'count' || name === 'any') && inAggregate) {
      this.fail(node.callee, `${name}() cannot be used inside ${inAggregate}() (it would read the trace once per step)`);
    }
    const args = node.arguments.map((a) => this.compile(a, depth + 1, name === 'count' || name === 'any' ? name : inAggregate));
    switch (name) {
      case 'count':
      case 'any': {
        const body = args[0];
        const site = `${this.offset}\0${col}\0${this.text}`;
        return (ctx) => {
          charge(ctx, 1, col);
          const source = ctx.scope.source;
          const steps = source.steps.length;
          let perSource = aggregateCache.get(source);
          const hit = perSource?.get(site);
          if (hit && hit.steps === steps && hit.version === source.version) return hit.value;
          let n = 0;
          for (let i = 0; i < steps; i++) {
            charge(ctx, 1, col);
            if (isTruthy(body({ scope: ctx.scope.at(i), budget: ctx.budget }))) {
              n++;
              if (name === 'any') break;
            }
          }
          const value = name === 'count' ? n : n > 0;
          if (!perSource) aggregateCache.set(source, (perSource = new Map()));
          perSource.delete(site);
          if (perSource.size >= AGGREGATE_CACHE_MAX) perSource.delete(perSource.keys().next().value as string);
          perSource.set(site, { steps, version: source.version, value });
          return value;
        };
      }
      case 'len': return (ctx) => { charge(ctx, 1, col); return lengthOf(args[0](ctx), col); };
      case 'lower': return (ctx) => {
        charge(ctx, 1, col);
        const s = args[0](ctx);
        if (s === undefined || s === null) return s;
        if (typeof s !== 'string') throw new EvaluationError(col, `lower() needs a string, got ${typeName(s)}`);
        charge(ctx, s.length >> 6, col);
        return s.toLowerCase();
      };
      default: return (ctx) => { charge(ctx, 1, col); return containsValue(ctx, args[0](ctx), args[1](ctx), col); };
    }
  }

  private binary(node: jsep.BinaryExpression, depth: number, inAggregate: string | undefined): Evaluator {
    const op = node.operator;
    const col = this.operatorColumn(node);
    const left = this.compile(node.left, depth + 1, inAggregate);
    if (op === '=~' || op === '!~') {
      const negate = op === '!~';
      const matcher = this.regexOperand(node.right, depth, inAggregate);
      return (ctx) => {
        charge(ctx, 1, col);
        const subject = left(ctx);
        const re = matcher(ctx);
        if (typeof subject !== 'string') return negate;
        charge(ctx, subject.length >> 3, col);
        return re.test(subject) !== negate;
      };
    }
    const right = this.compile(node.right, depth + 1, inAggregate);
    switch (op) {
      case '&&': return (ctx) => { charge(ctx, 1, col); const a = left(ctx); return isTruthy(a) ? right(ctx) : a; };
      case '||': return (ctx) => { charge(ctx, 1, col); const a = left(ctx); return isTruthy(a) ? a : right(ctx); };
      case '??': return (ctx) => { charge(ctx, 1, col); const a = left(ctx); return a === undefined || a === null ? right(ctx) : a; };
      case '==': case '===': return (ctx) => { charge(ctx, 1, col); return equal(left(ctx), right(ctx)); };
      case '!=': case '!==': return (ctx) => { charge(ctx, 1, col); return !equal(left(ctx), right(ctx)); };
      case '<': case '<=': case '>': case '>=':
        return (ctx) => { charge(ctx, 1, col); return compare(op, left(ctx), right(ctx)); };
      case 'in': return (ctx) => { charge(ctx, 1, col); const a = left(ctx); return containsValue(ctx, right(ctx), a, col); };
      case '+': return (ctx) => { charge(ctx, 1, col); return plus(ctx, left(ctx), right(ctx), col); };
      default: return (ctx) => {
        charge(ctx, 1, col);
        const a = left(ctx);
        const b = right(ctx);
        if (typeof a !== 'number' || typeof b !== 'number') throw new EvaluationError(col, `"${op}" needs numbers, got ${typeName(a)} and ${typeName(b)}`);
        switch (op) {
          case '-': return a - b;
          case '*': return a * b;
          case '/': return a / b;
          default: return a % b;
        }
      };
    }
  }

  /** The right of =~: a regex literal (compiled now) or a string expression (compiled when evaluated, remembered). */
  private regexOperand(node: Node, depth: number, inAggregate: string | undefined): (ctx: Context) => RE2JS {
    if (node.type === 'RegexLiteral') {
      const r = node as RegexNode;
      const col = this.column(node);
      let re: RE2JS;
      try {
        re = compileRegex(r.pattern, r.flags);
      } catch (e) {
        throw new ExpressionError(col, (e as Error).message);
      }
      return () => re;
    }
    if (node.type === 'Literal' && typeof (node as jsep.Literal).value === 'string') {
      const col = this.column(node);
      let re: RE2JS;
      try {
        re = compileRegex((node as jsep.Literal).value as string, '');
      } catch (e) {
        throw new ExpressionError(col, (e as Error).message);
      }
      return () => re;
    }
    const pattern = this.compile(node, depth + 1, inAggregate);
    const col = this.column(node);
    let last: { text: string; re: RE2JS } | undefined;
    return (ctx) => {
      const p = pattern(ctx);
      if (typeof p !== 'string') throw new EvaluationError(col, `=~ needs a regex (/.../) or a string on its right, got ${typeName(p)}`);
      if (last?.text !== p) {
        charge(ctx, p.length, col);
        try {
          last = { text: p, re: compileRegex(p, '') };
        } catch (e) {
          throw new EvaluationError(col, (e as Error).message);
        }
      }
      return last.re;
    };
  }
}

function scopeNamesHint(): string {
  return 'kind, status, name, model, tool, usage, error, startTime, durationMs, messages, input, output, findings, tags, step...';
}

function functionNames(): string {
  return FUNCTIONS.map((f) => `${f.name}()`).join(', ');
}

function charge(ctx: Context, cost: number, col: number): void {
  ctx.budget.left -= cost;
  if (ctx.budget.left < 0) budgetExceeded(col);
}

function budgetExceeded(col: number): never {
  throw new EvaluationError(col, 'the expression needs too much work (it reads too many steps or too much text); narrow it');
}

// ---------------------------------------------------------------------------------------------
// Values

function compileRegex(pattern: string, flags: string): RE2JS {
  if (pattern.length > MAX_REGEX_LENGTH) throw new Error(`the regex is ${pattern.length} characters long; the limit is ${MAX_REGEX_LENGTH}`);
  let bits = 0;
  for (const f of flags) {
    if (f === 'i') bits |= RE2JS.CASE_INSENSITIVE;
    else if (f === 'm') bits |= RE2JS.MULTILINE;
    else if (f === 's') bits |= RE2JS.DOTALL;
    else throw new Error(`unknown regex flag "${f}" (use i, m or s)`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(toRe2Syntax(pattern), bits);
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, '');
    throw new Error(`bad regex /${pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern}/: ${why} (RE2 syntax: no lookaround or backreferences)`, { cause: e });
  }
  if (re.programSize() > MAX_REGEX_PROGRAM) throw new Error(`the regex is too large (program size ${re.programSize()}, limit ${MAX_REGEX_PROGRAM})`);
  return re;
}

function readMember(object: unknown, key: unknown, col: number): unknown {
  if (object === undefined || object === null) return undefined;
  if (typeof key === 'number') {
    if (!Number.isInteger(key)) throw new EvaluationError(col, `an index must be a whole number, got ${key}`);
    if (Array.isArray(object) || typeof object === 'string') {
      const i = key < 0 ? object.length + key : key;
      return i >= 0 && i < object.length ? object[i] : undefined;
    }
    key = String(key);
  }
  if (typeof key !== 'string') throw new EvaluationError(col, `a member name must be a string or a number, got ${typeName(key)}`);
  if (FORBIDDEN_KEYS.has(key)) throw new EvaluationError(col, `"${key}" cannot be read`);
  if (typeof object === 'string') return key === 'length' ? object.length : undefined;
  if (typeof object !== 'object') return undefined;
  if (Array.isArray(object)) return key === 'length' ? object.length : undefined;
  return Object.prototype.hasOwnProperty.call(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  return a === b;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    default: return a >= b;
  }
}

function plus(ctx: Context, a: unknown, b: unknown, col: number): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string' || typeof b === 'string') {
    const x = typeof a === 'string' ? a : formatValue(a);
    const y = typeof b === 'string' ? b : formatValue(b);
    if (x.length + y.length > MAX_BUILT_STRING) throw new EvaluationError(col, `the string would be ${x.length + y.length} characters long; the limit is ${MAX_BUILT_STRING}`);
    charge(ctx, (x.length + y.length) >> 6, col);
    return x + y;
  }
  throw new EvaluationError(col, `"+" needs numbers or strings, got ${typeName(a)} and ${typeName(b)}`);
}

function lengthOf(v: unknown, col: number): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (typeof v === 'object') return Object.keys(v).length;
  throw new EvaluationError(col, `len() needs a string, a list or an object, got ${typeName(v)}`);
}

/** `needle in haystack` and contains(haystack, needle): substring, list member (by ==), or own key. */
function containsValue(ctx: Context, haystack: unknown, needle: unknown, col: number): boolean {
  if (haystack === undefined || haystack === null) return false;
  if (typeof haystack === 'string') {
    if (typeof needle !== 'string') return false;
    charge(ctx, haystack.length >> 6, col);
    return haystack.includes(needle);
  }
  if (Array.isArray(haystack)) {
    charge(ctx, haystack.length, col);
    return haystack.some((x) => equal(x, needle));
  }
  if (typeof haystack === 'object') return typeof needle === 'string' && !FORBIDDEN_KEYS.has(needle) && Object.prototype.hasOwnProperty.call(haystack, needle);
  throw new EvaluationError(col, `"in" and contains() need a string, a list or an object, got ${typeName(haystack)}`);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing (undefined)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** Conditions: false, 0, NaN, "", null, undefined and the empty list are false; everything else is true. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

// ---------------------------------------------------------------------------------------------
// Public entry points

export function compileExpression(text: string): CompiledExpression {
  return compileAt(text, 0);
}

function compileAt(text: string, offset: number): CompiledExpression {
  const { root, starts } = parse(text, offset);
  const evaluator = new Compiler(text, starts, offset).compile(root, 0, undefined);
  return {
    text,
    evaluate(scope: ExpressionScope, options?: EvaluateOptions): unknown {
      const ctx: Context = { scope, budget: { left: options?.budget ?? DEFAULT_EVALUATION_BUDGET } };
      try {
        return evaluator(ctx);
      } catch (e) {
        if (e instanceof ExpressionError) throw e;
        if (e instanceof RangeError) throw new EvaluationError(0, `the evaluation failed: ${e.message}`);
        throw e;
      }
    },
  };
}

/** Longest text a value is shown as by default. */
export const DEFAULT_FORMAT_CHARS = 2_000;
const FORMAT_DEPTH = 12;

/**
 * A value as the Debug Console and logpoints show it: strings quoted, lists and objects as compact
 * JSON, cut at `maxChars` with "…". Never serializes more than it shows.
 */
export function formatValue(value: unknown, maxChars: number = DEFAULT_FORMAT_CHARS): string {
  const out: string[] = [];
  let size = 0;
  const limit = Math.max(1, maxChars);
  const full = (): boolean => size >= limit;
  const put = (s: string): void => {
    if (size >= limit) return;
    const room = limit - size;
    out.push(s.length > room ? s.slice(0, room) : s);
    size += Math.min(s.length, room);
  };
  const write = (v: unknown, depth: number): void => {
    if (full()) return;
    if (v === undefined) return put('undefined');
    if (v === null) return put('null');
    if (typeof v === 'string') {
      const cut = v.length > limit - size + 1;
      const q = JSON.stringify(cut ? v.slice(0, limit - size + 1) : v);
      return put(cut ? q.slice(0, -1) : q);
    }
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return put(String(v));
    if (typeof v !== 'object') return put(`<${typeof v}>`);
    if (depth >= FORMAT_DEPTH) return put(Array.isArray(v) ? '[…]' : '{…}');
    if (Array.isArray(v)) {
      put('[');
      for (let i = 0; i < v.length && !full(); i++) {
        if (i > 0) put(', ');
        write(v[i], depth + 1);
      }
      return put(']');
    }
    put('{');
    let first = true;
    for (const k in v) {
      if (full()) break;
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      if (!first) put(', ');
      first = false;
      put(/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
      put(': ');
      write((v as Record<string, unknown>)[k], depth + 1);
    }
    put('}');
  };
  write(value, 0);
  const text = out.join('');
  return size >= limit ? `${text}…` : text;
}

/** Longest line a logpoint writes. */
export const MAX_LOG_LINE = 10_000;

/**
 * A logpoint message: text with `{expression}` parts (`{name} took {durationMs} ms`); `{{` and
 * `}}` stand for braces. Strings are inserted as they are, other values as formatValue shows
 * them; a part that fails to evaluate shows `<error: ...>` (render never throws).
 */
export function compileLogMessage(template: string): { readonly text: string; render(scope: ExpressionScope): string } {
  if (template.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(0, `the log message is ${template.length.toLocaleString('en-US')} characters long; the limit is ${MAX_EXPRESSION_LENGTH.toLocaleString('en-US')}`);
  }
  const parts: (string | CompiledExpression)[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i];
    if (ch === '{' && template[i + 1] === '{') { literal += '{'; i += 2; continue; }
    if (ch === '}' && template[i + 1] === '}') { literal += '}'; i += 2; continue; }
    if (ch === '}') throw new ExpressionError(i + 1, 'a lone "}" (write "}}" for a brace)');
    if (ch !== '{') { literal += ch; i++; continue; }
    const end = closingBrace(template, i + 1);
    if (end < 0) throw new ExpressionError(i + 1, 'missing "}" after "{" (write "{{" for a brace)');
    const inner = template.slice(i + 1, end);
    if (inner.trim() === '') throw new ExpressionError(i + 1, 'empty "{}" (write "{{" for a brace)');
    if (literal) parts.push(literal);
    literal = '';
    parts.push(compileAt(inner, i + 1));
    i = end + 1;
  }
  if (literal) parts.push(literal);
  return {
    text: template,
    render(scope: ExpressionScope): string {
      let line = '';
      for (const p of parts) {
        if (line.length >= MAX_LOG_LINE) break;
        if (typeof p === 'string') { line += p; continue; }
        try {
          const v = p.evaluate(scope);
          line += typeof v === 'string' ? v.slice(0, MAX_LOG_LINE) : formatValue(v);
        } catch (e) {
          line += `<error: ${e instanceof ExpressionError ? e.detail : String(e)}>`;
        }
      }
      return line.length > MAX_LOG_LINE ? `${line.slice(0, MAX_LOG_LINE)}…` : line;
    },
  };
}

/** The `}` closing an expression that starts at `from`, skipping quoted strings; -1 when none. */
function closingBrace(s: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '}') return i;
  }
  return -1;
}
