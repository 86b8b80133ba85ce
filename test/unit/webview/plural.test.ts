/** Counts with their nouns in the webviews (webview/plural.ts): "1 step", not "1 steps". */
import { strict as assert } from 'node:assert';
import { counted } from '../../../webview/plural';

describe('webview: counted', () => {
  it('says one thing in the singular, other counts in the plural, with thousands separated', () => {
    assert.equal(counted(1, 'step'), '1 step');
    assert.equal(counted(0, 'step'), '0 steps');
    assert.equal(counted(2, 'step'), '2 steps');
    assert.equal(counted(1_000_000, 'step'), '1,000,000 steps');
    assert.equal(counted(1, 'match', 'matches'), '1 match');
    assert.equal(counted(3, 'match', 'matches'), '3 matches');
  });
});
