/**
 * Between the protocol's annotation messages and the core's sidecar model, for one step of an
 * indexed trace: the step's tags/correction as the webview shows them, operations turned into
 * core edits (addressed by the step's id as written in the trace), correction previews, and the
 * tag picker's categories. No vscode here.
 */
import {
  addTag, clearCorrection, confirmFinding, CorrectedOutputSchema, decisionOf, IMPACTS, rejectFinding, removeTag, resolveChoice, setCorrection, setReviewed,
  stepLocation, traceIndexOf,
  type AnnotationDocument, type CorrectedOutput, type Correction, type EditResult, type ErrorTag, type StepRef,
} from '../../core/annotations';
import { checkCorrection, correctionToMessage, diffCorrection, undeclaredToolMessage } from '../../core/export/corrections';
import { assistantOutput } from '../../core/export/conversation';
import { argumentsObject } from '../../core/export/tool-args';
import type { ChatMessage, Step } from '../../core/model/schema';
import {
  ErrorCode, isCssVariableName, rpcError,
  type AnnotationOp, type CategoryGroup, type CorrectionOutput, type DiffLine, type Impact, type StepAnnotations, type TagInfo,
} from '../../protocol';
import type { Taxonomy } from '../analysis/core-api';
import type { TraceSession } from './session';

const FALLBACK_COLOR = '--vscode-charts-red';

/** The sidecar's address of a step: its id as written in the trace, and the trace's index in a multi-trace file. */
export function stepRef(session: TraceSession, index: number): StepRef {
  const step = session.step(index);
  const ti = traceIndexOf(session.trace);
  return ti === 0 ? { location: stepLocation(step) } : { location: stepLocation(step), traceIndex: ti };
}

/** Opaque to the webview; the host reads it back in `removeTag`. */
export function tagKey(t: Pick<ErrorTag, 'source' | 'category' | 'rule'>): string {
  return JSON.stringify([t.source, t.category, t.rule ?? null]);
}

function parseTagKey(key: unknown): { source: 'human' | 'rule'; category: string; rule?: string } {
  try {
    const [source, category, rule] = JSON.parse(String(key)) as unknown[];
    if ((source === 'human' || source === 'rule') && typeof category === 'string') {
      return { source, category, ...(typeof rule === 'string' ? { rule } : {}) };
    }
  } catch { /* reported below */ }
  throw rpcError(ErrorCode.InvalidParams, `not a tag key: ${JSON.stringify(key)}`);
}

export function stepAnnotations(session: TraceSession, index: number, doc: AnnotationDocument, sidecarName: string): StepAnnotations {
  const step = session.wholeStep(index);
  const stepTags = session.tagsOf(index);
  const tags: TagInfo[] = stepTags.map((t) => {
    const category = session.shownCategory(t);
    const decided = t.source === 'rule' ? session.findingsOf(index).find((f) => decisionOf(stepTags, { category: f.defaultCategory, rule: f.rule }) === t) : undefined;
    return {
      key: tagKey(t),
      category,
      categoryName: session.taxonomy.get(category)?.name ?? resolveChoice(t, session.taxonomy)?.category.name ?? category,
      color: session.colorOf(category),
      ...(t.impact ? { impact: t.impact } : {}),
      ...(t.description !== undefined ? { description: t.description } : {}),
      ...(t.evidence !== undefined ? { evidence: t.evidence } : {}),
      source: t.source,
      ...(t.rule ? { rule: t.rule } : {}),
      status: t.status,
      ...(t.source === 'rule' ? { finding: decided ? { rule: decided.rule, category: decided.defaultCategory } : { rule: t.rule ?? '', category: t.category } } : {}),
    };
  });
  const ref = stepRef(session, index);
  const reviewed = doc.reviewed.some((r) => r.location === ref.location && (r.traceIndex ?? 0) === (ref.traceIndex ?? 0));
  const correction = findCorrection(doc, ref);
  const originalMessage = assistantOutput(step);
  return {
    tags,
    reviewed,
    correction: correction ? {
      output: correction.output as CorrectionOutput,
      diff: correctionDiff(originalMessage, correction.output),
      problems: correctionProblems(session, correction, sidecarName),
    } : null,
    correctable: isCorrectable(step),
    original: originalMessage ? toCorrectionOutput(originalMessage) : isCorrectable(step) ? { role: 'assistant', content: '' } : null,
    tools: session.callableTools().map((t) => t.name),
  };
}

function findCorrection(doc: AnnotationDocument, ref: StepRef): Correction | undefined {
  return doc.corrections.find((c) => c.location === ref.location && (c.traceIndex ?? 0) === (ref.traceIndex ?? 0));
}

/** A model turn (it has an assistant message to replace, or is an LLM call). */
function isCorrectable(step: Step): boolean {
  return assistantOutput(step) !== undefined || step.kind === 'llm';
}

/** A step's message as the editor starts from it: arguments as the training data carries them (an object). */
export function toCorrectionOutput(m: ChatMessage): CorrectionOutput {
  const out: CorrectionOutput = { role: 'assistant', content: m.content ?? null };
  if (m.toolCalls?.length) {
    out.tool_calls = m.toolCalls.map((c) => ({ ...(c.id ? { id: c.id } : {}), type: 'function' as const, function: { name: c.name, arguments: argumentsObject(c.arguments) } }));
  }
  return out;
}

/** Content lines, then one header and the argument lines per tool call. */
export function correctionDiff(original: ChatMessage | undefined, output: CorrectedOutput | CorrectionOutput): DiffLine[] {
  const d = diffCorrection(original, correctionToMessage(output as CorrectedOutput));
  const kind = (op: 'equal' | 'add' | 'remove'): DiffLine['kind'] => (op === 'equal' ? 'same' : op === 'add' ? 'added' : 'removed');
  const lines: DiffLine[] = d.content.map((l) => ({ kind: kind(l.op), text: l.text }));
  d.toolCalls.forEach((c, i) => {
    if (c.before === c.after) lines.push({ kind: 'same', text: `tool call ${i + 1}: ${c.after}` });
    else {
      if (c.before !== undefined) lines.push({ kind: 'removed', text: `tool call ${i + 1}: ${c.before}` });
      if (c.after !== undefined) lines.push({ kind: 'added', text: `tool call ${i + 1}: ${c.after}` });
    }
    for (const l of c.arguments) lines.push({ kind: kind(l.op), text: l.text });
  });
  return lines;
}

/** Shape problems (zod) and tool argument problems against the trace's declared tools (ajv), as sentences. */
export function correctionProblems(session: TraceSession, correction: Pick<Correction, 'location' | 'output'>, sidecarName: string): string[] {
  const shape = CorrectedOutputSchema.safeParse(correction.output);
  if (!shape.success) return shape.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  return checkCorrection(session.trace, correction as Correction, { file: sidecarName, path: '$' }, session.callableTools())
    .map((p) => `${(p.path ?? '').replace(/^\$\.output\./, '')}: ${p.message}`);
}

/** Check a correction from the webview and drop empty parts, so what is stored is what a save writes. */
export function cleanCorrection(output: unknown): CorrectedOutput {
  const o = output as CorrectionOutput | undefined;
  const candidate = o && typeof o === 'object' ? {
    role: 'assistant' as const,
    content: typeof o.content === 'string' ? o.content : null,
    ...(Array.isArray(o.tool_calls) && o.tool_calls.length ? { tool_calls: o.tool_calls } : {}),
  } : o;
  const res = CorrectedOutputSchema.safeParse(candidate);
  if (!res.success) {
    throw rpcError(ErrorCode.InvalidParams, `the correction is not a valid assistant message: ${res.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}`);
  }
  return res.data;
}

/** The core edit an operation on a step stands for. Throws a clear InvalidParams/NotFound for bad operations. */
export function editFor(session: TraceSession, index: number, op: AnnotationOp): (doc: AnnotationDocument) => EditResult {
  const ref = stepRef(session, index);
  switch (op?.kind) {
    case 'addTag': {
      const category = session.taxonomy.get(String(op.category ?? ''));
      if (!category) throw rpcError(ErrorCode.InvalidParams, `"${String(op.category)}" is not a category of the ${session.taxonomy.name} taxonomy`);
      const impact = checkImpact(op.impact) ?? category.impact ?? 'MEDIUM';
      // Stored as chosen, with the taxonomy it came from; a tag that shows as the same category is updated, not duplicated.
      const sameCategory = (t: ErrorTag): boolean => session.shownCategory(t) === category.id;
      return (doc) => addTag(doc, {
        ...ref, category: category.id, taxonomy: session.taxonomy.id, impact,
        ...(typeof op.description === 'string' && op.description.trim() ? { description: op.description.trim() } : {}),
        ...(typeof op.evidence === 'string' && op.evidence.trim() ? { evidence: op.evidence.trim() } : {}),
      }, { sameCategory });
    }
    case 'removeTag': {
      const k = parseTagKey(op.key);
      return (doc) => removeTag(doc, { ...ref, ...k });
    }
    case 'confirmFinding':
    case 'rejectFinding': {
      // A finding is named by its detector category; a shown category is accepted only when it names one finding.
      const byRule = session.findingsOf(index).filter((x) => x.rule === op.rule);
      const shown = byRule.filter((x) => x.category === op.category);
      const f = byRule.find((x) => x.defaultCategory === op.category) ?? (shown.length === 1 ? shown[0] : undefined);
      if (!f && shown.length > 1) throw rpcError(ErrorCode.InvalidParams, `"${String(op.category)}" names ${shown.length} findings of rule ${String(op.rule)} on step "${ref.location}"; name one by its detector category (${shown.map((x) => x.defaultCategory).join(' or ')})`);
      if (!f) throw rpcError(ErrorCode.NotFound, `step "${ref.location}" has no finding ${String(op.category)} by rule ${String(op.rule)}`);
      const finding = { ...ref, category: f.defaultCategory, rule: f.rule, evidence: f.evidence, ...(f.impact ? { impact: f.impact } : {}) };
      return (doc) => (op.kind === 'confirmFinding' ? confirmFinding(doc, finding) : rejectFinding(doc, finding));
    }
    case 'setReviewed':
      return (doc) => setReviewed(doc, ref, op.reviewed === true);
    case 'setCorrection': {
      if (!isCorrectable(session.wholeStep(index))) throw rpcError(ErrorCode.InvalidParams, `step "${ref.location}" is not a model turn; only model turns can be corrected`);
      const output = cleanCorrection(op.output);
      refuseUndeclaredTools(session, output);
      return (doc) => setCorrection(doc, ref, output);
    }
    case 'clearCorrection':
      return (doc) => clearCorrection(doc, ref);
    default:
      throw rpcError(ErrorCode.InvalidParams, `unknown annotation operation ${JSON.stringify((op as { kind?: unknown })?.kind)}`);
  }
}

/**
 * A correction that calls a tool the model never had would be refused at promotion (and would
 * teach a call the agent cannot make): it is not saved. The editor says so before Save.
 */
function refuseUndeclaredTools(session: TraceSession, output: CorrectedOutput): void {
  const tools = session.callableTools();
  (output.tool_calls ?? []).forEach((c, i) => {
    if (!tools.some((t) => t.name === c.function.name)) {
      throw rpcError(ErrorCode.InvalidParams, `tool call ${i + 1} ${undeclaredToolMessage(c.function.name, tools)}; a correction can only call a tool the model had`);
    }
  });
}

function checkImpact(v: unknown): Impact | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(IMPACTS as readonly unknown[]).includes(v)) throw rpcError(ErrorCode.InvalidParams, `impact must be HIGH, MEDIUM or LOW (got ${JSON.stringify(v)})`);
  return v as Impact;
}

/**
 * The active taxonomy for the tag picker: one group per top-level category with its leaves (a
 * top-level category without children is its own only entry). Ids and colours as the taxonomy has them.
 */
export function tagCategories(taxonomy: Taxonomy): CategoryGroup[] {
  const color = (c: string | undefined): string => (c && isCssVariableName(c) ? c : FALLBACK_COLOR);
  const leavesOf = (id: string): Taxonomy['categories'] => {
    const out: Taxonomy['categories'] = [];
    for (const child of taxonomy.children(id)) {
      const below = leavesOf(child.id);
      if (below.length) out.push(...below);
      else out.push(child);
    }
    return out;
  };
  return taxonomy.categories.filter((c) => !c.parent || !taxonomy.get(c.parent)).map((top) => {
    const leaves = leavesOf(top.id);
    return {
      id: top.id,
      name: top.name,
      color: color(top.color),
      categories: (leaves.length ? leaves : [top]).map((c) => ({
        id: c.id, name: c.name, definition: c.definition, color: color(c.color ?? top.color), ...(c.impact ? { impact: c.impact } : {}),
      })),
    };
  });
}
