/**
 * The receiver's output: one file per trace, `<out>/<trace id>.otlp.trace.jsonl` (the trace
 * editor opens `*.trace.jsonl` by default), one OTLP JSON request per line.
 *
 * Each line is appended with one write(2) on a descriptor opened with O_APPEND, so a reader sees
 * whole lines or a torn last line that completes (the editor waits for it), never a line cut in
 * the middle of the file. Appends to one file are queued: concurrent requests never interleave,
 * and lines land in the order the requests were decoded.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** The file name a trace is written to (the id is 32 lowercase hex digits, so no path tricks). */
export function traceFileName(traceId: string): string {
  return `${traceId}.otlp.trace.jsonl`;
}

export interface AppendResult {
  path: string;
  /** The file did not exist or was empty before this line. */
  created: boolean;
  /** Spans appended to this file since the receiver started, this line included. */
  totalSpans: number;
}

export class TraceFileWriter {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly totals = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(readonly outDir: string) {}

  /** Append one line (the JSON text, without its line break) to the trace's file. */
  append(traceId: string, json: string, spanCount: number): Promise<AppendResult> {
    const path = join(this.outDir, traceFileName(traceId));
    const line = Buffer.from(`${json}\n`, 'utf8');
    const run = (): Promise<AppendResult> => this.write(path, line, spanCount);
    // After the previous append to this file, whether it worked or not.
    const next = (this.queues.get(path) ?? Promise.resolve()).then(run, run);
    this.queues.set(path, next);
    this.pending.add(next);
    const settle = (): void => {
      this.pending.delete(next);
      if (this.queues.get(path) === next) this.queues.delete(path);
    };
    next.then(settle, settle);
    return next;
  }

  /** Resolves when every append queued so far has finished (failed ones included). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** O_APPEND; the folder is made again if someone removed it while the receiver runs. */
  private async openForAppend(path: string): Promise<FileHandle> {
    try {
      return await open(path, 'a');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(this.outDir, { recursive: true });
      return open(path, 'a');
    }
  }

  private async write(path: string, line: Buffer, spanCount: number): Promise<AppendResult> {
    const handle = await this.openForAppend(path);
    try {
      const created = (await handle.stat()).size === 0;
      // One write for the whole line; a regular file takes it whole, the loop is for the rare
      // short write (a full disk says so as an error).
      let offset = 0;
      while (offset < line.length) {
        const { bytesWritten } = await handle.write(line, offset, line.length - offset);
        if (bytesWritten <= 0) throw new Error(`wrote 0 bytes to ${path}`);
        offset += bytesWritten;
      }
      const totalSpans = (this.totals.get(path) ?? 0) + spanCount;
      this.totals.set(path, totalSpans);
      return { path, created, totalSpans };
    } finally {
      await handle.close();
    }
  }
}
