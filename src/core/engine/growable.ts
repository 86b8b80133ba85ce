/** An Int32Array that grows by doubling: per-step numbers for 10^6 steps without 10^6 boxed values. */
export class GrowableInt32 {
  private data = new Int32Array(1024);
  private size = 0;

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
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = value;
  }

  clear(): void {
    this.size = 0;
  }

  /** Keep the first `length` values. */
  truncate(length: number): void {
    this.size = Math.min(this.size, Math.max(0, length));
  }
}
