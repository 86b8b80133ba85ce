import { strict as assert } from 'node:assert';
import { isUserInputError, type Problem } from '../../src/core/util/problems';

/** The problems `load` is refused with (a UserInputError); fails the test when it loads, rethrows any other error. */
export function refusal(load: () => unknown): Problem[] {
  try {
    load();
  } catch (e) {
    if (isUserInputError(e)) return e.problems;
    throw e;
  }
  assert.fail('loaded without an error');
}
