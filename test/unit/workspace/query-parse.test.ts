import { strict as assert } from 'node:assert';
import { parseQuery, QuerySyntaxError, type QueryNode } from '../../../src/core/workspace/query';

/** The query's tree without columns or compiled globs, for comparing shapes. */
function shape(n: QueryNode | null): unknown {
  if (n === null) return null;
  switch (n.type) {
    case 'and': case 'or': return { [n.type]: n.children.map(shape) };
    case 'not': return { not: shape(n.child) };
    case 'text': return { text: n.text };
    case 'string': return { [n.field]: n.value, ...(n.glob ? { glob: n.glob.source } : {}) };
    case 'outcome': return { outcome: n.value };
    case 'boolean': return { [n.field]: n.value };
    case 'number': return { [n.field]: [n.minOpen ? '(' : '[', n.min, n.max, n.maxOpen ? ')' : ']'].join(' ') };
  }
}

function errorOf(q: string): QuerySyntaxError {
  try {
    parseQuery(q);
  } catch (e) {
    assert.ok(e instanceof QuerySyntaxError, `expected a QuerySyntaxError for ${JSON.stringify(q)}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(q)} to be refused`);
}

describe('workspace query: parser', () => {
  it('parses the issue example into an AND of its terms, free text last as written', () => {
    const q = parseQuery('category:TOOL.TIMEOUT tool:search outcome:failure model:gpt-4o* tagged:yes corrected:no steps:>50 cost:>0.5 "rate limit"');
    assert.deepEqual(shape(q.root), {
      and: [
        { category: 'tool.timeout' }, { tool: 'search' }, { outcome: 'failure' }, { model: 'gpt-4o*', glob: '^gpt-4o.*$' },
        { tagged: true }, { corrected: false }, { steps: '( 50 Infinity ]' }, { cost: '( 0.5 Infinity ]' }, { text: 'rate limit' },
      ],
    });
    assert.deepEqual(q.texts, ['rate limit']);
  });

  it('binds AND tighter than OR, and reads -term, NOT and parentheses', () => {
    assert.deepEqual(shape(parseQuery('a b OR c').root), { or: [{ and: [{ text: 'a' }, { text: 'b' }] }, { text: 'c' }] });
    assert.deepEqual(shape(parseQuery('a AND (b OR -c) NOT tool:x').root), {
      and: [{ text: 'a' }, { or: [{ text: 'b' }, { not: { text: 'c' } }] }, { not: { tool: 'x' } }],
    });
    assert.deepEqual(shape(parseQuery('-(outcome:pass OR reviewed:yes)').root), { not: { or: [{ outcome: 'success' }, { reviewed: true }] } });
    // Lower-case or is a word to search for, like any other.
    assert.deepEqual(shape(parseQuery('this or that').root), { and: [{ text: 'this' }, { text: 'or' }, { text: 'that' }] });
  });

  it('reads comparisons, ranges and units', () => {
    assert.deepEqual(shape(parseQuery('steps:>=10 steps:<5 steps:<=7 steps:3 steps:10..20').root), {
      and: [{ steps: '[ 10 Infinity ]' }, { steps: '[ -Infinity 5 )' }, { steps: '[ -Infinity 7 ]' }, { steps: '[ 3 3 ]' }, { steps: '[ 10 20 ]' }],
    });
    assert.deepEqual(shape(parseQuery('duration:>30s duration:<2m duration:500ms duration:1h duration:>10 tokens:>10k tokens:<2M cost:<$0.25').root), {
      and: [
        { duration: '( 30000 Infinity ]' }, { duration: '[ -Infinity 120000 )' }, { duration: '[ 500 500 ]' }, { duration: '[ 3600000 3600000 ]' },
        { duration: '( 10000 Infinity ]' }, { tokens: '( 10000 Infinity ]' }, { tokens: '[ -Infinity 2000000 )' }, { cost: '[ -Infinity 0.25 )' },
      ],
    });
  });

  it('takes quoted values, escaped quotes and case-insensitive field names', () => {
    assert.deepEqual(shape(parseQuery('category:"Timeout Issues" Title:"say \\"hi\\""').root), { and: [{ category: 'timeout issues' }, { title: 'say "hi"' }] });
    assert.equal(parseQuery('   ').root, null);
  });

  const invalid: [string, number, RegExp][] = [
    ['catgory:TOOL', 1, /^unknown field "catgory" at column 1; did you mean "category"\?$/],
    ['tool:x  modle:gpt', 9, /^unknown field "modle" at column 9; did you mean "model"\?$/],
    ['http://example.com', 1, /^unknown field "http" at column 1; fields are .*quote "http:\/\/example.com" to search for the text$/],
    ['steps:>abc', 8, /^steps: expected a number.* not "abc" at column 8; e\.g\. steps:>50$/],
    ['cost:lots', 6, /^cost: expected a number/],
    ['duration:5y', 10, /^duration: expected a number \(units ms, s, m, h; seconds without one\)/],
    ['steps:20..10', 7, /^steps: range 20\.\.10 is empty/],
    ['outcome:maybe', 9, /^outcome: takes success, failure, partial or unknown, not "maybe" at column 9$/],
    ['tagged:maybe', 8, /^tagged: takes yes or no, not "maybe" at column 8$/],
    ['tool: search', 6, /^tool: needs a value at column 6; e\.g\. tool:search$/],
    ['(a OR b', 1, /^unclosed "\(" at column 1; add a closing "\)"$/],
    ['a OR b)', 7, /^unexpected "\)" without a matching "\(" at column 7$/],
    ['a OR', 3, /^expected a term after OR at column 3$/],
    ['OR a', 1, /^OR needs a term before it at column 1$/],
    ['a AND AND b', 7, /^expected a term after AND at column 7$/],
    ['a ()', 3, /^empty parentheses at column 3$/],
    ['"rate limit', 1, /^unclosed quote at column 1/],
    ['tool:x - y', 8, /^"-" must be followed by a term at column 8/],
    ['NOT', 1, /^expected a term after NOT at column 1$/],
    [':x', 1, /^missing field name before ":" at column 1/],
    ['""', 1, /^empty quotes at column 1/],
  ];
  it('reads a number followed by a word as a comparison and free text', () => {
    assert.deepEqual(shape(parseQuery('duration:5 parsecs').root), { and: [{ duration: '[ 5000 5000 ]' }, { text: 'parsecs' }] });
  });
  for (const [q, column, message] of invalid) {
    it(`refuses ${JSON.stringify(q)} at column ${column}`, () => {
      const e = errorOf(q);
      assert.equal(e.column, column, e.message);
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'), 'one line');
    });
  }
});
