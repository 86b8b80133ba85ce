/**
 * What the editor's document loader (src/core/engine/worker/document-load.ts) needs of a builder
 * that makes steps of a single JSON document as it is read: an OTLP request (otlp-builder.ts) or a
 * TRAIL span tree (trail-builder.ts).
 */
import type { ToolDefinition, Step } from '../../model/schema';
import type { Problem } from '../../util/problems';
import type { JsonPathPattern } from './json-document';
import type { JsonLines, JsonTree, JsonValueItem } from './json-values';
import type { StreamedRuns } from './jsonl-stream';
import type { PayloadFormat } from './step-payloads';

/** How the document is read (readJsonValues' options). */
export interface DocumentReading {
  select: JsonPathPattern[];
  tree?: JsonTree;
  lines?: JsonLines;
}

export interface DocumentStreamedStep {
  run: number;
  step: Step;
  /** What the step is read back from: bytes [byteStart, byteEnd) of the file (see `payloadFormat`). */
  byteStart: number;
  byteEnd: number;
}

export interface DocumentStreamBuilder extends StreamedRuns {
  readonly reading: DocumentReading;
  /** What a step's bytes hold, to read it back. */
  readonly payloadFormat: PayloadFormat;
  readonly warnings: readonly Problem[];
  /** Why the document cannot be built as it is read, once it cannot (then no more steps come). */
  readonly orderBreak: string | undefined;
  /** Whether the break is only the steps' order (a second pass can follow the document). */
  readonly orderBreakIsOrder: boolean;
  readonly runCount: number;
  /** Read the values of a batch (in document order, continuing the previous batch); the steps they finish. */
  add(items: readonly JsonValueItem[]): DocumentStreamedStep[];
  /** The reader found the document cannot be followed (a JsonTree break): no more steps come. */
  stop(reason: string): void;
  /** The tools run `run`'s steps declared so far (the detectors check calls against them). */
  toolsOf(run: number): ToolDefinition[];
  /** Run `run`'s metadata as it stands (the end-of-run rules read it). */
  metadataOf(run: number): Record<string, unknown>;
}
