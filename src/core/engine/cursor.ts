/**
 * A position in a TraceIndex and the moves a debugger makes: next and previous in decision order,
 * next and previous sibling, parent, first child, next and previous failure (optionally of some
 * categories), next and previous peer (a step like this one: the same tool's next call), goto.
 * The editor's selection, the debugger and the CLI move with it.
 *
 * The cursor holds its step by stable id: when the index is replaced (the trace was rewritten on
 * disk), it stays on the same step if that step still exists, else on the nearest position.
 */
import type { Step } from '../model/schema';
import type { TraceIndex } from './trace-index';
import { lowerBound, upperBound } from './sorted-positions';

/** Which steps count as failures, and under which categories: the index alone, or the index with the user's annotations. */
export interface FailureSource {
  failing(): readonly number[];
  categoriesOf(i: number): readonly string[];
}

export class TraceCursor {
  private at: number;
  private stepId: string | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly index: TraceIndex, position = 0, private readonly failures: FailureSource = indexFailures(index)) {
    this.at = 0;
    this.stepId = undefined;
    this.moveTo(position);
    this.unsubscribe = index.on('reset', () => {
      const kept = this.stepId === undefined ? undefined : index.indexOf(this.stepId);
      this.moveTo(kept ?? Math.min(this.at, index.length - 1));
    });
  }

  get position(): number {
    return this.at;
  }

  /** Each move returns true when the cursor moved, false (staying put) when there is nowhere to go. */
  next(): boolean {
    return this.moveTo(this.at + 1 < this.index.length ? this.at + 1 : undefined);
  }

  previous(): boolean {
    return this.moveTo(this.at > 0 ? this.at - 1 : undefined);
  }

  nextSibling(): boolean {
    return this.moveTo(this.index.nextSiblingOf(this.at));
  }

  previousSibling(): boolean {
    return this.moveTo(this.index.previousSiblingOf(this.at));
  }

  parent(): boolean {
    const p = this.index.parentOf(this.at);
    return this.moveTo(p >= 0 ? p : undefined);
  }

  firstChild(): boolean {
    return this.moveTo(this.index.firstChildOf(this.at));
  }

  nextFailure(categories: readonly string[] = []): boolean {
    return this.moveTo(findFailure(this.failures, this.at, 'next', categories));
  }

  previousFailure(categories: readonly string[] = []): boolean {
    return this.moveTo(findFailure(this.failures, this.at, 'previous', categories));
  }

  nextPeer(): boolean {
    return this.moveTo(findPeer(this.index, this.at, 'next'));
  }

  previousPeer(): boolean {
    return this.moveTo(findPeer(this.index, this.at, 'previous'));
  }

  /** To a position, or to a step by its stable id. */
  goto(target: number | string): boolean {
    const i = typeof target === 'string' ? this.index.indexOf(target) : target;
    return this.moveTo(i !== undefined && Number.isInteger(i) && i >= 0 && i < this.index.length ? i : undefined);
  }

  dispose(): void {
    this.unsubscribe();
  }

  private moveTo(i: number | undefined): boolean {
    if (i === undefined || this.index.length === 0) return false;
    const moved = i !== this.at;
    this.at = i;
    this.stepId = this.index.step(i)?.id;
    return moved;
  }
}

export function indexFailures(index: TraceIndex): FailureSource {
  return { failing: () => index.failing(), categoriesOf: (i) => index.findingsOf(i).map((f) => f.category) };
}

/** The next (or previous) failing step after (before) `from`, of one of `categories` when given. */
export function findFailure(source: FailureSource, from: number, direction: 'next' | 'previous', categories: readonly string[] = []): number | undefined {
  const wanted = new Set(categories);
  const ok = (i: number): boolean => wanted.size === 0 || source.categoriesOf(i).some((c) => wanted.has(c));
  const list = source.failing();
  if (direction === 'next') {
    for (let k = upperBound(list, from); k < list.length; k++) if (ok(list[k])) return list[k];
  } else {
    for (let k = lowerBound(list, from) - 1; k >= 0; k--) if (ok(list[k])) return list[k];
  }
  return undefined;
}

/**
 * Two steps are peers when they are of one kind and one name, a tool call's tool name (its step
 * may be named otherwise, `execute_tool bash`): the next call of the same tool, the next reply of
 * the same model, the next turn of the same agent.
 */
export function peerName(step: Pick<Step, 'name' | 'toolCall'>): string {
  return step.toolCall?.name ?? step.name;
}

/**
 * The next (or previous) step after (before) `from` that is a peer of the step at `from`, among
 * the positions `within` accepts (a view's filter) when given. A scan: at 10^6 steps a few
 * milliseconds, once per key press.
 */
export function findPeer(index: Pick<TraceIndex, 'length' | 'step'>, from: number, direction: 'next' | 'previous', within?: (i: number) => boolean): number | undefined {
  const at = index.step(from);
  if (!at) return undefined;
  const step = direction === 'next' ? 1 : -1;
  for (let i = from + step; i >= 0 && i < index.length; i += step) {
    if (isPeer(index.step(i), at) && (!within || within(i))) return i;
  }
  return undefined;
}

/**
 * `findPeer` among the failures (of one of `categories`, when given) only, as a view of failures
 * shows them: it walks the failing steps, as `findFailure` does, not every step.
 */
export function findFailingPeer(index: Pick<TraceIndex, 'step'>, source: FailureSource, from: number, direction: 'next' | 'previous', categories: readonly string[] = []): number | undefined {
  const at = index.step(from);
  if (!at) return undefined;
  for (let i = findFailure(source, from, direction, categories); i !== undefined; i = findFailure(source, i, direction, categories)) {
    if (isPeer(index.step(i), at)) return i;
  }
  return undefined;
}

function isPeer(s: Step, of: Step): boolean {
  return s.kind === of.kind && peerName(s) === peerName(of);
}
