/**
 * Temp files written beside their target (`.<name>.<pid>.<8 hex>.tmp`), and the clean-up of the
 * ones a crash left behind. A temp is a leftover when the process named in it is gone, or when
 * it is this process's own and no write of this process is using it (writes register their temps
 * while they run). Temps of live processes are never touched: they may be mid-write.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { realFileOps, type FileOps } from './file-ops';
import { isProcessAlive } from './process-alive';

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * A folder holding this file has a commit in progress (or interrupted): its temps belong to the
 * commit and only the commit's own recovery may remove them (see training-set/commit.ts).
 */
export const COMMIT_JOURNAL = '.commit.json';

const inUse = new Set<string>();

/** A fresh temp path beside `target`, registered as in use until `releaseTemp`. */
export function claimTempPath(target: string, pid = process.pid): string {
  const path = join(dirname(target), `.${basename(target)}.${pid}.${randomBytes(4).toString('hex')}.tmp`);
  inUse.add(path);
  return path;
}

export function releaseTemp(path: string): void {
  inUse.delete(path);
}

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** Whether `name` in `dir` is a temp no running write can still be using. */
export function isLeftoverTemp(dir: string, name: string, isAlive: (pid: number) => boolean = isProcessAlive): boolean {
  const m = TEMP_NAME.exec(name);
  if (!m) return false;
  const pid = Number(m[1]);
  if (pid === process.pid) return !inUse.has(join(dir, name));
  return !isAlive(pid);
}

export interface CleanOptions {
  ops?: FileOps;
  isAlive?: (pid: number) => boolean;
  /** Names never removed (a journal's staged files). */
  keep?: ReadonlySet<string>;
}

/**
 * Remove the leftover temps in `dir` (files, or the small folders a lock stages), best effort:
 * a temp that cannot be removed is left for the next run. Returns the names removed.
 */
export function removeLeftoverTemps(dir: string, options: CleanOptions = {}): string[] {
  const ops = options.ops ?? realFileOps;
  const removed: string[] = [];
  let names: string[];
  try { names = ops.readdir(dir); } catch { return removed; }
  for (const name of names) {
    if (options.keep?.has(name) || !isLeftoverTemp(dir, name, options.isAlive)) continue;
    const path = join(dir, name);
    try {
      if (ops.stat(path).isDirectory) {
        for (const inner of ops.readdir(path)) ops.unlink(join(path, inner));
        ops.rmdir(path);
      } else {
        ops.unlink(path);
      }
      removed.push(name);
    } catch { /* gone already, or not ours to remove: the next run tries again */ }
  }
  return removed;
}
