import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTraceFile } from '../../../src/core/load';
import { siblingsOf } from '../../../src/core/util/siblings';
import { sharedPath } from '../../support/shared';

describe('files beside a trace opened through a symbolic link', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'agent-trace-siblings-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the SWE-bench report.json beside the trajectory the link points at', () => {
    const run = sharedPath('traces', 'swebench-bash-only-mini-swe-agent-gemini3pro', 'psf__requests-1142', 'psf__requests-1142.traj.json');
    const link = join(dir, 'chosen.traj.json');
    symlinkSync(run, link);
    const trace = loadTraceFile(link).traces[0];
    assert.deepEqual(trace.labels.map((l) => [l.scheme, l.category, l.value]), [['swe-bench', 'resolved', true]]);
  });

  it("reads a file beside the link first, then beside the link's target", () => {
    mkdirSync(join(dir, 'run'));
    mkdirSync(join(dir, 'links'));
    writeFileSync(join(dir, 'run', 'trace.json'), '{}');
    writeFileSync(join(dir, 'run', 'only-beside-target.txt'), 'target');
    writeFileSync(join(dir, 'run', 'both.txt'), 'target');
    writeFileSync(join(dir, 'links', 'both.txt'), 'link');
    mkdirSync(join(dir, 'run', 'parts'));
    writeFileSync(join(dir, 'run', 'parts', 'a.json'), '{}');
    symlinkSync(join(dir, 'run', 'trace.json'), join(dir, 'links', 'trace.json'));
    const { readSibling, listSibling } = siblingsOf(join(dir, 'links', 'trace.json'));
    const text = (rel: string): string | undefined => { const b = readSibling(rel); return b && Buffer.from(b).toString('utf8'); };
    assert.equal(text('both.txt'), 'link');
    assert.equal(text('only-beside-target.txt'), 'target');
    assert.equal(text('nowhere.txt'), undefined);
    assert.deepEqual(listSibling('parts'), ['a.json']);
    assert.equal(listSibling('no-such-folder'), undefined);
  });

  it('reads beside a file that is not a link as before', () => {
    writeFileSync(join(dir, 'trace.json'), '{}');
    writeFileSync(join(dir, 'labels.json'), 'x');
    assert.equal(Buffer.from(siblingsOf(join(dir, 'trace.json')).readSibling('labels.json')!).toString('utf8'), 'x');
  });
});
