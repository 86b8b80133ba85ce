/**
 * The payloads of a run whose steps the host holds without them, kept as text: each step's whole
 * JSON, as the document worker wrote it. A large Inspect log's samples go to the host as whole
 * runs, each built from events and messages spread over its sample (not one range of the file to
 * read back, as a streamed line or span is: step-payloads.ts). Held as objects, a step's messages
 * and their parts were many small objects, which the host's young collections copied while a log
 * of 600 samples was read (turns of 30-68 ms). Its texts here are slices of the message that
 * brought them (event-codec.ts), one large string the young collections do not copy (turns of
 * 17-31 ms); a step's text is parsed when the step is shown, searched or exported.
 */
import type { Step, ToolDefinition } from '../../model/schema';
import type { LineNeedle } from './line-needle';
import type { HeldPayloads, IndexedSteps, NextPayloads } from './step-payloads';

export class TextPayloads implements HeldPayloads {
  /** Step `index` k's whole JSON text. */
  private readonly texts: string[] = [];
  /** The last step made whole: selecting a step asks for it several times (details, tags, correction). */
  private last: Step | undefined;
  callableTools: readonly ToolDefinition[] | undefined;

  /** The texts of the next steps, in order. */
  add(texts: readonly string[]): void {
    for (const text of texts) this.texts.push(text);
  }

  addNext(next: NextPayloads): void {
    if (next.payloadTexts) this.add(next.payloadTexts);
  }

  get count(): number {
    return this.texts.length;
  }

  keptTo(count: number): TextPayloads {
    const kept = new TextPayloads();
    kept.add(this.texts.slice(0, count));
    kept.callableTools = this.callableTools;
    return kept;
  }

  byteLength(step: Step): number {
    return this.texts[step.index]?.length ?? 0;
  }

  whole(step: Step): Step {
    const text = this.texts[step.index];
    if (text === undefined) return step;
    const last = this.last;
    if (last && last.id === step.id && last.index === step.index) return last;
    return (this.last = JSON.parse(text) as Step);
  }

  wholeAt(steps: IndexedSteps, positions: readonly number[]): Step[] {
    return positions.map((p) => this.whole(steps.step(p)));
  }

  candidates(steps: IndexedSteps, from: number, to: number, needle: LineNeedle): number[] {
    const out: number[] = [];
    for (let k = from; k < to; k++) {
      const text = this.texts[steps.step(k).index];
      if (text === undefined || textMayMatch(text, needle)) out.push(k);
    }
    return out;
  }
}

/**
 * Whether a step's JSON text may hold what `needle` looks for (line-needle.ts), as a line of the
 * file may: its search text (search-text.ts) is made of the same values. A text with a `\u` escape,
 * or a character whose lower case is plain ASCII (the Kelvin sign, a dotted capital I), is taken
 * as it cannot be ruled out by its bytes, as in a file.
 */
function textMayMatch(text: string, needle: LineNeedle): boolean {
  const core = needle.pattern;
  if (!core) return true;
  if (text.includes('\\u') || text.includes('\u212a') || text.includes('\u0130')) return true;
  if (test(core, text)) return needle.mayHold(text);
  return needle.markerPattern !== undefined && test(needle.markerPattern, text);
}

/** `pattern.test(text)` from the start, for a global pattern that others use too. */
function test(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}
