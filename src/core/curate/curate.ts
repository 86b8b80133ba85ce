/**
 * Build a training set from the workspace (issue 14, section 6): the runs a query picks, ranked,
 * near-duplicates removed, balanced and capped (rank.ts), previewed, then promoted in one batch
 * into the same set format as `agent-trace promote` (src/core/training-set: manifest with
 * provenance, data card, validation of every example, one journaled commit under the set's lock).
 *
 * Two passes, so a preview over thousands of runs never holds their examples: `planCuration`
 * reads every file under the folders, matches the query on each run's record, and prepares each
 * matched run's examples exactly as promotion does (corrections applied, encoded, sized,
 * validated) to count them, keeping only the counts; `writeCuration` prepares the selected runs
 * again and writes them with one `promoteIntoSet`. A run whose examples are already in the set as
 * they would be written is left alone, so re-running the same query on the same set writes
 * nothing and leaves every file byte-identical. A cancel (AbortSignal) before the commit leaves
 * the set as it was; the commit itself is one journaled unit (commit.ts).
 *
 * Each pass is a loop over files of a synchronous step (`curateFile`, `prepareFileForWrite`) and a
 * small final step on the results (`finishPlan`, `commitCuration`): the CLI runs the loops here,
 * VS Code runs the file steps in its trace workers (src/host/curate/workers.ts).
 *
 * Runs a query matched but that give no example (a failed run with nothing corrected or judged,
 * unless failed runs are included), or whose examples fail validation, or whose sidecar was
 * written for other trace bytes, are left out with their reason (`skipped`), never half-written.
 */
import { existsSync } from 'node:fs';
import { analyzeFile, detectOptionsFor, type FileAnalysis } from '../analyze';
import { loadAnnotationsFor, sidecarPathFor } from '../annotations/sidecar';
import type { AnnotationDocument } from '../annotations';
import { collectTraceFiles } from '../corpus';
import { stableJson } from '../compare/keys';
import type { DataFile, ExportFormat } from '../export/encode';
import { ESTIMATE_COUNTER, loadTokenizerCounter } from '../export/tokenizer';
import type { LengthCheck } from '../export/length';
import { DEFAULT_TAXONOMY } from '../taxonomy/default';
import type { Taxonomy } from '../taxonomy/types';
import { promotionInputFor, type TraceInput, type TraceInputContext } from '../training-set/promote';
import type { Trace } from '../model/schema';
import { DATA_FILES, planSet, promoteIntoSet, readManifest, readSetConfig, traceKey, traceProvenance, type CurationNote, type ManifestEntry, type PromotionInput, type PromotionResult, type SetConfig, type SetIo } from '../training-set/store';
import type { RefusedByTemplatePolicy } from '../training-set/template-refusals';
import { sha256Hex } from '../util/hash';
import { nextTurn } from '../util/slices';
import { formatProblem, isUserInputError, UserInputError, type Problem } from '../util/problems';
import { matchRecord, parseQuery, type Query } from '../workspace/query';
import { recordsOfFile, type TraceRecord } from '../workspace/trace-record';
import { NO_GROUP, rankOf, runId, selectCandidates, trajectoryFingerprint, type Candidate, type CurateBalance, type CurateRank, type Duplicate } from './rank';

export interface CurateOptions {
  /** Files and folders to read (folders walked as `query` and `report` walk them). */
  paths: string[];
  query: string;
  set: string;
  /** For a new set; an existing set keeps its format (another one is refused). */
  format?: ExportFormat;
  sharegpt?: boolean;
  /** At most this many examples. */
  max?: number;
  balance?: CurateBalance;
  /** Failed runs become demonstrations too (as `promote --include-failed`). */
  includeFailed?: boolean;
  taxonomy?: Taxonomy;
  maskPrivate?: boolean;
  allowSecrets?: boolean;
  refusedByTemplate?: RefusedByTemplatePolicy;
  maxTokens?: number;
  truncate?: boolean;
  tokenizer?: string;
  /** Write the runs whose sidecar was written for other trace bytes too (left out otherwise). */
  acceptChangedTrace?: boolean;
  maxUnzippedBytes?: number;
  /** Where a trace's annotation sidecar is (the host keeps some outside the folder); default beside it. */
  sidecarFor?: (traceFile: string) => string | undefined;
  signal?: AbortSignal;
  onProgress?: (p: CurateProgress) => void;
  version?: string;
  now?: Date;
  io?: SetIo;
}

export interface CurateProgress {
  phase: 'reading' | 'writing';
  /** Files (reading) or runs (writing) done, of `total`. */
  done: number;
  total: number;
  file?: string;
}

/** A run the query matched that is left out, and why. */
export interface SkippedRun { run: string; reason: string }

export interface CurationPlan {
  query: string;
  set: string;
  config: SetConfig;
  /** Trace files read. */
  files: number;
  /** Runs read, and runs the query matched. */
  runs: number;
  matched: number;
  /** Selected runs, and the examples they give. */
  traces: number;
  examples: number;
  /** Examples per data file (sft.jsonl, preference.jsonl, stepwise.jsonl, sharegpt.jsonl). */
  byFile: Record<string, number>;
  /** Examples per failure category of their run (an example counts once under each category of its run; NO_GROUP for none). */
  byCategory: Record<string, number>;
  /** Examples per tool their run called (once under each tool; NO_GROUP for none). */
  byTool: Record<string, number>;
  /** Examples per trace format they were read from. */
  bySource: Record<string, number>;
  /** Examples per trace file. */
  byTraceFile: Record<string, number>;
  /** Examples per rank (corrected, recovered, success, other). */
  byRank: Record<CurateRank, number>;
  duplicatesRemoved: number;
  duplicates: Duplicate[];
  /** Runs left out by the cap. */
  cappedOut: number;
  skipped: SkippedRun[];
  /** Files that could not be read (named files), unreadable sidecars and folders. */
  problems: string[];
  selected: Candidate[];
}

export interface CurationResult {
  plan: CurationPlan;
  /** undefined when nothing had to be written (every selected run already in the set as it is). */
  result?: PromotionResult;
  /** Selected runs whose examples were already in the set, byte for byte: left alone. */
  unchanged: number;
  written: number;
  warnings: Problem[];
}

export class CurationCancelled extends Error {
  constructor() { super('curation cancelled; the training set was not changed'); }
}


function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CurationCancelled();
}

interface Prepared {
  ctx: Omit<TraceInputContext, 'file' | 'sidecarFile' | 'doc'>;
}

function preparation(opts: CurateOptions, config: SetConfig): Prepared {
  const taxonomy = opts.taxonomy ?? DEFAULT_TAXONOMY;
  const lengthCheck: LengthCheck = { counter: opts.tokenizer ? loadTokenizerCounter(opts.tokenizer) : ESTIMATE_COUNTER, maxTokens: opts.maxTokens, truncate: opts.truncate };
  return {
    ctx: {
      set: opts.set, taxonomy, config, lengthCheck,
      options: { includeFailed: opts.includeFailed, maskPrivate: opts.maskPrivate, allowSecrets: opts.allowSecrets, refusedByTemplate: opts.refusedByTemplate, version: opts.version, now: opts.now },
    },
  };
}

/** A file's analysis, its sidecar and its records; a file that is not a trace gives a reason instead. */
function readFile(path: string, opts: CurateOptions, taxonomy: Taxonomy): { analysis: FileAnalysis; doc: AnnotationDocument; sidecarFile: string; records: TraceRecord[] } | { error: Problem[] } {
  let analysis: FileAnalysis;
  try {
    analysis = analyzeFile(path, detectOptionsFor(taxonomy), { maxUnzippedBytes: opts.maxUnzippedBytes });
  } catch (e) {
    if (!isUserInputError(e)) throw e;
    return { error: e.problems };
  }
  const explicit = opts.sidecarFor?.(path);
  const sidecarFile = explicit ?? sidecarPathFor(path);
  let doc: AnnotationDocument;
  try {
    doc = loadAnnotationsFor(path, analysis.traces[0]?.source ?? { sha256: '' }, explicit && existsSync(explicit) ? explicit : undefined).doc;
  } catch (e) {
    if (!isUserInputError(e)) throw e;
    return { error: e.problems.map((p) => ({ ...p, message: `${p.message} (the runs of ${path} are left out)` })) };
  }
  return { analysis, doc, sidecarFile, records: recordsOfFile(analysis, { taxonomy, annotations: doc }) };
}

/** promotionInputFor, with a run that cannot be promoted at all (no model turn…) as its errors. */
function inputFor(ctx: TraceInputContext, trace: Trace): TraceInput {
  try {
    return promotionInputFor(ctx, trace);
  } catch (e) {
    if (!isUserInputError(e)) throw e;
    return { input: { trace: traceProvenance(trace, ctx.file), examples: [], version: '' }, errors: e.problems, warnings: [], failedRun: false };
  }
}

function writtenFiles(config: SetConfig, input: PromotionInput): PromotionInput['examples'] {
  return input.examples.filter((e) => e.file !== 'sharegpt.jsonl' || config.sharegpt);
}

/**
 * Read, match, rank, deduplicate, balance and cap; count what would be written. Writes nothing.
 * Throws QuerySyntaxError for a query that does not parse, UserInputError for a missing path or
 * a set that cannot take the examples, CurationCancelled when `signal` aborts.
 */
export async function planCuration(opts: CurateOptions): Promise<CurationPlan> {
  const query: Query = parseQuery(opts.query);
  const config = curationConfig(opts);
  const { ctx } = preparation(opts, config);
  const problems: string[] = [];
  const files = collectTraceFiles(opts.paths, problems);
  const read: FileCuration[] = [];
  for (const [n, { path, explicit }] of files.entries()) {
    checkAbort(opts.signal);
    opts.onProgress?.({ phase: 'reading', done: n, total: files.length, file: path });
    read.push(curateFileWith(path, explicit, opts, query, ctx));
    await nextTurn();
  }
  checkAbort(opts.signal);
  opts.onProgress?.({ phase: 'reading', done: files.length, total: files.length });
  return finishPlan(opts, config, read, problems);
}

/**
 * The set's configuration for a curation, after checking what can be checked before reading any
 * trace: the paths exist, the cap is a whole number, the set can take the format asked for.
 */
export function curationConfig(opts: Pick<CurateOptions, 'paths' | 'set' | 'max' | 'format' | 'sharegpt' | 'now'>): SetConfig {
  const missing = opts.paths.filter((p) => !existsSync(p));
  if (missing.length) throw new UserInputError(missing.map((file) => ({ file, message: 'does not exist (no such file or folder)' })));
  if (opts.max !== undefined && !(Number.isInteger(opts.max) && opts.max >= 1)) throw new UserInputError({ file: opts.set, message: `the cap on examples must be a whole number, at least 1 (got ${opts.max})` });
  return planSet(opts.set, { format: opts.format, sharegpt: opts.sharegpt, now: opts.now });
}

/** What one trace file gives a curation: its runs read, matched and prepared, as counts. */
export interface FileCuration {
  /** The file is a trace that was read (false: not a trace, or unreadable). */
  read: boolean;
  runs: number;
  matched: number;
  candidates: Candidate[];
  skipped: SkippedRun[];
  problems: string[];
}

/**
 * One file of a curation's first pass, synchronously (the trace worker runs it file by file for
 * VS Code; `planCuration` runs it in this process for the CLI). `explicit`: the user named the
 * file, so a file that is not a trace is a problem rather than skipped quietly.
 */
export function curateFile(path: string, explicit: boolean, opts: CurateOptions, config: SetConfig): FileCuration {
  return curateFileWith(path, explicit, opts, parseQuery(opts.query), preparation(opts, config).ctx);
}

function curateFileWith(path: string, explicit: boolean, opts: CurateOptions, query: Query, ctx: Prepared['ctx']): FileCuration {
  const out: FileCuration = { read: false, runs: 0, matched: 0, candidates: [], skipped: [], problems: [] };
  const read = readFile(path, opts, ctx.taxonomy);
  if ('error' in read) {
    if (explicit) out.problems.push(...read.error.map(formatProblem));
    return out;
  }
  out.read = true;
  const { analysis, doc, sidecarFile, records } = read;
  for (const [position, record] of records.entries()) {
    out.runs++;
    const trace = analysis.analyses[position].trace;
    if (!matchRecord(query, record, { taxonomy: ctx.taxonomy }, () => trace.steps)) continue;
    out.matched++;
    const traceIndex = trace.source.indexInFile ?? 0;
    const run = `${path}#${traceIndex}`;
    if (doc.trace && doc.trace.sha256 !== trace.source.sha256 && !opts.acceptChangedTrace) {
      out.skipped.push({ run, reason: `its annotations (${sidecarFile}) were written for another version of the file; check them in the trace editor and save, or accept the changed trace` });
      continue;
    }
    const one = inputFor({ ...ctx, file: path, sidecarFile, doc }, trace);
    if (one.errors.length) {
      out.skipped.push({ run, reason: `${one.errors.length} problem(s) in its examples, the first: ${formatProblem(one.errors[0])}` });
      continue;
    }
    const examples = writtenFiles(ctx.config, one.input);
    if (!examples.length) {
      out.skipped.push({ run, reason: one.failedRun ? 'a failed run with no corrected or judged turn gives no example (include failed runs to train on it)' : 'gives no example' });
      continue;
    }
    const perFile: Partial<Record<DataFile, number>> = {};
    for (const e of examples) perFile[e.file] = (perFile[e.file] ?? 0) + 1;
    out.candidates.push({
      file: path, traceIndex, position, title: record.title, rank: rankOf(record),
      category: record.categories[0]?.category ?? NO_GROUP, categories: record.categories.map((c) => c.category),
      tool: record.tools[0]?.name ?? NO_GROUP, tools: record.tools.map((t) => t.name).sort(),
      source: analysis.format, fingerprint: trajectoryFingerprint(trace), examples: perFile, exampleCount: examples.length,
    });
  }
  return out;
}

/**
 * The plan from every file's first pass: candidates ranked, deduplicated, balanced and capped
 * (selectCandidates), and the counts of the preview. `problems`: those of finding the files.
 */
export function finishPlan(opts: Pick<CurateOptions, 'query' | 'set' | 'paths' | 'max' | 'balance'>, config: SetConfig, files: readonly FileCuration[], problems: readonly string[] = []): CurationPlan {
  const allProblems = [...problems, ...files.flatMap((f) => f.problems)];
  const filesRead = files.filter((f) => f.read).length;
  if (filesRead === 0 && allProblems.length === 0) throw new UserInputError({ file: opts.paths.join(', '), message: 'no trace files found' });
  const candidates = files.flatMap((f) => f.candidates);
  const { selected, duplicates, cappedOut } = selectCandidates(candidates, { max: opts.max, balance: opts.balance });
  const byFile: Record<string, number> = {};
  const byCategory: Record<string, number> = {};
  const byTool: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  const byTraceFile: Record<string, number> = {};
  const byRank = { corrected: 0, recovered: 0, success: 0, other: 0 } as Record<CurateRank, number>;
  const add = (m: Record<string, number>, k: string, n: number): void => { m[k] = (m[k] ?? 0) + n; };
  for (const c of selected) {
    const n = c.exampleCount;
    for (const [f, k] of Object.entries(c.examples)) add(byFile, f, k);
    for (const cat of c.categories.length ? c.categories : [NO_GROUP]) add(byCategory, cat, n);
    for (const t of c.tools.length ? c.tools : [NO_GROUP]) add(byTool, t, n);
    add(bySource, c.source, n);
    add(byTraceFile, c.file, n);
    byRank[c.rank] += n;
  }
  return {
    query: opts.query, set: opts.set, config, files: filesRead,
    runs: files.reduce((n, f) => n + f.runs, 0), matched: files.reduce((n, f) => n + f.matched, 0),
    traces: selected.length, examples: selected.reduce((s, c) => s + c.exampleCount, 0),
    byFile: sortedRecord(byFile, DATA_FILES), byCategory: sortedRecord(byCategory), byTool: sortedRecord(byTool), bySource: sortedRecord(bySource), byTraceFile: sortedRecord(byTraceFile), byRank,
    duplicatesRemoved: duplicates.length, duplicates, cappedOut, skipped: files.flatMap((f) => f.skipped), problems: allProblems, selected,
  };
}

/** Largest first, then by name (or in `order` when given): stable JSON for scripts. */
function sortedRecord(m: Record<string, number>, order?: readonly string[]): Record<string, number> {
  const keys = Object.keys(m).sort(order ? (a, b) => order.indexOf(a) - order.indexOf(b) : (a, b) => m[b] - m[a] || a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, m[k]]));
}

/** The manifest entries a promotion would write for the input, without what changes on every write. */
function comparable(config: SetConfig, input: PromotionInput): string[] {
  const key = `${input.trace.path}#${input.trace.traceIndex}`;
  let notRepresented = input.notRepresented?.length ? input.notRepresented : undefined;
  return writtenFiles(config, input).map((ex) => {
    const line = JSON.stringify(ex.record);
    const entry = {
      file: ex.file, recordSha256: sha256Hex(line), key, trace: input.trace, steps: ex.steps, tags: ex.tags, corrections: ex.corrections, version: input.version,
      ...(ex.length ? { length: ex.length } : {}), ...(ex.personalData ? { personalData: ex.personalData } : {}),
      ...(ex.refusedByTemplates?.length ? { refusedByTemplates: ex.refusedByTemplates } : {}), ...(notRepresented ? { notRepresented } : {}),
      ...(ex.tools ? { tools: ex.tools } : {}), ...(ex.curated ? { curated: ex.curated } : {}),
    };
    notRepresented = undefined;
    return stableJson(entry);
  });
}

function existingComparable(e: ManifestEntry): string {
  const { id: _id, promoted: _promoted, stepSeparator: _sep, ...rest } = e;
  return stableJson(rest);
}

/**
 * Write the plan's selected runs into its set in one batch: each run prepared again (as the
 * preview did), runs already in the set unchanged left alone, the rest promoted with one
 * `promoteIntoSet`. Cancelled before the commit: nothing changed.
 */
export async function writeCuration(plan: CurationPlan, opts: CurateOptions): Promise<CurationResult> {
  const config = writeConfig(plan, opts.set);
  const existing = existingEntries(opts.set);
  const inputs = new Map<string, PromotionInput>();
  const warnings: Problem[] = [];
  let unchanged = 0;
  let done = 0;
  for (const [file, list] of selectedByFile(plan)) {
    checkAbort(opts.signal);
    opts.onProgress?.({ phase: 'writing', done, total: plan.selected.length, file });
    const prepared = prepareFileForWrite(file, list, plan.query, opts, config, existingFor(existing, opts.set, list));
    for (const { run, input } of prepared.inputs) inputs.set(run, input);
    unchanged += prepared.unchanged;
    warnings.push(...prepared.warnings);
    done += list.length;
    await nextTurn();
  }
  checkAbort(opts.signal);
  opts.onProgress?.({ phase: 'writing', done, total: plan.selected.length });
  return commitCuration(plan, config, inputs, { unchanged, warnings }, opts.io);
}

/** The previewed configuration (a new set is created with it); an existing set must still agree. */
export function writeConfig(plan: CurationPlan, set: string): SetConfig {
  return readSetConfig(set) ? planSet(set, { format: plan.config.format }) : plan.config;
}

/** The selected runs grouped by file, each file once. */
export function selectedByFile(plan: CurationPlan): Map<string, Candidate[]> {
  const byFile = new Map<string, Candidate[]>();
  for (const c of plan.selected) {
    const l = byFile.get(c.file);
    if (l) l.push(c); else byFile.set(c.file, [c]);
  }
  return byFile;
}

/** The set's manifest entries per run key, without what changes on every write. */
export function existingEntries(set: string): Map<string, string[]> {
  const existing = new Map<string, string[]>();
  for (const e of readManifest(set).entries) {
    const l = existing.get(e.key);
    if (l) l.push(existingComparable(e)); else existing.set(e.key, [existingComparable(e)]);
  }
  return existing;
}

/** The entries of `existing` that concern these runs (what prepareFileForWrite compares with). */
export function existingFor(existing: Map<string, string[]>, set: string, runs: readonly Candidate[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of runs) {
    const { key } = traceKey(set, c.file, c.traceIndex);
    const e = existing.get(key);
    if (e) out[key] = e;
  }
  return out;
}

/** One file's selected runs, prepared for the write. */
export interface FileWrite {
  /** The runs to write (by runId), with their examples. */
  inputs: { run: string; input: PromotionInput }[];
  /** Runs whose examples are already in the set as they would be written. */
  unchanged: number;
  warnings: Problem[];
}

/**
 * One file of the write, synchronously (the trace worker runs it for VS Code): its selected runs
 * prepared again as the preview did, and compared with what the set holds for them (`existing`,
 * from existingFor). Throws UserInputError when the file changed since the preview.
 */
export function prepareFileForWrite(file: string, runs: readonly Candidate[], query: string, opts: CurateOptions, config: SetConfig, existing: Record<string, string[]>): FileWrite {
  const { ctx } = preparation(opts, config);
  const read = readFile(file, opts, ctx.taxonomy);
  if ('error' in read) throw new UserInputError(read.error.map((p) => ({ ...p, message: `${p.message} (changed since the preview? nothing written)` })));
  const out: FileWrite = { inputs: [], unchanged: 0, warnings: [] };
  for (const c of runs) {
    const trace = read.analysis.analyses[c.position]?.trace;
    if (!trace) throw new UserInputError({ file, message: `no longer holds run ${c.traceIndex} (changed since the preview?); nothing written` });
    const one = inputFor({ ...ctx, file, sidecarFile: read.sidecarFile, doc: read.doc }, trace);
    if (one.errors.length) throw new UserInputError(one.errors.map((p) => ({ ...p, message: `${p.message} (changed since the preview?); nothing written` })));
    out.warnings.push(...one.warnings);
    const curated: CurationNote = { query, rank: c.rank, category: c.category };
    const input: PromotionInput = { ...one.input, examples: one.input.examples.map((e) => ({ ...e, tools: c.tools, curated })) };
    const before = existing[`${input.trace.path}#${input.trace.traceIndex}`];
    const after = comparable(config, input);
    if (before && before.length === after.length && before.every((b, i) => b === after[i])) out.unchanged++;
    else out.inputs.push({ run: runId(c), input });
  }
  return out;
}

/** The prepared runs written with one promoteIntoSet, in the order of the selection (rank, balance). */
export async function commitCuration(plan: CurationPlan, config: SetConfig, inputs: ReadonlyMap<string, PromotionInput>, prepared: { unchanged: number; warnings: Problem[] }, io?: SetIo): Promise<CurationResult> {
  const ordered = plan.selected.map((c) => inputs.get(runId(c))).filter((i): i is PromotionInput => i !== undefined);
  if (!ordered.length) return { plan, unchanged: prepared.unchanged, written: 0, warnings: prepared.warnings };
  const result = await promoteIntoSet(plan.set, config, ordered, io);
  return { plan, result, unchanged: prepared.unchanged, written: ordered.length, warnings: prepared.warnings };
}
