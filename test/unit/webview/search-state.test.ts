/**
 * The search box's label while a large trace held on disk is searched in its file: the host
 * answers with the match at once and a partial count, then the count (webview/search-state.ts).
 */
import { strict as assert } from 'node:assert';
import { SearchState } from '../../../webview/search-state';

describe('webview: the search label while the host counts', () => {
  it('says how many so far while counting, then "k of n" for the match it moved to', () => {
    const state = new SearchState();
    state.set('timeout', { index: 812, matchCount: 40, partial: true, matches: [3, 812] });
    assert.equal(state.label(), '40 matches so far, counting…');
    assert.equal(state.forList()?.isMatch(812), true);
    assert.equal(state.setCount('timeout', { index: 3, matchCount: 1_204, ordinal: 1, matches: [3, 17, 812, 900] }), true);
    assert.equal(state.label(), '3 of 1,204', 'the ordinal of the step it moved to, not of the count\'s own answer');
    assert.equal(state.forList()?.isMatch(900), true);
  });

  it('ignores a count for a query typed over, and a match beyond the listed ones has no ordinal', () => {
    const state = new SearchState();
    state.set('time', { index: 5, matchCount: 1, partial: true, matches: [5] });
    state.set('timeout', { index: 9, matchCount: 2, partial: true, matches: [5, 9] });
    assert.equal(state.setCount('time', { index: 5, matchCount: 3, ordinal: 1, matches: [5, 6, 9] }), false);
    assert.equal(state.label(), '2 matches so far, counting…');
    assert.equal(state.setCount('timeout', { index: 5, matchCount: 20_000, ordinal: 1, matches: [5] }), true);
    assert.equal(state.label(), '20,000 matches');
  });

  it('one match so far reads in the singular', () => {
    const state = new SearchState();
    state.set('rare', { index: 2, matchCount: 1, partial: true, matches: [2] });
    assert.equal(state.label(), '1 match so far, counting…');
  });
});
