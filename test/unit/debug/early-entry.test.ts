/**
 * A large run's launch that stops on entry before the whole run is read (adapter.ts,
 * launchReading): the file is read in a document worker, the replay stops on entry over the run's
 * first steps, the client's requests about them are answered meanwhile, moves wait for the read,
 * and the session then goes on with the whole run (its breakpoints set again, with the same ids).
 *
 * The document worker here is a stand-in that posts the events a real read of the file gives
 * (DocumentLoader in this thread), the first steps at once and the rest when the test says: the
 * order of "entry stop, then the end of the read" is the test's, not the machine's.
 */
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { STEP_AT_REQUEST, TraceDebugAdapter, type StepAtBody } from '../../../src/core/debug/adapter';
import { heldRunsParams } from '../../../src/core/engine/held-runs';
import { DocumentLoader, type DocumentEvent } from '../../../src/core/engine/worker/document-load';
import { benchTraceText, isTimeoutTurn } from '../../support/bench-traces';
import { DapTestClient } from '../../support/dap-test-client';

const STEPS = 3_001;

/** A document worker that posts a real read's events: up to the run's first steps when opened, the rest on `release`. */
class HeldBackWorker extends EventEmitter {
  private sent = 0;
  terminated = false;

  constructor(private readonly events: DocumentEvent[]) {
    super();
  }

  postMessage(m: { op: string }): void {
    if (m.op !== 'open') return;
    const first = this.events.findIndex((e) => e.kind === 'steps');
    this.post(first + 1);
  }

  release(): void {
    this.post(this.events.length);
  }

  private post(to: number): void {
    for (; this.sent < to; this.sent++) this.emit('message', this.events[this.sent]);
  }

  ref(): void {}
  unref(): void {}

  terminate(): Promise<number> {
    this.terminated = true;
    this.emit('exit', 1);
    return Promise.resolve(1);
  }
}

/** A DAP client of the adapter in this thread, which tells what happened as "event reason" words. */
class Client extends DapTestClient {
  /** The events so far, progress updates, output and step events left out. */
  story(): string[] {
    return this.events.filter((e) => e.event !== 'progressUpdate' && e.event !== 'output' && e.event !== 'agentTraceStep')
      .map((e) => (e.event === 'stopped' ? `stopped ${(e.body as { reason: string }).reason}` : e.event));
  }
}

describe('trace debugger: a large run stops on entry before it is whole', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let events: DocumentEvent[];
  let worker: HeldBackWorker;
  let dc: Client;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-early-entry-'));
    file = join(dir, 'run.trace.jsonl');
    writeFileSync(file, benchTraceText('jsonl', STEPS));
    // What a document worker reading it sends (streamed from the start, in small reads: several steps events).
    events = [];
    new DocumentLoader({ ...heldRunsParams(file, { taxonomy: 'default', keepUsage: true }), streamFromBytes: 0, chunkSize: 64 * 1024 }, (e) => events.push(e)).open();
    assert.ok(events.filter((e) => e.kind === 'steps').length > 3, 'the read comes in several steps events');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    worker = new HeldBackWorker(events);
    dc = new Client(new TraceDebugAdapter({ spawnDocumentWorker: () => worker as unknown as Worker, earlyEntryBytes: 0, loadCancellable: true }));
  });

  /** initialize, launch, a breakpoint on the first timeout (past the first steps), configurationDone: at the entry stop. */
  async function launch(): Promise<number> {
    await dc.request('initialize', { adapterID: 'agent-trace', pathFormat: 'path', supportsProgressReporting: true, supportsInvalidatedEvent: true });
    const initialized = dc.next('initialized');
    const entry = dc.next('stopped');
    const launched = dc.request('launch', { trace: file, stopOnEntry: true });
    await initialized;
    const set = await dc.request('setExceptionBreakpoints', { filters: [], filterOptions: [{ filterId: 'TOOL.TIMEOUT' }] });
    const [bp] = (set.body as { breakpoints: DebugProtocol.Breakpoint[] }).breakpoints;
    // A breakpoint in another file (VS Code sends every file's): never verified, nothing to say of it later.
    const elsewhere = await dc.request('setBreakpoints', { source: { path: join(dir, 'agent.py') }, breakpoints: [{ line: 3 }] });
    assert.deepEqual((elsewhere.body as { breakpoints: DebugProtocol.Breakpoint[] }).breakpoints.map((b) => [b.verified, b.id]), [[false, undefined]]);
    await dc.request('configurationDone');
    assert.equal((await launched).success, true);
    assert.equal((await entry).body.reason, 'entry');
    return bp.id!;
  }

  async function stepAt(): Promise<StepAtBody> {
    return (await dc.request(STEP_AT_REQUEST, {})).body as StepAtBody;
  }

  it('stops on entry over the first steps, answers about them, waits with a continue, then stops on the whole run', async () => {
    const breakpointId = await launch();
    // Stopped on the run's first step while the rest is unread.
    const first = await stepAt();
    assert.equal(first.position, 0);
    assert.ok(first.length > 0 && first.length < STEPS, `the first runtime holds ${first.length} of ${STEPS} steps`);
    const stack = await dc.request('stackTrace', { threadId: 1 });
    assert.equal((stack.body as DebugProtocol.StackTraceResponse['body']).stackFrames[0].name, 'agent research_agent');
    const scopes = (await dc.request('scopes', { frameId: 1 })).body as DebugProtocol.ScopesResponse['body'];
    assert.deepEqual(scopes.scopes.map((s) => s.name).slice(0, 1), ['Step']);
    assert.match(dc.output(), /stopped on entry after the first [\d,]+ steps; the rest of the run is read meanwhile/);
    // A continue is answered now and made once the run is whole.
    const hit = dc.next('stopped');
    assert.equal((await dc.request('continue')).success, true);
    assert.deepEqual(dc.story().slice(-1), ['stopped entry'], 'no stop before the read ends');
    worker.release();
    const stop = await hit;
    assert.equal((stop.body as DebugProtocol.StoppedEvent['body']).reason, 'exception');
    assert.deepEqual((stop.body as DebugProtocol.StoppedEvent['body']).hitBreakpointIds, [breakpointId], 'the breakpoint set on the first runtime, with its id');
    const whole = await stepAt();
    assert.equal(whole.length, STEPS);
    const firstTimeout = Array.from({ length: 1_000 }, (_, k) => k).find(isTimeoutTurn)!;
    assert.equal(whole.stepId, `tool-${firstTimeout}`);
    assert.ok(whole.position >= first.length, 'the stop is past the steps read first');
    const story = dc.story();
    assert.deepEqual(story.slice(story.indexOf('stopped entry')), ['stopped entry', 'progressEnd', 'breakpoint', 'invalidated', 'stopped exception']);
    assert.match(dc.output(), new RegExp(`read all ${STEPS.toLocaleString('en-US')} steps of the run`));
  });

  it("the sidecar's tags on the first steps show at the entry stop, before the rest is read", async () => {
    const sidecar = `${file}.annotations.json`;
    writeFileSync(sidecar, JSON.stringify({
      version: 1,
      errors: [{ location: 'run', category: 'RSN.HALLUCINATION', source: 'human', status: 'confirmed', description: 'made up the goal' }],
      corrections: [], reviewed: [],
    }));
    try {
      await launch();
      const at = await stepAt();
      assert.equal(at.position, 0);
      assert.ok(at.length < STEPS, 'the rest of the run is still unread');
      const scopes = ((await dc.request('scopes', { frameId: 1 })).body as DebugProtocol.ScopesResponse['body']).scopes;
      const tagScope = scopes.find((x) => x.name === 'Tags and corrections');
      assert.ok(tagScope, `the entry step shows its tags (scopes: ${scopes.map((x) => x.name).join(', ')})`);
      const vars = ((await dc.request('variables', { variablesReference: tagScope.variablesReference })).body as DebugProtocol.VariablesResponse['body']).variables;
      const tags = vars.find((v) => v.name === 'tags')!;
      const list = ((await dc.request('variables', { variablesReference: tags.variablesReference })).body as DebugProtocol.VariablesResponse['body']).variables;
      assert.equal(list.length, 1);
      const tag = ((await dc.request('variables', { variablesReference: list[0].variablesReference })).body as DebugProtocol.VariablesResponse['body']).variables;
      assert.equal(tag.find((v) => v.name === 'category')?.value, '"RSN.HALLUCINATION"');
      worker.release();
    } finally {
      unlinkSync(sidecar);
    }
  });

  it('a pause drops the move that waits for the read: the replay stays on entry, and nothing moves when the read ends', async () => {
    await launch();
    assert.equal((await dc.request('next')).success, true);
    const second = await dc.request('stepIn');
    assert.equal(second.success, false, 'one move waits at a time');
    assert.match(second.message ?? '', /still being read/);
    const paused = dc.next('stopped');
    assert.equal((await dc.request('pause', { threadId: 1 })).success, true);
    assert.equal(((await paused).body as { reason: string }).reason, 'pause');
    const invalidated = dc.next('invalidated');
    worker.release();
    await invalidated;
    assert.deepEqual(dc.story().filter((e) => e.startsWith('stopped')), ['stopped entry', 'stopped pause']);
    const at = await stepAt();
    assert.deepEqual([at.position, at.length], [0, STEPS]);
  });

  it('Cancel on the progress while the rest is read ends the session and stops the read', async () => {
    await launch();
    const progressId = (dc.events.find((e) => e.event === 'progressStart')!.body as { progressId: string }).progressId;
    const terminated = dc.next('terminated');
    assert.equal((await dc.request('cancel', { progressId })).success, true);
    await terminated;
    assert.equal(worker.terminated, true, 'the document worker is stopped');
    assert.match(dc.output(), /stopped while .*run\.trace\.jsonl was loading\n/);
    const ends = dc.events.filter((e) => e.event === 'progressEnd').map((e) => (e.body as { message?: string }).message);
    assert.deepEqual(ends, ['cancelled']);
  });

  it('a read that fails after the entry stop ends the session, saying why', async () => {
    // The stand-in's later events replaced by the failure a real read of a cut file reports.
    const cut: DocumentEvent[] = [...events.slice(0, events.findIndex((e) => e.kind === 'steps') + 1), { kind: 'failed', problems: [{ file, line: 40, message: 'not valid JSON' }], userError: true }];
    worker = new HeldBackWorker(cut);
    dc = new Client(new TraceDebugAdapter({ spawnDocumentWorker: () => worker as unknown as Worker, earlyEntryBytes: 0 }));
    await launch();
    const terminated = dc.next('terminated');
    worker.release();
    await terminated;
    assert.match(dc.output(), /cannot debug .*run\.trace\.jsonl: .*run\.trace\.jsonl:40.*not valid JSON/);
  });
});
