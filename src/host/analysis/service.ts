/**
 * Shared, cached trace analysis for the text-editor features and the Agent Traces view.
 *
 * The analysis itself (read, parse, detect) runs in the trace worker (src/core/engine/worker), off
 * the extension host's thread: only the small outcome (counts and failure sites) comes back. Jobs
 * are cached by document version or by file mtime+size, and files above the size limit are not
 * read. Without a worker (the unit tests) the same job runs in process, one at a time on a fresh
 * macrotask so other work gets the thread between files.
 */
import * as vscode from 'vscode';
import { configuredTaxonomy, configuredTaxonomySpec, maxFileBytes, maxUnzippedBytes } from '../settings';
import type { Taxonomy } from './core-api';
import { analysisOutcome, type AnalysisOutcome } from '../../core/analysis/outcome';
import type { TraceWorkerClient } from '../../core/engine/worker/client';
import { workerJobs } from '../../core/engine/worker/jobs';

export type { AnalysisOutcome } from '../../core/analysis/outcome';

const CONCURRENCY = 2;

export class AnalysisService implements vscode.Disposable {
  private readonly docCache = new Map<string, { version: number; taxonomyId: string; result: Promise<AnalysisOutcome> }>();
  private readonly fileCache = new Map<string, { mtime: number; size: number; taxonomyId: string; result: AnalysisOutcome }>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the taxonomy setting changes: every cached result is stale. */
  readonly onDidChangeTaxonomy = this.changed.event;
  private taxonomyCache?: Taxonomy;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly worker?: TraceWorkerClient) {
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('agentTraceDebugger.taxonomy')) {
        this.taxonomyCache = undefined;
        this.docCache.clear();
        this.fileCache.clear();
        this.changed.fire();
      }
    }));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  get taxonomy(): Taxonomy {
    if (!this.taxonomyCache) this.taxonomyCache = configuredTaxonomy();
    return this.taxonomyCache;
  }

  /** Analysis of an open document's current text, cached by version. */
  analyzeDocument(doc: vscode.TextDocument): Promise<AnalysisOutcome> {
    const key = doc.uri.toString();
    const taxonomyId = this.taxonomy.id;
    const hit = this.docCache.get(key);
    if (hit && hit.version === doc.version && hit.taxonomyId === taxonomyId) return hit.result;
    const version = doc.version;
    const result = this.schedule((): AnalysisOutcome | Promise<AnalysisOutcome> => {
      // The document may have moved on while queued; analyse the text of the version we promised.
      const text = doc.version === version ? doc.getText() : undefined;
      if (text === undefined) return { kind: 'invalid', problems: [] };
      const limit = maxFileBytes();
      // UTF-16 length is a cheap lower bound of the byte size; good enough for a limit.
      if (text.length > limit) return { kind: 'tooLarge', sizeBytes: text.length, limitBytes: limit };
      const params = { path: doc.uri.fsPath, text, taxonomy: configuredTaxonomySpec(), withSteps: true, maxUnzippedBytes: maxUnzippedBytes(), siblings: doc.uri.scheme === 'file' };
      return this.worker ? this.worker.run('analyzeText', params).catch((e: unknown) => failed(doc.uri.fsPath, e)) : workerJobs.analyzeText(params);
    });
    this.docCache.set(key, { version, taxonomyId, result });
    return result;
  }

  forgetDocument(uri: vscode.Uri): void {
    this.docCache.delete(uri.toString());
  }

  /** Cached result for a file on disk, if it is still current. */
  cachedFile(uri: vscode.Uri, stat: { mtime: number; size: number }): AnalysisOutcome | undefined {
    const hit = this.fileCache.get(uri.toString());
    return hit && hit.mtime === stat.mtime && hit.size === stat.size && hit.taxonomyId === this.taxonomy.id ? hit.result : undefined;
  }

  /**
   * The trace editor read a file to its end and analysed it as this service would: remembered, so
   * the view does not parse the file a second time. Ignored when the taxonomy changed meanwhile.
   */
  rememberFile(uri: vscode.Uri, stat: { mtime: number; size: number }, outcome: AnalysisOutcome, taxonomySpec: string): void {
    if (taxonomySpec !== configuredTaxonomySpec()) return;
    this.fileCache.set(uri.toString(), { ...stat, taxonomyId: this.taxonomy.id, result: outcome });
  }

  /** Analysis of a file on disk (for the view), cached by mtime and size. */
  async analyzeFile(uri: vscode.Uri, stat: { mtime: number; size: number }): Promise<AnalysisOutcome> {
    const cached = this.cachedFile(uri, stat);
    if (cached) return cached;
    const limit = maxFileBytes();
    let result: AnalysisOutcome;
    if (stat.size > limit) {
      result = { kind: 'tooLarge', sizeBytes: stat.size, limitBytes: limit };
    } else if (uri.scheme === 'file') {
      const params = { path: uri.fsPath, taxonomy: configuredTaxonomySpec(), withSteps: false, maxBytes: limit, maxUnzippedBytes: maxUnzippedBytes() };
      result = await this.schedule(() => (this.worker ? this.worker.run('analyzeFile', params).catch((e: unknown) => failed(uri.fsPath, e)) : workerJobs.analyzeFile(params)));
    } else {
      result = await this.schedule(async (): Promise<AnalysisOutcome> => {
        let bytes: Uint8Array;
        try {
          bytes = await vscode.workspace.fs.readFile(uri);
        } catch (e) {
          return { kind: 'invalid', problems: [{ file: uri.fsPath, message: `cannot be read (${e instanceof Error ? e.message : String(e)})` }] };
        }
        return analysisOutcome(uri.fsPath, bytes, this.taxonomy, false, { maxUnzippedBytes: maxUnzippedBytes() });
      });
    }
    this.fileCache.set(uri.toString(), { ...stat, taxonomyId: this.taxonomy.id, result });
    return result;
  }

  private async schedule<T>(job: () => T | Promise<T>): Promise<T> {
    if (this.running >= CONCURRENCY) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return await job();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** The worker stopped or the job was cancelled: the file shows as not analysed, with why. */
function failed(path: string, e: unknown): AnalysisOutcome {
  return { kind: 'invalid', problems: [{ file: path, message: `could not be analysed: ${e instanceof Error ? e.message : String(e)}` }] };
}
