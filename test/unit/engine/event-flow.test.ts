/**
 * A document worker's events leave no faster than the host takes them (event-flow.ts): at most
 * MAX_UNREAD_EVENTS wait on the host, the rest follow in order as the host's count moves, and a
 * host that never counts cannot leave them queued for good.
 */
import { strict as assert } from 'node:assert';
import { EventOutbox, MAX_UNREAD_EVENTS, TakenEvents } from '../../../src/core/engine/worker/event-flow';

/** Resolves once `posted` holds `n` messages (the outbox posts from a promise when it waited). */
function postedCount(posted: number[], n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (posted.length >= n) resolve();
      else setImmediate(check);
    };
    check();
  });
}

describe('engine: the document worker\'s event flow', () => {
  it('posts at most MAX_UNREAD_EVENTS ahead of the host, then the rest in order as the host takes them', async () => {
    const taken = new TakenEvents();
    const posted: number[] = [];
    const outbox = new EventOutbox<number>((m) => posted.push(m), taken.buffer);
    for (let m = 0; m < 10; m++) outbox.send(m);
    assert.deepEqual(posted, [0, 1, 2, 3].slice(0, MAX_UNREAD_EVENTS));
    assert.equal(outbox.queued, 10 - MAX_UNREAD_EVENTS);

    taken.take(2);
    await postedCount(posted, MAX_UNREAD_EVENTS + 2);
    // Nothing more until the host takes more.
    await new Promise((r) => setImmediate(r));
    assert.equal(posted.length, MAX_UNREAD_EVENTS + 2);

    taken.take(MAX_UNREAD_EVENTS);
    await postedCount(posted, Math.min(10, 2 * MAX_UNREAD_EVENTS + 2));
    taken.take(10);
    await postedCount(posted, 10);
    assert.deepEqual(posted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(outbox.queued, 0);

    // Room again: the next message goes at once, synchronously.
    outbox.send(10);
    assert.deepEqual(posted.slice(-1), [10]);
  });

  it('posts everything at once for a host that does not count', () => {
    const posted: string[] = [];
    const outbox = new EventOutbox<string>((m) => posted.push(m), undefined);
    for (let m = 0; m < 100; m++) outbox.send(String(m));
    assert.equal(posted.length, 100);
    assert.equal(outbox.queued, 0);
  });

  it('posts one more after waiting its longest for a host whose count does not move', async () => {
    const taken = new TakenEvents();
    const posted: number[] = [];
    const outbox = new EventOutbox<number>((m) => posted.push(m), taken.buffer, 20);
    for (let m = 0; m < MAX_UNREAD_EVENTS + 2; m++) outbox.send(m);
    assert.equal(posted.length, MAX_UNREAD_EVENTS);
    await postedCount(posted, MAX_UNREAD_EVENTS + 2);
    assert.deepEqual(posted, Array.from({ length: MAX_UNREAD_EVENTS + 2 }, (_, i) => i));
  });
});
