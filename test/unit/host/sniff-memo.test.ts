/** Text diagnostics run only for documents that sniff as traces; "not a trace" is remembered per version. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceSniffMemo, sniffsAsTrace } from '../../../src/host/text/sniff-memo';
import { PROJECT_ROOT, sharedPath } from '../../support/shared';

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
    let reads = 0;
    const text = (t: string) => () => { reads++; return t; };
    assert.equal(memo.isTrace('file:///a.json', 1, '/a.json', text('{"name": "pkg"}')), false);
    assert.equal(memo.isTrace('file:///a.json', 1, '/a.json', text('{"name": "pkg"}')), false);
    assert.equal(calls.length, 1, 'the same version is not sniffed twice');
    assert.equal(reads, 1, 'nor is its text read again');
    assert.equal(memo.isTrace('file:///a.json', 2, '/a.json', text('{"trace": 1}')), true);
    assert.equal(calls.length, 2);
    memo.forget('file:///a.json');
    assert.equal(memo.isTrace('file:///a.json', 2, '/a.json', text('{"trace": 1}')), true);
    assert.equal(calls.length, 3, 'a closed document is sniffed afresh when reopened');
  });
});
