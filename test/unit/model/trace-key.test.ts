/**
 * A trace's key (src/core/model/trace-key.ts): its own id, else its run number, `#k` for the k-th
 * repeat; decided by earlier runs only, so keys survive a growing file; found again by key or, for
 * addresses written before keys, by run number.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { findTraceByKey, pickTrace, traceKeyOf, traceKeys, TraceKeyAllocator } from '../../../src/core/model/trace-key';
import type { Trace } from '../../../src/core/model/schema';
import { isUserInputError } from '../../../src/core/util/problems';

function trace(indexInFile: number, traceKey?: string): Trace {
  return { id: `t${indexInFile}`, title: `run ${indexInFile}`, source: { format: 'x', path: 'runs.jsonl', sha256: '', indexInFile, ...(traceKey !== undefined ? { traceKey } : {}) }, startTime: null, tools: [], steps: [], labels: [], metadata: {} };
}

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(isUserInputError(e), String(e));
    return e.problems.map((p) => `${p.file}: ${p.message}`).join('\n');
  }
  assert.fail('expected a refusal');
};

describe('trace keys', () => {
  it('own ids where the source has them, run numbers elsewhere, #k for the k-th repeat', () => {
    assert.deepEqual(traceKeys([
      { ownId: 'abc', indexInFile: 0 },
      { ownId: 'abc', indexInFile: 1 },
      { ownId: undefined, indexInFile: 2 },
      { ownId: '', indexInFile: 3 },
      { ownId: 'abc', indexInFile: 4 },
      { ownId: 'xyz', indexInFile: 5 },
    ]), ['abc', 'abc#2', '2', '3', 'abc#3', 'xyz']);
  });

  it('a run number that is also an earlier own id gets #2 rather than a key that two runs share', () => {
    assert.deepEqual(traceKeys([{ ownId: '1', indexInFile: 0 }, { ownId: undefined, indexInFile: 1 }]), ['1', '1#2']);
  });

  it('keys are unique, and a file that grows keeps the keys it had (property)', () => {
    const run = fc.record({ ownId: fc.option(fc.constantFrom('a', 'b', '1', '2', 'a#2'), { nil: undefined }) });
    fc.assert(fc.property(fc.array(run, { maxLength: 30 }), fc.nat(30), (runs, cut) => {
      const all = traceKeys(runs.map((r, i) => ({ ownId: r.ownId, indexInFile: i })));
      assert.equal(new Set(all).size, all.length, `unique: ${all.join(' ')}`);
      const allocator = new TraceKeyAllocator();
      const prefix = runs.slice(0, cut).map((r, i) => allocator.next(r.ownId, i));
      assert.deepEqual(prefix, all.slice(0, prefix.length));
      assert.equal(allocator.count, prefix.length);
    }));
  });

  it('finds a trace by key; a whole number that is no key is a run number (older addresses)', () => {
    const traces = [trace(0, 'abc'), trace(1, 'abc#2'), trace(2, '7'), trace(3)];
    assert.equal(findTraceByKey(traces, 'abc#2'), traces[1]);
    assert.equal(findTraceByKey(traces, '7'), traces[2], 'a numeric own id wins');
    assert.equal(findTraceByKey(traces, '1'), traces[1], 'run number 1');
    assert.equal(findTraceByKey(traces, '3'), traces[3], "a trace built without a key is known by its number");
    assert.equal(traceKeyOf(traces[3]), '3');
    assert.equal(findTraceByKey(traces, 'nope'), undefined);
    assert.equal(findTraceByKey(traces, '9'), undefined);
  });

  it('pickTrace refuses what the file does not hold, naming the file and what it holds', () => {
    const traces = [trace(0, 'abc'), trace(1, 'abc#2')];
    assert.equal(pickTrace('runs.jsonl', traces, { traceKey: 'abc#2' }), traces[1]);
    assert.equal(pickTrace('runs.jsonl', traces, { traceIndex: 0 }), traces[0]);
    assert.equal(pickTrace('one.json', [traces[0]], {}), traces[0]);
    assert.equal(refusal(() => pickTrace('runs.jsonl', traces, { traceKey: 'zzz' })), `runs.jsonl: has no run with the key "zzz" (its runs' keys: "abc", "abc#2"; a number picks that run, from 0)`);
    assert.equal(refusal(() => pickTrace('runs.jsonl', traces, { traceKey: '5' })), 'runs.jsonl: has no run #5 (it holds 2: #0 to #1)');
    assert.equal(refusal(() => pickTrace('runs.jsonl', traces, { traceIndex: 5 })), 'runs.jsonl: has no run #5 (it holds 2: #0 to #1)');
    assert.match(refusal(() => pickTrace('runs.jsonl', traces, {})), /^runs\.jsonl: holds 2 runs: pick one/);
  });
});
