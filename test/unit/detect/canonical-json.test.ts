/**
 * The call keys of the loop and retry checks (canonicalJson, src/core/detect/text.ts): the same
 * arguments give the same text whatever their keys' order and their strings' surrounding spaces,
 * different arguments a different text, and hostile keys stay keys.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { canonicalJson } from '../../../src/core/detect/text';

/** The same value with every object's keys in another order and every string padded with spaces. */
function reshuffled(v: unknown, pick: () => number): unknown {
  if (typeof v === 'string') return `  ${v}\n`;
  if (Array.isArray(v)) return v.map((x) => reshuffled(x, pick));
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = pick() % (i + 1);
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  return Object.fromEntries(entries.map(([k, x]) => [k, reshuffled(x, pick)]));
}

/** What canonicalJson wrote before it sorted only keys out of order (keys sorted, strings trimmed): for keys that are not array indexes it is unchanged. */
function written(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.trim());
  if (Array.isArray(v)) return `[${v.map(written).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${written((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !/^\d+$/.test(k));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 8 }).map((s) => s.trim()), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
})).value;

describe('canonicalJson (call keys)', () => {
  it('is the same for the same arguments in any key order and with spaces around strings, and the text written before', () => {
    fc.assert(fc.property(json, fc.integer(), (v, seed) => {
      let s = seed >>> 0;
      const pick = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
      assert.equal(canonicalJson(reshuffled(v, pick)), canonicalJson(v));
      assert.equal(canonicalJson(v), written(v));
    }), { seed: 11, numRuns: 300 });
  });

  it('tells different arguments apart', () => {
    fc.assert(fc.property(json, json, (a, b) => {
      fc.pre(written(a) !== written(b));
      assert.notEqual(canonicalJson(a), canonicalJson(b));
    }), { seed: 12, numRuns: 300 });
  });

  it('keeps a "__proto__" key as a key, sorts keys out of order, and writes undefined as null', () => {
    const hostile = JSON.parse('{"z": 1, "__proto__": {"polluted": true}}') as unknown;
    assert.equal(canonicalJson(hostile), '{"__proto__":{"polluted":true},"z":1}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(canonicalJson({ b: undefined, a: [undefined, ' x '] }), '{"a":[null,"x"],"b":null}');
    assert.equal(canonicalJson(undefined), 'null');
    assert.equal(canonicalJson({ q: 'same', n: 5 }), canonicalJson({ n: 5, q: ' same ' }));
  });
});
