/**
 * locatePaths (src/core/json/locate.ts) finds the containers at the paths asked for, walking past
 * containers that cannot hold one without keys: for any document and any set of container paths,
 * each located range is the text of exactly the value at its path, and nothing else is located.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { locatePaths, pathKey, type JsonPath } from '../../../src/core/json/locate';
import { SourceFile } from '../../../src/core/json/source-file';
import { MAX_JSON_DEPTH, excessiveNestingOffset } from '../../../src/core/json/depth';

/** The path of every array and object in `v`, the root included. */
function containerPaths(v: unknown, path: (string | number)[] = [], out: JsonPath[] = []): JsonPath[] {
  if (v === null || typeof v !== 'object') return out;
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => containerPaths(x, [...path, i], out));
  else for (const [k, x] of Object.entries(v)) containerPaths(x, [...path, k], out);
  return out;
}

function valueAt(v: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>((x, seg) => (x as Record<string | number, unknown>)[seg], v);
}

describe('locatePaths', () => {
  it('locates exactly the containers asked for, however many containers around them are passed over', () => {
    const doc = fc.jsonValue({ maxDepth: 5 }).filter((v) => v !== null && typeof v === 'object');
    fc.assert(fc.property(doc, fc.boolean(), fc.infiniteStream(fc.boolean()), (value, pretty, picks) => {
      const text = JSON.stringify(value, null, pretty ? 2 : undefined);
      const all = containerPaths(value);
      const it = picks[Symbol.iterator]();
      const wanted = all.filter(() => it.next().value === true);
      const file = new SourceFile('doc.json', new TextEncoder().encode(text));
      const found = locatePaths(file, wanted, false);
      assert.deepEqual([...found.keys()].sort(), [...new Set(wanted.map(pathKey))].sort());
      for (const path of wanted) {
        const at = found.get(pathKey(path))!;
        assert.deepEqual(JSON.parse(text.slice(at.offset, at.offset! + at.length!)), valueAt(JSON.parse(text), path), pathKey(path));
      }
    }), { numRuns: 300 });
  });

  it('locates in JSON written with tabs and CRLF line breaks, escaped property names and empty containers', () => {
    const text = '{\r\n\t"\\u0061b" :\t{ "c\\"d" : [ {"x" : 1 } ,\r\n [ ] , { } , "s\\\\" , -1.5e3 , true ] } ,"n":null }\r\n';
    const value = JSON.parse(text) as unknown;
    const wanted: JsonPath[] = [[], ['ab'], ['ab', 'c"d'], ['ab', 'c"d', 0], ['ab', 'c"d', 1], ['ab', 'c"d', 2]];
    const file = new SourceFile('doc.json', new TextEncoder().encode(text));
    const found = locatePaths(file, wanted, false);
    for (const path of wanted) {
      const at = found.get(pathKey(path));
      assert.ok(at, pathKey(path));
      assert.deepEqual(JSON.parse(text.slice(at.offset, at.offset! + at.length!)), valueAt(value, path), pathKey(path));
    }
    // The empty array starts the third line (after two CRLFs): line and column count as the editor does.
    assert.deepEqual(found.get(pathKey(['ab', 'c"d', 1])), { line: 3, column: 2, endLine: 3, endColumn: 5, offset: text.indexOf('[ ]'), length: 3 });
  });

  it('text that is not strict JSON (a comment, a trailing comma) is still located, by the tolerant visitor', () => {
    const text = '{"a": [ {"b": 1}, ], // note\n "c": {"d": [2]}}';
    const file = new SourceFile('doc.json', new TextEncoder().encode(text));
    const found = locatePaths(file, [['a', 0], ['c']], false);
    assert.equal(text.slice(found.get('.a#0')!.offset, found.get('.a#0')!.offset! + found.get('.a#0')!.length!), '{"b": 1}');
    assert.equal(text.slice(found.get('.c')!.offset, found.get('.c')!.offset! + found.get('.c')!.length!), '{"d": [2]}');
  });
});

/** The nesting check as it was, one character at a time: what the faster one must answer. */
function nestingOffsetByChars(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"' || c === '\n' || c === '\r') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '[' || c === '{') {
      if (++depth > maxDepth) return i;
    } else if (c === ']' || c === '}') {
      depth--;
    }
  }
  return -1;
}

describe('excessiveNestingOffset', () => {
  it('answers as a scan of every character does, for text of brackets, quotes, escapes and line breaks', () => {
    const piece = fc.constantFrom('[', ']', '{', '}', '"', '\\', '\n', '\r', 'a', 'é', ':', ',', '\\"', '[[[', '"x"');
    fc.assert(fc.property(fc.array(piece, { maxLength: 80 }).map((p) => p.join('')), fc.integer({ min: 0, max: 6 }), (text, maxDepth) => {
      assert.equal(excessiveNestingOffset(text, maxDepth), nestingOffsetByChars(text, maxDepth), JSON.stringify(text));
    }), { numRuns: 3000 });
  });

  it('finds the bracket past the cap after long strings full of brackets', () => {
    const noise = `"${'[{'.repeat(MAX_JSON_DEPTH)}\\"${'x'.repeat(1000)}"`;
    const text = `${'['.repeat(MAX_JSON_DEPTH)}${noise},${noise}[`;
    assert.equal(excessiveNestingOffset(text), text.length - 1);
    assert.equal(excessiveNestingOffset(text.slice(0, -1)), -1);
  });
});
