type NumberArray = Int32Array | Float64Array;

/** A typed array that grows by doubling: per-step numbers for 10^6 steps without 10^6 boxed values. */
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

/** Positions, counts, parents. */
export class GrowableInt32 extends Growable<Int32Array> {
  constructor() {
    super((n) => new Int32Array(n));
  }
}

/** Byte offsets (beyond 2^31). */
export class GrowableFloat64 extends Growable<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}
