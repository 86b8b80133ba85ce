/**
 * A closed JSON node's preview on its summary line (webview/json-preview.ts): the first entries,
 * nested values as {…} and […], cut at about a hundred characters, so that a tool's list of
 * records (tau-bench's flights) can be skimmed without opening each record.
 */
import { strict as assert } from 'node:assert';
import { preview } from '../../../webview/json-preview';

describe('webview: JSON node preview', () => {
  it('shows the first keys and values, nested ones as {…} and […]', () => {
    assert.equal(preview({ origin: 'JFK', seats: 3, direct: false, stops: ['ORD'], price: { economy: 100 }, none: null }), '{origin: "JFK", seats: 3, direct: false, stops: […], price: {…}, none: null}');
    assert.equal(preview([{ a: 1 }, [], {}, 'x']), '[{…}, [], {}, "x"]');
  });

  it('stops at about a hundred characters and cuts long strings', () => {
    const record = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key${i}`, 'v'.repeat(60)]));
    const text = preview(record);
    assert.ok(text.endsWith(', …}'), text);
    assert.ok(text.length < 200, `${text.length} characters`);
    assert.match(text, /^\{key0: "v{40}…", key1: /);
    assert.equal(preview(Array.from({ length: 10_000 }, (_, i) => i)).length < 120, true);
  });
});
