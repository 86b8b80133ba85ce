/**
 * Curation's two passes over trace files in the trace workers (the query service's pool), file by
 * file, so the extension host never parses a trace: the first pass prepares and counts each
 * matching run (curateFile), the plan is finished here (ranking, dedup, balance: small data);
 * the write prepares the selected runs again (prepareCurationWrite) and commits them here with one
 * promoteIntoSet. The same functions run in one process for `agent-trace curate`.
 */
import * as vscode from 'vscode';
import {
  commitCuration, CurationCancelled, curationConfig, existingEntries, existingFor, finishPlan, selectedByFile, writeConfig,
  type CurateOptions, type CurationPlan, type CurationResult, type FileCuration,
} from '../../core/curate';
import type { CurateJobOptions } from '../../core/engine/worker/jobs';
import type { CancelToken } from '../../core/engine/worker/client';
import type { WorkerPool } from '../../core/engine/worker/pool';
import type { PromotionInput } from '../../core/training-set/store';
import { UserInputError, type Problem } from '../../core/util/problems';
import { existingSidecarFor } from '../sidecar-storage';

/** What the jobs need of the options (plain data; the taxonomy by its setting). */
export function curateJobOptions(options: CurateOptions, taxonomy: string): Omit<CurateJobOptions, 'config'> {
  return {
    query: options.query, set: options.set, taxonomy,
    includeFailed: options.includeFailed, maskPrivate: options.maskPrivate, allowSecrets: options.allowSecrets, refusedByTemplate: options.refusedByTemplate,
    maxTokens: options.maxTokens, truncate: options.truncate, tokenizer: options.tokenizer, acceptChangedTrace: options.acceptChangedTrace,
    maxUnzippedBytes: options.maxUnzippedBytes, ...(options.now ? { now: options.now.toISOString() } : {}),
  };
}

/** Runs `work` on every item, as many at a time as the pool has workers; stops taking items on cancel or a failure. */
async function eachInPool<T>(pool: WorkerPool, items: readonly T[], token: vscode.CancellationToken, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(Array.from({ length: pool.size }, async () => {
    while (next < items.length && !failed && !token.isCancellationRequested) {
      const i = next++;
      try {
        await work(items[i], i);
      } catch (e) {
        // A job cancelled while it ran ends its worker and rejects: that is the cancel, below.
        if (token.isCancellationRequested) return;
        failed = true;
        throw e;
      }
    }
  }));
  if (token.isCancellationRequested) throw new CurationCancelled();
}

/** The plan over `files` (the trace files whose runs matched), read in the workers. */
export async function planInWorkers(pool: WorkerPool, options: CurateOptions, taxonomy: string, files: readonly string[], token: vscode.CancellationToken, onProgress: (done: number, total: number) => void): Promise<CurationPlan> {
  const opts = { ...options, paths: [...files] };
  const config = curationConfig(opts);
  const job = { ...curateJobOptions(opts, taxonomy), config };
  const results: FileCuration[] = new Array(files.length);
  let done = 0;
  await eachInPool(pool, files, token, async (path, i) => {
    results[i] = await pool.run('curateFile', { ...job, path, explicit: true, sidecar: existingSidecarFor(vscode.Uri.file(path)) }, token as CancelToken);
    onProgress(++done, files.length);
  });
  return finishPlan(opts, config, results);
}

/**
 * The plan's selected runs prepared in the workers, then written here in one batch. `token`
 * cancels until the commit: nothing is written then.
 */
export async function writeInWorkers(pool: WorkerPool, plan: CurationPlan, options: CurateOptions, taxonomy: string, token: vscode.CancellationToken, onProgress: (done: number, total: number) => void): Promise<CurationResult> {
  const config = writeConfig(plan, options.set);
  const existing = existingEntries(options.set);
  const job = { ...curateJobOptions(options, taxonomy), config };
  const inputs = new Map<string, PromotionInput>();
  const warnings: Problem[] = [];
  let unchanged = 0;
  let done = 0;
  const byFile = [...selectedByFile(plan)];
  await eachInPool(pool, byFile, token, async ([path, runs]) => {
    const out = await pool.run('prepareCurationWrite', { ...job, path, runs, existing: existingFor(existing, options.set, runs), sidecar: existingSidecarFor(vscode.Uri.file(path)) }, token as CancelToken);
    if ('problems' in out) throw new UserInputError(out.problems);
    for (const { run, input } of out.inputs) inputs.set(run, input);
    unchanged += out.unchanged;
    warnings.push(...out.warnings);
    done += runs.length;
    onProgress(done, plan.selected.length);
  });
  return commitCuration(plan, config, inputs, { unchanged, warnings });
}
