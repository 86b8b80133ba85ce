/** Failure sites live in the core (the analysis worker computes them); re-exported for the host's features. */
export * from '../../core/analysis/failure-sites';
