/**
 * Room made ahead in large arrays (src/core/util/array-room.ts). Whether V8 then grows the array
 * in the turn that makes room rather than in a later push is a timing matter, measured by
 * `npm run bench` (the host's stalls); here: nothing the array holds changes, and the room is
 * made on a later turn, for large arrays only.
 */
import { strict as assert } from 'node:assert';
import { expectedSteps, expectLength, makeRoom, makeRoomSoon } from '../../../src/core/util/array-room';
import { nextTurn } from '../../../src/core/util/slices';

describe('room made ahead in large arrays', () => {
  it('leaves the length and every element as they were, and pushes after it land at the end', () => {
    for (const n of [0, 1, 16, 17, 1_000, 100_000]) {
      const array = Array.from({ length: n }, (_, i) => ({ i }));
      makeRoom(array, 8_192);
      assert.equal(array.length, n);
      assert.ok(array.every((x, i) => x.i === i));
      array.push({ i: n });
      assert.equal(array.length, n + 1);
      assert.equal(array[n].i, n);
      assert.equal(Object.keys(array).length, n + 1, 'no holes, no extra keys');
    }
  });

  it('makes room on a later turn, not during the call; small arrays are left alone', async () => {
    const large = Array.from({ length: 70_000 }, (_, i) => i);
    const seen: number[] = [];
    // An array that records the lengths it is given: the large one is set past its end and back on a later turn.
    const watched = new Proxy(large, { set(target, key, value) { if (key === 'length') seen.push(value as number); return Reflect.set(target, key, value); } });
    makeRoomSoon(watched, 2_000);
    assert.deepEqual(seen, []);
    await nextTurn();
    assert.deepEqual(seen, [70_000 + 8_192, 70_000]);
    assert.equal(large.length, 70_000);
    const small: number[] = [1, 2, 3];
    const smallSeen: number[] = [];
    makeRoomSoon(new Proxy(small, { set(target, key, value) { if (key === 'length') smallSeen.push(value as number); return Reflect.set(target, key, value); } }), 1);
    await nextTurn();
    assert.deepEqual(smallSeen, []);
    // A batch larger than the minimum room: four batches' worth.
    const big = Array.from({ length: 70_000 }, (_, i) => i);
    const bigSeen: number[] = [];
    makeRoomSoon(new Proxy(big, { set(target, key, value) { if (key === 'length') bigSeen.push(value as number); return Reflect.set(target, key, value); } }), 5_000);
    await nextTurn();
    assert.deepEqual(bigSeen, [90_000, 70_000]);
  });

  it('makes room for an expected length once, on a later turn, and not again for the same, a smaller or a slightly larger one', async () => {
    const array = Array.from({ length: 70_000 }, (_, i) => i);
    const seen: number[] = [];
    const watched = new Proxy(array, { set(target, key, value) { if (key === 'length') seen.push(value as number); return Reflect.set(target, key, value); } });
    expectLength(watched, 1_000_000);
    expectLength(watched, 900_000);
    assert.deepEqual(seen, []);
    await nextTurn();
    assert.deepEqual(seen, [1_000_000, 70_000]);
    expectLength(watched, 1_000_000);
    await nextTurn();
    assert.deepEqual(seen, [1_000_000, 70_000], 'told once');
    // An estimate that creeps up by a few elements (as one made while a file is read does) makes
    // no new store; one well over the last does.
    expectLength(watched, 1_000_004);
    expectLength(watched, 1_049_000);
    await nextTurn();
    assert.deepEqual(seen, [1_000_000, 70_000], 'a raise under 5% is no raise');
    expectLength(watched, 1_200_000);
    await nextTurn();
    assert.deepEqual(seen, [1_000_000, 70_000, 1_200_000, 70_000]);
    assert.equal(array.length, 70_000);
    assert.ok(array.every((x, i) => x === i));
    // Below the size where growth costs anything: nothing.
    const small: number[] = [];
    expectLength(small, 1_000);
    await nextTurn();
    assert.equal(small.length, 0);
  });

  it('expects a run\'s steps from how far the read is, a little over, once there is enough to go by', () => {
    assert.equal(expectedSteps(100_000, 100, 1_000), Math.ceil(1_000_000 * 1.05));
    // Too few steps, too little of the file, or the whole file read: no guess.
    assert.equal(expectedSteps(1_000, 100, 1_000), undefined);
    assert.equal(expectedSteps(100_000, 10, 1_000), undefined);
    assert.equal(expectedSteps(100_000, 1_000, 1_000), undefined);
    assert.equal(expectedSteps(100_000, 0, 0), undefined);
    // Never more than 20 times the steps so far.
    assert.equal(expectedSteps(100_000, 50_000, 1_000_000), 20 * 100_000);
  });

  it('takes the number of steps the worker tells, whatever the reading bar says, once there are 65,536 steps', () => {
    assert.equal(expectedSteps(100_000, 600, 1_000, 1_000_000), 1_000_000);
    assert.equal(expectedSteps(100_000, 1_000, 1_000, 1_000_000), 1_000_000, 'a whole load: its bar is full from the start');
    assert.equal(expectedSteps(65_535, 600, 1_000, 1_000_000), undefined, 'not among a run\'s first batches');
  });
});
