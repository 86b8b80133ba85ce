/**
 * The workspace's trace database, as far as it goes today: one record per trace of every file the
 * Agent Traces view lists, computed in the trace worker and cached per file (its stamp, its
 * content hash and its sidecar's stamp) in the extension's storage, so a second query reads no
 * trace file that has not changed. A query is matched against the records and their words (the
 * word index, text-index.ts); only the files whose free text the index cannot decide (a phrase
 * whose words a trace has, a trace with data blobs) are searched, in the worker.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TraceWorkerClient } from '../../core/engine/worker/client';
import { FileIndex } from '../../core/workspace/file-index';
import { WorkspaceTextIndex } from '../../core/workspace/text-index';
import { matchRecord, type Query } from '../../core/workspace/query';
import { TRACE_RECORD_VERSION, type TraceRecord } from '../../core/workspace/trace-record';
import { configuredTaxonomy, configuredTaxonomySpec, maxFileBytes, maxUnzippedBytes } from '../settings';
import { sidecarLocationFor } from '../sidecar-storage';
import type { CancelToken } from '../../core/engine/worker/client';
import { WorkerPool } from '../../core/engine/worker/pool';

export interface QueryMatch {
  uri: vscode.Uri;
  record: TraceRecord;
  /** The step to open: where free text matched, else the first step with the failure asked for. */
  stepId: string | null;
  /** Traces in the file (a file of several runs shows which run matched). */
  runs: number;
}

export interface QueryRun {
  matches: QueryMatch[];
  /** Traces looked at, and files that are not traces (or could not be read). */
  traces: number;
  refusedFiles: number;
}

/** The file list and what to do with each: the Agent Traces view's listing, the trace worker. */
export interface QuerySources {
  files(): Promise<vscode.Uri[]>;
  worker: TraceWorkerClient;
  /**
   * Workers that compute the records of files not indexed yet and search their steps for free text,
   * one file each at a time (default: `worker` alone). Both are CPU-bound over thousands of files:
   * two workers on two cores take about half the time, and neither runs on the host's thread.
   */
  indexWorkers?: TraceWorkerClient[];
}

export class TraceQueryService {
  private index: FileIndex<TraceRecord> | undefined;
  private indexVersion = '';
  private textIndex: { arrays: TraceRecord[][]; index: WorkspaceTextIndex<TraceRecord> } | undefined;

  /** The workers that index files and search their steps. */
  private readonly pool: WorkerPool;

  constructor(private readonly context: vscode.ExtensionContext, private readonly sources: QuerySources) {
    this.pool = new WorkerPool(sources.indexWorkers?.length ? sources.indexWorkers : [sources.worker]);
  }

  /** The index's workers, for other work over many trace files (curation reads with them). */
  get workers(): WorkerPool { return this.pool; }

  /**
   * Run `query` over the workspace's traces. Progress reports files indexed and searched;
   * cancelling stops between files (what was indexed stays cached).
   */
  async run(query: Query, token: vscode.CancellationToken, progress?: (message: string) => void): Promise<QueryRun> {
    const files = await this.sources.files();
    const byPath = new Map(files.map((u) => [u.fsPath, u]));
    const index = this.indexFor();
    const abort = new AbortController();
    const stop = token.onCancellationRequested(() => abort.abort());
    try {
      const updated = await index.update([...byPath.keys()], {
        signal: abort.signal,
        onProgress: (p) => progress?.(vscode.l10n.t('Indexing trace files: {0} of {1}', p.done, p.total)),
      });
      const taxonomy = configuredTaxonomy();
      const textIndex = query.texts.length > 0 ? await this.textIndexFor(updated.files) : undefined;
      const matches: QueryMatch[] = [];
      let traces = 0;
      const needsText: { path: string; records: TraceRecord[]; runs: number }[] = [];
      for (const f of updated.files) {
        traces += f.records.length;
        const undecided: TraceRecord[] = [];
        for (const r of f.records) {
          // The matcher asks for the steps only when its record predicates did not rule the trace
          // out and free text could still decide (or place) the match: those files are searched.
          let asked = false;
          const hit = matchRecord(query, r, { taxonomy, textIndex }, () => { asked = true; return undefined; });
          if (asked) undecided.push(r);
          else if (hit) matches.push({ uri: byPath.get(f.path) as vscode.Uri, record: r, stepId: hit.stepId, runs: f.records.length });
        }
        if (undecided.length) needsText.push({ path: f.path, records: undecided, runs: f.records.length });
      }
      // Each worker of the pool searches one file at a time, taking the next file left.
      let next = 0;
      let searched = 0;
      const searchFiles = async (): Promise<void> => {
        while (next < needsText.length && !token.isCancellationRequested) {
          const { path, records, runs } = needsText[next++];
          progress?.(vscode.l10n.t('Searching step content: {0} of {1} files', ++searched, needsText.length));
          // The records go with the job (without their words): the worker reads only the steps.
          const given = records.map(({ words: _words, ...r }) => r);
          const hits = await this.pool.run('queryFile', { path, records: given, taxonomy: configuredTaxonomySpec(), query: query.source, maxBytes: maxFileBytes(), maxUnzippedBytes: maxUnzippedBytes() }, token as CancelToken);
          if ('refused' in hits) continue;
          const keys = new Map(records.map((r) => [r.traceKey, r]));
          for (const h of hits) {
            const record = keys.get(h.traceKey);
            if (record) matches.push({ uri: byPath.get(path) as vscode.Uri, record, stepId: h.stepId, runs });
          }
        }
      };
      await Promise.all(Array.from({ length: this.pool.size }, searchFiles));
      matches.sort((a, b) => a.uri.fsPath.localeCompare(b.uri.fsPath) || a.record.traceIndex - b.record.traceIndex);
      return { matches, traces, refusedFiles: updated.files.filter((f) => f.error !== undefined).length };
    } finally {
      stop.dispose();
    }
  }

  /**
   * The word index over the records of `files`, built again only when a file's records changed
   * (the file index hands back the same record arrays for unchanged files).
   */
  private async textIndexFor(files: readonly { records: TraceRecord[] }[]): Promise<WorkspaceTextIndex<TraceRecord>> {
    const arrays = files.map((f) => f.records);
    const last = this.textIndex;
    const same = (a: TraceRecord[], b: TraceRecord[]): boolean => a === b || (a.length === 0 && b.length === 0);
    if (last && last.arrays.length === arrays.length && last.arrays.every((a, i) => same(a, arrays[i]))) return last.index;
    const index = await WorkspaceTextIndex.build(arrays.flat(), (r) => r.words);
    this.textIndex = { arrays, index };
    return index;
  }

  /** One index per taxonomy setting (records name categories in it). */
  private indexFor(): FileIndex<TraceRecord> {
    const version = `${TRACE_RECORD_VERSION}:${configuredTaxonomySpec()}:${maxFileBytes()}`;
    if (this.index && this.indexVersion === version) return this.index;
    const storage = this.context.storageUri ?? this.context.globalStorageUri;
    mkdirSync(storage.fsPath, { recursive: true });
    const pool = this.pool;
    this.index = new FileIndex<TraceRecord>({
      version,
      cacheFile: join(storage.fsPath, 'trace-records.json'),
      concurrency: pool.size,
      companions: (path) => [sidecarLocationFor(vscode.Uri.file(path)).path],
      compute: async (path, signal) => {
        const token: CancelToken = {
          get isCancellationRequested() { return signal.aborted; },
          // One update's signal serves thousands of jobs: each listener goes when its job ends (the client disposes it).
          onCancellationRequested: (l) => {
            const listener = (): void => l();
            signal.addEventListener('abort', listener, { once: true });
            return { dispose: () => signal.removeEventListener('abort', listener) };
          },
        };
        const out = await pool.run('traceRecords', { path, taxonomy: configuredTaxonomySpec(), maxBytes: maxFileBytes(), maxUnzippedBytes: maxUnzippedBytes() }, token);
        if ('refused' in out) throw new Error(out.refused);
        return out;
      },
    });
    this.indexVersion = version;
    return this.index;
  }
}
