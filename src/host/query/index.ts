/**
 * "Agent Trace: Query Traces…": the query language of `agent-trace query` over the workspace's
 * traces, in a quick pick. Type a query (results follow as you type), pick a trace, and it opens
 * in the Trace Debugger at its first matching step. A query that does not parse says where.
 */
import * as vscode from 'vscode';
import { parseQuery, QuerySyntaxError, type Query } from '../../core/workspace/query';
import { openInTraceDebugger } from '../commands';
import { COMMANDS } from '../ids';
import { withoutIcons } from '../plain-text';
import { stepsText } from '../views/failure-words';
import { TraceQueryService, type QueryMatch, type QueryRun, type QuerySources } from './service';

/** Results follow the typing after this pause. */
const TYPING_PAUSE_MS = 250;

/** Arguments for scripted use (the integration tests): run the query without showing the pick. */
export interface QueryTracesArgs {
  query: string;
  /** Open this match (its position in the results) in the Trace Debugger. */
  open?: number;
}

export interface QueryTracesResult {
  error?: { message: string; column: number };
  matches: { file: string; traceKey: string; title: string; outcome: string; stepId: string | null }[];
  opened?: boolean;
}

export function activateQuery(context: vscode.ExtensionContext, sources: QuerySources): TraceQueryService {
  const service = new TraceQueryService(context, sources);
  context.subscriptions.push(vscode.commands.registerCommand(COMMANDS.queryTraces, (args?: QueryTracesArgs) => (
    args && typeof args.query === 'string' ? runScripted(service, args) : showQueryPick(service)
  )));
  return service;
}

async function runScripted(service: TraceQueryService, args: QueryTracesArgs): Promise<QueryTracesResult> {
  let query: Query;
  try {
    query = parseQuery(args.query);
  } catch (e) {
    if (e instanceof QuerySyntaxError) return { error: { message: e.message, column: e.column }, matches: [] };
    throw e;
  }
  const run = await service.run(query, new vscode.CancellationTokenSource().token);
  const result: QueryTracesResult = { matches: run.matches.map(summary) };
  const pick = args.open === undefined ? undefined : run.matches[args.open];
  if (pick) result.opened = await open(pick);
  return result;
}

interface MatchItem extends vscode.QuickPickItem {
  match?: QueryMatch;
}

function showQueryPick(service: TraceQueryService): Promise<void> {
  const pick = vscode.window.createQuickPick<MatchItem>();
  pick.title = vscode.l10n.t('Query Traces');
  pick.placeholder = vscode.l10n.t('e.g. category:TOOL.TIMEOUT outcome:failure tool:search "rate limit"  (fields: category tool outcome model tagged corrected reviewed steps cost tokens duration format file title task)');
  // The typed text is a query, not a filter of the shown items.
  pick.matchOnDescription = false;
  pick.matchOnDetail = false;
  let runId = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: vscode.CancellationTokenSource | undefined;
  const show = (items: MatchItem[]): void => { pick.items = items.map((i) => ({ ...i, alwaysShow: true })); };
  const search = async (text: string): Promise<void> => {
    const id = ++runId;
    running?.cancel();
    if (!text.trim()) { show([]); pick.busy = false; return; }
    let query: Query;
    try {
      query = parseQuery(text);
    } catch (e) {
      if (!(e instanceof QuerySyntaxError)) throw e;
      pick.busy = false;
      show([{ label: `$(error) ${withoutIcons(e.message)}`, description: vscode.l10n.t('column {0}', e.column) }]);
      return;
    }
    const cancel = new vscode.CancellationTokenSource();
    running = cancel;
    pick.busy = true;
    let run: QueryRun;
    try {
      run = await service.run(query, cancel.token, (message) => { if (id === runId) pick.title = vscode.l10n.t('Query Traces: {0}', message); });
    } catch (e) {
      if (id !== runId || cancel.token.isCancellationRequested) return;
      pick.busy = false;
      show([{ label: `$(warning) ${vscode.l10n.t('The query could not run: {0}', e instanceof Error ? e.message : String(e))}` }]);
      return;
    }
    if (id !== runId) return;
    pick.busy = false;
    pick.title = vscode.l10n.t('Query Traces: {0} of {1} traces match', run.matches.length, run.traces);
    show(run.matches.length ? run.matches.map(item) : [{ label: vscode.l10n.t('No trace matches.'), description: run.refusedFiles ? vscode.l10n.t('{0} files are not traces', run.refusedFiles) : undefined }]);
  };
  pick.onDidChangeValue((text) => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(text), TYPING_PAUSE_MS);
  });
  // The same query as a table, with facets and sorting (the quick pick shows a list of matches).
  pick.buttons = [{ iconPath: new vscode.ThemeIcon('table'), tooltip: vscode.l10n.t('Open in Trace Explorer') }];
  pick.onDidTriggerButton(() => {
    const text = pick.value;
    pick.hide();
    void vscode.commands.executeCommand(COMMANDS.openTraceExplorer, text);
  });
  pick.onDidAccept(() => {
    const chosen = pick.activeItems[0]?.match;
    if (!chosen) return;
    pick.hide();
    void open(chosen);
  });
  return new Promise<void>((resolve) => {
    pick.onDidHide(() => {
      clearTimeout(timer);
      running?.cancel();
      pick.dispose();
      resolve();
    });
    pick.show();
  });
}

function item(m: QueryMatch): MatchItem {
  const r = m.record;
  const icon = r.outcome === 'failure' ? '$(error)' : r.outcome === 'success' ? '$(pass)' : '$(circle-outline)';
  const top = r.categories.slice(0, 3).map((c) => `${c.category} ×${c.count}`).join(', ');
  const file = vscode.workspace.asRelativePath(m.uri);
  return {
    label: `${icon} ${withoutIcons(r.title)}`,
    description: withoutIcons(m.runs > 1 ? `${file} #${r.traceIndex + 1}` : file),
    detail: withoutIcons([stepsText(r.steps), ...(r.outcome === 'unknown' ? [] : [r.outcome]), top || vscode.l10n.t('no failures')].join(' · ')),
    match: m,
  };
}

function summary(m: QueryMatch): QueryTracesResult['matches'][number] {
  return { file: m.uri.fsPath, traceKey: m.record.traceKey, title: m.record.title, outcome: m.record.outcome, stepId: m.stepId };
}

/** Open the trace at the matching step (or at its start when the match names no step). */
function open(m: QueryMatch): Promise<boolean> {
  const traceIndex = m.record.traceIndex;
  if (m.stepId) return openInTraceDebugger(m.uri, m.stepId, traceIndex);
  return openInTraceDebugger(m.uri).then(() => false);
}
