/**
 * The Node half of the trainer check: promote the selected real traces every way a user can
 * (OpenAI and TRL format, ShareGPT, with and without a sidecar that tags and corrects), then ask
 * the validator, record by record, what each chat template does with each conversation. The
 * Python half (check.py) renders the same conversations with transformers and trains on the files;
 * this writes what it needs into `<work>/plan.json`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyDocument, saveSidecar } from '../../src/core/annotations';
import { modelSteps } from '../../src/core/export/conversation';
import { loadTraceFile } from '../../src/core/load';
import type { Trace } from '../../src/core/model/schema';
import { promote } from '../../src/core/training-set/promote';
import { formatProblem } from '../../src/core/util/problems';
import { detectKind, loadChatTemplates, PROMPT_NOT_PREFIX, renderableConversations, templateVerdicts, validateRecord, type ChatTemplate } from '../../src/core/validate';
import type { SelectedTrace } from './selection';
import { reviewedSidecar } from './sidecars';

export type Verdict = 'renders' | 'refuses' | 'unchecked';

export interface RecordPrediction {
  /** 1-based line of the record in its file. */
  line: number;
  /** The validator's errors for this record (an exported record should have none). */
  errors: string[];
  /** template -> conversation label (`messages`, `prompt+chosen`...) -> what the validator predicts. */
  verdicts: Record<string, Record<string, Verdict>>;
  /** template -> the validator's words for a refusal or an unchecked conversation. */
  reasons: Record<string, string>;
  /**
   * template -> conversations whose prompt the template renders differently alone than before the
   * completion (rule template.prompt-not-prefix): TRL warns once for each that the prompt is not a
   * prefix of prompt+completion (its completion mask would be wrong).
   */
  promptNotPrefix: Record<string, string[]>;
}

export interface ExportedFile {
  path: string;
  /** sft, preference, stepwise or sharegpt. */
  kind: string;
  format: 'openai' | 'trl';
  source: string;
  trace?: number;
  variant: string;
  /** stepwise.jsonl: the PRM trainer's step separator the set names (manifest.jsonl), if any. */
  stepSeparator?: string;
  records: RecordPrediction[];
}

export interface PromotionRow {
  source: string;
  trace?: number;
  variant: string;
  /** Errors the promotion refused with (nothing written). */
  refused: string[];
}

export interface Plan {
  templates: Record<string, string>;
  files: ExportedFile[];
  promotions: PromotionRow[];
  /** Selected traces that could not be loaded or have no model turn (the selection is stale). */
  selectionProblems: string[];
}

type Variant = 'plain' | 'reviewed';
/** Each encoder once per sidecar variant; ShareGPT, which does not depend on the set format, once per variant. */
const PROMOTIONS: readonly { variant: Variant; format: 'openai' | 'trl'; sharegpt: boolean }[] = [
  { variant: 'plain', format: 'openai', sharegpt: true },
  { variant: 'plain', format: 'trl', sharegpt: false },
  { variant: 'reviewed', format: 'openai', sharegpt: false },
  { variant: 'reviewed', format: 'trl', sharegpt: true },
];

const TEMPLATE_WARNING = /^chat template "([^"]+)" (refuses|could not check) (\S+)(?:: (.*))?$/s;

/** What the validator predicts for each (template, conversation) of one record. */
export function predict(rec: unknown, format: 'openai' | 'trl' | 'sharegpt', templates: readonly ChatTemplate[], where: { file: string; line: number }): RecordPrediction {
  const problems = validateRecord(rec, where, { format, templates });
  const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.rule}: ${formatProblem(p)}`);
  const kind = detectKind(rec, format);
  const labels = kind ? renderableConversations(rec, kind).map((c) => c.label) : [];
  const verdicts: RecordPrediction['verdicts'] = {};
  const reasons: RecordPrediction['reasons'] = {};
  const promptNotPrefix: RecordPrediction['promptNotPrefix'] = {};
  // A record with format errors is not rendered by the validator: no prediction to compare.
  if (errors.length) return { line: where.line, errors, verdicts, reasons, promptNotPrefix };
  // Which conversations: templateVerdicts names them (validateRecord's warning, PROMPT_NOT_PREFIX, names the template that promotion keeps or drops the record for).
  if (problems.some((p) => p.rule === PROMPT_NOT_PREFIX) && format !== 'sharegpt') {
    for (const v of templateVerdicts(rec, { format, templates })) if (v.promptNotPrefix) (promptNotPrefix[v.template] ??= []).push(v.conversation);
  }
  for (const t of templates) verdicts[t.name] = Object.fromEntries(labels.map((l) => [l, 'renders' as Verdict]));
  for (const p of problems) {
    if (p.rule !== 'template') continue;
    const m = TEMPLATE_WARNING.exec(p.message);
    const template = m?.[1] ?? templates.find((t) => p.message.includes(`"${t.name}"`))?.name;
    if (!template || !verdicts[template]) continue;
    const verdict: Verdict = m?.[2] === 'could not check' ? 'unchecked' : 'refuses';
    // A label we cannot read applies to every conversation of the record.
    const hit = m && labels.includes(m[3]) ? [m[3]] : labels;
    for (const l of hit) if (verdicts[template][l] !== 'refuses') verdicts[template][l] = verdict;
    reasons[template] ??= m?.[4] ?? p.message;
  }
  return { line: where.line, errors, verdicts, reasons, promptNotPrefix };
}

/** The step separator the set names for stepwise.jsonl (manifest.jsonl, one per set), if it names one. */
function stepSeparatorOf(set: string): string | undefined {
  const manifest = join(set, 'manifest.jsonl');
  if (!existsSync(manifest)) return undefined;
  for (const line of readFileSync(manifest, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { file?: string; stepSeparator?: unknown };
    if (entry.file === 'stepwise.jsonl' && typeof entry.stepSeparator === 'string') return entry.stepSeparator;
  }
  return undefined;
}

function recordsOf(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('[')) return JSON.parse(text) as unknown[];
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
}

function pick(path: string, selected: SelectedTrace): { trace?: Trace; problem?: string } {
  let traces: Trace[];
  try {
    traces = loadTraceFile(path).traces;
  } catch (e) {
    return { problem: `${selected.path}: cannot be loaded (${e instanceof Error ? e.message : String(e)})` };
  }
  const trace = selected.trace === undefined ? traces[0] : traces.find((t, i) => (t.source.indexInFile ?? i) === selected.trace);
  if (!trace) return { problem: `${selected.path}: has no trace ${selected.trace} (it holds ${traces.length})` };
  if (modelSteps(trace).length === 0) return { problem: `${selected.path}: trace ${selected.trace ?? 0} has no model turn, so nothing to train on` };
  if (selected.trace === undefined && traces.length > 1) return { problem: `${selected.path}: holds ${traces.length} traces; name one in the selection` };
  return { trace };
}

export async function exportSelection(opts: { tracesRoot: string; templatesDir: string; work: string; selection: readonly SelectedTrace[]; log: (line: string) => void }): Promise<Plan> {
  const templates = loadChatTemplates(opts.templatesDir);
  const plan: Plan = { templates: Object.fromEntries(templates.map((t) => [t.name, join(opts.templatesDir, `tool_chat_template_${t.name}.jinja`)])), files: [], promotions: [], selectionProblems: [] };
  let n = 0;
  for (const selected of opts.selection) {
    const tracePath = join(opts.tracesRoot, selected.path);
    const { trace, problem } = pick(tracePath, selected);
    if (!trace) { plan.selectionProblems.push(problem!); continue; }
    const id = n++;
    const sidecars: Record<Variant, string> = { plain: join(opts.work, `sidecar-${id}-plain.annotations.json`), reviewed: join(opts.work, `sidecar-${id}-reviewed.annotations.json`) };
    saveSidecar(sidecars.plain, emptyDocument());
    saveSidecar(sidecars.reviewed, reviewedSidecar(trace));
    for (const { variant, format, sharegpt } of PROMOTIONS) {
      if (selected.redacted && variant === 'plain') continue;
      const set = join(opts.work, 'sets', `${id}-${variant}-${format}`);
      const label = `${variant}/${format}${sharegpt ? '+sharegpt' : ''}`;
      // Failed runs are promoted too: a failed run alone would write no SFT example, leaving that encoder untried.
      const out = await promote({ trace: tracePath, annotations: sidecars[variant], set, format, sharegpt, includeFailed: true, traceIndex: selected.trace, templates });
      plan.promotions.push({ source: selected.path, trace: selected.trace, variant: label, refused: out.errors.map(formatProblem) });
      if (out.errors.length || !out.result) continue;
      for (const [file, added] of Object.entries(out.result.added)) {
        if (!added) continue;
        const path = join(set, file);
        const kind = file.replace(/\.jsonl?$/, '');
        const recordFormat = kind === 'sharegpt' ? 'sharegpt' : format;
        const records = recordsOf(path).map((rec, i) => predict(rec, recordFormat, templates, { file: path, line: i + 1 }));
        plan.files.push({ path, kind, format, source: selected.path, trace: selected.trace, variant: label, stepSeparator: kind === 'stepwise' ? stepSeparatorOf(set) : undefined, records });
      }
    }
    opts.log(`  promoted ${selected.path}${selected.trace === undefined ? '' : ` #${selected.trace}`}`);
  }
  writeFileSync(join(opts.work, 'plan.json'), JSON.stringify(plan, null, 1));
  return plan;
}
