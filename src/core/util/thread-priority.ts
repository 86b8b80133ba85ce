/**
 * The trace workers' threads yield the machine's cores to the thread they work for.
 *
 * A document worker reads a large trace while the extension host's thread shows it: on a machine
 * with two cores the worker, its hashing thread and V8's own threads often leave the host's
 * thread waiting for a core (turns of 50-100 ms with no collection in them, at 10^6 spans). Linux
 * keeps a nice value per thread, so a worker can lower its own priority without lowering the
 * process's: the host's thread (and every other extension's) then gets a core first whenever it
 * has work, and the worker runs on whatever is left, which is most of the time all of a core.
 * Elsewhere (macOS, Windows) a thread's priority cannot be set from Node: nothing changes there.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/** The nice value a worker's thread takes: 10 gets about a tenth of a core that a thread at 0 also wants. */
export const WORKER_NICE = 10;

/**
 * Lower the calling worker thread's priority to `nice` (never the main thread's). True when it
 * was set; false where threads have no priority of their own or the system refused it.
 */
export function lowerThisThreadsPriority(nice = WORKER_NICE): boolean {
  if (isMainThread || process.platform !== 'linux') return false;
  try {
    // "<pid>/task/<tid>": the thread's own id, which setpriority(2) takes for that thread alone.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(tid) || tid <= 0 || tid === process.pid) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
