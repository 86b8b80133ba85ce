/**
 * A file too large to be one JavaScript string (over 512 MB) is refused with a message naming the
 * file and its size, never a stack trace. The decode is made to fail as V8 does, so no 600 MB
 * file is written.
 */
import { strict as assert } from 'node:assert';
import { main } from '../../../src/cli/main';
import { loadTraceFromBytes } from '../../../src/core/load';
import { isUserInputError } from '../../../src/core/util/problems';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('a file larger than a JavaScript string', () => {
  const decode = TextDecoder.prototype.decode;
  beforeEach(() => {
    TextDecoder.prototype.decode = function (): string {
      const e = new Error('Cannot create a string longer than 0x1fffffe8 characters') as NodeJS.ErrnoException;
      e.code = 'ERR_STRING_TOO_LONG';
      throw e;
    };
  });
  afterEach(() => { TextDecoder.prototype.decode = decode; });

  it('is refused with its name, its size and what to do', () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).fill(0x7b);
    let error: unknown;
    try { loadTraceFromBytes('/t/huge.trace.jsonl', bytes); } catch (e) { error = e; }
    assert.ok(isUserInputError(error), String(error));
    assert.equal(error.problems[0].file, '/t/huge.trace.jsonl');
    assert.match(error.problems[0].message, /^is 3 MB, more than can be read as one text \(JavaScript strings hold at most 512 MB\); split it/);
  });

  it('the CLI says so in one line, without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-huge-'));
    try {
      const file = join(dir, 'huge.trace.jsonl');
      writeFileSync(file, '{"type":"trace"}\n');
      const r = await main(['inspect', file]);
      assert.notEqual(r.exitCode, 0);
      const err = r.stderr.join('\n');
      assert.match(err, /huge\.trace\.jsonl.*more than can be read as one text/);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
