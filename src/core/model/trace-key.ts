/**
 * A trace's address within its file (`traceKey`): the trace's own id where its source gives one,
 * else its run number in the file (`indexInFile`, 0 for a file of one trace). A key that an earlier
 * trace of the file already has gets `#<k>` for its k-th occurrence, as step ids do
 * (src/core/engine/step-ids.ts), so three identical runs are `abc`, `abc#2` and `abc#3`.
 *
 * Only earlier traces decide a key, so a trace keeps its key when the file grows. Commands, the
 * workspace index, the CLI and training-set manifests carry it; a caller that was given a run
 * number (an older manifest, a command argument) still finds its trace: see `findTraceByKey`.
 */
import { quoteTraceText, UserInputError } from '../util/problems';
import type { Trace } from './schema';

/** Hands out the keys of a file's traces in file order; a streamed file asks as its runs appear. */
export class TraceKeyAllocator {
  /** How many times each base (own id or run number) was asked for. */
  private readonly seen = new Map<string, number>();
  private readonly used = new Set<string>();
  private readonly keys: string[] = [];

  /** The key of the file's next trace, given its own id (undefined or empty: none) and its run number. */
  next(ownId: string | undefined, indexInFile: number): string {
    const base = ownId !== undefined && ownId !== '' ? ownId : String(indexInFile);
    let k = this.seen.get(base) ?? 0;
    let key: string;
    // An own id may itself look like a repeat (`a#2` after two runs `a`): skip keys already out.
    do {
      k += 1;
      key = k === 1 ? base : `${base}#${k}`;
    } while (this.used.has(key));
    this.seen.set(base, k);
    this.used.add(key);
    this.keys.push(key);
    return key;
  }

  /**
   * The key of the trace at `position`, handing out those before it first (`ownIdAt(i)`: trace
   * i's own id): a streamed file asks as its runs appear.
   */
  through(position: number, ownIdAt: (i: number) => string | undefined): string {
    while (this.keys.length <= position) this.next(ownIdAt(this.keys.length), this.keys.length);
    return this.keys[position];
  }

  /** The key handed out for the trace at `position` (in file order), if it was asked for. */
  at(position: number): string | undefined {
    return this.keys[position];
  }

  get count(): number {
    return this.keys.length;
  }
}

/** The keys of a file's traces, in file order, from each trace's own id (undefined: none) and run number. */
export function traceKeys(traces: readonly { ownId: string | undefined; indexInFile: number }[]): string[] {
  const allocator = new TraceKeyAllocator();
  return traces.map(({ ownId, indexInFile }) => allocator.next(ownId, indexInFile));
}

/** Sets `source.traceKey` on a file's built traces from the ids their drafts had (not the derived ones). */
export function assignTraceKeys(traces: Trace[], ownIds: readonly (string | undefined)[]): void {
  const keys = traceKeys(traces.map((t, i) => ({ ownId: ownIds[i], indexInFile: t.source.indexInFile ?? i })));
  traces.forEach((t, i) => {
    t.source.traceKey = keys[i];
  });
}

/** A trace's key; a trace built before keys existed (or by hand) is known by its run number. */
export function traceKeyOf(trace: Trace): string {
  return trace.source.traceKey ?? String(trace.source.indexInFile ?? 0);
}

/**
 * The trace a key names: the trace with that key, else, for a key that is a whole number and no
 * trace's key, the trace with that run number (what addresses held before keys were ids).
 */
export function findTraceByKey<T extends Trace>(traces: readonly T[], key: string): T | undefined {
  const byKey = traces.find((t) => traceKeyOf(t) === key);
  if (byKey || !/^\d+$/.test(key)) return byKey;
  return traceNumbered(traces, Number(key));
}

/** The trace with run number `run` (its `indexInFile`, else its position). */
function traceNumbered<T extends Trace>(traces: readonly T[], run: number): T | undefined {
  return traces.find((t, i) => (t.source.indexInFile ?? i) === run);
}

/** Which run of a file a caller asked for: by key (`--trace`, `file#KEY`) or by run number (`--trace-index`). */
export interface RunChoice {
  traceKey?: string;
  traceIndex?: number;
}

/**
 * The run `choice` names among a file's traces; with no choice, the file's only trace. Refused,
 * naming the file and what it holds, for a choice it does not have or a file of several runs.
 */
export function pickTrace<T extends Trace>(file: string, traces: readonly T[], choice: RunChoice): T {
  const range = `it holds ${traces.length}: #0 to #${traces.length - 1}`;
  if (choice.traceKey !== undefined) {
    const byKey = findTraceByKey(traces, choice.traceKey);
    if (byKey) return byKey;
    if (/^\d+$/.test(choice.traceKey)) throw new UserInputError({ file, message: `has no run #${choice.traceKey} (${range})` });
    const keys = traces.slice(0, 5).map((t) => quoteTraceText(traceKeyOf(t))).join(', ');
    throw new UserInputError({ file, message: `has no run with the key ${quoteTraceText(choice.traceKey)} (its runs' keys: ${keys}${traces.length > 5 ? ', …' : ''}; a number picks that run, from 0)` });
  }
  if (choice.traceIndex === undefined) {
    if (traces.length === 1) return traces[0];
    throw new UserInputError({ file, message: `holds ${traces.length} runs: pick one by adding #N to the file name (N from 0 to ${traces.length - 1}) or #KEY (a run's id)` });
  }
  const picked = traceNumbered(traces, choice.traceIndex);
  if (!picked) throw new UserInputError({ file, message: `has no run #${choice.traceIndex} (${range})` });
  return picked;
}
