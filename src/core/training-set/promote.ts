/**
 * Promote annotated traces into a training set: load, apply annotations and corrections,
 * encode, validate *everything* (nothing is written if any example fails), then write under
 * the set's lock. Shared by the CLI (`agent-trace promote`) and the extension host.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { loadAnnotationsFor, sidecarPathFor } from '../annotations/sidecar';
import type { AnnotationDocument } from '../annotations';
import { stepLocation } from '../annotations/bind';
import { modelSteps } from '../export/conversation';
import { encodeAll, type OmittedTurn } from '../export/encode';
import { fitExamples, type LengthCheck } from '../export/length';
import { ESTIMATE_COUNTER, loadTokenizerCounter } from '../export/tokenizer';
import { withPersonalData } from '../export/mask-private';
import { PrivateDataMemo } from '../validate/privacy';
import { allTurns, isTrainable, prepareTrajectory, stepLocationOf, type PreparedTrajectory } from '../export/prepare';
import { loadTraceFile } from '../load';
import { findingsFor } from '../review';
import { DEFAULT_TAXONOMY } from '../taxonomy/default';
import type { Taxonomy } from '../taxonomy/types';
import type { Trace } from '../model/schema';
import { pickTrace } from '../model/trace-key';
import type { Problem } from '../util/problems';
import { validateRecord, type ValidationProblem } from '../validate';
import { PERSONAL_DATA_MESSAGE } from '../validate/privacy';
import type { ChatTemplate } from '../validate/templates';
import { applyRefusalPolicy, refusingTemplates, type RefusedByTemplatePolicy } from './template-refusals';
import { planSet, promoteIntoSet, traceKey, traceProvenance, type PromotionInput, type PromotionResult, type SetConfig, type SetIo } from './store';

export interface PromoteOptions {
  trace: string;
  annotations?: string;
  set: string;
  format?: 'openai' | 'trl';
  sharegpt?: boolean;
  /** Which trace of a multi-trace file; all of them when neither this nor traceKey is given. */
  traceIndex?: number;
  /** Which trace by its key (its own id, else its run number: src/core/model/trace-key.ts). */
  traceKey?: string;
  allowSecrets?: boolean;
  /** Replace home folders, e-mail addresses and host names with placeholders (`/home/<user>`, `<email>`, `<host>`) in every example. */
  maskPrivate?: boolean;
  /** An example a chat template refuses: written with the templates named in the manifest and data card (`keep`, the default), or left out (`drop`). */
  refusedByTemplate?: RefusedByTemplatePolicy;
  version?: string;
  now?: Date;
  templates?: readonly ChatTemplate[];
  /** File operations and lock settings for writing the set (tests inject crashes). */
  io?: SetIo;
  /** Train on failed runs (a verdict, reward or score of failure, a final error) as demonstrations too. */
  includeFailed?: boolean;
  /** The taxonomy the user reviews in: findings are detected as the editor detects them under it. Default: the default taxonomy. */
  taxonomy?: Taxonomy;
  /** Promote even when the sidecar was written for other trace bytes (sha256 mismatch); refused otherwise. */
  acceptChangedTrace?: boolean;
  /** The trainer's token limit: examples that would lose (part of) their completion are warned about, or truncated with `truncate`. */
  maxTokens?: number;
  /** Drop the oldest prompt turns of examples over `maxTokens` (never the system message, the task or the completion). */
  truncate?: boolean;
  /** A Hugging Face `tokenizer.json` to count tokens with; the tokenizer-free estimate when absent. */
  tokenizer?: string;
}

export interface PromoteOutcome {
  config?: SetConfig;
  result?: PromotionResult;
  /** Errors: nothing was written. */
  errors: Problem[];
  warnings: Problem[];
  /** Trace indexes of failed runs kept out of the demonstrations (promote with `includeFailed` to train on them). */
  failedRuns?: number[];
  /** Set when promotion was refused because the sidecar was written for other trace bytes (see `acceptChangedTrace`). */
  changedTrace?: Problem;
}

/** A V7 problem says what to do: a secret is not written unless allowed; personal data can be masked. */
function withV7Advice(pr: ValidationProblem): ValidationProblem {
  if (pr.rule !== 'V7') return pr;
  if (pr.severity === 'error') return { ...pr, message: `${pr.message}; not written (pass --allow-secrets to write it anyway)` };
  if (pr.message.startsWith(PERSONAL_DATA_MESSAGE)) return { ...pr, message: `${pr.message}; mask it with --mask-private (setting agentTraceDebugger.maskPrivateData)` };
  return pr;
}

let cachedVersion: string | undefined;
/** The extension's version, from package.json (found relative to this module, bundled or not). */
export function extensionVersion(): string {
  if (cachedVersion) return cachedVersion;
  for (const up of ['../../..', '../..', '..']) {
    try {
      const pkg = JSON.parse(readFileSync(resolve(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'agent-trace-debugger' && pkg.version) return (cachedVersion = pkg.version);
    } catch { /* try the next level */ }
  }
  return (cachedVersion = 'unknown');
}

export async function promote(opts: PromoteOptions): Promise<PromoteOutcome> {
  const loaded = loadTraceFile(opts.trace);
  const warnings: Problem[] = [...loaded.warnings];
  const errors: Problem[] = [];
  let traces: Trace[] = loaded.traces;
  if (opts.traceIndex !== undefined || opts.traceKey !== undefined) traces = [pickTrace(opts.trace, loaded.traces, opts)];
  else if (traces.length > 1) traces = runsWithModelTurns(opts.trace, traces, warnings);
  const sidecarFile = opts.annotations ?? sidecarPathFor(opts.trace);
  const { doc, warnings: sw } = loadAnnotationsFor(opts.trace, loaded.traces[0].source, opts.annotations);
  warnings.push(...sw);
  const changedTrace = changedTraceProblem(doc.trace, loaded.traces[0]?.source.sha256, sidecarFile, opts.trace);
  if (changedTrace && !opts.acceptChangedTrace) return { errors: [changedTrace], warnings, changedTrace };
  const taxonomy = opts.taxonomy ?? DEFAULT_TAXONOMY;
  const lengthCheck: LengthCheck = { counter: opts.tokenizer ? loadTokenizerCounter(opts.tokenizer) : ESTIMATE_COUNTER, maxTokens: opts.maxTokens, truncate: opts.truncate };
  // Nothing is created before everything is validated: a refused promotion leaves no empty set behind.
  const config = planSet(opts.set, { format: opts.format, sharegpt: opts.sharegpt, now: opts.now });
  const inputs: PromotionInput[] = [];
  const failedRuns: number[] = [];
  const ctx: TraceInputContext = { file: opts.trace, set: opts.set, sidecarFile, doc, taxonomy, config, lengthCheck, options: opts };
  for (const trace of traces) {
    const one = promotionInputFor(ctx, trace);
    warnings.push(...one.warnings);
    errors.push(...one.errors);
    if (one.failedRun) failedRuns.push(one.input.trace.traceIndex);
    inputs.push(one.input);
  }
  if (!errors.length && inputs.every((i) => i.examples.length === 0)) {
    errors.push({ file: opts.trace, message: `nothing to promote: ${inputs.length === 1 ? 'the run failed' : 'every run failed'} and has no corrected or judged turn (include failed runs to train on them as demonstrations: --include-failed)` });
  }
  if (errors.length) return { config, errors, warnings, failedRuns };
  const result = await promoteIntoSet(opts.set, config, inputs, opts.io);
  return { config, result, errors, warnings, failedRuns };
}

/**
 * The runs of a file of several that have a model turn. A run without one (an embedding call
 * beside the chat calls of a span dump, a run that failed before the model answered) is skipped
 * with a warning naming it, rather than refusing the whole file; a file where no run has one is
 * refused as before (buildConversations says why).
 */
function runsWithModelTurns(file: string, traces: Trace[], warnings: Problem[]): Trace[] {
  const kept: Trace[] = [];
  const skipped: Trace[] = [];
  for (const t of traces) (modelSteps(t).length > 0 ? kept : skipped).push(t);
  if (kept.length === 0) return traces;
  if (skipped.length > 0) {
    const names = skipped.slice(0, 3).map((t) => `${(t.source.indexInFile ?? traces.indexOf(t)) + 1} ("${t.title}")`).join(', ');
    warnings.push({ file, message: `${skipped.length} of ${traces.length} runs have no model turn and were skipped: ${names}${skipped.length > 3 ? ', …' : ''}` });
  }
  return kept;
}

/** What the examples of one trace are prepared with (one file's sidecar, the set's format and limits). */
export interface TraceInputContext {
  /** The trace file. */
  file: string;
  /** The set folder (trace paths in the manifest are relative to it). */
  set: string;
  sidecarFile: string;
  doc: AnnotationDocument;
  taxonomy: Taxonomy;
  config: SetConfig;
  lengthCheck: LengthCheck;
  options: Pick<PromoteOptions, 'includeFailed' | 'maskPrivate' | 'allowSecrets' | 'templates' | 'refusedByTemplate' | 'version' | 'now'>;
}

export interface TraceInput {
  input: PromotionInput;
  /** Validation errors of its examples, or "no learnable turn": nothing of the trace may be written. */
  errors: Problem[];
  warnings: Problem[];
  /** A failed run, so no demonstration (unless includeFailed). */
  failedRun: boolean;
}

/**
 * The examples of one trace as promotion writes them: corrections applied, encoded, counted (and
 * truncated), validated, refused-by-template policy applied, each with the tags it carries.
 * Shared by `promote` (one file) and curation (many traces in one batch).
 */
export function promotionInputFor(ctx: TraceInputContext, trace: Trace): TraceInput {
  const { config, doc, sidecarFile, taxonomy, lengthCheck } = ctx;
  const opts = ctx.options;
  const warnings: Problem[] = [];
  const errors: Problem[] = [];
  const traceIndex = trace.source.indexInFile ?? 0;
  const p = prepareTrajectory(trace, doc, { sidecarFile, findings: findingsFor(trace, taxonomy), taxonomy });
  warnings.push(...p.warnings);
  errors.push(...p.problems);
  // The tags each example carries: those on its turns, and those that judge the whole run.
  const runTags = p.runErrors.map((tag) => ({ location: stepLocationOf(p.stepsById, tag.stepId), category: tag.category, origin: tag.origin, status: tag.status }));
  const tagsFor = (locs: string[]): PromotionInput['examples'][number]['tags'] => {
    const out: PromotionInput['examples'][number]['tags'] = [];
    for (const t of allTurns(p.original)) {
      const loc = p.stepsById.get(t.stepId);
      const location = loc ? stepLocation(loc) : t.stepId;
      if (!locs.includes(location)) continue;
      for (const tag of p.turnErrors.get(t.stepId) ?? []) out.push({ location, category: tag.category, origin: tag.origin, status: tag.status });
    }
    return [...out, ...runTags];
  };
  const notRepresented: OmittedTurn[] = [];
  // One scan of each long string: the examples repeat their trajectory's messages, and each is
  // scanned here and again when it is validated below.
  const privateData = new PrivateDataMemo();
  const examples = encodeAll(p, { format: config.format, sharegpt: config.sharegpt, includeFailed: opts.includeFailed }, (message, omitted) => {
    warnings.push({ file: ctx.file, message: `trace ${traceIndex}: ${message}` });
    if (omitted) notRepresented.push(omitted);
  })
    .map((e) => ({ ...e, ...withPersonalData(e.record, opts.maskPrivate === true, privateData) }));
  const skippedAsFailed = p.outcome.failed && !opts.includeFailed;
  if (skippedAsFailed) {
    warnings.push({ file: ctx.file, message: `trace ${traceIndex}: a failed run (${p.outcome.reasons.join('; ')}), so no demonstration in sft.jsonl; its corrected turns still make preference pairs and its judged turns step labels (include failed runs to train on it: --include-failed)` });
  }
  // Counted (and truncated) before validation: what is validated is what is written.
  const sized = fitExamples(examples, lengthCheck, (message) => warnings.push({ file: ctx.file, message: `trace ${traceIndex}: ${message}` }));
  const counters = new Map<string, number>();
  const refusedBy = new Map<(typeof sized)[number], string[]>();
  for (const ex of sized) {
    const n = (counters.get(ex.file) ?? 0) + 1;
    counters.set(ex.file, n);
    const where = { file: `${ex.file} (trace ${traceIndex}, example ${n})` };
    const problems: ValidationProblem[] = validateRecord(ex.record, where, { format: ex.file === 'sharegpt.jsonl' ? 'sharegpt' : config.format, allowSecrets: opts.allowSecrets, templates: opts.templates, privateData });
    for (const pr of problems) (pr.severity === 'error' ? errors : warnings).push(withV7Advice(pr));
    refusedBy.set(ex, refusingTemplates(problems));
  }
  const written = applyRefusalPolicy(sized, refusedBy, opts.refusedByTemplate ?? 'keep', (omitted) => {
    notRepresented.push(omitted);
    warnings.push({ file: ctx.file, message: `trace ${traceIndex}: ${omitted.file} example for ${omitted.step} ${omitted.reason}` });
  });
  // A learnable turn TRL cannot hold (no prompt recorded) is warned about by the encoder, not refused here.
  const learnable = allTurns(p.corrected).some((t) => isTrainable(p, t.stepId));
  if (!skippedAsFailed && !learnable && !examples.some((e) => e.file === 'sft.jsonl')) errors.push({ file: ctx.file, message: `trace ${traceIndex}: ${noLearnableTurn(p)}` });
  const { rel } = traceKey(ctx.set, ctx.file, traceIndex);
  const input: PromotionInput = { trace: traceProvenance(trace, rel), examples: written.map((e) => ({ ...e, tags: tagsFor(e.steps) })), notRepresented, version: opts.version ?? extensionVersion(), now: opts.now };
  return { input, errors, warnings, failedRun: skippedAsFailed };
}

/** Why no turn of a trace can be learned, and what the user can do about it. */
function noLearnableTurn(p: PreparedTrajectory): string {
  const turns = allTurns(p.corrected);
  if (turns.length > 0 && turns.every((t) => p.redacted.has(t.stepId) && !p.turnErrors.has(t.stepId))) {
    return 'no assistant turn is learnable: every turn holds a redaction placeholder, not what the model wrote; correct at least one to learn it';
  }
  return 'no assistant turn is learnable (every turn carries an uncorrected error or a redaction placeholder); correct at least one, or reject the findings that do not apply';
}

/**
 * A sidecar bound to other trace bytes may tag and correct other steps than the user reviewed:
 * promotion refuses it unless the user confirms (`acceptChangedTrace`).
 */
function changedTraceProblem(bound: { path: string; sha256: string } | undefined, sha256: string | undefined, sidecarFile: string, tracePath: string): Problem | undefined {
  if (!bound || sha256 === undefined || bound.sha256 === sha256) return undefined;
  return {
    file: sidecarFile, path: '$.trace.sha256',
    message: `was written for a different version of ${basename(tracePath)} (sha256 ${bound.sha256.slice(0, 12)}…, the file now has ${sha256.slice(0, 12)}…), so its tags and corrections may point at other steps; nothing promoted. Check them in the trace editor and save, or confirm to promote anyway (agent-trace promote --accept-changed-trace)`,
  };
}
