/**
 * The "Failure Clusters" view (a section of the Agent Traces side bar, collapsed by default): the
 * failures of the workspace's traces grouped by category, tool and normalised error signature
 * (src/core/clusters), largest first. A cluster lists its traces, a trace its failing steps, and a
 * step opens in the Trace Debugger. Computed in the trace worker when the view is first shown and
 * on Refresh; the list of files is the Agent Traces view's.
 */
import * as vscode from 'vscode';
import type { FailureCluster } from '../../core/clusters';
import type { TraceWorkerClient } from '../../core/engine/worker/client';
import type { ClusterResult } from '../../core/engine/worker/jobs';
import { COMMANDS } from '../ids';
import { configuredTaxonomySpec, maxFileBytes, maxUnzippedBytes } from '../settings';

export const CLUSTERS_VIEW_ID = 'agentTraceDebugger.clusters';

type Node =
  | { type: 'cluster'; cluster: FailureCluster }
  | { type: 'trace'; cluster: FailureCluster; trace: FailureCluster['traces'][number] }
  | { type: 'step'; trace: FailureCluster['traces'][number]; stepId: string };

export class ClustersTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private result: Promise<ClusterResult> | undefined;
  private view: vscode.TreeView<Node> | undefined;

  constructor(private readonly files: () => Promise<vscode.Uri[]>, private readonly worker: TraceWorkerClient) {}

  attach(view: vscode.TreeView<Node>): void {
    this.view = view;
  }

  /** Compute again (the refresh button, a taxonomy change). */
  refresh(): void {
    this.result = undefined;
    this.changed.fire(undefined);
  }

  /** The clusters as the view shows them (computing them if needed); for the integration tests too. */
  clusters(): Promise<ClusterResult> {
    this.result ??= this.compute();
    return this.result;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'cluster') {
      const c = node.cluster;
      // Count and category first: in a narrow side bar they are what is read; the signature follows.
      const item = new vscode.TreeItem(`${c.count}× ${c.categoryName ?? c.category}${c.tool ? ` · ${c.tool}` : ''}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = `${c.signature || vscode.l10n.t('(no message)')} · ${vscode.l10n.t('{0} traces', c.traces.length)}`;
      item.tooltip = [
        `${c.category}${c.categoryName ? ` (${c.categoryName})` : ''}${c.tool ? ` · ${c.tool}` : ''}`,
        vscode.l10n.t('{0} failures in {1} traces', c.count, c.traces.length),
        vscode.l10n.t('By: {0}', Object.entries(c.by).map(([k, v]) => `${k} ${v}`).join(', ')),
        '',
        ...c.examples.map((e) => `• ${e.text}`.slice(0, 300)),
      ].join('\n');
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      item.id = `cluster:${c.id}`;
      return item;
    }
    if (node.type === 'trace') {
      const t = node.trace;
      const item = new vscode.TreeItem(t.title, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = `${vscode.workspace.asRelativePath(t.file)}${t.traceIndex ? ` #${t.traceIndex + 1}` : ''} · ${vscode.l10n.t('{0} steps', t.stepIds.length)}`;
      item.resourceUri = vscode.Uri.file(t.file);
      item.iconPath = new vscode.ThemeIcon('file');
      item.id = `cluster:${node.cluster.id}:${t.file}#${t.traceIndex}`;
      return item;
    }
    const item = new vscode.TreeItem(vscode.l10n.t('step {0}', node.stepId), vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon('debug-stackframe');
    item.command = { command: COMMANDS.openInTraceDebugger, title: vscode.l10n.t('Open in Trace Debugger'), arguments: [vscode.Uri.file(node.trace.file), node.stepId, node.trace.traceIndex] };
    return item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      const r = await this.clusters();
      if (this.view) {
        this.view.message = r.clusters.length
          ? vscode.l10n.t('{0} clusters of failures in {1} traces', r.clusters.length, r.traces)
          : vscode.l10n.t('No failures found in {0} traces.', r.traces);
      }
      return r.clusters.map((cluster) => ({ type: 'cluster', cluster }));
    }
    if (node.type === 'cluster') return node.cluster.traces.map((trace) => ({ type: 'trace', cluster: node.cluster, trace }));
    if (node.type === 'trace') return node.trace.stepIds.map((stepId) => ({ type: 'step', trace: node.trace, stepId }));
    return [];
  }

  private async compute(): Promise<ClusterResult> {
    const paths = (await this.files()).filter((u) => u.scheme === 'file').map((u) => u.fsPath);
    return vscode.window.withProgress({ location: { viewId: CLUSTERS_VIEW_ID } }, () => this.worker.run('failureClusters', {
      paths, taxonomy: configuredTaxonomySpec(), maxBytes: maxFileBytes(), maxUnzippedBytes: maxUnzippedBytes(),
    }));
  }
}

export function activateClustersView(context: vscode.ExtensionContext, files: () => Promise<vscode.Uri[]>, worker: TraceWorkerClient): ClustersTreeProvider {
  const provider = new ClustersTreeProvider(files, worker);
  const view = vscode.window.createTreeView(CLUSTERS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  provider.attach(view);
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand(COMMANDS.refreshClusters, () => provider.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('agentTraceDebugger.taxonomy')) provider.refresh(); }),
  );
  return provider;
}
