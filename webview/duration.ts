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
