/** The host's turn queue (src/core/util/slices.ts): sliced work runs one task per turn of the event loop. */
import { strict as assert } from 'node:assert';
import { inTurn, nextTurn } from '../../../src/core/util/slices';

describe('core: one turn of the event loop per sliced task', () => {
  it('runs queued tasks in order, each on its own turn: callbacks queued meanwhile run between them', async () => {
    const order: string[] = [];
    const allDone = new Promise<void>((resolve) => {
      inTurn(() => {
        order.push('a');
        // With plain setImmediate, b would run before this: every callback queued before the
        // check phase began runs in that phase.
        setImmediate(() => order.push('between'));
      });
      inTurn(() => order.push('b'));
      inTurn(() => { order.push('c'); resolve(); });
    });
    await allDone;
    assert.deepEqual(order, ['a', 'between', 'b', 'c']);
  });

  it('a due timer runs between two slices of one loop', async () => {
    const order: string[] = [];
    let timer: Promise<void> | undefined;
    // Slices that each keep the thread past the timer's due time. The timer is set in the first
    // slice: set before it, it could fall due and run before the first slice on a busy machine.
    for (let k = 0; k < 3; k++) {
      await nextTurn();
      timer ??= new Promise<void>((resolve) => setTimeout(() => { order.push('timer'); resolve(); }, 0));
      const until = Date.now() + 3;
      while (Date.now() < until) { /* a busy slice */ }
      order.push(`slice ${k}`);
    }
    await timer;
    assert.ok(order.indexOf('timer') > 0 && order.indexOf('timer') < order.length - 1, `the timer ran between slices: ${order.join(', ')}`);
  });

  it('a task that throws leaves the later tasks their turns', async () => {
    const seen: string[] = [];
    const failures: unknown[] = [];
    const onError = (e: unknown): void => { failures.push(e); };
    // Mocha's own handler would fail the test: take the throw here, as a thrown callback goes there.
    const mochaHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onError);
    try {
      await new Promise<void>((resolve) => {
        inTurn(() => { throw new Error('a slice failed'); });
        inTurn(() => { seen.push('after'); resolve(); });
      });
    } finally {
      process.removeListener('uncaughtException', onError);
      for (const h of mochaHandlers) process.on('uncaughtException', h);
    }
    assert.deepEqual(seen, ['after']);
    assert.equal((failures[0] as Error).message, 'a slice failed');
  });
});
