/**
 * The trace worker's entry (bundled to dist/trace-worker.js): heavy work on traces, off the
 * extension host's thread. Two kinds of worker run it:
 * - the job worker (default): jobs run one at a time, in the order they arrive; a job that throws
 *   is answered with an error and the worker goes on;
 * - a document worker (`workerData.mode === 'document'`), one per trace open in the editor: it
 *   opens the file and reads it again when it changes, sending DocumentEvents (document-load.ts);
 * - a debug worker (`workerData.mode === 'debug'`), one per debug session: the trace debugger's
 *   adapter, which loads the debugged run whole (src/core/debug/adapter-in-worker.ts).
 */
import { parentPort, workerData, type Worker } from 'node:worker_threads';
import { workerJobs } from './jobs';
import { DocumentLoader, type DocumentEvent } from './document-load';
import { DOCUMENT_WORKER_READY, type CheckReply, type DocumentRequest, type JobReply, type JobRequest } from './messages';
import { checkLinesInFile } from '../stream/step-payloads';
import { EventEncoder } from './event-codec';
import { EventOutbox } from './event-flow';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { TraceDebugAdapter } from '../../debug/adapter';
import type { DebugWorkerData } from '../../debug/adapter-in-worker';
import { startTraceWorker } from './spawn';

const jobs = workerJobs as unknown as Record<string, (params: unknown) => unknown>;

function serveJobs(): void {
  parentPort?.on('message', (m: JobRequest) => {
    let reply: JobReply;
    try {
      const job = Object.prototype.hasOwnProperty.call(jobs, m.method) ? jobs[m.method] : undefined;
      if (!job) throw new Error(`no job "${m.method}"`);
      reply = { id: m.id, result: job(m.params) };
    } catch (e) {
      reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
    }
    parentPort?.postMessage(reply);
  });
}

function serveDocument(): void {
  let loader: DocumentLoader | undefined;
  // Each event as JSON text (event-codec.ts), which crosses as a copy of the string; the host
  // parses one per turn of its event loop (see DocumentMessage in document-client.ts), and the
  // outbox posts them as the host takes them (event-flow.ts).
  const encoder = new EventEncoder();
  let outbox: EventOutbox<string> | undefined;
  const send = (e: DocumentEvent): void => {
    for (const text of encoder.encode(e)) outbox?.send(text);
  };
  let path: string | undefined;
  parentPort?.on('message', (m: DocumentRequest) => {
    if (m.op === 'open') {
      path = m.params.path;
      outbox = new EventOutbox((text) => parentPort?.postMessage(text), m.taken);
      loader = new DocumentLoader(m.params, send);
      loader.open();
    } else if (m.op === 'check') {
      // Not an event: the outbox does not count it, and the host takes it as it comes.
      const reply = check(path, m);
      parentPort?.postMessage(reply, 'verdicts' in reply ? [reply.verdicts.buffer as ArrayBuffer] : []);
    } else {
      loader?.reload(m.fromStart === true);
    }
  });
  // Its code is loaded: a spare worker started ahead of an open is ready (spare-worker.ts).
  parentPort?.postMessage(DOCUMENT_WORKER_READY);
}

/** Half of a search of held steps, while the host does the other half (held-search.ts). */
function check(path: string | undefined, m: Extract<DocumentRequest, { op: 'check' }>): CheckReply {
  try {
    if (path === undefined) throw new Error('check before open');
    return { checked: m.id, verdicts: checkLinesInFile(path, m.lines, m.query) };
  } catch (e) {
    return { checked: m.id, error: e instanceof Error ? e.message : String(e) };
  }
}

/** This file as a worker of its own in `mode`: the bundle (dist/trace-worker.js), or the source under tsx (tests). */
function startThisWorker(mode: 'document'): Worker {
  if (!__filename.endsWith('.ts')) return startTraceWorker(__filename, mode);
  return startTraceWorker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, mode, { eval: true });
}

/** The trace debugger's adapter, its DAP messages relayed by the host (src/core/debug/adapter-in-worker.ts). */
function serveDebugger(data: DebugWorkerData): void {
  // The relay stops a load cancelled from its progress (adapter-in-worker.ts).
  // A large run is read in a document worker of its own, this file in document mode, so the adapter
  // answers the client from its entry stop on while the rest is read (adapter.ts, launchReading).
  const adapter = new TraceDebugAdapter({
    loadCancellable: true, spawnDocumentWorker: () => startThisWorker('document'),
    ...(data.taxonomy !== undefined ? { taxonomy: data.taxonomy } : {}),
  });
  // A listener makes the adapter run inline: it never exits the thread itself on disconnect.
  adapter.onDidSendMessage((m) => parentPort?.postMessage(m));
  parentPort?.on('message', (m: DebugProtocol.ProtocolMessage) => adapter.handleMessage(m));
}

const mode = (workerData as { mode?: string } | undefined)?.mode;
if (mode === 'document') serveDocument();
else if (mode === 'debug') serveDebugger(workerData as DebugWorkerData);
else serveJobs();
