/** An array's steps as the engine's IndexedSteps (as long as the array is), for tests of the held search and payloads. */
import type { Step } from '../../src/core/model/schema';
import type { IndexedSteps } from '../../src/core/engine/stream/step-payloads';

export function stepsOf(steps: readonly Step[]): IndexedSteps {
  return { get length() { return steps.length; }, step: (i) => steps[i] };
}
