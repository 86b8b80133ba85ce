/**
 * Human and benchmark labels are failures in the editor (issue 8): a step that Who&When or TRAIL
 * labelled wrong is a failing step (rows, details, counts, "Failures only", n/p, timeline and
 * minimap), the legend offers the labels as a filter, and the run's verdict (τ-bench reward,
 * Inspect score, Who&When is_correct) reaches the header and the trace picker. Real shared traces,
 * through the same handlers the webview calls.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FindFailure, GetRows, GetStep, GetSummary, GetTimeline, Ready, RpcEndpoint, type ViewSpec } from '../../../src/protocol';
import { DEFAULT_TAXONOMY, loadTaxonomy, type Taxonomy } from '../../../src/host/analysis/core-api';
import { bindTraceEditorHandlers } from '../../../src/host/editor/handlers';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { emptyDocument, serializeSidecar } from '../../../src/core/annotations';
import { sharedPath } from '../../support/shared';

function openShared(rel: string, taxonomy: Taxonomy = DEFAULT_TAXONOMY, sidecar?: string): { file: TraceFile; client: RpcEndpoint } {
  const path = sharedPath('traces', rel);
  const file = TraceFile.fromBytes(path, readFileSync(path), { taxonomy, readSidecar: sidecar === undefined ? undefined : () => sidecar }, (r) => {
    try { return readFileSync(resolve(dirname(path), r)); } catch { return undefined; }
  });
  const client: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => host.handle(m)), timeoutMs: 5000 });
  const host: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => client.handle(m)) });
  bindTraceEditorHandlers(host, file, { revealInFile: async () => ({ revealed: true }), openAsText: async () => undefined });
  return { file, client };
}

const view = (over: Partial<ViewSpec> = {}): ViewSpec => ({ traceIndex: 0, collapsed: [], failuresOnly: false, categories: [], ...over });

/** Every step n reaches from the top, in order. */
async function nReaches(client: RpcEndpoint, v: ViewSpec): Promise<number[]> {
  const out: number[] = [];
  for (let from = -1; ;) {
    const { index } = await client.sendRequest(FindFailure, { view: v, from, direction: 'next' });
    if (index === null) return out;
    out.push(index);
    from = index;
  }
}

function labelledIndexes(file: TraceFile, traceIndex = 0): number[] {
  const s = file.session(traceIndex);
  const ids = new Set(s.trace.labels.filter((l) => l.stepId !== null && l.value === undefined).map((l) => l.stepId));
  return s.steps.flatMap((st, i) => (ids.has(st.id) ? [i] : []));
}

describe('imported labels in the trace editor (real traces)', () => {
  // Hand-Crafted/1.json: 29 steps, Who&When says the mistake is history[12]; no detector finding.
  it('a Who&When mistake_step is a failing step: row, details, header count, Failures only and n/p', async () => {
    const { file, client } = openShared('who-and-when/Hand-Crafted/1.json');
    const mistake = labelledIndexes(file);
    assert.deepEqual(mistake, [12], 'the label sits on history[12]');

    const summary = await client.sendRequest(GetSummary, { traceIndex: 0 });
    assert.equal(summary.stepCount, 29);
    assert.ok(summary.failureCount >= 1, `the header counts the labelled step (got ${summary.failureCount} failing)`);
    assert.equal(summary.labelledStepCount, 1);
    assert.ok(summary.failures.some((f) => f.index === 12 && f.labelled === true), 'the minimap marks the labelled step');

    const row = (await client.sendRequest(GetRows, { view: view(), start: 12, count: 1 })).rows[0];
    assert.equal(row.index, 12);
    assert.equal(row.failing, true, 'the row is failing, not a green "ok"');
    assert.equal(row.category, 'mistake');
    assert.deepEqual(row.labels, ['Who&When: mistake']);

    const details = await client.sendRequest(GetStep, { traceIndex: 0, index: 12 });
    assert.equal(details.failing, true, 'the details pane says failed');

    const onlyFailures = await client.sendRequest(GetRows, { view: view({ failuresOnly: true }), start: 0, count: 100 });
    assert.ok(onlyFailures.rows.some((r) => r.index === 12), '"Failures only" keeps the labelled step');
    assert.ok((await nReaches(client, view())).includes(12), 'n reaches the labelled step');

    const bars = await client.sendRequest(GetTimeline, { traceIndex: 0, start: summary.timeRange.start, end: summary.timeRange.end, limit: 1000 });
    const bar = bars.bars.find((b) => b.index === 12);
    assert.ok(bar && bar.labelled === true && bar.category === 'mistake', 'the timeline bar is marked and coloured');
  });

  it('the legend offers "Who&When labels" as a filter, and n/p under it visit only labelled steps', async () => {
    const { client } = openShared('who-and-when/Hand-Crafted/1.json');
    const summary = await client.sendRequest(GetSummary, { traceIndex: 0 });
    const entry = summary.categories.find((c) => c.labelScheme === 'who-and-when');
    assert.ok(entry, 'a legend entry for the scheme');
    assert.equal(entry.id, 'label:who-and-when');
    assert.equal(entry.name, 'Who&When labels');
    assert.equal(entry.count, 1);
    const filtered = await client.sendRequest(GetRows, { view: view({ categories: [entry.id] }), start: 0, count: 100 });
    assert.deepEqual(filtered.rows.map((r) => r.index), [12]);
    assert.deepEqual(await nReaches(client, view({ categories: [entry.id] })), [12]);
    const foreign = summary.categories.find((c) => c.id === 'mistake');
    assert.ok(foreign && foreign.count === 1 && foreign.color === '--vscode-terminal-ansiMagenta', 'a label category the taxonomy lacks is listed in the label colour');
  });

  for (const [name, taxonomy] of [['default', DEFAULT_TAXONOMY], ['TRAIL', loadTaxonomy('trail')]] as const) {
    it(`TRAIL labels of every impact (HIGH included) are failing steps under the ${name} taxonomy`, async () => {
      // e491d73…: HIGH "Environment Setup Errors" on a step no detector flags (step 9), and others.
      const { file, client } = openShared('trail/GAIA/traces/e491d73ca2fd8a2a6f8984feb1c408a3.json', taxonomy);
      const labelled = labelledIndexes(file);
      assert.ok(labelled.length >= 2, 'the trace has labelled steps');
      const s = file.session(0);
      const high = s.steps.findIndex((st) => s.trace.labels.some((l) => l.stepId === st.id && l.impact === 'HIGH' && l.category === 'Environment Setup Errors'));
      assert.ok(high >= 0);
      const reached = await nReaches(client, view());
      for (const i of labelled) assert.ok(reached.includes(i), `n reaches labelled step ${i + 1}`);
      const row = (await client.sendRequest(GetRows, { view: view(), start: high, count: 1 })).rows[0];
      assert.equal(row.failing, true);
      assert.ok(row.labels?.includes('TRAIL: Environment Setup Errors (HIGH)'), `row labels: ${JSON.stringify(row.labels)}`);
      const summary = await client.sendRequest(GetSummary, { traceIndex: 0 });
      assert.equal(summary.labelledStepCount, labelled.length);
      if (name === 'TRAIL') {
        const cat = summary.categories.find((c) => c.id === 'Environment Setup Errors');
        assert.ok(cat && cat.count >= 1 && cat.color !== '--vscode-terminal-ansiMagenta', 'under TRAIL a TRAIL label counts in its own taxonomy category and colour');
      }
    });
  }

  it('a label the sidecar rejects on its step stops counting (the rule promotion uses)', async () => {
    const plain = openShared('who-and-when/Hand-Crafted/1.json');
    const step = plain.file.session(0).steps[12];
    const doc = {
      ...emptyDocument({ path: '1.json', sha256: plain.file.traces[0].source.sha256 }),
      errors: [{ location: step.sourceId ?? step.id, category: 'mistake', source: 'human' as const, status: 'rejected' as const }],
    };
    const { client } = openShared('who-and-when/Hand-Crafted/1.json', DEFAULT_TAXONOMY, serializeSidecar(doc));
    const row = (await client.sendRequest(GetRows, { view: view(), start: 12, count: 1 })).rows[0];
    assert.equal(row.failing, false);
    assert.ok(!(await nReaches(client, view())).includes(12));
  });

  it('an Inspect score step that recorded a failing score ("I") is failing, not a green "ok"; a passing one ("C") stays ok', async () => {
    const incorrect = openShared('inspect-ai/log_formats.json');
    const steps = incorrect.file.session(0).steps;
    const score = steps.findIndex((s) => s.name === 'score: I');
    assert.ok(score >= 0, 'the sample has a score event step');
    const row = (await incorrect.client.sendRequest(GetRows, { view: view(), start: score, count: 1 })).rows[0];
    assert.equal(row.index, score);
    assert.equal(row.failing, true);
    assert.deepEqual(row.labels, ['Inspect: incorrect']);
    assert.deepEqual(await nReaches(incorrect.client, view()), [score], 'n reaches the score step');
    const details = await incorrect.client.sendRequest(GetStep, { traceIndex: 0, index: score });
    assert.deepEqual(details.labels.map((l) => [l.scheme, l.category]), [['inspect', 'incorrect']], 'the details pane lists why it failed');

    const correct = openShared('inspect-ai/2025-05-12T20-27-36-04-00_browser.json');
    const passed = correct.file.session(0).steps.findIndex((s) => s.name === 'score: C');
    assert.ok(passed >= 0);
    const okRow = (await correct.client.sendRequest(GetRows, { view: view(), start: passed, count: 1 })).rows[0];
    assert.equal(okRow.failing, false);
    assert.deepEqual(okRow.labels, []);
  });

  it('the run verdict reaches the header and the picker: τ-bench reward 0, Inspect "I" and "C", Who&When is_correct false', async () => {
    const tau = openShared('tau-bench/gpt-4o-airline.json');
    const ready = await tau.client.sendRequest(Ready, {});
    assert.ok(ready.traces.length > 1);
    const first = ready.traces[0];
    assert.equal(first.verdict?.outcome, 'fail', 'the picker says the run failed');
    assert.match(first.verdict?.summary ?? '', /reward 0/);
    const tauSummary = await tau.client.sendRequest(GetSummary, { traceIndex: 0 });
    assert.equal(tauSummary.verdict?.outcome, 'fail');
    assert.match(tauSummary.verdict?.summary ?? '', /reward 0/);
    const passed = ready.traces.find((t) => tau.file.traces[t.traceIndex].labels.some((l) => l.category === 'reward' && l.value === 1));
    if (passed) assert.equal(passed.verdict?.outcome, 'pass', 'reward 1 is a pass');

    const incorrect = openShared('inspect-ai/log_formats.json');
    const inc = await incorrect.client.sendRequest(GetSummary, { traceIndex: 0 });
    assert.equal(inc.verdict?.outcome, 'fail');
    assert.match(inc.verdict?.summary ?? '', /match/);
    assert.match(inc.verdict?.summary ?? '', /"I"/);

    const correct = openShared('inspect-ai/2025-05-12T20-27-36-04-00_browser.json');
    const ok = await correct.client.sendRequest(GetSummary, { traceIndex: 0 });
    assert.equal(ok.verdict?.outcome, 'pass');
    assert.equal(ok.verdict?.summary, 'Inspect includes: C (correct)');

    const ww = openShared('who-and-when/Hand-Crafted/1.json');
    const wws = await ww.client.sendRequest(GetSummary, { traceIndex: 0 });
    assert.equal(wws.verdict?.outcome, 'fail');
    assert.match(wws.verdict?.summary ?? '', /is_correct: false/);
  });
});
