/**
 * The examples' headline failures all get a category in the editor: an agent span that failed
 * only because a tool inside it failed shows that tool's category, not "without a category".
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { PROJECT_ROOT } from '../../support/shared';

const EXAMPLES = join(PROJECT_ROOT, 'examples');

describe('example traces: every failure has a category in the editor', () => {
  for (const name of readdirSync(EXAMPLES).filter((n) => /\.(json|jsonl)$/.test(n) && !n.endsWith('.annotations.json'))) {
    it(name, () => {
      const path = join(EXAMPLES, name);
      const file = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
      assert.equal(file.loadError, undefined);
      for (let t = 0; t < file.traces.length; t++) {
        const summary = file.session(t).summary();
        const without = summary.failures.filter((f) => f.category === null).map((f) => file.session(t).steps[f.index].name);
        assert.deepEqual(without, [], `${name} #${t + 1}: failing steps without a category`);
      }
    });
  }

  it('the travel planner\'s root agent span shows the timeout that made it fail', () => {
    const path = join(EXAMPLES, 'travel-planner.otlp.trace.json');
    const session = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);
    const root = session.summary().failures.find((f) => session.steps[f.index].depth === 0);
    assert.ok(root, 'the root agent span fails');
    assert.equal(root.category, 'TOOL.TIMEOUT');
  });
});
