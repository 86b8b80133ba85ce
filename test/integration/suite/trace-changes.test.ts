/**
 * A trace that changes on disk while the trace editor shows it: a line appended by the agent shows
 * up without reopening, and a rewrite is read again with the selection kept on its step (by its
 * stable id) and the tags still on it. A file that another process keeps writing to is followed
 * live: every step in order, none twice, the newest selected, a torn line waited for.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { BENCH_TRACE_ID, benchOtlpNextTurnLines, benchTraceText, writeBenchTrace } from '../../support/bench-traces';
import { claudeCodeSessionWithSubagent, writeSessionWrite } from '../../support/claude-code-session';
import type { Step } from '../../../src/core/model/schema';
import { activatedExtension, closeAllEditors, VIEW_TYPE, waitFor, webviewState } from './helpers';

const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'live', title: 'a live run' });
const step = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'step', id, kind: 'tool', name: `call ${id}`, ...extra });
const lines = (...l: string[]): string => [header, ...l].join('\n') + '\n';

/**
 * Another process writing like a running agent: `count` steps at `perSecond`, one line per write,
 * except step `torn`, whose line is written in two halves a tick apart.
 */
const WRITER = `
const { appendFileSync } = require('node:fs');
const [file, count, perSecond, torn] = process.argv.slice(1).map((a, i) => (i ? Number(a) : a));
let i = 1;
let rest = '';
const timer = setInterval(() => {
  if (i > count) { if (rest) appendFileSync(file, rest); clearInterval(timer); return; }
  const line = JSON.stringify({ type: 'step', id: 'w' + i, kind: 'tool', name: 'write ' + i }) + '\\n';
  if (i === torn) { appendFileSync(file, rest + line.slice(0, 20)); rest = line.slice(20); }
  else { appendFileSync(file, rest + line); rest = ''; }
  process.stdout.write(i + ' ' + Date.now() + '\\n');
  i++;
}, 1000 / perSecond);
`;

export function registerTraceChangesTests(): void {
  suite('a trace that changes on disk', () => {
    let dir: string;
    suiteSetup(() => { dir = mkdtempSync(join(tmpdir(), 'atd-live-')); });
    suiteTeardown(async () => {
      await closeAllEditors();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a line appended to the file appears without reopening it', async () => {
      await activatedExtension();
      const file = join(dir, 'appended.trace.jsonl');
      writeFileSync(file, lines(step('s1'), step('s2'), step('s3')));
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      await waitFor('3 rows', async () => ((await webviewState())?.totalRows === 3 ? true : undefined));
      appendFileSync(file, step('s4', { status: 'error', error: { message: 'tool crashed' } }) + '\n');
      await waitFor('the appended step as a 4th row', async () => ((await webviewState())?.totalRows === 4 ? true : undefined));
    });

    test('a Claude Code reply continued on the next line shows its tool call in place; its result adds the tool step', async () => {
      const { api } = await activatedExtension();
      const file = join(dir, 'session.jsonl');
      const line = (o: Record<string, unknown>): string => JSON.stringify({ sessionId: 'live-session', timestamp: '2026-01-01T00:00:00Z', ...o });
      writeFileSync(file, [
        line({ parentUuid: null, type: 'user', uuid: 'u1', message: { role: 'user', content: 'find the failing test' } }),
        line({ parentUuid: 'u1', type: 'assistant', uuid: 'a1', message: { id: 'msg_1', role: 'assistant', model: 'claude-test', content: [{ type: 'text', text: 'Let me search.' }] } }),
      ].join('\n') + '\n');
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      await waitFor('2 rows', async () => ((await webviewState())?.totalRows === 2 ? true : undefined));
      assert.equal(api.traceEditor()?.activeEditor?.selectStep('a1'), true);
      await waitFor('the reply selected', async () => ((await webviewState())?.detailsText?.includes('Let me search.') ? true : undefined));
      // Claude Code writes the reply's next content block as its own line, with the same message id.
      appendFileSync(file, line({ parentUuid: 'a1', type: 'assistant', uuid: 'a2', message: { id: 'msg_1', role: 'assistant', model: 'claude-test', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Grep', input: { pattern: 'needle-in-place' } }] } }) + '\n');
      const grown = await waitFor('the selected reply shows its tool call', async () => {
        const s = await webviewState();
        return s?.detailsText?.includes('needle-in-place') ? s : undefined;
      });
      assert.equal(grown.totalRows, 2, 'the same two rows: the reply changed in place');
      assert.equal(grown.selectedId, 'a1', 'still selected');
      appendFileSync(file, line({ parentUuid: 'a2', type: 'user', uuid: 'u2', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'grep: tests/: No such file or directory', is_error: true }] } }) + '\n');
      await waitFor('the tool step as a third row', async () => ((await webviewState())?.totalRows === 3 ? true : undefined));
      assert.deepEqual(api.traceEditor()?.activeEditor?.document.file.traces[0].steps.map((st) => [st.id, st.status]), [['u1', 'ok'], ['a1', 'ok'], ['toolu_1', 'error']]);
    });

    test('a Codex CLI rollout followed live: a call shows its failed output in place when the output line comes, then the next turn', async () => {
      const { api, extension } = await activatedExtension();
      const fixture = readFileSync(join(extension.extensionPath, 'test', 'fixtures', 'codex-cli', 'failing-exec.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
      const file = join(dir, 'rollout-live.jsonl');
      // Up to the test command's call and its token count: the call has no output yet.
      writeFileSync(file, fixture.slice(0, 10).map((l) => `${l}\n`).join(''));
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      const opened = await waitFor('the call pending', async () => {
        const s = await webviewState();
        return s && s.totalRows > 0 ? s : undefined;
      });
      const editor = api.traceEditor()?.activeEditor;
      const status = (): string | undefined => editor?.document.file.traces[0].steps.find((st) => st.id === 'call_test')?.status;
      assert.equal(status(), 'unset');
      assert.equal(editor?.selectStep('call_test'), true);
      // Its result and the output line the model was given.
      appendFileSync(file, fixture.slice(10, 12).map((l) => `${l}\n`).join(''));
      const failed = await waitFor('the call failed in place', async () => {
        const s = await webviewState();
        return status() === 'error' && s?.detailsText?.includes('exit code 1') ? s : undefined;
      });
      assert.equal(failed.selectedId, 'call_test', 'still selected');
      assert.equal(failed.totalRows, opened.totalRows, 'the same rows: the call changed in place');
      // The rest of the rollout, in one write: its later steps follow.
      appendFileSync(file, fixture.slice(12).map((l) => `${l}\n`).join(''));
      await waitFor('the rest of the rollout', async () => ((await webviewState())?.totalRows ?? 0) > opened.totalRows + 3 ? true : undefined);
      assert.equal(status(), 'error');
    });

    test('a live Claude Code session shows its sub-agent\'s steps as the agent writes its own file, under the Task call once its result comes', async () => {
      const { api } = await activatedExtension();
      const stem = 'live-subagent';
      const file = join(dir, `${stem}.jsonl`);
      const writes = claudeCodeSessionWithSubagent(6, 4, stem);
      const task = writes.findIndex((w) => w.line.includes('"name":"Task"'));
      writeFileSync(file, writes.slice(0, task + 1).map((w) => `${w.line}\n`).join(''));
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      await waitFor('the session up to its Task call', async () => ((await webviewState())?.totalRows ?? 0) > 0 ? true : undefined);
      const steps = (): Step[] => api.traceEditor()?.activeEditor?.document.file.traces[0]?.steps ?? [];
      const agentSteps = (): Step[] => { const agent = steps().find((st) => st.kind === 'agent'); return agent ? steps().filter((st) => st.parentId === agent.id) : []; };
      // The agent's messages, each in its own file and then logged in the session, a few at a time.
      const result = writes.findIndex((w) => w.line.includes('task-result-'));
      let messages = 0;
      for (const w of writes.slice(task + 1, result)) {
        writeSessionWrite(file, w);
        if (w.file.endsWith('.jsonl')) messages++;
        // Each session line reads the agent's file again: its messages so far show.
        if (!w.file) await waitFor(`the sub-agent's ${messages} messages`, () => (agentSteps().length === messages ? true : undefined));
      }
      assert.equal(messages, 6);
      assert.ok(agentSteps().some((st) => st.status === 'error'), 'its failed call shows');
      // The Task's result: the agent goes under it.
      appendFileSync(file, writes.slice(result).filter((w) => !w.file).map((w) => `${w.line}\n`).join(''));
      await waitFor('the agent under its Task call', () => {
        const agent = steps().find((st) => st.kind === 'agent');
        return agent && steps().find((st) => st.id === agent.parentId)?.name === 'Task' ? true : undefined;
      });
      assert.equal(agentSteps().length, 6);
    });

    test('a file another process writes to is followed live: every step in order, none twice, the newest selected; a truncation reloads', async function () {
      this.timeout(120_000);
      const { api } = await activatedExtension();
      const file = join(dir, 'followed.trace.jsonl');
      writeFileSync(file, lines(step('w0')));
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      await waitFor('1 row', async () => ((await webviewState())?.totalRows === 1 ? true : undefined));
      // 200 steps at 50 a second: four seconds of a fast agent's writes, with the torn line (123) in them.
      const count = 200;
      const writer = spawn(process.execPath, ['-e', WRITER, file, String(count), '50', '123'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      let writerErrors = '';
      writer.stderr.on('data', (d: Buffer) => { writerErrors += d.toString(); });
      // While it writes: live, Follow on by itself, the rows only grow, and the newest step is
      // selected. The editor is sampled as the writer reports its progress (every 5th step,
      // skipped while a sample is still on its way), and each step's write time is kept to
      // report (not assert: the machine may be busy) how soon it showed.
      const seen: { rows: number; selected: string | null; follow?: boolean; at: number }[] = [];
      const writtenAt = new Map<number, number>();
      let sampling = Promise.resolve();
      let sampleInFlight = false;
      const sample = async (): Promise<void> => {
        const s = await webviewState();
        if (s) seen.push({ rows: s.totalRows, selected: s.selectedId, follow: s.follow, at: Date.now() });
      };
      let out = '';
      writer.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const lines = out.split('\n');
        out = lines.pop() ?? '';
        for (const l of lines) {
          const [n, t] = l.split(' ').map(Number);
          writtenAt.set(n, t);
          if (n % 5 === 0 && !sampleInFlight) {
            sampleInFlight = true;
            sampling = sample().finally(() => { sampleInFlight = false; });
          }
        }
      });
      const written = new Promise<number | null>((resolve) => writer.on('exit', resolve));
      assert.equal(await written, 0, `the writer failed: ${writerErrors}`);
      await sampling;
      const last = await waitFor('every written step shown, the last selected', async () => {
        const s = await webviewState();
        return s?.totalRows === count + 1 && s.selectedId === `w${count}` ? s : undefined;
      });
      assert.equal(last.live, true);
      assert.equal(last.follow, true, 'Follow came on by itself while the file grew');
      assert.equal(last.lastRowInView, true);
      const ids = api.traceEditor()?.activeEditor?.document.file.traces[0].steps.map((st) => st.id);
      assert.deepEqual(ids, Array.from({ length: count + 1 }, (_, i) => `w${i}`), 'every step once, in the order written (the torn line included)');
      const growing = seen.filter((s) => s.rows > 1);
      assert.ok(growing.length >= 5, `the editor showed the file growing (${growing.length} samples while it was written)`);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i].rows >= seen[i - 1].rows, `rows never went back (${seen[i - 1].rows} then ${seen[i].rows})`);
      for (const s of growing.filter((g) => g.follow)) assert.equal(s.selected, `w${s.rows - 1}`, 'with Follow on, the newest step is the selected one');
      const lags = growing.map((g) => g.at - (writtenAt.get(g.rows - 1) ?? g.at)).sort((a, b) => a - b);
      console.log(`[live] ${growing.length} samples: a step showed ${lags[Math.floor(lags.length / 2)]} ms (median), ${lags[Math.floor(lags.length * 0.95)]} ms (p95) after it was written, at most (sampled every 5th write)`);
      assert.match(api.traceEditor()?.liveStatusText ?? '', new RegExp(`Live: ${(count + 1).toLocaleString()} steps, last write`));

      // A truncation (the log rotated) is read again from the start.
      writeFileSync(file, lines(step('r1'), step('r2')));
      await waitFor('the truncated file read again', async () => ((await webviewState())?.totalRows === 2 ? true : undefined));
      assert.deepEqual(api.traceEditor()?.activeEditor?.document.file.traces[0].steps.map((st) => st.id), ['r1', 'r2']);
    });

    test('a rewrite is read again: the selected step stays selected at its new place, with its tag', async () => {
      const { api } = await activatedExtension();
      const file = join(dir, 'rewritten.trace.jsonl');
      writeFileSync(file, lines(step('s1'), step('s2'), step('s3')));
      writeFileSync(`${file}.annotations.json`, JSON.stringify({ version: 1, errors: [{ location: 's2', category: 'TOOL.RUNTIME', impact: 'LOW', source: 'human' }] }));
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      await waitFor('3 rows', async () => ((await webviewState())?.totalRows === 3 ? true : undefined));
      assert.equal(api.traceEditor()?.activeEditor?.selectStep('s2'), true);
      const before = await waitFor('s2 selected', async () => { const s = await webviewState(); return s?.selectedId === 's2' ? s : undefined; });
      assert.equal(before.selectedIndex, 1);
      assert.deepEqual(before.selectedTags, ['TOOL.RUNTIME']);
      writeFileSync(file, lines(step('s0'), step('a'), step('s1'), step('s2'), step('s3')));
      const after = await waitFor('the rewrite read again', async () => { const s = await webviewState(); return s?.totalRows === 5 && s.selectedId === 's2' ? s : undefined; });
      assert.equal(after.selectedIndex, 3, 's2 moved from row 2 to row 4');
      assert.deepEqual(after.selectedTags, ['TOOL.RUNTIME'], 'the tag is still on s2');
    });

    test('a large live OpenTelemetry trace follows its next lines: the calls show, then their turn, written after them, takes its place before them', async () => {
      const { api } = await activatedExtension();
      const file = join(dir, 'live.otlp.trace.jsonl');
      // Over 4 MB of OTLP JSON lines, its spans written as they end (a batch exporter's): read in two passes, then read on.
      await writeBenchTrace(file, 'otlp-lines', 2_600);
      assert.ok(statSync(file).size > 4 * 1024 * 1024, 'large enough to stream');
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      const steps = () => api.traceEditor()?.activeEditor?.document.file.traces[0]?.steps ?? [];
      await waitFor('every span read', async () => { const s = await webviewState(); return s && !s.reading && s.totalRows === 2_600 ? true : undefined; });
      const [calls, turn] = benchOtlpNextTurnLines(BENCH_TRACE_ID, 0);
      appendFileSync(file, calls);
      await waitFor('the two calls as rows', async () => ((await webviewState())?.totalRows === 2_602 ? true : undefined));
      appendFileSync(file, turn);
      await waitFor('their turn as a row', async () => ((await webviewState())?.totalRows === 2_603 ? true : undefined));
      const ids = steps().map((st) => st.id);
      const [turnId, chatId, toolId] = ['ffff000000000000', 'ffff000000000001', 'ffff000000000002'];
      assert.deepEqual([ids.indexOf(turnId), ids.indexOf(chatId), ids.indexOf(toolId)], [2_600, 2_601, 2_602], 'the turn before its calls, at the end of the run');
      assert.deepEqual(steps().slice(2_600).map((st) => st.parentId), ['0000000000000001', turnId, turnId], 'the calls under their turn, the turn under the root');
    });

    test('a large file written over in place and grown in one write: the step no longer on its line reads the file again, and shows as it is', async () => {
      const { api } = await activatedExtension();
      const file = join(dir, 'streamed.trace.jsonl');
      // Over 4 MB: streamed, its steps held without their payloads (read back from their lines).
      const all = benchTraceText('jsonl', 4_000, 5).split('\n').filter((l) => l !== '');
      writeFileSync(file, all.slice(0, 3_600).join('\n') + '\n');
      assert.ok(statSync(file).size > 4 * 1024 * 1024, 'large enough to stream');
      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      const steps = (): number | undefined => api.traceEditor()?.activeEditor?.document.file.traces[0]?.steps.length;
      await waitFor('every step read', async () => { const s = await webviewState(); return s && !s.reading && steps() === 3_599 ? true : undefined; });
      // A tool step renamed in place (as long as before) and the next steps appended, in one write:
      // the first bytes and the last line read are as they were, so it is read as an append.
      const tool = '"kind":"tool","name":"web_search"';
      const at = all.findIndex((l, i) => i > 8 && l.includes(tool));
      const id = (JSON.parse(all[at]) as { id: string }).id;
      const edited = all.map((l, i) => (i === at ? l.replace(tool, '"kind":"tool","name":"web_seerch"') : l));
      writeFileSync(file, edited.join('\n') + '\n');
      await waitFor('the appended steps', async () => (steps() === 4_000 ? true : undefined));
      assert.equal(api.traceEditor()?.activeEditor?.selectStep(id), true);
      // Its line is no longer the step shown: read again from the start, the step shows its new name.
      const shown = await waitFor('the renamed step shown as it is now', async () => {
        const s = await webviewState();
        return s?.selectedId === id && s.detailsTitle === 'web_seerch' && !s.detailsError ? s : undefined;
      });
      assert.equal(shown.totalRows, 4_000);
    });
  });
}
