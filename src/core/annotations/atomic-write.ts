/**
 * Atomic file replacement: write a temp file in the same folder, fsync it, rename it over the
 * target, fsync the folder. A crash leaves either the old file or the new one, never half of one,
 * and at worst a temp file, which the next write into the folder removes once its process is gone.
 */
import { dirname, join } from 'node:path';
import { realFileOps, type FileOps } from '../util/file-ops';
import { claimTempPath, COMMIT_JOURNAL, releaseTemp, removeLeftoverTemps } from '../util/temp-files';

export function writeFileAtomic(path: string, data: string | Uint8Array, ops: FileOps = realFileOps): void {
  const dir = dirname(path);
  const tmp = claimTempPath(path);
  try {
    ops.writeNewFile(tmp, data);
    ops.rename(tmp, path);
  } catch (e) {
    try { ops.unlink(tmp); } catch { /* never created, or already renamed */ }
    throw e;
  } finally {
    releaseTemp(tmp);
  }
  ops.syncDir(dir);
  // A folder with a commit journal holds a training set mid-commit: its temps are the commit's, and
  // only its recovery (under the set's lock) may remove them.
  if (!ops.exists(join(dir, COMMIT_JOURNAL))) removeLeftoverTemps(dir, { ops });
}
