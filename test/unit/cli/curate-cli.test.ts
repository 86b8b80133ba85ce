import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { curationWorkspace } from '../curate/fixture';

describe('agent-trace curate', () => {
  const { dir, traces } = curationWorkspace();
  const set = join(dir, 'set');

  it('--dry-run --json prints the counts and writes nothing', async () => {
    const r = await main(['curate', traces, '--query', 'outcome:success', '--set', set, '--dry-run', '--json']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const out = JSON.parse(r.stdout[0]);
    // b, c, d, e, f succeed; e is b's near-duplicate: 4 runs, one sft and one stepwise line each, d's preference pair.
    assert.equal(out.examples, 9);
    assert.equal(out.traces, 4);
    assert.equal(out.duplicatesRemoved, 1);
    assert.deepEqual(out.byFile, { 'sft.jsonl': 4, 'preference.jsonl': 1, 'stepwise.jsonl': 4 });
    assert.deepEqual(out.byCategory, { '(none)': 4, 'RSN.FABRICATED_ACTION': 3, 'TOOL.RUNTIME': 2 });
    assert.deepEqual(out.byTool, { get_weather: 9 });
    assert.equal(Object.keys(out.byTraceFile).length, 4);
    assert.equal(existsSync(set), false);
  });

  it('writes, then writes nothing on a re-run', async () => {
    const r = await main(['curate', traces, '--query', 'outcome:success', '--set', set, '--max', '5', '--balance', 'category']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    assert.match(r.stdout[r.stdout.length - 1], /^wrote 2 run\(s\) into .*: sft\.jsonl \+2, preference\.jsonl \+1, stepwise\.jsonl \+2$/);
    const again = await main(['curate', traces, '--query', 'outcome:success', '--set', set, '--max', '5', '--balance', 'category']);
    assert.match(again.stdout[again.stdout.length - 1], /^nothing to write: all 2 selected run\(s\) are already in /);
  });

  it('bad input: one line naming where, exit code 2', async () => {
    const q = await main(['curate', traces, '--query', 'outcome:maybe', '--set', set, '--dry-run']);
    assert.equal(q.exitCode, 2);
    assert.match(q.stderr[0], /^agent-trace curate: --query: .*column \d+/);
    const missing = await main(['curate', join(dir, 'nope'), '--query', '', '--set', set, '--dry-run']);
    assert.equal(missing.exitCode, 2);
    assert.deepEqual(missing.stderr.length, 1);
    assert.match(missing.stderr[0], /nope.*does not exist/);
    for (const bad of ['0', '-1', 'ten', '1.5']) {
      const m = await main(['curate', traces, '--query', '', '--set', set, '--max', bad]);
      assert.equal(m.exitCode, 2);
      assert.deepEqual(m.stderr, [`agent-trace curate: --max must be a whole number of examples, at least 1 (got ${JSON.stringify(bad)})`]);
    }
    const noSet = await main(['curate', traces, '--query', '']);
    assert.deepEqual([noSet.exitCode, noSet.stderr.length], [2, 1]);
    const usage = await main(['--help']);
    assert.match(usage.stdout[0], /\n {2}curate <files or folders\.\.\.> --query '<query>' --set <folder>/);
  });
});
