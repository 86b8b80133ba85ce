/**
 * A step's messages cross within a budget (issue 11, TRAIL): each input and output sends the
 * messages that set the scene and the latest ones up to DETAILS_MESSAGES_BUDGET, leaves the run
 * between out (`StepDetails.elided`), and GetStepMessages gives that run, its texts cut as usual.
 * The pure functions (src/host/editor/details-page.ts) on messages of known sizes, then the real
 * handlers through an RpcEndpoint pair on a real TRAIL SWE Bench trace.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { ChatMessage, ChatRole, Step } from '../../../src/core/model/schema';
import {
  DETAILS_MESSAGES_BUDGET, DETAILS_TEXT_LIMIT, ErrorCode, GetStep, GetStepMessages, GetStepText, RpcEndpoint, RpcError,
  type StepDetails, type WireMessage,
} from '../../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { cutText, elidedRange, elideMessages, messageSize, pageStepDetails, stepMessages } from '../../../src/host/editor/details-page';
import { bindTraceEditorHandlers } from '../../../src/host/editor/handlers';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { sharedFiles } from '../../support/shared';

/** A message whose compact JSON is exactly `size` UTF-16 code units, its content tagged with `tag`. */
function msg(role: ChatRole, size: number, tag: string): ChatMessage {
  const overhead = JSON.stringify({ role, content: `${tag}:` }).length;
  assert.ok(size >= overhead, `a ${role} message cannot be ${size} long`);
  const m: ChatMessage = { role, content: `${tag}:${'x'.repeat(size - overhead)}` };
  assert.equal(messageSize(m), size);
  return m;
}

function details(input: ChatMessage[], output: ChatMessage[] = [msg('assistant', 100, 'answer')]): StepDetails {
  const step: Step = {
    id: 's', parentId: null, index: 6, depth: 0, kind: 'llm', name: 'model', startTime: null, endTime: null, status: 'ok', attributes: {},
    input: { messages: input }, output: { messages: output },
  };
  return { step, findings: [], labels: [], childCount: 0, parentIndex: null, durationMs: null, canRevealInFile: false };
}

/** The step's own index of each message the details kept, as the webview works it out from `elided`. */
function ownIndexes(d: StepDetails, at: 'input' | 'output'): number[] {
  const gap = d.elided?.find((e) => e.at === at);
  return (d.step[at]?.messages ?? []).map((_, i) => (gap && i >= gap.start ? i + gap.count : i));
}

const sum = (ms: ChatMessage[]): number => ms.reduce((a, m) => a + messageSize(m), 0);

/** system, the task, then 30 assistant/tool turns of 1,000 each, the last one a user message. */
function conversation(): ChatMessage[] {
  const ms = [msg('system', 3000, 'sys'), msg('user', 2000, 'task')];
  for (let i = 0; i < 30; i++) ms.push(msg(i % 2 ? 'tool' : 'assistant', 1000, `m${ms.length}`));
  ms.push(msg('user', 500, 'last'));
  return ms;
}

describe('step details within a messages budget: the pure functions', () => {
  it('keeps the system message, the task and the latest messages in order, and says which run is left out', () => {
    const all = conversation();
    const budget = 3000 + 2000 + 500 + 10 * 1000 + 999; // room for 10 of the turns, not 11
    const before = details(all);
    const d = elideMessages(before, budget);
    assert.deepEqual(d.elided, [{ at: 'input', start: 2, count: 20, size: 20 * 1000 }]);
    const kept = d.step.input?.messages ?? [];
    assert.equal(kept.length, all.length - 20);
    assert.deepEqual(ownIndexes(d, 'input'), [0, 1, ...Array.from({ length: 11 }, (_, i) => 22 + i)]);
    // Each kept message is the step's own message at the index the webview works out: order kept.
    ownIndexes(d, 'input').forEach((j, i) => assert.deepEqual(kept[i], all[j], `kept ${i} is the step's ${j}`));
    assert.equal(kept[0].role, 'system');
    assert.ok(kept[1].content?.startsWith('task:'));
    assert.ok(kept.at(-1)?.content?.startsWith('last:'));
    assert.ok(sum(kept) <= budget, `kept ${sum(kept)} of ${budget}`);
    // The output fits: it is not touched.
    assert.equal(d.step.output, before.step.output);
  });

  it('exactly the budget crosses whole (the same object); one code unit more leaves a run out', () => {
    const all = conversation();
    const whole = details(all);
    assert.equal(elideMessages(whole, sum(all)), whole);
    assert.equal(elidedRange(all, sum(all)), null);
    const over = elideMessages(whole, sum(all) - 1);
    assert.notEqual(over, whole);
    // The newest turn that no longer fits goes: the run is the oldest turn after the task.
    assert.deepEqual(over.elided, [{ at: 'input', start: 2, count: 1, size: 1000 }]);
    assert.equal(sum(over.step.input?.messages ?? []), sum(all) - 1000);
    // The session's step is untouched.
    assert.equal(whole.step.input?.messages?.length, all.length);
  });

  it('always keeps the leading system and developer messages and the last message, even over the budget', () => {
    const all = [msg('system', 900, 's1'), msg('developer', 900, 's2'), msg('user', 800, 'task'), msg('assistant', 300, 'a'), msg('tool', 300, 't'), msg('assistant', 700, 'last')];
    const d = elideMessages(details(all), 1000);
    assert.deepEqual(d.elided, [{ at: 'input', start: 2, count: 3, size: 1400 }]);
    assert.deepEqual(d.step.input?.messages?.map((m) => m.content?.split(':')[0]), ['s1', 's2', 'last']);
    // Nothing can go when only those are there.
    assert.equal(elidedRange([msg('system', 900, 's'), msg('user', 900, 'u')], 10), null);
    assert.equal(elidedRange([msg('user', 900, 'u')], 10), null);
    assert.equal(elidedRange([], 0), null);
  });

  it('without a system message the first user message is the scene; an assistant first is not', () => {
    const a = [msg('user', 400, 'task'), msg('assistant', 400, 'a1'), msg('tool', 400, 't1'), msg('assistant', 400, 'a2'), msg('user', 400, 'last')];
    assert.deepEqual(elidedRange(a, 1200), { start: 1, count: 2, size: 800 });
    const b = [msg('assistant', 400, 'a0'), msg('tool', 400, 't0'), msg('assistant', 400, 'a1'), msg('user', 400, 'last')];
    assert.deepEqual(elidedRange(b, 800), { start: 0, count: 2, size: 800 });
    // The task does not fit beside the mandatory ones: the most recent messages get the room.
    const c = [msg('system', 500, 's'), msg('user', 900, 'task'), msg('assistant', 300, 'a'), msg('user', 300, 'last')];
    assert.deepEqual(elidedRange(c, 1200), { start: 1, count: 1, size: 900 });
  });

  it('the output is held to its own budget too', () => {
    const out = [msg('assistant', 600, 'o1'), msg('assistant', 600, 'o2'), msg('assistant', 600, 'o3')];
    const d = elideMessages(details([msg('user', 100, 'q')], out), 1300);
    assert.deepEqual(d.elided, [{ at: 'output', start: 0, count: 1, size: 600 }]);
    assert.deepEqual(ownIndexes(d, 'output'), [1, 2]);
    assert.throws(() => elideMessages(d, -1), /at least 0/);
    assert.throws(() => elideMessages(d, 1.5), /at least 0/);
  });

  it('a single huge message is still cut per text; its cut goes with it when it is left out, and the fetch cuts it again', () => {
    const huge = `BEGIN ${'y'.repeat(300_000)} END`;
    const all = [msg('system', 2000, 'sys'), { role: 'user' as const, content: huge }, msg('assistant', 1000, 'a1'), msg('tool', 1000, 't1'), { role: 'assistant' as const, content: `last:${huge}` }];
    const paged = pageStepDetails(details(all));
    assert.deepEqual(paged.truncated?.map((t) => t.path), [['input', 'messages', 1, 'content'], ['input', 'messages', 4, 'content']]);
    const d = elideMessages(paged);
    // The huge task (64 Ki once cut) and the turns do not fit beside the system message and the huge last one.
    assert.deepEqual(d.elided?.map(({ at, start, count }) => ({ at, start, count })), [{ at: 'input', start: 1, count: 3 }]);
    assert.equal(d.elided?.[0].size, sum(paged.step.input?.messages?.slice(1, 4) ?? []));
    // The last message is kept, cut, and its cut keeps the step's own index.
    assert.deepEqual(d.truncated, [{ path: ['input', 'messages', 4, 'content'], kind: 'string', length: huge.length + 5 }]);
    assert.equal(d.step.input?.messages?.[1].content, cutText(`last:${huge}`, DETAILS_TEXT_LIMIT));
    assert.deepEqual(ownIndexes(d, 'input'), [0, 4]);

    const r = stepMessages(details(all).step, 'input', 1, 3);
    assert.equal(r.messages.length, 3);
    assert.equal(r.messages[0].content, cutText(huge, DETAILS_TEXT_LIMIT));
    assert.deepEqual(r.truncated, [{ path: ['input', 'messages', 1, 'content'], kind: 'string', length: huge.length }]);
    assert.deepEqual(r.messages.slice(1), all.slice(2, 4));
  });

  it('with the default budget of 64 Ki, a 230 KB conversation of 3 KB messages crosses in under 64 Ki of messages', () => {
    assert.equal(DETAILS_MESSAGES_BUDGET, 65_536);
    const all = [msg('system', 8000, 'sys'), msg('user', 5000, 'task')];
    while (sum(all) < 230_000) all.push(msg(all.length % 2 ? 'tool' : 'assistant', 3000, `m${all.length}`));
    const d = elideMessages(pageStepDetails(details(all)));
    const kept = d.step.input?.messages ?? [];
    assert.ok(sum(kept) <= DETAILS_MESSAGES_BUDGET, `${sum(kept)}`);
    assert.ok(sum(kept) > DETAILS_MESSAGES_BUDGET - 3000, 'the budget is filled up to one message');
    const gap = d.elided?.[0];
    assert.ok(gap);
    assert.equal(kept.length + gap.count, all.length);
    assert.equal(gap.size + sum(kept), sum(all));
  });

  it('fetching a run checks it names messages of the step', () => {
    const s = details(conversation()).step;
    assert.throws(() => stepMessages(s, 'input', 30, 4), (e: unknown) => e instanceof RpcError && e.code === ErrorCode.InvalidParams && e.message === 'step 7 has 33 input messages: start 30 and count 4 do not name a run of them');
    assert.throws(() => stepMessages(s, 'input', -1, 1), /do not name a run/);
    assert.throws(() => stepMessages(s, 'input', 0, 0), /do not name a run/);
    assert.throws(() => stepMessages({ ...s, output: { value: 'x' } }, 'output', 0, 1), (e: unknown) => e instanceof RpcError && e.code === ErrorCode.NotFound && e.message === 'step 7 has no output messages');
  });
});

describe('step details within a messages budget: what crosses to the webview', () => {
  // The SWE Bench TRAIL trace with the longest conversation (read from ../shared, never copied).
  const path = sharedFiles('trail/SWE Bench/traces', (n) => n.endsWith('.json')).find((p) => p.endsWith('3e65ac7e09b0edd2a5f6b0b18df20f65.json'));
  if (!path) throw new Error('Expected trail/SWE Bench/traces/3e65ac7e09b0edd2a5f6b0b18df20f65.json in ../shared/traces');
  const file = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY });
  const steps = file.traces[0].steps;
  const index = steps.reduce((best, s) => (sum(s.input?.messages ?? []) > sum(steps[best].input?.messages ?? []) ? s.index : best), 0);

  function connect(): { client: RpcEndpoint; replies: string[] } {
    const replies: string[] = [];
    const client: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => host.handle(m)), timeoutMs: 20_000 });
    const host: RpcEndpoint = new RpcEndpoint({ send: (m: WireMessage) => { replies.push(JSON.stringify(m)); queueMicrotask(() => client.handle(m)); } });
    bindTraceEditorHandlers(host, file, { revealInFile: async () => ({ revealed: true }), openAsText: async () => undefined });
    return { client, replies };
  }

  it('getStep sends the scene and the latest messages within the budget; getStepMessages gives the rest, which put in place is the whole conversation', async () => {
    const own = steps[index].input?.messages ?? [];
    assert.ok(sum(own) > 100_000, `the step has ${sum(own)} of messages`);
    assert.ok(own.every((m) => (m.content ?? '').length <= DETAILS_TEXT_LIMIT), 'no single text is over the limit: only the budget helps');
    const { client, replies } = connect();
    const d = await client.sendRequest(GetStep, { traceIndex: 0, index });
    // Besides the messages, the step keeps the raw input value (its JSON beginning: 64 Ki).
    assert.ok(replies[0].length < 150_000, `the getStep reply is ${replies[0].length} characters`);
    assert.ok(sum(d.step.input?.messages ?? []) <= DETAILS_MESSAGES_BUDGET + messageSize(own[0]) + messageSize(own[own.length - 1]));
    const gap = d.elided?.find((e) => e.at === 'input');
    assert.ok(gap, 'a run is left out');
    const kept = d.step.input?.messages ?? [];
    const r = await client.sendRequest(GetStepMessages, { traceIndex: 0, index, at: 'input', start: gap.start, count: gap.count });
    assert.equal(r.messages.length, gap.count);
    assert.equal(JSON.stringify(r.messages).length - 2 - (gap.count - 1), gap.size, 'the size said is what the fetch brings');
    const together = [...kept.slice(0, gap.start), ...r.messages, ...kept.slice(gap.start)];
    assert.deepEqual(together, own);
    // A path the details gave still reads the step's own text.
    const t = await client.sendRequest(GetStepText, { traceIndex: 0, index, path: ['input', 'messages', own.length - 2, 'content'] });
    assert.equal(t.text, own[own.length - 2].content);
  });

  it('answers bad message requests with clear errors', async () => {
    const { client } = connect();
    const err = async (p: Promise<unknown>): Promise<RpcError> => {
      try { await p; } catch (e) { assert.ok(e instanceof RpcError); return e; }
      assert.fail('expected an error reply');
    };
    const badAt = await err(client.sendRequest(GetStepMessages, { traceIndex: 0, index, at: 'value' as never, start: 0, count: 1 }));
    assert.equal(badAt.code, ErrorCode.InvalidParams);
    assert.equal(badAt.message, 'at must be "input" or "output"');
    const badCount = await err(client.sendRequest(GetStepMessages, { traceIndex: 0, index, at: 'input', start: 0, count: 'all' as never }));
    assert.equal(badCount.code, ErrorCode.InvalidParams);
    assert.match(badCount.message, /count must be a number/);
    const noStep = await err(client.sendRequest(GetStepMessages, { traceIndex: 0, index: 9999, at: 'input', start: 0, count: 1 }));
    assert.equal(noStep.code, ErrorCode.NotFound);
  });
});
