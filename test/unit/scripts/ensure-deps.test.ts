/** `npm start` and `npm test` install the dependencies when node_modules is missing or stale. */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../support/shared';

type DependencyProblem = (root: string) => string | undefined;

describe('scripts/ensure-deps.mjs', () => {
  let dependencyProblem: DependencyProblem;
  let dir: string;
  before(async () => {
    ({ dependencyProblem } = await import(pathToFileURL(join(PROJECT_ROOT, 'scripts', 'ensure-deps.mjs')).href) as { dependencyProblem: DependencyProblem });
  });
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-deps-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lock = (packages: Record<string, object>): string => JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'x' }, ...packages } });
  const write = (locked: Record<string, object>, installed?: Record<string, object>): void => {
    writeFileSync(join(dir, 'package-lock.json'), lock(locked));
    if (installed) {
      mkdirSync(join(dir, 'node_modules'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', '.package-lock.json'), lock(installed));
    }
  };

  it('asks for an install on a fresh clone (no node_modules)', () => {
    write({ 'node_modules/esbuild': { version: '0.28.2' } });
    assert.equal(dependencyProblem(dir), 'node_modules is missing');
  });

  it('asks for an install when a locked package is missing or at another version', () => {
    write({ 'node_modules/esbuild': { version: '0.28.2' }, 'node_modules/zod': { version: '4.6.7' } }, { 'node_modules/esbuild': { version: '0.28.2' } });
    assert.equal(dependencyProblem(dir), 'zod is not installed');
    write({ 'node_modules/esbuild': { version: '0.28.2' } }, { 'node_modules/esbuild': { version: '0.27.0' } });
    assert.equal(dependencyProblem(dir), 'esbuild is 0.27.0, package-lock.json wants 0.28.2');
  });

  it('accepts an install that matches the lockfile, other platforms\' optional packages absent', () => {
    write({ 'node_modules/esbuild': { version: '0.28.2' }, 'node_modules/@esbuild/darwin-arm64': { version: '0.28.2', optional: true } }, { 'node_modules/esbuild': { version: '0.28.2' } });
    assert.equal(dependencyProblem(dir), undefined);
  });

  it('finds this checkout installed', () => {
    assert.equal(dependencyProblem(PROJECT_ROOT), undefined);
  });
});
