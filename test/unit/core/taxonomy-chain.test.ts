/**
 * A taxonomy file is user input and may be hostile: a parent chain 100,000 long used to overflow
 * the stack (colours were inherited recursively, and found with an O(n) search per category).
 */
import { strict as assert } from 'node:assert';
import { parseTaxonomyFile } from '../../../src/core/taxonomy/file';
import { UserInputError } from '../../../src/core/util/problems';

function chainFile(length: number, extra: Record<string, unknown> = {}): string {
  const categories = Array.from({ length }, (_, i) => ({
    id: `C${i}`, name: `Category ${i}`, definition: 'd', ...(i > 0 ? { parent: `C${i - 1}` } : {}), ...(i === 0 ? extra : {}),
  }));
  return JSON.stringify({ id: 'chain', name: 'Chain', categories });
}

describe('taxonomy files with long parent chains', function () {
  // An 8 MB taxonomy file: seconds on a busy machine. A generous limit, not a timing goal.
  this.timeout(180_000);
  it('loads a 100,000-deep parent chain, every category inheriting the root colour', () => {
    const t = parseTaxonomyFile('chain.json', chainFile(100_000, { color: 'charts.red' }));
    assert.equal(t.categories.length, 100_000);
    assert.equal(t.get('C99999')?.color, '--vscode-charts-red');
    assert.deepEqual(t.children('C5').map((c) => c.id), ['C6']);
  });

  it('still reports a parent cycle in a long chain with a located one-liner', () => {
    const text = chainFile(20_000).replace('"id":"C0","name":"Category 0","definition":"d"', '"id":"C0","name":"Category 0","definition":"d","parent":"C19999"');
    assert.throws(() => parseTaxonomyFile('cycle.json', text), (e: unknown) => {
      assert.ok(e instanceof UserInputError, String(e));
      assert.match(e.problems[0].message, /parent cycle/);
      assert.ok(e.problems.every((p) => p.message.length <= 500), 'messages are capped');
      return true;
    });
  });
});
