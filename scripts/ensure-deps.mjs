#!/usr/bin/env node
// Installs the project's npm dependencies (`npm ci`) when node_modules is missing or does not match
// package-lock.json, so `npm start` and `npm test` work on a fresh clone without a separate step.
// `npm start` and the build call it; run alone with `node scripts/ensure-deps.mjs`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Why node_modules needs an install, or undefined when it matches the lockfile. Compares
 * package-lock.json with the lockfile npm keeps of what it installed (node_modules/.package-lock.json):
 * every package the lockfile requires must be installed at the locked version. Optional packages
 * (other platforms' binaries) may be absent.
 */
export function dependencyProblem(root) {
  const lockPath = join(root, 'package-lock.json');
  const installedPath = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(installedPath)) return 'node_modules was not installed by npm 7+ (no node_modules/.package-lock.json)';
  if (!existsSync(lockPath)) return undefined;
  let locked, installed;
  try {
    locked = JSON.parse(readFileSync(lockPath, 'utf8')).packages ?? {};
    installed = JSON.parse(readFileSync(installedPath, 'utf8')).packages ?? {};
  } catch (e) {
    return `cannot compare package-lock.json with node_modules (${e.message})`;
  }
  for (const [path, pkg] of Object.entries(locked)) {
    if (!path.startsWith('node_modules/') || pkg.optional || pkg.link) continue;
    const have = installed[path];
    if (!have) return `${path.slice('node_modules/'.length)} is not installed`;
    if (have.version !== pkg.version) return `${path.slice('node_modules/'.length)} is ${have.version}, package-lock.json wants ${pkg.version}`;
  }
  return undefined;
}

/** Runs `npm ci` when needed; exits the process when it fails. */
export function ensureDependencies(root, log = (m) => console.log(m)) {
  const problem = dependencyProblem(root);
  if (!problem) return false;
  log(`[deps] ${problem}: running npm ci`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (res.status !== 0) {
    console.error(`[deps] npm ci failed (exit ${res.status ?? res.signal}); fix the error above and run npm ci yourself`);
    process.exit(res.status || 1);
  }
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureDependencies(join(dirname(fileURLToPath(import.meta.url)), '..'));
}
