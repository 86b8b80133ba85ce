/**
 * The free-text part of the workspace index (issue 14, sections 1 and 2): which words each trace
 * contains and at which step each first appears, so that a query's free text is answered from the
 * records instead of by reading every trace file again.
 *
 * A trace's words are the maximal runs of letters and digits in its steps' search text (the same
 * lower-cased text the trace editor searches: `searchableText`). A free-text term is a substring
 * of that text; the index answers it as follows:
 * - a term that is one run of letters and digits (`timeout`, `e42`) is answered exactly: it occurs
 *   in a step exactly when one of the step's words contains it, so the traces that have such a
 *   word match, at the first step where one appears, and the others do not;
 * - any other term (`"rate limit"`, `404:`) narrows: each of its words must appear in the trace
 *   (an inner word whole, the first as the end of a word, the last as the start of one), so a
 *   trace without them does not match, and the traces that have them are searched step by step.
 * A trace whose words could not all be kept (more than {@link MAX_TRACE_WORDS}, or a word longer
 * than {@link MAX_WORD_LENGTH}, such as base64 data) is `partial`: the index does not answer for
 * it, and its steps are searched for every term.
 */
import type { Step } from '../model/schema';
import { searchableText } from '../engine/trace-index';
import { slicePacer } from '../util/slices';

/** Words longer than this (data blobs, long hashes) are not kept: the trace is then `partial`. */
export const MAX_WORD_LENGTH = 64;
/** The most distinct words kept per trace (in order of first appearance). */
export const MAX_TRACE_WORDS = 20_000;
/** Terms whose answers an index keeps (each holds an entry per trace that has its words). */
const KEPT_TERMS = 32;

/** A trace's words, as kept in its record (JSON: it is cached with the records). */
export interface TraceWords {
  /** Distinct words, sorted, joined by single spaces (a word never holds a space). */
  words: string;
  /** For each word (same order), the index in `stepIds` of the first step it appears in. */
  first: number[];
  /** The ids of the steps that are some word's first appearance, in decision order. */
  stepIds: string[];
  /** Some words were not kept: the index does not answer for this trace. */
  partial: boolean;
}

/**
 * Calls `visit(start, end)` for each run of letters and digits in `text`. ASCII is tested by
 * character code (most trace text is ASCII); anything else by its Unicode properties.
 */
export function forEachWord(text: string, visit: (start: number, end: number) => void): void {
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let word: boolean;
    let width = 1;
    if (c < 128) word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
    else {
      const cp = text.codePointAt(i) as number;
      width = cp > 0xffff ? 2 : 1;
      word = WORD_CHAR.test(String.fromCodePoint(cp));
    }
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      visit(start, i);
      start = -1;
    }
    i += width - 1;
  }
  if (start >= 0) visit(start, text.length);
}

const WORD_CHAR = /^[\p{L}\p{N}]$/u;

/** The words of a trace's steps (`steps` in decision order, as the query's step search sees them). */
export function traceWords(steps: readonly Step[]): TraceWords {
  const firstStep = new Map<string, number>();
  let partial = false;
  for (let s = 0; s < steps.length; s++) {
    const text = searchableText(steps[s]);
    forEachWord(text, (a, b) => {
      if (b - a > MAX_WORD_LENGTH) { partial = true; return; }
      const w = text.slice(a, b);
      if (firstStep.has(w)) return;
      if (firstStep.size >= MAX_TRACE_WORDS) { partial = true; return; }
      firstStep.set(w, s);
    });
  }
  // A partial trace is searched step by step for every term: its words would only take room.
  if (partial) return { words: '', first: [], stepIds: [], partial };
  const words = [...firstStep.keys()].sort();
  const positions = [...new Set(firstStep.values())].sort((a, b) => a - b);
  const slot = new Map(positions.map((p, i) => [p, i]));
  return {
    words: words.join(' '),
    first: words.map((w) => slot.get(firstStep.get(w) as number) as number),
    stepIds: positions.map((p) => steps[p].id),
    partial,
  };
}

/** How a word of a term must sit in a trace's word. */
type WordTest = 'equals' | 'prefix' | 'suffix' | 'contains';

/** A free-text term as words the index can look up. */
interface TermWords {
  words: { word: string; test: WordTest }[];
  /** The term is one run of letters and digits: the index answers it exactly. */
  exact: boolean;
}

function termWords(term: string): TermWords {
  const words: TermWords['words'] = [];
  forEachWord(term, (a, b) => {
    // A word with other characters before it starts a trace word; one with others after it ends one.
    const bounded = { before: a > 0, after: b < term.length };
    const test: WordTest = bounded.before && bounded.after ? 'equals' : bounded.before ? 'prefix' : bounded.after ? 'suffix' : 'contains';
    words.push({ word: term.slice(a, b), test });
  });
  return { words, exact: words.length === 1 && words[0].test === 'contains' };
}

/**
 * What the index says of a term in one trace: the index in its {@link TraceWords.stepIds} of the
 * first step it occurs in, -1 when it does not occur, undefined when the steps must be searched.
 */
export type TermAnswer = number | undefined;

/** The traces (by ordinal) that have a term's words, with a first-step slot; `exact`: the term is one word. */
interface TermHits {
  hits: Map<number, number>;
  exact: boolean;
}

/** An inverted index over many traces' words, built once and asked many terms. */
export class WorkspaceTextIndex<T> {
  /** word -> [trace ordinal, first-step slot, trace ordinal, first-step slot, ...] */
  private readonly postings = new Map<string, number[]>();
  /** Every distinct word, for the terms that match a part of a word (scanned, not sorted: no sort of a large vocabulary). */
  private words: string[] = [];
  private readonly ordinals = new Map<T, number>();
  private readonly kept: (TraceWords | undefined)[] = [];
  private readonly answers = new Map<string, TermHits | 'unknown'>();

  /** `wordsOf` gives a trace's words, or undefined when it has none indexed (every term is then searched). */
  constructor(traces: readonly T[], wordsOf: (t: T) => TraceWords | undefined) {
    traces.forEach((t) => this.add(t, wordsOf(t)));
    this.words = [...this.postings.keys()];
  }

  /**
   * The same index, built a few traces at a time with the event loop let run every `sliceMs`
   * (thousands of traces take most of a second: not in one go on the extension host's thread).
   */
  static async build<T>(traces: readonly T[], wordsOf: (t: T) => TraceWords | undefined, sliceMs = 10): Promise<WorkspaceTextIndex<T>> {
    const index = new WorkspaceTextIndex<T>([], wordsOf);
    const pause = slicePacer(sliceMs);
    for (const t of traces) {
      index.add(t, wordsOf(t));
      await pause();
    }
    index.words = [...index.postings.keys()];
    return index;
  }

  private add(trace: T, w: TraceWords | undefined): void {
    const ordinal = this.kept.length;
    this.ordinals.set(trace, ordinal);
    this.kept.push(w);
    if (!w || w.words === '') return;
    w.words.split(' ').forEach((word, i) => {
      let list = this.postings.get(word);
      if (!list) this.postings.set(word, (list = []));
      list.push(ordinal, w.first[i]);
    });
  }

  /** Distinct words over all traces. */
  get vocabularySize(): number { return this.words.length; }

  /** The index's answer for `term` (lower-cased, as the query parser gives it) in `trace`. */
  answer(trace: T, term: string): TermAnswer {
    const ordinal = this.ordinals.get(trace);
    const words = ordinal === undefined ? undefined : this.kept[ordinal];
    if (ordinal === undefined || !words || words.partial) return undefined;
    const found = this.hitsOf(term);
    if (found === 'unknown') return undefined;
    const slot = found.hits.get(ordinal);
    if (slot === undefined) return -1;
    return found.exact ? slot : undefined;
  }

  /** The step id of a slot `answer` gave. */
  stepIdAt(trace: T, slot: number): string | undefined {
    const ordinal = this.ordinals.get(trace);
    return ordinal === undefined ? undefined : this.kept[ordinal]?.stepIds[slot];
  }

  /**
   * The traces that have every word of the term, each with the earliest first-step slot among the
   * words matching the term's first word test (exact for a one-word term, as `exact` says);
   * 'unknown' for a term with no letter or digit (nothing to look up). Kept per term: a query asks
   * it once per trace.
   */
  private hitsOf(term: string): TermHits | 'unknown' {
    const cached = this.answers.get(term);
    if (cached) return cached;
    const { words, exact } = termWords(term);
    let hits: Map<number, number> | undefined;
    for (const { word, test } of words) {
      const found = new Map<number, number>();
      for (const w of this.matchingWords(word, test)) {
        const list = this.postings.get(w) as number[];
        for (let i = 0; i < list.length; i += 2) {
          const had = found.get(list[i]);
          if (had === undefined || list[i + 1] < had) found.set(list[i], list[i + 1]);
        }
      }
      if (!hits) hits = found;
      else for (const ordinal of hits.keys()) if (!found.has(ordinal)) hits.delete(ordinal);
    }
    const result: TermHits | 'unknown' = hits ? { hits, exact } : 'unknown';
    // Queries typed a key at a time ask many terms once: only the latest few are kept.
    if (this.answers.size >= KEPT_TERMS) this.answers.delete(this.answers.keys().next().value as string);
    this.answers.set(term, result);
    return result;
  }

  private matchingWords(word: string, test: WordTest): string[] {
    switch (test) {
      case 'equals': return this.postings.has(word) ? [word] : [];
      case 'prefix': return this.words.filter((w) => w.startsWith(word));
      case 'suffix': return this.words.filter((w) => w.endsWith(word));
      case 'contains': return this.words.filter((w) => w.includes(word));
    }
  }
}
