/** Command, view and context-key ids, in one place so package.json and the code cannot drift apart silently. */
export const TRACE_EDITOR_VIEW_TYPE = 'agentTraceDebugger.traceEditor';
/** Second contribution of the same editor, offered (priority "option") for any .json/.jsonl file. */
export const TRACE_EDITOR_ANY_JSON_VIEW_TYPE = 'agentTraceDebugger.traceEditor.anyJson';
/** The Compare Traces view (a webview panel, src/host/compare/panel.ts). */
export const COMPARE_VIEW_TYPE = 'agentTraceDebugger.compareView';
export const TRACES_VIEW_ID = 'agentTraceDebugger.traces';
/** The Sessions view: a section of the same side bar, collapsed by default (package.json `visibility`). */
export const SESSIONS_VIEW_ID = 'agentTraceDebugger.sessions';

export const COMMANDS = {
  openInTraceDebugger: 'agentTraceDebugger.openInTraceDebugger',
  nextFailure: 'agentTraceDebugger.nextFailure',
  previousFailure: 'agentTraceDebugger.previousFailure',
  nextPeer: 'agentTraceDebugger.nextPeer',
  previousPeer: 'agentTraceDebugger.previousPeer',
  revealSelectedInFile: 'agentTraceDebugger.revealSelectedInFile',
  convertTrace: 'agentTraceDebugger.convertTrace',
  refreshTraces: 'agentTraceDebugger.refreshTraces',
  refreshSessions: 'agentTraceDebugger.refreshSessions',
  openTraceItem: 'agentTraceDebugger.openTraceItem',
  showMoreSessions: 'agentTraceDebugger.showMoreSessions',
  testGetWebviewState: 'agentTraceDebugger.test.getWebviewState',
  tagStep: 'agentTraceDebugger.tagStep',
  decideFinding: 'agentTraceDebugger.decideFinding',
  testGetAnnotations: 'agentTraceDebugger.test.getAnnotations',
  testHoldTraceReads: 'agentTraceDebugger.test.holdTraceReads',
  testHashOnAThreadFrom: 'agentTraceDebugger.test.hashOnAThreadFrom',
  debugTrace: 'agentTraceDebugger.debugTrace',
  tagStepFromDebugger: 'agentTraceDebugger.tagStepFromDebugger',
  toggleFollow: 'agentTraceDebugger.toggleFollow',
  queryTraces: 'agentTraceDebugger.queryTraces',
  compareTraces: 'agentTraceDebugger.compareTraces',
  compareWithCorrected: 'agentTraceDebugger.compareWithCorrected',
  compareOpenSideBySide: 'agentTraceDebugger.compareOpenSideBySide',
  testGetCompareViewState: 'agentTraceDebugger.test.getCompareViewState',
  openTraceExplorer: 'agentTraceDebugger.openTraceExplorer',
  refreshClusters: 'agentTraceDebugger.refreshClusters',
  tagCluster: 'agentTraceDebugger.tagCluster',
  rejectClusterFindings: 'agentTraceDebugger.rejectClusterFindings',
  undoClusterTagging: 'agentTraceDebugger.undoClusterTagging',
  nextStepInCluster: 'agentTraceDebugger.nextStepInCluster',
  previousStepInCluster: 'agentTraceDebugger.previousStepInCluster',
  openClusterStep: 'agentTraceDebugger.openClusterStep',
  nextDifference: 'agentTraceDebugger.nextDifference',
  previousDifference: 'agentTraceDebugger.previousDifference',
  startReceiver: 'agentTraceDebugger.startReceiver',
  stopReceiver: 'agentTraceDebugger.stopReceiver',
  receiverActions: 'agentTraceDebugger.receiverActions',
  showDetectorReport: 'agentTraceDebugger.showDetectorReport',
  detectorReportForFolder: 'agentTraceDebugger.detectorReportForFolder',
  refreshDetectorReport: 'agentTraceDebugger.refreshDetectorReport',
} as const;
