/**
 * A trace file as the trace editor has it, with its document worker run in process: the worker's
 * events applied to a TraceFile, and what the webview would be shown of each run. Reload tests
 * compare a file read again with a fresh open of the same bytes.
 */
import { DEFAULT_TAXONOMY } from '../../src/host/analysis/core-api';
import { TraceFile, type TraceReload } from '../../src/host/editor/trace-file';
import { DocumentLoader, type DocumentEvent, type OpenDocumentParams } from '../../src/core/engine/worker/document-load';
import { EventDecoder, EventEncoder } from '../../src/core/engine/worker/event-codec';
import type { ViewSpec } from '../../src/protocol';
import { jsonView } from './convert-compare';

const VIEWS: ViewSpec[] = [
  { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] },
  { traceIndex: 0, collapsed: [], failuresOnly: true, categories: [] },
];

/** A file as the editor has it: events of a document worker (here in process) applied to a TraceFile. */
export class Opened {
  readonly file: TraceFile;
  readonly loader: DocumentLoader;
  done: Extract<DocumentEvent, { kind: 'done' }> | undefined;
  change: TraceReload | undefined;
  /** What the last read sent: its resets' keeps, and the steps sent per run. */
  resets: (number[] | undefined)[] = [];
  sentPerRun: Record<number, number> = {};

  /** `sidecar`: the tags file's text, as if beside the trace (none by default); `params`: the loader's, beside those. */
  constructor(readonly path: string, payloadsOnDemand: boolean, sidecar?: string, params: Partial<OpenDocumentParams> = {}) {
    this.file = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY, readSidecar: () => sidecar });
    // The events cross as the worker's do, written as text and read back (event-codec.ts): the host
    // gets what did not change as the objects it has (findings), and the session's paths for that run.
    const encoder = new EventEncoder();
    const decoder = new EventDecoder();
    this.loader = new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: payloadsOnDemand ? 0 : undefined, chunkSize: 4096, payloadsOnDemand, ...params }, (sent) => {
      for (const text of encoder.encode(sent)) {
        const e = decoder.decode(text);
        if (!e) continue;
        if (e.kind === 'done') this.done = e;
        if (e.kind === 'reset') this.resets.push(e.keep);
        if (e.kind === 'steps') this.sentPerRun[e.run] = (this.sentPerRun[e.run] ?? 0) + e.steps.length;
        const r = this.file.applyLoadEvent(e);
        if (r) this.change = r;
      }
    });
    this.loader.open();
    this.file.flushGrowth();
  }

  reload(): void {
    this.change = undefined;
    this.resets = [];
    this.sentPerRun = {};
    this.loader.reload();
    this.file.flushGrowth();
  }

  /** What the webview would be shown of run `run`: every step's details, every view's rows, the summary. */
  shown(run = 0): unknown {
    const s = this.file.session(run);
    return jsonView({
      details: s.steps.map((_, i) => s.details(i, false)),
      rows: VIEWS.map((v) => s.rows({ ...v, traceIndex: run }, 0, s.steps.length + 1).rows),
      summary: s.summary(),
    });
  }
}

