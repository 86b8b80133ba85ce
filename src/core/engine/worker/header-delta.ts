/**
 * A run's header fields the host has already, so that a `done` need not carry them again.
 *
 * A run's header comes with its first steps event (provisional) and again, final, with the `done`:
 * a run's id, key and sha256 can need the whole file. The rest is usually as it was: a log of
 * 600 Inspect samples sent its samples' tools (3.3 MB), scores (1.6 MB) and metadata (1.3 MB) a
 * second time in a done of 6.3 MB, which the host read in one turn (13 ms to parse when warm, 52
 * when not, and the collection the objects brought on). A field whose JSON text is the one the host
 * got last for the run is left out of the done and named instead; the host puts back the value it
 * got then (the same object: nothing on the host changes a run's header).
 *
 * Both sides keep what was sent last per run, in step: the worker's `SentHeaders` (the JSON text)
 * and the host's `ReceivedHeaders` (the values). A plain reset forgets it on both sides.
 */
import type { RunHeader } from './document-load';

/** Per run of a done: the fields left out, as the host got them last; null for a run sent whole. */
export type KeptHeaderFields = (string[] | null)[];

/** Fields this short cross whole: naming them costs about as much. */
const WORTH_KEEPING_CHARS = 64;

/** The worker's side: the JSON text of each header field as last sent, per run. */
export class SentHeaders {
  private sent: Map<string, string>[] = [];

  /** A header sent whole (a steps event's). */
  sentWhole(run: number, header: RunHeader): void {
    this.sent[run] = fieldTexts(header);
  }

  /**
   * The done's headers without the fields the host has as they are, and which those are; each
   * header is recorded as sent. Undefined when every header goes whole.
   */
  leaveOutKnown(headers: readonly RunHeader[]): { headers: RunHeader[]; kept: KeptHeaderFields } | undefined {
    let any = false;
    const kept: KeptHeaderFields = [];
    const out = headers.map((header, run) => {
      const before = this.sent[run];
      const now = fieldTexts(header);
      this.sent[run] = now;
      const same = before ? [...now].filter(([k, text]) => text.length >= WORTH_KEEPING_CHARS && before.get(k) === text).map(([k]) => k) : [];
      if (same.length === 0) {
        kept.push(null);
        return header;
      }
      any = true;
      kept.push(same);
      const lighter: Record<string, unknown> = { ...header };
      for (const k of same) delete lighter[k];
      return lighter as unknown as RunHeader;
    });
    this.sent.length = headers.length;
    return any ? { headers: out, kept } : undefined;
  }

  forget(): void {
    this.sent = [];
  }
}

/** The host's side: each run's header as last received. */
export class ReceivedHeaders {
  private got: RunHeader[] = [];

  received(run: number, header: RunHeader): void {
    this.got[run] = header;
  }

  /** The done's headers with the fields left out put back (`kept`: see SentHeaders), each recorded as received. */
  filled(headers: readonly RunHeader[], kept: KeptHeaderFields | undefined): RunHeader[] {
    const out = headers.map((header, run) => {
      const fields = kept?.[run];
      if (!fields) return header;
      // The encoder leaves out only fields it sent for this run before, so the host has them.
      const before = this.got[run] as unknown as Record<string, unknown>;
      const whole: Record<string, unknown> = { ...header };
      for (const k of fields) whole[k] = before[k];
      return whole as unknown as RunHeader;
    });
    this.got = out.slice();
    return out;
  }

  forget(): void {
    this.got = [];
  }
}

/** Each field of the header but its steps (a header's are empty), as JSON text. */
function fieldTexts(header: RunHeader): Map<string, string> {
  const texts = new Map<string, string>();
  for (const [k, v] of Object.entries(header)) {
    if (k === 'steps' || v === undefined) continue;
    texts.set(k, JSON.stringify(v));
  }
  return texts;
}
