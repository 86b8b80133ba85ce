/** Answers the webview's questions after the trace file changed on disk (src/protocol/trace-changes.ts). No vscode here. */
import { GetFileInfo, LocateStepById, type ReadyResult, type RpcEndpoint } from '../../protocol';
import type { TraceFile } from './trace-file';

/** The file's runs as the webview's header and picker show them: with how each run ended. */
export function fileInfo(file: TraceFile): ReadyResult {
  const ready = file.ready();
  return { ...ready, traces: ready.traces.map((t) => ({ ...t, verdict: file.session(t.traceIndex).verdict })) };
}

export function bindTraceChangeHandlers(rpc: RpcEndpoint, file: TraceFile): void {
  rpc.onRequest(GetFileInfo, () => fileInfo(file));
  rpc.onRequest(LocateStepById, (p) => {
    if (typeof p?.stepId !== 'string' || !Number.isInteger(p.traceIndex)) return { index: null };
    return { index: file.findStep(p.stepId, p.traceIndex)?.index ?? null };
  });
}
