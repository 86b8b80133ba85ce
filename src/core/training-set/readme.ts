/** The set's data card: what is in it, where it came from, and how to load each file. */
import type { ManifestEntry, SetConfig } from './store';
import { exportNotesSections } from './readme-export-notes';
import { templateRefusalsSection } from './template-refusals';

function table(rows: [string, number][], head: string, what = 'examples'): string {
  if (!rows.length) return '_none_\n';
  return `| ${head} | ${what} |\n|---|---|\n${rows.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `| ${k} | ${n} |`).join('\n')}\n`;
}

function count<T>(items: T[], key: (t: T) => string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const t of items) for (const k of new Set(key(t))) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m];
}

/**
 * Each tag once, however many examples and files carry it (a tag on a turn is in sft.jsonl and
 * stepwise.jsonl alike): tags are told apart by trace, step and category.
 */
function countTags(manifest: ManifestEntry[], label: (t: ManifestEntry['tags'][number]) => string): [string, number][] {
  const seen = new Set<string>();
  const m = new Map<string, number>();
  for (const e of manifest) {
    for (const t of e.tags) {
      const id = `${e.key}\u0000${t.location}\u0000${t.category}\u0000${t.origin}`;
      if (seen.has(id)) continue;
      seen.add(id);
      m.set(label(t), (m.get(label(t)) ?? 0) + 1);
    }
  }
  return [...m];
}

/**
 * The length distribution per data file (min / median / p90 / max tokens) and how many examples
 * are over the limit they were promoted with, from the counts in the manifest.
 */
function lengthSection(manifest: ManifestEntry[]): string {
  const counted = manifest.filter((e) => e.length);
  if (!counted.length) return '';
  const distinct = <T>(xs: (T | undefined)[]): T[] => [...new Set(xs.filter((x): x is T => x !== undefined))];
  const limits = distinct(counted.map((e) => e.length!.maxTokens));
  const counters = distinct(counted.map((e) => e.length!.counter)).map((c) => (c === 'estimate' ? 'the tokenizer-free estimate (UTF-8 bytes / 3.5, rounded up: meant to count more than a real tokenizer)' : `the ${c}`));
  const rank = (sorted: number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  const rows = distinct(counted.map((e) => e.file)).map((file) => {
    const mine = counted.filter((e) => e.file === file);
    const tokens = mine.map((e) => e.length!.tokens).sort((a, b) => a - b);
    const over = mine.filter((e) => e.length!.maxTokens !== undefined && e.length!.tokens > e.length!.maxTokens).length;
    return `| ${file} | ${mine.length} | ${tokens[0]} | ${rank(tokens, 0.5)} | ${rank(tokens, 0.9)} | ${tokens[tokens.length - 1]} |${limits.length ? ` ${over} |` : ''}\n`;
  }).join('');
  const truncated = counted.filter((e) => (e.length!.droppedMessages ?? 0) > 0).length;
  const uncounted = manifest.length - counted.length;
  return `## Length

Tokens per example, counted with ${counters.join(' and ')}: each message's role, text and tool calls plus 4 tokens for the chat template's markers, and the tool schemas once, as Llama 3.1's template prints them (indented JSON after 64 tokens of instructions). On the shared real traces this came to about 0.94 of what the Llama 3.1 and Hermes templates render, so leave a margin below the model's limit. ${limits.length ? `Checked against a limit of ${limits.join(', ')} tokens (\`--max-tokens\`): a trainer cuts what is past it, so an example over it loses (part of) its completion, and a stepwise example the labels of its last steps.${truncated ? ` ${truncated} example(s) were truncated to fit: their oldest turns between the task and the completion were dropped.` : ''}` : 'No token limit was given (`--max-tokens N`).'}${uncounted ? ` ${uncounted} example(s) promoted before lengths were recorded are not counted.` : ''}

| file | examples | min | median | p90 | max |${limits.length ? ` over ${limits.length === 1 ? limits[0] : 'the limit'} |` : ''}
|---|---|---|---|---|---|${limits.length ? '---|' : ''}
${rows}
`;
}

/**
 * Sets built by curation (`agent-trace curate`, "Build Training Set from Workspace") record per
 * example the run's tools and rank: the distribution of runs by tool, by category and by rank.
 */
/** The largest `limit` rows, and how many more there are. */
function topTable(rows: [string, number][], head: string, what: string, limit = 30): string {
  const sorted = [...rows].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return table(sorted.slice(0, limit), head, what) + (sorted.length > limit ? `\n… and ${sorted.length - limit} more\n` : '');
}

function curationSection(manifest: ManifestEntry[]): string {
  const curated = manifest.filter((e) => e.curated || e.tools);
  if (!curated.length) return '';
  const runs = new Map<string, ManifestEntry>();
  for (const e of curated) if (!runs.has(e.key)) runs.set(e.key, e);
  const list = [...runs.values()];
  const queries = [...new Set(list.map((e) => e.curated?.query).filter((q): q is string => q !== undefined))];
  return `## Curated runs

${list.length} run(s) picked by ${queries.length ? queries.map((q) => `\`${q.replace(/`/g, "'")}\``).join(', ') : 'a query'}, ranked corrected errors first, then recovered failures, successful runs and the rest, near-duplicates removed.

${table(count(list, (e) => [e.curated?.rank ?? 'unknown']), 'rank', 'runs')}
${topTable(count(list, (e) => [e.curated?.category ?? '(none)']), 'largest failure category', 'runs')}
${topTable(count(list, (e) => (e.tools?.length ? e.tools : ['(no tool)'])), 'tool called', 'runs')}
`;
}

export function renderReadme(config: SetConfig, manifest: ManifestEntry[]): string {
  const byFile = count(manifest, (e) => [e.file]);
  const traces = new Set(manifest.map((e) => e.key)).size;
  const sft = config.format === 'openai'
    ? `\`sft.jsonl\`: OpenAI chat fine-tuning format, one trajectory per line with its \`tools\`; tool-call \`arguments\` are JSON strings. Assistant turns with an uncorrected error, or whose reply is a redaction placeholder, have \`weight: 0\` (kept as context, not learned); all others \`weight: 1\`. Corrected turns replace the originals. A correction that changes a tool call ends the conversation at that turn (the trace cannot know what the corrected call would have returned); the learnable turns after it are in a second line holding the original conversation, where only they have \`weight: 1\`.`
    : `\`sft.jsonl\`: TRL conversational prompt-completion with \`tools\`, one line per learnable assistant turn: \`prompt\` is the conversation before the turn, \`completion\` the turn. \`SFTTrainer\` trains on the completion only, so faulty turns and tool results stay context. Arguments are objects. A correction that changes a tool call ends its conversation at that turn; the learnable turns after it keep their lines, with the original conversation (the faulty turn as context) as the prompt.`;
  return `# ${config.name}

Training set exported by Agent Trace Debugger (format: **${config.format}**${config.sharegpt ? ', plus LLaMA-Factory ShareGPT' : ''}; created ${config.created}).

${traces} trace(s), ${manifest.length} example(s).

${table(byFile, 'file')}
${lengthSection(manifest)}## Errors in the source steps, by category

Each error once, however many examples carry it.

${table(countTags(manifest, (t) => t.category), 'category', 'errors')}
## Errors by source

${table(countTags(manifest, (t) => `${t.origin} (${t.status})`), 'source', 'errors')}
An error counts when it is a human tag that is not rejected, a detector finding that is confirmed or still proposed (not rejected), or a step label imported with the trace.

${curationSection(manifest)}## What the errors mark

The data says what was judged, and only that: a turn nobody judged wrong is never marked wrong.

- An error on a **model turn** marks that turn: it is context only (\`weight: 0\`, no line of its own, stepwise label \`false\`) unless it was corrected.
- An error on a **tool step** marks the model turn that made that call only when its category blames the call (unknown tool, invalid arguments, wrong tool, a repeated or blind retry, ...). A category that describes what the environment answered (timeout, rate limit, authentication, a runtime error, a missing resource, an empty result, any infrastructure category) marks no turn: the call may have been right.
- An error on **any other step** (the agent or root span, a sub-agent, a message) judges the run, not a turn: the run counts as failed, and the error is listed with every example of that run in \`manifest.jsonl\`. Infrastructure categories there mark nothing.
- A **failed run** (a benchmark verdict, reward or score of failure, an "incorrect" grade, a label on the whole run, a final error, or an error that judges the run) is no demonstration: nothing from it is in \`sft.jsonl\`${config.sharegpt ? ' or `sharegpt.jsonl`' : ''} unless it was promoted with "include failed runs" (\`--include-failed\`). Its corrected turns still make preference pairs, and its judged turns step labels.

## Files

- ${sft}
- \`preference.jsonl\`: one pair per corrected turn: the original conversation up to the turn as the prompt, the correction as chosen, the original as rejected (${config.format === 'openai' ? 'OpenAI preference format: `input`, `preferred_output`, `non_preferred_output`' : 'TRL conversational DPO: `prompt`, `chosen`, `rejected`, `tools`'}).
- \`stepwise.jsonl\`: TRL stepwise supervision of the original trajectory: \`prompt\`, one completion per assistant turn (its text, calls and their results), \`labels\` false where the turn carries an error or was corrected. A failed run is labelled only when one of its turns was judged wrong.
${config.sharegpt ? '- `sharegpt.jsonl` + `dataset_info.json`: LLaMA-Factory ShareGPT, one record per learnable turn ending at it; train with `mask_history: true` so only that last turn is learned. A turn with text and tool calls keeps its text as a leading thought (`<think>\\n…\\n</think>\\n\\n` before the calls\' JSON), which LLaMA-Factory\'s function formatter takes off and renders before the calls.\n' : ''}- \`manifest.jsonl\`: per example (same order as the data files): the source trace path and sha256, the steps, the tags and corrections used, when, and the extension version.

${exportNotesSections(manifest)}${templateRefusalsSection(manifest)}## Loading

\`\`\`python
from datasets import load_dataset
sft = load_dataset("json", data_files="sft.jsonl", split="train")
pref = load_dataset("json", data_files="preference.jsonl", split="train")
steps = load_dataset("json", data_files="stepwise.jsonl", split="train")

# TRL
from trl import SFTTrainer, SFTConfig, DPOTrainer, DPOConfig
trainer = SFTTrainer(model=model_id, train_dataset=sft, args=SFTConfig(output_dir="out"))
${config.format === 'trl' ? 'dpo = DPOTrainer(model=model_id, train_dataset=pref, args=DPOConfig(output_dir="out-dpo"))' : '# OpenAI: upload sft.jsonl with purpose="fine-tune"; preference.jsonl is for method="dpo"'}
\`\`\`
${config.sharegpt ? `
LLaMA-Factory: copy \`sharegpt.jsonl\` and the entry of \`dataset_info.json\` into its \`data/\` folder, then train with \`dataset: ${config.name}\` and \`mask_history: true\`.
` : ''}`;
}
