/**
 * The trace query language: one language for the Trace Explorer and `agent-trace query` (issue
 * 14, section 2). A query selects traces by their {@link TraceRecord} and, for free text, by the
 * content of their steps.
 *
 * Grammar (AND is implied between terms; `OR` binds looser than AND; `-` and `NOT` negate):
 *
 * ```text
 * query   := or?
 * or      := and ("OR" and)*
 * and     := unary ("AND"? unary)*
 * unary   := ("-" | "NOT") unary | primary
 * primary := "(" or ")" | field ":" value | '"' text '"' | word
 * ```
 *
 * `OR`, `AND` and `NOT` are operators only in capitals; `or` is a word like any other.
 *
 * Fields:
 * - `category:` a failure category (detector findings not rejected, human tags, imported labels)
 *   in the chosen taxonomy: its id, a prefix of a dotted id (`category:TOOL` matches
 *   `TOOL.TIMEOUT`), a name or alias of the taxonomy (`category:"Timeout Issues"`), which also
 *   matches the categories below it, or a glob (`category:*TIMEOUT*`);
 * - `tool:` a tool the run called (exact, case-insensitive, or a glob: `tool:web_*`);
 * - `outcome:` `success` (`pass`), `failure` (`fail`), `partial` or `unknown`;
 * - `model:`, `format:` exact (case-insensitive) or a glob: `model:gpt-4o*`;
 * - `file:`, `title:`, `task:` contain the text (or match a glob when it has `*` or `?`);
 * - `tagged:`, `corrected:`, `reviewed:` `yes` or `no` (human tags, corrections, reviewed steps in
 *   the annotation sidecar);
 * - `steps:`, `cost:` (dollars), `tokens:` (`k` and `M` suffixes) and `duration:` (`ms`, `s`,
 *   `m`, `h`; seconds without a unit) take `N`, `>N`, `>=N`, `<N`, `<=N` or a range `A..B`
 *   (both ends included). A run that does not record the quantity matches no comparison.
 *
 * Anything else is free text: a bare word or a `"quoted phrase"`, searched case-insensitively in
 * the steps' content (names, messages, tool calls and results, errors). Free text is evaluated
 * last: the steps of a trace are searched only when its record, and the word index when the caller
 * has one (text-index.ts), do not decide the query.
 *
 * Examples:
 * ```text
 * category:TOOL.TIMEOUT tool:search outcome:failure
 * model:gpt-4o* tagged:yes corrected:no steps:>50 cost:>0.5 "rate limit"
 * (category:TOOL OR category:ORCH) -outcome:success
 * category:"Formatting Errors" file:GAIA
 * duration:1m..10m NOT tool:bash
 * ```
 *
 * Errors are {@link QuerySyntaxError}s with the 1-based column of the offending text and a
 * one-line message: `unknown field "catgory" at column 1; did you mean "category"?`.
 */
import type { Step } from '../model/schema';
import { searchableText } from '../engine/trace-index';
import type { WorkspaceTextIndex } from './text-index';
import { BUILTIN_TAXONOMIES, DEFAULT_TAXONOMY, type Taxonomy } from '../taxonomy';
import type { TraceRecord, TraceOutcome } from './trace-record';

/** A query that cannot be parsed: `column` (1-based) points at the offending text. */
export class QuerySyntaxError extends Error {
  constructor(readonly reason: string, readonly column: number, readonly hint?: string) {
    super(`${reason} at column ${column}${hint ? `; ${hint}` : ''}`);
    this.name = 'QuerySyntaxError';
  }
}

export const STRING_FIELDS = ['category', 'tool', 'model', 'format', 'file', 'title', 'task'] as const;
export const BOOLEAN_FIELDS = ['tagged', 'corrected', 'reviewed'] as const;
export const NUMBER_FIELDS = ['steps', 'cost', 'tokens', 'duration'] as const;
export const QUERY_FIELDS = [...STRING_FIELDS, 'outcome', ...BOOLEAN_FIELDS, ...NUMBER_FIELDS] as const;

export type StringField = (typeof STRING_FIELDS)[number];
export type BooleanField = (typeof BOOLEAN_FIELDS)[number];
export type NumberField = (typeof NUMBER_FIELDS)[number];
export type QueryField = (typeof QUERY_FIELDS)[number];

export type QueryNode =
  | { type: 'and' | 'or'; children: QueryNode[] }
  | { type: 'not'; child: QueryNode; column: number }
  | { type: 'text'; text: string; column: number }
  | { type: 'string'; field: StringField; value: string; glob?: RegExp; column: number }
  | { type: 'outcome'; value: TraceOutcome; column: number }
  | { type: 'boolean'; field: BooleanField; value: boolean; column: number }
  | { type: 'number'; field: NumberField; min: number; max: number; minOpen: boolean; maxOpen: boolean; column: number };

export interface Query {
  source: string;
  /** null: the empty query, which matches every trace. */
  root: QueryNode | null;
  /** Free-text terms, lower-cased, in the order written (they need the steps). */
  texts: string[];
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

type Token =
  | { t: '(' | ')' | 'OR' | 'AND' | 'NOT' | '-'; col: number }
  | { t: 'quoted'; text: string; col: number }
  | { t: 'word'; text: string; col: number }
  | { t: 'term'; field: string; value: string; col: number; valueCol: number; quoted: boolean };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const isSpace = (c: string): boolean => /\s/.test(c);
  const readQuoted = (start: number): { text: string; end: number } => {
    let text = '';
    let j = start + 1;
    for (; j < src.length; j++) {
      const c = src[j];
      if (c === '\\' && j + 1 < src.length && (src[j + 1] === '"' || src[j + 1] === '\\')) { text += src[++j]; continue; }
      if (c === '"') return { text, end: j + 1 };
      text += c;
    }
    throw new QuerySyntaxError('unclosed quote', start + 1, 'add a closing "');
  };
  while (i < src.length) {
    const c = src[i];
    if (isSpace(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ t: c, col: i + 1 }); i++; continue; }
    if (c === '"') {
      const q = readQuoted(i);
      out.push({ t: 'quoted', text: q.text, col: i + 1 });
      i = q.end;
      continue;
    }
    if (c === '-') {
      const next = src[i + 1];
      if (next === undefined || isSpace(next) || next === ')') throw new QuerySyntaxError('"-" must be followed by a term', i + 1, 'write -term without a space, or quote "-" to search for it');
      out.push({ t: '-', col: i + 1 });
      i++;
      continue;
    }
    const start = i;
    let colon = -1;
    while (i < src.length && !isSpace(src[i]) && src[i] !== '(' && src[i] !== ')' && src[i] !== '"') {
      if (src[i] === ':' && colon === -1) colon = i;
      i++;
    }
    const word = src.slice(start, i);
    if (colon === -1) {
      out.push(word === 'OR' || word === 'AND' || word === 'NOT' ? { t: word, col: start + 1 } : { t: 'word', text: word, col: start + 1 });
      continue;
    }
    const field = src.slice(start, colon);
    if (field === '') throw new QuerySyntaxError('missing field name before ":"', start + 1, `fields are ${QUERY_FIELDS.join(', ')}`);
    let value = src.slice(colon + 1, i);
    let quoted = false;
    if (value === '' && src[i] === '"') {
      const q = readQuoted(i);
      value = q.text;
      quoted = true;
      i = q.end;
    }
    out.push({ t: 'term', field, value, col: start + 1, valueCol: colon + 2, quoted });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parser (recursive descent)

/** Parse a query; throws {@link QuerySyntaxError} with the column of the problem. */
export function parseQuery(source: string): Query {
  const tokens = tokenize(source);
  const texts: string[] = [];
  let pos = 0;
  const end = source.length + 1;
  const peek = (): Token | undefined => tokens[pos];
  const colOf = (t: Token | undefined): number => t?.col ?? end;

  const parseOr = (): QueryNode => {
    const children = [parseAnd()];
    while (peek()?.t === 'OR') {
      const op = tokens[pos++];
      if (!startsUnary(peek())) throw new QuerySyntaxError('expected a term after OR', colOf(peek()) === end ? op.col : colOf(peek()));
      children.push(parseAnd());
    }
    return children.length === 1 ? children[0] : { type: 'or', children };
  };
  const startsUnary = (t: Token | undefined): boolean => t !== undefined && t.t !== ')' && t.t !== 'OR' && t.t !== 'AND';
  const parseAnd = (): QueryNode => {
    const children: QueryNode[] = [];
    for (;;) {
      const t = peek();
      if (t === undefined || t.t === ')' || t.t === 'OR') break;
      if (t.t === 'AND') {
        if (children.length === 0) throw new QuerySyntaxError('AND needs a term before it', t.col);
        pos++;
        if (!startsUnary(peek())) throw new QuerySyntaxError('expected a term after AND', peek() ? colOf(peek()) : t.col);
        continue;
      }
      children.push(parseUnary());
    }
    if (children.length === 0) {
      const t = peek();
      if (t?.t === 'OR') throw new QuerySyntaxError('OR needs a term before it', t.col);
      throw new QuerySyntaxError(t?.t === ')' ? 'expected a term before ")"' : 'expected a term', colOf(t));
    }
    return children.length === 1 ? children[0] : { type: 'and', children };
  };
  const parseUnary = (): QueryNode => {
    const t = peek()!;
    if (t.t === '-' || t.t === 'NOT') {
      pos++;
      if (!startsUnary(peek())) throw new QuerySyntaxError(`expected a term after ${t.t === '-' ? '"-"' : 'NOT'}`, peek() ? colOf(peek()) : t.col);
      return { type: 'not', child: parseUnary(), column: t.col };
    }
    return parsePrimary();
  };
  const parsePrimary = (): QueryNode => {
    const t = tokens[pos++];
    switch (t.t) {
      case '(': {
        if (peek()?.t === ')') throw new QuerySyntaxError('empty parentheses', t.col);
        if (peek() === undefined) throw new QuerySyntaxError('unclosed "("', t.col, 'add a closing ")"');
        const inner = parseOr();
        if (peek()?.t !== ')') throw new QuerySyntaxError('unclosed "("', t.col, 'add a closing ")"');
        pos++;
        return inner;
      }
      case 'quoted':
        if (t.text.trim() === '') throw new QuerySyntaxError('empty quotes', t.col, 'put the text to search for between them');
        texts.push(t.text.toLowerCase());
        return { type: 'text', text: t.text.toLowerCase(), column: t.col };
      case 'word':
        texts.push(t.text.toLowerCase());
        return { type: 'text', text: t.text.toLowerCase(), column: t.col };
      case 'term':
        return compileTerm(t);
      default:
        // ')', 'OR', 'AND' never reach here: startsUnary and parseAnd stop before them.
        throw new QuerySyntaxError(`unexpected ${t.t}`, t.col);
    }
  };

  if (tokens.length === 0) return { source, root: null, texts };
  const root = parseOr();
  const rest = peek();
  if (rest) throw new QuerySyntaxError(rest.t === ')' ? 'unexpected ")" without a matching "("' : `unexpected ${rest.t}`, rest.col);
  return { source, root, texts };
}

function compileTerm(t: Extract<Token, { t: 'term' }>): QueryNode {
  const field = t.field.toLowerCase();
  if (!(QUERY_FIELDS as readonly string[]).includes(field)) {
    const near = suggestField(field);
    throw new QuerySyntaxError(`unknown field ${JSON.stringify(t.field)}`, t.col,
      near ? `did you mean "${near}"?` : `fields are ${QUERY_FIELDS.join(', ')}; quote "${t.field}:${t.value}" to search for the text`);
  }
  const value = t.value;
  if (value.trim() === '') throw new QuerySyntaxError(`${field}: needs a value`, t.valueCol, exampleOf(field as QueryField));
  if ((STRING_FIELDS as readonly string[]).includes(field)) {
    return { type: 'string', field: field as StringField, value: value.toLowerCase(), ...(/[*?]/.test(value) ? { glob: globToRegExp(value) } : {}), column: t.col };
  }
  if (field === 'outcome') {
    const v = OUTCOMES[value.toLowerCase()];
    if (!v) throw new QuerySyntaxError(`outcome: takes success, failure, partial or unknown, not ${JSON.stringify(value)}`, t.valueCol);
    return { type: 'outcome', value: v, column: t.col };
  }
  if ((BOOLEAN_FIELDS as readonly string[]).includes(field)) {
    const v = YES_NO[value.toLowerCase()];
    if (v === undefined) throw new QuerySyntaxError(`${field}: takes yes or no, not ${JSON.stringify(value)}`, t.valueCol);
    return { type: 'boolean', field: field as BooleanField, value: v, column: t.col };
  }
  return { type: 'number', field: field as NumberField, ...parseComparison(field as NumberField, value, t.valueCol), column: t.col };
}

const OUTCOMES: Record<string, TraceOutcome> = {
  success: 'success', pass: 'success', passed: 'success', succeeded: 'success',
  failure: 'failure', fail: 'failure', failed: 'failure',
  partial: 'partial', unknown: 'unknown',
};
const YES_NO: Record<string, boolean> = { yes: true, no: false, true: true, false: false };

function exampleOf(field: QueryField): string {
  const ex: Record<QueryField, string> = {
    category: 'category:TOOL.TIMEOUT', tool: 'tool:search', model: 'model:gpt-4o*', format: 'format:otel', file: 'file:gaia',
    title: 'title:"login"', task: 'task:airline', outcome: 'outcome:failure', tagged: 'tagged:yes', corrected: 'corrected:no',
    reviewed: 'reviewed:yes', steps: 'steps:>50', cost: 'cost:>0.5', tokens: 'tokens:>10k', duration: 'duration:>30s',
  };
  return `e.g. ${ex[field]}`;
}

const NUMBER = /^(\d+(?:\.\d*)?|\.\d+)([a-z]*)$/i;

function parseComparison(field: NumberField, raw: string, col: number): { min: number; max: number; minOpen: boolean; maxOpen: boolean } {
  const range = raw.indexOf('..');
  if (range !== -1) {
    const lo = parseAmount(field, raw.slice(0, range), col);
    const hi = parseAmount(field, raw.slice(range + 2), col + range + 2);
    if (lo > hi) throw new QuerySyntaxError(`${field}: range ${raw} is empty (its start is after its end)`, col);
    return { min: lo, max: hi, minOpen: false, maxOpen: false };
  }
  const op = /^(>=|<=|>|<|=)?/.exec(raw)![0];
  const n = parseAmount(field, raw.slice(op.length), col + op.length);
  switch (op) {
    case '>': return { min: n, max: Infinity, minOpen: true, maxOpen: false };
    case '>=': return { min: n, max: Infinity, minOpen: false, maxOpen: false };
    case '<': return { min: -Infinity, max: n, minOpen: false, maxOpen: true };
    case '<=': return { min: -Infinity, max: n, minOpen: false, maxOpen: false };
    default: return { min: n, max: n, minOpen: false, maxOpen: false };
  }
}

const UNITS: Record<NumberField, Record<string, number>> = {
  steps: { '': 1 },
  cost: { '': 1 },
  tokens: { '': 1, k: 1e3, m: 1e6 },
  duration: { '': 1000, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 },
};

/** A number in the field's unit (ms for duration, dollars for cost). */
function parseAmount(field: NumberField, raw: string, col: number): number {
  const text = field === 'cost' && raw.startsWith('$') ? raw.slice(1) : raw;
  const m = NUMBER.exec(text);
  const units = UNITS[field];
  const unit = m ? (field === 'tokens' ? m[2].toLowerCase() : m[2]) : '';
  if (!m || units[unit] === undefined) {
    const unitHint = field === 'duration' ? ' (units ms, s, m, h; seconds without one)' : field === 'tokens' ? ' (k and M suffixes)' : '';
    throw new QuerySyntaxError(`${field}: expected a number${unitHint}, or >, >=, <, <= or a range a..b, not ${JSON.stringify(raw)}`, col, exampleOf(field));
  }
  return Number(m[1]) * units[unit];
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function suggestField(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const f of QUERY_FIELDS) {
    const d = f.startsWith(name) && name.length >= 2 ? 0.5 : editDistance(name, f);
    if (d < bestDistance) { best = f; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of two neighbours costs one, as a typo does.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], prev);
      prev = cur;
    }
  }
  return row[b.length];
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface QueryContext {
  /** The taxonomy the records' categories are named in (the one they were built with). */
  taxonomy: Taxonomy;
  /**
   * The workspace's word index (text-index.ts): free text it can answer is decided without the
   * steps; the steps are asked for only for what it cannot.
   */
  textIndex?: WorkspaceTextIndex<TraceRecord>;
}

export interface QueryHit {
  record: TraceRecord;
  /**
   * The first matching step: for free text the first step containing it; for category or tool
   * the first step with that failure (or call); else the first failing step; null when none.
   */
  stepId: string | null;
}

/** The steps of a record's trace, for free text; undefined when they cannot be had (no match then). */
export type StepSource = (record: TraceRecord) => readonly Step[] | undefined;

/**
 * Does the record match, and at which step? Record predicates are decided first; the steps are
 * asked for (and searched) only when free text could still change the answer.
 */
export function matchRecord(query: Query, record: TraceRecord, ctx: QueryContext, steps?: StepSource): QueryHit | undefined {
  if (query.root === null) return { record, stepId: record.firstFailingStepId };
  let search: TextOracle | undefined = ctx.textIndex ? new IndexedText(ctx.textIndex, record) : undefined;
  const first = evaluate(query.root, record, ctx, search);
  if (first === false) return undefined;
  // The steps decide what the record and the index could not, and place the match when the index
  // cannot say where each term first occurs.
  const placed = search !== undefined && query.texts.every((t) => search?.first(t) !== undefined);
  if (first === undefined || (query.texts.length > 0 && !placed)) {
    const list = steps?.(record);
    search = new StepText(list ?? []);
    if (first === undefined && evaluate(query.root, record, ctx, search) !== true) return undefined;
  }
  return { record, stepId: stepOfHit(query.root, record, ctx, search) };
}

/** Every record that matches, in the order given. */
export function runQuery(query: Query, records: Iterable<TraceRecord>, ctx: QueryContext, steps?: StepSource): QueryHit[] {
  const hits: QueryHit[] = [];
  for (const r of records) {
    const h = matchRecord(query, r, ctx, steps);
    if (h) hits.push(h);
  }
  return hits;
}

/** Where free text first occurs in a trace: positions that order its steps, and their ids. */
interface TextOracle {
  /** The first step containing `needle` (lower-case), as a position; -1: none; undefined: cannot say. */
  first(needle: string): number | undefined;
  stepIdAt(position: number): string | undefined;
}

/** Free text searched in the steps themselves: always an answer. */
class StepText implements TextOracle {
  private texts: string[] | undefined;
  private readonly cache = new Map<string, number>();
  constructor(private readonly steps: readonly Step[]) {}
  first(needle: string): number {
    let hit = this.cache.get(needle);
    if (hit === undefined) {
      this.texts ??= this.steps.map(searchableText);
      hit = this.texts.findIndex((t) => t.includes(needle));
      this.cache.set(needle, hit);
    }
    return hit;
  }
  stepIdAt(i: number): string | undefined { return this.steps[i]?.id; }
}

/** Free text answered by the workspace's word index, where it can. */
class IndexedText implements TextOracle {
  constructor(private readonly index: WorkspaceTextIndex<TraceRecord>, private readonly record: TraceRecord) {}
  first(needle: string): number | undefined { return this.index.answer(this.record, needle); }
  stepIdAt(slot: number): string | undefined { return this.index.stepIdAt(this.record, slot); }
}

type Tri = boolean | undefined;

/** Kleene logic: free text is unknown (undefined) until the steps are searched. */
function evaluate(node: QueryNode, r: TraceRecord, ctx: QueryContext, text: TextOracle | undefined): Tri {
  switch (node.type) {
    case 'and': {
      let result: Tri = true;
      for (const c of node.children) {
        const v = evaluate(c, r, ctx, text);
        if (v === false) return false;
        if (v === undefined) result = undefined;
      }
      return result;
    }
    case 'or': {
      let result: Tri = false;
      for (const c of node.children) {
        const v = evaluate(c, r, ctx, text);
        if (v === true) return true;
        if (v === undefined) result = undefined;
      }
      return result;
    }
    case 'not': {
      const v = evaluate(node.child, r, ctx, text);
      return v === undefined ? undefined : !v;
    }
    case 'text': {
      const at = text?.first(node.text);
      return at === undefined ? undefined : at !== -1;
    }
    case 'outcome': return r.outcome === node.value;
    case 'boolean': {
      const n = node.field === 'tagged' ? r.tags : node.field === 'corrected' ? r.corrections : r.reviewed;
      return (n > 0) === node.value;
    }
    case 'number': {
      const v = numberOf(r, node.field);
      if (v === null) return false;
      return (node.minOpen ? v > node.min : v >= node.min) && (node.maxOpen ? v < node.max : v <= node.max);
    }
    case 'string': return stringHit(node, r, ctx) !== undefined;
  }
}

function numberOf(r: TraceRecord, field: NumberField): number | null {
  switch (field) {
    case 'steps': return r.steps;
    case 'cost': return r.cost;
    case 'tokens': return r.tokens;
    case 'duration': return r.durationMs;
  }
}

/** A step candidate for the first match: its position in decision order and id; null: matches, no step. */
type StepCandidate = { index: number; stepId: string } | null;

/** undefined: no match; otherwise the earliest step the term is about (null when none). */
function stringHit(node: Extract<QueryNode, { type: 'string' }>, r: TraceRecord, ctx: QueryContext): StepCandidate | undefined {
  const is = (s: string | null): boolean => s !== null && (node.glob ? node.glob.test(s) : s.toLowerCase() === node.value);
  const contains = (s: string | null): boolean => s !== null && (node.glob ? node.glob.test(s) : s.toLowerCase().includes(node.value));
  switch (node.field) {
    case 'category': {
      const m = categoryMatcher(node);
      const found: StepCandidate[] = [];
      for (const c of r.categories) if (m(c.category, ctx.taxonomy)) found.push({ index: c.firstIndex, stepId: c.firstStepId });
      for (const l of r.labels) {
        if (l.value !== undefined && l.stepId === null) continue; // a verdict, not a failure category
        if (m(l.category, BUILTIN_TAXONOMIES[l.scheme] ?? ctx.taxonomy)) found.push(l.stepId !== null && l.stepIndex !== null ? { index: l.stepIndex, stepId: l.stepId } : null);
      }
      return found.length ? earliest(found) : undefined;
    }
    case 'tool': {
      const tools = r.tools.filter((t) => is(t.name));
      if (tools.length === 0) return undefined;
      // The first failure of the tool, else its first call.
      const failures = tools.filter((t) => t.firstFailureStepId !== null).map((t) => ({ index: t.firstFailureIndex!, stepId: t.firstFailureStepId! }));
      return earliest(failures.length ? failures : tools.map((t) => ({ index: t.firstIndex, stepId: t.firstStepId })));
    }
    case 'model': return r.models.some(is) ? null : undefined;
    case 'format': return is(r.format) ? null : undefined;
    case 'file': return contains(r.file) ? null : undefined;
    case 'title': return contains(r.title) ? null : undefined;
    case 'task': return contains(r.task) ? null : undefined;
  }
}

function earliest(list: readonly StepCandidate[]): StepCandidate {
  let best: StepCandidate = null;
  for (const c of list) if (c !== null && (best === null || c.index < best.index)) best = c;
  return best;
}

type CategoryTest = (category: string, inTaxonomy: Taxonomy) => boolean;
const matcherCache = new WeakMap<object, CategoryTest>();

/**
 * A category term against a category named in `inTaxonomy`: the same id or name (any case), a
 * category below the one named (through the taxonomy's parents, or a dotted-id prefix), a
 * default-taxonomy id mapped into that taxonomy, or the glob.
 */
function categoryMatcher(node: Extract<QueryNode, { type: 'string' }>): CategoryTest {
  const cached = matcherCache.get(node);
  if (cached) return cached;
  const v = node.value;
  const wanted = new Map<string, Set<string>>(); // taxonomy id -> lower-case category ids wanted
  const wantedIn = (tax: Taxonomy): Set<string> => {
    let set = wanted.get(tax.id);
    if (set) return set;
    set = new Set<string>();
    const named = tax.get(v);
    if (named) set.add(named.id.toLowerCase());
    // Default ids (and dotted prefixes of them) mapped into this taxonomy.
    if (tax.id !== DEFAULT_TAXONOMY.id) {
      for (const c of DEFAULT_TAXONOMY.categories) {
        const id = c.id.toLowerCase();
        if (id === v || id.startsWith(`${v}.`)) for (const m of tax.allFromDefault(c.id)) set.add(m.toLowerCase());
      }
    }
    wanted.set(tax.id, set);
    return set;
  };
  const test: CategoryTest = (category, tax) => {
    if (node.glob) return node.glob.test(category) || node.glob.test(tax.get(category)?.name ?? '');
    const lower = category.toLowerCase();
    if (lower === v || lower.startsWith(`${v}.`)) return true;
    const set = wantedIn(tax);
    if (set.size === 0) return false;
    // The category itself or any category above it.
    const seen = new Set<string>();
    for (let c = tax.get(category); c && !seen.has(c.id); c = c.parent ? tax.get(c.parent) : undefined) {
      seen.add(c.id);
      if (set.has(c.id.toLowerCase())) return true;
    }
    return false;
  };
  matcherCache.set(node, test);
  return test;
}

/** The step to open for a hit: free text first, then category/tool terms, else the first failing step. */
function stepOfHit(root: QueryNode, r: TraceRecord, ctx: QueryContext, search: TextOracle | undefined): string | null {
  const positives: QueryNode[] = [];
  const walk = (n: QueryNode, negated: boolean): void => {
    if (n.type === 'and' || n.type === 'or') n.children.forEach((c) => walk(c, negated));
    else if (n.type === 'not') walk(n.child, !negated);
    else if (!negated) positives.push(n);
  };
  walk(root, false);
  if (search) {
    let best = -1;
    for (const n of positives) {
      if (n.type !== 'text') continue;
      const i = search.first(n.text);
      if (i !== undefined && i !== -1 && (best === -1 || i < best)) best = i;
    }
    const id = best === -1 ? undefined : search.stepIdAt(best);
    if (id !== undefined) return id;
  }
  let best: StepCandidate = null;
  for (const n of positives) {
    if (n.type !== 'string' || (n.field !== 'category' && n.field !== 'tool')) continue;
    const c = stringHit(n, r, ctx);
    if (c && (best === null || c.index < best.index)) best = c;
  }
  return best?.stepId ?? r.firstFailingStepId;
}
