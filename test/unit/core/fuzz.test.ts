/**
 * Fuzzing the importers with mutations of the real traces in ../shared/traces: whatever a
 * mutated file holds, loading it opens the trace or refuses it with clean one-line messages
 * naming the file; never an uncaught TypeError or RangeError. Bounded by a fixed seed and a fixed
 * number of runs, so `npm test` runs the same cases every time; a failure prints the mutation.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import fc from 'fast-check';
import { SHARED_TRACES, sharedFiles } from '../../support/shared';
import { applyMutations, loadOutcomeProblem, mutationArb } from '../../support/mutate-trace';

/** Up to three small files from each corpus folder, so every importer family is exercised. */
function corpusSample(): { path: string; bytes: Uint8Array }[] {
  const byFolder = new Map<string, string[]>();
  for (const f of sharedFiles('.')) {
    const rel = relative(SHARED_TRACES, f);
    if (!rel.includes('/') || statSync(f).size > 200_000) continue;
    const folder = dirname(rel);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), f]);
  }
  return [...byFolder.values()].flatMap((files) => files.slice(0, 3)).map((f) => ({ path: basename(f), bytes: readFileSync(f) }));
}

describe('fuzzing the importers with mutated real traces', () => {
  const corpus = corpusSample();

  it('samples every corpus folder', () => {
    assert.ok(corpus.length >= 30, `only ${corpus.length} files sampled`);
  });

  it('opens or refuses every mutated file with clean one-line messages', () => {
    fc.assert(
      fc.property(fc.nat(corpus.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (which, mutations) => {
        const { path, bytes } = corpus[which];
        const problem = loadOutcomeProblem(path, applyMutations(bytes, mutations));
        assert.equal(problem, undefined, `${path}: ${problem}`);
      }),
      { seed: 20260802, numRuns: 400, endOnFailure: true },
    );
  });
});
