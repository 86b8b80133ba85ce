/**
 * The file-system operations that write training sets, sidecars and locks, behind one small
 * interface. Production uses `realFileOps`; tests substitute a facade that crashes after the
 * N-th mutating operation (to prove a commit survives a kill at every point) or that pauses
 * before each one (to interleave lockers step by step).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';

export interface FileStat {
  mtimeMs: number;
  isDirectory: boolean;
}

export interface FileOps {
  readFile(path: string): string;
  readdir(path: string): string[];
  stat(path: string): FileStat;
  exists(path: string): boolean;
  /** Create a file that must not exist yet, write all of `data`, make it durable, close it. */
  writeNewFile(path: string, data: string | Uint8Array): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Create one folder (EEXIST if it exists), or with `recursive` the whole path. */
  mkdir(path: string, options?: { recursive?: boolean }): void;
  /** Remove an empty folder (ENOTEMPTY otherwise). */
  rmdir(path: string): void;
  /** Make the renames and creations in a folder durable; best effort where folders cannot be synced. */
  syncDir(path: string): void;
}

/**
 * Tests write thousands of small files; fsync makes that take minutes on a busy CI machine and
 * proves nothing a unit test checks. `AGENT_TRACE_NO_FSYNC=1` turns it off; it is read here only,
 * and nothing but the test runner sets it.
 */
const SKIP_FSYNC = process.env.AGENT_TRACE_NO_FSYNC === '1';

function syncFd(fd: number): void {
  if (!SKIP_FSYNC) fsyncSync(fd);
}

export const realFileOps: FileOps = {
  readFile: (path) => readFileSync(path, 'utf8'),
  readdir: (path) => readdirSync(path),
  stat: (path) => {
    const s = statSync(path);
    return { mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
  },
  exists: (path) => existsSync(path),
  writeNewFile(path, data) {
    const fd = openSync(path, 'wx', 0o644);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      syncFd(fd);
    } finally {
      closeSync(fd);
    }
  },
  rename: (from, to) => renameSync(from, to),
  unlink: (path) => unlinkSync(path),
  mkdir: (path, options) => { mkdirSync(path, { recursive: options?.recursive ?? false }); },
  rmdir: (path) => rmdirSync(path),
  syncDir(path) {
    // Folders cannot be opened for fsync on Windows; the rename still happened.
    if (SKIP_FSYNC) return;
    try {
      const fd = openSync(path, 'r');
      try { fsyncSync(fd); } finally { closeSync(fd); }
    } catch { /* best effort */ }
  },
};

/** The error code of a failed file operation (`ENOENT`, `EEXIST`, …), if it has one. */
export function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
