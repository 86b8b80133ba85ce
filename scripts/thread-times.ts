/**
 * Where a read's time went, thread by thread: each thread's CPU time and its time spent runnable
 * but waiting for a core, from Linux's per-thread scheduler statistics (`/proc/self/task/<tid>/schedstat`:
 * nanoseconds on a CPU, nanoseconds waiting on a run queue, time slices).
 *
 * `process.cpuUsage()` sums every thread of the process, so it cannot tell whether the editor's read
 * is bound by the document worker's own work (its CPU close to the read's wall time) or by the
 * machine's two cores (the worker waiting while the host, the hashing thread and V8's helpers run).
 * Node names every thread `node`; the main thread's id is the process id, and the document worker
 * is the busiest of the others.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Nanoseconds on a CPU and waiting for one, by thread id. */
export type ThreadTimes = Map<number, { cpuNs: number; waitNs: number }>;

/** This process's threads' times now; undefined where the system has no per-thread statistics (not Linux). */
export function threadTimes(): ThreadTimes | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const times: ThreadTimes = new Map();
  for (const tid of tids) {
    try {
      const [cpu, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      times.set(Number(tid), { cpuNs: cpu, waitNs: wait });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return times;
}

/** What the threads did between two snapshots, in ms: the main thread, the busiest other thread, and all the rest. */
export interface ThreadSplit {
  mainCpuMs: number;
  mainWaitMs: number;
  busiestCpuMs: number;
  busiestWaitMs: number;
  /** The other threads together (a hashing thread, V8's collector and compiler threads, libuv's). */
  otherCpuMs: number;
  otherWaitMs: number;
}

/**
 * The split of the time between `before` and `after` (threads that ended in between are not
 * counted; threads that started count from zero). `mainTid` is the process id on Linux.
 */
export function splitThreadTimes(before: ThreadTimes, after: ThreadTimes, mainTid: number): ThreadSplit {
  const spent: { tid: number; cpuNs: number; waitNs: number }[] = [];
  for (const [tid, now] of after) {
    const was = before.get(tid) ?? { cpuNs: 0, waitNs: 0 };
    spent.push({ tid, cpuNs: now.cpuNs - was.cpuNs, waitNs: now.waitNs - was.waitNs });
  }
  const ms = (ns: number): number => ns / 1e6;
  const main = spent.find((t) => t.tid === mainTid) ?? { cpuNs: 0, waitNs: 0 };
  const others = spent.filter((t) => t.tid !== mainTid).sort((a, b) => b.cpuNs - a.cpuNs);
  const busiest = others[0] ?? { cpuNs: 0, waitNs: 0 };
  const rest = others.slice(1);
  return {
    mainCpuMs: ms(main.cpuNs), mainWaitMs: ms(main.waitNs),
    busiestCpuMs: ms(busiest.cpuNs), busiestWaitMs: ms(busiest.waitNs),
    otherCpuMs: ms(rest.reduce((n, t) => n + t.cpuNs, 0)), otherWaitMs: ms(rest.reduce((n, t) => n + t.waitNs, 0)),
  };
}
