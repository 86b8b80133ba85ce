/**
 * What the trace worker does, as plain functions (the worker entry only routes messages to them,
 * so they are tested in plain Node without a thread).
 */
import { readFileSync, statSync } from 'node:fs';
import { analysisOutcome, type AnalysisOutcome } from '../../analysis/outcome';
import { analyzeFile, detectOptionsFor, type FileAnalysis } from '../../analyze';
import { loadTraceFile, type LoadResult } from '../../load';
import { formatProblem, isUserInputError, type Problem } from '../../util/problems';
import { siblingsOf } from '../../util/siblings';
import { curateFile, prepareFileForWrite, type Candidate, type CurateOptions, type FileCuration, type FileWrite } from '../../curate';
import type { SetConfig } from '../../training-set/store';
import { matchRecord, parseQuery } from '../../workspace/query';
import { traceWords } from '../../workspace/text-index';
import { recordsOfFile, type TraceRecord } from '../../workspace/trace-record';
import { alignTraces, correctedTrajectory, TraceLoader, type Alignment } from '../../compare';
import { ClusterBuilder, type FailureCluster } from '../../clusters';
import { collectTraceFiles, forEachCorpusTrace } from '../../corpus';
import { DetectorEvaluator, type DetectorEvaluation } from '../../detector-eval';
import { mergeEvaluations } from '../../detector-eval/merge';
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

/** One file of the workspace trace database (src/core/workspace). */
export interface TraceRecordsParams {
  path: string;
  taxonomy: string;
  /** Files larger than this are not read. */
  maxBytes: number;
  maxUnzippedBytes?: number;
}

export interface QueryFileParams extends TraceRecordsParams {
  /** The query's text (the host parsed it already, so it is valid). */
  query: string;
  /**
   * The file's records the query is to be decided for (from traceRecords, the host's cache; their
   * words may be left out): the steps are read for free text, nothing else is computed again.
   */
  records: TraceRecord[];
}

/** A file that is not a trace, or cannot be read: one line, for the database's error column. */
export interface RecordsRefusal {
  refused: string;
}

/** Two runs to compare: a file and the run's position in it. */
export interface CompareParams {
  a: { path: string; traceIndex: number };
  /** `corrected`: compare the corrected trajectory of this run (its sidecar's corrections; `sidecar` when it is not beside the file). */
  b: { path: string; traceIndex: number; corrected?: boolean; sidecar?: string };
  maxUnzippedBytes?: number;
}

export interface CompareResult extends Omit<Alignment, 'pairs'> {
  /** The aligned pairs, each with the stable ids of its steps (what the editors select). */
  pairs: (Alignment['pairs'][number] & { aStepId: string | null; bStepId: string | null })[];
  titles: [string, string];
}

export interface ClusterParams {
  /** Trace files (JSON files that are not traces are skipped). */
  paths: string[];
  taxonomy: string;
  /** Files larger than this are skipped. */
  maxBytes: number;
  maxUnzippedBytes?: number;
}

export interface ClusterResult {
  clusters: FailureCluster[];
  traces: number;
  /** Files skipped: not traces, unreadable, or over the size limit. */
  skipped: number;
}

/** One chunk of the Detector Report's files (the host adds the chunks up with mergeEvaluations). */
export interface DetectorEvalParams {
  /** Trace files (files that are not traces are skipped with their reason). */
  paths: string[];
  taxonomy: string;
  /** Files larger than this are skipped. */
  maxBytes: number;
  maxUnzippedBytes?: number;
  /** Step addresses kept per list (the report shows no more). */
  maxExamples: number;
}

export interface DetectorEvalResult {
  evaluation: DetectorEvaluation;
  /** `file NUL traceIndex NUL stepId` (stepLineKey) -> the step's 1-based line in its file and its name, for the addresses in `evaluation`. */
  steps: Record<string, { line?: number; name: string }>;
  files: number;
  traces: number;
  skipped: { file: string; reason: string }[];
  /** Unreadable sidecars (their judgements are left out), one located line each. */
  problems: string[];
}

/** What a curation's file jobs share: CurateOptions as plain data (src/core/curate). */
export interface CurateJobOptions extends Pick<CurateOptions,
  'query' | 'set' | 'includeFailed' | 'maskPrivate' | 'allowSecrets' | 'refusedByTemplate' | 'maxTokens' | 'truncate' | 'tokenizer' | 'acceptChangedTrace' | 'maxUnzippedBytes'> {
  /** The set's configuration the plan was made for (planSet on the host). */
  config: SetConfig;
  /** The taxonomy setting ("default", "trail", "mast" or a file's path), resolved in the worker. */
  taxonomy: string;
  /** The file's annotation sidecar when it is not beside it (the host keeps some in its storage). */
  sidecar?: string;
  /** An ISO time for the examples' provenance (default: now). */
  now?: string;
}
export interface CurateFileParams extends CurateJobOptions { path: string; explicit: boolean }
export interface CurateWriteParams extends CurateJobOptions {
  path: string;
  runs: Candidate[];
  /** What the set holds for these runs (existingFor). */
  existing: Record<string, string[]>;
}
/** A curation file job that found the file changed or unusable: located problems, for a UserInputError. */
export interface CurateRefusal { problems: Problem[] }

export const stepLineKey = (file: string, traceIndex: number, stepId: string): string => `${file}\u0000${traceIndex}\u0000${stepId}`;

export interface WorkerJobs {
  analyzeFile(p: AnalyzeFileParams): AnalysisOutcome;
  analyzeText(p: AnalyzeTextParams): AnalysisOutcome;
  /** The file's trace records (the database keeps them, keyed by the file's stamp). */
  traceRecords(p: TraceRecordsParams): TraceRecord[] | RecordsRefusal;
  /** Which of the given records match the query, with the step to open: free text searched in the file's steps. */
  queryFile(p: QueryFileParams): { traceKey: string; stepId: string | null }[] | RecordsRefusal;
  /** Two runs aligned on their actions (src/core/compare), or why one cannot be read. */
  compareTraces(p: CompareParams): CompareResult | RecordsRefusal;
  /** Failure clusters across the files (src/core/clusters), largest first. */
  failureClusters(p: ClusterParams): ClusterResult;
  /** The trace files under the folders, as `agent-trace eval-detectors` walks them (sorted, no dot-folders). */
  traceFilesUnder(p: { folders: string[] }): { files: string[]; problems: string[] };
  /** Detector evaluation of some files (src/core/detector-eval), with the lines of the steps it names. */
  evaluateDetectors(p: DetectorEvalParams): DetectorEvalResult;
  /** A curation's first pass over one file (curateFile): its matching runs prepared and counted. */
  curateFile(p: CurateFileParams): FileCuration;
  /** A curation's write over one file (prepareFileForWrite): its selected runs prepared again. */
  prepareCurationWrite(p: CurateWriteParams): FileWrite | CurateRefusal;
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

/** Why a file over the size setting is not read. */
const tooLarge = (maxBytes: number): string => `larger than the ${Math.round(maxBytes / 1e6)} MB limit (agentTraceDebugger.maxFileSizeMB)`;

/** A file that is not a trace or cannot be read, in one line; anything else is a bug, thrown on. */
function refusalOf(e: unknown): RecordsRefusal {
  if (isUserInputError(e)) return { refused: e.problems.map(formatProblem)[0] ?? 'not a trace' };
  const code = (e as NodeJS.ErrnoException).code;
  if (code) return { refused: `cannot be read (${code})` };
  throw e;
}

/** The file analysed for the database, or why it cannot be. */
function analyzeForRecords(p: TraceRecordsParams): FileAnalysis | RecordsRefusal {
  try {
    const size = statSync(p.path).size;
    if (size > p.maxBytes) return { refused: tooLarge(p.maxBytes) };
    // Records and query hits name steps by id, never by line: the steps are not located.
    return analyzeFile(p.path, detectOptionsFor(taxonomyFor(p.taxonomy)), { maxUnzippedBytes: p.maxUnzippedBytes, locate: false });
  } catch (e) {
    return refusalOf(e);
  }
}

/** CurateOptions from a job's plain data. */
function curateOptions(p: CurateJobOptions): CurateOptions {
  return {
    paths: [], query: p.query, set: p.set, taxonomy: taxonomyFor(p.taxonomy),
    includeFailed: p.includeFailed, maskPrivate: p.maskPrivate, allowSecrets: p.allowSecrets, refusedByTemplate: p.refusedByTemplate,
    maxTokens: p.maxTokens, truncate: p.truncate, tokenizer: p.tokenizer, acceptChangedTrace: p.acceptChangedTrace,
    maxUnzippedBytes: p.maxUnzippedBytes, sidecarFor: () => p.sidecar, ...(p.now ? { now: new Date(p.now) } : {}),
  };
}

export const workerJobs: WorkerJobs = {
  curateFile(p) {
    return curateFile(p.path, p.explicit, curateOptions(p), p.config);
  },
  prepareCurationWrite(p) {
    try {
      return prepareFileForWrite(p.path, p.runs, p.query, curateOptions(p), p.config, p.existing);
    } catch (e) {
      if (isUserInputError(e)) return { problems: e.problems };
      throw e;
    }
  },
  traceFilesUnder(p) {
    const problems: string[] = [];
    const files = collectTraceFiles(p.folders, problems).map((f) => f.path);
    return { files, problems };
  },
  evaluateDetectors(p) {
    const taxonomy = taxonomyFor(p.taxonomy);
    const evaluator = new DetectorEvaluator({ taxonomy });
    const out: Omit<DetectorEvalResult, 'evaluation' | 'steps'> = { files: 0, traces: 0, skipped: [], problems: [] };
    const allSteps = new Map<string, { line?: number; name: string }>();
    for (const path of p.paths) {
      let size: number;
      try { size = statSync(path).size; } catch (e) { out.skipped.push({ file: path, reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` }); continue; }
      if (size > p.maxBytes) { out.skipped.push({ file: path, reason: tooLarge(p.maxBytes) }); continue; }
      // One file at a time: a file that is not a trace is skipped, not the chunk.
      const summary = forEachCorpusTrace([path], { taxonomy, maxUnzippedBytes: p.maxUnzippedBytes }, (t) => {
        evaluator.add(t);
        // The steps an example can name: those with findings, labels or sidecar entries.
        const wanted = new Set<string>([...t.findings.map((f) => f.stepId), ...t.tagsByStep.keys()]);
        for (const l of t.trace.labels) if (l.stepId) wanted.add(l.stepId);
        for (const s of t.trace.steps) {
          if (wanted.has(s.id)) allSteps.set(stepLineKey(t.file, t.traceIndex, s.id), { ...(s.location ? { line: s.location.line } : {}), name: s.toolCall?.name ?? s.name });
        }
      });
      if (summary.files === 0) out.skipped.push({ file: path, reason: summary.problems[0]?.replace(`${path}: `, '') ?? 'not a trace' });
      else out.problems.push(...summary.problems);
      out.files += summary.files;
      out.traces += summary.traces;
    }
    const evaluation = mergeEvaluations([evaluator.result()], { maxExamples: p.maxExamples });
    const steps: Record<string, { line?: number; name: string }> = {};
    const keep = (a: { file: string; traceIndex: number; stepId: string }): void => {
      const key = stepLineKey(a.file, a.traceIndex, a.stepId);
      const step = allSteps.get(key);
      if (step) steps[key] = step;
    };
    for (const f of [...evaluation.rules, ...evaluation.categories]) for (const list of Object.values(f.examples)) list.forEach(keep);
    for (const list of Object.values(evaluation.location.examples)) list.forEach(keep);
    return { evaluation, steps, ...out };
  },
  failureClusters(p) {
    const taxonomy = taxonomyFor(p.taxonomy);
    const sized = p.paths.filter((path) => { try { return statSync(path).size <= p.maxBytes; } catch { return false; } });
    const builder = new ClusterBuilder({ taxonomy });
    let skipped = p.paths.length - sized.length;
    let traces = 0;
    // One file at a time, so a file that is not a trace is skipped, not the whole run.
    for (const path of sized) {
      try {
        const summary = forEachCorpusTrace([path], { taxonomy, maxUnzippedBytes: p.maxUnzippedBytes }, (t) => builder.add(t));
        traces += summary.traces;
        if (summary.failed) skipped++;
      } catch (e) {
        refusalOf(e);
        skipped++;
      }
    }
    return { clusters: builder.result(), traces, skipped };
  },
  compareTraces(p) {
    const loader = new TraceLoader({ maxUnzippedBytes: p.maxUnzippedBytes });
    let a;
    let b;
    try {
      a = loader.trace({ file: p.a.path, traceIndex: p.a.traceIndex });
      b = loader.trace({ file: p.b.path, traceIndex: p.b.traceIndex });
      if (p.b.corrected) b = correctedTrajectory(p.b.path, b, p.b.sidecar).trace;
    } catch (e) {
      return refusalOf(e);
    }
    const alignment = alignTraces(a, b);
    const idOf = (steps: typeof a.steps, i: number | null): string | null => (i === null ? null : steps[i]?.id ?? null);
    return {
      ...alignment,
      pairs: alignment.pairs.map((pair) => ({ ...pair, aStepId: idOf(a.steps, pair.a), bStepId: idOf(b.steps, pair.b) })),
      titles: [a.title, b.title],
    };
  },
  traceRecords(p) {
    const analysis = analyzeForRecords(p);
    if ('refused' in analysis) return analysis;
    const records = recordsOfFile(analysis, { taxonomy: taxonomyFor(p.taxonomy) });
    // The index answers free text from these words, so a query need not read the file again.
    records.forEach((r, i) => { r.words = traceWords(analysis.analyses[i].trace.steps); });
    return records;
  },
  queryFile(p) {
    let loaded: LoadResult;
    try {
      if (statSync(p.path).size > p.maxBytes) return { refused: tooLarge(p.maxBytes) };
      // Only the steps: the records already hold the findings and the sidecar's annotations.
      loaded = loadTraceFile(p.path, { maxUnzippedBytes: p.maxUnzippedBytes, locate: false });
    } catch (e) {
      return refusalOf(e);
    }
    const taxonomy = taxonomyFor(p.taxonomy);
    const query = parseQuery(p.query);
    const hits: { traceKey: string; stepId: string | null }[] = [];
    for (const r of p.records) {
      // A record's run number is its position when the file has several runs (recordsOfFile).
      const trace = loaded.traces.length > 1 ? loaded.traces[r.traceIndex] : loaded.traces[0];
      if (!trace) continue;
      const hit = matchRecord(query, r, { taxonomy }, () => trace.steps);
      if (hit) hits.push({ traceKey: r.traceKey, stepId: hit.stepId });
    }
    return hits;
  },
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
