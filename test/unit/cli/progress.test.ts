/**
 * The CLI's progress line (src/cli/progress.ts): shown on a terminal once a read takes half a
 * second, rewritten in place at most every tenth of a second, cut to the terminal's width, and
 * cleared before the answer; `inspect` and `report` feed it as the engine reads.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminalProgress, type Progress } from '../../../src/cli/progress';
import { main } from '../../../src/cli/main';
import { benchTraceText } from '../../support/bench-traces';

/** A terminal that records what is written, and a clock the test moves. */
function fakeTerminal(columns?: number): { writes: string[]; clock: { t: number }; progress: Progress } {
  const writes: string[] = [];
  const clock = { t: 1_000 };
  return { writes, clock, progress: terminalProgress({ write: (s) => writes.push(s), columns }, () => clock.t) };
}

/** A Progress that keeps every update and counts the clears. */
function recording(): Progress & { updates: [string, number][]; clears: number } {
  const r = { updates: [] as [string, number][], clears: 0, update: (what: string, f: number) => { r.updates.push([what, f]); }, clear: () => { r.clears++; } };
  return r;
}

describe('CLI: the progress line of a long read', () => {
  it('shows nothing in the first half second, then the share done, rewritten in place at most every 100 ms', () => {
    const { writes, clock, progress } = fakeTerminal();
    progress.update('reading big.jsonl', 0.1);
    clock.t += 499;
    progress.update('reading big.jsonl', 0.2);
    assert.deepEqual(writes, [], 'a read that ends within half a second prints no progress');
    clock.t += 1;
    progress.update('reading big.jsonl', 0.254);
    assert.deepEqual(writes, ['\ragent-trace: reading big.jsonl… 25%']);
    clock.t += 50;
    progress.update('reading big.jsonl', 0.4);
    assert.equal(writes.length, 1, 'not again within 100 ms');
    clock.t += 100;
    progress.update('reading big.jsonl', 1);
    assert.equal(writes[1], '\ragent-trace: reading big.jsonl… 100%');
    progress.clear();
    assert.equal(writes[2], `\r${' '.repeat('agent-trace: reading big.jsonl… 100%'.length)}\r`, 'cleared before the answer is printed');
  });

  it('pads a shorter line over the longer one, cuts a long one to the terminal, and escapes control characters', () => {
    const { writes, clock, progress } = fakeTerminal(40);
    clock.t += 600;
    progress.update('reading a-very-long-folder-name/and-a-longer-file-name.trace.jsonl', 0.5);
    assert.equal(writes[0], '\ragent-trace: reading a-very-long-f… 50%');
    assert.equal(writes[0].length - 1, 39, 'one column short of the width: the line never wraps');
    clock.t += 100;
    progress.update('x\u001b[2Jy', 0.5);
    assert.equal(writes[1], `\ragent-trace: x\\u001b[2Jy… 50%${' '.repeat(39 - 'agent-trace: x\\u001b[2Jy… 50%'.length)}`);
  });

  describe('inspect and report feed it', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'atd-progress-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const big = join(dir, 'big.trace.jsonl');
    before(() => {
      writeFileSync(big, benchTraceText('jsonl', 6_000));
      writeFileSync(join(dir, 'small.trace.jsonl'), benchTraceText('jsonl', 50));
    });

    it('inspect: the share of the file read, rising to the whole, then cleared', async () => {
      const progress = recording();
      const r = await main(['inspect', big, '--json'], progress);
      assert.equal(r.exitCode, 0, r.stderr.join('\n'));
      const shares = progress.updates.map(([, f]) => f);
      assert.ok(shares.length >= 3, `${shares.length} updates`);
      assert.ok(shares.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= shares[i - 1])), shares.join(' '));
      assert.equal(shares[shares.length - 1], 1);
      assert.ok(progress.updates.every(([what]) => what === `reading ${big}`));
      assert.equal(progress.clears, 1);
    });

    it('inspect: cleared when the file is refused', async () => {
      const progress = recording();
      const r = await main(['inspect', join(dir, 'missing.json')], progress);
      assert.equal(r.exitCode, 2);
      assert.equal(progress.clears, 1);
    });

    it('report: one bar over every file, each file its share, naming the file and how many', async () => {
      const progress = recording();
      const r = await main(['report', dir, '--json'], progress);
      assert.equal(r.exitCode, 0, r.stderr.join('\n'));
      const shares = progress.updates.map(([, f]) => f);
      assert.ok(shares.every((f, i) => f <= 1 && (i === 0 || f >= shares[i - 1])), shares.join(' '));
      assert.equal(shares[shares.length - 1], 1);
      assert.deepEqual([...new Set(progress.updates.map(([what]) => what))], [`reading ${big} (file 1 of 2)`, `reading ${join(dir, 'small.trace.jsonl')} (file 2 of 2)`]);
      assert.ok(progress.clears >= 1);
    });
  });
});
