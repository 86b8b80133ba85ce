/** The details show a tool step's input once when it is the call's arguments again (webview/repeated-input.ts). */
import { strict as assert } from 'node:assert';
import { inputRepeatsArguments } from '../../../webview/repeated-input';

describe('webview: an input that repeats the tool call', () => {
  const call = { name: 'web_search', arguments: { query: 'q', type: 'search' } };
  it('is the arguments again: the same JSON value, and nothing else', () => {
    assert.equal(inputRepeatsArguments({ toolCall: call, input: { value: { query: 'q', type: 'search' } } }), true);
    assert.equal(inputRepeatsArguments({ toolCall: { name: 'run', arguments: 'ls -la' }, input: { value: 'ls -la' } }), true);
  });
  it("is the one argument's string again (mini-swe-agent's command)", () => {
    assert.equal(inputRepeatsArguments({ toolCall: { name: 'bash', arguments: { command: 'cat a.py' } }, input: { value: 'cat a.py' } }), true);
    assert.equal(inputRepeatsArguments({ toolCall: { name: 'bash', arguments: { command: 'cat a.py', timeout: 5 } }, input: { value: 'cat a.py' } }), false, 'a second argument is not in the input');
    assert.equal(inputRepeatsArguments({ toolCall: { name: 'bash', arguments: { command: 'cat b.py' } }, input: { value: 'cat a.py' } }), false);
    assert.equal(inputRepeatsArguments({ toolCall: { name: 'bash', arguments: ['cat a.py'] } , input: { value: 'cat a.py' } }), false);
  });
  it('is shown when it differs, holds messages, or there is no call', () => {
    assert.equal(inputRepeatsArguments({ toolCall: call, input: { value: { query: 'other', type: 'search' } } }), false);
    assert.equal(inputRepeatsArguments({ toolCall: call, input: { value: { type: 'search', query: 'q' } } }), false, 'another order is another text: shown');
    assert.equal(inputRepeatsArguments({ toolCall: call, input: { messages: [{ role: 'user', content: 'q' }], value: call.arguments } }), false);
    assert.equal(inputRepeatsArguments({ toolCall: call, input: { messages: [] } }), false);
    assert.equal(inputRepeatsArguments({ input: { value: call.arguments } }), false);
    assert.equal(inputRepeatsArguments({ toolCall: call }), false);
  });
});
