import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Step } from '../../../src/core/model/schema';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { searchableText } from '../../../src/core/engine/trace-index';
import { parseQuery, runQuery } from '../../../src/core/workspace/query';
import { forEachWord, MAX_WORD_LENGTH, traceWords, WorkspaceTextIndex } from '../../../src/core/workspace/text-index';
import type { TraceRecord } from '../../../src/core/workspace/trace-record';
import { fakeRecord } from '../../support/trace-records';

/** A step whose search text is its id, its kind and `content` (what searchableText reads). */
const step = (id: string, content: string): Step => ({ id, kind: 'llm', name: '', output: { messages: [{ role: 'assistant', content }] } } as unknown as Step);

const wordsOf = (text: string): string[] => {
  const out: string[] = [];
  forEachWord(text, (a, b) => out.push(text.slice(a, b)));
  return out;
};

describe('workspace text index: words', () => {
  it('splits text into runs of letters and digits, in any script', () => {
    assert.deepEqual(wordsOf('Rate-limit: HTTP 429 (retry_after=30s)'), ['Rate', 'limit', 'HTTP', '429', 'retry', 'after', '30s']);
    assert.deepEqual(wordsOf('naïve café, 東京 ok'), ['naïve', 'café', '東京', 'ok']);
    // An emoji (a surrogate pair) separates words like any other symbol.
    assert.deepEqual(wordsOf('a😀b  '), ['a', 'b']);
    assert.deepEqual(wordsOf(''), []);
  });

  it('keeps each word once, with the first step it appears in; data blobs make the trace partial', () => {
    const steps = [step('s0', 'Timeout after 30s'), step('s1', 'retry'), step('s2', 'timeout again')];
    const w = traceWords(steps);
    const list = w.words.split(' ');
    assert.deepEqual(list, [...list].sort());
    const firstOf = (word: string): string => w.stepIds[w.first[list.indexOf(word)]];
    assert.equal(firstOf('timeout'), 's0');
    assert.equal(firstOf('again'), 's2');
    assert.equal(firstOf('retry'), 's1');
    assert.equal(w.partial, false);
    const blob = traceWords([step('s0', `image ${'A'.repeat(MAX_WORD_LENGTH + 1)}`)]);
    assert.deepEqual(blob, { words: '', first: [], stepIds: [], partial: true });
  });
});

describe('workspace text index: answers', () => {
  const traces = [
    [step('a0', 'plan the trip'), step('a1', 'Error: Rate limit exceeded'), step('a2', 'rate limited again')],
    [step('b0', 'the rate is fine'), step('b1', 'no limit here')],
    [step('c0', 'accurate limits'), step('c1', `blob ${'x'.repeat(MAX_WORD_LENGTH + 5)}`)],
  ];
  const records = traces.map((steps, i) => fakeRecord({ file: `t${i}.jsonl`, words: traceWords(steps) }));
  const index = new WorkspaceTextIndex(records, (r) => r.words);

  it('answers a one-word term exactly: the first step of any word that contains it, or none', () => {
    const at = (r: TraceRecord, term: string): string | number | undefined => {
      const slot = index.answer(r, term);
      return slot === undefined || slot === -1 ? slot : index.stepIdAt(r, slot);
    };
    assert.equal(at(records[0], 'limit'), 'a1');
    assert.equal(at(records[0], 'imite'), 'a2'); // inside "limited"
    assert.equal(at(records[1], 'limit'), 'b1');
    assert.equal(at(records[0], 'fine'), -1);
    // The partial trace (a word too long to keep) is left to the step search.
    assert.equal(at(records[2], 'limit'), undefined);
    assert.equal(at(records[2], 'absent'), undefined);
  });

  it('narrows a phrase to the traces that have its words, at a word edge where the phrase says so', () => {
    assert.equal(index.answer(records[0], 'rate limit'), undefined); // has both: its steps decide
    assert.equal(index.answer(records[1], 'rate limit'), undefined); // has both, in different steps
    assert.equal(index.answer(records[0], 'trip rate'), undefined);
    assert.equal(index.answer(records[1], 'rate limited'), -1); // "limited" must be whole: b has only "limit"
    assert.equal(index.answer(records[1], 'he rate'), undefined); // "he" ends "the": a candidate
    assert.equal(index.answer(records[1], 'lan rate'), -1); // no word of b ends in "lan"
    assert.equal(index.answer(records[0], '{}'), undefined); // no letter or digit: nothing to look up
  });

  it('gives the same hits and steps as searching the steps, for random traces and terms (property)', () => {
    // A small alphabet, so that terms often occur, words repeat and edges matter.
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '1', ' ', '-', 'A'), maxLength: 24 });
    const trace = fc.array(text, { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(fc.array(trace, { minLength: 1, maxLength: 5 }), fc.array(text, { minLength: 1, maxLength: 6 }), (contents, rawTerms) => {
      const stepsOf = new Map<TraceRecord, Step[]>();
      const recs = contents.map((list, t) => {
        const steps = list.map((c, s) => step(`t${t}s${s}`, c));
        const r = fakeRecord({ file: `t${t}.jsonl`, words: traceWords(steps) });
        stepsOf.set(r, steps);
        return r;
      });
      const idx = new WorkspaceTextIndex(recs, (r) => r.words);
      for (const raw of rawTerms) {
        const term = raw.toLowerCase();
        if (term.trim() === '') continue;
        const oneWord = wordsOf(term).join('') === term && term !== '';
        for (const r of recs) {
          const steps = stepsOf.get(r) as Step[];
          const found = steps.findIndex((s) => searchableText(s).includes(term));
          const slot = idx.answer(r, term);
          if (slot === -1) assert.equal(found, -1, `index says "${term}" is not in ${r.file}`);
          else if (slot !== undefined) assert.equal(idx.stepIdAt(r, slot), steps[found]?.id, `first step of "${term}" in ${r.file}`);
          if (oneWord) assert.notEqual(slot, undefined, `a one-word term is answered: "${term}"`);
        }
        // The whole query: the same traces and steps with the index as with the steps alone.
        const query = parseQuery(JSON.stringify(term));
        const source = (r: TraceRecord): readonly Step[] | undefined => stepsOf.get(r);
        const plain = runQuery(query, recs, { taxonomy: DEFAULT_TAXONOMY }, source).map((h) => [h.record.file, h.stepId]);
        const indexed = runQuery(query, recs, { taxonomy: DEFAULT_TAXONOMY, textIndex: idx }, source).map((h) => [h.record.file, h.stepId]);
        assert.deepEqual(indexed, plain, `query ${JSON.stringify(term)}`);
      }
    }), { numRuns: 300 });
  });

  it('built a slice at a time (letting the event loop run between traces), it answers as when built at once', async () => {
    const sliced = await WorkspaceTextIndex.build(records, (r) => r.words, 0);
    assert.equal(sliced.vocabularySize, index.vocabularySize);
    for (const term of ['limit', 'imite', 'rate limit', 'lan rate', 'he rate', 'fine', 'absent', '{}']) {
      for (const r of records) assert.equal(sliced.answer(r, term), index.answer(r, term), `"${term}" in ${r.file}`);
    }
  });

  it('decides a query without the steps when the index can, and asks for them only when it cannot', () => {
    const stepsOf = new Map(records.map((r, i) => [r, traces[i]]));
    const asked: string[] = [];
    const source = (r: TraceRecord): readonly Step[] | undefined => { asked.push(r.file); return stepsOf.get(r); };
    const ctx = { taxonomy: DEFAULT_TAXONOMY, textIndex: index };
    assert.deepEqual(runQuery(parseQuery('limit'), records, ctx, source).map((h) => [h.record.file, h.stepId]), [['t0.jsonl', 'a1'], ['t1.jsonl', 'b1'], ['t2.jsonl', 'c0']]);
    assert.deepEqual(asked, ['t2.jsonl'], 'only the partial trace is searched');
    asked.length = 0;
    // "accurate limits" holds the phrase too, as the step search finds it.
    assert.deepEqual(runQuery(parseQuery('"rate limit"'), records, ctx, source).map((h) => [h.record.file, h.stepId]), [['t0.jsonl', 'a1'], ['t2.jsonl', 'c0']]);
    assert.deepEqual(asked, ['t0.jsonl', 't1.jsonl', 't2.jsonl'], 'a phrase is checked in the traces that have its words');
    asked.length = 0;
    assert.deepEqual(runQuery(parseQuery('-limit'), records, ctx, source).map((h) => h.record.file), []);
    assert.deepEqual(asked, ['t2.jsonl']);
  });
});
