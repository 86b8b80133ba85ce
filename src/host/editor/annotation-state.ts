/**
 * The annotation document of one opened trace file (its `<trace>.annotations.json` sidecar), as
 * the editor edits it. No vscode here: the provider turns the edits this reports into VS Code's
 * undoable edits, and the webview tests run it in memory (no sidecar reader = an empty document).
 *
 * Every change goes through the core's pure edit operations, so each has an exact inverse (undo)
 * and is plain data (hot-exit backups). Listeners hear every change with its origin, so the
 * provider can tell the other webviews of the same document without echoing to the one that asked.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  applyEdit, emptyDocument, parseSidecar, serializeSidecar,
  type AnnotationDocument, type AnnotationEdit, type EditResult,
} from '../../core/annotations';
import { isUserInputError, type Problem } from '../../core/util/problems';
import { ErrorCode, rpcError } from '../../protocol';

export type AnnotationChangeKind = 'edit' | 'undo' | 'redo' | 'reload' | 'saved';

export interface AnnotationChange {
  kind: AnnotationChangeKind;
  /** For `edit`: what was applied and how to undo it. */
  edit?: AnnotationEdit;
  inverse?: AnnotationEdit;
  /** Who asked (an opaque token, e.g. the webview's RPC endpoint); undefined for the host itself. */
  origin?: unknown;
}

/** How the state reads its sidecar: the text, undefined when there is none; throw when unreadable. */
export type SidecarReader = (path: string) => string | undefined;

export class AnnotationState {
  private current: AnnotationDocument;
  /** The document as last read from or written to disk: `dirty` compares against it. */
  private saved: AnnotationDocument;
  private error: Problem[] | undefined;
  private warningList: Problem[] = [];
  private readonly listeners = new Set<(change: AnnotationChange) => void>();

  constructor(
    readonly sidecarPath: string,
    /** What a new sidecar binds to (the trace's file name and sha256); undefined when the trace did not load. */
    private binding: { path: string; sha256: string } | undefined,
    private readonly reader: SidecarReader | undefined,
  ) {
    this.current = this.saved = emptyDocument(binding);
    this.load();
  }

  get traceBinding(): { path: string; sha256: string } | undefined {
    return this.binding;
  }

  /** The trace file changed on disk: the next save binds the sidecar to what it holds now. */
  rebindTrace(binding: { path: string; sha256: string } | undefined): void {
    this.binding = binding;
  }

  /** (Re)read the sidecar. A broken sidecar is never replaced: edits are refused until it is fixed. */
  private load(): void {
    this.error = undefined;
    this.warningList = [];
    let doc = emptyDocument(this.traceBinding);
    try {
      const text = this.reader?.(this.sidecarPath);
      if (text !== undefined) {
        const parsed = parseSidecar(text, this.sidecarPath);
        doc = parsed.doc;
        this.warningList = parsed.warnings;
      }
    } catch (e) {
      this.error = isUserInputError(e) ? e.problems : [{ file: this.sidecarPath, message: `cannot be read (${e instanceof Error ? e.message : String(e)})` }];
    }
    this.current = this.saved = doc;
  }

  get doc(): AnnotationDocument {
    return this.current;
  }

  /** Why the sidecar could not be loaded (then the document is read-only), else undefined. */
  get loadError(): readonly Problem[] | undefined {
    return this.error;
  }

  get warnings(): readonly Problem[] {
    return this.warningList;
  }

  get dirty(): boolean {
    return this.current !== this.saved && !isDeepStrictEqual(this.current, this.saved);
  }

  onDidChange(listener: (change: AnnotationChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private fire(change: AnnotationChange): void {
    for (const l of [...this.listeners]) l(change);
  }

  private assertWritable(): void {
    if (this.error) {
      const first = this.error[0];
      throw rpcError(ErrorCode.InvalidParams, `${this.sidecarPath} could not be read (${first?.message ?? 'unknown problem'}${first?.line ? ` at line ${first.line}` : ''}); fix or move that file first: tags are not changed while it is unreadable, so it is never overwritten.`);
    }
  }

  /** Run one core operation on the document. No-ops change nothing and are not reported. */
  perform(operation: (doc: AnnotationDocument) => EditResult, origin?: unknown): EditResult {
    this.assertWritable();
    const result = operation(this.current);
    if (!result.changed) return result;
    this.current = result.doc;
    this.fire({ kind: 'edit', edit: result.edit, inverse: result.inverse, origin });
    return result;
  }

  /** Undo (`inverse`) or redo (`edit`) a reported edit. Throws StaleEditError if the document moved on. */
  replay(edit: AnnotationEdit, kind: 'undo' | 'redo'): void {
    this.current = applyEdit(this.current, edit).doc;
    this.fire({ kind });
  }

  /**
   * Apply an edit made elsewhere (the inverse of a tag saved straight to disk, undone from its
   * notification after the trace editor opened) as a new edit of this document: listeners hear
   * an `edit`, so it joins VS Code's undo stack and marks the tab dirty like any other edit.
   */
  performEdit(edit: AnnotationEdit, origin?: unknown): EditResult {
    return this.perform((doc) => applyEdit(doc, edit), origin);
  }

  /**
   * Whether a save has anything to write: false when the document is what was last read from
   * disk or written. Saving then writes nothing, so a sidecar that another program wrote and the
   * user reloaded is never rewritten in this extension's layout.
   */
  get needsWrite(): boolean {
    return this.dirty;
  }

  /** Revert / reload: read the sidecar again, dropping unsaved changes. */
  reload(): void {
    this.load();
    this.fire({ kind: 'reload' });
  }

  /** Replace the document with one restored from a hot-exit backup (unsaved: `dirty` stays true). */
  restore(doc: AnnotationDocument): void {
    this.current = doc;
  }

  /** The text a save writes: bound to the trace it annotates now (name and sha256). */
  textToSave(binding = this.traceBinding): string {
    return serializeSidecar(binding ? { ...this.current, trace: binding } : this.current);
  }

  /** After a successful save: what was written is the new clean state. */
  markSaved(binding = this.traceBinding): void {
    if (binding) this.current = { ...this.current, trace: binding };
    this.saved = this.current;
    this.fire({ kind: 'saved' });
  }

  /** Whether `text` (read from disk) is what this document would write, i.e. our own save. */
  matchesSavedText(text: string): boolean {
    return text === serializeSidecar(this.saved);
  }
}
