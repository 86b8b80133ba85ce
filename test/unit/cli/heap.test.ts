/**
 * Room for large traces (src/cli/heap.ts): the CLI runs itself again with a larger heap when a
 * file it is given is large, and says plainly, without V8's native stack, when even that heap is
 * not enough.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heapPlan, LARGE_TRACE_BYTES, type LargestFile } from '../../../src/cli/heap';
import { benchTraceText } from '../../support/bench-traces';
import { PROJECT_ROOT } from '../../support/shared';

const GB = 2 ** 30;

describe('CLI heap for large traces', () => {
  const sizes: Record<string, number> = { 'small.jsonl': 1000, 'big.jsonl': 2 * GB, 'bigger.json': 3 * GB, 'edge.jsonl': LARGE_TRACE_BYTES };
  const sizeOf = (arg: string): LargestFile | undefined => (arg in sizes ? { file: arg, bytes: sizes[arg] } : arg === 'runs/' ? { file: 'runs/deep/big.jsonl', bytes: 2 * GB } : undefined);
  const machine = { heapLimitBytes: 4 * GB, totalMemoryBytes: 24 * GB };

  it('relaunches with three quarters of the machine memory for the largest file named at or over the threshold', () => {
    assert.deepEqual(heapPlan(['inspect', 'big.jsonl', '--json'], sizeOf, machine), { heapMb: 18 * 1024, file: 'big.jsonl', bytes: 2 * GB });
    assert.deepEqual(heapPlan(['report', 'big.jsonl', 'bigger.json', 'small.jsonl'], sizeOf, machine), { heapMb: 18 * 1024, file: 'bigger.json', bytes: 3 * GB });
    assert.equal(heapPlan(['inspect', 'edge.jsonl'], sizeOf, machine)?.file, 'edge.jsonl');
    // A folder: its largest trace file.
    assert.deepEqual(heapPlan(['report', 'runs/', 'small.jsonl'], sizeOf, machine), { heapMb: 18 * 1024, file: 'runs/deep/big.jsonl', bytes: 2 * GB });
  });

  it('does not relaunch for small files, options, or when the heap is already as large', () => {
    assert.equal(heapPlan(['inspect', 'small.jsonl'], sizeOf, machine), undefined);
    assert.equal(heapPlan(['formats', '--json'], sizeOf, machine), undefined);
    // The receiver writes into its --out folder and speaks as it runs; the debug adapter speaks on stdio.
    assert.equal(heapPlan(['receive', '--out', 'runs/'], sizeOf, machine), undefined);
    assert.equal(heapPlan(['dap'], sizeOf, machine), undefined);
    // A command named like a file is the command, not a file.
    assert.equal(heapPlan(['big.jsonl'], sizeOf, machine), undefined);
    // Options are not files.
    assert.equal(heapPlan(['inspect', '--big.jsonl'], sizeOf, machine), undefined);
    assert.equal(heapPlan(['inspect', 'big.jsonl'], sizeOf, { heapLimitBytes: 18 * GB, totalMemoryBytes: 24 * GB }), undefined);
    // A machine whose memory is no more than the default heap: nothing to gain.
    assert.equal(heapPlan(['inspect', 'big.jsonl'], sizeOf, { heapLimitBytes: 4 * GB, totalMemoryBytes: 4 * GB }), undefined);
  });

  describe('the built CLI (needs npm run build)', () => {
    const cli = join(PROJECT_ROOT, 'dist', 'cli.js');
    const dir = mkdtempSync(join(tmpdir(), 'atd-cli-heap-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const trace = join(dir, 'run.trace.jsonl');
    before(() => writeFileSync(trace, benchTraceText('jsonl', 3000)));
    const run = (env: Record<string, string>, args = ['inspect', trace, '--json']): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

    it('a relaunched run prints what a run in one process prints', () => {
      assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
      const direct = run({});
      const relaunched = run({ AGENT_TRACE_TEST_LARGE_TRACE_BYTES: '1000', AGENT_TRACE_TEST_HEAP_MB: '2048' });
      assert.equal(direct.status, 0, String(direct.stderr));
      assert.equal(relaunched.status, 0, String(relaunched.stderr));
      assert.equal(JSON.parse(String(relaunched.stdout)).steps, 3000);
      assert.equal(relaunched.stdout, direct.stdout);
    });

    it('inspect reads a file of 41 MB in a heap of 64 MB, where a command holding every step runs out', () => {
      assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
      const big = join(dir, 'big.trace.jsonl');
      writeFileSync(big, benchTraceText('jsonl', 30_000));
      const small = { AGENT_TRACE_TEST_LARGE_TRACE_BYTES: '1000', AGENT_TRACE_TEST_HEAP_MB: '64' };
      const inspected = run(small, ['inspect', big, '--json']);
      assert.equal(inspected.status, 0, String(inspected.stderr));
      assert.equal(JSON.parse(String(inspected.stdout)).steps, 30_000);
      const clustered = run(small, ['clusters', big]);
      assert.equal(clustered.status, 2);
      assert.match(String(clustered.stderr), /ran out of memory reading .*big\.trace\.jsonl \(41 MB\) with a heap limit of 64 MB/);
      rmSync(big);
    });

    it('on a terminal, a relaunched inspect shows its progress line on the terminal (fd 3), then the answer', () => {
      assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
      assert.equal(spawnSync('script', ['--version']).error, undefined, '`script` (a terminal for the CLI) is missing: apt-get install bsdutils');
      const slow = join(dir, 'slow.trace.jsonl');
      writeFileSync(slow, benchTraceText('jsonl', 6_000));
      // `script` runs the CLI on a pseudo-terminal and copies what reaches it to its stdout.
      const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} inspect ${JSON.stringify(slow)}`;
      const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, AGENT_TRACE_TEST_LARGE_TRACE_BYTES: '1000', AGENT_TRACE_TEST_HEAP_MB: '2048', AGENT_TRACE_TEST_PROGRESS_AT_ONCE: '1' } });
      rmSync(slow);
      assert.equal(r.status, 0, String(r.stderr));
      const terminal = String(r.stdout);
      assert.match(terminal, /\ragent-trace: reading \S*slow\S*… \d+%/, `the progress line: ${JSON.stringify(terminal.slice(0, 300))}`);
      assert.match(terminal, /steps: {4}6000/, 'the answer');
      assert.ok(terminal.indexOf('steps:') > terminal.lastIndexOf('agent-trace: reading'), 'the answer comes after the progress line');
    });

    it('a run out of memory ends with one line naming the file, its size and the heap, exit code 2, no V8 stack', () => {
      assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
      // clusters holds every step with its messages (inspect and report no longer do: file-summary.ts).
      const r = run({ AGENT_TRACE_TEST_LARGE_TRACE_BYTES: '1000', AGENT_TRACE_TEST_HEAP_MB: '24' }, ['clusters', trace]);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      const message = `agent-trace: ran out of memory reading ${trace} (${Math.round(statSync(trace).size / 2 ** 20)} MB) with a heap limit of 24 MB; split the file, or run it where more memory is free\n`;
      assert.equal(String(r.stderr), message);
      // A folder named: its largest trace file is what needs the room.
      const report = run({ AGENT_TRACE_TEST_LARGE_TRACE_BYTES: '1000', AGENT_TRACE_TEST_HEAP_MB: '24' }, ['clusters', dir]);
      assert.equal(report.status, 2);
      assert.equal(String(report.stderr), message);
    });
  });
});
