/**
 * The Detector Report in real VS Code: "Agent Trace: Detector Report for Folder" on a copy of
 * three TRAIL traces (with their human labels) and a trace with a hostile file name, title and
 * tool name. The report file's figures are those of `evaluateDetectors` (what
 * `agent-trace eval-detectors` prints) over the same folder, its step links lead to existing files
 * at the step's line, VS Code's own Markdown engine renders no link, image or HTML from trace text,
 * and the preview opens.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension, closeAllEditors, sharedTrace, waitFor } from './helpers';
import { forEachCorpusTrace, type CorpusTrace } from '../../../src/core/corpus';
import { evaluateDetectors, type Figure } from '../../../src/core/detector-eval';
import { percent } from '../../../src/core/detector-eval/report-markdown';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import type { DetectorReportResult } from '../../../src/host/detector-report';

const TRAIL_IDS = ['0ebe673d64647ec44c370638b82d3c78', 'a96c6811716c0473b86a23321db79c34', 'e491d73ca2fd8a2a6f8984feb1c408a3'];
const HOSTILE = '[pwn](https:evil.example) <img src=x onerror=alert(1)> www.evil.example';

/** The figure cells the report writes for a figure (precision, recall, support, TP, FP, FN, Found, Unjudged). */
function cellsOf(f: Figure): string[] {
  return [
    `${percent(f.precision)}${f.tp + f.fp ? `\u00a0(${f.tp}/${f.tp + f.fp})` : ''}`,
    `${percent(f.recall)}${f.found + f.fn ? `\u00a0(${f.found}/${f.found + f.fn})` : ''}`,
    ...[f.support, f.tp, f.fp, f.fn, f.found, f.unjudged].map(String),
  ];
}

/** The rows of one table of the report: key (rule and category, or category) -> figure cells, counts without links. */
function tableRows(markdown: string, heading: string, keyCells: number): Map<string, string[]> {
  const section = markdown.split(`\n## ${heading}`)[1]?.split('\n## ')[0];
  assert.ok(section, `the report has a "${heading}" section`);
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n').filter((l) => /^\| \[`/.test(l))) {
    // The first cell links to the row's steps: [`rule`](#anchor).
    const cells = line.slice(1, -1).split(' | ').map((c) => c.trim().replace(/^\[(`[^`]*`)\]\(#[^)]+\)$/, '$1'));
    const key = cells.slice(0, keyCells).map((c) => c.replace(/`/g, '')).join(' ');
    rows.set(key, cells.slice(keyCells + (heading === 'By category' ? 1 : 0)).map((c) => c.replace(/^\[(\d+)\]\(#[^)]+\)$/, '$1')));
  }
  return rows;
}

export function registerDetectorReportTests(): void {
  suite('Detector Report', () => {
    let folder: string | undefined;

    suiteSetup(async () => {
      const { extension } = await activatedExtension();
      const root = vscode.workspace.workspaceFolders?.[0];
      assert.ok(root, 'the integration tests run with a workspace folder');
      folder = join(root.uri.fsPath, 'detector-report-test');
      for (const id of TRAIL_IDS) {
        for (const kind of ['traces', 'annotations']) {
          mkdirSync(join(folder, 'GAIA', kind), { recursive: true });
          copyFileSync(sharedTrace(extension.extensionPath, ['trail', 'GAIA', kind, `${id}.json`]).fsPath, join(folder, 'GAIA', kind, `${id}.json`));
        }
      }
      // A trace whose name, title and tool say things Markdown would act on; its failing call is a finding nobody judged.
      writeFileSync(join(folder, `${HOSTILE.replace(/[/:]/g, '-')}.trace.jsonl`), [
        JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'hostile', title: HOSTILE }),
        JSON.stringify({ type: 'step', id: 'h1', kind: 'tool', name: HOSTILE, toolCall: { name: HOSTILE, arguments: {} }, status: 'error', error: { message: HOSTILE } }),
      ].join('\n') + '\n');
    });

    suiteTeardown(async () => {
      await closeAllEditors();
      if (folder) rmSync(folder, { recursive: true, force: true });
    });

    test('the folder report has the figures of evaluateDetectors, step links at the step\'s line, and opens in the preview', async () => {
      assert.ok(folder);
      const result = await vscode.commands.executeCommand<DetectorReportResult | undefined>('agentTraceDebugger.detectorReportForFolder', vscode.Uri.file(folder));
      assert.ok(result, 'the report was computed');
      const markdown = readFileSync(result.uri.fsPath, 'utf8');
      assert.equal(markdown, result.markdown, 'the file shown is the report returned');

      // The same folder through the CLI's path: every trace under it, default taxonomy.
      const traces: CorpusTrace[] = [];
      const summary = forEachCorpusTrace([folder], { taxonomy: DEFAULT_TAXONOMY }, (t) => traces.push(t));
      assert.equal(summary.traces, 4, 'three TRAIL traces and the hostile one');
      const expected = evaluateDetectors(traces, { taxonomy: DEFAULT_TAXONOMY });
      assert.ok(expected.judgements.labels > 0, 'the TRAIL labels came in');
      assert.match(markdown, new RegExp(`${summary.files} files, ${expected.judgements.traces} traces, ${expected.judgements.judgedTraces} with human judgements`));
      assert.match(markdown, new RegExp(`${expected.judgements.labels} imported step labels`));
      const loc = expected.location;
      assert.ok(markdown.includes(`recall ${percent(loc.recall)} (${loc.labelsFound}/${loc.labels} judgements), precision ${percent(loc.precision)} (${loc.findingSpansLabelled}/${loc.findingSpans} judged steps with findings)`), 'location figures');

      const ruleRows = tableRows(markdown, 'By rule', 2);
      const expectedRules = expected.rules.filter((f) => f.support + f.unjudged > 0);
      assert.equal(ruleRows.size, expectedRules.length, 'one row per rule and category with findings or judgements');
      for (const f of expectedRules) assert.deepEqual(ruleRows.get(`${f.rule} ${f.category}`), cellsOf(f), `${f.rule} ${f.category}`);
      const categoryRows = tableRows(markdown, 'By category', 1);
      const expectedCategories = expected.categories.filter((f) => f.support + f.unjudged > 0);
      assert.equal(categoryRows.size, expectedCategories.length);
      for (const f of expectedCategories) assert.deepEqual(categoryRows.get(f.category), cellsOf(f), f.category);

      // Step links: relative to the report's file, to a trace file, at the line of a step.
      const links = [...markdown.matchAll(/\]\(([^)#]+)#L(\d+)\)/g)].map((m) => ({ path: resolve(dirname(result.uri.fsPath), decodeURIComponent(m[1])), line: Number(m[2]) }));
      assert.ok(links.length > 5, 'steps are linked');
      const stepLines = new Map<string, Set<number>>();
      for (const t of traces) {
        const lines = stepLines.get(t.file) ?? new Set<number>();
        for (const s of t.trace.steps) if (s.location) lines.add(s.location.line);
        stepLines.set(t.file, lines);
      }
      for (const l of links) {
        assert.ok(existsSync(l.path), `${l.path} exists`);
        assert.ok(stepLines.get(l.path)?.has(l.line), `${l.path}#L${l.line} is the line of a step`);
      }

      // VS Code's own Markdown engine (the preview's, with its linkify) renders no link, image or HTML from trace text.
      const html = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
      const injected = /<img\b|<[a-z]+ [^>]*\sonerror=|href="https?:/i.exec(html);
      assert.equal(injected, null, `nothing from the hostile trace became a link, an image or HTML: ${injected ? html.slice(Math.max(0, injected.index - 200), injected.index + 200) : ''}`);
      for (const m of html.matchAll(/<a [^>]*href="([^"]*)"/g)) assert.match(m[1], /^(#|\.\.\/|[^:]*\.(json|jsonl)(#|$))/, `only in-page and step links: ${m[1]}`);
      assert.ok(html.replace(/\u200b/g, '').includes('[pwn](https-evil.example) &lt;img src=x onerror=alert(1)&gt;'), 'the hostile file name shows as text');

      // The preview is open on the report.
      await waitFor('the preview of the report', () => (vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputWebview && t.label.includes('detector-report.md')) ? true : undefined));
    });

    test('Refresh computes the same scope again; the workspace report covers the folder\'s judgements', async () => {
      const again = await vscode.commands.executeCommand<DetectorReportResult | undefined>('agentTraceDebugger.refreshDetectorReport');
      assert.ok(again);
      assert.ok(again.paths.every((p) => folder && p.startsWith(folder)), 'Refresh keeps the folder scope');
      const { api } = await activatedExtension();
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
      const workspace = await vscode.commands.executeCommand<DetectorReportResult | undefined>('agentTraceDebugger.showDetectorReport');
      assert.ok(workspace);
      assert.ok(workspace.paths.some((p) => folder && p.startsWith(folder)), 'the workspace report reads the folder\'s traces too');
      assert.ok(workspace.evaluation.judgements.labels >= again.evaluation.judgements.labels);
      assert.match(readFileSync(workspace.uri.fsPath, 'utf8'), /\*\*Scope:\*\* the workspace/);
    });
  });
}
