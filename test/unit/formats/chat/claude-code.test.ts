/**
 * Claude Code sessions, checked against an independent reading of the raw JSONL (never the
 * importer): one model step per distinct `message.id`, every tool_use paired with its
 * tool_result by id, error steps carrying the source's text, usage (cache tokens included)
 * summed once per message id, sub-agents (subagents/ files and inline agent_progress events)
 * nested under the Task step that started them.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Step, Trace } from '../../../../src/core/model/schema';
import { usageTotals } from '../../../../src/core/model/usage';
import { findingsFor } from '../../../../src/core/review';
import { DEFAULT_TAXONOMY } from '../../../../src/core/taxonomy';
import { sharedFiles } from '../../../support/shared';
import { brief, fixture, load } from './helpers';

/** A raw JSONL line, read without the importer: fields are reached as the producer wrote them. */
type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ---- The independent reading of the raw file -------------------------------------------------

function rawLines(path: string): Raw[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Raw);
}

/** The conversation lines of a file: its user and assistant lines. */
function conversation(lines: Raw[]): Raw[] {
  return lines.filter((l) => l.type === 'user' || l.type === 'assistant');
}

function progressLines(lines: Raw[], agentId: string): Raw[] {
  return lines.filter((l) => l.type === 'progress' && l.data?.type === 'agent_progress' && l.data.agentId === agentId).map((l) => l.data.message as Raw);
}

function messageIds(lines: Raw[]): string[] {
  return [...new Set(lines.filter((l) => l.type === 'assistant').map((l) => l.message.id as string))];
}

interface RawUsage { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number }

/** Every split line repeats its response's usage as known so far: the last line of a message id is final. */
function usageOnce(lines: Raw[]): RawUsage {
  const last = new Map<string, Raw>();
  for (const l of lines) if (l.type === 'assistant' && l.message.usage) last.set(l.message.id, l.message.usage);
  const sum: RawUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const u of last.values()) {
    sum.inputTokens += u.input_tokens ?? 0;
    sum.outputTokens += u.output_tokens ?? 0;
    sum.cacheReadTokens += u.cache_read_input_tokens ?? 0;
    sum.cacheWriteTokens += u.cache_creation_input_tokens ?? 0;
  }
  return sum;
}

function addUsage(a: RawUsage, b: RawUsage): RawUsage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens, cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens };
}

function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  return (content as Raw[]).filter((b) => typeof b.text === 'string').map((b) => b.text as string).join('\n');
}

/** tool_use id -> tool name, and tool_use_id -> what came back, read from the lines. */
function toolPairs(lines: Raw[]): { id: string; name: string; result?: { text: string; isError: boolean } }[] {
  const results = new Map<string, { text: string; isError: boolean }>();
  for (const l of lines) {
    if (l.type !== 'user' || !Array.isArray(l.message.content)) continue;
    for (const b of l.message.content as Raw[]) if (b.type === 'tool_result') results.set(b.tool_use_id, { text: blockText(b.content), isError: b.is_error === true });
  }
  const out: { id: string; name: string; result?: { text: string; isError: boolean } }[] = [];
  for (const l of lines) {
    if (l.type !== 'assistant' || !Array.isArray(l.message.content)) continue;
    for (const b of l.message.content as Raw[]) if (b.type === 'tool_use') out.push({ id: b.id, name: b.name, result: results.get(b.id) });
  }
  return out;
}

// ---- Reading the model -------------------------------------------------------------------------

/** The nearest agent step above a step, or null for the main conversation. */
function agentOf(t: Trace, s: Step): Step | null {
  const byId = new Map(t.steps.map((x) => [x.id, x]));
  for (let p = s.parentId ? byId.get(s.parentId) : undefined; p; p = p.parentId ? byId.get(p.parentId) : undefined) if (p.kind === 'agent') return p;
  return null;
}

function agentStep(t: Trace, agentId: string): Step {
  const found = t.steps.filter((s) => s.kind === 'agent' && s.attributes.agentId === agentId);
  assert.equal(found.length, 1, `one agent step for ${agentId}, found ${found.length}`);
  return found[0];
}

function llmUnder(t: Trace, agent: Step | null): Step[] {
  return t.steps.filter((s) => s.kind === 'llm' && (agentOf(t, s)?.id ?? null) === (agent?.id ?? null));
}

function modelUsage(t: Trace): RawUsage {
  const u = usageTotals(t.steps);
  return { inputTokens: u.inputTokens, outputTokens: u.outputTokens, cacheReadTokens: u.cacheReadTokens, cacheWriteTokens: u.cacheWriteTokens };
}

/** Each tool_use read from the raw lines has exactly one tool step, with its result and status. */
function assertToolsPaired(t: Trace, lines: Raw[]): void {
  for (const want of toolPairs(lines)) {
    const steps = t.steps.filter((s) => s.kind === 'tool' && s.toolCall?.id === want.id);
    assert.equal(steps.length, 1, `one tool step for ${want.id}, found ${steps.length}`);
    const [step] = steps;
    assert.equal(step.name, want.name);
    if (!want.result) continue;
    assert.equal(step.output?.messages?.[0].content, want.result.text, `output of ${want.id}`);
    assert.equal(step.status, want.result.isError ? 'error' : 'ok', `status of ${want.id}`);
    if (want.result.isError) assert.equal(step.error?.message, want.result.text, `error text of ${want.id}`);
    // The model step that made the call lists it.
    const caller = t.steps.filter((s) => s.kind === 'llm' && s.output?.messages?.[0].toolCalls?.some((c) => c.id === want.id));
    assert.equal(caller.length, 1, `one model step calls ${want.id}`);
  }
}

// ---- Tests -------------------------------------------------------------------------------------

describe('Claude Code: the model against the raw file', () => {
  for (const path of sharedFiles('claude-code', (n) => n.endsWith('.jsonl'))) {
    it(`${path.split('/').slice(-2).join('/')}: one model step per message id, tools paired, usage with cache tokens once`, () => {
      const lines = rawLines(path);
      const [t] = load(path, 'claude-code', 1).traces;
      const main = conversation(lines).filter((l) => l.isSidechain !== true);
      assert.equal(llmUnder(t, null).length, messageIds(main).length);
      assert.deepEqual(llmUnder(t, null).map((s) => s.attributes.messageId), messageIds(main));
      assertToolsPaired(t, main);
      assert.deepEqual(modelUsage(t), usageOnce(main));
      assert.ok(modelUsage(t).cacheReadTokens > 0, 'the sample records cache reads');
    });
  }

  it('one response over four lines, a tool result logged between two of them: one model step with both calls', () => {
    const path = fixture('claude-code', 'split-response.jsonl');
    const lines = rawLines(path);
    const [t] = load(path, 'claude-code', 1).traces;
    assert.equal(llmUnder(t, null).length, messageIds(lines).length);
    assertToolsPaired(t, lines);
    assert.deepEqual(modelUsage(t), usageOnce(lines));
    const split = t.steps.find((s) => s.attributes.messageId === 'msg_01SPLIT')!;
    assert.deepEqual(split.output?.messages?.[0].toolCalls?.map((c) => c.id), ['toolu_01Glob', 'toolu_01Read']);
    assert.equal(split.output?.messages?.[0].content, "I'll look at both.");
    assert.equal(split.attributes.thinking, 'Glob, then Read.');
    assert.deepEqual(split.usage, { inputTokens: 4, outputTokens: 60, cacheReadTokens: 20000, cacheWriteTokens: 1000, totalTokens: 21064 });
    assert.equal(split.finishReason, 'tool_use');
    assert.deepEqual(t.steps.map(brief), [
      'message:user: List the YAML files and read the README:ok', 'llm:claude-opus-4-6:ok', 'tool:Glob:ok', 'tool:Read:error',
      'llm:claude-opus-4-6:ok', 'system:api_error:error', 'llm:<synthetic>:error',
    ]);
  });

  it('error steps carry the error text the source recorded (tool_result is_error, api_error retries, API error messages)', () => {
    const path = fixture('claude-code', 'split-response.jsonl');
    const lines = rawLines(path);
    const [t] = load(path, 'claude-code', 1).traces;
    const retry = lines.find((l) => l.subtype === 'api_error')!;
    const retryStep = t.steps.find((s) => s.name === 'api_error')!;
    assert.match(retryStep.error!.message, new RegExp(`529`));
    assert.ok(retryStep.error!.message.includes(retry.error.error.error.message), retryStep.error!.message);
    const apiError = lines.find((l) => l.isApiErrorMessage === true)!;
    const apiStep = t.steps.find((s) => s.name === '<synthetic>')!;
    assert.equal(apiStep.error?.message, blockText(apiError.message.content));
    for (const s of t.steps.filter((x) => x.status === 'error')) assert.ok(s.error?.message && s.error.message.trim() !== '', `${s.id} has error text`);
  });

  it('a Bash search that found nothing ("Exit code 1", is_error) is an answer; other exits stay failures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-cc-exit-'));
    try {
      const line = (o: Raw): string => JSON.stringify(o);
      const at = (k: number): string => `2026-01-01T00:00:${String(k).padStart(2, '0')}Z`;
      // Each call as Claude Code writes it: the model's tool_use, then the result with is_error.
      const calls: [string, string, string][] = [
        ['t1', 'grep -rn "self.root =" src/', 'Exit code 1'],
        ['t2', 'cd /missing && grep -rn x .', 'Exit code 1\n/bin/bash: line 1: cd: /missing: No such file or directory'],
        ['t3', 'grep -rn x missing.py', 'Exit code 2\ngrep: missing.py: No such file or directory'],
        ['t4', 'npm test', 'Exit code 1\nFAIL src/a.test.ts'],
        ['t5', 'diff -u a.py b.py', 'Exit code 1\n--- a.py\n+++ b.py\n@@ -1 +1 @@\n-x\n+y'],
      ];
      const lines = [line({ type: 'user', uuid: 'u0', parentUuid: null, sessionId: 's1', timestamp: at(0), message: { role: 'user', content: 'find it' } })];
      let parent = 'u0';
      calls.forEach(([id, command, result], k) => {
        lines.push(line({ type: 'assistant', uuid: `a${k}`, parentUuid: parent, sessionId: 's1', timestamp: at(2 * k + 1), message: { id: `m${k}`, role: 'assistant', model: 'm', content: [{ type: 'tool_use', id, name: 'Bash', input: { command, description: 'look' } }], usage: { input_tokens: 1, output_tokens: 1 } } }));
        lines.push(line({ type: 'user', uuid: `r${k}`, parentUuid: `a${k}`, sessionId: 's1', timestamp: at(2 * k + 2), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: result, is_error: true }] }, toolUseResult: `Error: ${result}` }));
        parent = `r${k}`;
      });
      const path = join(dir, 's1.jsonl');
      writeFileSync(path, lines.join('\n'));
      const [t] = load(path, 'claude-code', 1).traces;
      const statusOf = (id: string): string => { const s = t.steps.find((x) => x.kind === 'tool' && x.toolCall?.id === id)!; return `${s.status}${s.error ? ' (error)' : ''}`; };
      assert.deepEqual(calls.map(([id]) => `${id} ${statusOf(id)}`), ['t1 ok', 't2 error (error)', 't3 error (error)', 't4 error (error)', 't5 ok']);
      // The result's text is kept as Claude Code wrote it, for the model's next turn.
      assert.equal(t.steps.find((x) => x.toolCall?.id === 't1' && x.kind === 'tool')!.output?.messages?.[0].content, 'Exit code 1');
      assert.deepEqual(findingsFor(t, DEFAULT_TAXONOMY).filter((f) => f.category.startsWith('TOOL.')).map((f) => t.steps.find((s) => s.id === f.stepId)!.toolCall?.id).sort(), ['t2', 't3', 't4']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the lines of what the user ran in the terminal by what was run, not by their tags', () => {
    // tool_heavy.jsonl: the user ran /mcp between two prompts (lines 20-24).
    const [shared] = load(sharedFiles('claude-code', (n) => n === 'tool_heavy.jsonl')[0], 'claude-code', 1).traces;
    assert.deepEqual(shared.steps.slice(6, 11).map(brief), [
      'message:caveat: The messages below were generated by th…:ok', 'message:command: /mcp:ok', 'message:command output: Reconnected to tidewave.:ok',
      'system:command: /mcp:ok', 'system:command output: MCP dialog dismissed:ok',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'atd-cc-terminal-'));
    try {
      const texts = [
        '<command-name>/review</command-name>\n<command-message>review</command-message>\n<command-args>PR 42</command-args>',
        '<command-message>compact</command-message>', '<local-command-stdout></local-command-stdout>',
        '<local-command-stderr>no such server</local-command-stderr>', '<bash-input>ls -la</bash-input>',
        '<bash-stdout>a.txt\nb.txt</bash-stdout><bash-stderr></bash-stderr>', '<bash-stderr>ls: x: No such file</bash-stderr>',
        'an ordinary <bash-input> mention', '<unknown-tag>hi</unknown-tag>',
      ];
      const lines = texts.map((content, k) => JSON.stringify({ type: 'user', uuid: `u${k}`, parentUuid: k ? `u${k - 1}` : null, sessionId: 's1', timestamp: `2026-01-01T00:00:0${k}Z`, message: { role: 'user', content } }));
      const path = join(dir, 's1.jsonl');
      writeFileSync(path, lines.join('\n'));
      const [t] = load(path, 'claude-code', 1).traces;
      assert.deepEqual(t.steps.map((x) => x.name), [
        'command: /review PR 42', 'command: /compact', 'command output (empty)', 'command errors: no such server', 'bash: ls -la',
        'bash output: a.txt b.txt', 'bash errors: ls: x: No such file', 'user: an ordinary <bash-input> mention', 'user: <unknown-tag>hi</unknown-tag>',
      ]);
      // The message itself is kept as written: what the model was sent.
      assert.equal(t.steps[0].input?.messages?.[0].content, texts[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('sub-agents', () => {
    const path = fixture('claude-code', 'session-agents.jsonl');
    const folder = fixture('claude-code', 'session-agents', 'subagents');
    const agentFile = (id: string): string => join(folder, `agent-${id}.jsonl`);

    it('nests each subagents/agent-*.jsonl under the Task step that started it (meta.json toolUseId, or the result agentId)', () => {
      const lines = rawLines(path);
      const { traces: [t], warnings } = load(path, 'claude-code', 1);
      for (const [agentId, taskId] of [['a1b2c3d', JSON.parse(readFileSync(join(folder, 'agent-a1b2c3d.meta.json'), 'utf8')).toolUseId as string], ['b2c3d4e', 'toolu_01TaskDocs']]) {
        const file = rawLines(agentFile(agentId));
        const agent = agentStep(t, agentId);
        const task = t.steps.find((s) => s.kind === 'tool' && s.toolCall?.id === taskId)!;
        assert.equal(agent.parentId, task.id, `${agentId} under ${taskId}`);
        assert.equal(llmUnder(t, agent).length, messageIds(file).length);
        assert.deepEqual(llmUnder(t, agent).map((s) => s.attributes.messageId), messageIds(file));
        assertToolsPaired(t, conversation(file));
        // The file's own lines are the agent's, once: its inline progress copies are not added again.
        const users = t.steps.filter((s) => s.kind === 'message' && agentOf(t, s)?.id === agent.id);
        assert.equal(users.length, conversation(file).filter((l) => typeof l.message.content === 'string').length);
      }
      assert.equal(llmUnder(t, null).length, messageIds(conversation(lines)).length);
      assertToolsPaired(t, conversation(lines));
      assert.ok(!warnings.some((w) => /a1b2c3d|b2c3d4e/.test(w.message)), warnings.map((w) => w.message).join('\n'));
    });

    it('nests an agent whose Task has no result yet (the session is still running, or was cut) under the model step that called Task', () => {
      const dir = mkdtempSync(join(tmpdir(), 'atd-cc-'));
      try {
        // The fixture session up to the Task call that started agent a1b2c3d, with that agent's files.
        const taskId = JSON.parse(readFileSync(join(folder, 'agent-a1b2c3d.meta.json'), 'utf8')).toolUseId as string;
        const lines = readFileSync(path, 'utf8').split('\n');
        const call = lines.findIndex((l) => l.includes(`"id":"${taskId}"`) && l.includes('"tool_use"'));
        assert.ok(call >= 0 && !lines.slice(0, call).some((l) => l.includes(`"tool_use_id":"${taskId}"`)), 'the Task call, before its result');
        writeFileSync(join(dir, 'session-agents.jsonl'), lines.slice(0, call + 1).join('\n'));
        mkdirSync(join(dir, 'session-agents', 'subagents'), { recursive: true });
        for (const name of ['agent-a1b2c3d.jsonl', 'agent-a1b2c3d.meta.json']) writeFileSync(join(dir, 'session-agents', 'subagents', name), readFileSync(join(folder, name)));
        const { traces: [t], warnings } = load(join(dir, 'session-agents.jsonl'), 'claude-code', 1);
        const agent = agentStep(t, 'a1b2c3d');
        const caller = t.steps.find((s) => s.id === agent.parentId);
        assert.equal(caller?.kind, 'llm');
        assert.ok(caller?.output?.messages?.some((m) => m.toolCalls?.some((c) => c.id === taskId)), 'the model step whose reply called Task');
        assert.equal(llmUnder(t, agent).length, messageIds(rawLines(agentFile('a1b2c3d'))).length);
        assert.ok(!warnings.some((w) => w.message.includes('not in the trace')), warnings.map((w) => w.message).join('\n'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('nests inline agent_progress events under their Task step (parentToolUseID) when the agent has no file', () => {
      const lines = rawLines(path);
      const [t] = load(path, 'claude-code', 1).traces;
      const inline = progressLines(lines, 'e5f6a7b');
      const agent = agentStep(t, 'e5f6a7b');
      const taskId = lines.find((l) => l.data?.agentId === 'e5f6a7b')!.parentToolUseID as string;
      assert.equal(agent.parentId, t.steps.find((s) => s.kind === 'tool' && s.toolCall?.id === taskId)!.id);
      assert.equal(llmUnder(t, agent).length, messageIds(inline).length);
      assertToolsPaired(t, inline);
      const bash = t.steps.find((s) => s.toolCall?.id === 'toolu_01TestBash')!;
      assert.equal(agentOf(t, bash)?.id, agent.id);
    });

    it('sums usage once per message id over the session, its files and its inline-only agents', () => {
      const lines = rawLines(path);
      const [t] = load(path, 'claude-code', 1).traces;
      const want = [usageOnce(conversation(lines)), usageOnce(rawLines(agentFile('a1b2c3d'))), usageOnce(rawLines(agentFile('b2c3d4e'))), usageOnce(progressLines(lines, 'e5f6a7b'))].reduce(addUsage);
      assert.deepEqual(modelUsage(t), want);
    });

    it('a missing agent file is a warning; an agent id that would leave the folder is never read', () => {
      const { traces: [t], warnings } = load(path, 'claude-code', 1);
      assert.ok(warnings.some((w) => w.message.includes('agent-c9d0e1f.jsonl')), warnings.map((w) => w.message).join('\n'));
      assert.ok(warnings.some((w) => w.message.includes('x/../split-response')), warnings.map((w) => w.message).join('\n'));
      // split-response.jsonl (one folder up from where a plain id would point) contributed nothing.
      assert.ok(!t.steps.some((s) => s.toolCall?.id === 'toolu_01Glob'));
      assert.ok(!t.steps.some((s) => s.kind === 'agent' && /split-response/.test(String(s.attributes.agentId))));
    });

    it('reads a legacy agent-<id>.jsonl beside the session, and refuses ids that are paths', () => {
      const dir = mkdtempSync(join(tmpdir(), 'atd-cc-'));
      try {
        const proj = join(dir, 'proj');
        mkdirSync(proj);
        const line = (o: Raw): string => JSON.stringify(o);
        const session = [
          line({ type: 'user', uuid: 'u1', parentUuid: null, sessionId: 's1', isSidechain: false, timestamp: '2026-01-01T00:00:00Z', message: { role: 'user', content: 'go' } }),
          line({ type: 'assistant', uuid: 'a1', parentUuid: 'u1', sessionId: 's1', isSidechain: false, timestamp: '2026-01-01T00:00:01Z', message: { id: 'm1', role: 'assistant', model: 'm', content: [{ type: 'tool_use', id: 't1', name: 'Task', input: { prompt: 'p1' } }, { type: 'tool_use', id: 't2', name: 'Task', input: { prompt: 'p2' } }], usage: { input_tokens: 1, output_tokens: 1 } } }),
          line({ type: 'user', uuid: 'u2', parentUuid: 'a1', sessionId: 's1', isSidechain: false, timestamp: '2026-01-01T00:00:02Z', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] }, toolUseResult: { agentId: 'legacy1' } }),
          line({ type: 'user', uuid: 'u3', parentUuid: 'u2', sessionId: 's1', isSidechain: false, timestamp: '2026-01-01T00:00:03Z', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: 'ok' }] }, toolUseResult: { agentId: 'x/../../evil' } }),
        ].join('\n');
        const agent = (id: string, text: string): string => [
          line({ type: 'user', uuid: `${id}-u`, parentUuid: null, sessionId: 's1', isSidechain: true, agentId: id, timestamp: '2026-01-01T00:00:01Z', message: { role: 'user', content: text } }),
          line({ type: 'assistant', uuid: `${id}-a`, parentUuid: `${id}-u`, sessionId: 's1', isSidechain: true, agentId: id, timestamp: '2026-01-01T00:00:02Z', message: { id: `${id}-m`, role: 'assistant', model: 'm', content: [{ type: 'text', text: 'done' }], usage: { input_tokens: 1, output_tokens: 1 } } }),
        ].join('\n');
        writeFileSync(join(proj, 's1.jsonl'), session);
        writeFileSync(join(proj, 'agent-legacy1.jsonl'), agent('legacy1', 'p1'));
        writeFileSync(join(dir, 'evil.jsonl'), agent('evil', 'p2'));
        const { traces: [t], warnings } = load(join(proj, 's1.jsonl'), 'claude-code', 1);
        const legacy = agentStep(t, 'legacy1');
        assert.equal(legacy.parentId, t.steps.find((s) => s.toolCall?.id === 't1')!.id);
        assert.equal(llmUnder(t, legacy).length, 1);
        assert.ok(!t.steps.some((s) => s.attributes.messageId === 'evil-m'), 'a file outside the session folder was read');
        assert.ok(warnings.some((w) => w.message.includes('x/../../evil')));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('an agent-*.jsonl opened alone is still its own flat trace', () => {
      const file = agentFile('a1b2c3d');
      const lines = rawLines(file);
      const [t] = load(file, 'claude-code', 1).traces;
      assert.equal(t.metadata.sidechain, true);
      assert.ok(t.steps.every((s) => s.depth === 0));
      assert.equal(llmUnder(t, null).length, messageIds(lines).length);
      assertToolsPaired(t, lines);
      assert.deepEqual(modelUsage(t), usageOnce(lines));
    });
  });
});

describe('Anthropic usage (shared by the Anthropic messages importer)', () => {
  it('keeps cache read and cache write tokens apart from input tokens, and totals all four', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-anthropic-'));
    try {
      const usage = { input_tokens: 12, cache_read_input_tokens: 5000, cache_creation_input_tokens: 300, output_tokens: 40 };
      const path = join(dir, 'messages.json');
      writeFileSync(path, JSON.stringify({ model: 'claude-sonnet-4-5', messages: [
        { role: 'user', content: 'Read a.txt' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a.txt' } }], usage },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'hello' }] },
      ] }));
      const [t] = load(path, 'anthropic-messages', 1).traces;
      const llm = t.steps.find((s) => s.kind === 'llm')!;
      assert.deepEqual(llm.usage, { inputTokens: 12, outputTokens: 40, cacheReadTokens: 5000, cacheWriteTokens: 300, totalTokens: 5352 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
