/**
 * How a trace worker starts: without the parent's preloaded loaders (exec-argv.ts), and ahead of
 * need as the trace editor's spare (spare-worker.ts): a client reads a file through the spare it
 * is handed, and a spare that stops, is released or comes after dispose is never handed over.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../../../src/core/engine/worker/exec-argv';
import { SpareWorker } from '../../../src/core/engine/worker/spare-worker';
import { debugWorkerHeapMb, startTraceWorker } from '../../../src/core/engine/worker/spawn';
import { DocumentWorkerClient } from '../../../src/core/engine/worker/document-client';
import type { DocumentEvent } from '../../../src/core/engine/worker/document-load';
import { benchTraceText } from '../../support/bench-traces';
import { traceWorkerScript } from '../../support/bundled';

describe('starting trace workers', () => {
  describe('workerExecArgv', () => {
    it('drops every option of a parent that preloads code, in either spelling', () => {
      for (const parent of [['--require', 'tsx/cjs'], ['-r', 'tsx/cjs', '--expose-gc'], ['--import=tsx', '--max-old-space-size=8192'], ['--loader', 'x.mjs'], ['--experimental-loader=x.mjs']]) {
        assert.deepEqual(workerExecArgv(parent), [], parent.join(' '));
      }
    });

    it('leaves any other parent\'s options to be inherited as they are', () => {
      assert.equal(workerExecArgv([]), undefined);
      assert.equal(workerExecArgv(['--max-old-space-size=8192', '--expose-gc', '--inspect-port=0']), undefined);
    });
  });

  describe('heap limits', () => {
    const GB = 2 ** 30;
    /** The heap limit (MB) a worker started so reports from inside. */
    async function heapLimitMbOf(mode: 'document' | 'debug', cap?: number): Promise<number> {
      const report = "const { parentPort } = require('node:worker_threads'); parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20);";
      const w = startTraceWorker(report, mode, { eval: true, ...(cap !== undefined ? { maxOldGenerationSizeMb: cap } : {}) });
      try {
        return await new Promise<number>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        });
      } finally {
        await w.terminate();
      }
    }

    it('a debug worker may grow to half the machine\'s memory, never less than a thread gets by default', () => {
      assert.equal(debugWorkerHeapMb(24 * GB, 4 * GB), 12 * 1024);
      assert.equal(debugWorkerHeapMb(16 * GB, 4 * GB), 8 * 1024);
      assert.equal(debugWorkerHeapMb(4 * GB, 2 * GB), 2 * 1024, 'a small machine keeps the default');
    });

    it('starts a debug worker with that limit; a document worker keeps the default, and a cap given wins', async () => {
      const debugLimit = await heapLimitMbOf('debug');
      const documentLimit = await heapLimitMbOf('document');
      // The limit reported adds the young generation to the old one set.
      assert.ok(debugLimit >= debugWorkerHeapMb(), `debug worker heap ${debugLimit} MB, want at least ${debugWorkerHeapMb()} MB`);
      const threadDefault = getHeapStatistics().heap_size_limit / 2 ** 20;
      assert.ok(Math.abs(documentLimit - threadDefault) < 512, `document worker ${documentLimit} MB, this thread's default ${threadDefault} MB`);
      assert.ok((await heapLimitMbOf('debug', 64)) < 1024, 'a debug worker capped at 64 MB');
    });
  });

  describe('SpareWorker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-spare-'));
    const started: Worker[] = [];
    const realWorker = (): Worker => {
      const w = startTraceWorker(traceWorkerScript(), 'document');
      started.push(w);
      return w;
    };
    after(async () => {
      await Promise.all(started.map((w) => w.terminate()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('hands over the worker it started, loaded, and a client reads the file through it', async () => {
      const path = join(dir, 'run.trace.jsonl');
      writeFileSync(path, benchTraceText('jsonl', 300));
      const spare = new SpareWorker(realWorker);
      assert.equal(await spare.prepare(), true);
      assert.equal(spare.hasSpare, true);
      const before = started.length;
      let steps = 0;
      const kinds: string[] = [];
      const client = new DocumentWorkerClient(() => spare.take(), { path, taxonomy: 'default', siblings: false, streamFromBytes: 0 });
      const end = await client.open((e: DocumentEvent) => {
        kinds.push(e.kind);
        if (e.kind === 'steps') steps += e.steps.length;
      });
      assert.equal(end, 'done');
      assert.equal(steps, 300);
      assert.equal(kinds[kinds.length - 1], 'done');
      assert.equal(started.length, before, 'no other worker was started');
      assert.equal(spare.hasSpare, false);
      client.dispose();
      // No spare left: the next one is started when taken.
      spare.take();
      assert.equal(started.length, before + 1);
      spare.dispose();
    });

    it('a spare taken while it still starts reads the file too (its ready message is not an event)', async () => {
      const path = join(dir, 'early.trace.jsonl');
      writeFileSync(path, benchTraceText('jsonl', 50));
      const spare = new SpareWorker(realWorker);
      const ready = spare.prepare();
      let steps = 0;
      const client = new DocumentWorkerClient(() => spare.take(), { path, taxonomy: 'default', siblings: false });
      assert.equal(await client.open((e) => { if (e.kind === 'steps') steps += e.steps.length; }), 'done');
      assert.equal(steps, 50);
      assert.equal(await ready, true);
      client.dispose();
      spare.dispose();
    });

    it('does not hand over a spare that stopped before it was ready', async () => {
      const spare = new SpareWorker(() => new Worker('process.exit(3)', { eval: true }));
      assert.equal(await spare.prepare(), false);
      assert.equal(spare.hasSpare, false);
      spare.dispose();
    });

    it('release stops the spare and a later prepare starts another; after dispose, none starts', async () => {
      const spare = new SpareWorker(realWorker);
      assert.equal(await spare.prepare(), true);
      const first = started[started.length - 1];
      const exited = new Promise<number>((resolve) => first.once('exit', resolve));
      spare.release();
      assert.equal(spare.hasSpare, false);
      await exited;
      assert.equal(await spare.prepare(), true);
      assert.notEqual(started[started.length - 1], first);
      spare.dispose();
      const count = started.length;
      assert.equal(await spare.prepare(), false);
      assert.equal(started.length, count);
    });
  });
});
