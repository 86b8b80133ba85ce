/**
 * The detectors: one pass over the steps in decision order, with O(1) map lookups (plus a walk
 * over the open-container stack and pending-observation buckets, both bounded by tree depth).
 *
 * Attribution: a failure the model caused (rejected arguments, unknown tool, unparseable output,
 * failing model-written code) is reported on the model step that made the call, found by tool
 * call id or as the nearest preceding model step under the same parent; the failing step keeps
 * its own symptom finding. Infrastructure failures (timeouts, rate limits, missing files,
 * provider errors) stay on the failing step. See DetectOptions.attribution for TRAIL's
 * convention of locating failures where the model first sees them.
 */
import { DEFAULT_TAXONOMY } from '../taxonomy/default';
import type { ChatMessage, Step, Trace } from '../model/schema';
import { ToolSchemas } from './schema';
import {
  FORMAT_REJECTED, acknowledgesFailure, bounded, canonicalJson, changesWorkspace, classifyError, clip, harnessCutoff, isEmptyResult, saysNoResults,
  looksLikeErrorOutput, providerFailure, replyRejected, restatesError, withoutCodeBlocks, type Classified,
} from './text';
import type { DetectOptions, Finding } from './types';
import { sha256Latin1 } from '../util/hash';
import { holdsRedactedOutput, isRedactionPlaceholder } from '../model/redaction';
import { isUserInterruption, stoppedByUser } from './user-stop';
import { IdMap } from '../engine/id-map';
import { opensAlternative } from '../model/alternatives';

/**
 * What the detectors keep of a step they may name later (the model step that made a call, the
 * last action, the run's first step): its place and, for a model step, what its reply says, but
 * not its payloads. A run's model steps are most of its bytes (their inputs repeat the
 * conversation), and the detectors of a run read as a stream live as long as the file is open.
 */
interface Seen {
  id: string;
  /** Its parent's id: the model step the detector last saw at a depth is its parent's last (see lastLlmUnder). */
  parentId: string | null;
  index: number;
  depth: number;
  status: Step['status'];
  /**
   * The names of the calls its reply makes (model steps; NO_NAMES for the others), and of those
   * made without a call id: a call with an id is announced by its id (every id a model step gave is
   * in llmByCallId), else only by a call without one. Names, not objects: this is kept for every
   * call id of the run (llmByCallId), and an object per call was a tenth of the detectors' time.
   */
  callNames: readonly string[];
  idlessCallNames: readonly string[];
  /** Its reply text is empty or blank (model steps). */
  replyBlank: boolean;
  /** Its reply text, or a digest of it, for call keys (model steps; see callKey). */
  replyKey: string;
}

/** Categories whose failures are the model's doing, so the decision that made the call owns them. */
const DECISION_CAUSED = new Set(['TOOL.ARGS_INVALID', 'TOOL.UNKNOWN', 'OUT.FORMAT']);
/**
 * Tools that end a run on purpose: calling one last is not stopping early. Output tools too, whose
 * call is the run's structured answer: pydantic-ai's `final_result`, any-agent's `final_output`,
 * Google ADK's `set_model_response`.
 */
const FINAL_TOOL = /final_?(answer|result|output)|set_model_response|submit|finish|task_?complete|attempt_completion|end_(conversation|task|session)|transfer_to_human|escalate/i;
/** Tools that run a command line or a script: bash, a terminal, a shell, exec_command, run_shell_command. */
const SHELL_TOOL = /bash|shell|terminal|exec_command|execute_command|run_command|^command$/i;
/** Tools whose job is to return information, for which an empty string or null means "found nothing". */
const LOOKUP_TOOL = /search|find|get|list|lookup|query|fetch|read|retriev|browse|visit|open|inspect|load|scrape/i;
const TOOL_LIKE = new Set(['tool', 'retrieval']);
/**
 * Trace metadata an importer sets on a row that is one episode of a longer run (Harbor
 * `--episodes all`): it ends on a tool call by design, so ending there is not stopping early.
 */
export const INTERMEDIATE_EPISODE = 'intermediateEpisode';

/** A Seen that makes no call: every tool step's (one list, not one each). */
const NO_NAMES: readonly string[] = Object.freeze([]);

interface RepeatedCall {
  count: number;
  /** The step of its last occurrence. */
  lastId: string;
  lastIndex: number;
  /** Occurrences in a row now, and the most in a row. */
  run: number;
  maxRun: number;
  name: string;
}

/** What the rules on calls know at a point of the run (see Detector.branchPoints). */
interface CallState {
  calls: Map<string, RepeatedCall>;
  failedCalls: Map<string, { index: number; workspace: number }>;
  lastCallByDepth: Map<number, { workspace: number; key: string }>;
  workspaceVersion: number;
}

interface Failure {
  step: Step;
  category: string;
  rule: string;
  text: string;
  signal: string;
  toolName?: string;
  /** The decision finding, moved to the observer in `observation` mode. */
  decision?: Finding;
}

interface OpenContainer {
  step: Step;
  failuresAtOpen: number;
  stepLimitsAtOpen: number;
}

export function detect(trace: Trace, options: DetectOptions = {}): Finding[] {
  const detector = new Detector(trace, options);
  detector.addSteps(trace.steps);
  return detector.end();
}

/** What detection needs of a trace besides its steps: its tool definitions and its metadata. */
export type DetectedTrace = Pick<Trace, 'tools' | 'metadata'>;

/**
 * The detectors over a run whose steps arrive in batches (a file read as a stream, a file that
 * grows): `add` takes the next steps in decision order, in time proportional to them; `findings`
 * answers as `detect` would for the steps so far, without ending the run, so more steps can follow.
 * `detect(trace)` is `add(trace.steps)` then `findings()`, and so is any split of the steps.
 */
export class StreamDetector {
  private readonly detector: Detector;
  /** The findings last given, and after how many steps: asked again with none added, the same list. */
  private given: { steps: number; findings: Finding[] } | undefined;

  constructor(trace: DetectedTrace, options: DetectOptions = {}) {
    this.detector = new Detector(trace, options);
  }

  /** Steps added so far. */
  get steps(): number {
    return this.detector.stepCount;
  }

  add(steps: readonly Step[]): void {
    this.detector.addSteps(steps);
  }

  /**
   * The findings of the steps so far, as if the run ended here (copies: later steps do not change
   * them). Asked again with no step added, the same list: only `add` changes the detector (a file
   * of 1,000 traces read on asks every run at each line: 15% of a line's time).
   */
  findings(): Finding[] {
    if (this.given?.steps !== this.detector.stepCount) this.given = { steps: this.detector.stepCount, findings: this.detector.findingsSoFar() };
    return this.given.findings;
  }

  /**
   * The findings so far without the end-of-run rules (ends-on-error, repeat loops, a failed span
   * still open): what a reader of a run not yet read to its end can be shown; copies. The
   * end-of-run rules come with `findings()`.
   */
  findingsWhileReading(): Finding[] {
    return this.detector.collected();
  }

  /** Steps so far whose output or call is a redaction placeholder (holdsRedactedOutput): not checked. */
  get redactedSteps(): number {
    return this.detector.redactedCount;
  }

  /** Where those steps are (their index in the run), in order. */
  get redactedPlaces(): readonly number[] {
    return this.detector.redactedPlaces;
  }

  /** How many findings the steps so far produced (cheap: tells whether there is anything new to send). */
  get findingCount(): number {
    return this.detector.findingCount;
  }

  /**
   * A detector at this one's steps that goes on independently: a run whose later steps may be
   * replaced (a live trace, where a parent span written after its children takes a place among
   * them) goes on from a copy instead of its first step. Costs what the detector holds (about
   * one entry per call id and per distinct call), not the steps.
   */
  copy(): StreamDetector {
    const c = Object.create(StreamDetector.prototype) as StreamDetector;
    (c as unknown as { detector: Detector }).detector = this.detector.copy();
    return c;
  }
}

/** The detector state that ending the run changes: saved before `end` and restored after, for `findingsSoFar`. */
interface EndState {
  findings: number;
  open: OpenContainer[];
  pending: [number, Failure[]][];
  failureCount: number;
  stepLimitCount: number;
  harnessStopped: boolean;
  userStoppedAt: number;
  lastAction: Seen | undefined;
  lastActionFailed: boolean;
}

class Detector {
  private readonly findings: Finding[] = [];
  private readonly schemas: ToolSchemas;
  private readonly repeatThreshold: number;
  private readonly observationMode: boolean;
  /** Steps added so far. */
  private added = 0;
  /** The places (step index) of the steps whose output or call is a redaction placeholder, in order. */
  private redacted: number[] = [];
  /** Each finding's step position (`index`), for the decision order of `collect`. */
  private positions = new Map<Finding, number>();
  /** What `collect` made of the findings the run keeps, to go on from; and how many findings moved so far. */
  private kept: Collected | undefined;
  private moved = 0;
  /** The copy last handed out of each finding (see givenCopy). */
  private given = new Map<Finding, Finding>();

  /**
   * The model step that gave each call id: its place in `callers`. An IdMap, not a Map of the
   * steps: it grows without rehashing all it holds (a run of 10^6 steps gives about 500,000 call
   * ids: 0.55 s of the detectors, now about 0.15), and a copy (a followed session's, at each line)
   * copies arrays instead of entry by entry.
   */
  private llmByCallId = new IdMap();
  /** The model steps that gave call ids, in the order seen (see llmByCallId). */
  private callers: Seen[] = [];
  private lastLlmByDepth = new Map<number, Seen>();
  private readonly open: OpenContainer[] = [];
  /** Failures so far (tool, model call, container): a failed container whose subtree added one is explained by it. */
  private failureCount = 0;
  /** ORCH.STEP_LIMIT failures so far: a step limit is its own failure, not explained by a failing child. */
  private stepLimitCount = 0;
  /** Failures waiting for the next model step at or above a depth to see them. */
  private readonly pending = new Map<number, Failure[]>();
  /** Failed calls by call key, with the workspace version they failed against. */
  private readonly failedCalls = new Map<string, { index: number; workspace: number }>();
  /** Bumped by every successful call that changes the workspace (an edit, a patch, a write). */
  private workspaceVersion = 0;
  /** The harness ended the run before the agent finished (exit status, sample limit), reported on the last model step. */
  private harnessStopped = false;
  /**
   * Where the user last stopped the agent (user-stop.ts): the declined call, the interruption
   * message, or an aborted turn's last step; -1 if never. A run that ends with no model step after
   * it ended by the user's choice, not the agent's.
   */
  private userStoppedAt = -1;
  /** The position of the last step added (an aborted turn's last step, when the turn closes). */
  private lastAddedIndex = -1;
  /**
   * Each call made since the workspace last changed, by call key: how often and how many times in
   * a row, and its last step. Repeats count within one workspace version, so the calls of earlier
   * versions are dropped (the repeated ones stay in `repeated`): a run that never changes its
   * workspace keeps one per distinct call for its life (10^6 steps made about 330,000), so the last
   * step is kept as its id and position, not its Seen.
   */
  private calls = new Map<string, RepeatedCall>();
  /** The calls made more than once (see isRepeated), of any workspace version. */
  private readonly repeated: RepeatedCall[] = [];
  private readonly lastCallByDepth = new Map<number, { workspace: number; key: string }>();
  /**
   * The calls' state at each branch point of a search so far (the parent of steps that open
   * alternatives: alternatives.ts), by its id: each alternative starts from it, not from what
   * the alternatives before it did. Kept as taken (restoring copies it).
   */
  private branchPoints = new Map<string, CallState>();
  private toolStepsSinceLlm = 0;
  private llmCount = 0;
  private lastLlm?: Seen;
  private firstLlm?: Seen;
  private lastAction?: Seen;
  private lastActionFailed = false;
  private finalAnswerSeen = false;

  /** The run's first step (what a tool-definition problem is reported on when no model step came). */
  private firstStep?: Seen;

  constructor(private readonly trace: DetectedTrace, private readonly options: DetectOptions, schemas?: ToolSchemas) {
    this.schemas = schemas ?? new ToolSchemas(trace.tools);
    this.repeatThreshold = Math.max(2, options.repeatThreshold ?? 3);
    this.observationMode = options.attribution === 'observation';
  }

  /**
   * The same state, sharing nothing that either changes later: findings are copied in observation
   * mode (an observer takes them over) and the failures and positions that name them follow the
   * copies, and are shared otherwise (nothing changes a finding once made: a followed Codex
   * rollout's 6,000 were copied at each line, 6.5 ms of it); repeated calls are copied (counted in
   * place); steps, Seen digests and open containers are never changed once made, and are shared,
   * as are the tool schemas.
   */
  copy(): Detector {
    const c = new Detector(this.trace, this.options, this.schemas);
    const copies = new Map<Finding, Finding>();
    if (this.observationMode) {
      for (const f of this.findings) {
        const g = { ...f };
        copies.set(f, g);
        c.findings.push(g);
        const at = this.positions.get(f);
        if (at !== undefined) c.positions.set(g, at);
        // The copy hands out the same copies while its findings stay as they are.
        const given = this.given.get(f);
        if (given) c.given.set(g, given);
      }
    } else {
      for (const f of this.findings) c.findings.push(f);
      c.positions = new Map(this.positions);
      c.given = new Map(this.given);
    }
    c.added = this.added;
    c.redacted = [...this.redacted];
    // What collect() kept goes with the copies (a followed session's run goes on from a copy at each line).
    const kept = this.kept;
    // With the copies handed out of them: the copy hands out the same ones (never changed, so shared).
    if (kept && kept.moved === this.moved) c.kept = { count: kept.count, moved: 0, seen: new Set(kept.seen), out: kept.out.map((f) => copies.get(f) ?? f), at: [...kept.at], copies: kept.copies };
    c.llmByCallId = this.llmByCallId.copy();
    c.callers = this.callers.slice();
    c.lastLlmByDepth = new Map(this.lastLlmByDepth);
    c.open.push(...this.open);
    c.failureCount = this.failureCount;
    c.stepLimitCount = this.stepLimitCount;
    for (const [depth, list] of this.pending) c.pending.set(depth, list.map((f) => (f.decision ? { ...f, decision: copies.get(f.decision) ?? f.decision } : f)));
    for (const [k, v] of this.failedCalls) c.failedCalls.set(k, v);
    c.workspaceVersion = this.workspaceVersion;
    c.harnessStopped = this.harnessStopped;
    c.userStoppedAt = this.userStoppedAt;
    c.lastAddedIndex = this.lastAddedIndex;
    // The calls of this workspace version are counted in place, so copied; a repeated call of an
    // earlier version never changes again, and is shared.
    const callCopies = new Map<RepeatedCall, RepeatedCall>();
    for (const [key, call] of this.calls) {
      const copied = { ...call };
      callCopies.set(call, copied);
      c.calls.set(key, copied);
    }
    for (const call of this.repeated) c.repeated.push(callCopies.get(call) ?? call);
    for (const [k, v] of this.lastCallByDepth) c.lastCallByDepth.set(k, v);
    c.branchPoints = new Map(this.branchPoints);
    c.toolStepsSinceLlm = this.toolStepsSinceLlm;
    c.llmCount = this.llmCount;
    c.lastLlm = this.lastLlm;
    c.firstLlm = this.firstLlm;
    c.lastAction = this.lastAction;
    c.lastActionFailed = this.lastActionFailed;
    c.finalAnswerSeen = this.finalAnswerSeen;
    c.firstStep = this.firstStep;
    return c;
  }

  addSteps(steps: readonly Step[]): void {
    for (const step of steps) {
      this.firstStep ??= seen(step);
      this.added++;
      if (holdsRedactedOutput(step)) this.redacted.push(step.index);
      this.closeContainers(step.depth);
      this.visit(step);
      this.lastAddedIndex = step.index;
    }
  }

  get stepCount(): number {
    return this.added;
  }

  get redactedCount(): number {
    return this.redacted.length;
  }

  get redactedPlaces(): readonly number[] {
    return this.redacted;
  }

  get findingCount(): number {
    return this.findings.length;
  }

  /** The findings so far, collected, without ending the run (copies). */
  collected(): Finding[] {
    return this.collectCopies();
  }

  /** The run ended: close what is open, apply the end-of-run rules, and collect. */
  end(): Finding[] {
    return this.collect(this.ending());
  }

  /** Close what is open and apply the end-of-run rules; the number of findings before them. */
  private ending(): number {
    const kept = this.findings.length;
    this.closeContainers(-1);
    this.finish();
    return kept;
  }

  /**
   * `end()` without ending: the state the end changes (all of it bounded by the tree's depth, but
   * the findings, which only grow) is saved and put back, so later steps continue the run.
   */
  findingsSoFar(): Finding[] {
    const saved: EndState = {
      findings: this.findings.length, open: [...this.open], pending: [...this.pending].map(([d, list]) => [d, [...list]]),
      failureCount: this.failureCount, stepLimitCount: this.stepLimitCount, harnessStopped: this.harnessStopped, userStoppedAt: this.userStoppedAt,
      lastAction: this.lastAction, lastActionFailed: this.lastActionFailed,
    };
    const out = this.collectCopies(this.ending());
    for (const f of this.findings.slice(saved.findings)) {
      this.positions.delete(f);
      this.given.delete(f);
    }
    this.findings.length = saved.findings;
    this.open.splice(0, this.open.length, ...saved.open);
    this.pending.clear();
    for (const [d, list] of saved.pending) this.pending.set(d, list);
    this.failureCount = saved.failureCount;
    this.stepLimitCount = saved.stepLimitCount;
    this.harnessStopped = saved.harnessStopped;
    this.userStoppedAt = saved.userStoppedAt;
    this.lastAction = saved.lastAction;
    this.lastActionFailed = saved.lastActionFailed;
    return out;
  }

  // ---------------------------------------------------------------- per step

  private visit(step: Step): void {
    if (opensAlternative(step)) this.enterAlternative(step);
    if (step.kind === 'llm') this.visitLlm(step);
    else if (TOOL_LIKE.has(step.kind)) this.visitTool(step);
    else if (step.status === 'error' || step.error) {
      // A container (agent step, chain) that failed: decided when its subtree closes.
      this.open.push({ step, failuresAtOpen: this.failureCount, stepLimitsAtOpen: this.stepLimitCount });
    } else if (isUserInterruption(step)) this.userStoppedAt = step.index;
  }

  private visitLlm(step: Step): void {
    this.llmCount++;
    const calls = outputToolCalls(step);
    const kept = seen(step, calls);
    this.firstLlm ??= kept;
    const sawPending = this.resolveObservers(step);
    if (!sawPending && this.toolStepsSinceLlm === 0) this.inferFromInputTail(step);
    this.toolStepsSinceLlm = 0;

    const failed = step.status === 'error' || !!step.error;
    if (failed && stoppedByUser(step)) {
      // A reply the user cancelled: the provider did not fail.
      this.userStoppedAt = step.index;
    } else if (failed) {
      const text = errorText(step);
      const c = classifyError(text, this.options.timeoutPattern);
      const overflow = c.category === 'SYS.CONTEXT_OVERFLOW';
      // The harness rejected the reply it got (Harbor's "Previous response had parsing errors"): the model's output, not the provider, failed.
      const rejected = !overflow && !providerFailure(text) ? replyRejected(text) : undefined;
      // Counted, so an enclosing agent span that fails with the same error is not reported again (as a tool's).
      this.failureCount++;
      if (rejected) this.add(step, 'OUT.FORMAT', 'format-rejected', `the harness could not parse the reply (${clip(rejected, 60)}): ${clip(text)}`);
      else this.add(step, overflow ? 'SYS.CONTEXT_OVERFLOW' : 'SYS.LLM_API', overflow ? 'context-overflow' : 'llm-api-error', `model call failed: ${clip(text)}`);
      this.markAction(kept, true);
    } else if (step.finishReason && /^(length|max_tokens|max_output_tokens)$/i.test(step.finishReason)) {
      this.add(step, 'SYS.CONTEXT_OVERFLOW', 'context-overflow', `the reply was cut at the length limit (finish reason "${step.finishReason}")`);
    }

    let caller = -1;
    for (const call of calls) {
      if (call.id) {
        if (caller < 0) caller = this.callers.push(kept) - 1;
        this.llmByCallId.set(call.id, caller);
      }
      if (FINAL_TOOL.test(call.name)) this.finalAnswerSeen = true;
      this.checkCall(step, call.name, call.arguments, step.availableTools);
    }
    this.lastLlmByDepth.set(step.depth, kept);
    this.lastLlm = kept;
  }

  private visitTool(step: Step): void {
    this.toolStepsSinceLlm++;
    const kept = seen(step);
    const cause = this.causeOf(step);
    const name = step.toolCall?.name ?? step.name;
    if (FINAL_TOOL.test(name)) this.finalAnswerSeen = true;
    // A call no model step announced (tool spans only, or code the model wrote that calls tools)
    // was never checked at a model step: check it here, on the tool step.
    if (step.toolCall && !announced(step.toolCall, cause, this.llmByCallId)) {
      this.checkCall(step, step.toolCall.name, step.toolCall.arguments, undefined);
    }
    // A call whose arguments were redacted cannot be told from another: it counts toward no loop or retry.
    const call = step.toolCall && !isRedactionPlaceholder(step.toolCall.arguments) ? callKey(step.toolCall.name, step.toolCall.arguments, cause) : undefined;
    if (call) this.trackRepeat(step, kept, call, cause);

    const failure = this.toolFailure(step);
    if (failure && stoppedByUser(step)) {
      // Declined or interrupted by the user: the tool did not fail, and the call is no failed action.
      this.userStoppedAt = step.index;
      this.markAction(kept, false);
      return;
    }
    if (failure) {
      this.fail(step, failure.text, failure.rule, name, cause);
      if (call) this.failedCalls.set(call.key, { index: step.index, workspace: this.workspaceVersion });
      this.markAction(kept, true);
      return;
    }
    this.markAction(kept, false);
    if (step.toolCall && changesWorkspace(step.toolCall.name, step.toolCall.arguments)) this.workspaceChanged();
    // Action tools (think, write_file, click) legitimately return "", null or {} (or "None", a Python
    // function's return written as text): for them only a "no results" text counts.
    const v = step.output?.value;
    const lookup = step.kind === 'retrieval' || LOOKUP_TOOL.test(name);
    const empty = lookup ? isEmptyResult(v) : saysNoResults(v);
    if (step.output && 'value' in step.output && empty) {
      this.add(step, 'TOOL.EMPTY_RESULT', 'empty-result', `${name} returned ${clip(JSON.stringify(step.output.value) ?? 'nothing', 80)}`);
    }
  }

  /** A tool step's failure: flagged (status, exception, is_error), or an unflagged result that reads as an error. */
  private toolFailure(step: Step): { text: string; rule: string } | undefined {
    if (step.status === 'error' || step.error) return { text: errorText(step), rule: 'tool-error' };
    const flagged = step.output?.messages?.find((m) => m.isError);
    if (flagged) return { text: flagged.content ?? 'the tool reported an error', rule: 'tool-error' };
    const out = outputText(step);
    if (out && looksLikeErrorOutput(out)) return { text: out, rule: 'tool-output-error-text' };
    return undefined;
  }

  // ---------------------------------------------------------------- failures and attribution

  /** Record a failure of `step`: its symptom finding, the decision finding when the model caused it, and an observer slot. */
  private fail(step: Step, text: string, rule: string, toolName: string | undefined, cause: Seen | undefined): void {
    this.failureCount++;
    const c = programFailure(classifyError(text, this.options.timeoutPattern), toolName);
    if (c.category === 'ORCH.STEP_LIMIT') this.stepLimitCount++;
    const what = toolName ? `${toolName} failed` : `${step.name} failed`;
    const evidence = `${what}: ${clip(text)}`;
    this.add(step, c.category, rule, evidence);
    const failure: Failure = { step, category: c.category, rule, text, signal: c.signal, toolName };
    if (cause && DECISION_CAUSED.has(c.category)) {
      failure.decision = this.add(cause, c.category, c.category === 'OUT.FORMAT' ? 'format-rejected' : 'decision-caused-failure',
        `${toolName ? `its call to ${toolName}` : 'its output'} failed (${c.signal}): ${clip(text, 240)}`, step.id);
    }
    this.await(failure, Math.max(step.depth, cause?.depth ?? 0));
  }

  /**
   * A failed container. A failing step inside it (tool, model call, inner container) explains
   * its failure, except a step limit, which is the run's own failure unless one inside already
   * said so. Otherwise the model's own output or code failed.
   */
  private failContainer(c: OpenContainer): void {
    const { step } = c;
    // A turn the user aborted: stopped at its last step, whatever happened inside.
    if (stoppedByUser(step)) { this.userStoppedAt = Math.max(this.userStoppedAt, this.lastAddedIndex); return; }
    const text = errorText(step);
    // A harness's exit record (not an agent span): the run was cut off, which is the last model step's story.
    const cutoff = step.kind !== 'agent' ? harnessCutoff(text) : undefined;
    if (cutoff) { this.harnessStop(step, cutoff, text); return; }
    const provider = providerFailure(text);
    const classified = classifyError(text, this.options.timeoutPattern);
    // The run's final error or an agent's error naming the model provider's SDK: the model call failed, not a tool.
    const cls = provider && classified.category !== 'SYS.CONTEXT_OVERFLOW' ? { category: 'SYS.LLM_API', signal: provider } : classified;
    const stepLimit = cls.category === 'ORCH.STEP_LIMIT';
    if (stepLimit ? this.stepLimitCount > c.stepLimitsAtOpen : this.failureCount > c.failuresAtOpen) return;
    this.failureCount++;
    if (stepLimit) this.stepLimitCount++;
    const decision = this.lastLlmUnder(step.id, step.depth + 1);
    const failure: Failure = { step, category: cls.category, rule: stepLimit ? 'step-limit' : cls.category === 'SYS.LLM_API' ? 'llm-api-error' : 'tool-error', text, signal: cls.signal };
    this.markAction(seen(step), true);
    if (decision && !/^(SYS\.|TOOL\.(TIMEOUT|RATE_LIMIT|AUTH)|ORCH\.)/.test(cls.category)) {
      // Code or output the model wrote failed to parse or run: the decision owns it, the container is the symptom.
      const rule = cls.category === 'OUT.FORMAT' ? 'format-rejected' : 'decision-caused-failure';
      failure.decision = this.add(decision, cls.category, rule, `its output failed (${cls.signal}): ${clip(text, 240)}`, step.id);
      this.await(failure, decision.depth);
    } else {
      this.add(step, cls.category, failure.rule, `${step.name} failed: ${clip(text)}`);
      this.await(failure, Math.max(step.depth, decision?.depth ?? 0));
    }
  }

  /**
   * The harness ended the run (a step or cost budget, the context, repeated format errors, a
   * time limit) before the agent gave a final answer: reported on the last model step, whose
   * work was cut off, with the harness's reason. Not a failure of the exit record itself.
   */
  private harnessStop(step: Step, cutoff: { category: string; reason: string }, text: string): void {
    this.failureCount++;
    if (cutoff.category === 'ORCH.STEP_LIMIT') this.stepLimitCount++;
    const last = this.lastLlm;
    if (!last || this.finalAnswerSeen || answersInText(last)) return;
    this.harnessStopped = true;
    this.add(last, cutoff.category, cutoff.category === 'ORCH.STEP_LIMIT' ? 'step-limit' : 'ends-on-error',
      `the harness ended the run here without a final answer (${clip(cutoff.reason, 60)}): ${clip(text, 200)}`, step.id);
  }

  private closeContainers(depth: number): void {
    while (this.open.length && this.open[this.open.length - 1].step.depth >= depth) this.failContainer(this.open.pop()!);
  }

  /** The model step that made a tool call: by call id, else the nearest preceding model step under the same parent, else a model parent. */
  private causeOf(step: Step): Seen | undefined {
    const id = step.toolCall?.id;
    if (id) {
      const caller = this.llmByCallId.get(id);
      if (caller !== undefined) return this.callers[caller];
    }
    if (step.parentId === null) return this.lastLlmByDepth.get(step.depth);
    return this.lastLlmUnder(step.parentId, step.depth) ?? this.parentIfLlm(step);
  }

  /**
   * The last model step so far whose parent is `parentId` (at `depth`, one below it). Steps come
   * in decision order, a subtree's steps together, so the last model step seen at that depth is
   * under that parent or under none of its later siblings: a map of the last one per parent held
   * every parent of the run (330,000 at 10^6 steps, 0.4 s of a streamed read to fill).
   */
  private lastLlmUnder(parentId: string, depth: number): Seen | undefined {
    const last = this.lastLlmByDepth.get(depth);
    return last && last.parentId === parentId ? last : undefined;
  }

  private parentIfLlm(step: Step): Seen | undefined {
    const p = this.lastLlm;
    return p && p.id === step.parentId ? p : undefined;
  }

  private await(f: Failure, depth: number): void {
    const list = this.pending.get(depth);
    if (list) list.push(f);
    else this.pending.set(depth, [f]);
  }

  /**
   * The first model step at or above a failure's depth after it is the one whose input shows
   * the failure. Check how it reacted (ignored it?), and in observation mode move findings there.
   */
  private resolveObservers(step: Step): boolean {
    let seen: Failure[] | undefined;
    for (const [depth, list] of this.pending) {
      if (depth < step.depth) continue;
      (seen ??= []).push(...list);
      this.pending.delete(depth);
    }
    if (!seen) return false;
    const reply = outputText(step) ?? '';
    const called = outputToolCalls(step).map((c) => c.name);
    let ignoredReported = false;
    // Once per reply, whatever the failures it follows: an empty reply says nothing to judge.
    const acknowledged = reply.trim() === '' || acknowledgesFailure(reply);
    for (const f of seen) {
      if (this.observationMode) {
        if (f.decision) this.move(f.decision, step);
        else this.add(step, f.category, f.rule, `sees ${f.toolName ?? f.step.name} fail: ${clip(f.text, 240)}`, f.step.id);
      }
      const retried = f.toolName !== undefined && (called.includes(f.toolName) || reply.includes(f.toolName));
      if (!ignoredReported && !acknowledged && !retried && !restatesError(reply, f.text)) {
        this.add(step, 'RSN.IGNORED_TOOL_ERROR', 'ignored-tool-error', `carries on without mentioning that ${f.toolName ?? f.step.name} failed (${f.signal})`, f.step.id);
        ignoredReported = true;
      }
    }
    return true;
  }

  /**
   * Sources without tool steps (chat logs) show failures only as messages in the next model
   * call's input: tool results that read as errors, or the framework saying the previous output
   * could not be parsed. Only the messages after the last assistant turn are new.
   */
  private inferFromInputTail(step: Step): void {
    const msgs = step.input?.messages;
    const prev = this.lastLlmByDepth.get(step.depth);
    if (!msgs || !prev) return;
    for (let i = msgs.length - 1; i >= 0 && msgs[i].role !== 'assistant'; i--) {
      const m = msgs[i];
      const text = m.content ?? '';
      // A framework's rejection is prose; code in a message (another agent's script with `except
      // SyntaxError:` in it) rejects nothing.
      const prose = (m.role === 'tool' || m.role === 'user') ? withoutCodeBlocks(text) : '';
      if (prose && FORMAT_REJECTED.test(bounded(prose)) && /pars|format|invalid action|SyntaxError/i.test(prose.slice(0, 2000))) {
        const d = this.add(prev, 'OUT.FORMAT', 'format-rejected', `the next input says the output was rejected: ${clip(text, 240)}`);
        if (this.observationMode) this.move(d, step);
        return;
      }
      if (m.role === 'tool' && (m.isError || looksLikeErrorOutput(text))) {
        const c = programFailure(classifyError(text, this.options.timeoutPattern), m.name);
        const owner = DECISION_CAUSED.has(c.category) || this.observationMode ? (this.observationMode ? step : prev) : prev;
        this.add(owner, c.category, 'tool-output-error-text', `${m.name ? `${m.name} ` : 'a tool '}returned an error (${c.signal}): ${clip(text, 240)}`);
        return;
      }
    }
  }

  // ---------------------------------------------------------------- calls

  private checkCall(step: Step, name: string, args: unknown, offered: string[] | undefined): void {
    if (offered && offered.length ? !offered.includes(name) : this.schemas.declared && !this.schemas.has(name)) {
      this.add(step, 'TOOL.UNKNOWN', 'tool-undeclared', `calls "${clip(name, 80)}", which ${offered?.length ? 'was not offered to this model call' : 'the trace does not declare'}`);
      return;
    }
    // Arguments the trace's producer replaced with a placeholder cannot be judged.
    if (isRedactionPlaceholder(args)) return;
    if (typeof args === 'string' && /^\s*[{[]/.test(args)) {
      try {
        JSON.parse(args);
      } catch (e) {
        this.add(step, 'TOOL.ARGS_INVALID', 'tool-args-json', `arguments of ${clip(name, 80)} are not valid JSON (${clip((e as Error).message, 120)})`);
        return;
      }
    }
    const why = this.schemas.check(name, args);
    if (why) this.add(step, 'TOOL.ARGS_INVALID', 'tool-args-schema', `arguments of ${clip(name, 80)} break its schema: ${clip(why, 200)}`);
  }

  private trackRepeat(step: Step, kept: Seen, call: { key: string; withArguments: boolean }, cause: Seen | undefined): void {
    const { key } = call;
    const prevFailed = this.failedCalls.get(key);
    // Blind only if the arguments say it is the same call (a call without arguments says nothing)
    // and nothing changed the workspace since it failed (pytest, an edit, pytest is a fix being tested).
    if (prevFailed && call.withArguments && prevFailed.workspace === this.workspaceVersion) {
      this.add(cause ?? step, 'ORCH.BLIND_RETRY', 'blind-retry', `repeats the call to ${step.toolCall!.name} that failed at step ${prevFailed.index + 1} with the same arguments`, cause ? step.id : undefined);
    }
    // Repeats count within one state of the workspace: running the tests again after an edit is
    // how a fix is checked, not a loop.
    const workspace = this.workspaceVersion;
    const before = this.lastCallByDepth.get(step.depth);
    const inRow = before !== undefined && before.workspace === workspace && before.key === key;
    this.lastCallByDepth.set(step.depth, { workspace, key });
    const s = this.calls.get(key);
    if (!s) {
      this.calls.set(key, { count: 1, lastId: kept.id, lastIndex: kept.index, run: 1, maxRun: 1, name: step.toolCall!.name });
      return;
    }
    const wasRepeated = this.isRepeated(s);
    s.count++;
    s.lastId = kept.id;
    s.lastIndex = kept.index;
    s.run = inRow ? s.run + 1 : 1;
    s.maxRun = Math.max(s.maxRun, s.run);
    if (!wasRepeated && this.isRepeated(s)) this.repeated.push(s);
  }

  /**
   * A step opens an alternative of a search: the calls' rules go on from what they knew at its
   * branch point (its parent), and failures inside the alternatives before it wait for no model
   * step of this one to see them.
   */
  private enterAlternative(step: Step): void {
    const at = step.parentId ?? '';
    const before = this.branchPoints.get(at);
    if (before) this.restoreCalls(before);
    else this.branchPoints.set(at, this.callState());
    for (const depth of [...this.pending.keys()]) if (depth > step.depth) this.pending.delete(depth);
  }

  /** A copy of what the rules on calls know now (the calls are counted in place: copied too). */
  private callState(): CallState {
    const calls = new Map<string, RepeatedCall>();
    for (const [key, call] of this.calls) calls.set(key, { ...call });
    return { calls, failedCalls: new Map(this.failedCalls), lastCallByDepth: new Map(this.lastCallByDepth), workspaceVersion: this.workspaceVersion };
  }

  private restoreCalls(state: CallState): void {
    this.calls = new Map();
    for (const [key, call] of state.calls) this.calls.set(key, { ...call });
    this.failedCalls.clear();
    for (const [k, v] of state.failedCalls) this.failedCalls.set(k, v);
    this.lastCallByDepth.clear();
    for (const [k, v] of state.lastCallByDepth) this.lastCallByDepth.set(k, v);
    this.workspaceVersion = state.workspaceVersion;
  }

  /**
   * A successful call changed the workspace: calls after it are new calls (a test run again after
   * an edit checks the edit), so what was counted or failed before can never match again.
   */
  private workspaceChanged(): void {
    this.workspaceVersion++;
    this.calls = new Map();
    this.failedCalls.clear();
  }

  /** A call the end of the run reports as a loop: made `repeatThreshold` times, or twice in a row (counts only grow). */
  private isRepeated(s: RepeatedCall): boolean {
    return s.count >= this.repeatThreshold || s.maxRun >= 2;
  }

  private markAction(step: Seen, failed: boolean): void {
    this.lastAction = step;
    this.lastActionFailed = failed;
  }

  // ---------------------------------------------------------------- end of trace

  private finish(): void {
    for (const p of this.schemas.definitionProblems) {
      const on = this.firstLlm ?? this.firstStep;
      if (on) this.add(on, 'SYS.TOOL_DEFINITION', 'tool-definition', p.message);
    }
    // Only the calls made more than once count, kept as they become so (`repeated`): walking all
    // the calls tracked (10^5 of them at 10^6 steps) took 10 ms at each append. Their order does
    // not matter: each reports on its own last step, and collect() orders by step.
    for (const s of this.repeated) {
      const how = s.count >= this.repeatThreshold ? `${s.count} times` : `${s.maxRun} times in a row`;
      this.add({ id: s.lastId, index: s.lastIndex }, 'ORCH.REPEAT_LOOP', 'repeat-loop', `the same call to ${clip(s.name, 80)} with the same arguments was made ${how}; this is the last`);
    }
    const last = this.lastLlm;
    // A harness cut-off is already reported; an intermediate episode ends on a tool call by design.
    // ...and a run the user stopped, with no model step after the stop, ended by the user's choice.
    const stoppedByTheUser = this.userStoppedAt >= 0 && (!last || last.index <= this.userStoppedAt);
    const endsByDesign = this.harnessStopped || stoppedByTheUser || this.trace.metadata[INTERMEDIATE_EPISODE] === true;
    if (endsByDesign) {
      // Neither the failed last action nor the tool-only last reply is an early stop here.
    } else if (this.lastAction && this.lastActionFailed && (!last || (last.index < this.lastAction.index && !ranInside(this.lastAction, last)))) {
      this.add(this.lastAction, 'ORCH.PREMATURE_STOP', 'ends-on-error', 'the run ends on this failure; no model step came after it');
    } else if (last && !this.finalAnswerSeen && last.status !== 'error' && last.replyBlank && last.callNames.length > 0) {
      this.add(last, 'ORCH.PREMATURE_STOP', 'ends-on-error', 'the last model reply only calls tools: the run has no final answer');
    }
    const limit = this.options.stepLimit;
    if (limit !== undefined && last && this.llmCount >= limit && !this.finalAnswerSeen) {
      this.add(last, 'ORCH.STEP_LIMIT', 'step-limit', `${this.llmCount} model steps (limit ${limit}) and no final answer`);
    }
  }

  private add(step: { id: string; index: number }, category: string, rule: string, evidence: string, symptomStepId?: string): Finding {
    const f: Finding = { stepId: step.id, category, rule, evidence, impact: DEFAULT_TAXONOMY.get(category)?.impact };
    if (symptomStepId && symptomStepId !== step.id) f.symptomStepId = symptomStepId;
    this.findings.push(f);
    this.positions.set(f, step.index);
    return f;
  }

  /** Report finding `f` on another step (observation mode: where the model sees the failure). */
  private move(f: Finding, step: { id: string; index: number }): void {
    f.stepId = step.id;
    this.positions.set(f, step.index);
    this.moved++;
  }

  /**
   * The copy of finding `f` handed out: the one handed out last time while `f` is as it was, so a
   * caller can tell the findings that did not change by identity (event-codec.ts, the failure
   * site memo: 12,000 findings compared field by field at each append to a 10^6-step file).
   */
  private givenCopy(f: Finding): Finding {
    const c = this.given.get(f);
    if (c && sameFinding(c, f)) return c;
    const made = { ...f };
    this.given.set(f, made);
    return made;
  }

  /**
   * One finding per (step, category), the first of each; in decision order (by step position, then
   * as found). The findings before `kept` are those the run keeps whatever comes next: collected
   * once and kept (`collectedBefore`); only those after (what ending the run adds) are collected
   * at each call. Collecting 12,000 at each append to a 10^6-step file took 10 ms.
   */
  private collect(kept = this.findings.length): Finding[] {
    const base = this.collectedBefore(kept);
    const all = merged(base, this.inOrder(this.addedAfter(base, kept))).out;
    // Never the list kept itself: the caller owns what it is given.
    return all === base.out ? all.slice() : all;
  }

  /**
   * collect(kept) as the copies handed out (givenCopy). The copies of the findings kept are made
   * once, with them: a followed trace asks at each line, and copying 12,000 findings again at
   * each line appended to a 10^6-step file was a fifth of the worker's time of the line.
   */
  private collectCopies(kept = this.findings.length): Finding[] {
    const base = this.collectedBefore(kept);
    base.copies ??= base.out.map((f) => this.givenCopy(f));
    const all = this.withCopiesOf(base.copies, base.at, this.inOrder(this.addedAfter(base, kept)));
    return all === base.copies ? all.slice() : all;
  }

  /** `copies` (of findings at positions `at`) with the copies handed out of `ordered`, merged by position. */
  private withCopiesOf(copies: Finding[], at: number[], ordered: { out: Finding[]; at: number[] }): Finding[] {
    return merged({ out: copies, at }, { out: ordered.out.map((f) => this.givenCopy(f)), at: ordered.at }).out;
  }

  /** The findings after the first `kept`, one per (step, category) not collected in `base`. */
  private addedAfter(base: Collected, kept: number): Finding[] {
    const seen = new Set<string>();
    const added: Finding[] = [];
    for (let i = kept; i < this.findings.length; i++) {
      const f = this.findings[i];
      const k = findingKey(f);
      if (base.seen.has(k) || seen.has(k)) continue;
      seen.add(k);
      if (!f.impact) delete f.impact;
      added.push(f);
    }
    return added;
  }

  /** collect()'s answer for the first `n` findings, extended from the last one kept. */
  private collectedBefore(n: number): Collected {
    let c = this.kept;
    // A finding moved (observation mode) may now be on another step: collected again.
    if (!c || c.moved !== this.moved || c.count > n) c = { count: 0, moved: this.moved, seen: new Set(), out: [], at: [] };
    if (c.count < n) {
      const added: Finding[] = [];
      for (let i = c.count; i < n; i++) {
        const f = this.findings[i];
        const k = findingKey(f);
        if (c.seen.has(k)) continue;
        c.seen.add(k);
        if (!f.impact) delete f.impact;
        added.push(f);
      }
      const ordered = this.inOrder(added);
      // The copies handed out go on with the findings (those before were made once).
      const copies = c.copies && this.withCopiesOf(c.copies, c.at, ordered);
      c = { ...merged(c, ordered), count: n, moved: this.moved, seen: c.seen, copies };
    }
    this.kept = c;
    return c;
  }

  /** Findings with their step positions, sorted by position (a stable sort: as found, for equal ones). */
  private inOrder(findings: Finding[]): { out: Finding[]; at: number[] } {
    const idx = (f: Finding): number => this.positions.get(f) ?? Number.MAX_SAFE_INTEGER;
    const out = findings.sort((a, b) => idx(a) - idx(b));
    return { out, at: out.map(idx) };
  }
}

/** What collect() kept of the first `count` findings: one per (step, category), in order, with positions. */
interface Collected {
  count: number;
  /** The detector's `moved` when this was made. */
  moved: number;
  seen: Set<string>;
  out: Finding[];
  at: number[];
  /** The copies handed out of `out` (givenCopy), in its order, once asked for. */
  copies?: Finding[];
}

/** The same finding, field by field. */
export function sameFinding(a: Finding, b: Finding): boolean {
  return a.stepId === b.stepId && a.category === b.category && a.rule === b.rule && a.evidence === b.evidence && a.impact === b.impact && a.symptomStepId === b.symptomStepId;
}

const findingKey = (f: Finding): string => `${f.stepId}\u0000${f.category}`;

/** `a` and then `b` merged by position, `a` first for equal positions (found earlier). */
function merged(a: { out: Finding[]; at: number[] }, b: { out: Finding[]; at: number[] }): { out: Finding[]; at: number[] } {
  if (b.out.length === 0) return a;
  // Most findings come on the steps just added, after all those before: no merge needed.
  if (a.at.length === 0 || b.at[0] >= a.at[a.at.length - 1]) return { out: [...a.out, ...b.out], at: [...a.at, ...b.at] };
  const out: Finding[] = [];
  const at: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.out.length || j < b.out.length) {
    if (j >= b.out.length || (i < a.out.length && a.at[i] <= b.at[j])) { out.push(a.out[i]); at.push(a.at[i++]); } else { out.push(b.out[j]); at.push(b.at[j++]); }
  }
  return { out, at };
}

// ---------------------------------------------------------------- helpers

/**
 * Identity of a call for loop and retry checks. Some sources record a call without its
 * arguments (group-chat logs where the code sits in the message before the terminal run):
 * then what the model wrote is the call, so its text joins the key. A bounded digest keeps
 * keys small.
 */
function callKey(name: string, args: unknown, cause: Seen | undefined): { key: string; withArguments: boolean } {
  const empty = args === undefined || args === null || args === '' || (typeof args === 'object' && Object.keys(args as object).length === 0);
  let key = compactKey(flat(name, canonicalJson(args)));
  let withArguments = !empty;
  if (empty && cause) {
    key = flat(key, cause.replyKey);
    // What the model wrote stands for the arguments.
    withArguments = !cause.replyBlank;
  }
  return { key, withArguments };
}

/**
 * Call keys live as long as the run's detector (every call of a run read as a stream): a long
 * one is kept as its sha256, which tells the same calls apart as the text does.
 */
const LONGEST_KEPT_KEY = 128;
/** What starts a key kept as its digest (joined, so the key is one flat string: see `flat`). */
const DIGEST_MARK = '#';

/**
 * Parts joined by NUL as one flat string. Kept keys live as long as the run's detector: a string
 * built with `+` or a template is a tree of its parts (two more objects each, 10^5 of them at
 * 10^6 steps), and a short slice keeps the whole text it was cut from.
 */
function flat(...parts: string[]): string {
  return parts.join('\u0000');
}

function compactKey(text: string): string {
  return text.length > LONGEST_KEPT_KEY ? [DIGEST_MARK, sha256Latin1(text)].join('') : text;
}

/** What the detectors keep of a step (see Seen); its reply is read once, here. */
function seen(step: Step, calls?: readonly { id?: string; name: string }[]): Seen {
  if (step.kind !== 'llm') return { id: step.id, parentId: step.parentId, index: step.index, depth: step.depth, status: step.status, callNames: NO_NAMES, idlessCallNames: NO_NAMES, replyBlank: true, replyKey: '0::' };
  calls ??= outputToolCalls(step);
  const text = outputText(step) ?? '';
  const idless = calls.filter((c) => c.id === undefined);
  return {
    id: step.id, parentId: step.parentId, index: step.index, depth: step.depth, status: step.status,
    callNames: calls.length === 0 ? NO_NAMES : calls.map((c) => c.name),
    idlessCallNames: idless.length === 0 ? NO_NAMES : idless.map((c) => c.name),
    replyBlank: text.trim() === '',
    // A bounded digest keeps keys small: its length, head and tail.
    replyKey: compactKey(flat(String(text.length), text.slice(0, 300), text.slice(-300))),
  };
}

/**
 * A call under a model step ran inside that model's response (a hosted tool of the Responses API:
 * web search, a remote MCP tool), which went on after it: the model has seen its failure.
 */
function ranInside(call: Seen, model: Seen): boolean {
  return call.parentId === model.id;
}

/** A model reply that answers in text and calls nothing: the agent's final answer. */
function answersInText(step: Seen): boolean {
  return step.callNames.length === 0 && !step.replyBlank;
}

/** Did a model step announce this call (by call id, or the causing model step calls the same tool)? Then it was checked there. */
function announced(call: NonNullable<Step['toolCall']>, cause: Seen | undefined, llmByCallId: IdMap): boolean {
  if (call.id && llmByCallId.has(call.id)) return true;
  if (!cause) return false;
  return (call.id ? cause.idlessCallNames : cause.callNames).includes(call.name);
}

/**
 * A shell's failure that reads as rejected arguments ("got an unexpected keyword argument", "missing
 * 1 required positional argument") is the program's: a TypeError in the project's code or a
 * library's, under `pytest` or `python x.py`, not a call the shell tool refused. A runtime error,
 * not blamed on the model's call as its arguments.
 */
function programFailure(c: Classified, toolName: string | undefined): Classified {
  return c.category === 'TOOL.ARGS_INVALID' && toolName !== undefined && SHELL_TOOL.test(toolName) ? { category: 'TOOL.RUNTIME', signal: c.signal } : c;
}

function errorText(step: Step): string {
  const e = step.error;
  if (!e) return step.output ? outputText(step) ?? 'the step ended with status error' : 'the step ended with status error';
  const head = e.type && !e.message.startsWith(e.type) ? `${e.type}: ${e.message}` : e.message;
  // The stack's last lines name the root exception (e.g. FileNotFoundError under a wrapper).
  return e.stack ? `${head}\n${e.stack.slice(-1500)}` : head;
}

function outputText(step: Step): string | undefined {
  const o = step.output;
  if (!o) return undefined;
  if (o.messages?.length === 1) return o.messages[0].content ?? '';
  if (o.messages?.length) return o.messages.map((m: ChatMessage) => m.content ?? '').join('\n');
  if (typeof o.value === 'string') return o.value;
  if (o.value === undefined || o.value === null) return undefined;
  try {
    return JSON.stringify(o.value);
  } catch {
    return undefined;
  }
}

function outputToolCalls(step: Step): { id?: string; name: string; arguments: unknown }[] {
  const out: { id?: string; name: string; arguments: unknown }[] = [];
  for (const m of step.output?.messages ?? []) for (const c of m.toolCalls ?? []) out.push(c);
  return out;
}
