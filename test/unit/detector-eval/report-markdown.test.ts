import { strict as assert } from 'node:assert';
import MarkdownIt from 'markdown-it';
import type { ErrorTag } from '../../../src/core/annotations';
import type { Finding } from '../../../src/core/detect';
import { evaluateDetectors, type EvalTrace, type StepAddress } from '../../../src/core/detector-eval';
import { mergeEvaluations } from '../../../src/core/detector-eval/merge';
import { detectorReportMarkdown, escapeMarkdownText, fileLinkTarget, headingSlug, markdownCode, type DetectorReportInput } from '../../../src/core/detector-eval/report-markdown';
import type { ImportedLabel, Step, Trace } from '../../../src/core/model/schema';

function evalTrace(file: string, stepIds: string[], findings: Finding[], opts: { labels?: ImportedLabel[]; tags?: ErrorTag[]; reviewed?: string[] } = {}): EvalTrace {
  const steps: Step[] = stepIds.map((id, index) => ({ id, parentId: null, index, depth: 0, kind: 'tool', name: id, startTime: null, endTime: null, status: 'ok', attributes: {} }));
  const trace: Trace = { id: file, title: file, source: { format: 'test', path: file, sha256: '0' }, startTime: null, tools: [], steps, labels: opts.labels ?? [], metadata: {} };
  const tagsByStep = new Map<string, ErrorTag[]>();
  for (const t of opts.tags ?? []) tagsByStep.set(t.location, [...(tagsByStep.get(t.location) ?? []), t]);
  return { file, traceIndex: 0, trace, findings, tagsByStep, reviewed: new Set(opts.reviewed ?? []) };
}
const trail = (stepId: string, category: string): ImportedLabel => ({ stepId, scheme: 'trail', category, origin: 'x' });
const f = (stepId: string, rule: string, category: string): Finding => ({ stepId, rule, category, evidence: '' });

/*
 * The labelled fixture of evaluate.test.ts (figures computed by hand there), in two traces:
 *   a.json: TRAIL labels on s1 (Formatting Errors), s3 (Resource Abuse), s5 (Goal Deviation);
 *           findings s1 tool-args-json ARGS_INVALID (tp), s2 tool-error RUNTIME (fp),
 *           s3 repeat-loop REPEAT_LOOP (tp), s4 empty-result EMPTY_RESULT (fp)
 *   b.json: sidecar confirms s1 tool-error TIMEOUT (tp), rejects s2 tool-error RUNTIME (fp), tags s3
 *           REPEAT_LOOP (a missed judgement), reviews s4 (empty-result there: fp); s5 tool-error
 *           RUNTIME unjudged.
 * Report rows by hand (precision = tp/(tp+fp), recall = found/(found+fn), support = tp+fp+fn):
 *   tool-error TOOL.RUNTIME         tp 0 fp 2 fn 0 found 0 unjudged 1 -> 0.0% (0/2), –, support 2
 *   repeat-loop ORCH.REPEAT_LOOP    tp 1 fp 0 fn 1 found 1            -> 100.0% (1/1), 50.0% (1/2), 2
 *   empty-result TOOL.EMPTY_RESULT  tp 0 fp 2                          -> 0.0% (0/2), –, 2
 *   tool-args-json TOOL.ARGS_INVALID tp 1 found 1                      -> 100.0% (1/1), 100.0% (1/1), 1
 *   tool-args-schema TOOL.ARGS_INVALID fn 1                            -> –, 0.0% (0/1), 1
 * Location: 3 of 5 judgements found (60.0%), 3 of 7 judged steps with findings labelled (42.9%).
 */
const traceA = (): EvalTrace => evalTrace('/w/traces/a.json', ['s1', 's2', 's3', 's4', 's5'], [
  f('s1', 'tool-args-json', 'TOOL.ARGS_INVALID'), f('s2', 'tool-error', 'TOOL.RUNTIME'),
  f('s3', 'repeat-loop', 'ORCH.REPEAT_LOOP'), f('s4', 'empty-result', 'TOOL.EMPTY_RESULT'),
], { labels: [trail('s1', 'Formatting Errors'), trail('s3', 'Resource Abuse'), trail('s5', 'Goal Deviation')] });
const traceB = (): EvalTrace => evalTrace('/w/traces/b.json', ['s1', 's2', 's3', 's4', 's5'], [
  f('s1', 'tool-error', 'TOOL.TIMEOUT'), f('s2', 'tool-error', 'TOOL.RUNTIME'),
  f('s4', 'empty-result', 'TOOL.EMPTY_RESULT'), f('s5', 'tool-error', 'TOOL.RUNTIME'),
], {
  tags: [
    { location: 's1', category: 'TOOL.TIMEOUT', source: 'rule', rule: 'tool-error', status: 'confirmed' },
    { location: 's2', category: 'TOOL.RUNTIME', source: 'rule', rule: 'tool-error', status: 'rejected' },
    { location: 's3', category: 'ORCH.REPEAT_LOOP', source: 'human', status: 'confirmed' },
  ],
  reviewed: ['s4'],
});

/** Lines of the fixture's steps: s<n> is on line 10 n, and is called "call <n>". */
const target = (a: StepAddress): { path: string; line: number; label: string; name: string } => ({
  path: `../w/${a.file.split('/').slice(-2).join('/')}`, line: 10 * Number(a.stepId.slice(1)), label: a.file.split('/').slice(-2).join('/'), name: `call ${a.stepId.slice(1)}`,
});

function report(traces: EvalTrace[], extra: Partial<DetectorReportInput> = {}): string {
  return detectorReportMarkdown({
    evaluation: evaluateDetectors(traces), scope: 'traces', taxonomyName: 'Agent Trace Debugger (default)', attribution: 'cause',
    files: traces.length, skipped: [], problems: [], target, ...extra,
  });
}

/** The rule table's rows: rule, category and the figure cells as written. */
function ruleRows(md: string): Map<string, string[]> {
  const section = md.split('## By rule')[1].split('\n## ')[0];
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n').filter((l) => /^\| \[`/.test(l))) {
    const cells = line.slice(1, -1).split(' | ').map((c) => c.trim());
    rows.set(`${/`([^`]*)`/.exec(cells[0])?.[1]} ${cells[1].replace(/`/g, '')}`, cells.slice(2).map((c) => c.replace(/\u00a0/g, ' ')));
  }
  return rows;
}

// eslint-disable-next-line no-control-regex -- what escapeMarkdownText turns into one space
const oneLine = (s: string): string => s.replace(/[\s\u0000-\u001f\u2028\u2029]+/g, ' ').trim();
const md = new MarkdownIt({ html: true, linkify: true });
/** What the rendered HTML shows as text (tags dropped, entities and zero-width spaces removed). */
const shownText = (html: string): string => html.replace(/<[^>]*>/g, '').replace(/\u200b/g, '')
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, '\'').replace(/&amp;/g, '&');

describe('Detector Report: Markdown', () => {
  it('writes the hand-computed figures of the fixture, most-judged rows first', () => {
    const text = report([traceA(), traceB()]);
    const rows = ruleRows(text);
    const cells = (rule: string, category: string): string[] => {
      const row = rows.get(`${rule} ${category}`);
      assert.ok(row, `no row ${rule} ${category} in\n${[...rows.keys()].join('\n')}`);
      // precision, recall, support, then the counts without their links
      return row.map((c) => c.replace(/^\[(\d+)\]\(#[^)]+\)$/, '$1'));
    };
    assert.deepEqual(cells('tool-error', 'TOOL.RUNTIME'), ['0.0% (0/2)', '–', '2', '0', '2', '0', '0', '1']);
    assert.deepEqual(cells('repeat-loop', 'ORCH.REPEAT_LOOP'), ['100.0% (1/1)', '50.0% (1/2)', '2', '1', '0', '1', '1', '0']);
    assert.deepEqual(cells('empty-result', 'TOOL.EMPTY_RESULT'), ['0.0% (0/2)', '–', '2', '0', '2', '0', '0', '0']);
    assert.deepEqual(cells('tool-args-json', 'TOOL.ARGS_INVALID'), ['100.0% (1/1)', '100.0% (1/1)', '1', '1', '0', '0', '1', '0']);
    assert.deepEqual(cells('tool-args-schema', 'TOOL.ARGS_INVALID'), ['–', '0.0% (0/1)', '1', '0', '0', '1', '0', '0']);
    assert.equal(rows.has('context-overflow SYS.CONTEXT_OVERFLOW'), false, 'rows without findings or judgements are left out');
    const supports = [...rows.values()].map((c) => Number(c[2]));
    assert.deepEqual(supports, [...supports].sort((x, y) => y - x), 'sorted by support, largest first');
    assert.match(text, /recall 60\.0% \(3\/5 judgements\), precision 42\.9% \(3\/7 judged steps with findings\)/);
    assert.match(text, /\*\*How to read this:\*\*/);
    assert.match(text, /3 imported step labels, 1 human tags, 1 confirmed and 1 rejected findings/);
  });

  it('links every count to the steps behind it, and each step to its file at its line', () => {
    const text = report([traceA(), traceB()]);
    // Every in-page link lands on a heading (the slug the preview gives it).
    const slugs = new Set<string>();
    for (const line of text.split('\n').filter((l) => /^#{1,4} /.test(l))) {
      const plain = md.parseInline(line.replace(/^#+ /, ''), {})[0].children?.map((t) => (t.type === 'text' || t.type === 'code_inline' ? t.content : '')).join('') ?? '';
      slugs.add(headingSlug(plain));
    }
    const anchors = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(anchors.length > 10, 'counts link to their steps');
    for (const a of anchors) assert.ok(slugs.has(a), `#${a} names no heading (headings: ${[...slugs].join(', ')})`);
    // The FP count of tool-error TOOL.RUNTIME leads to its two steps: a/s2 and b/s2.
    const fp = rowsSection(text, 'tool-error', 'TOOL.RUNTIME');
    const html = md.render(fp);
    assert.match(html, /<a href="\.\.\/w\/traces\/a\.json#L20">[^<]*<\/a> call 2<\/li>/, 'the link, then the step\'s name');
    assert.match(html, /<p><a href="#by-rule">↑ By rule<\/a><\/p>/, 'the way back to the table is a paragraph of its own, not part of the last step');
    const fpList = html.split('FP 2')[1].split('Unjudged 1')[0];
    assert.deepEqual([...fpList.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[1], m[2].replace(/\u200b/g, '')]),
      [['../w/traces/a.json#L20', 'traces/a.json:20'], ['../w/traces/b.json#L20', 'traces/b.json:20']]);
    assert.deepEqual([...html.split('Unjudged 1')[1].matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]), ['../w/traces/b.json#L50', '#by-rule'], 'the step, then the way back to the table');
  });

  it('lists at most maxExamples steps per count and says how many there are', () => {
    const many = Array.from({ length: 5 }, (_, i) => evalTrace(`/w/t${i}.json`, ['s1'], [f('s1', 'tool-error', 'TOOL.RUNTIME')], { reviewed: ['s1'] }));
    const text = report(many, { maxExamples: 2 });
    assert.match(text, /\*\*FP 5\*\*: [^\n]*\(the first 2 of 5\):\n {2}- [^\n]+\n {2}- [^\n]+\n\n\[↑ By rule\]/);
  });

  it('lists a step with two judgements once, with how many', () => {
    const t = evalTrace('/w/traces/a.json', ['s1'], [], { labels: [trail('s1', 'Formatting Errors'), trail('s1', 'Goal Deviation')] });
    const text = report([t]);
    assert.match(text, /\*\*Missed 2\*\*: [^\n]*:\n {2}- \[[^\n]*\]\(\.\.\/w\/traces\/a\.json#L10\) call 1 ×2\n\n/);
  });

  it('adds up chunks to the evaluation of the whole (mergeEvaluations)', () => {
    const parts = [evaluateDetectors([traceA()]), evaluateDetectors([traceB()])];
    assert.deepEqual(mergeEvaluations(parts), evaluateDetectors([traceA(), traceB()]));
    const capped = mergeEvaluations(parts, { maxExamples: 1 });
    const whole = evaluateDetectors([traceA(), traceB()]);
    const runtime = (e: typeof whole) => e.rules.find((r) => r.rule === 'tool-error' && r.category === 'TOOL.RUNTIME');
    assert.equal(runtime(capped)?.fp, 2, 'counts are not capped');
    assert.deepEqual(runtime(capped)?.examples.fp, runtime(whole)?.examples.fp.slice(0, 1), 'examples are the first of the whole');
  });
});

function rowsSection(text: string, rule: string, category: string): string {
  const start = text.search(new RegExp(`### R\\d+ · \`${rule}\` · \`${category.replace('.', '\\.')}\``));
  assert.ok(start >= 0, `no examples for ${rule} ${category}`);
  return text.slice(start).split('\n### ')[0];
}

describe('Detector Report: escaping trace text', () => {
  const HOSTILE = [
    '[click](https://evil.example/x)',
    '![pixel](https://evil.example/p.png)',
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '<a href="https://evil.example">a</a>',
    'see https://evil.example/path and www.evil.com or evil.com, mail a@evil.com, //evil.example',
    '[ref]: https://evil.example',
    '&lt;b&gt; &#x3C;i&#x3E; &copy;',
    '*em* _em_ **strong** ~~del~~ `code` ``two``',
    '# heading\n- item\n> quote\n\n| a | b |',
    'javascript:alert(1)',
    'a \\ backslash \\[ and trailing \\',
    'line\u2028separator\u0000nul\ttab',
  ];

  it('escapeMarkdownText renders as the same characters, with no link, image or HTML', () => {
    for (const s of HOSTILE) {
      const html = md.render(escapeMarkdownText(s, 1000));
      assert.doesNotMatch(html, /<(a|img|script|h\d|ul|li|blockquote|table|em|strong|s|code)\b/, `${JSON.stringify(s)} rendered as ${html}`);
      assert.equal(shownText(html).trim(), oneLine(s), `${JSON.stringify(s)} shows as itself`);
    }
  });

  it('escapeMarkdownText inside a link text keeps one link, ours', () => {
    for (const s of HOSTILE) {
      const html = md.render(`[${escapeMarkdownText(s, 1000)}](../a.json#L3)`);
      assert.equal((html.match(/<a /g) ?? []).length, 1, `${JSON.stringify(s)}: ${html}`);
      assert.match(html, /^<p><a href="\.\.\/a\.json#L3">/);
      assert.doesNotMatch(html, /<(img|script)\b/);
    }
  });

  it('markdownCode keeps text literal, in a table cell too', () => {
    for (const s of [...HOSTILE, '`', 'a ``` b', ' lead', 'pipe | in | cell']) {
      const inline = md.render(markdownCode(s, { maxLength: 1000 }));
      assert.match(inline, /^<p><code>[^<]*<\/code><\/p>\n$/, `${JSON.stringify(s)}: ${inline}`);
      const table = md.render(`| x | y |\n|---|---|\n| ${markdownCode(s, { inTable: true, maxLength: 1000 })} | 2 |\n`);
      assert.equal((table.match(/<td>/g) ?? []).length, 2, `${JSON.stringify(s)} stays in one cell: ${table}`);
      assert.equal(shownText(/<td>(.*?)<\/td>/.exec(table)?.[1] ?? '').trim(), oneLine(s));
    }
  });

  it('fileLinkTarget percent-encodes each segment, so a file name cannot end the link', () => {
    assert.equal(fileLinkTarget('../a b/x).json', 12), '../a%20b/x%29.json#L12');
    assert.equal(fileLinkTarget('..\\dir\\[x](y).json'), '../dir/%5Bx%5D%28y%29.json');
    const html = md.render(`[t](${fileLinkTarget('../evil](https:/x.com) <b>.json', 3)})`);
    assert.equal((html.match(/<a /g) ?? []).length, 1);
    assert.doesNotMatch(html, /<b>/);
  });

  it('a report over traces with hostile names, ids and categories has only its own links', () => {
    const hostile = '[x](https://evil.example) <img src=x> https://evil.example';
    const t = evalTrace(`/w/${hostile}.json`, [`s1${hostile}`], [f(`s1${hostile}`, `tool-error${hostile}`, `TOOL.RUNTIME${hostile}`)], { reviewed: [`s1${hostile}`] });
    const text = detectorReportMarkdown({
      evaluation: evaluateDetectors([t]), scope: hostile, taxonomyName: hostile, attribution: 'cause', files: 1,
      skipped: [{ file: hostile, reason: hostile }], problems: [hostile],
      target: (a) => (a.stepId.startsWith('s1') ? { path: `../w/${hostile}.json`, line: 7, label: a.file, name: hostile } : undefined),
    });
    const html = md.render(text);
    assert.doesNotMatch(html, /<img\b|evil\.example"/);
    assert.ok(shownText(html).includes(`7 ${hostile}`), 'the step\'s name shows as text after its link');
    for (const m of html.matchAll(/<a href="([^"]*)"/g)) assert.match(m[1], /^(#|\.\.\/w\/)/, `only in-page and step links: ${m[1]}`);
  });
});
