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
import type { DraftTrace } from '../../model/draft';
import type { SourceLocation } from '../../model/schema';
import { buildLoadResult, cleanLoad, type LoadResult } from '../../load';
import type { ImportContext } from '../../formats/importer';
import { evalInfo, headerOnly, inspectImporter, isEvalLog, NOT_AN_EVAL_LOG, sampleTrace } from '../../formats/chat/inspect';
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

/**
 * Import the Inspect eval log in `path` as a stream. Gives what `loadTraceFile` gives for the same
 * file (format `inspect-ai`); throws a UserInputError naming the file, line and column for
 * malformed JSON, and the whole import's refusal for a document that is not an eval log.
 */
export function loadInspectJsonStream(path: string, opts: InspectStreamOptions = {}): LoadResult | undefined {
  let cancelled = false;
  const result = cleanLoad(() => {
    const warnings: Problem[] = [];
    const ctx: ImportContext = { warn: (p) => warnings.push({ file: path, ...p }), readSibling: () => undefined };
    const header: Record<string, unknown> = {};
    const drafts: DraftTrace[] = [];
    const locations = new Map<string, SourceLocation>();
    // Locations of the events and messages of the samples not yet turned into traces.
    let inner = new Map<string, SourceLocation>();
    const waiting: { raw: unknown; index: number }[] = [];
    let samples = 0;
    const convert = (raw: unknown, index: number): void => {
      const d = sampleTrace(raw, header, index, ['samples', index], path, ctx);
      for (const s of d.steps) {
        const key = s.sourcePath ? pathKey(s.sourcePath) : undefined;
        const at = key === undefined ? undefined : inner.get(key);
        if (at) locations.set(key!, at);
      }
      drafts.push(d);
    };
    const flush = (): void => {
      for (const w of waiting) convert(w.raw, w.index);
      waiting.length = 0;
      inner = new Map();
    };

    const it = readJsonDocument(path, { select: SELECT, chunkSize: opts.chunkSize });
    let r = it.next();
    for (; !r.done; r = it.next()) {
      for (const item of r.value.items) {
        if (item.select < SAMPLE) {
          header[HEADER_KEYS[item.select]] = item.value;
          if (item.select === HEADER_KEYS.indexOf('eval')) flush();
        } else if (typeof item.path[1] !== 'number') {
          // `samples` is not a list: the whole import reads no samples from it either.
        } else if (item.select === SAMPLE) {
          samples++;
          waiting.push({ raw: item.value, index: item.path[1] });
          if ('eval' in header) flush();
        } else if (item.location) {
          inner.set(pathKey(item.path), item.location);
        }
      }
      if (opts.onProgress?.(r.value.byte, r.value.size) === false) {
        it.return(undefined as never);
        cancelled = true;
        return { file: path, format: inspectImporter.id, traces: [], warnings: [] };
      }
    }
    flush();
    if (!isEvalLog(samples ? { ...header, samples: [] } : header)) throw new UserInputError({ file: path, path: '$', message: NOT_AN_EVAL_LOG });
    if (samples === 0) drafts.push(headerOnly(header, path));
    // A header key written after a sample (not what Inspect does): every trace gets the final header.
    else for (const d of drafts) Object.assign(d.metadata!, evalInfo(header).meta);
    return buildLoadResult({ path, sha256: r.value.sha256 }, inspectImporter, drafts, warnings, locations);
  });
  return cancelled ? undefined : result;
}
