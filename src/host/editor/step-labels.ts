/**
 * The labels a trace came with, indexed per step for the editor: a step a person or a benchmark
 * labelled wrong (Who&When `mistake_step`, TRAIL errors of any impact, MAST) is a failing step,
 * counted, filtered, navigated with n/p and marked in the list, legend, timeline and minimap.
 * Each label counts under its category (as the user's taxonomy names it when it knows it) and
 * under a per-scheme pseudo category (`label:trail`) the legend offers as a filter.
 * No vscode here (the webview tests' stub host runs it).
 */
import type { ErrorTag } from '../../core/annotations';
import { describeLabel, isStepErrorLabel, readVerdictLabel, schemeName } from '../../core/model/labels';
import type { ImportedLabel, Step, Trace } from '../../core/model/schema';
import type { CategoryInfo } from '../../protocol';
import type { Taxonomy } from '../analysis/core-api';

/** Imported labels not in the taxonomy get one colour of their own, so they stand apart from findings. */
export const LABEL_COLOR = '--vscode-terminal-ansiMagenta';
const SCHEME_PREFIX = 'label:';

/** The legend's filter id for "steps labelled by this scheme". */
export function labelSchemeCategory(scheme: string): string {
  return `${SCHEME_PREFIX}${scheme}`;
}

const NONE: readonly ImportedLabel[] = Object.freeze([]);

export class StepLabels {
  /** Every error label per step position, as imported (only positions that have labels: most have none). */
  private readonly all = new Map<number, ImportedLabel[]>();
  /** Labels the editor derives for display (an Inspect score step that recorded a failing score). */
  private readonly derived: ImportedLabel[];
  /** The ones that count: not rejected by a sidecar entry on the same step and category. */
  private counting: ReadonlyMap<number, readonly ImportedLabel[]>;
  private readonly schemes: string[];
  /** For each shown label category, the scheme of its first label (one pass: a hostile trace may hold many categories). */
  private readonly schemeOfCategory = new Map<string, string>();

  /** `whole`: a step with its payloads (a step held without them is read back: see TraceSession.wholeStep). */
  constructor(trace: Trace, position: { get(stepId: string): number | undefined }, private readonly taxonomy: Taxonomy, whole: (step: Step) => Step = (step) => step) {
    const schemes = new Set<string>();
    this.derived = scoreStepLabels(trace, whole);
    for (const l of [...trace.labels, ...this.derived]) {
      if (!isStepErrorLabel(l)) continue;
      const i = position.get(l.stepId as string);
      if (i === undefined) continue;
      const list = this.all.get(i);
      if (list) list.push(l); else this.all.set(i, [l]);
      schemes.add(l.scheme);
      const shown = this.shownCategory(l);
      if (!this.schemeOfCategory.has(shown)) this.schemeOfCategory.set(shown, l.scheme);
    }
    this.counting = this.all;
    this.schemes = [...schemes].sort();
  }

  /** A label stops counting when the sidecar rejects its category on its step (what promotion does too). */
  applyTags(tagsAt: (i: number) => readonly ErrorTag[]): void {
    const counting = new Map<number, readonly ImportedLabel[]>();
    for (const [i, list] of this.all) {
      const rejected = tagsAt(i).filter((t) => t.status === 'rejected');
      const kept = rejected.length === 0 ? list : list.filter((l) => !rejected.some((t) => t.category === l.category || t.category === this.shownCategory(l)));
      if (kept.length) counting.set(i, kept);
    }
    this.counting = counting;
  }

  /** What the details pane lists for step i: the trace's labels on it, then the ones derived for display. */
  shownInDetails(trace: Trace, i: number, stepId: string): ImportedLabel[] {
    const own = trace.labels.filter((l) => l.stepId === stepId);
    const all = this.all.get(i) ?? NONE;
    return all.some((l) => this.derived.includes(l)) ? [...own, ...all.filter((l) => this.derived.includes(l))] : own;
  }

  /** Positions of the steps that have a counting label. */
  positions(): IterableIterator<number> {
    return this.counting.keys();
  }

  of(i: number): readonly ImportedLabel[] {
    return this.counting.get(i) ?? NONE;
  }

  has(i: number): boolean {
    return this.counting.has(i);
  }

  /** The label's category as the user's taxonomy names it (TRAIL names resolve under TRAIL), else as written. */
  shownCategory(l: ImportedLabel): string {
    return this.taxonomy.get(l.category)?.id ?? l.category;
  }

  /** Categories a labelled step counts under: its labels' and their schemes' pseudo categories, each once. */
  categories(i: number): string[] {
    const list = this.of(i);
    if (list.length === 0) return [];
    const out = new Set<string>();
    for (const l of list) out.add(this.shownCategory(l));
    for (const l of list) out.add(labelSchemeCategory(l.scheme));
    return [...out];
  }

  /** One line per label, for the row's tooltip. */
  descriptions(i: number): string[] {
    return this.of(i).map(describeLabel);
  }

  /**
   * Legend entries: one per scheme (a filter on labelled steps), and one for each label category
   * the taxonomy does not know, so that chip gets the label colour and says where it came from.
   */
  legendCategories(counts: ReadonlyMap<string, number>): CategoryInfo[] {
    const out: CategoryInfo[] = [];
    for (const scheme of this.schemes) {
      const id = labelSchemeCategory(scheme);
      const name = schemeName(scheme);
      out.push({ id, name: `${name} labels`, definition: `Steps labelled as failures by ${name}, imported with the trace`, color: LABEL_COLOR, count: counts.get(id) ?? 0, labelScheme: scheme });
    }
    return out;
  }

  /** For a label category the taxonomy lacks: where it came from. */
  foreignCategory(id: string, count: number): CategoryInfo | undefined {
    const scheme = this.schemeOfCategory.get(id);
    return scheme === undefined ? undefined : { id, name: id, definition: `Imported ${schemeName(scheme)} label`, color: LABEL_COLOR, count };
  }

  isSchemeCategory(id: string): boolean {
    return id.startsWith(SCHEME_PREFIX) && this.schemes.includes(id.slice(SCHEME_PREFIX.length));
  }
}

/**
 * Inspect keeps a sample's score as a trace-level label, and its `score` event as a step named
 * `score: <value>` with status ok. When the score says the sample failed ("I", "N", 0), that step
 * is where the verdict was recorded: it gets a display label `incorrect` (host-side only; the
 * trace and promotion are unchanged: runOutcome already treats the run as failed), so it is no
 * green "ok" and n/p reach it.
 */
function scoreStepLabels(trace: Trace, whole: (step: Step) => Step): ImportedLabel[] {
  if (trace.source.format !== 'inspect-ai') return [];
  const failing = trace.labels.filter((l) => l.scheme === 'inspect' && readVerdictLabel(l)?.outcome === 'fail');
  if (failing.length === 0) return [];
  const out: ImportedLabel[] = [];
  for (const step of trace.steps) {
    if (step.kind !== 'other' || !step.name.startsWith('score: ')) continue;
    // The score is in the step's output, which a step held without its payloads has only when read back.
    const recorded = whole(step).output?.value;
    const value = recorded !== null && typeof recorded === 'object' ? (recorded as { value?: unknown }).value : undefined;
    const l = failing.find((x) => x.value === value);
    if (!l) continue;
    out.push({
      stepId: step.id, scheme: 'inspect', category: 'incorrect', origin: l.origin,
      description: `The sample's score (${l.category}: ${String(l.value)}) says it failed.`,
      ...(l.evidence !== undefined ? { evidence: l.evidence } : {}),
    });
  }
  return out;
}
