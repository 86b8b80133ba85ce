/**
 * A trace file's runs with their steps held without their payloads, read by the engine's document
 * loader in this thread (the debugger). The loader streams agent-trace/v1 lines and large OTLP and
 * TRAIL documents, running the detectors as the steps come, and hands over each step without its
 * messages, arguments and results (`withoutPayloads`), with the byte range it came from: a step is
 * made whole again from the file when it is needed (`FilePayloads`). A file the loader reads whole
 * comes with whole steps and no payloads to read back.
 */
import type { Finding } from '../detect';
import type { Step, Trace } from '../model/schema';
import { UserInputError, type Problem } from '../util/problems';
import { FilePayloads, type HeldPayloads } from './stream/step-payloads';
import { TextPayloads } from './stream/text-payloads';
import type { Worker } from 'node:worker_threads';
import { DocumentWorkerClient } from './worker/document-client';
import { DocumentLoader, type DocumentEvent, type OpenDocumentParams, type RunHeader } from './worker/document-load';

export interface HeldRun {
  /** The run, its steps held (whole when `payloads` is undefined). */
  trace: Trace;
  findings: Finding[];
  /** Where each held step's line or span is, to read it back whole; undefined when the steps came whole. */
  payloads: HeldPayloads | undefined;
}

export interface HeldRuns {
  format: string;
  runs: HeldRun[];
  warnings: Problem[];
}

/** The loader's last event of a read that went to the end. */
type LoadDone = Extract<DocumentEvent, { kind: 'done' }>;

export type HeldRunsOptions = Pick<OpenDocumentParams, 'taxonomy' | 'maxUnzippedBytes' | 'streamFromBytes' | 'chunkSize' | 'keepUsage'> & {
  /** How far the read got, as it goes (bytes of the file). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
};

/** Read the trace file at `path`; a file that cannot be read as a trace throws the UserInputError the whole import would. */
export function readHeldRuns(path: string, options: HeldRunsOptions): HeldRuns {
  const held = new HeldRunsCollector(path);
  const done = runLoader(heldRunsParams(path, options), options.onProgress, (e) => held.take(e));
  return held.result(done);
}

/** The loader's parameters for reading held runs: streamed, payloads read back on demand, read once. */
export function heldRunsParams(path: string, options: HeldRunsOptions): OpenDocumentParams {
  const { onProgress: _progress, ...params } = options;
  return { ...params, path, payloadsOnDemand: true, readOnce: true };
}

/**
 * The runs of a file as the loader's events give them (in this thread, or decoded from a document
 * worker's): each run's steps as they come, where to read them back, and what a reset keeps.
 */
export class HeldRunsCollector {
  private steps: Step[][] = [];
  private payloads: (HeldPayloads | undefined)[] = [];
  private readonly headers: RunHeader[] = [];
  private readonly findings: Finding[][] = [];

  constructor(private readonly path: string) {}

  take(e: DocumentEvent): void {
    if (e.kind === 'steps') {
      if (e.header) this.headers[e.run] = e.header;
      if (e.findings) this.findings[e.run] = e.findings;
      const held = (this.steps[e.run] ??= []);
      for (const step of e.steps) held.push(step);
      if (e.payloadRanges || e.payloadTexts) (this.payloads[e.run] ??= e.payloadTexts ? new TextPayloads() : new FilePayloads(this.path, undefined, e.payloadFormat)).addNext(e);
    } else if (e.kind === 'reset') {
      // Read again from the start, keeping each run's first keep[run] steps (a trace whose order changed).
      const keep = e.keep ?? [];
      this.steps = keep.map((kept, run) => (this.steps[run] ?? []).slice(0, kept));
      this.payloads = keep.map((kept, run) => this.payloads[run]?.keptTo(kept));
    }
  }

  /** The steps of run `run` so far (the list grows as more come; a reset replaces it). */
  stepsOf(run: number): readonly Step[] {
    return this.steps[run] ?? [];
  }

  /** Run `run`'s header as its steps events gave it last (the final one comes with `done`). */
  headerOf(run: number): RunHeader | undefined {
    return this.headers[run];
  }

  /** Run `run`'s findings as its steps events gave them last (some come only at the end of the read). */
  findingsOf(run: number): readonly Finding[] {
    return this.findings[run] ?? [];
  }

  /** Where run `run`'s held steps are in the file, so far. */
  payloadsOf(run: number): HeldPayloads | undefined {
    return this.payloads[run];
  }

  result(done: LoadDone): HeldRuns {
    return {
      format: done.format,
      warnings: done.warnings,
      runs: done.runs.map((header, run) => ({ trace: { ...header, steps: this.steps[run] ?? [] }, findings: done.findings[run] ?? [], payloads: this.payloads[run] })),
    };
  }
}

/**
 * Run the document loader over a file once, in this thread, giving `onEvent` each event: its
 * `done`, or the UserInputError (or Error, for a bug) of a file it could not read.
 */
export function runLoader(params: OpenDocumentParams, onProgress: ((bytesRead: number, totalBytes: number) => void) | undefined, onEvent: (e: DocumentEvent) => void): LoadDone {
  const end = new LoadEnd(params.path, onProgress, onEvent);
  new DocumentLoader(params, end.take).open();
  return end.result();
}

/**
 * How a load's events end, in this thread or from a document worker: each tells `onProgress` how
 * far the read is; its `done` or its failure is kept, every other event goes on to `onEvent`.
 */
class LoadEnd {
  private done: LoadDone | undefined;
  private failed: Extract<DocumentEvent, { kind: 'failed' }> | undefined;

  constructor(private readonly path: string, private readonly onProgress: ((bytesRead: number, totalBytes: number) => void) | undefined, private readonly onEvent: (e: DocumentEvent) => void) {}

  readonly take = (e: DocumentEvent): void => {
    if (e.kind === 'steps' || e.kind === 'progress' || e.kind === 'done') this.onProgress?.(e.kind === 'done' ? e.totalBytes : e.bytesRead, e.totalBytes);
    if (e.kind === 'done') this.done = e;
    else if (e.kind === 'failed') this.failed = e;
    else this.onEvent(e);
  };

  /**
   * The load's `done`; else the UserInputError of a file that is not a trace, or an Error (a bug,
   * a worker that stopped: `unanswered` says why there is neither).
   */
  result(unanswered = `${this.path}: the trace loader ended without an answer`): LoadDone {
    const failed = this.failed;
    if (failed?.userError) throw new UserInputError(failed.problems);
    if (failed) throw new Error(failed.problems.map((p) => p.message).join('; '));
    if (!this.done) throw new Error(unanswered);
    return this.done;
  }
}

/** A read of held runs in a document worker (`readHeldRunsInWorker`). */
export interface HeldRunsReading {
  /** What has come so far, as it comes. */
  readonly collector: HeldRunsCollector;
  /** The runs once the file is read; rejects as `readHeldRuns` throws, or with `READ_CANCELLED`. */
  readonly done: Promise<HeldRuns>;
  /** Stop the read (the worker ends); `done` rejects with `READ_CANCELLED`. */
  cancel(): void;
}

const READ_CANCELLED = 'the read was cancelled';

/**
 * `readHeldRuns` in a document worker (`spawn` starts one: trace-worker.ts in document mode), so
 * this thread stays free while the file is read: the trace debugger answers requests about the
 * first steps meanwhile. `onEvent` sees each event after the collector took it.
 */
export function readHeldRunsInWorker(path: string, options: HeldRunsOptions, spawn: () => Worker, onEvent?: (e: DocumentEvent) => void): HeldRunsReading {
  const collector = new HeldRunsCollector(path);
  const client = new DocumentWorkerClient(spawn, heldRunsParams(path, options));
  const end = new LoadEnd(path, options.onProgress, (e) => collector.take(e));
  const read = client.open((e) => {
    end.take(e);
    onEvent?.(e);
  }).then((how) => {
    client.dispose();
    return collector.result(end.result(how === 'cancelled' ? READ_CANCELLED : undefined));
  });
  return { collector, done: read, cancel: () => client.cancel() };
}
