/**
 * Atomic file replacement: write a temp file in the same folder, fsync it, rename it over the
 * target, fsync the folder. A crash leaves either the old file or the new one, never half of one.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Tests write thousands of small files; fsync makes that take minutes on a busy CI machine and
 * proves nothing a unit test checks. `AGENT_TRACE_NO_FSYNC=1` turns it off; it is read here only,
 * and nothing but the test runner sets it.
 */
const SKIP_FSYNC = process.env.AGENT_TRACE_NO_FSYNC === '1';

function syncFd(fd: number): void {
  if (!SKIP_FSYNC) fsyncSync(fd);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    syncFd(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  // Persist the rename itself. Folders cannot be opened for fsync on Windows; the rename still happened.
  try {
    const dfd = openSync(dir, 'r');
    try { syncFd(dfd); } finally { closeSync(dfd); }
  } catch { /* best effort */ }
}
