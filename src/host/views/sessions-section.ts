/**
 * The tree of the "Sessions" view, a collapsible section of the Agent Traces side bar (issue 10 §3;
 * wired in sessions-view.ts): the coding-agent sessions on the machine, by source, then project,
 * newest first. Nothing is read until the view asks for its root, which VS Code does only once the
 * section is expanded; the listing is asynchronous, capped per folder with a "Show more" item, and
 * cancelled by a refresh. Sessions are opened read-only in the trace editor (annotations never go beside
 * them: see sidecar-storage.ts). A project's sessions are analysed for failures when it is expanded.
 */
import * as vscode from 'vscode';
import { SessionCatalog } from '../../core/sessions/catalog';
import { groupByProject, type SessionFile, type SessionGroup, type SessionListing } from '../../core/sessions/list-sessions';
import { SOURCE_LABELS, type SessionRoot } from '../../core/sessions/locations';
import { nodeSessionFs, type SessionFs } from '../../core/sessions/session-fs';
import type { AnalysisService } from '../analysis/service';
import { COMMANDS } from '../ids';
import { configuredSessionRoots } from '../session-folders';
import { FAILURE_WORDS } from './failure-words';
import { failuresText, summarize, type CachedSummary } from './summary';

export type SessionTreeNode =
  | { type: 'sessionSource'; listing: SessionListing }
  | { type: 'sessionProject'; listing: SessionListing; group: SessionGroup }
  | { type: 'session'; session: SessionFile }
  | { type: 'sessionMore'; listing: SessionListing }
  | { type: 'sessionNote'; text: string; tooltip?: string; warning?: boolean };

export class SessionsSection implements vscode.Disposable {
  readonly catalog: SessionCatalog;
  private listing?: Promise<SessionListing[] | undefined>;
  private readonly summaries = new Map<string, CachedSummary | 'pending'>();
  /** Folder listings made (tests check that none happens before the view is expanded). */
  listCount = 0;

  constructor(private readonly analysis: AnalysisService, private readonly changed: () => void, fs: SessionFs = nodeSessionFs) {
    this.catalog = new SessionCatalog({ roots: configuredSessionRoots, fs, platform: process.platform });
  }

  dispose(): void {
    this.catalog.cancel();
  }

  /** Forget the listing; it is made again when the view next asks for its root (only while it is expanded). */
  refresh(): void {
    this.catalog.cancel();
    this.listing = undefined;
    this.summaries.clear();
  }

  showMore(root: SessionRoot): void {
    this.catalog.showMore(root);
    this.listing = undefined;
    this.changed();
  }

  /** Resolves when the current listing (if any) is done; tests await it. */
  async whenListed(): Promise<SessionListing[] | undefined> {
    return this.listing;
  }

  /** The sources (the root, `undefined`), a source's projects, a project's sessions. */
  async children(node?: SessionTreeNode): Promise<SessionTreeNode[]> {
    switch (node?.type) {
      case undefined: {
        if (!this.listing) {
          this.listCount++;
          this.listing = this.catalog.list();
        }
        let listings: SessionListing[] | undefined;
        try {
          listings = await this.listing;
        } catch (e) {
          return [{ type: 'sessionNote', text: vscode.l10n.t('Sessions could not be listed: {0}', e instanceof Error ? e.message : String(e)), warning: true }];
        }
        if (!listings) return []; // cancelled by a refresh; the tree is refreshed again
        const shown: SessionTreeNode[] = [];
        for (const l of listings) {
          if (l.error) shown.push({ type: 'sessionNote', text: `${SOURCE_LABELS[l.root.source]}: ${l.error}`, warning: true });
          else if (l.sessions.length > 0) shown.push({ type: 'sessionSource', listing: l });
        }
        if (shown.length === 0) {
          const where = listings.map((l) => l.root.path).join('\n');
          return [{ type: 'sessionNote', text: vscode.l10n.t('No agent sessions found'), tooltip: vscode.l10n.t('Looked in:\n{0}\n\nAdd folders with the setting agentTraceDebugger.sessions.folders.', where || '-') }];
        }
        return shown;
      }
      case 'sessionSource': {
        const groups: SessionTreeNode[] = groupByProject(node.listing.sessions).map((group) => ({ type: 'sessionProject', listing: node.listing, group }));
        if (node.listing.hasMore) groups.push({ type: 'sessionMore', listing: node.listing });
        return groups;
      }
      case 'sessionProject':
        this.analyse(node.group.sessions);
        return node.group.sessions.map((session) => ({ type: 'session', session }));
      default:
        return [];
    }
  }

  treeItem(node: SessionTreeNode): vscode.TreeItem {
    const None = vscode.TreeItemCollapsibleState.None;
    const Collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    switch (node.type) {
      case 'sessionSource': {
        const l = node.listing;
        const item = new vscode.TreeItem(SOURCE_LABELS[l.root.source], Collapsed);
        item.id = `sessions:${l.root.source}:${l.root.path}`;
        item.description = l.hasMore ? vscode.l10n.t('{0} of {1}', l.sessions.length, l.found) : String(l.sessions.length);
        item.tooltip = l.root.path;
        item.iconPath = new vscode.ThemeIcon('hubot');
        item.contextValue = 'sessionSource';
        return item;
      }
      case 'sessionProject': {
        const g = node.group;
        const item = new vscode.TreeItem(g.label, Collapsed);
        item.id = `sessions:${node.listing.root.source}:${node.listing.root.path}:${g.key}`;
        item.description = `${g.sessions.length} · ${ago(g.sessions[0].mtimeMs)}`;
        item.tooltip = g.key && g.key !== g.label ? `${g.label}\n(${g.key})` : g.label;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'sessionProject';
        return item;
      }
      case 'session': {
        const s = node.session;
        const uri = vscode.Uri.file(s.path);
        const item = new vscode.TreeItem(s.name, None);
        item.id = `session:${s.path}`;
        item.resourceUri = uri;
        const summary = this.summaries.get(s.path);
        const status = summary === 'pending' ? vscode.l10n.t('analysing…') : summary ? describe(summary) : '';
        item.description = [ago(s.mtimeMs), status].filter(Boolean).join(' · ');
        item.tooltip = `${s.path}\n${new Date(s.mtimeMs).toLocaleString()} · ${Math.max(1, Math.round(s.size / 1024))} KB`;
        item.command = { command: COMMANDS.openTraceItem, title: vscode.l10n.t('Open in Trace Debugger'), arguments: [uri] };
        item.contextValue = 'traceFile session';
        return item;
      }
      case 'sessionMore': {
        const l = node.listing;
        const item = new vscode.TreeItem(vscode.l10n.t('Show more ({0} more)', l.found - l.sessions.length), None);
        item.id = `sessions-more:${l.root.source}:${l.root.path}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: COMMANDS.showMoreSessions, title: vscode.l10n.t('Show more'), arguments: [l.root] };
        return item;
      }
      case 'sessionNote': {
        const item = new vscode.TreeItem(node.text, None);
        item.tooltip = node.tooltip ?? node.text;
        item.iconPath = new vscode.ThemeIcon(node.warning ? 'warning' : 'info');
        return item;
      }
    }
  }

  /** Failure counts of the sessions of an expanded project, through the shared analysis queue. */
  private analyse(sessions: SessionFile[]): void {
    for (const s of sessions) {
      if (this.summaries.has(s.path)) continue;
      this.summaries.set(s.path, 'pending');
      const stat = { mtime: s.mtimeMs, size: s.size };
      void this.analysis.analyzeFile(vscode.Uri.file(s.path), stat).then((outcome) => {
        this.summaries.set(s.path, { mtime: stat.mtime, size: stat.size, taxonomyId: this.analysis.taxonomy.id, summary: summarize(outcome) });
        this.changed();
      }, () => this.summaries.delete(s.path));
    }
  }
}

function describe(c: CachedSummary): string {
  const s = c.summary;
  if (s.kind === 'ok') return failuresText(s, FAILURE_WORDS);
  if (s.kind === 'tooLarge') return vscode.l10n.t('not analysed (over {0} MB)', Math.round(s.limitBytes / 1048576));
  return vscode.l10n.t('cannot be read as a trace');
}

/** "5 min ago", "3 days ago": when a session was last written. */
function ago(mtimeMs: number): string {
  const minutes = Math.max(0, Math.round((Date.now() - mtimeMs) / 60000));
  if (minutes < 1) return vscode.l10n.t('just now');
  if (minutes < 60) return vscode.l10n.t('{0} min ago', minutes);
  const hours = Math.round(minutes / 60);
  if (hours < 48) return vscode.l10n.t('{0} h ago', hours);
  return vscode.l10n.t('{0} days ago', Math.round(hours / 24));
}
