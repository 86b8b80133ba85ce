/**
 * Imports an Inspect AI eval log written as one JSON document (`.json`, src/core/formats/chat/
 * inspect.ts) through the streaming document reader, never holding the file as one string: the
 * same traces (one per sample), steps, ids, locations, labels and warnings as the whole-file
 * import, for logs of any size, including those over V8's string limit.
 *
 * Each sample is turned into its trace as soon as it is read (with the whole import's own code),
 * so only one sample's JSON is held at a time; the header (`version`, `status`, `eval`, ...) comes
 * before the samples in the logs Inspect writes, and a sample read before `eval` waits for it.
 * The events and messages inside a sample are selected too, for their locations only.
 */
import { readFileHeadText } from '../../util/file-range';
import { pathKey } from '../../json/locate';
import type { SourceLocation, Trace } from '../../model/schema';
import type { SourceFile } from '../../json/source-file';
import { buildTrace, traceIdentity } from '../../model/build';
import { cleanLoad, loadResultOf, type LoadResult } from '../../load';
import type { ImportContext } from '../../formats/importer';
import { evalArchive, evalInfo, headerOnly, inspectImporter, isEvalLog, NOT_AN_EVAL_LOG, sampleTrace } from '../../formats/chat/inspect';
import type { DraftTrace } from '../../model/draft';
import { UserInputError, type Problem } from '../../util/problems';
import { readJsonDocument, type JsonPathPattern } from './json-document';

const HEADER_KEYS = ['version', 'status', 'eval', 'plan', 'results', 'stats', 'error'];
const SAMPLE = HEADER_KEYS.length;
/** The header's keys, the samples, and (for their locations) what a sample's steps are made from. */
const SELECT: JsonPathPattern[] = [
  ...HEADER_KEYS.map((k) => [k]),
  ['samples', '*'],
  ['samples', '*', 'events', '*'], ['samples', '*', 'transcript', 'events', '*'], ['samples', '*', 'messages', '*'], ['samples', '*', 'error'],
];

export interface InspectStreamOptions {
  chunkSize?: number;
  /** Called after every chunk with the bytes read and the file's size; returning false stops the import (it then returns undefined). */
  onProgress?: (byte: number, size: number) => boolean | void;
}

/** Whether the file starts like an Inspect eval log document: `{"version": <n>, ...` with `"eval"` near the top. */
export function looksLikeInspectJsonDocument(path: string): boolean {
  const head = readFileHeadText(path, 4096);
  if (head === undefined) return false;
  return /^\s*\{\s*"version"\s*:\s*\d+\s*,/.test(head) && /"eval"\s*:\s*\{/.test(head);
}

/** A sample's trace as soon as it is read (see InspectSamplesOptions.onTrace). */
export interface InspectSampleRead {
  /**
   * The trace as the whole import builds it, except what only the whole file settles: its id
   * when the sample has none, and its source's sha256 (empty until then) and run number (set
   * as if the file held several); the result's traces are these objects, with those set.
   */
  trace: Trace;
  /** Its place among the file's traces. */
  run: number;
  /** How far the file was read, and its size. */
  byte: number;
  size: number;
}

export interface InspectSamplesOptions extends InspectStreamOptions {
  /** Each sample's trace as soon as it is read; returning false stops the import (it then returns undefined). */
  onTrace?: (read: InspectSampleRead) => boolean | void;
}

/**
 * Import the Inspect eval log in `path` as a stream. Gives what `loadTraceFile` gives for the same
 * file (format `inspect-ai`); throws a UserInputError naming the file, line and column for
 * malformed JSON, and the whole import's refusal for a document that is not an eval log.
 */
export function loadInspectJsonStream(path: string, opts: InspectStreamOptions = {}): LoadResult | undefined {
  return readInspectSamples(path, opts);
}

/**
 * A log's traces, each built as soon as its sample is drafted and handed over (`onTrace`), then
 * settled once the whole file is read (`finish`): what the whole import gives. The warnings keep
 * the whole import's order: what drafting the samples found, then what building them found.
 */
class SampleRuns {
  /** Where the drafting of the samples warns. */
  readonly ctx: ImportContext;
  private readonly importWarnings: Problem[] = [];
  private readonly buildWarnings: Problem[] = [];
  private readonly built: { trace: Trace; ownId: string | undefined; indexInFile: number | undefined }[] = [];
  // Built before the file's sha256 is known: set at the end (traceIdentity).
  private readonly provisional: SourceFile;

  constructor(private readonly path: string, private readonly onTrace: InspectSamplesOptions['onTrace'], maxUnzippedBytes?: number) {
    this.ctx = { warn: (p) => this.importWarnings.push({ file: path, ...p }), readSibling: () => undefined, maxUnzippedBytes };
    this.provisional = { path, sha256: '' } as SourceFile;
  }

  /** Builds sample `d` and hands it over; false: the reader was asked to stop. */
  add(d: DraftTrace, locations: Map<string, SourceLocation>, byte: number, size: number): boolean {
    const run = this.built.length;
    const trace = buildTrace({ ...d, indexInFile: run }, this.provisional, inspectImporter.id, this.buildWarnings, locations);
    this.built.push({ trace, ownId: d.id, indexInFile: d.indexInFile });
    return this.onTrace?.({ trace, run, byte, size }) !== false;
  }

  /** The load's result, the file's sha256 known; `only`: the log's one trace, when it has no samples (not handed over). */
  finish(sha256: string, only?: DraftTrace, fileWarnings: Problem[] = []): LoadResult {
    const file = { path: this.path, sha256 } as SourceFile;
    if (only) this.built.push({ trace: buildTrace(only, file, inspectImporter.id, this.buildWarnings, new Map()), ownId: only.id, indexInFile: only.indexInFile });
    const { built } = this;
    built.forEach((b, i) => Object.assign(b.trace, traceIdentity({ id: b.ownId, indexInFile: built.length > 1 ? i : b.indexInFile }, file, inspectImporter.id)));
    return loadResultOf(this.path, inspectImporter, built.map((b) => b.trace), built.map((b) => b.ownId), [...fileWarnings, ...this.importWarnings, ...this.buildWarnings]);
  }

  /** Every trace, for a header key read after its samples (not what Inspect does). */
  get traces(): Trace[] {
    return this.built.map((b) => b.trace);
  }
}

const CANCELLED = (path: string): LoadResult => ({ file: path, format: inspectImporter.id, traces: [], warnings: [] });

/**
 * `loadInspectJsonStream`, handing over each sample's trace as soon as the sample is read
 * (`onTrace`): the trace editor shows a log's first samples while the rest is read. Each trace is
 * built from its sample alone, and the traces' keys, ids and sources are settled at the end.
 */
export function readInspectSamples(path: string, opts: InspectSamplesOptions = {}): LoadResult | undefined {
  let cancelled = false;
  const result = cleanLoad(() => {
    const runs = new SampleRuns(path, opts.onTrace);
    const header: Record<string, unknown> = {};
    // Locations of the events and messages of the samples not yet turned into traces.
    let inner = new Map<string, SourceLocation>();
    const waiting: { raw: unknown; index: number }[] = [];
    let samples = 0;
    let byte = 0;
    let size = 0;
    const convert = (raw: unknown, index: number): boolean => {
      const d = sampleTrace(raw, header, index, ['samples', index], path, runs.ctx);
      const locations = new Map<string, SourceLocation>();
      for (const s of d.steps) {
        const key = s.sourcePath ? pathKey(s.sourcePath) : undefined;
        const at = key === undefined ? undefined : inner.get(key);
        if (at) locations.set(key!, at);
      }
      return runs.add(d, locations, byte, size);
    };
    const flush = (): boolean => {
      let go = true;
      for (const w of waiting) go = go && convert(w.raw, w.index);
      waiting.length = 0;
      inner = new Map();
      return go;
    };

    const it = readJsonDocument(path, { select: SELECT, chunkSize: opts.chunkSize });
    let r = it.next();
    for (; !r.done; r = it.next()) {
      ({ byte, size } = r.value);
      let go = true;
      for (const item of r.value.items) {
        if (item.select < SAMPLE) {
          header[HEADER_KEYS[item.select]] = item.value;
          if (item.select === HEADER_KEYS.indexOf('eval')) go = flush() && go;
        } else if (typeof item.path[1] !== 'number') {
          // `samples` is not a list: the whole import reads no samples from it either.
        } else if (item.select === SAMPLE) {
          samples++;
          waiting.push({ raw: item.value, index: item.path[1] });
          if ('eval' in header) go = flush() && go;
        } else if (item.location) {
          inner.set(pathKey(item.path), item.location);
        }
      }
      if (!go || opts.onProgress?.(r.value.byte, r.value.size) === false) {
        it.return(undefined as never);
        cancelled = true;
        return CANCELLED(path);
      }
    }
    byte = size = r.value.size;
    if (!flush()) {
      cancelled = true;
      return CANCELLED(path);
    }
    if (!isEvalLog(samples ? { ...header, samples: [] } : header)) throw new UserInputError({ file: path, path: '$', message: NOT_AN_EVAL_LOG });
    // A header key written after a sample (not what Inspect does): every trace gets the final header.
    if (samples > 0) for (const t of runs.traces) Object.assign(t.metadata, evalInfo(header).meta);
    return runs.finish(r.value.sha256, samples === 0 ? headerOnly(header, path) : undefined);
  });
  return cancelled ? undefined : result;
}

/** Whether `path` is an Inspect AI `.eval` log (a zip archive of its header and samples), by its bytes. */
export function isEvalArchive(file: SourceFile): boolean {
  return file.isZip && inspectImporter.sniff(file) > 0;
}

/**
 * An Inspect AI `.eval` log (a zip archive), each sample's trace handed over (`onTrace`) as soon
 * as its entry is inflated and drafted; gives what the whole import gives (`loadTraceFromBytes`).
 * The archive is read whole (it is compressed: a tenth of its samples' JSON), its samples one at a
 * time.
 */
export function readEvalSamples(file: SourceFile, opts: Pick<InspectSamplesOptions, 'onTrace'> & { maxUnzippedBytes?: number } = {}): LoadResult | undefined {
  const path = file.path;
  let cancelled = false;
  const result = cleanLoad(() => {
    const runs = new SampleRuns(path, opts.onTrace, opts.maxUnzippedBytes);
    const archive = evalArchive(file, runs.ctx);
    const size = file.bytes.length;
    for (let i = 0; i < archive.samples.length; i++) {
      const entry = archive.samples[i];
      if (!runs.add(archive.sample(i), new Map(), Math.min(size, entry.offset + entry.compressedSize), size)) {
        cancelled = true;
        return CANCELLED(path);
      }
    }
    return runs.finish(file.sha256, archive.samples.length === 0 ? archive.headerOnly() : undefined, file.warnings.map((w) => ({ ...w })));
  });
  return cancelled ? undefined : result;
}
