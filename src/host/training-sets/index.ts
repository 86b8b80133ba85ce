/**
 * Training sets in the host: the "Training Sets" view, the promote command, and the example
 * actions (open as a rendered conversation, remove, reveal the source step).
 *
 *   activateTrainingSets(context) → TrainingSetsApi (also exposed to the integration tests)
 *   promoteWithUi(uri?, traceIndex?, choice?) → for other host code (the trace editor's button)
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import * as vscode from 'vscode';
import { removeExample, type RemovalResult } from '../../core/training-set/remove';
import { formatProblem, isUserInputError } from '../../core/util/problems';
import { openInTraceDebugger } from '../commands';
import { getOpenTraceDocument } from '../editor';
import { EXAMPLE_SCHEME, TRAINING_COMMANDS, TRAINING_SETS_VIEW_ID } from './ids';
import { promoteWithUi, setPromoteView, type PromoteChoice } from './promote-command';
import { confirmExternalWrite } from '../trusted-args';
import { renderExample } from './render-example';
import { readExample } from './sets-on-disk';
import { TrainingSetsTreeProvider, type TrainingSetNode } from './view';

export { promoteWithUi, type PromoteChoice, type PromoteUiResult } from './promote-command';
export { TrainingSetsTreeProvider, type TrainingSetNode } from './view';

type ExampleNode = Extract<TrainingSetNode, { type: 'example' }>;

export interface TrainingSetsApi {
  view: TrainingSetsTreeProvider;
  promoteWithUi: typeof promoteWithUi;
  /** Without `confirmed`, asks first (a modal); resolves to what was removed, or undefined. */
  removeExample(node: ExampleNode, options?: { confirmed?: boolean }): Promise<RemovalResult | undefined>;
  exampleUri(node: ExampleNode): vscode.Uri;
}

export function activateTrainingSets(context: vscode.ExtensionContext): TrainingSetsApi {
  const provider = new TrainingSetsTreeProvider();
  const view = vscode.window.createTreeView(TRAINING_SETS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  provider.attach(view);
  setPromoteView(provider);
  const documents = new ExampleDocuments(provider);
  context.subscriptions.push(
    provider,
    view,
    documents,
    { dispose: () => setPromoteView(undefined) },
    vscode.workspace.registerTextDocumentContentProvider(EXAMPLE_SCHEME, documents),
    vscode.commands.registerCommand(TRAINING_COMMANDS.promote, async (uri?: unknown, traceIndex?: unknown, choice?: PromoteChoice) => {
      // From the Explorer the second argument is the list of selected files, not a trace index.
      const target = uri instanceof vscode.Uri ? uri : undefined;
      // A choice skips every prompt and writes a set: from another extension, the user confirms it.
      if (choice && !(await confirmExternalWrite(choice, `promote ${target ? basename(target.fsPath) : 'the active trace'} into the training set "${String(choice.set)}"`))) return undefined;
      return promoteWithUi(target, typeof traceIndex === 'number' ? traceIndex : undefined, choice);
    }),
    vscode.commands.registerCommand(TRAINING_COMMANDS.refresh, () => provider.refresh()),
    vscode.commands.registerCommand(TRAINING_COMMANDS.openExample, (node?: TrainingSetNode) => (isExample(node) ? openExample(node) : undefined)),
    vscode.commands.registerCommand(TRAINING_COMMANDS.removeExample, (node?: TrainingSetNode) => (isExample(node) ? confirmAndRemove(provider, node) : undefined)),
    vscode.commands.registerCommand(TRAINING_COMMANDS.revealSource, (node?: TrainingSetNode) => (isExample(node) ? revealSource(node) : undefined)),
  );
  return {
    view: provider,
    promoteWithUi,
    removeExample: (node, options) => confirmAndRemove(provider, node, options?.confirmed),
    exampleUri,
  };
}

function isExample(node: TrainingSetNode | undefined): node is ExampleNode {
  return node?.type === 'example';
}

/** `agent-trace-example:/<set>/<file>/<id>.md?<set folder>`: the .md makes it a Markdown text document. */
export function exampleUri(node: ExampleNode): vscode.Uri {
  const path = `/${encodeURIComponent(node.set.name)}/${node.entry.file}/${encodeURIComponent(node.entry.id)}.md`;
  return vscode.Uri.from({ scheme: EXAMPLE_SCHEME, path, query: new URLSearchParams({ dir: node.set.dir, id: node.entry.id }).toString() });
}

/** Read-only documents rendering one example from disk (re-rendered when the sets change). */
class ExampleDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(provider: TrainingSetsTreeProvider) {
    this.subscription = provider.onDidRefresh(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === EXAMPLE_SCHEME) this.changed.fire(doc.uri);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const params = new URLSearchParams(uri.query);
    const dir = params.get('dir');
    const id = params.get('id');
    if (!dir || !id) return `This link does not name a training example (${uri.toString(true)}).\n`;
    try {
      const { entry, line, record, config } = readExample(dir, id);
      return renderExample(record, entry, line, config);
    } catch (e) {
      return `# Example not available\n\n${e instanceof Error ? e.message : String(e)}\n`;
    }
  }
}

async function openExample(node: ExampleNode): Promise<void> {
  // A text document, not the Markdown preview: trace content is only ever shown as text.
  const doc = await vscode.workspace.openTextDocument(exampleUri(node));
  await vscode.window.showTextDocument(doc, { preview: true });
}

async function confirmAndRemove(provider: TrainingSetsTreeProvider, node: ExampleNode, confirmed = false): Promise<RemovalResult | undefined> {
  const what = vscode.l10n.t('example {0} of {1} ({2} #{3})', node.line, node.entry.file, basename(node.entry.trace.path), node.entry.trace.traceIndex);
  if (!confirmed) {
    const remove = vscode.l10n.t('Remove');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Remove {0} from training set "{1}"?', what, node.set.name),
      { modal: true, detail: vscode.l10n.t('Its line in the data file and its manifest entry are deleted. Promoting the trace again brings it back.') },
      remove,
    );
    if (answer !== remove) return undefined;
  }
  try {
    const result = await removeExample(node.set.dir, { id: node.entry.id, recordSha256: node.entry.recordSha256 });
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: removed {0}; {1} left in {2}.', what, result.remaining, result.file));
    return result;
  } catch (e) {
    const message = isUserInputError(e) ? e.problems.map(formatProblem).join(' | ') : e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: could not remove {0}: {1}', what, message));
    return undefined;
  } finally {
    provider.refresh();
  }
}

/** Open the example's source trace in the Trace Debugger at its corrected (or first tagged, or first) step. */
async function revealSource(node: ExampleNode): Promise<boolean> {
  const { entry } = node;
  const tracePath = resolve(node.set.dir, entry.trace.path);
  if (!existsSync(tracePath)) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Agent Trace: the source trace {0} of this example no longer exists (moved or deleted since promotion).', tracePath));
    return false;
  }
  const location = entry.corrections[0] ?? entry.tags[0]?.location ?? entry.steps[0];
  const uri = vscode.Uri.file(tracePath);
  await openInTraceDebugger(uri);
  if (location === undefined) return false;
  // The manifest names the run by its key (entries written before keys: by its number in the
  // file); the editor by position. Step ids repeat across the runs of one file, so the step is
  // selected in that run only.
  const file = getOpenTraceDocument(uri)?.file;
  const run = entry.trace.traceKey !== undefined ? file?.positionOfTraceKey(entry.trace.traceKey) : file?.positionOfTrace(entry.trace.traceIndex);
  if (run !== undefined && await openInTraceDebugger(uri, location, run)) return true;
  // selectStep matches the id as written in the trace (what the manifest stores): a miss means the
  // step is gone, most likely because the trace changed since promotion.
  const trace = run === undefined ? undefined : file?.traces[run];
  if (trace && trace.source.sha256 !== entry.trace.sha256) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Agent Trace: {0} changed since this example was promoted; step {1} is not in it any more.', basename(tracePath), location));
    return false;
  }
  void vscode.window.showInformationMessage(vscode.l10n.t('Agent Trace: opened {0}, but could not select step {1}.', basename(tracePath), location));
  return false;
}
