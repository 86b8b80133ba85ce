/**
 * Files next to a trace that its importer reads along with it (src/core/util/siblings.ts): they
 * only exist for files on disk.
 */
import type * as vscode from 'vscode';
import { siblingsOf, type SiblingAccess } from '../core/util/siblings';

export function siblingAccessFor(uri: vscode.Uri): Partial<SiblingAccess> {
  return uri.scheme === 'file' ? siblingsOf(uri.fsPath) : {};
}
