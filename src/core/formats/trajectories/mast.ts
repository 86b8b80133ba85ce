/**
 * MAST / MAD human-labelled dataset (multi-agent-systems-failure-taxonomy/MAST, HF `mcemri/MAD`):
 * a JSON list of records, each a raw multi-agent log plus 14 failure modes x 3 annotators:
 *
 *   [{"round": "Round 1", "mas_name": "AppWorld", "benchmark_name": "Test-C", "trace_id": 0, "trace": "<raw log text>",
 *     "annotations": [{"failure mode": "1.1 Poor task constraint compliance\n\n<definition>", "annotator_1": false, "annotator_2": true, "annotator_3": true}]}]
 *
 * One trace per record. The log is split into steps where it has a recognisable pattern: AG2
 * message lists (`trajectory: [{name, role, content}]`), timestamped log lines (ChatDev
 * `[2025-... INFO]`, loguru `2025-... | INFO |` in MetaGPT/OpenManus), AppWorld's "Response from
 * ..."/"Code Execution Output" blocks, and Magentic-One "---------- Agent ----------" headers;
 * otherwise the record is a single step. The log text is inside a JSON string, so every step's
 * location is its record. Labels are whole-trace (`mast`), one per failure mode at least one
 * annotator marked, with the count as value. Failure-mode codes were renumbered between
 * annotation rounds, so modes are mapped by name to the final taxonomy's names.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftLabel, DraftStep, DraftTrace } from '../../model/draft';
import { asText, Importer, ImportContext, isObject } from '../importer';
import { fail, lenientJson, oneLine, str, type Json } from './common';
import { tryParseJson } from '../../json/depth';

/** Final MAST names (Cemri et al., NeurIPS 2025 D&B), keyed by normalised name, incl. earlier-round names. */
const CANONICAL: Record<string, string> = {};
const FINAL: [string, string[]][] = [
  ['Disobey task specification', ['poor task constraint compliance']],
  ['Disobey role specification', []],
  ['Step repetition', []],
  ['Loss of conversation history', []],
  ['Unaware of termination conditions', ['unaware of stopping conditions']],
  ['Conversation reset', []],
  ['Fail to ask for clarification', ['fail to elicit clarification']],
  ['Task derailment', ['derailment from task']],
  ['Information withholding', ['withholding relevant information', 'information witholding']],
  ["Ignored other agent's input", ["ignored other agents' input", 'ignoring suggestions from agents', 'ignored other agents input']],
  ['Reasoning-action mismatch', ['inconsistency between reasoning and action', 'action-reasoning mismatch']],
  ['Premature termination', []],
  ['No or incomplete verification', ['weak verification']],
  ['Incorrect verification', []],
];
const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
for (const [name, aliases] of FINAL) for (const a of [name, ...aliases]) CANONICAL[norm(a)] = name;

export const mastImporter: Importer = {
  id: 'mast',
  label: 'MAST / MAD human-labelled multi-agent traces',
  producer: 'MAST dataset (multi-agent-systems-failure-taxonomy/MAST, HF mcemri/MAD)',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '[') return 0;
    // The published file holds Python's NaN for missing votes; only then parse leniently.
    const head = file.text.slice(0, 65536);
    if (file.json === undefined && !(head.includes('"annotations"') && head.includes('"trace"'))) return 0;
    const v = lenientJson(file)?.value;
    if (!Array.isArray(v)) return 0;
    const r = v[0];
    return isObject(r) && 'trace' in r && Array.isArray(r.annotations) && ('mas_name' in r || 'trace_id' in r) ? 0.95 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    const lenient = lenientJson(file);
    if (!lenient) file.requireJson(); // throws the located JSON error
    const doc = lenient!.value;
    if (!Array.isArray(doc)) fail(file, [], 'the MAST dataset is a JSON list of records');
    if (lenient!.replaced) ctx.warn({ message: `${lenient!.replaced} bare NaN/Infinity value(s), as Python writes them, were read as null (annotator did not vote)` });
    const traces: DraftTrace[] = [];
    const unmapped = new Set<string>(); // warn once per earlier-round name
    doc.forEach((r, i) => {
      if (!isObject(r)) { ctx.warn({ path: `$[${i}]`, message: 'a MAST record must be an object (record skipped)' }); return; }
      const steps = splitLog(r.trace).map((s): DraftStep => ({ ...s, status: 'ok', sourcePath: [i] }));
      const { trace: _t, annotations, ...meta } = r;
      traces.push({
        title: `${asText(r.mas_name)} / ${asText(r.benchmark_name)} #${asText(r.trace_id)} (${asText(r.round)})`,
        steps,
        labels: mastLabels(annotations, ctx, i, unmapped),
        metadata: meta,
        indexInFile: i,
      });
    });
    return traces;
  },
};

function mastLabels(annotations: unknown, ctx: ImportContext, record: number, unmapped: Set<string>): DraftLabel[] {
  if (!Array.isArray(annotations)) return [];
  const labels: DraftLabel[] = [];
  annotations.forEach((a, k) => {
    if (!isObject(a)) return;
    const mode = str(a['failure mode']) ?? '';
    const [head, ...definition] = mode.split('\n');
    const m = /^\s*(\d+(?:\.\d+)?)\s+(.*)$/.exec(head ?? '');
    const written = (m ? m[2] : head ?? '').trim();
    const annotators = Object.keys(a).filter((key) => /^annotator/i.test(key));
    const count = annotators.filter((key) => a[key] === true || a[key] === 1 || a[key] === 'true').length;
    if (count === 0) return;
    const category = CANONICAL[norm(written)] ?? written;
    if (!CANONICAL[norm(written)] && !unmapped.has(written) && unmapped.add(written)) ctx.warn({ path: `$[${record}].annotations[${k}]`, message: `MAST failure mode "${written}" has no counterpart in the final taxonomy; kept under its own name` });
    labels.push({
      stepSourceId: null,
      sourceLocation: oneLine(head ?? '', 120),
      scheme: 'mast',
      category,
      evidence: `${count} of ${annotators.length} annotators marked "${written}"`,
      ...(definition.join('\n').trim() ? { description: definition.join('\n').trim() } : {}),
      value: count,
      origin: 'inline',
    });
  });
  return labels;
}

type Piece = Omit<DraftStep, 'status' | 'sourcePath'>;

const SPLITTERS: { name: string; re: RegExp }[] = [
  { name: 'log', re: /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[^\]]*\]/ },
  { name: 'loguru', re: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \| / },
  { name: 'appworld', re: /^(?:Response from .+|Code Execution Output|Message to .+|Entering .+|Exiting .+)\s*$/ },
  { name: 'magentic', re: /^-{5,} .+ -{5,}\s*$/ },
];

function splitLog(trace: unknown): Piece[] {
  let text = typeof trace === 'string' ? trace : asText(trace);
  const t = text.trimStart();
  // Not JSON after all (or nested beyond the cap): split the text as it is.
  const j = t.startsWith('{') ? tryParseJson(t)?.value : undefined;
  if (isObject(j)) {
    const messages = messageList(j.trajectory);
    if (messages) return messages;
    if (Array.isArray(j.trajectory) && j.trajectory.every((x) => typeof x === 'string')) text = j.trajectory.join('\n');
    else if (typeof j.content === 'string') text = j.content;
  }
  return splitText(text);
}

/** AG2-style message lists: one step per message, speaker as name. */
function messageList(v: unknown): Piece[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || !v.every((m) => isObject(m) && 'content' in m)) return undefined;
  return (v as Json[]).map((m): Piece => {
    const speaker = str(m.name) ?? str(m.role) ?? 'agent';
    const content = typeof m.content === 'string' ? m.content : asText(m.content);
    return { kind: 'llm', name: speaker, output: { messages: [{ role: 'assistant', name: speaker, content }] }, attributes: { role: m.role } };
  });
}

/** Split at the header lines of whichever known pattern occurs most (at least twice); linear. */
function splitText(text: string): Piece[] {
  const lines = text.split('\n');
  let best: RegExp | undefined;
  let bestCount = 1;
  for (const { re } of SPLITTERS) {
    let c = 0;
    for (const l of lines) if (re.test(l)) c++;
    if (c > bestCount) { best = re; bestCount = c; }
  }
  if (!best) return [{ kind: 'other', name: 'log', output: { value: text } }];
  const pieces: Piece[] = [];
  let start = 0;
  const flush = (end: number): void => {
    const chunk = lines.slice(start, end).join('\n');
    if (chunk.trim() !== '') pieces.push({ kind: 'other', name: oneLine(lines[start].trim() || 'log', 80), output: { value: chunk } });
  };
  for (let i = 0; i < lines.length; i++) {
    if (i > start && best.test(lines[i])) { flush(i); start = i; }
  }
  flush(lines.length);
  return pieces;
}
