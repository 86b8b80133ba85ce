/** Answers the webview's questions after the trace file changed on disk (src/protocol/trace-changes.ts). No vscode here. */
import { CancelLoad, GetFileInfo, LocateStepById, type ReadyResult, type RpcEndpoint } from '../../protocol';
import type { TraceFile } from './trace-file';

/** The file's runs as the webview's header and picker show them: with how each run ended. */
export function fileInfo(file: TraceFile): ReadyResult {
  const ready = file.ready();
  return { ...ready, traces: ready.traces.map((t) => ({ ...t, verdict: file.session(t.traceIndex).verdict })) };
}

/** `cancelLoad` stops a read under way (false when none was); absent where files are not read in a worker. */
export function bindTraceChangeHandlers(rpc: RpcEndpoint, file: TraceFile, cancelLoad: () => boolean = () => false): void {
  rpc.onRequest(GetFileInfo, () => fileInfo(file));
  rpc.onRequest(CancelLoad, () => ({ cancelled: cancelLoad() }));
  rpc.onRequest(LocateStepById, (p) => {
    if (typeof p?.stepId !== 'string' || !Number.isInteger(p.traceIndex)) return { index: null };
    return { index: file.findStep(p.stepId, p.traceIndex)?.index ?? null };
  });
}
