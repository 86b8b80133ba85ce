/** Compare two runs: align their steps, find the first divergence, diff the fields of a pair. */
export { alignSteps, alignTraces, type AlignedPair, type Alignment, type AlignOptions, type Divergence, type PairKind } from './align';
export { diffStepFields, lineDiff, type DiffLine, type FieldDiff } from './field-diff';
export { actionArguments, actionName, COMPARED_FIELDS, differingFields, maskText, maskValue, stepFields, stepKeys, stepLabel, type ComparedField, type StepKeys } from './keys';
export { correctedTrajectory, formatTraceSpec, parseTraceSpec, TraceLoader, type CorrectedTrajectory, type TraceSpec } from './sources';
