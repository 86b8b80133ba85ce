/** Detector evaluation against human judgements: see evaluate.ts for exactly what counts. */
export {
  DetectorEvaluator, evaluateDetectors, judgementsOf, PARTIAL_SCHEMES,
  type CategoryFigure, type DetectorEvaluation, type EvalOptions, type EvalTrace, type Figure, type Judgement, type LocationFigure, type RuleFigure, type StepAddress,
} from './evaluate';
