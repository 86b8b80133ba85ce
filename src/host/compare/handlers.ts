/**
 * The Compare Traces view's request handlers over a CompareModel. No vscode here: the panel
 * (panel.ts) and the webview tests bind the same handlers; what needs VS Code (opening a trace
 * editor) comes in as `actions`.
 */
import type { RpcEndpoint } from '../../protocol';
import { CompareReady, FindDifference, GetPairDetails, GetPairs, LocatePair, OpenPairStep, OpenSideBySide, PairSelected, type CompareRestoreSpec } from '../../protocol/compare';
import type { CompareModel, CompareSource } from './model';

export interface CompareActions {
  /** Open a step of one side in the trace editor. */
  openStep(source: CompareSource, stepId: string): Promise<{ opened: boolean; reason?: string }>;
  /** Open both runs in two trace editors side by side, at a pair. */
  openSideBySide(pair: number): Promise<void>;
  /** The webview selected a pair. */
  pairSelected?(pair: number): void;
}

/** `restore`: the comparison as the page keeps it in its state, to be opened again after a reload. */
export function bindCompareHandlers(rpc: RpcEndpoint, model: CompareModel, actions: CompareActions, restore?: CompareRestoreSpec): void {
  rpc.onRequest(CompareReady, () => ({ ...model.ready(), ...(restore ? { restore } : {}) }));
  rpc.onRequest(GetPairs, (p) => model.page(p));
  rpc.onRequest(GetPairDetails, (p) => model.details(p.pair));
  rpc.onRequest(LocatePair, (p) => ({ row: model.locate(p.pair, p.onlyDifferences) }));
  rpc.onRequest(FindDifference, (p) => model.findDifference(p.from, p.direction));
  rpc.onRequest(OpenPairStep, async (p) => {
    const found = model.stepOf(p.pair, p.side);
    if (!found) return { opened: false, reason: `the ${p.side === 'a' ? 'first' : 'second'} run has no step in this pair` };
    return actions.openStep(found.source, found.step.id);
  });
  rpc.onRequest(OpenSideBySide, async (p) => {
    await actions.openSideBySide(p.pair);
    return null;
  });
  rpc.onNotification(PairSelected, (p) => actions.pairSelected?.(p.pair));
}
