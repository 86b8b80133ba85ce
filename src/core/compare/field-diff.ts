/**
 * What differs between two aligned steps, field by field, for a side-by-side view to render:
 * which fields differ and, for each, both texts and a line diff (jsdiff's Myers over lines).
 * Text only: trace content is hostile, and the renderer inserts it as text.
 */
import { diffArrays } from 'diff';
import type { DiffLine } from '../export/diff';
import type { Step } from '../model/schema';
import { COMPARED_FIELDS, stepFields, type ComparedField } from './keys';

export type { DiffLine } from '../export/diff';

export interface FieldDiff {
  field: ComparedField;
  /** The field's text in step a ('' when the step has none, or there is no step a). */
  a: string;
  b: string;
  /** Line by line, in order: `equal`, `remove` (only in a), `add` (only in b). */
  lines: DiffLine[];
}

/** Past this many differing lines a text diff shows all of a removed and all of b added. */
const MAX_LINE_EDITS = 2000;

/** The fields in which step a and step b differ (a missing step has every field empty). */
export function diffStepFields(a: Step | undefined, b: Step | undefined): FieldDiff[] {
  const fa = a ? stepFields(a, true) : undefined;
  const fb = b ? stepFields(b, true) : undefined;
  const out: FieldDiff[] = [];
  for (const field of COMPARED_FIELDS) {
    const ta = fa?.[field] ?? '';
    const tb = fb?.[field] ?? '';
    if (ta !== tb) out.push({ field, a: ta, b: tb, lines: lineDiff(ta, tb) });
  }
  return out;
}

/** A line diff of two texts; '' has no lines. */
export function lineDiff(a: string, b: string): DiffLine[] {
  const la = a === '' ? [] : a.split(/\r?\n/);
  const lb = b === '' ? [] : b.split(/\r?\n/);
  const changes = diffArrays(la, lb, { maxEditLength: MAX_LINE_EDITS });
  if (!changes) return [...la.map((text) => ({ op: 'remove' as const, text })), ...lb.map((text) => ({ op: 'add' as const, text }))];
  const out: DiffLine[] = [];
  for (const c of changes) {
    const op = c.added ? 'add' : c.removed ? 'remove' : 'equal';
    for (const text of c.value) out.push({ op, text });
  }
  return out;
}
