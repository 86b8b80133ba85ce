/**
 * Room made ahead in large arrays (src/core/util/array-room.ts). Whether V8 then grows the array
 * in the turn that makes room rather than in a later push is a timing matter, measured by
 * `npm run bench` (the host's stalls); here: nothing the array holds changes, and the room is
 * made on a later turn, for large arrays only.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { makeRoom, makeRoomSoon, roomFor } from '../../../src/core/util/array-room';
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
    assert.deepEqual(bigSeen, [87_500, 70_000], 'four batches\' worth, up to a quarter of the length');
  });

  it('asks for at most a quarter of the length more, whatever the batch', () => {
    assert.equal(roomFor(70_000, 100), 8_192);
    assert.equal(roomFor(70_000, 2_000), 8_192);
    assert.equal(roomFor(400_000, 20_000), 80_000);
    assert.equal(roomFor(100_000, 200_000), 25_000, 'a whole load\'s batch');
  });

  // V8 keeps the room only when it leaves the store at most half empty; more is trimmed away at
  // once. The store's capacity is V8's own, read from %DebugPrint in a process of its own.
  it('the room it asks for is kept in the array\'s store (V8 trims a store left more than half empty)', () => {
    const script = `
      const makeRoom = ${makeRoom.toString()};
      const roomFor = ${roomFor.toString()};
      const one = { step: true };
      for (const [n, added] of [[65_536, 2_000], [300_000, 20_000], [800_000, 200_000], [70_000, 930_000 / 4]]) {
        // One object in every place: V8 prints a run of equal elements as one line.
        const a = Array.from({ length: n }, () => one);
        const room = roomFor(n, added);
        makeRoom(a, room);
        %DebugPrint(a);
        console.log('ASKED', n + room);
      }
      const whole = Array.from({ length: 70_000 }, () => one);
      makeRoom(whole, 930_000);
      %DebugPrint(whole);
      console.log('ASKED', 1_000_000);`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    const capacities = [...out.matchAll(/- elements: \S+ <FixedArray\[(\d+)\]> \[/g)].map((m) => Number(m[1]));
    const asked = [...out.matchAll(/ASKED (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(capacities.length, 5, `no store capacity in V8's %DebugPrint output:\n${out.slice(0, 2000)}`);
    for (let k = 0; k < 4; k++) assert.ok(capacities[k] >= asked[k], `room for ${asked[k]} asked, the store holds ${capacities[k]}`);
    // What room for a whole run at once came to: trimmed back to the length.
    assert.ok(capacities[4] < asked[4] / 2, `${capacities[4]}`);
  });
});
