/**
 * `agent-trace eval-detectors` on ../shared/traces/trail agrees with scripts/trail-eval.ts: the
 * CLI (folder walk, report's loading, sidecars, taxonomy attribution) gives the script's overall
 * figures in both attribution modes. Measured 2026-12-02 (scripts/trail-eval.ts):
 * cause 11/40 labels found, 6/16 finding spans labelled; observation 22/40 and 11/20.
 */
import { strict as assert } from 'node:assert';
import { evalDetectorsCommand } from '../../../src/cli/commands/eval-detectors';
import type { LocationFigure } from '../../../src/core/detector-eval';
import { loadTrail, score } from '../../../scripts/trail-eval';
import { sharedPath } from '../../support/shared';

describe('detector evaluation agrees with scripts/trail-eval.ts on TRAIL', function () {
  this.timeout(120_000);
  const root = sharedPath('traces', 'trail');

  for (const [taxonomy, mode, expected] of [
    ['default', 'cause', { labels: 40, labelsFound: 11, findingSpans: 16, findingSpansLabelled: 6 }],
    ['trail', 'observation', { labels: 40, labelsFound: 22, findingSpans: 20, findingSpansLabelled: 11 }],
  ] as const) {
    it(`--taxonomy ${taxonomy} gives the script's ${mode} figures`, () => {
      const r = evalDetectorsCommand({ paths: [root], json: true, taxonomy });
      assert.equal(r.exitCode, 0, r.stderr.join('\n'));
      const out = JSON.parse(r.stdout.join('\n')) as { attribution: string; location: LocationFigure; rules: { rule: string; category: string; precision: number | null; recall: number | null; support: number }[] };
      assert.equal(out.attribution, mode);
      const script = score('overall', loadTrail(root).flatMap((s) => s.traces), mode);
      const mine = out.location;
      assert.deepEqual(
        [mine.traces, mine.labels, mine.labelsFound, mine.findingSpans, mine.findingSpansLabelled, mine.recall, mine.precision, mine.labelCategories, mine.findingCategories],
        [script.traces, script.labels, script.labelsFound, script.findingSpans, script.findingSpansLabelled, script.recall, script.precision, script.labelCategories, script.findingCategories],
      );
      assert.deepEqual({ labels: mine.labels, labelsFound: mine.labelsFound, findingSpans: mine.findingSpans, findingSpansLabelled: mine.findingSpansLabelled }, expected);
      assert.equal(mine.examples.found.length, expected.labelsFound);
      assert.equal(mine.examples.missed.length, expected.labels - expected.labelsFound);
      // The documented JSON shape.
      for (const row of out.rules) assert.deepEqual(['rule', 'category', 'precision', 'recall', 'support'].filter((k) => !(k in row)), []);
    });
  }
});
