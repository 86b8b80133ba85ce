/**
 * Cline / Roo Code task folders. The fixtures follow the producers' source (see
 * test/fixtures/cline/README.md); each is checked against an independent reading of its raw
 * files here (tool calls, results paired with their calls, failures, usage sums), then in detail.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTraceFile } from '../../../../src/core/load';
import type { Step, Trace } from '../../../../src/core/model/schema';
import { brief, fixture, load, only } from './helpers';
import { judgeResult } from '../../../../src/core/formats/chat/cline-text';

type Raw = Record<string, unknown>;
const FOLDERS = ['xml-task', 'native-task', 'roo-task'];
const history = (folder: string): string => fixture('cline', folder, 'api_conversation_history.json');
const rawJson = (folder: string, name: string): Raw[] => JSON.parse(readFileSync(fixture('cline', folder, name), 'utf8')) as Raw[];
const blocks = (m: Raw): Raw[] => (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as Raw[]));
const blockText = (b: Raw): string => (typeof b.text === 'string' ? b.text : typeof b.content === 'string' ? b.content : '');

/** What the raw files say, read without the importer. */
function independentReading(folder: string) {
  const msgs = rawJson(folder, 'api_conversation_history.json');
  const xmlTag = /<(execute_command|read_file|write_to_file|replace_in_file|attempt_completion)>/g;
  let calls = 0;
  const ids: string[] = [];
  for (const m of msgs.filter((x) => x.role === 'assistant')) {
    const uses = blocks(m).filter((b) => b.type === 'tool_use');
    uses.forEach((u) => ids.push(String(u.id)));
    calls += uses.length || blocks(m).map(blockText).join('\n').match(xmlTag)?.length || 0;
  }
  // Results: tool_result blocks, result headers, and the notes written for calls that were not run.
  const results: string[] = [];
  for (const m of msgs.filter((x) => x.role === 'user')) {
    const bs = blocks(m);
    bs.forEach((b, i) => {
      const text = blockText(b);
      if (b.type === 'tool_result') results.push(text);
      else if (/^\[\w+ for '[^']*'\] Result:$/.test(text)) results.push(blockText(bs[i + 1]));
      else if (/^Skipping tool \[/.test(text)) results.push(text);
    });
  }
  const failed = results.filter((r) => /Command failed with exit code|The tool execution failed|The user denied|^Skipping tool|Exit code: [1-9]|"status":"error"/.test(r));
  const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cost: 0 };
  for (const u of rawJson(folder, 'ui_messages.json').filter((x) => x.say === 'api_req_started')) {
    const info = JSON.parse(String(u.text)) as Record<string, number>;
    usage.inputTokens += info.tokensIn;
    usage.outputTokens += info.tokensOut;
    usage.cacheReadTokens += info.cacheReads;
    usage.cacheWriteTokens += info.cacheWrites;
    usage.cost += info.cost;
  }
  return { calls, ids, results, failed, usage };
}

function usageSum(t: Trace) {
  const sum = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cost: 0 };
  for (const s of t.steps) for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += s.usage?.[k] ?? 0;
  return sum;
}

const tools = (t: Trace): Step[] => t.steps.filter((s) => s.kind === 'tool');
const round = (u: Record<string, number>) => Object.fromEntries(Object.entries(u).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));

describe('Cline / Roo Code task importer', () => {
  for (const folder of FOLDERS) {
    it(`${folder}: tool calls, paired results, failures and usage match the raw files`, () => {
      const want = independentReading(folder);
      const [t] = load(history(folder), 'cline', 1).traces;
      assert.equal(tools(t).length, want.calls, 'one tool step per tool call');
      assert.equal(tools(t).filter((s) => s.output !== undefined).length, want.results.length, 'every result is on a tool step');
      assert.equal(tools(t).filter((s) => s.status === 'error').length, want.failed.length, 'failed calls are error steps');
      for (const s of tools(t).filter((x) => x.status === 'error')) {
        assert.ok(s.error?.message, `${s.name} error has text`);
        assert.ok(want.failed.some((r) => r.includes(s.error!.message.split('\n')[0])), `${s.name}: ${s.error!.message} is the recorded text`);
      }
      for (const id of want.ids) assert.equal(only(t, (s) => s.kind === 'tool' && s.toolCall?.id === id).sourceId, id);
      assert.deepEqual(round(usageSum(t)), round(want.usage));
    });
  }

  it('reads XML tool calls in the text, and results written in the blocks after their header', () => {
    const [t] = load(history('xml-task'), 'cline', 1).traces;
    assert.equal(t.title, 'Fix the failing test in math.js');
    assert.deepEqual(t.steps.map(brief), [
      'message:task: Fix the failing test in math.js:ok',
      'llm:assistant:ok', 'tool:execute_command:ok',
      'llm:assistant:ok', 'tool:read_file:ok',
      'llm:API request failed:error', 'llm:assistant:ok', 'tool:replace_in_file:error',
      'llm:assistant:ok', 'tool:write_to_file:error', 'tool:read_file:error',
      'llm:assistant:ok', 'message:reminder: no tool used:error',
      'llm:assistant:ok', 'tool:replace_in_file:ok',
      'llm:assistant:ok', 'tool:attempt_completion:ok',
    ]);
    const first = t.steps[1];
    assert.equal(first.output?.messages?.[0].content, '<thinking>\nI should run the tests first to see the failure.\n</thinking>');
    assert.deepEqual(first.output?.messages?.[0].toolCalls, [{ name: 'execute_command', arguments: { command: 'npm test', requires_approval: 'false' } }]);
    assert.equal(t.steps[2].output?.value, 'Command executed.\nOutput:\nFAIL math.test.js\n  add(2, 2): expected 4, received 5');
    // A file's content may hold its own closing tag; the call ends at the last one.
    const write = only(t, (s) => s.name === 'write_to_file');
    assert.equal((write.toolCall?.arguments as Record<string, string>).content, 'function add(a, b) {\n  return a + b; // </content> in a comment stays in the file\n}\nmodule.exports = { add };');
    assert.equal(write.error?.type, 'Denied');
    assert.match(write.error!.message, /^The user denied this operation and provided the following feedback:\n<feedback>\nUse replace_in_file/);
    assert.deepEqual(t.steps[10].error, { type: 'Skipped', message: "Skipping tool [read_file for 'math.test.js'] due to user rejecting a previous tool." });
    assert.equal(t.steps[7].error?.message.split('\n')[0], 'The SEARCH block:');
    assert.equal(t.steps[12].error?.type, 'FormatError');
    // The UI's error event repeats that failure: kept on it, not a second failure.
    assert.deepEqual(t.steps[12].attributes.uiErrors, ['Cline tried to respond without using a tool. Retrying...']);
    assert.match(String(t.steps[5].error?.message), /^429 .*rate_limit_error/);
    assert.equal(only(t, (s) => s.name === 'attempt_completion').attributes.noResultRecorded, true);
    // Times come from ui_messages: the task shown, then each request's start.
    assert.equal(t.steps[0].startTime, 1748870400000);
    assert.equal(t.steps[3].startTime, 1748870408000);
    assert.deepEqual(t.steps[1].usage, { inputTokens: 3, outputTokens: 96, cacheReadTokens: 0, cacheWriteTokens: 11250, cost: 0.0437 });
    assert.equal(t.steps[2].attributes.environmentDetails !== undefined, true);
  });

  it('pairs parallel native tool calls by id, with exit codes, an interrupted response and cache tokens', () => {
    const [t] = load(history('native-task'), 'cline', 1).traces;
    const [llm, read, build] = t.steps.slice(1, 4);
    assert.equal(llm.model, 'claude-sonnet-4-5');
    assert.deepEqual(llm.output?.messages?.[0].toolCalls?.map((c) => c.id), ['toolu_01', 'toolu_02']);
    assert.deepEqual([read.toolCall?.id, read.status, read.output?.value], ['toolu_01', 'ok', '{"scripts": {"build": "tsc -p ."}}']);
    assert.equal(build.toolCall?.id, 'toolu_02');
    assert.equal(build.status, 'error');
    assert.equal(build.attributes.exitCode, 2);
    assert.deepEqual(build.error, { type: 'ExitCode', message: "Command failed with exit code 2.\nOutput:\nsrc/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'." });
    assert.equal(only(t, (s) => s.toolCall?.id === 'toolu_04').attributes.exitCode, 0);
    const cut = only(t, (s) => s.kind === 'llm' && s.status === 'error');
    assert.deepEqual(cut.error, { type: 'StreamingFailed', message: 'terminated: other side closed' });
    // ui_messages splits cache reads from writes; the message's own metrics only have their sum.
    assert.deepEqual(t.steps[4].usage, { inputTokens: 6, outputTokens: 88, cacheReadTokens: 14020, cacheWriteTokens: 480, cost: 0.0101 });
    assert.equal(t.steps[4].attributes.thinking, 'Line 3 assigns a string to a number.');
  });

  it('takes a search that found nothing (grep exit 1) as answered, another command exiting 1 as failed', () => {
    assert.deepEqual(judgeResult('Command failed with exit code 1.\nOutput:\n', 'grep -rn "oldName" src'), { exitCode: 1 });
    assert.deepEqual(judgeResult('Command failed with exit code 1.\nOutput:\nFAIL a.test.ts', 'npm test'), { exitCode: 1, error: { type: 'ExitCode', message: 'Command failed with exit code 1.\nOutput:\nFAIL a.test.ts' } });
    assert.equal(judgeResult('Command failed with exit code 1.\nOutput:\n').error?.type, 'ExitCode', 'without its command, an exit is a failure');
  });

  it('reads Roo Code results: its exit-code line and its JSON refusals', () => {
    const [t] = load(history('roo-task'), 'cline', 1).traces;
    const cmd = only(t, (s) => s.toolCall?.id === 'tooluse_a2');
    assert.equal(cmd.attributes.exitCode, 2);
    assert.match(String(cmd.error?.message), /^Command executed in terminal within working directory '\/w'\. Command execution was not successful/);
    assert.deepEqual(only(t, (s) => s.toolCall?.id === 'tooluse_a3').error, { type: 'ToolError', message: 'No sufficiently similar match found (42% similar, needs 100%)' });
    // Roo counts cache tokens inside tokensIn: kept as the source counts them.
    assert.deepEqual(t.steps[1].usage, { inputTokens: 9809, outputTokens: 40, cacheReadTokens: 0, cacheWriteTokens: 9800, cost: 0.0374 });
  });

  describe('without ui_messages.json, or with a broken one', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-cline-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('takes usage from the messages\' own metrics and times from their ts', () => {
      copyFileSync(history('native-task'), join(dir, 'api_conversation_history.json'));
      const r = loadTraceFile(join(dir, 'api_conversation_history.json'));
      assert.equal(r.format, 'cline');
      assert.deepEqual(r.warnings, []);
      const [t] = r.traces;
      assert.deepEqual(t.steps[1].usage, { inputTokens: 4, outputTokens: 131, cost: 0.0552 });
      assert.deepEqual((t.steps[1].attributes.metrics as Raw).tokens, { prompt: 4, completion: 131, cached: 14020 });
      assert.equal(t.steps[1].startTime, 1778500005000);
      assert.equal(tools(t).filter((s) => s.status === 'error').length, 1);
    });

    it('says in one line that ui_messages.json is unreadable, and opens the conversation anyway', () => {
      copyFileSync(history('xml-task'), join(dir, 'api_conversation_history.json'));
      writeFileSync(join(dir, 'ui_messages.json'), '{"not": "an array"');
      const r = loadTraceFile(join(dir, 'api_conversation_history.json'));
      assert.equal(r.format, 'cline');
      assert.equal(r.warnings.length, 1);
      assert.match(r.warnings[0].file, /api_conversation_history\.json$/);
      assert.match(r.warnings[0].message, /^ui_messages\.json next to it is not a JSON array; timestamps and costs not read$/);
      assert.equal(tools(r.traces[0]).length, 7);
    });

    it('opens ui_messages.json itself through the conversation next to it, and says so when it is missing', () => {
      const fromUi = load(fixture('cline', 'native-task', 'ui_messages.json'), 'cline', 1).traces[0];
      const fromHistory = load(history('native-task'), 'cline', 1).traces[0];
      assert.deepEqual(fromUi.steps.map(brief), fromHistory.steps.map(brief));
      assert.equal(fromUi.steps.filter((s) => s.location).length, 0);
      assert.equal(fromUi.metadata.conversationFile, 'api_conversation_history.json');
      copyFileSync(fixture('cline', 'native-task', 'ui_messages.json'), join(dir, 'ui_messages.json'));
      assert.throws(() => loadTraceFile(join(dir, 'ui_messages.json')), /ui_messages\.json: this is Cline's UI event log; the conversation is in api_conversation_history\.json in the same folder, which is not there$/);
    });

    it('keeps a UI error that the conversation does not hold as an error step at its time', () => {
      writeFileSync(join(dir, 'api_conversation_history.json'), JSON.stringify([
        { role: 'user', content: [{ type: 'text', text: '<task>\nhi\n</task>' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
      ]));
      writeFileSync(join(dir, 'ui_messages.json'), JSON.stringify([
        { ts: 1000, type: 'say', say: 'task', text: 'hi' },
        { ts: 2000, type: 'say', say: 'api_req_started', text: '{"tokensIn":1,"tokensOut":2,"cacheWrites":0,"cacheReads":0,"cost":0}', conversationHistoryIndex: -1 },
        { ts: 3000, type: 'say', say: 'error', text: 'Cline is having trouble. Would you like to continue the task?' },
      ]));
      const [t] = loadTraceFile(join(dir, 'api_conversation_history.json')).traces;
      assert.deepEqual(t.steps.map(brief), ['message:task: hi:ok', 'llm:assistant:ok', 'system:error:error']);
      assert.deepEqual([t.steps[2].startTime, t.steps[2].error?.message], [3000, 'Cline is having trouble. Would you like to continue the task?']);
    });

    it('recognizes a result header whose target spans lines (a multi-line command)', () => {
      const command = "cat > a.txt <<'EOF'\nhi\nEOF\nfalse";
      writeFileSync(join(dir, 'api_conversation_history.json'), JSON.stringify([
        { role: 'user', content: [{ type: 'text', text: '<task>\nwrite a.txt\n</task>' }] },
        { role: 'assistant', content: [{ type: 'text', text: `<execute_command>\n<command>${command}</command>\n</execute_command>` }] },
        { role: 'user', content: [{ type: 'text', text: `[execute_command for '${command}'] Result:\nCommand failed with exit code 1.` }] },
      ]));
      const [t] = loadTraceFile(join(dir, 'api_conversation_history.json')).traces;
      assert.deepEqual(t.steps.map(brief), ['message:task: write a.txt:ok', 'llm:assistant:ok', 'tool:execute_command:error']);
      assert.deepEqual(t.steps[2].error, { type: 'ExitCode', message: 'Command failed with exit code 1.' });
    });

    it('is lenient on odd entries and unknown fields', () => {
      const odd = [
        { role: 'user', content: '<task>\nhi\n</task>', extra: { any: 1 } },
        5, null, { role: 'system', content: 'x' },
        { role: 'assistant', content: [null, 3, { type: 'text' }, { type: 'text', text: '<read_file>\n<path>a' }] },
        { role: 'assistant', content: [{ type: 'tool_use' }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'nope', content: [{ type: 'text', text: 'orphan' }] }] },
      ];
      writeFileSync(join(dir, 'api_conversation_history.json'), JSON.stringify(odd));
      const [t] = loadTraceFile(join(dir, 'api_conversation_history.json')).traces;
      assert.deepEqual(t.steps.map(brief), ['message:task: hi:ok', 'llm:assistant:ok', 'tool:read_file:unset', 'llm:assistant:ok', 'tool:tool:unset', 'tool:tool:ok']);
      assert.deepEqual(t.steps[2].toolCall?.arguments, { path: 'a' });
      assert.equal(t.steps[5].attributes.callNotInFile, true);
    });
  });
});
