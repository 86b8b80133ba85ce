/**
 * Opens one trace file for the trace editor, in the trace worker, and reports it as events the
 * host turns into a growing model (src/host/editor/trace-file.ts): the host's thread never parses,
 * and the first steps arrive while the rest is still read.
 *
 * - agent-trace/v1 JSON lines (at least `streamFromBytes` of them) stream: `readJsonlLines` reads
 *   the file in chunks, `CanonicalStreamBuilder` turns each batch into final steps, and each batch
 *   is sent at once. When the file grows, only the new bytes are read (`reload`). A file out of
 *   decision order, or one rewritten underneath, is loaded again whole.
 * - OTLP JSON documents, OTLP JSON lines (the collector's file exporter) and TRAIL span trees
 *   stream too when they allow it (otlp-builder.ts, trail-builder.ts: spans in decision order):
 *   `readJsonValues` reads them in chunks and each chunk's steps are sent at once. A change reads
 *   the file again. OTLP spans written children first are read in two passes; any other document
 *   out of decision order is loaded whole.
 * - Every other format is loaded whole here and sent in slices of steps.
 * - At the end of each load: the runs' headers (their ids and sha256 need the whole file), the
 *   warnings, and the findings of each run (the detectors run here, not on the host).
 *
 * Plain functions of a class, so the tests run them without a thread.
 */
import { hashFileRange, readFileRange } from '../../util/file-range';
import { statSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { loadTraceFile, loadTraceFromBytes, readTraceFileBytes, STREAM_ABOVE_BYTES, type LoadResult } from '../../load';
import { TraceKeyAllocator } from '../../model/trace-key';
import type { Step, ToolDefinition, Trace } from '../../model/schema';
import { canonicalImporter } from '../../formats/canonical';
import { detectOptionsFor } from '../../analyze';
import { StreamDetector } from '../../detect';
import type { Finding } from '../../detect';
import { cleanProblem, isUserInputError, UserInputError, type Problem } from '../../util/problems';
import { CanonicalStreamBuilder, type StreamedStep } from '../stream/canonical-builder';
import { completeLines, parsesWhole, wholeLinesEnd } from '../stream/complete-lines';
import { withoutPayloads, type PayloadFormat } from '../stream/step-payloads';
import { inferMissingTools, ToolInference } from '../../export/infer-tools';
import { SentSteps } from './sent-steps';
import { StepPrints } from '../step-prints';
import { checkStreamedRuns, looksLikeCanonicalJsonl, streamedRunHeader, type StreamedRuns } from '../stream/jsonl-stream';
import { otlpJsonShape } from '../stream/otlp-stream';
import { OtlpStreamBuilder } from '../stream/otlp-builder';
import { FollowedLines } from '../stream/followed-lines';
import type { OrderedSpans } from '../stream/otlp-two-pass';
import { TrailStreamBuilder } from '../stream/trail-builder';
import { looksLikeTrailDocument } from '../stream/trail-stream';
import { isEvalArchive, looksLikeInspectJsonDocument, readEvalSamples, readInspectSamples, type InspectSampleRead } from '../stream/inspect-stream';
import { isZipBytes, SourceFile } from '../../json/source-file';
import type { DocumentStreamBuilder, DocumentStreamedStep } from '../stream/document-builder';
import { readJsonValues, SecondJsonValue, type JsonLinesStop } from '../stream/json-values';
import { FileHasher, isBlankLine, JSONL_START, readJsonlLines, type JsonlPosition } from '../stream/jsonl-lines';
import { fileHasherFor, ThreadFileHasher } from '../stream/thread-hasher';
import { taxonomyFor } from './jobs';
import { siblingsOf } from '../../util/siblings';
import { FailureSiteMemo, failureSites } from '../../analysis/failure-sites';
import type { AnalysisOutcome } from '../../analysis/outcome';

/** The single-document formats the loader streams: an OTLP document, OTLP JSON lines, a TRAIL span tree. */
type DocumentKind = 'otlp' | 'otlp-lines' | 'trail';

export interface OpenDocumentParams {
  path: string;
  /** "default", "trail", "mast" or a taxonomy file's absolute path. */
  taxonomy: string;
  maxUnzippedBytes?: number;
  /** Read the files beside it (label sidecars, Cline's ui_messages.json...); default true. */
  siblings?: boolean;
  /** agent-trace/v1 files at least this large stream (default 4 MB); smaller ones load whole, at once. */
  streamFromBytes?: number;
  /** Steps per `steps` event of a whole load (default 2,000). */
  batchSteps?: number;
  /** Bytes per read while streaming (tests use small ones). */
  chunkSize?: number;
  /** A streamed file at least this large is hashed on a thread of its own (default HASH_ON_A_THREAD_FROM_BYTES; tests use 0). */
  hashOnAThreadFromBytes?: number;
  /** OTLP JSON lines read on, or a followed file: how far behind a run's end its checkpoint is, in steps (default CHECKPOINT_LAG, FOLLOWED_CHECKPOINT_LAG; tests use small ones). */
  checkpointLag?: number;
  /** A file loaded whole is followed as it grows (FollowedLines) up to this size (default FOLLOW_UP_TO_BYTES; tests use small ones). */
  followUpToBytes?: number;
  /** OTLP JSON lines are read on while no trace has more spans than this (default SPANS_KEPT_TO_READ_ON; tests use small ones). */
  spansReadOn?: number;
  /** OTLP JSON lines read on: a run's order is kept and extended from this many spans (default ORDER_KEPT_FROM; tests use 0). */
  orderKeptFrom?: number;
  /**
   * Single JSON documents (OTLP, TRAIL span trees, Inspect .json) larger than this are parsed as a
   * stream (`loadTraceFile`), not as one string; default V8's string limit (tests make it small).
   */
  streamJsonAbove?: number;
  /**
   * While a file streams, a run's findings so far go with its steps once at least this many steps
   * (or a tenth of those read, if more) came since they last went and there are new ones; default
   * 5,000 (tests make it small).
   */
  findingsEverySteps?: number;
  /**
   * A streamed file's steps (agent-trace/v1 lines, an OTLP document's spans) are sent without
   * their payloads (PAGED_FIELDS in step-payloads.ts), each with its line's or span's byte range
   * (`payloadRanges`), for the host to read back when it needs a whole step. Default false: the
   * whole steps are sent.
   */
  payloadsOnDemand?: boolean;
  /** With payloadsOnDemand: the steps keep their usage (the debugger sums it; in process only, as the event codec sends such steps whole). */
  keepUsage?: boolean;
  /**
   * The file is read once and never again (the CLI): no step prints are taken, which only tell a
   * later read what it need not send again. Who&When's hand-crafted logs (a step's input is the
   * whole conversation before it: 27 MB of steps for 121) spent 250 ms printing them.
   */
  readOnce?: boolean;
}

/** A run without its steps: what the host needs besides the steps. */
export type RunHeader = Trace;

/** What goes with steps sent without their payloads: where the host makes them whole, and the tools their calls imply. */
type HeldPayloadFields = Partial<Pick<Extract<DocumentEvent, { kind: 'steps' }>, 'payloadRanges' | 'payloadTexts' | 'callableTools' | 'payloadFormat'>>;

export type DocumentEvent =
  /**
   * Forget the steps sent so far: the next events send the file again (a rewrite, or any change
   * to a file read whole). `keep`: per run, how many of its leading steps stay as they were sent
   * (a run's steps events then continue after them; a run kept whole gets none).
   */
  | { kind: 'reset'; keep?: number[] }
  /**
   * Steps that continue run `run`, in decision order. `header` comes with a run's first event
   * (provisional until `done`). `findings`, now and then while a run is read: its findings so far
   * without the end-of-run rules, replacing those sent before (the final ones come with `done`).
   * `payloadRanges` (streamed, with `payloadsOnDemand`): the steps came without their payloads;
   * step k's line (or span) is bytes [payloadRanges[2k], payloadRanges[2k + 1]) of the file.
   * `payloadFormat` (then): what the ranges hold, when not agent-trace/v1 lines (an OTLP document's spans).
   * `payloadTexts` (a whole run sent while the file is read, with `payloadsOnDemand`): the steps
   * came without their payloads, and step k's whole JSON text is `payloadTexts[k]`.
   * `callableTools` (then): the run's tools with those its calls so far imply (inferMissingTools,
   * which the host cannot run on steps without their messages), when they changed.
   */
  | { kind: 'steps'; run: number; header?: RunHeader; steps: Step[]; bytesRead: number; totalBytes: number; findings?: Finding[]; payloadRanges?: number[]; callableTools?: ToolDefinition[]; payloadFormat?: PayloadFormat; payloadTexts?: string[] }
  /**
   * The load ended: every run's final header (steps empty), the warnings and each run's findings;
   * and the file's analysis as the Agent Traces view lists it, for the file as it was when the
   * read began (`stat`), so the view need not parse it again. `unchangedSteps`, after a file
   * read again from its start: per run, how many leading steps are exactly as the previous read
   * sent them (step-prints.ts); the host appends to what it shows only when all of it is.
   * `redactedAt`, when any run has some: per run, the places (index in the run) of the steps that
   * hold a redaction placeholder where the detectors would judge (holdsRedactedOutput), so were not
   * checked.
   */
  | { kind: 'done'; format: string; runs: RunHeader[]; warnings: Problem[]; findings: Finding[][]; streamed: boolean; totalBytes: number; outcome: AnalysisOutcome; stat: FileStamp; taxonomy: string; callableTools?: ToolDefinition[][]; unchangedSteps?: number[]; redactedAt?: number[][] }
  /**
   * How far a read got before any step could be sent (a large file parsed whole, the first pass
   * over an OTLP document written children first): the editor shows the tab, with the progress
   * and Cancel, instead of nothing. Sent on opening only.
   */
  | { kind: 'progress'; bytesRead: number; totalBytes: number }
  /** `reload` found the same bytes as before. */
  | { kind: 'unchanged' }
  /** The file cannot be opened (as the whole-file load would refuse it: same words, file and place). */
  | { kind: 'failed'; problems: Problem[]; userError: boolean };

/** A file's modification time (ms) and size, as the analysis cache keys it. */
export interface FileStamp {
  mtime: number;
  size: number;
}

const DEFAULT_STREAM_FROM = 4 * 1024 * 1024;
const DEFAULT_BATCH_STEPS = 2_000;
/** Steps in the first batch of a run read in two passes (doubled at each batch up to the batch size). */
const FIRST_ORDERED_BATCH = 125;
/**
 * Source text per slice of a whole load, at most (a step larger than this goes alone). 1 MB slices
 * held the host's thread over 50 ms 0-5 times (46-94 ms) in six opens of 10^5 OTLP spans, 512 KB
 * ones 0-1 times (29-81 ms): each is decoded and added in one turn.
 */
const SLICE_CHARS = 512 * 1024;
/** How much of the head and of the last line read is kept to tell an append from a rewrite. */
const FINGERPRINT_BYTES = 4096;
/** Small reads make small events: each one is decoded on the host's thread, so none may take long. */
const STREAM_CHUNK_BYTES = 1024 * 1024;
/**
 * A stream's first read, doubled up to STREAM_CHUNK_BYTES: the worker's code is not compiled yet,
 * and the first 1 MB of lines took 240 ms of the first rows' wait; 64 KB of them about 30 ms.
 */
const FIRST_STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * OTLP JSON lines read to their end are read on from there when they grow (the OTLP receiver's
 * files, a collector's): the reader's state, and for spans read in two passes the first pass's
 * columns, are kept while no trace of the file has more spans than this; otherwise the file is
 * read again whole at each change.
 * - Kept, they cost 60-90 bytes a span of the worker's heap (10^5 spans: 6-9 MB).
 * - Each line read on orders again the traces it brought spans to. A trace of 10^6 spans (1.9 GB)
 *   took 2.4-4.5 s a line, where a read again took 50 s, but the process's peak memory rose from
 *   1.4 to 2.3 GB, over the editor's 1.5 GB; ordering in place would lift this limit.
 * - 10^6 spans in 1,000 traces: 0.26-0.62 s a line, peak 1.41 GB (1.21 GB after the open).
 */
export const SPANS_KEPT_TO_READ_ON = 250_000;

/**
 * A file loaded whole (a live Claude Code session) is followed as it grows, its import kept, up to
 * this size; a larger one is loaded whole again at each change. What is kept is about the steps
 * themselves: 130 MB of the worker's heap for a session of 58 MB (2 MB without).
 */
export const FOLLOW_UP_TO_BYTES = 128 * 1024 * 1024;

/** What is kept of OTLP JSON lines read to their end, to read on from there when the file grows. */
interface LinesReadOn {
  stop: JsonLinesStop;
  builder: OtlpStreamBuilder;
  /** Read in two passes (the builder collects): each run's spans in the order sent, to tell what a new span moved. */
  ordered?: OrderedSpans[];
}

/** A read of a document's spans that got to its end: the file's sha256, and (JSON lines) where it stopped. */
interface SpansRead {
  sha256: string;
  stop?: JsonLinesStop;
}

/** What the loader keeps of a streamed run besides its steps, updated as they are read. */
interface StreamedRun {
  detector: StreamDetector;
  /** The tools (as JSON) the detector checks calls against: a run whose final tools differ is detected again. */
  tools: string;
  /** How many findings the run had, and at how many steps, when they last went with its steps. */
  sentFindings: number;
  sentAtStep: number;
  /** The earliest step start so far (the run's start time when its header gives none). */
  start: number | null;
  /** With payloadsOnDemand: the tools its calls imply, and how far the host was told of them. */
  inferredTools: ToolInference | undefined;
  sentToolChanges: number;
  /** OTLP JSON lines read in two passes, to read on: the run as it was at a step some way back (see CHECKPOINT_LAG). */
  checkpoint?: RunCheckpoint;
}

/** A followed file's run (FollowedLines): its detector as it was after its first `at` steps, given `tools`. */
interface FollowedCheckpoint {
  at: number;
  detector: StreamDetector;
  tools: string;
}

/** A copy of what a run's detector and tool inference were after its first `at` steps. */
interface RunCheckpoint {
  at: number;
  detector: StreamDetector;
  inference: ToolInference | undefined;
}

/**
 * How far behind a run's last step its checkpoint is taken, in steps. A live trace's spans are
 * written as they end: a parent comes after its children and takes a place before them, seldom
 * far back (a step of an agent, not the agent's whole run). The run then goes on from its
 * checkpoint, its steps after it read back, not from its first step: at 5·10^4 spans, 1.8 s per
 * line where a parent came, where appends cost 0.1 s.
 */
const CHECKPOINT_LAG = 2_000;

/**
 * The same for a file loaded whole and followed (a live Claude Code session): the lines written
 * change the last steps (a response's next block joins its step), seldom any further back (a
 * Task's result, after its sub-agent's inline events, takes them under it). At 8,363 steps
 * (19 MB), going on from 2,000 steps back cost 18 ms of a line's 44.
 */
const FOLLOWED_CHECKPOINT_LAG = 256;

export class DocumentLoader {
  /** `streamed`: agent-trace/v1 lines, read on as they grow; `document`: an OTLP document read in chunks. */
  private mode: 'none' | 'streamed' | 'document' | 'whole' = 'none';
  private builder: CanonicalStreamBuilder | undefined;
  private document: DocumentStreamBuilder | undefined;
  /** What the streamed document is (to read it again the same way). */
  private documentKind: DocumentKind = 'otlp';
  /** Why the last read of a document's spans gave up (see readSpans). */
  private spansRefusal: unknown;
  /** OTLP JSON lines read to their end: how to read on when they grow. */
  private linesReadOn: LinesReadOn | undefined;
  /** A file loaded whole whose import goes on with appended lines (a live Claude Code session): how to. */
  private following: FollowedLines | undefined;
  /**
   * Per followed run, its detector after this read's first `at` steps, some steps before the run's
   * end (see FOLLOWED_CHECKPOINT_LAG), for a later read that keeps those steps to go on from.
   */
  private followedCheckpoints: (FollowedCheckpoint | undefined)[] = [];
  /** The failure sites of the last read, to make again only those that changed. */
  private readonly siteMemo = new FailureSiteMemo();
  /** Each run's latest metadata, for its detector's end-of-run rules (a detector goes on across reads). */
  private runMetadata: Record<string, unknown>[] = [];
  private position: JsonlPosition = JSONL_START;
  /** sha256 of the file's bytes read so far (streaming), hashed in the same pass that reads them. */
  private hasher: FileHasher | undefined;
  /** What goes on hashing OTLP JSON lines read on from where they stopped (`linesReadOn`'s stop holds it). */
  private documentHasher: FileHasher | undefined;

  /** How far the streamed file was read (and hashed). */
  private get hashedTo(): number {
    return this.hasher?.hashedTo ?? this.linesReadOn?.stop.byte ?? this.following?.bytesRead ?? 0;
  }
  /** An unterminated last line already read as a step (files need not end in a newline). */
  private fedPending: string | undefined;
  /**
   * What the loader keeps of each step it sent of a streamed run: what a failure site names. Not
   * the step: the host has it, and the steps would otherwise be held twice while the file is open.
   */
  private sent: SentSteps[] = [];
  /**
   * Prints of the steps sent in this read, and in the last read that ended, of a file read from
   * its start (whole or as a document; a streamed file's steps never change once sent).
   */
  private prints: StepPrints[] = [];
  private printsOfLastRead: StepPrints[] = [];
  /**
   * A document read again (its steps held on the host): while every step so far is as the last
   * read sent it, nothing is sent and the reset waits (`holding`); at the first step that is not,
   * the reset says how many of each run's steps the host keeps (`matched`) and the rest goes as
   * it is read. Runs' headers wait with their steps (`heldHeaders`).
   */
  private holding = false;
  private matched: number[] = [];
  private heldHeaders: (RunHeader | undefined)[] = [];
  /** Runs whose steps went in this read (the first event of each carries its header). */
  private emittedRuns = new Set<number>();
  /** The streamed runs' keys (trace-key.ts), handed out as the runs appear. */
  private runKeys = new TraceKeyAllocator();
  /**
   * Each streamed run's detector and start, fed as its steps are read: the findings at the end of
   * a read, and after each append of a growing file, cost what was added, not the whole run again.
   */
  private streamedRuns: StreamedRun[] = [];
  /** The file was read to its end once (later reads follow appends or rewrites). */
  private readOnce = false;
  /** Runs detected over all their steps at the end of a read (tests read it: a streamed file needs none). */
  wholeRunDetections = 0;
  /** OTLP documents read in two passes (tests read it). */
  twoPassReads = 0;
  /** Two-pass reads in which a run sent during the first pass got more spans later (tests read it). */
  earlyRunsGrown = 0;
  /** Reads of OTLP documents or JSON lines, or TRAIL span trees, whose bytes were hashed on a thread of their own (tests read it). */
  readsHashedOnAThread = 0;
  /** Reloads of OTLP JSON lines read on from where the last read stopped (tests read it). */
  linesReadOnReads = 0;
  /**
   * Runs of OTLP JSON lines read on, or of a followed file, that went back to an earlier step, and
   * (OTLP) how many steps were read back for it (tests read them).
   */
  runsGoneBack = 0;
  stepsReadBack = 0;
  /** Runs the kept builder of OTLP JSON lines read on has ordered (tests read it: a run without new spans is not ordered again). */
  get runsOrdered(): number {
    return this.linesReadOn?.builder.orderings ?? 0;
  }
  /** Of those, the runs whose order was extended, not made whole again (tests read it). */
  get ordersExtended(): number {
    return this.linesReadOn?.builder.orderingsExtended ?? 0;
  }
  /** Files loaded whole (tests read it). */
  wholeLoads = 0;
  /** Inspect logs sent sample by sample as they were read (tests read it). */
  inspectStreams = 0;
  /** Reloads of a file loaded whole whose import went on with the appended lines (tests read it). */
  followedReads = 0;
  /** Runs of such reloads that went back past their checkpoint: detected again from their first step (tests read it). */
  followedRunsDetectedAgain = 0;
  /** Runs of such reloads whose decision order was made whole, not grown (tests read it). */
  followedRunsOrderedWhole = 0;
  private sha: string | undefined;
  private sentAny = false;
  private head: Buffer | undefined;
  /** The file as it was when the current load began. */
  private stamp: FileStamp = { mtime: 0, size: 0 };
  private tail: Buffer | undefined;
  /** Streamed agent-trace/v1 lines turned out to be out of decision order: the file is read whole since. */
  private outOfOrder = false;
  /** A streamed file's stamp when a read ended with all its bytes read (see unchangedSinceRead). */
  private readStamp: FileStamp | undefined;

  constructor(private readonly params: OpenDocumentParams, private readonly emit: (e: DocumentEvent) => void) {}

  open(): void {
    this.load(false);
  }

  /**
   * The file changed on disk: send what is new (an append), or everything again (a rewrite).
   * `fromStart`: the host found a step no longer where it was read; read the file from the start
   * whatever its ends say (a streamed file is not read on; the same bytes are still unchanged).
   */
  reload(fromStart = false): void {
    this.load(true, fromStart);
  }

  private load(isReload: boolean, fromStart = false): void {
    try {
      this.stamp = stampOf(this.params.path);
      if (isReload && !fromStart && this.mode === 'streamed' && this.isAppend()) return this.continueStream(true);
      if (isReload && !fromStart && this.linesReadOn && this.isAppend()) return this.readLinesOn(this.linesReadOn);
      if (isReload && !fromStart && this.following && this.isAppend()) return this.readFollowedOn(this.following);
      // Read whole because its lines were out of order: so again (the same bytes are unchanged,
      // the steps unchanged at each run's head are kept), not streamed up to the same break first.
      if (isReload && this.mode === 'whole' && this.outOfOrder) return this.loadWhole(true);
      const size = fileSize(this.params.path);
      const large = size >= (this.params.streamFromBytes ?? DEFAULT_STREAM_FROM);
      if (large && looksLikeCanonicalJsonl(this.params.path, size)) return this.streamFromStart();
      const otlpShape = large ? otlpJsonShape(this.params.path) : undefined;
      if (otlpShape) return this.streamDocument(isReload, otlpShape === 'lines' ? 'otlp-lines' : 'otlp');
      if (large && looksLikeTrailDocument(this.params.path)) return this.streamDocument(isReload, 'trail');
      // Read again, a log is loaded whole: only the runs that changed are sent (the prints say which).
      if (large && !isReload && looksLikeInspectJsonDocument(this.params.path)) return this.streamInspectSamples('json');
      if (large && !isReload && isZipBytes(readFileRange(this.params.path, 0, 4))) return this.streamInspectSamples('eval');
      this.loadWhole(isReload);
    } catch (e) {
      // A first read that sent steps before it failed (an OTLP or TRAIL document cut off: its
      // first spans streamed, then the whole load refused it) takes them back, so the editor shows
      // the refusal, where it showed part of the file as if it were all of it. A reload that
      // fails leaves the host with what it shows (the file may be half written).
      if (!isReload && this.sentAny) this.takeBackSent();
      this.emit(failure(this.params.path, e));
    }
  }

  /** Everything sent is taken back (a reset), and this loader knows the host holds nothing: the next read starts afresh. */
  private takeBackSent(): void {
    this.emit({ kind: 'reset' });
    this.sentAny = false;
    this.mode = 'none';
  }

  /**
   * An Inspect eval log, sent sample by sample as it is read (inspect-stream.ts): a `.json`
   * document as it is parsed, a `.eval` archive as its entries are inflated. Each sample is a run,
   * built whole as the whole load builds it, so its steps go as a whole load's do (in slices, each
   * detected after it is sent) and the first rows show after the first sample, not after the
   * whole file (a `.json` log of 600 samples, 231 MB: 5.4-6.4 s). What the read cannot follow
   * (malformed, not an eval log, a zip that is not one) is loaded whole, which says so in its own
   * words.
   */
  private streamInspectSamples(kind: 'json' | 'eval'): void {
    const path = this.params.path;
    const archive = kind === 'eval' ? new SourceFile(path, readTraceFileBytes(path)) : undefined;
    if (archive && !isEvalArchive(archive)) return this.loadWhole(false);
    this.startOver('whole');
    this.inspectStreams++;
    const start = (trace: Trace, run: number): StreamDetector => this.wholeRunDetector(trace, run);
    const detectors: StreamDetector[] = [];
    const prints: StepPrints[] = [];
    this.runMetadata = [];
    let told = 0;
    const tell = (bytesRead: number, totalBytes: number): void => {
      if (bytesRead - told < totalBytes / 100) return;
      told = bytesRead;
      this.emit({ kind: 'progress', bytesRead, totalBytes });
    };
    const send = (trace: Trace, run: number, progress?: { bytesRead: number; totalBytes: number }): void => {
      if (!this.params.readOnce) prints[run] = StepPrints.of(trace.steps);
      this.runMetadata[run] = trace.metadata;
      detectors[run] = this.sendWholeRun(trace, run, 0, start, false, progress);
    };
    let loaded: LoadResult;
    try {
      tell(0, fileSize(path));
      const onTrace = ({ trace, run, byte, size }: InspectSampleRead): void => {
        told = byte;
        send(trace, run, { bytesRead: byte, totalBytes: size });
      };
      loaded = archive
        ? readEvalSamples(archive, { onTrace, maxUnzippedBytes: this.params.maxUnzippedBytes })!
        : readInspectSamples(path, { chunkSize: this.params.chunkSize, onProgress: tell, onTrace })!;
    } catch (e) {
      if (!isUserInputError(e)) throw e;
      // The whole load says what is wrong, as for any file it refuses (the samples shown are then taken back).
      return this.loadWhole(false);
    }
    // A log without samples: its header's trace, made at the end.
    loaded.traces.forEach((trace, run) => {
      if (!detectors[run]) send(trace, run);
    });
    this.prints = prints;
    this.sha = loaded.traces[0].source.sha256;
    this.finish(loaded.format, loaded.traces, loaded.warnings, false, fileSize(path), detectors);
  }

  private loadWhole(isReload: boolean): void {
    this.wholeLoads++;
    const path = this.params.path;
    const streamAbove = this.params.streamJsonAbove ?? STREAM_ABOVE_BYTES;
    // Nothing can be sent until the whole file is parsed: the tab shows, reading, meanwhile.
    const onDisk = fileSize(path);
    if (!isReload && !this.sentAny && onDisk >= (this.params.streamFromBytes ?? DEFAULT_STREAM_FROM)) this.emit({ kind: 'progress', bytesRead: 0, totalBytes: onDisk });
    let loaded: LoadResult;
    let sha: string;
    let size: number;
    let bytes: Uint8Array | undefined;
    let hashed: Hash | undefined;
    if (onDisk > streamAbove) {
      // Too large for one string: an OTLP, TRAIL or Inspect .json document streams; others are refused, saying why.
      loaded = loadTraceFile(path, { maxUnzippedBytes: this.params.maxUnzippedBytes, streamAbove });
      sha = loaded.traces[0]?.source.sha256 ?? '';
      size = fileSize(path);
      if (isReload && this.mode === 'whole' && sha === this.sha) return this.emit({ kind: 'unchanged' });
    } else {
      bytes = readTraceFileBytes(path);
      // A file being written may end in half a line; the rest comes with the next change.
      if (isReload) bytes = completeLines(bytes);
      // Kept, should the file be followed: its sha256 goes on from the bytes read.
      hashed = createHash('sha256').update(bytes);
      sha = hashed.copy().digest('hex');
      size = bytes.length;
      if (isReload && this.mode === 'whole' && sha === this.sha) return this.emit({ kind: 'unchanged' });
      loaded = loadTraceFromBytes(path, bytes, {
        maxUnzippedBytes: this.params.maxUnzippedBytes,
        ...(this.params.siblings === false ? {} : siblingsOf(path)),
        follow: !this.params.readOnce && this.mayFollow(bytes.length),
      });
    }
    // What the host shows of each run that is unchanged is not sent again (a live Claude Code
    // session of 20 MB: 19 MB of events, 0.2-0.3 s of the host's thread, at every line written).
    const prints = this.params.readOnce ? [] : loaded.traces.map((trace) => StepPrints.of(trace.steps));
    const keep = this.mode === 'whole' ? prints.map((p, run) => this.printsOfLastRead[run]?.commonPrefix(p) ?? 0) : [];
    this.startOver('whole', keep);
    this.prints = prints;
    const following = loaded.followed && hashed ? new FollowedLines(path, loaded.followed, hashed, loaded.traces) : undefined;
    const detectors = this.sendWholeRuns(loaded.traces, keep, (trace, run) => this.wholeRunDetector(trace, run), following !== undefined);
    this.sha = sha;
    // Read whole because its lines were out of order, and now in order (a writer that sorts the
    // file when its run ends): streamed again from the next change, its steps held on disk.
    if (this.outOfOrder && loaded.traces.every((t) => inFileOrder(t.steps))) this.outOfOrder = false;
    if (following && bytes) {
      this.following = following;
      this.noteEndsOf(bytes);
    }
    this.finish(loaded.format, loaded.traces, loaded.warnings, false, size, detectors);
  }

  /**
   * A file loaded whole and followed (see FollowedLines) that grew: only its new whole lines are
   * read, and each run goes from the first step they changed or added (most often they only
   * append: nothing is sent again). A run's detector goes on from its checkpoint, when that lies
   * before the first step changed. Lines the import cannot follow load the file whole.
   */
  private readFollowedOn(following: FollowedLines): void {
    // Used up: whatever happens below, the next change starts from what this read leaves.
    this.following = undefined;
    const path = this.params.path;
    const from = following.bytesRead;
    const to = wholeLinesEnd(path, from, fileSize(path));
    // Grown past what is followed: loaded whole from now on.
    if (!this.mayFollow(to)) return this.loadWhole(true);
    this.followedReads++;
    const appended = readFileRange(path, from, to);
    let read: ReturnType<FollowedLines['readOn']>;
    try {
      read = following.readOn(appended);
    } catch (e) {
      // What the whole load refuses, it says in its words.
      if (!isUserInputError(e)) throw e;
      read = undefined;
    }
    if (read === undefined) return this.loadWhole(true);
    this.following = following;
    if (read === 'unchanged') return this.emit({ kind: 'unchanged' });
    const { traces, kept } = read;
    this.followedRunsOrderedWhole += read.orderedWhole;
    const goneBack = kept.filter((k, run) => k < (this.prints[run]?.length ?? 0)).length;
    this.runsGoneBack += goneBack;
    if (goneBack > 0) this.emit(resetKeeping(kept));
    traces.forEach((trace, run) => {
      const prints = (this.prints[run] ??= new StepPrints());
      prints.truncate(kept[run]);
      prints.add(trace.steps.slice(kept[run]));
    });
    const detectors = this.sendWholeRuns(traces, kept, (trace, run, upTo) => {
      const checkpoint = this.followedCheckpoints[run];
      if (!checkpoint || checkpoint.at > upTo || checkpoint.tools !== JSON.stringify(trace.tools)) {
        // Steps it saw changed: it is of no use again.
        this.followedCheckpoints[run] = undefined;
        this.followedRunsDetectedAgain++;
        return this.wholeRunDetector(trace, run);
      }
      // Its steps are all as they were. It goes on in place to where this read's checkpoint would
      // be taken, and is that checkpoint then: only the copy that goes on to the end is made (a
      // copy costs what the detector holds: 15 ms at 58 MB).
      const at = trace.steps.length - this.followedCheckpointLag;
      if (at > checkpoint.at) {
        checkpoint.detector.add(trace.steps.slice(checkpoint.at, at));
        checkpoint.at = at;
      }
      return checkpoint.detector.copy();
    }, true);
    this.sha = read.sha256;
    this.noteEndsOf(appended, true);
    this.finish(read.format, traces, read.warnings, false, to, detectors, kept);
  }

  /** How many steps before a followed run's end its detector's checkpoint is kept. */
  private get followedCheckpointLag(): number {
    return this.params.checkpointLag ?? FOLLOWED_CHECKPOINT_LAG;
  }

  /**
   * A detector for run `run` of a file loaded whole. Its end-of-run rules read the run's latest
   * metadata, also in copies taken for a later read (a followed file's checkpoints).
   */
  private wholeRunDetector(trace: Trace, run: number): StreamDetector {
    const latest = (): Record<string, unknown> => this.runMetadata[run] ?? {};
    return new StreamDetector({ tools: trace.tools, get metadata() { return latest(); } }, detectOptionsFor(taxonomyFor(this.params.taxonomy)));
  }

  /**
   * The runs of a whole load, sent from the steps the host keeps (`keep`) in slices; each slice
   * is detected after it is sent: the host takes the slices sent (event-flow.ts) while the next
   * ones are detected, instead of waiting for the whole run's detection. `start` gives each run's
   * detector, having seen no more of its steps than the host keeps; the steps between are
   * detected, not sent. With `checkpoints` (a followed file), a copy of each run's detector is
   * kept FOLLOWED_CHECKPOINT_LAG steps before its end, for the next read to go on from.
   */
  private sendWholeRuns(traces: Trace[], keep: number[], start: (trace: Trace, run: number, kept: number) => StreamDetector, checkpoints: boolean): StreamDetector[] {
    this.runMetadata = traces.map((t) => t.metadata);
    return traces.map((trace, run) => this.sendWholeRun(trace, run, keep[run] ?? 0, start, checkpoints));
  }

  /**
   * Run `run` of a whole load (see sendWholeRuns). `whileReading`: how far the file was read, and
   * its size, for a whole run sent while the rest of the file is still read (an Inspect log's
   * sample): its last slice is detected before it goes, and goes with the run's findings, so the
   * run shows its failures before the file's end. By default, each slice's own size, and the
   * findings with the done.
   */
  private sendWholeRun(trace: Trace, run: number, kept: number, start: (trace: Trace, run: number, kept: number) => StreamDetector, checkpoints: boolean, whileReading?: { bytesRead: number; totalBytes: number }): StreamDetector {
    const batch = this.params.batchSteps ?? DEFAULT_BATCH_STEPS;
    const steps = trace.steps;
    const detector = start(trace, run, kept);
    const mark = checkpoints ? Math.max(detector.steps, steps.length - this.followedCheckpointLag) : -1;
    // A checkpoint already there (one `start` went on from) is the one this read would take.
    let marked = !checkpoints || this.followedCheckpoints[run]?.at === mark;
    const detectTo = (to: number): void => {
      if (!marked && mark <= to) {
        detector.add(steps.slice(detector.steps, mark));
        this.followedCheckpoints[run] = { at: mark, detector: detector.copy(), tools: JSON.stringify(trace.tools) };
        marked = true;
      }
      if (detector.steps < to) detector.add(steps.slice(detector.steps, to));
    };
    detectTo(kept);
    const header = { ...trace, steps: [] };
    if (kept > 0 && kept === steps.length) return detector;
    let from = kept;
    do {
      // A slice ends at `batch` steps or SLICE_CHARS of their source text (TRAIL spans can be
      // 100 KB each): the host decodes each event in one go, so none may be large.
      let to = from;
      let size = 0;
      while (to < steps.length && to - from < batch && (to === from || size < SLICE_CHARS)) size += steps[to++].location?.length ?? 0;
      const last = to === steps.length;
      if (whileReading && last) detectTo(to);
      const findings = whileReading && last ? detector.findings() : undefined;
      const slice = steps.slice(from, to);
      const first = from === kept ? header : undefined;
      const bytesRead = whileReading?.bytesRead ?? size;
      const totalBytes = whileReading?.totalBytes ?? size;
      // A run sent while the file is read (an Inspect log's sample), with payloads on demand: held,
      // each step with its whole JSON text (text-payloads.ts), and with its first slice the tools its
      // calls imply (the host cannot infer them from held steps).
      if (whileReading && this.params.payloadsOnDemand) {
        const payloadTexts = slice.map((st) => JSON.stringify(st));
        this.sendSteps(run, slice.map((st) => this.held(st)), first, bytesRead, totalBytes, findings, { payloadTexts, callableTools: first ? inferMissingTools(trace).tools : undefined });
      } else this.sendSteps(run, slice, first, bytesRead, totalBytes, findings);
      detectTo(to);
      from = to;
    } while (from < steps.length);
    return detector;
  }

  /**
   * `keep` (a file read whole, as it was last time): per run, the leading steps the host keeps.
   * `hold` (a document read again, as a document): the reset waits for the first changed step.
   */
  private startOver(mode: 'streamed' | 'document' | 'whole', keep: number[] = [], hold = false): void {
    this.holding = hold && this.sentAny && this.mode === 'document' && this.printsOfLastRead.length > 0;
    if (this.sentAny && !this.holding) this.emit(resetKeeping(keep));
    this.matched = [];
    this.heldHeaders = [];
    this.emittedRuns = new Set();
    this.mode = mode;
    this.sent = [];
    this.prints = [];
    this.runKeys = new TraceKeyAllocator();
    this.streamedRuns = [];
    this.builder = undefined;
    this.document = undefined;
    this.position = JSONL_START;
    this.hasher?.dispose();
    this.hasher = undefined;
    this.documentHasher?.dispose();
    this.documentHasher = undefined;
    this.readStamp = undefined;
    this.fedPending = undefined;
    this.linesReadOn = undefined;
    this.following = undefined;
    this.followedCheckpoints = [];
  }

  /** Whether a file loaded whole, of `size` bytes, is followed as it grows (see FOLLOW_UP_TO_BYTES). */
  private mayFollow(size: number): boolean {
    return size <= (this.params.followUpToBytes ?? FOLLOW_UP_TO_BYTES);
  }

  private streamFromStart(): void {
    this.startOver('streamed');
    this.builder = new CanonicalStreamBuilder(this.params.path, { keepDrafts: false });
    this.hasher = fileHasherFor(this.params.path, this.params.hashOnAThreadFromBytes);
    this.continueStream(false);
  }

  /**
   * An OTLP document, OTLP JSON lines or a TRAIL span tree, read in chunks; each chunk's steps are sent at once. A
   * document the builder cannot follow (out of decision order, malformed: see otlp-builder.ts,
   * trail-builder.ts) is read in two passes (an OTLP document written children first) or loaded
   * whole, which also says what is wrong with a malformed one in the whole load's words.
   */
  private streamDocument(isReload: boolean, kind: DocumentKind): void {
    const path = this.params.path;
    if (isReload && this.mode === 'document' && fileSha256(path) === this.sha) return this.emit({ kind: 'unchanged' });
    this.startOver('document', [], isReload);
    this.documentKind = kind;
    const builder = (this.document = this.documentBuilder());
    const read = this.readSpans(builder, (out, byte, size) => this.sendDocumentSteps(out, byte, size));
    if (read === undefined && this.turnedOutToBeLines()) return this.streamDocument(isReload, 'otlp-lines');
    if (read === undefined) return builder.orderBreakIsOrder ? this.readDocumentInTwoPasses(isReload) : this.loadWhole(isReload);
    if (builder instanceof OtlpStreamBuilder) this.keepLinesReadOn(read, builder);
    this.finishDocument(builder, read, fileSize(path));
  }

  /** The end of a read of a document built as it was read: the runs' headers now that the file's sha256 is known. */
  private finishDocument(builder: DocumentStreamBuilder, read: SpansRead, totalBytes: number): void {
    this.sha = read.sha256;
    const warnings = [...builder.warnings];
    const runs = builder.runs.map((_, run) => this.runHeader(builder, run, read.sha256, warnings));
    this.finish(builder.format, runs, warnings, true, totalBytes);
  }

  /**
   * An OTLP document whose spans are out of decision order (children before their parents): a
   * first pass keeps what orders each span and where it is (otlp-two-pass.ts), and orders them as
   * the whole import does; then the steps go in decision order, a batch at a time, their spans
   * read back from the file (the detectors need them whole; without payloadsOnDemand the host too). The first
   * rows come after one pass over the file, not after the whole import; on opening, a run that
   * looks whole before then (a collector's file of many traces: each trace's root is written
   * after its spans) goes at once, in run order.
   */
  private readDocumentInTwoPasses(isReload: boolean): void {
    const path = this.params.path;
    this.startOver('document', [], isReload);
    const builder = new OtlpStreamBuilder(path, { collect: true, lines: this.documentKind === 'otlp-lines', orderKeptFrom: this.params.orderKeptFrom });
    this.twoPassReads++;
    // The runs sent during the first pass: how many spans each had then.
    const early: number[] = [];
    let told = 0;
    // The two passes share the reading bar: the first pass is its first half, the steps sent after it the second.
    const read = this.readSpans(builder, (_, byte, size) => {
      if (isReload) return;
      if (this.sendRunsThatLookWhole(builder, early, Math.floor(byte / 2), size)) return;
      // Every 2% of the file, on opening.
      if (byte - told < size / 50) return;
      told = byte;
      this.emit({ kind: 'progress', bytesRead: Math.floor(told / 2), totalBytes: size });
    });
    if (read === undefined && this.turnedOutToBeLines()) return this.readDocumentInTwoPasses(isReload);
    if (read === undefined) return this.loadWhole(isReload);
    this.sha = read.sha256;
    const { runs, warnings } = builder.orderedRuns(read.sha256);
    const size = fileSize(path);
    const batch = this.params.batchSteps ?? DEFAULT_BATCH_STEPS;
    // A run that went early and got more spans after: everything is sent again, as a reload sends
    // it (the host keeps what is unchanged and replaces the rest).
    const grown = early.some((count, run) => builder.spansOf(run) !== count);
    if (grown) {
      this.earlyRunsGrown++;
      this.printsOfLastRead = this.prints;
      this.startOver('document', [], true);
    }
    const firstLeft = grown ? 0 : early.length;
    const readOnLater = this.mayReadOn(builder, true);
    const total = runs.slice(firstLeft).reduce((n, r) => n + r.count, 0);
    let sent = 0;
    runs.forEach((ordered, run) => {
      if (run < firstLeft) return;
      this.sendOrderedRun(run, ordered, batch, (to) => size - Math.floor((size * (total - sent - to)) / (2 * total)), size, 0, undefined, readOnLater);
      sent += ordered.count;
    });
    this.keepLinesReadOn(read, builder, runs);
    this.finish(builder.format, runs.map((r) => r.header), warnings, true, size);
  }

  /**
   * OTLP JSON lines read to their end: what reading on from there needs, kept while the file is
   * open. Read in two passes (`ordered`), only while no trace has more than SPANS_KEPT_TO_READ_ON
   * spans: the first pass's columns are kept with it.
   */
  private keepLinesReadOn(read: SpansRead, builder: OtlpStreamBuilder, ordered?: OrderedSpans[]): void {
    if (!read.stop || !this.mayReadOn(builder, ordered !== undefined)) {
      this.documentHasher?.dispose();
      this.documentHasher = undefined;
      return;
    }
    this.linesReadOn = { stop: read.stop, builder, ordered };
    this.noteReadEnds(read.stop.byte);
  }

  /** Whether OTLP JSON lines read by `builder` are read on when they grow (`collected`: in two passes, so under the span limit). */
  private mayReadOn(builder: OtlpStreamBuilder, collected: boolean): boolean {
    if (this.documentKind !== 'otlp-lines' || this.params.readOnce) return false;
    return !collected || builder.largestRun <= (this.params.spansReadOn ?? SPANS_KEPT_TO_READ_ON);
  }

  /**
   * OTLP JSON lines that grew (isAppend): the new whole lines are read on from where the last
   * read stopped, not from the start, and only what changed goes.
   * - Spans in decision order (the builder places them as they come) go as appended steps.
   * - Spans read in two passes are ordered again with those before (columns: no span is read
   *   again), and each run is compared with the order sent (`stepsAsIn`): its new steps follow
   *   its old ones (appended), or a span took a place among them (a parent written after its
   *   children, as spans are written when they end) and the run goes again from there, the reset
   *   saying what each run keeps. A run sent again, or whose tools changed, has its steps before
   *   that point read back for its detector.
   * Anything the builder or the lines reader cannot follow reads the file from its start.
   */
  private readLinesOn(readOn: LinesReadOn): void {
    // Used up: whatever happens below, the next change starts from what this read leaves.
    this.linesReadOn = undefined;
    this.linesReadOnReads++;
    const path = this.params.path;
    const to = wholeLinesEnd(path, readOn.stop.byte, fileSize(path));
    const { builder, ordered } = readOn;
    const read = this.readSpans(builder, (out, byte) => {
      if (!ordered) this.sendDocumentSteps(out, byte, to);
    }, { from: readOn.stop, to });
    // A break (a span out of order, a line that is no request): the file from its start, the
    // host's steps compared with the prints of those sent, these included.
    if (read === undefined) return this.streamDocument(true, this.documentKind);
    if (read.sha256 === this.sha) {
      // Only half a line came, or nothing: it is read with the rest of its line.
      this.keepLinesReadOn(read, builder, ordered);
      return this.emit({ kind: 'unchanged' });
    }
    if (!ordered) {
      this.keepLinesReadOn(read, builder);
      return this.finishDocument(builder, read, to);
    }
    this.sha = read.sha256;
    const { runs, warnings } = builder.orderedRuns(read.sha256, ordered);
    const kept = runs.map((r, run) => (ordered[run] ? r.stepsAsIn(ordered[run]) : 0));
    if (kept.some((k, run) => ordered[run] !== undefined && k < ordered[run].count)) this.emit(resetKeeping(kept));
    const batch = this.params.batchSteps ?? DEFAULT_BATCH_STEPS;
    runs.forEach((r, run) => {
      const before = ordered[run];
      const known = this.streamedRuns[run];
      const sameTools = known !== undefined && known.tools === JSON.stringify(r.header.tools);
      const followsOn = before !== undefined && sameTools && kept[run] === before.count;
      if (followsOn && kept[run] === r.count) return;
      if (!followsOn && before) this.runsGoneBack++;
      const streamed = followsOn ? known : this.runGoneBackTo(run, r, kept[run], sameTools ? known.checkpoint : undefined);
      this.sendOrderedRun(run, r, batch, () => to, to, kept[run], streamed, true);
    });
    this.keepLinesReadOn(read, builder, runs);
    this.finish(builder.format, runs.map((r) => r.header), warnings, true, to, undefined, kept);
  }

  /**
   * What is kept of run `run` taken back to its step `upTo` (the host keeps its steps before it):
   * its detector and tool inference, what its failure sites name and its prints, as if the steps
   * after it had not been sent. From its checkpoint when that lies at or before `upTo`, else from
   * its first step; the steps between are read back from the file (not sent).
   */
  private runGoneBackTo(run: number, ordered: OrderedSpans, upTo: number, checkpoint: RunCheckpoint | undefined): StreamedRun {
    const { header } = ordered;
    let streamed: StreamedRun;
    let from = 0;
    if (checkpoint && checkpoint.at <= upTo) {
      streamed = this.streamedRuns[run];
      // Copies: the checkpoint stays as it is until the next one is taken.
      streamed.detector = checkpoint.detector.copy();
      streamed.inferredTools = checkpoint.inference?.copy();
      from = checkpoint.at;
      this.sent[run].truncate(from);
      this.prints[run].truncate(from);
    } else {
      streamed = this.newStreamedRun(run, header.tools, () => header.metadata);
      this.sent[run] = new SentSteps();
      this.prints[run] = new StepPrints();
    }
    const batch = this.params.batchSteps ?? DEFAULT_BATCH_STEPS;
    for (; from < upTo; from += batch) {
      const steps = ordered.steps(from, Math.min(upTo, from + batch));
      streamed.detector.add(steps);
      streamed.inferredTools?.add(steps);
      noteStarts(streamed, steps);
      const held = this.params.payloadsOnDemand ? steps.map((st) => this.held(st, 'otlp-span')) : steps;
      for (const st of held) this.sent[run].push(st);
      this.prints[run].add(held);
      this.stepsReadBack += steps.length;
    }
    return streamed;
  }

  /**
   * While the first pass reads: send the runs that look whole (see `OtlpStreamBuilder.looksWhole`)
   * and follow those sent, in run order; whether any went now.
   */
  private sendRunsThatLookWhole(builder: OtlpStreamBuilder, early: number[], bytesRead: number, size: number): boolean {
    const first = early.length;
    const batch = this.params.batchSteps ?? DEFAULT_BATCH_STEPS;
    for (let run = first; run < builder.runCount && builder.looksWhole(run); run++) {
      early[run] = builder.spansOf(run);
      this.sendOrderedRun(run, builder.orderedEarly(run), batch, () => bytesRead, size);
    }
    return early.length > first;
  }

  /**
   * Run `run`'s steps in decision order, a batch at a time, the first ones smaller (the host takes
   * the first batch of a run, and shows its first rows, in code not yet compiled: a first batch of
   * 2,000 held it 47-60 ms); `bytesRead(to)` says how far the read stands after steps [0, to).
   */
  private sendOrderedRun(run: number, ordered: OrderedSpans, batch: number, bytesRead: (to: number) => number, size: number, start = 0, streamed?: StreamedRun, checkpoints = false): void {
    const { header } = ordered;
    const kept = streamed ?? this.newStreamedRun(run, header.tools, () => header.metadata);
    // With `checkpoints` (OTLP JSON lines read on later), a copy of the run is taken CHECKPOINT_LAG steps before its end.
    const mark = checkpoints ? Math.max(start, ordered.count - (this.params.checkpointLag ?? CHECKPOINT_LAG)) : -1;
    if (mark === start) takeCheckpoint(kept, mark);
    for (let from = start, n = Math.min(batch, FIRST_ORDERED_BATCH); from < ordered.count; n = Math.min(batch, 2 * n)) {
      let to = Math.min(ordered.count, from + n);
      if (from < mark && mark < to) to = mark;
      const range = from;
      this.sendSpanSteps(run, kept, ordered.steps(from, to), () => ordered.ranges(range, to), from === start ? header : undefined, bytesRead(to), size, 'otlp-span', to === ordered.count);
      if (to === mark) takeCheckpoint(kept, mark);
      from = to;
    }
  }

  /**
   * Whether the OTLP document just read is OTLP JSON lines after all (a first line too long for
   * the sniffer: its second value showed it); it is then read as such from now on.
   */
  private turnedOutToBeLines(): boolean {
    if (this.documentKind !== 'otlp' || !(this.spansRefusal instanceof SecondJsonValue)) return false;
    this.documentKind = 'otlp-lines';
    return true;
  }

  /** A builder for the streamed document's kind. */
  private documentBuilder(): DocumentStreamBuilder {
    const path = this.params.path;
    if (this.documentKind !== 'trail') return new OtlpStreamBuilder(path, { lines: this.documentKind === 'otlp-lines' });
    return new TrailStreamBuilder(path, this.params.siblings === false ? undefined : siblingsOf(path).readSibling);
  }

  private sendDocumentSteps(out: readonly DocumentStreamedStep[], bytesRead: number, totalBytes: number): void {
    const builder = this.document!;
    let k = 0;
    while (k < out.length) {
      const run = out[k].run;
      const from = k;
      while (k < out.length && out[k].run === run) k++;
      const batch = out.slice(from, k);
      const header = this.sent[run] ? undefined : this.runHeader(builder, run, '');
      // The detector is made at the run's first chunk, with the tools its spans declared by then;
      // a run whose tools grow later is detected again at the end (findingsOf).
      const streamed = this.streamedRuns[run] ?? this.newStreamedRun(run, builder.toolsOf(run), () => builder.metadataOf(run));
      this.sendSpanSteps(run, streamed, batch.map((o) => o.step), () => batch.flatMap((o) => [o.byteStart, o.byteEnd]), header, bytesRead, totalBytes, builder.payloadFormat);
    }
  }

  /**
   * The spans of an OTLP document, read by `builder` batch by batch (`each` after each batch),
   * from its start or (`readOn`, JSON lines) on from where a read stopped; the file's sha256 (and
   * where the read stopped), or undefined when the builder cannot follow the document or it is not one
   * (malformed, no spans): the caller then reads it another way, whose errors are the whole load's.
   * `isTheRead`: false for a read that only visits a run's steps again, whose hash nobody keeps.
   */
  private readSpans(builder: DocumentStreamBuilder, each: (out: DocumentStreamedStep[], byte: number, size: number) => void, readOn?: { from: JsonLinesStop; to: number }, isTheRead = true): SpansRead | undefined {
    this.spansRefusal = undefined;
    // A large file is hashed on a thread of its own, as a streamed one is: a tenth of the read on
    // the worker's thread otherwise (1.2 s of 10^6 spans). Read on from a stop, its hasher goes on.
    const hasher = !readOn && isTheRead ? fileHasherFor(this.params.path, this.params.hashOnAThreadFromBytes) : undefined;
    let kept = false;
    try {
      const it = readJsonValues(this.params.path, { ...builder.reading, chunkSize: this.params.chunkSize, ...readOn, ...(hasher ? { hasher } : {}) });
      let r = it.next();
      for (; !r.done; r = it.next()) {
        const out = builder.add(r.value.items);
        const notFollowed = r.value.treeBreak ?? r.value.linesBreak;
        if (notFollowed) builder.stop(notFollowed);
        if (builder.orderBreak) {
          it.return(undefined as never);
          return undefined;
        }
        each(out, r.value.byte, r.value.size);
      }
      if (builder.runCount === 0) return undefined;
      const hashedBy = hasher ?? (readOn ? this.documentHasher : undefined);
      if (hashedBy instanceof ThreadFileHasher && hashedBy.onThread) this.readsHashedOnAThread++;
      if (hasher && r.value.stop) {
        // The stop goes on hashing with it, for as long as the loader keeps the stop.
        this.documentHasher?.dispose();
        this.documentHasher = hasher;
        kept = true;
      }
      return { sha256: r.value.sha256, stop: r.value.stop };
    } catch (e) {
      if (!isUserInputError(e)) throw e;
      this.spansRefusal = e;
      return undefined;
    } finally {
      if (!kept) hasher?.dispose();
    }
  }

  /**
   * A batch of a document's steps for run `run`: with payloadsOnDemand, held (their spans'
   * byte ranges, from `ranges`, go with them); then detected, after they are sent, as a whole
   * load's slices are: the host takes them meanwhile. A run's last batch (`lastOfRun`) is
   * detected first and goes with the run's findings.
   */
  private sendSpanSteps(run: number, streamed: StreamedRun, steps: Step[], ranges: () => number[], header: RunHeader | undefined, bytesRead: number, totalBytes: number, format: PayloadFormat, lastOfRun = false): void {
    // A run read in two passes is whole when its last steps go: with all its findings, the
    // end-of-run rules' too, a run shown while the rest of the file is read shows its failures.
    if (lastOfRun) streamed.detector.add(steps);
    const findings = lastOfRun ? streamed.detector.findings() : this.findingsDue(streamed);
    if (this.params.payloadsOnDemand) {
      this.sendSteps(run, steps.map((st) => this.held(st, format)), header, bytesRead, totalBytes, findings, { payloadRanges: ranges(), callableTools: this.toolsImplied(streamed, steps), payloadFormat: format });
    } else {
      this.sendSteps(run, steps, header, bytesRead, totalBytes, findings);
    }
    if (!lastOfRun) streamed.detector.add(steps);
    noteStarts(streamed, steps);
  }

  /**
   * An append leaves everything read so far as it was. Checked cheaply, without reading the file
   * again: it is no shorter, and its first 4 KB and the last 4 KB read are unchanged. Anything
   * else (truncation, rotation, an edit) is a rewrite.
   */
  private isAppend(): boolean {
    const path = this.params.path;
    const size = statSync(path).size;
    if (size < this.hashedTo || !this.head || !this.tail) return false;
    const endsAsRead = readFileRange(path, 0, this.head.length).equals(this.head)
      && readFileRange(path, this.hashedTo - this.tail.length, this.hashedTo).equals(this.tail);
    if (!endsAsRead) return false;
    // Nothing added: written over in place (two lines swapped, a status edited to one as long)
    // unless every byte is as read.
    return size > this.hashedTo || this.unchangedSinceRead();
  }

  /**
   * The streamed file holds the bytes read, as far as they went: it was only touched, or this is
   * a second change event for one write. Its stamp as the read left it says so at once; otherwise
   * (a write in place of the same length) its sha256 against the read's.
   */
  private unchangedSinceRead(): boolean {
    const now = stampOf(this.params.path);
    const read = this.readStamp;
    if (read && now.mtime === read.mtime && now.size === read.size) return true;
    return fileSha256(this.params.path) === (this.hasher ? this.hasher.digest() : this.sha);
  }

  private continueStream(isReload: boolean): void {
    const path = this.params.path;
    const builder = this.builder!;
    const from = this.position;
    const totalBytes = statSync(path).size;
    let skipFed = this.fedPending;
    let rewritten = false;
    let sent = false;
    const hasher = this.hasher!;
    const result = readJsonlLines(path, (lines) => {
      if (skipFed !== undefined) {
        // The unterminated line read last time, now ended: already sent. Different text: rewritten.
        if (lines[0].byteStart === from.byte && lines[0].text === skipFed) lines = lines.slice(1);
        else if (lines[0].byteStart === from.byte) { rewritten = true; return false; }
        skipFed = undefined;
      }
      const out = builder.add(lines);
      if (builder.orderBreak) return false;
      sent = this.sendStreamed(out, lines.length ? lines[lines.length - 1].byteEnd : from.byte, totalBytes) || sent;
      return true;
    }, { from, chunkSize: this.params.chunkSize ?? STREAM_CHUNK_BYTES, ...(from.byte === 0 ? { firstChunkSize: FIRST_STREAM_CHUNK_BYTES } : {}), onChunk: hasher.onChunk });
    if (builder.orderBreak) this.outOfOrder = true;
    if (rewritten || builder.orderBreak) return this.loadWhole(isReload);
    this.position = result.next;
    if (result.pending && !isBlankLine(result.pending.text) && result.pending.text !== skipFed && parsesWhole(result.pending.text)) {
      const out = builder.add([result.pending]);
      if (builder.orderBreak) {
        this.outOfOrder = true;
        return this.loadWhole(isReload);
      }
      sent = this.sendStreamed(out, result.pending.byteEnd, totalBytes) || sent;
      this.fedPending = result.pending.text;
    } else {
      this.fedPending = skipFed;
    }
    this.noteReadEnds(this.hashedTo);
    const sha = hasher.digest();
    if (isReload && !sent && sha === this.sha) return this.emit({ kind: 'unchanged' });
    this.sha = sha;
    this.finishStream(sha, this.hashedTo);
  }

  /**
   * What tells the next change an append, from the bytes a read took: the whole file's (a whole
   * load), or those it appended (`appended`) to what was read before.
   */
  private noteEndsOf(read: Uint8Array, appended = false): void {
    const readTo = this.hashedTo;
    if (!appended) this.head = Buffer.from(read.subarray(0, FINGERPRINT_BYTES));
    const tail = appended ? Buffer.concat([this.tail ?? Buffer.alloc(0), read]) : read;
    this.tail = Buffer.from(tail.subarray(Math.max(0, tail.length - FINGERPRINT_BYTES)));
    this.readStamp = stampTelling(this.params.path, readTo);
  }

  /** What tells the next change an append (see isAppend): the file's first bytes and the last read, up to `readTo`. */
  private noteReadEnds(readTo: number): void {
    const path = this.params.path;
    this.head = readFileRange(path, 0, Math.min(FINGERPRINT_BYTES, readTo));
    this.tail = readFileRange(path, Math.max(0, readTo - FINGERPRINT_BYTES), readTo);
    // The file as this read left it, when it read all of it (a write meanwhile: the next change reads on).
    this.readStamp = stampTelling(path, readTo);
  }

  private sendStreamed(out: readonly StreamedStep[], bytesRead: number, totalBytes: number): boolean {
    let k = 0;
    while (k < out.length) {
      const run = out[k].run;
      const steps: Step[] = [];
      const ranges: number[] | undefined = this.params.payloadsOnDemand ? [] : undefined;
      for (; k < out.length && out[k].run === run; k++) {
        steps.push(out[k].step);
        ranges?.push(out[k].byteStart, out[k].byteEnd);
      }
      const first = !this.sent[run];
      const streamed = this.streamedRun(run);
      streamed.detector.add(steps);
      noteStarts(streamed, steps);
      const header = first ? this.streamHeader(run, '') : undefined;
      const findings = this.findingsDue(streamed);
      if (ranges) {
        const callableTools = this.toolsImplied(streamed, steps);
        this.sendSteps(run, steps.map((st) => this.held(st)), header, bytesRead, totalBytes, findings, { payloadRanges: ranges, callableTools });
      } else {
        this.sendSteps(run, steps, header, bytesRead, totalBytes, findings);
      }
    }
    return out.length > 0;
  }

  /** The run's tools with those its calls so far imply, when they changed since last sent (steps sent without payloads). */
  private toolsImplied(run: StreamedRun, steps: readonly Step[]): ToolDefinition[] | undefined {
    const inference = run.inferredTools!;
    inference.add(steps);
    const changed = inference.changes !== run.sentToolChanges;
    run.sentToolChanges = inference.changes;
    return changed ? inference.result().tools : undefined;
  }

  /** `held`: for steps sent without their payloads, where the host makes them whole (see the steps event). */
  private sendSteps(run: number, steps: Step[], header: RunHeader | undefined, bytesRead: number, totalBytes: number, findings?: Finding[], held: HeldPayloadFields = {}): void {
    let { payloadRanges, payloadTexts } = held;
    const { callableTools, payloadFormat } = held;
    if (this.mode === 'streamed' || this.mode === 'document') {
      const kept = (this.sent[run] ??= new SentSteps());
      for (const s of steps) kept.push(s);
    }
    if (this.mode === 'document') {
      // A document's prints are taken as it sends (a whole read takes them all before it sends).
      const prints = (this.prints[run] ??= new StepPrints());
      const from = prints.length;
      if (!this.params.readOnce) prints.add(steps);
      if (this.holding) {
        if (header) this.heldHeaders[run] = header;
        const unchanged = this.stillAsSent(run, prints, from);
        if (unchanged === steps.length) return;
        this.releaseHeld();
        steps = steps.slice(unchanged);
        payloadRanges = payloadRanges?.slice(2 * unchanged);
        payloadTexts = payloadTexts?.slice(unchanged);
      }
      if (!this.emittedRuns.has(run)) header ??= this.heldHeaders[run];
      this.emittedRuns.add(run);
    }
    this.sentAny = true;
    this.emit({ kind: 'steps', run, steps, bytesRead, totalBytes, ...(header ? { header } : {}), ...(findings ? { findings } : {}), ...(payloadRanges ? { payloadRanges } : {}), ...(payloadTexts ? { payloadTexts } : {}), ...(callableTools ? { callableTools } : {}), ...(payloadFormat ? { payloadFormat } : {}) });
  }

  /**
   * How many of run `run`'s steps from `from` on (all before them were as sent, or the read would
   * not be holding) are as the last read sent them; `matched[run]` becomes how many lead the run.
   */
  private stillAsSent(run: number, prints: StepPrints, from: number): number {
    const before = this.printsOfLastRead[run];
    let at = from;
    while (before && at < prints.length && at < before.length && before.at(at) === prints.at(at)) at++;
    this.matched[run] = at;
    return at - from;
  }

  /** The first changed step of a document read again: the reset, keeping what matched so far. */
  private releaseHeld(): void {
    if (!this.holding) return;
    this.holding = false;
    this.emit(resetKeeping(this.printsOfLastRead.map((_, run) => this.matched[run] ?? 0)));
  }

  /** A streamed run's findings so far, when it is time to send them again (see findingsEverySteps). */
  private findingsDue(run: StreamedRun): Finding[] | undefined {
    // After the first read, an append ends with the final findings at once (a provisional list
    // without the end-of-run rules would make ends-on-error blink).
    if (this.readOnce) return undefined;
    const { detector } = run;
    const every = Math.max(this.params.findingsEverySteps ?? 5_000, Math.floor(detector.steps / 10));
    if (detector.findingCount === run.sentFindings || detector.steps - run.sentAtStep < every) return undefined;
    run.sentFindings = detector.findingCount;
    run.sentAtStep = detector.steps;
    return detector.findingsWhileReading();
  }

  /** A streamed run as the whole-file import gives it (its steps are those sent), once `sha256` is the file's. */
  private streamHeader(run: number, sha256: string, warnings: Problem[] = []): RunHeader {
    return this.runHeader(this.builder!, run, sha256, warnings);
  }

  private runHeader(builder: StreamedRuns, run: number, sha256: string, warnings: Problem[] = []): RunHeader {
    return streamedRunHeader(builder, run, sha256, warnings, this.sent[run], this.streamedRuns[run]?.start ?? null, this.runKeys);
  }

  private finishStream(sha256: string, totalBytes: number): void {
    const builder = this.builder!;
    const warnings: Problem[] = [...builder.warnings];
    const runs = builder.runs.map((_, run) => this.streamHeader(run, sha256, warnings));
    checkStreamedRuns(this.params.path, runs, runs.map((_, run) => this.sent[run]?.count ?? 0), warnings);
    this.finish(canonicalImporter.id, runs, warnings.map(cleanProblem), true, totalBytes);
  }

  /** What is kept of streamed run `run`, made at its first steps (its header line came before them). */
  private streamedRun(run: number): StreamedRun {
    const known = this.streamedRuns[run];
    if (known) return known;
    const draft = this.builder!.runs[run].draft;
    // The metadata is read when the findings are asked for (the end-of-run rules look at it).
    return this.newStreamedRun(run, draft.tools ?? [], () => draft.metadata ?? {});
  }

  private newStreamedRun(run: number, tools: ToolDefinition[], metadata: () => Record<string, unknown>): StreamedRun {
    const detector = new StreamDetector({ tools, get metadata() { return metadata(); } }, detectOptionsFor(taxonomyFor(this.params.taxonomy)));
    const inference = this.params.payloadsOnDemand ? new ToolInference(tools) : undefined;
    return (this.streamedRuns[run] = { detector, tools: JSON.stringify(tools), sentFindings: 0, sentAtStep: 0, start: null, inferredTools: inference, sentToolChanges: 0 });
  }

  /** A step as sent with payloadsOnDemand: without its payloads (its usage kept, with keepUsage). */
  private held(step: Step, format: PayloadFormat = 'line'): Step {
    return withoutPayloads(step, format, this.params.keepUsage);
  }

  /**
   * The detector that has seen all of run `run` with its final tools: its findings and redacted
   * steps are the run's. A whole load's run was detected slice by slice as it was sent (`whole`). A
   * streamed run's is its stream detector when that saw every step with the run's final tools;
   * otherwise the run is read again for a detector given them (the loader keeps no steps).
   */
  private finalDetectorOf(trace: Trace, run: number, whole: StreamDetector | undefined): StreamDetector {
    if (whole) return whole;
    const known = this.streamedRuns[run];
    if (known && known.detector.steps === (this.sent[run]?.count ?? 0) && known.tools === JSON.stringify(trace.tools)) return known.detector;
    this.wholeRunDetections++;
    return this.detectStreamedRunAgain(trace, run);
  }

  /** Streamed run `run` read again from the start of the file, through a detector given its final tools and metadata. */
  private detectStreamedRunAgain(trace: Trace, run: number): StreamDetector {
    const detector = new StreamDetector(trace, detectOptionsFor(taxonomyFor(this.params.taxonomy)));
    this.readStreamedRunAgain(run, (step) => detector.add([step]));
    return detector;
  }

  /** The steps of streamed run `run`, read again from the start of the file (the loader keeps none). */
  private readStreamedRunAgain(run: number, visit: (step: Step) => void): void {
    if (this.mode === 'document') {
      this.readSpans(this.documentBuilder(), (out) => { for (const { run: r, step } of out) if (r === run) visit(step); }, undefined, false);
      return;
    }
    const builder = new CanonicalStreamBuilder(this.params.path, { keepDrafts: false });
    readJsonlLines(this.params.path, (lines) => {
      for (const { run: r, step } of builder.add(lines.filter((l) => l.byteEnd <= this.hashedTo))) if (r === run) visit(step);
      return true;
    }, { chunkSize: this.params.chunkSize ?? STREAM_CHUNK_BYTES });
  }

  /**
   * The tools a streamed run's calls imply, when its steps went to the host without their
   * messages: from the inference fed as it was read, or (tools changed since) from a read again.
   */
  private callableToolsOf(trace: Trace, run: number): ToolDefinition[] {
    const known = this.streamedRuns[run];
    if (known?.inferredTools && known.tools === JSON.stringify(trace.tools)) return known.inferredTools.result().tools;
    const inference = new ToolInference(trace.tools);
    this.readStreamedRunAgain(run, (step) => inference.add([step]));
    return inference.result().tools;
  }

  /** How many leading steps of run `run` this read sent exactly as the last read did (none: it was streamed). */
  private unchangedStepsOf(run: number): number {
    const before = this.printsOfLastRead[run];
    const now = this.prints[run];
    return before && now ? before.commonPrefix(now) : 0;
  }

  /**
   * `traces`: a whole load's runs, or a streamed file's run headers (their steps are on the host).
   * `streamed`: the loader kept what each step sent names (`sent`), not the steps.
   * `keptSteps`: per run, how many leading steps the host shows are as they were (a read that
   * knows it without prints: OTLP JSON lines read on); by default the prints of this read and the last say.
   */
  private finish(format: string, traces: Trace[], warnings: Problem[], streamed: boolean, totalBytes: number, detectors?: StreamDetector[], keptSteps?: number[]): void {
    const taxonomy = taxonomyFor(this.params.taxonomy);
    const finalDetectors = traces.map((t, run) => this.finalDetectorOf(t, run, detectors?.[run]));
    const findings = finalDetectors.map((d) => d.findings());
    const redactedAt = finalDetectors.map((d) => [...d.redactedPlaces]);
    const analysis = { file: this.params.path, format, traces, warnings, analyses: traces.map((trace, i) => ({ trace, findings: findings[i] })) };
    const stepCount = traces.reduce((n, t, run) => n + (streamed ? this.sent[run]?.count ?? 0 : t.steps.length), 0);
    // A streamed run's steps with findings, found in one pass over what was kept of its steps.
    if (streamed) findings.forEach((list, run) => this.sent[run]?.prepare(list.map((f) => f.stepId)));
    const outcome: AnalysisOutcome = {
      kind: 'ok', format, traceCount: traces.length, stepCount, redactedSteps: redactedAt.reduce((n, places) => n + places.length, 0), sites: failureSites(analysis, taxonomy, streamed ? (run, id) => this.sent[run]?.sited(id) : undefined, this.siteMemo),
    };
    const callableTools = streamed && this.params.payloadsOnDemand ? traces.map((t, run) => this.callableToolsOf(t, run)) : undefined;
    // A document read again whose steps are all as before (its bytes changed elsewhere).
    this.releaseHeld();
    // After a read from the start that was not the first: which steps the host shows are as they were.
    const unchangedSteps = keptSteps ?? (this.readOnce && this.mode !== 'streamed' ? traces.map((_, run) => this.unchangedStepsOf(run)) : undefined);
    this.printsOfLastRead = this.prints;
    this.emit({ kind: 'done', format, runs: traces.map((t) => ({ ...t, steps: [] })), warnings, findings, streamed: this.mode === 'streamed', totalBytes, outcome, stat: this.stamp, taxonomy: this.params.taxonomy, ...(callableTools ? { callableTools } : {}), ...(unchangedSteps ? { unchangedSteps } : {}), ...(redactedAt.some((places) => places.length > 0) ? { redactedAt } : {}) });
    this.readOnce = true;
    // Only a streamed file, or OTLP JSON lines, is read on from where it ended: a change to any other loads it again.
    if (this.mode !== 'streamed' && !this.linesReadOn) this.sent = [];
  }
}

/** A reset that keeps `keep[run]` leading steps of each run (a plain reset when it keeps none). */
function resetKeeping(keep: number[]): DocumentEvent {
  return keep.some((k) => k > 0) ? { kind: 'reset', keep } : { kind: 'reset' };
}

/**
 * How recent a file's modification time may be for its stamp to tell that it is unchanged later.
 * File times advance in steps of a clock tick (1-10 ms on Linux), so a file written again within
 * the tick of the read keeps its stamp: a write of as many bytes (a test's rewrite, a fast writer)
 * would go unseen. A stamp that recent is not kept, and the file's sha256 decides instead.
 */
const STAMP_SETTLED_MS = 100;

/** The file's stamp, when it holds the `readTo` bytes read and its time is settled (see STAMP_SETTLED_MS). */
function stampTelling(path: string, readTo: number): FileStamp | undefined {
  const stamp = stampOf(path);
  return stamp.size === readTo && Date.now() - stamp.mtime > STAMP_SETTLED_MS ? stamp : undefined;
}

function stampOf(path: string): FileStamp {
  try {
    const stat = statSync(path);
    return { mtime: stat.mtime.getTime(), size: stat.size };
  } catch {
    return { mtime: 0, size: 0 };
  }
}

/** The file's size; a file that cannot be read fails as the whole load says it (no such file, a folder...). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    readTraceFileBytes(path);
    throw new UserInputError({ file: path, message: 'cannot be read' });
  }
}

/** Take run `run`'s checkpoint at its step `at` (its detector has seen its first `at` steps). */
function takeCheckpoint(run: StreamedRun, at: number): void {
  run.checkpoint = { at, detector: run.detector.copy(), inference: run.inferredTools?.copy() };
}

/** Keep the run's earliest step start (its start time when its header gives none). */
function noteStarts(run: StreamedRun, steps: readonly Step[]): void {
  for (const st of steps) if (st.startTime !== null && (run.start === null || st.startTime < run.start)) run.start = st.startTime;
}

/** The hex sha256 of the file, read in chunks (a file larger than one string too). */
function fileSha256(path: string): string {
  return hashFileRange(createHash('sha256'), path).digest('hex');
}



function failure(path: string, e: unknown): DocumentEvent {
  if (isUserInputError(e)) return { kind: 'failed', problems: e.problems.map(cleanProblem), userError: true };
  return { kind: 'failed', problems: [{ file: path, message: e instanceof Error ? e.message : String(e) }], userError: false };
}

/** Is a run's decision order its file order (each step on a later line than the one before)? */
function inFileOrder(steps: readonly Step[]): boolean {
  let line = 0;
  for (const s of steps) {
    const at = s.location?.line;
    if (at === undefined || at <= line) return false;
    line = at;
  }
  return true;
}
