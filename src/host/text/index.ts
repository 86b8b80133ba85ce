/**
 * A trace opened as text (§3): findings as diagnostics at their step (minus the ones rejected in
 * the annotations), human tags as diagnostics beside them, a CodeLens above each failing step
 * that opens it in the Trace Debugger, code actions to tag a step or confirm/reject a finding,
 * next/previous failure, and the context keys the menus use (`agentTraceDebugger.isTraceFile`,
 * `agentTraceDebugger.hasFailures`).
 */
import * as vscode from 'vscode';
import { trustArgs } from '../trusted-args';
import type { ErrorTag } from '../../core/annotations';
import { annotationsFor, onDidChangeAnnotations, type DecideFindingArgs, type TagStepArgs } from '../annotations';
import type { AnalysisService, AnalysisOutcome } from '../analysis/service';
import { maxFileBytes } from '../settings';
import { categoryLabel, humanTagSites, isRejected, neighbourSite, stepAtPosition, type FailureSite, type StepSite } from '../analysis/failures';
import { looksLikeTraceFileName } from '../trace-files';
import { TraceSniffMemo, type SniffDocument } from './sniff-memo';
import { COMMANDS } from '../ids';

const EDIT_DEBOUNCE_MS = 400;
const SOURCE = 'Agent Trace';
const TAG_SOURCE = 'Agent Trace (tag)';

export interface TextTraceFeatures {
  /** Latest analysis of an open document, analysing now if needed. */
  outcomeFor(doc: vscode.TextDocument): Promise<AnalysisOutcome | undefined>;
  gotoFailure(editor: vscode.TextEditor, direction: 1 | -1): Promise<FailureSite | undefined>;
  /** The innermost step under the cursor (for "Tag Selected Step…" from the text editor). */
  stepAt(editor: vscode.TextEditor): Promise<{ stepId: string; traceIndex: number } | undefined>;
}

export function activateTextEditorFeatures(context: vscode.ExtensionContext, analysis: AnalysisService): TextTraceFeatures {
  const diagnostics = vscode.languages.createDiagnosticCollection('agentTraceDebugger');
  /** Per document: the latest analysis, and its failure sites minus rejected findings (computed once
   * per analysis or annotation change, not on every cursor move). */
  const latest = new Map<string, { version: number; outcome: AnalysisOutcome; visible: FailureSite[] }>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const warnedTooLarge = new Set<string>();
  const lensChanged = new vscode.EventEmitter<void>();
  const sniffed = new TraceSniffMemo();

  const isCandidate = (doc: vscode.TextDocument): boolean =>
    (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled' || doc.uri.scheme === 'vscode-remote')
    && (doc.languageId === 'json' || doc.languageId === 'jsonl' || looksLikeTraceFileName(doc.uri.path));

  /** Findings that count: the annotations' rejections removed (open trace editor's unsaved state first). */
  const visibleSites = (doc: vscode.TextDocument, outcome: Extract<AnalysisOutcome, { kind: 'ok' }>): FailureSite[] => {
    const annotations = annotationsFor(doc.uri);
    return annotations ? outcome.sites.filter((s) => !isRejected(s, annotations)) : outcome.sites;
  };

  const apply = (doc: vscode.TextDocument, outcome: AnalysisOutcome): void => {
    const key = doc.uri.toString();
    const visible = outcome.kind === 'ok' ? visibleSites(doc, outcome) : [];
    latest.set(key, { version: doc.version, outcome, visible });
    if (outcome.kind === 'ok') {
      const tags = humanTagSites(outcome.steps ?? [], annotationsFor(doc.uri));
      diagnostics.set(doc.uri, [
        ...visible.filter((s) => s.location).map((s) => toDiagnostic(doc, s)),
        ...tags.map(({ step, tag }) => tagDiagnostic(doc, step, tag)),
      ]);
    } else if (outcome.kind === 'invalid' && looksLikeTraceFileName(doc.uri.path)) {
      // Named like a trace but does not load: say where and why. Plain JSON files are left to
      // the JSON language service (we never flag package.json as "not a trace").
      diagnostics.set(doc.uri, outcome.problems.map((p) => {
        const pos = new vscode.Position(Math.max(0, (p.line ?? 1) - 1), Math.max(0, (p.column ?? 1) - 1));
        const d = new vscode.Diagnostic(new vscode.Range(pos, doc.lineAt(Math.min(pos.line, doc.lineCount - 1)).range.end), p.message, vscode.DiagnosticSeverity.Error);
        d.source = SOURCE;
        return d;
      }));
    } else {
      diagnostics.delete(doc.uri);
    }
    if (outcome.kind === 'tooLarge' && looksLikeTraceFileName(doc.uri.path) && !warnedTooLarge.has(key)) {
      warnedTooLarge.add(key);
      void noticeTooLarge(doc.uri, outcome);
    }
    lensChanged.fire();
    if (vscode.window.activeTextEditor?.document === doc) updateContextKeys();
  };

  /** Files named like traces are always analysed (a broken one gets located errors); any other
   * JSON document only when the importers' sniffers recognise it (its first lines for JSON Lines),
   * within the size limit, sniffed once per version (sniff-memo.ts). */
  const sniffsAsTrace = (doc: vscode.TextDocument): boolean => sniffed.shouldAnalyse(sniffable(doc), maxFileBytes());

  const analyse = async (doc: vscode.TextDocument): Promise<AnalysisOutcome | undefined> => {
    if (!isCandidate(doc)) return undefined;
    const version = doc.version;
    if (!sniffsAsTrace(doc)) {
      // Not a trace: no import, no diagnostics; the menus' context keys say so.
      apply(doc, { kind: 'invalid', problems: [] });
      return undefined;
    }
    const outcome = await analysis.analyzeDocument(doc);
    // A newer edit has its own run coming; do not show stale positions.
    if (doc.isClosed || doc.version !== version) return undefined;
    apply(doc, outcome);
    return outcome;
  };

  const schedule = (doc: vscode.TextDocument, delay: number): void => {
    if (!isCandidate(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => { timers.delete(key); void analyse(doc); }, delay));
  };

  const updateContextKeys = (): void => {
    const doc = vscode.window.activeTextEditor?.document;
    const entry = doc ? latest.get(doc.uri.toString()) : undefined;
    // A slightly stale result is fine for menus; the next analysis corrects it.
    const current = entry?.outcome;
    const isTrace = !!doc && (current?.kind === 'ok' || (current?.kind === 'tooLarge' && looksLikeTraceFileName(doc.uri.path))
      || (!current && looksLikeTraceFileName(doc.uri.path)));
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.isTraceFile', isTrace);
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.hasFailures', current?.kind === 'ok' && !!entry && entry.visible.length > 0);
  };

  const outcomeFor = async (doc: vscode.TextDocument): Promise<AnalysisOutcome | undefined> => {
    const entry = latest.get(doc.uri.toString());
    if (entry && entry.version === doc.version) return entry.outcome;
    return analyse(doc);
  };

  const gotoFailure = async (editor: vscode.TextEditor, direction: 1 | -1): Promise<FailureSite | undefined> => {
    const outcome = await outcomeFor(editor.document);
    if (outcome?.kind !== 'ok') {
      void vscode.window.setStatusBarMessage(outcome?.kind === 'tooLarge' ? vscode.l10n.t('Agent Trace: this file is too large to analyse as text') : vscode.l10n.t('Agent Trace: not a trace file'), 3000);
      return undefined;
    }
    const pos = editor.selection.active;
    const sites = visibleSites(editor.document, outcome);
    const site = neighbourSite(sites, pos.line + 1, pos.character + 1, direction);
    if (!site?.location) {
      void vscode.window.setStatusBarMessage(vscode.l10n.t('Agent Trace: no failures in this trace'), 3000);
      return undefined;
    }
    const at = new vscode.Position(site.location.line - 1, site.location.column - 1);
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    const located = sites.filter((s) => s.location);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Agent Trace: failure {0} of {1}: {2}', located.indexOf(site) + 1, located.length, categoryLabel(site)), 4000);
    return site;
  };

  const codeLenses: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: lensChanged.event,
    provideCodeLenses(doc) {
      const entry = latest.get(doc.uri.toString());
      if (!entry || entry.version !== doc.version || entry.outcome.kind !== 'ok') return [];
      return failingSteps(entry.visible).map(({ sites, line }) => new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: vscode.l10n.t('{0}: open in Trace Debugger', [...new Set(sites.map((s) => s.category))].join(', ')),
        tooltip: sites.map((s) => `${categoryLabel(s)}: ${s.evidence}`).join('\n'),
        command: COMMANDS.openInTraceDebugger,
        arguments: [doc.uri, sites[0].stepId, sites[0].traceIndex],
      }));
    },
  };

  const stepAt = async (editor: vscode.TextEditor): Promise<{ stepId: string; traceIndex: number } | undefined> => {
    const outcome = await outcomeFor(editor.document);
    if (outcome?.kind !== 'ok') return undefined;
    const pos = editor.selection.active;
    const step = stepAtPosition(outcome.steps ?? [], pos.line + 1, pos.character + 1);
    return step ? { stepId: step.stepId, traceIndex: step.traceIndex } : undefined;
  };

  // Cheap on every cursor move: the latest analysis's step positions, no re-analysis.
  const codeActions: vscode.CodeActionProvider = {
    provideCodeActions(doc, range, ctx) {
      const entry = latest.get(doc.uri.toString());
      if (!entry || entry.version !== doc.version || entry.outcome.kind !== 'ok') return [];
      const outcome = entry.outcome;
      const actions: vscode.CodeAction[] = [];
      for (const d of ctx.diagnostics) {
        if (d.source !== SOURCE) continue;
        const site = entry.visible.find((s) => s.location && s.location.line - 1 === d.range.start.line && s.category === diagnosticCode(d) && d.message.startsWith(categoryLabel(s)));
        if (!site) continue;
        for (const decision of ['confirm', 'reject'] as const) {
          const title = decision === 'confirm' ? vscode.l10n.t('Confirm finding {0}', categoryLabel(site)) : vscode.l10n.t('Reject finding {0}', categoryLabel(site));
          const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
          a.diagnostics = [d];
          const args: DecideFindingArgs = { uri: doc.uri, stepId: site.stepId, traceIndex: site.traceIndex, rule: site.rule, category: site.detectorCategory, decision };
          a.command = { command: COMMANDS.decideFinding, title: a.title, arguments: [trustArgs(args)] };
          actions.push(a);
        }
      }
      const step = stepAtPosition(outcome.steps ?? [], range.start.line + 1, range.start.character + 1);
      if (step) {
        const a = new vscode.CodeAction(vscode.l10n.t('Tag this step as…'), vscode.CodeActionKind.QuickFix);
        const args: TagStepArgs = { uri: doc.uri, stepId: step.stepId, traceIndex: step.traceIndex };
        a.command = { command: COMMANDS.tagStep, title: a.title, arguments: [args] };
        actions.push(a);
      }
      return actions;
    },
  };

  const refreshAnnotations = (uri: vscode.Uri): void => {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.toString() !== uri.toString() && doc.uri.fsPath !== uri.fsPath) continue;
      const entry = latest.get(doc.uri.toString());
      if (entry && entry.version === doc.version) apply(doc, entry.outcome);
    }
  };

  context.subscriptions.push(
    diagnostics,
    lensChanged,
    vscode.languages.registerCodeActionsProvider([{ language: 'json' }, { language: 'jsonl' }, { pattern: '**/*.{traj,eval}' }], codeActions, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    onDidChangeAnnotations((uri) => refreshAnnotations(uri)),
    vscode.languages.registerCodeLensProvider([{ language: 'json' }, { language: 'jsonl' }, { pattern: '**/*.{traj,eval}' }], codeLenses),
    vscode.workspace.onDidOpenTextDocument((doc) => schedule(doc, 0)),
    vscode.workspace.onDidChangeTextDocument((e) => { if (e.contentChanges.length > 0) schedule(e.document, editDebounce(e.document)); }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      const key = doc.uri.toString();
      clearTimeout(timers.get(key));
      timers.delete(key);
      latest.delete(key);
      sniffed.forget(key);
      diagnostics.delete(doc.uri);
      analysis.forgetDocument(doc.uri);
    }),
    vscode.window.onDidChangeActiveTextEditor(() => updateContextKeys()),
    analysis.onDidChangeTaxonomy(() => { for (const doc of vscode.workspace.textDocuments) schedule(doc, 0); }),
    { dispose: () => { for (const t of timers.values()) clearTimeout(t); } },
  );
  // Documents already open when the extension activated (activation is lazy).
  for (const doc of vscode.workspace.textDocuments) schedule(doc, 0);
  updateContextKeys();

  return { outcomeFor, gotoFailure, stepAt };
}

/** Re-analysis (in the trace worker) costs 0.1-0.2 s per MB: wait longer after edits to big files, 150 ms per MB (up to +3 s). */
function editDebounce(doc: vscode.TextDocument): number {
  return EDIT_DEBOUNCE_MS + Math.min(3000, Math.round(textLength(doc) / 1e6 * 150));
}

/** The document as the sniff reads it: line by line, the whole text only when needed. */
export function sniffable(doc: vscode.TextDocument): SniffDocument {
  return {
    key: doc.uri.toString(),
    version: doc.version,
    path: doc.uri.fsPath,
    lineCount: doc.lineCount,
    lineAt: (line) => doc.lineAt(line).text,
    eol: doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n',
    getText: () => doc.getText(),
    textLength: () => textLength(doc),
  };
}

/** The document's length in UTF-16 units, without copying its text. */
function textLength(doc: vscode.TextDocument): number {
  return doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end);
}

function toDiagnostic(doc: vscode.TextDocument, site: FailureSite): vscode.Diagnostic {
  const loc = site.location!;
  const line = Math.min(loc.line - 1, doc.lineCount - 1);
  const start = new vscode.Position(line, loc.column - 1);
  // Underline the step's first line only: a step can span hundreds of lines. A pretty-printed
  // object starts with a lone "{", too small to see, so then take its first property line too.
  let end = loc.endLine === loc.line ? new vscode.Position(line, loc.endColumn - 1) : doc.lineAt(line).range.end;
  if (loc.endLine > loc.line && doc.lineAt(line).text.slice(loc.column - 1).trim().length <= 1 && line + 1 < doc.lineCount) {
    end = doc.lineAt(line + 1).range.end;
  }
  const d = new vscode.Diagnostic(new vscode.Range(start, end), `${categoryLabel(site)}: ${site.evidence}`, severityOf(site.impact));
  d.source = SOURCE;
  d.code = site.category;
  return d;
}

function diagnosticCode(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  return typeof c === 'string' ? c : typeof c === 'object' && c ? String(c.value) : c === undefined ? undefined : String(c);
}

/** A human tag beside the findings: `TAG <category>: <note>`, severity from its impact, on the step's first line. */
function tagDiagnostic(doc: vscode.TextDocument, step: StepSite, tag: ErrorTag): vscode.Diagnostic {
  const line = Math.min(step.location.line - 1, doc.lineCount - 1);
  const text = doc.lineAt(line).text;
  const start = Math.min(step.location.column - 1, text.length);
  const range = new vscode.Range(line, start, line, Math.max(start + 1, text.length));
  const note = tag.description ?? tag.evidence ?? '';
  const d = new vscode.Diagnostic(range, `TAG ${tag.category}${note ? `: ${note}` : ''}`, severityOf(tag.impact ?? 'MEDIUM'));
  d.source = TAG_SOURCE;
  d.code = tag.category;
  return d;
}

function severityOf(impact: FailureSite['impact']): vscode.DiagnosticSeverity {
  return impact === 'HIGH' ? vscode.DiagnosticSeverity.Error : impact === 'LOW' ? vscode.DiagnosticSeverity.Information : vscode.DiagnosticSeverity.Warning;
}

/** One entry per failing step (a step can have several findings), in file order. */
function failingSteps(sites: readonly FailureSite[]): { line: number; sites: FailureSite[] }[] {
  const byStep = new Map<string, { line: number; sites: FailureSite[] }>();
  for (const s of sites) {
    if (!s.location) continue;
    const key = `${s.traceIndex}\u0000${s.stepId}`;
    const entry = byStep.get(key) ?? { line: s.location.line - 1, sites: [] };
    entry.sites.push(s);
    byStep.set(key, entry);
  }
  return [...byStep.values()];
}

async function noticeTooLarge(uri: vscode.Uri, outcome: Extract<AnalysisOutcome, { kind: 'tooLarge' }>): Promise<void> {
  const mb = (n: number): string => `${Math.round(n / 1024 / 1024)} MB`;
  const open = vscode.l10n.t('Open in Trace Debugger');
  const pick = await vscode.window.showInformationMessage(
    vscode.l10n.t('Agent Trace: {0} is {1}, over the {2} limit for text diagnostics (setting agentTraceDebugger.maxFileSizeMB).', vscode.workspace.asRelativePath(uri), mb(outcome.sizeBytes), mb(outcome.limitBytes)),
    open,
  );
  if (pick === open) await vscode.commands.executeCommand(COMMANDS.openInTraceDebugger, uri);
}
