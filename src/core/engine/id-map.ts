/**
 * A map from step id to position, in 64 smaller maps. A JavaScript Map grows by copying itself
 * into one twice as large, all at once: at 2^19 ids that copy held the extension host's thread for
 * 40-160 ms in the middle of reading a large trace. Split by the id's last characters, each part
 * grows in copies a 64th of that size. (Ids that all end alike fall into one part, which is no
 * worse than one map.)
 */
const PARTS = 64;

export class IdMap {
  private readonly parts: Map<string, number>[] = Array.from({ length: PARTS }, () => new Map<string, number>());
  private count = 0;

  private part(id: string): Map<string, number> {
    const n = id.length;
    const h = n === 0 ? 0 : (id.charCodeAt(n - 1) * 31 + (n > 1 ? id.charCodeAt(n - 2) : 0) * 7 + n) & (PARTS - 1);
    return this.parts[h];
  }

  get size(): number {
    return this.count;
  }

  get(id: string): number | undefined {
    return this.part(id).get(id);
  }

  /** Sets the id's position; true when the id was new. */
  set(id: string, position: number): boolean {
    const part = this.part(id);
    const before = part.size;
    part.set(id, position);
    if (part.size === before) return false;
    this.count++;
    return true;
  }

  delete(id: string): void {
    if (this.part(id).delete(id)) this.count--;
  }

  clear(): void {
    for (const p of this.parts) p.clear();
    this.count = 0;
  }
}
