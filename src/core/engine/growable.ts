type NumberArray = Int32Array | Float64Array;

/**
 * A typed array that grows by doubling: per-step numbers for 10^6 steps without 10^6 boxed values,
 * for readers that need a contiguous `view` (the held lines' byte ranges). Numbers read one at a
 * time grow in chunks instead (`Chunked` below), without the doubling's copies.
 */
class Growable<A extends NumberArray> {
  private data: A;
  private size = 0;

  constructor(private readonly make: (length: number) => A) {
    this.data = make(1024);
  }

  get length(): number {
    return this.size;
  }

  get(i: number): number {
    return this.data[i];
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = value;
  }

  clear(): void {
    this.size = 0;
  }

  /** A view of values [from, to) (clamped to those there are), valid until the next push or change. */
  view(from: number, to: number): A {
    const start = Math.max(0, from);
    return this.data.subarray(start, Math.max(start, Math.min(to, this.size))) as A;
  }

  /** Keep the first `length` values. */
  truncate(length: number): void {
    this.size = Math.min(this.size, Math.max(0, length));
  }
}

/** Byte offsets (beyond 2^31). */
export class GrowableFloat64 extends Growable<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}

/** Values per chunk of a Chunked array (a power of two). */
const CHUNK_BITS = 14;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/**
 * Per-step numbers that grow without ever being copied: in chunks of 16,384. A doubling typed
 * array copies all it holds when it grows, and the host's per-step arrays all grew at the same
 * step counts: at 5 x 10^5 steps their copies together held the extension host's thread for
 * 15-25 ms in one turn, and the timeline's two axes alone 30-120 ms. For values read one at a
 * time (no `view`).
 */
class Chunked<A extends NumberArray> {
  private chunks: A[] = [];
  private size = 0;

  constructor(private readonly make: (length: number) => A) {}

  get length(): number {
    return this.size;
  }

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS][i & CHUNK_MASK];
  }

  set(i: number, value: number): void {
    this.chunks[i >>> CHUNK_BITS][i & CHUNK_MASK] = value;
  }

  push(value: number): void {
    const i = this.size;
    this.resize(i + 1);
    this.chunks[i >>> CHUNK_BITS][i & CHUNK_MASK] = value;
  }

  /** Make it `length` long: values past the old length are 0 or what a truncation left there (set them). */
  resize(length: number): void {
    while (this.chunks.length * CHUNK_SIZE < length) this.chunks.push(this.make(CHUNK_SIZE));
    this.size = length;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  /** Keep the first `length` values (their chunks stay, to be written over). */
  truncate(length: number): void {
    this.size = Math.min(this.size, Math.max(0, length));
  }
}

/** Positions, counts, parents. */
export class ChunkedInt32 extends Chunked<Int32Array> {
  constructor() {
    super((n) => new Int32Array(n));
  }
}

/** Times. */
export class ChunkedFloat64 extends Chunked<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}
