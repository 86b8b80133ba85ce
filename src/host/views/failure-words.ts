import * as vscode from 'vscode';
import type { FailureWords } from './summary';

/** "no failures", "3 failures", "185 steps redacted, not checked": a trace file's row in the views. */
export const FAILURE_WORDS: FailureWords = {
  failures: (n) => (n === 0 ? vscode.l10n.t('no failures') : n === 1 ? vscode.l10n.t('1 failure') : vscode.l10n.t('{0} failures', n)),
  redacted: (n) => (n === 1 ? vscode.l10n.t('1 step redacted, not checked') : vscode.l10n.t('{0} steps redacted, not checked', n)),
};

/** "1 step", "3 steps": a count of steps in the views, commands and the status bar. */
export function stepsText(n: number): string {
  return n === 1 ? vscode.l10n.t('1 step') : vscode.l10n.t('{0} steps', n.toLocaleString());
}
