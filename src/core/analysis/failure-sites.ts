/**
 * Turns a file's analysis into "failure sites": one per finding, with the step's place in the
 * file and the category as the chosen taxonomy names it. Pure (no vscode) so the diagnostics,
 * CodeLens, navigation and the Agent Traces view all agree, and it can be unit-tested.
 */
import type { FileAnalysis } from '../analyze';
import type { Finding } from '../detect';
import type { SourceLocation, Step, Trace } from '../model/schema';
import { DEFAULT_TAXONOMY, type Impact, type Taxonomy } from '../taxonomy';
import { reviewOf, sameTrace, stepLocation, traceIndexOf, type AnnotationDocument, type ErrorTag } from '../annotations';

export interface FailureSite {
  traceIndex: number;
  stepId: string;
  stepName: string;
  /** Category id in the chosen taxonomy (falls back to the default id when unmapped). */
  category: string;
  categoryName: string;
  /** CSS variable of the category colour, e.g. `--vscode-charts-red`. */
  color: string;
  impact: Impact;
  rule: string;
  evidence: string;
  /** 1-based, from the importer; undefined when the format has no positions (e.g. `.eval` zips). */
  location?: SourceLocation;
  /** The category as the detector emitted it (default taxonomy): what a rejection in the sidecar names. */
  detectorCategory: string;
  /** The step's id as the sidecar addresses it (its id as written in the trace) and the trace's index in the file. */
  ref: { location: string; traceIndex: number };
}

/** A step with a position in the file, for "which step is under the cursor" and tag diagnostics. */
export interface StepSite {
  traceIndex: number;
  stepId: string;
  stepName: string;
  ref: { location: string; traceIndex: number };
  location: SourceLocation;
}

/** Every located step of the analysed traces, in file order. */
export function stepSites(traces: readonly Trace[]): StepSite[] {
  const out: StepSite[] = [];
  traces.forEach((trace, traceIndex) => {
    const ti = traceIndexOf(trace);
    for (const s of trace.steps) {
      if (s.location) out.push({ traceIndex, stepId: s.id, stepName: s.name, ref: { location: stepLocation(s), traceIndex: ti }, location: s.location });
    }
  });
  return out.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column);
}

/** The innermost located step containing a 1-based position. */
export function stepAtPosition(steps: readonly StepSite[], line: number, column: number): StepSite | undefined {
  let best: StepSite | undefined;
  let bestSize = Infinity;
  for (const s of steps) {
    const l = s.location;
    if (l.line > line) break;
    const after = line > l.line || (line === l.line && column >= l.column);
    const before = line < l.endLine || (line === l.endLine && column <= l.endColumn);
    if (!after || !before) continue;
    const size = (l.endLine - l.line) * 1e6 + (l.endColumn - l.column);
    if (size <= bestSize) { best = s; bestSize = size; }
  }
  return best;
}

/** Is this finding rejected in the annotations? The core's one rule, as in the trace editor and promotion. */
export function isRejected(site: Pick<FailureSite, 'ref' | 'detectorCategory' | 'rule'>, doc: AnnotationDocument | undefined): boolean {
  if (!doc) return false;
  const stepTags = doc.errors.filter((t) => t.location === site.ref.location && sameTrace(t.traceIndex, site.ref.traceIndex));
  return reviewOf(stepTags, { category: site.detectorCategory, rule: site.rule }) === 'rejected';
}

/** Confirmed human tags bound to located steps, for the text editor's tag diagnostics. */
export function humanTagSites(steps: readonly StepSite[], doc: AnnotationDocument | undefined): { step: StepSite; tag: ErrorTag }[] {
  if (!doc || doc.errors.length === 0) return [];
  const byRef = new Map<string, StepSite>();
  for (const s of steps) byRef.set(`${s.ref.traceIndex}\u0000${s.ref.location}`, s);
  const out: { step: StepSite; tag: ErrorTag }[] = [];
  for (const tag of doc.errors) {
    if (tag.source !== 'human' || tag.status !== 'confirmed') continue;
    const step = byRef.get(`${tag.traceIndex ?? 0}\u0000${tag.location}`);
    if (step) out.push({ step, tag });
  }
  return out;
}

/** What a failure site names of its step. */
export type SitedStep = Pick<Step, 'id' | 'name' | 'location'>;

/**
 * `stepOf`: the step of a run with an id, when the caller has an index of them (a streamed run's
 * detector has one); otherwise the steps are looked through once per run.
 */
export function failureSites(analysis: FileAnalysis, taxonomy: Taxonomy, stepOf?: (traceIndex: number, stepId: string) => SitedStep | undefined, memo?: FailureSiteMemo): FailureSite[] {
  memo?.begin(taxonomy);
  const out: FailureSite[] = [];
  analysis.analyses.forEach(({ trace, findings }, traceIndex) => {
    // A caller's index is asked directly, finding by finding (a map of them made again for each of
    // a 10^6-step file's appended lines was a fifth of the worker's time of the line).
    const steps = stepOf ? undefined : new Map<string, SitedStep>();
    if (steps && findings.length) {
      // Only the steps with findings are kept. A step the memo named last time for the finding at
      // the same place, and which is still the step at its place in the run, is taken as it is: a
      // followed session lists its findings again at each line, and a pass over all of a Codex
      // rollout's 32,000 steps was 8 ms of each line. The others are looked for from the run's
      // end, where a live file's new findings are.
      const wanted = new Set<string>();
      findings.forEach((f, k) => {
        const kept = memo?.stepStillIn(traceIndex, k, f.stepId, trace.steps);
        if (kept) steps.set(f.stepId, kept);
        else wanted.add(f.stepId);
      });
      for (let i = trace.steps.length - 1; i >= 0 && wanted.size > 0; i--) {
        const s = trace.steps[i];
        if (wanted.delete(s.id)) steps.set(s.id, s);
      }
    }
    const ti = traceIndexOf(trace);
    findings.forEach((f, k) => {
      const step = steps ? steps.get(f.stepId) : stepOf?.(traceIndex, f.stepId);
      const made = (): FailureSite => ({
        traceIndex,
        stepId: f.stepId,
        stepName: step?.name ?? f.stepId,
        ...categoryOf(f, taxonomy),
        rule: f.rule,
        evidence: oneLine(f.evidence),
        location: step?.location,
        detectorCategory: f.category,
        ref: { location: step ? stepLocation(step) : f.stepId, traceIndex: ti },
      });
      out.push(memo ? memo.site(traceIndex, k, ti, f, step, made) : made());
    });
  });
  memo?.end();
  return out.sort(byPosition);
}

/**
 * The sites one `failureSites` call made, for the next call to take again those of the findings
 * that are as they were, on steps as they were: a live session lists all of its findings again
 * at each line (3,800 at 58 MB, 38 ms of the line; 12,000 at 10^6 steps), and nearly all of them
 * are the same. The same site object comes back, so a list compared with the last (sites-delta.ts)
 * stops at identity. A finding is looked for at its place in its run's list first (steps only
 * added: the same place), then, once one is not there, by step and category.
 */
export class FailureSiteMemo {
  private taxonomy: Taxonomy | undefined;
  private last: MemoRun[] = [];
  private next: MemoRun[] = [];
  /** The last call's sites by run, step and category, made when one is not at its place. */
  private lastByKey: Map<string, { run: MemoRun; k: number }> | undefined;

  begin(taxonomy: Taxonomy): void {
    // Another taxonomy names every category differently.
    if (taxonomy !== this.taxonomy) this.last = [];
    this.taxonomy = taxonomy;
    this.next = [];
    this.lastByKey = undefined;
  }

  /** The site of finding `f`, the `k`-th of run `traceIndex`: the one made last time when nothing it shows changed, else `made()`. */
  site(traceIndex: number, k: number, indexInFile: number, f: Finding, step: SitedStep | undefined, made: () => FailureSite): FailureSite {
    let run: MemoRun | undefined = this.last[traceIndex];
    let at = k;
    if (!run || !sameSite(run, at, indexInFile, f, step)) {
      const found = this.byKey().get(memoKey(traceIndex, f));
      run = found && sameSite(found.run, found.k, indexInFile, f, step) ? found.run : undefined;
      at = found?.k ?? -1;
    }
    const site = run ? run.sites[at] : made();
    const into = (this.next[traceIndex] ??= { indexInFile, findings: [], steps: [], sites: [] });
    into.findings[k] = f;
    into.steps[k] = step;
    into.sites[k] = site;
    return site;
  }

  /**
   * The step the last call named for the `k`-th finding of run `traceIndex`, when it has id
   * `stepId` and is still the step at its place in `steps` (the same object: a run built again
   * keeps the steps that did not change); else undefined.
   */
  stepStillIn(traceIndex: number, k: number, stepId: string, steps: readonly Step[]): Step | undefined {
    const step = this.last[traceIndex]?.steps[k] as Partial<Step> | undefined;
    if (step?.id !== stepId || step.index === undefined) return undefined;
    const now = steps[step.index];
    return now === step ? now : undefined;
  }

  /** Only the sites of this call are kept for the next. */
  end(): void {
    this.last = this.next;
    this.next = [];
    this.lastByKey = undefined;
  }

  private byKey(): Map<string, { run: MemoRun; k: number }> {
    if (this.lastByKey) return this.lastByKey;
    const map = new Map<string, { run: MemoRun; k: number }>();
    this.last.forEach((run, traceIndex) => run.findings.forEach((f, k) => map.set(memoKey(traceIndex, f), { run, k })));
    return (this.lastByKey = map);
  }
}

/** A run's findings, their steps and the sites made of them, by place in the run's list. */
interface MemoRun {
  indexInFile: number;
  findings: Finding[];
  steps: (SitedStep | undefined)[];
  sites: FailureSite[];
}

const memoKey = (traceIndex: number, f: Finding): string => `${traceIndex}\u0000${f.stepId}\u0000${f.category}`;

/** Whether the `k`-th site of `run` shows what finding `f` on `step` would: the finding's fields a site shows, and its step. */
function sameSite(run: MemoRun, k: number, indexInFile: number, f: Finding, step: SitedStep | undefined): boolean {
  const g = run.findings[k];
  if (g === undefined || run.indexInFile !== indexInFile) return false;
  return (g === f || (g.stepId === f.stepId && g.category === f.category && g.rule === f.rule && g.evidence === f.evidence && g.impact === f.impact)) && sameSitedStep(run.steps[k], step);
}

function sameSitedStep(a: SitedStep | undefined, b: SitedStep | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.id !== b.id || a.name !== b.name) return false;
  const la = a.location;
  const lb = b.location;
  if (la === lb) return true;
  return !!la && !!lb && la.line === lb.line && la.column === lb.column && la.endLine === lb.endLine && la.endColumn === lb.endColumn && la.offset === lb.offset && la.length === lb.length;
}

function categoryOf(f: Finding, taxonomy: Taxonomy): Pick<FailureSite, 'category' | 'categoryName' | 'color' | 'impact'> {
  const fallback = DEFAULT_TAXONOMY.get(f.category);
  const mappedId = taxonomy.fromDefault(f.category);
  const cat = (mappedId !== undefined ? taxonomy.get(mappedId) : undefined) ?? fallback;
  return {
    category: cat?.id ?? f.category,
    categoryName: cat?.name ?? f.category,
    color: cat?.color ?? fallback?.color ?? '--vscode-charts-red',
    impact: f.impact ?? cat?.impact ?? fallback?.impact ?? 'MEDIUM',
  };
}

/** `TOOL.TIMEOUT (Tool timeout)`, or just the name when a taxonomy's ids are its names. */
export function categoryLabel(site: Pick<FailureSite, 'category' | 'categoryName'>): string {
  return site.category === site.categoryName ? site.category : `${site.category} (${site.categoryName})`;
}


/**
 * The site after (or before) a 1-based cursor position, wrapping around. Sites on the cursor's
 * own line count as "after" only when they start right of the cursor, so repeated calls advance.
 */
export function neighbourSite(sites: readonly FailureSite[], line: number, column: number, direction: 1 | -1): FailureSite | undefined {
  const located = sites.filter((s) => s.location);
  if (located.length === 0) return undefined;
  const cmp = (s: FailureSite): number => s.location!.line - line || s.location!.column - column;
  if (direction === 1) return located.find((s) => cmp(s) > 0) ?? located[0];
  for (let i = located.length - 1; i >= 0; i--) if (cmp(located[i]) < 0) return located[i];
  return located[located.length - 1];
}

function byPosition(a: FailureSite, b: FailureSite): number {
  const la = a.location, lb = b.location;
  if (la && lb) return la.line - lb.line || la.column - lb.column;
  return la ? -1 : lb ? 1 : 0;
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 299)}…` : t;
}
