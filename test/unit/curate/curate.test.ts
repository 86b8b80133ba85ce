import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commitCuration, CurationCancelled, curationConfig, existingEntries, existingFor, finishPlan, normaliseMessageText, planCuration, rankOf,
  selectCandidates, selectedByFile, trajectoryFingerprint, writeConfig, writeCuration, type Candidate, type CurateOptions,
} from '../../../src/core/curate';
import { collectTraceFiles } from '../../../src/core/corpus';
import { workerJobs, type CurateJobOptions } from '../../../src/core/engine/worker/jobs';
import type { PromotionInput, SetConfig } from '../../../src/core/training-set/store';
import { loadTraceFile } from '../../../src/core/load';
import { QuerySyntaxError } from '../../../src/core/workspace/query';
import { isUserInputError } from '../../../src/core/util/problems';
import { curationWorkspace, runJsonl } from './fixture';

const base = (c: Partial<Candidate> & { file: string }): Candidate => ({
  traceIndex: 0, position: 0, title: c.file, rank: 'other', category: '(none)', categories: [], tool: '(none)', tools: [],
  source: 'agent-trace-jsonl', fingerprint: c.file, examples: { 'sft.jsonl': 1 }, exampleCount: 1, ...c,
});
const names = (cs: readonly Candidate[]): string[] => cs.map((c) => c.file);

/** Every file of a folder and its bytes. */
function snapshot(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

describe('curate: ranking', () => {
  it('ranks corrected errors, then recovered failures, then successful runs, then the rest', () => {
    assert.equal(rankOf({ corrections: 1, outcome: 'failure', failingSteps: 3 }), 'corrected');
    assert.equal(rankOf({ corrections: 0, outcome: 'success', failingSteps: 2 }), 'recovered');
    assert.equal(rankOf({ corrections: 0, outcome: 'success', failingSteps: 0 }), 'success');
    assert.equal(rankOf({ corrections: 0, outcome: 'failure', failingSteps: 0 }), 'other');
    assert.equal(rankOf({ corrections: 0, outcome: 'unknown', failingSteps: 1 }), 'other');
    const cs = [base({ file: 'o', rank: 'other' }), base({ file: 's', rank: 'success' }), base({ file: 'r', rank: 'recovered' }), base({ file: 'c', rank: 'corrected' }), base({ file: 's2', rank: 'success' })];
    // Stable within a rank: s before s2, as found.
    assert.deepEqual(names(selectCandidates(cs).selected), ['c', 'r', 's', 's2', 'o']);
  });
});

describe('curate: near-duplicates', () => {
  const fp = (text: string): string => {
    const dir = curationWorkspace().dir;
    const f = join(dir, 'x.jsonl');
    writeFileSync(f, text);
    return trajectoryFingerprint(loadTraceFile(f).traces[0]);
  };

  it('normalises case, whitespace, timestamps and ids but keeps numbers and names', () => {
    assert.equal(normaliseMessageText('Done  at 2024-05-01T10:00:00Z,\nid 123e4567-e89b-12d3-a456-426614174000 call_abc123def456'), normaliseMessageText('done at 2025-01-02T03:04:05Z, id 00000000-0000-0000-0000-000000000000 call_zzz999yyy888'));
    assert.notEqual(normaliseMessageText('Paris is 18C'), normaliseMessageText('Paris is 19C'));
    assert.notEqual(normaliseMessageText('Paris is 18C'), normaliseMessageText('Rome is 18C'));
  });

  it('identical and near-identical runs share a fingerprint; other actions or other messages do not', () => {
    const b = fp(runJsonl({ id: 'b', answer: 'Paris is 18C (at 10:00:00).' }));
    assert.equal(fp(runJsonl({ id: 'b' , answer: 'Paris is 18C (at 10:00:00).' })), b, 'identical');
    assert.equal(fp(runJsonl({ id: 'other-id', answer: 'PARIS is 18C   (at 11:30:00).' })), b, 'near-identical: case, spaces, a time, the trace and call ids');
    assert.notEqual(fp(runJsonl({ id: 'b', answer: 'Paris is 18C (at 10:00:00).' }).replace(/"city":"Paris"/g, '"city":"Paris, FR"')), b, 'another argument');
    assert.notEqual(fp(runJsonl({ id: 'b', retry: true, answer: 'Paris is 18C (at 10:00:00).' })), b, 'another action sequence');
    assert.notEqual(fp(runJsonl({ id: 'b', answer: 'Paris is 21C (at 10:00:00).' })), b, 'another answer');
  });

  it('keeps the highest ranked run of a group of near-duplicates', () => {
    const cs = [base({ file: 'plain', rank: 'other', fingerprint: 'x' }), base({ file: 'good', rank: 'success', fingerprint: 'x' }), base({ file: 'solo', rank: 'other', fingerprint: 'y' })];
    const s = selectCandidates(cs);
    assert.deepEqual(names(s.selected), ['good', 'solo']);
    assert.deepEqual(s.duplicates, [{ removed: 'plain#0', keptAs: 'good#0' }]);
  });
});

describe('curate: cap and balance', () => {
  const cs = [
    base({ file: 'c1', rank: 'corrected', category: 'A', tool: 't1', exampleCount: 3 }),
    base({ file: 's1', rank: 'success', category: 'A', tool: 't1', exampleCount: 2 }),
    base({ file: 's2', rank: 'success', category: 'A', tool: 't2', exampleCount: 2 }),
    base({ file: 'o1', rank: 'other', category: 'B', tool: 't2', exampleCount: 2 }),
    base({ file: 'o2', rank: 'other', category: 'B', tool: 't2', exampleCount: 1 }),
  ];

  it('caps on examples, taking a run whole or not at all', () => {
    // 3 (c1) + 2 (s1) = 5; s2 and o1 (2 each) would pass 6; o2 (1) fits.
    const s = selectCandidates(cs, { max: 6 });
    assert.deepEqual(names(s.selected), ['c1', 's1', 'o2']);
    assert.equal(s.cappedOut, 2);
  });

  it('balances by category: one run of each category per round', () => {
    assert.deepEqual(names(selectCandidates(cs, { balance: 'category' }).selected), ['c1', 'o1', 's1', 'o2', 's2']);
    // Unbalanced, the cap of 7 would take only category A (c1, s1, s2).
    assert.deepEqual(names(selectCandidates(cs, { max: 7 }).selected), ['c1', 's1', 's2']);
    assert.deepEqual(names(selectCandidates(cs, { max: 7, balance: 'category' }).selected), ['c1', 'o1', 's1']);
  });

  it('balances by tool', () => {
    assert.deepEqual(names(selectCandidates(cs, { balance: 'tool' }).selected), ['c1', 's2', 's1', 'o1', 'o2']);
  });
});

describe('curate: plan and write', () => {
  const options = (dir: string, traces: string, more: Partial<CurateOptions> = {}): CurateOptions => ({ paths: [traces], query: '', set: join(dir, 'set'), now: new Date('2026-01-01T00:00:00Z'), ...more });

  it('previews the counts computed by hand, writing nothing', async () => {
    const { dir, traces } = curationWorkspace();
    const plan = await planCuration(options(dir, traces));
    // 7 runs; e (near-duplicate of b) and g (copy of a) removed; 5 left: each gives one sft line
    // and one stepwise line, the corrected run d also a preference pair.
    assert.deepEqual([plan.runs, plan.matched, plan.traces, plan.examples, plan.duplicatesRemoved], [7, 7, 5, 11, 2]);
    assert.deepEqual(plan.selected.map((c) => c.file.split('/').pop()), ['d-corrected.jsonl', 'c-recovered.jsonl', 'b-success.jsonl', 'f-other-args.jsonl', 'a-other.jsonl']);
    assert.deepEqual(plan.byFile, { 'sft.jsonl': 5, 'preference.jsonl': 1, 'stepwise.jsonl': 5 });
    assert.deepEqual(plan.byCategory, { '(none)': 6, 'RSN.FABRICATED_ACTION': 3, 'TOOL.RUNTIME': 2 });
    assert.deepEqual(plan.byTool, { get_weather: 11 });
    assert.deepEqual(plan.byRank, { corrected: 3, recovered: 2, success: 4, other: 2 });
    assert.deepEqual(plan.bySource, { 'agent-trace-jsonl': 11 });
    assert.equal(existsSync(join(dir, 'set')), false);

    const failures = await planCuration(options(dir, traces, { query: 'outcome:success steps:>3' }));
    assert.deepEqual([failures.matched, failures.traces, failures.examples], [1, 1, 2], 'only c has the retry (5 steps)');
  });

  it('writes the set as promote does, and a re-run leaves every file byte-identical', async () => {
    const { dir, traces } = curationWorkspace();
    const opts = options(dir, traces);
    const first = await writeCuration(await planCuration(opts), opts);
    assert.equal(first.written, 5);
    assert.deepEqual(first.result?.added, { 'sft.jsonl': 5, 'preference.jsonl': 1, 'stepwise.jsonl': 5, 'sharegpt.jsonl': 0 });
    const set = join(dir, 'set');
    const manifest = readFileSync(join(set, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(manifest.length, 11);
    assert.equal(manifest[0].key, '../traces/d-corrected.jsonl#0');
    assert.deepEqual(manifest[0].curated, { query: '', rank: 'corrected', category: 'RSN.FABRICATED_ACTION' });
    assert.deepEqual(manifest[0].tools, ['get_weather']);
    const readme = readFileSync(join(set, 'README.md'), 'utf8');
    assert.match(readme, /## Curated runs/);
    assert.match(readme, /\| get_weather \| 5 \|/);
    assert.match(readme, /\| corrected \| 1 \|/);
    const before = snapshot(set);

    const again = { ...opts, now: new Date('2026-06-01T00:00:00Z') };
    const second = await writeCuration(await planCuration(again), again);
    assert.deepEqual([second.written, second.unchanged, second.result], [0, 5, undefined]);
    assert.deepEqual(snapshot(set), before);
  });

  it('a cancel while writing leaves the set as it was', async () => {
    const { dir, traces } = curationWorkspace();
    const some = options(dir, traces, { query: 'corrected:yes' });
    await writeCuration(await planCuration(some), some);
    const set = join(dir, 'set');
    const before = snapshot(set);
    const abort = new AbortController();
    const all = options(dir, traces, { signal: abort.signal, onProgress: (p) => { if (p.phase === 'writing' && p.done >= 2) abort.abort(); } });
    const plan = await planCuration(all);
    await assert.rejects(writeCuration(plan, all), CurationCancelled);
    assert.deepEqual(snapshot(set), before);
    // Cancelled while reading: nothing planned.
    const early = new AbortController();
    early.abort();
    await assert.rejects(planCuration(options(dir, traces, { signal: early.signal })), CurationCancelled);
  });

  it('refuses a query that does not parse (with its column), a missing folder and a bad cap', async () => {
    const { dir, traces } = curationWorkspace();
    await assert.rejects(planCuration(options(dir, traces, { query: 'steps:>>3' })), (e: unknown) => e instanceof QuerySyntaxError && e.column > 0);
    await assert.rejects(planCuration(options(dir, join(dir, 'nope'))), (e: unknown) => isUserInputError(e) && e.problems[0].file === join(dir, 'nope') && /does not exist/.test(e.problems[0].message));
    await assert.rejects(planCuration(options(dir, traces, { max: 0 })), (e: unknown) => isUserInputError(e) && /at least 1/.test(e.problems[0].message));
  });
});

describe('curate: file by file in the trace worker (as VS Code runs it)', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const jobOptions = (set: string, config: SetConfig): CurateJobOptions => ({ query: '', set, config, taxonomy: 'default', now: now.toISOString() });

  it('the worker jobs give planCuration\'s plan, and write the set writeCuration would (a re-run by either changes nothing)', async () => {
    const { dir, traces } = curationWorkspace();
    const opts: CurateOptions = { paths: [traces], query: '', set: join(dir, 'set'), now };
    const reference = await planCuration(opts);

    const config = curationConfig(opts);
    const files = collectTraceFiles(opts.paths, []);
    const plan = finishPlan(opts, config, files.map((f) => workerJobs.curateFile({ ...jobOptions(opts.set, config), path: f.path, explicit: f.explicit })));
    assert.deepEqual(plan, reference);

    const writeWith = writeConfig(plan, opts.set);
    const existing = existingEntries(opts.set);
    const inputs = new Map<string, PromotionInput>();
    for (const [path, runs] of selectedByFile(plan)) {
      const out = workerJobs.prepareCurationWrite({ ...jobOptions(opts.set, writeWith), path, runs, existing: existingFor(existing, opts.set, runs) });
      assert.ok(!('problems' in out), 'nothing changed since the preview');
      for (const { run, input } of out.inputs) inputs.set(run, input);
    }
    const written = await commitCuration(plan, writeWith, inputs, { unchanged: 0, warnings: [] });
    assert.equal(written.written, 5);
    const set = snapshot(opts.set);
    const again = await writeCuration(await planCuration({ ...opts, now: new Date('2026-06-01T00:00:00Z') }), { ...opts, now: new Date('2026-06-01T00:00:00Z') });
    assert.deepEqual([again.written, again.unchanged], [0, 5], 'writeCuration finds every run already written as it would write it');
    assert.deepEqual(snapshot(opts.set), set);

    // A file changed between the preview and the write is refused with its name, not written.
    const [path, runs] = [...selectedByFile(plan)][0];
    writeFileSync(path, '{"not": "a trace"}\n');
    const refused = workerJobs.prepareCurationWrite({ ...jobOptions(opts.set, writeWith), path, runs, existing: {} });
    assert.ok('problems' in refused);
    assert.equal(refused.problems[0].file, path);
    assert.match(refused.problems[0].message, /changed since the preview\? nothing written/);
  });
});
