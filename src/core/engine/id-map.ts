import { ChunkedInt32, ChunkedList } from './growable';

/**
 * A map from step id to a number (a position, a count) that never holds its thread for long while
 * it grows.
 *
 * A JavaScript Map grows by copying itself into one twice as large, all at once: at 2^19 ids that
 * copy held the extension host's thread for 40-160 ms in the middle of reading a large trace, and
 * splitting it in 64 Maps did not help enough (ids hash evenly, so the parts grew in the same few
 * turns, 20-35 ms). Here the entries live in flat arrays, in the order they were added, and the
 * hash table only holds entry numbers (open addressing, linear probing). When the table fills, a
 * table twice as large takes over and the earlier entries move into it a few per `set`, so no
 * single call does more than a bounded amount of work. Each entry keeps its id's hash, so moving
 * one costs no rehash of its string. The entries are kept in chunks, never copied as they grow (a
 * JavaScript array of 10^6 strings took 35 ms to grow once). 10^6 ids are set in 0.3-0.5 s here,
 * against 1.05-1.25 s in the 64 Maps.
 */

/** Table slots start this many (a power of two). */
const FIRST_CAPACITY = 64;
/** Earlier entries moved into the larger table per `set` while it takes over (see `set`). */
const MOVES_PER_SET = 4;
/**
 * A slot holds its entry's number plus one, so that a new table is empty as allocated: filling 8 MB
 * with -1 took 26 ms at 10^6 ids, and untouched pages cost nothing until used.
 */
const EMPTY = 0;
const NOT_FOUND = -1;
/** Int32 slots per 4 KB page of memory. */
const SLOTS_PER_PAGE = 1024;
/**
 * The next table is made when the table is 3/8 full, and a page of it touched every this many
 * sets (see `set`): its pages are all in memory by the time it takes over at 1/2 full.
 */
const SETS_PER_PAGE_TOUCHED = 32;

/** FNV-1a over the id's UTF-16 code units. */
function hashOf(id: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h;
}

export class IdMap {
  /** Entry e: its id (undefined once deleted), its id's hash and its value. */
  private keys = new ChunkedList<string | undefined>();
  private hashes = new ChunkedInt32();
  private values = new ChunkedInt32();
  private entries = 0;
  private live = 0;
  /** Slots holding entry numbers plus one (EMPTY: free); every entry added since `previous` was replaced is here. */
  private table = new Int32Array(FIRST_CAPACITY);
  /** The smaller table being replaced: it still has entries `moved` to `previousEnd`. */
  private previous: Int32Array | undefined;
  private moved = 0;
  private previousEnd = 0;
  /**
   * The table that takes over next, made ahead and brought into memory a page at a time: a fresh
   * 8 MB table's pages, first written by the moves, cost 15-20 ms of page faults in one slice of a
   * large read on the test machine (about 10 us a page), where one page per 32 sets costs nothing.
   */
  private next: Int32Array<ArrayBuffer> | undefined;
  private pagesTouched = 0;

  get size(): number {
    return this.live;
  }

  /** Entries deleted and still held (their slots are dropped only when the table moves; their columns never). */
  get deleted(): number {
    return this.entries - this.live;
  }

  has(id: string): boolean {
    return this.find(id, hashOf(id)) !== NOT_FOUND;
  }

  get(id: string): number | undefined {
    const e = this.find(id, hashOf(id));
    return e === NOT_FOUND ? undefined : this.values.get(e);
  }

  /** Sets the id's position; true when the id was new. */
  set(id: string, position: number): boolean {
    const h = hashOf(id);
    const known = this.find(id, h);
    if (known !== NOT_FOUND) {
      this.values.set(known, position);
      return false;
    }
    this.add(id, h, position);
    return true;
  }

  /**
   * The id's value when it has one (left as it is); otherwise sets it to `value` and gives
   * undefined. One hash and one probe, where `get` then `set` made two of each: the streamed read
   * of 10^6 steps does this twice a step.
   */
  addIfAbsent(id: string, value: number): number | undefined {
    const h = hashOf(id);
    const known = this.find(id, h);
    if (known !== NOT_FOUND) return this.values.get(known);
    this.add(id, h, value);
    return undefined;
  }

  private add(id: string, h: number, position: number): void {
    const e = this.addEntry(id, h, position);
    place(this.table, h, e);
    if (this.previous) this.moveSome();
    // Half full: a table twice as large takes over (the earlier entries move in over later sets).
    else if (2 * this.entries > this.table.length) this.replaceTable();
    else this.prepareNext();
  }

  delete(id: string): void {
    const e = this.find(id, hashOf(id));
    if (e === NOT_FOUND) return;
    // The slot stays taken (a probe for a later id goes past it); moving to a larger table drops it.
    this.keys.set(e, undefined);
    this.live--;
  }

  clear(): void {
    this.keys = new ChunkedList();
    this.hashes.clear();
    this.values.clear();
    this.entries = 0;
    this.live = 0;
    this.table = new Int32Array(FIRST_CAPACITY);
    this.previous = undefined;
    this.moved = this.previousEnd = 0;
    this.next = undefined;
  }

  /**
   * A map of its own with the same entries: its arrays copied (typed arrays and chunks of keys), where
   * copying a Map copies and hashes entry by entry (a Map of 500,000 ids: 215-300 ms; this, a tenth).
   * A table still taking over from the smaller one is copied as it stands; the smaller one, only
   * read from now on, is shared.
   */
  copy(): IdMap {
    const c = new IdMap();
    c.keys = this.keys.copy();
    c.hashes = this.hashes.copy();
    c.values = this.values.copy();
    c.entries = this.entries;
    c.live = this.live;
    c.table = this.table.slice();
    c.previous = this.previous;
    c.moved = this.moved;
    c.previousEnd = this.previousEnd;
    return c;
  }

  /** The entry holding `id` (hash `h`), or NOT_FOUND. */
  private find(id: string, h: number): number {
    const e = this.findIn(this.table, id, h);
    return e !== NOT_FOUND || !this.previous ? e : this.findIn(this.previous, id, h);
  }

  private findIn(table: Int32Array, id: string, h: number): number {
    const mask = table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const taken = table[slot];
      if (taken === EMPTY) return NOT_FOUND;
      const e = taken - 1;
      if (this.hashes.get(e) === h && this.keyOf(e) === id) return e;
    }
  }

  private keyOf(e: number): string | undefined {
    return this.keys.get(e);
  }

  private addEntry(id: string, h: number, position: number): number {
    const e = this.entries++;
    this.keys.push(id);
    this.hashes.push(h);
    this.values.push(position);
    this.live++;
    return e;
  }

  private replaceTable(): void {
    this.previous = this.table;
    this.previousEnd = this.entries;
    this.moved = 0;
    this.table = this.next?.length === 2 * this.table.length ? this.next : new Int32Array(2 * this.table.length);
    this.next = undefined;
    this.moveSome();
  }

  /** From 3/8 full: make the next table, and touch one of its pages every SETS_PER_PAGE_TOUCHED sets. */
  private prepareNext(): void {
    if (8 * this.entries <= 3 * this.table.length) return;
    if (!this.next) {
      this.next = new Int32Array(2 * this.table.length);
      this.pagesTouched = 0;
    }
    if (this.entries % SETS_PER_PAGE_TOUCHED !== 0) return;
    const slot = this.pagesTouched * SLOTS_PER_PAGE;
    // Writing the value it holds (EMPTY) brings the page into memory and changes nothing.
    if (slot < this.next.length) this.next[slot] = EMPTY;
    this.pagesTouched++;
  }

  /**
   * Moves the next few earlier entries into the larger table. The earlier table held at most half
   * its size, and the larger one fills to half again only after as many new entries: moving
   * MOVES_PER_SET per set finishes well before.
   */
  private moveSome(): void {
    const end = Math.min(this.previousEnd, this.moved + MOVES_PER_SET);
    for (let e = this.moved; e < end; e++) if (this.keyOf(e) !== undefined) place(this.table, this.hashes.get(e), e);
    this.moved = end;
    if (end === this.previousEnd) this.previous = undefined;
  }
}

function place(table: Int32Array, h: number, e: number): void {
  const mask = table.length - 1;
  let slot = h & mask;
  while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
  table[slot] = e + 1;
}
