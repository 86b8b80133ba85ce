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
 * To a document worker: open the file (once), then read it again after each change. `taken`: the
 * host's count of the events it took from this worker (event-flow.ts).
 */
export type DocumentRequest =
  | { op: 'open'; params: import('./document-load').OpenDocumentParams; taken?: SharedArrayBuffer }
  | { op: 'reload' };
