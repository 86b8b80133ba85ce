/**
 * The fast reader of values at chosen paths (src/core/engine/stream/json-values.ts) hands over what
 * the streaming document reader (json-document.ts, itself checked against JSON.parse and the
 * whole-file locator) hands over: the same paths, values, locations, progress and sha256, whatever
 * the chunk size and the formatting; each item's bytes are its value's text. It refuses what the
 * document reader refuses, naming the file, line and column.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readJsonDocument, type JsonDocumentItem, type JsonPathPattern } from '../../../src/core/engine/stream/json-document';
import { readJsonValues, type JsonValueItem } from '../../../src/core/engine/stream/json-values';
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

  it('says no to selected paths inside others (the document reader reads those)', () => {
    assert.throws(() => [...readJsonValues(writeTemp('{"a": []}'), { select: [['a', '*'], ['a', '*', 'b']] })], /lies inside/);
  });
});
