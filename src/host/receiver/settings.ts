/**
 * The receiver's settings (`agentTraceDebugger.receiver.*`), read when it starts:
 * port (default 4318; 0 picks a free port), host (default 127.0.0.1; `machine` scope, so only the
 * user's own settings can open it to the network, never a repository's .vscode/settings.json),
 * folder (default `agent-traces`, relative to the first workspace folder; absolute allowed) and
 * maxBodyMB (default 32).
 */
import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_OTLP_HOST, DEFAULT_OTLP_PORT } from '../../core/receiver';

const SECTION = 'agentTraceDebugger';
/** The receiver's setting keys under `agentTraceDebugger.`, for messages and "Open Settings". */
export const RECEIVER_SETTING = {
  port: `${SECTION}.receiver.port`,
  host: `${SECTION}.receiver.host`,
  folder: `${SECTION}.receiver.folder`,
  maxBodyMB: `${SECTION}.receiver.maxBodyMB`,
} as const;
export const DEFAULT_RECEIVER_FOLDER = 'agent-traces';
const DEFAULT_MAX_BODY_MB = 32;

export interface ReceiverSettings {
  port: number;
  host: string;
  /** The folder setting as written (trimmed; the default when empty). */
  folder: string;
  /** maxBodyMB as given; checked by `maxBodyBytes`. */
  maxBodyMB: number;
}

export function receiverSettings(): ReceiverSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  // The folder is resource-scoped (like trainingSetsFolder): the first workspace folder's value.
  const root = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  const folder = vscode.workspace.getConfiguration(SECTION, root?.uri ?? null).get<string>('receiver.folder', DEFAULT_RECEIVER_FOLDER).trim();
  return {
    port: config.get<number>('receiver.port', DEFAULT_OTLP_PORT),
    host: config.get<string>('receiver.host', DEFAULT_OTLP_HOST).trim() || DEFAULT_OTLP_HOST,
    folder: folder || DEFAULT_RECEIVER_FOLDER,
    maxBodyMB: config.get<number>('receiver.maxBodyMB', DEFAULT_MAX_BODY_MB),
  };
}

/** maxBodyMB in bytes, or undefined when it is not a whole number of at least 1. */
export function maxBodyBytes(mb: number): number | undefined {
  return Number.isInteger(mb) && mb >= 1 ? mb * 1024 * 1024 : undefined;
}

/**
 * The absolute folder the traces go to: an absolute setting as it is, a relative one under the
 * first local workspace folder; undefined when it is relative and no folder is open.
 */
export function resolveReceiverFolder(folder: string): string | undefined {
  if (isAbsolute(folder)) return folder;
  const root = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return root ? resolve(root.uri.fsPath, folder) : undefined;
}

/** Whether the receiver listens on loopback only (the default), so no other machine can post to it. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
