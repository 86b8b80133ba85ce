/**
 * A trace file loaded whole whose import goes on as lines are appended to it (a live Claude Code
 * session, a Codex CLI rollout): such a session is written a line per event, and importing a
 * 19 MB one again took 0.7-1 s a line.
 *
 * The first load keeps its importer's follower (Importer.follow) and what it read (LoadResult's
 * `followed`). Each later read takes only the whole lines appended since: they are decoded and
 * parsed alone, numbered and placed as in the whole file, and handed to the follower. The traces
 * are then built from all the drafts (ids, parents and decision order are the whole file's), and
 * each run says how many leading steps are as the last read gave them: same draft at the same
 * place, with the same id, parent and depth, not changed by the new lines. The result equals a
 * whole load of the longer file: steps, locations, headers, warnings and sha256.
 *
 * Anything it cannot follow (a follower that refuses, a change of encoding, a new run) makes
 * `readOn` answer undefined: the caller loads the file again whole.
 */
import type { Hash } from 'node:crypto';
import type { Importer, LineFollower } from '../../formats/importer';
import { isPlainUtf8Lines, SourceFile, type JsonlRecord } from '../../json/source-file';
import { locatePaths, pathKey, type JsonPath } from '../../json/locate';
import { buildLoadResult, type FollowedStart } from '../../load';
import type { StepsBuiltBefore } from '../../model/build';
import type { GrowingOrder } from '../../model/growing-order';
import type { SourceLocation, Step, Trace } from '../../model/schema';
import { cleanProblem, type Problem } from '../../util/problems';

/** A read of the lines appended since the last one. */
export interface FollowedRead {
  format: string;
  traces: Trace[];
  warnings: Problem[];
  /** Per run, how many leading steps are as the last read gave them. */
  kept: number[];
  sha256: string;
  /** Runs whose decision order was made whole, not grown (growing-order.ts). */
  orderedWhole: number;
}

export class FollowedLines {
  private readonly importer: Importer;
  private readonly follower: LineFollower;
  private readonly hash: Hash;
  /** The import's warnings so far: the file's and its lines', in the whole import's order (the follower's own follow). */
  private readonly importWarnings: Problem[];
  private readonly locations: Map<string, SourceLocation>;
  /** Bytes, characters (offsets in the decoded text) and lines read: the next line's place. */
  private bytes: number;
  private chars: number;
  private lines: number;
  /** The last read's steps and draft counts, per run. */
  private steps: Step[][];
  private counts: number[];
  /** Per run, its decision order as it grows, where it can (growing-order.ts). */
  private orders: (GrowingOrder | undefined)[] = [];

  /** `hashed`: a sha256 of the bytes the load read, to go on from. */
  constructor(private readonly path: string, start: FollowedStart, hashed: Hash, traces: readonly Trace[]) {
    this.importer = start.importer;
    this.follower = start.follower;
    this.importWarnings = start.importWarnings;
    this.locations = start.locations;
    this.bytes = start.bytes;
    this.chars = start.chars;
    this.lines = start.lines;
    this.steps = traces.map((t) => t.steps);
    this.counts = start.draftCounts;
    this.hash = hashed;
  }

  /** How far the file was read: the next read takes the whole lines after it. */
  get bytesRead(): number {
    return this.bytes;
  }

  /**
   * Go on with `appended`, the whole lines (ending in a line break) written after `bytesRead`:
   * the traces as the whole load of the file up to them gives them, 'unchanged' when no byte
   * came, undefined when they cannot be followed (then this object is not to be used again).
   */
  readOn(appended: Uint8Array): FollowedRead | 'unchanged' | undefined {
    if (appended.length === 0) return 'unchanged';
    if (!isPlainUtf8Lines(appended)) return undefined;
    const chunk = new SourceFile(this.path, appended);
    const text = chunk.text;
    if (chunk.warnings.length > 0) return undefined;
    const { records, problems } = chunk.jsonl;
    const firstLine = this.lines;
    const numbered: JsonlRecord[] = records.map((r) => ({ line: r.line + firstLine, value: r.value }));
    if (!this.follower.add(numbered)) return undefined;
    const drafts = this.follower.drafts();
    if (drafts.length !== this.counts.length || drafts.some((d) => d.jsonlPaths !== true)) return undefined;
    const changed = this.follower.takeChanged();
    const moves = this.follower.takeMoves?.() ?? [];
    if (!this.locateNewSteps(chunk, drafts.map((d) => d.steps), changed)) return undefined;
    this.hash.update(appended);
    this.bytes += appended.length;
    this.chars += text.length;
    this.lines += chunk.lines.lineCount - 1;
    for (const p of problems) this.importWarnings.push({ ...p, ...(p.line !== undefined ? { line: p.line + firstLine } : {}) });

    const sha256 = this.hash.copy().digest('hex');
    const warnings = [...this.importWarnings, ...(this.follower.ownWarnings?.() ?? [])];
    // The steps of the last read that the new lines left as they were are taken as they are.
    const before: StepsBuiltBefore[] = this.steps.map((steps, run) => ({ steps, changed: new Set(changed[run] ?? []), order: this.orders[run], moved: moves[run] }));
    const { traces } = buildLoadResult({ path: this.path, sha256 }, this.importer, drafts, warnings, this.locations, before);
    const kept = before.map((b) => b.kept ?? 0);
    // A build that could not grow a run's order made it whole, and set a new one (or none).
    const orderedWhole = before.filter((b, run) => b.order === undefined || b.order !== this.orders[run]).length;
    this.orders = before.map((b) => b.order);
    this.steps = traces.map((t) => t.steps);
    this.counts = drafts.map((d) => d.steps.length);
    return { format: this.importer.id, traces, warnings: warnings.map(cleanProblem), kept, sha256, orderedWhole };
  }

  /**
   * The locations of the steps the new lines added or changed (a call's step moves to its output's
   * line), found in those lines and placed in the whole file (lines and character offsets after
   * those read). False for a step that names a place found nowhere yet (the whole load would have
   * found it in an earlier line).
   */
  private locateNewSteps(chunk: SourceFile, drafts: readonly { sourcePath?: JsonPath }[][], changed: readonly number[][]): boolean {
    const wanted: JsonPath[] = [];
    const locate = (path: JsonPath | undefined): boolean => {
      if (!path) return true;
      if (typeof path[0] === 'number' && path[0] >= this.lines) wanted.push(path);
      else if (!this.locations.has(pathKey(path))) return false;
      return true;
    };
    for (let run = 0; run < drafts.length; run++) {
      for (let i = this.counts[run]; i < drafts[run].length; i++) if (!locate(drafts[run][i].sourcePath)) return false;
      for (const i of changed[run] ?? []) if (i < this.counts[run] && !locate(drafts[run][i].sourcePath)) return false;
    }
    const inChunk = wanted.map((p) => [(p[0] as number) - this.lines, ...p.slice(1)]);
    const found = locatePaths(chunk, inChunk, true);
    wanted.forEach((path, k) => {
      const at = found.get(pathKey(inChunk[k]));
      if (at) this.locations.set(pathKey(path), { ...at, line: at.line + this.lines, endLine: at.endLine + this.lines, ...(at.offset !== undefined ? { offset: at.offset + this.chars } : {}) });
    });
    return true;
  }
}
