import * as crypto from 'node:crypto';

/**
 * The hex sha256 of `data`. One-shot `crypto.hash` (Node 20.12+) where there is one: the detectors
 * digest a reply per model step, and 200,000 digests of 1.4 KB took 0.96 s with a Hash object each,
 * 0.34 s one-shot.
 */
export function sha256Hex(data: Uint8Array | string): string {
  return digestOf('sha256', data, 'hex');
}

/**
 * The sha256 of `data` as 32 characters, one byte each (latin1): half the length of the hex, for a
 * digest kept as a key (the detectors keep one per distinct call of a run) and hashed at each lookup.
 */
export function sha256Latin1(data: Uint8Array | string): string {
  return digestOf('sha256', data, 'binary');
}

/** One digest: one-shot `crypto.hash` where there is one, else a Hash object. */
function digestOf(algorithm: string, data: Uint8Array | string, encoding: crypto.BinaryToTextEncoding): string {
  return typeof crypto.hash === 'function' ? crypto.hash(algorithm, data, encoding) : crypto.createHash(algorithm).update(data).digest(encoding);
}

/** Short, stable, non-cryptographic hash (FNV-1a 32-bit) for derived ids. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * 48 bits of the sha1 of `text`, as a number: for telling whether a value changed without keeping
 * it (a collision, one in about 2^48, would at worst leave one changed row drawn as it was until
 * the next change). One-shot `crypto.hash` where there is one: about 1 µs for a step's JSON,
 * where a multiply-xor loop over its characters in JavaScript took 2.3 µs.
 */
export function textPrint48(text: string): number {
  const d = digestOf('sha1', text, 'binary');
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + d.charCodeAt(i);
  return n;
}
