/**
 * One trace, indexed for the webview's questions: pages of visible rows, step details, failure
 * navigation, search and timeline windows. No vscode here, so the webview tests' stub host runs
 * exactly this code. Everything is precomputed in O(n) once; per-request work is a binary search
 * or one linear scan, which stays well under a frame for 10^5 steps.
 */
import { categoryIn, reviewOf, shownFindingCategory, type BoundAnnotations, type CategoryChoice, type ErrorTag, type FindingReview } from '../../core/annotations';
import type { Step, ToolDefinition, Trace } from '../../core/model/schema';
import { inferMissingTools } from '../../core/export/infer-tools';
import { truncateText } from '../../core/util/problems';
import {
  BAR_NAME_CHARS, isCssVariableName, rpcError, ErrorCode,
  type CategoryInfo, type Direction, type FailureMarker, type FindingInfo, type RowSummary, type RowsResult,
  SEARCH_MATCH_CAP, type RunVerdict, type SearchResult, type StepDetails, type TimelineResult, type TraceSummary, type ViewSpec,
} from '../../protocol';
import type { Finding, Taxonomy } from '../analysis/core-api';
import { ExplainingSteps } from '../../core/detect';
import { findFailingPeer, findFailure, findPeer, lowerBound, mergeSorted, TraceIndex, upperBound, type FailureSource } from '../../core/engine';
import { findHeldMatch, finishHeldSearch, type HeldSearch } from '../../core/engine/held-search';
import type { PayloadSource } from '../../core/engine/stream/step-payloads';
import { runVerdict } from './run-verdict';
import type { TopLevelSteps } from '../../core/export/run-outcome';
import { StepLabels } from './step-labels';
import { nextTurn, slicePacer } from '../../core/util/slices';
import { failedByStatus } from '../../core/detect/user-stop';
import { mayHaveGist, stepGist } from '../../core/analysis/step-gist';

const MAX_FAILURE_MARKERS = 20_000;
const MAX_PAGE = 1000;
/** Held steps read back for their gists between two turns of the event loop, at most (see rowsInSlices). */
const GIST_STEPS_AT_ONCE = 8;
/** How long gists are read back before the event loop gets a turn (see rowsInSlices). */
const GIST_SLICE_MS = 8;
/** Gists of held steps kept, by step id: several screens of rows. */
const GIST_CACHE_SIZE = 4096;
const FALLBACK_COLOR = '--vscode-charts-red';

/** A detector finding as shown: `category` in the user's taxonomy, `defaultCategory` as the detector said it (what the sidecar stores). */
export type ShownFinding = Finding & { defaultCategory: string };

export class TraceSession {
  /** The engine's model of the trace: order, tree, findings, failing set, search. */
  readonly index: TraceIndex;
  private current: Trace;
  /** Every finding per step, including rejected ones (the review list still shows those). Sparse: most steps have none. */
  private allFindings = new SparseLists<ShownFinding>();
  /** Findings that count: not rejected in the annotations. */
  private findings = new SparseLists<ShownFinding>();
  /** Sidecar entries bound to each step (human tags and decided findings), in file order. */
  private tags = new SparseLists<ErrorTag>();
  /** The bound annotations last applied, kept to apply them again when the trace changes. */
  private bound: Pick<BoundAnnotations, 'tagsByStep'> | undefined;
  /** Imported error labels per step (Who&When, TRAIL, MAST): labelled steps are failures too. */
  private labels!: StepLabels;
  /** Sorted indexes of steps that failed (error status, a finding that is not rejected, a human tag, or an imported label). */
  private failing: number[] = [];
  /** Rows of the views asked for lately (most recent last), with the view they were made for. */
  private readonly viewCache = new Map<string, { view: ViewSpec; rows: Int32Array }>();
  /**
   * The gists of held steps read back so far, by step id (undefined: read, and none); forgotten
   * whenever the trace's steps change other than by growing (`update`).
   */
  private readonly gistCache = new Map<string, string | undefined>();
  /** Each cached view's rows live at the start of a buffer with room to grow (appends do not copy them each time). */
  private readonly viewBuffers = new WeakMap<Int32Array, Int32Array>();
  /** Failing spans without findings and the step inside each that explains it (kept up to date as findings are added). */
  private explaining!: ExplainingSteps;

  /** Each finding's shown copy (see shownFinding); findings are never changed once made. */
  private readonly shownCopies = new WeakMap<Finding, ShownFinding>();

  /** The findings last applied (the same array is not applied twice). */
  private shownFindings: readonly Finding[];

  /** The steps whose output is a redaction placeholder (the trace file finds them): not checked. */
  private redacted: ReadonlySet<number> = new Set();

  /** Mark the steps at `places` as holding a redaction placeholder (and no others). */
  markRedacted(places: readonly number[]): void {
    this.redacted = new Set(places);
  }

  /** Whether these are the findings shown already (`showFindings` would do nothing). */
  shows(findings: readonly Finding[]): boolean {
    return findings === this.shownFindings;
  }

  /** `payloads`: where steps held without their payloads are made whole (see usePayloads); what is derived reads them. */
  constructor(trace: Trace, findings: Finding[], readonly taxonomy: Taxonomy, readonly traceIndex: number, payloads?: PayloadSource) {
    this.current = trace;
    this.shownFindings = findings;
    this.index = new TraceIndex(trace.steps, findings);
    this.usePayloads(payloads);
    this.derive();
  }

  /**
   * New findings for the same steps (those found so far while the file is read): the failing set,
   * counts and views follow them; rows keep their places. Nothing happens for the findings
   * already shown.
   */
  showFindings(findings: Finding[]): void {
    if (this.shows(findings)) return;
    const shown = this.shownFindings;
    if (extendsFindings(findings, shown)) {
      this.shownFindings = findings;
      return this.addFindings(findings.slice(shown.length));
    }
    // The read's last findings differ from those found so far on some steps (the run's end rules:
    // at 10^6 spans read in two passes, 1,046 of 12,254): the whole derive was a 150-180 ms turn.
    const touched = this.index.findingsWithoutStep === 0 && this.current.labels.length === 0 ? this.changeFindingsOnTheirSteps(findings) : undefined;
    if (touched) {
      this.failingAgainAt(touched);
      this.dropFailureViews();
      return;
    }
    this.showAllFindings(findings);
  }

  /** Place every finding again and derive everything from them (what a change on most steps takes). */
  private showAllFindings(findings: Finding[]): void {
    this.shownFindings = findings;
    this.index.setFindings(findings);
    this.derive();
  }

  /**
   * Findings added to those shown (a run read as a stream: the worker sends what it found since):
   * what `derive` would give for them all, in time proportional to those added (a whole derive at
   * 12,000 findings held the host's thread 30-70 ms, and came 30 times while 10^6 steps were read).
   */
  private addFindings(added: readonly Finding[]): void {
    this.index.addFindings(added);
    const flagged: number[] = [];
    const counted: number[] = [];
    for (const f of added) {
      const i = this.index.indexOf(f.stepId);
      if (i === undefined) continue;
      const shown = this.shownFinding(f);
      this.allFindings.push(i, shown);
      if (this.counts(i, shown)) { this.findings.push(i, shown); counted.push(i); }
      flagged.push(i);
    }
    this.explaining.add(flagged);
    this.addFailing(counted);
    // Counted again at the next summary: a step failing before (by its status) has categories now,
    // and a span explained by a step inside it may be explained by another one.
    if (flagged.length > 0) this.failureCounts = undefined;
    this.dropFailureViews();
  }

  /**
   * Steps that just got a finding that counts, and so fail: merged into the failing set. A finding
   * added makes its step fail and changes no other step's failing (tags and labels are as they
   * were), so the set only grows by them; recomputing it checked every failing step again (10-25 ms
   * of the host's thread at 12,000 failing steps, each time findings came while 10^6 steps were read).
   */
  private addFailing(positions: number[]): void {
    const failing = this.failing;
    const added = positions.filter((i) => failing[lowerBound(failing, i)] !== i).sort((a, b) => a - b);
    if (added.length > 0) this.failing = mergeSorted(failing, added);
  }

  get trace(): Trace {
    return this.current;
  }

  /**
   * Steps in decision order (`steps[i].index === i`). A streamed file's steps are held without
   * their payloads (PAGED_FIELDS in step-payloads.ts): anything that shows or uses those takes
   * `wholeStep(i)`.
   */
  get steps(): readonly Step[] {
    return this.index.steps;
  }

  /** How many steps the run has (shown). */
  get stepCount(): number {
    return this.index.length;
  }

  /** The step at position `i`, as held (see `steps`). */
  step(i: number): Step {
    return this.index.step(i);
  }

  private payloads: PayloadSource | undefined;

  /** The steps are held without their payloads, which `source` reads back (src/core/engine/stream/step-payloads.ts). */
  usePayloads(source: PayloadSource | undefined): void {
    this.payloads = source;
    this.index.usePayloads(source);
  }

  private inferredTools: { trace: Trace; tools: ToolDefinition[] } | undefined;

  /**
   * The tools a correction may call: the run's, with those its calls imply (inferMissingTools).
   * For steps held without their messages, the worker's inference as it read them.
   */
  callableTools(): readonly ToolDefinition[] {
    const fromWorker = this.payloads?.callableTools;
    if (fromWorker) return fromWorker;
    if (this.inferredTools?.trace !== this.current) this.inferredTools = { trace: this.current, tools: inferMissingTools(this.current).tools };
    return this.inferredTools.tools;
  }

  /** Step `i` whole, read back from the file when it is held without its payloads. */
  wholeStep(i: number): Step {
    const step = this.index.step(i);
    return this.payloads ? this.payloads.whole(step) : step;
  }

  get hasTimestamps(): boolean {
    return this.index.axis().hasTimestamps;
  }

  /** Where step i's bar starts and ends on the timeline. */
  private startAt(i: number): number {
    return this.index.axis().start.get(i);
  }

  private endAt(i: number): number {
    return this.index.axis().end.get(i);
  }

  /**
   * The trace changed on disk. When the new version only adds steps after the ones shown (a
   * growing JSONL file), they are appended and rows before `appendedFrom` stay valid. When steps
   * shown changed but every one kept its id, parent and place (the next line of a growing Claude
   * Code session adds a tool call to the model step shown last), the run is indexed again and
   * rows keep their places: `changedFrom`, the first step that changed. Otherwise the session is
   * rebuilt (`reset`). Tags are applied again by stable step id either way.
   * `unchangedSteps`: how many leading steps are known to be exactly as before (from the worker,
   * which compared prints of them); a run whose steps array only grew (read as a stream) needs none.
   */
  update(trace: Trace, findings: Finding[], unchangedSteps: number): { appendedFrom: number } | { changedFrom: number } | { reset: true } {
    const before = this.index.length;
    // A step may keep its id and change (a reply that got its next content block): its gist is read again.
    if (trace.steps !== this.current.steps) this.gistCache.clear();
    // A run read as a stream keeps its steps array, which only grows: no need to compare 10^6 steps.
    const sameSteps = trace.steps === this.current.steps && trace.steps.length >= before;
    if (sameSteps && this.growsInto(trace, findings)) return { appendedFrom: before };
    const unchanged = sameSteps ? before : Math.min(before, unchangedSteps);
    // The steps the worker found unchanged kept their places; the others are compared.
    const placesKept = sameSteps || (trace.steps.length >= before && samePlaces(this.index, trace.steps, unchanged, before));
    if (placesKept && this.index.findingsWithoutStep === 0 && trace.labels.length === 0 && this.current.labels.length === 0) return this.changedWhereTheyWere(trace, findings, unchanged, before);
    this.current = trace;
    this.shownFindings = findings;
    const appended = placesKept && unchanged === before && this.index.append(trace.steps.slice(before), findings);
    if (!appended) {
      // The steps the worker found unchanged at the head are kept; those after are indexed again.
      if (unchanged > 0) this.index.replaceFrom(trace.steps, unchanged, findings);
      else this.index.replace(trace.steps, findings);
      this.extentCache = undefined;
      // Positions may name other steps, or steps whose failures changed: no cached view holds.
      this.viewCache.clear();
    }
    this.derive();
    // The views that do not filter by failures were kept: they gain the appended steps' rows.
    if (appended) this.extendViews(before);
    if (appended) return { appendedFrom: before };
    return placesKept ? { changedFrom: unchanged } : { reset: true };
  }

  /**
   * Steps changed where they were, more may follow them, every finding shown is on its step, and
   * the run has no labels (what most lines of a followed Claude Code or Codex session do: a
   * reply's next block, a call's output, a turn's end). Only the steps from `from` are indexed
   * again, the findings, tags and counts staying where they are; findings that changed are shown
   * again on their steps only (`changeFindingsOnTheirSteps`). A whole `derive` there took 9-10 ms
   * of each line of an 18 MB Codex rollout (6,000 findings).
   */
  private changedWhereTheyWere(trace: Trace, findings: Finding[], from: number, before: number): { appendedFrom: number } | { changedFrom: number } {
    this.current = trace;
    // The steps first, with the findings shown (each still on its step), then what changed in those.
    const appended = from === before && this.index.append(trace.steps.slice(before));
    if (!appended) {
      this.index.replaceFrom(trace.steps, from, this.shownFindings, true);
      this.extentCache = undefined;
      this.viewCache.clear();
    }
    this.bindTagsFrom(before);
    this.topLevel = topLevelOf(this.index);
    if (this.shows(findings)) this.keepFailingWhereItHeld();
    else {
      const touched = this.changeFindingsOnTheirSteps(findings);
      if (!touched) this.showAllFindings(findings);
      // Steps indexed again or added may fail now, or no longer, whatever their findings.
      else if (from < this.index.length) this.recomputeFailing();
      else this.failingAgainAt(touched);
    }
    this.dropFailureViews();
    if (!appended) return { changedFrom: from };
    this.extendViews(before);
    return { appendedFrom: before };
  }

  /**
   * New findings that differ from those shown on some steps (a call's output made its step fail; a
   * run that ended on an error went on; a read's last findings), the others the same objects in
   * the same order: those steps' findings are shown again, not every finding, in time
   * proportional to the findings (`derive` walks every step); the positions of those steps.
   * Undefined, with nothing changed, when the findings changed on most steps or came in another order.
   */
  private changeFindingsOnTheirSteps(findings: Finding[]): number[] | undefined {
    const shown = this.shownFindings;
    const touched = changedSteps(shown, findings);
    // Most steps' findings changed: placing them all at once is no slower.
    if (!touched || touched.size === 0 || 2 * touched.size > shown.length + findings.length) return undefined;
    this.shownFindings = findings;
    this.index.changeFindings(findings, touched);
    const flagged: number[] = [];
    const positions: number[] = [];
    let lost = false;
    for (const id of touched) {
      const i = this.index.indexOf(id);
      if (i === undefined) continue;
      positions.push(i);
      const list = this.index.findingsOf(i).map((f) => this.shownFinding(f));
      lost ||= list.length === 0 && this.allFindings.get(i).length > 0;
      if (list.length > 0) flagged.push(i);
      this.allFindings.set(i, list);
      this.findings.set(i, this.tags.get(i).length === 0 ? list : list.filter((f) => this.counts(i, f)));
    }
    // A step without findings any more: what explains each failing span is found again (it only learns of new ones).
    if (lost) {
      this.explaining = new ExplainingSteps(this.index);
      this.explaining.add(this.index.withFindings());
    } else this.explaining.add(flagged);
    return positions;
  }

  /**
   * The failing set after the findings of the steps at `positions` changed, and nothing else: a
   * step's failing depends on its own status, findings, tags and labels only, so only those steps
   * are checked again (checking every failing step was 10-15 ms of the turn that ends a read of
   * 10^6 TRAIL spans, where the end-of-run rules changed findings on about a thousand steps).
   */
  private failingAgainAt(positions: number[]): void {
    const touched = new Set(positions);
    const kept = this.failing.filter((i) => !touched.has(i));
    this.failing = mergeSorted(kept, [...touched].filter((i) => this.isFailure(i)).sort((a, b) => a - b));
    this.failureCounts = undefined;
  }

  /**
   * The failing set after steps changed where they were, the findings, tags and labels kept: when
   * it is the set before with more after it, the list grows where it is, so the counts by category
   * go on from where they were (`countedFailures`: counting 6,000 failing steps again took 4 ms of
   * each line of an 18 MB Codex rollout). A step that fails still does for the same reason, so its
   * category is the same: its findings, tags or labels, else (failing by its status alone) the
   * findings of the step inside that explains it, which did not change either.
   */
  private keepFailingWhereItHeld(): void {
    const held = this.failing;
    this.recomputeFailing();
    const now = this.failing;
    if (now.length < held.length) return;
    for (let k = 0; k < held.length; k++) if (now[k] !== held[k]) return;
    for (let k = held.length; k < now.length; k++) held.push(now[k]);
    this.failing = held;
  }

  /**
   * The end of a read, or an append, of a run read as a stream, when its steps and its findings only
   * grew (the findings shown first, as the same objects: see EventDecoder): appended and shown in
   * time proportional to what was added, where `derive` took 50-90 ms at 10^6 steps. False, with
   * nothing changed, otherwise. Runs with labels take the whole way (their labels bind anew).
   */
  private growsInto(trace: Trace, findings: Finding[]): boolean {
    if (trace.labels.length > 0 || this.current.labels.length > 0) return false;
    if (!this.shows(findings) && !extendsFindings(findings, this.shownFindings)) return false;
    if (!this.grow(trace)) return false;
    this.current = trace;
    this.showFindings(findings);
    return true;
  }

  /**
   * Steps were added at the end while the file is still read: indexed in time proportional to what
   * was added, so the rows can follow the read. The new steps have no findings yet (the findings
   * found so far come with `showFindings`). False when this is not such a growth (then `update`).
   */
  grow(trace: Trace, upTo = trace.steps.length): boolean {
    const before = this.index.length;
    const n = Math.min(upTo, trace.steps.length);
    if (n < before || trace.labels.length > 0 || trace.steps[before - 1]?.id !== this.index.step(before - 1)?.id) return false;
    if (n === before) return true;
    if (!this.index.append(trace.steps.slice(before, n))) return false;
    this.current = trace;
    this.bindTagsFrom(before);
    for (let i = before; i < n; i++) {
      if (this.isFailure(i)) this.failing.push(i);
      const step = this.index.step(i);
      if (step.parentId === null) { this.topLevel.first ??= step; this.topLevel.count++; }
    }
    this.extendViews(before);
    return true;
  }

  /** Tags made before the read reached their step, on the steps from position `from`, bind now. */
  private bindTagsFrom(from: number): void {
    for (const [stepId, list] of this.bound?.tagsByStep ?? []) {
      const i = this.index.indexOf(stepId);
      if (i !== undefined && i >= from && list.length) this.tags.set(i, list);
    }
  }

  /**
   * The cached views after steps were appended from `from`: each new step is a row unless a
   * collapsed ancestor hides it or the view's filter leaves it out (the rows before stay).
   */
  private extendViews(from: number): void {
    for (const [key, entry] of this.viewCache) {
      const collapsed = new Set(entry.view.collapsed);
      const wanted = new Set(entry.view.categories);
      const filtering = entry.view.failuresOnly || wanted.size > 0;
      const added: number[] = [];
      for (let i = from; i < this.index.length; i++) {
        let hidden = false;
        for (let a = this.index.parentOf(i); a >= 0 && !hidden; a = this.index.parentOf(a)) hidden = collapsed.has(a);
        if (!hidden && (!filtering || this.matchesFilter(i, entry.view.failuresOnly, wanted))) added.push(i);
      }
      if (added.length === 0) continue;
      const length = entry.rows.length + added.length;
      let buffer = this.viewBuffers.get(entry.rows) ?? entry.rows;
      if (buffer.length < length) {
        const bigger = new Int32Array(Math.max(length, 2 * buffer.length));
        bigger.set(entry.rows);
        buffer = bigger;
      }
      buffer.set(added, entry.rows.length);
      const rows = buffer.subarray(0, length);
      this.viewBuffers.set(rows, buffer);
      this.viewCache.set(key, { view: entry.view, rows });
    }
  }

  /** What follows from the index's findings: shown in the chosen taxonomy, explained spans, labels, annotations. */
  private derive(): void {
    this.allFindings = new SparseLists<ShownFinding>();
    // The index placed the findings on their steps already (one id lookup each).
    for (const i of this.index.withFindings()) {
      // Detectors speak the default taxonomy; show each finding in the taxonomy the user picked.
      for (const f of this.index.findingsOf(i)) this.allFindings.push(i, this.shownFinding(f));
    }
    this.explaining = new ExplainingSteps(this.index);
    this.explaining.add(this.index.withFindings());
    // The labels the editor derives may read a step's payloads (an Inspect score step's output).
    this.labels = new StepLabels(this.current, { get: (id) => this.index.indexOf(id) }, this.taxonomy, (step) => this.payloads?.whole(step) ?? step);
    this.topLevel = topLevelOf(this.index);
    this.applyAnnotations(this.bound);
  }

  /**
   * The annotation document bound again (a reload, any edit of the sidecar): taken into account
   * only when its tags differ from those applied. A reload of 10^6 steps otherwise recomputed the
   * failing set a second time in the same turn (about 25 ms), after the findings' own recompute.
   */
  rebindAnnotations(bound: Pick<BoundAnnotations, 'tagsByStep'> | undefined): void {
    if (this.bound && bound && sameTags(this.bound.tagsByStep, bound.tagsByStep)) {
      this.bound = bound;
      return;
    }
    this.applyAnnotations(bound);
  }

  /**
   * Take the annotations into account: rejected findings stop counting (hidden from rows, filters,
   * navigation and counts; `findingsOf` still lists them for review), human tags make a step a
   * failure in their category. Called whenever the annotation document changes.
   */
  applyAnnotations(bound: Pick<BoundAnnotations, 'tagsByStep'> | undefined): void {
    this.bound = bound;
    this.tags = new SparseLists<ErrorTag>();
    for (const [stepId, list] of bound?.tagsByStep ?? []) {
      const i = this.index.indexOf(stepId);
      if (i !== undefined && list.length) this.tags.set(i, list);
    }
    // Only steps with findings and tags can lose a finding to a rejection.
    this.findings = new SparseLists<ShownFinding>();
    for (const [i, list] of this.allFindings.entries()) {
      const counting = this.tags.get(i).length === 0 ? list : list.filter((f) => this.counts(i, f));
      if (counting.length) this.findings.set(i, counting);
    }
    this.labels.applyTags((i) => this.tags.get(i));
    this.recomputeFailing();
    this.dropFailureViews();
  }

  /**
   * Only views filtered by failures (Failures only, a category) depend on findings and tags; a view
   * that only collapses rows is kept, so an append to a large run does not rebuild it.
   */
  private dropFailureViews(): void {
    for (const [key, entry] of this.viewCache) if (entry.view.failuresOnly || entry.view.categories.length > 0) this.viewCache.delete(key);
  }

  /** How the sidecar reviewed a finding of step i: the core's one rule (what promotion and the diagnostics use too). */
  reviewOf(i: number, f: ShownFinding): FindingReview {
    return reviewOf(this.tags.get(i), { category: f.defaultCategory, rule: f.rule });
  }

  /**
   * A detector finding as shown: in the user's taxonomy, with the detector's category beside it.
   * Made once per finding object: a followed session's line derives all of its findings again, and
   * a finding that did not change comes back as the same object (EventDecoder), so its shown copy
   * is too (a live Codex rollout's 6,000 findings were copied at each line).
   */
  private shownFinding(f: Finding): ShownFinding {
    let shown = this.shownCopies.get(f);
    if (!shown) this.shownCopies.set(f, (shown = { ...f, category: shownFindingCategory(f.category, this.taxonomy), defaultCategory: f.category }));
    return shown;
  }

  /** Whether finding `f` of step i counts (the sidecar did not reject it). */
  private counts(i: number, f: ShownFinding): boolean {
    return this.tags.get(i).length === 0 || !this.isRejected(i, f);
  }

  isRejected(i: number, f: ShownFinding): boolean {
    return this.reviewOf(i, f) === 'rejected';
  }

  /** Every finding of a step, rejected ones included. */
  findingsOf(i: number): readonly ShownFinding[] {
    return this.allFindings.get(i);
  }

  /** Sidecar entries bound to a step. */
  tagsOf(i: number): readonly ErrorTag[] {
    return this.tags.get(i);
  }

  /** Confirmed human tags + confirmed findings: what the row's tag badge counts. */
  tagCount(i: number): number {
    let c = 0;
    for (const t of this.tags.get(i)) if (t.status === 'confirmed') c++;
    return c;
  }

  /** A tag's category as the user's taxonomy names it (the tag keeps what was chosen, in whichever taxonomy). */
  shownCategory(tag: CategoryChoice): string {
    return categoryIn(tag, this.taxonomy);
  }

  private humanCategories(i: number): string[] {
    const out: string[] = [];
    for (const t of this.tags.get(i)) if (t.source === 'human' && t.status === 'confirmed') out.push(this.shownCategory(t));
    return out;
  }

  /**
   * The failing steps, from the few that can fail rather than every step: the index's (an error
   * status or a finding), tagged steps and labelled steps, each checked once.
   */
  private recomputeFailing(): void {
    // The index's failing set is sorted already; tags and labels add a few positions to it.
    const extra = new Set<number>();
    for (const [i] of this.tags.entries()) extra.add(i);
    for (const i of this.labels.positions()) extra.add(i);
    const fromIndex = this.index.failing();
    if (extra.size > 0) for (const i of fromIndex) extra.delete(i);
    const candidates = extra.size === 0 ? fromIndex : [...fromIndex, ...extra].sort((a, b) => a - b);
    this.failing = candidates.filter((i) => this.isFailure(i));
  }

  private isFailure(i: number): boolean {
    return failedByStatus(this.index.step(i)) || this.findings.get(i).length > 0 || (this.tags.get(i).length > 0 && this.humanCategories(i).length > 0) || this.labels.has(i);
  }

  private categoryOf(i: number): string | null {
    const label = this.labels.of(i)[0];
    return this.findings.get(i)[0]?.category ?? this.humanCategories(i)[0] ?? (label ? this.labels.shownCategory(label) : null) ?? this.explainedCategory(i);
  }

  /**
   * A span that failed only because a step inside it failed has no finding of its own (the
   * detectors report one failure, where it happened): it shows that step's category instead of
   * counting as "without a category".
   */
  private explainedCategory(i: number): string | null {
    const j = this.explaining.explainerOf(i);
    return j === undefined ? null : this.findings.get(j)[0]?.category ?? null;
  }

  /**
   * The time range and depth of all steps. Kept from one call to the next and extended over the
   * steps appended since (a step's place on the axis does not change when steps follow it), so
   * a file being read costs only its new steps each time the page asks.
   */
  private extent(): { start: number; end: number; maxDepth: number } {
    const n = this.index.length;
    const axis = this.index.axis();
    let e = this.extentCache;
    if (!e || e.count > n || e.hasTimestamps !== axis.hasTimestamps) e = { count: 0, start: Infinity, end: -Infinity, maxDepth: 0, hasTimestamps: axis.hasTimestamps };
    // Without timestamps an ancestor's end grows with its subtree; the last step's end is the largest.
    if (!axis.hasTimestamps && e.count > 0) e.end = Math.max(e.end, axis.end.get(e.count - 1));
    for (let i = e.count; i < n; i++) {
      e.start = Math.min(e.start, axis.start.get(i));
      e.end = Math.max(e.end, axis.end.get(i));
      e.maxDepth = Math.max(e.maxDepth, this.index.step(i).depth);
    }
    e.count = n;
    this.extentCache = e;
    return e;
  }

  private extentCache: { count: number; start: number; end: number; maxDepth: number; hasTimestamps: boolean } | undefined;

  /** Categories a step counts under for filters: its findings' and its human tags'. */
  private categoriesOf(i: number): string[] {
    const own = this.findings.get(i).map((f) => f.category);
    const withTags = this.tags.get(i).length ? [...own, ...this.humanCategories(i)] : own;
    return this.labels.has(i) ? [...withTags, ...this.labels.categories(i)] : withTags;
  }

  colorOf(categoryId: string): string {
    const c = this.taxonomy.get(categoryId)?.color;
    return c && isCssVariableName(c) ? c : FALLBACK_COLOR;
  }

  get failureCount(): number {
    return this.failing.length;
  }

  /**
   * How the run ended, worked out again when the run changed (read again, or grown: a live run
   * that ends in an error fails then). Its top-level steps are kept as steps are added
   * (`topLevel`): finding them walked every step, 15-20 ms at 10^6, each time the page asked.
   */
  get verdict(): RunVerdict | undefined {
    const cached = this.verdictCache;
    if (cached?.trace === this.trace && cached.steps === this.index.length) return cached.verdict;
    const verdict = runVerdict(this.trace, this.topLevel);
    this.verdictCache = { trace: this.trace, steps: this.index.length, verdict };
    return verdict;
  }
  private verdictCache: { trace: Trace; steps: number; verdict: RunVerdict | undefined } | undefined;
  /** The run's top-level steps (at least how many, up to two, and the first): see runOutcome. */
  private topLevel: TopLevelSteps = { count: 0, first: undefined };

  /**
   * The failing steps' category counts and failure markers, kept from one summary to the next:
   * everything that changes which steps fail or their categories makes a new `failing` array
   * (recomputeFailing), while a read that adds steps (`grow`) only pushes the new failing steps
   * onto it, which are then the only ones counted. Counting all of them took 20-40 ms of the
   * extension host's thread at 12,000 failing steps, each time the page asked while 10^6 steps
   * were read. A marker's place on the timeline is looked up each time (an ancestor's end moves
   * as steps are added under it).
   */
  private failureCounts: { failing: readonly number[]; counted: number; counts: Map<string, number>; labelled: number; markers: { index: number; category: string | null; labelled: boolean }[] } | undefined;

  private countedFailures(): NonNullable<TraceSession['failureCounts']> {
    let kept = this.failureCounts;
    if (kept?.failing !== this.failing) kept = this.failureCounts = { failing: this.failing, counted: 0, counts: new Map(), labelled: 0, markers: [] };
    const { counts, markers } = kept;
    for (let k = kept.counted; k < this.failing.length; k++) {
      const i = this.failing[k];
      // Only a failing step has categories (findings, human tags, labels all make it failing).
      for (const c of this.categoriesOf(i)) counts.set(c, (counts.get(c) ?? 0) + 1);
      const labelled = this.labels.has(i);
      if (labelled) kept.labelled++;
      if (k < MAX_FAILURE_MARKERS) markers.push({ index: i, category: this.categoryOf(i), labelled });
    }
    kept.counted = this.failing.length;
    return kept;
  }

  summary(): TraceSummary {
    const counted = this.countedFailures();
    const counts = counted.counts;
    const categories: CategoryInfo[] = this.taxonomy.categories.map((c) => ({
      id: c.id, name: c.name, definition: c.definition, color: this.colorOf(c.id), count: counts.get(c.id) ?? 0,
    }));
    // Findings may name categories the taxonomy lacks (a custom taxonomy): show them anyway.
    // Imported labels add their schemes (a filter on labelled steps) and categories of their own.
    categories.push(...this.labels.legendCategories(counts));
    for (const [id, count] of counts) {
      if (this.taxonomy.get(id) || this.labels.isSchemeCategory(id)) continue;
      categories.push(this.labels.foreignCategory(id, count) ?? { id, name: id, definition: '', color: FALLBACK_COLOR, count });
    }
    categories.sort((a, b) => b.count - a.count);
    const n = this.index.length;
    const extent = this.extent();
    const maxDepth = extent.maxDepth;
    let { start, end } = extent;
    if (!Number.isFinite(start)) { start = 0; end = 1; }
    if (end <= start) end = start + 1;
    const failures: FailureMarker[] = counted.markers.map((m) => ({ index: m.index, start: this.startAt(m.index), end: this.endAt(m.index), category: m.category, labelled: m.labelled }));
    return {
      traceIndex: this.traceIndex,
      title: this.trace.title,
      stepCount: n,
      failureCount: this.failing.length,
      maxDepth,
      categories,
      taxonomyName: this.taxonomy.name,
      timeRange: { start, end, hasTimestamps: this.hasTimestamps },
      failures,
      failuresTruncated: this.failing.length > MAX_FAILURE_MARKERS,
      labelCount: this.trace.labels.length,
      labelledStepCount: counted.labelled,
      verdict: this.verdict,
      ...(this.redacted.size > 0 ? { redactedStepCount: this.redacted.size } : {}),
    };
  }

  /** Step indexes of the visible rows, in order. Cached per view (the webview asks page by page). */
  visibleRows(view: ViewSpec): Int32Array {
    const key = JSON.stringify([view.collapsed, view.failuresOnly, view.categories]);
    const hit = this.viewCache.get(key);
    if (hit) {
      this.viewCache.delete(key);
      this.viewCache.set(key, hit);
      return hit.rows;
    }
    const collapsed = new Set(view.collapsed);
    const wanted = new Set(view.categories);
    const filtering = view.failuresOnly || wanted.size > 0;
    const out: number[] = [];
    const n = this.index.length;
    for (let i = 0; i < n; i++) {
      if (!filtering || this.matchesFilter(i, view.failuresOnly, wanted)) out.push(i);
      if (collapsed.has(i)) i = this.index.subtreeEndOf(i) - 1;
    }
    const rows = Int32Array.from(out);
    this.viewCache.set(key, { view: { ...view, collapsed: [...view.collapsed], categories: [...view.categories] }, rows });
    if (this.viewCache.size > 8) this.viewCache.delete(this.viewCache.keys().next().value as string);
    return rows;
  }

  private matchesFilter(i: number, failuresOnly: boolean, wanted: Set<string>): boolean {
    if (failuresOnly && !this.isFailure(i)) return false;
    if (wanted.size > 0 && !this.categoriesOf(i).some((c) => wanted.has(c))) return false;
    return true;
  }

  rows(view: ViewSpec, start: number, count: number): RowsResult {
    const { visible, end } = this.page(view, start, count);
    const gists = this.gistsOf(Array.from(visible.subarray(start, end)));
    return this.rowsOf(visible, start, end, gists);
  }

  /**
   * `rows`, as the editor asks for them: the gists of steps held without their payloads are read
   * back a few steps per turn of the event loop (`slicePacer`), not all in one. A page of 100 TRAIL
   * model spans took 47-88 ms of the host's thread to read back and rebuild for their gists, in
   * one turn (62-88 ms for a trace's first rows, in code not yet compiled). Read gists are kept
   * by step id (`gistCache`), so asking again for rows shown before reads nothing. The rows are
   * made after the gists, on one turn, from the session as it is then.
   */
  async rowsInSlices(view: ViewSpec, start: number, count: number, pace = slicePacer(GIST_SLICE_MS)): Promise<RowsResult> {
    const payloads = this.payloads;
    // Steps held whole: their gists are cheap, nothing is read back.
    if (!payloads) return this.rows(view, start, count);
    const first = this.page(view, start, count);
    const unread = Array.from(first.visible.subarray(start, first.end)).filter((i) => {
      const step = this.index.step(i);
      return !this.gistCache.has(step.id) && mayHaveGist(step, payloads);
    });
    for (let k = 0; k < unread.length; k += GIST_STEPS_AT_ONCE) {
      await pace();
      // The session may have changed meanwhile: what is read is the step now at that place, by its id.
      const at = unread.slice(k, k + GIST_STEPS_AT_ONCE).filter((i) => i < this.index.length);
      const read = this.gistsOf(at);
      for (const i of at) this.keepGist(this.index.step(i).id, read.get(i));
    }
    // The page as it is now (the trace may have grown or changed while the gists were read).
    const { visible, end } = this.page(view, start, count);
    const gists = new Map<number, string>();
    for (let r = start; r < end; r++) {
      const gist = this.gistCache.get(this.index.step(visible[r]).id);
      if (gist !== undefined) gists.set(visible[r], gist);
    }
    return this.rowsOf(visible, start, end, gists);
  }

  private page(view: ViewSpec, start: number, count: number): { visible: Int32Array; end: number } {
    const visible = this.visibleRows(view);
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0) {
      throw rpcError(ErrorCode.InvalidParams, `invalid page: start ${start}, count ${count}`);
    }
    return { visible, end: Math.min(visible.length, start + Math.min(count, MAX_PAGE)) };
  }

  private rowsOf(visible: Int32Array, start: number, end: number, gists: ReadonlyMap<number, string>): RowsResult {
    const rows: RowSummary[] = [];
    for (let r = start; r < end; r++) rows.push(this.row(r, visible[r], gists.get(visible[r])));
    return { total: visible.length, start, rows };
  }

  /**
   * The gists of the calls, replies and messages at `positions` (stepGist), by position. Steps
   * held without their payloads are read back together, in few reads, up to GIST_READ_BYTES each;
   * a file that cannot be read back (changed or gone since: its reload is on its way) leaves
   * those rows without one.
   */
  private gistsOf(positions: readonly number[]): Map<number, string> {
    const payloads = this.payloads;
    const told = positions.filter((i) => mayHaveGist(this.index.step(i), payloads));
    const gists = new Map<number, string>();
    let steps: readonly Step[];
    try {
      steps = payloads ? payloads.wholeAt(this.index, told) : told.map((i) => this.index.step(i));
    } catch {
      return gists;
    }
    told.forEach((i, k) => {
      const gist = stepGist(steps[k]);
      if (gist !== undefined) gists.set(i, gist);
    });
    return gists;
  }

  /** A read gist (undefined: the step has none), kept by step id; the oldest go when the cache is full. */
  private keepGist(id: string, gist: string | undefined): void {
    if (this.gistCache.size >= GIST_CACHE_SIZE) this.gistCache.delete(this.gistCache.keys().next().value as string);
    this.gistCache.set(id, gist);
  }

  private row(row: number, i: number, detail: string | undefined): RowSummary {
    const s = this.index.step(i);
    const p = this.index.parentOf(i);
    return {
      row, index: i, id: s.id, depth: s.depth, kind: s.kind, name: s.name,
      ...(detail !== undefined ? { detail } : {}),
      start: this.startAt(i),
      end: this.endAt(i),
      status: s.status, category: this.categoryOf(i), findingCount: this.findings.get(i).length,
      tagCount: this.tagCount(i), hasChildren: this.index.childCountOf(i) > 0, parentIndex: p >= 0 ? p : null,
      failing: this.isFailure(i), labels: this.labels.descriptions(i),
      ...(this.redacted.has(i) ? { redacted: true } : {}),
      ...(s.startTime === null || s.endTime === null ? { untimed: true } : {}),
    };
  }

  locate(view: ViewSpec, index: number): { row: number | null; hiddenBy: number[] } {
    this.checkIndex(index);
    const collapsed = new Set(view.collapsed);
    const hiddenBy: number[] = [];
    for (let p = this.index.parentOf(index); p >= 0; p = this.index.parentOf(p)) if (collapsed.has(p)) hiddenBy.push(p);
    const visible = this.visibleRows(view);
    const row = binarySearch(visible, index);
    return { row: row >= 0 ? row : null, hiddenBy };
  }

  indexOfId(id: string): number | undefined {
    return this.index.indexOf(id);
  }

  details(index: number, canRevealInFile: boolean): StepDetails {
    this.checkIndex(index);
    const step = this.wholeStep(index);
    const position = (id: string | undefined): number | undefined => (id === undefined ? undefined : this.indexOfId(id));
    const findings: FindingInfo[] = this.findings.get(index).map((f) => ({
      category: f.category,
      defaultCategory: f.defaultCategory,
      review: this.reviewOf(index, f),
      categoryName: this.taxonomy.get(f.category)?.name ?? f.category,
      color: this.colorOf(f.category),
      rule: f.rule,
      evidence: f.evidence,
      impact: f.impact,
      symptomStepIndex: position(f.symptomStepId),
    }));
    const p = this.index.parentOf(index);
    return {
      step,
      findings,
      labels: this.labels.shownInDetails(this.trace, index, step.id),
      childCount: this.index.childCountOf(index),
      parentIndex: p >= 0 ? p : null,
      durationMs: step.startTime !== null && step.endTime !== null ? step.endTime - step.startTime : null,
      canRevealInFile: canRevealInFile && step.location !== undefined,
      failing: this.isFailure(index),
      ...(this.redacted.has(index) ? { redacted: true } : {}),
    };
  }

  findFailure(view: ViewSpec, from: number, direction: Direction): number | null {
    return findFailure(this.failureSource, from, direction, view.categories) ?? null;
  }

  /**
   * The next (previous) step like the one at `from`: the same tool's next call, the same model's
   * next reply (cursor.ts findPeer). A view of failures only (of some categories) moves among them.
   */
  findPeer(view: ViewSpec, from: number, direction: Direction): number | null {
    const shownOnly = view.failuresOnly || view.categories.length > 0;
    return (shownOnly ? findFailingPeer(this.index, this.failureSource, from, direction, view.categories) : findPeer(this.index, from, direction)) ?? null;
  }

  /** The failing set with the user's annotations: what n/p, the cursor and the debugger move through. */
  readonly failureSource: FailureSource = { failing: () => this.failing, categoriesOf: (i) => this.categoriesOf(i) };

  /**
   * `search` for the webview. When the steps are held without their payloads, each search reads
   * the file (held-search.ts), a slice per turn of the event loop, so it never holds the host's
   * thread: it answers as soon as it has the match from `from`, saying the count is partial, and
   * counts the rest meanwhile; `complete` waits for the count.
   */
  async searchAsync(query: string, from: number, direction: Direction, opts: { complete?: boolean } = {}): Promise<SearchResult> {
    const held = this.index.heldSearch(query);
    if (!held) return this.search(query, from, direction);
    const wanted = (): boolean => this.index.keeps(held);
    const origin = this.searchOrigin(from, direction);
    const found = await findHeldMatch(held, origin, direction, nextTurn, wanted);
    const counted = opts.complete ? await finishHeldSearch(held, nextTurn, wanted) : held.complete;
    if (!wanted()) return this.searchAsync(query, from, direction, opts); // the steps were replaced meanwhile
    if (counted) return this.resultIn(held.matchList(), origin, direction);
    this.countInBackground(held);
    return { index: found ?? null, matchCount: held.matchCount(), partial: true, matches: held.firstMatches(SEARCH_MATCH_CAP) };
  }

  /** The held search whose count goes on after its first answer: one at a time, the latest. */
  private counting: HeldSearch | undefined;

  private countInBackground(held: HeldSearch): void {
    if (this.counting === held) return;
    this.counting = held;
    const wanted = (): boolean => this.counting === held && this.index.keeps(held);
    // A file changed underneath fails here as it will for the next search, which reports it.
    finishHeldSearch(held, nextTurn, wanted).catch(() => undefined).finally(() => { if (this.counting === held) this.counting = undefined; });
  }

  /**
   * Case-insensitive substring search over names, messages, tool calls, values and errors; wraps
   * around. Says which match it found ("k of n") and lists the matches (capped) for highlighting.
   */
  search(query: string, from: number, direction: Direction): SearchResult {
    return this.resultIn(this.index.search(query), this.searchOrigin(from, direction), direction);
  }

  /** Where a search from `from` starts: outside the steps, from the end it goes away from. */
  private searchOrigin(from: number, direction: Direction): number {
    const n = this.index.length;
    return Number.isInteger(from) && from >= 0 && from < n ? from : direction === 'next' ? -1 : n;
  }

  /** The match after `origin` in `direction` among all of them (sorted), wrapping: a binary search. */
  private resultIn(all: number[], origin: number, direction: Direction): SearchResult {
    if (all.length === 0) return { index: null, matchCount: 0 };
    const k = direction === 'next' ? upperBound(all, origin) % all.length : (lowerBound(all, origin) - 1 + all.length) % all.length;
    return { index: all[k], matchCount: all.length, ordinal: k + 1, matches: all.length > SEARCH_MATCH_CAP ? all.slice(0, SEARCH_MATCH_CAP) : all };
  }

  timeline(start: number, end: number, limit: number): TimelineResult {
    const hits: number[] = [];
    const n = this.index.length;
    for (let i = 0; i < n; i++) if (this.endAt(i) >= start && this.startAt(i) <= end) hits.push(i);
    let chosen = hits;
    const truncated = hits.length > limit;
    if (truncated) {
      // Keep the longest bars (they carry the structure) and every failure (they carry the story).
      const failing = hits.filter((i) => this.isFailure(i));
      const rest = hits.filter((i) => !this.isFailure(i)).sort((a, b) => (this.endAt(b) - this.startAt(b)) - (this.endAt(a) - this.startAt(a)));
      chosen = [...failing.slice(0, limit), ...rest.slice(0, Math.max(0, limit - failing.length))].sort((a, b) => a - b);
    }
    return {
      truncated,
      bars: chosen.map((i) => {
        const { name, depth, status, kind } = this.index.step(i);
        return {
          index: i, name: truncateText(name, BAR_NAME_CHARS), depth, start: this.startAt(i), end: this.endAt(i),
          status, kind, category: this.categoryOf(i), labelled: this.labels.has(i), failing: this.isFailure(i),
        };
      }),
    };
  }

  checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.index.length) {
      throw rpcError(ErrorCode.NotFound, `no step ${index} in this trace (it has ${this.index.length})`);
    }
  }
}

/**
 * The ids of the steps whose findings differ between `shown` and `findings` (a finding gone, or one
 * not shown before: a finding is the same object in both), walking both lists side by side;
 * undefined when the findings in both do not come in the same order in each (then a step's
 * findings that did not change could be in another order). One map of the shown findings' places,
 * where two sets and a third walk over both were (12,254 findings at the end of a read of 10^6 TRAIL
 * spans: 3-5 ms, where that took 8-13).
 */
function changedSteps(shown: readonly Finding[], findings: readonly Finding[]): Set<string> | undefined {
  const placeShown = new Map<Finding, number>();
  for (let k = 0; k < shown.length; k++) placeShown.set(shown[k], k);
  const touched = new Set<string>();
  // The next shown finding not yet met in `findings`.
  let next = 0;
  for (const f of findings) {
    const at = placeShown.get(f);
    if (at === undefined) {
      touched.add(f.stepId);
      continue;
    }
    // Kept, but before one kept earlier (or met twice): not the order shown.
    if (at < next) return undefined;
    // The shown findings passed over are gone.
    for (; next < at; next++) touched.add(shown[next].stepId);
    next = at + 1;
  }
  for (; next < shown.length; next++) touched.add(shown[next].stepId);
  return touched;
}

/** Whether `steps` has the ids and parents of `shown` at its positions [from, to). */
function samePlaces(shown: TraceIndex, steps: readonly Step[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (steps[i].id !== shown.step(i).id || steps[i].parentId !== shown.step(i).parentId) return false;
  return true;
}

/** Whether `findings` is `shown` with more after it (the same objects first). */
function extendsFindings(findings: readonly Finding[], shown: readonly Finding[]): boolean {
  if (findings.length <= shown.length || shown.length === 0) return false;
  for (let k = 0; k < shown.length; k++) if (findings[k] !== shown[k]) return false;
  return true;
}

/** Lists per step position, stored only for the positions that have one (a trace of 10^6 steps has a few thousand). */
class SparseLists<T> {
  private static readonly EMPTY: readonly never[] = Object.freeze([]);
  private readonly lists = new Map<number, T[]>();

  get(i: number): readonly T[] {
    return this.lists.get(i) ?? SparseLists.EMPTY;
  }

  /** How many positions have a list. */
  get size(): number {
    return this.lists.size;
  }

  /** The list at position i (none when empty). */
  set(i: number, list: readonly T[]): void {
    if (list.length === 0) this.lists.delete(i);
    else this.lists.set(i, [...list]);
  }

  push(i: number, item: T): void {
    const list = this.lists.get(i);
    if (list) list.push(item); else this.lists.set(i, [item]);
  }

  entries(): IterableIterator<[number, readonly T[]]> {
    return this.lists.entries();
  }
}

function binarySearch(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === x) return mid;
    if (a[mid] < x) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/** Whether two bindings tag the same steps with the same tags (tags are few: compared as JSON). */
function sameTags(a: ReadonlyMap<string, readonly ErrorTag[]>, b: ReadonlyMap<string, readonly ErrorTag[]>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [stepId, tags] of a) {
    const other = b.get(stepId);
    if (!other || JSON.stringify(other) !== JSON.stringify(tags)) return false;
  }
  return true;
}

/** The run's top-level steps as runOutcome counts them (up to two), from the index's top. */
function topLevelOf(index: TraceIndex): TopLevelSteps {
  const tops = index.topLevel(2);
  return { count: tops.length, first: tops[0] };
}
