/**
 * Wires the protocol's webview→host requests to a TraceFile. Shared by the real editor and the
 * webview tests' stub host, so the tests exercise the same answers VS Code users get.
 */
import {
  EditAnnotations, FindFailure, FindPeer, GetAnnotationStatus, GetRows, GetStep, GetStepMessages, GetStepText, GetSummary, GetTagCategories, GetTimeline, LocateStep, OpenAsText,
  PreviewCorrection, PromoteTrace, Ready, RevealInFile, Search,
  ErrorCode, rpcError, type AnnotationOp, type CorrectionOutput, type RpcEndpoint, type StepPath, type ViewSpec,
} from '../../protocol';
import { elideMessages, pageStepDetails, stepMessages, stepTextAt } from './details-page';
import { fileInfo } from './trace-change-handlers';
import type { TraceFile } from './trace-file';

export interface EditorActions {
  /** Open the original file at the step's location. Returns why not, when it cannot. */
  revealInFile(traceIndex: number, stepIndex: number): Promise<{ revealed: boolean; reason?: string }>;
  openAsText(): Promise<void>;
  /** Start "Promote to Training Set" for this file (the host asks for the set). Absent: promotion is not offered. */
  promoteTrace?(traceIndex: number): Promise<boolean>;
}

export function bindTraceEditorHandlers(rpc: RpcEndpoint, file: TraceFile, actions: EditorActions): void {
  // The picker shows how each run ended beside its failure count.
  rpc.onRequest(Ready, () => fileInfo(file));
  rpc.onRequest(GetSummary, (p) => file.session(num(p?.traceIndex, 'traceIndex')).summary());
  rpc.onRequest(GetRows, (p) => sessionFor(file, p?.view).rowsInSlices(checkView(p?.view), num(p.start, 'start'), num(p.count, 'count')));
  rpc.onRequest(LocateStep, (p) => sessionFor(file, p?.view).locate(checkView(p.view), num(p.index, 'index')));
  rpc.onRequest(GetStep, (p) => {
    const traceIndex = num(p?.traceIndex, 'traceIndex');
    const index = num(p.index, 'index');
    // Long texts cross shortened, and long conversations without their middle; the webview asks
    // for the rest (GetStepText, GetStepMessages) when the reader wants it.
    return { ...elideMessages(pageStepDetails(file.session(traceIndex).details(index, !file.isZip))), annotations: file.stepAnnotations(traceIndex, index) };
  });
  rpc.onRequest(GetStepMessages, (p) => {
    const session = file.session(num(p?.traceIndex, 'traceIndex'));
    const index = num(p.index, 'index');
    session.checkIndex(index);
    if (p.at !== 'input' && p.at !== 'output') throw rpcError(ErrorCode.InvalidParams, 'at must be "input" or "output"');
    return stepMessages(session.wholeStep(index), p.at, num(p.start, 'start'), num(p.count, 'count'));
  });
  rpc.onRequest(GetStepText, (p) => {
    const session = file.session(num(p?.traceIndex, 'traceIndex'));
    const index = num(p.index, 'index');
    session.checkIndex(index);
    return { text: stepTextAt(session.wholeStep(index), stepPath(p.path)) };
  });
  // The endpoint is the edit's origin: the provider tells the document's other webviews, not this one.
  rpc.onRequest(EditAnnotations, (p) => file.editAnnotations(num(p?.traceIndex, 'traceIndex'), num(p.index, 'index'), op(p.op), rpc));
  rpc.onRequest(GetTagCategories, () => file.tagCategories());
  rpc.onRequest(PreviewCorrection, (p) => file.previewCorrection(num(p?.traceIndex, 'traceIndex'), num(p.index, 'index'), p.output as CorrectionOutput));
  rpc.onRequest(GetAnnotationStatus, () => file.annotationStatus());
  rpc.onRequest(PromoteTrace, async (p) => {
    const traceIndex = num(p?.traceIndex, 'traceIndex');
    file.session(traceIndex); // NotFound for a trace the file does not have
    if (!actions.promoteTrace) throw rpcError(ErrorCode.MethodNotFound, 'promoting to a training set is not available here');
    return { started: await actions.promoteTrace(traceIndex) };
  });
  rpc.onRequest(FindFailure, (p) => ({
    index: sessionFor(file, p?.view).findFailure(checkView(p.view), num(p.from, 'from'), direction(p.direction)),
  }));
  rpc.onRequest(FindPeer, (p) => ({
    index: sessionFor(file, p?.view).findPeer(checkView(p.view), num(p.from, 'from'), direction(p.direction)),
  }));
  rpc.onRequest(Search, (p) => file.session(num(p?.traceIndex, 'traceIndex')).searchAsync(String(p.query ?? ''), num(p.from, 'from'), direction(p.direction), { complete: p.complete === true }));
  rpc.onRequest(GetTimeline, (p) => {
    const limit = Math.min(Math.max(1, num(p?.limit, 'limit')), 20_000);
    return file.session(num(p.traceIndex, 'traceIndex')).timeline(num(p.start, 'start'), num(p.end, 'end'), limit);
  });
  rpc.onRequest(RevealInFile, (p) => actions.revealInFile(num(p?.traceIndex, 'traceIndex'), num(p.index, 'index')));
  rpc.onRequest(OpenAsText, async () => { await actions.openAsText(); return null; });
}

// The webview is ours, but its messages still cross a boundary: check shapes, reply with clear errors.
function num(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw rpcError(ErrorCode.InvalidParams, `${name} must be a number`);
  return v;
}

function stepPath(v: unknown): StepPath {
  if (!Array.isArray(v) || v.length > 64 || !v.every((k) => typeof k === 'string' || (typeof k === 'number' && Number.isInteger(k) && k >= 0))) {
    throw rpcError(ErrorCode.InvalidParams, 'path must be an array of at most 64 property names and array indexes');
  }
  return v as StepPath;
}

function op(v: unknown): AnnotationOp {
  if (!v || typeof v !== 'object' || typeof (v as { kind?: unknown }).kind !== 'string') throw rpcError(ErrorCode.InvalidParams, 'op must be an object with a "kind"');
  return v as AnnotationOp;
}

function direction(v: unknown): 'next' | 'previous' {
  if (v !== 'next' && v !== 'previous') throw rpcError(ErrorCode.InvalidParams, 'direction must be "next" or "previous"');
  return v;
}

function checkView(v: ViewSpec | undefined): ViewSpec {
  if (!v || !Array.isArray(v.collapsed) || !Array.isArray(v.categories)) throw rpcError(ErrorCode.InvalidParams, 'view must have collapsed and categories arrays');
  return { traceIndex: num(v.traceIndex, 'view.traceIndex'), collapsed: v.collapsed.filter((x) => typeof x === 'number'), failuresOnly: v.failuresOnly === true, categories: v.categories.filter((x) => typeof x === 'string') };
}

function sessionFor(file: TraceFile, view: ViewSpec | undefined) {
  return file.session(num(view?.traceIndex, 'view.traceIndex'));
}
