/**
 * What a debugger expression sees at a step: every field of the step, plus a few derived names
 * (duration, input messages, output, tool, findings, tags...). Values are read lazily from the
 * step when a name is asked for; nothing is copied, so a condition checked at every step of a
 * 10^6-step trace costs only what it reads. The runtime supplies the trace through a
 * StepScopeSource (steps in the TraceIndex's decision order, findings and tags per position).
 * No vscode here: the adapter, the CLI and the unit tests share it.
 */
import type { Finding } from '../detect/types';
import { Step, type Step as StepValue } from '../model/schema';
import { failedByStatus } from '../detect/user-stop';
import { HELD_FIELDS } from '../engine/stream/step-payloads';

/** What the debug runtime gives the evaluator and the breakpoints about the trace being debugged. */
export interface StepScopeSource {
  /**
   * Steps in decision order (`steps[i].index === i`), as the TraceIndex holds them: for a large
   * file, without their payloads (messages, arguments, results, model...), which `whole` gives.
   */
  readonly steps: readonly StepValue[];
  /** The step at a position with its payloads, read back from the file; absent when `steps` are whole. */
  whole?(index: number): StepValue;
  /** Detector findings of the step at a position (the ones that count: rejected ones left out). */
  findingsAt(index: number): readonly Finding[];
  /** Human tags and imported labels on the step at a position. */
  tagsAt(index: number): readonly { category: string; note?: string }[];
  /**
   * Optional: bump it when findings or tags change, so whole-trace results (`count`, `any`) are
   * computed again. Steps appended are noticed without it (by their count).
   */
  readonly version?: number;
}

/** The names an expression reads at one step of a trace. */
export interface ExpressionScope {
  /** Position of the step in decision order. */
  readonly stepIndex: number;
  readonly source: StepScopeSource;
  /** The value of a name (undefined when the step has no such field). */
  get(name: string): unknown;
  /** The same view of another step of the trace (`count` and `any` evaluate their argument at every step). */
  at(index: number): ExpressionScope;
}

/** Every name an expression may use, with what it means (the Debug Console can offer them as completions). */
export const STEP_SCOPE_NAMES: readonly { name: string; description: string }[] = [
  ...Object.keys(Step.shape)
    .filter((k) => k !== 'input' && k !== 'output')
    .map((name) => ({ name, description: `the step's ${name} field` })),
  { name: 'input', description: "the step's input: its value (a tool's arguments) when it has one, else its messages" },
  { name: 'output', description: "the step's output: its value (a tool's result) when it has one, else its messages" },
  { name: 'messages', description: 'the input messages (empty for steps without any); messages[-1] is the last' },
  { name: 'durationMs', description: 'endTime - startTime in milliseconds, when both are known' },
  { name: 'tool', description: "the tool called: toolCall.name, or a tool step's name" },
  { name: 'arguments', description: "the tool call's arguments" },
  { name: 'findings', description: 'detector findings on this step (category, rule, evidence, impact)' },
  { name: 'tags', description: 'human tags and imported labels on this step (category, note)' },
  { name: 'failing', description: 'true when the step has error status, a finding or a tag' },
  { name: 'step', description: 'the whole step' },
];

const KNOWN = new Set(STEP_SCOPE_NAMES.map((n) => n.name));

/** Whether an expression may use this name. */
export function isScopeName(name: string): boolean {
  return KNOWN.has(name);
}

const NO_MESSAGES: readonly unknown[] = Object.freeze([]);

/**
 * The names a step held without its payloads answers as the whole step would: the fields it keeps
 * whole (HELD_FIELDS, but `toolCall` lacks its arguments and `attributes` are a span's context
 * only), its usage (the debugger holds steps with it), and the names made from those.
 */
const HELD_NAMES: ReadonlySet<string> = new Set([
  ...[...HELD_FIELDS].filter((f) => f !== 'toolCall' && f !== 'attributes'),
  'usage', 'durationMs', 'tool', 'findings', 'tags', 'failing',
]);

class StepScope implements ExpressionScope {
  constructor(readonly source: StepScopeSource, readonly stepIndex: number) {}

  at(index: number): ExpressionScope {
    return new StepScope(this.source, index);
  }

  get(name: string): unknown {
    const held = this.source.steps[this.stepIndex];
    if (held === undefined || !KNOWN.has(name)) return undefined;
    // A name the held step answers is read from it; the others (messages, arguments, results,
    // model...) from the whole step, read back only when an expression asks for one.
    const step = HELD_NAMES.has(name) || !this.source.whole ? held : this.source.whole(this.stepIndex);
    switch (name) {
      case 'step': return step;
      case 'input': return payload(step.input);
      case 'output': return payload(step.output);
      case 'messages': return step.input?.messages ?? NO_MESSAGES;
      case 'durationMs': return step.startTime !== null && step.endTime !== null ? step.endTime - step.startTime : undefined;
      case 'tool': return step.toolCall?.name ?? (step.kind === 'tool' ? step.name : undefined);
      case 'arguments': return step.toolCall?.arguments;
      case 'findings': return this.source.findingsAt(this.stepIndex);
      case 'tags': return this.source.tagsAt(this.stepIndex);
      case 'failing': return isFailing(this.source, this.stepIndex);
      default: return Object.prototype.hasOwnProperty.call(step, name) ? (step as Record<string, unknown>)[name] : undefined;
    }
  }
}

function payload(p: StepValue['input']): unknown {
  if (p === undefined) return undefined;
  return p.value !== undefined ? p.value : p.messages;
}

/** A step fails when it has error status, a finding or a tag (the failing set of the trace editor). */
export function isFailing(source: StepScopeSource, index: number): boolean {
  const step = source.steps[index];
  return step !== undefined && (failedByStatus(step) || source.findingsAt(index).length > 0 || source.tagsAt(index).length > 0);
}

export function stepScope(source: StepScopeSource, index: number): ExpressionScope {
  return new StepScope(source, index);
}
