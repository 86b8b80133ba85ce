/**
 * Which detector to trust: precision and recall of every detector rule and every category against
 * the human judgements that come with the traces. One implementation for the CLI
 * (`agent-trace eval-detectors`), the editor's Detector Report and `scripts/trail-eval.ts`.
 *
 * Human judgements (all on a step; whole-trace labels and verdicts are not judgements of a step):
 * - an imported step label (TRAIL, Who&When, MAST...: `isStepErrorLabel`, or `labelFilter`) says
 *   "this step has an error of this category" (a positive);
 * - a human tag in the sidecar (`source: "human"`, `status: "confirmed"`) is a positive;
 * - a confirmed finding (`source: "rule"`, `status: "confirmed"`) is a positive;
 * - a rejected sidecar entry says "not this category here" (a negative). It cancels imported labels
 *   of that category on that step (the rule `effectiveErrors` applies for training).
 * - silence is a negative only where someone looked: in a trace that came with step labels or a
 *   label file (annotators label a whole trace: TRAIL, MAST; an empty TRAIL label file means "no
 *   errors"), except for schemes that name only one step per run (`PARTIAL_SCHEMES`: Who&When
 *   names the decisive mistake), and on steps the sidecar marks as reviewed. Elsewhere a finding
 *   nobody judged is `unjudged`: it counts in neither precision nor recall.
 * A judgement's category is matched through the default taxonomy: it stands for the default ids
 * `defaultIdsOf` gives (TRAIL "Formatting Errors" = TOOL.ARGS_INVALID or OUT.FORMAT). A judgement
 * whose category maps to no default id (Who&When's "mistake") counts only in the location figures.
 *
 * Figures per rule and default category (R, D), e.g. (tool-error, TOOL.TIMEOUT):
 * - each finding of R with category D on step s is a prediction for (s, D). It is a true positive
 *   when the sidecar confirms it (`decisionOf`, the editor's rule), or, undecided, when a positive
 *   judgement on s stands for D; a false positive when the sidecar rejects it, or, undecided and
 *   unconfirmed, when s is in judged scope; else unjudged;
 * - each positive judgement on s that stands for D is found when R reported D on s, else a false
 *   negative of (R, D). So a rule's recall is the share of the human-labelled errors of its
 *   category it found (rules that share a category each miss what the other found).
 * - precision = tp / (tp + fp), recall = found / (found + fn), null when the denominator is 0;
 *   support = tp + fp + fn: the judged predictions plus the missed judgements.
 * Figures per category C of the taxonomy in use: predictions are (step, C) pairs, C the finding's
 * category as the taxonomy shows it (true when one of the step's findings of C is, false when one
 * is and none is true); judgements are those shown as C, found when any finding on their step
 * matches them (whatever its rule).
 * Location figures (TRAIL's location accuracy, as scripts/trail-eval.ts prints them): a judgement
 * is found when its step carries any finding; a step carrying findings counts as labelled when it
 * has a positive judgement, as unlabelled when it is in judged scope or all its findings are
 * rejected; precision and recall are 0 (not null) when there is nothing to divide.
 * Every figure keeps the step addresses behind it, in corpus order.
 */
import { decisionOf, defaultIdsOf, categoryIn, exportCategory, shownFindingCategory, type ErrorTag } from '../annotations';
import { RULES, type Finding } from '../detect';
import { isStepErrorLabel } from '../model/labels';
import type { ImportedLabel, Trace } from '../model/schema';
import { BUILTIN_TAXONOMIES, DEFAULT_TAXONOMY } from '../taxonomy';
import type { Taxonomy } from '../taxonomy/types';

/** Label schemes whose labels name one step of a run, not every faulty one: silence there is no "no error". */
export const PARTIAL_SCHEMES: readonly string[] = ['who-and-when'];

export interface StepAddress { file: string; traceIndex: number; stepId: string }

/** One analysed trace with its sidecar (a `CorpusTrace` is one). */
export interface EvalTrace {
  file: string;
  traceIndex: number;
  trace: Trace;
  findings: readonly Finding[];
  tagsByStep?: ReadonlyMap<string, readonly ErrorTag[]>;
  reviewed?: ReadonlySet<string>;
}

export interface EvalOptions {
  /** The taxonomy in use: category rows are in it, and a taxonomy file's own tag categories resolve through it. */
  taxonomy?: Taxonomy;
  /** Which imported labels are judgements (default `isStepErrorLabel`: step labels that are not scores). */
  labelFilter?: (l: ImportedLabel) => boolean;
}

export interface Judgement {
  address: StepAddress;
  /** The category as written. */
  category: string;
  /** The category in the taxonomy in use. */
  shownCategory: string;
  /** The default ids it stands for (empty: unmapped). */
  defaultIds: readonly string[];
  source: 'label' | 'tag' | 'confirmed';
  scheme?: string;
  rule?: string;
}

export interface Figure {
  /** Predictions a human confirmed. */
  tp: number;
  /** Predictions a human rejected, or made where a human looked and saw no such error. */
  fp: number;
  /** Positive judgements missed. */
  fn: number;
  /** Positive judgements found (recall's numerator). */
  found: number;
  /** Predictions nobody judged (in neither figure). */
  unjudged: number;
  precision: number | null;
  recall: number | null;
  support: number;
  examples: { tp: StepAddress[]; fp: StepAddress[]; fn: StepAddress[]; found: StepAddress[]; unjudged: StepAddress[] };
}

export interface RuleFigure extends Figure {
  rule: string;
  /** Default-taxonomy id. */
  category: string;
  /** The category in the taxonomy in use. */
  shownCategory: string;
}

export interface CategoryFigure extends Figure {
  /** Category in the taxonomy in use. */
  category: string;
  name?: string;
}

export interface LocationFigure {
  traces: number;
  labels: number;
  labelsFound: number;
  findingSpans: number;
  findingSpansLabelled: number;
  recall: number;
  precision: number;
  /** Judgement category as written -> [judgements, found at their step]. */
  labelCategories: Record<string, [number, number]>;
  /** Default category -> [steps carrying a finding of it, of which labelled]. */
  findingCategories: Record<string, [number, number]>;
  examples: { found: StepAddress[]; missed: StepAddress[]; labelled: StepAddress[]; unlabelled: StepAddress[] };
}

export interface DetectorEvaluation {
  taxonomy: string;
  rules: RuleFigure[];
  categories: CategoryFigure[];
  location: LocationFigure;
  judgements: {
    traces: number;
    /** Traces with at least one judgement or a judged scope. */
    judgedTraces: number;
    labels: number;
    tags: number;
    confirmed: number;
    rejected: number;
    /** Positive judgements whose category maps to no default id (location figures only). */
    unmapped: number;
  };
}

function emptyFigure(): Figure {
  return { tp: 0, fp: 0, fn: 0, found: 0, unjudged: 0, precision: null, recall: null, support: 0, examples: { tp: [], fp: [], fn: [], found: [], unjudged: [] } };
}

function finish<F extends Figure>(f: F): F {
  f.precision = f.tp + f.fp ? f.tp / (f.tp + f.fp) : null;
  f.recall = f.found + f.fn ? f.found / (f.found + f.fn) : null;
  f.support = f.tp + f.fp + f.fn;
  return f;
}

type Truth = 'tp' | 'fp' | 'unjudged';

/** The judgements of one trace, the rejections on its steps and whether silence there means "no error". */
export function judgementsOf(t: EvalTrace, options: EvalOptions = {}): { positives: Judgement[]; rejected: Set<string>; rejections: number; closed: boolean } {
  const taxonomy = options.taxonomy ?? DEFAULT_TAXONOMY;
  const filter = options.labelFilter ?? isStepErrorLabel;
  const steps = new Set(t.trace.steps.map((s) => s.id));
  const rejected = new Set<string>();
  let rejections = 0;
  const positives: Judgement[] = [];
  const tagged: Judgement[] = [];
  for (const [stepId, tags] of t.tagsByStep ?? []) {
    for (const tag of tags) {
      if (tag.status === 'rejected') {
        rejections++;
        rejected.add(`${stepId}\u0000${exportCategory(tag, taxonomy)}`).add(`${stepId}\u0000${tag.category}`);
        for (const d of defaultIdsOf(tag, taxonomy)) rejected.add(`${stepId}\u0000${d}`);
        continue;
      }
      tagged.push({
        address: { file: t.file, traceIndex: t.traceIndex, stepId }, category: tag.category, shownCategory: categoryIn(tag, taxonomy),
        defaultIds: defaultIdsOf(tag, taxonomy), source: tag.source === 'rule' ? 'confirmed' : 'tag', ...(tag.rule ? { rule: tag.rule } : {}),
      });
    }
  }
  let closed = typeof t.trace.metadata.labelFile === 'string';
  for (const l of t.trace.labels) {
    if (!filter(l) || l.stepId === null || !steps.has(l.stepId)) continue;
    if (!PARTIAL_SCHEMES.includes(l.scheme)) closed = true;
    const choice = { category: l.category, ...(Object.hasOwn(BUILTIN_TAXONOMIES, l.scheme) ? { taxonomy: l.scheme } : {}) };
    const defaultIds = defaultIdsOf(choice, taxonomy);
    if (rejected.has(`${l.stepId}\u0000${l.category}`) || defaultIds.some((d) => rejected.has(`${l.stepId}\u0000${d}`))) continue;
    positives.push({
      address: { file: t.file, traceIndex: t.traceIndex, stepId: l.stepId }, category: l.category, shownCategory: categoryIn(choice, taxonomy),
      defaultIds, source: 'label', scheme: l.scheme,
    });
  }
  positives.push(...tagged);
  return { positives, rejected, rejections, closed };
}

const matches = (j: Judgement, defaultId: string): boolean => j.defaultIds.includes(defaultId) || j.category === defaultId;

/** Accumulates figures trace by trace (a corpus need not be held in memory). */
export class DetectorEvaluator {
  private readonly taxonomy: Taxonomy;
  private readonly rules = new Map<string, RuleFigure>();
  private readonly categories = new Map<string, CategoryFigure>();
  private readonly location: LocationFigure = {
    traces: 0, labels: 0, labelsFound: 0, findingSpans: 0, findingSpansLabelled: 0, recall: 0, precision: 0,
    labelCategories: {}, findingCategories: {}, examples: { found: [], missed: [], labelled: [], unlabelled: [] },
  };
  private readonly counts = { traces: 0, judgedTraces: 0, labels: 0, tags: 0, confirmed: 0, rejected: 0, unmapped: 0 };
  /** Rules per default category they can report. */
  private readonly reporters = new Map<string, string[]>();

  constructor(private readonly options: EvalOptions = {}) {
    this.taxonomy = options.taxonomy ?? DEFAULT_TAXONOMY;
    for (const r of RULES) {
      for (const d of [r.category, ...(r.alsoReports ?? [])]) {
        this.rule(r.id, d);
        this.category(shownFindingCategory(d, this.taxonomy));
        const list = this.reporters.get(d) ?? [];
        list.push(r.id);
        this.reporters.set(d, list);
      }
    }
  }

  private rule(rule: string, category: string): RuleFigure {
    const key = `${rule}\u0000${category}`;
    let f = this.rules.get(key);
    if (!f) this.rules.set(key, (f = { rule, category, shownCategory: shownFindingCategory(category, this.taxonomy), ...emptyFigure() }));
    return f;
  }

  private category(category: string): CategoryFigure {
    let f = this.categories.get(category);
    if (!f) {
      const name = this.taxonomy.get(category)?.name;
      this.categories.set(category, (f = { category, ...(name && name !== category ? { name } : {}), ...emptyFigure() }));
    }
    return f;
  }

  add(t: EvalTrace): void {
    const { positives, rejections, closed } = judgementsOf(t, this.options);
    const c = this.counts;
    c.traces++;
    this.location.traces++;
    c.rejected += rejections;
    for (const j of positives) {
      if (j.source === 'label') c.labels++;
      else if (j.source === 'tag') c.tags++;
      else c.confirmed++;
      if (j.defaultIds.length === 0) c.unmapped++;
    }
    const reviewed = t.reviewed ?? new Set<string>();
    if (closed || positives.length || rejections || reviewed.size) c.judgedTraces++;
    const inScope = (stepId: string): boolean => closed || reviewed.has(stepId);
    const addr = (stepId: string): StepAddress => ({ file: t.file, traceIndex: t.traceIndex, stepId });

    const byStep = new Map<string, Finding[]>();
    for (const f of t.findings) {
      const list = byStep.get(f.stepId);
      if (list) list.push(f); else byStep.set(f.stepId, [f]);
    }
    const positivesAt = new Map<string, Judgement[]>();
    for (const j of positives) {
      const list = positivesAt.get(j.address.stepId);
      if (list) list.push(j); else positivesAt.set(j.address.stepId, [j]);
    }

    // Predictions, per rule and per category.
    const truthOf = (f: Finding): Truth => {
      const decision = decisionOf(t.tagsByStep?.get(f.stepId), f);
      if (decision) return decision.status === 'confirmed' ? 'tp' : 'fp';
      if ((positivesAt.get(f.stepId) ?? []).some((j) => matches(j, f.category))) return 'tp';
      return inScope(f.stepId) ? 'fp' : 'unjudged';
    };
    for (const [stepId, fs] of byStep) {
      const perCategory = new Map<string, Truth>();
      for (const f of fs) {
        const truth = truthOf(f);
        const r = this.rule(f.rule, f.category);
        r[truth]++;
        r.examples[truth].push(addr(stepId));
        const shown = shownFindingCategory(f.category, this.taxonomy);
        const prev = perCategory.get(shown);
        perCategory.set(shown, prev === 'tp' || truth === 'tp' ? 'tp' : prev === 'fp' || truth === 'fp' ? 'fp' : 'unjudged');
      }
      for (const [shown, truth] of perCategory) {
        const cf = this.category(shown);
        cf[truth]++;
        cf.examples[truth].push(addr(stepId));
      }
    }

    // Judgements: found or missed, per rule and per category.
    for (const j of positives) {
      if (j.defaultIds.length === 0) continue;
      const fs = byStep.get(j.address.stepId) ?? [];
      for (const d of j.defaultIds) {
        const rules = new Set([...(this.reporters.get(d) ?? []), ...fs.filter((f) => f.category === d).map((f) => f.rule)]);
        for (const rule of rules) {
          const r = this.rule(rule, d);
          const hit = fs.some((f) => f.rule === rule && f.category === d);
          if (hit) { r.found++; r.examples.found.push(j.address); } else { r.fn++; r.examples.fn.push(j.address); }
        }
      }
      const cf = this.category(j.shownCategory);
      if (fs.some((f) => matches(j, f.category))) { cf.found++; cf.examples.found.push(j.address); } else { cf.fn++; cf.examples.fn.push(j.address); }
    }

    // Location (TRAIL's measure).
    const loc = this.location;
    for (const j of positives) {
      loc.labels++;
      const hit = byStep.has(j.address.stepId);
      if (hit) { loc.labelsFound++; loc.examples.found.push(j.address); } else loc.examples.missed.push(j.address);
      const lc = (loc.labelCategories[j.category] ??= [0, 0]);
      lc[0]++;
      if (hit) lc[1]++;
    }
    for (const [stepId, fs] of byStep) {
      const hit = positivesAt.has(stepId);
      if (!hit && !inScope(stepId) && !fs.every((f) => decisionOf(t.tagsByStep?.get(stepId), f)?.status === 'rejected')) continue;
      loc.findingSpans++;
      if (hit) { loc.findingSpansLabelled++; loc.examples.labelled.push(addr(stepId)); } else loc.examples.unlabelled.push(addr(stepId));
      for (const cat of new Set(fs.map((f) => f.category))) {
        const fc = (loc.findingCategories[cat] ??= [0, 0]);
        fc[0]++;
        if (hit) fc[1]++;
      }
    }
  }

  result(): DetectorEvaluation {
    const loc = this.location;
    loc.recall = loc.labels ? loc.labelsFound / loc.labels : 0;
    loc.precision = loc.findingSpans ? loc.findingSpansLabelled / loc.findingSpans : 0;
    const categories = [...this.categories.values()].map(finish)
      .sort((a, b) => b.support - a.support || b.unjudged - a.unjudged || a.category.localeCompare(b.category));
    return { taxonomy: this.taxonomy.id, rules: [...this.rules.values()].map(finish), categories, location: loc, judgements: { ...this.counts } };
  }
}

/** The figures over the given traces (see the module comment for what counts). */
export function evaluateDetectors(traces: Iterable<EvalTrace>, options: EvalOptions = {}): DetectorEvaluation {
  const e = new DetectorEvaluator(options);
  for (const t of traces) e.add(t);
  return e.result();
}
