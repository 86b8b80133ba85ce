/**
 * The Agent Traces view's file listing against a fake findFiles that behaves like VS Code's: glob
 * include and exclude, results in no particular order, cut at maxResults.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { candidateExclude, listTraceFiles, oneSearchGlob, type FindFiles, type ListingToken, type TraceListing } from '../../../src/host/views/trace-listing';
import { DEFAULT_TRACE_GLOB, TRACE_FILE_SUFFIXES } from '../../../src/host/trace-files';

const TRACE_GLOB = '**/*.{trace.json,trace.jsonl,traj,traj.json,atif.json,eval}';
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.vscode-test/**,**/out/**,**/dist/**}';

/** A glob as a RegExp: `**` / `*` / `{a,b}` (one level of braces), which is all the view uses. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (glob.startsWith('**/', i)) { re += '(?:.*/)?'; i += 2; }
    else if (glob.startsWith('/**', i) && (i + 3 === glob.length || glob[i + 3] === ',' || glob[i + 3] === '}')) { re += '(?:/.*)?'; i += 2; }
    else if (c === '*') re += '[^/]*';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A workspace of relative paths; findFiles returns matches in a fixed shuffled order, as a search does. */
function fakeWorkspace(paths: string[]): { findFiles: FindFiles<string>; calls: { include: string; maxResults: number }[] } {
  let seed = 42;
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const shuffled = [...paths];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const calls: { include: string; maxResults: number }[] = [];
  const findFiles: FindFiles<string> = async (include, exclude, maxResults) => {
    calls.push({ include, maxResults });
    const inc = globRegExp(include);
    const exc = globRegExp(exclude);
    return shuffled.filter((p) => inc.test(p) && !exc.test(p)).slice(0, maxResults);
  };
  return { findFiles, calls };
}

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
const pad = (i: number): string => String(i).padStart(5, '0');

async function list(findFiles: FindFiles<string>, maxFiles: number, extra: { detectJsonTraces?: boolean; token?: ListingToken; yieldNow?: () => Promise<void>; namedSuffixes?: readonly string[] } = {}): Promise<Extract<TraceListing<string>, { cancelled: false }>> {
  const r = await listTraceFiles({ findFiles, traceGlob: TRACE_GLOB, exclude: EXCLUDE, maxFiles, detectJsonTraces: extra.detectJsonTraces ?? true, pathOf: (p) => `/ws/${p}`, keyOf: (p) => p, token: extra.token, yieldNow: extra.yieldNow, namedSuffixes: extra.namedSuffixes });
  assert.equal(r.cancelled, false, 'the listing was not cancelled');
  return r as Extract<TraceListing<string>, { cancelled: false }>;
}

/** 3,000 named traces (2,000 of them .json/.jsonl, which the JSON glob finds again), 2,000 plain JSON traces, and files that are never traces. */
const WORKSPACE = [
  ...range(1000, (i) => `runs/a/run-${pad(i)}.trace.json`),
  ...range(1000, (i) => `runs/b/run-${pad(i)}.trace.jsonl`),
  ...range(1000, (i) => `runs/c/run-${pad(i)}.traj`),
  ...range(2000, (i) => `exports/otel-${pad(i)}.json`),
  ...range(50, (i) => `packages/p${i}/package.json`),
  ...range(50, (i) => `packages/p${i}/tsconfig.build.json`),
  ...range(300, (i) => `node_modules/dep${i}/trace-${i}.json`),
  'README.md',
];

describe('Agent Traces view: listing trace files', () => {
  it('lists every trace file of a 5,000-file workspace once (the JSON glob\'s duplicates do not use up maxFiles)', async () => {
    const { findFiles } = fakeWorkspace(WORKSPACE);
    const r = await list(findFiles, 5000);
    const keys = r.files.map((f) => f.uri);
    assert.equal(new Set(keys).size, keys.length, 'no file is listed twice');
    assert.equal(keys.length, 5000, `all 5,000 trace files listed, got ${keys.length}`);
    assert.equal(r.capped, false, 'nothing was left out');
    assert.equal(r.files.filter((f) => f.byName).length, 3000, 'the 3,000 named files are listed by name');
    assert.equal(r.files.filter((f) => !f.byName && f.uri.startsWith('exports/')).length, 2000, 'and the 2,000 other JSON files as candidates');
    assert.ok(!keys.some((k) => /package\.json$|tsconfig|node_modules/.test(k)), 'package.json, tsconfig*.json and node_modules are not listed');
  });

  it('stops at maxFiles and says so: named files first, then candidates', async () => {
    const { findFiles } = fakeWorkspace(WORKSPACE);
    const r = await list(findFiles, 4000);
    assert.equal(r.files.length, 4000);
    assert.equal(new Set(r.files.map((f) => f.uri)).size, 4000, 'no file is listed twice');
    assert.equal(r.capped, true, 'the cap was reached');
    assert.equal(r.files.filter((f) => f.byName).length, 3000);
    const candidates = r.files.filter((f) => !f.byName).map((f) => f.uri);
    assert.equal(candidates.length, 1000);
    assert.ok(candidates.every((k) => /^exports\/otel-\d+\.json$/.test(k)), 'the room left goes to JSON files that are not named traces');

    const fewer = await list(findFiles, 1500);
    assert.equal(fewer.capped, true);
    assert.equal(new Set(fewer.files.map((f) => f.uri)).size, 1500);
    assert.ok(fewer.files.every((f) => f.byName), 'capped within the named files: no candidate is looked at');
  });

  it('is not capped when the files exactly fill maxFiles, and is when one more exists', async () => {
    const named = range(10, (i) => `t${i}.trace.json`);
    assert.equal((await list(fakeWorkspace(named).findFiles, 10)).capped, false);
    assert.equal((await list(fakeWorkspace([...named, 'other.json']).findFiles, 10)).capped, true, 'a JSON candidate beyond the cap');
    assert.equal((await list(fakeWorkspace([...named, 'other.json']).findFiles, 10, { detectJsonTraces: false })).capped, false, 'JSON candidates are not looked for when detectJsonTraces is off');
    assert.equal((await list(fakeWorkspace([...named, 'x.traj']).findFiles, 10, { detectJsonTraces: false })).capped, true, 'a named file beyond the cap');
    const exact = await list(fakeWorkspace([...named, 'other.json']).findFiles, 11);
    assert.equal(exact.capped, false);
    assert.deepEqual(exact.files.map((f) => f.byName), [...named.map(() => true), false]);
  });

  it('asks again when skipped files fill the results (a never-trace name spelled otherwise)', async () => {
    // Package.JSON passes the case-sensitive exclude glob but is skipped by name.
    const ws = [...range(20, (i) => `p${i}/Package.JSON`), ...range(20, (i) => `p${i}/Package.json`), 'data/real.json', 'a.trace.json'];
    const r = await list(fakeWorkspace(ws).findFiles, 5);
    assert.deepEqual(r.files.map((f) => f.uri).sort(), ['a.trace.json', 'data/real.json']);
    assert.equal(r.capped, false);
  });

  it('yields between chunks of results and stops when cancelled', async () => {
    const { findFiles, calls } = fakeWorkspace(WORKSPACE);
    let yields = 0;
    await list(findFiles, 5000, { yieldNow: async () => { yields++; } });
    assert.ok(yields >= 10, `5,000+ results are handled in chunks with yields between them, got ${yields} yields`);

    const token = { isCancellationRequested: false };
    calls.length = 0;
    const r = await listTraceFiles({
      findFiles, traceGlob: TRACE_GLOB, exclude: EXCLUDE, maxFiles: 5000, detectJsonTraces: true, pathOf: (p) => p, keyOf: (p) => p, token,
      yieldNow: async () => { token.isCancellationRequested = true; },
    });
    assert.deepEqual(r, { cancelled: true });
    assert.deepEqual(calls.map((c) => c.include).sort(), ['**/*.{json,jsonl}', TRACE_GLOB], 'the two searches started together, and none after the refresh cancelled the listing');
  });

  it('starts the named and the candidate search at once, and does not ask again when their answers suffice', async () => {
    const { findFiles } = fakeWorkspace(WORKSPACE);
    let inFlight = 0;
    let most = 0;
    const asked: { include: string; maxResults: number }[] = [];
    const slow: FindFiles<string> = async (include, exclude, maxResults) => {
      asked.push({ include, maxResults });
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return findFiles(include, exclude, maxResults);
    };
    const r = await list(slow, 5000);
    assert.equal(r.files.length, 5000, 'every trace file listed');
    assert.equal(most, 2, 'the candidate search ran while the named one did');
    assert.deepEqual(asked.sort((a, b) => a.include.localeCompare(b.include)), [{ include: '**/*.{json,jsonl}', maxResults: 5001 }, { include: TRACE_GLOB, maxResults: 5001 }], 'one search each');
  });

  it('ignores the candidate search when the named files fill maxFiles, even when it fails', async () => {
    const { findFiles } = fakeWorkspace(WORKSPACE);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => { unhandled.push(e); };
    process.on('unhandledRejection', onUnhandled);
    try {
      const failing: FindFiles<string> = async (include, exclude, maxResults) => {
        if (include !== TRACE_GLOB) throw new Error('search failed');
        return findFiles(include, exclude, maxResults);
      };
      const r = await list(failing, 1500);
      assert.equal(r.capped, true);
      assert.equal(r.files.length, 1500);
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(unhandled, [], 'the unneeded search\'s failure is not reported as unhandled');
      await assert.rejects(list(failing, 5000), /search failed/, 'a candidate search that is needed still fails the listing');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('with the default glob, lists the same files in one search while they fit in maxFiles', async () => {
    const packageJson = JSON.parse(readFileSync(`${__dirname}/../../../package.json`, 'utf8')) as { contributes: { configuration: { properties: Record<string, { default?: unknown }> } } };
    assert.equal(DEFAULT_TRACE_GLOB, TRACE_GLOB, 'the default glob is the suffixes\' glob');
    assert.equal(packageJson.contributes.configuration.properties['agentTraceDebugger.traceGlob'].default, DEFAULT_TRACE_GLOB, 'and the setting\'s default');
    assert.equal(oneSearchGlob(TRACE_FILE_SUFFIXES), '**/*.{json,jsonl,traj,eval}');
    // Named files spelled in another case are candidates in both ways, as the case-sensitive globs find them.
    const ws = [...WORKSPACE, 'runs/d/UPPER.TRACE.JSON', 'runs/d/upper.Trace.json'];
    const byName = (r: { files: { uri: string; byName: boolean }[] }): string[] => r.files.map((f) => `${f.byName ? 'named' : 'candidate'} ${f.uri}`).sort();
    const two = await list(fakeWorkspace(ws).findFiles, 6000);
    const { findFiles, calls } = fakeWorkspace(ws);
    const one = await list(findFiles, 6000, { namedSuffixes: TRACE_FILE_SUFFIXES });
    assert.deepEqual(calls, [{ include: '**/*.{json,jsonl,traj,eval}', maxResults: 6001 }], 'one search');
    assert.equal(one.capped, false);
    assert.equal(one.files.length, 5001);
    assert.deepEqual(byName(one), byName(two), 'the same files, named or candidates as two searches make them');
    assert.deepEqual(one.files.slice(0, 3000).map((f) => f.byName), Array(3000).fill(true), 'named files first');
  });

  it('with the default glob, goes back to two searches when the files do not fit in maxFiles', async () => {
    for (const maxFiles of [5000, 4000, 1500]) {
      const { findFiles, calls } = fakeWorkspace(WORKSPACE);
      const one = await list(findFiles, maxFiles, { namedSuffixes: TRACE_FILE_SUFFIXES });
      const two = await list(fakeWorkspace(WORKSPACE).findFiles, maxFiles);
      assert.equal(calls[0].include, '**/*.{json,jsonl,traj,eval}', 'tried once first');
      assert.ok(calls.length > 1, `then searched again at maxFiles ${maxFiles}`);
      assert.deepEqual(one, two, `the two searches' listing at maxFiles ${maxFiles}`);
    }
  });

  it('adds the never-trace names to the exclude glob', () => {
    assert.equal(candidateExclude('{**/a/**,**/b/**}').startsWith('{**/a/**,**/b/**,**/package.json,'), true);
    assert.equal(candidateExclude('**/a/**').startsWith('{**/a/**,**/package.json'), true);
    assert.ok(globRegExp(candidateExclude(EXCLUDE)).test('x/tsconfig.build.json'));
    assert.ok(!globRegExp(candidateExclude(EXCLUDE)).test('x/run.json'));
  });
});
