/**
 * The trace debugger's breakpoints, in plain Node (the DAP adapter only translates):
 *
 * - exception filters = failures by taxonomy category: "all" (every failing step: error status,
 *   a finding or a tag), "tagged" (human tags and imported labels), and one filter per category of
 *   the active taxonomy, whose id is the category's id; a category's filter matches its
 *   descendants (a TRAIL root matches its parents' leaves);
 * - function breakpoints on tool names (`search`) and agent names (`agent:planner`);
 * - line breakpoints in the raw trace file, moved to the first line of the innermost step whose
 *   line range covers them, unverified where no step covers the line.
 *
 * Each may carry a condition (expression.ts), a hit condition (`5` = from the 5th hit on,
 * `>= 3`, `== 5`, `< 4`, `% 2` = every 2nd hit, as VS Code's JavaScript debugger reads them) and,
 * for source and function breakpoints, a log message (a logpoint: it writes a line and never
 * stops). A condition that fails to evaluate stops, saying why, and never throws.
 */
import { categoryIn } from '../annotations/categories';
import type { Finding } from '../detect/types';
import type { Step } from '../model/schema';
import type { Category, Taxonomy } from '../taxonomy/types';
import { compileExpression, compileLogMessage, ExpressionError, isTruthy, type CompiledExpression } from './expression';
import { isFailing, stepScope, type ExpressionScope, type StepScopeSource } from './step-scope';

export interface ExceptionFilter {
  filterId: string;
  label: string;
  description?: string;
  supportsCondition: true;
  conditionDescription: string;
  default?: boolean;
}

export interface BreakpointResult {
  /** Unique within the BreakpointSet; what `hitBreakpointIds` reports. */
  id: number;
  verified: boolean;
  message?: string;
  /** Line breakpoints: the first line of the step the breakpoint stops at. */
  line?: number;
}

export interface StopHit {
  reason: 'breakpoint' | 'exception';
  description: string;
  hitBreakpointIds: number[];
  /** Exception stops: the filter that matched. */
  filterId?: string;
}

export interface CheckResult {
  stop?: StopHit;
  /** Logpoint lines written at this step, in breakpoint order. */
  logs: string[];
}

export const ALL_FAILURES_FILTER = 'all';
export const TAGGED_FILTER = 'tagged';

const CONDITION_HELP = 'A condition on the step, e.g. tool == "search" or name =~ /fetch/';

/** The exception filters the Breakpoints view lists: all failures, human-tagged steps, then every category, parents before their children. */
export function exceptionFilters(taxonomy: Taxonomy): ExceptionFilter[] {
  const filters: ExceptionFilter[] = [
    {
      filterId: ALL_FAILURES_FILTER, label: 'All failures', default: true, supportsCondition: true, conditionDescription: CONDITION_HELP,
      description: 'Stop at every failing step: error status, a detector finding, a human tag or an imported label.',
    },
    {
      filterId: TAGGED_FILTER, label: 'Human-tagged steps', supportsCondition: true, conditionDescription: CONDITION_HELP,
      description: 'Stop at steps a person tagged (sidecar tags and the labels the trace came with).',
    },
  ];
  const visit = (c: Category, parent: Category | undefined, depth: number): void => {
    if (c.id === ALL_FAILURES_FILTER || c.id === TAGGED_FILTER) return;
    const code = c.name === c.id ? '' : ` (${c.id})`;
    filters.push({
      filterId: c.id,
      label: `${parent ? `${parent.name} › ` : ''}${c.name}${code}`,
      description: `${taxonomy.name}: ${c.definition}`,
      supportsCondition: true,
      conditionDescription: CONDITION_HELP,
    });
    if (depth < 32) for (const child of taxonomy.children(c.id)) visit(child, c, depth + 1);
  };
  for (const c of taxonomy.categories) if (c.parent === undefined || !taxonomy.get(c.parent)) visit(c, undefined, 0);
  return filters;
}

/** VS Code's hit conditions: `5` (from the 5th hit on), `>= 3`, `> 3`, `== 5`, `< 4`, `<= 4`, `% 2` (every 2nd hit). */
export function parseHitCondition(text: string): ((hits: number) => boolean) | string {
  const m = /^\s*(>=|<=|={1,3}|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) return `hit condition "${text}" is not valid: use a number (5), ">= 3", "== 5", "< 4" or "% 2"`;
  const n = Number(m[2]);
  switch (m[1]) {
    case undefined: case '>=': return (h) => h >= n;
    case '>': return (h) => h > n;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    case '%': return n === 0 ? `hit condition "${text}" is not valid: "% 0" divides by zero` : (h) => h % n === 0;
    default: return (h) => h === n;
  }
}

interface Common {
  id: number;
  /** What identifies the same breakpoint when VS Code sends the list again (keeps its id and hit count). */
  key: string;
  condition?: CompiledExpression;
  hit?: (hits: number) => boolean;
  hitText?: string;
  log?: { render(scope: ExpressionScope): string };
  hits: number;
  verified: boolean;
}

interface FilterBp extends Common { filterId: string }
interface FunctionBp extends Common { name: string; kind: 'agent' | 'tool' }
interface LineBp extends Common { line: number; at: number | undefined }

type Spec = { condition?: string; hitCondition?: string; logMessage?: string };

export class BreakpointSet {
  private nextId = 1;
  private filters: FilterBp[] = [];
  private functions: FunctionBp[] = [];
  private lines: LineBp[] = [];
  /** Line breakpoints by the step position they stop at. */
  private linesAt = new Map<number, LineBp[]>();
  private readonly ancestorCache = new Map<string, ReadonlySet<string>>();

  constructor(readonly taxonomy: Taxonomy) {}

  setExceptionFilters(filters: { filterId: string; condition?: string }[]): BreakpointResult[] {
    const known = new Set(exceptionFilters(this.taxonomy).map((f) => f.filterId));
    const previous = this.filters;
    this.filters = [];
    return filters.map((f) => {
      const bp: FilterBp = { ...this.common(`filter\0${f.filterId}\0${f.condition ?? ''}`, previous), filterId: f.filterId };
      const problem = known.has(f.filterId) ? this.prepare(bp, { condition: f.condition }) : `no failure category "${f.filterId}" in the taxonomy "${this.taxonomy.name}" (use all, tagged or a category id)`;
      return this.keep(bp, this.filters, problem);
    });
  }

  /** Tool names (`search`), or `agent:<name>` for agent steps. With `source`, a name no step has is unverified. */
  setFunctionBreakpoints(bps: { name: string; condition?: string; hitCondition?: string; logMessage?: string }[], source?: StepScopeSource): BreakpointResult[] {
    const previous = this.functions;
    this.functions = [];
    return bps.map((b) => {
      const raw = b.name.trim();
      const agent = /^agent:/i.test(raw);
      const name = agent ? raw.slice('agent:'.length).trim() : raw;
      const bp: FunctionBp = { ...this.common(`fn\0${raw}\0${b.condition ?? ''}\0${b.hitCondition ?? ''}\0${b.logMessage ?? ''}`, previous), name, kind: agent ? 'agent' : 'tool' };
      let problem = name === '' ? 'a function breakpoint needs a tool name, or agent:<name> for an agent' : this.prepare(bp, b);
      if (!problem && source && !source.steps.some((s) => matchesFunction(bp, s))) {
        problem = agent ? `no agent step named "${name}" in this trace` : `no call of a tool named "${name}" in this trace (agent steps: agent:${name})`;
      }
      return this.keep(bp, this.functions, problem);
    });
  }

  /**
   * `line`: 1-based line of the raw trace file. `stepRanges[i]`: the line range of step i (by
   * decision order), undefined when unknown. A breakpoint stops at the innermost step covering its
   * line (the smallest range; the later step on a tie) and moves to that step's first line.
   */
  setLineBreakpoints(
    bps: { line: number; condition?: string; hitCondition?: string; logMessage?: string }[],
    stepRanges: readonly ({ line: number; endLine: number } | undefined)[],
  ): BreakpointResult[] {
    const previous = this.lines;
    this.lines = [];
    this.linesAt = new Map();
    return bps.map((b) => {
      const at = Number.isInteger(b.line) ? innermostStep(stepRanges, b.line) : undefined;
      const bp: LineBp = { ...this.common(`line\0${at ?? `?${b.line}`}\0${b.condition ?? ''}\0${b.hitCondition ?? ''}\0${b.logMessage ?? ''}`, previous), line: b.line, at };
      let problem = this.prepare(bp, b);
      if (!problem && at === undefined) problem = `no step of the trace covers line ${b.line}`;
      const result = this.keep(bp, this.lines, problem);
      if (at !== undefined) {
        const list = this.linesAt.get(at);
        if (list) list.push(bp); else this.linesAt.set(at, [bp]);
        result.line = stepRanges[at]!.line;
      }
      return result;
    });
  }

  /**
   * Whether to stop at step `index` (called for each step the runtime passes while continuing, in
   * either direction), and the logpoint lines it writes. Breakpoints take precedence over
   * exception filters; every matching logpoint logs, even when the step also stops.
   */
  check(source: StepScopeSource, index: number): CheckResult {
    const step = source.steps[index];
    const logs: string[] = [];
    if (step === undefined) return { logs };
    let scope: ExpressionScope | undefined;
    const scopeAt = (): ExpressionScope => (scope ??= stepScope(source, index));
    const hitIds: number[] = [];
    const descriptions: string[] = [];
    const consider = (bp: Common, what: string): void => {
      if (!bp.verified) return;
      const outcome = this.evaluate(bp, scopeAt);
      if (outcome === false) return;
      if (typeof outcome === 'string') {
        // A logpoint never stops: it writes why its condition failed instead.
        if (bp.log) { logs.push(outcome); return; }
        hitIds.push(bp.id);
        descriptions.push(outcome);
        return;
      }
      if (bp.log) {
        logs.push(bp.log.render(scopeAt()));
        return;
      }
      hitIds.push(bp.id);
      descriptions.push(what);
    };
    for (const bp of this.linesAt.get(index) ?? []) consider(bp, `Breakpoint at line ${bp.line}`);
    for (const bp of this.functions) if (matchesFunction(bp, step)) consider(bp, bp.kind === 'agent' ? `Breakpoint on agent ${bp.name}` : `Breakpoint on tool ${bp.name}`);
    if (hitIds.length > 0) return { stop: { reason: 'breakpoint', description: descriptions.join('; '), hitBreakpointIds: hitIds }, logs };
    if (this.filters.length === 0 || !isFailing(source, index)) return { logs };
    for (const bp of this.filters) {
      if (!bp.verified) continue;
      const why = this.filterMatch(bp.filterId, source, index, step);
      if (why === undefined) continue;
      const outcome = this.evaluate(bp, scopeAt);
      if (outcome === false) continue;
      const description = typeof outcome === 'string' ? outcome : why;
      return { stop: { reason: 'exception', description, hitBreakpointIds: [bp.id], filterId: bp.filterId }, logs };
    }
    return { logs };
  }

  /** true: it counts (and its hit condition passes); false: not here; a string: the condition failed to evaluate, and why. */
  private evaluate(bp: Common, scopeAt: () => ExpressionScope): boolean | string {
    if (bp.condition) {
      let value: unknown;
      try {
        value = bp.condition.evaluate(scopeAt());
      } catch (e) {
        const why = e instanceof ExpressionError ? e.message : String(e);
        return `The condition "${bp.condition.text}" could not be evaluated: ${why}`;
      }
      if (!isTruthy(value)) return false;
    }
    bp.hits++;
    return bp.hit ? bp.hit(bp.hits) : true;
  }

  /** Why a failing step matches a filter (the stop's description), or undefined when it does not. */
  private filterMatch(filterId: string, source: StepScopeSource, index: number, step: Step): string | undefined {
    const findings = source.findingsAt(index);
    const tags = source.tagsAt(index);
    if (filterId === ALL_FAILURES_FILTER) {
      if (findings.length > 0) return this.describeFinding(findings[0]);
      if (tags.length > 0) return this.describeTag(tags[0]);
      return describeError(step);
    }
    if (filterId === TAGGED_FILTER) return tags.length > 0 ? this.describeTag(tags[0]) : undefined;
    for (const f of findings) if (this.findingCategories(f).some((c) => this.isUnder(c, filterId))) return this.describeFinding(f);
    for (const t of tags) if (this.isUnder(categoryIn({ category: t.category }, this.taxonomy), filterId)) return this.describeTag(t);
    return undefined;
  }

  /** A finding's categories in the active taxonomy: as shown, and every category its default id maps to. */
  private findingCategories(f: Finding & { defaultCategory?: string }): string[] {
    const out = [f.category];
    for (const d of [f.defaultCategory, f.category]) {
      if (typeof d === 'string') for (const c of this.taxonomy.allFromDefault(d)) if (!out.includes(c)) out.push(c);
    }
    return out;
  }

  private isUnder(categoryId: string, filterId: string): boolean {
    if (categoryId === filterId) return true;
    let ancestors = this.ancestorCache.get(categoryId);
    if (!ancestors) {
      const set = new Set<string>();
      for (let c = this.taxonomy.get(categoryId); c && !set.has(c.id) && set.size < 64; c = c.parent ? this.taxonomy.get(c.parent) : undefined) set.add(c.id);
      ancestors = set;
      this.ancestorCache.set(categoryId, ancestors);
    }
    return ancestors.has(filterId);
  }

  private categoryName(id: string): string {
    const c = this.taxonomy.get(id);
    return c ? (c.name === c.id ? c.name : `${c.name} (${c.id})`) : id;
  }

  private describeFinding(f: Finding): string {
    return `Failure: ${this.categoryName(f.category)}, rule ${f.rule}: ${oneLine(f.evidence)}`;
  }

  private describeTag(t: { category: string; note?: string }): string {
    return `Tagged: ${this.categoryName(categoryIn({ category: t.category }, this.taxonomy))}${t.note ? `: ${oneLine(t.note)}` : ''}`;
  }

  private common(key: string, previous: readonly Common[]): Common {
    const same = previous.find((p) => p.key === key);
    return { id: same?.id ?? this.nextId++, key, hits: same?.hits ?? 0, verified: false };
  }

  /** Compiles a breakpoint's condition, hit condition and log message; the problem, if any. */
  private prepare(bp: Common, spec: Spec): string | undefined {
    try {
      if (spec.condition !== undefined && spec.condition.trim() !== '') bp.condition = compileExpression(spec.condition);
    } catch (e) {
      return `Condition "${spec.condition}": ${e instanceof Error ? e.message : String(e)}`;
    }
    if (spec.hitCondition !== undefined && spec.hitCondition.trim() !== '') {
      const hit = parseHitCondition(spec.hitCondition);
      if (typeof hit === 'string') return hit.charAt(0).toUpperCase() + hit.slice(1);
      bp.hit = hit;
      bp.hitText = spec.hitCondition;
    }
    try {
      if (spec.logMessage !== undefined && spec.logMessage !== '') bp.log = compileLogMessage(spec.logMessage);
    } catch (e) {
      return `Log message "${spec.logMessage}": ${e instanceof Error ? e.message : String(e)}`;
    }
    return undefined;
  }

  private keep<T extends Common>(bp: T, into: T[], problem: string | undefined): BreakpointResult {
    bp.verified = problem === undefined;
    into.push(bp);
    return problem === undefined ? { id: bp.id, verified: true } : { id: bp.id, verified: false, message: problem };
  }
}

function matchesFunction(bp: FunctionBp, step: Step): boolean {
  if (bp.kind === 'agent') return step.kind === 'agent' && step.name === bp.name;
  return step.toolCall?.name === bp.name || (step.kind === 'tool' && step.name === bp.name);
}

/** The innermost step whose range covers `line`: the smallest range, the later step on a tie. */
function innermostStep(ranges: readonly ({ line: number; endLine: number } | undefined)[], line: number): number | undefined {
  let best: number | undefined;
  let bestSize = Infinity;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    if (!r || r.line > line || r.endLine < line) continue;
    const size = r.endLine - r.line;
    if (size <= bestSize) { best = i; bestSize = size; }
  }
  return best;
}

function describeError(step: Step): string {
  const e = step.error;
  if (!e) return `Failure: ${step.kind} ${oneLine(step.name)} ended with status error`;
  return `Failure: ${e.type ? `${oneLine(e.type)}: ` : ''}${oneLine(e.message)}`;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
