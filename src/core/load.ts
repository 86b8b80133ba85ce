/**
 * Open a trace file: detect its format by content, parse it, build canonical traces.
 * Used by the CLI, the extension host and tests alike.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { isPlainUtf8Lines, SourceFile } from './json/source-file';
import { buildTrace, locateDraftSteps, type StepsBuiltBefore } from './model/build';
import type { SourceLocation, Trace } from './model/schema';
import type { DraftTrace } from './model/draft';
import { assignTraceKeys } from './model/trace-key';
import type { Importer, LineFollower } from './formats/importer';
import { importerById, importers } from './formats/registry';
import { otlpImporter } from './formats/otel/otlp';
import { trailImporter } from './formats/otel/trail';
import { inspectImporter } from './formats/chat/inspect';
import { canonicalImporter } from './formats/canonical';
import { loadOtlpJsonStream, otlpJsonShape } from './engine/stream/otlp-stream';
import { loadCanonicalJsonlStream, looksLikeCanonicalJsonl } from './engine/stream/jsonl-stream';
import { loadTrailStream, looksLikeTrailDocument } from './engine/stream/trail-stream';
import { SecondJsonValue } from './engine/stream/json-values';
import { loadInspectJsonStream, looksLikeInspectJsonDocument } from './engine/stream/inspect-stream';
import { cleanProblem, describeValue, isUserInputError, Problem, quoteTraceText, UserInputError } from './util/problems';
import { siblingsOf } from './util/siblings';

export interface LoadResult {
  file: string;
  format: string;
  traces: Trace[];
  warnings: Problem[];
  /** With `follow`: the import kept to go on with lines appended to the file (see FollowedLines). */
  followed?: FollowedStart;
}

/** What a load that follows its file keeps to go on with lines appended to it (src/core/engine/stream/followed-lines.ts). */
export interface FollowedStart {
  importer: Importer;
  follower: LineFollower;
  /** The file's bytes, characters and lines read (it ends with a line break). */
  bytes: number;
  chars: number;
  lines: number;
  /** The import's warnings: the file's decoding and its lines' (the follower's own, and the build's, follow them). */
  importWarnings: Problem[];
  locations: Map<string, SourceLocation>;
  /** Each trace's draft steps. */
  draftCounts: number[];
}

/** Pick the importer whose sniffer is most confident; the file name breaks ties. */
export function detectFormat(file: SourceFile, candidates: readonly Importer[] = importers): Importer | undefined {
  let best: Importer | undefined;
  let bestScore = 0;
  const name = basename(file.path);
  for (const imp of candidates) {
    let score: number;
    // A sniffer that throws on odd content simply does not claim the file.
    try { score = imp.sniff(file); } catch { score = 0; }
    // The name is a hint only: it breaks ties between equally confident sniffers.
    if (score > 0 && imp.fileHint?.test(name)) score += 0.001;
    if (score > bestScore) { best = imp; bestScore = score; }
  }
  return bestScore > 0 ? best : undefined;
}

export interface LoadOptions {
  format?: string;
  readSibling?: (rel: string) => Uint8Array | undefined;
  listSibling?: (relDir: string) => string[] | undefined;
  /** Cap on the bytes inflated from an archive (`.eval`); see DEFAULT_MAX_UNZIPPED_BYTES. */
  maxUnzippedBytes?: number;
  /**
   * Keep the import able to go on with lines appended to the file (`LoadResult.followed`), when
   * its importer can (Importer.follow) and the file is UTF-8 JSON lines ending in a line break.
   */
  follow?: boolean;
  /**
   * Find each step's line and column in the file (default true). That is a second scan of the
   * whole text; what never shows a step's place (the workspace index's records) skips it.
   */
  locate?: boolean;
}

/**
 * Every problem a load reports, warning or refusal, leaves here as one clean line (control
 * characters escaped, length capped), whatever trace text an importer quoted in it.
 */
export function loadTraceFromBytes(path: string, bytes: Uint8Array, opts: LoadOptions = {}): LoadResult {
  return cleanLoad(() => loadUnchecked(path, bytes, opts));
}

/** Run a load with every problem it reports, warning or refusal, cleaned (see loadTraceFromBytes). */
export function cleanLoad(load: () => LoadResult): LoadResult {
  let result: LoadResult;
  try {
    result = load();
  } catch (e) {
    // The same kind of refusal (a SecondJsonValue stays one), its problems cleaned.
    if (isUserInputError(e)) throw new (e.constructor as typeof UserInputError)(e.problems.map(cleanProblem));
    throw e;
  }
  return { ...result, warnings: result.warnings.map(cleanProblem) };
}

function loadUnchecked(path: string, bytes: Uint8Array, opts: LoadOptions): LoadResult {
  const file = new SourceFile(path, bytes);
  const warnings: Problem[] = [];
  if (!file.isZip && file.text.trim() === '') {
    throw new UserInputError({ file: path, line: 1, column: 1, message: 'the file is empty' });
  }
  const importer = opts.format ? importerById(opts.format) : detectFormat(file);
  if (!importer) throw new UserInputError(notATraceProblem(file));
  const ctx = {
    warn: (p: Omit<Problem, 'file'> & { file?: string }) => warnings.push({ file: path, ...p }),
    readSibling: opts.readSibling ?? (() => undefined),
    listSibling: opts.listSibling,
    maxUnzippedBytes: opts.maxUnzippedBytes,
  };
  const follower = opts.follow && opts.locate !== false && followsAsItGrows(file) ? importer.follow?.(file, ctx) : undefined;
  const drafts = follower ? follower.drafts() : importer.parse(file, ctx);
  warnings.unshift(...file.warnings);
  // A follower's own warnings (see LineFollower.ownWarnings) follow those of the file and its lines.
  const importWarnings = [...warnings];
  if (follower?.ownWarnings) warnings.push(...follower.ownWarnings());
  const locations = opts.locate === false ? new Map<string, SourceLocation>() : locateDraftSteps(file, drafts);
  if (!follower) return buildLoadResult(file, importer, drafts, warnings, locations);
  const result = buildLoadResult(file, importer, drafts, warnings, locations);
  follower.takeChanged();
  const followed: FollowedStart = {
    importer, follower, bytes: file.bytes.length, chars: file.text.length, lines: file.lines.lineCount - 1,
    importWarnings, locations, draftCounts: drafts.map((d) => d.steps.length),
  };
  return { ...result, followed };
}

/** A file whose import may go on with appended lines: UTF-8 text read to a line break. */
function followsAsItGrows(file: SourceFile): boolean {
  return !file.isZip && isPlainUtf8Lines(file.bytes) && file.text !== '' && file.warnings.length === 0;
}

/**
 * The traces of an importer's drafts, refused when none has a step: the end of every load, whole
 * or streamed (src/core/engine/stream/otlp-stream.ts). Only the file's path and sha256 are read.
 */
export function buildLoadResult(file: Pick<SourceFile, 'path' | 'sha256'>, importer: Importer, drafts: DraftTrace[], warnings: Problem[], locations: Map<string, SourceLocation>, before?: StepsBuiltBefore[]): LoadResult {
  const path = file.path;
  // buildTrace reads only the path and digest of the file it is given.
  const source = file as SourceFile;
  const traces = drafts.map((d, i) => buildTrace({ indexInFile: drafts.length > 1 ? i : d.indexInFile, ...d }, source, importer.id, warnings, locations, before?.[i]));
  return loadResultOf(path, importer, traces, drafts.map((d) => d.id), warnings);
}

/**
 * A file's built traces as a load's result: their keys (`ownIds`: each trace's own id, if any),
 * and a trace without steps warned of, or refused when none has any. `buildLoadResult` ends
 * with it, and so does a reader that builds each run as soon as it is read.
 */
export function loadResultOf(path: string, importer: Importer, traces: Trace[], ownIds: readonly (string | undefined)[], warnings: Problem[]): LoadResult {
  if (traces.length === 0) throw new UserInputError({ file: path, message: `recognized as ${importer.label}, but it holds no trace` });
  assignTraceKeys(traces, ownIds);
  // A trace without steps has nothing to show: say so here rather than let the editor fail on it.
  if (traces.every((t) => t.steps.length === 0)) {
    throw new UserInputError({ file: path, message: `recognized as ${importer.label}, but ${traces.length === 1 ? 'its trace has no steps' : `none of its ${traces.length} traces has any step`} (nothing to show)` });
  }
  traces.forEach((t, i) => {
    if (t.steps.length === 0) warnings.push({ file: path, message: `trace ${i + 1} of ${traces.length} (${quoteTraceText(t.title)}) has no steps (nothing to show)` });
  });
  return { file: path, format: importer.id, traces, warnings };
}

/** A trace file's bytes; a file that cannot be read is a UserInputError saying why. */
export function readTraceFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(resolve(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied'
      : code === 'ERR_FS_FILE_TOO_LARGE' ? 'is larger than 2 GB, more than can be read at once; split it' : `cannot be read (${code ?? String(e)})`;
    throw new UserInputError({ file: path, message: why });
  }
}

/**
 * Files larger than this are streamed when their format can be (OTLP JSON, a TRAIL
 * span tree, an Inspect AI `.json` log): V8's longest string, in bytes (a file no larger always
 * decodes to a string that fits).
 */
export const STREAM_ABOVE_BYTES = 0x1fffffe8;

export interface LoadFileOptions extends Omit<LoadOptions, 'readSibling'> {
  /** Stream files larger than this many bytes when their format can be (default STREAM_ABOVE_BYTES; tests make it small). */
  streamAbove?: number;
  /** Called as a streamed file is read (bytes read, file size); not called for a file read whole. */
  onStreamProgress?: (byte: number, size: number) => void;
}

export function loadTraceFile(path: string, opts: LoadFileOptions = {}): LoadResult {
  const abs = resolve(path);
  const { readSibling, listSibling } = siblingsOf(abs);
  // Over V8's string limit the whole-file import refuses ("more than can be read as one text"):
  // agent-trace/v1 JSON lines, an OTLP JSON document or OTLP JSON lines, a TRAIL span tree or an
  // Inspect .json log is read as a stream instead. Other formats keep that refusal.
  const size = fileSize(abs);
  if (size > (opts.streamAbove ?? STREAM_ABOVE_BYTES)) {
    const onProgress = opts.onStreamProgress;
    if ((opts.format === undefined || opts.format === canonicalImporter.id) && looksLikeCanonicalJsonl(abs, size)) return loadCanonicalJsonlStream(path, { onProgress });
    const otlpShape = opts.format === undefined || opts.format === otlpImporter.id ? otlpJsonShape(abs) : undefined;
    if (otlpShape) return otlpJsonStream(path, otlpShape, onProgress);
    if ((opts.format === undefined || opts.format === trailImporter.id) && looksLikeTrailDocument(abs)) return loadTrailStream(path, { onProgress, readSibling })!;
    if ((opts.format === undefined || opts.format === inspectImporter.id) && looksLikeInspectJsonDocument(abs)) return loadInspectJsonStream(path, { onProgress })!;
  }
  const bytes = readTraceFileBytes(path);
  return loadTraceFromBytes(path, bytes, {
    ...opts,
    readSibling,
    listSibling,
  });
}

/**
 * An OTLP JSON document or OTLP JSON lines over V8's string limit, read as a stream. JSON lines
 * whose first line is too long for the sniffer to see it end look like a document until the
 * document's second value (SecondJsonValue): they are read again as lines.
 */
function otlpJsonStream(path: string, shape: 'document' | 'lines', onProgress: LoadFileOptions['onStreamProgress']): LoadResult {
  try {
    return loadOtlpJsonStream(path, { onProgress, lines: shape === 'lines' })!;
  } catch (e) {
    if (shape === 'document' && e instanceof SecondJsonValue) return otlpJsonStream(path, 'lines', onProgress);
    throw e;
  }
}

/** The file's size, or -1 when it cannot be read (readTraceFileBytes then says why). */
function fileSize(abs: string): number {
  try {
    return statSync(abs).size;
  } catch {
    return -1;
  }
}

function notATraceProblem(file: SourceFile): Problem {
  if (file.isZip) return { file: file.path, message: 'a zip archive that is not an Inspect AI .eval log' };
  const first = file.firstChar;
  if (first === '{' || first === '[') {
    const parsed = file.parseJson();
    if ('error' in parsed && !file.looksLikeJsonl()) return parsed.error;
    const hint = 'value' in parsed ? `a JSON ${describeValue(parsed.value).replace(/^an? /, '')}` : 'JSON lines';
    return { file: file.path, message: `not a trace in any supported format (${hint}); run 'agent-trace formats' for the list` };
  }
  return { file: file.path, line: 1, column: 1, message: `not a trace: expected JSON or JSONL, found ${JSON.stringify(file.text.slice(0, 20))}...` };
}
