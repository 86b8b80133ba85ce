/**
 * `npm run bench:view` (scripts/bench-view.ts), not `npm test`: the Agent Traces view lists a
 * workspace of 5,000 small trace files in real VS Code, cold (every file analysed in the trace
 * worker) and warm (the analyses cached by mtime and size), with the extension host's longest stall
 * while it does. Registered only when AGENT_TRACE_BENCH_VIEW_OUT names the file for the figures;
 * it asserts that every file is listed with its counts, so the figures are of a full listing.
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { TraceTreeNode } from '../../../src/host/views/traces-view';
import { activatedExtension } from './helpers';
import { watchMainThread } from '../../support/main-thread-probe';
import { traceGlob } from '../../../src/host/settings';
import { JSON_CANDIDATES_GLOB } from '../../../src/host/views/trace-listing';

/** One listing: refresh, wait for every analysis, then read every file's row as the tree would. */
interface ListingFigures {
  wallMs: number;
  /** The extension host's event loop: the longest lateness of a 5 ms interval, and how many times it was over 50 ms late. */
  longestStallMs: number;
  stallsOver50: number;
  files: number;
  /** Files whose row shows their failure count ("no failures", "3 failures"). */
  counted: number;
}

export function registerBenchViewTests(): void {
  const out = process.env.AGENT_TRACE_BENCH_VIEW_OUT;
  if (!out) return;
  suite('bench: the Agent Traces view', () => {
    test('lists every trace file of the workspace with its counts, cold then warm', async () => {
      const { api } = await activatedExtension();
      const expected = (await vscode.workspace.findFiles(JSON_CANDIDATES_GLOB)).length;
      const list = async (): Promise<ListingFigures> => {
        const stop = watchMainThread();
        const t0 = performance.now();
        await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
        await api.traces.whenIdle();
        const files = await fileRows(api.traces);
        const wallMs = performance.now() - t0;
        const thread = stop();
        return { wallMs, longestStallMs: thread.maxStallMs, stallsOver50: thread.longStalls, files: files.length, counted: files.filter((d) => /^(no failures|\d+ failures?)$/.test(d)).length };
      };
      const cold = await list();
      const warm = await list();
      const warmAgain = await list();
      writeFileSync(out, JSON.stringify({ expected, cold, warm, warmAgain, parts: await warmParts() }));
      for (const figures of [cold, warm, warmAgain]) {
        assert.equal(figures.files, expected, 'every trace file listed');
        assert.equal(figures.counted, expected, 'every file with its failure count');
      }
    });
  });
}

/** What a warm listing is made of, each timed alone (ms): where its time goes. */
async function warmParts(): Promise<Record<string, number>> {
  const timed = async (f: () => PromiseLike<unknown>): Promise<number> => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const exclude = '{**/node_modules/**,**/.git/**}';
  const files = await vscode.workspace.findFiles(JSON_CANDIDATES_GLOB, exclude);
  const statAll = async (stat: (u: vscode.Uri) => PromiseLike<unknown>, parallel: number): Promise<void> => {
    let next = 0;
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < files.length) await stat(files[next++]);
    }));
  };
  return {
    findFilesNamed: await timed(() => vscode.workspace.findFiles(traceGlob(), exclude)),
    findFilesJson: await timed(() => vscode.workspace.findFiles(JSON_CANDIDATES_GLOB, exclude)),
    statVscode16: await timed(() => statAll((u) => vscode.workspace.fs.stat(u), 16)),
    statNode16: await timed(() => statAll((u) => stat(u.fsPath), 16)),
  };
}

/** The description of every file row, through folder rows when the view groups by folder. */
async function fileRows(view: { getChildren(node?: TraceTreeNode): Promise<TraceTreeNode[]>; getTreeItem(node: TraceTreeNode): vscode.TreeItem }): Promise<string[]> {
  const out: string[] = [];
  const visit = async (nodes: TraceTreeNode[]): Promise<void> => {
    for (const node of nodes) {
      if (node.type === 'folder') await visit(await view.getChildren(node));
      else if (node.type === 'file') out.push(String(view.getTreeItem(node).description ?? ''));
    }
  };
  await visit(await view.getChildren());
  return out;
}
