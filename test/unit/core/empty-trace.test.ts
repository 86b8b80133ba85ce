/**
 * A file can be recognized and still hold no step (an OpenAI conversation with no messages, a
 * fuzzed span list). Such a trace used to open to "no step 0 in this trace (it has 0)" in the
 * editor. Now a file whose every trace is empty is refused with a one-liner saying so, and an
 * empty trace among others is named in a warning (kept, so trace numbers stay as in the file).
 */
import { strict as assert } from 'node:assert';
import { loadTraceFromBytes } from '../../../src/core/load';
import { formatProblem, UserInputError } from '../../../src/core/util/problems';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('traces without steps', () => {
  const header = (id: string): string => `{"type":"trace","format":"agent-trace/v1","id":"${id}","title":"run ${id}"}`;
  const step = (id: string): string => `{"type":"step","id":"${id}","kind":"agent","name":"root"}`;

  it('refuses a file whose only trace has no steps, saying so in one line', () => {
    assert.throws(() => loadTraceFromBytes('header-only.trace.jsonl', enc(header('a'))), (e: unknown) => {
      assert.ok(e instanceof UserInputError, String(e));
      assert.match(e.message, /^header-only\.trace\.jsonl: recognized as Agent Trace JSONL .*, but its trace has no steps \(nothing to show\)$/);
      return true;
    });
  });

  it('keeps an empty trace among others, with a warning naming it', () => {
    const r = loadTraceFromBytes('runs.trace.jsonl', enc([header('a'), step('x'), header('b'), header('c'), step('y')].join('\n')));
    assert.deepEqual(r.traces.map((t) => t.steps.length), [1, 0, 1]);
    assert.deepEqual(r.warnings.map(formatProblem), ['runs.trace.jsonl: trace 2 of 3 ("run b") has no steps (nothing to show)']);
  });
});
