/**
 * A byte search 16 bytes at a time (fold-find.wat, WebAssembly SIMD), ASCII letters case aside or
 * exactly: the search of held steps passes every byte of the file, and this passes them about
 * five times as fast as V8's case-insensitive regex over latin1 text, with no text made of them.
 *
 * The haystack must lie in the module's memory: `scratch()` is where the caller reads file bytes
 * to. Its size is fixed (the memory never grows, so a view never goes stale): bytes elsewhere are
 * searched by the caller's other way. One finder per thread, made on first use; where WebAssembly
 * or its SIMD is missing there is none, and callers search as before.
 */
import { FOLD_FIND_WASM_BASE64 } from './fold-find-wasm';

/** What is used of the WebAssembly global (its types come with the DOM library, which core/ does not load). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** The needles live in the memory's first page (see fold-find.wat for its layout). */
const NEEDLE_AREA = 64 * 1024;
const RECORDS_AT = 64;
const RECORD_BYTES = 80;
const BYTES_AT = 1024;
export const MAX_NEEDLES = 4;
/** Bytes of all needles together (each needle byte takes a mask byte too). */
export const MAX_NEEDLE_BYTES = (NEEDLE_AREA - BYTES_AT) / 2;

/** A needle: its bytes, and whether its lower-case ASCII letters also match their upper case (it must then have no upper-case letter). */
export interface Needle {
  bytes: Uint8Array;
  foldCase: boolean;
}

export class FoldFinder {
  private readonly memory: WasmMemory;
  private readonly findIn: (hay: number, len: number, from: number) => number;
  private readonly page: DataView;
  private readonly pageBytes: Uint8Array;
  private readonly area: Buffer;
  private needleCount = 0;

  constructor(scratchBytes: number) {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new wasm.Instance(new wasm.Module(Buffer.from(FOLD_FIND_WASM_BASE64, 'base64')));
    this.memory = instance.exports.memory as WasmMemory;
    const pages = Math.ceil((NEEDLE_AREA + scratchBytes) / 65536) - this.memory.buffer.byteLength / 65536;
    if (pages > 0) this.memory.grow(pages);
    this.findIn = instance.exports.find as (hay: number, len: number, from: number) => number;
    this.page = new DataView(this.memory.buffer, 0, NEEDLE_AREA);
    this.pageBytes = new Uint8Array(this.memory.buffer, 0, NEEDLE_AREA);
    this.area = Buffer.from(this.memory.buffer, NEEDLE_AREA, scratchBytes);
  }

  /** Where to put the bytes to search: the same bytes on every call. */
  scratch(): Buffer {
    return this.area;
  }

  /** Whether `hay` lies in `scratch()` (only such bytes can be searched). */
  holds(hay: Uint8Array): boolean {
    return hay.buffer === this.memory.buffer && hay.byteOffset >= NEEDLE_AREA;
  }

  /** Search for these needles (1 to MAX_NEEDLES, each at least one byte, MAX_NEEDLE_BYTES in all) from now on. */
  setNeedles(needles: readonly Needle[]): void {
    const total = needles.reduce((n, d) => n + d.bytes.length, 0);
    if (needles.length === 0 || needles.length > MAX_NEEDLES || needles.some((d) => d.bytes.length === 0) || total > MAX_NEEDLE_BYTES) {
      throw new RangeError(`FoldFinder: ${needles.length} needles of ${needles.map((d) => d.bytes.length).join(', ')} bytes (1 to ${MAX_NEEDLES} needles, none empty, ${MAX_NEEDLE_BYTES} bytes in all)`);
    }
    let at = BYTES_AT;
    needles.forEach(({ bytes, foldCase }, j) => {
      const n = bytes.length;
      const maskOf = (b: number): number => (foldCase && b >= 0x61 && b <= 0x7a ? 0x20 : 0);
      this.pageBytes.set(bytes, at);
      for (let k = 0; k < n; k++) this.pageBytes[at + n + k] = maskOf(bytes[k]);
      this.writeSlot(j, [bytes[0], maskOf(bytes[0]), bytes[n - 1], maskOf(bytes[n - 1])], at, n);
      at += 2 * n;
    });
    // The other slots never agree: byte 0 under mask 0xff (see fold-find.wat).
    for (let j = needles.length; j < MAX_NEEDLES; j++) this.writeSlot(j, [0, 0xff, 0, 0xff], 0, 1);
    this.page.setInt32(0, needles.length, true);
    this.page.setInt32(8, Math.max(...needles.map((d) => d.bytes.length)), true);
    this.needleCount = needles.length;
  }

  /** Slot j's record: its first byte, that byte's mask, its last byte and mask (each in 16 lanes), its bytes' address and length. */
  private writeSlot(j: number, lanes: [number, number, number, number], bytesAt: number, length: number): void {
    const record = RECORDS_AT + RECORD_BYTES * j;
    lanes.forEach((value, v) => this.pageBytes.fill(value, record + 16 * v, record + 16 * (v + 1)));
    this.page.setInt32(record + 64, bytesAt, true);
    this.page.setInt32(record + 68, length, true);
  }

  /**
   * The first place in `hay` (which `holds`) at or after `from` where a needle starts, or -1; where
   * two start at the same place, the first of them in `setNeedles`' order. `needle` says which.
   */
  find(hay: Uint8Array, from: number): number {
    if (this.needleCount === 0) throw new Error('FoldFinder.find: no needles set');
    return this.findIn(hay.byteOffset, hay.length, from);
  }

  /** The index (in `setNeedles`' order) of the needle the last `find` found. */
  get needle(): number {
    return this.page.getInt32(4, true);
  }
}

let made = false;
let finder: FoldFinder | undefined;
let enabled = true;

/** Whether `foldFinder` gives this thread's finder (default) or nothing: the tests search both ways. */
export function useFoldFinder(on: boolean): void {
  enabled = on;
}

/** This thread's finder with a scratch of `scratchBytes` (the first caller's size), or undefined without WebAssembly SIMD. */
export function foldFinder(scratchBytes: number): FoldFinder | undefined {
  if (!enabled) return undefined;
  if (!made) {
    made = true;
    try {
      finder = new FoldFinder(scratchBytes);
    } catch {
      // No WebAssembly, or no SIMD (a runtime that cannot compile the module): search as before.
      finder = undefined;
    }
  }
  return finder;
}
