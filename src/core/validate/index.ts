/**
 * Validate training records (before a promotion writes them, or any dataset file on disk):
 * format rules, secrets, and rendering through the real chat templates.
 */
import { readFileSync } from 'node:fs';
import type { Problem } from '../util/problems';
import { checkRecord, detectKind, renderableConversations, type RecordKind } from './rules';
import { PrivateDataMemo } from './privacy';
import { loadChatTemplates, lossesThroughAll, promptNotPrefixThroughAll, renderThroughAll, type ChatTemplate } from './templates';

export { checkRecord, detectKind, renderableConversations, type RecordKind, type RuleProblem } from './rules';
export { findSecrets } from './secrets';
export { loadChatTemplates, compileChatTemplate, renderThroughAll, explainTemplateError, TemplateRefusedError, type ChatTemplate, type TemplateRefusal } from './templates';
export { TEMPLATE_RULES, type TemplateRule } from './template-rules';

export interface ValidationProblem extends Problem {
  rule: string;
  severity: 'error' | 'warning';
  /**
   * The chat template that refuses the record (rule "template"), or under which TRL would mask its
   * completion wrongly (rule PROMPT_NOT_PREFIX): promotion keeps it naming the template, or drops it.
   */
  refusedBy?: string;
}

/** Per template: examples that rendered, that it refused, and that the renderer could not check. */
export interface RenderCount { rendered: number; refused: number; unchecked: number }

export interface ValidateOptions {
  format?: 'openai' | 'trl' | 'sharegpt';
  /** Chat templates to render through; default: the shipped ones (none found = no rendering check). */
  templates?: readonly ChatTemplate[];
  /** Report secrets as warnings instead of errors. */
  allowSecrets?: boolean;
  /** Filled with how many records each template rendered or refused (records with chat messages only). */
  renderStats?: Map<string, RenderCount>;
  /** The personal data of long strings already scanned, shared by the records of one set (`validateFile` makes one). */
  privateData?: PrivateDataMemo;
}

/** The rule of a template that renders a record's prompt differently alone than before its completion. */
export const PROMPT_NOT_PREFIX = 'template.prompt-not-prefix';

/** The warning's words; the trainer check reads the template and the conversation back from them. */
export function promptNotPrefixMessage(template: string, conversation: string): string {
  return `the ${template} template renders the prompt of ${conversation} differently on its own than before the completion, so TRL would mask the completion wrongly (it renders the prompt alone with add_generation_prompt and checks that it starts prompt+completion)`;
}

let defaultTemplates: ChatTemplate[] | undefined;
function templatesOf(opts: ValidateOptions): readonly ChatTemplate[] {
  return opts.templates ?? (defaultTemplates ??= loadChatTemplates());
}

/** Validate one record; `file`/`line` only locate the problems. */
export function validateRecord(rec: unknown, where: { file: string; line?: number }, opts: ValidateOptions = {}, kindHint?: RecordKind): ValidationProblem[] {
  const kind = kindHint ?? detectKind(rec, opts.format);
  if (!kind) return [{ ...where, rule: 'V1', severity: 'error', message: 'not a training record of a known format (expected messages, prompt/completion, chosen/rejected, input/preferred_output, completions/labels or conversations)' }];
  const out: ValidationProblem[] = checkRecord(rec, kind, opts.privateData).map((p) => ({
    ...where, path: p.path, rule: p.rule, message: p.message,
    severity: p.rule === 'V7' && opts.allowSecrets ? 'warning' : p.severity,
  }));
  // Only render records that pass the format rules: a broken record's template error is noise.
  if (!out.some((p) => p.severity === 'error')) {
    const templates = templatesOf(opts);
    const convs = renderableConversations(rec, kind);
    const refusedBy = new Set<string>();
    const uncheckedBy = new Set<string>();
    for (const conv of convs) {
      const refusals = renderThroughAll(templates, conv.messages, conv.tools);
      for (const r of refusals) {
        if (r.unchecked) {
          uncheckedBy.add(r.template);
          out.push({ ...where, rule: 'template', severity: 'warning', message: `chat template "${r.template}" could not check ${conv.label}: ${r.message}` });
        } else {
          refusedBy.add(r.template);
          out.push({ ...where, rule: 'template', severity: 'warning', refusedBy: r.template, message: `chat template "${r.template}" refuses ${conv.label}: ${r.message}${r.pythonError ? ` (Python raises ${r.pythonError})` : ''}` });
        }
      }
      if (conv.prompt?.length) {
        for (const t of promptNotPrefixThroughAll(templates, conv.prompt, conv.messages, conv.tools, refusals)) {
          out.push({ ...where, rule: PROMPT_NOT_PREFIX, severity: 'warning', refusedBy: t, message: promptNotPrefixMessage(t, conv.label) });
        }
      }
      for (const l of lossesThroughAll(templates, conv.messages, conv.tools, refusals)) {
        out.push({ ...where, rule: 'template', severity: 'warning', message: `chat template "${l.template}" renders ${conv.label} but drops ${l.message} [${l.rule}]` });
      }
    }
    if (convs.length && opts.renderStats) {
      for (const t of templates) {
        const st = opts.renderStats.get(t.name) ?? { rendered: 0, refused: 0, unchecked: 0 };
        if (refusedBy.has(t.name)) st.refused++;
        else if (uncheckedBy.has(t.name)) st.unchecked++;
        else st.rendered++;
        opts.renderStats.set(t.name, st);
      }
    }
  }
  return out;
}

/**
 * What Python's renderer (transformers' `apply_chat_template`, as TRL calls it) does with each
 * conversation of a record, per chat template: the validator's prediction, for comparing with a
 * real render (the trainer check). Conversations as `renderableConversations` forms them (SFT
 * messages, prompt+completion, prompt+chosen, prompt+rejected, input+preferred_output, ...),
 * with `weight` dropped and JSON-string arguments parsed; `tools` none when empty. Records of
 * other kinds have none. Unlike validateRecord, renders records that break format rules too.
 */
export interface TemplateVerdict {
  conversation: string;
  template: string;
  renders: boolean;
  /** Why not, in words a user can act on. */
  message?: string;
  /** What Python raises, when known: "TemplateError: <the template's raise_exception text>", "RecursionError: ...". */
  pythonError?: string;
  /** The template rule that predicted the refusal (see ./template-rules). */
  rule?: string;
  /** @huggingface/jinja could not evaluate the template on it (a template without rules for that construct): no prediction. */
  unchecked?: boolean;
  /** It renders, but its prompt rendered alone (add_generation_prompt) is not the start of it: TRL would mask the completion wrongly. */
  promptNotPrefix?: boolean;
}

export function templateVerdicts(rec: unknown, opts: { format?: 'openai' | 'trl'; templates?: readonly ChatTemplate[] } = {}): TemplateVerdict[] {
  const kind = detectKind(rec, opts.format);
  if (!kind) return [];
  const templates = templatesOf(opts);
  const out: TemplateVerdict[] = [];
  for (const conv of renderableConversations(rec, kind)) {
    const refusals = renderThroughAll(templates, conv.messages, conv.tools);
    const notPrefix = conv.prompt?.length ? promptNotPrefixThroughAll(templates, conv.prompt, conv.messages, conv.tools, refusals) : [];
    for (const t of templates) {
      const r = refusals.find((x) => x.template === t.name);
      out.push(r
        ? { conversation: conv.label, template: t.name, renders: false, message: r.message, ...(r.pythonError ? { pythonError: r.pythonError } : {}), ...(r.rule ? { rule: r.rule } : {}), ...(r.unchecked ? { unchecked: true } : {}) }
        : { conversation: conv.label, template: t.name, renders: true, ...(notPrefix.includes(t.name) ? { promptNotPrefix: true } : {}) });
    }
  }
  return out;
}

/** Validate a JSONL (or, for ShareGPT, a JSON array) dataset file. */
export function validateFile(path: string, opts: ValidateOptions = {}): { problems: ValidationProblem[]; records: number; kinds: Set<RecordKind>; renderStats: Map<string, RenderCount> } {
  const renderStats = opts.renderStats ?? new Map<string, RenderCount>();
  opts = { ...opts, renderStats, privateData: opts.privateData ?? new PrivateDataMemo() };
  let text: string;
  try {
    const bytes = readFileSync(path);
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : e instanceof TypeError ? 'not valid UTF-8 (V1)' : `cannot be read (${code ?? String(e)})`;
    return { problems: [{ file: path, rule: 'V1', severity: 'error', message }], records: 0, kinds: new Set(), renderStats };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const problems: ValidationProblem[] = [];
  const kinds = new Set<RecordKind>();
  let records = 0;
  const check = (value: unknown, line: number): void => {
    records++;
    const kind = detectKind(value, opts.format);
    if (kind) kinds.add(kind);
    problems.push(...validateRecord(value, { file: path, line }, opts, kind));
  };
  if (text.trimStart().startsWith('[')) {
    // LLaMA-Factory also takes a JSON array file.
    let arr: unknown;
    try { arr = JSON.parse(text); } catch (e) { return { problems: [{ file: path, line: 1, rule: 'V1', severity: 'error', message: `not valid JSON: ${(e as Error).message}` }], records: 0, kinds, renderStats }; }
    (arr as unknown[]).forEach((v) => check(v, 1));
  } else {
    text.split('\n').forEach((raw, i) => {
      if (raw.trim() === '') return;
      let v: unknown;
      try { v = JSON.parse(raw); } catch (e) { problems.push({ file: path, line: i + 1, rule: 'V1', severity: 'error', message: `not one JSON object per line: ${(e as Error).message}` }); return; }
      check(v, i + 1);
    });
  }
  if (records === 0 && !problems.length) problems.push({ file: path, rule: 'V1', severity: 'error', message: 'the file holds no records' });
  if (kinds.size > 1) problems.push({ file: path, rule: 'V1', severity: 'error', message: `mixes record kinds (${[...kinds].join(', ')}); a dataset file must have one shape` });
  return { problems, records, kinds, renderStats };
}

/** "hermes 12/12, llama3.1_json 9/12, …": records each template renders, of those with chat messages. */
export function describeRenderStats(stats: ReadonlyMap<string, RenderCount>): string {
  if (!stats.size) return 'no chat messages to render through the chat templates';
  return `render through the chat templates: ${[...stats].map(([t, s]) => `${t} ${s.rendered}/${s.rendered + s.refused + s.unchecked}${s.unchecked ? ` (${s.unchecked} not checkable by @huggingface/jinja)` : ''}`).join(', ')}`;
}
