/**
 * Many traces at once, the way `agent-trace report` reads them: the files named, and every
 * trace file under the folders named (sorted, skipping dot-folders, node_modules and our own
 * `.annotations.json` sidecars), each loaded and run through the detectors with the taxonomy's
 * attribution, plus the annotation sidecar beside it. One trace at a time goes to a visitor, so a
 * corpus never has to fit in memory. Used by the failure clusters and the detector evaluation.
 *
 * Problems: a named file that cannot be read as a trace is an error (located lines, `failed`);
 * a file found in a folder that is not a trace is skipped with its reason (folders hold other
 * JSON); a sidecar that cannot be read is an error and the trace is visited without it.
 */
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile, detectOptionsFor } from '../analyze';
import type { DetectOptions, Finding } from '../detect';
import type { Trace } from '../model/schema';
import type { Taxonomy } from '../taxonomy/types';
import { bindAnnotations, readSidecar, sidecarPathFor, type ErrorTag } from '../annotations';
import { formatProblem, isUserInputError } from '../util/problems';

export const TRACE_FILE = /\.(json|jsonl|traj|eval)$/i;
/** Our own sidecars sit beside traces in the same folders; they are not traces. */
export const SIDECAR_FILE = /\.annotations\.json$/i;

export interface CorpusFile { path: string; explicit: boolean }

/** The files to read: named files as they are, folders walked in sorted order. Unreadable folders go to `problems`. */
export function collectTraceFiles(paths: readonly string[], problems: string[] = []): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const path of paths) {
    let st;
    try { st = statSync(path); } catch {
      out.push({ path, explicit: true }); // the import says what is wrong with it
      continue;
    }
    if (!st.isDirectory()) { out.push({ path, explicit: true }); continue; }
    const walk = (dir: string): void => {
      let names: string[];
      try { names = readdirSync(dir).sort(); } catch (e) { problems.push(`${dir}: cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`); return; }
      for (const name of names) {
        if (name === 'node_modules' || name.startsWith('.')) continue;
        const p = join(dir, name);
        let s;
        try { s = statSync(p); } catch { continue; }
        if (s.isDirectory()) walk(p);
        else if (TRACE_FILE.test(name) && !SIDECAR_FILE.test(name)) out.push({ path: p, explicit: false });
      }
    };
    walk(path);
  }
  return out;
}

/** One analysed trace with what humans said about it in its sidecar. */
export interface CorpusTrace {
  /** The trace file as it was named or found (relative paths stay relative). */
  file: string;
  format: string;
  trace: Trace;
  /** The trace's index in its file (0 for single-trace files). */
  traceIndex: number;
  findings: Finding[];
  /** Sidecar entries per step id (empty without a sidecar). */
  tagsByStep: ReadonlyMap<string, readonly ErrorTag[]>;
  /** Steps the sidecar marks as reviewed. */
  reviewed: ReadonlySet<string>;
}

export interface CorpusOptions {
  taxonomy: Taxonomy;
  /** Detector options; default `detectOptionsFor(taxonomy)`, as report does. */
  detect?: DetectOptions;
  maxUnzippedBytes?: number;
  /** Read `<trace>.annotations.json` beside each trace (default true). */
  sidecars?: boolean;
}

export interface CorpusSummary {
  files: number;
  traces: number;
  /** Files found in folders that are not traces, with the reason. */
  skipped: { file: string; reason: string }[];
  /** Located problem lines (named files that failed, unreadable sidecars and folders). */
  problems: string[];
  /** Named files that could not be read, and sidecars that could not be. */
  failed: number;
}

const EMPTY_TAGS: ReadonlyMap<string, readonly ErrorTag[]> = new Map();
const EMPTY_SET: ReadonlySet<string> = new Set();

/** Read every trace under `paths` and hand each to `visit`, in file order. */
export function forEachCorpusTrace(paths: readonly string[], options: CorpusOptions, visit: (t: CorpusTrace) => void): CorpusSummary {
  const summary: CorpusSummary = { files: 0, traces: 0, skipped: [], problems: [], failed: 0 };
  const files = collectTraceFiles(paths, summary.problems);
  const detectOptions = options.detect ?? detectOptionsFor(options.taxonomy);
  for (const { path, explicit } of files) {
    let result;
    try {
      result = analyzeFile(path, detectOptions, { maxUnzippedBytes: options.maxUnzippedBytes });
    } catch (e) {
      if (!isUserInputError(e)) throw e;
      if (explicit) { summary.failed++; summary.problems.push(...e.problems.map(formatProblem)); }
      else summary.skipped.push({ file: path, reason: e.problems[0]?.message ?? e.message });
      continue;
    }
    summary.files++;
    const sidecar = options.sidecars === false ? undefined : readSidecarQuietly(path, summary);
    for (const { trace, findings } of result.analyses) {
      summary.traces++;
      const bound = sidecar ? bindAnnotations(sidecar.doc, trace, sidecar.path) : undefined;
      visit({
        file: path, format: result.format, trace, traceIndex: trace.source.indexInFile ?? 0, findings,
        tagsByStep: bound?.tagsByStep ?? EMPTY_TAGS, reviewed: bound?.reviewed ?? EMPTY_SET,
      });
    }
  }
  return summary;
}

function readSidecarQuietly(tracePath: string, summary: CorpusSummary): { doc: ReturnType<typeof readSidecar>['doc']; path: string } | undefined {
  const path = sidecarPathFor(tracePath);
  if (!existsSync(path)) return undefined;
  try {
    return { doc: readSidecar(path).doc, path };
  } catch (e) {
    if (!isUserInputError(e)) throw e;
    summary.failed++;
    summary.problems.push(...e.problems.map(formatProblem).map((l) => `${l} (its tags are left out)`));
    return undefined;
  }
}
