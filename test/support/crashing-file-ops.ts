/**
 * File operations that "crash" after the N-th change to the file system: that operation and
 * everything after it throws, as if the process had been killed right there (a file being
 * written at that moment is left half-written). Counting the operations of an uncrashed run gives
 * the points to crash at. Reads do not count (they change nothing) but fail after the crash too.
 */
import { realFileOps, type FileOps } from '../../src/core/util/file-ops';

export class SimulatedCrash extends Error {
  constructor(readonly at: number) {
    super(`simulated crash after file operation ${at}`);
  }
}

export const MUTATING: ReadonlySet<keyof FileOps> = new Set(['writeNewFile', 'rename', 'unlink', 'mkdir', 'rmdir']);

export interface CrashingOps {
  ops: FileOps;
  /** Mutating operations done, each as "op path [-> path]". */
  log: string[];
  crashed(): boolean;
}

/** `limit`: how many mutating operations succeed before the crash (Infinity: never crash). */
export function crashingFileOps(limit: number, base: FileOps = realFileOps): CrashingOps {
  const log: string[] = [];
  let dead = false;
  const ops = {} as Record<keyof FileOps, unknown>;
  for (const k of Object.keys(base) as (keyof FileOps)[]) {
    ops[k] = (...args: unknown[]) => {
      if (dead) throw new SimulatedCrash(limit);
      if (MUTATING.has(k)) {
        if (log.length >= limit) {
          dead = true;
          // Killed in the middle of writing a file: part of it may be on disk.
          if (k === 'writeNewFile') {
            const [path, data] = args as [string, string | Uint8Array];
            base.writeNewFile(path, typeof data === 'string' ? data.slice(0, Math.floor(data.length / 2)) : data.subarray(0, data.length >> 1));
          }
          throw new SimulatedCrash(limit);
        }
        log.push(`${k} ${(k === 'writeNewFile' ? args.slice(0, 1) : args.filter((a) => typeof a === 'string')).join(' -> ')}`);
      }
      return (base[k] as (...a: unknown[]) => unknown)(...args);
    };
  }
  return { ops: ops as unknown as FileOps, log, crashed: () => dead };
}
