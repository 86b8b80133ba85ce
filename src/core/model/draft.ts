/**
 * What importers produce: steps as found in the source, linked by the source's own ids.
 * `buildTrace` turns drafts into the canonical model (ids, tree, decision order, locations).
 */
import type { JsonPath } from '../json/locate';
import type { ImportedLabel, Step, ToolDefinition } from './schema';

export type DraftStep = Omit<Step, 'id' | 'parentId' | 'index' | 'depth' | 'attributes' | 'location' | 'startTime' | 'endTime' | 'status'> & {
  /** The source's own parent id (span id, event id...), or undefined/null for a root. */
  parentSourceId?: string | null;
  startTime?: number | null;
  endTime?: number | null;
  status?: Step['status'];
  attributes?: Record<string, unknown>;
  /** JSON path of the step's object in the file (for JSONL, the first segment is the 0-based line). */
  sourcePath?: JsonPath;
  /**
   * What a derived id hashes instead of `name` (a step without a source id: step-ids.ts), when an
   * importer came to name its steps better: the ids, and the tags made against them, stay.
   */
  fingerprintName?: string;
};

/** A label pointing at a step by the id written in the label source (`sourceLocation`). */
export type DraftLabel = Omit<ImportedLabel, 'stepId'> & {
  /** Resolve by the step's source id (span id...). */
  stepSourceId?: string | null;
  /** Or by the position of the step among the draft steps (Who&When `mistake_step`). */
  stepPosition?: number;
};

export interface DraftTrace {
  id?: string;
  title: string;
  startTime?: number | null;
  tools?: ToolDefinition[];
  steps: DraftStep[];
  labels?: DraftLabel[];
  metadata?: Record<string, unknown>;
  /** Index of this trace among the traces in its file (JSONL line, Inspect sample...). */
  indexInFile?: number;
  /** Whether `sourcePath`s are JSONL-relative (first segment = line). */
  jsonlPaths?: boolean;
}
