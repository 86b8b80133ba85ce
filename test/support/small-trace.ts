/**
 * A large agent-trace/v1 run with small steps (about 200 bytes each: 10^6 steps are 200 MB), for
 * tests that need many steps, not realistic content (that is bench-traces.ts). Each turn is an
 * agent step with a model call and a tool call; one tool call in 97 fails.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export function smallTraceLines(from: number, to: number): string[] {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const at = (ms: number): string => new Date(t0 + ms).toISOString();
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    const turn = Math.floor(i / 3);
    const base = turn * 1000;
    const k = i % 3;
    out.push(JSON.stringify(k === 0
      ? { type: 'step', id: `t${turn}`, kind: 'agent', name: `turn ${turn}`, startTime: at(base), endTime: at(base + 900) }
      : k === 1
        ? { type: 'step', id: `m${turn}`, parentId: `t${turn}`, kind: 'llm', name: 'chat', startTime: at(base + 1), endTime: at(base + 400), output: { messages: [{ role: 'assistant', content: `step ${turn}` }] } }
        : { type: 'step', id: `c${turn}`, parentId: `t${turn}`, kind: 'tool', name: 'search', startTime: at(base + 401), endTime: at(base + 890), status: turn % 97 === 5 ? 'error' : 'ok', toolCall: { name: 'search', arguments: { q: `x${turn}` } } }));
  }
  return out;
}

/** Write a run of `steps` small steps to `path`, in pieces (never the whole text at once). */
export function writeSmallTrace(path: string, steps: number): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'many', title: `${steps} small steps` }) + '\n');
    for (let from = 0; from < steps; from += 10_000) writeSync(fd, smallTraceLines(from, Math.min(steps, from + 10_000)).join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
}
