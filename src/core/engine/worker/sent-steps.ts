/**
 * What the document worker keeps of each step of a streamed run it sent to the host: what a failure
 * site names (its id, name and place in the file), in columns rather than an object per step, so a
 * run of 10^6 steps costs a few arrays, not 2x10^6 objects for the garbage collector to walk.
 */
import type { SourceLocation, Step } from '../../model/schema';
import type { SitedStep } from '../../analysis/failure-sites';
import { ChunkedFloat64, ChunkedInt32, ChunkedList } from '../growable';

/** -1 in `line`: the step had no location. */
const NO_LOCATION = -1;

export class SentSteps {
  private readonly ids = new ChunkedList<string>();
  private readonly names = new ChunkedList<string>();
  private readonly line = new ChunkedInt32();
  private readonly column = new ChunkedInt32();
  private readonly endLine = new ChunkedInt32();
  private readonly endColumn = new ChunkedInt32();
  /** Character offset and length in the decoded text; -1 when the location has none. */
  private readonly offset = new ChunkedFloat64();
  private readonly length = new ChunkedFloat64();

  get count(): number {
    return this.ids.length;
  }

  push(step: Step): void {
    this.ids.push(step.id);
    this.names.push(step.name);
    const l = step.location;
    this.line.push(l ? l.line : NO_LOCATION);
    this.column.push(l?.column ?? 0);
    this.endLine.push(l?.endLine ?? 0);
    this.endColumn.push(l?.endColumn ?? 0);
    this.offset.push(l?.offset ?? -1);
    this.length.push(l?.length ?? -1);
  }

  /** Keep the first `count` steps (a run sent again from there). */
  truncate(count: number): void {
    if (count >= this.ids.length) return;
    this.ids.truncate(count);
    this.names.truncate(count);
    for (const column of [this.line, this.column, this.endLine, this.endColumn, this.offset, this.length]) column.truncate(count);
    this.found.clear();
  }

  /** The id of the step at `position`. */
  idAt(position: number): string | undefined {
    return this.ids.get(position);
  }

  /**
   * The steps found before, as failure sites name them: a growing file asks again for nearly the
   * same steps (those with findings) after each append, and a pass over 10^6 ids is 20-40 ms. The
   * same objects come back each time (the failure site memo then knows them at once).
   */
  private readonly found = new Map<string, SitedStep>();

  /** Find the steps with these ids that were not found before, in one pass; `sited` then gives them. */
  prepare(ids: Iterable<string>): void {
    let missing: Set<string> | undefined;
    for (const id of ids) if (!this.found.has(id)) (missing ??= new Set()).add(id);
    for (let i = 0; missing && i < this.ids.length && missing.size > 0; i++) {
      const id = this.ids.get(i)!;
      if (!missing.has(id)) continue;
      missing.delete(id);
      this.found.set(id, this.at(i));
    }
  }

  /** The step with this id, as a failure site names it, if `prepare` found it. */
  sited(id: string): SitedStep | undefined {
    return this.found.get(id);
  }

  private at(i: number): SitedStep {
    const id = this.ids.get(i)!;
    const name = this.names.get(i)!;
    if (this.line.get(i) === NO_LOCATION) return { id, name };
    const location: SourceLocation = { line: this.line.get(i), column: this.column.get(i), endLine: this.endLine.get(i), endColumn: this.endColumn.get(i) };
    if (this.offset.get(i) >= 0) location.offset = this.offset.get(i);
    if (this.length.get(i) >= 0) location.length = this.length.get(i);
    return { id, name, location };
  }
}
