/**
 * A webview page that is destroyed and loaded again is a new RPC endpoint: replies meant for the
 * old page never reach the new one, and the host's ready barrier ends every wait (ready, deadline,
 * or closed editor).
 */
import { strict as assert } from 'node:assert';
import { ErrorCode, ReadyBarrier, RpcEndpoint, RpcError, requestType, type WireMessage } from '../../../src/protocol';

const Echo = requestType<{ n: number }, { n: number }>('echo');

/** Fake timers: fire them by hand, so no test depends on the clock. */
function fakeTimers() {
  const timers = new Map<number, () => void>();
  let next = 1;
  return {
    setTimer: (fn: () => void) => { const id = next++; timers.set(id, fn); return id; },
    clearTimer: (h: unknown) => { timers.delete(h as number); },
    fireAll: () => { for (const [id, fn] of [...timers]) { timers.delete(id); fn(); } },
    get count() { return timers.size; },
  };
}

describe('RPC page sessions', () => {
  it('a reloaded page ignores the reply to the previous page\'s request with the same id', async () => {
    const toHost: WireMessage[] = [];
    const host = new RpcEndpoint({ send: () => undefined });
    host.onRequest(Echo, (p) => p);
    const oldPage = new RpcEndpoint({ send: (m) => toHost.push(m) });
    void oldPage.sendRequest(Echo, { n: 1 }).catch(() => undefined);
    const oldRequest = toHost.pop()!;

    // The host answers the old page's request #1 after the new page sent its own request #1.
    const repliesToNewPage: WireMessage[] = [];
    const newPage = new RpcEndpoint({ send: (m) => toHost.push(m) });
    const answer = newPage.sendRequest(Echo, { n: 2 });
    const newRequest = toHost.pop()!;
    const hostOut = new RpcEndpoint({ send: (m) => repliesToNewPage.push(m) });
    hostOut.onRequest(Echo, (p) => p);
    hostOut.handle(oldRequest);
    hostOut.handle(newRequest);
    await new Promise((r) => setImmediate(r));
    assert.equal(repliesToNewPage.length, 2);
    for (const reply of repliesToNewPage) newPage.handle(reply);
    assert.deepEqual(await answer, { n: 2 }, 'the new page got its own answer, not the old page\'s');
    host.dispose(); hostOut.dispose(); oldPage.dispose(); newPage.dispose();
  });

  it('cancelPending rejects what is in flight and keeps the channel open', async () => {
    const rpc = new RpcEndpoint({ send: () => undefined });
    const inFlight = rpc.sendRequest(Echo, { n: 1 });
    rpc.cancelPending('the page was hidden');
    await assert.rejects(inFlight, (e: RpcError) => e.code === ErrorCode.Disposed && /page was hidden/.test(e.message));
    assert.equal(rpc.pendingCount, 0);
    const sent: WireMessage[] = [];
    const open = new RpcEndpoint({ send: (m) => sent.push(m) });
    open.cancelPending('nothing in flight');
    void open.sendRequest(Echo, { n: 2 }).catch(() => undefined);
    assert.equal(sent.length, 1, 'still sends after cancelPending');
    rpc.dispose(); open.dispose();
  });
});

describe('ReadyBarrier', () => {
  it('releases waiters when the page is ready, with its generation', async () => {
    const t = fakeTimers();
    const b = new ReadyBarrier(t);
    const w = b.wait(1000);
    b.open();
    assert.equal(await w, 0);
    assert.equal(t.count, 0, 'the deadline timer is cleared');
    b.close();
    const w2 = b.wait(1000);
    b.open();
    assert.equal(await w2, 1, 'a new page is a new generation');
  });

  it('rejects at the deadline when the page never loads', async () => {
    const t = fakeTimers();
    const b = new ReadyBarrier(t);
    const w = b.wait(250, 'the test editor');
    t.fireAll();
    await assert.rejects(w, (e: RpcError) => e.code === ErrorCode.Timeout && /the test editor did not load within 250 ms/.test(e.message));
  });

  it('rejects waiters when disposed, and later waits at once', async () => {
    const t = fakeTimers();
    const b = new ReadyBarrier(t);
    const w = b.wait(1000);
    b.dispose();
    await assert.rejects(w, (e: RpcError) => e.code === ErrorCode.Disposed);
    await assert.rejects(b.wait(1000), (e: RpcError) => e.code === ErrorCode.Disposed);
    assert.equal(t.count, 0);
  });

  it('waits again after the page goes away', async () => {
    const t = fakeTimers();
    const b = new ReadyBarrier(t);
    b.open();
    assert.equal(await b.wait(10), 0);
    b.close();
    let settled = false;
    const w = b.wait(10).finally(() => { settled = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'a closed barrier holds new waiters');
    b.open();
    assert.equal(await w, 1);
  });
});
