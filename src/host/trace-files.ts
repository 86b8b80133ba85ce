/** File-name rules for trace files (content sniffing lives in the core importers). */
export const TRACE_FILE_SUFFIXES = ['.trace.json', '.trace.jsonl', '.traj', '.traj.json', '.atif.json', '.eval'] as const;

/** The setting `traceGlob`'s default: the files with those suffixes, exactly (the Agent Traces view searches once for them). */
export const DEFAULT_TRACE_GLOB = `**/*.{${TRACE_FILE_SUFFIXES.map((suffix) => suffix.slice(1)).join(',')}}`;

/** Whether a path's name says "trace" (the custom editor's default selector). */
export function looksLikeTraceFileName(path: string): boolean {
  const lower = path.toLowerCase();
  return TRACE_FILE_SUFFIXES.some((s) => lower.endsWith(s));
}
