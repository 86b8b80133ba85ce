/**
 * The Agent Traces view's summaries in workspace state: one JSON text written a chunk at a time,
 * read back equal; the older object form read once and removed.
 */
import { strict as assert } from 'node:assert';
import { OLD_SUMMARIES_KEY, SUMMARIES_KEY, readSummaries, writeSummaries, type SummaryMemento } from '../../../src/host/views/summary-store';
import type { CachedSummary } from '../../../src/host/views/summary';

/** A memento that keeps values as VS Code does (a JSON copy) and records each update. */
function fakeMemento(initial: Record<string, unknown> = {}): SummaryMemento & { values: Map<string, unknown>; updates: { key: string; value: unknown }[] } {
  const values = new Map<string, unknown>(Object.entries(initial));
  const updates: { key: string; value: unknown }[] = [];
  return {
    values,
    updates,
    get: <T>(key: string) => values.get(key) as T | undefined,
    update: async (key: string, value: unknown) => {
      updates.push({ key, value });
      if (value === undefined) values.delete(key);
      else values.set(key, JSON.parse(JSON.stringify(value)));
    },
  };
}

const summary = (i: number): CachedSummary => ({
  mtime: 1_700_000_000_000 + i,
  size: 1000 + i,
  taxonomyId: 'default',
  summary: i % 3 === 0
    ? { kind: 'invalid', message: `line ${i}: "quoted" \u2028 and a \\ backslash` }
    : { kind: 'ok', format: 'agent-trace/v1', traceCount: 1, stepCount: i, failures: i % 2, categories: [] },
} as CachedSummary);

describe('Agent Traces view: summaries kept in workspace state', () => {
  it('writes one JSON text that reads back equal, yielding between chunks of files', async () => {
    const state = fakeMemento();
    const summaries = new Map(Array.from({ length: 1200 }, (_, i) => [`file:///ws/run%20${i}.trace.json`, summary(i)] as const));
    let yields = 0;
    await writeSummaries(state, summaries, async () => { yields++; });
    assert.equal(yields, 2, 'a yield after each 500 files');
    assert.deepEqual(state.updates.map((u) => [u.key, typeof u.value]), [[SUMMARIES_KEY, 'string']], 'one update, of a text');
    assert.deepEqual(readSummaries(state), summaries);
  });

  it('reads the older object form, and removes it at the next write', async () => {
    const old = { 'file:///ws/a.trace.json': summary(1), 'file:///ws/b.trace.json': summary(2) };
    const state = fakeMemento({ [OLD_SUMMARIES_KEY]: old });
    const read = readSummaries(state);
    assert.deepEqual(Object.fromEntries(read), old);
    await writeSummaries(state, read);
    assert.equal(state.values.has(OLD_SUMMARIES_KEY), false, 'the object form is removed');
    assert.deepEqual(Object.fromEntries(readSummaries(state)), old, 'and the text holds the same');
  });

  it('keeps nothing from a text it cannot read (it is only a cache)', () => {
    assert.equal(readSummaries(fakeMemento({ [SUMMARIES_KEY]: '{"file:///a": {' })).size, 0);
    assert.equal(readSummaries(fakeMemento({ [SUMMARIES_KEY]: '[1,2]' })).size, 0);
    assert.equal(readSummaries(fakeMemento({ [SUMMARIES_KEY]: 'null' })).size, 0);
    assert.equal(readSummaries(fakeMemento()).size, 0);
  });
});
