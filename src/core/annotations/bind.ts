/**
 * Resolve a sidecar against a loaded trace: which step each entry points at, what no longer
 * exists (reported, never dropped: the document is untouched, so a save writes it back), and the
 * effective error tags per step (human tags + detector findings minus rejections).
 */
import { fingerprintHash, parseLegacyDerivedId } from '../engine/step-ids';
import { shellCommandText } from '../formats/shell-exit';
import { commandStepName } from '../formats/trajectories/common';
import { isStepErrorLabel } from '../model/labels';
import type { Step, Trace } from '../model/schema';
import type { Problem } from '../util/problems';
import type { Taxonomy } from '../taxonomy/types';
import { exportCategory } from './categories';
import { decisionOf } from './finding-review';
import type { AnnotationDocument, Correction, ErrorTag, Impact } from './schema';
import { sameTrace } from './schema';

/**
 * The id a sidecar uses for a step: its stable id (src/core/engine/step-ids.ts), which is the id as
 * written in the trace unless that id occurs more than once (then `<id>#<k>` for the k-th).
 */
export function stepLocation(step: Pick<Step, 'id'>): string {
  return step.id;
}

export function traceIndexOf(trace: Trace): number {
  return trace.source.indexInFile ?? 0;
}

export function stepIndexByLocation(trace: Trace): Map<string, Step> {
  const m = new Map<string, Step>();
  for (const s of trace.steps) m.set(s.id, s);
  return m;
}

/**
 * Finds the step a sidecar entry points at: by stable id, or, for an id of the earlier
 * position-based scheme (`step-<position>-<hash>`, in sidecars written before ids became stable),
 * the step with that content hash, the one nearest that position when several have it.
 */
export function stepResolver(trace: Trace): (location: string) => Step | undefined {
  // Built on the first question: a sidecar without entries costs nothing on a large trace.
  let byId: Map<string, Step> | undefined;
  let byHash: Map<string, Step[]> | undefined;
  return (location) => {
    byId ??= stepIndexByLocation(trace);
    const hit = byId.get(location);
    if (hit) return hit;
    const legacy = parseLegacyDerivedId(location);
    if (!legacy) return undefined;
    if (!byHash) {
      byHash = new Map();
      for (const s of trace.steps) {
        for (const name of namesHashed(s)) {
          const h = fingerprintHash({ kind: s.kind, name, startTime: s.startTime, toolCall: s.toolCall });
          const list = byHash.get(h);
          if (list) list.push(s); else byHash.set(h, [s]);
        }
      }
    }
    const candidates = byHash.get(legacy.hash);
    if (!candidates) return undefined;
    let best = candidates[0];
    for (const s of candidates) if (Math.abs(s.index - legacy.position) < Math.abs(best.index - legacy.position)) best = s;
    return best;
  };
}

/**
 * The names a step's derived id may have hashed: its name, and for a shell command named by the
 * program it runs, the first word it was named by before (commandStepName).
 */
function namesHashed(s: Step): string[] {
  const command = s.kind === 'tool' ? shellCommandText(s.toolCall?.arguments) : undefined;
  const before = command === undefined ? undefined : commandStepName(command, s.name).fingerprintName;
  return before === undefined || before === s.name ? [s.name] : [s.name, before];
}

export interface BoundAnnotations {
  /** Set when the sidecar was written against different trace bytes. */
  shaMismatch?: Problem;
  /** Entries whose step is not in this trace: reported, kept in the file. */
  orphans: Problem[];
  tagsByStep: Map<string, ErrorTag[]>;
  correctionByStep: Map<string, Correction>;
  reviewed: Set<string>;
}

export function bindAnnotations(doc: AnnotationDocument, trace: Trace, sidecarFile: string): BoundAnnotations {
  const ti = traceIndexOf(trace);
  const resolve = stepResolver(trace);
  const out: BoundAnnotations = { orphans: [], tagsByStep: new Map(), correctionByStep: new Map(), reviewed: new Set() };
  if (doc.trace && doc.trace.sha256 !== trace.source.sha256) {
    out.shaMismatch = {
      file: sidecarFile, path: '$.trace.sha256',
      message: `written for a different version of ${doc.trace.path} (sha256 ${doc.trace.sha256.slice(0, 12)}…, the file now has ${trace.source.sha256.slice(0, 12)}…); tags on steps that still exist are shown, the others are kept in the file`,
    };
  }
  const orphan = (path: string, what: string, loc: string): void => {
    out.orphans.push({ file: sidecarFile, path, message: `${what} points at step "${loc}", which is not in this trace; kept in the file` });
  };
  doc.errors.forEach((e, i) => {
    if (!sameTrace(e.traceIndex, ti)) return;
    const s = resolve(e.location);
    if (!s) return orphan(`$.errors[${i}].location`, `tag ${e.category}`, e.location);
    push(out.tagsByStep, s.id, e);
  });
  doc.corrections.forEach((c, i) => {
    if (!sameTrace(c.traceIndex, ti)) return;
    const s = resolve(c.location);
    if (!s) return orphan(`$.corrections[${i}].location`, 'correction', c.location);
    out.correctionByStep.set(s.id, c);
  });
  doc.reviewed.forEach((r, i) => {
    if (!sameTrace(r.traceIndex, ti)) return;
    const s = resolve(r.location);
    if (!s) return orphan(`$.reviewed[${i}]`, 'review mark', r.location);
    out.reviewed.add(s.id);
  });
  return out;
}

/** What `detect(trace)` returns, structurally (kept local so this module does not depend on the detectors). */
export interface FindingLike {
  stepId: string;
  category: string;
  rule: string;
  evidence?: string;
  impact?: Impact;
}

export interface EffectiveTag {
  stepId: string;
  category: string;
  origin: 'human' | 'rule' | 'imported';
  /** `proposed`: a detector finding nobody has confirmed or rejected yet. */
  status: 'confirmed' | 'proposed';
  rule?: string;
  impact?: Impact;
  evidence?: string;
  description?: string;
}

/**
 * The errors that count, per step. Decision (documented in the training-set README): an error is
 * a human tag that is not rejected, a rule finding that is confirmed *or still proposed* (not
 * rejected), or a step-level label imported with the trace (Who&When, TRAIL inline) that is not
 * rejected. Proposed findings count because excluding a good turn from training costs little,
 * while learning a faulty one is what this tool exists to prevent. Which finding a sidecar entry
 * confirms or rejects is decided by `decisionOf`, the rule the editor uses. `findings` must come
 * from the detectors run as the editor runs them (`findingsFor(trace, taxonomy)`). Categories are
 * exported as default-taxonomy ids where they map to one (`taxonomy`: the one the tags were made in,
 * needed only for a taxonomy file's own categories).
 */
export function effectiveErrors(trace: Trace, bound: BoundAnnotations, findings: readonly FindingLike[] = [], opts: { taxonomy?: Taxonomy } = {}): Map<string, EffectiveTag[]> {
  const out = new Map<string, EffectiveTag[]>();
  const rejected = new Set<string>();
  for (const [stepId, tags] of bound.tagsByStep) {
    for (const t of tags) {
      const category = exportCategory(t, opts.taxonomy);
      if (t.status === 'rejected') { rejected.add(`${stepId}\u0000${category}`).add(`${stepId}\u0000${t.category}`); continue; }
      push(out, stepId, {
        stepId, category, origin: t.source, status: 'confirmed',
        ...(t.rule ? { rule: t.rule } : {}), ...(t.impact ? { impact: t.impact } : {}),
        ...(t.evidence !== undefined ? { evidence: t.evidence } : {}), ...(t.description !== undefined ? { description: t.description } : {}),
      });
    }
  }
  const has = (stepId: string, category: string): boolean => (out.get(stepId) ?? []).some((t) => t.category === category);
  for (const f of findings) {
    // Decided findings are in `out` already (confirmed) or do not count (rejected).
    if (decisionOf(bound.tagsByStep.get(f.stepId), f) || has(f.stepId, f.category)) continue;
    push(out, f.stepId, { stepId: f.stepId, category: f.category, origin: 'rule', status: 'proposed', rule: f.rule, ...(f.impact ? { impact: f.impact } : {}), ...(f.evidence !== undefined ? { evidence: f.evidence } : {}) });
  }
  for (const l of trace.labels) {
    // Scores and rewards are verdicts, not step errors: the editor applies the same rule.
    if (!isStepErrorLabel(l) || rejected.has(`${l.stepId}\u0000${l.category}`) || has(l.stepId, l.category)) continue;
    push(out, l.stepId, { stepId: l.stepId, category: l.category, origin: 'imported', status: 'confirmed', ...(l.impact ? { impact: l.impact } : {}), ...(l.evidence !== undefined ? { evidence: l.evidence } : {}) });
  }
  return out;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
