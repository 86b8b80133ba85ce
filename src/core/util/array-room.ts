/**
 * Room made ahead in a JavaScript array that grows by one push at a time to 10^6 elements (the
 * extension host's steps while a large trace is read).
 *
 * V8 grows a full array to about 1.5 times its length in the push that finds it full: a new
 * backing store, all at once. At 878k steps that one push took 41-75 ms on the test machine (a
 * fresh megabyte costs about 3 ms to touch there), on top of the slice of work it fell in.
 * Setting the length past the end and back makes the same growth happen then instead, in a turn
 * of the caller's choosing, and the pushes that follow find room. V8 trims the store again only
 * when the length falls below about half of it, which setting it back never does here; the array
 * becomes "holey" (its reads check for holes; there are none), nothing else changes.
 */
import { inTurn } from './slices';

/** Make room for `count` more elements now; the array's length and elements do not change. */
export function makeRoom(array: unknown[], count: number): void {
  const length = array.length;
  array.length = length + count;
  array.length = length;
}

/** Arrays shorter than this grow in well under a millisecond: no room is made ahead in them. */
const ROOM_FROM = 65_536;

/**
 * `added` elements were just pushed into `array`: make room for a few more such batches on a turn
 * of the event loop of its own (slices.ts), so that a growth happens there and not in the turn
 * that pushes the next batch.
 */
export function makeRoomSoon(array: unknown[], added: number): void {
  if (array.length < ROOM_FROM) return;
  inTurn(() => makeRoom(array, Math.max(8_192, 4 * added)));
}

/** The length room was asked for with `expectLength`, per array. */
const expected = new WeakMap<unknown[], number>();

/**
 * A told length raises the last one only when it is this much over it. Estimates made as a read
 * goes move by a few elements at a time (1,050,276, then 1,050,280, 1,050,330... at 10^6 TRAIL
 * spans), and each raise made a new store for the whole array: 27 turns of 23-36 ms in one read.
 * Past an expectation, makeRoomSoon or V8's own growth take over.
 */
const RAISE_OVER = 1.05;

/**
 * `array` is expected to reach `length` elements: make room for all of them at once, on a turn of
 * its own, the first time such a length is told (and again only for one well over it). Growing by
 * half again and again on the way to 10^6 elements is a growth at about 390k, 585k and 878k
 * elements, each a turn that allocates and copies the whole store (the last one 41-75 ms on the
 * test machine); one growth made early, when there is little to copy, is one turn of the size of
 * the store.
 */
export function expectLength(array: unknown[], length: number): void {
  const last = expected.get(array);
  if (length < ROOM_FROM || length <= (last === undefined ? array.length : last * RAISE_OVER)) return;
  expected.set(array, length);
  inTurn(() => {
    if (length > array.length) makeRoom(array, length - array.length);
  });
}

/** The length `array` was last expected to reach (`expectLength`), if any. */
export function expectedLengthOf(array: unknown[]): number | undefined {
  return expected.get(array);
}

/**
 * How many steps a run will have: `told` when the worker knows it, else told from how far the
 * read is (`have` steps after `bytesRead` of `totalBytes`, a little over, at most 20 times
 * `have`); undefined before there is enough to go by (65,536 steps, and a twentieth of the file).
 * Even when told, not before 65,536 steps: the first batches of a run come with its first rows
 * and the host's busiest turns, and room for 10^6 steps made among them (35-40 ms) made a turn of
 * 55-87 ms with the collections there.
 */
export function expectedSteps(have: number, bytesRead: number, totalBytes: number, told?: number): number | undefined {
  if (have < ROOM_FROM) return undefined;
  if (told !== undefined) return told;
  if (!(bytesRead > 0) || bytesRead * 20 < totalBytes || bytesRead >= totalBytes) return undefined;
  return Math.min(Math.ceil((have * totalBytes / bytesRead) * 1.05), 20 * have);
}
