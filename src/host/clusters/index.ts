/**
 * The "Failure Clusters" view (a section of the Agent Traces side bar, collapsed by default): the
 * failures of the workspace's traces grouped by category, tool and normalised error signature
 * (src/core/clusters), largest first. A cluster lists its traces, a trace its failing steps, and a
 * step opens in the Trace Debugger. Computed in the trace worker when the view is first shown and
 * on Refresh; the list of files is the Agent Traces view's.
 *
 * A cluster can be tagged or have its findings rejected as a whole (actions.ts), and stepped
 * through: Next/Previous Step in Cluster (`n`/`p` in the view, Alt+N/Alt+P in the trace editor)
 * open its steps one after another across traces, with "Step 3 of 37 in cluster …" in the status bar.
 */
import * as vscode from 'vscode';
import type { Impact } from '../../core/annotations';
import type { FailureCluster } from '../../core/clusters';
import type { TraceWorkerClient } from '../../core/engine/worker/client';
import type { ClusterResult } from '../../core/engine/worker/jobs';
import { COMMANDS } from '../ids';
import { configuredTaxonomy, configuredTaxonomySpec, maxFileBytes, maxUnzippedBytes } from '../settings';
import { trustArgs } from '../trusted-args';
import { stepsText } from '../views/failure-words';
import { confirmClusterWrite, pickClusterCategory, runClusterBatch, undoLastClusterBatch, type ClusterBatchOutcome } from './actions';

export const CLUSTERS_VIEW_ID = 'agentTraceDebugger.clusters';

type Node =
  | { type: 'cluster'; cluster: FailureCluster }
  | { type: 'trace'; cluster: FailureCluster; trace: FailureCluster['traces'][number] }
  | { type: 'step'; cluster: FailureCluster; trace: FailureCluster['traces'][number]; stepId: string };

export type ClusterNode = Node;

/** One step of a cluster, in the order Next Step in Cluster visits them (traces, then steps). */
interface Member { file: string; traceIndex: number; stepId: string }

function wrap(i: number, n: number): number {
  return ((i % n) + n) % n;
}

function membersOf(c: FailureCluster): Member[] {
  return c.traces.flatMap((t) => t.stepIds.map((stepId) => ({ file: t.file, traceIndex: t.traceIndex, stepId })));
}

/** Whether a cluster's failures include detector findings (so "Reject Finding for All" applies). */
function hasFindings(c: FailureCluster): boolean {
  return c.traces.some((t) => t.findings.length > 0);
}

export class ClustersTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private result: Promise<ClusterResult> | undefined;
  private view: vscode.TreeView<Node> | undefined;

  constructor(private readonly files: () => Promise<vscode.Uri[]>, private readonly worker: TraceWorkerClient) {}

  attach(view: vscode.TreeView<Node>): void {
    this.view = view;
  }

  /** Compute again (the refresh button, a taxonomy change, after a cluster was tagged). */
  refresh(): void {
    this.result = undefined;
    this.changed.fire(undefined);
  }

  /** The cluster a node belongs to, or the one selected in the view. */
  selectedCluster(node?: Node): FailureCluster | undefined {
    return (node ?? this.view?.selection[0])?.cluster;
  }

  async clusterById(id: string): Promise<FailureCluster | undefined> {
    return (await this.clusters()).clusters.find((c) => c.id === id);
  }

  // --- Stepping through a cluster ---------------------------------------------------------------

  private stepping: { cluster: FailureCluster; members: Member[]; index: number } | undefined;
  private status: vscode.StatusBarItem | undefined;

  /** Where Next/Previous Step in Cluster stands, for the status bar and the tests. */
  get position(): { clusterId: string; index: number; total: number; member: Member } | undefined {
    const s = this.stepping;
    return s ? { clusterId: s.cluster.id, index: s.index, total: s.members.length, member: s.members[s.index] } : undefined;
  }

  /** Open one step of a cluster (a step in the view, or Next/Previous) and remember where we are. */
  async openMember(cluster: FailureCluster, index: number): Promise<boolean> {
    const members = membersOf(cluster);
    const m = members[index];
    if (!m) return false;
    this.stepping = { cluster, members, index };
    this.showStatus();
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.inCluster', true);
    return (await vscode.commands.executeCommand<boolean>(COMMANDS.openInTraceDebugger, vscode.Uri.file(m.file), m.stepId, m.traceIndex)) ?? false;
  }

  /**
   * Next (+1) or previous (-1) step of the cluster being stepped through. From the view (`n`/`p`
   * there), or before any step was opened, the cluster selected in the view is stepped through,
   * from the selected step when one is.
   */
  async step(delta: 1 | -1, fromView = false): Promise<boolean> {
    const sel = this.view?.selection[0];
    const s = this.stepping;
    if (sel && (fromView || !s)) {
      const members = membersOf(sel.cluster);
      const at = sel.type === 'step' ? members.findIndex((m) => m.file === sel.trace.file && m.traceIndex === sel.trace.traceIndex && m.stepId === sel.stepId) : -1;
      const sameAsStepped = s && s.cluster.id === sel.cluster.id && sel.type === 'cluster';
      if (!sameAsStepped) return this.openMember(sel.cluster, at >= 0 ? wrap(at + delta, members.length) : delta > 0 ? 0 : members.length - 1);
    }
    if (!s) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: select a cluster in the Failure Clusters view first, then step through it.'));
      return false;
    }
    const next = s.index + delta;
    if (next < 0 || next >= s.members.length) {
      // Wraps around like Go to Next Failure, and says so.
      void vscode.window.setStatusBarMessage(next < 0 ? vscode.l10n.t('Agent Trace: wrapped to the last step of the cluster') : vscode.l10n.t('Agent Trace: wrapped to the first step of the cluster'), 3000);
    }
    return this.openMember(s.cluster, wrap(next, s.members.length));
  }

  private showStatus(): void {
    const s = this.stepping;
    if (!s) return;
    if (!this.status) {
      this.status = vscode.window.createStatusBarItem('agentTraceDebugger.clusterStep', vscode.StatusBarAlignment.Left, 50);
      this.status.name = vscode.l10n.t('Agent Trace: Step in Cluster');
      this.status.command = COMMANDS.nextStepInCluster;
    }
    const sig = s.cluster.signature || s.cluster.category;
    this.status.text = `$(list-ordered) ${vscode.l10n.t('Step {0} of {1} in cluster {2}', s.index + 1, s.members.length, sig.length > 60 ? `${sig.slice(0, 59)}…` : sig)}`;
    this.status.tooltip = vscode.l10n.t('{0} · {1}\nNext/previous step in this cluster: Alt+N / Alt+P (n / p in the Failure Clusters view)', s.cluster.category, sig);
    this.status.show();
  }

  /** Stop stepping (the clusters were computed again). */
  private endStepping(): void {
    this.stepping = undefined;
    this.status?.hide();
    void vscode.commands.executeCommand('setContext', 'agentTraceDebugger.inCluster', false);
  }

  dispose(): void {
    this.status?.dispose();
    this.changed.dispose();
  }

  /** The clusters as the view shows them (computing them if needed); for the integration tests too. */
  clusters(): Promise<ClusterResult> {
    if (!this.result) {
      this.result = this.compute();
      // The cluster being stepped through follows the new result (same id), or stepping ends.
      const s = this.stepping;
      if (s) {
        void this.result.then((r) => {
          if (this.stepping !== s) return;
          const again = r.clusters.find((c) => c.id === s.cluster.id);
          if (!again) { this.endStepping(); return; }
          const members = membersOf(again);
          const at = members.findIndex((m) => m.file === s.members[s.index].file && m.traceIndex === s.members[s.index].traceIndex && m.stepId === s.members[s.index].stepId);
          this.stepping = { cluster: again, members, index: Math.max(0, Math.min(at >= 0 ? at : s.index, members.length - 1)) };
          if (!members.length) this.endStepping(); else this.showStatus();
        }, () => this.endStepping());
      }
    }
    return this.result;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'cluster') {
      const c = node.cluster;
      // Count and category first: in a narrow side bar they are what is read; the signature follows.
      const item = new vscode.TreeItem(`${c.count}× ${c.categoryName ?? c.category}${c.tool ? ` · ${c.tool}` : ''}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = `${c.signature || vscode.l10n.t('(no message)')} · ${vscode.l10n.t('{0} traces', c.traces.length)}${c.tagged ? ` · ${vscode.l10n.t('{0} tagged', c.tagged)}` : ''}`;
      item.contextValue = hasFindings(c) ? 'failureCluster withFindings' : 'failureCluster';
      item.tooltip = [
        `${c.category}${c.categoryName ? ` (${c.categoryName})` : ''}${c.tool ? ` · ${c.tool}` : ''}`,
        vscode.l10n.t('{0} failures in {1} traces', c.count, c.traces.length),
        ...(c.tagged ? [vscode.l10n.t('{0} of them tagged as {1}', c.tagged, c.category)] : []),
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
      item.description = `${vscode.workspace.asRelativePath(t.file)}${t.traceIndex ? ` #${t.traceIndex + 1}` : ''} · ${stepsText(t.stepIds.length)}`;
      item.resourceUri = vscode.Uri.file(t.file);
      item.iconPath = new vscode.ThemeIcon('file');
      item.id = `cluster:${node.cluster.id}:${t.file}#${t.traceIndex}`;
      return item;
    }
    const item = new vscode.TreeItem(vscode.l10n.t('step {0}', node.stepId), vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon('debug-stackframe');
    item.command = { command: COMMANDS.openClusterStep, title: vscode.l10n.t('Open in Trace Debugger'), arguments: [trustArgs({ clusterId: node.cluster.id, file: node.trace.file, traceIndex: node.trace.traceIndex, stepId: node.stepId })] };
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
    if (node.type === 'trace') return node.trace.stepIds.map((stepId) => ({ type: 'step', cluster: node.cluster, trace: node.trace, stepId }));
    return [];
  }

  /** The view's progress bar while a cluster action runs. */
  withProgress<T>(task: () => Promise<T>): Promise<T> {
    return Promise.resolve(vscode.window.withProgress({ location: { viewId: CLUSTERS_VIEW_ID } }, task));
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
    provider,
    vscode.commands.registerCommand(COMMANDS.refreshClusters, () => provider.refresh()),
    vscode.commands.registerCommand(COMMANDS.openClusterStep, async (a?: OpenClusterStepArgs) => {
      const cluster = a?.clusterId ? await provider.clusterById(a.clusterId) : undefined;
      if (!cluster) return false;
      const index = membersOf(cluster).findIndex((m) => m.file === a?.file && m.traceIndex === a?.traceIndex && m.stepId === a?.stepId);
      return provider.openMember(cluster, Math.max(0, index));
    }),
    vscode.commands.registerCommand(COMMANDS.nextStepInCluster, (a?: { fromView?: boolean }) => provider.step(1, a?.fromView === true)),
    vscode.commands.registerCommand(COMMANDS.previousStepInCluster, (a?: { fromView?: boolean }) => provider.step(-1, a?.fromView === true)),
    vscode.commands.registerCommand(COMMANDS.tagCluster, (a?: ClusterNode | ClusterActionArgs) => clusterAction(provider, 'tag', a)),
    vscode.commands.registerCommand(COMMANDS.rejectClusterFindings, (a?: ClusterNode | ClusterActionArgs) => clusterAction(provider, 'reject', a)),
    vscode.commands.registerCommand(COMMANDS.undoClusterTagging, async (a?: { notify?: boolean }) => {
      const r = await undoLastClusterBatch({ notify: a?.notify });
      if (r) provider.refresh();
      return r;
    }),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('agentTraceDebugger.taxonomy')) provider.refresh(); }),
  );
  return provider;
}

interface OpenClusterStepArgs { clusterId: string; file: string; traceIndex: number; stepId: string }

/** For the tests and other callers: the cluster by id, the category (no picker) and whether to notify. */
export interface ClusterActionArgs { clusterId: string; category?: string; impact?: Impact; notify?: boolean }

function isNode(a: unknown): a is ClusterNode {
  return !!a && typeof a === 'object' && 'type' in a && 'cluster' in a;
}

async function clusterAction(provider: ClustersTreeProvider, kind: 'tag' | 'reject', a?: ClusterNode | ClusterActionArgs): Promise<ClusterBatchOutcome | undefined> {
  const args = isNode(a) ? undefined : a;
  const cluster = args?.clusterId ? await provider.clusterById(args.clusterId) : provider.selectedCluster(isNode(a) ? a : undefined);
  if (!cluster) {
    void vscode.window.showInformationMessage(args?.clusterId
      ? vscode.l10n.t('Agent Trace: no cluster {0} in the Failure Clusters view (refresh it and try again).', args.clusterId)
      : vscode.l10n.t('Agent Trace: select a cluster in the Failure Clusters view first.'));
    return undefined;
  }
  try {
    if (kind === 'reject') {
      if (!cluster.traces.some((t) => t.findings.length)) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: this cluster comes from imported labels, not detector findings: there is no finding to reject.'));
        return undefined;
      }
      if (args && !(await confirmClusterWrite(args, cluster, { kind: 'reject' }))) return undefined;
      const r = await provider.withProgress(() => runClusterBatch(cluster, { kind: 'reject' }, { notify: args?.notify }));
      provider.refresh();
      return r;
    }
    const category = args?.category ?? await pickClusterCategory(cluster);
    if (!category) return undefined;
    const taxonomy = configuredTaxonomy();
    if (!taxonomy.get(category)) throw new Error(vscode.l10n.t('"{0}" is not a category of the {1} taxonomy', category, taxonomy.name));
    const action = { kind: 'tag' as const, category, taxonomy, ...(args?.impact ? { impact: args.impact } : {}) };
    if (args?.category && !(await confirmClusterWrite(args, cluster, action))) return undefined;
    const r = await provider.withProgress(() => runClusterBatch(cluster, action, { notify: args?.notify }));
    provider.refresh();
    return r;
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: cannot change the cluster: {0}', e instanceof Error ? e.message : String(e)));
    return undefined;
  }
}
