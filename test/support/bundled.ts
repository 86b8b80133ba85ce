/**
 * Code that tests run in another thread or process (the trace worker, a promoting process), as an
 * esbuild bundle of its source made when first asked for in this test process: the way the
 * extension ships its worker (scripts/build.mjs), and of the source as it is now, never a stale
 * `dist/`.
 *
 * Loaded through tsx instead (`require('tsx/cjs')` in the thread), each start compiled and
 * resolved about 250 modules: 0.6 s a worker, against 0.2 s from a bundle, and the unit suite
 * starts about 25 of them (measured on the 2-core test machine; bundling the worker takes 0.3-0.5 s
 * once).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildSync } from 'esbuild';
import { PROJECT_ROOT } from './shared';

const bundles = new Map<string, string>();
let folder: string | undefined;

/**
 * A folder of this process's own under out/, two levels below the project as dist/ is one: code
 * that finds package.json relative to itself (the extension's version in a training set's
 * manifest) finds the project's. Removed when the process exits.
 */
function bundleFolder(): string {
  if (folder === undefined) {
    mkdirSync(join(PROJECT_ROOT, 'out'), { recursive: true });
    const made = mkdtempSync(join(PROJECT_ROOT, 'out', 'test-bundles-'));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    folder = made;
  }
  return folder;
}

/** The path of a CommonJS bundle of `entry` (a path from the project's root). */
export function bundled(entry: string): string {
  let out = bundles.get(entry);
  if (out === undefined) {
    out = join(bundleFolder(), basename(entry).replace(/\.ts$/, '.js'));
    // The options of scripts/build.mjs for the trace worker (mainFields: jsonc-parser's ES module build).
    buildSync({ entryPoints: [join(PROJECT_ROOT, entry)], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'], logLevel: 'warning', absWorkingDir: PROJECT_ROOT });
    bundles.set(entry, out);
  }
  return out;
}

/** The trace worker (src/core/engine/worker/trace-worker.ts), bundled. */
export const traceWorkerScript = (): string => bundled('src/core/engine/worker/trace-worker.ts');
