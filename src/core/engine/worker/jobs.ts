/**
 * What the trace worker does, as plain functions (the worker entry only routes messages to them,
 * so they are tested in plain Node without a thread).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { analysisOutcome, type AnalysisOutcome } from '../../analysis/outcome';
import { DEFAULT_TAXONOMY, loadTaxonomy, type Taxonomy } from '../../taxonomy';

export interface AnalyzeParams {
  path: string;
  /** "default", "trail", "mast" or a taxonomy file's absolute path (the host reports a broken one). */
  taxonomy: string;
  /** Also list every located step (open documents: code actions and tag diagnostics). */
  withSteps: boolean;
  maxUnzippedBytes?: number;
  /** Read the files beside it too (false for a document that is not on disk). */
  siblings?: boolean;
}

export interface AnalyzeFileParams extends AnalyzeParams {
  /** Files larger than this are not read. */
  maxBytes: number;
}

export interface AnalyzeTextParams extends AnalyzeParams {
  /** The document's current text (an open, maybe unsaved document). */
  text: string;
}

export interface WorkerJobs {
  analyzeFile(p: AnalyzeFileParams): AnalysisOutcome;
  analyzeText(p: AnalyzeTextParams): AnalysisOutcome;
}

const taxonomies = new Map<string, Taxonomy>();

export function taxonomyFor(spec: string): Taxonomy {
  let t = taxonomies.get(spec);
  if (!t) {
    try { t = spec === 'default' ? DEFAULT_TAXONOMY : loadTaxonomy(spec); } catch { t = DEFAULT_TAXONOMY; }
    taxonomies.set(spec, t);
  }
  return t;
}

/** Label sidecars, Cline's ui_messages.json, opencode's message/ and part/ folders, beside the file. */
export function siblingsOf(path: string): { readSibling: (rel: string) => Uint8Array | undefined; listSibling: (rel: string) => string[] | undefined } {
  const folder = dirname(path);
  return {
    readSibling: (rel) => { try { return readFileSync(resolve(folder, rel)); } catch { return undefined; } },
    listSibling: (rel) => { try { return readdirSync(resolve(folder, rel)); } catch { return undefined; } },
  };
}

export const workerJobs: WorkerJobs = {
  analyzeFile(p) {
    let size: number;
    let bytes: Uint8Array;
    try {
      size = statSync(p.path).size;
      if (size > p.maxBytes) return { kind: 'tooLarge', sizeBytes: size, limitBytes: p.maxBytes };
      bytes = readFileSync(p.path);
    } catch (e) {
      return { kind: 'invalid', problems: [{ file: p.path, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` }] };
    }
    return analysisOutcome(p.path, bytes, taxonomyFor(p.taxonomy), p.withSteps, { maxUnzippedBytes: p.maxUnzippedBytes, ...siblingsOf(p.path) });
  },
  analyzeText(p) {
    return analysisOutcome(p.path, new TextEncoder().encode(p.text), taxonomyFor(p.taxonomy), p.withSteps, { maxUnzippedBytes: p.maxUnzippedBytes, ...(p.siblings === false ? {} : siblingsOf(p.path)) });
  },
};
