/**
 * The Trace Explorer's table logic (src/core/workspace/explorer-table.ts): sorting is stable with
 * missing values last in both directions, facet counts count a trace once per value, and a facet's
 * query term reads back (through the real parser) as the value it was made from.
 */
import { strict as assert } from 'node:assert';
import { addQueryTerm, explorerRow, facetCounts, queryTerm, sortMatches, type ExplorerMatch } from '../../../src/core/workspace/explorer-table';
import { parseQuery } from '../../../src/core/workspace/query';
import { fakeCategory, fakeRecord, fakeTool } from '../../support/trace-records';

const match = (file: string, over: Parameters<typeof fakeRecord>[0] extends infer P ? Partial<P> : never = {}, runs = 1): ExplorerMatch =>
  ({ record: fakeRecord({ file, ...over }), file, stepId: null, runs });

describe('Trace Explorer table', () => {
  const rows = [
    match('b.jsonl', { steps: 5, cost: 0.2, title: 'beta' }),
    match('a.jsonl', { steps: 50, cost: null, title: 'Alpha' }),
    match('c.jsonl', { steps: 5, cost: 1.5, title: 'gamma' }),
    match('d.jsonl', { steps: 7, cost: null, title: 'delta' }),
  ];
  const files = (ms: ExplorerMatch[]): string[] => ms.map((m) => m.file);

  it('sorts by a number both ways, keeping the given order among equals', () => {
    assert.deepEqual(files(sortMatches(rows, { column: 'steps', descending: false })), ['b.jsonl', 'c.jsonl', 'd.jsonl', 'a.jsonl']);
    assert.deepEqual(files(sortMatches(rows, { column: 'steps', descending: true })), ['a.jsonl', 'd.jsonl', 'b.jsonl', 'c.jsonl']);
  });

  it('puts traces without the value last in both directions', () => {
    assert.deepEqual(files(sortMatches(rows, { column: 'cost', descending: true })), ['c.jsonl', 'b.jsonl', 'a.jsonl', 'd.jsonl']);
    assert.deepEqual(files(sortMatches(rows, { column: 'cost', descending: false })), ['b.jsonl', 'c.jsonl', 'a.jsonl', 'd.jsonl']);
  });

  it('sorts titles without regard to case, and files by name then run', () => {
    assert.deepEqual(files(sortMatches(rows, { column: 'title', descending: false })), ['a.jsonl', 'b.jsonl', 'd.jsonl', 'c.jsonl']);
    const runs = [match('x.jsonl', { traceKey: '10' }, 11), match('x.jsonl', { traceKey: '2' }, 11), match('w.jsonl')];
    assert.deepEqual(sortMatches(runs, { column: 'file', descending: false }).map((m) => `${m.file}:${m.record.traceKey}`), ['w.jsonl:0', 'x.jsonl:2', 'x.jsonl:10']);
  });

  it('sorts outcomes failures first', () => {
    const ms = [match('s', { outcome: 'success' }), match('u', { outcome: 'unknown' }), match('f', { outcome: 'failure' }), match('p', { outcome: 'partial' })];
    assert.deepEqual(files(sortMatches(ms, { column: 'outcome', descending: false })), ['f', 'p', 'u', 's']);
  });

  it('counts each trace once per facet value, largest first, and says how many values were left out', () => {
    const records = [
      fakeRecord({ file: '1', outcome: 'failure', tools: [fakeTool('search', 3, 1), fakeTool('fetch', 1)], categories: [fakeCategory('TOOL.TIMEOUT', 2)], models: ['gpt-4o'] }),
      fakeRecord({ file: '2', outcome: 'failure', tools: [fakeTool('search', 1)], categories: [fakeCategory('TOOL.TIMEOUT', 1), fakeCategory('OUT.FORMAT', 1)], models: ['gpt-4o', 'claude'] }),
      fakeRecord({ file: '3', outcome: 'success', tools: [fakeTool('bash', 2)], models: ['claude'], format: 'swe-agent' }),
    ];
    const facets = Object.fromEntries(facetCounts(records, 2).map((f) => [f.field, f]));
    assert.deepEqual(facets.outcome.values, [{ value: 'failure', count: 2 }, { value: 'success', count: 1 }]);
    assert.deepEqual(facets.tool.values, [{ value: 'search', count: 2 }, { value: 'bash', count: 1 }]);
    assert.equal(facets.tool.more, 1);
    assert.deepEqual(facets.category.values, [{ value: 'TOOL.TIMEOUT', count: 2 }, { value: 'OUT.FORMAT', count: 1 }]);
    assert.deepEqual(facets.model.values, [{ value: 'claude', count: 2 }, { value: 'gpt-4o', count: 2 }]);
    assert.deepEqual(facets.format.values, [{ value: 'agent-trace/v1', count: 2 }, { value: 'swe-agent', count: 1 }]);
  });

  it('makes query terms that the parser reads back as the same value', () => {
    for (const value of ['search', 'web search', 'say "hi"', 'C:\\tools\\x', '(paren)', 'TOOL.TIMEOUT']) {
      const term = queryTerm('tool', value);
      const q = parseQuery(term);
      assert.deepEqual(q.root, { type: 'string', field: 'tool', value: value.toLowerCase(), column: 1 }, `${value} -> ${term}`);
    }
    assert.equal(queryTerm('tool', 'search'), 'tool:search');
    assert.equal(queryTerm('tool', 'web search'), 'tool:"web search"');
  });

  it('adds a term once, negated on request, and keeps a top-level OR whole', () => {
    assert.equal(addQueryTerm('', 'tool:search'), 'tool:search');
    assert.equal(addQueryTerm('outcome:failure', 'tool:search'), 'outcome:failure tool:search');
    assert.equal(addQueryTerm('outcome:failure tool:search', 'tool:search'), 'outcome:failure tool:search');
    assert.equal(addQueryTerm('tool:"web search"', 'tool:"web search"'), 'tool:"web search"');
    assert.equal(addQueryTerm('outcome:failure', 'tool:search', true), 'outcome:failure -tool:search');
    assert.equal(addQueryTerm('tool:a OR tool:b', 'outcome:failure'), '(tool:a OR tool:b) outcome:failure');
    assert.equal(parseQuery(addQueryTerm('tool:a OR tool:b', 'outcome:failure')).root?.type, 'and');
  });

  it('numbers the run in a row only for a file of several runs', () => {
    assert.equal(explorerRow(match('one.jsonl'), 0).run, null);
    assert.equal(explorerRow(match('many.jsonl', { traceKey: '3' }, 5), 7).run, 4);
    const row = explorerRow(match('t.jsonl', { tools: [fakeTool('a', 2, 1), fakeTool('b', 1)], categories: [1, 2, 3, 4].map((n) => fakeCategory(`C${n}`, n)) }), 0);
    assert.deepEqual(row.failingTools, ['a']);
    assert.equal(row.categories.length, 3);
  });
});
