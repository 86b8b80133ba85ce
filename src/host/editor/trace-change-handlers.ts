/** Answers the webview's questions after the trace file changed on disk (src/protocol/trace-changes.ts). No vscode here. */
import { CancelLoad, GetFileInfo, LocateStepById, type ReadyResult, type RpcEndpoint } from '../../protocol';
import { slicePacer } from '../../core/util/slices';
import type { TraceFile } from './trace-file';

/** How long the runs' sessions may be made for in one turn of the host's thread (see fileInfo). */
const SESSIONS_SLICE_MS = 8;

/**
 * The file's runs as the webview's header and picker show them: with how each run ended. Each
 * run's failure count and verdict come from its session; the runs that have none yet get theirs
 * here, a few per turn: the webview asks first once its frame is up (2-4 s after the open in
 * code-server), and making the sessions of all the runs read by then in one turn held the host's
 * thread 85-100 ms (100 runs of 1,000 OTLP spans, or 600 Inspect samples).
 */
export async function fileInfo(file: TraceFile, pace: () => Promise<void> = slicePacer(SESSIONS_SLICE_MS)): Promise<ReadyResult> {
  // The runs can change between turns (more come, or a reload replaces them): each pass reads them anew.
  for (let i = 0; i < file.traces.length; i++) {
    void file.session(i).verdict;
    await pace();
  }
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
