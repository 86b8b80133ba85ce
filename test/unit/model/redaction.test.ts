import { strict as assert } from 'node:assert';
import { isRedactionPlaceholder } from '../../../src/core/model/redaction';

describe('redaction placeholders', () => {
  it('knows a whole placeholder in the usual spellings, and nothing that only mentions one', () => {
    const placeholders = [
      '[REDACTED]', '[redacted]', '<REDACTED>', '(redacted: pii)', '***REDACTED***', 'REDACTED',
      '[REDACTED_ARGUMENTS len=153 sha=23291271]', ' [REDACTED_TEXT len=3019 sha=f3ffd0ed]\n', '[REDACTED-EMAIL]', '[redacted by policy]',
    ];
    const notPlaceholders = [
      '', '[REDACTED] and the rest of the sentence', 'the value was REDACTED', '[REDACTEDX]', '[REDACTED', '{"city": "[REDACTED]"}',
      '[1, 2', '{"a": 1}', `[REDACTED ${'x'.repeat(300)}]`, 'redacted text follows: abc',
    ];
    assert.deepEqual(placeholders.filter((s) => !isRedactionPlaceholder(s)), []);
    assert.deepEqual(notPlaceholders.filter((s) => isRedactionPlaceholder(s)), []);
    assert.deepEqual([undefined, null, 3, { a: '[REDACTED]' }, ['[REDACTED]']].filter((v) => isRedactionPlaceholder(v)), []);
  });
});
