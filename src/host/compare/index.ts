/**
 * "Agent Trace: Compare Traces…": two runs (two files, or two runs of one file) aligned on their
 * actions in the trace worker (src/core/compare), shown side by side in two Trace Debugger
 * editors that land on the first divergence; "Next/Previous Difference" (Alt+F5 / Shift+Alt+F5,
 * as in VS Code's diff editor) move both to the next pair that is not the same, and a status bar
 * item says where you are. The dedicated side-by-side view (issue 14 section 4) comes later.
 */
import * as vscode from 'vscode';
import type { TraceWorkerClient } from '../../core/engine/worker/client';
import type { CompareResult } from '../../core/engine/worker/jobs';
import { parseQuery } from '../../core/workspace/query';
import { waitForTraceEditor } from '../commands';
import type { TraceEditorHandle } from '../editor';
import { COMMANDS, TRACE_EDITOR_VIEW_TYPE } from '../ids';
import { maxUnzippedBytes } from '../settings';
import { withoutIcons } from '../plain-text';
import type { TraceQueryService } from '../query/service';

/** One side of a comparison: a file and the run's position in it. */
export interface CompareSide {
  uri: vscode.Uri;
  traceIndex: number;
}

export interface CompareTracesResult {
  /** Why the runs could not be compared (one line), if they could not. */
  error?: string;
  firstDivergence?: { a: number | null; b: number | null } | null;
  differences?: number;
}

interface Session {
  result: CompareResult;
  /** Positions in `result.pairs` of the pairs that are not `same`. */
  differences: number[];
  /** Which of `differences` is shown. */
  current: number;
  editors: [TraceEditorHandle | undefined, TraceEditorHandle | undefined];
  sides: [CompareSide, CompareSide];
}

export function activateCompare(context: vscode.ExtensionContext, worker: TraceWorkerClient, queries: TraceQueryService): void {
  let session: Session | undefined;
  const item = vscode.window.createStatusBarItem('agentTraceDebugger.compare', vscode.StatusBarAlignment.Left, 99);
  item.name = vscode.l10n.t('Agent Trace: Compare Traces');
  item.command = COMMANDS.nextDifference;
  const setSession = (s: Session | undefined): void => {
    session = s;
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.comparing', s !== undefined);
    render();
  };
  const render = (): void => {
    if (!session || session.differences.length === 0) { item.hide(); return; }
    const pair = session.result.pairs[session.differences[session.current]];
    const what = pair.kind === 'changed' ? vscode.l10n.t('changed ({0})', (pair.fields ?? []).join(', ')) : pair.kind === 'inserted' ? vscode.l10n.t('only in the second run') : vscode.l10n.t('only in the first run');
    item.text = `$(git-compare) ${vscode.l10n.t('Difference {0} of {1}: {2}', session.current + 1, session.differences.length, what)}`;
    item.tooltip = vscode.l10n.t('Comparing "{0}" with "{1}". Next difference: Alt+F5 (or click); previous: Shift+Alt+F5.', session.result.titles[0], session.result.titles[1]);
    item.show();
  };
  const move = (delta: 1 | -1): void => {
    if (!session) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: compare two traces first (Agent Trace: Compare Traces…).'));
      return;
    }
    if (session.differences.length === 0) return;
    session.current = (session.current + delta + session.differences.length) % session.differences.length;
    show(session);
    render();
  };
  context.subscriptions.push(
    item,
    { dispose: () => setSession(undefined) },
    vscode.commands.registerCommand(COMMANDS.compareTraces, async (a?: CompareSide, b?: CompareSide): Promise<CompareTracesResult | undefined> => {
      const sides = a && b ? [a, b] as [CompareSide, CompareSide] : await pickSides(queries);
      if (!sides) return undefined;
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Comparing traces…') }, () => worker.run('compareTraces', {
        a: { path: sides[0].uri.fsPath, traceIndex: sides[0].traceIndex },
        b: { path: sides[1].uri.fsPath, traceIndex: sides[1].traceIndex },
        maxUnzippedBytes: maxUnzippedBytes(),
      }));
      if ('refused' in result) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: cannot compare: {0}', result.refused));
        return { error: result.refused };
      }
      const differences = result.pairs.flatMap((p, i) => (p.kind === 'same' ? [] : [i]));
      const s: Session = { result, differences, current: 0, editors: [undefined, undefined], sides };
      s.editors[0] = await openSide(sides[0], vscode.ViewColumn.One);
      s.editors[1] = await openSide(sides[1], vscode.ViewColumn.Two);
      setSession(s);
      if (differences.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: the two runs did the same thing, step for step ({0} steps).', result.pairs.length));
      } else {
        // Land on the first different action when there is one: runs of one task often differ
        // first only in how a simulated user words a message.
        const landing = result.firstActionDivergence ?? result.firstDivergence;
        s.current = Math.max(0, differences.indexOf(landing?.pair ?? differences[0]));
        show(s);
        render();
      }
      return { firstDivergence: result.firstDivergence && { a: result.firstDivergence.a, b: result.firstDivergence.b }, differences: differences.length };
    }),
    // The comparison ends when both of its editors are closed.
    vscode.window.tabGroups.onDidChangeTabs(() => {
      if (!session) return;
      const shown = new Set(session.sides.map((side) => side.uri.toString()));
      const open = vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputCustom && shown.has(t.input.uri.toString())));
      if (!open) setSession(undefined);
    }),
    vscode.commands.registerCommand(COMMANDS.nextDifference, () => move(1)),
    vscode.commands.registerCommand(COMMANDS.previousDifference, () => move(-1)),
  );
}

/** Select the current difference's steps in both editors (a step only one run has moves that side only). */
function show(s: Session): void {
  const pair = s.result.pairs[s.differences[s.current]];
  if (pair.aStepId) s.editors[0]?.selectStep(pair.aStepId, s.sides[0].traceIndex);
  if (pair.bStepId) s.editors[1]?.selectStep(pair.bStepId, s.sides[1].traceIndex);
}

async function openSide(side: CompareSide, viewColumn: vscode.ViewColumn): Promise<TraceEditorHandle | undefined> {
  await vscode.commands.executeCommand('vscode.openWith', side.uri, TRACE_EDITOR_VIEW_TYPE, { viewColumn, preview: false });
  return waitForTraceEditor(side.uri);
}

interface SideItem extends vscode.QuickPickItem {
  side: CompareSide;
}

/** Two runs from the workspace's traces (the Agent Traces view's files), one after the other. */
async function pickSides(queries: TraceQueryService): Promise<[CompareSide, CompareSide] | undefined> {
  const cancel = new vscode.CancellationTokenSource();
  const all = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Listing traces…') }, () => queries.run(parseQuery(''), cancel.token));
  if (all.matches.length < 2) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: the workspace has fewer than two traces to compare.'));
    return undefined;
  }
  const items: SideItem[] = all.matches.map((m) => {
    const file = vscode.workspace.asRelativePath(m.uri);
    return {
      label: withoutIcons(m.record.title),
      description: withoutIcons(m.record.traceKey === '0' ? file : `${file} #${Number(m.record.traceKey) + 1}`),
      detail: vscode.l10n.t('{0} steps · {1}', m.record.steps, m.record.outcome),
      side: { uri: m.uri, traceIndex: Number(m.record.traceKey) },
    };
  });
  const first = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Compare Traces (1/2): the first run'), matchOnDescription: true });
  if (!first) return undefined;
  const second = await vscode.window.showQuickPick(items.filter((i) => i !== first), { title: vscode.l10n.t('Compare Traces (2/2): compare "{0}" with', first.label), matchOnDescription: true });
  if (!second) return undefined;
  return [first.side, second.side];
}
