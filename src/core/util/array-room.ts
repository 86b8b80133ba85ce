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
