/**
 * A small workspace of agent-trace/v1 runs for the curation tests, one run per file, each of a
 * known rank: corrected, recovered, success, other, plus near-duplicates and a run with other
 * actions. Built in a temp folder per call (a few KB).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface RunSpec {
  id: string;
  city?: string;
  answer?: string;
  /** The first call fails and is retried (a recovered failure when the run succeeds). */
  retry?: boolean;
  /** A reward verdict on the whole run: 1 success, 0 failure; none: outcome unknown. */
  reward?: 0 | 1;
}

const TOOLS = [{ name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } }];

export function runJsonl(spec: RunSpec): string {
  const city = spec.city ?? 'Paris';
  const system = { role: 'system', content: 'You are a weather assistant.' };
  const user = { role: 'user', content: `Weather in ${city}?` };
  const header = {
    type: 'trace', format: 'agent-trace/v1', id: spec.id, title: `Weather ${spec.id}`, tools: TOOLS,
    ...(spec.reward === undefined ? {} : { labels: [{ stepId: null, scheme: 'tau-bench', category: 'reward', value: spec.reward, origin: 'inline' }] }),
  };
  const lines: unknown[] = [header];
  const history: unknown[] = [system, user];
  let n = 0;
  const call = (arg: string, ok: boolean, result: string): void => {
    n++;
    const c = { id: `call_${spec.id}_${n}`, name: 'get_weather', arguments: { city: arg } };
    lines.push({ type: 'step', id: `llm-${n}`, kind: 'llm', name: 'plan', status: 'ok', input: { messages: [...history] }, output: { messages: [{ role: 'assistant', content: null, toolCalls: [c] }] } });
    lines.push({ type: 'step', id: `tool-${n}`, parentId: `llm-${n}`, kind: 'tool', name: 'get_weather', status: ok ? 'ok' : 'error', toolCall: c, output: { value: result }, ...(ok ? {} : { error: { message: result } }) });
    history.push({ role: 'assistant', content: null, toolCalls: [c] }, { role: 'tool', toolCallId: c.id, content: result });
  };
  if (spec.retry) call(city.slice(0, 3), false, `unknown city: ${city.slice(0, 3)}`);
  call(city, true, '18C');
  lines.push({ type: 'step', id: 'llm-answer', kind: 'llm', name: 'answer', status: 'ok', input: { messages: [...history] }, output: { messages: [{ role: 'assistant', content: spec.answer ?? `${city} is 18C.` }] } });
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

export const CORRECTION_SIDECAR = JSON.stringify({
  version: 1, errors: [{ location: 'llm-answer', category: 'RSN.FABRICATED_ACTION', impact: 'HIGH', source: 'human', status: 'confirmed' }],
  corrections: [{ location: 'llm-answer', output: { role: 'assistant', content: 'Rome is 18C and dry.' } }], reviewed: [],
}, null, 2);

/**
 * The workspace, files in sorted order:
 *   a-other.jsonl       Berlin, no verdict                 other
 *   b-success.jsonl     Paris, reward 1                    success
 *   c-recovered.jsonl   Oslo, first call fails, reward 1   recovered
 *   d-corrected.jsonl   Rome, reward 1, a correction        corrected
 *   e-dup.jsonl         b with another id and a timestamp and call ids in its answer: near-duplicate of b
 *   f-other-args.jsonl  b's messages with another city in the call: different actions
 *   g-copy.jsonl        a, another trace id: duplicate of a
 */
export function curationWorkspace(): { dir: string; traces: string } {
  const dir = mkdtempSync(join(tmpdir(), 'atd-curate-'));
  const traces = join(dir, 'traces');
  mkdirSync(traces);
  const w = (name: string, text: string): void => writeFileSync(join(traces, name), text);
  w('a-other.jsonl', runJsonl({ id: 'a', city: 'Berlin' }));
  w('b-success.jsonl', runJsonl({ id: 'b', city: 'Paris', reward: 1, answer: 'Paris is 18C (checked 2024-05-01T10:00:00Z).' }));
  w('c-recovered.jsonl', runJsonl({ id: 'c', city: 'Oslo', retry: true, reward: 1 }));
  w('d-corrected.jsonl', runJsonl({ id: 'd', city: 'Rome', reward: 1 }));
  writeFileSync(join(traces, 'd-corrected.jsonl.annotations.json'), CORRECTION_SIDECAR);
  w('e-dup.jsonl', runJsonl({ id: 'e', city: 'Paris', reward: 1, answer: 'Paris  is 18C (checked 2024-05-02T11:30:00Z).' }));
  w('f-other-args.jsonl', runJsonl({ id: 'f', city: 'Paris', reward: 1, answer: 'Paris is 18C (checked 2024-05-01T10:00:00Z).' }).replace(/"city":"Paris"/g, '"city":"Paris, FR"'));
  w('g-copy.jsonl', runJsonl({ id: 'g', city: 'Berlin' }));
  return { dir, traces };
}
