/**
 * A cost in US dollars as the details and the Trace Explorer show it. A call to a small model costs
 * a few hundred-thousandths of a dollar: with a fixed four decimals it showed as "$0.0000", which
 * reads as free. So a cost under a cent keeps its first two significant digits (at least four
 * decimals), and a larger one is shown in cents. Pure: unit-tested in plain Node.
 */

/** The most decimals shown: a cost under 10^-10 dollars rounds to it. */
const MAX_DECIMALS = 10;

export function formatCost(usd: number): string {
  if (!Number.isFinite(usd)) return '';
  if (usd === 0) return '$0';
  const sign = usd < 0 ? '-' : '';
  const abs = Math.abs(usd);
  if (abs >= 0.01) return `${sign}$${abs.toFixed(abs >= 1 ? 2 : 4)}`;
  const decimals = Math.min(MAX_DECIMALS, Math.max(4, 1 - Math.floor(Math.log10(abs))));
  return `${sign}$${abs.toFixed(decimals)}`;
}
