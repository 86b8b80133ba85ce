/**
 * Pure edit operations on an AnnotationDocument, for VS Code's custom-editor edit model.
 *
 * Every operation returns the new document, the edit that was applied and its exact inverse.
 * An edit is plain data (JSON-serializable, so it survives hot-exit backups): a list of splices
 * on the document's three lists. Undo is `applyEdit(doc, inverse)`, redo is `applyEdit(doc, edit)`.
 * A splice checks that it removes exactly what it expects, so a stale edit fails loudly instead
 * of silently corrupting the user's work.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Impact } from './schema';
import { type AnnotationDocument, type CorrectedOutput, type Correction, type ErrorTag, type StepRef, sameRef, sameTrace } from './schema';

export type ListName = 'errors' | 'corrections' | 'reviewed';

export interface Splice {
  list: ListName;
  index: number;
  remove: unknown[];
  insert: unknown[];
}

export interface AnnotationEdit {
  /** Shown in Edit > Undo (e.g. "Add tag TOOL.RUNTIME"). */
  label: string;
  splices: Splice[];
}

export interface EditResult {
  doc: AnnotationDocument;
  edit: AnnotationEdit;
  inverse: AnnotationEdit;
  /** False when the operation was a no-op (the host should not push an undo entry). */
  changed: boolean;
}

export class StaleEditError extends Error {
  constructor(label: string) {
    super(`cannot apply "${label}": the annotations changed underneath it`);
    this.name = 'StaleEditError';
  }
}

export function invertEdit(edit: AnnotationEdit): AnnotationEdit {
  return {
    label: edit.label,
    splices: [...edit.splices].reverse().map((s) => ({ list: s.list, index: s.index, remove: s.insert, insert: s.remove })),
  };
}

/** Apply an edit (or an inverse) and return the new document with the edit's inverse. */
export function applyEdit(doc: AnnotationDocument, edit: AnnotationEdit): EditResult {
  let next = doc;
  for (const s of edit.splices) {
    const list = next[s.list] as readonly unknown[];
    if (s.index < 0 || s.index + s.remove.length > list.length) throw new StaleEditError(edit.label);
    for (let i = 0; i < s.remove.length; i++) if (!isDeepStrictEqual(list[s.index + i], s.remove[i])) throw new StaleEditError(edit.label);
    const copy = list.slice();
    copy.splice(s.index, s.remove.length, ...s.insert);
    next = { ...next, [s.list]: copy };
  }
  return { doc: next, edit, inverse: invertEdit(edit), changed: edit.splices.length > 0 };
}

function run(doc: AnnotationDocument, label: string, splices: Splice[]): EditResult {
  return applyEdit(doc, { label, splices });
}

/** Identifies a tag: one per (trace, step, category, source[, rule]). */
export interface TagKey extends StepRef {
  category: string;
  source?: 'human' | 'rule';
  rule?: string;
}

function matchesKey(t: ErrorTag, k: TagKey): boolean {
  return t.location === k.location && sameTrace(t.traceIndex, k.traceIndex) && t.category === k.category
    && (k.source === undefined || t.source === k.source) && (k.rule === undefined || t.rule === undefined || t.rule === k.rule);
}

export function findTag(doc: AnnotationDocument, key: TagKey): number {
  return doc.errors.findIndex((t) => matchesKey(t, key));
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export interface NewTag extends StepRef {
  category: string;
  /** Id of the taxonomy `category` was picked from (kept with the tag; see categories.ts). */
  taxonomy?: string;
  impact?: Impact;
  evidence?: string;
  description?: string;
}

/**
 * Add a human tag. Re-adding a category the step already has updates that tag (impact, evidence,
 * description) instead of duplicating it, and keeps the category as it was stored. "Already has"
 * is the same category string by default; `sameCategory` widens it (the editor passes "shows as the
 * same category in the taxonomy in use", so a tag from an older sidecar is found too).
 */
export function addTag(doc: AnnotationDocument, tag: NewTag, opts: { sameCategory?: (existing: ErrorTag) => boolean } = {}): EditResult {
  const entry = clean<ErrorTag>({ ...tag, source: 'human', status: 'confirmed' });
  let i = findTag(doc, { ...tag, source: 'human' });
  if (i < 0 && opts.sameCategory) {
    i = doc.errors.findIndex((t) => t.source === 'human' && t.location === tag.location && sameTrace(t.traceIndex, tag.traceIndex) && opts.sameCategory!(t));
  }
  if (i >= 0) {
    const { category: _category, taxonomy: _taxonomy, ...patch } = entry;
    const updated = { ...doc.errors[i], ...patch };
    if (isDeepStrictEqual(doc.errors[i], updated)) return run(doc, `Tag ${tag.category}`, []);
    return run(doc, `Edit tag ${tag.category}`, [{ list: 'errors', index: i, remove: [doc.errors[i]], insert: [updated] }]);
  }
  return run(doc, `Tag ${tag.category}`, [{ list: 'errors', index: doc.errors.length, remove: [], insert: [entry] }]);
}

/** Change a tag's impact, evidence or description (or category). */
export function updateTag(doc: AnnotationDocument, key: TagKey, patch: Partial<Pick<ErrorTag, 'category' | 'impact' | 'evidence' | 'description'>>): EditResult {
  const i = findTag(doc, key);
  if (i < 0) return run(doc, 'Edit tag', []);
  const next = clean<ErrorTag>({ ...doc.errors[i], ...patch });
  return run(doc, `Edit tag ${next.category}`, [{ list: 'errors', index: i, remove: [doc.errors[i]], insert: [next] }]);
}

/** Remove a tag (human or rule). Removing a rule entry puts the finding back to "proposed". */
export function removeTag(doc: AnnotationDocument, key: TagKey): EditResult {
  const i = findTag(doc, key);
  if (i < 0) return run(doc, `Remove tag ${key.category}`, []);
  return run(doc, `Remove tag ${key.category}`, [{ list: 'errors', index: i, remove: [doc.errors[i]], insert: [] }]);
}

/** A detector finding, addressed by the step's location (its id as written in the trace). */
export interface FindingRef extends StepRef {
  category: string;
  rule: string;
  evidence?: string;
  impact?: Impact;
  description?: string;
}

function decide(doc: AnnotationDocument, f: FindingRef, status: 'confirmed' | 'rejected'): EditResult {
  const label = `${status === 'confirmed' ? 'Confirm' : 'Reject'} ${f.category}`;
  const entry = clean<ErrorTag>({
    location: f.location, traceIndex: f.traceIndex, category: f.category, impact: f.impact,
    evidence: f.evidence, description: f.description, source: 'rule', rule: f.rule, status,
  });
  const i = findTag(doc, { location: f.location, traceIndex: f.traceIndex, category: f.category, source: 'rule', rule: f.rule });
  if (i >= 0) {
    if (doc.errors[i].status === status) return run(doc, label, []);
    return run(doc, label, [{ list: 'errors', index: i, remove: [doc.errors[i]], insert: [{ ...doc.errors[i], status }] }]);
  }
  return run(doc, label, [{ list: 'errors', index: doc.errors.length, remove: [], insert: [entry] }]);
}

export function confirmFinding(doc: AnnotationDocument, f: FindingRef): EditResult {
  return decide(doc, f, 'confirmed');
}

/** The finding stays hidden for that step and is remembered as rejected (so re-running detectors does not resurrect it). */
export function rejectFinding(doc: AnnotationDocument, f: FindingRef): EditResult {
  return decide(doc, f, 'rejected');
}

export function setReviewed(doc: AnnotationDocument, ref: StepRef, reviewed: boolean): EditResult {
  const i = doc.reviewed.findIndex((r) => sameRef(r, ref));
  const label = reviewed ? 'Mark reviewed' : 'Mark unreviewed';
  if (reviewed === i >= 0) return run(doc, label, []);
  if (reviewed) return run(doc, label, [{ list: 'reviewed', index: doc.reviewed.length, remove: [], insert: [clean<StepRef>({ location: ref.location, traceIndex: ref.traceIndex })] }]);
  return run(doc, label, [{ list: 'reviewed', index: i, remove: [doc.reviewed[i]], insert: [] }]);
}

export function findCorrection(doc: AnnotationDocument, ref: StepRef): Correction | undefined {
  return doc.corrections.find((c) => sameRef(c, ref));
}

export function setCorrection(doc: AnnotationDocument, ref: StepRef, output: CorrectedOutput): EditResult {
  const entry = clean<Correction>({ location: ref.location, traceIndex: ref.traceIndex, output });
  const i = doc.corrections.findIndex((c) => sameRef(c, ref));
  if (i >= 0) {
    if (isDeepStrictEqual(doc.corrections[i], entry)) return run(doc, 'Correct step', []);
    return run(doc, 'Correct step', [{ list: 'corrections', index: i, remove: [doc.corrections[i]], insert: [entry] }]);
  }
  return run(doc, 'Correct step', [{ list: 'corrections', index: doc.corrections.length, remove: [], insert: [entry] }]);
}

export function clearCorrection(doc: AnnotationDocument, ref: StepRef): EditResult {
  const i = doc.corrections.findIndex((c) => sameRef(c, ref));
  if (i < 0) return run(doc, 'Clear correction', []);
  return run(doc, 'Clear correction', [{ list: 'corrections', index: i, remove: [doc.corrections[i]], insert: [] }]);
}
