/**
 * Redaction placeholders (model/redaction.ts) in the conversations a trace exports as.
 *
 * An assistant turn holding one (as its text or as a call's arguments) is not learned: a model
 * trained on it would learn to write placeholders. It stays in its conversation as context
 * (weight 0), as a turn with an uncorrected error does, until the user corrects it. Prompts that
 * hold placeholders are exported as they are (the model saw them so, as far as the trace tells),
 * with a warning.
 */
import { isRedactionPlaceholder } from '../model/redaction';
import type { Problem } from '../util/problems';
import type { ConvMessage, Conversation } from './conversation';

/** Turns named in the warning; the rest are counted. */
const TURNS_NAMED = 3;

export interface RedactedTurns {
  /** Model step id → the first placeholder in its output. */
  turns: Map<string, string>;
  /** A placeholder standing for a whole prompt message (system, user or tool), if any. */
  promptPlaceholder?: string;
  /** What promotion should say of them (turns a correction replaced are learned, and not named). */
  warning(file: string, stepRef: (stepId: string) => string, corrected: ReadonlyMap<string, unknown>): Problem | undefined;
}

/** The placeholder an assistant message holds instead of its text or of a call's arguments. */
function placeholderIn(m: ConvMessage): string | undefined {
  if (isRedactionPlaceholder(m.content)) return m.content;
  for (const call of m.toolCalls ?? []) if (isRedactionPlaceholder(call.arguments)) return call.arguments;
  return undefined;
}

export function redactedTurns(conversations: readonly Conversation[]): RedactedTurns {
  const turns = new Map<string, string>();
  let promptPlaceholder: string | undefined;
  for (const { messages } of conversations) {
    for (const m of messages) {
      if (m.role === 'assistant') {
        const placeholder = m.stepId !== undefined && !turns.has(m.stepId) ? placeholderIn(m) : undefined;
        if (placeholder !== undefined) turns.set(m.stepId!, placeholder);
      } else if (promptPlaceholder === undefined && isRedactionPlaceholder(m.content)) {
        promptPlaceholder = m.content;
      }
    }
  }
  return {
    turns,
    promptPlaceholder,
    warning(file, stepRef, corrected) {
      const left = [...turns].filter(([id]) => !corrected.has(id));
      const parts: string[] = [];
      if (left.length) {
        const named = left.slice(0, TURNS_NAMED).map(([id, placeholder]) => `${stepRef(id)}: "${placeholder}"`).join('; ');
        const more = left.length > TURNS_NAMED ? `; and ${left.length - TURNS_NAMED} more` : '';
        parts.push(`${left.length === 1 ? '1 assistant turn holds' : `${left.length} assistant turns hold`} a redaction placeholder, not what the model wrote (${named}${more}): context only, neither learned nor labelled; correct a turn to learn it`);
      }
      if (promptPlaceholder !== undefined) parts.push(`the prompts hold redaction placeholders (such as "${promptPlaceholder}"), exported as they are`);
      return parts.length ? { file, message: parts.join('; ') } : undefined;
    },
  };
}
