/**
 * "Tag All Steps in Cluster As…" and "Reject Finding for All Steps in Cluster": one operation over
 * every trace of a failure cluster (the batch and its inverse are src/core/clusters/batch.ts), with
 * a summary and Undo; "Agent Trace: Undo Last Cluster Tagging" undoes it later.
 *
 * A trace open in the Trace Debugger is not written behind its tab's back: its document holds the
 * annotations the user sees, maybe with unsaved edits, and saving the tab would overwrite a sidecar
 * written underneath it. Its part of the batch is applied to that document as one edit instead
 * (the tab turns dirty, the edit is on its undo stack, Save writes it), as the palette's Tag
 * command does. Undo applies the inverse to that document while it is still open and unchanged
 * there; otherwise it says so and leaves the tab alone. Every other trace's sidecar is written
 * atomically, and undo puts back its exact previous bytes (or removes a sidecar the batch created),
 * refusing a file that changed since.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { StaleEditError, type AnnotationEdit } from '../../core/annotations';
import {
  batchEdit, planSidecarBatch, readBytes, undoSidecarBatch, writeSidecarBatch,
  type BatchAction, type BatchFileInput, type BatchRefusal, type BatchStep, type FailureCluster, type SidecarWriteRecord,
} from '../../core/clusters';
import { getOpenTraceDocument, tagCategories } from '../editor';
import { configuredTaxonomy } from '../settings';
import { sidecarLocationFor } from '../sidecar-storage';
import { confirmExternalWrite } from '../trusted-args';
import { stepsText } from '../views/failure-words';

/** What the last cluster tagging did, for its Undo. */
interface BatchRecord {
  id: number;
  what: string;
  files: SidecarWriteRecord[];
  /** Traces open in the Trace Debugger: the edit was applied to their document. */
  documents: { uri: vscode.Uri; inverse: AnnotationEdit }[];
}

/** What one cluster operation did, for the summary and the tests. */
export interface ClusterBatchOutcome {
  message: string;
  /** Steps changed, and traces they are in. */
  changed: number;
  traces: number;
  /** Steps that already had it. */
  already: number;
  /** Sidecars written, and traces whose open trace editor got the edit. */
  written: string[];
  inEditor: string[];
  refused: { trace: string; reason: string }[];
}

export interface ClusterUndoOutcome {
  message: string;
  restored: string[];
  removed: string[];
  inEditor: string[];
  refused: { trace: string; reason: string }[];
}

const traces = (n: number): string => (n === 1 ? vscode.l10n.t('1 trace') : vscode.l10n.t('{0} traces', n));

let last: BatchRecord | undefined;
let nextId = 1;

/** Ask for the category, as the trace editor's "Tag This Step As…" does, with the cluster's own category preselected. */
export async function pickClusterCategory(cluster: FailureCluster): Promise<string | undefined> {
  const taxonomy = configuredTaxonomy();
  type Item = vscode.QuickPickItem & { id?: string };
  const items: Item[] = [];
  for (const g of tagCategories(taxonomy)) {
    items.push({ label: g.name, kind: vscode.QuickPickItemKind.Separator });
    for (const c of g.categories) items.push({ label: c.name, description: c.id, detail: c.definition, id: c.id });
  }
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = vscode.l10n.t('Tag all {0} steps of this cluster as…', cluster.count);
  qp.placeholder = vscode.l10n.t('Category ({0})', taxonomy.name);
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.items = items;
  const own = items.find((i) => i.id === cluster.category);
  if (own) qp.activeItems = [own];
  return new Promise((resolve) => {
    let picked: string | undefined;
    qp.onDidAccept(() => { picked = qp.selectedItems[0]?.id ?? qp.activeItems[0]?.id; qp.hide(); });
    qp.onDidHide(() => { qp.dispose(); resolve(picked); });
    qp.show();
  });
}

/** The cluster's steps per trace file, each with the findings behind it. */
function stepsByFile(cluster: FailureCluster): Map<string, { sha256: string; steps: BatchStep[] }> {
  const out = new Map<string, { sha256: string; steps: BatchStep[] }>();
  for (const t of cluster.traces) {
    let f = out.get(t.file);
    if (!f) out.set(t.file, (f = { sha256: t.sha256, steps: [] }));
    for (const stepId of t.stepIds) f.steps.push({ location: stepId, traceIndex: t.traceIndex, findings: t.findings.filter((x) => x.failingStepId === stepId) });
  }
  return out;
}

/** Apply the action to every step of the cluster; say what changed, with Undo. */
export async function runClusterBatch(cluster: FailureCluster, action: BatchAction, opts: { notify?: boolean } = {}): Promise<ClusterBatchOutcome> {
  const inputs: BatchFileInput[] = [];
  const refused: BatchRefusal[] = [];
  const documents: BatchRecord['documents'] = [];
  const changedTraces = new Set<string>();
  let changed = 0;
  let already = 0;
  const inEditor: string[] = [];
  for (const [file, { sha256, steps }] of stepsByFile(cluster)) {
    const uri = vscode.Uri.file(file);
    let bytes: Uint8Array;
    try {
      // Read off the host's thread: a cluster may span hundreds of large traces.
      bytes = await readFile(file);
    } catch (e) {
      refused.push({ trace: file, sidecarPath: '', steps: steps.length, reason: `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
      continue;
    }
    const nowSha = createHash('sha256').update(bytes).digest('hex');
    if (nowSha !== sha256) {
      refused.push({ trace: file, sidecarPath: '', steps: steps.length, reason: vscode.l10n.t('{0} changed since the clusters were computed; refresh the Failure Clusters view and try again', basename(file)) });
      continue;
    }
    const open = getOpenTraceDocument(uri);
    if (open) {
      try {
        const r = batchEdit(open.file.annotations.doc, steps, action);
        if (r.changed) {
          open.file.annotations.performEdit(r.edit);
          documents.push({ uri, inverse: r.inverse });
          inEditor.push(file);
        }
        changed += r.changed;
        already += r.already;
        for (const s of r.changedSteps) changedTraces.add(`${file}\u0000${s.traceIndex}`);
      } catch (e) {
        refused.push({ trace: file, sidecarPath: open.file.annotations.sidecarPath, steps: steps.length, reason: e instanceof Error ? e.message : String(e) });
      }
      continue;
    }
    const location = sidecarLocationFor(uri);
    const before = readBytes(location.path);
    let older: { text: string; from: string } | undefined;
    if (!before) {
      for (const p of location.readFallbacks) {
        const b = readBytes(p);
        if (b) { older = { text: new TextDecoder().decode(b), from: p }; break; }
      }
    }
    inputs.push({ trace: file, sidecarPath: location.path, before, ...(older ? { text: older.text, textFrom: older.from } : {}), binding: { path: basename(file), sha256 }, steps });
  }
  const plan = planSidecarBatch(inputs, action);
  refused.push(...plan.refused);
  const written = writeSidecarBatch(plan);
  refused.push(...written.refused);
  const writtenPaths = new Set(written.written.map((w) => w.sidecarPath));
  for (const f of plan.files) {
    if (f.after && !writtenPaths.has(f.sidecarPath)) continue;
    changed += f.changed;
    already += f.already;
    for (const s of f.changedSteps) changedTraces.add(`${f.trace}\u0000${s.traceIndex}`);
  }
  const what = action.kind === 'tag'
    ? vscode.l10n.t('Tagged {0} in {1} as {2}', stepsText(changed), traces(changedTraces.size), action.category)
    : vscode.l10n.t('Rejected the finding on {0} in {1}', stepsText(changed), traces(changedTraces.size));
  const parts = [what];
  if (already) parts.push(action.kind === 'tag' ? vscode.l10n.t('{0} already tagged', already) : vscode.l10n.t('{0} already rejected', already));
  if (inEditor.length) parts.push(vscode.l10n.t('{0} open in the Trace Debugger changed in its tab (unsaved; Save there)', traces(inEditor.length)));
  if (refused.length) parts.push(vscode.l10n.t('{0} not changed: {1}', traces(refused.length), refused.map((r) => r.reason).join('; ')));
  const message = `${parts.join('; ')}.`;
  if (written.written.length || documents.length) {
    last = { id: nextId++, what, files: written.written, documents };
  }
  const outcome: ClusterBatchOutcome = {
    message, changed, traces: changedTraces.size, already, written: written.written.map((w) => w.sidecarPath), inEditor,
    refused: refused.map((r) => ({ trace: r.trace, reason: r.reason })),
  };
  if (opts.notify !== false) void notify(outcome, last?.id);
  return outcome;
}

async function notify(outcome: ClusterBatchOutcome, id: number | undefined): Promise<void> {
  const undo = vscode.l10n.t('Undo');
  const actions = id !== undefined && (outcome.written.length || outcome.inEditor.length) ? [undo] : [];
  const text = vscode.l10n.t('Agent Trace: {0}', outcome.message);
  const pick = outcome.refused.length ? await vscode.window.showWarningMessage(text, ...actions) : await vscode.window.showInformationMessage(text, ...actions);
  if (pick === undo) {
    if (last?.id !== id) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Agent Trace: a later cluster tagging was made since; undo that one first (Agent Trace: Undo Last Cluster Tagging).'));
      return;
    }
    await undoLastClusterBatch();
  }
}

/** Undo the last cluster tagging: sidecars back to their exact bytes, open documents get the inverse edit. */
export async function undoLastClusterBatch(opts: { notify?: boolean } = {}): Promise<ClusterUndoOutcome | undefined> {
  const record = last;
  if (!record) {
    if (opts.notify !== false) void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: there is no cluster tagging to undo.'));
    return undefined;
  }
  last = undefined;
  const files = undoSidecarBatch(record.files);
  const refused = files.refused.map((r) => ({ trace: r.trace, reason: r.reason }));
  const inEditor: string[] = [];
  for (const d of record.documents) {
    const open = getOpenTraceDocument(d.uri);
    if (!open) {
      refused.push({ trace: d.uri.fsPath, reason: vscode.l10n.t('{0} was changed in its Trace Debugger tab, which is closed now; open it and remove those tags there', basename(d.uri.fsPath)) });
      continue;
    }
    try {
      open.file.annotations.performEdit(d.inverse);
      inEditor.push(d.uri.fsPath);
    } catch (e) {
      refused.push({
        trace: d.uri.fsPath,
        reason: e instanceof StaleEditError
          ? vscode.l10n.t('{0} was edited in its Trace Debugger tab since; undo there (Edit > Undo)', basename(d.uri.fsPath))
          : `${basename(d.uri.fsPath)}: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
  const parts = [vscode.l10n.t('Undid "{0}": {1} sidecars restored, {2} removed', record.what, files.restored.length, files.removed.length)];
  if (inEditor.length) parts.push(vscode.l10n.t('{0} undone in its Trace Debugger tab (unsaved)', traces(inEditor.length)));
  if (refused.length) parts.push(vscode.l10n.t('{0} not undone: {1}', refused.length, refused.map((r) => r.reason).join('; ')));
  const message = `${parts.join('; ')}.`;
  if (opts.notify !== false) {
    const text = vscode.l10n.t('Agent Trace: {0}', message);
    void (refused.length ? vscode.window.showWarningMessage(text) : vscode.window.showInformationMessage(text));
  }
  return { message, restored: files.restored, removed: files.removed, inEditor, refused };
}

/** Ask before writing when another extension passed the category (our own menus never ask). */
export function confirmClusterWrite(args: unknown, cluster: FailureCluster, action: BatchAction): Promise<boolean> {
  return confirmExternalWrite(args, action.kind === 'tag'
    ? `tag ${cluster.count} steps in ${cluster.traces.length} traces as ${action.category}`
    : `reject the finding on ${cluster.count} steps in ${cluster.traces.length} traces`);
}
