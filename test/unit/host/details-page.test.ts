/**
 * Step details are paged (issue 11): a long text crosses to the webview as its first 64 Ki UTF-16
 * code units with its full length, and GetStepText gives the whole of it. The pure function
 * (src/host/editor/details-page.ts) on small limits, then the real handlers through an RpcEndpoint
 * pair on a step whose input message is over 1 MB, measuring the reply as it crosses.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Step } from '../../../src/core/model/schema';
import {
  DETAILS_TEXT_LIMIT, ErrorCode, GetStep, GetStepText, RpcEndpoint, RpcError, type StepDetails, type WireMessage,
} from '../../../src/protocol';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { cutText, pageStep, pageStepDetails, pathText, stepTextAt } from '../../../src/host/editor/details-page';
import { bindTraceEditorHandlers } from '../../../src/host/editor/handlers';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { PROJECT_ROOT } from '../../support/shared';

function step(over: Partial<Step> = {}): Step {
  return {
    id: 's1', parentId: null, index: 3, depth: 0, kind: 'llm', name: 'model', startTime: null, endTime: null, status: 'ok', attributes: {}, ...over,
  };
}

const L = 16;
const long = (n: number, c = 'x'): string => c.repeat(n);

describe('paged step details: the pure function', () => {
  it('a text of exactly the limit crosses whole; one code unit more is cut to the limit, with its full length', () => {
    const s = step({ input: { messages: [{ role: 'user', content: long(L, 'a') }, { role: 'user', content: long(L + 1, 'b') }] } });
    const { step: p, truncated } = pageStep(s, L);
    assert.equal(p.input?.messages?.[0].content, long(L, 'a'));
    assert.equal(p.input?.messages?.[1].content, long(L, 'b'));
    assert.deepEqual(truncated, [{ path: ['input', 'messages', 1, 'content'], kind: 'string', length: L + 1 }]);
  });

  it('never splits a surrogate pair: the cut is one code unit shorter when the pair straddles it', () => {
    const straddles = `${long(L - 1)}😀tail`; // the pair is at L-1, L
    assert.equal(cutText(straddles, L), long(L - 1));
    const endsAt = `${long(L - 2)}😀tail`; // the pair ends exactly at L
    assert.equal(cutText(endsAt, L), `${long(L - 2)}😀`);
    assert.equal(cutText(endsAt, L).length, L);
    // A lone high surrogate (not a pair) is cut like any code unit.
    assert.equal(cutText(`${long(L - 1)}\ud83dxyz`, L).length, L);
    for (let i = 0; i < 40; i++) {
      const s = `${'é'.repeat(i)}${'𝄞'.repeat(30)}`;
      const c = cutText(s, L);
      assert.ok(c.length === L || c.length === L - 1, `${i}: ${c.length}`);
      assert.ok(!/[\ud800-\udbff]$/.test(c), `${i}: ends in a high surrogate`);
      assert.ok(s.startsWith(c));
    }
    const { truncated } = pageStep(step({ output: { value: straddles } }), L);
    assert.deepEqual(truncated, [{ path: ['output', 'value'], kind: 'string', length: straddles.length }]);
  });

  it('cuts strings wherever they are nested: values, tool arguments, message tool calls, attributes, the error', () => {
    // Big enough that no structure here is long as a whole (the next test covers that).
    const N = 100;
    const s = step({
      input: { value: { files: [{ name: 'a', body: long(140) }] } },
      output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ name: 'write', arguments: { text: long(120) } }, { name: 'raw', arguments: long(130) }] }] },
      toolCall: { name: 'write', arguments: long(125) },
      error: { message: long(150), stack: 'short' },
      attributes: { 'llm.input': { deep: [[long(117)]] }, small: 'ok' },
    });
    const { step: p, truncated } = pageStep(s, N);
    assert.deepEqual(truncated.map((t) => [pathText(t.path), t.kind, t.length]), [
      ['attributes["llm.input"].deep[0][0]', 'string', 117],
      ['input.value.files[0].body', 'string', 140],
      ['output.messages[0].toolCalls[0].arguments.text', 'string', 120],
      ['output.messages[0].toolCalls[1].arguments', 'string', 130],
      ['toolCall.arguments', 'string', 125],
      ['error.message', 'string', 150],
    ]);
    assert.deepEqual(p.input?.value, { files: [{ name: 'a', body: long(N) }] });
    assert.equal(p.toolCall?.arguments, long(N));
    assert.deepEqual(p.attributes, { 'llm.input': { deep: [[long(N)]] }, small: 'ok' });
    assert.equal(p.error?.stack, 'short');
    // Every cut text is the beginning of the full one, read back by its path.
    for (const t of truncated) {
      const full = stepTextAt(s, t.path);
      assert.equal(full.length, t.length);
      assert.equal(stepTextAt(p, t.path), full.slice(0, N));
    }
  });

  it('a free structure too long as a whole (many small entries) crosses as the beginning of its JSON; typed lists never do', () => {
    const W = 32;
    const attributes: Record<string, unknown> = {};
    for (let i = 0; i < 10; i++) attributes[`k${i}`] = i;
    const list = Array.from({ length: 12 }, (_, i) => i * 1000);
    const messages = Array.from({ length: 12 }, () => ({ role: 'user' as const, content: 'hello' }));
    const s = step({ attributes, output: { value: { list, note: long(40) } }, input: { messages } });
    const { step: p, truncated } = pageStep(s, W);
    const attrsJson = JSON.stringify(attributes, null, 2);
    const listJson = JSON.stringify(list, null, 2);
    assert.deepEqual(truncated, [
      { path: ['attributes'], kind: 'json', length: attrsJson.length, text: attrsJson.slice(0, W) },
      { path: ['output', 'value', 'list'], kind: 'json', length: listJson.length, text: listJson.slice(0, W) },
      { path: ['output', 'value', 'note'], kind: 'string', length: 40 },
    ]);
    assert.deepEqual(p.attributes, {});
    assert.deepEqual(p.output?.value, { list: null, note: long(W) });
    assert.deepEqual(p.input?.messages, messages, 'messages are the schema\'s own list: never replaced');
    assert.equal(stepTextAt(s, ['output', 'value', 'list']), listJson);
  });

  it('a structure replaced whole takes its own cut strings with it', () => {
    const args: Record<string, unknown> = { a: long(30) };
    for (let i = 0; i < 6; i++) args[`k${i}`] = 1;
    const s = step({ toolCall: { name: 't', arguments: args } });
    const { step: p, truncated } = pageStep(s, L);
    assert.equal(p.toolCall?.arguments, null);
    const json = JSON.stringify(args, null, 2);
    assert.deepEqual(truncated, [{ path: ['toolCall', 'arguments'], kind: 'json', length: json.length, text: json.slice(0, L) }]);
  });

  it('changes nothing in the session\'s step, and returns the same details when nothing is long', () => {
    const s = step({ input: { messages: [{ role: 'user', content: long(100) }] }, attributes: { note: long(100) } });
    const before = JSON.stringify(s);
    const d: StepDetails = { step: s, findings: [], labels: [], childCount: 0, parentIndex: null, durationMs: null, canRevealInFile: false };
    const paged = pageStepDetails(d, L);
    assert.equal(JSON.stringify(s), before);
    assert.notEqual(paged.step, s);
    assert.equal(paged.truncated?.length, 2);
    const short = step({ input: { messages: [{ role: 'user', content: 'hi' }] } });
    const d2: StepDetails = { ...d, step: short };
    assert.equal(pageStepDetails(d2, L), d2);
    assert.equal(pageStepDetails(d2, L).truncated, undefined);
  });

  it('keeps a key named __proto__ as a key when it rebuilds an object', () => {
    const attributes = JSON.parse(`{"__proto__": "${long(40)}", "b": 1}`) as Record<string, unknown>;
    const { step: p, truncated } = pageStep(step({ attributes }), 32);
    assert.deepEqual(Object.keys(p.attributes), ['__proto__', 'b']);
    assert.equal(Object.getPrototypeOf(p.attributes), Object.prototype);
    assert.equal(p.attributes.__proto__, long(32));
    assert.deepEqual(truncated[0].path, ['attributes', '__proto__']);
  });

  it('the default limit is 64 Ki code units', () => {
    assert.equal(DETAILS_TEXT_LIMIT, 65_536);
    const text = `${'é'.repeat(DETAILS_TEXT_LIMIT - 1)}😀`;
    const { step: p, truncated } = pageStep(step({ output: { value: text } }));
    assert.equal((p.output?.value as string).length, DETAILS_TEXT_LIMIT - 1);
    assert.deepEqual(truncated, [{ path: ['output', 'value'], kind: 'string', length: DETAILS_TEXT_LIMIT + 1 }]);
  });

  it('reads the whole text by path, only along the step\'s own properties', () => {
    const s = step({ input: { messages: [{ role: 'user', content: 'hello' }] }, attributes: { a: [1, { b: 'c' }] } });
    assert.equal(stepTextAt(s, ['input', 'messages', 0, 'content']), 'hello');
    assert.equal(stepTextAt(s, ['attributes', 'a']), JSON.stringify([1, { b: 'c' }], null, 2));
    assert.equal(stepTextAt(s, []), JSON.stringify(s, null, 2));
    for (const bad of [['input', 'messages', 1], ['input', 'messages', '0'], ['attributes', 'constructor'], ['__proto__'], ['name', 'length'], ['attributes', 'a', 0, 'x']]) {
      assert.throws(() => stepTextAt(s, bad), (e: unknown) => e instanceof RpcError && e.code === ErrorCode.NotFound && /^step 4 has no value at /.test(e.message), JSON.stringify(bad));
    }
    assert.throws(() => stepTextAt(s, ['attributes', 'nope']), /step 4 has no value at attributes\.nope$/);
    assert.throws(() => pageStep(s, 1), /at least 2/);
  });
});

describe('paged step details: what crosses to the webview', () => {
  const HUGE = 1_200_000;
  const fixture = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures/openai-chat/weather-tools.json'), 'utf8')) as { messages: { content: string | null }[] };
  const huge = `BEGIN ${'the quick brown fox 😀 jumps over the lazy dog. '.repeat(Math.ceil(HUGE / 48)).slice(0, HUGE)} END`;
  fixture.messages[1].content = huge;
  const file = TraceFile.fromBytes('/t/huge.json', new TextEncoder().encode(JSON.stringify(fixture)), { taxonomy: DEFAULT_TAXONOMY });
  const index = file.traces[0].steps.findIndex((s) => s.input?.messages?.some((m) => m.content === huge));

  function connect(): { client: RpcEndpoint; replies: string[] } {
    const replies: string[] = [];
    const client: RpcEndpoint = new RpcEndpoint({ send: (m) => queueMicrotask(() => host.handle(m)), timeoutMs: 20_000 });
    // What crosses postMessage: the reply, as JSON (VS Code serializes webview messages).
    const host: RpcEndpoint = new RpcEndpoint({ send: (m: WireMessage) => { replies.push(JSON.stringify(m)); queueMicrotask(() => client.handle(m)); } });
    bindTraceEditorHandlers(host, file, { revealInFile: async () => ({ revealed: true }), openAsText: async () => undefined });
    return { client, replies };
  }

  it('selecting the step sends under 100 KB, with the message cut and its full length', async () => {
    assert.ok(index >= 0, 'the fixture has the huge message as a step input');
    const { client, replies } = connect();
    const d = await client.sendRequest(GetStep, { traceIndex: 0, index });
    assert.equal(replies.length, 1);
    assert.ok(replies[0].length < 100_000, `the getStep reply is ${replies[0].length} characters`);
    const m = d.step.input?.messages?.findIndex((x) => x.content?.startsWith('BEGIN')) ?? -1;
    assert.ok(m >= 0);
    assert.equal(d.step.input?.messages?.[m].content, cutText(huge, DETAILS_TEXT_LIMIT));
    assert.deepEqual(d.truncated, [{ path: ['input', 'messages', m, 'content'], kind: 'string', length: huge.length }]);
    // The session's step is untouched: the next reader still gets all of it.
    assert.equal(file.session(0).steps[index].input?.messages?.[m].content, huge);
    const r = await client.sendRequest(GetStepText, { traceIndex: 0, index, path: ['input', 'messages', m, 'content'] });
    assert.equal(r.text, huge);
    assert.ok(r.text.endsWith(' END'));
  });

  it('answers bad text requests with clear errors', async () => {
    const { client } = connect();
    const err = async (p: Promise<unknown>): Promise<RpcError> => {
      try { await p; } catch (e) { assert.ok(e instanceof RpcError); return e; }
      assert.fail('expected an error reply');
    };
    const badPath = await err(client.sendRequest(GetStepText, { traceIndex: 0, index, path: 'input' as never }));
    assert.equal(badPath.code, ErrorCode.InvalidParams);
    assert.match(badPath.message, /path must be an array/);
    const missing = await err(client.sendRequest(GetStepText, { traceIndex: 0, index, path: ['input', 'messages', 99, 'content'] }));
    assert.equal(missing.code, ErrorCode.NotFound);
    assert.match(missing.message, /no value at input\.messages\[99\]$/);
    const noStep = await err(client.sendRequest(GetStepText, { traceIndex: 0, index: 999, path: [] }));
    assert.equal(noStep.code, ErrorCode.NotFound);
  });
});
