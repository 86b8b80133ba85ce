/**
 * "Agent Trace: Compare Traces…": two runs (two files, or two runs of one file) aligned on their
 * actions in the trace worker (src/core/compare), shown in the Compare Traces view (panel.ts: the
 * aligned pairs in two columns, like VS Code's diff editor, landing on the first divergence) or,
 * with "Open Side by Side in Trace Editors", in two Trace Debugger editors that land on the same
 * pair. "Next/Previous Difference" (Alt+F5 / Shift+Alt+F5, as in the diff editor) move the view's
 * selection, or both editors, to the next pair that is not the same; a status bar item says where
 * the editors are. "Compare with Corrected Trajectory" compares the open trace's run with its
 * sidecar's corrections applied, in the view.
 */
import * as vscode from 'vscode';
import type { TraceWorkerClient } from '../../core/engine/worker/client';
import type { CompareResult } from '../../core/engine/worker/jobs';
import { parseQuery } from '../../core/workspace/query';
import { waitForTraceEditor } from '../commands';
import { getActiveTraceEditor, type TraceEditorHandle } from '../editor';
import { COMMANDS, COMPARE_VIEW_TYPE, TRACE_EDITOR_VIEW_TYPE } from '../ids';
import { openComparePanel, sidesOfRestoredState, type ComparePanel, type CompareSideSpec } from './panel';
import type { CompareSource } from './model';
import { sidecarLocationFor } from '../sidecar-storage';
import { maxUnzippedBytes } from '../settings';
import { withoutIcons } from '../plain-text';
import { stepsText } from '../views/failure-words';
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

export function activateCompare(context: vscode.ExtensionContext, worker: TraceWorkerClient, queries: TraceQueryService): { viewState(): Promise<unknown> } {
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
  const panels = new Set<ComparePanel>();
  const activePanel = (): ComparePanel | undefined => [...panels].find((p) => p.panel.active);
  const align = (sides: [CompareSideSpec, CompareSideSpec]): Thenable<CompareResult | { refused: string }> =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Comparing traces…') }, () => worker.run('compareTraces', {
      a: { path: sides[0].uri.fsPath, traceIndex: sides[0].traceIndex },
      b: {
        path: sides[1].uri.fsPath, traceIndex: sides[1].traceIndex,
        ...(sides[1].corrected ? { corrected: true, sidecar: sidecarLocationFor(sides[1].uri).path } : {}),
      },
      maxUnzippedBytes: maxUnzippedBytes(),
    }));
  const summaryOf = (result: CompareResult, differences: number): CompareTracesResult =>
    ({ firstDivergence: result.firstDivergence && { a: result.firstDivergence.a, b: result.firstDivergence.b }, differences });

  /** The two runs in two trace editors side by side, on `atPair` (default: the first different action). */
  const openEditors = async (sides: [CompareSide, CompareSide], result: CompareResult, atPair?: number): Promise<void> => {
    const differences = result.pairs.flatMap((p, i) => (p.kind === 'same' ? [] : [i]));
    const s: Session = { result, differences, current: 0, editors: [undefined, undefined], sides };
    s.editors[0] = await openSide(sides[0], vscode.ViewColumn.One);
    s.editors[1] = await openSide(sides[1], vscode.ViewColumn.Two);
    setSession(s);
    if (differences.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: the two runs did the same thing, step for step ({0}).', stepsText(result.pairs.length)));
      return;
    }
    // Land on the first different action when there is one: runs of one task often differ
    // first only in how a simulated user words a message.
    const landing = atPair ?? (result.firstActionDivergence ?? result.firstDivergence)?.pair ?? differences[0];
    const k = differences.findIndex((d) => d >= landing);
    s.current = k >= 0 ? k : 0;
    // A pair both runs did the same is selected in both; Next Difference counts from the next one.
    show(s, atPair !== undefined && result.pairs[atPair]?.kind === 'same' ? atPair : undefined);
    render();
  };

  /** The Compare Traces view on two runs (in `restored`, the panel a window reload brings back). */
  const openView = async (sides: [CompareSideSpec, CompareSideSpec], result: CompareResult, restored?: vscode.WebviewPanel): Promise<string | undefined> => {
    const opened = await openComparePanel(context.extensionUri, sides, result, {
      openStep: (source, stepId) => openStepBeside(source, stepId),
      openSideBySide: async (pair) => {
        if (sides[1].corrected) { correctedNotAFile(); return; }
        await openEditorsFor(sides, pair);
      },
    }, (p) => panels.delete(p), restored);
    if ('error' in opened) return opened.error;
    panels.add(opened);
    return undefined;
  };
  const openEditorsFor = async (sides: [CompareSideSpec, CompareSideSpec], pair: number): Promise<void> => {
    const result = await align([{ uri: sides[0].uri, traceIndex: sides[0].traceIndex }, { uri: sides[1].uri, traceIndex: sides[1].traceIndex }]);
    if ('refused' in result) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: cannot compare: {0}', result.refused));
      return;
    }
    await openEditors([sides[0], sides[1]], result, pair < result.pairs.length ? pair : undefined);
  };

  /**
   * Compare two runs: in the Compare Traces view (`layout` "view", the default) or in two trace
   * editors side by side (`layout` "editors", at `atPair` when given).
   */
  const compare = async (sides: [CompareSideSpec, CompareSideSpec], layout: 'view' | 'editors' = 'view', atPair?: number): Promise<CompareTracesResult> => {
    const result = await align(sides);
    if ('refused' in result) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: cannot compare: {0}', result.refused));
      return { error: result.refused };
    }
    const differences = result.pairs.reduce((n, p) => n + (p.kind === 'same' ? 0 : 1), 0);
    if (layout === 'editors' && !sides[1].corrected) {
      await openEditors([sides[0], sides[1]], result, atPair);
      return summaryOf(result, differences);
    }
    const error = await openView(sides, result);
    if (error) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: cannot compare: {0}', error));
      return { error };
    }
    return summaryOf(result, differences);
  };

  context.subscriptions.push(
    item,
    { dispose: () => setSession(undefined) },
    { dispose: () => { for (const p of [...panels]) p.panel.dispose(); } },
    vscode.commands.registerCommand(COMMANDS.compareTraces, async (a?: CompareSide, b?: CompareSide, layout?: 'view' | 'editors', atPair?: number): Promise<CompareTracesResult | undefined> => {
      const sides = a && b ? [a, b] as [CompareSide, CompareSide] : await pickSides(queries);
      if (!sides) return undefined;
      return compare(sides, layout === 'editors' ? 'editors' : 'view', typeof atPair === 'number' ? atPair : undefined);
    }),
    vscode.commands.registerCommand(COMMANDS.compareWithCorrected, async (uri?: vscode.Uri, traceIndex?: number): Promise<CompareTracesResult | undefined> => {
      let target = uri instanceof vscode.Uri ? uri : undefined;
      let run = typeof traceIndex === 'number' ? traceIndex : undefined;
      if (!target) {
        const editor = getActiveTraceEditor();
        if (!editor) {
          void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: open a trace in the Trace Debugger first, then compare it with its corrected trajectory.'));
          return undefined;
        }
        target = editor.uri;
        run = (await editor.getState()).traceIndex;
      }
      return compare([{ uri: target, traceIndex: run ?? 0 }, { uri: target, traceIndex: run ?? 0, corrected: true }]);
    }),
    vscode.commands.registerCommand(COMMANDS.compareOpenSideBySide, async () => {
      const view = activePanel() ?? [...panels].at(-1);
      if (!view) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: compare two traces first (Agent Trace: Compare Traces…).'));
        return;
      }
      if (view.sides[1].corrected) { correctedNotAFile(); return; }
      await openEditorsFor(view.sides, view.selectedPair ?? 0);
    }),
    // The comparison ends when both of its editors are closed.
    vscode.window.tabGroups.onDidChangeTabs(() => {
      if (!session) return;
      const shown = new Set(session.sides.map((side) => side.uri.toString()));
      const open = vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputCustom && shown.has(t.input.uri.toString())));
      if (!open) setSession(undefined);
    }),
    // A window reload brings the view back: the runs are read and aligned again, and the page
    // goes back to the pair it showed. Runs that can no longer be read close it, saying why.
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        const sides = sidesOfRestoredState(state);
        if (!sides) { panel.dispose(); return; }
        const result = await align(sides);
        const error = 'refused' in result ? result.refused : await openView(sides, result, panel);
        if (error) {
          panel.dispose();
          void vscode.window.showWarningMessage(vscode.l10n.t('Agent Trace: the Compare Traces view was not restored: {0}', error));
        }
      },
    }),
    vscode.commands.registerCommand(COMMANDS.nextDifference, () => { const v = activePanel(); if (v) v.navigate(1); else move(1); }),
    vscode.commands.registerCommand(COMMANDS.previousDifference, () => { const v = activePanel(); if (v) v.navigate(-1); else move(-1); }),
  );
  // What the active (else the last) Compare Traces view shows: a test hook (src/host/test-hooks.ts) reads it.
  return { viewState: async () => (activePanel() ?? [...panels].at(-1))?.getState().catch(() => undefined) };
}

function correctedNotAFile(): void {
  void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: a corrected trajectory is not a file of its own, so it cannot open in a second trace editor; Enter opens the selected step of the original.'));
}

/** Open one side's step in a trace editor beside the view (the original file for a corrected side). */
async function openStepBeside(source: CompareSource, stepId: string): Promise<{ opened: boolean; reason?: string }> {
  const uri = vscode.Uri.file(source.file.path);
  await vscode.commands.executeCommand('vscode.openWith', uri, TRACE_EDITOR_VIEW_TYPE, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  const editor = await waitForTraceEditor(uri);
  if (!editor) return { opened: false, reason: vscode.l10n.t('The trace editor did not open in time.') };
  return editor.selectStep(stepId, source.position) ? { opened: true } : { opened: false, reason: vscode.l10n.t('Step {0} is not in the file any more.', stepId) };
}

/** Select the current difference's steps in both editors (a step only one run has moves that side only). */
function show(s: Session, at = s.differences[s.current]): void {
  // A side without a step in the pair shows the step before the gap (or after it, at the start):
  // its editor still shows the run being compared, never another run of the file.
  const near = (key: 'aStepId' | 'bStepId'): string | null => {
    for (let k = at; k >= 0; k--) { const id = s.result.pairs[k][key]; if (id) return id; }
    for (let k = at + 1; k < s.result.pairs.length; k++) { const id = s.result.pairs[k][key]; if (id) return id; }
    return null;
  };
  const a = near('aStepId');
  const b = near('bStepId');
  if (a) s.editors[0]?.selectStep(a, s.sides[0].traceIndex);
  if (b) s.editors[1]?.selectStep(b, s.sides[1].traceIndex);
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
      description: withoutIcons(m.runs > 1 ? `${file} #${m.record.traceIndex + 1}` : file),
      detail: `${stepsText(m.record.steps)} · ${m.record.outcome}`,
      side: { uri: m.uri, traceIndex: m.record.traceIndex },
    };
  });
  // Two steps of one choice: focus that comes back late to the editor the palette left (a trace
  // editor's webview takes it asynchronously) must not close a pick; Escape still does.
  const first = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Compare Traces (1/2): the first run'), matchOnDescription: true, ignoreFocusOut: true });
  if (!first) return undefined;
  const second = await vscode.window.showQuickPick(items.filter((i) => i !== first), { title: vscode.l10n.t('Compare Traces (2/2): compare "{0}" with', first.label), matchOnDescription: true, ignoreFocusOut: true });
  if (!second) return undefined;
  return [first.side, second.side];
}
