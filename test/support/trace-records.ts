/**
 * Made-up trace database records for tests of what sits on top of the records (the Trace
 * Explorer's table and facets): every field set, so a test names only what it is about.
 */
import { TRACE_RECORD_VERSION, type TraceRecord } from '../../src/core/workspace/trace-record';

export function fakeRecord(over: Partial<TraceRecord> & { file: string }): TraceRecord {
  return {
    version: TRACE_RECORD_VERSION,
    traceKey: '0',
    traceIndex: Number(over.traceKey ?? '0'),
    traceId: `${over.file}#${over.traceKey ?? '0'}`,
    format: 'agent-trace/v1',
    title: over.file,
    task: null,
    startTime: null,
    durationMs: null,
    steps: 10,
    outcome: 'unknown',
    outcomeReasons: [],
    reward: null,
    categories: [],
    failingSteps: 0,
    firstFailingStepId: null,
    tools: [],
    models: [],
    inputTokens: 0,
    outputTokens: 0,
    tokens: 0,
    cost: null,
    tags: 0,
    corrections: 0,
    reviewed: 0,
    labels: [],
    warnings: [],
    ...over,
  };
}

/** A tool entry for `fakeRecord({ tools: [...] })`. */
export function fakeTool(name: string, calls: number, failures = 0): TraceRecord['tools'][number] {
  return { name, calls, failures, firstStepId: `${name}-1`, firstIndex: 1, firstFailureStepId: failures ? `${name}-1` : null, firstFailureIndex: failures ? 1 : null };
}

/** A category entry for `fakeRecord({ categories: [...] })`. */
export function fakeCategory(category: string, count: number, firstStepId = `${category}-step`): TraceRecord['categories'][number] {
  return { category, count, firstStepId, firstIndex: 1 };
}
