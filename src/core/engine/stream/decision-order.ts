/**
 * One run's steps placed in decision order as they are read, for the streaming builders
 * (canonical-builder.ts for agent-trace/v1 lines, otlp-builder.ts for OTLP spans): each step gets
 * the stable id, parent id, index and depth `buildTrace` would give it, as long as the file is in
 * decision order. That is, every step's parent is on the open path (the last step placed or one of
 * its ancestors), and no step starts before an earlier sibling (buildTrace orders siblings by start
 * time, then file order). A step that breaks this is not placed: `place` says why, and the caller
 * builds the whole file instead.
 */
import type { DraftStep } from '../../model/draft';
import { StepIdAllocator } from '../step-ids';

export interface Placement {
  id: string;
  parentId: string | null;
  /** The step's index in the run's decision order. */
  index: number;
  depth: number;
}

interface OpenStep {
  id: string;
  depth: number;
  /** Latest start time among the children placed so far (null: none with a time). */
  maxChildStart: number | null;
}

export class RunOrder {
  /**
   * The ids given, and which source ids came before (`isSourceId`): a parent resolves to the first
   * step with its source id, as in buildTrace, whose id is the source id unless that id was taken
   * (`renamed`).
   */
  private readonly ids = new StepIdAllocator();
  private readonly renamed = new Map<string, string>();
  /** The last step placed and its ancestors, root first. */
  private readonly path: OpenStep[] = [];
  private maxRootStart: number | null = null;
  /** Steps placed so far (the next step's index). */
  placed = 0;

  /** The stable id of the first step with source id `sourceId` (what a parent or a label naming it means). */
  firstIdOf(sourceId: string): string | undefined {
    return this.ids.isSourceId(sourceId) ? this.renamed.get(sourceId) ?? sourceId : undefined;
  }

  /**
   * Count the next draft of the run, in file order. Returns where it goes in decision order, or
   * why it cannot go there (then nothing is placed; later drafts are still counted, so ids and
   * `firstIdOf` stay those of the whole file, for labels).
   */
  place(d: DraftStep, breakFound: boolean): Placement | { reason: string } | undefined {
    // The parent is looked up before this step's own source id counts: a step naming itself as
    // parent, at its id's first occurrence, is a root (as in buildTrace).
    const parentId = d.parentSourceId ? this.firstIdOf(d.parentSourceId) : undefined;
    const id = this.ids.next(d.sourceId, d);
    if (this.ids.firstOfSource && id !== d.sourceId) this.renamed.set(d.sourceId!, id);
    let reason: string | undefined;
    if (d.parentSourceId && parentId === undefined && d.parentSourceId !== d.sourceId) {
      reason = `step ${JSON.stringify(id)} names parent ${JSON.stringify(d.parentSourceId)}, which is not before it in the file`;
    }
    if (breakFound) return undefined;
    if (reason) return { reason };
    const start = d.startTime ?? null;
    let depth = 0;
    if (parentId !== undefined) {
      // Ids are unique in a run: the parent's id finds it on the open path.
      let k = this.path.length - 1;
      while (k >= 0 && this.path[k].id !== parentId) k--;
      if (k < 0) return { reason: `step ${JSON.stringify(id)} is a child of ${JSON.stringify(parentId)}, whose subtree ended earlier in the file` };
      const p = this.path[k];
      if (start !== null && p.maxChildStart !== null && start < p.maxChildStart) return { reason: `step ${JSON.stringify(id)} starts before an earlier child of ${JSON.stringify(p.id)}` };
      if (start !== null && (p.maxChildStart === null || start > p.maxChildStart)) p.maxChildStart = start;
      this.path.length = k + 1;
      depth = p.depth + 1;
    } else {
      if (start !== null && this.maxRootStart !== null && start < this.maxRootStart) return { reason: `step ${JSON.stringify(id)} starts before an earlier top-level step` };
      if (start !== null && (this.maxRootStart === null || start > this.maxRootStart)) this.maxRootStart = start;
      this.path.length = 0;
    }
    this.path.push({ id, depth, maxChildStart: null });
    return { id, parentId: parentId ?? null, index: this.placed++, depth };
  }
}
