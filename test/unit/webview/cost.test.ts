/**
 * Costs as the details and the Trace Explorer show them (webview/cost.ts): a small model's call,
 * a few hundred-thousandths of a dollar, keeps its first significant digits instead of "$0.0000".
 */
import { strict as assert } from 'node:assert';
import { formatCost } from '../../../webview/cost';

describe('webview: formatCost', () => {
  it('keeps two significant digits under a cent, four decimals under a dollar, cents above', () => {
    const cases: [number, string][] = [
      [0, '$0'], [3.73e-5, '$0.000037'], [4.2e-6, '$0.0000042'], [0.0004596, '$0.00046'], [0.004596, '$0.0046'],
      [0.0099999, '$0.0100'], [0.0123, '$0.0123'], [0.5, '$0.5000'], [1, '$1.00'], [12.345, '$12.35'],
      [1e-12, '$0.0000000000'], [-0.00005, '-$0.000050'], [Number.NaN, ''], [Number.POSITIVE_INFINITY, ''],
    ];
    for (const [usd, text] of cases) assert.equal(formatCost(usd), text, String(usd));
  });
});
