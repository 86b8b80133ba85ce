/**
 * Room made ahead in a JavaScript array that grows by one push at a time to 10^6 elements (the
 * extension host's steps while a large trace is read).
 *
 * V8 grows a full array to about 1.5 times its length in the push that finds it full: a new
 * backing store, all at once. At 878k steps that one push took 41-75 ms on the test machine (a
 * fresh megabyte costs about 3 ms to touch there), on top of the slice of work it fell in.
 * Setting the length past the end and back makes the same growth happen then instead, in a turn
 * of the caller's choosing, and the pushes that follow find room; the array becomes "holey" (its
 * reads check for holes; there are none), nothing else changes.
 *
 * The room is kept only while the store stays under twice the length: V8 trims a store that the
 * length set back leaves more than half empty (a grown store is the larger of the length asked
 * and 1.5 times the old length, plus 16, as V8's own %DebugPrint of it shows). Room for a whole
 * run at once (10^6 steps asked for at 65,536) was trimmed away as soon as it was made: 28-31 ms
 * for nothing, per array, and the growths came later all the same. `roomFor` asks for at most a
 * quarter of the length more.
 */
import { inTurn } from './slices';

/** Make room for `count` more elements now (kept only under twice the length, see above); the array's length and elements do not change. */
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
  inTurn(() => makeRoom(array, roomFor(array.length, added)));
}

/** Room for four more batches of `added`, at least 8,192, at most a quarter of `length` (which V8 keeps). */
export function roomFor(length: number, added: number): number {
  return Math.min(Math.max(8_192, 4 * added), Math.floor(length / 4));
}
