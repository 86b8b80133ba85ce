/** `npm start -- --workspace <folder>`: the folder is checked (relative to where npm start was typed) before anything is built or installed. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../support/shared';

function start(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'start.mjs'), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('scripts/start.mjs', () => {
  it('names a missing --workspace folder, resolved from where npm start was typed, in one line', () => {
    const r = start(['--workspace', 'no-such-folder'], { INIT_CWD: '/tmp' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), '[start] --workspace /tmp/no-such-folder: no such folder');
  });

  it('answers an unknown option with the usage, not a stack trace', () => {
    const r = start(['--folder', 'x']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^\[start\] Unknown option '--folder'/);
    assert.match(r.stderr, /usage: npm start \[-- --workspace <folder>\]/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
