/**
 * Search over steps held without their payloads reads the file and rebuilds only the lines its
 * needle marks (held-search.ts, line-needle.ts). It must find exactly what a search of the whole
 * steps finds: here on lines written to trip the needle (escapes, numbers JSON.stringify writes
 * otherwise, characters that lower-case to ASCII, derived ids, upper case, keys), for substrings of
 * every step's search text and for chosen queries.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { DocumentLoader } from '../../../src/core/engine/worker/document-load';
import { searchableText } from '../../../src/core/engine/trace-index';
import { lineNeedle } from '../../../src/core/engine/stream/line-needle';
import { useFoldFinder } from '../../../src/core/engine/stream/fold-find';
import { checkLinesInFile, FilePayloads, LineVerdict, type IndexedSteps } from '../../../src/core/engine/stream/step-payloads';
import { stepsOf } from '../../support/indexed-steps';
import { HELD_SEARCH_SLICE, HeldSearch } from '../../../src/core/engine/held-search';
import type { Step } from '../../../src/core/model/schema';

const step = (id: string, fields: Record<string, unknown>): string => JSON.stringify({ type: 'step', id, parentId: 'root', kind: 'tool', name: 'run', ...fields });

/** Raw lines, some written by hand where JSON.stringify would write them otherwise. */
const LINES = [
  JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'r1', title: 'needle' }),
  JSON.stringify({ type: 'step', id: 'root', kind: 'agent', name: 'Agent' }),
  step('upper', { output: { value: 'The Request TIMED OUT after 30s' } }),
  '{"type":"step","id":"escaped","parentId":"root","kind":"tool","name":"run","output":{"value":"\\u0074ime\\u004Fut in \\u0063aff\\u00e8"}}',
  '{"type":"step","id":"exponent","parentId":"root","kind":"tool","name":"calc","toolCall":{"name":"calc","arguments":{"n":1e2,"big":123456789012345678901234,"small":2.50E-3}}}',
  step('kelvin', { output: { messages: [{ role: 'tool', content: 'at 300 \u212A the \u0130stanbul probe' }] } }),
  step('dup', { output: { value: 'first' } }),
  step('dup', { output: { value: 'second of the same id' } }),
  step('keys', { output: { value: { content: 'x', role: 'y', status: 42, ok: true, none: null } } }),
  step('error', { status: 'error', error: { type: 'PermissionError', message: 'Permission denied: /etc/shadow' } }),
  JSON.stringify({ type: 'step', id: 'llm', parentId: 'root', kind: 'llm', name: 'chat', model: 'GPT-4o-mini', input: { messages: [{ role: 'user', content: 'Find the "quoted" word\nand the next line' }] }, output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'grep', arguments: '{"pattern": "needle"}' }] }] } }),
  step('slash', { output: { value: 'a\\/b and c\\d' } }),
  '{"type":"step","id":"raw-slash","parentId":"root","kind":"tool","name":"run","output":{"value":"path\\/to\\/file"}}',
  step('control', { output: { value: { text: 'tab\there\u0001bell' } } }),
];

// Twice: with the SIMD byte search the scan uses where WebAssembly has SIMD, and with the regex it uses elsewhere.
for (const finder of [true, false]) describe(`engine: search over held steps (${finder ? 'the SIMD byte search' : 'the regex over latin1 text'})`, function () {
  this.timeout(60_000);
  let dir: string;
  let held: TraceFile;
  let whole: TraceFile;

  /** Seven slices of steps: "Rare Word <i>" now and then, "common text <i>" otherwise (every 7th written with an escape). */
  function writeSplitFile(): string {
    const lines = [LINES[0], LINES[1]];
    const total = HELD_SEARCH_SLICE * 6 + 5;
    for (let i = 0; i < total; i++) {
      const line = step(`s${i}`, { output: { value: i % 613 === 0 ? `Rare Word ${i}` : `common text ${i}` } });
      lines.push(i % 7 === 0 ? line.replace('common text', 'common \\u0074ext') : line);
    }
    const path = join(dir, 'split.trace.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  }

  function openHeld(path: string): TraceFile {
    return openHeldWithLoader(path).file;
  }

  function openHeldWithLoader(path: string): { file: TraceFile; loader: DocumentLoader } {
    const file = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
    const loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: 0, payloadsOnDemand: true }, (e) => file.applyLoadEvent(e));
    loader.open();
    file.flushGrowth();
    return { file, loader };
  }

  before(() => {
    useFoldFinder(finder);
    dir = mkdtempSync(join(tmpdir(), 'atd-held-search-'));
    const path = join(dir, 'needle.trace.jsonl');
    writeFileSync(path, LINES.join('\n') + '\n');
    held = openHeld(path);
    whole = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
  });
  after(() => {
    useFoldFinder(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the steps (the search below reads the file)', () => {
    const steps = held.session(0).steps;
    assert.equal(steps.length, whole.session(0).steps.length);
    assert.ok(steps.every((s) => s.input === undefined && s.output === undefined && s.toolCall?.arguments === undefined));
    assert.ok(held.session(0).index.heldSearch('x'), 'searched in the file');
  });

  it('finds what the whole steps give, for every substring of every step\'s search text', () => {
    const texts = whole.session(0).steps.map(searchableText);
    const queries = new Set<string>();
    for (const text of texts) {
      for (let len = 1; len <= 14; len += 2) for (let at = 0; at + len <= text.length; at += 3) queries.add(text.slice(at, at + len));
    }
    assert.ok(queries.size > 500, `${queries.size} queries`);
    for (const q of queries) {
      if (!q.trim()) continue;
      assert.deepEqual(held.session(0).index.search(q), whole.session(0).index.search(q), JSON.stringify(q));
    }
  });

  it('finds words written as escapes, numbers JSON.stringify writes another way, and characters that lower-case to ASCII', () => {
    const cases: Array<[string, string[]]> = [
      ['timeout', ['escaped']], ['caffè', ['escaped']], ['timed out', ['upper']],
      ['"n":100', ['exponent']], ['100', ['exponent']], ['e+23', ['exponent']], ['0.0025', ['exponent']],
      ['300 k', ['kelvin']], ['i̇stanbul', ['kelvin']],
      ['dup#2', ['dup#2']], ['#2', ['dup#2']], ['#2\n\nsecond', ['dup#2']],
      ['"status":42', ['keys']], ['true', ['keys']], ['role', ['keys']],
      ['permissionerror', ['error']], ['gpt-4o', ['llm']], ['"quoted"', ['llm']], ['{"pattern": "needle"}', ['llm']],
      ['path/to', ['raw-slash']], ['\\u0001', ['control']],
    ];
    const session = held.session(0);
    for (const [q, ids] of cases) {
      const found = session.index.search(q).map((i) => session.steps[i].id);
      assert.deepEqual(found, ids, q);
      assert.deepEqual(whole.session(0).index.search(q).map((i) => whole.session(0).steps[i].id), ids, `whole: ${q}`);
    }
  });

  it('marks only lines that may hold the query', () => {
    // One line in a file, as the search reads it: does the needle make it a candidate?
    const marks = (query: string, line: string): boolean => {
      const path = join(dir, 'one-line.jsonl');
      writeFileSync(path, line);
      const payloads = new FilePayloads(path);
      payloads.addRanges([0, Buffer.byteLength(line)]);
      const lone = { ...held.session(0).steps[2], index: 0 };
      return payloads.candidates(stepsOf([lone]), 0, 1, lineNeedle(query)).length === 1;
    };
    assert.equal(marks('timed out', '{"value":"the Request TIMED OUT"}'), true);
    assert.equal(marks('timed out', '{"value":"\\u0074imed"}'), true, 'an escape may hide it');
    assert.equal(marks('timed out', '{"value":"nothing of the kind"}'), false);
    assert.equal(lineNeedle('#!').pattern, undefined, 'no letter or digit: every line');
    assert.equal(marks('checksum mismatch', '{"value":"Checksum fine, no MISMATCH"}'), true);
    assert.equal(marks('checksum mismatch', '{"value":"checksum fine"}'), false, 'every word of the query must be in the line');
    assert.equal(marks('checksum mismatch', '{"value":"checksum \\u006dismatch"}'), true, 'unless an escape may hide one');
    assert.equal(marks('404', '{"n":4.04e2}'), true, 'an exponent may write it');
    assert.equal(marks('404', '{"n":4.05}'), false);
    assert.equal(marks('kelvin', '{"value":"300 \u212Aelvin"}'), true, 'KELVIN SIGN lower-cases to k');
  });

  it('counts and lists the first matches of a search part-checked without listing them all, and as the whole list does once checked', () => {
    const n = HELD_SEARCH_SLICE * 3;
    const steps = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, index: i, name: i % 3 === 0 ? 'needle here' : 'hay', kind: 'tool', status: 'ok', depth: 0, parentId: null, attributes: {} }) as unknown as Step);
    // Every step whole already: the search checks them from memory.
    const source = { whole: (s: Step) => s, wholeAt: (all: IndexedSteps, at: readonly number[]) => at.map((k) => all.step(k)), byteLength: () => 0, candidates: (_: IndexedSteps, from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k) };
    const search = new HeldSearch('needle', stepsOf(steps), source);
    // Slice 1 only, whole: a call scans it or checks the next few of its candidates.
    for (let call = 0; call < 50; call++) search.checkSlice(1);
    assert.equal(search.complete, false);
    const inSlice1 = Array.from({ length: HELD_SEARCH_SLICE }, (_, k) => HELD_SEARCH_SLICE + k).filter((i) => i % 3 === 0);
    assert.equal(search.matchCount(), inSlice1.length);
    assert.deepEqual(search.firstMatches(5), inSlice1.slice(0, 5));
    assert.deepEqual(search.firstMatches(10_000), inSlice1);
    search.checkAll();
    const all = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === 0);
    assert.equal(search.matchCount(), all.length);
    assert.deepEqual(search.firstMatches(4), all.slice(0, 4));
    assert.deepEqual(search.matchList(), all);
    assert.equal(search.matchCount(), all.length, 'from the list, once made');
  });

  it('answers the first match from the selection before the count, over many slices, also after the file grew', async () => {
    const lines = [LINES[0], LINES[1]];
    const total = HELD_SEARCH_SLICE * 3 + 17;
    for (let i = 0; i < total; i++) lines.push(step(`s${i}`, { output: { value: i % 997 === 0 ? `Rare Word ${i}` : `common text ${i}` } }));
    const path = join(dir, 'slices.trace.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    const { file, loader } = openHeldWithLoader(path);
    const session = file.session(0);
    let all = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);
    const expected = all.search('rare word', 5_000, 'next');
    const partial = await session.searchAsync('rare word', 5_000, 'next');
    assert.equal(partial.index, expected.index);
    // A partial answer counts and lists (in order) the matches found so far, all of them true ones.
    assert.equal(partial.partial, true);
    assert.ok(partial.matchCount > 0 && partial.matchCount < expected.matchCount, `${partial.matchCount} of ${expected.matchCount}`);
    assert.equal(partial.matches!.length, partial.matchCount);
    assert.deepEqual(partial.matches, [...partial.matches!].sort((a, b) => a - b));
    assert.ok(partial.matches!.every((m) => expected.matches!.includes(m)));
    const counted = await session.searchAsync('rare word', 5_000, 'next', { complete: true });
    assert.deepEqual(counted, expected);
    assert.deepEqual(await session.searchAsync('rare word', 10, 'previous', { complete: true }), all.search('rare word', 10, 'previous'), 'wraps backwards');
    // A refinement of a counted query: only its matches are checked, with the same answer.
    assert.deepEqual(await session.searchAsync('rare word 1994', -1, 'next', { complete: true }), all.search('rare word 1994', -1, 'next'));

    // The file grows: the counted searches check the new steps when asked again.
    appendFileSync(path, [step('late-1', { output: { value: 'a RARE WORD at the end' } }), step('late-2', { output: { value: 'rare word 1994 again' } })].join('\n') + '\n');
    loader.reload();
    file.flushGrowth();
    assert.equal(session.steps.length, total + 3);
    all = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);
    for (const q of ['rare word', 'rare word 1994']) {
      const r = await session.searchAsync(q, -1, 'previous', { complete: true });
      assert.deepEqual(r, all.search(q, -1, 'previous'), q);
      assert.equal(session.steps[r.index!].id, q === 'rare word' ? 'late-2' : 'late-2');
    }
  });

  it('splits a search with a checker in another thread: the same answers however and whenever it answers', async () => {
    const path = writeSplitFile();
    const all = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);
    const searches: Array<[string, number, 'next' | 'previous']> = [
      ['rare word', 7_000, 'next'], ['rare word 1', 3, 'previous'], ['no such words', -1, 'next'], ['common text 4', 11_000, 'next'], ['text', 100, 'previous'],
    ];
    // How the host's own scans are counted: the checker's slices are not scanned here.
    const hostScan = FilePayloads.prototype.candidates;
    let hostScans = 0;
    FilePayloads.prototype.candidates = function (this: FilePayloads, ...args: Parameters<typeof hostScan>) { hostScans++; return hostScan.apply(this, args); };
    try {
      for (const seed of [1, 2, 3, 4]) {
        let state = seed;
        const random = (): number => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
        const { file } = openHeldWithLoader(path);
        let answered = 0;
        // Seed 1's checker always answers at once; the others answer late (the host may have scanned the slice
        // itself by then), sometimes not at all or with an error, and leave some lines to the host.
        file.lineChecker = async (query, lines) => {
          const r = seed === 1 ? 1 : random();
          if (r < 0.05) return undefined;
          if (r < 0.1) throw new Error('the worker could not read the file');
          for (let k = Math.floor(random() * 8); k > 0; k--) await new Promise(setImmediate);
          answered++;
          const verdicts = checkLinesInFile(path, lines, query);
          // Some lines it could not rebuild: the host checks them itself.
          if (seed !== 1) for (let r = 0; r < verdicts.length; r++) if (random() < 0.1) verdicts[r] = LineVerdict.Unsure;
          return verdicts;
        };
        hostScans = 0;
        const session = file.session(0);
        for (const [q, from, direction] of searches) {
          assert.deepEqual(await session.searchAsync(q, from, direction, { complete: true }), all.search(q, from, direction), `seed ${seed}: ${q}`);
          // Let late answers arrive: one for a slice checked here meanwhile changes nothing.
          for (let k = 0; k < 10; k++) await new Promise(setImmediate);
          assert.ok(session.index.heldSearch(q)?.complete, `seed ${seed}: ${q} stays counted`);
        }
        assert.ok(answered > 0, `seed ${seed}: the checker answered`);
        if (seed === 1) assert.ok(hostScans < searches.length * 4, `seed 1: ${hostScans} slices scanned here of ${searches.length * 7}`);
      }
    } finally {
      FilePayloads.prototype.candidates = hostScan;
    }
  });

  it('a count going on in the background and a search asking again never hand the other thread the same slice twice', async () => {
    const path = writeSplitFile();
    const all = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);
    const { file } = openHeldWithLoader(path);
    const asked: number[] = [];
    // Late answers (a few turns each), so that both walks have slices in flight at once.
    file.lineChecker = async (query, lines) => {
      asked.push(lines.starts[0]);
      for (let k = 0; k < 6; k++) await new Promise(setImmediate);
      return checkLinesInFile(path, lines, query);
    };
    const session = file.session(0);
    // As the editor does: the first answer (the count goes on in the background), then the search again.
    const first = await session.searchAsync('rare word', 100, 'next');
    assert.equal(first.partial, true, 'the first answer comes before the count');
    const counted = await session.searchAsync('rare word', 100, 'next', { complete: true });
    assert.deepEqual(counted, all.search('rare word', 100, 'next'));
    assert.ok(asked.length > 0, 'the other thread was asked');
    assert.deepEqual(asked.filter((start, k) => asked.indexOf(start) !== k), [], `slices asked twice (by first line's offset) of ${asked.length} asked`);
  });

  it('the first match is not passed over where the other thread left a line to the host', async () => {
    const path = writeSplitFile();
    const all = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);
    const { file } = openHeldWithLoader(path);
    // At once, with the first match of each slice left to the host: "common text 2" is in slices 0
    // and 1 only, which the checker does first while the host goes from slice 3 round to them.
    let leftToHost = 0;
    file.lineChecker = async (query, lines) => {
      const verdicts = checkLinesInFile(path, lines, query);
      const first = verdicts.indexOf(LineVerdict.Match);
      if (first >= 0) { verdicts[first] = LineVerdict.Unsure; leftToHost++; }
      return verdicts;
    };
    const expected = all.search('common text 2', 7_000, 'next');
    assert.equal(all.steps[expected.index!].id, 's2');
    assert.equal((await file.session(0).searchAsync('common text 2', 7_000, 'next')).index, expected.index);
    assert.ok(leftToHost > 0, 'the checker answered');
  });
});
