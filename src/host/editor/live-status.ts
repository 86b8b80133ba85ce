/**
 * The status bar item of a live trace: while the active trace editor's file is growing, it says
 * "Live: N steps, last write 2 s ago" (refreshed each second) and toggles Follow when clicked.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../ids';
import type { LiveTrace } from './live-trace';
import { stepsText } from '../views/failure-words';

export interface LiveSource {
  readonly uri: vscode.Uri;
  readonly live: LiveTrace | undefined;
}

export class LiveStatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private source: LiveSource | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('agentTraceDebugger.live', vscode.StatusBarAlignment.Left, 100);
    this.item.name = vscode.l10n.t('Agent Trace: Live Trace');
    this.item.command = COMMANDS.toggleFollow;
  }

  /** What the item shows now (for the integration tests), or undefined when it is hidden. */
  get text(): string | undefined {
    return this.timer === undefined ? undefined : this.item.text;
  }

  /** Show the state of `source` (the active trace editor's document), or nothing. */
  update(source: LiveSource | undefined): void {
    this.source = source;
    if (!source?.live?.isLive) {
      this.item.hide();
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.render();
    this.item.show();
    this.timer ??= setInterval(() => this.render(), 1_000);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }

  private render(): void {
    const live = this.source?.live;
    if (!this.source || !live?.isLive) { this.update(undefined); return; }
    const at = live.lastWriteAt;
    const ago = at === undefined ? '' : vscode.l10n.t(', last write {0}', agoText(Date.now() - at));
    this.item.text = `$(pulse) ${vscode.l10n.t('Live: {0}{1}', stepsText(live.stepCount), ago)}`;
    this.item.tooltip = vscode.l10n.t('{0} is growing: the trace editor shows each step as it is written. Click to turn Follow (keep the newest step selected) on or off.', basename(this.source.uri.fsPath));
  }
}

/** "just now", "4 s ago", "3 min ago". */
export function agoText(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 1) return vscode.l10n.t('just now');
  if (s < 60) return vscode.l10n.t('{0} s ago', s);
  return vscode.l10n.t('{0} min ago', Math.floor(s / 60));
}
