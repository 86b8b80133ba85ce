/** What crosses between the trace worker and its client (structured clone over a MessagePort). */
export interface JobRequest {
  id: number;
  method: string;
  params: unknown;
}

export type JobReply =
  | { id: number; result: unknown }
  /** The job threw: a bug, never a user error (those are outcomes). The worker keeps serving. */
  | { id: number; error: string };

/**
 * What a document worker posts once its code is loaded, before any event: a spare worker
 * (spare-worker.ts) is ready when it comes. Not an event; the client passes over it.
 */
export const DOCUMENT_WORKER_READY = 'agent-trace:document-worker-ready';

/**
 * To a document worker: open the file (once), then read it again after each change. `taken`: the
 * host's count of the events it took from this worker (event-flow.ts). `check`: which of some held
 * lines' steps match `query` (checkLinesInFile), for a search the host splits with it; answered
 * with a CheckReply, beside the events.
 */
export type DocumentRequest =
  | { op: 'open'; params: import('./document-load').OpenDocumentParams; taken?: SharedArrayBuffer }
  | { op: 'reload'; fromStart?: boolean }
  | { op: 'check'; id: number; query: string; lines: import('../stream/step-payloads').LineCheck };

/** A document worker's answer to a `check`: a LineVerdict per line, or why it could not (a bug or an unreadable file). */
export type CheckReply = { checked: number; verdicts: Uint8Array } | { checked: number; error: string };

export function isCheckReply(m: unknown): m is CheckReply {
  return typeof m === 'object' && m !== null && 'checked' in m;
}
