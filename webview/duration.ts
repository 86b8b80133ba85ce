/**
 * A duration as the step list, the timeline's axis and the details show it: milliseconds, seconds,
 * then two units (min and s, h and min, d and h). Rounded once, to the smaller unit, so that a
 * value just under a boundary never shows as "1 min 60 s". Pure: unit-tested in plain Node.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  if (ms < 1) return '<1 ms';
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  // 59.95 s and over would show as "60.0 s".
  if (ms < MINUTE - 50) return `${(ms / SECOND).toFixed(ms < 9_995 ? 2 : 1)} s`;
  const seconds = Math.round(ms / SECOND);
  if (seconds < 60 * 60) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  const hours = Math.round(ms / HOUR);
  return `${Math.floor(hours / 24).toLocaleString('en-US')} d ${hours % 24} h`;
}

const DAY = 24 * HOUR;

/** Spacings a clock reads at a glance: ticks 100 s apart would be labelled "+2 min", "+3 min", "+5 min". */
const TIME_SPACINGS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY,
];

/** The timeline's tick spacing for ticks at least `rawMs` apart: a round duration, whole days past a week. */
export function timeAxisSpacing(rawMs: number): number {
  return TIME_SPACINGS.find((s) => s >= rawMs) ?? Math.ceil(rawMs / (7 * DAY)) * 7 * DAY;
}

/** The units an axis label is made of, largest first. */
const AXIS_UNITS: [number, string][] = [[DAY, 'd'], [HOUR, 'h'], [MINUTE, 'min'], [SECOND, 's']];

/**
 * A tick's offset from the trace's start on the timeline's axis ("0", "+200 ms", "+3.201 s",
 * "+2 min 5.5 s"), as precise as the ticks' spacing `stepMs` (at least 1 ms) needs, so that
 * neighbouring ticks never read alike: zoomed to a few milliseconds three seconds in, the
 * durations' own rounding gave "+3.20 s" to every tick, and a one-instant run's axis read
 * "0 0 0 +<1 ms +<1 ms". Whole units are shown whole ("+2 s", not "+2.00 s").
 */
export function axisOffset(ms: number, stepMs: number): string {
  const step = Math.max(1, stepMs);
  if (ms < 0.5) return '0';
  if (ms < 999.5) return `+${Math.round(ms)} ms`;
  // The smallest unit the spacing needs, and for seconds how many decimals (1 ms: three).
  const smallest = AXIS_UNITS.findIndex(([unit]) => step >= unit || unit === SECOND);
  const decimals = AXIS_UNITS[smallest][0] === SECOND ? Math.min(3, Math.max(0, Math.ceil(-Math.log10(step / SECOND) - 1e-9))) : 0;
  const quantum = AXIS_UNITS[smallest][0] / 10 ** decimals;
  let rest = Math.round(ms / quantum) * quantum;
  // Each unit's text, and whether it counts anything (the smallest in quanta: "0.000 s" counts none).
  const parts: { text: string; zero: boolean }[] = [];
  AXIS_UNITS.forEach(([unit, name], i) => {
    if (i > smallest) return;
    const whole = i === smallest ? rest / unit : Math.floor(rest / unit);
    rest -= Math.floor(rest / unit) * unit;
    const zero = (i === smallest ? Math.round(whole * 10 ** decimals) : whole) === 0;
    if (parts.length > 0 || !zero || i === smallest) parts.push({ text: `${i === smallest ? whole.toFixed(decimals) : whole.toLocaleString('en-US')} ${name}`, zero });
  });
  // "+1 min", not "+1 min 0 s": a zero after a larger unit says nothing (the ticks' spacing shows the precision).
  while (parts.length > 1 && parts[parts.length - 1].zero) parts.pop();
  return `+${parts.map((p) => p.text).join(' ')}`;
}
