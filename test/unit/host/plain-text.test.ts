/** Trace text in quick picks stays text: `$(name)` is not rendered as an icon (src/host/plain-text.ts). */
import { strict as assert } from 'node:assert';
import { withoutIcons } from '../../../src/host/plain-text';

describe('trace text where VS Code renders icons', () => {
  it('breaks every $( so no icon is rendered, and leaves other text as it is', () => {
    assert.equal(withoutIcons('$(pass) all fine $(error)'), '$\u200b(pass) all fine $\u200b(error)');
    assert.equal(withoutIcons('costs $5 (approx.)'), 'costs $5 (approx.)');
  });
});
