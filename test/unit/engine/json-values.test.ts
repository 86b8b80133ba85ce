/**
 * The fast reader of values at chosen paths (src/core/engine/stream/json-values.ts) hands over what
 * the streaming document reader (json-document.ts, itself checked against JSON.parse and the
 * whole-file locator) hands over: the same paths, values, locations, progress and sha256, whatever
 * the chunk size and the formatting; each item's bytes are its value's text. It refuses what the
 * document reader refuses, naming the file, line and column.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readJsonDocument, type JsonDocumentItem, type JsonPathPattern } from '../../../src/core/engine/stream/json-document';
import { ownText, readJsonValues, type JsonLinesStop, type JsonTree, type JsonValueItem, type JsonValuesSummary } from '../../../src/core/engine/stream/json-values';
import { wholeLinesEnd } from '../../../src/core/engine/stream/complete-lines';
import { OTLP_SELECT } from '../../../src/core/engine/stream/otlp-stream';
import { isUserInputError } from '../../../src/core/util/problems';
import { SourceFile } from '../../../src/core/json/source-file';
import { benchTraceText } from '../../support/bench-traces';

const dir = mkdtempSync(join(tmpdir(), 'atd-json-values-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function writeTemp(content: Uint8Array | string): string {
  const p = join(dir, `${fileNo++}.json`);
  writeFileSync(p, content);
  return p;
}

interface Read { items: JsonDocumentItem[]; bytes: number[]; sha256: string }

function readWith(reader: typeof readJsonDocument | typeof readJsonValues, path: string, select: readonly JsonPathPattern[], chunkSize: number): Read {
  const items: JsonDocumentItem[] = [];
  const bytes: number[] = [];
  const it = reader(path, { select, chunkSize });
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return { items, bytes, sha256: r.value.sha256 };
    for (const item of r.value.items) {
      const { byteStart: _s, byteEnd: _e, ...rest } = item as JsonValueItem;
      items.push(rest);
    }
    bytes.push(r.value.byte);
  }
}

function assertSameAsDocumentReader(path: string, select: readonly JsonPathPattern[], chunkSize: number): void {
  assert.deepEqual(readWith(readJsonValues, path, select, chunkSize), readWith(readJsonDocument, path, select, chunkSize), `${path}, chunks of ${chunkSize}`);
}

function refusal(path: string, select: readonly JsonPathPattern[] = [['a', '*']]): string {
  try {
    readWith(readJsonValues, path, select, 7);
  } catch (e) {
    if (!isUserInputError(e)) throw e;
    const p = e.problems[0];
    assert.equal(p.file, path);
    return `${p.line ?? '-'}:${p.column ?? '-'} ${p.message}`;
  }
  assert.fail(`${path} was read without an error`);
}

describe('engine: reading the values at chosen paths of a JSON document (json-values.ts)', function () {
  this.timeout(60_000);

  it('hands over an OTLP document as the document reader does, in chunks of any size, and each item\'s bytes are its value', () => {
    const text = benchTraceText('otlp', 60);
    const path = writeTemp(text);
    for (const size of [16, 97, 4096, 1 << 20]) assertSameAsDocumentReader(path, OTLP_SELECT, size);
    const bytes = readFileSync(path);
    for (const batch of readJsonValues(path, { select: OTLP_SELECT, chunkSize: 500 })) {
      for (const item of batch.items) assert.deepEqual(JSON.parse(bytes.subarray(item.byteStart, item.byteEnd).toString('utf8')), item.value);
    }
  });

  it('agrees with the document reader on any values, keys and formatting (BOM, CRLF, multi-byte text, escapes)', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const doc = fc.record({
      a: fc.array(fc.oneof(value, fc.record({ b: fc.array(value, { maxLength: 4 }), c: value })), { maxLength: 6 }),
      'k\u00e9y "q"': value,
      z: fc.oneof(value, fc.constant('日本🎉 "\\"')),
    });
    const select: JsonPathPattern[] = [['a', '*', 'b', '*'], ['a', '*', 'c'], ['z'], ['k\u00e9y "q"']];
    fc.assert(fc.property(doc, fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.integer({ min: 16, max: 300 }), (d, indent, bom, chunk) => {
      let text = JSON.stringify(d, null, indent);
      if (indent === 3) text = text.replace(/\n/g, '\r\n');
      const path = writeTemp((bom ? '\ufeff' : '') + text);
      assertSameAsDocumentReader(path, select, chunk);
    }), { numRuns: 150, seed: 11 });
  });

  it('refuses what the document reader refuses, naming the file, line and column', () => {
    const cases: [string, Uint8Array | string, RegExp][] = [
      ['malformed value', '{"a": [1, {"b": tru}]}', /^1:\d+ invalid JSON/],
      ['missing comma', '{"a": [1 2]}', /^1:10 invalid JSON: comma expected/],
      ['trailing comma', '{"a": [1],}', /^1:11 invalid JSON: property name expected/],
      ['truncated inside a value', '{"a": [{"b": "cut', /the file ends inside a value/],
      ['truncated between values', '{"a": [1,\n', /^2:1 invalid JSON: the file ends inside the document/],
      ['two documents', '{"a": []}\n{"a": []}', /^2:1 invalid JSON: end of file expected/],
      ['empty', '', /the file is empty/],
      ['too deep', `{"a": [${'['.repeat(600)}${']'.repeat(600)}]}`, /nest/],
      ['not UTF-8', Buffer.concat([Buffer.from('{"a": ["ok", "'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('"]}')]), /^1:\d+ invalid UTF-8/],
      ['UTF-16', Buffer.from('\ufeff{"a": []}', 'utf16le'), /UTF-16/],
    ];
    for (const [name, content, expected] of cases) assert.match(refusal(writeTemp(content)), expected, name);
  });

  it('a malformed span is refused where the whole-file reader refuses it, in its words', () => {
    const text = JSON.stringify(JSON.parse(benchTraceText('otlp', 12, 3)), null, 2);
    // Break the tenth span in three ways: a missing comma, a stray character, a bad escape.
    const at = text.indexOf('"spanId"', text.indexOf('"spanId"') + 9 * 300);
    const broken = [
      text.slice(0, at) + text.slice(at).replace('",\n', '"\n'),
      text.slice(0, at) + text.slice(at).replace('"name"', '#"name"'),
      text.slice(0, at) + text.slice(at).replace('"name": "', '"name": "\\q'),
    ];
    for (const doc of broken) {
      const path = writeTemp(doc);
      const whole = SourceFile.fromText(path, doc).parseJson();
      assert.ok('error' in whole, 'the whole-file reader refuses it');
      const p = (whole as { error: { line?: number; column?: number; message: string } }).error;
      assert.equal(refusal(path, OTLP_SELECT), `${p.line}:${p.column} ${p.message}`);
    }
  });

  describe('a tree of objects, node by node (JsonTree)', () => {
    const tree: JsonTree = { root: ['spans', '*'], children: 'kids' };
    /** The nodes as a walk of JSON.parse's value gives them, parents first: each without its children. */
    const walked = (doc: { spans: unknown[] }): { path: (string | number)[]; value: unknown }[] => {
      const out: { path: (string | number)[]; value: unknown }[] = [];
      const walk = (node: unknown, path: (string | number)[]): void => {
        if (node === null || typeof node !== 'object' || Array.isArray(node)) return void out.push({ path, value: node });
        const { kids, ...own } = node as Record<string, unknown>;
        if (!Array.isArray(kids)) return void out.push({ path, value: node });
        out.push({ path, value: own });
        kids.forEach((k, i) => walk(k, [...path, 'kids', i]));
      };
      doc.spans.forEach((n, i) => walk(n, ['spans', i]));
      return out;
    };
    const read = (path: string, chunkSize: number): { nodes: JsonValueItem[]; other: JsonValueItem[]; breaks: string[] } => {
      const nodes: JsonValueItem[] = [];
      const other: JsonValueItem[] = [];
      const breaks: string[] = [];
      for (const batch of readJsonValues(path, { select: [['id']], tree, chunkSize })) {
        for (const item of batch.items) (item.node ? nodes : other).push(item);
        if (batch.treeBreak) breaks.push(batch.treeBreak);
      }
      return { nodes, other, breaks };
    };

    it('hands over each node as its own members, parents first, whatever the values, formatting and chunk size; its bytes closed are its value', () => {
      const value = fc.jsonValue({ maxDepth: 2 });
      const node: fc.Memo<unknown> = fc.memo((n): fc.Arbitrary<unknown> => (n <= 1
        ? fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }).filter((k) => k !== 'kids'), value, { maxKeys: 3 }), value)
        : fc.tuple(fc.dictionary(fc.string({ maxLength: 4 }).filter((k) => k !== 'kids'), value, { maxKeys: 3 }), fc.array(node(n - 1), { maxLength: 3 })).map(([own, kids]) => ({ ...own, kids }))));
      fc.assert(fc.property(fc.array(node(4), { maxLength: 4 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 16, max: 200 }), (spans, indent, chunk) => {
        // Plain objects (fast-check's dictionaries have no prototype).
        const doc = JSON.parse(JSON.stringify({ id: 'é "t"', spans })) as { id: string; spans: unknown[] };
        const text = JSON.stringify(doc, null, indent);
        const path = writeTemp(text);
        const { nodes, other, breaks } = read(path, chunk);
        assert.deepEqual(breaks, []);
        assert.deepEqual(other.map((i) => i.value), ['é "t"']);
        assert.deepEqual(nodes.map((n) => ({ path: n.path, value: n.value })), walked(doc));
        const bytes = readFileSync(path);
        for (const n of nodes) {
          const own = bytes.subarray(n.byteStart, n.byteEnd).toString('utf8');
          const isObject = n.value !== null && typeof n.value === 'object' && !Array.isArray(n.value);
          assert.deepEqual(JSON.parse(isObject ? ownText(own) : own), n.value, `${JSON.stringify(n.path)}: its bytes`);
        }
      }), { numRuns: 150, seed: 5 });
    });

    it('says when a node has a member after its children (JSON.parse would give it that member)', () => {
      const path = writeTemp(JSON.stringify({ spans: [{ a: 1, kids: [{ b: 2 }], late: 3 }, { c: 4 }] }));
      const { nodes, breaks } = read(path, 16);
      assert.deepEqual(breaks, ['$.spans[0].late comes after "kids" in its object']);
      assert.deepEqual(nodes.map((n) => n.value), [{ a: 1 }, { b: 2 }, { c: 4 }]);      // The children key spelled with an escape is the same key.
      const escaped = read(writeTemp('{"spans": [{"a": 1, "kid\\u0073": [{"b": 2}]}]}'), 16);
      assert.deepEqual(escaped.nodes.map((n) => [n.path, n.value]), [[['spans', 0], { a: 1 }], [['spans', 0, 'kids', 0], { b: 2 }]]);
    });

    it('refuses a malformed node where the whole-file reader refuses it, in its words', () => {
      const text = JSON.stringify({ spans: [{ a: 'x', kids: [{ b: 'y', kids: [] }] }] }, null, 2);
      for (const doc of [text.replace('"b": "y"', '"b": "y" "c": 1'), text.replace('"b": "y"', '"b": "\\q"'), text.replace('"a": "x"', '"a": tru')]) {
        const path = writeTemp(doc);
        const whole = SourceFile.fromText(path, doc).parseJson();
        assert.ok('error' in whole);
        const p = (whole as { error: { line?: number; column?: number; message: string } }).error;
        let got = '';
        try {
          read(path, 16);
        } catch (e) {
          if (!isUserInputError(e)) throw e;
          got = `${e.problems[0].line}:${e.problems[0].column} ${e.problems[0].message}`;
        }
        assert.equal(got, `${p.line}:${p.column} ${p.message}`);
      }
    });
  });

  describe('JSON lines (JsonLines)', () => {
    const lines = { firstKeys: ['a'] };
    const readAll = (path: string, from: JsonLinesStop | undefined, to: number | undefined): { items: JsonValueItem[]; sha256: string; stop?: JsonLinesStop } => {
      const items: JsonValueItem[] = [];
      const it = readJsonValues(path, { select: [['a', '*']], lines, chunkSize: 16, ...(from ? { from } : {}), ...(to !== undefined ? { to } : {}) });
      for (let r = it.next(); ; r = it.next()) {
        if (r.done) return { items, sha256: r.value.sha256, stop: r.value.stop };
        items.push(...r.value.items);
      }
    };
    const read = (text: string, chunkSize = 16): { items: JsonValueItem[]; breaks: string[] } => {
      const items: JsonValueItem[] = [];
      const breaks: string[] = [];
      for (const batch of readJsonValues(writeTemp(text), { select: [['a', '*']], lines, chunkSize })) {
        items.push(...batch.items);
        if (batch.linesBreak) breaks.push(batch.linesBreak);
      }
      return { items, breaks };
    };

    it('hands over each line\'s values with their line and their places in the file, whatever the chunk size', () => {
      const text = '{"a": [1, {"x": "é"}]}\r\n\n{"a": [{"y": 2}], "b": 3}\n{"a": []}';
      const path = writeTemp(text);
      for (const chunkSize of [16, 4096]) {
        const items: JsonValueItem[] = [];
        for (const batch of readJsonValues(path, { select: [['a', '*']], lines, chunkSize })) {
          assert.equal(batch.linesBreak, undefined);
          items.push(...batch.items);
        }
        assert.deepEqual(items.map((i) => [i.line, i.path, i.value]), [[0, ['a', 0], 1], [0, ['a', 1], { x: 'é' }], [2, ['a', 0], { y: 2 }]]);
        const bytes = readFileSync(path);
        for (const i of items) assert.deepEqual(JSON.parse(bytes.subarray(i.byteStart, i.byteEnd).toString('utf8')), i.value);
        // The whole-file reader's locations: line 3, after the CRLF and the blank line.
        assert.deepEqual(items[2].location, { line: 3, column: 8, endLine: 3, endColumn: 16, offset: 32, length: 8 });
      }
    });

    it('reads on from where a read stopped as the file grows: the same items, places and sha256 as one read of the whole', () => {
      const parts = ['{"a": [1, {"x": "é"}]}\r\n', '\n{"a": [{"y": 2}], "b": 3}\n', '{"a": []}\n{"a": ["z\\n", 4]}', '\n{"a": [{"w": [5]}]}\n'];
      const whole = writeTemp(parts.join(''));
      const wholeRead = readAll(whole, undefined, undefined);
      for (const chunkSize of [16, 4096]) {
        const path = writeTemp('');
        const items: JsonValueItem[] = [];
        let stop: JsonLinesStop | undefined;
        let summary: JsonValuesSummary | undefined;
        for (const part of parts) {
          appendFileSync(path, part);
          const it = readJsonValues(path, { select: [['a', '*']], lines, chunkSize, ...(stop ? { from: stop } : {}) });
          for (let r = it.next(); ; r = it.next()) {
            if (r.done) { summary = r.value; break; }
            assert.equal(r.value.linesBreak, undefined);
            items.push(...r.value.items);
          }
          assert.ok(summary.stop, 'it stopped between two values');
          assert.equal(summary.stop.byte, readFileSync(path).length);
          stop = summary.stop;
        }
        assert.deepEqual(items, wholeRead.items, `chunk size ${chunkSize}`);
        assert.equal(summary?.sha256, wholeRead.sha256);
      }
      // A stop is used up; `to` leaves a line still being written for later.
      const path = writeTemp('{"a": [1]}\n');
      const first = readAll(path, undefined, undefined);
      appendFileSync(path, '{"a": [2]}\n{"a": [3');
      const upTo = readFileSync(path).indexOf('{"a": [3');
      const next = readAll(path, first.stop, upTo);
      assert.deepEqual(next.items.map((i) => [i.line, i.value]), [[1, 2]]);
      assert.equal(next.stop?.byte, upTo);
      assert.throws(() => readAll(path, first.stop, upTo), /read on from twice/);
    });

    it('says when the file is not JSON lines as asked', () => {
      const cases: [string, string][] = [
        ['{"a": [1]} {"a": [2]}\n', 'line 1 holds more than one value'],
        ['{"a": [1]}\n[1]\n', 'line 2 is not a JSON object'],
        ['{"a": [1]}\n{"b": 1, "a": [2]}\n', 'line 2 starts with another key than a'],
        ['{"a": [1]}\n{"a": [2,\n 3]}\n', 'the value of line 2 goes on over several lines'],
        ['{"a": [1]}\n{"a": [{"x":\n 3}]}\n', 'the value of line 2 goes on over several lines'],
      ];
      for (const [text, reason] of cases) assert.deepEqual(read(text).breaks, [reason], JSON.stringify(text));
    });
  });

  it('finds where the whole lines written so far end (wholeLinesEnd): a last line waits for its line break unless it parses whole', () => {
    const cases: [string, number, string][] = [
      ['{"a":1}\n{"a":2}\n', 0, '{"a":1}\n{"a":2}\n'],
      ['{"a":1}\n{"a":2', 0, '{"a":1}\n'],
      ['{"a":1}\n{"a":2}', 0, '{"a":1}\n{"a":2}'],
      ['{"a":1}\n{"a":2', 8, '{"a":1}\n'],
      ['{"a":1}\n   ', 0, '{"a":1}\n'],
      [`{"a":1}\n${'x'.repeat(200_000)}`, 0, '{"a":1}\n'],
    ];
    for (const [text, from, expected] of cases) {
      const path = writeTemp(text);
      assert.equal(wholeLinesEnd(path, from, Buffer.byteLength(text)), Math.max(from, Buffer.byteLength(expected)), JSON.stringify(text.slice(0, 40)));
    }
    // A long last line (over a read from the end) still finds the line break before it.
    const long = `{"a":"${'x'.repeat(200_000)}"}\n{"a"`;
    assert.equal(wholeLinesEnd(writeTemp(long), 0, Buffer.byteLength(long)), long.indexOf('\n') + 1);
  });

  it('says no to selected paths inside others (the document reader reads those)', () => {
    assert.throws(() => [...readJsonValues(writeTemp('{"a": []}'), { select: [['a', '*'], ['a', '*', 'b']] })], /lies inside/);
  });
});
