/**
 * ThreadFileHasher (src/core/engine/stream/thread-hasher.ts): a file's sha256 hashed on a thread
 * of its own from the chunks the reader hands over, equal to the sha256 of the same bytes; and,
 * when the thread stops answering, the same answer hashed on the reader's thread.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileHasher } from '../../../src/core/engine/stream/jsonl-lines';
import { ThreadFileHasher } from '../../../src/core/engine/stream/thread-hasher';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Hands the file's bytes from `from` to the hasher in chunks of the given sizes, in turn, as readJsonlLines does. */
function feed(hasher: FileHasher, bytes: Buffer, from: number, sizes: number[]): void {
  for (let at = from, k = 0; at < bytes.length; k++) {
    const n = Math.min(sizes[k % sizes.length], bytes.length - at);
    hasher.onChunk(bytes.subarray(at, at + n), at);
    at += n;
  }
}

describe('ThreadFileHasher: a file\'s sha256 on a thread of its own', function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  // Larger than the ring (8 slots of 1 MB), so the reader waits for the thread to free slots.
  const bytes = randomBytes(11 * 1024 * 1024 + 12_345);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'thread-hasher-'));
    path = join(dir, 'trace.jsonl');
    writeFileSync(path, bytes);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the sha256 of the bytes handed over so far, whatever their chunks, at any point', () => {
    const hasher = new ThreadFileHasher(path);
    try {
      // Chunks smaller than a slot, larger than one, and of one byte; asked midway and at the end.
      const half = 5 * 1024 * 1024 + 7;
      feed(hasher, bytes.subarray(0, half), 0, [64 * 1024, 3 * 1024 * 1024 + 1, 1]);
      assert.equal(hasher.digest(), sha256(bytes.subarray(0, half)), 'midway');
      feed(hasher, bytes, half, [1024 * 1024, 999]);
      assert.equal(hasher.digest(), sha256(bytes), 'at the end');
      assert.equal(hasher.digest(), sha256(bytes), 'asked again');
      assert.equal(hasher.hashedTo, bytes.length);
      assert.equal(hasher.onThread, true, 'the thread did the hashing');
    } finally {
      hasher.dispose();
    }
  });

  it('reads from the file the bytes the reader skipped (a BOM), as FileHasher does', () => {
    const hasher = new ThreadFileHasher(path);
    try {
      feed(hasher, bytes, 3, [2 * 1024 * 1024]);
      assert.equal(hasher.digest(), sha256(bytes));
    } finally {
      hasher.dispose();
    }
  });

  it('hashes on the reader\'s thread, with the same answer, when the hashing thread does not answer', () => {
    const hasher = new ThreadFileHasher(path, { noThread: true, stalledAfterMs: 20 });
    // More than the ring holds: the reader waits for a slot, gives up on the thread, and goes on itself.
    feed(hasher, bytes, 0, [1024 * 1024]);
    assert.equal(hasher.onThread, false, 'the hashing moved to the reader\'s thread');
    assert.equal(hasher.digest(), sha256(bytes));
  });

  it('gives the right answer when the thread stops answering at the digest', () => {
    const hasher = new ThreadFileHasher(path, { noThread: true, stalledAfterMs: 20 });
    const some = 3 * 1024 * 1024;
    feed(hasher, bytes.subarray(0, some), 0, [1024 * 1024]);
    assert.equal(hasher.onThread, true, 'the ring still had room');
    assert.equal(hasher.digest(), sha256(bytes.subarray(0, some)));
    assert.equal(hasher.onThread, false);
    feed(hasher, bytes, some, [1024 * 1024]);
    assert.equal(hasher.digest(), sha256(bytes));
  });
});
