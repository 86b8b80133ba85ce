/**
 * Temp files a crash left behind (`.<name>.<pid>.<rand>.tmp`) are removed the next time their
 * folder is written, unless the process that made them is still running.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveSidecar, sidecarPathFor } from '../../../src/core/annotations';
import { emptyDocument } from '../../../src/core/annotations/schema';
import { COMMIT_JOURNAL } from '../../../src/core/util/temp-files';

/** The pid of a process that has exited (the OS does not hand it out again this soon). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.ok(r.pid);
  return r.pid;
}

describe('temp files left by a crash', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-temps-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('are removed when a sidecar is next saved in the folder, those of running processes are kept', () => {
    const dead = deadPid();
    const names = {
      deadWriter: `.run.jsonl.annotations.json.${dead}.0badc0de.tmp`,
      thisProcessLeftover: `.run.jsonl.annotations.json.${process.pid}.00c0ffee.tmp`,
      liveWriter: `.other.json.annotations.json.${process.ppid}.feedf00d.tmp`,
      notOurs: '.notes.tmp',
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), 'partial');
    // A staged lock folder of a dead process is a leftover too.
    mkdirSync(join(dir, `..lock.${dead}.12345678.tmp`));
    writeFileSync(join(dir, `..lock.${dead}.12345678.tmp`, 'owner.ab.json'), '{}');
    const trace = join(dir, 'run.jsonl');
    writeFileSync(trace, '{}\n');
    saveSidecar(sidecarPathFor(trace), emptyDocument());
    assert.deepEqual(readdirSync(dir).sort(), [names.liveWriter, names.notOurs, 'run.jsonl', 'run.jsonl.annotations.json'].sort());
  });

  it('are left alone in a folder with a commit journal (they belong to the commit\'s recovery)', () => {
    const dead = deadPid();
    const staged = `.sft.jsonl.${dead}.0badc0de.tmp`;
    writeFileSync(join(dir, staged), 'staged');
    writeFileSync(join(dir, COMMIT_JOURNAL), '{}');
    const trace = join(dir, 'run.jsonl');
    writeFileSync(trace, '{}\n');
    saveSidecar(sidecarPathFor(trace), emptyDocument());
    assert.ok(readdirSync(dir).includes(staged));
  });
});
