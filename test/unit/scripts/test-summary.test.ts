/** `npm test` ends with one line counting every test that ran (scripts/test.mjs). */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../support/shared';

interface Counts { passed: number; failed: number; skipped: number }
interface TestScript { mochaCounts(text: string): Counts; tallyCounts(text: string): Counts }

describe('scripts/test.mjs closing line counts', () => {
  let script: TestScript;
  before(async () => {
    script = await import(pathToFileURL(join(PROJECT_ROOT, 'scripts', 'test.mjs')).href) as TestScript;
  });

  it("reads mocha's spec summary, including failures and pending tests", () => {
    const out = '  ✔ opens a trace\n\n  1387 passing (4m)\n  2 failing\n  1 pending\n\n  1) a test:\n     AssertionError: 3 passing steps\n';
    assert.deepEqual(script.mochaCounts(out), { passed: 1387, failed: 2, skipped: 1 });
  });

  it('reads the summary through colour codes', () => {
    assert.deepEqual(script.mochaCounts('\u001b[92m \u001b[0m\u001b[32m 12 passing\u001b[0m\u001b[90m (3s)\u001b[0m\n'), { passed: 12, failed: 0, skipped: 0 });
  });

  it('counts nothing when mocha printed no summary (it crashed before running)', () => {
    assert.deepEqual(script.mochaCounts('Error: Cannot find module\n'), { passed: 0, failed: 0, skipped: 0 });
  });

  it('adds up the suites of the tally file that the VS Code runs append to', () => {
    const tally = '{"suite":"integration","passed":47,"failed":1}\n{"suite":"hot-exit","passed":1,"failed":0}\n';
    assert.deepEqual(script.tallyCounts(tally), { passed: 48, failed: 1, skipped: 0 });
  });
});
