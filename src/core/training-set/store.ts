/**
 * A training set on disk: `<set>/set.json`, the data files, `manifest.jsonl` (one line per
 * example, in the same order as the data files' lines) and a README data card.
 *
 * Promotion is read-modify-write under the set's lock: the examples of the promoted trace
 * (same trace path relative to the set, same trace index) are replaced, everything else is
 * kept line for line. All the files a promotion changes are committed as one unit through a
 * journal (see commit.ts), and an interrupted commit is finished or undone when the set is next
 * opened under its lock, so a crash leaves the set as it was before or as it is after. Before
 * rewriting, the data files are checked against the manifest (line count and per-line hash); a
 * mismatch (a hand edit) stops the promotion rather than losing or misattributing examples.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { realFileOps, type FileOps } from '../util/file-ops';
import { parseJsonText, zodProblems } from '../annotations/json-text';
import type { DataFile, EncodedExample, ExportFormat, OmittedTurn } from '../export/encode';
import type { PersonalDataNote } from '../export/mask-private';
import { stepSeparatorForLines } from '../export/stepwise';
import type { ExampleLength } from '../export/length';
import { sha256Hex } from '../util/hash';
import { UserInputError, type Problem } from '../util/problems';
import type { Trace } from '../model/schema';
import { traceKeyOf } from '../model/trace-key';
import { asyncFileOps, withLock, type LockOptions } from './lock';
import { commitFiles, recoverCommit, type NewFile } from './commit';
import { renderReadme } from './readme';

export const DEFAULT_SETS_FOLDER = 'training-sets';
export const DATA_FILES: readonly DataFile[] = ['sft.jsonl', 'preference.jsonl', 'stepwise.jsonl', 'sharegpt.jsonl'];

export const SetConfigSchema = z.looseObject({
  name: z.string().min(1),
  format: z.enum(['openai', 'trl']),
  sharegpt: z.boolean().default(false),
  created: z.string(),
});
export type SetConfig = z.infer<typeof SetConfigSchema>;

/**
 * Where an example came from: the trace file (relative to the set), its sha256 and format, and the
 * run, by number and by key (src/core/model/trace-key.ts; absent in entries written before keys).
 */
export interface TraceProvenance {
  path: string;
  sha256: string;
  traceIndex: number;
  traceKey?: string;
  format: string;
}

/** The provenance of a run of a trace file, `path` being the file as the set names it. */
export function traceProvenance(trace: Trace, path: string): TraceProvenance {
  return { path, sha256: trace.source.sha256, traceIndex: trace.source.indexInFile ?? 0, traceKey: traceKeyOf(trace), format: trace.source.format };
}

export interface ManifestEntry {
  id: string;
  file: DataFile;
  /** sha256 of the record's JSONL line, to check the data files still match the manifest. */
  recordSha256: string;
  key: string;
  trace: TraceProvenance;
  steps: string[];
  tags: { location: string; category: string; origin: string; status: string }[];
  corrections: string[];
  promoted: string;
  version: string;
  /** The example's token count (absent for examples promoted before counts were recorded). */
  length?: ExampleLength;
  /** The personal data (home folders, e-mail addresses, host names) the record holds, or held before it was masked. */
  personalData?: PersonalDataNote;
  /** stepwise.jsonl: the PRM trainer's `step_separator`, the same for the whole set (no prompt or step of it contains it). */
  stepSeparator?: string;
  /** On the first example of a trace: its learnable turns a data file holds no example of, and why. */
  notRepresented?: OmittedTurn[];
  /** The chat templates that refuse the record (kept by `--refused-by-template keep`, the default). */
  refusedByTemplates?: string[];
  /** The tools the example's run called (recorded by curation, for the data card's tool distribution). */
  tools?: string[];
  /** Examples written by curation (`agent-trace curate`): the query that picked the run and its rank. */
  curated?: CurationNote;
}

/** How curation picked a run (src/core/curate). */
export interface CurationNote {
  query: string;
  rank: 'corrected' | 'recovered' | 'success' | 'other';
  /** The run's largest failure category, '(none)' without one. */
  category: string;
}

export function readSetConfig(dir: string): SetConfig | undefined {
  const path = join(dir, 'set.json');
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const parsed = parseJsonText(path, text);
  if ('problems' in parsed) throw new UserInputError(parsed.problems);
  const res = SetConfigSchema.safeParse(parsed.value);
  if (!res.success) throw new UserInputError(zodProblems(path, text, res.error));
  return res.data;
}

/**
 * The set's configuration: the existing `set.json`, or the one a promotion would create. Writes
 * nothing, so a promotion can check everything before the first folder or file exists.
 * A different format is an error.
 */
export function planSet(dir: string, want: { format?: ExportFormat; sharegpt?: boolean; now?: Date }): SetConfig {
  const existing = readSetConfig(dir);
  if (existing) {
    if (want.format && want.format !== existing.format) {
      throw new UserInputError({ file: join(dir, 'set.json'), path: '$.format', message: `this set exports "${existing.format}", not "${want.format}"; promote into another set, or omit --format` });
    }
    return existing;
  }
  return { name: resolve(dir).split(sep).pop() ?? 'training-set', format: want.format ?? 'openai', sharegpt: want.sharegpt ?? false, created: (want.now ?? new Date()).toISOString() };
}

export interface CheckedSet {
  entries: ManifestEntry[];
  lines: Map<DataFile, string[]>;
}

/** The non-empty lines of a data file, as the store writes them (one record per line). */
export function readDataLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

/** The manifest entries, in order. Unparseable lines are located problems. */
export function readManifest(dir: string): { entries: ManifestEntry[]; problems: Problem[] } {
  const path = join(dir, 'manifest.jsonl');
  const entries: ManifestEntry[] = [];
  const problems: Problem[] = [];
  if (!existsSync(path)) return { entries, problems };
  readFileSync(path, 'utf8').split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    try { entries.push(JSON.parse(l) as ManifestEntry); } catch (e) { problems.push({ file: path, line: i + 1, message: `not valid JSON (${(e as Error).message})` }); }
  });
  return { entries, problems };
}

/**
 * The manifest and the data files, checked against each other (line count and per-line hash)
 * before anything rewrites them: a mismatch (a hand edit, a crash between two renames) stops the
 * operation rather than losing or misattributing examples. `doing` completes "… before <doing>".
 */
export function loadCheckedSet(dir: string, doing: string): CheckedSet {
  const { entries, problems: bad } = readManifest(dir);
  const problems: Problem[] = bad.map((p) => ({ ...p, message: `${p.message}; fix or remove the line before ${doing}` }));
  const lines = new Map<DataFile, string[]>();
  for (const f of DATA_FILES) {
    const have = readDataLines(join(dir, f));
    lines.set(f, have);
    const mine = entries.filter((e) => e.file === f);
    if (mine.length !== have.length) {
      problems.push({ file: join(dir, f), message: `has ${have.length} examples but manifest.jsonl lists ${mine.length}; edited by hand or interrupted? Restore the files (or delete the set) before ${doing}, so no example is lost or misattributed` });
      continue;
    }
    mine.forEach((e, i) => {
      if (sha256Hex(have[i]) !== e.recordSha256) problems.push({ file: join(dir, f), line: i + 1, message: `does not match its manifest entry ${e.id} (edited by hand?); restore it before ${doing}` });
    });
  }
  for (const e of entries) if (!DATA_FILES.includes(e.file)) problems.push({ file: join(dir, 'manifest.jsonl'), message: `example ${e.id} names an unknown data file "${e.file}"` });
  if (problems.length) throw new UserInputError(problems);
  return { entries, lines };
}

export interface PromotionInput {
  /** Replacement key: trace path relative to the set + trace index. */
  trace: TraceProvenance;
  examples: (EncodedExample & { tags: ManifestEntry['tags']; length?: ExampleLength; personalData?: PersonalDataNote; refusedByTemplates?: string[]; tools?: string[]; curated?: CurationNote })[];
  /** Learnable turns of the trace that a data file cannot hold (listed in the data card). */
  notRepresented?: OmittedTurn[];
  version: string;
  now?: Date;
}

/** The file operations and lock settings a set is written with (tests inject crashes here). */
export interface SetIo {
  ops?: FileOps;
  lock?: LockOptions;
}

export function lockOptionsFor(io: SetIo): LockOptions {
  return { ...io.lock, env: { ...(io.ops ? { fs: asyncFileOps(io.ops) } : {}), ...io.lock?.env } };
}

/**
 * Open a set for reading after a crash: finish or undo an interrupted commit and remove leftover
 * temps, under the lock. Promotion and removal do this themselves.
 */
export async function recoverSet(dir: string, io: SetIo = {}): Promise<void> {
  const ops = io.ops ?? realFileOps;
  if (!ops.exists(dir)) return;
  await withLock(dir, () => recoverCommit(dir, ops), lockOptionsFor(io));
}

export interface PromotionResult {
  added: Record<DataFile, number>;
  replaced: number;
  total: Record<DataFile, number>;
}

const NEWLINE = Buffer.from('\n');

/** A data file's line: its text, and its UTF-8 bytes (made once, for its manifest digest and the file). */
interface DataLine { text: string; bytes: Uint8Array }

const dataLine = (text: string): DataLine => ({ text, bytes: Buffer.from(text, 'utf8') });

/** A data file's bytes: each line's UTF-8 bytes and a line feed after it. */
function linesFile(lines: readonly DataLine[]): Uint8Array {
  return Buffer.concat(lines.flatMap((line) => [line.bytes, NEWLINE]));
}

export function traceKey(setDir: string, tracePath: string, traceIndex: number): { rel: string; key: string } {
  const rel = relative(resolve(setDir), resolve(tracePath)).split(sep).join('/');
  return { rel, key: `${rel}#${traceIndex}` };
}

/**
 * Replace the set's examples of one trace (or several) under the lock. Creates the folder and
 * `set.json` when the set is new: call it only once everything has been validated.
 */
export async function promoteIntoSet(dir: string, config: SetConfig, inputs: PromotionInput[], io: SetIo = {}): Promise<PromotionResult> {
  const ops = io.ops ?? realFileOps;
  ops.mkdir(dir, { recursive: true });
  return withLock(dir, () => {
    recoverCommit(dir, ops);
    const { entries, lines } = loadCheckedSet(dir, 'promoting again');
    const keys = new Set(inputs.map((i) => `${i.trace.path}#${i.trace.traceIndex}`));
    const keep = entries.map((e, i) => ({ e, i })).filter(({ e }) => !keys.has(e.key));
    const replaced = entries.length - keep.length;
    // Rebuild each file from the kept lines (in manifest order) plus the new examples.
    const cursor = new Map<DataFile, number>(DATA_FILES.map((f) => [f, 0]));
    const out = new Map<DataFile, DataLine[]>(DATA_FILES.map((f) => [f, []]));
    const manifest: ManifestEntry[] = [];
    const lineOf = new Map<number, string>();
    entries.forEach((e, i) => {
      const n = cursor.get(e.file)!;
      lineOf.set(i, lines.get(e.file)![n]);
      cursor.set(e.file, n + 1);
    });
    for (const { e, i } of keep) {
      out.get(e.file)!.push(dataLine(lineOf.get(i)!));
      manifest.push(e);
    }
    const added = Object.fromEntries(DATA_FILES.map((f) => [f, 0])) as Record<DataFile, number>;
    const promoted = (inputs[0]?.now ?? new Date()).toISOString();
    for (const input of inputs) {
      const key = `${input.trace.path}#${input.trace.traceIndex}`;
      const counters = new Map<DataFile, number>();
      let notRepresented = input.notRepresented?.length ? input.notRepresented : undefined;
      for (const ex of input.examples) {
        if (ex.file === 'sharegpt.jsonl' && !config.sharegpt) continue;
        const line = dataLine(JSON.stringify(ex.record));
        const n = counters.get(ex.file) ?? 0;
        counters.set(ex.file, n + 1);
        out.get(ex.file)!.push(line);
        added[ex.file]++;
        manifest.push({
          id: `${ex.file.replace('.jsonl', '')}-${sha256Hex(key).slice(0, 12)}-${n}`,
          file: ex.file, recordSha256: sha256Hex(line.bytes), key, trace: input.trace,
          steps: ex.steps, tags: ex.tags, corrections: ex.corrections, promoted, version: input.version,
          ...(ex.length ? { length: ex.length } : {}),
          ...(ex.personalData ? { personalData: ex.personalData } : {}),
          ...(ex.refusedByTemplates?.length ? { refusedByTemplates: ex.refusedByTemplates } : {}),
          ...(notRepresented ? { notRepresented } : {}),
          ...(ex.tools ? { tools: ex.tools } : {}),
          ...(ex.curated ? { curated: ex.curated } : {}),
        });
        notRepresented = undefined;
      }
    }
    // One separator for the set, since the trainer takes one: a new trace's steps can move it for all.
    const stepSeparator = stepSeparatorForLines(out.get('stepwise.jsonl')!.map((l) => l.text));
    for (const m of manifest) if (m.file === 'stepwise.jsonl') m.stepSeparator = stepSeparator;
    // A new set's set.json is part of its first commit: a crash leaves no set or the whole set.
    const files: NewFile[] = [];
    if (!ops.exists(join(dir, 'set.json'))) files.push({ name: 'set.json', data: JSON.stringify(config, null, 2) + '\n' });
    for (const f of DATA_FILES) {
      if (f === 'sharegpt.jsonl' && !config.sharegpt) continue;
      files.push({ name: f, data: linesFile(out.get(f)!) });
    }
    if (config.sharegpt) {
      files.push({ name: 'dataset_info.json', data: JSON.stringify({
        [config.name]: { file_name: 'sharegpt.jsonl', formatting: 'sharegpt', columns: { messages: 'conversations', system: 'system', tools: 'tools' } },
      }, null, 2) + '\n' });
    }
    files.push({ name: 'manifest.jsonl', data: manifest.map((m) => JSON.stringify(m)).join('\n') + (manifest.length ? '\n' : '') });
    files.push({ name: 'README.md', data: renderReadme(config, manifest) });
    commitFiles(dir, files, ops);
    const total = Object.fromEntries(DATA_FILES.map((f) => [f, out.get(f)!.length])) as Record<DataFile, number>;
    return { added, replaced, total };
  }, lockOptionsFor(io));
}
