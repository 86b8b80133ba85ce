/** Deterministic failure detectors over the canonical trace model (no vscode: also used by the CLI). */
export { detect, sameFinding, StreamDetector, type DetectedTrace } from './detect';
export { RULES } from './rules';
export type { Attribution, DetectOptions, Finding, RuleInfo } from './types';
export { classifyError } from './text';
export { explainedFailures, ExplainingSteps } from './explained';
