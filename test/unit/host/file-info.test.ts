/**
 * The webview's header and trace picker ask for every run's failure count and verdict
 * (`fileInfo`), which need each run's session. A file of many runs must not have them all made in
 * one turn of the host's thread: fileInfo pauses between runs, and answers for the runs as they
 * are when it ends.
 */
import { strict as assert } from 'node:assert';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { fileInfo } from '../../../src/host/editor/trace-change-handlers';
import { TraceFile } from '../../../src/host/editor/trace-file';

function run(n: number, failed: boolean): string[] {
  const call = { id: 'call_1', name: 'search', arguments: { q: `question ${n}` } };
  return [
    { type: 'trace', format: 'agent-trace/v1', title: `run ${n}`, id: `run-${n}` },
    { type: 'step', id: 'decide', kind: 'llm', name: 'decide', output: { messages: [{ role: 'assistant', content: null, toolCalls: [call] }] } },
    failed
      ? { type: 'step', id: 'search', kind: 'tool', name: 'search', toolCall: call, status: 'error', error: { message: 'HTTP 429 Too Many Requests' } }
      : { type: 'step', id: 'search', kind: 'tool', name: 'search', toolCall: call, status: 'ok', output: { value: 'found' } },
    // A failed run ends on its error: its verdict is a failure.
    ...(failed ? [] : [{ type: 'step', id: 'answer', kind: 'llm', name: 'answer', output: { messages: [{ role: 'assistant', content: 'Here is what I found.' }] } }]),
  ].map((l) => JSON.stringify(l));
}

function fileOfRuns(failedRuns: readonly boolean[]): TraceFile {
  const text = failedRuns.flatMap((failed, i) => run(i + 1, failed)).join('\n') + '\n';
  return TraceFile.fromBytes('/t/runs.trace.jsonl', new TextEncoder().encode(text), { taxonomy: DEFAULT_TAXONOMY });
}

/** Counts the distinct runs whose sessions were asked for, as each pause begins. */
function sessionsAtEachPause(file: TraceFile): { pace: () => Promise<void>; seen: number[] } {
  const asked = new Set<number>();
  const session = file.session.bind(file);
  file.session = (i) => { asked.add(i); return session(i); };
  const seen: number[] = [];
  return { seen, pace: async () => { seen.push(asked.size); await new Promise<void>((r) => setImmediate(r)); } };
}

describe('fileInfo: every run with its failures and verdict, made a few runs per turn', () => {
  it('pauses after each run it makes, and answers with every run counted', async () => {
    const file = fileOfRuns([false, true, false, true]);
    const { pace, seen } = sessionsAtEachPause(file);
    const info = await fileInfo(file, pace);
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.deepEqual(info.traces.map((t) => [t.title, t.stepCount, t.failureCount > 0, t.verdict?.outcome]), [
      ['run 1', 3, false, undefined],
      ['run 2', 2, true, 'fail'],
      ['run 3', 3, false, undefined],
      ['run 4', 2, true, 'fail'],
    ]);
  });

  it('answers for the runs as they are when it ends, when they change between its turns', async () => {
    const file = fileOfRuns([false, false]);
    const third = fileOfRuns([false, false, true]).traces[2];
    let pauses = 0;
    const info = await fileInfo(file, async () => {
      // A run comes while fileInfo waits for its next turn (the worker's read goes on meanwhile).
      if (++pauses === 1) file.traces.push(third);
    });
    assert.deepEqual(info.traces.map((t) => [t.title, t.verdict?.outcome]), [['run 1', undefined], ['run 2', undefined], ['run 3', 'fail']]);
    assert.equal(pauses, 3);
  });
});
