/**
 * Records built from a trace's own keys. Assigning `record[key] = value` with a key named
 * `__proto__` (which JSON.parse makes an own key like any other) sets the record's prototype
 * instead: the attribute is dropped, and an object value's keys become inherited ones that `in`
 * and `for…in` see. Trace content is model output, so every record whose keys come from a trace
 * is written through `setOwn`.
 */

/** `record[key] = value`, as an own enumerable property whatever the key (as JSON.parse defines it). */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  // Only this one key needs the slow path: assignment is several times faster on hot import paths.
  if (key === '__proto__') Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}

/**
 * Add one to `counts[key]`, a key read from a trace: `__proto__`, `constructor` or `toString` count
 * as themselves (read through `??`, an inherited `constructor` made the count a function's text).
 */
export function countOwn(counts: Record<string, number>, key: string): void {
  setOwn(counts, key, (Object.hasOwn(counts, key) ? counts[key] : 0) + 1);
}
