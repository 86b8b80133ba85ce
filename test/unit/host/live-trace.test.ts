/**
 * When a trace file counts as live (src/host/editor/live-trace.ts): steps added after the first
 * read make it live; each write keeps it live for a quiet period; after that it is not.
 */
import { strict as assert } from 'node:assert';
import { LiveTrace, type LiveClock } from '../../../src/host/editor/live-trace';

/** A clock the test moves by hand: timers fire when `advance` passes their time. */
class FakeClock implements LiveClock {
  private time = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  now(): number { return this.time; }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void { this.timers.delete(handle as number); }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
  get pending(): number { return this.timers.size; }
}

describe('a live trace file (growing while it is open)', () => {
  function tracker(quietMs = 30_000): { live: LiveTrace; clock: FakeClock; changes: boolean[] } {
    const clock = new FakeClock();
    const changes: boolean[] = [];
    return { live: new LiveTrace((l) => changes.push(l), quietMs, clock), clock, changes };
  }

  it('is not live after the first read, nor when a read finds no more steps', () => {
    const { live, changes } = tracker();
    live.read(10); // the end of the first read, before `opened`
    live.opened(10);
    live.written();
    live.read(10);
    assert.equal(live.isLive, false);
    assert.deepEqual(changes, []);
  });

  it('becomes live when steps are added, and stops after the quiet period with no write', () => {
    const { live, clock, changes } = tracker(30_000);
    live.opened(3);
    live.written();
    live.read(5);
    assert.equal(live.isLive, true);
    assert.equal(live.stepCount, 5);
    assert.equal(live.lastWriteAt, clock.now());
    clock.advance(20_000);
    live.written(); // a write 20 s in keeps it live for 30 s more
    live.read(6);
    clock.advance(29_000);
    assert.equal(live.isLive, true, '29 s after the last write it is still live');
    clock.advance(1_000);
    assert.equal(live.isLive, false);
    assert.deepEqual(changes, [true, false]);
    assert.equal(clock.pending, 0, 'no timer is left once it is quiet');
  });

  it('becomes live again when the file grows after a pause', () => {
    const { live, clock, changes } = tracker(1_000);
    live.opened(1);
    live.written();
    live.read(2);
    clock.advance(5_000);
    live.written();
    live.read(3);
    assert.equal(live.isLive, true);
    assert.equal(live.lastWriteAt, clock.now(), 'the last write is the new one, not the one before the pause');
    assert.deepEqual(changes, [true, false, true]);
  });

  it('a rewrite with more steps (inserted before the end) is not growth', () => {
    const { live, changes } = tracker();
    live.opened(3);
    live.written();
    live.read(5, false);
    assert.equal(live.isLive, false);
    assert.equal(live.stepCount, 5);
    live.read(6, true);
    assert.deepEqual(changes, [true]);
  });

  it('a truncation (fewer steps) is not growth; growth after it is', () => {
    const { live, changes } = tracker();
    live.opened(10);
    live.written();
    live.read(2);
    assert.equal(live.isLive, false);
    live.written();
    live.read(3);
    assert.deepEqual(changes, [true]);
  });

  it('dispose leaves no timer behind', () => {
    const { live, clock } = tracker();
    live.opened(1);
    live.written();
    live.read(2);
    assert.equal(clock.pending, 1);
    live.dispose();
    assert.equal(clock.pending, 0);
  });
});
