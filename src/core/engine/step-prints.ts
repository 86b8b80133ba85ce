/**
 * What a run's steps were, one number per step, to tell which steps a reload changed without
 * keeping the steps: the document worker keeps these for the steps it sent, and after the file
 * is read again says how many leading steps are exactly as they were (`done.unchangedSteps`).
 *
 * Needed because a reload can change steps already shown while keeping their ids: Claude Code
 * writes each content block of one model reply (thinking, text, tool_use) as its own line, so the
 * next line of a growing session adds a tool call to the `llm` step shown last; an OTLP document
 * rewritten with a span's end adds its end time and status. The editor appends only when every
 * step shown is unchanged, and otherwise reads the run again (keeping rows where ids held).
 */
import type { Step } from '../model/schema';
import { textPrint48 } from '../util/hash';
import { ChunkedFloat64 } from './growable';

/** A step's print: its JSON (what crossed to the host, all of it) hashed. */
export function stepPrint(step: Step): number {
  return textPrint48(JSON.stringify(step));
}

export class StepPrints {
  private readonly prints = new ChunkedFloat64();

  static of(steps: readonly Step[]): StepPrints {
    const prints = new StepPrints();
    prints.add(steps);
    return prints;
  }

  get length(): number {
    return this.prints.length;
  }

  at(i: number): number {
    return this.prints.get(i);
  }

  /** Keep the first `count` prints. */
  truncate(count: number): void {
    this.prints.truncate(count);
  }

  add(steps: readonly Step[]): void {
    for (const s of steps) this.prints.push(stepPrint(s));
  }

  /** How many leading steps `other` has with the same prints. */
  commonPrefix(other: StepPrints): number {
    const n = Math.min(this.length, other.length);
    let i = 0;
    while (i < n && this.prints.get(i) === other.prints.get(i)) i++;
    return i;
  }
}

/** How many leading steps of `before` and `after` are the same (compared whole; for runs loaded in this process). */
export function unchangedStepPrefix(before: readonly Step[], after: readonly Step[]): number {
  const n = Math.min(before.length, after.length);
  let i = 0;
  while (i < n && (before[i] === after[i] || JSON.stringify(before[i]) === JSON.stringify(after[i]))) i++;
  return i;
}
