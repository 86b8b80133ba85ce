/**
 * Tagging a whole failure cluster: "Tag All N as <category>" and "Reject Finding for All N", as
 * one operation over many traces' sidecars, with its exact inverse. No vscode here; the host
 * (src/host/clusters) reads the sidecars, decides which traces go through an open trace editor
 * instead, and keeps the undo record.
 *
 * - `batchEdit` turns the cluster's steps of one trace into one AnnotationEdit on that file's
 *   document, using the editor's own operations (addTag, rejectFinding): a step that already has
 *   a human tag showing as the category, or a finding already rejected, is left as it is and
 *   counted as such. Nothing is ever removed or rewritten: the edit only inserts entries (or turns
 *   a finding's confirmed review into a rejected one, for "Reject").
 * - `planSidecarBatch` does that for each file's sidecar text and gives the bytes to write. A
 *   sidecar that cannot be read is refused (never overwritten), as in the editor.
 * - `writeSidecarBatch` writes the planned files atomically, each only if its bytes on disk are
 *   still the ones planned from, and returns the undo record: each file's previous bytes (or that
 *   it did not exist) and the bytes written.
 * - `undoSidecarBatch` puts every file back to exactly its previous bytes (or removes it), but
 *   only where the file still holds what the batch wrote: a file changed since (by an editor, git,
 *   another tool) is refused with a message naming it, never clobbered.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  addTag, categoryIn, emptyDocument, invertEdit, parseSidecar, rejectFinding, reviewOf, sameTrace, serializeSidecar, writeFileAtomic,
  type AnnotationDocument, type AnnotationEdit, type ErrorTag, type Impact, type Splice,
} from '../annotations';
import type { Taxonomy } from '../taxonomy/types';
import { formatProblem, isUserInputError } from '../util/problems';
import { realFileOps, type FileOps } from '../util/file-ops';
import type { ClusterFinding } from './clusters';

/** What to do to every step of the cluster. */
export type BatchAction =
  | { kind: 'tag'; category: string; taxonomy: Taxonomy; impact?: Impact }
  | { kind: 'reject' };

/** One failing step of the cluster in one trace of a file. */
export interface BatchStep {
  /** The step's id (its sidecar `location`). */
  location: string;
  /** The trace's index in its file (the sidecar's `traceIndex`). */
  traceIndex: number;
  /** For "reject": the findings behind this failure (ClusterTrace.findings of this step). */
  findings?: readonly ClusterFinding[];
}

export interface BatchEditResult {
  doc: AnnotationDocument;
  edit: AnnotationEdit;
  inverse: AnnotationEdit;
  /** Steps changed (tagged, or with a finding rejected). */
  changed: number;
  /** Steps left as they were: already tagged as the category, or their findings already rejected. */
  already: number;
  /** The steps changed, in order. */
  changedSteps: BatchStep[];
}

export function batchLabel(action: BatchAction, count: number): string {
  return action.kind === 'tag' ? `Tag ${count} steps as ${action.category}` : `Reject ${count} findings`;
}

/** The edit that applies `action` to `steps` of one file's document (its steps may be in several traces of the file). */
export function batchEdit(doc: AnnotationDocument, steps: readonly BatchStep[], action: BatchAction): BatchEditResult {
  const splices: Splice[] = [];
  let next = doc;
  const changedSteps: BatchStep[] = [];
  let already = 0;
  const apply = (r: { doc: AnnotationDocument; edit: AnnotationEdit; changed: boolean }): boolean => {
    if (!r.changed) return false;
    next = r.doc;
    splices.push(...r.edit.splices);
    return true;
  };
  const tagsAt = (location: string, traceIndex: number): ErrorTag[] => next.errors.filter((t) => t.location === location && sameTrace(t.traceIndex, traceIndex));
  if (action.kind === 'tag') {
    const category = action.taxonomy.get(action.category);
    if (!category) throw new Error(`"${action.category}" is not a category of the ${action.taxonomy.name} taxonomy`);
    const impact = action.impact ?? category.impact ?? 'MEDIUM';
    for (const s of steps) {
      // The editor's rule for "the step already has it": a human tag that shows as this category.
      if (tagsAt(s.location, s.traceIndex).some((t) => t.source === 'human' && t.status === 'confirmed' && categoryIn(t, action.taxonomy) === category.id)) {
        already++;
        continue;
      }
      const ref = s.traceIndex === 0 ? { location: s.location } : { location: s.location, traceIndex: s.traceIndex };
      if (apply(addTag(next, { ...ref, category: category.id, taxonomy: action.taxonomy.id, impact }))) changedSteps.push(s);
      else already++;
    }
  } else {
    for (const s of steps) {
      let any = false;
      for (const f of s.findings ?? []) {
        if (reviewOf(tagsAt(f.stepId, s.traceIndex), f) === 'rejected') continue;
        const ref = s.traceIndex === 0 ? { location: f.stepId } : { location: f.stepId, traceIndex: s.traceIndex };
        if (apply(rejectFinding(next, { ...ref, category: f.category, rule: f.rule, evidence: f.evidence, ...(f.impact ? { impact: f.impact } : {}) }))) any = true;
      }
      if (any) changedSteps.push(s);
      else already++;
    }
  }
  const edit: AnnotationEdit = { label: batchLabel(action, changedSteps.length), splices };
  return { doc: next, edit, inverse: invertEdit(edit), changed: changedSteps.length, already, changedSteps };
}

/** One sidecar of the batch, as read. */
export interface BatchFileInput {
  /** The trace file (for messages). */
  trace: string;
  /** Where the sidecar is saved. */
  sidecarPath: string;
  /** The bytes at `sidecarPath` now; undefined when there is no file there. */
  before: Uint8Array | undefined;
  /**
   * The sidecar text the annotations come from, when not `before` (an older sidecar read from
   * another place while `sidecarPath` does not exist yet); with `textFrom` naming that file.
   */
  text?: string;
  textFrom?: string;
  /** What the written sidecar is bound to (the trace's file name and sha256), as the editor's save does. */
  binding: { path: string; sha256: string };
  steps: BatchStep[];
}

export interface BatchFilePlan extends BatchEditResult {
  trace: string;
  sidecarPath: string;
  before: Uint8Array | undefined;
  /** What to write; undefined when nothing changes in this file. */
  after: Uint8Array | undefined;
}

export interface BatchRefusal {
  trace: string;
  sidecarPath: string;
  steps: number;
  reason: string;
}

export interface BatchPlan {
  files: BatchFilePlan[];
  refused: BatchRefusal[];
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The new sidecar bytes of every file; a sidecar that cannot be read is refused (and left untouched). */
export function planSidecarBatch(inputs: readonly BatchFileInput[], action: BatchAction): BatchPlan {
  const out: BatchPlan = { files: [], refused: [] };
  for (const input of inputs) {
    const from = input.text !== undefined ? input.textFrom ?? input.sidecarPath : input.sidecarPath;
    let doc: AnnotationDocument;
    try {
      const text = input.text ?? (input.before ? decoder.decode(input.before) : undefined);
      doc = text === undefined ? emptyDocument(input.binding) : parseSidecar(text, from).doc;
    } catch (e) {
      const why = isUserInputError(e) ? e.problems.map(formatProblem).join('; ') : `${from}: cannot be read (${e instanceof Error ? e.message : String(e)})`;
      out.refused.push({ trace: input.trace, sidecarPath: input.sidecarPath, steps: input.steps.length, reason: `${why}; fix or move that file first, it is not overwritten` });
      continue;
    }
    const r = batchEdit(doc, input.steps, action);
    const after = r.changed ? new TextEncoder().encode(serializeSidecar({ ...r.doc, trace: input.binding })) : undefined;
    out.files.push({ ...r, trace: input.trace, sidecarPath: input.sidecarPath, before: input.before, after });
  }
  return out;
}

/** What undo needs for one file: its bytes before the batch (undefined: it did not exist) and the bytes the batch wrote. */
export interface SidecarWriteRecord {
  trace: string;
  sidecarPath: string;
  before: Uint8Array | undefined;
  after: Uint8Array;
}

/** Reads a file's bytes; undefined when it does not exist. */
export type ReadBytes = (path: string) => Uint8Array | undefined;

export const readBytes: ReadBytes = (path) => {
  try {
    return readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.compare(a, b) === 0;
}

export interface BatchWriteResult {
  written: SidecarWriteRecord[];
  refused: BatchRefusal[];
}

/**
 * Write each planned file atomically, if it still holds the bytes it was planned from (else it is
 * refused: someone wrote it meanwhile). A failed write is refused with its reason; the files
 * written before it stay written and are in the record, so Undo still covers them.
 */
export function writeSidecarBatch(plan: BatchPlan, ops: FileOps = realFileOps, read: ReadBytes = readBytes): BatchWriteResult {
  const out: BatchWriteResult = { written: [], refused: [] };
  for (const f of plan.files) {
    if (!f.after) continue;
    const steps = f.changed + f.already;
    try {
      if (!sameBytes(read(f.sidecarPath), f.before)) {
        out.refused.push({ trace: f.trace, sidecarPath: f.sidecarPath, steps, reason: `${f.sidecarPath} changed on disk while the cluster was being tagged; not written` });
        continue;
      }
      ops.mkdir(dirname(f.sidecarPath), { recursive: true });
      writeFileAtomic(f.sidecarPath, f.after, ops);
      out.written.push({ trace: f.trace, sidecarPath: f.sidecarPath, before: f.before, after: f.after });
    } catch (e) {
      out.refused.push({ trace: f.trace, sidecarPath: f.sidecarPath, steps, reason: `${f.sidecarPath} could not be written (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))})` });
    }
  }
  return out;
}

export interface UndoResult {
  /** Files put back to their previous bytes. */
  restored: string[];
  /** Files the batch had created, removed again. */
  removed: string[];
  /** Files not touched, with why (changed since the batch wrote them, or the write failed). */
  refused: { sidecarPath: string; trace: string; reason: string }[];
}

/** Undo a batch: each file back to its previous bytes (or removed), only where it still holds what the batch wrote. */
export function undoSidecarBatch(records: readonly SidecarWriteRecord[], ops: FileOps = realFileOps, read: ReadBytes = readBytes): UndoResult {
  const out: UndoResult = { restored: [], removed: [], refused: [] };
  for (const r of records) {
    try {
      const now = read(r.sidecarPath);
      if (!sameBytes(now, r.after)) {
        out.refused.push({
          sidecarPath: r.sidecarPath, trace: r.trace,
          reason: now === undefined
            ? `${r.sidecarPath} was removed after the cluster was tagged; not restored`
            : `${r.sidecarPath} changed after the cluster was tagged; not restored, so that change is kept (remove the cluster's entries from it by hand if needed)`,
        });
        continue;
      }
      if (r.before === undefined) {
        ops.unlink(r.sidecarPath);
        ops.syncDir(dirname(r.sidecarPath));
        out.removed.push(r.sidecarPath);
      } else {
        writeFileAtomic(r.sidecarPath, r.before, ops);
        out.restored.push(r.sidecarPath);
      }
    } catch (e) {
      out.refused.push({ sidecarPath: r.sidecarPath, trace: r.trace, reason: `${r.sidecarPath} could not be restored (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))})` });
    }
  }
  return out;
}
