import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTraceFile, loadTraceFromBytes } from '../../../../src/core/load';
import type { Step, Trace } from '../../../../src/core/model/schema';
import { isUserInputError } from '../../../../src/core/util/problems';
import { formatsCommand } from '../../../../src/cli/commands/formats';
import { fixture, load } from './helpers';

/** The producer's shapes (message-v2.ts), as far as this test reads them. */
interface Tokens { input: number; output: number; reasoning: number; cache: { read: number; write: number } }
interface RawPart {
  id: string; type: string; text?: string; callID?: string; tool?: string; cost?: number; tokens?: Tokens;
  state?: { status: string; output?: string; error?: string; metadata?: { exit?: number; sessionId?: string } };
  error?: { data: { message: string } };
}
interface RawInfo { id: string; role: string; error?: { name: string; data: { message: string } } }
interface RawMessage { info: RawInfo; parts: RawPart[] }

const EXPORT = fixture('opencode', 'export-fix-failing-test.json');
const STORAGE = fixture('opencode', 'storage');
const SESSION_ID = 'ses_3f1a2b9c0ffeI8Xk2Lm4Nq7Rst';
const SESSION_FILE = join(STORAGE, 'session', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', `${SESSION_ID}.json`);

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const jsonFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.json')).sort().map((n) => join(dir, n));

/** A session's messages read straight from the storage folders, with the sub-sessions its task calls started. */
function storageMessages(sessionId: string): RawMessage[] {
  const messages = jsonFiles(join(STORAGE, 'message', sessionId)).map((f) => {
    const info = readJson<RawInfo>(f);
    return { info, parts: jsonFiles(join(STORAGE, 'part', info.id)).map((p) => readJson<RawPart>(p)) };
  });
  const subs = messages.flatMap((m) => m.parts.flatMap((p) => (p.state?.metadata?.sessionId ? [p.state.metadata.sessionId] : [])));
  return [...messages, ...subs.flatMap(storageMessages)];
}

function expected(messages: RawMessage[]) {
  const parts = messages.flatMap((m) => m.parts);
  const finishes = parts.filter((p) => p.type === 'step-finish');
  const sum = (pick: (t: Tokens) => number) => finishes.reduce((a, p) => a + pick(p.tokens!), 0);
  return {
    prompts: messages.filter((m) => m.info.role === 'user').length,
    modelCalls: parts.filter((p) => p.type === 'step-start').length,
    retries: parts.filter((p) => p.type === 'retry').map((p) => p.error!.data.message),
    tools: parts.filter((p) => p.type === 'tool'),
    messageErrors: messages.flatMap((m) => (m.info.error ? [m.info.error.data.message] : [])),
    abortOf: new Map(messages.flatMap((m) => (m.info.error?.name === 'MessageAbortedError'
      ? m.parts.filter((p) => p.type === 'tool' && ['pending', 'running'].includes(p.state!.status)).map((p) => [p.callID!, m.info.error!.data.message] as const)
      : []))),
    input: sum((t) => t.input), output: sum((t) => t.output), reasoning: sum((t) => t.reasoning),
    cacheRead: sum((t) => t.cache.read), cacheWrite: sum((t) => t.cache.write),
    cost: finishes.reduce((a, p) => a + p.cost!, 0),
  };
}

const ofKind = (t: Trace, kind: string): Step[] => t.steps.filter((s) => s.kind === kind);
const total = (list: Step[], pick: (s: Step) => number | undefined): number => list.reduce((a, s) => a + (pick(s) ?? 0), 0);

function checkAgainstRaw(t: Trace, raw: RawMessage[]): void {
  const want = expected(raw);
  assert.equal(ofKind(t, 'message').length, want.prompts);
  // One llm step per step-start .. step-finish pair, and one failed llm step per retry.
  const llm = ofKind(t, 'llm');
  assert.equal(llm.length, want.modelCalls + want.retries.length);
  assert.deepEqual(llm.filter((s) => s.name.startsWith('retry')).map((s) => s.error?.message), want.retries.map((m) => `${m} (status 529)`));
  assert.equal(ofKind(t, 'tool').length, want.tools.length);
  for (const p of want.tools) {
    const step = t.steps.find((s) => s.kind === 'tool' && s.toolCall?.id === p.callID);
    assert.ok(step, `no tool step for ${p.callID}`);
    assert.equal(step.toolCall?.name, p.tool);
    assert.ok(llm.some((m) => m.output?.messages?.[0].toolCalls?.some((c) => c.id === p.callID)), `${p.callID} is not on a model step`);
    const state = p.state!;
    if (state.status === 'error') {
      assert.equal(step.status, 'error');
      assert.equal(step.error?.message, state.error);
    } else if (state.status === 'completed') {
      assert.equal(step.output?.value, state.output);
      const exit = state.metadata?.exit;
      assert.equal(step.status, exit !== undefined && exit !== 0 ? 'error' : 'ok', p.callID);
      if (exit) assert.equal(step.error?.message, `exit code ${exit}: ${state.output!.trim()}`);
    } else {
      // A call still running when its message was aborted failed with the abort; otherwise it is unfinished.
      const abort = want.abortOf.get(p.callID!);
      assert.equal(step.status, abort ? 'error' : 'unset', p.callID);
      if (abort) assert.equal(step.error?.message, `${abort} (the call was still running)`);
    }
  }
  for (const message of want.messageErrors) assert.ok(t.steps.some((s) => s.status === 'error' && s.error?.message.startsWith(message)), message);
  assert.equal(total(llm, (s) => s.usage?.inputTokens), want.input);
  assert.equal(total(llm, (s) => s.usage?.outputTokens), want.output);
  assert.equal(total(llm, (s) => s.usage?.reasoningTokens), want.reasoning);
  assert.equal(total(llm, (s) => s.usage?.cacheReadTokens), want.cacheRead);
  assert.equal(total(llm, (s) => s.usage?.cacheWriteTokens), want.cacheWrite);
  assert.ok(Math.abs(total(llm, (s) => s.usage?.cost) - want.cost) < 1e-9);
}

describe('opencode sessions', () => {
  it('takes a search that found nothing (grep exit 1) as answered, not failed; npm test exiting 1 still failed', () => {
    const exported = readJson<{ messages: { parts: { callID?: string; state?: { input?: { command?: string }; output?: string; metadata?: { exit?: number } } }[] }[] }>(EXPORT);
    const npmTest = exported.messages.flatMap((m) => m.parts).find((p) => p.callID === 'toolu_01VdP1')!;
    assert.equal(npmTest.state!.metadata!.exit, 1);
    const grep = JSON.parse(JSON.stringify(npmTest)) as typeof npmTest;
    grep.callID = 'toolu_grep';
    grep.state = { ...grep.state, input: { command: 'grep -rn "taxRate" src' }, output: '', metadata: { ...grep.state!.metadata, exit: 1 } };
    exported.messages.find((m) => m.parts.includes(npmTest))!.parts.push(grep);
    const [t] = loadTraceFromBytes('session.json', Buffer.from(JSON.stringify(exported))).traces;
    const statusOf = (id: string) => t.steps.find((s) => s.toolCall?.id === id)?.status;
    assert.deepEqual([statusOf('toolu_grep'), statusOf('toolu_01VdP1')], ['ok', 'error']);
  });

  it('opens an `opencode export` file with the raw file\'s prompts, model calls, tool calls paired by callID, errors and usage', () => {
    const [t] = load(EXPORT, 'opencode', 1).traces;
    const raw = readJson<{ messages: RawMessage[] }>(EXPORT).messages;
    checkAgainstRaw(t, raw);
    assert.equal(t.id, SESSION_ID);
    assert.equal(t.title, 'Fix failing npm test');
    assert.deepEqual(t.steps.map((s) => `${s.kind}:${s.name}:${s.status}`), [
      'message:user: Why does `npm test` fail? Fix it.:ok',
      'llm:claude-sonnet-4-5:ok', 'tool:bash:error', 'tool:read:ok',
      'llm:claude-sonnet-4-5:ok', 'tool:edit:error',
      'llm:retry 1:error',
      'llm:claude-sonnet-4-5:ok', 'tool:task:ok',
      'message:user: thanks, now run it again:ok',
      // Aborted by the user while the command ran: the call failed, not the model.
      'llm:claude-sonnet-4-5:ok', 'tool:bash:error',
    ]);
    const first = ofKind(t, 'llm')[0];
    assert.equal(first.attributes.reasoning, 'Run the tests and read the code at the same time.');
    assert.equal(first.output?.messages?.[0].toolCalls?.length, 2, 'the two parallel calls are on one model step');
    assert.equal(first.finishReason, 'tool-calls');
    const aborted = t.steps.find((s) => s.toolCall?.id === 'toolu_01VdP5')!;
    assert.equal(aborted.attributes.interrupted, true);
    assert.deepEqual(aborted.error, { type: 'MessageAbortedError', message: 'The operation was aborted. (the call was still running)' });
    assert.equal(ofKind(t, 'llm')[4].attributes.aborted, 'The operation was aborted.');
    // A step's location is its part in the export.
    assert.equal(t.steps.find((s) => s.toolCall?.id === 'toolu_01VdP3')!.location?.line, 178);
  });

  it('opens a session file of the storage layout with its message and part folders, and nests the task\'s sub-session', () => {
    const [t] = load(SESSION_FILE, 'opencode', 1).traces;
    checkAgainstRaw(t, storageMessages(SESSION_ID));
    const task = t.steps.find((s) => s.toolCall?.name === 'task')!;
    const nested = t.steps.filter((s) => s.parentId === task.id);
    assert.deepEqual(nested.map((s) => `${s.kind}:${s.name}`), ['message:user: Read jest.config.js and report the test…', 'llm:claude-sonnet-4-5', 'tool:read']);
    assert.equal(task.attributes.subSessionId, 'ses_3f1a2a11bffeQ2Wv8Ty6Ui0Op');
    assert.match(String(nested[0].attributes.sourceFile), /^\.\.\/\.\.\/message\/ses_3f1a2a11bffeQ2Wv8Ty6Ui0Op\/msg_/);
  });

  it('opens a session of the layout before opencode\'s storage migration (storage/session/info, message and part/<session>/<message>)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-opencode-'));
    try {
      // The same session as the fixture, laid out as project/<dir>/storage/session/{info,message,part}; no projectID then.
      const root = join(dir, 'project', 'home-dev-shop', 'storage', 'session');
      const copy = (from: string, to: string) => { mkdirSync(join(to, '..'), { recursive: true }); writeFileSync(to, readFileSync(from)); };
      const session = readJson<Record<string, unknown>>(SESSION_FILE);
      delete session.projectID;
      mkdirSync(join(root, 'info'), { recursive: true });
      writeFileSync(join(root, 'info', `${SESSION_ID}.json`), JSON.stringify(session, null, 2));
      for (const f of jsonFiles(join(STORAGE, 'message', SESSION_ID))) {
        const info = readJson<RawInfo>(f);
        copy(f, join(root, 'message', SESSION_ID, `${info.id}.json`));
        for (const p of jsonFiles(join(STORAGE, 'part', info.id))) copy(p, join(root, 'part', SESSION_ID, info.id, p.split(/[\\/]/).pop()!));
      }
      const r = loadTraceFile(join(root, 'info', `${SESSION_ID}.json`));
      assert.equal(r.format, 'opencode');
      const raw = jsonFiles(join(STORAGE, 'message', SESSION_ID)).map((f) => {
        const info = readJson<RawInfo>(f);
        return { info, parts: jsonFiles(join(STORAGE, 'part', info.id)).map((p) => readJson<RawPart>(p)) };
      });
      // The sub-session is not in this copy: its task call keeps its output and nests nothing.
      checkAgainstRaw(r.traces[0], raw);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a storage session file whose message folder is missing, or that cannot be read from disk, naming the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-opencode-'));
    try {
      mkdirSync(join(dir, 'session', 'proj'), { recursive: true });
      const lone = join(dir, 'session', 'proj', 'ses_x.json');
      writeFileSync(lone, JSON.stringify({ id: 'ses_x', projectID: 'proj', directory: '/d', title: 't', version: '1', time: { created: 1 } }));
      assert.throws(() => loadTraceFile(lone), (e: unknown) => isUserInputError(e) && /ses_x\.json: an opencode session file, but its message folder \.\.\/\.\.\/message\/ses_x\/ is missing/.test(e.message));
      assert.throws(() => loadTraceFromBytes(lone, readFileSync(lone)), (e: unknown) => isUserInputError(e) && /cannot be read from here.*opencode export ses_x/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps unknown part types and fields, and warns about an unreadable part file with its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-opencode-'));
    try {
      const write = (rel: string, v: unknown) => { mkdirSync(join(dir, rel, '..'), { recursive: true }); writeFileSync(join(dir, rel), typeof v === 'string' ? v : JSON.stringify(v)); };
      write('session/p/ses_y.json', { id: 'ses_y', projectID: 'p', directory: '/d', title: 'y', version: '9', time: { created: 1 }, futureField: 2 });
      write('message/ses_y/msg_1.json', { id: 'msg_1', sessionID: 'ses_y', role: 'assistant', modelID: 'm', time: { created: 2 } });
      write('part/msg_1/prt_1.json', { id: 'prt_1', messageID: 'msg_1', type: 'hologram', beams: 3 });
      write('part/msg_1/prt_2.json', '{ not json');
      const r = loadTraceFile(join(dir, 'session/p/ses_y.json'));
      assert.equal(r.format, 'opencode');
      const [t] = r.traces;
      assert.equal(t.metadata.futureField, 2);
      assert.deepEqual(ofKind(t, 'llm')[0].attributes.otherParts, [{ type: 'hologram', beams: 3 }]);
      assert.ok(r.warnings.some((w) => /part\/msg_1\/prt_2\.json is not a JSON object; skipped/.test(w.message)), JSON.stringify(r.warnings));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never follows ids out of the storage folders: a session id or sub-session id with path characters is refused or skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-opencode-'));
    try {
      const write = (rel: string, v: unknown) => { mkdirSync(join(dir, rel, '..'), { recursive: true }); writeFileSync(join(dir, rel), JSON.stringify(v)); };
      // A message folder an id with "../" would reach.
      write('message/evil/msg_9.json', { id: 'msg_9', sessionID: 'evil', role: 'user', time: { created: 1 } });
      write('session/p/ses_bad.json', { id: '../message/../message/evil', projectID: 'p', directory: '/d', title: 'bad', version: '1', time: { created: 1 } });
      assert.throws(() => loadTraceFile(join(dir, 'session/p/ses_bad.json')), (e: unknown) => isUserInputError(e) && /ses_bad\.json \(\$\.id\): .*not an opencode id/.test(e.message));
      write('session/p/ses_ok.json', { id: 'ses_ok', projectID: 'p', directory: '/d', title: 'ok', version: '1', time: { created: 1 } });
      write('message/ses_ok/msg_1.json', { id: 'msg_1', sessionID: 'ses_ok', role: 'assistant', modelID: 'm', time: { created: 2 } });
      write('part/msg_1/prt_1.json', { id: 'prt_1', type: 'tool', callID: 'c1', tool: 'task', state: { status: 'completed', input: {}, output: 'done', metadata: { sessionId: '../../message/evil' }, time: { start: 3, end: 4 } } });
      const [t] = loadTraceFile(join(dir, 'session/p/ses_ok.json')).traces;
      assert.equal(t.steps.length, 2);
      assert.equal(t.steps[1].attributes.subSessionId, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an export whose messages are not an array, naming the field', () => {
    const bad = JSON.stringify({ info: { id: 'ses_z', projectID: 'p', directory: '/d', time: {} }, messages: {} });
    assert.throws(() => loadTraceFromBytes('export.json', new TextEncoder().encode(bad), { format: 'opencode' }),
      (e: unknown) => isUserInputError(e) && /export\.json \(\$\.messages\): an opencode export needs a "messages" array/.test(e.message));
  });

  it('is listed by agent-trace formats', () => {
    const list = JSON.parse(formatsCommand({ json: true }).stdout.join('\n')) as { id: string; label: string }[];
    assert.equal(list.find((f) => f.id === 'opencode')?.label, 'opencode session');
  });
});
