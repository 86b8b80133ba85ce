/**
 * Measures how well the detectors localize TRAIL's human error labels.
 *
 *   npx tsx scripts/trail-eval.ts [traces root] [--json]
 *
 * For every trace under `<root>/{GAIA,SWE Bench}/traces` (labels come in through the TRAIL
 * importer from the sibling `annotations` folder), per split and overall:
 *  - recall: labels whose span carries at least one finding (TRAIL's location accuracy);
 *  - precision: spans carrying a finding that humans labelled;
 * for both attribution modes, plus per-category counts. Nothing here knows any trace's ids or
 * text: it only compares detector output with the labels. The figures are the location figures
 * of src/core/detector-eval (what `agent-trace eval-detectors` prints), so both always agree.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { detect, type Attribution } from '../src/core/detect';
import { evaluateDetectors, type LocationFigure } from '../src/core/detector-eval';
import { loadTraceFile } from '../src/core/load';
import type { Trace } from '../src/core/model/schema';
import { formatProblem, isUserInputError } from '../src/core/util/problems';

/** TRAIL's location figures of one split (labelCategories: TRAIL category -> [labels, found]). */
export type SplitScore = { split: string } & Omit<LocationFigure, 'examples'>;

export const SPLITS = ['GAIA', 'SWE Bench'];

export interface LoadedSplit { split: string; traces: Trace[]; problems: string[] }

export function loadTrail(root: string): LoadedSplit[] {
  return SPLITS.map((split) => {
    const dir = join(root, split, 'traces');
    const traces: Trace[] = [];
    const problems: string[] = [];
    if (!existsSync(dir)) return { split, traces, problems: [`${dir}: missing`] };
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      try {
        const r = loadTraceFile(join(dir, name));
        traces.push(...r.traces);
        problems.push(...r.warnings.map(formatProblem));
      } catch (e) {
        problems.push(isUserInputError(e) ? e.message : `${name}: ${String(e)}`);
      }
    }
    return { split, traces, problems };
  });
}

/**
 * TRAIL's location figures of one split, computed by the detector evaluation every other surface
 * uses (src/core/detector-eval): TRAIL labels only, no sidecars.
 */
export function score(split: string, traces: Trace[], attribution: Attribution): SplitScore {
  const location = evaluateDetectors(
    traces.map((trace) => ({ file: trace.source.path, traceIndex: trace.source.indexInFile ?? 0, trace, findings: detect(trace, { attribution }) })),
    { labelFilter: (l) => l.scheme === 'trail' && l.stepId !== null },
  ).location;
  const { examples: _examples, ...figures } = location;
  return { split, ...figures };
}

export function evaluate(root: string, attribution: Attribution): { splits: SplitScore[]; overall: SplitScore; problems: string[] } {
  const loaded = loadTrail(root);
  const splits = loaded.map((l) => score(l.split, l.traces, attribution));
  const overall = score('overall', loaded.flatMap((l) => l.traces), attribution);
  return { splits, overall, problems: loaded.flatMap((l) => l.problems) };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function printScore(s: SplitScore): void {
  console.log(`  ${s.split.padEnd(10)} traces ${String(s.traces).padStart(3)}  recall ${pct(s.recall).padStart(6)} (${s.labelsFound}/${s.labels} labels)  precision ${pct(s.precision).padStart(6)} (${s.findingSpansLabelled}/${s.findingSpans} finding spans)`);
}

function main(): void {
  const args = process.argv.slice(2);
  const asJson = args.includes('--json');
  const root = resolve(args.find((a) => !a.startsWith('--')) ?? join(__dirname, '..', '..', 'shared', 'traces', 'trail'));
  if (!existsSync(root)) {
    console.error(`${root}: no such folder (expected the TRAIL traces, e.g. ../shared/traces/trail)`);
    process.exit(2);
  }
  const results = (['cause', 'observation'] as Attribution[]).map((mode) => ({ mode, ...evaluate(root, mode) }));
  if (asJson) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  for (const p of results[0].problems) console.log(`warning: ${p}`);
  for (const r of results) {
    console.log(`\nattribution: ${r.mode}`);
    for (const s of r.splits) printScore(s);
    printScore(r.overall);
  }
  const o = results[0].overall;
  console.log('\nlabels by TRAIL category: found / total (cause | observation)');
  for (const [cat, [n, hit]] of Object.entries(o.labelCategories).sort((a, b) => b[1][0] - a[1][0])) {
    console.log(`  ${cat.padEnd(34)} ${hit}/${n} | ${results[1].overall.labelCategories[cat]?.[1] ?? 0}/${n}`);
  }
  for (const r of results) {
    console.log(`\nfinding spans by default category (${r.mode}): labelled / total`);
    for (const [cat, [n, hit]] of Object.entries(r.overall.findingCategories).sort((a, b) => b[1][0] - a[1][0])) {
      console.log(`  ${cat.padEnd(24)} ${hit}/${n}`);
    }
  }
}

if (require.main === module) main();
