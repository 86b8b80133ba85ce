/**
 * The OTLP receiver's commands: Start, Stop and the status bar item's actions. It is stopped when
 * the extension deactivates (the controller is in context.subscriptions).
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../ids';
import { ReceiverController, type ReceiverApi, type TraceFileSink } from './controller';

export type { ReceiverApi, StartResult, StopResult } from './controller';

export function activateReceiver(context: vscode.ExtensionContext, traces?: TraceFileSink): ReceiverApi {
  const controller = new ReceiverController(traces);
  context.subscriptions.push(
    controller,
    vscode.commands.registerCommand(COMMANDS.startReceiver, () => controller.start()),
    vscode.commands.registerCommand(COMMANDS.stopReceiver, () => controller.stop()),
    vscode.commands.registerCommand(COMMANDS.receiverActions, () => controller.showActions()),
  );
  return controller;
}
