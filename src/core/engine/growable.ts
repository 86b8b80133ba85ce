type NumberArray = Int32Array | Float64Array;

/** Values per chunk of a Chunked array (a power of two). */
const CHUNK_BITS = 14;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;
/** Values the first chunk has room for at first (it doubles up to CHUNK_SIZE). */
const FIRST_CHUNK_MIN = 64;

/**
 * Per-step numbers that grow without ever being copied: in chunks of 16,384. A doubling typed
 * array copies all it holds when it grows, and the host's per-step arrays all grew at the same
 * step counts: at 5 x 10^5 steps their copies together held the extension host's thread for
 * 15-25 ms in one turn, the timeline's two axes alone 30-120 ms, and the held lines' byte ranges
 * (two arrays of 2^19 doubles becoming 2^20) 27 ms: on this project's test machine a fresh
 * megabyte costs about 3 ms to touch, whatever is copied into it.
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
    if (length > this.capacity()) this.grow(length);
    this.size = length;
  }

  /** Values it has room for: whole chunks, but the first while it is the only one. */
  private capacity(): number {
    const n = this.chunks.length;
    return n === 0 ? 0 : (n - 1) * CHUNK_SIZE + this.chunks[n - 1].length;
  }

  /**
   * Room for `length` values. The first chunk starts small and doubles up to a whole chunk: a
   * file of 1,000 short runs has a few of these per run, and whole first chunks (64-128 KB each)
   * held about 900 MB of a 10^6-span file's 1.9 GB.
   */
  private grow(length: number): void {
    const first = this.chunks[0];
    if (first === undefined || first.length < CHUNK_SIZE) {
      let size = Math.max(FIRST_CHUNK_MIN, first?.length ?? 0);
      while (size < length && size < CHUNK_SIZE) size *= 2;
      const grown = this.make(size);
      if (first) grown.set(first as never);
      this.chunks[0] = grown;
    }
    while (this.chunks.length * CHUNK_SIZE < length) this.chunks.push(this.make(CHUNK_SIZE));
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  /**
   * Values [from, to) (clamped to those there are) as one typed array: a view of their chunk when
   * they lie in one (valid until the next change), else a copy.
   */
  view(from: number, to: number): A {
    const start = Math.max(0, from);
    const end = Math.max(start, Math.min(to, this.size));
    const chunk = start >>> CHUNK_BITS;
    if (end === start) return this.make(0);
    if ((end - 1) >>> CHUNK_BITS === chunk) return this.chunks[chunk].subarray(start & CHUNK_MASK, ((end - 1) & CHUNK_MASK) + 1) as A;
    const out = this.make(end - start);
    for (let i = start; i < end; i++) out[i - start] = this.get(i);
    return out;
  }

  /** Copy the values (and the room made) into `into`, an empty one of the same kind: a copy per chunk. */
  protected copyInto<C extends Chunked<A>>(into: C): C {
    into.chunks = this.chunks.map((chunk) => chunk.slice() as A);
    into.size = this.size;
    return into;
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

  copy(): ChunkedInt32 {
    return this.copyInto(new ChunkedInt32());
  }
}

/** Times, byte offsets (beyond 2^31). */
export class ChunkedFloat64 extends Chunked<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}

/** Values per chunk of a ChunkedList (a power of two). */
const LIST_CHUNK_BITS = 12;
const LIST_CHUNK_MASK = (1 << LIST_CHUNK_BITS) - 1;

/**
 * Values (strings, objects) that grow one push at a time to 10^6 without ever being copied: in
 * arrays of 4,096. A JavaScript array copies all it holds into a store 1.5 times larger when full,
 * and the fresh store's pages cost about 3 ms a megabyte to touch on the test machine (the
 * document worker's ids and names of the steps it sent: 0.2 s of a 10^6-step read).
 */
export class ChunkedList<T> {
  private chunks: T[][] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  get(i: number): T | undefined {
    return i >= 0 && i < this.size ? this.chunks[i >>> LIST_CHUNK_BITS][i & LIST_CHUNK_MASK] : undefined;
  }

  /** Write over the value at `i` (below `length`). */
  set(i: number, value: T): void {
    this.chunks[i >>> LIST_CHUNK_BITS][i & LIST_CHUNK_MASK] = value;
  }

  push(value: T): void {
    const i = this.size++;
    if ((i & LIST_CHUNK_MASK) === 0 && this.chunks.length === i >>> LIST_CHUNK_BITS) this.chunks.push([]);
    const chunk = this.chunks[i >>> LIST_CHUNK_BITS];
    // A chunk cut by `truncate` is written over from where it was cut.
    if (chunk.length !== (i & LIST_CHUNK_MASK)) chunk.length = i & LIST_CHUNK_MASK;
    chunk.push(value);
  }

  /** Values [from, to) as an array (`to` at most the length). */
  slice(from = 0, to = this.size): T[] {
    const out: T[] = [];
    const end = Math.min(to, this.size);
    for (let i = Math.max(0, from); i < end; i++) out.push(this.chunks[i >>> LIST_CHUNK_BITS][i & LIST_CHUNK_MASK]);
    return out;
  }

  /** Another list with the same values: a copy per chunk. */
  copy(): ChunkedList<T> {
    const c = new ChunkedList<T>();
    c.chunks = this.chunks.map((chunk) => chunk.slice());
    c.size = this.size;
    return c;
  }

  /** Keep the first `length` values. */
  truncate(length: number): void {
    if (length >= this.size) return;
    this.size = Math.max(0, length);
    this.chunks.length = Math.ceil(this.size / (1 << LIST_CHUNK_BITS));
  }
}
