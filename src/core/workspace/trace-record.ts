/**
 * One small, JSON-serialisable record per trace: what the workspace trace database (issue 14,
 * section 1) keeps about a run so that queries, facets and the Trace Explorer can work without
 * the steps. Built from what the CLI's `inspect`/`report` already compute (a loaded, analysed
 * file: src/core/analyze.ts), the run's outcome (runOutcome, as the editor's verdict and
 * promotion decide it), the usage totals (src/core/model/usage.ts) and the annotation sidecar
 * beside the file, if there is one. Plain Node: no vscode.
 */
import { existsSync } from 'node:fs';
import { toolOfFinding, type FileAnalysis } from '../analyze';
import { bindAnnotations, categoryIn, decisionOf, loadAnnotationsFor, sidecarPathFor, type AnnotationDocument, type BoundAnnotations } from '../annotations';
import type { Finding } from '../detect';
import { runOutcome } from '../export/run-outcome';
import { isStepErrorLabel, readVerdictLabel, type VerdictPart } from '../model/labels';
import type { Step, Trace } from '../model/schema';
import { traceKeyOf } from '../model/trace-key';
import { usageTotals } from '../model/usage';
import type { Taxonomy } from '../taxonomy';
import { shownFindingCategory } from '../annotations/finding-review';
import { formatProblem, isUserInputError, type Problem } from '../util/problems';
import type { TraceWords } from './text-index';
import { failedByStatus } from '../detect/user-stop';

// 2: records computed for the workspace index carry the trace's words (text-index.ts).
export const TRACE_RECORD_VERSION = 3;

/** How the run ended: `failure` as promotion decides it (runOutcome), else what its labels say. */
export type TraceOutcome = 'success' | 'failure' | 'partial' | 'unknown';

export interface CategoryCount {
  /** In the chosen taxonomy (a detector's default id when that taxonomy does not map it). */
  category: string;
  count: number;
  /** The earliest step (in decision order) with this failure. */
  firstStepId: string;
  firstIndex: number;
}

export interface ToolCount {
  name: string;
  calls: number;
  failures: number;
  firstStepId: string;
  firstIndex: number;
  firstFailureStepId: string | null;
  firstFailureIndex: number | null;
}

export interface LabelSummary {
  scheme: string;
  category: string;
  stepId: string | null;
  /** The step's position in decision order; null for a label on the whole run or on a step not in the trace. */
  stepIndex: number | null;
  /** The verdict's value (a reward, a score, a boolean) when the label is one. */
  value?: string | number | boolean;
}

export interface TraceRecord {
  version: typeof TRACE_RECORD_VERSION;
  file: string;
  /** The trace's address in its file: its own id, else its run number (src/core/model/trace-key.ts). */
  traceKey: string;
  /** The run's number in its file (0 for a file of one trace): where the editor and sidecars find it. */
  traceIndex: number;
  /** The trace's own id. */
  traceId: string;
  format: string;
  title: string;
  /** The task or question the run worked on, when the source says (clipped to 200 characters). */
  task: string | null;
  /** Milliseconds since the epoch; null without timestamps. */
  startTime: number | null;
  /** Milliseconds from the first start to the last end; null without timestamps. */
  durationMs: number | null;
  steps: number;
  outcome: TraceOutcome;
  /** Why, short phrases (runOutcome's reasons for a failure, the verdict labels otherwise). */
  outcomeReasons: string[];
  /** A reward or score in [0, 1] from a verdict label, when there is one. */
  reward: number | null;
  /** Failures per category: findings not rejected in the sidecar, plus human tags; largest first. */
  categories: CategoryCount[];
  /** Steps with status error, a finding, a human tag or an imported error label. */
  failingSteps: number;
  firstFailingStepId: string | null;
  tools: ToolCount[];
  models: string[];
  /** Totals as `inspect` computes them; cost null when no step records one. */
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  cost: number | null;
  /** Human tags in the sidecar (not rejected) bound to this trace. */
  tags: number;
  corrections: number;
  reviewed: number;
  labels: LabelSummary[];
  /** Sidecar problems (unreadable, for another version of the file): the record is built without it. */
  warnings: string[];
  /**
   * The words of the steps and where each first appears, for free text without the steps; only in
   * the workspace index's records (the trace worker's `traceRecords` job adds them).
   */
  words?: TraceWords;
}

export interface RecordOptions {
  taxonomy: Taxonomy;
  /**
   * The annotation document for the file, or null for none. Default: read the sidecar beside the
   * file (`<file>.annotations.json`) when it exists.
   */
  annotations?: AnnotationDocument | null;
}

/** The records of every trace in an analysed file (`analyzeFile(path, detectOptionsFor(taxonomy))`). */
export function recordsOfFile(analysis: FileAnalysis, opts: RecordOptions): TraceRecord[] {
  const warnings: string[] = [];
  let doc = opts.annotations;
  if (doc === undefined) {
    doc = null;
    const sidecar = sidecarPathFor(analysis.file);
    if (existsSync(sidecar)) {
      try {
        doc = loadAnnotationsFor(analysis.file, { sha256: analysis.traces[0]?.source.sha256 ?? '' }).doc;
      } catch (e) {
        if (!isUserInputError(e)) throw e;
        warnings.push(...e.problems.map((p: Problem) => `annotations not read: ${formatProblem(p)}`));
      }
    }
  }
  return analysis.analyses.map(({ trace, findings }, i) => traceRecord(trace, findings, {
    file: analysis.file, format: analysis.format, traceKey: traceKeyOf(trace), traceIndex: analysis.analyses.length > 1 ? i : trace.source.indexInFile ?? 0,
    taxonomy: opts.taxonomy, annotations: doc ?? null, warnings,
  }));
}

export interface SingleRecordOptions {
  file: string;
  format: string;
  traceKey: string;
  traceIndex: number;
  taxonomy: Taxonomy;
  annotations: AnnotationDocument | null;
  warnings?: string[];
}

export function traceRecord(trace: Trace, findings: readonly Finding[], opts: SingleRecordOptions): TraceRecord {
  const { taxonomy } = opts;
  const steps = trace.steps;
  const stepsById = new Map<string, Step>(steps.map((s) => [s.id, s]));
  const indexOf = (id: string): number => stepsById.get(id)?.index ?? Number.MAX_SAFE_INTEGER;
  const bound: BoundAnnotations | undefined = opts.annotations ? bindAnnotations(opts.annotations, trace, sidecarPathFor(opts.file)) : undefined;
  const warnings = [...(opts.warnings ?? [])];
  if (bound?.shaMismatch) warnings.push(formatProblem(bound.shaMismatch));

  const categories = new Map<string, CategoryCount>();
  const failing = new Set<string>();
  const addCategory = (category: string, stepId: string): void => {
    failing.add(stepId);
    const idx = indexOf(stepId);
    const c = categories.get(category);
    if (!c) categories.set(category, { category, count: 1, firstStepId: stepId, firstIndex: idx });
    else {
      c.count++;
      if (idx < c.firstIndex) { c.firstIndex = idx; c.firstStepId = stepId; }
    }
  };
  const tools = new Map<string, ToolCount>();
  const failTool = (name: string, stepId: string): void => {
    const t = toolEntry(tools, name, stepId, indexOf(stepId));
    const idx = indexOf(stepId);
    t.failures++;
    if (t.firstFailureIndex === null || idx < t.firstFailureIndex) { t.firstFailureIndex = idx; t.firstFailureStepId = stepId; }
  };

  for (const f of findings) {
    if (decisionOf(bound?.tagsByStep.get(f.stepId), f)?.status === 'rejected') continue;
    addCategory(shownFindingCategory(f.category, taxonomy), f.stepId);
  }
  let tags = 0;
  for (const [stepId, list] of bound?.tagsByStep ?? []) {
    for (const t of list) {
      if (t.source !== 'human' || t.status === 'rejected') continue;
      tags++;
      addCategory(categoryIn(t, taxonomy), stepId);
    }
  }
  const models = new Set<string>();
  const failedToolSteps = new Set<string>();
  for (const s of steps) {
    if (s.model) models.add(s.model);
    const name = s.toolCall?.name ?? (s.kind === 'tool' ? s.name : undefined);
    if (name) toolEntry(tools, name, s.id, s.index).calls++;
    if (failedByStatus(s)) {
      failing.add(s.id);
      if (name) { failTool(name, s.id); failedToolSteps.add(s.id); }
    }
  }
  // A finding about a tool whose step did not itself end in an error (a wrong result, a loop).
  for (const f of findings) {
    const tool = toolOfFinding(f, stepsById);
    const at = f.symptomStepId ?? f.stepId;
    if (tool && !failedToolSteps.has(at)) { failTool(tool, at); failedToolSteps.add(at); }
  }
  const labels: LabelSummary[] = trace.labels.map((l) => ({
    scheme: l.scheme, category: l.category, stepId: l.stepId, stepIndex: l.stepId === null ? null : stepsById.get(l.stepId)?.index ?? null,
    ...(typeof l.value === 'string' || typeof l.value === 'number' || typeof l.value === 'boolean' ? { value: l.value } : {}),
  }));
  for (const l of trace.labels) if (isStepErrorLabel(l) && stepsById.has(l.stepId)) failing.add(l.stepId);

  const outcome = outcomeOf(trace);
  const usage = usageTotals(steps);
  const hasCost = steps.some((s) => typeof s.usage?.cost === 'number');
  let firstFailing: Step | undefined;
  for (const id of failing) {
    const s = stepsById.get(id);
    if (s && (!firstFailing || s.index < firstFailing.index)) firstFailing = s;
  }
  return {
    version: TRACE_RECORD_VERSION,
    file: opts.file,
    traceKey: opts.traceKey,
    traceIndex: opts.traceIndex,
    traceId: trace.id,
    format: opts.format,
    title: trace.title,
    task: taskOf(trace),
    startTime: trace.startTime ?? firstStart(steps),
    durationMs: durationOf(steps),
    steps: steps.length,
    ...outcome,
    categories: [...categories.values()].sort((a, b) => b.count - a.count || a.category.localeCompare(b.category)),
    failingSteps: failing.size,
    firstFailingStepId: firstFailing?.id ?? null,
    tools: [...tools.values()].sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name)),
    models: [...models].sort(),
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    tokens: usage.totalTokens || usage.inputTokens + usage.outputTokens,
    cost: hasCost ? usage.cost : null,
    tags,
    corrections: bound?.correctionByStep.size ?? 0,
    reviewed: bound?.reviewed.size ?? 0,
    labels,
    warnings,
  };
}

function toolEntry(tools: Map<string, ToolCount>, name: string, stepId: string, index: number): ToolCount {
  let t = tools.get(name);
  if (!t) tools.set(name, t = { name, calls: 0, failures: 0, firstStepId: stepId, firstIndex: index, firstFailureStepId: null, firstFailureIndex: null });
  else if (index < t.firstIndex) { t.firstIndex = index; t.firstStepId = stepId; }
  return t;
}

/**
 * The run's outcome, the rule of the editor's verdict (src/host/editor/run-verdict.ts): failed
 * as runOutcome decides (a verdict label, a final error, an `is_correct: false`, a human tag on
 * the whole run...), else the best of what its verdict labels say, else unknown.
 */
function outcomeOf(trace: Trace): { outcome: TraceOutcome; outcomeReasons: string[]; reward: number | null } {
  let reward: number | null = null;
  for (const l of trace.labels) {
    if (l.stepId === null && typeof l.value === 'number' && Number.isFinite(l.value) && l.value >= 0 && l.value <= 1 && l.scheme !== 'mast') { reward = l.value; break; }
  }
  const run = runOutcome(trace);
  if (run.failed) return { outcome: 'failure', outcomeReasons: run.reasons, reward };
  const parts = trace.labels.map(readVerdictLabel).filter((p): p is VerdictPart => p !== undefined && p.outcome !== 'fail');
  const best = (['partial', 'pass'] as const).find((o) => parts.some((p) => p.outcome === o));
  const outcome: TraceOutcome = best === 'pass' ? 'success' : best === 'partial' ? 'partial' : 'unknown';
  return { outcome, outcomeReasons: parts.map((p) => `${p.source} ${p.text}`), reward };
}

const TASK_KEYS = ['task', 'task_id', 'taskId', 'instance_id', 'question', 'query', 'input'] as const;

function taskOf(trace: Trace): string | null {
  for (const k of TASK_KEYS) {
    const v = trace.metadata[k];
    if ((typeof v === 'string' && v.trim()) || typeof v === 'number') return clip(String(v));
  }
  for (const s of trace.steps) {
    for (const m of s.input?.messages ?? []) if (m.role === 'user' && m.content?.trim()) return clip(m.content);
  }
  return null;
}

function clip(s: string, max = 200): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function firstStart(steps: readonly Step[]): number | null {
  let min: number | null = null;
  for (const s of steps) if (s.startTime !== null && (min === null || s.startTime < min)) min = s.startTime;
  return min;
}

function durationOf(steps: readonly Step[]): number | null {
  const start = firstStart(steps);
  if (start === null) return null;
  let end = start;
  for (const s of steps) {
    const e = s.endTime ?? s.startTime;
    if (e !== null && e > end) end = e;
  }
  return end - start;
}
