/**
 * A file's sha256, hashed on a thread of its own from the bytes the reader hands over.
 *
 * The document worker reads a large file once and hashes it in the same pass (`FileHasher`): at
 * 10^6 agent-trace/v1 steps (1.4 GB) the hash was 0.95 s of the worker's 17 s read, on the thread
 * that also parses, builds and detects, while the machine's other core had room. Here the reader
 * copies each chunk into a ring of shared slots (about a tenth of the hash's cost) and a hashing
 * thread takes them in order. `digest()` waits for the thread to hash what it was given.
 *
 * Shared memory, not messages: the reader's load is synchronous, so it never receives a message
 * while it reads; and the hashing thread starts and runs while the reader's thread is busy.
 *
 * Should the thread stop answering (it crashed, or was never started), the bytes given so far are
 * hashed again from the file on the reader's thread and hashing goes on there: the answer is the
 * same as long as the file holds the bytes read, which a streamed read assumes anyway.
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { hashFileRange } from '../../util/file-range';
import { FileHasher } from './jsonl-lines';

/**
 * A streamed file at least this large is hashed on a thread of its own: its hash takes about 45 ms
 * on the reader's thread, against a thread's start (about 50 ms, on the other core) and its 8 MB.
 */
export const HASH_ON_A_THREAD_FROM_BYTES = 64 * 1024 * 1024;

/** The hasher for a read of the file at `path`: on a thread of its own from `threadFrom` bytes. */
export function fileHasherFor(path: string, threadFrom = HASH_ON_A_THREAD_FROM_BYTES): FileHasher {
  return statSync(path).size >= threadFrom ? new ThreadFileHasher(path) : new FileHasher(path);
}

/** Bytes per slot: the document worker's chunks are 1 MB. */
const SLOT_BYTES = 1 << 20;
/** Slots in the ring: the reader runs this far ahead of the hashing thread before it waits. */
const SLOTS = 8;
/** No progress by the hashing thread for this long: it is taken as gone (see the fallback above). */
const STALLED_AFTER_MS = 15_000;

/** Indexes of the control words. */
const SEQ = 0; // bumped at every write, digest request and close: what the hashing thread waits on
const WRITTEN = 1; // slots written
const HASHED = 2; // slots hashed
const REQUESTED = 3; // digests asked for
const DIGESTED = 4; // digests written (equal to REQUESTED once the last asked for is ready)
const CLOSED = 5;
const CONTROL_WORDS = 8;

const LENGTHS_AT = CONTROL_WORDS * 4;
const DIGEST_AT = LENGTHS_AT + SLOTS * 4;
const DATA_AT = DIGEST_AT + 64;

/**
 * The hashing thread. It reads the digest requests before the slots written, so a digest covers
 * every slot written before it was asked for (the reader writes its slots before asking).
 */
const HASHING_THREAD = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { sab, slots, slotBytes, lengthsAt, digestAt, dataAt } = workerData;
const control = new Int32Array(sab, 0, ${CONTROL_WORDS});
const lengths = new Int32Array(sab, lengthsAt, slots);
const digest = new Uint8Array(sab, digestAt, 32);
const data = new Uint8Array(sab, dataAt, slots * slotBytes);
const hash = createHash('sha256');
let seq = Atomics.load(control, ${SEQ});
for (;;) {
  const requested = Atomics.load(control, ${REQUESTED});
  const written = Atomics.load(control, ${WRITTEN});
  for (let hashed = Atomics.load(control, ${HASHED}); hashed < written; hashed++) {
    const at = (hashed % slots) * slotBytes;
    hash.update(data.subarray(at, at + lengths[hashed % slots]));
    Atomics.store(control, ${HASHED}, hashed + 1);
    Atomics.notify(control, ${HASHED});
  }
  if (requested !== Atomics.load(control, ${DIGESTED})) {
    digest.set(hash.copy().digest());
    Atomics.store(control, ${DIGESTED}, requested);
    Atomics.notify(control, ${DIGESTED});
  }
  if (Atomics.load(control, ${CLOSED}) !== 0) break;
  Atomics.wait(control, ${SEQ}, seq);
  seq = Atomics.load(control, ${SEQ});
}
`;

export interface ThreadHasherOptions {
  /** No progress for this long: the thread is taken as gone (default STALLED_AFTER_MS; tests shorten it). */
  stalledAfterMs?: number;
  /** Start no thread (tests: a thread that never answers). */
  noThread?: boolean;
}

/** A `FileHasher` whose hashing runs on a thread of its own; `dispose()` ends the thread. */
export class ThreadFileHasher extends FileHasher {
  private readonly control: Int32Array;
  private readonly lengths: Int32Array;
  private readonly digestBytes: Uint8Array;
  private readonly data: Uint8Array;
  private thread: Worker | undefined;
  /** False once the hashing thread stopped answering: then FileHasher's own hash goes on, on this thread. */
  private threaded = true;
  private readonly stalledAfterMs: number;

  constructor(path: string, options: ThreadHasherOptions = {}) {
    super(path);
    this.stalledAfterMs = options.stalledAfterMs ?? STALLED_AFTER_MS;
    const sab = new SharedArrayBuffer(DATA_AT + SLOTS * SLOT_BYTES);
    this.control = new Int32Array(sab, 0, CONTROL_WORDS);
    this.lengths = new Int32Array(sab, LENGTHS_AT, SLOTS);
    this.digestBytes = new Uint8Array(sab, DIGEST_AT, 32);
    this.data = new Uint8Array(sab, DATA_AT, SLOTS * SLOT_BYTES);
    if (options.noThread) return;
    try {
      this.thread = new Worker(HASHING_THREAD, {
        eval: true,
        // Plain JavaScript: none of the parent's preloads (a test's tsx), and a small heap.
        execArgv: [],
        workerData: { sab, slots: SLOTS, slotBytes: SLOT_BYTES, lengthsAt: LENGTHS_AT, digestAt: DIGEST_AT, dataAt: DATA_AT },
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      });
      this.thread.unref();
      // A thread that fails is noticed by its silence (see wait); the error must not go unhandled.
      this.thread.on('error', () => undefined);
    } catch {
      this.threaded = false;
    }
  }

  /** Whether the hashing thread still does the hashing (tests). */
  get onThread(): boolean {
    return this.threaded;
  }

  /** The bytes after the first `hashedTo` of the file (FileHasher updates `hashedTo` after this). */
  protected override update(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; at += SLOT_BYTES) {
      const piece = bytes.subarray(at, Math.min(bytes.length, at + SLOT_BYTES));
      if (this.threaded && !this.waitFor(HASHED, Atomics.load(this.control, WRITTEN) - SLOTS + 1)) this.hashHereFromNowOn(this.hashedTo + at);
      if (!this.threaded) {
        super.update(piece);
        continue;
      }
      const written = Atomics.load(this.control, WRITTEN);
      const slot = written % SLOTS;
      this.data.set(piece, slot * SLOT_BYTES);
      this.lengths[slot] = piece.length;
      Atomics.store(this.control, WRITTEN, written + 1);
      this.wake();
    }
  }

  override digest(): string {
    if (this.threaded) {
      const requested = Atomics.add(this.control, REQUESTED, 1) + 1;
      this.wake();
      if (this.waitFor(DIGESTED, requested)) return Buffer.from(this.digestBytes).toString('hex');
      this.hashHereFromNowOn(this.hashedTo);
    }
    return super.digest();
  }

  override dispose(): void {
    Atomics.store(this.control, CLOSED, 1);
    this.wake();
    void this.thread?.terminate();
    this.thread = undefined;
  }

  private wake(): void {
    Atomics.add(this.control, SEQ, 1);
    Atomics.notify(this.control, SEQ);
  }

  /** Wait until control word `word` is at least `value`; false when the thread made no progress for `stalledAfterMs`. */
  private waitFor(word: number, value: number): boolean {
    for (;;) {
      const now = Atomics.load(this.control, word);
      if (now >= value) return true;
      if (Atomics.wait(this.control, word, now, this.stalledAfterMs) === 'timed-out' && Atomics.load(this.control, word) === now) return false;
    }
  }

  /**
   * The hashing thread stopped answering: FileHasher's own hash (nothing in it yet) takes the
   * file's first `given` bytes, the ones given to the thread, from the file, and goes on here.
   */
  private hashHereFromNowOn(given: number): void {
    this.dispose();
    this.threaded = false;
    hashFileRange(this.hash, this.path, 0, given);
  }
}
