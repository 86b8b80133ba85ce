/** Positioned reads of a file, without reading the whole of it (sync: the trace worker and the CLI use them). */
import type { Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Bytes [start, end) of the file (fewer when the file is shorter). Throws when it cannot be opened.
 * Into `scratch` when it is large enough: a caller reading many ranges, each used before the next,
 * then allocates nothing (fresh large buffers drive the collector on a large heap).
 */
export function readFileRange(path: string, start: number, end: number, scratch?: Buffer): Buffer {
  const size = Math.max(0, end - start);
  // Not zeroed: every byte is read into, and a short read returns only what was read.
  const out = scratch && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafeSlow(size);
  if (out.length === 0) return out;
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < out.length) {
      const n = readSync(fd, out, done, out.length - done, start + done);
      if (n === 0) return out.subarray(0, done);
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * The first `bytes` of the file as text (a UTF-8 BOM dropped), to tell its format by how it starts;
 * undefined when it cannot be read (the caller's whole read then says why).
 */
export function readFileHeadText(path: string, bytes: number): string | undefined {
  try {
    return readFileRange(path, 0, bytes).toString('utf8').replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

/** Feeds bytes [start, end) of the file (up to its end) to `hash`, a megabyte at a time: a file larger than one string too. */
export function hashFileRange(hash: Hash, path: string, start = 0, end = Number.POSITIVE_INFINITY): Hash {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (let at = start, n; at < end && (n = readSync(fd, buf, 0, Math.min(buf.length, end - at), at)) > 0; at += n) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash;
}
