/** Text diagnostics run only for documents that sniff as traces; the verdict is remembered per version, and JSON Lines are sniffed on their first lines. */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SNIFF_HEAD_CHARS, TraceSniffMemo, headForSniff, sniffedFormat, sniffsAsTrace, type SniffDocument, type SniffSource } from '../../../src/host/text/sniff-memo';
import { tryParseJson } from '../../../src/core/json/depth';
import { PROJECT_ROOT, SHARED_TRACES, sharedPath } from '../../support/shared';

/** A document as VS Code holds it: lines with one line break throughout; counts what is read. */
function doc(text: string, path = '/x/data.json', version = 1): SniffDocument & { reads: { lines: number; whole: number } } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r\n|\r|\n/);
  const reads = { lines: 0, whole: 0 };
  return {
    key: `file://${path}`, version, path, eol, reads,
    lineCount: lines.length,
    lineAt: (i) => { reads.lines++; return lines[i]; },
    getText: () => { reads.whole++; return lines.join(eol); },
    textLength: () => lines.join(eol).length,
  };
}

const source = (text: string): SniffSource => doc(text);

/** A JSON Lines file at least `chars` long and SNIFF_HEAD_LINES lines, by repeating its own lines. */
function longJsonl(text: string, chars: number): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const out = [...lines];
  let length = text.length;
  for (let i = 0; length < chars || out.length < 10; i++) {
    out.push(lines[i % lines.length]);
    length += lines[i % lines.length].length + 1;
  }
  return out.join('\n');
}

/** Files that are not text documents a user would open as a trace (zip archives such as Inspect .eval have none). */
const NOT_TEXT = /\.(eval|zip|zst|gz|md|tsv|py|txt)$/i;

/** Text files of a folder, recursively. */
function textFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...textFiles(p));
    else if (!NOT_TEXT.test(name)) out.push(p);
  }
  return out;
}

/**
 * The example files the project ships: those git tracks, in a git checkout. Not a walk of the
 * folder there: npm test runs the unit tests beside the integration tests, whose workspace is this
 * folder and which make and remove folders of their own in it (a file listed, then removed before
 * it was read, failed this test in CI). Outside a checkout, the folder is walked.
 */
function shippedExamples(): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-z', '--', 'examples'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = listed.split('\0').filter((f) => f !== '' && !NOT_TEXT.test(f)).sort().map((f) => join(PROJECT_ROOT, f));
    if (files.length > 0) return files;
  } catch {
    // not a git checkout, or no git: the walk below
  }
  return textFiles(join(PROJECT_ROOT, 'examples'));
}

describe('trace sniffing for text documents', () => {
  it('does not take package.json, tsconfig.json or an empty file for a trace', () => {
    for (const name of ['package.json', 'tsconfig.json', 'package-lock.json']) {
      assert.equal(sniffsAsTrace(join(PROJECT_ROOT, name), readFileSync(join(PROJECT_ROOT, name), 'utf8')), false, name);
    }
    assert.equal(sniffsAsTrace('/x/empty.json', '  \n'), false);
    assert.equal(sniffsAsTrace('/x/broken.json', '{"a": '), false);
  });

  it('recognises real traces whatever their file name', () => {
    const trail = sharedPath('traces', 'trail', 'GAIA', 'traces', 'e491d73ca2fd8a2a6f8984feb1c408a3.json');
    assert.equal(sniffsAsTrace('/x/renamed.json', readFileSync(trail, 'utf8')), true);
    const example = join(PROJECT_ROOT, 'examples', 'research-agent.trace.jsonl');
    assert.equal(sniffsAsTrace('/x/notes.jsonl', readFileSync(example, 'utf8')), true);
  });

  it('sniffs each document version once and re-sniffs after an edit', () => {
    const calls: string[] = [];
    const memo = new TraceSniffMemo((_path, text) => { calls.push(text); return text.includes('trace'); });
    const v1 = doc('{"name": "pkg"}', '/a.json', 1);
    assert.equal(memo.shouldAnalyse(v1, 1e6), false);
    // Change events without a new version, a taxonomy change, the editor shown again: no sniff.
    assert.equal(memo.shouldAnalyse(doc('{"name": "pkg"}', '/a.json', 1), 1e6), false);
    assert.equal(memo.shouldAnalyse(v1, 1e6), false);
    assert.equal(calls.length, 1, 'the same version is not sniffed twice');
    assert.equal(memo.shouldAnalyse(doc('{"trace": 1}', '/a.json', 2), 1e6), true);
    assert.equal(calls.length, 2, 'a new version is sniffed');
    memo.forget('file:///a.json');
    assert.equal(memo.shouldAnalyse(doc('{"trace": 1}', '/a.json', 2), 1e6), true);
    assert.equal(calls.length, 3, 'a closed document is sniffed afresh when reopened');
  });

  it('analyses files named like traces without sniffing, and reads nothing of a document over the size limit', () => {
    let sniffs = 0;
    const memo = new TraceSniffMemo(() => { sniffs++; return true; });
    const named = doc('not even json', '/x/run.trace.json');
    assert.equal(memo.shouldAnalyse(named, 1e6), true, 'a broken file named like a trace still gets its located errors');
    const big = doc(`{"a": "${'x'.repeat(2000)}"}`, '/x/big.json');
    assert.equal(memo.shouldAnalyse(big, 1000), false);
    assert.equal(sniffs, 0);
    assert.deepEqual([named.reads, big.reads], [{ lines: 0, whole: 0 }, { lines: 0, whole: 0 }]);
  });

  it('sniffs a large JSON Lines document on its first 64 KB, never reading the rest', () => {
    const texts: string[] = [];
    const memo = new TraceSniffMemo((path, text) => { texts.push(text); return sniffsAsTrace(path, text); });
    const row = JSON.stringify({ prompt: 'x'.repeat(200), completion: 'y'.repeat(300), meta: { id: 1 } });
    const dataset = doc(Array.from({ length: 30_000 }, () => row).join('\n'), '/x/sft.jsonl');
    assert.ok(dataset.textLength() > 15e6);
    assert.equal(memo.shouldAnalyse(dataset, 20 * 1048576), false, 'a 15 MB dataset is not a trace');
    assert.equal(dataset.reads.whole, 0, 'its whole text was not read');
    assert.ok(dataset.reads.lines < 200, `read ${dataset.reads.lines} of 30,000 lines`);
    assert.ok(texts[0].length >= SNIFF_HEAD_CHARS && texts[0].length < SNIFF_HEAD_CHARS + row.length + 1, `sniffed ${texts[0].length} characters`);

    const trace = doc(longJsonl(readFileSync(join(PROJECT_ROOT, 'examples', 'research-agent.trace.jsonl'), 'utf8'), 5e6), '/x/notes.jsonl');
    assert.equal(memo.shouldAnalyse(trace, 20 * 1048576), true, 'a large agent-trace JSONL under another name is a trace');
    assert.equal(trace.reads.whole, 0);
  });

  it('sniffs a JSON document whole: its top level decides', () => {
    const pretty = doc(JSON.stringify({ metadata: { note: 'x'.repeat(100_000) }, resourceSpans: [] }, null, 2));
    assert.equal(headForSniff(pretty), undefined);
    const single = source(`${JSON.stringify({ a: 1 })}\n\n`);
    assert.equal(headForSniff(single), undefined, 'one line of content is its own head');
    assert.equal(headForSniff(source('{"a": 1}\n{"b": 2}')), undefined, 'a short document is its own head');
  });

  it('decides on the head as on the whole text, for every shared trace and example (and for longer copies of JSON Lines ones)', () => {
    const files = [...textFiles(SHARED_TRACES), ...shippedExamples(), ...textFiles(join(PROJECT_ROOT, 'test', 'fixtures'))];
    let compared = 0;
    const formats = new Set<string>();
    const disagreements: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const variants = [text];
      // A file whose first line is a JSON value, made longer than the head by repeating its lines.
      const first = text.split(/\r?\n/).find((l) => l.trim() !== '');
      if (first !== undefined && tryParseJson(first.trim()) !== undefined) {
        variants.push(longJsonl(text, SNIFF_HEAD_CHARS * 2));
        // Its records from the 8th line on, after 70 KB: sniffers that read 8 lines must still see them.
        variants.push(longJsonl(`${`{"pad": "${'x'.repeat(10_000)}"}\n`.repeat(7)}${text}`, SNIFF_HEAD_CHARS * 2));
      }
      for (const variant of variants) {
        const src = source(variant);
        const head = headForSniff(src);
        if (head === undefined) continue;
        compared++;
        assert.ok(src.getText().startsWith(head), `${file}: the head is the start of the text`);
        const whole = sniffedFormat(file, src.getText());
        const fromHead = sniffedFormat(file, head);
        formats.add(whole ?? 'not a trace');
        if (whole !== fromHead) disagreements.push(`${file} (variant ${variants.indexOf(variant)}): whole ${whole ?? 'not a trace'}, head ${fromHead ?? 'not a trace'}`);
      }
    }
    assert.deepEqual(disagreements, []);
    assert.ok(compared >= 40, `only ${compared} JSON Lines texts were compared: expected the corpus's JSONL traces and their longer copies`);
    assert.ok(formats.size >= 12, `the head and the whole agreed on only ${formats.size} formats: ${[...formats].join(', ')}`);
  });
});
