/**
 * The trace editor: a custom editor whose document (TraceDocument) keeps the parsed trace and its
 * annotation document on the host. The webview only asks for what it shows (src/protocol).
 *
 * Edit model: the trace file's bytes are never written. What the user edits is the annotation
 * sidecar (`<trace>.annotations.json`): every tag, confirm/reject, review mark and correction is
 * one VS Code edit whose undo/redo replay the core's exact inverse/edit, so Ctrl+Z, the dirty
 * dot, Save (atomic: temp file + rename, one save at a time), Revert (re-read the sidecar) and
 * hot exit (the unsaved annotation document is the backup) behave as for any file.
 */
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { startTraceWorker } from '../../core/engine/worker/spawn';
import { SpareWorker } from '../../core/engine/worker/spare-worker';
import { configuredTaxonomy, configuredTaxonomySpec, maxUnzippedBytes } from '../settings';
import { DocumentWorkerClient } from '../../core/engine/worker/document-client';
import { parseSidecar, serializeSidecar, writeFileAtomic } from '../../core/annotations';
import { prepareSidecarFolder, relocationNote, sidecarLocationFor, sidecarReaderFor } from '../sidecar-storage';
import { siblingAccessFor } from '../sibling-files';
import { sha256Hex } from '../../core/util/hash';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import {
  AnnotationsChanged, GetWebviewState, NavigateNotification, type NavigateAction, Ready, ReadyBarrier, RpcEndpoint, SelectStepNotification, StepSelectedNotification, TraceChanged,
  type TraceChangedParams, type WebviewStateSnapshot,
} from '../../protocol';
import { LiveStateChanged, SetFollow } from '../../protocol/trace-changes';
import { LiveTrace } from './live-trace';
import { LiveStatusItem } from './live-status';
import type { AnnotationChange } from './annotation-state';
import { bindTraceEditorHandlers } from './handlers';
import { bindTraceChangeHandlers } from './trace-change-handlers';
import { renderShell } from './html';
import { TraceFile, type TraceReload } from './trace-file';
import { TraceFileReader } from './trace-file-reader';
import type { AnalysisOutcome } from '../../core/analysis/outcome';
import { TRAINING_COMMANDS } from '../training-sets/ids';

const REQUEST_TIMEOUT_MS = 10_000;
/** How long host-started navigation waits for a page to load before it is dropped. */
export const READY_TIMEOUT_MS = 60_000;
/**
 * How long a command waits for the webview to say what is selected. The page answers after the
 * work it has queued (a page of rows, the details): on a busy machine that takes seconds, and a
 * command that gave up early would say "select a step first" with a step selected.
 */
const STATE_TIMEOUT_MS = 30_000;

/** The sidecar's text, undefined when there is none (other read errors are reported by the caller). */
function readSidecarText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Written to `context.destination` for hot exit; versioned so an older backup is never misread. */
interface BackupFile {
  kind: 'agent-trace-annotations-backup';
  version: 1;
  /** The unsaved annotation document, serialized as a sidecar (its `trace` binding untouched). */
  sidecar: string;
}

/**
 * Integration tests only (the test hook `hashOnAThreadFrom`): streamed files from this many bytes
 * are hashed on a thread of their own, so a small test file takes the path of a large one.
 */
let hashOnAThreadFromBytes: number | undefined;

export function setHashOnAThreadFrom(bytes: number | undefined): void {
  hashOnAThreadFromBytes = bytes;
}

function testedHashing(): { hashOnAThreadFromBytes?: number } {
  return hashOnAThreadFromBytes === undefined ? {} : { hashOnAThreadFromBytes };
}

export class TraceDocument implements vscode.CustomDocument {
  private readonly disposeListeners: (() => void)[] = [];
  /** Saves run one after another (a bulkhead of one), so two saves never interleave their writes. */
  private saving: Promise<void> = Promise.resolve();
  /** The sha mismatch and unreadable-sidecar messages are shown once per open document. */
  warned = false;
  /** Reads the file in a worker (files on disk): the first steps show while the rest is read. */
  reader: TraceFileReader | undefined;
  /** Whether the file is growing (a running agent writing to it); files on disk only. */
  live: LiveTrace | undefined;

  private closed = false;

  constructor(readonly uri: vscode.Uri, readonly file: TraceFile) {}

  /** The editor closed it (dispose ran). */
  get isClosed(): boolean {
    return this.closed;
  }

  get sidecarPath(): string {
    return this.file.annotations.sidecarPath;
  }

  onDidDispose(listener: () => void): void {
    this.disposeListeners.push(listener);
  }

  /** Serialise `job` after any running save. */
  queueSave(job: () => Promise<void> | void): Promise<void> {
    const next = this.saving.then(job, job);
    this.saving = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    this.closed = true;
    this.reader?.dispose();
    this.live?.dispose();
    for (const l of this.disposeListeners.splice(0)) l();
  }
}

/** A file the editor read to its end, with its analysis as the views list it. */
export interface FileRead {
  uri: vscode.Uri;
  /** The file as it was when the read began (modification time in ms, size). */
  stat: { mtime: number; size: number };
  outcome: AnalysisOutcome;
  /** The taxonomy setting the analysis used ("default", "trail", a file path). */
  taxonomy: string;
}

/** What commands (next/previous failure, select step, the test-only state query) act on. */
export interface TraceEditorHandle {
  readonly uri: vscode.Uri;
  nextFailure(): void;
  previousFailure(): void;
  /** Move the editor's selection as its keys would (n, p, ], [). */
  navigate(action: NavigateAction): void;
  /** Select a step by its id; searches the trace shown first, then the others in the file. */
  /** Select a step of run `traceIndex` (position in the file); without a run, only an id one run alone has. */
  selectStep(stepId: string, traceIndex?: number): boolean;
  /** The webview's state; rejects after `timeoutMs` when the page does not load or answer. */
  getState(timeoutMs?: number): Promise<WebviewStateSnapshot>;
  /** Open the original file as text at the selected step; says why when it cannot. */
  revealSelectedInFile(): Promise<{ revealed: boolean; reason?: string }>;
  /** The open document (its TraceFile and annotations). */
  readonly document: TraceDocument;
  /** Turn Follow on or off in the page (a growing file); no value toggles it. */
  setFollow(follow?: boolean): void;
}

const stepSelected = new vscode.EventEmitter<{ editor: TraceEditorHandle; traceIndex: number; index: number; stepId: string }>();
/** The user selected a step in a trace editor (the debugger follows: src/host/debug). */
export const onDidSelectTraceStep = stepSelected.event;

export class TraceEditorProvider implements vscode.CustomEditorProvider<TraceDocument> {
  private readonly editors = new Set<TraceEditor>();
  private active: TraceEditor | undefined;
  private readonly documents = new Map<string, TraceDocument>();
  private readonly changed = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<TraceDocument>>();
  readonly onDidChangeCustomDocument = this.changed.event;
  private readonly annotationsChanged = new vscode.EventEmitter<TraceDocument>();
  /** Any open document's annotations changed (edit, undo, redo, save, revert): the text editor's diagnostics follow. */
  readonly onDidChangeAnnotations = this.annotationsChanged.event;
  private readonly fileRead = new vscode.EventEmitter<FileRead>();
  /** A document worker read a whole file: its analysis, so the Agent Traces view does not parse it again. */
  readonly onDidReadFile = this.fileRead.event;

  /** "Live: N steps, last write 2 s ago" for the active editor's file while it grows. */
  private readonly liveStatus = new LiveStatusItem();

  /** A document worker started ahead for the next trace opened, while any is open (spare-worker.ts). */
  private readonly spareWorker: SpareWorker;

  constructor(private readonly context: vscode.ExtensionContext) {
    context.subscriptions.push(this.liveStatus);
    const workerPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'trace-worker.js').fsPath;
    this.spareWorker = new SpareWorker(() => startTraceWorker(workerPath, 'document'));
    context.subscriptions.push({ dispose: () => this.spareWorker.dispose() });
  }

  /** The live status bar item's text, or undefined when hidden (integration tests). */
  get liveStatusText(): string | undefined {
    return this.liveStatus.text;
  }

  get activeEditor(): TraceEditorHandle | undefined {
    return this.active;
  }

  /** The open trace editors of `uri` (the debugger selects its stopped step in them). */
  editorsFor(uri: vscode.Uri): TraceEditorHandle[] {
    return [...this.editors].filter((e) => e.uri.toString() === uri.toString());
  }

  /** The open trace document of `uri`, if the trace editor has it open. */
  documentFor(uri: vscode.Uri): TraceDocument | undefined {
    return this.documents.get(uri.toString());
  }

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext, token?: vscode.CancellationToken): Promise<TraceDocument> {
    const onDisk = uri.scheme === 'file';
    // The sidecar lives beside the trace, or in a storage folder (setting, read-only trace
    // folder); only reachable (synchronously) for files on disk.
    const sidecar = onDisk ? sidecarLocationFor(uri) : undefined;
    const options = {
      taxonomy: configuredTaxonomy(),
      maxUnzippedBytes: maxUnzippedBytes(),
      readSidecar: sidecar ? sidecarReaderFor(sidecar) : undefined,
      ...(sidecar ? { sidecarPath: sidecar.path } : {}),
    };
    if (onDisk) {
      const document = await this.openInWorker(uri, options, token);
      if (openContext.backupId) await this.restoreBackup(document, openContext.backupId);
      return this.track(document);
    }
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (e) {
      const why = e instanceof vscode.FileSystemError ? e.message : String(e);
      return this.track(new TraceDocument(uri, TraceFile.failed(uri.fsPath, new Error(`cannot be read: ${why}`), options)));
    }
    // Sibling files (label sidecars, Cline's ui_messages.json, opencode's message/ and part/ folders), on disk only.
    const { readSibling, listSibling } = siblingAccessFor(uri);
    const document = new TraceDocument(uri, TraceFile.fromBytes(uri.fsPath, bytes, options, readSibling, listSibling));
    if (openContext.backupId) await this.restoreBackup(document, openContext.backupId);
    return this.track(document);
  }

  /**
   * A file on disk is read and parsed in its own document worker, never on the host's thread;
   * the editor opens as soon as the first steps (or the reason it cannot open) arrive, and the
   * steps keep coming while the page shows them.
   */
  private async openInWorker(uri: vscode.Uri, options: Parameters<typeof TraceFile.opening>[1], token?: vscode.CancellationToken): Promise<TraceDocument> {
    const file = TraceFile.opening(uri.fsPath, options);
    const document = new TraceDocument(uri, file);
    const client = new DocumentWorkerClient(
      () => this.spareWorker.take(),
      // The steps of a streamed file cross without their payloads: the details, corrections and search read them back.
      { path: uri.fsPath, taxonomy: configuredTaxonomySpec(), maxUnzippedBytes: maxUnzippedBytes(), payloadsOnDemand: true, ...testedHashing() },
    );
    document.reader = new TraceFileReader(file, client, (change) => this.traceChanged(document, change), (done) => {
      this.fileRead.fire({ uri, stat: done.stat, outcome: done.outcome, taxonomy: done.taxonomy });
    });
    document.live = new LiveTrace((live) => this.liveChanged(document, live));
    const { shown, done } = document.reader.open();
    // Growth is counted from the end of the first read: the file was this long when it opened.
    void done.then(() => {
      document.live?.opened(stepTotal(document.file));
      // The read has ended: the next trace opened gets a worker already started.
      if (!document.isClosed) void this.spareWorker.prepare();
    });
    // Closing the tab before anything showed stops the read.
    const stop = token?.onCancellationRequested(() => document.reader?.dispose());
    try {
      await shown;
    } finally {
      stop?.dispose();
    }
    return document;
  }

  /** What the reader read (steps added, the file read again, or not readable now) reaches the editors. */
  private traceChanged(document: TraceDocument, change: TraceReload): void {
    if (change.kind === 'unchanged') return;
    if (change.kind === 'unreadable') {
      vscode.window.setStatusBarMessage(vscode.l10n.t('Agent Trace: {0} changed but cannot be read now ({1}); showing the version read before.', basename(document.uri.fsPath), change.problem), 8000);
      return;
    }
    for (const editor of this.editors) if (editor.document === document) editor.traceChanged({ kind: change.kind, stepCounts: change.stepCounts, ...(change.kind === 'rewritten' && change.placesKept ? { placesKept: change.placesKept } : {}) });
    if (document.file.loading) return;
    document.live?.read(stepTotal(document.file), change.kind === 'appended');
    if (this.active?.document === document) this.liveStatus.update(document);
    // Read to the end: the diagnostics follow, and the sidecar's sha can now be compared.
    this.annotationsChanged.fire(document);
    if (!document.warned && [...this.editors].some((e) => e.document === document)) {
      document.warned = true;
      this.warnAboutAnnotations(document);
    }
  }

  /** The file started or stopped growing: the pages show Follow, the status bar says so. */
  private liveChanged(document: TraceDocument, live: boolean): void {
    for (const editor of this.editors) if (editor.document === document) editor.liveChanged(live);
    if (this.active?.document === document) this.liveStatus.update(document);
  }

  /** Hot exit: the backup holds the unsaved annotation document; the sidecar on disk stays the saved state. */
  private async restoreBackup(document: TraceDocument, backupId: string): Promise<void> {
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(backupId)));
      const backup = JSON.parse(text) as BackupFile;
      if (backup.kind !== 'agent-trace-annotations-backup' || backup.version !== 1 || typeof backup.sidecar !== 'string') throw new Error('not an annotation backup of this version');
      document.file.annotations.restore(parseSidecar(backup.sidecar, document.sidecarPath).doc);
    } catch (e) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Agent Trace: the unsaved tags of {0} could not be restored from the backup ({1}); showing {2} as saved.', basename(document.uri.fsPath), e instanceof Error ? e.message : String(e), basename(document.sidecarPath)));
    }
  }

  private track(document: TraceDocument): TraceDocument {
    const key = document.uri.toString();
    this.documents.set(key, document);
    const stop = document.file.annotations.onDidChange((change) => this.onAnnotationChange(document, change));
    const watcher = this.watchSidecar(document);
    const traceWatcher = this.watchTrace(document);
    document.onDidDispose(() => {
      stop();
      watcher?.dispose();
      traceWatcher?.dispose();
      if (this.documents.get(key) === document) this.documents.delete(key);
      if (this.documents.size === 0) this.spareWorker.release();
    });
    return document;
  }

  private onAnnotationChange(document: TraceDocument, change: AnnotationChange): void {
    if (change.kind === 'edit' && change.edit && change.inverse) {
      const { edit, inverse } = change;
      const replay = (e: typeof edit, kind: 'undo' | 'redo'): void => {
        try {
          document.file.annotations.replay(e, kind);
        } catch (err) {
          // Only after the sidecar was reloaded underneath the undo stack; say so instead of corrupting tags.
          const why = err instanceof Error ? err.message : String(err);
          void vscode.window.showWarningMessage(kind === 'undo' ? vscode.l10n.t('Agent Trace: cannot undo "{0}": {1}.', e.label, why) : vscode.l10n.t('Agent Trace: cannot redo "{0}": {1}.', e.label, why));
        }
      };
      this.changed.fire({ document, label: edit.label, undo: () => replay(inverse, 'undo'), redo: () => replay(edit, 'redo') });
    }
    const status = document.file.annotationStatus();
    for (const editor of this.editors) {
      // The webview that made an edit already has its answer; the others refetch.
      if (editor.document === document && !(change.kind === 'edit' && change.origin === editor.endpoint)) {
        editor.endpoint.sendNotification(AnnotationsChanged, { traceIndex: null, status });
      }
    }
    this.annotationsChanged.fire(document);
  }

  /**
   * Reload the sidecar when another program changes it: silently when there are no unsaved
   * edits, else ask. Our own saves are recognised by content (what we last wrote) and ignored.
   */
  private watchSidecar(document: TraceDocument): vscode.Disposable | undefined {
    if (document.uri.scheme !== 'file' || document.file.traces.length === 0) return undefined;
    const path = document.sidecarPath;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(path)), basename(path)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asking = false;
    const check = async (): Promise<void> => {
      const state = document.file.annotations;
      let text: string | undefined;
      try { text = readSidecarText(path); } catch { text = undefined; }
      if (text !== undefined && state.matchesSavedText(text)) return;
      if (text === undefined && !state.dirty && state.doc.errors.length + state.doc.corrections.length + state.doc.reviewed.length === 0) return;
      if (!state.dirty) { state.reload(); return; }
      if (asking) return;
      asking = true;
      try {
        const overwrite = vscode.l10n.t('Overwrite');
        const reload = vscode.l10n.t('Reload');
        const pick = await vscode.window.showWarningMessage(
          vscode.l10n.t('Agent Trace: {0} changed on disk, and {1} has unsaved tags. Overwrite it with yours, or reload it (dropping your unsaved changes)?', basename(path), basename(document.uri.fsPath)),
          overwrite, reload,
        );
        if (pick === reload) state.reload();
        // Either way, saving makes VS Code's dirty state match: Overwrite writes ours, Reload writes what was just read.
        if (pick === overwrite || pick === reload) await vscode.workspace.save(document.uri);
      } finally {
        asking = false;
      }
    };
    const schedule = (): void => { clearTimeout(timer); timer = setTimeout(() => { void check(); }, 150); };
    watcher.onDidChange(schedule);
    watcher.onDidCreate(schedule);
    watcher.onDidDelete(schedule);
    return { dispose: () => { clearTimeout(timer); watcher.dispose(); } };
  }

  /**
   * Read the trace again when it changes on disk (an agent appending to its log, a rewrite): the
   * open editors keep their selection by step id, the tags bind again, the diagnostics follow.
   * Changes that come in bursts are read once per pause; a version that cannot be read yet (a
   * write in progress) keeps the trace shown, and the next change tries again.
   */
  private watchTrace(document: TraceDocument): vscode.Disposable | undefined {
    const reader = document.reader;
    if (!reader) return undefined;
    const path = document.uri.fsPath;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(path)), basename(path)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let reading = false;
    let again = false;
    // The worker reads; the host still catches its rows up: after a read that took `t` ms, the
    // next waits at least 5 t (up to 10 s), so a log written to all the time leaves the host free.
    let pause = 100;
    const read = async (): Promise<void> => {
      document.live?.written();
      if (reading) { again = true; return; }
      // Still reading the first time: look again once that is done.
      if (reader.isReading) { schedule(); return; }
      reading = true;
      const started = Date.now();
      try {
        // What it finds reaches the editors through the reader (traceChanged).
        await reader.reload();
      } finally {
        reading = false;
        pause = Math.min(10_000, Math.max(100, 5 * (Date.now() - started)));
        if (again) { again = false; schedule(); }
      }
    };
    // A throttle, not a debounce: a file written to every few milliseconds is still read.
    const schedule = (): void => {
      if (timer !== undefined) return;
      timer = setTimeout(() => { timer = undefined; void read(); }, pause);
    };
    watcher.onDidChange(schedule);
    watcher.onDidCreate(schedule);
    // A step read back that is no longer in the file as read: read it again, from the start.
    reader.wantsReadAgain = schedule;
    // The file's own watch too: it tells a write at once, and goes on when VS Code's file watcher
    // process restarts (seen on a loaded machine). VS Code's watcher still sees a file re-created.
    const direct = watchFileDirectly(path, schedule);
    return { dispose: () => { clearTimeout(timer); watcher.dispose(); direct?.close(); } };
  }

  async saveCustomDocument(document: TraceDocument): Promise<void> {
    await document.queueSave(() => this.writeSidecar(document, document.sidecarPath));
  }

  private writeSidecar(document: TraceDocument, path: string, binding?: { path: string; sha256: string }): void {
    const state = document.file.annotations;
    if (state.loadError) throw new Error(`${basename(path)} could not be read (${formatProblem(state.loadError[0])}); fix or move it first, it is not overwritten`);
    if (document.uri.scheme !== 'file') throw new Error(`annotations can only be saved next to files on disk (${document.uri.toString(true)} is not)`);
    // Nothing changed since the sidecar was read (e.g. after "Reload" of another program's file):
    // VS Code only needs the save to mark the tab clean; rewriting would change that program's file.
    if (!binding && !state.needsWrite) return;
    prepareSidecarFolder(path);
    writeFileAtomic(path, state.textToSave(binding));
    state.markSaved(binding);
    // Saved somewhere else than beside the trace: say where, once per open document.
    const note = relocationNote(document.uri, path);
    if (note && !this.toldWhereSaved.has(document)) {
      this.toldWhereSaved.add(document);
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: annotations of {0}: {1}.', basename(document.uri.fsPath), note));
    }
  }

  private readonly toldWhereSaved = new WeakSet<TraceDocument>();

  /**
   * Save As copies the trace's bytes unchanged to the new name and writes the annotations beside
   * it. Refused when a sidecar already sits there: that would replace someone's tags.
   */
  async saveCustomDocumentAs(document: TraceDocument, destination: vscode.Uri): Promise<void> {
    if (destination.toString() === document.uri.toString()) return this.saveCustomDocument(document);
    if (destination.scheme !== 'file') throw new Error('annotations can only be saved next to files on disk');
    const sidecar = sidecarLocationFor(destination).path;
    if (existsSync(sidecar)) throw new Error(`${basename(sidecar)} already exists next to ${basename(destination.fsPath)}; move it away first (it is not overwritten)`);
    await document.queueSave(async () => {
      const bytes = await vscode.workspace.fs.readFile(document.uri);
      await vscode.workspace.fs.writeFile(destination, bytes);
      const state = document.file.annotations;
      if (state.loadError) throw new Error(`${basename(document.sidecarPath)} could not be read; fix it first`);
      prepareSidecarFolder(sidecar);
      writeFileAtomic(sidecar, state.textToSave({ path: basename(destination.fsPath), sha256: sha256Hex(bytes) }));
      // VS Code now shows this document saved (its save point moves to the current edit), and
      // the edits live in the new file. Like a text file's Save As, the source shows what is on
      // disk for it again, so the model is not dirty while the tab says saved.
      state.reload();
    });
  }

  async revertCustomDocument(document: TraceDocument): Promise<void> {
    document.file.annotations.reload();
  }

  private backupSerial = 0;

  /**
   * Hot exit: write the unsaved annotation document to `context.destination`. Written to a temp
   * file beside it and renamed into place, so the destination is either the whole backup or
   * untouched; a cancelled backup (VS Code cancels one superseded by a newer edit) writes nothing.
   */
  async backupCustomDocument(document: TraceDocument, context: vscode.CustomDocumentBackupContext, cancellation?: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    if (cancellation?.isCancellationRequested) throw new vscode.CancellationError();
    const backup: BackupFile = { kind: 'agent-trace-annotations-backup', version: 1, sidecar: serializeSidecar(document.file.annotations.doc) };
    // Unique per call: a newer backup of the same document may start before a cancelled one cleaned up.
    const temp = context.destination.with({ path: `${context.destination.path}.${process.pid}-${++this.backupSerial}.tmp` });
    try {
      await vscode.workspace.fs.writeFile(temp, new TextEncoder().encode(JSON.stringify(backup)));
      if (cancellation?.isCancellationRequested) throw new vscode.CancellationError();
      await vscode.workspace.fs.rename(temp, context.destination, { overwrite: true });
    } catch (e) {
      await Promise.resolve(vscode.workspace.fs.delete(temp)).catch(() => undefined);
      throw e;
    }
    return {
      id: context.destination.toString(),
      delete: () => { void vscode.workspace.fs.delete(context.destination).then(undefined, () => undefined); },
    };
  }

  resolveCustomEditor(document: TraceDocument, panel: vscode.WebviewPanel): void {
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    const uri = (base: vscode.Uri, ...p: string[]): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(base, ...p)).toString();
    panel.webview.html = renderShell({
      cspSource: panel.webview.cspSource,
      scriptUri: uri(dist, 'webview.js'),
      styleUris: [uri(dist, 'codicons', 'codicon.css'), uri(media, 'trace-editor.css')],
      title: document.file.path,
    });
    const editor = new TraceEditor(document, panel);
    this.editors.add(editor);
    editor.endpoint.onNotification(StepSelectedNotification, (p) => stepSelected.fire({ editor, ...p }));
    // A file still being read is checked against its sidecar once it is read (traceChanged).
    if (!document.warned && !document.file.loading) {
      document.warned = true;
      this.warnAboutAnnotations(document);
    }
    const setActive = (active: TraceEditor | undefined): void => {
      this.active = active;
      this.liveStatus.update(active?.document);
    };
    if (panel.active) setActive(editor);
    if (document.live?.isLive) editor.liveChanged(true);
    panel.onDidChangeViewState(() => {
      if (panel.active) setActive(editor);
      else if (this.active === editor) setActive(undefined);
    });
    panel.onDidDispose(() => {
      editor.dispose();
      this.editors.delete(editor);
      if (this.active === editor) setActive(undefined);
    });
  }

  private warnAboutAnnotations(document: TraceDocument): void {
    const state = document.file.annotations;
    const name = basename(document.uri.fsPath);
    if (state.loadError) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: {0}. Tags of {1} are shown read-only until that file is fixed or moved; it is never overwritten.', formatProblem(state.loadError[0]), name));
      return;
    }
    const status = document.file.annotationStatus();
    if (status.traceChanged) {
      void vscode.window.showWarningMessage(status.orphanCount
        ? vscode.l10n.t('Agent Trace: {0} changed since it was tagged ({1} was written for other contents). Tags on steps that still exist are shown; {2} whose steps are gone are kept in the file.', name, status.sidecarName, status.orphanCount)
        : vscode.l10n.t('Agent Trace: {0} changed since it was tagged ({1} was written for other contents). Tags on steps that still exist are shown; none were lost.', name, status.sidecarName));
    } else if (status.orphanCount) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Agent Trace: {0} annotation(s) in {1} point at steps that {2} does not have; they are kept in the file.', status.orphanCount, status.sidecarName, name));
    }
  }
}

class TraceEditor implements TraceEditorHandle {
  private readonly rpc: RpcEndpoint;
  private readonly subscription: vscode.Disposable;
  private readonly visibility: vscode.Disposable;

  constructor(readonly document: TraceDocument, private readonly panel: vscode.WebviewPanel) {
    this.rpc = new RpcEndpoint({
      send: (m) => { void panel.webview.postMessage(m); },
      timeoutMs: REQUEST_TIMEOUT_MS,
      // A request refused for what the trace holds (a step no longer on its line: the file is read
      // again) is the webview's to show; the log gets its words, not a stack.
      onHandlerError: (method, e) => (isUserInputError(e) ? console.warn(`[agent-trace-debugger] ${method}: ${e.message}`) : console.error(`[agent-trace-debugger] ${method} failed:`, e)),
    });
    this.visibility = panel.onDidChangeViewState(() => {
      // Hiding the tab destroys the page (no retainContextWhenHidden): it will never answer.
      if (!panel.visible) this.pageGone('the trace editor was hidden');
    });
    this.subscription = panel.webview.onDidReceiveMessage((m) => {
      // The webview's first request is `ready`: from then on it is listening. A second `ready`
      // comes from a new page (the webview was reloaded) that knows nothing of earlier requests.
      if (isReadyRequest(m)) {
        if (this.barrier.isReady) {
          this.pageGone('the webview was reloaded');
          // A new page knows nothing: tell it again that the file is growing.
          if (document.live?.isLive) this.liveChanged(true);
        }
        this.barrier.open();
      }
      this.rpc.handle(m);
    });
    bindTraceChangeHandlers(this.rpc, document.file, () => document.reader?.cancel() ?? false);
    bindTraceEditorHandlers(this.rpc, document.file, {
      revealInFile: (traceIndex, stepIndex) => this.revealInFile(traceIndex, stepIndex),
      openAsText: async () => { await vscode.commands.executeCommand('vscode.openWith', document.uri, 'default'); },
      promoteTrace: async (traceIndex) => {
        // The Training Sets feature asks for the set, and saves unsaved tags if the user agrees.
        await vscode.commands.executeCommand(TRAINING_COMMANDS.promote, document.uri, traceIndex);
        return true;
      },
    });
  }

  /**
   * Opens once the webview has asked for `ready`. A message posted before the webview's script
   * listens is lost, so everything the host starts (navigation, selection, state queries) waits
   * here, as vscode-pull-request-github's WebviewBase does; every wait ends by its deadline.
   */
  private readonly barrier = new ReadyBarrier();

  private pageGone(reason: string): void {
    this.barrier.close();
    this.rpc.cancelPending(reason);
  }

  /** Run `send` once the page listens; dropped when it never loads or the editor closes. */
  private whenReady(send: () => void): void {
    this.barrier.wait(READY_TIMEOUT_MS).then(send, () => undefined);
  }

  /** The trace was read again after it changed on disk: the page asks for what it shows. */
  traceChanged(params: TraceChangedParams): void {
    this.whenReady(() => this.rpc.sendNotification(TraceChanged, params));
  }

  /** The file started or stopped growing. */
  liveChanged(live: boolean): void {
    this.whenReady(() => this.rpc.sendNotification(LiveStateChanged, { live }));
  }

  setFollow(follow?: boolean): void {
    this.whenReady(() => this.rpc.sendNotification(SetFollow, follow === undefined ? {} : { follow }));
  }

  get endpoint(): RpcEndpoint {
    return this.rpc;
  }

  get uri(): vscode.Uri {
    return this.document.uri;
  }

  nextFailure(): void {
    this.navigate('nextFailure');
  }

  previousFailure(): void {
    this.navigate('previousFailure');
  }

  navigate(action: NavigateAction): void {
    this.whenReady(() => this.rpc.sendNotification(NavigateNotification, { action }));
  }

  selectStep(stepId: string, traceIndex?: number): boolean {
    // The id as derived or as written in the trace (sidecars and manifests store the latter).
    const found = this.document.file.findStep(stepId, traceIndex);
    if (!found) return false;
    this.whenReady(() => this.rpc.sendNotification(SelectStepNotification, found));
    return true;
  }

  async getState(timeoutMs = STATE_TIMEOUT_MS): Promise<WebviewStateSnapshot> {
    await this.barrier.wait(timeoutMs);
    return this.rpc.sendRequest(GetWebviewState, {}, { timeoutMs });
  }

  async revealSelectedInFile(): Promise<{ revealed: boolean; reason?: string }> {
    const state = await this.getState();
    if (state.selectedIndex === null) return { revealed: false, reason: 'Select a step first.' };
    return this.revealInFile(state.traceIndex, state.selectedIndex);
  }

  private async revealInFile(traceIndex: number, stepIndex: number): Promise<{ revealed: boolean; reason?: string }> {
    const file = this.document.file;
    if (file.isZip) return { revealed: false, reason: 'This is a zipped Inspect log (.eval): its steps have no position in a text file.' };
    const step = file.session(traceIndex).step(stepIndex);
    const loc = step?.location;
    if (!loc) return { revealed: false, reason: 'The importer recorded no position in the file for this step.' };
    const doc = await vscode.workspace.openTextDocument(this.document.uri);
    const selection = new vscode.Range(loc.line - 1, loc.column - 1, loc.endLine - 1, loc.endColumn - 1);
    await vscode.window.showTextDocument(doc, { selection, viewColumn: vscode.ViewColumn.Beside, preview: true });
    return { revealed: true };
  }

  dispose(): void {
    this.subscription.dispose();
    this.visibility.dispose();
    this.barrier.dispose();
    this.rpc.dispose();
  }
}

function isReadyRequest(m: unknown): boolean {
  return typeof m === 'object' && m !== null && (m as { method?: unknown }).method === Ready.method && 'id' in m;
}

function stepTotal(file: TraceFile): number {
  return file.traces.reduce((n, t) => n + t.steps.length, 0);
}

/** Node's watch on one file (inotify on Linux); undefined where the file system has none. */
function watchFileDirectly(path: string, onChange: () => void): FSWatcher | undefined {
  try {
    const w = watch(path, { persistent: false }, () => onChange());
    // A file removed or rotated away ends this watch; VS Code's watcher sees the new one.
    w.on('error', () => w.close());
    return w;
  } catch {
    return undefined;
  }
}
