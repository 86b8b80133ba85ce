/**
 * Everything the encoders need from one annotated trace: the original and corrected
 * conversations, which assistant turns carry an uncorrected error (and so are context only),
 * and one pair per corrected turn.
 */
import { bindAnnotations, effectiveErrors, stepLocation, type EffectiveTag, type FindingLike } from '../annotations/bind';
import type { AnnotationDocument, Correction } from '../annotations/schema';
import type { ChatMessage, Step, ToolDefinition, Trace } from '../model/schema';
import type { Problem } from '../util/problems';
import type { Taxonomy } from '../taxonomy/types';
import { changesToolCalls, checkCorrection, correctionToMessage } from './corrections';
import { assistantOutput, buildConversations, modelSteps, NO_RESULT, type ConvMessage, type Conversation } from './conversation';
import { inferMissingTools } from './infer-tools';
import { carryTag } from './attribution';
import { runOutcome, type RunOutcome } from './run-outcome';
import { redactedTurns } from './redacted';

export interface PreparedTrajectory {
  trace: Trace;
  /** Step id → step, built once (the first step with an id, as `trace.steps.find` would give). */
  stepsById: ReadonlyMap<string, Step>;
  tools: ToolDefinition[];
  /** The trajectory as it happened: one conversation per model context (see conversation.ts). */
  original: Conversation[];
  /** Corrections applied; ends at the first correction that changes a tool call. */
  corrected: Conversation[];
  /** Model step id → errors attributed to that turn (attribution.ts). */
  turnErrors: Map<string, EffectiveTag[]>;
  /** Errors that judge the run as a whole (a tag on the agent or root step...): they mark no turn. */
  runErrors: EffectiveTag[];
  /** Errors that mark nothing in the training data (a timeout on a tool step...), with why. */
  uncarried: { tag: EffectiveTag; why: string }[];
  /** How the run ended: a failed run is no demonstration unless the user asks. */
  outcome: RunOutcome;
  /**
   * Model step id → a redaction placeholder in its output (its text or a call's arguments): the
   * model did not write it, so the turn is context only until corrected (redacted.ts).
   */
  redacted: Map<string, string>;
  /** Model step id → its corrected message. */
  corrections: Map<string, ChatMessage>;
  /** Step whose corrected tool calls ended the corrected conversation early. */
  truncatedAfter?: string;
  /** Problems with the annotations (corrections calling undeclared tools, bad arguments...). */
  problems: Problem[];
  warnings: Problem[];
}

/**
 * Which assistant turn an error on a step belongs to: the step itself when it is a model turn;
 * otherwise its first model descendant (an agent span wrapping the call), otherwise the last
 * model turn before it (a tool step: the turn that issued the call).
 */
export function turnForStep(stepsById: ReadonlyMap<string, Step>, stepId: string, turns: readonly Step[]): string | undefined {
  const step = stepsById.get(stepId);
  if (!step) return undefined;
  if (turns.some((t) => t.id === stepId)) return stepId;
  const isDesc = (s: Step): boolean => {
    for (let p = s.parentId; p; p = stepsById.get(p)?.parentId ?? null) if (p === stepId) return true;
    return false;
  };
  const desc = turns.find((t) => t.index > step.index && isDesc(t));
  if (desc) return desc.id;
  let before: Step | undefined;
  for (const t of turns) if (t.index < step.index) before = t;
  return before?.id;
}

/** `taxonomy`: the one the user tagged in, so a taxonomy file's own categories export as the default ids they map to. */
export function prepareTrajectory(trace: Trace, doc: AnnotationDocument, opts: { sidecarFile: string; findings?: readonly FindingLike[]; taxonomy?: Taxonomy }): PreparedTrajectory {
  const bound = bindAnnotations(doc, trace, opts.sidecarFile);
  const warnings: Problem[] = [...(bound.shaMismatch ? [bound.shaMismatch] : []), ...bound.orphans];
  const problems: Problem[] = [];
  const turns = modelSteps(trace);
  const stepsById = indexSteps(trace);
  const turnErrors = new Map<string, EffectiveTag[]>();
  const runErrors: EffectiveTag[] = [];
  const uncarried: PreparedTrajectory['uncarried'] = [];
  for (const [stepId, tags] of effectiveErrors(trace, bound, opts.findings ?? [], { taxonomy: opts.taxonomy })) {
    const step = stepsById.get(stepId);
    if (!step) continue;
    for (const tag of tags) {
      const carry = carryTag(stepsById, step, tag.category, turns);
      if (carry.to === 'turn') turnErrors.set(carry.stepId, [...(turnErrors.get(carry.stepId) ?? []), tag]);
      else if (carry.to === 'run') runErrors.push(tag);
      else uncarried.push({ tag, why: carry.why });
    }
  }
  const { tools, inferred } = inferMissingTools(trace);
  const corrections = new Map<string, ChatMessage>();
  // Correction → the first step bound to it.
  const stepByCorrection = new Map<Correction, string>();
  for (const [stepId, c] of bound.correctionByStep) if (!stepByCorrection.has(c)) stepByCorrection.set(c, stepId);
  doc.corrections.forEach((c, i) => {
    const step = stepByCorrection.get(c);
    if (!step) return;
    const t = turnForStep(stepsById, step, turns);
    if (!t) { warnings.push({ file: opts.sidecarFile, path: `$.corrections[${i}]`, message: `correction on step "${c.location}" comes before any model turn; ignored` }); return; }
    problems.push(...checkCorrection(trace, c, { file: opts.sidecarFile, path: `$.corrections[${i}]` }, tools));
    corrections.set(t, correctionToMessage(c.output));
  });
  const built = buildConversations(trace);
  const original = built.conversations;
  // A step recorded twice (nested or repeated spans) is one turn: its tags and correction go to the first record.
  const alias = (id: string): string => built.aliases.get(id) ?? id;
  for (const [id, tags] of [...turnErrors]) {
    if (alias(id) === id) continue;
    turnErrors.delete(id);
    turnErrors.set(alias(id), [...(turnErrors.get(alias(id)) ?? []), ...tags]);
  }
  for (const [id, c] of [...corrections]) {
    if (alias(id) === id) continue;
    corrections.delete(id);
    corrections.set(alias(id), c);
  }
  for (const id of built.empty) {
    if (!corrections.has(id)) warnings.push({ file: trace.source.path, message: `${stepRef(stepsById, id)} is a model call with no recorded output (no text, no tool call); it is not a turn of the exported conversation` });
  }
  for (const u of built.unanswered) {
    warnings.push({ file: trace.source.path, message: `${u.stepId ? stepRef(stepsById, u.stepId) : 'a step'}: the trace records no result for its call to "${u.name}"; the examples show the result as "${NO_RESULT}"` });
  }
  for (const t of inferred) warnings.push({ file: trace.source.path, message: `the trace does not declare the tool "${t.name}"; its definition in the examples is inferred from its calls (parameters: ${Object.keys((t.parameters as { properties: object }).properties).join(', ') || 'none'})` });
  const redaction = redactedTurns(original);
  const redactedWarning = redaction.warning(trace.source.path, (id) => stepRef(stepsById, id), corrections);
  if (redactedWarning) warnings.push(redactedWarning);
  let truncatedAfter: string | undefined;
  // Without corrections `replace` and `stopAfter` do nothing: the corrected conversations are the original ones.
  const corrected = corrections.size === 0 ? original : buildConversations(trace, {
    replace: (s) => corrections.get(s.id),
    stopAfter: (s) => {
      const c = corrections.get(s.id);
      if (c && changesToolCalls(assistantOutput(s), c)) { truncatedAfter = s.id; return true; }
      return false;
    },
  }).conversations;
  return { trace, stepsById, tools, original, corrected, turnErrors, runErrors, uncarried, outcome: runOutcome(trace, runErrors), redacted: redaction.turns, corrections, truncatedAfter, problems, warnings };
}

/** A turn is learned unless it carries an error or a redaction placeholder and was not corrected. */
export function isTrainable(p: PreparedTrajectory, stepId: string): boolean {
  return p.corrections.has(stepId) || (!p.turnErrors.has(stepId) && !p.redacted.has(stepId));
}

/** Step id → step; on a repeated id the first step wins, as with `trace.steps.find`. */
export function indexSteps(trace: Trace): Map<string, Step> {
  const byId = new Map<string, Step>();
  for (const s of trace.steps) if (!byId.has(s.id)) byId.set(s.id, s);
  return byId;
}

export function stepLocationOf(stepsById: ReadonlyMap<string, Step>, stepId: string): string {
  const s = stepsById.get(stepId);
  return s ? stepLocation(s) : stepId;
}

/** A step as a person finds it: its number as the trace editor shows it (from 1) and its id, `step 5 ("s5")`. */
export function stepRef(stepsById: ReadonlyMap<string, Step>, stepId: string): string {
  const s = stepsById.get(stepId);
  return s ? `step ${s.index + 1} ("${stepLocation(s)}")` : `step "${stepId}"`;
}

/** Messages before an assistant turn, in its conversation (the DPO prompt). */
export function promptBefore(convs: readonly Conversation[], stepId: string): ConvMessage[] {
  for (const conv of convs) {
    const t = conv.turns.find((x) => x.stepId === stepId);
    if (t) return conv.messages.slice(0, t.messageIndex);
  }
  return [];
}

/** Every turn of a set of conversations, with its conversation. */
export function allTurns(convs: readonly Conversation[]): { conv: Conversation; stepId: string; messageIndex: number }[] {
  return convs.flatMap((conv) => conv.turns.map((t) => ({ conv, ...t })));
}
