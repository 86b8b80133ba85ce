/** Failure clusters across traces: see clusters.ts (grouping) and signature.ts (the error signature). */
export { errorSignature, SIGNATURE_MAX } from './signature';
export { ClusterBuilder, clusterFailures, failuresOf, labelCategory, EXAMPLE_TEXT_MAX, type ClusterFinding, type ClusterOptions, type ClusterTrace, type Failure, type FailureCluster } from './clusters';
export {
  batchEdit, batchLabel, planSidecarBatch, readBytes, sameBytes, undoSidecarBatch, writeSidecarBatch,
  type BatchAction, type BatchEditResult, type BatchFileInput, type BatchFilePlan, type BatchPlan, type BatchRefusal, type BatchStep, type BatchWriteResult, type ReadBytes, type SidecarWriteRecord, type UndoResult,
} from './batch';
