/**
 * Tagging from anywhere: the palette command "Agent Trace: Tag Selected Step…", confirm/reject
 * of a finding (the text editor's code actions), and the annotations of any trace for the text
 * editor's diagnostics. One path for every edit: when the trace is open in the trace editor the
 * edit goes to that document (undoable, the tab becomes dirty, Save writes it); otherwise the
 * sidecar is loaded, edited and saved atomically at once, with an Undo button.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { configuredTaxonomy, maxUnzippedBytes } from '../settings';
import { parseSidecar, serializeSidecar, writeFileAtomic, type AnnotationDocument, type AnnotationEdit } from '../../core/annotations';
import { existingSidecarFor, prepareSidecarFolder, relocationNote, sidecarLocationFor, sidecarReaderFor } from '../sidecar-storage';
import { formatProblem } from '../../core/util/problems';
import type { AnnotationOp, Impact, StepAnnotations } from '../../protocol';
import { getActiveTraceEditor, getOpenTraceDocument, onDidChangeTraceAnnotations, tagCategories, TraceFile } from '../editor';
import { COMMANDS } from '../ids';
import { confirmExternalWrite } from '../trusted-args';

export interface StepTarget {
  uri: vscode.Uri;
  stepId: string;
  traceIndex?: number;
}

export interface TagStepArgs {
  uri?: vscode.Uri | string;
  stepId?: string;
  traceIndex?: number;
  category?: string;
  impact?: Impact;
  description?: string;
}

export interface DecideFindingArgs {
  uri: vscode.Uri | string;
  stepId: string;
  traceIndex?: number;
  rule: string;
  category: string;
  decision: 'confirm' | 'reject';
}

export interface EditOutcome {
  /** `document`: an undoable edit of the open trace editor; `file`: the sidecar was saved. */
  via: 'document' | 'file';
  traceIndex: number;
  index: number;
  stepName: string;
  annotations: StepAnnotations;
}

/** Where the text editor finds the step under the cursor (src/host/text). */
export type StepAtCursor = (editor: vscode.TextEditor) => Promise<{ stepId: string; traceIndex: number } | undefined>;

const changed = new vscode.EventEmitter<vscode.Uri>();
/** The annotations of a trace changed (open document edits, a sidecar written by us or on disk). */
export const onDidChangeAnnotations = changed.event;

export function activateAnnotations(context: vscode.ExtensionContext, stepAtCursor: StepAtCursor): void {
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.annotations.json');
  const onSidecar = (uri: vscode.Uri): void => {
    diskCache.delete(uri.fsPath);
    changed.fire(vscode.Uri.file(uri.fsPath.slice(0, -'.annotations.json'.length)));
  };
  context.subscriptions.push(
    changed,
    watcher,
    watcher.onDidChange(onSidecar), watcher.onDidCreate(onSidecar), watcher.onDidDelete(onSidecar),
    onDidChangeTraceAnnotations((doc) => changed.fire(doc.uri)),
    vscode.commands.registerCommand(COMMANDS.tagStep, (args?: TagStepArgs) => tagStepCommand(args ?? {}, stepAtCursor)),
    vscode.commands.registerCommand(COMMANDS.decideFinding, (args: DecideFindingArgs) => decideFindingCommand(args)),
  );
}

const diskCache = new Map<string, { mtimeMs: number; size: number; doc: AnnotationDocument | undefined }>();

/**
 * The annotations of a trace file: the open trace editor's document (unsaved edits included),
 * else the sidecar on disk (cached by mtime), else undefined. An unreadable sidecar is undefined
 * here; the trace editor reports it when opened.
 */
export function annotationsFor(uri: vscode.Uri): AnnotationDocument | undefined {
  const open = getOpenTraceDocument(uri);
  if (open) return open.file.annotations.doc;
  if (uri.scheme !== 'file') return undefined;
  const path = existingSidecarFor(uri);
  if (!path) return undefined;
  let st;
  try { st = statSync(path); } catch { return undefined; }
  const hit = diskCache.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.doc;
  let doc: AnnotationDocument | undefined;
  try { doc = parseSidecar(readFileSync(path, 'utf8'), path).doc; } catch { doc = undefined; }
  diskCache.set(path, { mtimeMs: st.mtimeMs, size: st.size, doc });
  return doc;
}

function toUri(u: vscode.Uri | string | undefined): vscode.Uri | undefined {
  if (u instanceof vscode.Uri) return u;
  if (typeof u === 'string' && u) return /^[a-z][a-z0-9+.-]*:/i.test(u) && !/^[a-z]:[\\/]/i.test(u) ? vscode.Uri.parse(u) : vscode.Uri.file(u);
  // A Uri that crossed a command boundary as JSON ({scheme, path, ...}).
  if (u && typeof u === 'object' && typeof (u as { path?: unknown }).path === 'string') return vscode.Uri.from(u as unknown as vscode.Uri);
  return undefined;
}

/** Apply one operation to a step, through the open trace editor if there is one, else through the sidecar on disk. */
export async function editStep(target: StepTarget, op: AnnotationOp): Promise<EditOutcome> {
  const open = getOpenTraceDocument(target.uri);
  if (open) {
    const r = open.file.editStepById(target.stepId, op, target.traceIndex);
    return { via: 'document', ...r, stepName: open.file.session(r.traceIndex).step(r.index).name };
  }
  const file = await loadFromDisk(target.uri);
  const edits: AnnotationEdit[] = [];
  const stop = file.annotations.onDidChange((c) => { if (c.kind === 'edit' && c.inverse) edits.push(c.inverse); });
  let r;
  try {
    r = file.editStepById(target.stepId, op, target.traceIndex);
  } finally {
    stop();
  }
  if (edits.length) saveNow(file);
  return { via: 'file', ...r, stepName: file.session(r.traceIndex).step(r.index).name, ...(edits.length ? { inverse: edits[0] } : {}) } as EditOutcome & { inverse?: AnnotationEdit };
}

async function loadFromDisk(uri: vscode.Uri): Promise<TraceFile> {
  if (uri.scheme !== 'file') throw new Error(`${uri.toString(true)} is not a file on disk; open it in the Trace Debugger to tag it`);
  const bytes = await vscode.workspace.fs.readFile(uri);
  const sidecar = sidecarLocationFor(uri);
  const file = TraceFile.fromBytes(uri.fsPath, bytes, { taxonomy: configuredTaxonomy(), readSidecar: sidecarReaderFor(sidecar), sidecarPath: sidecar.path, maxUnzippedBytes: maxUnzippedBytes() });
  if (file.loadError) throw new Error(file.loadError.title);
  return file;
}

function saveNow(file: TraceFile): void {
  prepareSidecarFolder(file.annotations.sidecarPath);
  writeFileAtomic(file.annotations.sidecarPath, file.annotations.textToSave());
  file.annotations.markSaved();
  diskCache.delete(file.annotations.sidecarPath);
  changed.fire(vscode.Uri.file(file.path));
}

/** Say what happened; for a direct save, offer Undo (re-read the sidecar, apply the inverse, save). */
async function report(target: StepTarget, outcome: EditOutcome & { inverse?: AnnotationEdit }, what: string): Promise<void> {
  if (outcome.via === 'document' || !outcome.inverse) {
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Agent Trace: {0}', what), 4000);
    return;
  }
  const undo = vscode.l10n.t('Undo');
  const savedTo = sidecarLocationFor(target.uri).path;
  const where = relocationNote(target.uri, savedTo) ?? vscode.l10n.t('saved to {0}', basename(savedTo));
  const pick = await vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: {0} ({1}).', what, where), undo);
  if (pick !== undo) return;
  try {
    const open = getOpenTraceDocument(target.uri);
    if (open) {
      // Opened in the trace editor meanwhile: the undo is a new edit of that document, so the tab
      // turns dirty and it sits on VS Code's undo stack; closing the tab asks to save it.
      open.file.annotations.performEdit(outcome.inverse);
      return;
    }
    const file = await loadFromDisk(target.uri);
    file.annotations.replay(outcome.inverse, 'undo');
    saveNow(file);
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: cannot undo: {0}', e instanceof Error ? e.message : String(e)));
  }
}

async function resolveStep(args: { uri?: vscode.Uri | string; stepId?: string; traceIndex?: number }, stepAtCursor: StepAtCursor): Promise<StepTarget | undefined> {
  let uri = toUri(args.uri);
  if (args.stepId && uri) return { uri, stepId: args.stepId, traceIndex: args.traceIndex };
  const traceEditor = getActiveTraceEditor();
  if (traceEditor && (!uri || uri.toString() === traceEditor.uri.toString())) {
    uri = traceEditor.uri;
    if (args.stepId) return { uri, stepId: args.stepId, traceIndex: args.traceIndex };
    let state;
    try {
      state = await traceEditor.getState();
    } catch (e) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Agent Trace: the Trace Debugger did not say which step is selected ({0}); try again.', e instanceof Error ? e.message : String(e)));
      return undefined;
    }
    if (state.selectedId) return { uri, stepId: state.selectedId, traceIndex: state.traceIndex };
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: select a step first, then tag it.'));
    return undefined;
  }
  const text = vscode.window.activeTextEditor;
  if (text && (!uri || uri.toString() === text.document.uri.toString())) {
    uri = text.document.uri;
    if (args.stepId) return { uri, stepId: args.stepId, traceIndex: args.traceIndex };
    const at = await stepAtCursor(text);
    if (at) return { uri, ...at };
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: put the cursor inside a step of the trace, then tag it.'));
    return undefined;
  }
  void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: open a trace in the Trace Debugger or as text, select a step, then tag it.'));
  return undefined;
}

/** Ask for the category (grouped by top-level category, type to filter), impact and a note. */
async function askTag(defaults: { category?: string; impact?: Impact; description?: string }): Promise<{ category: string; impact: Impact; description?: string } | undefined> {
  const taxonomy = configuredTaxonomy();
  let category = defaults.category;
  let categoryImpact: Impact | undefined;
  if (!category) {
    type Item = vscode.QuickPickItem & { id?: string; impact?: Impact };
    const items: Item[] = [];
    for (const g of tagCategories(taxonomy)) {
      items.push({ label: g.name, kind: vscode.QuickPickItemKind.Separator });
      for (const c of g.categories) items.push({ label: c.name, description: c.id, detail: c.definition, id: c.id, impact: c.impact });
    }
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Tag this step as…'), placeHolder: vscode.l10n.t('Category ({0})', taxonomy.name), matchOnDescription: true, matchOnDetail: true });
    if (!picked?.id) return undefined;
    category = picked.id;
    categoryImpact = picked.impact;
  } else {
    categoryImpact = taxonomy.get(category)?.impact;
  }
  let impact = defaults.impact;
  if (!impact) {
    const order: Impact[] = ['HIGH', 'MEDIUM', 'LOW'];
    const first = categoryImpact ?? 'MEDIUM';
    const usual = vscode.l10n.t('the category\'s usual impact');
    const picked = await vscode.window.showQuickPick([first, ...order.filter((i) => i !== first)].map((i) => ({ label: i, description: i === first ? usual : undefined })), { title: vscode.l10n.t('Impact of {0}', category) });
    if (!picked) return undefined;
    impact = picked.label as Impact;
  }
  let description = defaults.description;
  if (description === undefined && !(defaults.category && defaults.impact)) {
    description = await vscode.window.showInputBox({ title: vscode.l10n.t('Note for {0} (optional)', category), prompt: vscode.l10n.t('What went wrong at this step?') });
    if (description === undefined) return undefined;
  }
  return { category, impact, ...(description ? { description } : {}) };
}

async function tagStepCommand(args: TagStepArgs, stepAtCursor: StepAtCursor): Promise<EditOutcome | undefined> {
  try {
    const target = await resolveStep(args, stepAtCursor);
    if (!target) return undefined;
    // With a category and an impact nothing is asked, and the sidecar may be written at once.
    if (args.category && args.impact && !(await confirmExternalWrite(args, `tag step ${target.stepId} of ${basename(target.uri.fsPath)} as ${args.category}`))) return undefined;
    const tag = await askTag(args);
    if (!tag) return undefined;
    const outcome = await editStep(target, { kind: 'addTag', ...tag });
    void report(target, outcome, vscode.l10n.t('tagged step {0} as {1}', outcome.stepName, tag.category));
    return outcome;
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: cannot tag: {0}', userMessage(e)));
    return undefined;
  }
}

async function decideFindingCommand(args: DecideFindingArgs): Promise<EditOutcome | undefined> {
  const uri = toUri(args?.uri);
  if (!uri || !args.stepId) return undefined;
  try {
    const target = { uri, stepId: args.stepId, traceIndex: args.traceIndex };
    if (!(await confirmExternalWrite(args, `${args.decision === 'reject' ? 'reject' : 'confirm'} the finding ${args.category} on step ${args.stepId} of ${basename(uri.fsPath)}`))) return undefined;
    const kind = args.decision === 'reject' ? 'rejectFinding' : 'confirmFinding';
    const outcome = await editStep(target, { kind, rule: args.rule, category: args.category });
    void report(target, outcome, args.decision === 'reject'
      ? vscode.l10n.t('rejected finding {0} on step {1}', args.category, outcome.stepName)
      : vscode.l10n.t('confirmed finding {0} on step {1}', args.category, outcome.stepName));
    return outcome;
  } catch (e) {
    void vscode.window.showErrorMessage(args.decision === 'reject'
      ? vscode.l10n.t('Agent Trace: cannot reject the finding: {0}', userMessage(e))
      : vscode.l10n.t('Agent Trace: cannot confirm the finding: {0}', userMessage(e)));
    return undefined;
  }
}

function userMessage(e: unknown): string {
  if (e && typeof e === 'object' && Array.isArray((e as { problems?: unknown }).problems)) return ((e as { problems: Parameters<typeof formatProblem>[0][] }).problems).map(formatProblem).join('; ');
  return e instanceof Error ? e.message : String(e);
}

/** The annotations of a trace as the extension holds them, for the integration tests (../test-hooks.ts). */
export async function annotationsSnapshot(u?: vscode.Uri | string): Promise<unknown> {
  const uri = toUri(u) ?? getActiveTraceEditor()?.uri;
  if (!uri) return undefined;
  const open = getOpenTraceDocument(uri);
  if (open) {
    return { open: true, dirty: open.file.annotations.dirty, status: open.file.annotationStatus(), sidecar: JSON.parse(serializeSidecar(open.file.annotations.doc)) as unknown };
  }
  const doc = annotationsFor(uri);
  return { open: false, dirty: false, sidecar: doc ? JSON.parse(serializeSidecar(doc)) as unknown : null };
}
