/**
 * Real `kill -9` of a promoting process at chosen file operations (test/support/promote-worker.ts
 * SIGKILLs itself there): the set recovers exactly as the in-process simulated crash at the same
 * operation says (set-commit-crash.test.ts crashes at every operation), the dead process's lock
 * and temps do not block or linger, and the next promotion works.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promote } from '../../../src/core/training-set/promote';
import { promoteCommand } from '../../../src/cli/commands/promote';
import { recoverSet } from '../../../src/core/training-set/store';
import { PROJECT_ROOT } from '../../support/shared';
import { crashingFileOps, SimulatedCrash } from '../../support/crashing-file-ops';
import { bundled } from '../../support/bundled';

const SMALL = resolve(__dirname, '../../fixtures/export/small.jsonl');
const SIDECAR = readFileSync(resolve(__dirname, '../../fixtures/export/small.sidecar.json'), 'utf8');
const BASE_TIME = '2026-01-02T00:00:00.000Z';
const KILL_TIME = '2026-01-03T00:00:00.000Z';

type Snapshot = Record<string, string>;
function snapshot(dir: string): Snapshot {
  const out: Snapshot = {};
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { /* no set yet */ }
  for (const n of names.sort()) if (!n.startsWith('.') && statSync(join(dir, n)).isFile()) out[n] = readFileSync(join(dir, n), 'utf8');
  return out;
}
const same = (a: Snapshot, b: Snapshot): boolean => JSON.stringify(a) === JSON.stringify(b);

function runWorker(trace: string, set: string, killAfter: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [bundled('test/support/promote-worker.ts'), trace, set, 'openai', `--now=${KILL_TIME}`, `--kill-after-ops=${killAfter}`], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += String(d); });
    child.on('exit', (code, signal) => res({ code, signal, err }));
  });
}

type Reopen = 'recoverSet' | 'cli';
type WorkerResult = Awaited<ReturnType<typeof runWorker>>;

describe('a promotion killed with SIGKILL', () => {
  let root: string;
  let base: string;
  let untouched: Snapshot;
  let promoted: Snapshot;
  let copies = 0;
  const setOf = (ws: string): string => join(ws, 'set');
  const copy = (): string => { const ws = join(root, `ws-${copies++}`); cpSync(base, ws, { recursive: true }); return ws; };
  const promoteRun2 = (ws: string, ops?: ReturnType<typeof crashingFileOps>['ops']): ReturnType<typeof promote> =>
    promote({ trace: join(ws, 'run-2.jsonl'), set: setOf(ws), templates: [], now: new Date(KILL_TIME), ...(ops ? { io: { ops } } : {}) });
  /** Per kill point: the workspace whose worker is killed there, and the worker's end. */
  const killed = new Map<string, { ws: string; n: number; worker: Promise<WorkerResult> }>();

  // Where to kill (found in the log of an uncrashed run); and what opens the set next: recoverSet
  // (then the state is compared exactly with the simulated crash's), or straight the next
  // `agent-trace promote` (the case: it waited 60 s and failed).
  const points: [string, (op: string) => boolean, Reopen][] = [
    ['holding the lock, nothing written yet', (op) => /^rename .*\.tmp -> .*\/\.lock$/.test(op), 'cli'],
    ['new data staged, not committed', (op) => /^writeNewFile .*\/\.sft\.jsonl\.\d+\.[0-9a-f]+\.tmp$/.test(op), 'recoverSet'],
    ['committed, sft.jsonl renamed in, the manifest not yet', (op) => /^rename .*\.tmp -> .*\/sft\.jsonl$/.test(op), 'recoverSet'],
  ];

  before(async function () {
    // Starting a worker (a TypeScript process) is most of this test's time, and on a busy machine
    // it is many times longer: the workers start together here, and each point's test waits for
    // its worker to end (a signal), so the time budget is not a race against the machine's load.
    this.timeout(600_000); // a guard against a hang, not a time budget
    root = mkdtempSync(join(tmpdir(), 'atd-kill-'));
    // A workspace: three traces with sidecars, a set holding the first two.
    base = join(root, 'base');
    mkdirSync(base);
    for (let i = 0; i < 3; i++) {
      const t = join(base, `run-${i}.jsonl`);
      writeFileSync(t, readFileSync(SMALL, 'utf8').replace('"id":"weather-1"', `"id":"weather-${i}"`));
      writeFileSync(`${t}.annotations.json`, SIDECAR);
    }
    for (const i of [0, 1]) {
      const r = await promote({ trace: join(base, `run-${i}.jsonl`), set: setOf(base), format: 'openai', templates: [], now: new Date(BASE_TIME) });
      assert.deepEqual(r.errors, []);
    }
    untouched = snapshot(setOf(base));
    const full = copy();
    const counted = crashingFileOps(Infinity);
    await promoteRun2(full, counted.ops);
    promoted = snapshot(setOf(full));
    for (const [what, isPoint] of points) {
      const i = counted.log.findIndex(isPoint);
      assert.ok(i >= 0, `${what}: no such operation in\n${counted.log.join('\n')}`);
      const ws = copy();
      killed.set(what, { ws, n: i + 1, worker: runWorker(join(ws, 'run-2.jsonl'), setOf(ws), i + 1) });
    }
    await Promise.all([...killed.values()].map((k) => k.worker));
  });
  after(() => { rmSync(root, { recursive: true, force: true }); });

  for (const [what, , reopen] of points) {
    it(`killed ${what}: recovers as the simulated crash at the same operation predicts, and the next promotion works`, async function () {
      this.timeout(180_000); // a guard against a hang, not a time budget
      const { ws, n, worker } = killed.get(what)!;
      // What the simulated crash after operation n leaves, once recovered.
      const simulated = copy();
      await promoteRun2(simulated, crashingFileOps(n).ops).catch((e: unknown) => { if (!(e instanceof SimulatedCrash)) throw e; });
      await recoverSet(setOf(simulated));
      const predicted = snapshot(setOf(simulated));
      assert.ok(same(predicted, untouched) || same(predicted, promoted), 'the simulated crash left neither state');

      const r = await worker;
      assert.equal(r.signal, 'SIGKILL', `the worker was not killed (exit ${r.code}): ${r.err}`);
      // The dead process's lock, staged files or journal are on disk now; whatever opens the set next deals with them.
      if (reopen === 'recoverSet') {
        // timeoutMs 0: the dead holder's lock is broken at once; a wait for it would fail here at
        // the first look, however fast or slow the machine is.
        await recoverSet(setOf(ws), { lock: { timeoutMs: 0 } });
        assert.deepEqual(snapshot(setOf(ws)), predicted, `a real kill after operation ${n} recovered differently from the simulated one`);
      }
      const next = await promoteCommand({ trace: join(ws, 'run-0.jsonl'), set: setOf(ws) });
      assert.equal(next.exitCode, 0, next.stderr.join('\n'));
      if (reopen === 'cli') {
        const run2 = (dir: string): string[] => readFileSync(join(dir, 'manifest.jsonl'), 'utf8').split('\n').filter((l) => l.includes('run-2.jsonl'));
        assert.deepEqual(run2(setOf(ws)), run2(setOf(simulated)), "run-2's examples");
      }
      assert.deepEqual(readdirSync(setOf(ws)).filter((f) => f.startsWith('.')), [], 'left behind');
    });
  }
});
