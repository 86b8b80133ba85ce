/**
 * What the host answers to the webview's requests (src/host/editor/handlers + session), through
 * a real RpcEndpoint pair: paging, collapsing, filters, failure navigation, search, timeline
 * windows, and error replies for bad parameters or a file that could not be read.
 */
import { strict as assert } from 'node:assert';
import {
  ErrorCode, FindFailure, GetRows, GetStep, GetSummary, GetTimeline, LocateStep, Ready, RevealInFile, RpcEndpoint, RpcError, Search,
  type ViewSpec,
} from '../../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { bindTraceEditorHandlers } from '../../../src/host/editor/handlers';
import { renderShell } from '../../../src/host/editor/html';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { generateTrace } from '../../support/generate-traces';

function connect(file: TraceFile): { client: RpcEndpoint; revealed: number[] } {
  const revealed: number[] = [];
  const client: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => host.handle(m)), timeoutMs: 2000 });
  const host: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => client.handle(m)) });
  bindTraceEditorHandlers(host, file, {
    revealInFile: async (_t, i) => { revealed.push(i); return { revealed: true }; },
    openAsText: async () => undefined,
  });
  return { client, revealed };
}

const view = (over: Partial<ViewSpec> = {}): ViewSpec => ({ traceIndex: 0, collapsed: [], failuresOnly: false, categories: [], ...over });
const text = generateTrace({ steps: 40, timestamps: true, failEvery: 3 });
const file = TraceFile.fromBytes('/t/run.jsonl', new TextEncoder().encode(text), { taxonomy: DEFAULT_TAXONOMY });

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try { await p; } catch (e) { assert.ok(e instanceof RpcError); return e; }
  assert.fail('expected an error reply');
}

describe('trace editor host answers', () => {
  it('ready lists the traces and getSummary counts failures by category', async () => {
    const { client } = connect(file);
    const ready = await client.sendRequest(Ready, {});
    assert.equal(ready.fileName, 'run.jsonl');
    assert.equal(ready.traces.length, 1);
    assert.equal(ready.traces[0].stepCount, 40);
    assert.equal(ready.canRevealInFile, true);
    const s = await client.sendRequest(GetSummary, { traceIndex: 0 });
    assert.equal(s.stepCount, 40);
    assert.equal(s.timeRange.hasTimestamps, true);
    assert.ok(s.failureCount > 0);
    assert.equal(s.failures.length, s.failureCount);
    const counted = s.categories.reduce((n, c) => n + c.count, 0);
    assert.ok(counted >= s.failures.filter((f) => f.category).length);
    assert.ok(s.categories.every((c) => /^--vscode-/.test(c.color)));
  });

  it('pages rows with depth, parent and hasChildren, and hides collapsed subtrees', async () => {
    const { client } = connect(file);
    const page = await client.sendRequest(GetRows, { view: view(), start: 0, count: 5 });
    assert.equal(page.total, 40);
    assert.deepEqual(page.rows.map((r) => [r.row, r.index, r.depth, r.hasChildren, r.parentIndex]), [
      [0, 0, 0, true, null], [1, 1, 1, false, 0], [2, 2, 1, false, 0], [3, 3, 1, false, 0], [4, 4, 0, true, null],
    ]);
    const collapsed = await client.sendRequest(GetRows, { view: view({ collapsed: [0] }), start: 0, count: 3 });
    assert.equal(collapsed.total, 37);
    assert.deepEqual(collapsed.rows.map((r) => r.index), [0, 4, 5]);
    const loc = await client.sendRequest(LocateStep, { view: view({ collapsed: [0] }), index: 2 });
    assert.deepEqual(loc, { row: null, hiddenBy: [0] });
    assert.deepEqual(await client.sendRequest(LocateStep, { view: view({ collapsed: [0] }), index: 5 }), { row: 2, hiddenBy: [] });
    const tail = await client.sendRequest(GetRows, { view: view(), start: 38, count: 100 });
    assert.deepEqual(tail.rows.map((r) => r.index), [38, 39]);
  });

  it('filters to failures and navigates failures in both directions', async () => {
    const { client } = connect(file);
    const failing = await client.sendRequest(GetRows, { view: view({ failuresOnly: true }), start: 0, count: 100 });
    assert.ok(failing.total > 0 && failing.total < 40);
    const indexes = failing.rows.map((r) => r.index);
    assert.ok(failing.rows.every((r) => r.status === 'error' || r.findingCount > 0));
    assert.equal((await client.sendRequest(FindFailure, { view: view(), from: -1, direction: 'next' })).index, indexes[0]);
    assert.equal((await client.sendRequest(FindFailure, { view: view(), from: indexes[0], direction: 'next' })).index, indexes[1]);
    assert.equal((await client.sendRequest(FindFailure, { view: view(), from: indexes[1], direction: 'previous' })).index, indexes[0]);
    assert.equal((await client.sendRequest(FindFailure, { view: view(), from: indexes[0], direction: 'previous' })).index, null);
    const cat = failing.rows.find((r) => r.category)?.category as string;
    const byCat = await client.sendRequest(GetRows, { view: view({ categories: [cat] }), start: 0, count: 100 });
    assert.ok(byCat.total > 0 && byCat.rows.every((r) => r.findingCount > 0));
  });

  it('searches step content case-insensitively and wraps around', async () => {
    const { client } = connect(file);
    const first = await client.sendRequest(Search, { traceIndex: 0, query: 'CONNECTION RESET', from: -1, direction: 'next' });
    assert.ok(first.index !== null && first.matchCount > 0);
    const steps = file.session(0).steps;
    assert.match(steps[first.index].error?.message ?? '', /connection reset/);
    const wrapped = await client.sendRequest(Search, { traceIndex: 0, query: 'connection reset', from: first.index, direction: 'previous' });
    assert.ok(wrapped.index !== null && wrapped.index > first.index, 'previous from the first match wraps to the last');
    assert.deepEqual(await client.sendRequest(Search, { traceIndex: 0, query: 'zzz-nothing', from: 0, direction: 'next' }), { index: null, matchCount: 0 });
  });

  it('returns a step with its findings, and timeline bars for a window', async () => {
    const { client, revealed } = connect(file);
    const failing = (await client.sendRequest(FindFailure, { view: view(), from: -1, direction: 'next' })).index as number;
    const d = await client.sendRequest(GetStep, { traceIndex: 0, index: failing });
    assert.equal(d.step.index, failing);
    assert.ok(d.step.status === 'error' || d.findings.length > 0);
    assert.ok(d.findings.every((f) => f.rule && f.categoryName && f.color.startsWith('--')));
    assert.ok(d.step.location, 'canonical JSONL steps have a location');
    const s = await client.sendRequest(GetSummary, { traceIndex: 0 });
    const all = await client.sendRequest(GetTimeline, { traceIndex: 0, start: s.timeRange.start, end: s.timeRange.end, limit: 1000 });
    assert.equal(all.bars.length, 40);
    assert.equal(all.truncated, false);
    const few = await client.sendRequest(GetTimeline, { traceIndex: 0, start: s.timeRange.start, end: s.timeRange.end, limit: 12 });
    assert.equal(few.truncated, true);
    assert.equal(few.bars.length, 12);
    assert.ok(few.bars.some((b) => b.index === failing), 'failures are kept when bars are capped');
    await client.sendRequest(RevealInFile, { traceIndex: 0, index: 3 });
    assert.deepEqual(revealed, [3]);
  });

  it('replies with errors, not hangs, for bad parameters', async () => {
    const { client } = connect(file);
    assert.equal((await rejection(client.sendRequest(GetStep, { traceIndex: 0, index: 999 }))).code, ErrorCode.NotFound);
    assert.equal((await rejection(client.sendRequest(GetSummary, { traceIndex: 4 }))).code, ErrorCode.NotFound);
    assert.equal((await rejection(client.sendRequest(GetRows, { view: view(), start: -1, count: 5 }))).code, ErrorCode.InvalidParams);
    const bad = { view: { traceIndex: 0 }, start: 0, count: 1 } as unknown as { view: ViewSpec; start: number; count: number };
    assert.equal((await rejection(client.sendRequest(GetRows, bad))).code, ErrorCode.InvalidParams);
  });

  it('describes a file that cannot be read with its located problems', async () => {
    const broken = TraceFile.fromBytes('/t/broken.json', new TextEncoder().encode('{"a": [1,,2]}'), { taxonomy: DEFAULT_TAXONOMY });
    const ready = await connect(broken).client.sendRequest(Ready, {});
    assert.equal(ready.traces.length, 0);
    assert.equal(ready.loadError?.title, 'broken.json could not be opened as a trace');
    assert.equal(ready.loadError?.problems[0].line, 1);
    assert.ok((ready.loadError?.problems[0].column ?? 0) > 1);
    const empty = TraceFile.fromBytes('/t/empty.json', new Uint8Array(), { taxonomy: DEFAULT_TAXONOMY });
    assert.match((await connect(empty).client.sendRequest(Ready, {})).loadError?.problems[0].message ?? '', /empty/);
  });
});

describe('trace editor HTML shell', () => {
  it('has a strict CSP whose nonce matches the one script (the loader, which gives it to the page script), and a fresh nonce each time', () => {
    const html = renderShell({ cspSource: 'https://file+.vscode-resource.test', scriptUri: 'https://x/dist/webview.js', styleUris: ['https://x/media/a.css'] });
    const csp = /content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; /);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const nonce = /script-src 'nonce-([A-Za-z0-9_-]+)'/.exec(csp)?.[1];
    assert.ok(nonce && nonce.length >= 22, 'a 128-bit nonce');
    // One script element, the loader, which loads the page's script with the same nonce.
    assert.equal((html.match(/<script[ >]/g) ?? []).length, 1);
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.ok(html.includes('const src = "https://x/dist/webview.js";'));
    assert.ok(html.includes(`script.nonce = "${nonce}";`));
    const other = renderShell({ cspSource: 'x', scriptUri: 'y', styleUris: [] });
    assert.notEqual(/nonce-([^']+)/.exec(other)?.[1], nonce);
  });
});
