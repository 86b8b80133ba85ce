/**
 * Where the Agent Traces view keeps its summaries between sessions: in workspace state, as one
 * JSON text. No vscode import: the unit tests give it a fake memento.
 *
 * Why a text, not the object: VS Code's `Memento.update` copies an object value at once through
 * `JSON.parse(JSON.stringify(value))` and serializes its whole state again when it sends it to the
 * workbench. With 5,000 files each was a turn of the extension host of 40-55 ms. A text is written
 * here a chunk of files at a time, between which other work runs, and VS Code copies a string in
 * a few milliseconds.
 */
import type { CachedSummary } from './summary';

/** What the store needs of `vscode.Memento`. */
export interface SummaryMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** The summaries as one JSON text (since 0.2). */
export const SUMMARIES_KEY = 'agentTraceDebugger.tracesView.v2';
/** The summaries as an object (before): read once, and removed at the next write. */
export const OLD_SUMMARIES_KEY = 'agentTraceDebugger.tracesView.v1';

/** Files written into the text between two yields. */
const FILES_PER_CHUNK = 500;

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The summaries kept, by file URI; none when nothing is kept or what is kept cannot be read (it is only a cache). */
export function readSummaries(state: SummaryMemento): Map<string, CachedSummary> {
  const text = state.get<unknown>(SUMMARIES_KEY);
  let value: unknown = state.get<unknown>(OLD_SUMMARIES_KEY);
  if (typeof text === 'string') {
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return new Map();
  return new Map(Object.entries(value as Record<string, CachedSummary>));
}

/** Writes the summaries, yielding between chunks of files; removes the older object. */
export async function writeSummaries(state: SummaryMemento, summaries: ReadonlyMap<string, CachedSummary>, yieldNow: () => Promise<void> = nextMacrotask): Promise<void> {
  const parts: string[] = [];
  let inChunk = 0;
  for (const [key, summary] of summaries) {
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(summary)}`);
    if (++inChunk === FILES_PER_CHUNK) {
      inChunk = 0;
      await yieldNow();
    }
  }
  const written = state.update(SUMMARIES_KEY, `{${parts.join(',')}}`);
  if (state.get(OLD_SUMMARIES_KEY) !== undefined) await state.update(OLD_SUMMARIES_KEY, undefined);
  await written;
}
