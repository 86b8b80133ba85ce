/** Failure clusters across traces: see clusters.ts (grouping) and signature.ts (the error signature). */
export { errorSignature, SIGNATURE_MAX } from './signature';
export { ClusterBuilder, clusterFailures, failuresOf, labelCategory, EXAMPLE_TEXT_MAX, type ClusterOptions, type ClusterTrace, type Failure, type FailureCluster } from './clusters';
