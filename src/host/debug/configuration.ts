/**
 * How a launch configuration of the trace debugger is completed before the adapter sees it
 * (F5 with no launch.json, "Debug This Trace", a launch.json entry missing its trace). Plain
 * logic with no vscode import, so it is unit-tested in Node; src/host/debug/index.ts gives it the
 * active editor and the settings.
 */
import { basename, isAbsolute, join } from 'node:path';

export const DEBUG_TYPE = 'agent-trace';

/** What the host knows when F5 is pressed: the trace in the active editor, the settings. */
export interface ResolveContext {
  /** The trace the user is looking at (the trace editor's file, or a trace open as text), on disk. */
  activeTrace?: { path: string; traceIndex?: number };
  /** `agentTraceDebugger.taxonomy` as the adapter takes it ("default", "trail", "mast" or an absolute path). */
  taxonomy: string;
  /** The workspace folder a relative `trace` or `taxonomy` is taken from. */
  folder?: string;
}

export type Resolved = { config: Record<string, unknown> } | { problem: string };

const BUILT_IN_TAXONOMIES = new Set(['default', 'trail', 'mast']);

/**
 * Fill what is missing: an empty configuration (no launch.json) becomes a launch of the active
 * trace; a launch without `trace` gets the active trace; `stopOnEntry` defaults to true and
 * `taxonomy` to the setting. Relative paths are taken from the workspace folder. A configuration
 * that cannot be completed gets a sentence saying what to do.
 */
export function resolveTraceConfiguration(config: Record<string, unknown>, context: ResolveContext): Resolved {
  const empty = !config.type && !config.request && !config.name;
  if (config.type !== undefined && config.type !== DEBUG_TYPE && !empty) return { problem: `this configuration is of type "${String(config.type)}", not "${DEBUG_TYPE}"` };
  const out: Record<string, unknown> = { ...config, type: DEBUG_TYPE };
  if (empty) {
    if (!context.activeTrace) return { problem: 'open a trace file (in the Trace Debugger or as text) to debug it, or add an "agent-trace" configuration with a "trace" to launch.json' };
    out.request = 'launch';
    out.name = `Debug ${basename(context.activeTrace.path)}`;
  }
  out.request ??= 'launch';
  if (out.request !== 'launch') return { problem: `the agent-trace debugger only launches (a recorded trace has no process to attach to): set "request" to "launch", not ${JSON.stringify(out.request)}` };
  out.name ??= 'Debug Agent Trace';
  const trace = out.trace;
  if (trace === undefined || trace === null || trace === '') {
    if (!context.activeTrace) return { problem: `launch configuration "${String(out.name)}" has no "trace": set it to the trace file's path (e.g. "\${file}"), or open the trace first` };
    out.trace = context.activeTrace.path;
    if (out.traceIndex === undefined && context.activeTrace.traceIndex !== undefined) out.traceIndex = context.activeTrace.traceIndex;
  } else if (typeof trace === 'string' && context.folder && !isAbsolute(trace) && !/^\$\{/.test(trace)) {
    out.trace = join(context.folder, trace);
  }
  out.stopOnEntry ??= true;
  const taxonomy = out.taxonomy;
  if (taxonomy === undefined || taxonomy === null || taxonomy === '') out.taxonomy = context.taxonomy;
  else if (typeof taxonomy === 'string' && !BUILT_IN_TAXONOMIES.has(taxonomy) && context.folder && !isAbsolute(taxonomy)) out.taxonomy = join(context.folder, taxonomy);
  return { config: out };
}

/** The custom event the adapter sends at every stop (src/core/debug/adapter.ts STEP_EVENT). */
export interface StepEventBody {
  file: string;
  traceIndex: number;
  stepId: string;
  position: number;
  reason: string;
}

export function isStepEventBody(body: unknown): body is StepEventBody {
  const b = body as Partial<StepEventBody> | undefined;
  return !!b && typeof b.file === 'string' && typeof b.stepId === 'string' && typeof b.position === 'number' && typeof b.traceIndex === 'number';
}
