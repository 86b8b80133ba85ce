/**
 * Failure clusters across many traces: every failure (a detector finding, or an imported step
 * label that names a category of a known taxonomy) grouped by its category (in the taxonomy in
 * use), its tool and the normalised signature of its error text (signature.ts). Largest first.
 *
 * What is one failure:
 * - a finding, unless the sidecar rejects it (`reviewOf`, the editor's rule). Its failing step is
 *   the symptom step when the finding was attributed to the decision that caused it, else its own
 *   step; a finding of the same category on the same failing step is the same failure (the tool
 *   step's `tool-error` and the model step's `decision-caused-failure` count once);
 * - an imported step label (TRAIL, Who&When...) whose category a known taxonomy has; its text is
 *   its evidence (else its description, else its category). Verdicts (scores, rewards) are not.
 * Its text: the failing step's error (`type: message`) when it has one, else the finding's evidence.
 * Its tool: the failing step's call (`toolOfFinding`), else the one tool the finding's model step
 * calls (a finding about its arguments), else none.
 */
import { createHash } from 'node:crypto';
import { toolOfFinding } from '../analyze';
import { categoryIn, resolveChoice, reviewOf, shownFindingCategory } from '../annotations';
import type { CorpusTrace } from '../corpus';
import type { Finding } from '../detect/types';
import { isStepErrorLabel } from '../model/labels';
import type { ImportedLabel, Step } from '../model/schema';
import { BUILTIN_TAXONOMIES } from '../taxonomy';
import type { Taxonomy } from '../taxonomy/types';
import { errorSignature } from './signature';

/** How much of a failure's original text an example keeps. */
export const EXAMPLE_TEXT_MAX = 300;

export interface Failure {
  file: string;
  traceIndex: number;
  traceTitle: string;
  /** The failing step (the symptom of an attributed finding). */
  stepId: string;
  /** The step the finding sits on, when that is another step (the decision that caused it). */
  findingStepId?: string;
  /** Category in the taxonomy in use. */
  category: string;
  /** The detector's default-taxonomy id, for findings (what a rejection in a sidecar names). */
  detectorCategory?: string;
  tool: string | null;
  source: 'finding' | 'label';
  /** The rule, for findings; the label scheme, for labels. */
  rule?: string;
  scheme?: string;
  /** The failure's text as found (clipped to EXAMPLE_TEXT_MAX), before masking. */
  text: string;
  signature: string;
  /** For findings: every finding this failure stands for (the symptom's and its cause's, deduplicated into one). */
  findings?: ClusterFinding[];
}

/** A detector finding behind a cluster's failure: what rejecting it in a sidecar names. */
export interface ClusterFinding {
  /** The failing step (a member of the cluster). */
  failingStepId: string;
  /** The step the finding sits on (where its review is written). */
  stepId: string;
  /** The detector's category (default-taxonomy id). */
  category: string;
  rule: string;
  evidence: string;
  impact?: Finding['impact'];
}

export interface ClusterTrace {
  file: string;
  traceIndex: number;
  title: string;
  /** The failing steps of this cluster in this trace, in step order. */
  stepIds: string[];
  /** The trace file's sha256 when the cluster was computed (a batch refuses a file that changed since). */
  sha256: string;
  /** The detector findings behind this trace's failures (empty for failures that are imported labels). */
  findings: ClusterFinding[];
}

export interface FailureCluster {
  /** Stable id of category + tool + signature (12 hex), for a UI to refer to. */
  id: string;
  signature: string;
  category: string;
  /** The category's name in the taxonomy in use, when it has one. */
  categoryName?: string;
  tool: string | null;
  count: number;
  /** Failures whose step has a human tag showing as the cluster's category (what "Tag All" did, or a user did step by step). */
  tagged: number;
  traces: ClusterTrace[];
  /** The first failures of the cluster, in corpus order (files, traces, then steps). */
  examples: Failure[];
  /** Failures per rule (findings) or `label:<scheme>` (labels). */
  by: Record<string, number>;
}

export interface ClusterOptions {
  taxonomy: Taxonomy;
  /** Examples kept per cluster (default 3). */
  examples?: number;
}

/** The failures of one analysed trace, and how many findings its sidecar rejects. */
export function failuresOf(t: CorpusTrace, taxonomy: Taxonomy): { failures: Failure[]; rejected: number } {
  const stepsById = new Map<string, Step>(t.trace.steps.map((s) => [s.id, s]));
  const failures: Failure[] = [];
  const seen = new Map<string, Failure>();
  let rejected = 0;
  const base = { file: t.file, traceIndex: t.traceIndex, traceTitle: t.trace.title };
  for (const f of t.findings) {
    if (reviewOf(t.tagsByStep.get(f.stepId), f) === 'rejected') { rejected++; continue; }
    const failing = f.symptomStepId && stepsById.has(f.symptomStepId) ? f.symptomStepId : f.stepId;
    const key = `${failing}\u0000${f.category}`;
    const ref: ClusterFinding = { failingStepId: failing, stepId: f.stepId, category: f.category, rule: f.rule, evidence: f.evidence, ...(f.impact ? { impact: f.impact } : {}) };
    const same = seen.get(key);
    if (same) { same.findings!.push(ref); continue; }
    const step = stepsById.get(failing);
    const text = step?.error ? errorText(step.error) : f.evidence;
    failures.push({
      ...base, stepId: failing, ...(failing !== f.stepId ? { findingStepId: f.stepId } : {}),
      category: shownFindingCategory(f.category, taxonomy), detectorCategory: f.category,
      tool: toolOfFinding(f, stepsById) ?? soleToolCalled(stepsById.get(f.stepId)) ?? null, source: 'finding', rule: f.rule,
      text: clip(text), signature: errorSignature(text), findings: [ref],
    });
    seen.set(key, failures[failures.length - 1]);
  }
  for (const l of t.trace.labels) {
    if (!isStepErrorLabel(l) || !stepsById.has(l.stepId)) continue;
    const category = labelCategory(l, taxonomy);
    if (category === undefined) continue;
    const step = stepsById.get(l.stepId)!;
    const text = l.evidence ?? l.description ?? l.category;
    failures.push({
      ...base, stepId: l.stepId, category, tool: step.toolCall?.name ?? (step.kind === 'tool' ? step.name : null),
      source: 'label', scheme: l.scheme, text: clip(text), signature: errorSignature(text),
    });
  }
  return { failures, rejected };
}

/** A label's category in the taxonomy in use, or undefined when no known taxonomy has it. */
export function labelCategory(l: ImportedLabel, taxonomy: Taxonomy): string | undefined {
  const choice = { category: l.category, ...(Object.hasOwn(BUILTIN_TAXONOMIES, l.scheme) || l.scheme === taxonomy.id ? { taxonomy: l.scheme } : {}) };
  if (!resolveChoice(choice, taxonomy)) return undefined;
  return categoryIn(choice, taxonomy);
}

/** The tool a model step calls, when all its calls are to one tool (a finding about its arguments). */
function soleToolCalled(step: Step | undefined): string | undefined {
  const names = new Set((step?.output?.messages ?? []).flatMap((m) => (m.toolCalls ?? []).map((c) => c.name)));
  return names.size === 1 ? [...names][0] : undefined;
}

function errorText(e: { type?: string; message: string }): string {
  return e.type && !e.message.startsWith(e.type) ? `${e.type}: ${e.message}` : e.message;
}

function clip(text: string): string {
  return text.length > EXAMPLE_TEXT_MAX ? `${text.slice(0, EXAMPLE_TEXT_MAX - 1)}…` : text;
}

/** Collects failures trace by trace (so a corpus need not be held in memory) and groups them. */
export class ClusterBuilder {
  private readonly clusters = new Map<string, FailureCluster & { traceByKey: Map<string, ClusterTrace> }>();
  failures = 0;
  rejected = 0;
  traces = 0;

  constructor(private readonly options: ClusterOptions) {}

  add(t: CorpusTrace): void {
    this.traces++;
    const { failures, rejected } = failuresOf(t, this.options.taxonomy);
    this.rejected += rejected;
    const order = new Map(t.trace.steps.map((s) => [s.id, s.index]));
    failures.sort((a, b) => (order.get(a.stepId) ?? 0) - (order.get(b.stepId) ?? 0));
    for (const f of failures) {
      this.failures++;
      const key = `${f.category}\u0000${f.tool ?? ''}\u0000${f.signature}`;
      let c = this.clusters.get(key);
      if (!c) {
        const name = this.options.taxonomy.get(f.category)?.name;
        c = {
          id: createHash('sha256').update(key).digest('hex').slice(0, 12), signature: f.signature, category: f.category,
          ...(name && name !== f.category ? { categoryName: name } : {}), tool: f.tool, count: 0, tagged: 0, traces: [], examples: [], by: {}, traceByKey: new Map(),
        };
        this.clusters.set(key, c);
      }
      c.count++;
      if ((t.tagsByStep.get(f.stepId) ?? []).some((tag) => tag.source === 'human' && tag.status === 'confirmed' && categoryIn(tag, this.options.taxonomy) === f.category)) c.tagged++;
      const by = f.source === 'finding' ? f.rule! : `label:${f.scheme}`;
      c.by[by] = (c.by[by] ?? 0) + 1;
      if (c.examples.length < (this.options.examples ?? 3)) c.examples.push(f);
      const tk = `${f.file}\u0000${f.traceIndex}`;
      let ct = c.traceByKey.get(tk);
      if (!ct) {
        ct = { file: f.file, traceIndex: f.traceIndex, title: f.traceTitle, stepIds: [], sha256: t.trace.source.sha256, findings: [] };
        c.traceByKey.set(tk, ct);
        c.traces.push(ct);
      }
      // Failures come in step order, so a step already listed is the last one.
      if (ct.stepIds[ct.stepIds.length - 1] !== f.stepId) ct.stepIds.push(f.stepId);
      if (f.findings) ct.findings.push(...f.findings);
    }
  }

  /** Clusters with at least `min` failures, largest first (then by category, tool, signature). */
  result(min = 1): FailureCluster[] {
    return [...this.clusters.values()]
      .filter((c) => c.count >= min)
      .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category) || (a.tool ?? '').localeCompare(b.tool ?? '') || a.signature.localeCompare(b.signature))
      .map(({ traceByKey: _t, ...c }) => c);
  }
}

/** Every cluster of the given analysed traces, largest first. */
export function clusterFailures(traces: Iterable<CorpusTrace>, options: ClusterOptions & { min?: number }): FailureCluster[] {
  const b = new ClusterBuilder(options);
  for (const t of traces) b.add(t);
  return b.result(options.min);
}
