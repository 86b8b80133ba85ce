/**
 * The streaming JSON document reader (src/core/engine/stream/json-document.ts): selected values
 * equal those of JSON.parse of the whole text, whatever the chunk size (chunks split multi-byte
 * characters and tokens); each value's location is where the whole-file reader's locator puts it;
 * progress reaches the file's size; sha256 is the file's; stopping between batches stops the read;
 * malformed, truncated, empty, too deep, UTF-16 and not UTF-8 files are refused naming the file,
 * line and column.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Positions, readJsonDocument, type JsonDocumentItem, type JsonDocumentSummary, type JsonPathPattern } from '../../../src/core/engine/stream/json-document';
import fc from 'fast-check';
import { locatePaths, pathKey } from '../../../src/core/json/locate';
import { SourceFile } from '../../../src/core/json/source-file';
import { sha256Hex } from '../../../src/core/util/hash';
import { isUserInputError, type Problem } from '../../../src/core/util/problems';

const dir = mkdtempSync(join(tmpdir(), 'atd-json-doc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function writeTemp(content: Uint8Array | string): string {
  const p = join(dir, `${fileNo++}.json`);
  writeFileSync(p, content);
  return p;
}

function readAll(path: string, select: JsonPathPattern[], chunkSize?: number): { items: JsonDocumentItem[]; summary: JsonDocumentSummary; bytes: number[] } {
  const items: JsonDocumentItem[] = [];
  const bytes: number[] = [];
  const it = readJsonDocument(path, { select, chunkSize });
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return { items, summary: r.value, bytes };
    items.push(...r.value.items);
    bytes.push(r.value.byte);
  }
}

function refusal(path: string, select: JsonPathPattern[] = [['a', '*']], chunkSize?: number): Problem {
  try {
    readAll(path, select, chunkSize);
  } catch (e) {
    if (!isUserInputError(e)) throw e;
    assert.equal(e.problems.length, 1);
    return e.problems[0];
  }
  assert.fail(`${path} was read without an error`);
}

/** A document with multi-byte text (2-, 3- and 4-byte characters), escapes, CRLF line ends, nesting, -0 and 1e400. */
function awkwardDocument(n: number): { text: string; value: { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] } } {
  const spans = Array.from({ length: n }, (_, i) => ({
    spanId: `s${i}`, name: `span é日本🎉 ${'ß'.repeat(i % 4)}`, attributes: [{ key: 'k', value: { stringValue: `"quoted" \\ \u0001 ${'x'.repeat(i * 7 % 50)}` } }],
    events: i % 3 ? [] : [{ name: 'exception', attributes: [[], {}, [[1.5e3, 'NEGATIVE_ZERO', true, null]]] }],
  }));
  const doc = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'sc' }, spans }] }, { scopeSpans: [{ spans: [1, 'two', null, 'HUGE'] }] }] };
  const text = JSON.stringify(doc, null, 2).replace(/\n/g, '\r\n').replace(/"NEGATIVE_ZERO"/g, '-0').replace('"HUGE"', '1e400');
  return { text, value: JSON.parse(text) as typeof doc };
}

describe('readJsonDocument', () => {
  const SPANS: JsonPathPattern = ['resourceSpans', '*', 'scopeSpans', '*', 'spans', '*'];
  const SCOPE: JsonPathPattern = ['resourceSpans', '*', 'scopeSpans', '*', 'scope'];

  for (const chunkSize of [16, 97, 1024, 1 << 20]) {
    it(`hands over the selected values of JSON.parse, located as the whole-file reader locates them (chunks of ${chunkSize} bytes, BOM, CRLF, multi-byte)`, () => {
      const { text, value } = awkwardDocument(40);
      const bytes = new TextEncoder().encode('\uFEFF' + text);
      const path = writeTemp(bytes);
      const { items, summary, bytes: progress } = readAll(path, [SCOPE, SPANS], chunkSize);

      const expected: { path: (string | number)[]; value: unknown }[] = [];
      value.resourceSpans.forEach((rs, i) => rs.scopeSpans.forEach((ss, j) => {
        if ('scope' in ss) expected.push({ path: ['resourceSpans', i, 'scopeSpans', j, 'scope'], value: ss.scope });
        ss.spans.forEach((s, k) => expected.push({ path: ['resourceSpans', i, 'scopeSpans', j, 'spans', k], value: s }));
      }));
      assert.deepEqual(items.map((x) => ({ path: x.path, value: x.value })), expected);
      assert.deepEqual(items.map((x) => x.select), expected.map((e) => (e.path.length === 5 ? 0 : 1)));

      const file = new SourceFile(path, bytes);
      const located = locatePaths(file, items.map((x) => x.path), false);
      for (const x of items) {
        if (x.value !== null && typeof x.value === 'object') {
          assert.deepEqual(x.location, located.get(pathKey(x.path)), `location of ${x.path.join('.')}`);
          const at = x.location!;
          assert.deepEqual(JSON.parse(file.text.slice(at.offset!, at.offset! + at.length!)), x.value);
        } else {
          assert.equal(x.location, undefined);
        }
      }
      assert.equal(summary.size, bytes.length);
      assert.equal(summary.sha256, sha256Hex(bytes));
      assert.equal(summary.items, items.length);
      assert.equal(progress[progress.length - 1], bytes.length);
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i] > progress[i - 1]);
      assert.equal(progress.length, Math.ceil(bytes.length / Math.max(16, chunkSize)));
    });
  }

  it('counts lines and characters at any byte as the decoded text does, over ASCII runs and multi-byte text, walking the bytes or over their decoded text', () => {
    const piece = fc.oneof(fc.string({ maxLength: 700 }), fc.constantFrom('\n', '\r\n', 'é', '日本', '🚀', 'x'.repeat(1500)), fc.string({ unit: 'grapheme', maxLength: 40 }));
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), (pieces, cuts, overText) => {
      const text = pieces.join('');
      const bytes = Buffer.from(text, 'utf8');
      // Character boundaries, ascending: where the reader asks.
      const boundaries = [0];
      for (let i = 0, b = 0; i < text.length; i++) {
        const c = text.codePointAt(i)!;
        if (c > 0xffff) i++;
        b += Buffer.byteLength(String.fromCodePoint(c));
        boundaries.push(b);
      }
      const asked = [...new Set(cuts.map((c) => boundaries[c % boundaries.length]))].sort((a, b) => a - b);
      const positions = new Positions(0);
      let previous = 0;
      [...asked, bytes.length].forEach((at, k) => {
        const before = bytes.subarray(0, at).toString('utf8');
        const lines = before.split('\n');
        const expected = { line: lines.length - 1, lineStart: before.length - lines[lines.length - 1].length, offset: before.length };
        // Or over the text decoded since the last position asked (a value's, read whole), not its bytes.
        const got = overText[k] ? positions.overText(bytes, 0, previous, bytes.subarray(previous, at).toString('utf8'), at) : positions.at(bytes, 0, at);
        assert.deepEqual(got, expected, `at byte ${at}${overText[k] ? ', over the text' : ''}`);
        previous = at;
      });
      // Asked over a text that does not start where it stands, it walks the bytes.
      const mid = boundaries[Math.floor(boundaries.length / 2)];
      const fresh = new Positions(0);
      const before = bytes.subarray(0, bytes.length).toString('utf8');
      assert.equal(fresh.overText(bytes, 0, mid, bytes.subarray(mid).toString('utf8'), bytes.length).offset, before.length);
    }), { numRuns: 300, seed: 3 });
  });

  it('keeps the values of a key named __proto__, and selects by literal keys and indices', () => {
    const path = writeTemp('{"a":[{"__proto__":{"x":1}},{"b":2}],"c":{"d":[5,6,7]}}');
    const { items } = readAll(path, [['a', 1], ['c', 'd', 2]]);
    assert.deepEqual(items.map((x) => [x.path, x.value]), [[['a', 1], { b: 2 }], [['c', 'd', 2], 7]]);
    const { items: protos } = readAll(path, [['a', '*']]);
    assert.deepEqual(Object.getOwnPropertyNames(protos[0].value), ['__proto__']);
    assert.deepEqual((protos[0].value as Record<string, unknown>)['__proto__'], { x: 1 });
  });

  it('hands over values inside selected values first, and with detach takes them out of the outer value', () => {
    const path = writeTemp('{"a":[{"k":[{"x":1},{"x":2}],"n":{"y":[3]}}]}');
    const select: JsonPathPattern[] = [['a', '*'], ['a', '*', 'k', '*'], ['a', '*', 'n']];
    const kept = readAll(path, select).items.map((x) => [x.path.join('.'), x.value]);
    assert.deepEqual(kept, [['a.0.k.0', { x: 1 }], ['a.0.k.1', { x: 2 }], ['a.0.n', { y: [3] }], ['a.0', { k: [{ x: 1 }, { x: 2 }], n: { y: [3] } }]]);
    const it = readJsonDocument(path, { select, detach: true });
    const detached: [string, unknown][] = [];
    for (let r = it.next(); !r.done; r = it.next()) for (const x of r.value.items) detached.push([x.path.join('.'), structuredClone(x.value)]);
    assert.deepEqual(detached, [['a.0.k.0', { x: 1 }], ['a.0.k.1', { x: 2 }], ['a.0.n', { y: [3] }], ['a.0', { k: [] }]]);
  });

  it('stops between batches when the caller stops iterating', () => {
    const { text } = awkwardDocument(200);
    const path = writeTemp(text);
    const it = readJsonDocument(path, { select: [SPANS], chunkSize: 64 });
    let seen = 0;
    let r = it.next();
    while (!r.done && seen === 0) { seen += r.value.items.length; r = it.next(); }
    assert.equal(r.done, false);
    const last = it.return(undefined as never);
    assert.equal(last.done, true);
    assert.ok(seen > 0 && seen < 200, `stopped after ${seen} spans`);
    assert.equal(it.next().done, true);
  });

  it('refuses malformed JSON with the file, line and column', () => {
    const bad = '{\n  "a": [\n    {"x": 1},\n    {"x": 2}\n    {"x": 3}\n  ]\n}\n';
    const p1 = writeTemp(bad);
    for (const chunkSize of [16, 1024]) assert.deepEqual(refusal(p1, undefined, chunkSize), { file: p1, line: 5, column: 5, message: 'invalid JSON: comma expected' });
    const p2 = writeTemp('{"a": [1, 2,, 3]}');
    assert.deepEqual(refusal(p2), { file: p2, line: 1, column: 13, message: 'invalid JSON: value expected (a trailing comma, or the file is cut short?)' });
    const p3 = writeTemp('{"a": [1, 2]}\n{"a": [3]}\n');
    assert.deepEqual(refusal(p3), { file: p3, line: 2, column: 1, message: 'invalid JSON: end of file expected (more than one JSON value? this may be JSONL)' });
    const p4 = writeTemp('{"a": [tru]}');
    assert.deepEqual(refusal(p4), { file: p4, line: 1, column: 11, message: 'invalid JSON: unexpected character' });
    const p5 = writeTemp('{"é日": "🎉", "a": [1 @]}');
    assert.deepEqual(refusal(p5), { file: p5, line: 1, column: 22, message: 'invalid JSON: unexpected character' });
  });

  it('refuses a truncated, an empty, a too deep, a UTF-16 and a not UTF-8 file, naming the file, line and column', () => {
    const p1 = writeTemp('{"a": [{"x": 1},\n {"x": 2');
    assert.deepEqual(refusal(p1), { file: p1, line: 2, column: 9, message: "invalid JSON: the file ends inside the document (it may be truncated): '}' or ']' expected" });
    const p2 = writeTemp('{"a": ["unterminated');
    assert.deepEqual(refusal(p2), { file: p2, line: 1, column: 21, message: 'invalid JSON: the file ends inside a value (it may be truncated)' });
    const p3 = writeTemp('  \n ');
    assert.deepEqual(refusal(p3), { file: p3, line: 1, column: 1, message: 'the file is empty' });
    const p4 = writeTemp(`{"a": ${'['.repeat(600)}${']'.repeat(600)}}`);
    const deep = refusal(p4);
    assert.equal(deep.file, p4);
    assert.equal(deep.line, 1);
    assert.equal(deep.column, 7 + 511);
    assert.match(deep.message, /nest/);
    const p5 = writeTemp(Buffer.from('\uFEFF{"a": [1]}', 'utf16le'));
    assert.deepEqual(refusal(p5), { file: p5, message: 'is UTF-16 text, which is read whole, not streamed; convert it to UTF-8' });
    // Bytes that are not UTF-8 are refused where they are, whatever the chunk size (a sequence cut by a chunk's end is not one of them).
    const bad = (s: string, b: number[], t: string): Buffer => Buffer.concat([Buffer.from(s), Buffer.from(b), Buffer.from(t)]);
    const UTF8 = 'invalid UTF-8 byte sequence; a file this large is read as a stream, which needs UTF-8 throughout (the whole-file reader, for smaller files, shows such bytes as U+FFFD)';
    const p7 = writeTemp(bad('{"a": [\n "é日🎉 ok ', [0xff, 0xfe], ' bad"]}'));
    const p8 = writeTemp(bad('{"a": ["é日🎉 ok ', [0xf0, 0x9f, 0x8e], '"]}'));
    const p9 = writeTemp(bad('{"a": ["é日🎉 ok', [0xe6, 0x97], ''));
    for (const chunkSize of [16, 17, 18, 19, 1024]) {
      assert.deepEqual(refusal(p7, undefined, chunkSize), { file: p7, line: 2, column: 11, message: UTF8 });
      assert.deepEqual(refusal(p8, undefined, chunkSize), { file: p8, line: 1, column: 17, message: UTF8 }, `chunks of ${chunkSize}`);
      assert.deepEqual(refusal(p9, undefined, chunkSize), { file: p9, line: 1, column: 16, message: UTF8 }, `chunks of ${chunkSize}`);
    }
    const p6 = join(dir, 'missing.json');
    assert.deepEqual(refusal(p6), { file: p6, message: 'no such file' });
  });
});
