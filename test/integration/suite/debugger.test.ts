/**
 * The trace debugger in real VS Code (issue 12): a launch from the trace editor with no trace in
 * the configuration (what F5 does) debugs the trace shown and stops on entry; a TRAIL category
 * filter stops at the failing tool call with the agent nesting as the stack; step back, over, out
 * and in move as specified; the trace editor open on the file selects every step the debugger
 * stops at, and a step the user reaches in the trace editor moves the debugger there. Every wait
 * is on an event (the adapter's agentTraceStep, the page's answer), never a fixed sleep. A large
 * launch shows its progress, and a Stop while it loads ends the session before any stop.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TraceEditorHandle } from '../../../src/host/editor';
import { benchTraceText } from '../../support/bench-traces';
import { activatedExtension, closeClean, sharedTrace, VIEW_TYPE, waitFor } from './helpers';

/** The TRAIL (GAIA) trace the DAP unit test uses: a PageDownTool call fails (TRAIL "Tool-related"). */
const TRAIL_DEBUG_TRACE = ['trail', 'GAIA', 'traces', '2cb6924caac94b32d2bf4b40bdf4ab51.json'];

interface StepEvent { file: string; traceIndex: number; stepId: string; position: number; reason: string }
interface Frame { id: number; name: string; line: number; source?: { path?: string } }

/** Every agentTraceStep event of agent-trace sessions, in order; `next()` waits for the one after those seen. */
class StepEvents implements vscode.Disposable {
  readonly seen: StepEvent[] = [];
  private taken = 0;
  private readonly sub = vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
    if (e.session.type === 'agent-trace' && e.event === 'agentTraceStep') this.seen.push(e.body as StepEvent);
  });

  async next(what: string): Promise<StepEvent> {
    const i = this.taken++;
    return waitFor(`the debugger to stop (${what})`, () => this.seen[i]);
  }

  /** Run `move` and return the stop it causes. */
  async after(what: string, move: () => Thenable<unknown>): Promise<StepEvent> {
    const stop = this.next(what);
    await move();
    return stop;
  }

  dispose(): void {
    this.sub.dispose();
  }
}

/** The editor groups and their tabs, for failure messages (`*` the active tab). */
function tabsShown(): string {
  return vscode.window.tabGroups.all.map((g) => `[${g.viewColumn}${g.isActive ? ' active' : ''}: ${g.tabs.map((t) => `${t.isActive ? '*' : ''}${t.label}${t.input instanceof vscode.TabInputCustom ? ' (custom)' : t.input instanceof vscode.TabInputText ? ' (text)' : ''}`).join(', ')}]`).join(' ');
}

export function registerDebuggerTests(): void {
  suite('trace debugger in VS Code', () => {
    let events: StepEvents;
    setup(() => { events = new StepEvents(); });
    teardown(async () => {
      events.dispose();
      if (vscode.debug.activeDebugSession) {
        const ended = new Promise<void>((resolve) => { const s = vscode.debug.onDidTerminateDebugSession(() => { s.dispose(); resolve(); }); });
        await vscode.debug.stopDebugging();
        await ended;
      }
      await closeClean();
    });

    async function openTraceEditor(uri: vscode.Uri): Promise<TraceEditorHandle> {
      const { api } = await activatedExtension();
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      const editor = await waitFor('the trace editor on the TRAIL trace', () => api.traceEditor()?.editorsFor(uri)[0]);
      await waitFor('the trace editor to list steps', async () => ((await editor.getState(5000)).totalRows > 0 ? true : undefined));
      return editor;
    }

    async function selected(editor: TraceEditorHandle, stepId: string, what: string): Promise<void> {
      let last: string | null | undefined;
      try {
        await waitFor(`the trace editor to select ${what}`, async () => {
          last = (await editor.getState(5000)).selectedId;
          return last === stepId ? true : undefined;
        });
      } catch (e) {
        assert.fail(`the trace editor selects ${JSON.stringify(last)}, expected ${what} (${stepId}); ${e instanceof Error ? e.message : String(e)}; tabs: ${tabsShown()}`);
      }
    }

    async function stack(session: vscode.DebugSession): Promise<Frame[]> {
      const r = await session.customRequest('stackTrace', { threadId: 1 }) as { stackFrames: Frame[] };
      return r.stackFrames;
    }

    test('F5 in the trace editor stops on entry, a TRAIL category breaks on the failure, steps move both ways, and the trace editor follows', async () => {
      const { extension } = await activatedExtension();
      const uri = sharedTrace(extension.extensionPath, TRAIL_DEBUG_TRACE);
      const editor = await openTraceEditor(uri);

      // No trace in the configuration: the provider takes the trace editor's file (F5 with a launch.json entry missing it).
      const entry = events.next('on entry');
      assert.equal(await vscode.debug.startDebugging(undefined, { type: 'agent-trace', request: 'launch', name: 'F5 on a TRAIL trace', taxonomy: 'trail' }), true);
      const session = vscode.debug.activeDebugSession;
      assert.equal(session?.type, 'agent-trace');
      assert.equal(session.configuration.trace, uri.fsPath, 'the trace editor\'s file was filled in');
      assert.equal(session.configuration.stopOnEntry, true);
      const first = await entry;
      assert.equal(first.reason, 'entry');
      assert.equal(first.position, 0);
      assert.equal(first.file, uri.fsPath);
      await selected(editor, first.stepId, 'the entry step');

      const filters = await session.customRequest('setExceptionBreakpoints', { filters: [], filterOptions: [{ filterId: 'Tool-related' }] }) as { breakpoints: { verified: boolean }[] };
      assert.deepEqual(filters.breakpoints.map((b) => b.verified), [true]);
      const failure = await events.after('on the Tool-related failure', () => session.customRequest('continue', { threadId: 1 }));
      assert.equal(failure.reason, 'exception');
      const frames = await stack(session);
      assert.match(frames[0].name, /^tool PageDownTool$/);
      // In code-server the path comes back as the remote URI (vscode-remote://host/path).
      assert.ok(frames[0].source?.path?.endsWith(uri.path), `the frame is in the raw trace file (${frames[0].source?.path})`);
      assert.ok(frames[0].line > 1, `at the step's line (${frames[0].line})`);
      assert.equal(frames.at(-1)?.name, 'other main', 'the root agent last');
      const info = await session.customRequest('exceptionInfo', { threadId: 1 }) as { exceptionId: string };
      assert.equal(info.exceptionId, 'Tool-related');
      await selected(editor, failure.stepId, 'the failing tool call');

      const back = await events.after('after step back', () => session.customRequest('stepBack', { threadId: 1 }));
      assert.equal(back.reason, 'step');
      assert.match((await stack(session))[0].name, /^llm /, 'step back: the model call that decided the failing call');
      await selected(editor, back.stepId, 'the model call');

      const over = await events.after('after step over', () => session.customRequest('next', { threadId: 1 }));
      assert.equal(over.stepId, failure.stepId, 'step over: onto the failing call again');
      assert.equal(over.reason, 'exception');

      const out = await events.after('after step out', () => session.customRequest('stepOut', { threadId: 1 }));
      const outFrames = await stack(session);
      assert.match(outFrames[0].name, /^agent /, 'out of the turn: the next turn');
      assert.equal(outFrames[1].id, frames[2].id, 'the next turn is a sibling of the one stepped out of');
      await selected(editor, out.stepId, 'the next turn');

      const into = await events.after('after step in', () => session.customRequest('stepIn', { threadId: 1 }));
      const inFrames = await stack(session);
      assert.equal(inFrames[1].id, outFrames[0].id, 'step in: a child of the turn');
      await selected(editor, into.stepId, 'the turn\'s first child');
    });

    test('F5 on a trace open as text debugs it (the configuration provider takes the text editor\'s file)', async () => {
      const { extension } = await activatedExtension();
      const uri = sharedTrace(extension.extensionPath, TRAIL_DEBUG_TRACE);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const entry = events.next('on entry');
      assert.equal(await vscode.debug.startDebugging(undefined, { type: 'agent-trace', request: 'launch', name: 'F5 on the raw trace' }), true);
      const session = vscode.debug.activeDebugSession!;
      assert.equal(session.configuration.trace, uri.fsPath);
      const first = await entry;
      assert.equal(first.reason, 'entry');
      const frames = await stack(session);
      assert.equal(frames.length, 1, 'on entry: the root step');
      assert.ok(frames[0].source?.path?.endsWith(uri.path), `in the raw file (${frames[0].source?.path})`);
    });

    test('a step the user reaches in the trace editor moves the debugger there', async () => {
      const { extension } = await activatedExtension();
      const uri = sharedTrace(extension.extensionPath, TRAIL_DEBUG_TRACE);
      const editor = await openTraceEditor(uri);
      const entry = events.next('on entry');
      assert.equal(await vscode.commands.executeCommand('agentTraceDebugger.debugTrace', uri), true);
      const session = vscode.debug.activeDebugSession!;
      assert.equal(session.configuration.taxonomy, 'default', 'the taxonomy setting');
      await selected(editor, (await entry).stepId, 'the entry step');

      // "Go to Next Failure" in the trace editor is the user's own move (n, F8): the debugger follows it.
      const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString());
      assert.ok(tab, `a trace editor tab (${tabsShown()})`);
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE, { viewColumn: tab.group.viewColumn });
      const moved = await events.after('at the failure picked in the trace editor', () => vscode.commands.executeCommand('agentTraceDebugger.nextFailure'))
        .catch(async (e: unknown) => assert.fail(`${e instanceof Error ? e.message : String(e)}; the trace editor selects ${(await editor.getState(5000).catch(() => undefined))?.selectedId}; tabs: ${tabsShown()}`));
      assert.equal(moved.reason, 'goto');
      // VS Code shows the stop's source in the group used last, the trace editor's: the raw text moves beside it, and the trace editor shows again at that step.
      await selected(editor, moved.stepId, 'the step the debugger moved to');
      assert.ok(vscode.window.tabGroups.all.some((g) => g.activeTab?.input instanceof vscode.TabInputCustom && g.activeTab.input.uri.toString() === uri.toString()), `the trace editor is in view (${tabsShown()})`);
      assert.notEqual(moved.position, 0);
      const frames = await stack(session);
      assert.equal(frames[0].id, moved.position + 1);
    });

    test('Tag This Step As… tags the stopped step as an undoable edit of the open trace editor', async () => {
      const { extension } = await activatedExtension();
      // A copy: a tag must never reach ../shared (a save would write the sidecar beside the trace).
      const dir = mkdtempSync(join(tmpdir(), 'atd-debugger-tag-'));
      const uri = vscode.Uri.file(join(dir, 'trail.json'));
      copyFileSync(sharedTrace(extension.extensionPath, TRAIL_DEBUG_TRACE).fsPath, uri.fsPath);
      try {
        await tagFromTheDebugger(uri);
        assert.equal(existsSync(`${uri.fsPath}.annotations.json`), false, 'nothing saved: the tag is an unsaved edit');
        await closeClean();
        assert.equal(existsSync(`${uri.fsPath}.annotations.json`), false, 'closing reverted the unsaved tag (nothing saved)');
      } finally {
        await closeClean();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a large launch stops on entry while the rest of the run is read, its progress going on; Stop then ends the session and the read', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'atd-debugger-load-'));
      // 85 MB: seconds to read in the document worker, its first steps in a fraction of that.
      const file = join(dir, 'large.trace.jsonl');
      writeFileSync(file, benchTraceText('jsonl', 60_000));
      const sent: string[] = [];
      const tracker = vscode.debug.registerDebugAdapterTrackerFactory('agent-trace', {
        createDebugAdapterTracker: () => ({
          onDidSendMessage: (m: { type: string; event?: string; command?: string; success?: boolean; body?: { message?: string; title?: string; reason?: string } }) => {
            sent.push(m.type === 'event' ? `event ${m.event}${m.body?.title ? ` ${m.body.title}` : ''}${m.event === 'progressEnd' && m.body?.message ? ` ${m.body.message}` : ''}${m.event === 'stopped' ? ` ${m.body?.reason}` : ''}` : `${m.type} ${m.command} ${m.success}`);
          },
        }),
      });
      const ended = new Promise<void>((resolve) => { const sub = vscode.debug.onDidTerminateDebugSession(() => { sub.dispose(); resolve(); }); });
      try {
        const started = await vscode.debug.startDebugging(undefined, { type: 'agent-trace', request: 'launch', name: 'a large trace', trace: file });
        assert.equal(started, true);
        await waitFor('the entry stop', () => sent.find((m) => m === 'event stopped entry'));
        assert.ok(sent.includes('event progressStart Loading large.trace.jsonl'), sent.join('; '));
        assert.ok(!sent.some((m) => m.startsWith('event progressEnd')), `stopped on entry while the run is still read: ${sent.join('; ')}`);
        // The first steps answer as any stop's: the call stack shows the entry step.
        const session = vscode.debug.activeDebugSession!;
        const stack = await session.customRequest('stackTrace', { threadId: 1 }) as { stackFrames: { name: string }[] };
        assert.equal(stack.stackFrames[0].name, 'agent research_agent');
        await vscode.debug.stopDebugging();
        await ended;
        assert.ok(sent.includes('event progressEnd cancelled'), `the progress ended as cancelled: ${sent.join('; ')}`);
        assert.ok(sent.includes('event terminated'), sent.join('; '));
        assert.deepEqual(sent.filter((m) => m.startsWith('event stopped')), ['event stopped entry'], 'nothing moved after the Stop');
      } finally {
        tracker.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    async function tagFromTheDebugger(uri: vscode.Uri): Promise<void> {
      await openTraceEditor(uri);
      const entry = events.next('on entry');
      assert.equal(await vscode.commands.executeCommand('agentTraceDebugger.debugTrace', uri), true);
      const session = vscode.debug.activeDebugSession!;
      await entry;
      await session.customRequest('setExceptionBreakpoints', { filters: [], filterOptions: [{ filterId: 'all' }] });
      const failure = await events.after('on the first failure', () => session.customRequest('continue', { threadId: 1 }));
      // The call stack's context menu passes the frame's source; the command tags the focused frame's step: wait until VS Code focuses the new top frame.
      await waitFor('VS Code to focus the failing frame', () => {
        const item = vscode.debug.activeStackItem;
        return item instanceof vscode.DebugStackFrame && item.frameId === failure.position + 1 ? true : undefined;
      });
      const outcome = await vscode.commands.executeCommand<{ via: string; annotations: unknown } | undefined>('agentTraceDebugger.tagStepFromDebugger', { category: 'TOOL.RUNTIME', impact: 'HIGH', description: 'from the debugger' });
      assert.equal(outcome?.via, 'document', 'an edit of the open trace editor (undoable, the tab turns dirty)');
      const snapshot = await vscode.commands.executeCommand<{ dirty: boolean; sidecar: { errors: { location: string; category: string; description?: string }[] } }>('agentTraceDebugger.test.getAnnotations', uri);
      assert.equal(snapshot.dirty, true, `the trace editor's document has the unsaved tag: ${JSON.stringify({ outcome, snapshot }).slice(0, 1500)}`);
      assert.ok(snapshot.sidecar.errors.some((t) => t.location === failure.stepId && t.category === 'TOOL.RUNTIME' && t.description === 'from the debugger'),
        `a TOOL.RUNTIME tag on ${failure.stepId}: ${JSON.stringify(snapshot.sidecar.errors.slice(-3))}`);
    }
  });
}
