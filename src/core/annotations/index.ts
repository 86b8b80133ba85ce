/** Annotations: the sidecar model, its edit operations, and binding to a trace. */
export * from './schema';
export * from './sidecar';
export * from './edits';
export * from './bind';
export { categoryIn, defaultIdsOf, exportCategory, resolveChoice, type CategoryChoice, type ResolvedChoice } from './categories';
export { writeFileAtomic } from './atomic-write';
export { decisionOf, reviewFindings, reviewOf, shownFindingCategory, type FindingIdentity, type FindingReview, type ReviewedFinding } from './finding-review';
