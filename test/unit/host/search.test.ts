/**
 * Incremental search's answers (issue 8, section 4): each reply says where the match is among
 * all matches ("k of n") and lists the matching steps so the webview can highlight them.
 */
import { strict as assert } from 'node:assert';
import { RpcEndpoint, Search, SEARCH_MATCH_CAP } from '../../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { bindTraceEditorHandlers } from '../../../src/host/editor/handlers';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { generateTrace, generateTraceModel } from '../../support/generate-traces';

function connect(file: TraceFile): RpcEndpoint {
  const client: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => host.handle(m)), timeoutMs: 5000 });
  const host: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => client.handle(m)) });
  bindTraceEditorHandlers(host, file, { revealInFile: async () => ({ revealed: true }), openAsText: async () => undefined });
  return client;
}

describe('trace editor search: k of n and the matching steps', () => {
  const file = TraceFile.fromBytes('/t/run.jsonl', new TextEncoder().encode(generateTrace({ steps: 60, timestamps: true, failEvery: 3 })), { taxonomy: DEFAULT_TAXONOMY });
  const steps = file.session(0).steps;
  const expected = steps.flatMap((s, i) => (/connection reset/.test(s.error?.message ?? '') ? [i] : []));

  it('lists every match in step order and says which one was found', async () => {
    const client = connect(file);
    assert.ok(expected.length >= 4);
    const first = await client.sendRequest(Search, { traceIndex: 0, query: 'Connection Reset', from: -1, direction: 'next' });
    assert.deepEqual(first.matches, expected);
    assert.equal(first.matchCount, expected.length);
    assert.equal(first.index, expected[0]);
    assert.equal(first.ordinal, 1);
    const second = await client.sendRequest(Search, { traceIndex: 0, query: 'connection reset', from: expected[0], direction: 'next' });
    assert.equal(second.index, expected[1]);
    assert.equal(second.ordinal, 2);
    const wrapped = await client.sendRequest(Search, { traceIndex: 0, query: 'connection reset', from: expected[0], direction: 'previous' });
    assert.equal(wrapped.index, expected[expected.length - 1]);
    assert.equal(wrapped.ordinal, expected.length, 'previous from the first wraps to the last: n of n');
  });

  it('an incremental refinement keeps the current match when it still matches (from = current - 1)', async () => {
    const client = connect(file);
    const at = expected[2];
    const r = await client.sendRequest(Search, { traceIndex: 0, query: 'connection res', from: at - 1, direction: 'next' });
    assert.equal(r.index, at);
    assert.equal(r.ordinal, 3);
  });

  it('caps the list of matches (a common word in a huge trace) but still counts them all', async () => {
    const big = TraceFile.fromTraces('/t/big.jsonl', 'agent-trace', [generateTraceModel({ steps: SEARCH_MATCH_CAP + 2_000, timestamps: false })], { taxonomy: DEFAULT_TAXONOMY });
    const client = connect(big);
    const r = await client.sendRequest(Search, { traceIndex: 0, query: 'turn', from: SEARCH_MATCH_CAP + 500, direction: 'next' });
    assert.ok(r.matchCount > SEARCH_MATCH_CAP);
    assert.equal(r.matches?.length, SEARCH_MATCH_CAP);
    assert.ok(r.index !== null && r.index > SEARCH_MATCH_CAP + 500);
    assert.ok((r.ordinal ?? 0) > SEARCH_MATCH_CAP, 'the ordinal counts past the cap');
  });
});
