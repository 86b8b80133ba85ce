/**
 * The extension's settings, read in one place so every feature interprets them the same way.
 */
import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_TAXONOMY, loadTaxonomy, type Taxonomy } from '../core/taxonomy';
import { formatProblem, isUserInputError } from '../core/util/problems';
import { DEFAULT_TRACE_GLOB } from './trace-files';

const SECTION = 'agentTraceDebugger';

/** Specs already reported as unloadable, so a bad setting is said once, not per file. */
const reported = new Set<string>();

/**
 * The taxonomy named by `agentTraceDebugger.taxonomy`: a built-in id, or a JSON file (a relative
 * path is taken from the first workspace folder, not the extension host's working directory).
 * A bad file falls back to the default taxonomy with one located error message.
 */
/** The taxonomy setting as the trace worker takes it: "default", "trail", "mast" or a file's absolute path. */
export function configuredTaxonomySpec(): string {
  const spec = taxonomySetting();
  if (['default', 'trail', 'mast'].includes(spec)) return spec;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder && !/^([/\\]|[A-Za-z]:)/.test(spec) ? vscode.Uri.joinPath(folder.uri, spec).fsPath : spec;
}

/**
 * The setting as the first workspace folder sees it: it is resource-scoped, and a relative path in
 * it is taken from that folder too (read without a resource, VS Code logs a warning at each read).
 */
function taxonomySetting(): string {
  const scope = vscode.workspace.workspaceFolders?.[0]?.uri ?? null;
  return vscode.workspace.getConfiguration(SECTION, scope).get<string>('taxonomy', 'default').trim() || 'default';
}

export function configuredTaxonomy(): Taxonomy {
  const spec = taxonomySetting();
  if (spec === 'default') return DEFAULT_TAXONOMY;
  const resolved = configuredTaxonomySpec();
  try {
    return loadTaxonomy(resolved);
  } catch (e) {
    if (!reported.has(spec)) {
      reported.add(spec);
      const why = isUserInputError(e) ? e.problems.map(formatProblem).join('; ') : String(e);
      void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: the taxonomy setting "{0}" could not be loaded ({1}); using the default taxonomy.', spec, why));
    }
    return DEFAULT_TAXONOMY;
  }
}

/** `agentTraceDebugger.maskPrivateData` for the file being promoted: mask home folders, e-mail addresses and host names in its examples. */
export function maskPrivateData(resource: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration(SECTION, resource).get<boolean>('maskPrivateData', false) === true;
}

/** `agentTraceDebugger.training.refusedByTemplate` for the file being promoted: keep (the default) or leave out examples a chat template refuses. */
export function refusedByTemplate(resource: vscode.Uri): 'keep' | 'drop' {
  return vscode.workspace.getConfiguration(SECTION, resource).get<string>('training.refusedByTemplate', 'keep') === 'drop' ? 'drop' : 'keep';
}

/**
 * The length check of a promotion: `agentTraceDebugger.training.maxTokens` (0 = none),
 * `.truncate` and `.tokenizer` (a tokenizer.json; a relative path is taken from the trace's
 * workspace folder, or the first one). A tokenizer file that cannot be read fails the promotion
 * with a message naming it.
 */
export function trainingLength(resource: vscode.Uri): { maxTokens?: number; truncate: boolean; tokenizer?: string } {
  const config = vscode.workspace.getConfiguration(SECTION, resource);
  const max = config.get<number>('training.maxTokens', 0);
  const spec = config.get<string>('training.tokenizer', '').trim();
  const folder = vscode.workspace.getWorkspaceFolder(resource) ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return {
    maxTokens: Number.isInteger(max) && max > 0 ? max : undefined,
    truncate: config.get<boolean>('training.truncate', false) === true,
    tokenizer: !spec ? undefined : isAbsolute(spec) || !folder ? spec : resolve(folder.uri.fsPath, spec),
  };
}

/** `agentTraceDebugger.traceGlob` for the whole workspace (the setting is resource-scoped; null = any). */
export function traceGlob(): string {
  return vscode.workspace.getConfiguration(SECTION, null).get<string>('traceGlob') || DEFAULT_TRACE_GLOB;
}

/** `agentTraceDebugger.maxUnzippedMB` in bytes: the most one archive (Inspect `.eval`) may inflate to. */
/** Files larger than this are not analysed by the views and the trace database (agentTraceDebugger.maxFileSizeMB). */
/**
 * The largest file analysed in the background (text diagnostics, view counts). Never above 512 MB,
 * whatever the setting: a larger file cannot be read as one text, and its steps held whole (about
 * three times the file) would outgrow the worker's heap. The trace editor reads such files as a
 * stream.
 */
export function maxFileBytes(): number {
  const mb = vscode.workspace.getConfiguration('agentTraceDebugger').get<number>('maxFileSizeMB', 20);
  return Math.min(MAX_ANALYSED_MB, Math.max(1, mb)) * 1024 * 1024;
}

/** The most `agentTraceDebugger.maxFileSizeMB` may be (package.json says so too). */
export const MAX_ANALYSED_MB = 512;

export function maxUnzippedBytes(): number {
  const mb = vscode.workspace.getConfiguration(SECTION, null).get<number>('maxUnzippedMB', 512);
  return (Number.isFinite(mb) && mb > 0 ? mb : 512) * (1 << 20);
}

/**
 * `agentTraceDebugger.annotationsFolder` for a trace, as an absolute path; undefined when empty
 * (sidecars beside their traces). Relative paths are taken from the trace's workspace folder (or
 * the first one); with no folder open, only an absolute path applies.
 */
export function configuredAnnotationsFolder(trace: vscode.Uri): string | undefined {
  const spec = vscode.workspace.getConfiguration(SECTION, trace).get<string>('annotationsFolder', '').trim();
  if (!spec) return undefined;
  if (isAbsolute(spec)) return spec;
  const folder = vscode.workspace.getWorkspaceFolder(trace) ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return folder ? resolve(folder.uri.fsPath, spec) : undefined;
}
