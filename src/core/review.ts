/**
 * Which findings exist for a trace under a taxonomy, and how the sidecar reviewed each of them.
 * The editor, the text diagnostics, the webview and promotion all answer through here, so the
 * detectors run with the same options everywhere (the taxonomy's location rule) and one rule
 * decides which findings are confirmed or rejected (annotations/finding-review.ts).
 */
import { detectOptionsFor } from './analyze';
import { bindAnnotations } from './annotations/bind';
import { reviewFindings, type ReviewedFinding } from './annotations/finding-review';
import type { AnnotationDocument } from './annotations/schema';
import { detect, type Finding } from './detect';
import type { Trace } from './model/schema';
import type { Taxonomy } from './taxonomy/types';

export { decisionOf, reviewFindings, reviewOf, shownFindingCategory, type FindingIdentity, type FindingReview, type ReviewedFinding } from './annotations/finding-review';

/** The detector findings of a trace as a user of `taxonomy` sees them (placed by its location rule). */
export function findingsFor(trace: Trace, taxonomy: Taxonomy): Finding[] {
  return detect(trace, detectOptionsFor(taxonomy));
}

/** Every finding of the trace under `taxonomy` with the review `doc` gives it. */
export function reviewedFindings(trace: Trace, doc: AnnotationDocument, taxonomy: Taxonomy, sidecarFile = 'annotations'): ReviewedFinding<Finding>[] {
  return reviewFindings(findingsFor(trace, taxonomy), bindAnnotations(doc, trace, sidecarFile).tagsByStep, taxonomy);
}
