/**
 * The workspace trace database at scale (issue 14, section 8): a folder of generated trace files
 * in three formats, indexed cold (every file parsed into its records), then warm (the saved cache
 * loaded and every file's stamp checked), then queried. Figures are printed (wall and CPU ms), not
 * asserted: timing goals live here, not in `npm test`.
 *
 *   npm run bench:database [-- --files 5000 --steps 40 --workers 2]
 *
 * The records are computed by `--workers` trace worker threads (dist/trace-worker.js, as in VS
 * Code, which indexes with two), or with `--workers 0` in this process, one file at a time (the
 * job function called directly). Run `node scripts/build.mjs` first for the worker.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTraceWorker } from '../src/core/engine/worker/spawn';
import { TraceWorkerClient } from '../src/core/engine/worker/client';
import { workerJobs } from '../src/core/engine/worker/jobs';
import { WorkerPool } from '../src/core/engine/worker/pool';
import { FileIndex } from '../src/core/workspace/file-index';
import { parseQuery, runQuery } from '../src/core/workspace/query';
import type { TraceRecord } from '../src/core/workspace/trace-record';
import { DEFAULT_TAXONOMY } from '../src/core/taxonomy';
import { BENCH_SEARCH_TERM, benchTraceText, type BenchFormat } from '../test/support/bench-traces';
import { WorkspaceTextIndex } from '../src/core/workspace/text-index';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

async function main(): Promise<void> {
  const files = arg('files', 5000);
  const steps = arg('steps', 40);
  const workerCount = arg('workers', 2);
  const clients = Array.from({ length: workerCount }, () => new TraceWorkerClient(() => startTraceWorker(join(__dirname, '..', 'dist', 'trace-worker.js'))));
  const pool = workerCount > 0 ? new WorkerPool(clients) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'atd-bench-db-'));
  const formats: BenchFormat[] = ['jsonl', 'otlp', 'trail'];
  try {
    const paths: string[] = [];
    let bytes = 0;
    for (let i = 0; i < files; i++) {
      const format = formats[i % formats.length];
      // Sizes vary (a quarter to twice `steps`) and every file differs (its own seed).
      const text = benchTraceText(format, Math.max(4, Math.round(steps * (0.25 + ((i * 7919) % 100) / 57))), i + 1);
      const path = join(dir, `run-${String(i).padStart(5, '0')}.${format === 'jsonl' ? 'trace.jsonl' : 'trace.json'}`);
      writeFileSync(path, text);
      bytes += Buffer.byteLength(text);
      paths.push(path);
    }
    console.log(`${files} files (${formats.join(', ')}), ${(bytes / 1e6).toFixed(0)} MB, about ${steps} steps each`);
    const cacheFile = join(dir, 'cache', 'trace-records.json');
    const make = (): FileIndex<TraceRecord> => new FileIndex<TraceRecord>({
      version: 'bench',
      cacheFile,
      concurrency: Math.max(1, workerCount),
      compute: async (path) => {
        const params = { path, taxonomy: 'default', maxBytes: 1 << 30 };
        const out = pool ? await pool.run('traceRecords', params) : workerJobs.traceRecords(params);
        if ('refused' in out) throw new Error(out.refused);
        return out;
      },
    });
    mkdirSync(join(dir, 'cache'), { recursive: true });
    const cold = await timed(() => make().update(paths));
    console.log(`index cold:  ${cold.wallMs.toFixed(0)} ms wall, ${cold.cpuMs.toFixed(0)} ms CPU in this process, ${workerCount} worker(s) (${cold.value.computed} files parsed, ${cold.value.files.reduce((n, f) => n + f.records.length, 0)} traces)`);
    // The longest the event loop waited while the warm index loaded (the extension host's share).
    let longestStall = 0;
    let lastTick = performance.now();
    const probe = setInterval(() => { const now = performance.now(); longestStall = Math.max(longestStall, now - lastTick); lastTick = now; }, 1);
    const warm = await timed(() => make().update(paths));
    clearInterval(probe);
    console.log(`index warm:  ${warm.wallMs.toFixed(0)} ms wall, ${warm.cpuMs.toFixed(0)} ms CPU (cache loaded and ${warm.value.reused} stamps checked, ${warm.value.computed} parsed); longest event-loop stall ${longestStall.toFixed(0)} ms`);
    const records = warm.value.files.flatMap((f) => f.records);
    for (const q of ['category:TOOL.TIMEOUT', 'outcome:failure steps:>40', '(category:TOOL OR category:ORCH) -tool:search cost:>0', 'model:gpt-4o* tagged:no']) {
      const query = parseQuery(q);
      const run = await timed(() => runQuery(query, records, { taxonomy: DEFAULT_TAXONOMY }));
      console.log(`query ${JSON.stringify(q)}: ${run.wallMs.toFixed(1)} ms over ${records.length} traces, ${run.value.length} match`);
    }
    // Free text, as "Query Traces" and the Trace Explorer run it: the records' word index decides
    // what it can (one-word terms exactly; phrases narrowed to the traces that have their words),
    // and only the files it leaves open are searched step by step (the queryFile job).
    const built = await timed(() => WorkspaceTextIndex.build(records, (r) => r.words));
    console.log(`word index:  ${built.wallMs.toFixed(0)} ms to build over ${records.length} traces (${built.value.vocabularySize} distinct words, ${records.filter((r) => r.words?.partial).length} partial traces)`);
    for (const q of ['checksum', 'timeout', `"${BENCH_SEARCH_TERM}"`, '"rate limit"', 'category:TOOL.TIMEOUT "timed out"']) {
      const query = parseQuery(q);
      const indexed = await timed(() => {
        const open = new Set<string>();
        const hits = runQuery(query, records, { taxonomy: DEFAULT_TAXONOMY, textIndex: built.value }, (r) => { open.add(r.file); return undefined; });
        return { hits: hits.filter((h) => !open.has(h.record.file)).length, open: [...open] };
      });
      const open = new Set(indexed.value.open);
      const recordsOf = new Map<string, TraceRecord[]>();
      for (const r of records) if (open.has(r.file)) recordsOf.set(r.file, [...(recordsOf.get(r.file) ?? []), r]);
      const searched = await timed(async () => {
        let hits = 0;
        let next = 0;
        const searchFiles = async (): Promise<void> => {
          while (next < indexed.value.open.length) {
            const path = indexed.value.open[next++];
            const params = { path, records: (recordsOf.get(path) ?? []).map(({ words: _words, ...r }) => r), taxonomy: 'default', query: q, maxBytes: 1 << 30 };
            const out = pool ? await pool.run('queryFile', params) : workerJobs.queryFile(params);
            if (!('refused' in out)) hits += out.length;
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, workerCount) }, searchFiles));
        return hits;
      });
      console.log(`query ${JSON.stringify(q)} (free text): ${indexed.wallMs.toFixed(1)} ms from the word index (${indexed.value.hits} decided matches, ${indexed.value.open.length} files left to search), then ${searched.wallMs.toFixed(0)} ms searching those (${searched.value} more matches): ${(indexed.wallMs + searched.wallMs).toFixed(0)} ms in all`);
    }
  } finally {
    for (const c of clients) c.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
