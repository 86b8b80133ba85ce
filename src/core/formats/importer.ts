/**
 * The importer contract. One module per format: a content sniffer and a parser that returns one
 * or more draft traces (a JSONL file can hold many runs). Detection is by content; the file name
 * is only a hint that breaks ties.
 */
import type { JsonlRecord, SourceFile } from '../json/source-file';
import type { DraftTrace } from '../model/draft';
import type { Problem } from '../util/problems';

export interface ImportContext {
  /** Add a located warning (bad JSONL line, unknown field...). The import still succeeds. */
  warn(problem: Omit<Problem, 'file'> & { file?: string }): void;
  /** Read a sibling file (label files next to a trace, e.g. TRAIL annotations). Undefined if absent. */
  readSibling(relativePath: string): Uint8Array | undefined;
  /** Names of the entries of a folder next to the trace (opencode's storage layout); undefined if absent or unreadable. */
  listSibling?(relativeDir: string): string[] | undefined;
  /** Cap on the bytes inflated from an archive (Inspect `.eval`); the zip reader's default when absent. */
  maxUnzippedBytes?: number;
}

export interface Importer {
  /** Stable id, used in `agent-trace inspect --json` as `format`. */
  id: string;
  /** Human name for menus and the README table. */
  label: string;
  /** Who writes files of this format. */
  producer: string;
  /**
   * How sure this importer is that the file is its format: 0 (no) to 1 (certain). Must be cheap:
   * look at `file.json` / `file.jsonl` keys, never at every record.
   */
  sniff(file: SourceFile): number;
  /** File names this format usually has (e.g. /\.traj$/). Only breaks ties between sniffers. */
  fileHint?: RegExp;
  /** Parse into drafts. Throw UserInputError for a file that is this format but broken. */
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[];
  /**
   * JSON lines written as a session goes (a Claude Code transcript, a Codex rollout): `parse`,
   * kept able to go on with lines appended to the file later, so a live file is not imported
   * again at each line.
   */
  follow?(file: SourceFile, ctx: ImportContext): LineFollower;
}

/** An import of JSON lines that goes on with the lines appended to its file (Importer.follow). */
export interface LineFollower {
  /** The drafts the whole import of the lines read so far gives (what `parse` would return). */
  drafts(): DraftTrace[];
  /**
   * Go on with the records of whole lines appended to the file, in file order, numbered in the
   * whole file. False when the whole import of the longer file would not simply go on from here
   * (the caller imports the file again; this follower is not used again).
   */
  add(records: readonly JsonlRecord[]): boolean;
  /**
   * Per draft trace, the steps that changed since the last call (their positions among the
   * trace's drafts): those already there that `add` changed, and those it added other than at
   * the end (steps added at the end may be named too).
   */
  takeChanged(): number[][];
  /**
   * Per draft trace, asked after `takeChanged`: where each draft of the last read is among the
   * drafts now (`moved[i]`: old position i's new one, increasing), when steps were added among
   * them and not only at the end (the others, added, are the positions no old one moved to).
   * Undefined for a trace whose drafts kept their places; an empty list when they moved and the
   * follower cannot say where (the run is then ordered whole).
   */
  takeMoves?(): (Int32Array | undefined)[];
  /**
   * The import's own warnings as the lines so far give them, besides its lines' problems (which
   * `follow` warns about, and the caller about later lines'): they follow those. A follower that
   * has some warns none of them through the context; `parse` does.
   */
  ownWarnings?(): Problem[];
}

/** Helper for sniffers: a plain object (not array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Stringify a value for display as message content. */
export function asText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  try { return JSON.stringify(v); } catch { return String(v); }
}

/** A string field, or undefined when absent or not a string. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The file name without folders, for default titles and messages. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
