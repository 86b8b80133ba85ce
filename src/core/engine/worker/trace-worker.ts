/**
 * The trace worker's entry (bundled to dist/trace-worker.js): heavy work on traces, off the
 * extension host's thread. Jobs run one at a time, in the order they arrive; a job that throws is
 * answered with an error and the worker goes on.
 */
import { parentPort } from 'node:worker_threads';
import { workerJobs } from './jobs';
import type { JobReply, JobRequest } from './messages';

const jobs = workerJobs as unknown as Record<string, (params: unknown) => unknown>;

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
