/**
 * A training set is committed as one unit: a promotion (or a removal) killed after any one of its
 * file operations leaves the set, once reopened, exactly as it was before or as it is after, with
 * no lock and no temp files left once the next promotion ran, and that next promotion works.
 * In-process "kills" use test/support/crashing-file-ops.ts; set-commit-kill.test.ts kills real
 * processes to show that facade is faithful.
 */
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promoteIntoSet, recoverSet, readManifest, type PromotionInput, type SetConfig, type SetIo } from '../../../src/core/training-set/store';
import { removeExample } from '../../../src/core/training-set/remove';
import { crashingFileOps, SimulatedCrash } from '../../support/crashing-file-ops';
import { isUserInputError } from '../../../src/core/util/problems';
import { COMMIT_JOURNAL } from '../../../src/core/util/temp-files';

const CONFIG: SetConfig = { name: 'crash', format: 'openai', sharegpt: true, created: '2026-01-01T00:00:00.000Z' };
const NOW = new Date('2026-01-02T00:00:00.000Z');

/** `n` SFT examples plus one preference, stepwise and ShareGPT example of a made-up trace. */
function input(trace: string, variant: string, n: number): PromotionInput {
  const text = (i: number): string => `${trace} ${variant} ${i}`;
  const examples: PromotionInput['examples'] = [];
  for (let i = 0; i < n; i++) examples.push({ file: 'sft.jsonl', record: { messages: [{ role: 'user', content: text(i) }] }, steps: [`s${i}`], corrections: [], tags: [] });
  examples.push({ file: 'preference.jsonl', record: { prompt: text(0), chosen: 'a', rejected: 'b' }, steps: ['s0'], corrections: ['s0'], tags: [] });
  examples.push({ file: 'stepwise.jsonl', record: { prompt: text(0), completions: ['x'], labels: [true] }, steps: ['s0'], corrections: [], tags: [{ location: 's0', category: 'TOOL.TIMEOUT', origin: 'human', status: 'confirmed' }] });
  examples.push({ file: 'sharegpt.jsonl', record: { conversations: [{ from: 'human', value: text(0) }] }, steps: ['s0'], corrections: [], tags: [] });
  return { trace: { path: `../${trace}.jsonl`, sha256: `${trace}${variant}`.padEnd(64, '0'), traceIndex: 0, format: 'test' }, examples, version: 'test', now: NOW };
}

type Snapshot = Record<string, string>;
/** The set as a user sees it: every file but the hidden ones (lock, journal, temps). */
function snapshot(dir: string): Snapshot {
  const out: Snapshot = {};
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { /* no folder: an empty set */ }
  for (const n of names.sort()) if (!n.startsWith('.') && statSync(join(dir, n)).isFile()) out[n] = readFileSync(join(dir, n), 'utf8');
  return out;
}
const hidden = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('.'));
const same = (a: Snapshot, b: Snapshot): boolean => JSON.stringify(a) === JSON.stringify(b);

describe('a training set is committed as one unit', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'atd-crash-')); });
  afterEach(() => { rmSync(root, { recursive: true, force: true }); });

  /** A folder holding a copy of `from` (or nothing), for one run. */
  let runs = 0;
  const copyOf = (from?: string): string => {
    const dir = join(root, `run-${runs++}`);
    if (from) cpSync(from, dir, { recursive: true });
    return dir;
  };

  /**
   * Crash `operation` after each of its file operations in turn, on a fresh copy of `base`; reopen;
   * the set must equal the state before or after; then `next` must succeed and leave nothing hidden.
   */
  async function crashAtEveryStep(base: string | undefined, operation: (dir: string, io: SetIo) => Promise<unknown>, next: (dir: string) => Promise<unknown>): Promise<{ steps: number; sawBefore: number; sawAfter: number }> {
    const before = snapshot(base ?? join(root, 'none'));
    const afterDir = copyOf(base);
    const counted = crashingFileOps(Infinity);
    await operation(afterDir, { ops: counted.ops });
    const after = snapshot(afterDir);
    const total = counted.log.length;
    assert.ok(total > 10, `only ${total} operations`);
    const finals = new Map<Snapshot, Snapshot>();
    for (const [state, from] of [[before, base], [after, afterDir]] as const) {
      const d = copyOf(from);
      await next(d);
      finals.set(state, snapshot(d));
    }
    let sawBefore = 0;
    let sawAfter = 0;
    for (let n = 0; n < total; n++) {
      const dir = copyOf(base);
      const crash = crashingFileOps(n);
      const where = `crash after operation ${n} of ${total} (${counted.log[n - 1] ?? 'none'}; next: ${counted.log[n]})`;
      // A crash in a best-effort step at the very end (dropping the emptied lock folder) is swallowed: the work was done.
      await operation(dir, { ops: crash.ops }).catch((e: unknown) => { if (!(e instanceof SimulatedCrash)) throw e; });
      assert.ok(crash.crashed(), where);
      await recoverSet(dir);
      const now = snapshot(dir);
      const state = same(now, before) ? before : same(now, after) ? after : undefined;
      assert.ok(state, `${where}: the set is neither as before nor as after: ${Object.keys(now).join(', ')}`);
      if (state === before) sawBefore++; else sawAfter++;
      await next(dir);
      assert.deepEqual(snapshot(dir), finals.get(state), `${where}: the next operation`);
      assert.deepEqual(hidden(dir), [], `${where}: left behind`);
    }
    return { steps: total, sawBefore, sawAfter };
  }

  it('a re-promotion killed after any file operation leaves the set as before or after, and the next promotion works', async function () {
    this.timeout(180_000); // a guard against a hang, not a time budget
    const base = copyOf();
    await promoteIntoSet(base, CONFIG, [input('a', 'v1', 3), input('b', 'v1', 2)]);
    const r = await crashAtEveryStep(base,
      (dir, io) => promoteIntoSet(dir, CONFIG, [input('a', 'v2', 4), input('c', 'v1', 2)], io),
      (dir) => promoteIntoSet(dir, CONFIG, [input('d', 'v1', 1)]));
    assert.ok(r.sawBefore > 0 && r.sawAfter > 0, JSON.stringify(r));
  });

  it('the first promotion into a new set, killed at any point, leaves no set or the whole set', async function () {
    this.timeout(180_000); // a guard against a hang, not a time budget
    const r = await crashAtEveryStep(undefined,
      (dir, io) => promoteIntoSet(dir, CONFIG, [input('a', 'v1', 2)], io),
      (dir) => promoteIntoSet(dir, CONFIG, [input('d', 'v1', 1)]));
    assert.ok(r.sawBefore > 0 && r.sawAfter > 0, JSON.stringify(r));
  });

  it('a removal killed after any file operation leaves the set as before or after', async function () {
    this.timeout(180_000); // a guard against a hang, not a time budget
    const base = copyOf();
    await promoteIntoSet(base, CONFIG, [input('a', 'v1', 3), input('b', 'v1', 2)]);
    const victim = readManifest(base).entries.find((e) => e.file === 'sft.jsonl' && e.key.startsWith('../b'))!;
    const r = await crashAtEveryStep(base,
      (dir, io) => removeExample(dir, { id: victim.id, recordSha256: victim.recordSha256 }, io),
      (dir) => promoteIntoSet(dir, CONFIG, [input('d', 'v1', 1)]));
    assert.ok(r.sawBefore > 0 && r.sawAfter > 0, JSON.stringify(r));
  });

  it('a journal that cannot be completed (or reaches outside the set) is one line naming it, and changes nothing', async () => {
    const dir = copyOf();
    await promoteIntoSet(dir, CONFIG, [input('a', 'v1', 2)]);
    const before = snapshot(dir);
    for (const journal of [
      { version: 1, files: [{ name: 'sft.jsonl', temp: '.sft.jsonl.1.0badc0de.tmp', sha256: '0'.repeat(64) }] },
      { version: 1, files: [{ name: '..', temp: '.x.1.0badc0de.tmp', sha256: '0'.repeat(64) }] },
      'not json',
    ]) {
      writeFileSync(join(dir, COMMIT_JOURNAL), typeof journal === 'string' ? journal : JSON.stringify(journal));
      const e = await promoteIntoSet(dir, CONFIG, [input('d', 'v1', 1)]).then(() => undefined, (err: unknown) => err);
      assert.ok(isUserInputError(e), String(e));
      assert.equal(e.message.split('\n').length, 1);
      assert.ok(e.message.startsWith(join(dir, COMMIT_JOURNAL) + ': '), e.message);
      assert.match(e.message, /cannot be (finished|read)|cannot read/);
      assert.deepEqual(snapshot(dir), before);
    }
  });
});
