/**
 * Commands are callable by any extension (`vscode.commands.executeCommand`). Arguments that skip
 * our prompts and write files (a promotion's set choice, a tag's category and impact, a finding's
 * decision) are honoured without asking only when this extension made them: the code actions and
 * views mark their argument objects here, and no other extension can reach this WeakSet. Any
 * other caller gets a modal confirmation naming what would be written.
 */
import * as vscode from 'vscode';

const trusted = new WeakSet<object>();
let extensionMode: vscode.ExtensionMode | undefined;

/** Set once at activation: the integration tests run in Test mode and answer no modal dialogs. */
export function setExtensionMode(mode: vscode.ExtensionMode): void {
  extensionMode = mode;
}

/** Mark arguments this extension built (code action, CodeLens or tree item arguments). */
export function trustArgs<T extends object>(args: T): T {
  trusted.add(args);
  return args;
}

/** Whether a caller-provided argument object must be confirmed by the user before it writes. */
export function needsConfirmation(args: unknown, mode = extensionMode): boolean {
  if (!args || typeof args !== 'object') return false;
  if (trusted.has(args)) return false;
  return mode !== vscode.ExtensionMode.Test;
}

/**
 * Ask before doing what another extension asked for. `what` says what will be written, e.g.
 * 'promote run.json into training set "main"'. Resolves true when allowed.
 */
export async function confirmExternalWrite(args: unknown, what: string): Promise<boolean> {
  if (!needsConfirmation(args)) return true;
  const allow = vscode.l10n.t('Allow');
  const pick = await vscode.window.showWarningMessage(
    vscode.l10n.t('Another extension asks Agent Trace Debugger to {0}. Allow it?', what),
    { modal: true, detail: vscode.l10n.t('This writes files in your workspace. Commands run from this extension\'s own menus never ask.') },
    allow,
  );
  return pick === allow;
}
