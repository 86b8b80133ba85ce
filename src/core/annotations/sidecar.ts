/**
 * Load, serialize and save annotation sidecars. The trace file is never written: annotations
 * live in `<trace file name>.annotations.json` beside it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Problem, UserInputError } from '../util/problems';
import { writeFileAtomic } from './atomic-write';
import { parseJsonText, zodProblems } from './json-text';
import { type AnnotationDocument, type Correction, type ErrorTag, SidecarFileSchema, SIDECAR_VERSION, type StepRef, emptyDocument } from './schema';

export const SIDECAR_SUFFIX = '.annotations.json';

export function sidecarPathFor(tracePath: string): string {
  return join(dirname(tracePath), basename(tracePath) + SIDECAR_SUFFIX);
}

export interface ParsedSidecar {
  doc: AnnotationDocument;
  warnings: Problem[];
  /** True when the file was a TRAIL-style label file (no `version`). */
  external: boolean;
}

const KNOWN_KEYS = new Set(['version', 'trace', 'errors', 'corrections', 'reviewed']);

/**
 * Parse sidecar text (or a TRAIL label file). Throws UserInputError with located problems.
 * zod only checks the entries: the document keeps the objects as read (their key order and every
 * unknown key, whatever its name), with the defaults `source: "human"` and `status: "confirmed"`
 * added where missing. Categories are kept as written (see categories.ts for what they mean).
 */
export function parseSidecar(text: string, file: string): ParsedSidecar {
  const parsed = parseJsonText(file, text);
  if ('problems' in parsed) throw new UserInputError(parsed.problems);
  const v = parsed.value;
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new UserInputError({ file, line: 1, column: 1, message: 'expected a JSON object with "errors" (an annotation sidecar or a TRAIL label file)' });
  }
  const raw = v as Record<string, unknown>;
  if (typeof raw.version === 'number' && raw.version > SIDECAR_VERSION) {
    throw new UserInputError({ file, path: '$.version', message: `written by a newer version of the extension (sidecar version ${raw.version}; this one reads ${SIDECAR_VERSION}); not loaded, so it is not overwritten` });
  }
  const res = SidecarFileSchema.safeParse(raw);
  if (!res.success) throw new UserInputError(zodProblems(file, text, res.error));
  const rawList = (key: 'errors' | 'corrections' | 'reviewed'): unknown[] => (Array.isArray(raw[key]) ? raw[key] : []);
  const errors = rawList('errors').map((e) => withTagDefaults(e as ErrorTag));
  const reviewed: StepRef[] = (rawList('reviewed') as (string | StepRef)[]).map((r) => (typeof r === 'string' ? { location: r } : r));
  // fromEntries defines own keys, so "__proto__" or "constructor" are kept as data, never as the prototype.
  const extra: Record<string, unknown> = Object.fromEntries(Object.entries(raw).filter(([k]) => !KNOWN_KEYS.has(k)));
  const doc: AnnotationDocument = {
    version: 1,
    ...(res.data.trace ? { trace: { path: res.data.trace.path, sha256: res.data.trace.sha256 } } : {}),
    errors,
    corrections: rawList('corrections') as Correction[],
    reviewed,
    extra,
  };
  return { doc, warnings: parsed.warnings, external: raw.version === undefined };
}

/** A label file's tag has no `source` or `status`: add the defaults after its own keys (its order is kept). */
function withTagDefaults(e: ErrorTag): ErrorTag {
  if (e.source !== undefined && e.status !== undefined) return e;
  return { ...e, ...(e.source === undefined ? { source: 'human' as const } : {}), ...(e.status === undefined ? { status: 'confirmed' as const } : {}) };
}

/** Stable, pretty JSON (diff-friendly: users keep sidecars in git). */
export function serializeSidecar(doc: AnnotationDocument): string {
  const known: [string, unknown][] = [
    ['version', SIDECAR_VERSION],
    ...(doc.trace ? [['trace', doc.trace] as [string, unknown]] : []),
    ['errors', doc.errors],
    ['corrections', doc.corrections],
    ['reviewed', doc.reviewed.map((r) => (r.traceIndex === undefined ? r.location : { location: r.location, traceIndex: r.traceIndex }))],
  ];
  // Every unknown key is written back, whatever its name ("constructor", "__proto__"...): own keys only, defined, never assigned.
  const extra = Object.entries(doc.extra).filter(([k]) => !KNOWN_KEYS.has(k));
  return JSON.stringify(Object.fromEntries([...known, ...extra]), null, 2) + '\n';
}

export function readSidecar(path: string): ParsedSidecar {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserInputError({ file: path, message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(e)})` });
  }
  return parseSidecar(text, path);
}

/**
 * The sidecar of a trace: its own if it exists, else an empty document bound to the trace.
 * `explicit` (a TRAIL label file, `--annotations`) wins over the default location.
 */
export function loadAnnotationsFor(tracePath: string, trace: { sha256: string }, explicit?: string): ParsedSidecar {
  const path = explicit ?? sidecarPathFor(tracePath);
  if (!explicit && !existsSync(path)) return { doc: emptyDocument({ path: basename(tracePath), sha256: trace.sha256 }), warnings: [], external: false };
  return readSidecar(path);
}

/** Atomic save of the document as it is (callers set `trace` to the file it annotates first). */
export function saveSidecar(path: string, doc: AnnotationDocument): void {
  writeFileAtomic(path, serializeSidecar(doc));
}
