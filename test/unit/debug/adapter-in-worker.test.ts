/**
 * The trace debugger's adapter in a worker thread (src/core/debug/adapter-in-worker.ts), as the
 * extension host runs it: DAP messages relayed both ways, the launch completed by the host (the
 * sidecar's place), whether the replay runs read from the messages, a step's id asked with
 * `stepAt`; a trace too large for the worker's heap is refused before it is loaded (running out
 * of heap in a worker can abort the whole process); a worker that ends anyway ends the session
 * saying so and answers what was waiting. Every wait is for a message, never a fixed delay.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DebugAdapterInWorker } from '../../../src/core/debug/adapter-in-worker';
import { STEP_AT_REQUEST, type StepAtBody } from '../../../src/core/debug/adapter';
import { startTraceWorker } from '../../../src/core/engine/worker/spawn';
import { benchTraceText } from '../../support/bench-traces';
import { DapTestClient } from '../../support/dap-test-client';
import { sharedPath } from '../../support/shared';
import { traceWorkerScript } from '../../support/bundled';

const TRAIL_FILE = sharedPath('traces', 'trail', 'GAIA', 'traces', '2cb6924caac94b32d2bf4b40bdf4ab51.json');

/** A client of the relay (test/support/dap-test-client.ts). */
class Client extends DapTestClient {}

function inWorker(options: { maxOldGenerationSizeMb?: number; completeLaunch?: (args: Record<string, unknown>) => Record<string, unknown> } = {}): DebugAdapterInWorker {
  return new DebugAdapterInWorker(() => startTraceWorker(traceWorkerScript(), 'debug', { taxonomy: 'trail', maxOldGenerationSizeMb: options.maxOldGenerationSizeMb }), { completeLaunch: options.completeLaunch });
}

describe('trace debugger: the adapter in a worker thread', function () {
  this.timeout(180_000);
  let dir: string;
  let adapter: DebugAdapterInWorker | undefined;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-debug-worker-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => adapter?.dispose());

  it('relays a session: the host completes the launch, reads whether it runs, and asks for a step by position', async () => {
    const completed: Record<string, unknown>[] = [];
    // A sidecar that is not JSON, where the host says the sidecar is: the worker reads it there and says so.
    const sidecar = join(dir, 'elsewhere.annotations.json');
    writeFileSync(sidecar, '{ not json');
    adapter = inWorker({ completeLaunch: (args) => { completed.push(args); return { ...args, sidecarPath: sidecar }; } });
    const dc = new Client(adapter);
    const init = await dc.request('initialize', { adapterID: 'agent-trace', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    assert.equal(init.success, true);
    assert.ok((init.body as DebugProtocol.Capabilities).exceptionBreakpointFilters?.some((f) => f.filter === 'Tool-related'), 'the taxonomy given to the worker (trail) is announced before launch');
    const initialized = dc.next('initialized');
    const entry = dc.next('stopped');
    const launched = dc.request('launch', { trace: TRAIL_FILE, taxonomy: 'trail', stopOnEntry: true });
    await initialized;
    assert.equal((await dc.request('configurationDone')).success, true);
    assert.equal((await launched).success, true);
    assert.equal(((await entry).body as DebugProtocol.StoppedEvent['body']).reason, 'entry');
    assert.deepEqual(completed.map((a) => a.trace), [TRAIL_FILE], 'the launch went through completeLaunch once');
    assert.match(dc.output(), new RegExp(`${sidecar.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*\\(debugging without its tags\\)`), 'the worker read the sidecar the host named');

    const top = await dc.request(STEP_AT_REQUEST);
    const first = top.body as StepAtBody;
    assert.equal(first.position, 0);
    assert.equal(first.file, TRAIL_FILE);
    assert.ok(first.length > 10 && typeof first.stepId === 'string' && first.location !== undefined);
    const third = (await dc.request(STEP_AT_REQUEST, { position: 2 })).body as StepAtBody;
    assert.equal(third.position, 2);
    assert.notEqual(third.stepId, first.stepId);
    const outside = await dc.request(STEP_AT_REQUEST, { position: first.length });
    assert.equal(outside.success, false);
    assert.match(String(outside.message), /no step at position \d+ \(the run has \d+\)/);

    assert.equal(adapter.running, false);
    assert.doesNotMatch(dc.output(), /agent-trace: loading/, 'a small file loads without a word');
    const stopped = dc.next('stopped');
    const terminated = dc.next('terminated');
    const cont = await dc.request('continue', { threadId: 1 });
    assert.equal(cont.success, true);
    // Until the replay stops or ends, the host knows it runs (the editor's selection does not move it meanwhile).
    assert.equal(adapter.running, true);
    await Promise.race([stopped, terminated]);
    assert.equal(adapter.running, false);
    const disconnected = await dc.request('disconnect', {});
    assert.equal(disconnected.success, true);
  });

  it('a step that runs in slices counts as running from its answer to its stop; a refused one does not', async () => {
    // A stand-in adapter: answers next, step in, step out and step back; refuses stepBack when asked
    // with a flag; sends the stop when the host next says anything (as a long step over ends later).
    const standIn = `const { parentPort } = require('node:worker_threads');
      let owed = false;
      parentPort.on('message', (m) => {
        if (owed) { owed = false; parentPort.postMessage({ seq: 0, type: 'event', event: 'stopped', body: { reason: 'step', threadId: 1 } }); }
        const refused = m.arguments && m.arguments.refuse === true;
        parentPort.postMessage({ seq: 0, type: 'response', request_seq: m.seq, command: m.command, success: !refused, ...(refused ? { message: 'no' } : {}) });
        if (!refused && ['next', 'stepIn', 'stepOut', 'stepBack', 'goto', 'restartFrame'].includes(m.command)) owed = true;
      });`;
    adapter = new DebugAdapterInWorker(() => new Worker(standIn, { eval: true }));
    const dc = new Client(adapter);
    for (const command of ['next', 'stepIn', 'stepOut', 'stepBack', 'goto', 'restartFrame']) {
      assert.equal((await dc.request(command, { threadId: 1 })).success, true);
      assert.equal(adapter.running, true, `running after ${command}'s answer`);
      const stopped = dc.next('stopped');
      await dc.request('threads');
      await stopped;
      assert.equal(adapter.running, false, `stopped after ${command}`);
    }
    assert.equal((await dc.request('next', { threadId: 1, refuse: true })).success, false);
    assert.equal(adapter.running, false, 'a refused step does not run');
  });

  it('a large trace that fits is said to be loading in the Debug Console, then stops on entry', async () => {
    const large = join(dir, 'large.trace.jsonl');
    writeFileSync(large, benchTraceText('jsonl', 13_000));
    adapter = inWorker();
    const dc = new Client(adapter);
    assert.equal((await dc.request('initialize', { adapterID: 'agent-trace', pathFormat: 'path' })).success, true);
    const entry = dc.next('stopped');
    const launched = dc.request('launch', { trace: large, stopOnEntry: true });
    assert.equal((await dc.request('configurationDone')).success, true);
    assert.equal((await launched).success, true);
    await entry;
    assert.match(dc.output(), /^agent-trace: loading .*large\.trace\.jsonl \(1[6-9] MB\)…\n/);
    assert.deepEqual(dc.events.filter((e) => e.event.startsWith('progress')), [], 'a client that did not say it shows progress gets none');
  });

  it('a client that shows progress is told how far the read is; the replay stops on entry while the rest is read, then the read ends', async () => {
    const large = join(dir, 'progress.trace.jsonl');
    writeFileSync(large, benchTraceText('jsonl', 13_000));
    adapter = inWorker();
    const dc = new Client(adapter);
    assert.equal((await dc.request('initialize', { adapterID: 'agent-trace', pathFormat: 'path', supportsProgressReporting: true })).success, true);
    const entry = dc.next('stopped');
    const readAll = dc.next('progressEnd');
    const launched = dc.request('launch', { trace: large, stopOnEntry: true });
    assert.equal((await dc.request('configurationDone')).success, true);
    assert.equal((await launched).success, true);
    await entry;
    await readAll;
    const shown = dc.events.filter((e) => e.event.startsWith('progress') || e.event === 'stopped').map((e) => {
      const b = (e.body ?? {}) as { title?: string; message?: string; percentage?: number; progressId?: string };
      return [e.event, b.title ?? '', b.message ?? '', b.percentage ?? ''].filter((x) => x !== '').join(' | ');
    });
    assert.match(shown[0], /^progressStart \| Loading progress\.trace\.jsonl \| 1[6-9] MB \| 0$/);
    // The run's first steps are read in a document worker: the entry stop comes before the read's end (launchReading).
    const stopped = shown.indexOf('stopped');
    assert.ok(stopped > 0 && stopped < shown.indexOf('progressEnd'), shown.join('\n'));
    // The file streams (agent-trace/v1 lines from 4 MB): the share read rises to 95, its failures found as it goes.
    const reading = `progressUpdate | reading ${shown[0].split(' | ')[2]}, finding failures`;
    const read = shown.slice(1, -2).filter((line) => line !== 'stopped');
    assert.equal(read[0], reading);
    assert.ok(read.slice(1).every((line) => line.startsWith(`${reading} | `)), read.join('\n'));
    const shares = read.slice(1).map((line) => Number(line.slice(reading.length + 3)));
    assert.ok(shares.length >= 10 && shares.every((p, i) => p <= 95 && (i === 0 || p > shares[i - 1])), `the share read rises to at most 95: ${shares.join(', ')}`);
    assert.deepEqual(shown.slice(-2), ['progressUpdate | indexing 13,000 steps | 95', 'progressEnd']);
    const ids = new Set(dc.events.filter((e) => e.event.startsWith('progress')).map((e) => (e.body as { progressId: string }).progressId));
    assert.equal(ids.size, 1, 'one progress, from start to end');
    const at = await dc.request(STEP_AT_REQUEST, {});
    assert.equal((at.body as StepAtBody).length, 13_000, 'the whole run once read');
  });

  for (const how of ['Stop (disconnect)', 'Cancel on the progress']) {
    it(`${how} while the trace loads is answered at once: the worker stops, the progress ends, the launch is answered, the session ends saying why`, async () => {
      const large = join(dir, `cancelled-${how.split(' ')[0]}.trace.jsonl`);
      // 57 MB, about 3 s to load: the stop comes while it loads (it is answered the same way once loaded, but then the worker's own progressEnd comes first).
      writeFileSync(large, benchTraceText('jsonl', 40_000));
      adapter = inWorker();
      const dc = new Client(adapter);
      const init = await dc.request('initialize', { adapterID: 'agent-trace', pathFormat: 'path', supportsProgressReporting: true });
      assert.equal((init.body as DebugProtocol.Capabilities).supportsCancelRequest, true, 'the load can be cancelled');
      const started = dc.next('progressStart');
      const terminated = dc.next('terminated');
      // No configurationDone: the launch stays unanswered however fast the load is, as it would while a large trace loads.
      const launched = dc.request('launch', { trace: large, stopOnEntry: true });
      const progressId = ((await started).body as { progressId: string }).progressId;
      const stopped = how.startsWith('Stop') ? await dc.request('disconnect', {}) : await dc.request('cancel', { progressId });
      assert.equal(stopped.success, true);
      // Answered as done (VS Code shows a failed launch as an error dialog), then the session ends, saying why.
      assert.equal((await launched).success, true);
      await terminated;
      assert.match(dc.output(), /agent-trace: stopped while .*cancelled-\w+\.trace\.jsonl was loading\n/);
      const ends = dc.events.filter((e) => e.event === 'progressEnd').map((e) => e.body as { progressId: string; message?: string });
      assert.deepEqual(ends, [{ progressId, message: 'cancelled' }]);
      const after = await dc.request('threads');
      assert.equal(after.success, false);
      assert.match(String(after.message), /the trace debugger has stopped/);
      assert.doesNotMatch(dc.output(), /stopped: its thread exited/, 'a cancel is not reported as a failure');
      // VS Code sends a disconnect after a terminate or a cancel: the session has ended, so that is done.
      assert.equal((await dc.request('disconnect', {})).success, true);
    });
  }

  it('a launch refused after its progress began ends the progress, saying the trace was not loaded', async () => {
    const broken = join(dir, 'broken.trace.jsonl');
    // Large enough to be shown loading; a trace index the file does not have is found only once it is read.
    writeFileSync(broken, benchTraceText('jsonl', 13_000));
    adapter = inWorker();
    const dc = new Client(adapter);
    await dc.request('initialize', { adapterID: 'agent-trace', pathFormat: 'path', supportsProgressReporting: true });
    const launch = await dc.request('launch', { trace: broken, traceIndex: 4 });
    assert.equal(launch.success, false);
    assert.match(String(launch.message), /no trace 4/);
    const progress = dc.events.filter((e) => e.event.startsWith('progress')).map((e) => `${e.event} ${(e.body as { message?: string }).message ?? ''}`.trim());
    assert.match(progress[0], /^progressStart 1[6-9] MB$/);
    assert.equal(progress[progress.length - 1], 'progressEnd not loaded');
  });

  it("a trace too large for the worker's heap is refused before it is loaded, saying why; the session goes on", async () => {
    const big = join(dir, 'big.trace.jsonl');
    writeFileSync(big, benchTraceText('jsonl', 40_000));
    // 64 MB of old generation (and the young one): loading 57 MB whole would take about 250 MB.
    adapter = inWorker({ maxOldGenerationSizeMb: 64 });
    const dc = new Client(adapter);
    assert.equal((await dc.request('initialize', { adapterID: 'agent-trace', pathFormat: 'path' })).success, true);
    const launch = await dc.request('launch', { trace: big, stopOnEntry: true });
    assert.equal(launch.success, false);
    assert.match(String(launch.message), /launch argument "trace": .*big\.trace\.jsonl is too large to debug: loading this file \(\d+ MB\) takes about \d+ MB of memory, and the debugger has \d+ MB\. Open it in the trace editor, which reads it in pages/);
    assert.doesNotMatch(dc.output(), /loading/, 'a file refused is not said to be loading');
    const threads = await dc.request('threads');
    assert.equal(threads.success, true, 'the worker is still there and answers');
  });

  it('a worker that ends mid-session answers the request waiting, says so, and ends the session; later requests are answered too', async () => {
    // A stand-in for a worker that dies (out of memory, a native crash): it exits on the first message.
    adapter = new DebugAdapterInWorker(() => new Worker("require('node:worker_threads').parentPort.on('message', () => process.exit(3))", { eval: true }));
    const dc = new Client(adapter);
    const terminated = dc.next('terminated');
    const launch = await dc.request('launch', { trace: join(dir, 'any.trace.jsonl') });
    assert.equal(launch.success, false);
    assert.equal(launch.command, 'launch');
    assert.match(String(launch.message), /^the trace debugger stopped: its thread exited \(code 3\)$/);
    await terminated;
    assert.match(dc.output(), /agent-trace: the trace debugger stopped: its thread exited \(code 3\)\n/);
    const after = await dc.request('threads');
    assert.equal(after.success, false, 'a request after the end is answered, not left waiting');
    assert.match(String(after.message), /the trace debugger has stopped/);
    assert.equal(adapter.running, false);
  });
});
