/**
 * The figures of a corpus from the figures of its parts: the Detector Report evaluates a workspace
 * in chunks of files (one worker job each, so it can show progress and be cancelled) and adds the
 * chunks up here. Every figure is a count, so the sum of the parts' `DetectorEvaluation`s, in
 * corpus order, is the evaluation of the whole (test/unit/detector-eval/merge.test.ts checks it
 * equals `evaluateDetectors` over all traces); ratios are computed again from the sums.
 *
 * `maxExamples` keeps the first N step addresses of each list (the report shows no more). A part
 * may be capped too: as long as each part kept at least N, the first N of the sum are the first N
 * of the whole.
 */
import type { CategoryFigure, DetectorEvaluation, Figure, LocationFigure, RuleFigure, StepAddress } from './evaluate';

export interface MergeOptions {
  /** Keep at most this many step addresses per list (default: all). */
  maxExamples?: number;
}

const FIGURE_LISTS = ['tp', 'fp', 'fn', 'found', 'unjudged'] as const;
const LOCATION_LISTS = ['found', 'missed', 'labelled', 'unlabelled'] as const;

function cap(list: StepAddress[], max: number): StepAddress[] {
  return list.length > max ? list.slice(0, max) : list;
}

function addFigure<F extends Figure>(into: F, from: F, max: number): void {
  into.tp += from.tp;
  into.fp += from.fp;
  into.fn += from.fn;
  into.found += from.found;
  into.unjudged += from.unjudged;
  for (const k of FIGURE_LISTS) {
    if (into.examples[k].length < max) into.examples[k] = cap([...into.examples[k], ...from.examples[k]], max);
  }
}

/** The ratios of a summed figure, as `DetectorEvaluator.result` computes them. */
function finish<F extends Figure>(f: F): F {
  f.precision = f.tp + f.fp ? f.tp / (f.tp + f.fp) : null;
  f.recall = f.found + f.fn ? f.found / (f.found + f.fn) : null;
  f.support = f.tp + f.fp + f.fn;
  return f;
}

function copyFigure<F extends Figure>(f: F, max: number): F {
  const examples = { tp: cap(f.examples.tp, max), fp: cap(f.examples.fp, max), fn: cap(f.examples.fn, max), found: cap(f.examples.found, max), unjudged: cap(f.examples.unjudged, max) };
  return { ...f, examples };
}

/** The sum of evaluations of disjoint parts of a corpus, in the parts' order. */
export function mergeEvaluations(parts: readonly DetectorEvaluation[], options: MergeOptions = {}): DetectorEvaluation {
  const max = options.maxExamples ?? Number.POSITIVE_INFINITY;
  const taxonomy = parts[0]?.taxonomy ?? 'default';
  for (const p of parts) {
    if (p.taxonomy !== taxonomy) throw new Error(`cannot add up evaluations in two taxonomies (${taxonomy} and ${p.taxonomy})`);
  }
  const rules = new Map<string, RuleFigure>();
  const categories = new Map<string, CategoryFigure>();
  const location: LocationFigure = {
    traces: 0, labels: 0, labelsFound: 0, findingSpans: 0, findingSpansLabelled: 0, recall: 0, precision: 0,
    labelCategories: {}, findingCategories: {}, examples: { found: [], missed: [], labelled: [], unlabelled: [] },
  };
  const judgements = { traces: 0, judgedTraces: 0, labels: 0, tags: 0, confirmed: 0, rejected: 0, unmapped: 0 };
  for (const p of parts) {
    for (const r of p.rules) {
      const key = `${r.rule}\u0000${r.category}`;
      const into = rules.get(key);
      if (into) addFigure(into, r, max); else rules.set(key, copyFigure(r, max));
    }
    for (const c of p.categories) {
      const into = categories.get(c.category);
      if (into) addFigure(into, c, max); else categories.set(c.category, copyFigure(c, max));
    }
    const l = p.location;
    location.traces += l.traces;
    location.labels += l.labels;
    location.labelsFound += l.labelsFound;
    location.findingSpans += l.findingSpans;
    location.findingSpansLabelled += l.findingSpansLabelled;
    for (const [k, [n, hit]] of Object.entries(l.labelCategories)) {
      const into = (location.labelCategories[k] ??= [0, 0]);
      into[0] += n;
      into[1] += hit;
    }
    for (const [k, [n, hit]] of Object.entries(l.findingCategories)) {
      const into = (location.findingCategories[k] ??= [0, 0]);
      into[0] += n;
      into[1] += hit;
    }
    for (const k of LOCATION_LISTS) {
      if (location.examples[k].length < max) location.examples[k] = cap([...location.examples[k], ...l.examples[k]], max);
    }
    for (const k of Object.keys(judgements) as (keyof typeof judgements)[]) judgements[k] += p.judgements[k];
  }
  location.recall = location.labels ? location.labelsFound / location.labels : 0;
  location.precision = location.findingSpans ? location.findingSpansLabelled / location.findingSpans : 0;
  const sortedCategories = [...categories.values()].map(finish)
    .sort((a, b) => b.support - a.support || b.unjudged - a.unjudged || a.category.localeCompare(b.category));
  return { taxonomy, rules: [...rules.values()].map(finish), categories: sortedCategories, location, judgements };
}
