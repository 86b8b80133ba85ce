/**
 * Streaming import of agent-trace/v1 (src/core/engine/stream): the chunked line reader agrees with
 * splitting the whole decoded text, whatever the chunk size; the incremental builder gives exactly
 * the steps of loadTraceFromBytes for files in decision order, says when a file is not, and its
 * fallback build then equals the whole import; reading on after appends gives the same steps as
 * reading the final file at once.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CanonicalStreamBuilder, type StreamedStep } from '../../../src/core/engine/stream/canonical-builder';
import { isBlankLine, readJsonlLines, type JsonlLine, type JsonlPosition, type JsonlReadResult } from '../../../src/core/engine/stream/jsonl-lines';
import { SourceFile } from '../../../src/core/json/source-file';
import { loadTraceFromBytes, type LoadResult } from '../../../src/core/load';
import type { Step } from '../../../src/core/model/schema';
import { sha256Hex } from '../../../src/core/util/hash';
import type { Problem } from '../../../src/core/util/problems';
import { jsonView } from '../../support/convert-compare';
import { convertedSharedTraces, streamCorpus, type CorpusFile } from '../../support/stream-corpus';
import { largeTraceLines } from '../../support/large-trace';

const dir = mkdtempSync(join(tmpdir(), 'atd-stream-'));
let fileNo = 0;
function writeTemp(bytes: Uint8Array | string, name = 'trace.jsonl'): string {
  const p = join(dir, `${fileNo++}-${name}`);
  writeFileSync(p, bytes);
  return p;
}

/** What the whole-file reader sees: the decoded text split at \n, \r dropped, blank lines left out. */
function wholeLines(bytes: Uint8Array): { lines: Omit<JsonlLine, 'byteStart' | 'byteEnd'>[]; pending?: Omit<JsonlLine, 'byteStart' | 'byteEnd'> } {
  const text = new SourceFile('x.jsonl', bytes).text;
  const lines: Omit<JsonlLine, 'byteStart' | 'byteEnd'>[] = [];
  let offset = 0;
  const raw = text.split('\n');
  let pending: Omit<JsonlLine, 'byteStart' | 'byteEnd'> | undefined;
  raw.forEach((r, line) => {
    const l = { line, text: r.endsWith('\r') ? r.slice(0, -1) : r, offset };
    offset += r.length + 1;
    if (line === raw.length - 1) { if (l.text !== '') pending = l; } else if (!isBlankLine(l.text)) lines.push(l);
  });
  return { lines, pending };
}

function readAll(path: string, chunkSize: number, from?: JsonlPosition, firstChunkSize?: number): { lines: JsonlLine[]; result: JsonlReadResult; batches: number } {
  const lines: JsonlLine[] = [];
  let batches = 0;
  const result = readJsonlLines(path, (b) => { batches++; lines.push(...b); }, { chunkSize, from, firstChunkSize });
  return { lines, result, batches };
}

/** Stream a whole file through the builder (the unterminated last line, if any, is the last line). */
function streamFile(path: string, chunkSize: number): { builder: CanonicalStreamBuilder; steps: StreamedStep[] } {
  const builder = new CanonicalStreamBuilder(path);
  const steps: StreamedStep[] = [];
  const r = readJsonlLines(path, (lines) => { steps.push(...builder.add(lines)); }, { chunkSize });
  if (r.pending && !isBlankLine(r.pending.text)) steps.push(...builder.add([r.pending]));
  return { builder, steps };
}

function byRun(steps: readonly StreamedStep[], runs: number): unknown[] {
  const out: unknown[][] = Array.from({ length: runs }, () => []);
  for (const s of steps) out[s.run].push(s.step);
  return jsonView(out) as unknown[];
}

const located = (ws: readonly Problem[]): string[] => ws.filter((w) => w.line !== undefined).map((w) => JSON.stringify([w.file, w.line, w.column, w.message])).sort();
const noEmptyRuns = (ws: readonly Problem[]): string[] => ws.filter((w) => !/has no steps \(nothing to show\)$/.test(w.message)).map((w) => JSON.stringify(w)).sort();

/** The builder's steps equal the whole import's, or (out of decision order) its fallback build does. */
function checkAgainstLoad(path: string, bytes: Uint8Array, chunkSize: number, expected: LoadResult): { inOrder: boolean } {
  const { builder, steps } = streamFile(path, chunkSize);
  const where = `${path} at ${chunkSize}-byte chunks`;
  assert.equal(builder.runs.length, expected.traces.length, `${where}: runs`);
  if (builder.orderBreak) {
    const fallback = builder.buildTraces(sha256Hex(bytes));
    assert.deepEqual(jsonView(fallback.traces), jsonView(expected.traces), `${where}: fallback build`);
    assert.deepEqual(noEmptyRuns(fallback.warnings), noEmptyRuns(expected.warnings), `${where}: fallback warnings`);
    return { inOrder: false };
  }
  assert.deepEqual(byRun(steps, builder.runs.length), jsonView(expected.traces.map((t) => t.steps)), `${where}: steps`);
  assert.deepEqual(located(builder.warnings), located(expected.warnings), `${where}: warnings`);
  return { inOrder: true };
}

/** The id of the first step in file order (by line) with this source id. */
function firstBySourceId(steps: readonly Step[], sourceId: string): string | undefined {
  const withIt = steps.filter((s) => s.sourceId === sourceId);
  return withIt.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0))[0]?.id;
}

const SMALL_CHUNKS = [1, 2, 3, 7];
const CHUNKS = [7, 64 * 1024, 4 * 1024 * 1024];

describe('streaming import of agent-trace/v1 (engine/stream)', () => {
  describe('the builder gives the steps of loadTraceFromBytes', () => {
    const check = (files: CorpusFile[], smallUpTo: number): void => {
      for (const f of files) {
        const path = writeTemp(f.bytes);
        const expected = loadTraceFromBytes(path, f.bytes, { format: 'agent-trace-jsonl' });
        const sizes = f.bytes.length <= smallUpTo ? [...SMALL_CHUNKS, ...CHUNKS] : CHUNKS;
        const orders = sizes.map((size) => checkAgainstLoad(path, f.bytes, size, expected).inOrder);
        assert.ok(orders.every((o) => o === orders[0]), `${f.name}: the order verdict does not depend on the chunk size`);
      }
    };

    it('on the fixture and generated files, all in decision order, at chunk sizes 1, 2, 3, 7, 64 KB and 4 MB', () => {
      const files = streamCorpus();
      check(files, Infinity);
      for (const f of files) {
        const path = writeTemp(f.bytes);
        assert.equal(streamFile(path, 65536).builder.orderBreak, undefined, `${f.name} is in decision order`);
      }
    });

    it('without drafts kept, gives the same steps and warnings, and refuses a whole build by name', () => {
      for (const f of streamCorpus()) {
        const path = writeTemp(f.bytes);
        const lean = new CanonicalStreamBuilder(path, { keepDrafts: false });
        const steps: StreamedStep[] = [];
        const r = readJsonlLines(path, (lines) => { steps.push(...lean.add(lines)); }, { chunkSize: 4096 });
        if (r.pending && !isBlankLine(r.pending.text)) steps.push(...lean.add([r.pending]));
        const full = streamFile(path, 4096);
        assert.deepEqual(jsonView(steps), jsonView(full.steps), f.name);
        assert.deepEqual(lean.warnings, full.builder.warnings, f.name);
        assert.ok(lean.runs.every((run) => run.draft.steps.length === 0 && run.locations.length === 0), f.name);
        assert.deepEqual(lean.runs.map((run) => run.stepLines), full.builder.runs.map((run) => run.draft.steps.length), f.name);
        assert.throws(() => lean.buildTraces('0'.repeat(64)), /keeps no drafts/);
      }
    });

    it('sees the bad lines the whole import warns about, with its words and places', () => {
      const f = streamCorpus().find((c) => c.name.startsWith('multi-byte'))!;
      const path = writeTemp(f.bytes);
      const { builder } = streamFile(path, 3);
      const words = builder.warnings.map((w) => `${w.line}:${w.column} ${w.message}`);
      assert.equal(words.length, 4, words.join('\n'));
      assert.ok(words.some((w) => /^\d+:\d+ invalid JSON: .*\(line skipped\)$/.test(w)), words.join('\n'));
      assert.ok(words.some((w) => /^\d+:1 bad step line: kind: .*\(line skipped\)$/.test(w)), words.join('\n'));
      assert.ok(words.some((w) => /^\d+:513 JSON nested more than 512 levels deep.*\(line skipped\)$/.test(w)), words.join('\n'));
      assert.ok(words.some((w) => /^\d+:1 bad trace line: title: .*\(line skipped\)$/.test(w)), words.join('\n'));
      assert.ok(builder.warnings.every((w) => w.file === path));
    });

    it('on the shared real traces converted to agent-trace/v1', function () {
      this.timeout(600_000);
      const { files, none } = convertedSharedTraces();
      assert.ok(files.length >= 12, `converted ${files.length} shared traces; folders with none that loads: ${none.join(', ')}`);
      check(files, 64 * 1024);
    });
  });

  describe('files out of decision order', () => {
    const step = (id: string, parentId: string | null, startTime?: number): string => JSON.stringify({ type: 'step', id, parentId, kind: 'tool', name: id, ...(startTime !== undefined ? { startTime } : {}) });
    const cases: { name: string; lines: string[]; line: number; reason: RegExp }[] = [
      { name: 'a child of an earlier, closed subtree', lines: [step('a', null), step('b', 'a'), step('c', null), step('d', 'b')], line: 4, reason: /child of "b", whose subtree ended earlier/ },
      { name: 'a child of a closed subtree under the same parent', lines: [step('r', null), step('a', 'r'), step('b', 'a'), step('c', 'r'), step('d', 'b')], line: 5, reason: /child of "b", whose subtree ended earlier/ },
      { name: 'a parent that comes later', lines: [step('a', null), step('b', 'z'), step('z', null)], line: 2, reason: /names parent "z", which is not before it/ },
      { name: 'a parent that is nowhere', lines: [step('a', null), step('b', 'nowhere')], line: 2, reason: /names parent "nowhere"/ },
      { name: 'a sibling that starts earlier', lines: [step('r', null, 0), step('a', 'r', 20), step('b', 'r', 10)], line: 3, reason: /starts before an earlier child of "r"/ },
      { name: 'a top-level step that starts earlier', lines: [step('a', null, 20), step('b', null, 10)], line: 2, reason: /starts before an earlier top-level step/ },
    ];
    for (const c of cases) {
      it(`${c.name}: says so, emits nothing after it, and its fallback build equals the whole import`, () => {
        const text = c.lines.join('\n') + '\n';
        const bytes = new TextEncoder().encode(text);
        const path = writeTemp(bytes);
        const expected = loadTraceFromBytes(path, bytes);
        for (const size of [1, 5, 65536]) {
          const { builder, steps } = streamFile(path, size);
          assert.equal(builder.orderBreak?.line, c.line, `chunk ${size}: ${JSON.stringify(builder.orderBreak)}`);
          assert.match(builder.orderBreak.reason, c.reason);
          assert.equal(steps.length, c.line - 1, 'the steps before the break are emitted, none after');
          assert.equal(builder.runs[0].draft.steps.length, c.lines.length, 'every step line is kept as a draft');
          assert.equal(builder.runs[0].stepLines, c.lines.length);
          checkAgainstLoad(path, bytes, size, expected);
        }
      });
    }

    it('stays in order for duplicate ids, a self-parent, equal and missing start times', () => {
      const lines = [step('a', null, 5), step('a', 'a', 7), step('b', 'b', 5), step('c', 'b'), step('d', 'b', 1), step('e', null, 9), step('f', null)];
      const bytes = new TextEncoder().encode(lines.join('\n'));
      const path = writeTemp(bytes);
      const { builder, steps } = streamFile(path, 2);
      assert.equal(builder.orderBreak, undefined, JSON.stringify(builder.orderBreak));
      assert.deepEqual(steps.map((s) => `${s.step.id}<${s.step.parentId ?? ''}`), ['a<', 'a#2<a', 'b<', 'c<b', 'd<b', 'e<', 'f<']);
      checkAgainstLoad(path, bytes, 2, loadTraceFromBytes(path, bytes));
    });

    it('any steps with repeated ids, literal repeat ids ("a#2") and self-parents: the whole import\'s steps, or an order break whose fallback build is it', () => {
      const ids = ['a', 'b', 'a#2', 'a#2#2', 'b#2'];
      const stepArb = fc.record({ id: fc.constantFrom(...ids), parent: fc.option(fc.constantFrom(...ids), { nil: null }), start: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) });
      let inOrder = 0;
      fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 9 }), (steps) => {
        const bytes = new TextEncoder().encode(steps.map((s) => step(s.id, s.parent, s.start)).join('\n') + '\n');
        const path = writeTemp(bytes);
        const expected = loadTraceFromBytes(path, bytes);
        if (checkAgainstLoad(path, bytes, 3, expected).inOrder) inOrder++;
        // A parent or a label names a step by its source id: the first step that had it, as the whole import resolves it.
        const { builder } = streamFile(path, 3);
        for (const id of ids) assert.equal(builder.firstIdOf(0, id), firstBySourceId(expected.traces[0].steps, id), `firstIdOf(${id}) in ${JSON.stringify(steps)}`);
      }), { numRuns: 300, seed: 1207 });
      assert.ok(inOrder >= 10, `the steps of ${inOrder} of 300 files were streamed in order (the rest broke the order)`);
    });

    it('a source id that names a repeat ("a#2" after two "a") gets its own id, and its children find it as their parent', () => {
      const lines = [step('a', null, 1), step('a', null, 2), step('a#2', null, 3), step('k', 'a#2', 4), step('j', 'a', 5)];
      const bytes = new TextEncoder().encode(lines.join('\n'));
      const path = writeTemp(bytes);
      const { builder, steps } = streamFile(path, 2);
      assert.equal(builder.orderBreak?.line, 5, 'a child of the first "a" after its subtree ended breaks the order');
      assert.deepEqual(steps.map((s) => `${s.step.id}<${s.step.parentId ?? ''}`), ['a<', 'a#2<', 'a#2#2<', 'k<a#2#2']);
      assert.equal(builder.firstIdOf(0, 'a#2'), 'a#2#2');
      assert.equal(builder.firstIdOf(0, 'a'), 'a');
      assert.equal(builder.firstIdOf(0, 'nope'), undefined);
      const whole = loadTraceFromBytes(path, bytes).traces[0].steps;
      assert.equal(whole.find((s) => s.id === 'k')?.parentId, 'a#2#2', 'as the whole import resolves it');
    });
  });

  describe('the line reader', () => {
    // Text pieces: ASCII, 2-, 3- and 4-byte characters, line breaks of both kinds, a lone \r,
    // blanks, and bytes that are not UTF-8 (a stray continuation byte, a cut 3-byte sequence, 0xff).
    const piece = fc.oneof(
      fc.constantFrom('\n', '\r\n', '\r', ' ', '\t', '{"a":1}', 'é', '日本', '🎉', 'ß\n', '\uFEFF'),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.constantFrom(Uint8Array.of(0x80), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xff), Uint8Array.of(0xf0, 0x9f)),
    );
    const fileArb = fc.record({ bom: fc.boolean(), pieces: fc.array(piece, { maxLength: 40 }) }).map(({ bom, pieces }) => {
      const parts = pieces.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p.replace(/\0/g, ' ')) : p));
      if (bom) parts.unshift(Uint8Array.of(0xef, 0xbb, 0xbf));
      return Buffer.concat(parts);
    });

    it('gives the lines, line numbers, offsets and byte ranges of the whole decoded text, at every chunk size', () => {
      fc.assert(fc.property(fileArb, fc.integer({ min: 1, max: 40 }), (bytes, random) => {
        const path = writeTemp(bytes);
        const want = wholeLines(bytes);
        // [chunk size, first read's size]: the first reads grow from the second to the first.
        for (const [size, first] of [[1], [2], [3], [7], [random], [65536], [64, random], [65536, 1]]) {
          const { lines, result } = readAll(path, size, undefined, first);
          const strip = ({ line, text, offset }: JsonlLine): unknown => ({ line, text, offset });
          assert.deepEqual(lines.map(strip), want.lines, `chunk ${size}`);
          // Bytes that decode to nothing (a second BOM) are still pending: the file may go on.
          assert.deepEqual(result.pending?.text ? strip(result.pending) : undefined, want.pending, `chunk ${size}: pending`);
          for (const l of [...lines, ...(result.pending ? [result.pending] : [])]) {
            const decoded = new TextDecoder('utf-8', { ignoreBOM: l.line !== 0 }).decode(bytes.subarray(l.byteStart, l.byteEnd));
            assert.equal(decoded, l.text, `chunk ${size}: bytes of line ${l.line}`);
          }
          const tail = result.pending ?? { byteStart: bytes.length };
          assert.equal(result.next.byte, tail.byteStart);
        }
      }), { numRuns: Number(process.env.STREAM_RUNS ?? 150) });
    });

    it('drops a BOM (and a second one right after it, as the whole-text decode does) only at the start of the file', () => {
      const bytes = Buffer.from('\uFEFF\uFEFF{"a":1}\n\uFEFF{"b":2}\n');
      const path = writeTemp(bytes);
      for (const size of [1, 2, 4, 65536]) {
        const { lines } = readAll(path, size);
        assert.deepEqual(lines.map((l) => [l.text, l.offset, l.byteStart]), [['{"a":1}', 0, 3], ['\uFEFF{"b":2}', 8, 14]]);
        assert.deepEqual(wholeLines(bytes).lines.map((l) => [l.text, l.offset]), lines.map((l) => [l.text, l.offset]));
      }
    });

    it('hands over one batch per chunk, and stops when told', () => {
      const bytes = new TextEncoder().encode('{"a":1}\n{"b":2}\n{"c":3}\n');
      const path = writeTemp(bytes);
      assert.equal(readAll(path, 8).batches, 3);
      const got: number[] = [];
      const r = readJsonlLines(path, (b) => { got.push(...b.map((l) => l.line)); return false; }, { chunkSize: 10 });
      assert.deepEqual(got, [0]);
      assert.equal(r.stopped, true);
      assert.deepEqual(r.next, { byte: 8, line: 1, offset: 8 });
      assert.deepEqual(readAll(path, 10, r.next).lines.map((l) => l.text), ['{"b":2}', '{"c":3}']);
    });

    it('reads a small first chunk, then chunks twice as large up to the chunk size', () => {
      const bytes = new TextEncoder().encode(Array.from({ length: 64 }, (_, i) => `{"n":${String(i).padStart(6, '0')}}`).join('\n') + '\n');
      const path = writeTemp(bytes);
      const ends: number[] = [];
      readJsonlLines(path, (b) => { ends.push(b[b.length - 1].byteEnd + 1); }, { chunkSize: 100, firstChunkSize: 13 });
      // 13-byte lines: reads of 13, 26, 52, 100, 100... bytes end after 1, 2 (3 in all), 4 (7), 7 (14) lines...
      assert.deepEqual(ends.slice(0, 5).map((e) => e / 13), [1, 3, 7, 14, 22]);
      assert.deepEqual(readAll(path, 100, undefined, 13).lines.map((l) => l.text), readAll(path, 100).lines.map((l) => l.text));
    });

    it('refuses UTF-16 by name, which only the whole-file reader decodes', () => {
      const path = writeTemp(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}\n', 'utf16le')]));
      assert.throws(() => readAll(path, 4), (e: Error) => e.message.includes(path) && /UTF-16/.test(e.message));
    });
  });

  describe('following a growing file', () => {
    const final = ((): Uint8Array => {
      const lines = [...largeTraceLines(60)].map((l, i) => (i % 4 === 2 ? l.replace('"name":"', '"name":"日本🎉 ') : l));
      return new TextEncoder().encode(lines.join('\n') + '\n');
    })();

    it('reading on from where the last read stopped gives the steps of reading the final file at once', () => {
      const path0 = writeTemp(final);
      const expected = loadTraceFromBytes(path0, final);
      fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: final.length - 1 }), { minLength: 1, maxLength: 4 }), fc.constantFrom(1, 3, 64, 65536), (cuts, size) => {
        const ends = [...cuts.sort((a, b) => a - b), final.length];
        const path = writeTemp(final.subarray(0, ends[0]));
        const builder = new CanonicalStreamBuilder(path);
        const steps: StreamedStep[] = [];
        let from: JsonlPosition | undefined;
        ends.forEach((end, k) => {
          if (k > 0) appendFileSync(path, final.subarray(ends[k - 1], end));
          const r = readJsonlLines(path, (lines) => { steps.push(...builder.add(lines)); }, { chunkSize: size, from });
          from = r.next;
          // A line without its line break yet is pending, and not given to the builder.
          const nl = final.lastIndexOf(0x0a, end - 1);
          assert.equal(r.next.byte, nl + 1, `after ${end} bytes`);
          assert.equal(r.pending?.byteStart, end > nl + 1 ? nl + 1 : undefined);
        });
        assert.equal(builder.orderBreak, undefined);
        assert.deepEqual(byRun(steps, 1), jsonView([expected.traces[0].steps]));
      }), { numRuns: 40 });
    });

    it('a half line stays pending until its rest is written, then comes out whole', () => {
      const path = writeTemp('{"type":"step","id":"a","kind":"tool","name":"x"}\n{"type":"step","id":"b","parentId":"a","kind":"tool","name":"日');
      const builder = new CanonicalStreamBuilder(path);
      const r1 = readJsonlLines(path, (lines) => { assert.equal(builder.add(lines).length, 1); }, { chunkSize: 5 });
      assert.equal(r1.pending?.line, 1);
      assert.match(r1.pending.text, /"name":"日$/);
      appendFileSync(path, Buffer.from('本"}\n'));
      const got: StreamedStep[] = [];
      const r2 = readJsonlLines(path, (lines) => { got.push(...builder.add(lines)); }, { chunkSize: 5, from: r1.next });
      assert.equal(r2.pending, undefined);
      assert.deepEqual(got.map((s) => [s.step.id, s.step.parentId, s.step.name, s.step.index, s.step.depth, s.step.location?.line]), [['b', 'a', '日本', 1, 1, 2]]);
    });

    it('a character cut in the middle of its bytes is not read until its last byte is there', () => {
      const text = Buffer.from('{"a":"🎉"}\n');
      const path = writeTemp(text.subarray(0, 8));
      const r1 = readAll(path, 3);
      assert.equal(r1.lines.length, 0);
      assert.equal(r1.result.pending?.text, '{"a":"\uFFFD');
      appendFileSync(path, text.subarray(8));
      assert.deepEqual(readAll(path, 3, r1.result.next).lines.map((l) => l.text), ['{"a":"🎉"}']);
    });
  });
});
