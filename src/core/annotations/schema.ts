/**
 * The annotation sidecar (`<trace file>.annotations.json`), version 1.
 *
 *   {"version": 1,
 *    "trace": {"path": "run.json", "sha256": "…"},
 *    "errors": [{"location", "category", "taxonomy"?, "impact", "evidence", "description",
 *                "source": "human"|"rule", "rule"?, "status": "confirmed"|"rejected", "traceIndex"?}],
 *    "corrections": [{"location", "output": {"role": "assistant", "content", "tool_calls"}, "traceIndex"?}],
 *    "reviewed": ["<location>" | {"location", "traceIndex"}]}
 *
 * `location` is the step's id as written in the trace (TRAIL's span id), so a TRAIL label file
 * (`{errors:[{category, location, evidence, description, impact}], scores}`) parses as a sidecar.
 * Multi-trace files: every entry may carry `traceIndex` (the trace's index in its file); absent
 * means the first (or only) trace. Unknown keys are kept on load and written back on save, so
 * nothing a user or another tool put in the file is lost, and entries keep their key order (a
 * file this extension wrote reads and saves back byte for byte). A tag's `category` is what the
 * user chose, in the taxonomy named by `taxonomy` (see categories.ts); it is never rewritten.
 */
import { z } from 'zod';

export const SIDECAR_VERSION = 1;
export const IMPACTS = ['HIGH', 'MEDIUM', 'LOW'] as const;
export type Impact = (typeof IMPACTS)[number];

const traceIndex = z.number().int().nonnegative().optional();
const location = z.string().min(1, 'must be a non-empty step id');

export const ErrorTagSchema = z.looseObject({
  location,
  category: z.string().min(1, 'must be a non-empty category id'),
  impact: z.enum(IMPACTS).optional(),
  evidence: z.string().optional(),
  description: z.string().optional(),
  /** TRAIL files have no `source`: they are human labels. */
  source: z.enum(['human', 'rule']).default('human'),
  /** For `source: "rule"`: the detector rule that proposed it. */
  rule: z.string().optional(),
  status: z.enum(['confirmed', 'rejected']).default('confirmed'),
  traceIndex,
  /**
   * Id of the taxonomy `category` comes from ("default", "trail", "mast" or a taxonomy file's id).
   * `category` is kept as the user chose it; it is mapped only to show or export it.
   */
  taxonomy: z.string().min(1).optional(),
  /** Older sidecars only: the TRAIL leaf name an earlier version rewrote `category` from (read, never written by this version). */
  trail: z.string().optional(),
});
export type ErrorTag = z.infer<typeof ErrorTagSchema>;

export const ToolCallOutSchema = z.looseObject({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.looseObject({
    name: z.string().min(1, 'must be a non-empty tool name'),
    /** An object, or a JSON string (OpenAI's encoding); both accepted. */
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
  }),
});
export type ToolCallOut = z.infer<typeof ToolCallOutSchema>;

export const CorrectedOutputSchema = z.looseObject({
  role: z.literal('assistant'),
  content: z.string().nullable().optional(),
  tool_calls: z.array(ToolCallOutSchema).optional(),
}).refine((o) => (o.content != null && o.content !== '') || (o.tool_calls?.length ?? 0) > 0, {
  message: 'a corrected assistant message needs content or tool_calls',
});
export type CorrectedOutput = z.infer<typeof CorrectedOutputSchema>;

export const CorrectionSchema = z.looseObject({
  location,
  output: CorrectedOutputSchema,
  traceIndex,
});
export type Correction = z.infer<typeof CorrectionSchema>;

export const ReviewedSchema = z.union([location, z.looseObject({ location, traceIndex })]);

export const SidecarFileSchema = z.looseObject({
  version: z.literal(SIDECAR_VERSION, { message: `unsupported sidecar version (this extension reads version ${SIDECAR_VERSION})` }).optional(),
  trace: z.looseObject({ path: z.string(), sha256: z.string() }).optional(),
  errors: z.array(ErrorTagSchema).default([]),
  corrections: z.array(CorrectionSchema).default([]),
  reviewed: z.array(ReviewedSchema).default([]),
});

/** A step reference inside a (possibly multi-trace) file. */
export interface StepRef {
  location: string;
  traceIndex?: number;
}

/** The in-memory document: the file's content, normalized; treat it as immutable. */
export interface AnnotationDocument {
  readonly version: 1;
  readonly trace?: { path: string; sha256: string };
  readonly errors: readonly ErrorTag[];
  readonly corrections: readonly Correction[];
  readonly reviewed: readonly StepRef[];
  /** Top-level keys this version does not know (TRAIL `scores`, `trace_id`...), written back as they were. */
  readonly extra: Readonly<Record<string, unknown>>;
}

export function emptyDocument(trace?: { path: string; sha256: string }): AnnotationDocument {
  return { version: 1, ...(trace ? { trace } : {}), errors: [], corrections: [], reviewed: [], extra: {} };
}

/** Same trace of the file? Absent traceIndex means trace 0. */
export function sameTrace(a: number | undefined, b: number | undefined): boolean {
  return (a ?? 0) === (b ?? 0);
}

export function sameRef(a: StepRef, b: StepRef): boolean {
  return a.location === b.location && sameTrace(a.traceIndex, b.traceIndex);
}
