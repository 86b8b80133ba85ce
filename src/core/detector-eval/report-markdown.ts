/**
 * The Detector Report as Markdown (VS Code shows it in its Markdown preview): for every detector
 * rule and category, precision and recall against the human judgements, most-judged first, each
 * count linking to the steps behind it (links to the trace file at the step's line, relative to
 * the report's own file, which the preview opens in an editor).
 *
 * Trace content is hostile. Everything that comes from a trace, a label file or a file name goes
 * through `escapeMarkdownText` (link texts and prose) or `markdownCode` (ids in code spans), so it
 * cannot make a link, an image, HTML, a heading or a table cell of its own: the preview sanitises
 * HTML, but it renders Markdown links, images and bare URLs (linkify) in whatever text it is given.
 */
import type { CategoryFigure, DetectorEvaluation, Figure, RuleFigure, StepAddress } from './evaluate';

/** ASCII punctuation: CommonMark lets a backslash escape each of these. */
const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
/**
 * After these, a zero-width space: linkify (bare `https://x`, `www.x`, `x.com`, `a@b.c`) sees the
 * text with its escapes removed, so escaping alone does not stop it; a character that is not in a
 * host name or a scheme does. It is invisible, and lets long paths wrap in table cells.
 */
const LINK_BREAKERS = new Set(['.', ':', '/', '@']);
const ZWSP = '\u200b';
/** Control characters, line and paragraph separators, and other line breaks become one space. */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const BREAKS = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

function oneLine(s: string, maxLength: number): string {
  const flat = s.replace(BREAKS, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, Math.max(0, maxLength - 1))}…` : flat;
}

/**
 * `s` as Markdown text that renders as exactly these characters (on one line, cut at `maxLength`):
 * no link, image, HTML, entity, emphasis, heading, list, quote or table cell can come out of it.
 */
export function escapeMarkdownText(s: string, maxLength = 200): string {
  let out = '';
  for (const ch of oneLine(s, maxLength)) {
    out += ch.replace(ASCII_PUNCTUATION, (c) => `\\${c}`);
    if (LINK_BREAKERS.has(ch)) out += ZWSP;
  }
  return out;
}

/**
 * `s` as an inline code span (ids, categories): nothing in a code span is Markdown, HTML or a
 * link. The fence is longer than any run of backticks in `s`; in a table cell `|` is escaped
 * (tables split cells before reading code spans, and drop the backslash).
 */
export function markdownCode(s: string, options: { inTable?: boolean; maxLength?: number } = {}): string {
  let text = oneLine(s, options.maxLength ?? 200);
  if (options.inTable) text = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') ? ' ' : '';
  return text === '' ? '' : `${fence}${pad}${text}${pad}${fence}`;
}

/** The anchor VS Code's Markdown preview gives a heading whose plain text is `text` (its GitHub slugifier). */
export function headingSlug(text: string): string {
  return encodeURI(text.trim().toLowerCase().replace(/\s+/g, '-')
    // eslint-disable-next-line no-useless-escape -- the preview's own character list, kept as it is
    .replace(/[\]\[\!\/\'\"\#\$\%\&\(\)\*\+\,\.\/\:\;\<\=\>\?\@\\\^\{\|\}\~\`。，、；：？！…—·ˉ¨‘’“”々～‖∶＂＇｀｜〃〔〕〈〉《》「」『』．〖〗【】（）［］｛｝]/g, '')
    .replace(/^-+/, '').replace(/-+$/, ''));
}

/**
 * A relative path (either separator) and an optional line as a link destination: each segment
 * percent-encoded, so spaces, parentheses, brackets and angle brackets cannot end or change it;
 * `#L<line>` is the fragment the preview opens the file at.
 */
export function fileLinkTarget(relativePath: string, line?: number): string {
  const encode = (seg: string): string => encodeURIComponent(seg).replace(/[()!*']/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const path = relativePath.split(/[\\/]/).map((seg) => (seg === '..' || seg === '.' ? seg : encode(seg))).join('/');
  return line && Number.isInteger(line) && line > 0 ? `${path}#L${line}` : path;
}

/** Where one step is, as the report links it. */
export interface StepTarget {
  /** The trace file relative to the report's own file (the link's destination). */
  path: string;
  /** 1-based line of the step in the file, when the importer knows it. */
  line?: number;
  /** What the link says (the file as the user knows it: relative to the workspace). */
  label: string;
  /** The step's name (its tool, for a tool call): trace text, shown escaped after the link. */
  name?: string;
}

export interface DetectorReportInput {
  evaluation: DetectorEvaluation;
  /** What was evaluated ("the workspace", a folder's path): shown escaped. */
  scope: string;
  taxonomyName: string;
  attribution: 'cause' | 'observation';
  files: number;
  /** Files that are not traces or could not be read, with the reason (shown escaped, the first few). */
  skipped: readonly { file: string; reason: string }[];
  /** Other problems (an unreadable sidecar...), one located line each. */
  problems: readonly string[];
  /** Where a step is; undefined leaves the address as text. */
  target(address: StepAddress): StepTarget | undefined;
  /** Step links listed per count (default 20). */
  maxExamples?: number;
  /** When it was computed (shown as is; the caller formats it). */
  computedAt?: string;
  /** How to compute it again (the command's name). */
  refreshHint?: string;
}

type ExampleKey = keyof Figure['examples'];

const KINDS: { key: ExampleKey; count: (f: Figure) => number; title: string; what: string }[] = [
  { key: 'tp', count: (f) => f.tp, title: 'TP', what: 'findings a human confirmed or labelled' },
  { key: 'fp', count: (f) => f.fp, title: 'FP', what: 'findings a human rejected, or made where a human looked and labelled no such error' },
  { key: 'fn', count: (f) => f.fn, title: 'FN', what: 'human-labelled errors it missed' },
  { key: 'found', count: (f) => f.found, title: 'Found', what: 'human-labelled errors it found' },
  { key: 'unjudged', count: (f) => f.unjudged, title: 'Unjudged', what: 'findings nobody judged (in neither figure)' },
];

export function percent(x: number | null): string {
  return x === null ? '–' : `${(100 * x).toFixed(1)}%`;
}

/** Rows with judgements first, most-judged first; then rows with unjudged findings only. */
function byUsefulness<F extends Figure>(name: (f: F) => string): (a: F, b: F) => number {
  return (a, b) => b.support - a.support || b.unjudged - a.unjudged || name(a).localeCompare(name(b));
}

interface Row {
  id: string;
  figure: Figure;
  /** The heading of its examples, as plain text (its anchor is the slug of this). */
  headingText: string;
  /** The heading as Markdown. */
  heading: string;
}

export function detectorReportMarkdown(input: DetectorReportInput): string {
  const r = input.evaluation;
  const j = r.judgements;
  const max = input.maxExamples ?? 20;
  const mapped = r.taxonomy !== 'default';
  const out: string[] = [];
  out.push('# Detector Report', '');
  out.push(`**Scope:** ${escapeMarkdownText(input.scope, 300)} · ${input.files} files, ${j.traces} traces, ${j.judgedTraces} with human judgements · taxonomy ${escapeMarkdownText(input.taxonomyName)}, findings placed by ${input.attribution}${input.computedAt ? ` · computed ${escapeMarkdownText(input.computedAt)}` : ''}`, '');
  out.push(
    '**How to read this:** *precision* is the share of a rule\'s judged findings that humans confirmed or labelled (TP / (TP + FP)); '
    + '*recall* is the share of the human-labelled errors of its category that it found (Found / (Found + FN)); '
    + '*support* (TP + FP + FN) is how many judgements the figures rest on: trust a figure by its support. '
    + 'Click a count to see its steps, and a step to open the trace at it. – means nothing to divide.'
    + (input.refreshHint ? ` Compute again with **${escapeMarkdownText(input.refreshHint)}**.` : ''),
    '',
  );
  out.push(`**Human judgements:** ${j.labels} imported step labels, ${j.tags} human tags, ${j.confirmed} confirmed and ${j.rejected} rejected findings${j.unmapped ? `; ${j.unmapped} name no detector category (location figures only)` : ''}.`, '');
  if (j.judgedTraces === 0) {
    out.push('> No human judgements here: open labelled traces (TRAIL, Who&When, MAST…), or confirm, reject and tag findings in the Trace Debugger, then compute the report again.', '');
  }

  const ruleRows: Row[] = [];
  const ruleFigures = r.rules.filter((f) => f.support + f.unjudged > 0).sort(byUsefulness<RuleFigure>((f) => `${f.rule} ${f.category}`));
  ruleFigures.forEach((f, i) => {
    const id = `R${i + 1}`;
    const shown = mapped && f.shownCategory !== f.category ? ` (${f.shownCategory})` : '';
    // The plain text of a code span is its content: oneLine() of what markdownCode() wrapped.
    ruleRows.push({ id, figure: f, headingText: `${id} · ${oneLine(f.rule, 200)} · ${oneLine(f.category + shown, 200)}`, heading: `${id} · ${markdownCode(f.rule)} · ${markdownCode(f.category + shown)}` });
  });
  const categoryRows: Row[] = [];
  const categoryFigures = r.categories.filter((f) => f.support + f.unjudged > 0).sort(byUsefulness<CategoryFigure>((f) => f.category));
  categoryFigures.forEach((f, i) => {
    const id = `C${i + 1}`;
    categoryRows.push({ id, figure: f, headingText: `${id} · ${oneLine(f.category, 200)}`, heading: `${id} · ${markdownCode(f.category)}` });
  });

  const countCell = (row: Row, n: number): string => (n > 0 ? `[${n}](#${headingSlug(row.headingText)})` : '0');
  const figureCells = (row: Row): string[] => {
    const f = row.figure;
    return [
      `${percent(f.precision)}${f.tp + f.fp ? `\u00a0(${f.tp}/${f.tp + f.fp})` : ''}`,
      `${percent(f.recall)}${f.found + f.fn ? `\u00a0(${f.found}/${f.found + f.fn})` : ''}`,
      String(f.support), countCell(row, f.tp), countCell(row, f.fp), countCell(row, f.fn), countCell(row, f.found), countCell(row, f.unjudged),
    ];
  };
  const numbers = ['Precision', 'Recall', 'Support', 'TP', 'FP', 'FN', 'Found', 'Unjudged'];

  out.push('## By rule', '');
  if (ruleRows.length === 0) out.push('No rule made a finding here, and no human judgement names a category a rule reports.', '');
  else {
    out.push(`| Rule | Category | ${numbers.join(' | ')} |`, `|---|---|${numbers.map(() => '---:').join('|')}|`);
    for (const row of ruleRows) {
      const f = row.figure as RuleFigure;
      const category = mapped && f.shownCategory !== f.category ? `${markdownCode(f.category, { inTable: true })} → ${markdownCode(f.shownCategory, { inTable: true })}` : markdownCode(f.category, { inTable: true });
      out.push(`| [${markdownCode(f.rule, { inTable: true })}](#${headingSlug(row.headingText)}) | ${category} | ${figureCells(row).join(' | ')} |`);
    }
    out.push('');
  }
  const silent = r.rules.length - ruleRows.length;
  if (silent) out.push(`${silent} rule and category pairs had no findings and no judgements here.`, '');

  out.push('## By category', '');
  if (mapped) out.push(`Categories of ${escapeMarkdownText(input.taxonomyName)}.`, '');
  if (categoryRows.length === 0) out.push('No category has findings or judgements here.', '');
  else {
    out.push(`| Category | Name | ${numbers.join(' | ')} |`, `|---|---|${numbers.map(() => '---:').join('|')}|`);
    for (const row of categoryRows) {
      const f = row.figure as CategoryFigure;
      out.push(`| [${markdownCode(f.category, { inTable: true })}](#${headingSlug(row.headingText)}) | ${f.name ? escapeMarkdownText(f.name, 80) : ''} | ${figureCells(row).join(' | ')} |`);
    }
    out.push('');
  }

  const loc = r.location;
  const locationHeading = 'Location';
  out.push(`## ${locationHeading}`, '');
  out.push(
    `A human-labelled step counts as found when it carries any finding, whatever its category (TRAIL's location accuracy): `
    + `recall ${percent(loc.recall)} (${loc.labelsFound}/${loc.labels} judgements), precision ${percent(loc.precision)} (${loc.findingSpansLabelled}/${loc.findingSpans} judged steps with findings).`,
    '',
  );
  const link = (a: StepAddress): string => {
    const t = input.target(a);
    const where = `${a.traceIndex ? ` #${a.traceIndex + 1}` : ''}`;
    if (!t) return `${escapeMarkdownText(a.file, 200)}${where} step ${markdownCode(a.stepId, { maxLength: 80 })}`;
    const label = `${t.label}${t.line ? `:${t.line}` : ''}${where}`;
    return `[${escapeMarkdownText(label, 200)}](${fileLinkTarget(t.path, t.line)})${t.name ? ` ${escapeMarkdownText(t.name, 80)}` : ''}`;
  };
  const list = (title: string, what: string, n: number, addresses: readonly StepAddress[]): string[] => {
    if (n === 0) return [];
    const shown = addresses.slice(0, max);
    const more = n > shown.length ? ` (the first ${shown.length} of ${n})` : '';
    // A step with two judgements (two labels on it) is listed once, with how many.
    const times = new Map<string, { address: StepAddress; count: number }>();
    for (const a of shown) {
      const key = `${a.file}\u0000${a.traceIndex}\u0000${a.stepId}`;
      const seen = times.get(key);
      if (seen) seen.count++; else times.set(key, { address: a, count: 1 });
    }
    return [`- **${title} ${n}**: ${what}${more}:`, ...[...times.values()].map((x) => `  - ${link(x.address)}${x.count > 1 ? ` ×${x.count}` : ''}`)];
  };
  out.push(
    ...list('Found', 'labelled steps carrying a finding', loc.labelsFound, loc.examples.found),
    ...list('Missed', 'labelled steps without a finding', loc.labels - loc.labelsFound, loc.examples.missed),
    ...list('Labelled', 'judged steps with findings and a label', loc.findingSpansLabelled, loc.examples.labelled),
    ...list('Unlabelled', 'judged steps with findings and no label', loc.findingSpans - loc.findingSpansLabelled, loc.examples.unlabelled),
    '',
  );

  out.push('## Steps behind each count', '');
  for (const row of [...ruleRows, ...categoryRows]) {
    out.push(`### ${row.heading}`, '');
    for (const k of KINDS) out.push(...list(k.title, k.what, k.count(row.figure), row.figure.examples[k.key]));
    const back = row.id.startsWith('R') ? 'By rule' : 'By category';
    // A blank line first: right after a list, the line would join its last item.
    out.push('', `[↑ ${back}](#${headingSlug(back)})`, '');
  }

  if (input.skipped.length || input.problems.length) {
    out.push('## Not read', '');
    const shown = input.skipped.slice(0, max);
    for (const s of shown) out.push(`- ${escapeMarkdownText(s.file)}: ${escapeMarkdownText(s.reason)}`);
    if (input.skipped.length > shown.length) out.push(`- … and ${input.skipped.length - shown.length} more files that are not traces`);
    for (const p of input.problems.slice(0, max)) out.push(`- ${escapeMarkdownText(p, 400)}`);
    if (input.problems.length > max) out.push(`- … and ${input.problems.length - max} more problems`);
    out.push('');
  }
  return out.join('\n');
}
