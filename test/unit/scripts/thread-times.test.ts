/**
 * The bench's split of a read's time by thread (scripts/thread-times.ts): the main thread, the
 * busiest other thread (the document worker), and the rest, from per-thread scheduler statistics.
 */
import { strict as assert } from 'node:assert';
import { splitThreadTimes, threadTimes, type ThreadTimes } from '../../../scripts/thread-times';

const ms = (n: number): number => n * 1e6;

describe('bench: thread times (scripts/thread-times)', () => {
  it('splits what each thread did between two snapshots: main, busiest other, the rest', () => {
    const before: ThreadTimes = new Map([[100, { cpuNs: ms(50), waitNs: ms(5) }], [101, { cpuNs: ms(10), waitNs: 0 }], [102, { cpuNs: ms(1), waitNs: ms(1) }], [103, { cpuNs: ms(9), waitNs: ms(9) }]]);
    // 103 ended in between (not counted); 104 started (counted from zero).
    const after: ThreadTimes = new Map([[100, { cpuNs: ms(80), waitNs: ms(6) }], [101, { cpuNs: ms(410), waitNs: ms(40) }], [102, { cpuNs: ms(21), waitNs: ms(3) }], [104, { cpuNs: ms(7), waitNs: ms(2) }]]);
    assert.deepEqual(splitThreadTimes(before, after, 100), { mainCpuMs: 30, mainWaitMs: 1, busiestCpuMs: 400, busiestWaitMs: 40, otherCpuMs: 27, otherWaitMs: 4 });
  });

  it('reads this process\'s threads, the main thread under the process id, its CPU growing with the work done', () => {
    const before = threadTimes();
    assert.ok(before, 'per-thread scheduler statistics need Linux (/proc/self/task/<tid>/schedstat)');
    assert.ok(before.has(process.pid), 'the main thread is listed under the process id');
    // Work until the main thread's own clock says 60 ms were spent (no wall clock involved). Not the
    // process's CPU: its other threads (V8's collector and compiler threads) count there too, and
    // on a busy machine they made most of it (the main thread had done 8.5 ms). At most 10 s of the
    // process's CPU, should the main thread's clock never move.
    const mainCpuNs = (): number => threadTimes()!.get(process.pid)!.cpuNs;
    const from = mainCpuNs();
    const start = process.cpuUsage();
    let x = 0;
    while (mainCpuNs() - from < 60e6 && process.cpuUsage(start).user + process.cpuUsage(start).system < 10e6) {
      for (let k = 0; k < 100_000; k++) x += Math.sqrt(x + 1);
    }
    assert.ok(x > 0);
    const split = splitThreadTimes(before, threadTimes()!, process.pid);
    assert.ok(split.mainCpuMs >= 40, `the main thread's CPU grew by ${split.mainCpuMs} ms`);
  });
});
