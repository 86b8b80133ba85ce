/** The trace engine: one model of a trace for the editor, the debugger, live traces and the CLI. */
export * from './trace-index';
export * from './cursor';
export { lowerBound, mergeSorted, upperBound } from './sorted-positions';
export * from './step-ids';
