/**
 * The workspace trace database's per-file cache (issue 14, section 1): for each trace file, the
 * small records its runs reduce to, kept by the file's modification time and size, and by its
 * content hash when those change (a file touched or copied is not parsed again). Incremental: an
 * update computes only new and changed files and drops the ones that are gone; cancellable; saved
 * atomically as one JSON-lines file (the extension's storage, or a CLI cache folder): a header
 * line, then one line per file. It is read and written a line at a time, letting the event loop
 * run every few milliseconds, so that tens of megabytes of records never stall the extension
 * host. Generic over the record type, which `compute` makes (in the trace worker in VS Code).
 * Plain Node, no vscode.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { slicePacer } from '../util/slices';
import { claimTempPath, releaseTemp, removeLeftoverTemps } from '../util/temp-files';

export interface FileStamp {
  mtimeMs: number;
  size: number;
  /** The companion files' stamps (`options.companions`), e.g. the annotation sidecar's; '' without. */
  companions?: string;
}

export interface IndexedFile<R> {
  path: string;
  stamp: FileStamp;
  /** The content's sha256 (hex), taken when the file was computed. */
  sha256: string;
  records: R[];
  /** Why the file has no records (it could not be read as a trace): one line. */
  error?: string;
}

export interface FileIndexOptions<R> {
  /**
   * Everything the records depend on besides the file (record version, taxonomy...): a cache
   * saved with another value is dropped whole.
   */
  version: string;
  /** The records of one file. A rejection is kept as the file's `error` (its message only). */
  compute(path: string, signal: AbortSignal): Promise<R[]>;
  /** The JSON file the cache is saved to and loaded from; memory only without it. */
  cacheFile?: string;
  /** Files computed at once (each may run in a worker of its own). Default 2. */
  concurrency?: number;
  /**
   * Other files the records read (the annotation sidecar beside a trace: tags, corrections,
   * reviews): a change to one of them computes the file again, as a change to the file does.
   */
  companions?(path: string): string[];
}

export interface UpdateProgress {
  done: number;
  total: number;
  path: string;
}

export interface UpdateResult<R> {
  files: IndexedFile<R>[];
  /** Files parsed now (new, or changed in content). */
  computed: number;
  /** Files whose stamp or content matched the cache. */
  reused: number;
  /** Cached files no longer in the list, dropped. */
  removed: number;
}

/** The cache file's first line; each following line is one IndexedFile. */
interface SavedHeader {
  kind: 'agent-trace-file-index-lines';
  version: string;
}

/** Cache lines are written in chunks of about this many characters. */
const CHUNK_CHARS = 1 << 20;

/** The lines of `text`, without their line ends (a generator: no array of 5,000 strings at once). */
function* linesOf(text: string): Generator<string> {
  for (let start = 0; start < text.length;) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    if (stop > start) yield text.slice(start, stop);
    start = stop + 1;
  }
}

export class FileIndex<R> {
  private readonly files = new Map<string, IndexedFile<R>>();
  private dirty = false;
  /** The cache being read (once, by the first update). */
  private loading: Promise<void> | undefined;
  /** Files invalidated before the cache was read: their cached entries are left out. */
  private readonly forgotten = new Set<string>();

  constructor(private readonly options: FileIndexOptions<R>) {}

  /** The index once its cache has been read (updates wait for it themselves). */
  async ready(): Promise<this> {
    await (this.loading ??= this.load());
    return this;
  }

  /** What is indexed now, in no particular order (the cache's entries once `ready`). */
  get entries(): IndexedFile<R>[] {
    return [...this.files.values()];
  }

  /** Forget one file (it changed on disk): the next update computes it again. */
  invalidate(path: string): void {
    if (this.files.delete(path)) this.dirty = true;
    // Until the cache is read, its entry for the file must not come back from it.
    this.forgotten.add(path);
  }

  /**
   * Bring the index to exactly `paths`: reuse what is unchanged, compute the rest, drop the files
   * no longer listed, then save. Rejects with an AbortError when `signal` aborts; what was computed
   * until then is kept (and saved), so the next update goes on from there.
   */
  async update(paths: readonly string[], opts: { signal?: AbortSignal; onProgress?: (p: UpdateProgress) => void } = {}): Promise<UpdateResult<R>> {
    const signal = opts.signal ?? new AbortController().signal;
    await this.ready();
    const wanted = new Set(paths);
    let removed = 0;
    for (const path of [...this.files.keys()]) {
      if (!wanted.has(path)) { this.files.delete(path); removed++; }
    }
    if (removed) this.dirty = true;
    let computed = 0;
    let reused = 0;
    let done = 0;
    const queue = [...wanted];
    const worker = async (): Promise<void> => {
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        signal.throwIfAborted();
        if (await this.refresh(path, signal)) computed++;
        else reused++;
        opts.onProgress?.({ done: ++done, total: wanted.size, path });
      }
    };
    // Every worker settles before the save, so what is saved is what is in memory.
    const settled = await Promise.allSettled(Array.from({ length: Math.max(1, this.options.concurrency ?? 2) }, worker));
    try {
      await this.save();
    } catch {
      // Only a cache: the records are in memory, and the next update tries to save again.
      this.dirty = true;
    }
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return { files: [...wanted].map((p) => this.files.get(p)).filter((f): f is IndexedFile<R> => f !== undefined), computed, reused, removed };
  }

  /** Write the cache if anything changed since it was loaded or last saved. */
  async save(): Promise<void> {
    if (!this.dirty || !this.options.cacheFile) return;
    // Cleared first: a change made while the lines are written marks the cache dirty again.
    this.dirty = false;
    const header: SavedHeader = { kind: 'agent-trace-file-index-lines', version: this.options.version };
    // Written to a file of its own, then renamed over the cache: a reader sees the old cache or
    // the new one. Lines go out in chunks, never as one string of the whole cache.
    const file = this.options.cacheFile;
    const tmp = claimTempPath(file);
    const out = createWriteStream(tmp);
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    try {
      let chunk = `${JSON.stringify(header)}\n`;
      const flush = async (): Promise<void> => {
        if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
        chunk = '';
      };
      const pause = slicePacer();
      for (const f of [...this.files.values()]) {
        chunk += `${JSON.stringify(f)}\n`;
        if (chunk.length > CHUNK_CHARS) await flush();
        await pause();
      }
      await flush();
      await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
      await rename(tmp, file);
    } catch (e) {
      out.destroy();
      await unlink(tmp).catch(() => {});
      throw e;
    } finally {
      releaseTemp(tmp);
    }
    // Temporary files of writers that died on the way (their process is gone).
    removeLeftoverTemps(dirname(file));
  }

  /** True when the file was computed, false when the cache still held it. */
  private async refresh(path: string, signal: AbortSignal): Promise<boolean> {
    const cached = this.files.get(path);
    let stamp: FileStamp;
    try {
      const s = await stat(path);
      stamp = { mtimeMs: s.mtimeMs, size: s.size, companions: await this.companionStamp(path) };
    } catch (e) {
      // Gone between the listing and now: nothing to index.
      this.files.set(path, { path, stamp: { mtimeMs: 0, size: 0 }, sha256: '', records: [], error: `cannot be read: ${message(e)}` });
      this.dirty = true;
      return true;
    }
    const companionsSame = (cached?.stamp.companions ?? '') === stamp.companions;
    if (cached && companionsSame && cached.stamp.mtimeMs === stamp.mtimeMs && cached.stamp.size === stamp.size) return false;
    const sha256 = await fileSha256(path, signal);
    if (cached && companionsSame && cached.sha256 === sha256 && cached.stamp.size === stamp.size) {
      // Touched, not changed: the records stand.
      this.files.set(path, { ...cached, stamp });
      this.dirty = true;
      return false;
    }
    let entry: IndexedFile<R>;
    try {
      entry = { path, stamp, sha256, records: await this.options.compute(path, signal) };
    } catch (e) {
      if (signal.aborted) throw e;
      entry = { path, stamp, sha256, records: [], error: message(e) };
    }
    this.files.set(path, entry);
    this.dirty = true;
    return true;
  }

  /** "mtime:size" of each companion that exists, "-" for one that does not. */
  private async companionStamp(path: string): Promise<string> {
    const companions = this.options.companions?.(path) ?? [];
    const parts = await Promise.all(companions.map(async (c) => {
      try {
        const s = await stat(c);
        return `${s.mtimeMs}:${s.size}`;
      } catch {
        return '-';
      }
    }));
    return parts.join('|');
  }

  private async load(): Promise<void> {
    const file = this.options.cacheFile;
    if (!file) return;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return; // no cache yet, or one that cannot be read: it is only a cache, so start empty
    }
    const lines = linesOf(text);
    const first = lines.next();
    let header: Partial<SavedHeader> | undefined;
    try { header = first.done ? undefined : JSON.parse(first.value) as Partial<SavedHeader>; } catch { header = undefined; }
    // Another format (an older cache) or another version: dropped whole.
    if (header?.kind !== 'agent-trace-file-index-lines' || header.version !== this.options.version) return;
    const pause = slicePacer();
    for (const line of lines) {
      await pause();
      let f: IndexedFile<R>;
      try { f = JSON.parse(line) as IndexedFile<R>; } catch { continue; } // a torn line: that file is computed again
      if (typeof f?.path === 'string' && typeof f.stamp?.mtimeMs === 'number' && typeof f.stamp.size === 'number' && Array.isArray(f.records) && !this.forgotten.has(f.path)) this.files.set(f.path, f);
    }
    this.forgotten.clear();
  }
}

/** The sha256 of a file, read in chunks (files of any size), stopping when `signal` aborts. */
export async function fileSha256(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0];
}
