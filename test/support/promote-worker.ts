/**
 * A separate process promoting one trace into a set (the concurrency test forks several; the
 * crash test kills one with SIGKILL at a chosen point).
 *
 *   promote-worker <trace> <set> <format> [--now=<ISO time>] [--kill-after-ops=<n>]
 *
 * `--kill-after-ops=n`: the process SIGKILLs itself when it is about to start its (n+1)-th
 * file-system change, the same point where test/support/crashing-file-ops.ts simulates a crash.
 */
import { promote } from '../../src/core/training-set/promote';
import { realFileOps, type FileOps } from '../../src/core/util/file-ops';
import { MUTATING } from './crashing-file-ops';

const [trace, set, format, ...flags] = process.argv.slice(2);
const flag = (name: string): string | undefined => flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3);
const now = flag('now');
const killAfter = flag('kill-after-ops');

function killingFileOps(limit: number): FileOps {
  let done = 0;
  const ops = {} as Record<keyof FileOps, unknown>;
  for (const k of Object.keys(realFileOps) as (keyof FileOps)[]) {
    ops[k] = (...args: unknown[]) => {
      if (MUTATING.has(k) && done++ >= limit) process.kill(process.pid, 'SIGKILL');
      return (realFileOps[k] as (...a: unknown[]) => unknown)(...args);
    };
  }
  return ops as unknown as FileOps;
}

promote({
  trace, set, format: format as 'openai' | 'trl', templates: [],
  ...(now ? { now: new Date(now) } : {}),
  ...(killAfter !== undefined ? { io: { ops: killingFileOps(Number(killAfter)) } } : {}),
}).then((out) => {
  if (out.errors.length || !out.result) {
    process.stderr.write(JSON.stringify(out.errors) + '\n');
    process.exit(2);
  }
  process.exit(0);
}, (e) => {
  process.stderr.write(String(e) + '\n');
  process.exit(1);
});
