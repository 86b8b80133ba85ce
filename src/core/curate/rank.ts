/**
 * How curation (issue 14, section 6) orders, deduplicates, balances and caps the runs a query
 * picked. Plain data in, plain data out: no file is read here.
 *
 * Rank, most valuable first (RANK_ORDER):
 *   corrected  a human correction in the run's sidecar (`corrected:yes`);
 *   recovered  the run ended in success (a verdict, reward or label of success) although at least
 *              one of its steps failed (a step error, a finding not rejected, a human tag, an
 *              imported error label): a failure followed by success in the same run;
 *   success    the run ended in success with no failing step;
 *   other      everything else (failed runs, runs whose outcome is unknown or partial).
 * Ties keep the order the runs were found in (files sorted by path, runs in file order).
 *
 * Near-duplicates: two runs are near-duplicates when their action sequences are equal (each step's
 * strict action key, src/core/compare/keys.ts: kind, tool or action name, arguments as JSON with
 * sorted keys, tool-call ids left out) AND their messages are near-identical: every message text
 * of the run, in order, is equal after normaliseMessageText (Unicode NFKC, case folded,
 * whitespace collapsed, and the values that differ between two otherwise identical runs masked:
 * UUIDs, ISO timestamps and clock times, hex ids, call/request ids). Numbers, names and quoted
 * values are NOT masked: a different answer is a different example. Of a group of near-duplicates
 * the highest ranked run is kept (the first found among equals).
 */
import { createHash } from 'node:crypto';
import { stepFields, stepKey } from '../compare/keys';
import type { DataFile } from '../export/encode';
import type { Trace } from '../model/schema';
import type { TraceRecord } from '../workspace/trace-record';

export type CurateRank = 'corrected' | 'recovered' | 'success' | 'other';
export const RANK_ORDER: readonly CurateRank[] = ['corrected', 'recovered', 'success', 'other'];
export type CurateBalance = 'category' | 'tool';
/** The group of a run without a failure category (balance by category) or without a tool call (by tool). */
export const NO_GROUP = '(none)';

export function rankOf(r: Pick<TraceRecord, 'corrections' | 'outcome' | 'failingSteps'>): CurateRank {
  if (r.corrections > 0) return 'corrected';
  if (r.outcome === 'success') return r.failingSteps > 0 ? 'recovered' : 'success';
  return 'other';
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const ISO_DATETIME = /\b\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?\b/g;
const CLOCK = /\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g;
const HEX_ID = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b/g;
/** call_…, toolu_…, chatcmpl-…, req_…: a prefix and a long token of letters and digits. */
const PREFIXED_ID = /\b(?:call|toolu|chatcmpl|req|run|msg|resp|fc)[_-][a-z0-9_-]{8,}\b/g;

/** Message text as near-duplicate detection compares it (see the module comment). */
export function normaliseMessageText(s: string): string {
  return s.normalize('NFKC').toLowerCase()
    .replace(UUID, '<id>').replace(ISO_DATETIME, '<time>').replace(CLOCK, '<time>')
    .replace(PREFIXED_ID, '<id>').replace(HEX_ID, '<id>')
    .replace(/\s+/g, ' ').trim();
}

/**
 * The run's near-duplicate key: a digest of its action sequence and of its normalised messages
 * (each step's messages as the comparison shows them, plus the first model call's prompt, which
 * holds the task). Equal keys = near-duplicates.
 */
export function trajectoryFingerprint(trace: Trace): string {
  const actions = createHash('sha256');
  const messages = createHash('sha256');
  let prompt = false;
  for (const s of trace.steps) {
    actions.update(stepKey(s, 'strict')).update('\u0001');
    if (s.kind === 'llm' && !prompt) {
      prompt = true;
      for (const m of s.input?.messages ?? []) messages.update(`${m.role}\u0002${normaliseMessageText(m.content ?? '')}\u0001`);
    }
    messages.update(normaliseMessageText(stepFields(s).messages)).update('\u0001');
  }
  return `${actions.digest('hex')}:${messages.digest('hex')}`;
}

/** One run a query picked that has examples to write. */
export interface Candidate {
  file: string;
  /** The run's index in its file, as the manifest records it. */
  traceIndex: number;
  /** The run's position among the file's analyses (to find it again). */
  position: number;
  title: string;
  rank: CurateRank;
  /** Largest failure category, NO_GROUP without one. */
  category: string;
  categories: string[];
  /** Most called tool, NO_GROUP without a tool call. */
  tool: string;
  tools: string[];
  /** The trace format it was read as (tau-bench, inspect, agent-trace…). */
  source: string;
  fingerprint: string;
  /** Examples per data file the run gives (only the files the set writes). */
  examples: Partial<Record<DataFile, number>>;
  exampleCount: number;
}

export interface Duplicate {
  /** `file#traceIndex` of the run left out… */
  removed: string;
  /** …and of the run kept instead. */
  keptAs: string;
}

export interface Selection {
  selected: Candidate[];
  duplicates: Duplicate[];
  /** Runs left out because the next one would pass the cap. */
  cappedOut: number;
}

export const runId = (c: Pick<Candidate, 'file' | 'traceIndex'>): string => `${c.file}#${c.traceIndex}`;

/**
 * Rank (stable), drop near-duplicates, then balance and cap:
 * - `balance`: runs are grouped by their largest failure category (or most called tool) and taken
 *   in turns, one from each group per round (groups in order of their best run, then name), each
 *   group in rank order; without `max` this only changes the order in which they are written.
 * - `max`: at most this many examples; a run is taken whole or not at all, so a run that would
 *   pass the cap is left out and the next (smaller) ones are still tried.
 */
export function selectCandidates(candidates: readonly Candidate[], opts: { max?: number; balance?: CurateBalance } = {}): Selection {
  const ranked = candidates.map((c, i) => ({ c, i }))
    .sort((a, b) => RANK_ORDER.indexOf(a.c.rank) - RANK_ORDER.indexOf(b.c.rank) || a.i - b.i)
    .map(({ c }) => c);
  const kept = new Map<string, Candidate>();
  const duplicates: Duplicate[] = [];
  const unique: Candidate[] = [];
  for (const c of ranked) {
    const first = kept.get(c.fingerprint);
    if (first) { duplicates.push({ removed: runId(c), keptAs: runId(first) }); continue; }
    kept.set(c.fingerprint, c);
    unique.push(c);
  }
  let order = unique;
  if (opts.balance) {
    const key = opts.balance === 'category' ? (c: Candidate) => c.category : (c: Candidate) => c.tool;
    const groups = new Map<string, Candidate[]>();
    for (const c of unique) {
      const k = key(c);
      const g = groups.get(k);
      if (g) g.push(c); else groups.set(k, [c]);
    }
    // Map order is the order of each group's best run (unique is ranked): ties between groups by name.
    const lists = [...groups.entries()]
      .map(([name, list], i) => ({ name, list, i }))
      .sort((a, b) => RANK_ORDER.indexOf(a.list[0].rank) - RANK_ORDER.indexOf(b.list[0].rank) || a.name.localeCompare(b.name) || a.i - b.i)
      .map((g) => g.list);
    order = [];
    for (let round = 0; order.length < unique.length; round++) for (const l of lists) if (round < l.length) order.push(l[round]);
  }
  if (opts.max === undefined) return { selected: order, duplicates, cappedOut: 0 };
  const selected: Candidate[] = [];
  let total = 0;
  let cappedOut = 0;
  for (const c of order) {
    if (total + c.exampleCount <= opts.max) { selected.push(c); total += c.exampleCount; } else cappedOut++;
  }
  return { selected, duplicates, cappedOut };
}
