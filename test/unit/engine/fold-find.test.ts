/**
 * The byte search the held-step search scans the file with (fold-find.wat, WebAssembly SIMD): it
 * must find exactly what V8's regex with the i flag finds in the same bytes read as latin1 (case
 * aside), or what an exact comparison finds, for up to four needles in one pass, never read past
 * the bytes it is given, and the committed module must be the one its text compiles to.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FoldFinder, MAX_NEEDLE_BYTES, MAX_NEEDLES, type Needle } from '../../../src/core/engine/stream/fold-find';
import { PROJECT_ROOT } from '../../support/shared';

/** Whether `needle` is at `at` of `hay`: by the i-flag regex on latin1 text (fold) or byte for byte. */
function matchesAt(hay: Buffer, at: number, { bytes, foldCase }: Needle): boolean {
  if (at + bytes.length > hay.length) return false;
  const here = hay.toString('latin1', at, at + bytes.length);
  const literal = Buffer.from(bytes).toString('latin1');
  return foldCase ? new RegExp(`^${literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i').test(here) : here === literal;
}

/** Every place from `from` on where a needle starts, with the first such needle. */
function expected(hay: Buffer, needles: Needle[], from: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let at = from; at < hay.length; at++) {
    const j = needles.findIndex((n) => matchesAt(hay, at, n));
    if (j >= 0) out.push([at, j]);
  }
  return out;
}

function found(finder: FoldFinder, hay: Buffer, from: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let at = finder.find(hay, from); at >= 0; at = finder.find(hay, at + 1)) out.push([at, finder.needle]);
  return out;
}

/** Bytes that trip a case fold done with `| 0x20`: letters of both cases, `@[\]^_` and `` `{|}~ ``, control bytes below digits, high bytes, 0 and 0xff. */
const trickyByte = fc.constantFrom(...Buffer.from('aAbBcCkKsSzZ09@[`{_^~\\u\x10\x19\x0a\x00\xff\xc0\xe0\xaa\x84\xc4\xb0\xe2', 'latin1'));
/** A needle folded as the search's core is ([a-z0-9], the i flag's ASCII folding), or any bytes matched exactly (the markers). */
const needle = fc.oneof(
  fc.array(fc.constantFrom(...Buffer.from('abckz09')), { minLength: 1, maxLength: 12 }).map((b): Needle => ({ bytes: Buffer.from(b), foldCase: true })),
  fc.array(fc.constantFrom(...Buffer.from('aAk_[{@`\\u\x00\xff\xc4\xb0\xe2\xaa', 'latin1')), { minLength: 1, maxLength: 6 }).map((b): Needle => ({ bytes: Buffer.from(b), foldCase: false })),
);

describe('engine: the SIMD byte search (fold-find)', () => {
  const finder = new FoldFinder(1 << 16);

  it('the committed module is what fold-find.wat compiles to', async () => {
    const gen = (await import(join(PROJECT_ROOT, 'scripts', 'gen-wasm.mjs'))) as { moduleText(): Promise<string>; MODULE_TS: string };
    assert.equal(readFileSync(gen.MODULE_TS, 'utf8'), await gen.moduleText(), 'run node scripts/gen-wasm.mjs');
  });

  it('finds every place one of up to four needles starts, case aside as the i-flag regex on latin1 text or exactly', () => {
    fc.assert(fc.property(
      fc.array(trickyByte, { maxLength: 80 }), fc.array(needle, { minLength: 1, maxLength: MAX_NEEDLES }), fc.nat(90), fc.nat(40),
      (hayBytes, needles, fromRaw, offset) => {
        // The haystack at an odd place in the scratch, followed by a copy of each needle: nothing past its end may be read.
        const scratch = finder.scratch();
        const hay = scratch.subarray(offset, offset + hayBytes.length);
        hay.set(hayBytes);
        let after = offset + hayBytes.length;
        for (const n of needles) { scratch.set(n.bytes, after); after += n.bytes.length; }
        const from = fromRaw % (hayBytes.length + 2);
        finder.setNeedles(needles);
        assert.deepEqual(found(finder, hay, from), expected(Buffer.from(hayBytes), needles, from));
      },
    ), { numRuns: 3000, seed: 20261203 });
  });

  it('finds a needle in every place of a long haystack: in the 16-byte blocks, across them and in the last bytes', () => {
    const scratch = finder.scratch();
    const hay = scratch.subarray(3, 3 + 1000);
    const marker = { bytes: Buffer.from('\\u'), foldCase: false };
    for (const word of ['k', 'checksum', 'a0b1c2d3e4f5g6h7i8j9']) {
      const needles = [{ bytes: Buffer.from(word), foldCase: true }, marker];
      finder.setNeedles(needles);
      for (let at = 0; at + word.length <= hay.length; at += 7) {
        hay.fill(0x2e);
        hay.write(word.toUpperCase(), at, 'latin1');
        assert.deepEqual(found(finder, hay, 0), [[at, 0]], `${word} at ${at}`);
      }
      // At the very end of haystacks of every length modulo 16, and cut by their end (the rest of it in memory just past it).
      for (let length = 1000 - 16; length < 1000; length++) {
        hay.fill(0x2e);
        hay.write(word.toUpperCase(), length - word.length, 'latin1');
        assert.deepEqual(found(finder, hay.subarray(0, length), 0), [[length - word.length, 0]], `${word} at the very end of ${length} bytes`);
        assert.deepEqual(found(finder, hay.subarray(0, length - 1), 0), [], `${word} cut by the end of ${length - 1} bytes`);
        hay.write('\\u', length - 2, 'latin1');
        assert.deepEqual(found(finder, hay.subarray(0, length), 0), [[length - 2, 1]], `the marker at the very end of ${length} bytes, after ${word}`);
      }
    }
  });

  it('reads nothing past the haystack: at the very end of its memory, every length', () => {
    const scratch = finder.scratch();
    finder.setNeedles([{ bytes: Buffer.from('checksum'), foldCase: true }, { bytes: Buffer.from('\\u'), foldCase: false }, { bytes: Buffer.from('k'), foldCase: true }]);
    for (let length = 1; length <= 48; length++) {
      const hay = scratch.subarray(scratch.length - length);
      hay.fill(0x2e);
      if (length >= 8) hay.write('CHECKSUM', length - 8, 'latin1');
      const want = length >= 8 ? [[length - 8, 0], [length - 4, 2]] : [];
      // Beyond the memory's end a read traps (RangeError: memory access out of bounds).
      assert.deepEqual(found(finder, hay, 0), want, `${length} bytes`);
    }
  });

  it('takes only bytes in its memory, and 1 to 4 needles, none empty', () => {
    assert.equal(finder.holds(finder.scratch().subarray(5, 9)), true);
    assert.equal(finder.holds(Buffer.alloc(8)), false);
    const n = (bytes: Buffer): Needle => ({ bytes, foldCase: true });
    assert.throws(() => finder.setNeedles([]), /0 needles/);
    assert.throws(() => finder.setNeedles([n(Buffer.from('a')), n(Buffer.alloc(0))]), /needles of 1, 0 bytes/);
    assert.throws(() => finder.setNeedles(Array.from({ length: MAX_NEEDLES + 1 }, () => n(Buffer.from('a')))), /5 needles/);
    assert.throws(() => finder.setNeedles([n(Buffer.alloc(MAX_NEEDLE_BYTES + 1, 0x61))]), new RegExp(`${MAX_NEEDLE_BYTES} bytes in all`));
    finder.setNeedles([n(Buffer.from('longer than the haystack'))]);
    assert.equal(finder.find(finder.scratch().subarray(0, 4), 0), -1);
  });
});
