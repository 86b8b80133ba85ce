/**
 * Strings kept once: the same text, asked for again, is the same string, not a copy (JSON.parse
 * and templates make a new one each time: 13 MB of one model name at 10^6 held steps). Bounded:
 * text that never repeats (every key different) stops being kept at `capacity`.
 */
export class StringTable {
  private readonly kept = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  /** The string kept for `key`: `make(key)` (by default `key` itself) the first time. */
  get(key: string, make?: (key: string) => string): string {
    const kept = this.kept.get(key);
    if (kept !== undefined) return kept;
    const made = make ? make(key) : key;
    if (this.kept.size < this.capacity) this.kept.set(key, made);
    return made;
  }
}
